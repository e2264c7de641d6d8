/* SPDX-License-Identifier: MIT */
/* The udev side of hotplug: a libudev monitor on udev's processed events,
 * the start-up enumeration, and the reading of a port's identity from a
 * udev device while its sysfs parents exist.  What is then done with each
 * add, change and remove (settle timers, identity remembered from the add,
 * resync) is the port table's (port_table.c); this file only feeds it.
 * The only file that includes <libudev.h>, so a later move to sd-device
 * touches nothing else.  May call: libudev, port_table.h, libc. */
#include <errno.h>
#include <libudev.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotplug.h"
#include "hp_remote.h"
#include "port_table.h"

/* A hub of eight adapters powered on at once sends some forty uevents, and
 * the supervisor may be busy for a moment: give the socket room.  Without
 * CAP_NET_ADMIN the kernel caps this at net.core.rmem_max; an overflow is
 * reported as -ENOBUFS and healed by hp_monitor_enumerate(). */
#define HP_RCVBUF_BYTES (4 * 1024 * 1024)

struct hp_monitor {
	struct udev *udev;
	struct udev_monitor *mon;
	struct hp_filter filter;
	struct port_table table;
	struct hp_remote_set remote;
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

static int handle(struct hp_monitor *m, struct udev_device *d)
{
	const char *action = udev_device_get_action(d);
	struct hp_event id;
	int is_change;

	if (!action)
		return 0;
	if (!strcmp(action, "remove")) {
		/* sysfs is gone by now: the table has what we need */
		port_table_remove(&m->table, udev_device_get_syspath(d));
		return 0;
	}
	is_change = !strcmp(action, "change");
	if (!is_change && strcmp(action, "add") != 0)
		return 0; /* move, bind, unbind: nothing for the station */
	if (!capture(m, d, &id))
		return 0;
	return port_table_add(&m->table, &id, is_change, now_ns());
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
	port_table_init(&m->table, settle_ms);
	hp_remote_init(&m->remote);

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
	port_table_free(&m->table);
	hp_remote_free(&m->remote);
	free(m);
}

void hp_monitor_set_init_wait_ms(struct hp_monitor *m, unsigned ms)
{
	port_table_set_init_wait_ms(&m->table, ms);
}

int hp_monitor_fd(const struct hp_monitor *m)
{
	return udev_monitor_get_fd(m->mon);
}

int hp_monitor_timeout_ms(const struct hp_monitor *m)
{
	uint64_t now = now_ns();
	int usb = port_table_timeout_ms(&m->table, now);
	int remote = hp_remote_timeout_ms(&m->remote, now);
	return usb < 0 ? remote : remote < 0 || usb < remote ? usb : remote;
}

int hp_monitor_add_remote(struct hp_monitor *m, const char *url)
{
	if (!m)
		return -EINVAL;
	return hp_remote_add(&m->remote, url, now_ns());
}

int hp_monitor_remote_ended(struct hp_monitor *m, const char *devnode)
{
	return m && devnode ? hp_remote_ended(&m->remote, devnode, now_ns()) : 0;
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
	 * taken provisionally and wait for udev's add (port_table.c). */
	r = udev_enumerate_add_match_subsystem(e, "tty");
	if (r >= 0)
		r = udev_enumerate_scan_devices(e);
	if (r < 0) {
		udev_enumerate_unref(e);
		return r;
	}
	port_table_scan_begin(&m->table);
	now = now_ns();
	udev_list_entry_foreach(le, udev_enumerate_get_list_entry(e))
	{
		struct udev_device *d = udev_device_new_from_syspath(m->udev, udev_list_entry_get_name(le));
		struct hp_event id;

		if (!d)
			continue; /* gone since the scan: its remove is on its way */
		if (capture(m, d, &id))
			r = port_table_scan_found(&m->table, &id, udev_device_get_is_initialized(d) > 0,
						  now);
		udev_device_unref(d);
		if (r < 0)
			break;
	}
	udev_enumerate_unref(e);
	if (r < 0)
		return r;
	port_table_scan_end(&m->table);
	return 0;
}

int hp_monitor_next(struct hp_monitor *m, struct hp_event *ev)
{
	if (!m || !ev)
		return -EINVAL;
	for (;;) {
		struct udev_device *d;
		int r;

		/* a remove first: a port that went away must not wait behind adds */
		if (port_table_pop_remove(&m->table, ev))
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
	if (port_table_pop_add(&m->table, now_ns(), ev))
		return 1;
	return hp_remote_pop(&m->remote, now_ns(), ev);
}
