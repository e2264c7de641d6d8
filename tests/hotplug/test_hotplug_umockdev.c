/* SPDX-License-Identifier: MIT */
/* The hotplug monitor against fake USB-UART adapters in a umockdev testbed
 * (run under umockdev-wrapper).  The monitor runs in this process: the
 * testbed's uevents are in the monitor's socket when umockdev_testbed_*
 * returns, so every step is deterministic except the settle timers.
 *
 * Descriptions follow tests/rack/rack_sysfs.c: parents first (USB device,
 * interface, usb-serial port, tty), because umockdev sends each "add" as it
 * creates the device; unplug sends "remove" leaf first and deletes each
 * device right after, so that when the monitor reads the remove, sysfs is
 * gone as on a real kernel.  Every tty gets a new /dev name (umockdev
 * 0.17.16 cannot re-create a node in one testbed). */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <umockdev.h>

#include "../unit/test.h"

#include "hotplug.h"

#define SETTLE_MS 150u
#define INIT_WAIT_MS 400u
#define PCI "/devices/pci0000:00/0000:00:14.0"

struct kind {
	unsigned vid, pid;
	const char *driver, *manufacturer, *product;
	int udev_driver; /* udev set ID_USB_DRIVER (else the interface's DRIVER is read) */
};

static const struct kind CP2102 = {0x10c4, 0xea60, "cp210x", "Silicon Labs",
				   "CP2102 USB to UART Bridge Controller", 1};
static const struct kind CH340 = {0x1a86, 0x7523, "ch341", NULL, "USB Serial", 1};
static const struct kind FT232R = {0x0403, 0x6001, "ftdi_sio", "FTDI", "FT232R USB UART", 0};

struct plug {
	const struct kind *k;
	char usb[160], intf[192], userial[224], tty[256]; /* sysfs paths (with /sys) */
	char devnode[32], id_path[64], serial[32], slot[16];
};

static UMockdevTestbed *tb;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void add(const char *desc)
{
	GError *err = NULL;

	if (!umockdev_testbed_add_from_string(tb, desc, &err)) {
		fprintf(stderr, "umockdev refused a description: %s\n%s", err->message, desc);
		exit(1);
	}
}

/* Plugs adapter k into root-hub port `port` as ttyUSB<n>.  serial NULL = none;
 * slot: ENV{ESPSTATION_SLOT} as a udev rule would set it ("" = none).
 * with_node = 0 leaves out umockdev's N: line (no pty, only DEVNAME). */
static void plug_ex(struct plug *p, const struct kind *k, unsigned port, unsigned n,
		    const char *serial, const char *slot, int with_node)
{
	char manuf[96] = "", ser_attr[64] = "", ser_prop[64] = "", slot_prop[64] = "",
	     drv_prop[64] = "", node[32] = "";
	char *d;

	memset(p, 0, sizeof(*p));
	p->k = k;
	snprintf(p->usb, sizeof(p->usb), "/sys" PCI "/usb1/1-%u", port);
	snprintf(p->intf, sizeof(p->intf), "%s/1-%u:1.0", p->usb, port);
	snprintf(p->userial, sizeof(p->userial), "%s/ttyUSB%u", p->intf, n);
	snprintf(p->tty, sizeof(p->tty), "%s/tty/ttyUSB%u", p->userial, n);
	snprintf(p->devnode, sizeof(p->devnode), "/dev/ttyUSB%u", n);
	snprintf(p->id_path, sizeof(p->id_path), "pci-0000:00:14.0-usb-0:%u:1.0", port);
	snprintf(p->serial, sizeof(p->serial), "%s", serial ? serial : "");
	snprintf(p->slot, sizeof(p->slot), "%s", slot);
	if (k->manufacturer)
		snprintf(manuf, sizeof(manuf), "A: manufacturer=%s\n", k->manufacturer);
	if (serial) {
		snprintf(ser_attr, sizeof(ser_attr), "A: serial=%s\n", serial);
		snprintf(ser_prop, sizeof(ser_prop), "E: ID_SERIAL_SHORT=%s\n", serial);
	}
	if (slot[0])
		snprintf(slot_prop, sizeof(slot_prop), "E: ESPSTATION_SLOT=%s\n", slot);
	if (k->udev_driver)
		snprintf(drv_prop, sizeof(drv_prop), "E: ID_USB_DRIVER=%s\n", k->driver);
	if (with_node)
		snprintf(node, sizeof(node), "N: ttyUSB%u\n", n);
	d = g_strdup_printf(
		"P: %1$s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
		"A: idVendor=%2$04x\nA: idProduct=%3$04x\n%4$sA: product=%5$s\n%6$s"
		"A: busnum=1\nA: devnum=%7$u\nA: devpath=%7$u\nA: bNumInterfaces= 1\n\n"
		"P: %8$s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: DRIVER=%9$s\n"
		"A: bInterfaceNumber=00\n\n"
		"P: %10$s\nE: SUBSYSTEM=usb-serial\nE: DRIVER=%9$s\nA: port_number=0\n\n"
		"P: %11$s\n%12$sE: DEVNAME=/dev/ttyUSB%13$u\nE: MAJOR=188\nE: MINOR=%13$u\n"
		"E: SUBSYSTEM=tty\nE: ID_BUS=usb\nE: ID_VENDOR_ID=%2$04x\nE: ID_MODEL_ID=%3$04x\n"
		"%14$s%15$sE: ID_PATH=%16$s\n%17$sA: dev=188:%13$u\nL: device=../../../ttyUSB%13$u\n\n",
		p->usb + 4, k->vid, k->pid, manuf, k->product, ser_attr, port, p->intf + 4, k->driver,
		p->userial + 4, p->tty + 4, node, n, ser_prop, drv_prop, p->id_path, slot_prop);
	add(d);
	g_free(d);
}

static void plug(struct plug *p, const struct kind *k, unsigned port, unsigned n,
		 const char *serial, const char *slot)
{
	plug_ex(p, k, port, n, serial, slot, 1);
}

/* Leaf first; each remove uevent while the device's uevent file still
 * exists (umockdev reads the properties from it), then the device goes.
 * send = 0 simulates uevents lost to a socket overflow. */
static void unplug(const struct plug *p, int send)
{
	const char *chain[] = {p->tty, p->userial, p->intf, p->usb};

	for (size_t i = 0; i < 4; i++) {
		if (send)
			umockdev_testbed_uevent(tb, chain[i], "remove");
		umockdev_testbed_remove_device(tb, chain[i]);
	}
}

/* A tty on a platform UART: no USB parent. */
static void plug_platform_tty(unsigned n)
{
	char *d = g_strdup_printf("P: /devices/platform/serial8250/tty/ttyS%1$u\nN: ttyS%1$u\n"
				  "E: DEVNAME=/dev/ttyS%1$u\nE: MAJOR=4\nE: MINOR=%2$u\n"
				  "E: SUBSYSTEM=tty\nE: ID_PATH=platform-serial8250\n"
				  "A: dev=4:%2$u\n\n",
				  n, 64 + n);
	add(d);
	g_free(d);
}

struct got {
	int n;
	struct hp_event ev[16];
	uint64_t at[16]; /* ms since the reference time */
};

/* Runs the monitor for ms milliseconds the way the supervisor would (poll on
 * the fd with hp_monitor_timeout_ms), recording every event with its time
 * since t0 (a now_ms() taken before the step under test; 0 = now). */
static void collect_since(struct hp_monitor *m, unsigned ms, uint64_t t0, struct got *g)
{
	uint64_t end = now_ms() + ms;

	if (!t0)
		t0 = now_ms();

	memset(g, 0, sizeof(*g));
	for (;;) {
		struct hp_event ev;
		struct pollfd pfd = {.fd = hp_monitor_fd(m), .events = POLLIN};
		uint64_t now;
		int r, t;

		while ((r = hp_monitor_next(m, &ev)) == 1) {
			if (g->n < 16) {
				g->ev[g->n] = ev;
				g->at[g->n] = now_ms() - t0;
			}
			g->n++;
		}
		T_REQUIRE(r == 0);
		now = now_ms();
		if (now >= end)
			break;
		t = hp_monitor_timeout_ms(m);
		if (t < 0 || (uint64_t)t > end - now)
			t = (int)(end - now);
		(void)poll(&pfd, 1, t);
	}
}

static void collect(struct hp_monitor *m, unsigned ms, struct got *g)
{
	collect_since(m, ms, 0, g);
}

static const struct hp_event *find(const struct got *g, enum hp_action a, const char *devnode)
{
	for (int i = 0; i < g->n && i < 16; i++)
		if (g->ev[i].action == a && !strcmp(g->ev[i].devnode, devnode))
			return &g->ev[i];
	return NULL;
}

static int count(const struct got *g, enum hp_action a, const char *devnode)
{
	int c = 0;

	for (int i = 0; i < g->n && i < 16; i++)
		c += g->ev[i].action == a && !strcmp(g->ev[i].devnode, devnode);
	return c;
}

/* The event describes plug p (identity, as captured at its add). */
static void check_identity(const struct hp_event *ev, const struct plug *p)
{
	T_REQUIRE(ev != NULL);
	T_EQ_STR(ev->devnode, p->devnode);
	T_EQ_STR(ev->syspath, p->tty);
	T_EQ_STR(ev->id_path, p->id_path);
	T_EQ_STR(ev->slot, p->slot);
	T_EQ_HEX(ev->vid, p->k->vid);
	T_EQ_HEX(ev->pid, p->k->pid);
	T_EQ_STR(ev->serial, p->serial);
	T_EQ_STR(ev->driver, p->k->driver);
	T_EQ_STR(ev->vendor, p->k->manufacturer ? p->k->manufacturer : "");
	T_EQ_STR(ev->model, p->k->product);
}

static struct hp_monitor *monitor(const struct hp_filter *f)
{
	struct hp_monitor *m = NULL;

	T_REQUIRE(hp_monitor_new(f, SETTLE_MS, &m) == 0);
	hp_monitor_set_init_wait_ms(m, INIT_WAIT_MS);
	return m;
}

static void print_events(const char *what, const struct got *g)
{
	fprintf(stderr, "  %s: %d event(s)\n", what, g->n);
	for (int i = 0; i < g->n && i < 16; i++)
		fprintf(stderr, "    +%3llums %s %s %04x:%04x serial='%s' ID_PATH=%s slot='%s' driver=%s\n",
			(unsigned long long)g->at[i], g->ev[i].action == HP_ADD ? "add" : "remove",
			g->ev[i].devnode, g->ev[i].vid, g->ev[i].pid, g->ev[i].serial,
			g->ev[i].id_path, g->ev[i].slot, g->ev[i].driver);
}

int main(void)
{
	const struct hp_filter jig = {3, {{0x10c4, 0xea60}, {0x1a86, 0x7523}, {0x0403, 0x6001}}};
	const struct hp_filter no_ftdi = {2, {{0x10c4, 0xea60}, {0x1a86, 0x7523}}};
	struct plug cp0, ch1, ft2, ft3, cp4, cp5, cp6;
	struct hp_monitor *m1, *m2, *m3, *m4, *m5;
	struct hp_event ev;
	struct got g;
	uint64_t t;

	setvbuf(stderr, NULL, _IONBF, 0);
	/* do not call umockdev_in_mock_environment() first (umockdev-notes.md) */
	tb = umockdev_testbed_new();
	if (!getenv("LD_PRELOAD") || !strstr(getenv("LD_PRELOAD"), "umockdev")) {
		fprintf(stderr, "run me under umockdev-wrapper\n");
		return 1;
	}

	/* (1) a CP2102 present before start-up: one add, after the settle */
	t_set_case("(1) start-up enumeration");
	plug(&cp0, &CP2102, 1, 0, "0001", "");
	m1 = monitor(&jig);
	T_EQ_INT(hp_monitor_timeout_ms(m1), -1);
	t = now_ms();
	T_EQ_INT(hp_monitor_enumerate(m1), 0);
	T_EQ_INT(hp_monitor_next(m1, &ev), 0); /* not settled yet */
	T_CHECK(hp_monitor_timeout_ms(m1) > 0 && hp_monitor_timeout_ms(m1) <= (int)INIT_WAIT_MS);
	collect_since(m1, INIT_WAIT_MS + 400, t, &g);
	print_events("(1) enumerated", &g);
	T_EQ_INT(g.n, 1);
	T_EQ_INT(g.ev[0].action, HP_ADD);
	check_identity(&g.ev[0], &cp0);
	T_CHECK(g.at[0] >= SETTLE_MS);
	/* umockdev 0.17.16 writes no udev database: the enumerated port counts
	 * as not processed by udev and waits for udev's add until the init wait */
	T_CHECK(g.at[0] >= INIT_WAIT_MS - 5);
	T_EQ_INT(hp_monitor_timeout_ms(m1), -1);

	/* (2) live adds: a CH340 without serial (slot set by a rule), an FT232R
	 * whose driver comes from the interface (no ID_USB_DRIVER) */
	t_set_case("(2) live adds");
	t = now_ms();
	plug(&ch1, &CH340, 2, 1, NULL, "3");
	plug(&ft2, &FT232R, 3, 2, "A50285B1", "");
	T_EQ_INT(hp_monitor_next(m1, &ev), 0); /* read, not settled */
	T_CHECK(hp_monitor_timeout_ms(m1) > 0 && hp_monitor_timeout_ms(m1) <= (int)SETTLE_MS);
	collect_since(m1, SETTLE_MS + 300, t, &g);
	print_events("(2) live", &g);
	T_EQ_INT(g.n, 2);
	check_identity(find(&g, HP_ADD, ch1.devnode), &ch1);
	check_identity(find(&g, HP_ADD, ft2.devnode), &ft2);
	T_CHECK(strcmp(g.ev[0].id_path, g.ev[1].id_path) != 0);
	T_CHECK(g.at[0] >= SETTLE_MS - 5 && g.at[1] >= SETTLE_MS - 5);

	/* (3) a filter without the FT232R drops it, enumerated and live */
	t_set_case("(3) filter");
	m2 = monitor(&no_ftdi);
	T_EQ_INT(hp_monitor_enumerate(m2), 0);
	plug(&ft3, &FT232R, 4, 3, "A50285B2", "");
	collect(m2, INIT_WAIT_MS + 300, &g);
	print_events("(3) filtered monitor", &g);
	T_EQ_INT(g.n, 2);
	T_EQ_INT(count(&g, HP_ADD, cp0.devnode), 1);
	T_EQ_INT(count(&g, HP_ADD, ch1.devnode), 1);
	/* the unfiltered monitor does see the new FT232R; its settle starts
	 * when the monitor reads the uevent, which is now */
	collect(m1, SETTLE_MS + 300, &g);
	T_EQ_INT(g.n, 1);
	check_identity(find(&g, HP_ADD, ft3.devnode), &ft3);

	/* (4) removes carry the identity remembered at the add */
	t_set_case("(4) remove");
	unplug(&ch1, 1);
	unplug(&cp0, 1);
	T_CHECK(access(ch1.tty, F_OK) != 0 && access(ch1.usb, F_OK) != 0); /* sysfs is gone */
	T_EQ_INT(hp_monitor_timeout_ms(m1), -1); /* the socket has them; nothing settles */
	T_EQ_INT(hp_monitor_next(m1, &ev), 1);   /* no settle delay for a remove */
	T_EQ_INT(ev.action, HP_REMOVE);
	check_identity(&ev, &ch1);
	T_EQ_INT(hp_monitor_next(m1, &ev), 1);
	T_EQ_INT(ev.action, HP_REMOVE);
	check_identity(&ev, &cp0);
	T_EQ_STR(ev.serial, "0001");
	T_EQ_INT(hp_monitor_next(m1, &ev), 0);
	collect(m2, 50, &g);
	T_EQ_INT(g.n, 2);
	T_CHECK(find(&g, HP_REMOVE, ch1.devnode) && find(&g, HP_REMOVE, cp0.devnode));

	/* (5) plugged and pulled within the settle time: nothing at all */
	t_set_case("(5) add then remove within the settle");
	plug(&cp4, &CP2102, 5, 4, "0005", "");
	T_EQ_INT(hp_monitor_next(m1, &ev), 0);
	T_CHECK(hp_monitor_timeout_ms(m1) >= 0);
	unplug(&cp4, 1);
	collect(m1, SETTLE_MS + 250, &g);
	print_events("(5) m1", &g);
	T_EQ_INT(g.n, 0);
	T_EQ_INT(hp_monitor_timeout_ms(m1), -1);
	collect(m2, 50, &g); /* m2 had not read the add yet: same result */
	T_EQ_INT(g.n, 0);
	hp_monitor_free(m1);
	hp_monitor_free(m2);

	/* (6) a tty without a USB parent is ignored, even with an empty filter */
	t_set_case("(6) non-USB tty");
	plug_platform_tty(7);
	m3 = monitor(NULL);
	T_EQ_INT(hp_monitor_enumerate(m3), 0);
	plug_platform_tty(8);
	collect(m3, INIT_WAIT_MS + 300, &g);
	print_events("(6) any-USB monitor", &g);
	T_EQ_INT(g.n, 2); /* the two FT232Rs still plugged */
	T_EQ_INT(count(&g, HP_ADD, ft2.devnode), 1);
	T_EQ_INT(count(&g, HP_ADD, ft3.devnode), 1);
	T_EQ_INT(count(&g, HP_ADD, "/dev/ttyS7"), 0);
	T_EQ_INT(count(&g, HP_ADD, "/dev/ttyS8"), 0);
	hp_monitor_free(m3);

	/* (7) plugged between hp_monitor_new and hp_monitor_enumerate: in the
	 * socket and in sysfs, reported once; udev's add (the socket) completes
	 * the provisional enumeration entry, so it waits only the settle */
	t_set_case("(7) monitor before enumerate");
	m4 = monitor(&jig);
	t = now_ms();
	plug(&cp5, &CP2102, 6, 5, "0006", "5");
	T_EQ_INT(hp_monitor_enumerate(m4), 0);
	collect_since(m4, INIT_WAIT_MS + 400, t, &g);
	print_events("(7)", &g);
	T_EQ_INT(g.n, 3);
	T_EQ_INT(count(&g, HP_ADD, cp5.devnode), 1);
	check_identity(find(&g, HP_ADD, cp5.devnode), &cp5);
	T_EQ_INT(count(&g, HP_ADD, ft2.devnode), 1);
	T_EQ_INT(count(&g, HP_ADD, ft3.devnode), 1);
	for (int i = 0; i < g.n && i < 16; i++)
		if (!strcmp(g.ev[i].devnode, cp5.devnode))
			T_CHECK(g.at[i] < INIT_WAIT_MS);

	/* (8) duplicate adds of a known port are ignored (for ft2 and ft3 this
	 * is also udev's late add completing a provisional entry with the same
	 * identity) */
	t_set_case("(8) duplicate add");
	umockdev_testbed_uevent(tb, ft2.tty, "add");
	umockdev_testbed_uevent(tb, ft3.tty, "add");
	umockdev_testbed_uevent(tb, cp5.tty, "add");
	umockdev_testbed_uevent(tb, cp5.tty, "add");
	collect(m4, SETTLE_MS + 100, &g);
	T_EQ_INT(g.n, 0);

	/* (9) udev finishes a port only after it was reported provisionally
	 * (coldplug slower than the init wait) with a slot the rule set: the
	 * station sees a remove and an add with the real identity */
	t_set_case("(9) identity completed by udev after the report");
	m5 = monitor(&jig);
	T_EQ_INT(hp_monitor_enumerate(m5), 0);
	collect(m5, INIT_WAIT_MS + 200, &g);
	T_EQ_INT(g.n, 3);
	umockdev_testbed_set_property(tb, ft3.tty, "ESPSTATION_SLOT", "9");
	umockdev_testbed_uevent(tb, ft3.tty, "add");
	collect(m5, SETTLE_MS + 300, &g);
	print_events("(9)", &g);
	T_EQ_INT(g.n, 2);
	T_EQ_INT(g.ev[0].action, HP_REMOVE);
	T_EQ_STR(g.ev[0].devnode, ft3.devnode);
	T_EQ_STR(g.ev[0].slot, "");
	T_EQ_INT(g.ev[1].action, HP_ADD);
	snprintf(ft3.slot, sizeof(ft3.slot), "9");
	check_identity(&g.ev[1], &ft3);
	/* m4 had udev's add for it in (8): a port udev has processed keeps the
	 * identity of its add (a rule change needs a replug) */
	collect(m4, SETTLE_MS + 100, &g);
	T_EQ_INT(g.n, 0);

	/* (10) uevents lost (unplug without remove uevents): a second
	 * enumeration reports the remove with the remembered identity */
	t_set_case("(10) resync after lost uevents");
	unplug(&ft2, 0);
	collect(m5, 50, &g);
	T_EQ_INT(g.n, 0);
	T_EQ_INT(hp_monitor_enumerate(m5), 0);
	T_EQ_INT(hp_monitor_timeout_ms(m5), 0);
	T_EQ_INT(hp_monitor_next(m5, &ev), 1);
	T_EQ_INT(ev.action, HP_REMOVE);
	check_identity(&ev, &ft2);
	collect(m5, SETTLE_MS + 100, &g);
	T_EQ_INT(g.n, 0); /* the still-present ports are not added again */

	/* (11) the same devnode under another device (its remove was lost):
	 * the old port is removed, the new one added */
	t_set_case("(11) devnode reused");
	unplug(&cp5, 0);
	plug_ex(&cp6, &CP2102, 7, 5, "0007", "", 0); /* ttyUSB5 again; no pty (see top) */
	collect(m4, SETTLE_MS + 300, &g);
	print_events("(11)", &g);
	T_EQ_INT(g.n, 2);
	T_EQ_INT(g.ev[0].action, HP_REMOVE);
	check_identity(&g.ev[0], &cp5);
	T_EQ_INT(g.ev[1].action, HP_ADD);
	check_identity(&g.ev[1], &cp6);

	hp_monitor_free(m4);
	hp_monitor_free(m5);
	hp_monitor_free(NULL);
	g_object_unref(tb);
	return t_done("test_hotplug_umockdev");
}
