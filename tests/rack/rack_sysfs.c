/* SPDX-License-Identifier: MIT */
/* What the kernel and udev would show for each fake adapter: a USB hub
 * tree, and per plug the chain USB device → interface → usb-serial → tty,
 * written parents first (umockdev sends each "add" as it creates the
 * device, and a tty whose USB parents do not exist yet has no VID/PID). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <umockdev.h>

#include "rack.h"

#define PCI_CTRL     "/devices/pci0000:00/0000:00:14.0"
#define ROOT_HUB     PCI_CTRL "/usb1"
#define TTYUSB_MAJOR 188
#define TTYACM_MAJOR 166

void rack_sysfs_id_path(unsigned slot, char *buf, size_t cap)
{
	snprintf(buf, cap, "pci-0000:00:14.0-usb-0:%u.%u:1.0", slot / RACK_SLOTS_PER_HUB + 1,
		 slot % RACK_SLOTS_PER_HUB + 1);
}

/* udev's ID_PATH_TAG: every character but [0-9A-Za-z-] becomes '_' */
static void path_tag(const char *id_path, char *buf, size_t cap)
{
	size_t i;
	for (i = 0; id_path[i] && i + 1 < cap; i++) {
		char c = id_path[i];
		int keep = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			   (c >= 'A' && c <= 'Z') || c == '-';
		buf[i] = keep ? c : '_';
	}
	buf[i] = '\0';
}

/* udev's ID_VENDOR / ID_MODEL: whitespace becomes '_' */
static void udev_safe(const char *s, char *buf, size_t cap)
{
	size_t i;
	for (i = 0; s[i] && i + 1 < cap; i++)
		buf[i] = (s[i] == ' ' || s[i] == '\t') ? '_' : s[i];
	buf[i] = '\0';
}

static int add(struct rack *r, const char *desc, char *err, size_t errlen)
{
	GError *gerr = NULL;
	if (umockdev_testbed_add_from_string(r->tb, desc, &gerr))
		return 0;
	snprintf(err, errlen, "umockdev refused a device description: %s", gerr->message);
	g_error_free(gerr);
	return -1;
}

/* A CDC-ACM adapter (cdc_acm): communication interface 1.0 with the tty
 * right under it, data interface 1.1, no usb-serial node. */
static char *acm_chain(const struct rack_port *p, const struct rack_kind *k, unsigned devnum,
		       unsigned hub, unsigned port, const char *manuf, const char *serial)
{
	return g_strdup_printf(
		"P: %1$s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
		"E: BUSNUM=001\nE: DEVNUM=%2$03u\nE: PRODUCT=%3$s/%4$s/%5$s\n"
		"A: idVendor=%3$s\nA: idProduct=%4$s\nA: bcdDevice=%5$s\n%6$sA: product=%7$s\n%8$s"
		"A: busnum=1\nA: devnum=%2$u\nA: devpath=%9$u.%10$u\nA: bDeviceClass=%11$s\n"
		"A: bNumInterfaces= 2\nA: bNumConfigurations=1\nA: bConfigurationValue=1\n"
		"A: bMaxPower=100mA\nA: maxchild=0\nA: speed=12\nA: version= 1.10\n\n"
		"P: %12$s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: DRIVER=cdc_acm\n"
		"E: INTERFACE=2/2/1\nE: PRODUCT=%3$s/%4$s/%5$s\n"
		"A: bInterfaceNumber=00\nA: bAlternateSetting= 0\nA: bInterfaceClass=02\n"
		"A: bInterfaceSubClass=02\nA: bInterfaceProtocol=01\nA: bNumEndpoints=01\n\n"
		"P: %13$s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: DRIVER=cdc_acm\n"
		"E: INTERFACE=10/0/0\nE: PRODUCT=%3$s/%4$s/%5$s\n"
		"A: bInterfaceNumber=01\nA: bAlternateSetting= 0\nA: bInterfaceClass=0a\n"
		"A: bInterfaceSubClass=00\nA: bInterfaceProtocol=00\nA: bNumEndpoints=02\n\n",
		p->sys_usb, devnum, k->vid, k->pid, k->bcd_device, manuf, k->product, serial, hub,
		port, k->dev_class, p->sys_intf, p->sys_serial);
}

/* The xHCI root hub and hub h (1-based), once each: never unplugged. */
static int ensure_hub(struct rack *r, unsigned hub, char *err, size_t errlen)
{
	if (!(r->hubs & 1)) {
		char *d = g_strdup_printf(
			"P: " ROOT_HUB "\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
			"E: BUSNUM=001\nE: DEVNUM=001\nE: PRODUCT=1d6b/2/601\n"
			"A: idVendor=1d6b\nA: idProduct=0002\nA: bcdDevice=0601\n"
			"A: manufacturer=Linux 6.1.0 xhci-hcd\nA: product=xHCI Host Controller\n"
			"A: serial=0000:00:14.0\nA: busnum=1\nA: devnum=1\nA: devpath=0\n"
			"A: bDeviceClass=09\nA: bNumInterfaces= 1\nA: maxchild=%d\nA: speed=480\n"
			"A: version= 2.00\n\n",
			RACK_MAX_SLOTS / RACK_SLOTS_PER_HUB);
		int rc = add(r, d, err, errlen);
		g_free(d);
		if (rc < 0)
			return rc;
		r->hubs |= 1;
	}
	if (r->hubs & (1ull << hub))
		return 0;
	unsigned devnum = r->next_devnum++;
	char *d = g_strdup_printf(
		"P: " ROOT_HUB "/1-%1$u\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
		"E: BUSNUM=001\nE: DEVNUM=%2$03u\nE: PRODUCT=1a40/201/100\n"
		"A: idVendor=1a40\nA: idProduct=0201\nA: bcdDevice=0100\n"
		"A: product=USB 2.0 Hub [MTT]\nA: busnum=1\nA: devnum=%2$u\nA: devpath=%1$u\n"
		"A: bDeviceClass=09\nA: bNumInterfaces= 1\nA: maxchild=%3$d\nA: speed=480\n"
		"A: version= 2.00\n\n",
		hub, devnum, RACK_SLOTS_PER_HUB);
	int rc = add(r, d, err, errlen);
	g_free(d);
	if (rc == 0)
		r->hubs |= 1ull << hub;
	return rc;
}

int rack_sysfs_plug(struct rack *r, struct rack_port *p, const struct rack_slot *s, char *err,
		    size_t errlen)
{
	const struct rack_kind *k = s->kind;
	unsigned hub = s->index / RACK_SLOTS_PER_HUB + 1, port = s->index % RACK_SLOTS_PER_HUB + 1;
	if (ensure_hub(r, hub, err, errlen) < 0)
		return -1;
	unsigned devnum = r->next_devnum++; /* the kernel numbers every enumeration anew */
	char id_path[64], tag[64], vendor[64], model[96], idser[224];
	rack_sysfs_id_path(s->index, id_path, sizeof id_path);
	path_tag(id_path, tag, sizeof tag);
	/* udev's usb_id: no manufacturer string → the vendor id stands in */
	udev_safe(k->manufacturer ? k->manufacturer : k->vid, vendor, sizeof vendor);
	udev_safe(k->product, model, sizeof model);
	if (s->serial[0])
		snprintf(idser, sizeof idser, "%s_%s_%s", vendor, model, s->serial);
	else
		snprintf(idser, sizeof idser, "%s_%s", vendor, model);

	/* about 100 characters at most: the buffers hold 256.  usb-serial:
	 * intf/ttyUSBn/tty/ttyUSBn; CDC-ACM: intf/tty/ttyACMn, data intf 1.1 */
	if (snprintf(p->sys_usb, sizeof p->sys_usb, ROOT_HUB "/1-%u/1-%u.%u", hub, hub, port) < 0 ||
	    snprintf(p->sys_intf, sizeof p->sys_intf, "%s/1-%u.%u:1.0", p->sys_usb, hub, port) <
		    0 ||
	    (k->acm ? snprintf(p->sys_serial, sizeof p->sys_serial, "%s/1-%u.%u:1.1", p->sys_usb,
			       hub, port)
		    : snprintf(p->sys_serial, sizeof p->sys_serial, "%s/%s", p->sys_intf,
			       p->name)) < 0 ||
	    snprintf(p->sys_tty, sizeof p->sys_tty, "%s/tty/%s", k->acm ? p->sys_intf : p->sys_serial,
		     p->name) < 0) {
		snprintf(err, errlen, "cannot format the sysfs paths");
		return -1;
	}

	char manuf[96] = "", serial[64] = "", serial_prop[64] = "";
	if (k->manufacturer)
		snprintf(manuf, sizeof manuf, "A: manufacturer=%s\n", k->manufacturer);
	if (s->serial[0]) {
		snprintf(serial, sizeof serial, "A: serial=%s\n", s->serial);
		snprintf(serial_prop, sizeof serial_prop, "E: ID_SERIAL_SHORT=%s\n", s->serial);
	}
	char *d = k->acm ? acm_chain(p, k, devnum, hub, port, manuf, serial) : g_strdup_printf(
		/* USB device */
		"P: %1$s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
		"E: BUSNUM=001\nE: DEVNUM=%2$03u\nE: PRODUCT=%3$s/%4$s/%5$s\n"
		"A: idVendor=%3$s\nA: idProduct=%4$s\nA: bcdDevice=%5$s\n%6$sA: product=%7$s\n%8$s"
		"A: busnum=1\nA: devnum=%2$u\nA: devpath=%9$u.%10$u\nA: bDeviceClass=%11$s\n"
		"A: bNumInterfaces= 1\nA: bNumConfigurations=1\nA: bConfigurationValue=1\n"
		"A: bMaxPower=100mA\nA: maxchild=0\nA: speed=12\nA: version= 2.00\n\n"
		/* interface */
		"P: %12$s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: DRIVER=%13$s\n"
		"E: INTERFACE=255/0/0\nE: PRODUCT=%3$s/%4$s/%5$s\n"
		"A: bInterfaceNumber=00\nA: bAlternateSetting= 0\nA: bInterfaceClass=ff\n"
		"A: bInterfaceSubClass=00\nA: bInterfaceProtocol=00\nA: bNumEndpoints=02\n\n"
		/* usb-serial port */
		"P: %14$s\nE: SUBSYSTEM=usb-serial\nE: DRIVER=%13$s\nA: port_number=0\n\n",
		p->sys_usb, devnum, k->vid, k->pid, k->bcd_device, manuf, k->product, serial, hub,
		port, k->dev_class, p->sys_intf, k->driver, p->sys_serial);
	char *t = g_strdup_printf(
		"P: %1$s\nN: %2$s\nE: DEVNAME=/dev/%2$s\nE: MAJOR=%3$d\nE: MINOR=%4$u\n"
		"E: SUBSYSTEM=tty\nE: ID_BUS=usb\nE: ID_VENDOR=%5$s\nE: ID_VENDOR_ID=%6$s\n"
		"E: ID_MODEL=%7$s\nE: ID_MODEL_ID=%8$s\nE: ID_REVISION=%9$s\n"
		"E: ID_SERIAL=%10$s\n%11$s"
		"E: ID_TYPE=generic\nE: ID_USB_INTERFACES=%15$s\nE: ID_USB_INTERFACE_NUM=00\n"
		"E: ID_USB_DRIVER=%12$s\nE: ID_PATH=%13$s\nE: ID_PATH_TAG=%14$s\n"
		"A: dev=%3$d:%4$u\nL: device=../../../%16$s\n\n",
		p->sys_tty, p->name, k->acm ? TTYACM_MAJOR : TTYUSB_MAJOR, p->tty, vendor, k->vid,
		model, k->pid, k->bcd_device, idser, serial_prop, k->driver, id_path, tag,
		k->acm ? ":020201:0a0000:" : ":ff0000:",
		k->acm ? strrchr(p->sys_intf, '/') + 1 : p->name);
	char *all = g_strconcat(d, t, NULL);
	int rc = add(r, all, err, errlen);
	g_free(all);
	g_free(t);
	g_free(d);
	return rc;
}

void rack_sysfs_unplug(struct rack *r, struct rack_port *p)
{
	/* Leaf first, as the kernel does, each "remove" while its uevent file
	 * (the properties a monitor receives) still exists: umockdev 0.17.16's
	 * remove_device() sends nothing, and removing a parent first leaves
	 * stale /sys/bus links behind. */
	const char *chain[] = {p->sys_tty, p->sys_serial, p->sys_intf, p->sys_usb};
	char sys[300];
	for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++) {
		snprintf(sys, sizeof sys, "/sys%s", chain[i]);
		umockdev_testbed_uevent(r->tb, sys, "remove");
		umockdev_testbed_remove_device(r->tb, sys);
	}
	/* umockdev 0.17.16 keeps dev/.ptymap/<pty> (for isatty()) after the
	 * removal and asserts that no such link exists when it makes the next
	 * pty: the kernel reuses the pty number once the tty is closed, so the
	 * next plug would abort vrack.  The pty is gone: forget it. */
	if (p->pts[0]) {
		gchar *root = umockdev_testbed_get_root_dir(r->tb);
		gchar *name = g_strdup(p->pts);
		g_strdelimit(name, "/", '_');
		gchar *link = g_strdup_printf("%s/dev/.ptymap/%s", root, name);
		(void)unlink(link);
		g_free(link);
		g_free(name);
		g_free(root);
	}
	/* hide any real device of the same name again */
	for (unsigned i = 0; i < r->nshadows; i++) {
		if (strcmp(r->shadows[i], p->name))
			continue;
		gchar *root = umockdev_testbed_get_root_dir(r->tb);
		gchar *path = g_strdup_printf("%s/dev/%s", root, p->name);
		(void)mkdir(path, 0755);
		g_free(path);
		g_free(root);
	}
}

/* umockdev falls back to the real /dev for any node the testbed lacks: a
 * command opening /dev/ttyUSB0 before the rack plugged it (or after the
 * unplug) would reach a real adapter on this machine.  An empty directory of
 * that name in the testbed's /dev keeps it away (open fails, "not a serial
 * device"); plugging the rack's own ttyUSB0 removes the placeholder first. */
void rack_sysfs_shadow_real_ttys(struct rack *r)
{
	DIR *d = opendir("/dev");
	if (!d)
		return;
	gchar *root = umockdev_testbed_get_root_dir(r->tb);
	struct dirent *de;
	while ((de = readdir(d)) && r->nshadows < sizeof r->shadows / sizeof r->shadows[0]) {
		if (strncmp(de->d_name, "ttyUSB", 6) && strncmp(de->d_name, "ttyACM", 6))
			continue;
		if (strlen(de->d_name) >= sizeof r->shadows[0])
			continue;
		gchar *path = g_strdup_printf("%s/dev/%s", root, de->d_name);
		(void)g_mkdir_with_parents(path, 0755);
		g_free(path);
		strcpy(r->shadows[r->nshadows++], de->d_name); /* length checked above */
	}
	closedir(d);
	g_free(root);
}

void rack_sysfs_unshadow(struct rack *r, const char *name)
{
	for (unsigned i = 0; i < r->nshadows; i++) {
		if (strcmp(r->shadows[i], name))
			continue;
		gchar *root = umockdev_testbed_get_root_dir(r->tb);
		gchar *path = g_strdup_printf("%s/dev/%s", root, name);
		(void)rmdir(path);
		g_free(path);
		g_free(root);
	}
}
