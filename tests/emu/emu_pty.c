/* SPDX-License-Identifier: MIT */
/* A raw pty pair for serving a device; the host opens the slave path. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "emu.h"
#include "emu_termios2.h"

/* Replace link_path atomically: symlink to a temp name, then rename. */
static int make_link(const char *target, const char *link_path)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", link_path, (long)getpid()) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -errno;
	if (rename(tmp, link_path) < 0) {
		int r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

int emu_open_pty(int *ret_master, char *slave_path, size_t cap, const char *link_path)
{
	struct termios2 t2;
	int r;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, slave_path, cap) != 0) {
		r = errno ? -errno : -EINVAL;
		goto fail;
	}
	/* raw 8N1 at 115200 with EXTPROC (termios changes notify the master) */
	if (ioctl(m, TCGETS2, &t2) < 0) {
		r = -errno;
		goto fail;
	}
	t2.c_iflag = 0;
	t2.c_oflag = 0;
	t2.c_lflag = EXTPROC;
	t2.c_cflag = (t2.c_cflag & ~(tcflag_t)(CBAUD | CSIZE | PARENB | CSTOPB | CRTSCTS)) |
		     CS8 | CREAD | CLOCAL | BOTHER;
	t2.c_ispeed = t2.c_ospeed = 115200;
	t2.c_cc[VMIN] = 1;
	t2.c_cc[VTIME] = 0;
	if (ioctl(m, TCSETS2, &t2) < 0) {
		r = -errno;
		goto fail;
	}
	/* open and close the slave once: from then on the master reports
	 * POLLHUP until a host opens it, so output with nobody listening is
	 * dropped instead of piling up in the pty */
	int s = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		r = -errno;
		goto fail;
	}
	close(s);
	if (link_path && (r = make_link(slave_path, link_path)) < 0)
		goto fail;
	*ret_master = m;
	return 0;
fail:
	close(m);
	return r;
}
