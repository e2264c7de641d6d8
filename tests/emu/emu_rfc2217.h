/* SPDX-License-Identifier: MIT */
/*
 * An RFC 2217 access server in front of one emulated device, as ser2net
 * (telnet(rfc2217)) or esptool's RFC 2217 server would stand in front of a
 * USB-UART adapter: 127.0.0.1:PORT, one client at a time, the device behind
 * a pty whose termios baud the server sets (so the emulator's baud-mismatch
 * model applies unchanged) and whose DTR/RTS go to emu_set_lines one line
 * per SET-CONTROL.  Driven by the caller's poll loop; not thread-safe.
 * README "RFC 2217 server" has the behaviour and the log fields.
 */
#pragma once

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "emu.h"

struct emu_rfc2217;

/* Listens on 127.0.0.1:port (0 = any free port), creates the device's pty
 * and starts e on it (e must not be serving yet).  drop_after: close each
 * connection after this many device-to-host payload bytes (0 = never).
 * NULL on failure, with a message in err. */
struct emu_rfc2217 *emu_rfc2217_new(struct emu *e, unsigned port, uint64_t drop_after, char *err,
				    size_t errlen);
/* Stops e, closes every fd. NULL is fine. */
void emu_rfc2217_free(struct emu_rfc2217 *r);
unsigned emu_rfc2217_port(const struct emu_rfc2217 *r);

/* The fds to poll now (at most EMU_RFC2217_POLLFDS), and the work after poll. */
#define EMU_RFC2217_POLLFDS 3
int emu_rfc2217_pollfds(struct emu_rfc2217 *r, struct pollfd *p);
void emu_rfc2217_step(struct emu_rfc2217 *r, const struct pollfd *p, int n);

/* The USB adapter behind the server vanishes: the client is cut off, the
 * device loses power, new connections are told "Device open failure" and
 * closed (as ser2net 4 does) until emu_rfc2217_replug.  0 or -errno. */
void emu_rfc2217_unplug(struct emu_rfc2217 *r);
int emu_rfc2217_replug(struct emu_rfc2217 *r);
void emu_rfc2217_set_drop_after(struct emu_rfc2217 *r, uint64_t n);
