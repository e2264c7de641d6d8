/* SPDX-License-Identifier: MIT */
/* rack_udev_probe: a tiny hotplug client for rack tests.  Listens to udev
 * tty events the way the station will (libudev monitor on the "udev"
 * netlink group), prints one line per event with what identifies the
 * adapter and its slot, and looks each added port up through libserialport.
 *
 * usage: rack_udev_probe [--adds N] [--removes N] [--timeout SEC] [--enumerate]
 * Exits 0 once it saw N adds and N removes, 1 on timeout.  Tells vrack it is
 * listening by writing to $VRACK_READY_FD (vrack --wait-ready). */
#include <getopt.h>
#include <libserialport.h>
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *or_none(const char *s)
{
	return s && *s ? s : "(none)";
}

static void print_device(const char *action, struct udev_device *d)
{
	/* on remove the parents are gone, or going: a parent lookup may find
	 * the hub above instead, so the event's own properties are all a
	 * client may use (it must remember the rest from "add") */
	struct udev_device *usb =
		strcmp(action, "remove") == 0
			? NULL : udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device");
	const char *vid = usb ? udev_device_get_sysattr_value(usb, "idVendor")
			      : udev_device_get_property_value(d, "ID_VENDOR_ID");
	const char *pid = usb ? udev_device_get_sysattr_value(usb, "idProduct")
			      : udev_device_get_property_value(d, "ID_MODEL_ID");
	const char *serial = usb ? udev_device_get_sysattr_value(usb, "serial") : NULL;
	printf("%s %s ID_PATH=%s vid:pid=%s:%s usb_serial=%s ID_SERIAL_SHORT=%s driver=%s\n",
	       action, or_none(udev_device_get_devnode(d)),
	       or_none(udev_device_get_property_value(d, "ID_PATH")), or_none(vid), or_none(pid),
	       or_none(serial), or_none(udev_device_get_property_value(d, "ID_SERIAL_SHORT")),
	       or_none(udev_device_get_property_value(d, "ID_USB_DRIVER")));
}

/* What libserialport (the station's transport) makes of the port. */
static void print_serialport(const char *devnode)
{
	struct sp_port *p;
	if (sp_get_port_by_name(devnode, &p) != SP_OK) {
		printf("  libserialport: %s not found\n", devnode);
		return;
	}
	int vid = -1, pid = -1, bus = -1, addr = -1;
	(void)sp_get_port_usb_vid_pid(p, &vid, &pid);
	(void)sp_get_port_usb_bus_address(p, &bus, &addr);
	printf("  libserialport: %s transport=%s vid:pid=%04x:%04x serial=%s bus=%d address=%d\n",
	       devnode, sp_get_port_transport(p) == SP_TRANSPORT_USB ? "usb" : "other", vid, pid,
	       or_none(sp_get_port_usb_serial(p)), bus, addr);
	sp_free_port(p);
}

static void tell_ready(void)
{
	const char *fd = getenv("VRACK_READY_FD");
	if (!fd)
		return;
	int n = atoi(fd);
	if (write(n, "R", 1) != 1)
		perror("rack_udev_probe: VRACK_READY_FD");
	close(n);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"adds", required_argument, NULL, 'a'},
		{"removes", required_argument, NULL, 'r'},
		{"timeout", required_argument, NULL, 't'},
		{"enumerate", no_argument, NULL, 'e'},
		{NULL, 0, NULL, 0},
	};
	int want_adds = 1, want_removes = 0, timeout_ms = 10000, enumerate = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': want_adds = atoi(optarg); break;
		case 'r': want_removes = atoi(optarg); break;
		case 't': timeout_ms = (int)(atof(optarg) * 1000); break;
		case 'e': enumerate = 1; break;
		default:
			fprintf(stderr,
				"usage: rack_udev_probe [--adds N] [--removes N] [--timeout SEC] "
				"[--enumerate]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	struct udev *udev = udev_new();
	struct udev_monitor *mon = udev_monitor_new_from_netlink(udev, "udev");
	if (!mon || udev_monitor_filter_add_match_subsystem_devtype(mon, "tty", NULL) < 0 ||
	    udev_monitor_enable_receiving(mon) < 0) {
		fprintf(stderr, "rack_udev_probe: cannot listen to udev\n");
		return 1;
	}
	/* monitor first, then enumerate: nothing falls in between */
	if (enumerate) {
		struct udev_enumerate *en = udev_enumerate_new(udev);
		udev_enumerate_add_match_subsystem(en, "tty");
		udev_enumerate_scan_devices(en);
		struct udev_list_entry *it;
		udev_list_entry_foreach(it, udev_enumerate_get_list_entry(en))
		{
			struct udev_device *d =
				udev_device_new_from_syspath(udev, udev_list_entry_get_name(it));
			if (d)
				print_device("present", d);
			udev_device_unref(d);
		}
		udev_enumerate_unref(en);
	}
	tell_ready();
	int adds = 0, removes = 0;
	while (adds < want_adds || removes < want_removes) {
		struct pollfd p = {.fd = udev_monitor_get_fd(mon), .events = POLLIN};
		if (poll(&p, 1, timeout_ms) <= 0) {
			printf("timeout: %d of %d add and %d of %d remove events\n", adds,
			       want_adds, removes, want_removes);
			return 1;
		}
		struct udev_device *d = udev_monitor_receive_device(mon);
		if (!d)
			continue;
		const char *action = udev_device_get_action(d);
		print_device(action, d);
		if (!strcmp(action, "add")) {
			adds++;
			if (udev_device_get_devnode(d))
				print_serialport(udev_device_get_devnode(d));
		} else if (!strcmp(action, "remove")) {
			removes++;
		}
		udev_device_unref(d);
	}
	udev_monitor_unref(mon);
	udev_unref(udev);
	return 0;
}
