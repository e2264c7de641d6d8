/* SPDX-License-Identifier: MIT */
/* fd-level helpers shared by the transports (not a public header). */
#pragma once

#include "xport.h"

/* poll()-based read/write on a non-blocking fd.  A hangup (EOF, POLLHUP,
 * EIO, ENXIO, ECONNRESET) is ESP_E_NODEV at once, never a spin until the
 * timeout. */
enum esp_err xport_fdio_read(struct xport *x, int fd, void *buf, size_t len, unsigned timeout_ms,
			     size_t *ret_n);
enum esp_err xport_fdio_write(struct xport *x, int fd, const void *buf, size_t len,
			      unsigned timeout_ms);
/* Raw 8N1 termios with an arbitrary baud (termios2/BOTHER). */
enum esp_err xport_fdio_set_raw(struct xport *x, int fd, unsigned baud);
enum esp_err xport_fdio_set_baud(struct xport *x, int fd, unsigned baud);
/* VMIN=1/VTIME=0 and O_NONBLOCK: an idle line reads EAGAIN, a hang-up reads 0. */
void xport_fdio_nonblock_vmin1(int fd);
/* Both modem lines in one TIOCMSET; errno ENOTTY means "no lines". */
int xport_fdio_set_lines(int fd, int dtr, int rts);
/* Explains a failed open() of a port: NOPORT / PERM (naming the group) / BUSY / IO. */
enum esp_err xport_open_error(struct xport_ops const *unused, struct esp_error *err,
			      const char *path, int sys_errno);
/* Splits "HOST:PORT" or "[IPV6]:PORT" (a socket:// port without its
 * scheme) into a host and a numeric service.  The port must be 1..65535 in
 * decimal; an unbracketed IPv6 address is refused.  ESP_E_INVAL otherwise. */
#define XPORT_HOST_LEN 256
#define XPORT_SERVICE_LEN 6
enum esp_err xport_tcp_parse(const char *host_port, char host[XPORT_HOST_LEN],
			     char service[XPORT_SERVICE_LEN], struct esp_error *err);
/* What to do about "permission denied" on a device node with st_mode
 * `mode`, owned by group `gid` (named `group`, NULL if unknown; mode 0 if
 * the node cannot be stat'ed): join the group only where the group may read
 * and write the node (and never 'root'), else install the shipped udev rule.
 * One clause into buf, which is returned. */
#define XPORT_UDEV_RULE "udev-rules/70-espstation.rules"
const char *xport_perm_advice(unsigned mode, unsigned gid, const char *group, char *buf,
			      size_t cap);
/* flock + TIOCEXCL so two programs never share a port. */
enum esp_err xport_lock(int fd, const char *path, struct esp_error *err);
