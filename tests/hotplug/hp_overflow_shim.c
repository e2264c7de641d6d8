/* SPDX-License-Identifier: MIT */
/* Test hook: a udev monitor socket that overflows on demand, for a program
 * run with this library in LD_PRELOAD (tests/station/test_overflow.sh).
 * umockdev delivers uevents over a unix socket, which never reports the
 * kernel's ENOBUFS, so this wraps udev_monitor_receive_device():
 * - while the file named by $HP_OVERFLOW_ARM exists, every uevent is read
 *   and dropped, as the kernel drops what no longer fits the socket;
 * - the first call after that file is removed fails with ENOBUFS, as
 *   recvmsg() does once after an overflow;
 * - each dropped uevent is logged ("dropped ACTION DEVNODE") to
 *   $HP_OVERFLOW_LOG, so a test can tell the loss really happened.
 * Without $HP_OVERFLOW_ARM it only passes calls through.  Test code only:
 * nothing in the product links it. */
#include <dlfcn.h>
#include <errno.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct udev_device *receive_fn(struct udev_monitor *mon);

static receive_fn *real_receive(void)
{
	static receive_fn *real;

	/* through void * as POSIX requires for dlsym() results */
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "udev_monitor_receive_device");
	return real;
}

static void log_drop(struct udev_device *d)
{
	const char *path = getenv("HP_OVERFLOW_LOG");
	const char *action = udev_device_get_action(d), *node = udev_device_get_devnode(d);
	FILE *f;

	if (!path || !*path || !(f = fopen(path, "ae")))
		return;
	fprintf(f, "dropped %s %s\n", action ? action : "-", node ? node : "-");
	fclose(f);
}

/* Overrides libudev's: the program's calls land here first (LD_PRELOAD). */
struct udev_device *udev_monitor_receive_device(struct udev_monitor *mon)
{
	static int dropped;
	receive_fn *real = real_receive();
	const char *arm = getenv("HP_OVERFLOW_ARM");
	struct udev_device *d;

	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	if (!arm || !*arm)
		return real(mon);
	if (access(arm, F_OK) == 0) {
		while ((d = real(mon)) != NULL) {
			log_drop(d);
			udev_device_unref(d);
			dropped++;
		}
		errno = EAGAIN;
		return NULL;
	}
	if (dropped) {
		dropped = 0;
		errno = ENOBUFS;
		return NULL;
	}
	return real(mon);
}
