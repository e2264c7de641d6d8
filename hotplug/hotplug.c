/* SPDX-License-Identifier: MIT */
/* The udev side of hotplug: a libudev monitor on udev's processed events,
 * the start-up enumeration, the per-port settle timer and the table of known
 * ports whose identity is remembered from their add.  The only file that
 * includes <libudev.h>, so a later move to sd-device touches nothing else. */
#include <errno.h>
#include <libudev.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotplug.h"

/* A hub of eight adapters powered on at once sends some forty uevents, and
 * the supervisor may be busy for a moment: give the socket room.  Without
 * CAP_NET_ADMIN the kernel caps this at net.core.rmem_max; an overflow is
 * reported as -ENOBUFS and healed by hp_monitor_enumerate(). */
#define HP_RCVBUF_BYTES (4 * 1024 * 1024)

enum hp_port_state {
	HP_PORT_SETTLING, /* add seen, not reported yet */
	HP_PORT_ACTIVE,   /* add reported */
	HP_PORT_GONE,     /* add reported, remove not yet */
};

struct hp_port {
	enum hp_port_state state;
	int provisional;          /* identity read from sysfs before udev processed the port */
	int seen;                 /* found by the enumeration in progress */
	uint64_t first_ns;        /* when the add was first seen (CLOCK_MONOTONIC) */
	uint64_t due_ns;          /* SETTLING: when the add is reported */
	uint64_t seq;             /* arrival order: breaks ties, orders removes */
	struct hp_event id;       /* identity captured at the add */
};

struct hp_monitor {
	struct udev *udev;
	struct udev_monitor *mon;
	struct hp_filter filter;
	uint64_t settle_ns, init_wait_ns;
	struct hp_port *port;
	size_t n, cap;
	uint64_t seq;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Copies src (NULL = "") into dst; -1 if it had to be truncated. */
static int copy_str(char *dst, size_t cap, const char *src)
{
	size_t len = src ? strlen(src) : 0;
	int fits = len < cap;

	if (!fits)
		len = cap - 1;
	memcpy(dst, src ? src : "", len);
	dst[len] = '\0';
	return fits ? 0 : -1;
}

/* "10c4" -> 0x10c4; sysfs and udev write 4 hex digits. */
static int parse_usb_id(const char *s, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno || *end || v > 0xffff)
		return -1;
	*ret = (unsigned)v;
	return 0;
}

static int filter_accepts(const struct hp_filter *f, unsigned vid, unsigned pid)
{
	if (f->n == 0)
		return 1;
	for (unsigned i = 0; i < f->n; i++)
		if (f->id[i].vid == vid && f->id[i].pid == pid)
			return 1;
	return 0;
}

/* The sysfs attribute of the USB device if it has it, else the udev property
 * of the tty (what udev's usb_id builtin copied from the same descriptor). */
static const char *usb_value(struct udev_device *usb, const char *attr, struct udev_device *tty,
			     const char *prop)
{
	const char *v = udev_device_get_sysattr_value(usb, attr);

	return v && *v ? v : udev_device_get_property_value(tty, prop);
}

/* The driver bound to a device: the "driver" link, else the kernel's
 * DRIVER= uevent property (all umockdev gives). */
static const char *bound_driver(struct udev_device *d)
{
	const char *drv = d ? udev_device_get_driver(d) : NULL;

	return drv && *drv ? drv : d ? udev_device_get_property_value(d, "DRIVER") : NULL;
}

static const char *driver_of(struct udev_device *tty)
{
	const char *drv = udev_device_get_property_value(tty, "ID_USB_DRIVER");

	if (drv && *drv)
		return drv;
	drv = bound_driver(udev_device_get_parent_with_subsystem_devtype(tty, "usb", "usb_interface"));
	if (drv && *drv)
		return drv;
	return bound_driver(udev_device_get_parent(tty)); /* the usb-serial port (ttyUSB) */
}

/* Fills *id from an added (or enumerated) tty while its sysfs parents still
 * exist.  Returns 1 for a port of the station's, 0 for anything else. */
static int capture(const struct hp_monitor *m, struct udev_device *d, struct hp_event *id)
{
	const char *subsystem = udev_device_get_subsystem(d);
	struct udev_device *usb;

	memset(id, 0, sizeof(*id));
	if (!subsystem || strcmp(subsystem, "tty") != 0)
		return 0;
	/* only ttys of USB adapters: not ttyS*, ptys, consoles, vcs */
	usb = udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device");
	if (!usb)
		return 0;
	if (copy_str(id->devnode, sizeof(id->devnode), udev_device_get_devnode(d)) < 0 ||
	    !id->devnode[0] ||
	    copy_str(id->syspath, sizeof(id->syspath), udev_device_get_syspath(d)) < 0 ||
	    !id->syspath[0] ||
	    copy_str(id->id_path, sizeof(id->id_path),
		     udev_device_get_property_value(d, "ID_PATH")) < 0)
		return 0;
	if (parse_usb_id(usb_value(usb, "idVendor", d, "ID_VENDOR_ID"), &id->vid) < 0 ||
	    parse_usb_id(usb_value(usb, "idProduct", d, "ID_MODEL_ID"), &id->pid) < 0)
		return 0;
	if (!filter_accepts(&m->filter, id->vid, id->pid))
		return 0;
	/* display strings: truncation is harmless */
	(void)copy_str(id->slot, sizeof(id->slot),
		       udev_device_get_property_value(d, "ESPSTATION_SLOT"));
	(void)copy_str(id->serial, sizeof(id->serial), usb_value(usb, "serial", d, "ID_SERIAL_SHORT"));
	(void)copy_str(id->driver, sizeof(id->driver), driver_of(d));
	(void)copy_str(id->vendor, sizeof(id->vendor), udev_device_get_sysattr_value(usb, "manufacturer"));
	(void)copy_str(id->model, sizeof(id->model), udev_device_get_sysattr_value(usb, "product"));
	return 1;
}

static int same_identity(const struct hp_event *a, const struct hp_event *b)
{
	return a->vid == b->vid && a->pid == b->pid && !strcmp(a->id_path, b->id_path) &&
	       !strcmp(a->slot, b->slot) && !strcmp(a->serial, b->serial) &&
	       !strcmp(a->driver, b->driver) && !strcmp(a->vendor, b->vendor) &&
	       !strcmp(a->model, b->model);
}

/* The port (not yet reported removed) with this syspath or devnode; -1. */
static long find_live(const struct hp_monitor *m, const char *syspath, const char *devnode)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct hp_port *p = &m->port[i];

		if (p->state == HP_PORT_GONE)
			continue;
		if ((syspath && !strcmp(p->id.syspath, syspath)) ||
		    (devnode && !strcmp(p->id.devnode, devnode)))
			return (long)i;
	}
	return -1;
}

static void drop(struct hp_monitor *m, size_t i)
{
	m->port[i] = m->port[--m->n]; /* order lives in seq/due, not in the array */
}

/* A reported port is gone: its remove is reported next; one never reported
 * just disappears (its add is cancelled). */
static void retire(struct hp_monitor *m, size_t i)
{
	if (m->port[i].state == HP_PORT_SETTLING) {
		drop(m, i);
		return;
	}
	m->port[i].state = HP_PORT_GONE;
	m->port[i].seq = ++m->seq;
}

static int append(struct hp_monitor *m, const struct hp_event *id, int provisional, uint64_t now)
{
	struct hp_port *p;
	uint64_t wait = m->settle_ns;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 8;
		struct hp_port *np = realloc(m->port, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		m->port = np;
		m->cap = cap;
	}
	if (provisional && m->init_wait_ns > wait)
		wait = m->init_wait_ns;
	p = &m->port[m->n++];
	memset(p, 0, sizeof(*p));
	p->state = HP_PORT_SETTLING;
	p->provisional = provisional;
	p->seen = 1;
	p->first_ns = now;
	p->due_ns = now + wait;
	p->seq = ++m->seq;
	p->id = *id;
	p->id.action = HP_ADD;
	return 0;
}

/* An add (or, for a provisional port, a change) of a station port.
 * provisional: identity read from sysfs before udev processed the port. */
static int on_add(struct hp_monitor *m, const struct hp_event *id, int provisional, int is_change,
		  uint64_t now)
{
	long i = find_live(m, NULL, id->devnode);

	if (i >= 0) {
		struct hp_port *p = &m->port[i];

		if (!strcmp(p->id.syspath, id->syspath)) {
			if (!p->provisional || provisional)
				return 0; /* a duplicate: enumeration and monitor both saw it */
			/* udev has now processed a port the enumeration found first:
			 * its event has what sysfs lacked (ID_PATH, the slot) */
			p->provisional = 0;
			if (p->state == HP_PORT_SETTLING) {
				p->id = *id;
				p->id.action = HP_ADD;
				p->due_ns = p->first_ns + m->settle_ns;
				return 0;
			}
			if (same_identity(&p->id, id))
				return 0;
			/* reported already (udev took longer than the init wait):
			 * the station must see the port's real identity */
			retire(m, (size_t)i);
		} else {
			/* the devnode is back under another device: its remove was lost */
			retire(m, (size_t)i);
		}
	} else if (is_change) {
		return 0;
	}
	return append(m, id, provisional, now);
}

static void on_remove(struct hp_monitor *m, const char *syspath)
{
	long i = syspath ? find_live(m, syspath, NULL) : -1;

	if (i >= 0)
		retire(m, (size_t)i);
}

static int handle(struct hp_monitor *m, struct udev_device *d)
{
	const char *action = udev_device_get_action(d);
	struct hp_event id;
	int is_change;

	if (!action)
		return 0;
	if (!strcmp(action, "remove")) {
		/* sysfs is gone by now: the table has what we need */
		on_remove(m, udev_device_get_syspath(d));
		return 0;
	}
	is_change = !strcmp(action, "change");
	if (!is_change && strcmp(action, "add") != 0)
		return 0; /* move, bind, unbind: nothing for the station */
	if (!capture(m, d, &id))
		return 0;
	return on_add(m, &id, 0, is_change, now_ns());
}

int hp_monitor_new(const struct hp_filter *f, unsigned settle_ms, struct hp_monitor **ret)
{
	struct hp_monitor *m;
	int r;

	if (!ret || (f && f->n > HP_FILTER_MAX))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (f)
		m->filter = *f;
	m->settle_ns = (uint64_t)settle_ms * 1000000u;
	m->init_wait_ns = (uint64_t)HP_INIT_WAIT_MS_DEFAULT * 1000000u;

	errno = 0;
	m->udev = udev_new();
	if (!m->udev) {
		r = errno ? -errno : -ENOMEM;
		goto fail;
	}
	/* "udev": events after udev's rules ran, so ID_PATH and
	 * ESPSTATION_SLOT are there and the node has its permissions */
	errno = 0;
	m->mon = udev_monitor_new_from_netlink(m->udev, "udev");
	if (!m->mon) {
		r = errno ? -errno : -ENOMEM;
		goto fail;
	}
	r = udev_monitor_filter_add_match_subsystem_devtype(m->mon, "tty", NULL);
	if (r < 0)
		goto fail;
	(void)udev_monitor_set_receive_buffer_size(m->mon, HP_RCVBUF_BYTES);
	/* receiving from here on: hp_monitor_enumerate() comes after, so a port
	 * plugged in between is in the socket or in sysfs, never in neither */
	r = udev_monitor_enable_receiving(m->mon);
	if (r < 0)
		goto fail;
	*ret = m;
	return 0;
fail:
	hp_monitor_free(m);
	return r;
}

void hp_monitor_free(struct hp_monitor *m)
{
	if (!m)
		return;
	udev_monitor_unref(m->mon);
	udev_unref(m->udev);
	free(m->port);
	free(m);
}

void hp_monitor_set_init_wait_ms(struct hp_monitor *m, unsigned ms)
{
	uint64_t wait;

	m->init_wait_ns = (uint64_t)ms * 1000000u;
	wait = m->settle_ns > m->init_wait_ns ? m->settle_ns : m->init_wait_ns;
	/* re-time the ports already waiting for udev */
	for (size_t i = 0; i < m->n; i++)
		if (m->port[i].state == HP_PORT_SETTLING && m->port[i].provisional)
			m->port[i].due_ns = m->port[i].first_ns + wait;
}

int hp_monitor_fd(const struct hp_monitor *m)
{
	return udev_monitor_get_fd(m->mon);
}

int hp_monitor_timeout_ms(const struct hp_monitor *m)
{
	uint64_t now = now_ns(), best = UINT64_MAX, ms;

	for (size_t i = 0; i < m->n; i++) {
		const struct hp_port *p = &m->port[i];

		if (p->state == HP_PORT_GONE)
			return 0;
		if (p->state == HP_PORT_SETTLING && p->due_ns < best)
			best = p->due_ns;
	}
	if (best == UINT64_MAX)
		return -1;
	if (best <= now)
		return 0;
	ms = (best - now + 999999u) / 1000000u;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

int hp_monitor_enumerate(struct hp_monitor *m)
{
	struct udev_enumerate *e;
	struct udev_list_entry *le;
	uint64_t now;
	int r;

	if (!m)
		return -EINVAL;
	errno = 0;
	e = udev_enumerate_new(m->udev);
	if (!e)
		return errno ? -errno : -ENOMEM;
	/* Not udev_enumerate_add_match_is_initialized(): a port udev is still
	 * working on (coldplug at boot) would be skipped, and its udev "add"
	 * would then be the only news of it; under umockdev 0.17.16, which
	 * writes no udev database, no port would ever be found.  Such ports are
	 * taken provisionally and wait for udev's add (on_add). */
	r = udev_enumerate_add_match_subsystem(e, "tty");
	if (r >= 0)
		r = udev_enumerate_scan_devices(e);
	if (r < 0) {
		udev_enumerate_unref(e);
		return r;
	}
	for (size_t i = 0; i < m->n; i++)
		m->port[i].seen = 0;
	now = now_ns();
	udev_list_entry_foreach(le, udev_enumerate_get_list_entry(e))
	{
		struct udev_device *d = udev_device_new_from_syspath(m->udev, udev_list_entry_get_name(le));
		struct hp_event id;
		long i;

		if (!d)
			continue; /* gone since the scan: its remove is on its way */
		if (capture(m, d, &id)) {
			r = on_add(m, &id, udev_device_get_is_initialized(d) <= 0, 0, now);
			i = find_live(m, id.syspath, NULL);
			if (i >= 0)
				m->port[i].seen = 1;
		}
		udev_device_unref(d);
		if (r < 0)
			break;
	}
	udev_enumerate_unref(e);
	if (r < 0)
		return r;
	/* known ports sysfs no longer has: their remove was lost (or is still
	 * in the socket, and will then find nothing) */
	for (size_t i = m->n; i-- > 0;)
		if (m->port[i].state != HP_PORT_GONE && !m->port[i].seen)
			retire(m, i);
	return 0;
}

/* The oldest pending remove, if any. */
static int pop_gone(struct hp_monitor *m, struct hp_event *ev)
{
	long best = -1;

	for (size_t i = 0; i < m->n; i++)
		if (m->port[i].state == HP_PORT_GONE &&
		    (best < 0 || m->port[i].seq < m->port[best].seq))
			best = (long)i;
	if (best < 0)
		return 0;
	*ev = m->port[best].id;
	ev->action = HP_REMOVE;
	drop(m, (size_t)best);
	return 1;
}

/* The add that settled first, if any has. */
static int pop_settled(struct hp_monitor *m, uint64_t now, struct hp_event *ev)
{
	long best = -1;

	for (size_t i = 0; i < m->n; i++) {
		const struct hp_port *p = &m->port[i];

		if (p->state != HP_PORT_SETTLING || p->due_ns > now)
			continue;
		if (best < 0 || p->due_ns < m->port[best].due_ns ||
		    (p->due_ns == m->port[best].due_ns && p->seq < m->port[best].seq))
			best = (long)i;
	}
	if (best < 0)
		return 0;
	m->port[best].state = HP_PORT_ACTIVE;
	*ev = m->port[best].id;
	ev->action = HP_ADD;
	return 1;
}

int hp_monitor_next(struct hp_monitor *m, struct hp_event *ev)
{
	if (!m || !ev)
		return -EINVAL;
	for (;;) {
		struct udev_device *d;
		int r;

		/* a remove first: a port that went away must not wait behind adds */
		if (pop_gone(m, ev))
			return 1;
		/* read the socket before the timers, so that an unplug already
		 * queued cancels an add that has just settled */
		errno = 0;
		d = udev_monitor_receive_device(m->mon);
		if (!d) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (e == 0 || e == EAGAIN || e == EWOULDBLOCK)
				break;
			return -e; /* ENOBUFS: uevents lost; see the header */
		}
		r = handle(m, d);
		udev_device_unref(d);
		if (r < 0)
			return r;
	}
	return pop_settled(m, now_ns(), ev);
}
