/* SPDX-License-Identifier: MIT */
/* Chooses the transport for a --port argument. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xport_priv.h"

static int has_sysfs_tty(const char *path)
{
	/* libserialport needs /sys/class/tty/<name>; ptys have none */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char sys[256];
	struct stat st;
	if (strlen(base) + 16 >= sizeof sys)
		return 0;
	strcpy(sys, "/sys/class/tty/");
	strcat(sys, base);
	return stat(sys, &st) == 0;
}

const char *xport_perm_advice(unsigned mode, unsigned gid, const char *group, char *buf,
			      size_t cap)
{
	/* Joining the node's group helps only if that group may read and write
	 * it; joining 'root' is never the fix. */
	if ((mode & 0060u) == 0060u && gid != 0) {
		if (group)
			snprintf(buf, cap, "add the user to group '%s' (usermod -aG %s USER, then log "
				 "in again) or install " XPORT_UDEV_RULE, group, group);
		else
			snprintf(buf, cap, "add the user to the port's group (gid %u), then log in "
				 "again, or install " XPORT_UDEV_RULE, gid);
	} else {
		snprintf(buf, cap, "install " XPORT_UDEV_RULE " (it gives group 'dialout' mode "
			 "0660), replug the adapter and add the user to group 'dialout'");
	}
	return buf;
}

enum esp_err xport_open_port(const char *port, unsigned baud, struct esp_error *err,
			     struct xport **ret_x)
{
	if (!port || !*port)
		return esp_error_set(err, ESP_E_INVAL, 0, "no port given: use --port /dev/ttyUSB0");
	if (strncmp(port, "socket://", 9) == 0)
		return xport_tcp_open(port + 9, err, ret_x);
	if (strncmp(port, "rfc2217://", 10) == 0)
		return xport_rfc2217_open(port + 10, baud, err, ret_x);
	struct stat st;
	if (stat(port, &st) != 0)
		return xport_open_error(NULL, err, port, errno);
	if (!S_ISCHR(st.st_mode))
		return esp_error_set(err, ESP_E_NOPORT, 0,
				     "%s is not a serial device: give the adapter's /dev node", port);
	/* a USB/platform tty goes through libserialport; a pty (no TIOCMGET)
	 * makes libserialport fail with ENOTTY and is opened with termios */
	if (strncmp(port, "/dev/pts/", 9) != 0 && has_sysfs_tty(port)) {
		enum esp_err e = xport_serial_open(port, baud, err, ret_x);
		if (e != ESP_E_IO || !err || err->sys_errno != ENOTTY)
			return e;
	} else {
		/* /dev/serial/by-path/... names the real tty through a symlink */
		char real[PATH_MAX];
		if (realpath(port, real) && strncmp(real, "/dev/pts/", 9) != 0 && has_sysfs_tty(real))
			return xport_serial_open(real, baud, err, ret_x);
	}
	const char *path = port;
	return xport_tty_open(path, baud, err, ret_x);
}
