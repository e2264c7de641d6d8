/* SPDX-License-Identifier: MIT */
/* Production transport: libserialport opens and configures the port; reads
 * and writes go through the fd with poll(), because sp_blocking_read spins on
 * a hung-up tty until its timeout instead of reporting the unplug. */
#include <errno.h>
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "xport_priv.h"

struct xport_serial {
	struct xport base; /* must be first */
	struct sp_port *port;
	int fd;
};

static struct xport_serial *to_ser(struct xport *x)
{
	return (struct xport_serial *)x;
}

static enum esp_err ser_read(struct xport *x, void *buf, size_t len, unsigned timeout_ms,
			     size_t *ret_n)
{
	return xport_fdio_read(x, to_ser(x)->fd, buf, len, timeout_ms, ret_n);
}

static enum esp_err ser_write(struct xport *x, const void *buf, size_t len, unsigned timeout_ms)
{
	return xport_fdio_write(x, to_ser(x)->fd, buf, len, timeout_ms);
}

static enum esp_err ser_set_lines(struct xport *x, int dtr, int rts)
{
	struct xport_serial *s = to_ser(x);
	/* one TIOCMSET changes both lines at once (esptool's "unix tight" reset) */
	if (xport_fdio_set_lines(s->fd, dtr, rts) == 0)
		return ESP_OK;
	if (errno == EIO || errno == ENXIO || errno == ENODEV)
		return esp_error_set(x->err, ESP_E_NODEV, errno, "%s disappeared (unplugged)", x->name);
	/* fall back to libserialport's separate calls */
	if (dtr >= 0 && sp_set_dtr(s->port, dtr ? SP_DTR_ON : SP_DTR_OFF) != SP_OK)
		goto fail;
	if (rts >= 0 && sp_set_rts(s->port, rts ? SP_RTS_ON : SP_RTS_OFF) != SP_OK)
		goto fail;
	return ESP_OK;
fail:
	return esp_error_set(x->err, ESP_E_IO, sp_last_error_code(), "setting DTR/RTS on %s: %s",
			     x->name, sp_last_error_message());
}

static enum esp_err ser_set_baud(struct xport *x, unsigned baud)
{
	struct xport_serial *s = to_ser(x);
	if (sp_set_baudrate(s->port, (int)baud) != SP_OK)
		return esp_error_set(x->err, ESP_E_IO, sp_last_error_code(),
				     "setting %u baud on %s: %s (adapter limit? try --baud 460800)",
				     baud, x->name, sp_last_error_message());
	/* libserialport may rewrite VMIN/VTIME: keep "0 bytes = hang-up" true */
	xport_fdio_nonblock_vmin1(s->fd);
	x->baud = baud;
	return ESP_OK;
}

static enum esp_err ser_flush_input(struct xport *x)
{
	(void)sp_flush(to_ser(x)->port, SP_BUF_INPUT);
	return ESP_OK;
}

static void ser_close(struct xport *x)
{
	struct xport_serial *s = to_ser(x);
	if (s->port) {
		(void)sp_close(s->port);
		sp_free_port(s->port);
	}
	free(s);
}

static const struct xport_ops s_serial_ops = {
	.name = "serial",
	.read = ser_read,
	.write = ser_write,
	.set_lines = ser_set_lines,
	.set_baud = ser_set_baud,
	.flush_input = ser_flush_input,
	.close = ser_close,
};

static enum esp_err configure(struct xport_serial *s, unsigned baud)
{
	struct sp_port *p = s->port;
	/* 8N1, no flow control: XON/XOFF bytes occur in binary data */
	if (sp_set_bits(p, 8) != SP_OK || sp_set_parity(p, SP_PARITY_NONE) != SP_OK ||
	    sp_set_stopbits(p, 1) != SP_OK || sp_set_flowcontrol(p, SP_FLOWCONTROL_NONE) != SP_OK)
		return esp_error_set(s->base.err, ESP_E_IO, sp_last_error_code(),
				     "configuring %s for 8N1: %s", s->base.name, sp_last_error_message());
	/* CH340 drivers may skip reprogramming an "unchanged" rate: set it
	 * after opening, as a separate step (esptool#44) */
	return ser_set_baud(&s->base, baud);
}

enum esp_err xport_serial_open(const char *devnode, unsigned baud, struct esp_error *err,
			       struct xport **ret_x)
{
	struct xport_serial *s = calloc(1, sizeof *s);
	if (!s)
		return esp_error_set(err, ESP_E_NOMEM, ENOMEM, "out of memory");
	s->base.ops = &s_serial_ops;
	s->base.err = err;
	s->base.caps = XPORT_CAP_LINES | XPORT_CAP_BAUD;
	snprintf(s->base.name, sizeof s->base.name, "%s", devnode);
	s->fd = -1;
	enum esp_err e;
	if (sp_get_port_by_name(devnode, &s->port) != SP_OK) {
		e = xport_open_error(NULL, err, devnode, errno ? errno : ENOENT);
		goto fail;
	}
	errno = 0;
	if (sp_open(s->port, SP_MODE_READ_WRITE) != SP_OK) {
		int en = sp_last_error_code();
		e = xport_open_error(NULL, err, devnode, en);
		goto fail;
	}
	if (sp_get_port_handle(s->port, &s->fd) != SP_OK) {
		e = esp_error_set(err, ESP_E_IO, 0, "no handle for %s", devnode);
		goto fail;
	}
	e = xport_lock(s->fd, devnode, err);
	if (e)
		goto fail;
	e = configure(s, baud ? baud : 115200);
	if (e)
		goto fail;
	/* opening raised DTR and RTS: on an auto-reset board that holds EN low */
	e = ser_set_lines(&s->base, 0, 0);
	if (e)
		goto fail;
	*ret_x = &s->base;
	return ESP_OK;
fail:
	ser_close(&s->base);
	return e;
}
