/* SPDX-License-Identifier: MIT */
/* Byte transport under the protocol: a small ops table so that a real serial
 * port (libserialport), a plain fd (pty, tests) and a TCP serial server share
 * one protocol implementation.  Wrappers (fault injection, tracing) stack on
 * top through "lower". */
#pragma once

#include <stddef.h>

#include "esp_err.h"

struct xport;

/* Capabilities, set by the constructor; the protocol branches on these. */
#define XPORT_CAP_LINES 0x1u /* DTR/RTS can be driven */
#define XPORT_CAP_BAUD 0x2u  /* the host side baud rate can be changed */
/* DTR and RTS change one command at a time (RFC 2217), never together: the
 * reset sequences that set both lines at once are not used on it */
#define XPORT_CAP_LINES_APART 0x4u

/* How an fd transport hands DTR/RTS to something that is not a tty (a pty
 * rejects TIOCMSET with ENOTTY): tests route it to the device emulator. */
typedef enum esp_err xport_lines_fn(void *user_data, int dtr, int rts);

struct xport_ops {
	const char *name;
	/* Reads up to len bytes; waits at most timeout_ms for the first byte.
	 * A timeout is not an error: *ret_n == 0.  A vanished device (EOF,
	 * POLLHUP, EIO) is ESP_E_NODEV at once. */
	enum esp_err (*read)(struct xport *x, void *buf, size_t len, unsigned timeout_ms,
			     size_t *ret_n);
	/* Writes all len bytes or fails. */
	enum esp_err (*write)(struct xport *x, const void *buf, size_t len, unsigned timeout_ms);
	/* Line levels in software terms: 1 = asserted (pin low), -1 = unchanged.
	 * Both lines change in one operation where the OS allows it. */
	enum esp_err (*set_lines)(struct xport *x, int dtr, int rts);
	enum esp_err (*set_baud)(struct xport *x, unsigned baud);
	/* Discards bytes received but not yet read. */
	enum esp_err (*flush_input)(struct xport *x);
	/* Releases the port and frees the instance (and its lower layers). */
	void (*close)(struct xport *x);
};

struct xport {
	const struct xport_ops *ops;
	struct xport *lower;    /* wrapped transport, NULL at the bottom */
	struct esp_error *err;  /* detail sink; owned by the session, may be NULL */
	unsigned caps;          /* XPORT_CAP_* */
	unsigned baud;          /* current host baud, 0 if not applicable */
	char name[96];          /* port name for messages ("/dev/ttyUSB0") */
};

static inline enum esp_err xport_read(struct xport *x, void *buf, size_t len, unsigned timeout_ms,
				      size_t *ret_n)
{
	return x->ops->read(x, buf, len, timeout_ms, ret_n);
}

static inline enum esp_err xport_write(struct xport *x, const void *buf, size_t len,
				       unsigned timeout_ms)
{
	return x->ops->write(x, buf, len, timeout_ms);
}

static inline enum esp_err xport_set_lines(struct xport *x, int dtr, int rts)
{
	return x->ops->set_lines(x, dtr, rts);
}

static inline enum esp_err xport_set_baud(struct xport *x, unsigned baud)
{
	return x->ops->set_baud(x, baud);
}

static inline enum esp_err xport_flush_input(struct xport *x)
{
	return x->ops->flush_input(x);
}

static inline void xport_close(struct xport *x)
{
	if (x)
		x->ops->close(x);
}

/* Production transport: libserialport, 8N1, no flow control, exclusive
 * (flock + TIOCEXCL, which Debian's libserialport 0.1.1 lacks).  Errors name
 * the cause: ESP_E_NOPORT, ESP_E_PERM (with the group to join), ESP_E_BUSY. */
enum esp_err xport_serial_open(const char *devnode, unsigned baud, struct esp_error *err,
			       struct xport **ret_x);

/* Raw termios transport over an already open fd (a pty slave in tests).
 * Takes ownership of fd.  line_hook may be NULL: then DTR/RTS go through
 * TIOCMSET, and a tty that refuses them (ENOTTY) loses XPORT_CAP_LINES. */
enum esp_err xport_fd_open(int fd, const char *name, unsigned baud, xport_lines_fn *line_hook,
			   void *user_data, struct esp_error *err, struct xport **ret_x);

/* Opens a tty path with termios (no libserialport): used for ptys, which
 * libserialport cannot open. */
enum esp_err xport_tty_open(const char *path, unsigned baud, struct esp_error *err,
			    struct xport **ret_x);

/* Raw TCP serial server ("socket://host:port", e.g. ser2net): no modem
 * lines, no baud control. */
enum esp_err xport_tcp_open(const char *host_port, struct esp_error *err, struct xport **ret_x);

/* RFC 2217 network serial server ("rfc2217://HOST:PORT[?OPTIONS]" without
 * the scheme; ser2net in rfc2217 mode, esptool's esp_rfc2217_server): baud
 * rate, DTR/RTS (one line per command) and purge over Telnet.  OPTIONS,
 * joined by '&': timeout=SEC (connect and the server's answers, default 3),
 * ign_set_control and poll_modem (accepted for esptool's URLs; no effect).
 * Opens at `baud` 8N1 without flow control and leaves DTR/RTS alone.  A
 * refused, unreachable or non-RFC 2217 server is ESP_E_NOPORT; a connection
 * closed later is ESP_E_NODEV. */
enum esp_err xport_rfc2217_open(const char *spec, unsigned baud, struct esp_error *err,
				struct xport **ret_x);

/* Picks the transport for a --port argument: "socket://HOST:PORT" -> TCP;
 * "rfc2217://HOST:PORT" -> RFC 2217; a USB/platform serial device ->
 * libserialport; anything else that is a tty (a pty) -> termios fd. */
enum esp_err xport_open_port(const char *port, unsigned baud, struct esp_error *err,
			     struct xport **ret_x);
