/* SPDX-License-Identifier: MIT */
/* The port table (hotplug/port_table.c) on a clock of our own, without
 * libudev or umockdev: settle and init-wait timers, cancelled adds, removes
 * carrying the identity of the add, duplicates, a devnode reused, udev
 * completing a port the enumeration found first, and the resync after lost
 * uevents (the reconcile a station relies on after -ENOBUFS). */
#include "../unit/test.h"

#include "port_table.h"

#define MS(x) ((uint64_t)(x) * 1000000u)
#define SETTLE 500u

/* A port as hotplug.c would capture it: ttyUSB<n> on hub port n. */
static struct hp_event port(unsigned n, const char *serial)
{
	struct hp_event e;

	memset(&e, 0, sizeof(e));
	snprintf(e.devnode, sizeof(e.devnode), "/dev/ttyUSB%u", n);
	snprintf(e.syspath, sizeof(e.syspath),
		 "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-%u/1-%u:1.0/ttyUSB%u/tty/ttyUSB%u", n + 1,
		 n + 1, n, n);
	snprintf(e.id_path, sizeof(e.id_path), "pci-0000:00:14.0-usb-0:%u:1.0", n + 1);
	snprintf(e.serial, sizeof(e.serial), "%s", serial);
	snprintf(e.driver, sizeof(e.driver), "cp210x");
	e.vid = 0x10c4;
	e.pid = 0xea60;
	return e;
}

/* What the enumeration saw before udev processed the port: no ID_PATH. */
static struct hp_event raw(unsigned n, const char *serial)
{
	struct hp_event e = port(n, serial);

	e.id_path[0] = '\0';
	return e;
}

/* An enumeration at `now` that finds exactly found[0..n). */
static void scan(struct port_table *t, const struct hp_event *found, size_t n, int udev_done,
		 uint64_t now)
{
	port_table_scan_begin(t);
	for (size_t i = 0; i < n; i++)
		T_EQ_INT(port_table_scan_found(t, &found[i], udev_done, now), 0);
	port_table_scan_end(t);
}

/* Every event ready at `now`, as "+ttyUSB0 -ttyUSB1 ..." (removes first,
 * then adds: the order hp_monitor_next() keeps). */
static const char *drain(struct port_table *t, uint64_t now, struct hp_event *last)
{
	static char out[512];
	struct hp_event ev;
	size_t len = 0;

	out[0] = '\0';
	for (;;) {
		int r = port_table_pop_remove(t, &ev);

		if (!r)
			r = port_table_pop_add(t, now, &ev);
		if (!r)
			break;
		T_EQ_INT(ev.action == HP_REMOVE || ev.action == HP_ADD, 1);
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%c%s", len ? " " : "",
					ev.action == HP_ADD ? '+' : '-', ev.devnode + 5);
		if (last)
			*last = ev;
		if (len >= sizeof(out))
			break;
	}
	return out;
}

static void settle_and_cancel(void)
{
	struct port_table t;
	struct hp_event a = port(0, "0001"), b = port(1, "0002"), ev;

	t_set_case("settle");
	port_table_init(&t, SETTLE);
	T_EQ_INT(port_table_timeout_ms(&t, MS(0)), -1);
	T_EQ_INT(port_table_add(&t, &a, 0, MS(1000)), 0);
	T_EQ_INT(port_table_timeout_ms(&t, MS(1000)), (int)SETTLE);
	T_EQ_INT(port_table_timeout_ms(&t, MS(1000) + 1), (int)SETTLE); /* rounded up */
	T_EQ_STR(drain(&t, MS(1000 + SETTLE) - 1, NULL), "");
	T_EQ_STR(drain(&t, MS(1000 + SETTLE), &ev), "+ttyUSB0");
	T_EQ_STR(ev.serial, "0001");
	T_EQ_STR(ev.id_path, a.id_path);
	T_EQ_INT(port_table_timeout_ms(&t, MS(2000)), -1);

	t_set_case("a remove carries the identity of the add");
	port_table_remove(&t, a.syspath);
	T_EQ_INT(port_table_timeout_ms(&t, MS(2000)), 0);
	T_EQ_STR(drain(&t, MS(2000), &ev), "-ttyUSB0");
	T_EQ_INT(ev.action, HP_REMOVE);
	T_EQ_STR(ev.serial, "0001");
	T_EQ_STR(ev.id_path, a.id_path);
	T_EQ_INT(ev.vid, 0x10c4);

	t_set_case("a remove within the settle cancels the add");
	T_EQ_INT(port_table_add(&t, &b, 0, MS(3000)), 0);
	port_table_remove(&t, b.syspath);
	T_EQ_STR(drain(&t, MS(9000), NULL), "");
	T_EQ_INT(port_table_timeout_ms(&t, MS(9000)), -1);

	t_set_case("unknown removes are ignored");
	port_table_remove(&t, "/sys/devices/none");
	port_table_remove(&t, NULL);
	T_EQ_STR(drain(&t, MS(9000), NULL), "");
	port_table_free(&t);
}

static void duplicates_and_changes(void)
{
	struct port_table t;
	struct hp_event a = port(0, "0001"), a2 = port(0, "0001"), other, ev;

	t_set_case("duplicate add and change of a known port");
	port_table_init(&t, SETTLE);
	T_EQ_INT(port_table_add(&t, &a, 0, MS(0)), 0);
	T_EQ_INT(port_table_add(&t, &a, 0, MS(100)), 0); /* before the report */
	T_EQ_STR(drain(&t, MS(SETTLE), NULL), "+ttyUSB0");
	snprintf(a2.slot, sizeof(a2.slot), "7"); /* a rule edited after the plug */
	T_EQ_INT(port_table_add(&t, &a2, 0, MS(1000)), 0);
	T_EQ_INT(port_table_add(&t, &a2, 1, MS(1000)), 0);
	T_EQ_STR(drain(&t, MS(5000), NULL), "");
	port_table_remove(&t, a.syspath);
	T_EQ_STR(drain(&t, MS(5000), &ev), "-ttyUSB0");
	T_EQ_STR(ev.slot, ""); /* the identity of the add, not of the change */

	t_set_case("a change of an unknown port adds nothing");
	T_EQ_INT(port_table_add(&t, &a, 1, MS(6000)), 0);
	T_EQ_STR(drain(&t, MS(9000), NULL), "");

	t_set_case("the devnode under another device: its remove was lost");
	T_EQ_INT(port_table_add(&t, &a, 0, MS(10000)), 0);
	T_EQ_STR(drain(&t, MS(10000 + SETTLE), NULL), "+ttyUSB0");
	other = port(5, "0009");
	snprintf(other.devnode, sizeof(other.devnode), "%s", a.devnode);
	T_EQ_INT(port_table_add(&t, &other, 0, MS(11000)), 0);
	T_EQ_STR(drain(&t, MS(11000), &ev), "-ttyUSB0");
	T_EQ_STR(ev.serial, "0001");
	T_EQ_STR(drain(&t, MS(11000 + SETTLE), &ev), "+ttyUSB0");
	T_EQ_STR(ev.serial, "0009");
	port_table_free(&t);
}

static void order(void)
{
	struct port_table t;
	struct hp_event p[4];

	t_set_case("removes before adds, adds in settle order, ties by arrival");
	port_table_init(&t, SETTLE);
	for (unsigned i = 0; i < 4; i++)
		p[i] = port(i, "");
	T_EQ_INT(port_table_add(&t, &p[0], 0, MS(0)), 0);
	T_EQ_INT(port_table_add(&t, &p[1], 0, MS(0)), 0);
	T_EQ_STR(drain(&t, MS(SETTLE), NULL), "+ttyUSB0 +ttyUSB1");
	T_EQ_INT(port_table_add(&t, &p[3], 0, MS(1000)), 0);
	T_EQ_INT(port_table_add(&t, &p[2], 0, MS(1000)), 0);
	port_table_remove(&t, p[1].syspath);
	port_table_remove(&t, p[0].syspath);
	T_EQ_STR(drain(&t, MS(2000), NULL), "-ttyUSB1 -ttyUSB0 +ttyUSB3 +ttyUSB2");

	t_set_case("a table that grows");
	for (unsigned i = 0; i < 40; i++) {
		struct hp_event e = port(10 + i, "");

		T_EQ_INT(port_table_add(&t, &e, 0, MS(3000 + i)), 0);
	}
	T_EQ_INT(port_table_timeout_ms(&t, MS(3000)), (int)SETTLE);
	{
		const char *all = drain(&t, MS(9000), NULL);

		T_HAS_STR(all, "+ttyUSB10 +ttyUSB11");
		T_HAS_STR(all, "+ttyUSB48 +ttyUSB49");
	}
	port_table_free(&t);
	port_table_free(&t); /* twice is harmless */
}

static void provisional(void)
{
	struct port_table t;
	const struct hp_event r[2] = {raw(0, "0001"), raw(1, "0002")};
	struct hp_event u0 = port(0, "0001"), u1 = port(1, "0002"), ev;

	t_set_case("a port udev has not processed waits for udev's add");
	port_table_init(&t, SETTLE);
	scan(&t, r, 2, 0, MS(0));
	T_EQ_INT(port_table_timeout_ms(&t, MS(0)), (int)HP_INIT_WAIT_MS_DEFAULT);
	T_EQ_STR(drain(&t, MS(SETTLE), NULL), "");
	/* udev's add completes ttyUSB0: it is due at the settle, with ID_PATH */
	snprintf(u0.slot, sizeof(u0.slot), "3");
	T_EQ_INT(port_table_add(&t, &u0, 0, MS(SETTLE + 100)), 0);
	T_EQ_STR(drain(&t, MS(SETTLE + 100), &ev), "+ttyUSB0");
	T_EQ_STR(ev.id_path, u0.id_path);
	T_EQ_STR(ev.slot, "3");
	/* ttyUSB1: udev is slower than the init wait: reported as sysfs had it */
	T_EQ_STR(drain(&t, MS(HP_INIT_WAIT_MS_DEFAULT) - 1, NULL), "");
	T_EQ_STR(drain(&t, MS(HP_INIT_WAIT_MS_DEFAULT), &ev), "+ttyUSB1");
	T_EQ_STR(ev.id_path, "");

	t_set_case("udev's late add with the real identity: removed, added again");
	T_EQ_INT(port_table_add(&t, &u1, 0, MS(3000)), 0);
	T_EQ_STR(drain(&t, MS(3000), NULL), "-ttyUSB1");
	T_EQ_STR(drain(&t, MS(3000 + SETTLE), &ev), "+ttyUSB1");
	T_EQ_STR(ev.id_path, u1.id_path);
	T_EQ_INT(port_table_add(&t, &u1, 0, MS(4000)), 0); /* now a plain duplicate */
	T_EQ_STR(drain(&t, MS(9000), NULL), "");
	port_table_free(&t);

	t_set_case("udev's late add with the same identity: nothing");
	port_table_init(&t, SETTLE);
	scan(&t, &u0, 1, 0, MS(0));
	T_EQ_STR(drain(&t, MS(HP_INIT_WAIT_MS_DEFAULT), NULL), "+ttyUSB0");
	T_EQ_INT(port_table_add(&t, &u0, 0, MS(5000)), 0);
	T_EQ_STR(drain(&t, MS(9000), NULL), "");
	port_table_free(&t);

	t_set_case("init wait re-timed, never below the settle");
	port_table_init(&t, SETTLE);
	scan(&t, r, 1, 0, MS(0));
	port_table_set_init_wait_ms(&t, 100);
	T_EQ_INT(port_table_timeout_ms(&t, MS(0)), (int)SETTLE);
	port_table_set_init_wait_ms(&t, 800);
	T_EQ_INT(port_table_timeout_ms(&t, MS(0)), 800);
	T_EQ_STR(drain(&t, MS(800), NULL), "+ttyUSB0");
	port_table_free(&t);
}

/* Uevents were lost (-ENOBUFS): a scan of what is present now must stop
 * what vanished, start what is new and leave the rest alone. */
static void resync(void)
{
	struct port_table t;
	/* ttyUSB0 .. ttyUSB4 */
	const struct hp_event p[5] = {port(0, "0001"), port(1, "0002"), port(2, "0003"),
				      port(3, "0004"), port(4, "0005")};
	struct hp_event ev;

	t_set_case("resync: vanished removed, new added, present untouched");
	port_table_init(&t, SETTLE);
	scan(&t, &p[0], 2, 1, MS(0));
	T_EQ_STR(drain(&t, MS(SETTLE), NULL), "+ttyUSB0 +ttyUSB1");
	/* lost: the remove of ttyUSB0 and the add of ttyUSB2 */
	scan(&t, &p[1], 2, 1, MS(1000));
	T_EQ_INT(port_table_timeout_ms(&t, MS(1000)), 0);
	T_EQ_STR(drain(&t, MS(1000), &ev), "-ttyUSB0");
	T_EQ_STR(ev.serial, "0001");
	T_EQ_STR(drain(&t, MS(1000 + SETTLE), &ev), "+ttyUSB2");
	T_EQ_STR(ev.serial, "0003");

	t_set_case("resync: an add still settling and still present keeps its timer");
	T_EQ_INT(port_table_add(&t, &p[3], 0, MS(2000)), 0);
	scan(&t, &p[1], 3, 1, MS(2100));
	T_EQ_STR(drain(&t, MS(2000 + SETTLE), NULL), "+ttyUSB3");

	t_set_case("resync: an add still settling that vanished is cancelled");
	T_EQ_INT(port_table_add(&t, &p[4], 0, MS(3000)), 0);
	scan(&t, NULL, 0, 1, MS(3100)); /* nothing present at all */
	{
		const char *all = drain(&t, MS(9000), NULL);

		/* the order among removes found together is not specified */
		T_EQ_INT((int)strlen(all), (int)strlen("-ttyUSB1 -ttyUSB2 -ttyUSB3"));
		T_HAS_STR(all, "-ttyUSB1");
		T_HAS_STR(all, "-ttyUSB2");
		T_HAS_STR(all, "-ttyUSB3");
	}

	t_set_case("a scan cut short (no _end) retires nothing");
	T_EQ_INT(port_table_add(&t, &p[0], 0, MS(10000)), 0);
	T_EQ_STR(drain(&t, MS(10000 + SETTLE), NULL), "+ttyUSB0");
	port_table_scan_begin(&t);
	T_EQ_STR(drain(&t, MS(20000), NULL), "");
	port_table_free(&t);
}

int main(void)
{
	settle_and_cancel();
	duplicates_and_changes();
	order();
	provisional();
	resync();
	return t_done("test_port_table");
}
