/* SPDX-License-Identifier: MIT */
/*
 * The UART line between device and host: reading and writing the pty/socket
 * at the right moments, the host's baud (TCGETS2 on the pty master), baud
 * mismatch garbling, byte faults and hang-ups.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emu_priv.h"
#include "emu_termios2.h"

#define RXQ_MAX (256u * 1024u)      /* stop reading (back-pressure) beyond this */
#define HOST_RECHECK_NS (5 * EMU_MS)
#define GARBLE_LOG_NS (250 * EMU_MS)

void emu_wire_refresh_host_baud(struct emu *e, int64_t now)
{
	struct termios2 t2;

	if (!e->is_pty || e->fd < 0 || ioctl(e->fd, TCGETS2, &t2) < 0)
		return;
	unsigned b = t2.c_ospeed ? t2.c_ospeed : t2.c_ispeed;
	if (b != e->host_baud) {
		emu_logf(&e->log, now, "baud", "\"who\":\"host\",\"baud\":%u,\"old\":%u", b, e->host_baud);
		e->host_baud = b;
	}
}

int emu_wire_mismatch(const struct emu *e, unsigned dev_baud)
{
	if (e->host_baud == 0 || dev_baud == 0)
		return 0;               /* socket: no baud on the host side */
	uint64_t diff = e->host_baud > dev_baud ? e->host_baud - dev_baud : dev_baud - e->host_baud;
	return diff * 100 > (uint64_t)dev_baud * 3;
}

void emu_wire_flush_garble_log(struct emu *e, int64_t now, int force)
{
	if (e->garbled_tx == 0 && e->garbled_rx == 0)
		return;
	if (!force && now - e->garble_logged_at < GARBLE_LOG_NS)
		return;
	emu_logf(&e->log, now, "garbled", "\"tx_bytes\":%llu,\"rx_bytes\":%llu,\"host_baud\":%u,"
		 "\"dev_baud\":%u", (unsigned long long)e->garbled_tx,
		 (unsigned long long)e->garbled_rx, e->host_baud, e->dev_baud);
	e->garbled_tx = e->garbled_rx = 0;
	e->garble_logged_at = now;
}

/* Junk as a receiver sampling at the wrong rate sees it: about n * num/den
 * bytes, never a frame delimiter or escape, so never a valid frame. */
static size_t garble(struct emu *e, uint8_t *out, size_t cap, size_t n, unsigned num,
		     unsigned den, uint64_t *acc)
{
	uint64_t total = (uint64_t)n * num + *acc;
	size_t m = (size_t)(total / den);

	*acc = total % den;
	if (m > cap)
		m = cap;        /* a very fast sampler sees mostly idle line anyway */
	for (size_t i = 0; i < m; i++) {
		uint8_t b;
		do
			b = (uint8_t)emu_rng_next(&e->rng_garble);
		while (b == EMU_SLIP_END || b == EMU_SLIP_ESC);
		out[i] = b;
	}
	return m;
}

/* Applies drop/flip faults in place; returns the new length. */
static size_t byte_faults(struct emu *e, int64_t now, uint8_t *p, size_t n, struct emu_rng *rng,
			  unsigned drop_ppm, unsigned flip_ppm, const char *dir)
{
	size_t o = 0;

	if (drop_ppm == 0 && flip_ppm == 0)
		return n;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];
		if (emu_rng_ppm(rng, drop_ppm)) {
			emu_logf(&e->log, now, "fault", "\"kind\":\"%s_drop\",\"byte\":%u", dir, b);
			continue;
		}
		if (emu_rng_ppm(rng, flip_ppm)) {
			uint8_t x = (uint8_t)(1u << emu_rng_below(rng, 8));
			emu_logf(&e->log, now, "fault", "\"kind\":\"%s_flip\",\"byte\":%u,\"xor\":%u", dir, b, x);
			b ^= x;
		}
		p[o++] = b;
	}
	return o;
}

void emu_wire_hangup(struct emu *e, int64_t now, const char *why)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	e->unplugged = 1;
	e->host_present = 0;
	e->tx_blocked = 0;
	emu_logf(&e->log, now, "unplug", "\"why\":\"%s\",\"bytes\":%llu", why,
		 (unsigned long long)e->bytes_total);
	emu_chip_power_off(e, now);
}

/* Counts n bytes against unplug_after; returns how many may still pass. */
static size_t budget(struct emu *e, size_t n, int *hang)
{
	uint64_t lim = e->cfg.faults.unplug_after;

	*hang = 0;
	if (lim == 0) {
		e->bytes_total += n;
		return n;
	}
	uint64_t used = e->bytes_total - e->unplug_base;
	uint64_t left = lim > used ? lim - used : 0;
	if (n >= left) {
		*hang = 1;
		n = (size_t)left;
	}
	e->bytes_total += n;
	return n;
}

static void host_lost(struct emu *e, int64_t now)
{
	if (!e->host_present)
		return;
	e->host_present = 0;
	e->tx_blocked = 0;
	e->host_check_at = now + HOST_RECHECK_NS;
	if (!e->is_pty)
		e->host_gone = 1;
	emu_logf(&e->log, now, "host", "\"state\":\"closed\"");
}

void emu_wire_check_host(struct emu *e, int64_t now)
{
	if (!e->is_pty || e->fd < 0 || e->host_present || now < e->host_check_at)
		return;
	struct pollfd p = { .fd = e->fd, .events = POLLIN };
	if (poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP)) {
		e->host_present = 1;
		emu_logf(&e->log, now, "host", "\"state\":\"open\"");
		emu_wire_refresh_host_baud(e, now);
	} else {
		e->host_check_at = now + HOST_RECHECK_NS;
	}
}

void emu_wire_read(struct emu *e, int64_t now)
{
	uint8_t buf[4097], junk[8192];

	while (e->fd >= 0 && e->host_present && emu_bytes_len(&e->rxq.b) < RXQ_MAX) {
		ssize_t r = read(e->fd, buf, sizeof buf);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EIO || errno == ECONNRESET)
				host_lost(e, now);
			else if (errno != EAGAIN)
				emu_logf(&e->log, now, "error", "\"what\":\"read\",\"errno\":%d", errno);
			return;
		}
		if (r == 0) {
			host_lost(e, now);
			return;
		}
		uint8_t *p = buf;
		size_t n = (size_t)r;
		if (e->pkt_mode) {
			/* packet mode: status byte first; non-zero = control event */
			if (p[0] != 0) {
				if (p[0] & TIOCPKT_IOCTL)
					emu_wire_refresh_host_baud(e, now);
				continue;
			}
			p++;
			n--;
		}
		emu_wire_refresh_host_baud(e, now);
		int hang;
		n = budget(e, n, &hang);
		e->rx_bytes += n;
		if (n)
			e->last_rx = now;
		n = byte_faults(e, now, p, n, &e->rng_rx, e->cfg.faults.rx_drop_ppm,
				e->cfg.faults.rx_flip_ppm, "rx");
		int autobaud = e->mode == EMU_MODE_ROM && e->autobaud_armed;
		if (emu_wire_mismatch(e, e->dev_baud) && !autobaud) {
			/* the device samples the host's bits at its own rate */
			size_t m = garble(e, junk, sizeof junk, n, e->dev_baud, e->host_baud, &e->garble_acc_rx);
			e->garbled_rx += n;
			p = junk;
			n = m;
		}
		unsigned baud = e->host_baud ? e->host_baud : e->dev_baud;
		if (emu_rxq_push(&e->rxq, p, n, baud, now) < 0)
			emu_logf(&e->log, now, "error", "\"what\":\"rx queue out of memory\"");
		if (hang) {
			emu_wire_hangup(e, now, "unplug_after");
			return;
		}
	}
}

void emu_wire_write(struct emu *e, int64_t now)
{
	uint8_t out[16384];
	const uint8_t *p;
	unsigned baud;
	size_t n;

	while (!e->tx_blocked && (n = emu_txq_due(&e->txq, now, &p, &baud)) > 0) {
		if (n > 4096)
			n = 4096;
		if (e->fd < 0 || !e->host_present) {
			emu_txq_consume(&e->txq, n);    /* nobody listening: bytes vanish */
			continue;
		}
		emu_wire_refresh_host_baud(e, now);
		int hang;
		size_t pass = budget(e, n, &hang);
		size_t m;
		int identity = 0;
		if (emu_wire_mismatch(e, baud)) {
			m = garble(e, out, sizeof out, pass, e->host_baud, baud, &e->garble_acc_tx);
			e->garbled_tx += pass;
		} else {
			memcpy(out, p, pass);
			m = byte_faults(e, now, out, pass, &e->rng_tx, e->cfg.faults.drop_ppm,
					e->cfg.faults.flip_ppm, "tx");
			identity = m == pass && !hang;
		}
		/* sockets: MSG_NOSIGNAL, a library must not raise SIGPIPE */
		ssize_t w = m == 0 ? 0 : e->is_pty ? write(e->fd, out, m)
			: send(e->fd, out, m, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				e->tx_blocked = 1;
				e->bytes_total -= pass;     /* not sent after all */
				return;
			}
			/* EIO: the host closed the pty; EPIPE: the peer left */
			host_lost(e, now);
			emu_txq_consume(&e->txq, n);
			continue;
		}
		if (identity && (size_t)w < m) {
			/* the host's buffer is full: keep the rest for later */
			e->bytes_total -= pass - (size_t)w;
			emu_txq_consume(&e->txq, (size_t)w);
			e->tx_blocked = 1;
			return;
		}
		emu_txq_consume(&e->txq, n);
		if (hang) {
			emu_wire_hangup(e, now, "unplug_after");
			return;
		}
	}
}
