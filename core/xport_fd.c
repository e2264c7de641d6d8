/* SPDX-License-Identifier: MIT */
/* Termios transport over a plain fd: ptys (the emulator), and the I/O
 * helpers the other transports share. */
#include <asm/ioctls.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "xport_priv.h"

/* <asm/termbits.h> clashes with <termios.h>: declare termios2 ourselves. */
struct termios2 {
	tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
	cc_t c_line;
	cc_t c_cc[19];
	speed_t c_ispeed, c_ospeed;
};
#ifndef IBSHIFT
#define IBSHIFT 16
#endif
#ifndef BOTHER
#define BOTHER 0010000
#endif

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static enum esp_err hangup(struct xport *x, int sys_errno)
{
	return esp_error_set(x->err, ESP_E_NODEV, sys_errno,
			     "%s disappeared (unplugged or the adapter reset): reconnect it and retry",
			     x->name);
}

enum esp_err xport_fdio_read(struct xport *x, int fd, void *buf, size_t len, unsigned timeout_ms,
			     size_t *ret_n)
{
	uint64_t deadline = now_ms() + timeout_ms;
	*ret_n = 0;
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n > 0) {
			*ret_n = (size_t)n;
			return ESP_OK;
		}
		if (n == 0)
			return hangup(x, 0); /* EOF on a tty: the device is gone */
		if (errno == EIO || errno == ENXIO || errno == ECONNRESET || errno == ENODEV)
			return hangup(x, errno);
		if (errno != EAGAIN && errno != EINTR)
			return esp_error_set(x->err, ESP_E_IO, errno, "reading %s: %s", x->name,
					     strerror(errno));
		uint64_t now = now_ms();
		if (now >= deadline)
			return ESP_OK;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno != EINTR)
			return esp_error_set(x->err, ESP_E_IO, errno, "poll on %s: %s", x->name,
					     strerror(errno));
		if (r > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) && !(p.revents & POLLIN))
			return hangup(x, 0);
	}
}

enum esp_err xport_fdio_write(struct xport *x, int fd, const void *buf, size_t len,
			      unsigned timeout_ms)
{
	const uint8_t *p = buf;
	uint64_t deadline = now_ms() + timeout_ms;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EIO || errno == ENXIO || errno == EPIPE || errno == ECONNRESET ||
			      errno == ENODEV))
			return hangup(x, errno);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return esp_error_set(x->err, ESP_E_IO, errno, "writing %s: %s", x->name,
					     strerror(errno));
		uint64_t now = now_ms();
		if (now >= deadline)
			return esp_error_set(x->err, ESP_E_TIMEOUT, 0,
					     "writing to %s stalled for %u ms (flow control? adapter hung?)",
					     x->name, timeout_ms);
		struct pollfd pf = {.fd = fd, .events = POLLOUT};
		int r = poll(&pf, 1, (int)(deadline - now));
		if (r > 0 && (pf.revents & (POLLHUP | POLLERR)))
			return hangup(x, 0);
	}
	return ESP_OK;
}

enum esp_err xport_fdio_set_baud(struct xport *x, int fd, unsigned baud)
{
	struct termios2 t;
	if (ioctl(fd, TCGETS2, &t) != 0)
		return esp_error_set(x->err, ESP_E_IO, errno, "reading line settings of %s: %s",
				     x->name, strerror(errno));
	t.c_cflag &= ~(tcflag_t)(CBAUD | (CBAUD << IBSHIFT));
	t.c_cflag |= BOTHER | (BOTHER << IBSHIFT);
	t.c_ispeed = baud;
	t.c_ospeed = baud;
	if (ioctl(fd, TCSETS2, &t) != 0)
		return esp_error_set(x->err, ESP_E_IO, errno,
				     "setting %u baud on %s: %s (adapter limit? try a lower --baud)",
				     baud, x->name, strerror(errno));
	x->baud = baud;
	return ESP_OK;
}

enum esp_err xport_fdio_set_raw(struct xport *x, int fd, unsigned baud)
{
	struct termios t;
	if (tcgetattr(fd, &t) != 0)
		return esp_error_set(x->err, ESP_E_IO, errno, "%s is not a serial port: %s", x->name,
				     strerror(errno));
	/* fully raw: 0x11/0x13/0x0a/0x0d occur in binary data (§1) */
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)(CRTSCTS | CSTOPB | PARENB);
	t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	/* VMIN=1: with O_NONBLOCK an idle line then reads EAGAIN, so a read of
	 * 0 bytes really means hang-up (VMIN=0 would return 0 for "no data") */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) != 0)
		return esp_error_set(x->err, ESP_E_IO, errno, "configuring %s: %s", x->name,
				     strerror(errno));
	return xport_fdio_set_baud(x, fd, baud);
}

void xport_fdio_nonblock_vmin1(int fd)
{
	struct termios t;
	if (tcgetattr(fd, &t) == 0 && (t.c_cc[VMIN] != 1 || t.c_cc[VTIME] != 0)) {
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		(void)tcsetattr(fd, TCSANOW, &t);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int xport_fdio_set_lines(int fd, int dtr, int rts)
{
	int bits;
	if (ioctl(fd, TIOCMGET, &bits) != 0)
		return -1;
	if (dtr >= 0)
		bits = dtr ? bits | TIOCM_DTR : bits & ~TIOCM_DTR;
	if (rts >= 0)
		bits = rts ? bits | TIOCM_RTS : bits & ~TIOCM_RTS;
	return ioctl(fd, TIOCMSET, &bits);
}

enum esp_err xport_open_error(struct xport_ops const *unused, struct esp_error *err,
			      const char *path, int sys_errno)
{
	(void)unused;
	if (sys_errno == ENOENT || sys_errno == ENXIO || sys_errno == ENODEV)
		return esp_error_set(err, ESP_E_NOPORT, sys_errno,
				     "no serial port %s: check the cable and the name "
				     "(ls /dev/serial/by-path/ lists attached adapters)", path);
	if (sys_errno == EACCES || sys_errno == EPERM) {
		struct stat st;
		char advice[ESP_ERR_MSG_LEN];
		if (stat(path, &st) == 0) {
			struct group *g = getgrgid(st.st_gid);
			xport_perm_advice(st.st_mode, st.st_gid, g ? g->gr_name : NULL, advice,
					  sizeof advice);
		} else {
			xport_perm_advice(0, 0, NULL, advice, sizeof advice);
		}
		return esp_error_set(err, ESP_E_PERM, sys_errno, "permission denied on %s: %s", path,
				     advice);
	}
	if (sys_errno == EBUSY)
		return esp_error_set(err, ESP_E_BUSY, sys_errno,
				     "%s is busy: another program (esptool, a serial monitor, "
				     "ModemManager) has it open; close it and retry", path);
	return esp_error_set(err, ESP_E_IO, sys_errno, "cannot open %s: %s", path,
			     strerror(sys_errno));
}

enum esp_err xport_lock(int fd, const char *path, struct esp_error *err)
{
	/* Debian's libserialport 0.1.1 predates its own flock/TIOCEXCL support */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return esp_error_set(err, ESP_E_BUSY, errno,
					     "%s is in use by another program (another espstation, "
					     "esptool, a serial monitor or ModemManager): close it and retry",
					     path);
	}
	(void)ioctl(fd, TIOCEXCL); /* refused on some ptys; the flock is what counts */
	return ESP_OK;
}

/* ---- the fd transport itself ---- */

struct xport_fd {
	struct xport base; /* must be first */
	int fd;
	xport_lines_fn *line_hook;
	void *user_data;
};

static struct xport_fd *to_fd(struct xport *x)
{
	return (struct xport_fd *)x;
}

static enum esp_err fd_read(struct xport *x, void *buf, size_t len, unsigned timeout_ms, size_t *ret_n)
{
	return xport_fdio_read(x, to_fd(x)->fd, buf, len, timeout_ms, ret_n);
}

static enum esp_err fd_write(struct xport *x, const void *buf, size_t len, unsigned timeout_ms)
{
	return xport_fdio_write(x, to_fd(x)->fd, buf, len, timeout_ms);
}

static enum esp_err fd_set_lines(struct xport *x, int dtr, int rts)
{
	struct xport_fd *f = to_fd(x);
	if (f->line_hook)
		return f->line_hook(f->user_data, dtr, rts);
	if (xport_fdio_set_lines(f->fd, dtr, rts) == 0)
		return ESP_OK;
	if (errno == ENOTTY || errno == EINVAL) {
		x->caps &= ~XPORT_CAP_LINES;
		return esp_error_set(x->err, ESP_E_UNSUPPORTED, errno,
				     "%s cannot drive DTR/RTS: use --reset none and hold the boot button",
				     x->name);
	}
	if (errno == EIO || errno == ENXIO)
		return hangup(x, errno);
	return esp_error_set(x->err, ESP_E_IO, errno, "setting DTR/RTS on %s: %s", x->name,
			     strerror(errno));
}

static enum esp_err fd_set_baud(struct xport *x, unsigned baud)
{
	return xport_fdio_set_baud(x, to_fd(x)->fd, baud);
}

static enum esp_err fd_flush_input(struct xport *x)
{
	(void)tcflush(to_fd(x)->fd, TCIFLUSH);
	return ESP_OK;
}

static void fd_close(struct xport *x)
{
	struct xport_fd *f = to_fd(x);
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

static const struct xport_ops s_fd_ops = {
	.name = "fd",
	.read = fd_read,
	.write = fd_write,
	.set_lines = fd_set_lines,
	.set_baud = fd_set_baud,
	.flush_input = fd_flush_input,
	.close = fd_close,
};

enum esp_err xport_fd_open(int fd, const char *name, unsigned baud, xport_lines_fn *line_hook,
			   void *user_data, struct esp_error *err, struct xport **ret_x)
{
	struct xport_fd *f = calloc(1, sizeof *f);
	if (!f) {
		close(fd);
		return esp_error_set(err, ESP_E_NOMEM, ENOMEM, "out of memory");
	}
	f->base.ops = &s_fd_ops;
	f->base.err = err;
	f->base.caps = XPORT_CAP_BAUD | XPORT_CAP_LINES;
	snprintf(f->base.name, sizeof f->base.name, "%s", name ? name : "fd");
	f->fd = fd;
	f->line_hook = line_hook;
	f->user_data = user_data;
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	enum esp_err e = xport_fdio_set_raw(&f->base, fd, baud ? baud : 115200);
	if (e) {
		fd_close(&f->base);
		return e;
	}
	if (!line_hook) {
		/* opening raises DTR and RTS, which holds an auto-reset board in
		 * reset: release both; a pty refuses, which tells us it has no lines */
		if (xport_fdio_set_lines(fd, 0, 0) != 0)
			f->base.caps &= ~XPORT_CAP_LINES;
	}
	*ret_x = &f->base;
	return ESP_OK;
}

enum esp_err xport_tty_open(const char *path, unsigned baud, struct esp_error *err,
			    struct xport **ret_x)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return xport_open_error(NULL, err, path, errno);
	enum esp_err e = xport_lock(fd, path, err);
	if (e) {
		close(fd);
		return e;
	}
	return xport_fd_open(fd, path, baud, NULL, NULL, err, ret_x);
}
