/* SPDX-License-Identifier: MIT */
/*
 * RFC 2217 access server for one emulated device (emu_rfc2217.h): the
 * listening socket, the client connection, the pty the device is served
 * on, and what each COM-PORT-OPTION command does to them.  The Telnet
 * grammar itself is emu_telnet.c.
 */
#include "emu_rfc2217.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emu_telnet.h"
#include "emu_termios2.h"

#define NET_CAP (64u * 1024u)       /* to the client, escaped */
#define DEV_CAP (16u * 1024u)       /* to the device, plain */
#define READ_CHUNK 4096u
#define HOST_DEFAULT_BAUD 115200u   /* what the adapter is opened at, per connection */
#define BAUD_MIN 110u
#define BAUD_MAX 5000000u
static const char signature[] = "esp8266-emu RFC 2217 server";
/* ser2net 4 writes this (gensio's text for ENOENT) when the device cannot
 * be opened, then closes the connection */
static const char open_failure[] = "Device open failure: Value or file not found\r\n";

struct emu_rfc2217 {
	struct emu *e;
	unsigned port;
	int listen_fd, conn_fd, master_fd, slave_fd;
	int unplugged;
	uint64_t drop_after;
	uint64_t to_host, to_device;    /* payload bytes this connection */
	struct tn tn;
	struct tn_out net;
	uint8_t net_mem[NET_CAP];
	uint8_t dev[DEV_CAP];
	size_t dev_len;
	/* the port settings as the client sees them */
	unsigned baud;
	uint8_t datasize, parity, stopsize;
	int dtr, rts, brk, suspended;
	int modem_told;             /* the opening NOTIFY-MODEMSTATE went out */
	uint8_t linestate_mask, modemstate_mask;
};

static const char *cmd_name(uint8_t c)
{
	static const char *const n[] = {
		"SIGNATURE", "SET-BAUDRATE", "SET-DATASIZE", "SET-PARITY", "SET-STOPSIZE",
		"SET-CONTROL", "NOTIFY-LINESTATE", "NOTIFY-MODEMSTATE", "FLOWCONTROL-SUSPEND",
		"FLOWCONTROL-RESUME", "SET-LINESTATE-MASK", "SET-MODEMSTATE-MASK", "PURGE-DATA",
	};
	return c < sizeof n / sizeof n[0] ? n[c] : "unknown";
}

/* ---- the pty the device is served on ---- */

static int set_host_baud(struct emu_rfc2217 *r, unsigned baud)
{
	struct termios2 t2;

	if (r->slave_fd < 0 || ioctl(r->slave_fd, TCGETS2, &t2) < 0)
		return -1;
	t2.c_cflag = (t2.c_cflag & ~(tcflag_t)CBAUD) | BOTHER;
	t2.c_ispeed = t2.c_ospeed = baud;
	/* the master hears this as a TIOCPKT_IOCTL event (EXTPROC stays set) */
	return ioctl(r->slave_fd, TCSETS2, &t2);
}

static int plug(struct emu_rfc2217 *r)
{
	char path[128];
	int m, rc = emu_open_pty(&m, path, sizeof path, NULL);

	if (rc < 0)
		return rc;
	/* the "adapter" is opened before the device starts, so the device
	 * never sees a closed host */
	r->slave_fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (r->slave_fd < 0) {
		rc = -errno;
		close(m);
		return rc;
	}
	rc = emu_start(r->e, m, 1);
	if (rc < 0) {
		close(r->slave_fd);
		r->slave_fd = -1;
		close(m);
		return rc;
	}
	r->master_fd = m;
	r->unplugged = 0;
	set_host_baud(r, r->baud);
	return 0;
}

/* ---- the client connection ---- */

static void flush_net(struct emu_rfc2217 *r)
{
	while (r->conn_fd >= 0 && r->net.len && !r->suspended) {
		ssize_t w = send(r->conn_fd, r->net.p, r->net.len, MSG_NOSIGNAL);
		if (w <= 0)
			return;             /* EAGAIN: poll for POLLOUT; errors show on read */
		tn_out_consume(&r->net, (size_t)w);
	}
}

static void disconnect(struct emu_rfc2217 *r, const char *why)
{
	if (r->conn_fd < 0)
		return;
	int suspended = r->suspended;
	r->suspended = 0;
	if (!suspended)
		flush_net(r);           /* what the server already had goes out first */
	shutdown(r->conn_fd, SHUT_RDWR);
	close(r->conn_fd);
	r->conn_fd = -1;
	r->net.len = 0;
	r->dev_len = 0;
	emu_note(r->e, "rfc2217", "\"what\":\"disconnect\",\"why\":\"%s\",\"to_host\":%" PRIu64
		 ",\"to_device\":%" PRIu64, why, r->to_host, r->to_device);
}

static void reply(struct emu_rfc2217 *r, uint8_t cmd, const uint8_t *v, size_t n)
{
	tn_put_com_port(&r->net, (uint8_t)(cmd + CPO_SERVER_OFFSET), v, n);
}

static void reply1(struct emu_rfc2217 *r, uint8_t cmd, uint8_t v)
{
	reply(r, cmd, &v, 1);
}

static void note_cmd(struct emu_rfc2217 *r, uint8_t cmd, long long asked, unsigned now)
{
	emu_note(r->e, "rfc2217", "\"what\":\"command\",\"cmd\":\"%s\",\"code\":%u,\"value\":%lld,"
		 "\"reply\":%u,\"baud\":%u,\"dtr\":%d,\"rts\":%d", cmd_name(cmd), cmd, asked, now,
		 r->baud, r->dtr, r->rts);
}

/* SET-CONTROL (RFC 2217 values): one line at a time, as the protocol
 * allows; the auto-reset circuit sees every intermediate state. */
static uint8_t set_control(struct emu_rfc2217 *r, uint8_t v)
{
	switch (v) {
	case 0: case 1: case 2: case 3: case 17: case 19:
		return 1;               /* outbound flow control: none is all the wire has */
	case 13: case 14: case 15: case 16: case 18:
		return 14;              /* inbound flow control: none */
	case 4:
		return r->brk ? 5 : 6;
	case 5: case 6:
		r->brk = v == 5;        /* a BREAK is a framing error to the ROM: no effect */
		return v;
	case 7:
		return r->dtr ? 8 : 9;
	case 8: case 9:
		r->dtr = v == 8;
		emu_set_lines(r->e, r->dtr, r->rts);
		return v;
	case 10:
		return r->rts ? 11 : 12;
	case 11: case 12:
		r->rts = v == 11;
		emu_set_lines(r->e, r->dtr, r->rts);
		return v;
	default:
		return 1;               /* unknown: report the flow control in force */
	}
}

static void set_baud(struct emu_rfc2217 *r, const uint8_t *v, size_t n)
{
	uint32_t asked = n == 4 ? (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
			 (uint32_t)v[2] << 8 | v[3] : 0;
	if (asked && asked >= BAUD_MIN && asked <= BAUD_MAX && set_host_baud(r, asked) == 0)
		r->baud = asked;
	uint8_t out[4] = { (uint8_t)(r->baud >> 24), (uint8_t)(r->baud >> 16),
			   (uint8_t)(r->baud >> 8), (uint8_t)r->baud };
	reply(r, CPO_SET_BAUDRATE, out, 4);
	note_cmd(r, CPO_SET_BAUDRATE, n == 4 ? (long long)asked : -1, r->baud);
}

/* value v (0 = query) within [lo, hi] replaces *cur; the reply is *cur */
static uint8_t setting(uint8_t *cur, uint8_t v, uint8_t lo, uint8_t hi)
{
	if (v >= lo && v <= hi)
		*cur = v;
	return *cur;
}

static void purge(struct emu_rfc2217 *r, uint8_t v)
{
	/* 1: the server's receive buffer (from the device), 2: its transmit
	 * buffer (to the device), 3: both */
	if (v == 1 || v == 3)
		(void)tcflush(r->slave_fd, TCIFLUSH);
	if (v == 2 || v == 3) {
		r->dev_len = 0;
		(void)tcflush(r->slave_fd, TCOFLUSH);
	}
}

static void com_port(void *ctx, uint8_t cmd, const uint8_t *v, size_t n)
{
	struct emu_rfc2217 *r = ctx;
	uint8_t a = n ? v[0] : 0, out;

	switch (cmd) {
	case CPO_SIGNATURE:
		reply(r, cmd, (const uint8_t *)signature, sizeof signature - 1);
		emu_note(r->e, "rfc2217", "\"what\":\"command\",\"cmd\":\"SIGNATURE\",\"code\":0,"
			 "\"value_len\":%zu", n);
		return;
	case CPO_SET_BAUDRATE:
		set_baud(r, v, n);
		return;
	case CPO_SET_DATASIZE: out = setting(&r->datasize, a, 5, 8); break;
	case CPO_SET_PARITY: out = setting(&r->parity, a, 1, 5); break;
	case CPO_SET_STOPSIZE: out = setting(&r->stopsize, a, 1, 3); break;
	case CPO_SET_CONTROL: out = set_control(r, a); break;
	case CPO_NOTIFY_LINESTATE: out = 0; break;      /* no line errors to report */
	case CPO_NOTIFY_MODEMSTATE: out = 0; break;     /* CTS, DSR, RI, DCD not wired */
	case CPO_FLOWCONTROL_SUSPEND:
	case CPO_FLOWCONTROL_RESUME:
		/* RFC 2217: a request to the receiver, not acknowledged; 108/109
		 * from the server would ask the client to stop/start instead */
		r->suspended = cmd == CPO_FLOWCONTROL_SUSPEND;
		note_cmd(r, cmd, a, r->suspended);
		return;
	case CPO_SET_LINESTATE_MASK: out = r->linestate_mask = a; break;
	case CPO_SET_MODEMSTATE_MASK: out = r->modemstate_mask = a; break;
	case CPO_PURGE_DATA:
		out = a;
		if (a >= 1 && a <= 3)
			purge(r, a);
		break;
	default:
		emu_note(r->e, "rfc2217", "\"what\":\"oddity\",\"kind\":\"unknown_command\","
			 "\"byte\":%u", cmd);
		return;
	}
	reply1(r, cmd, out);
	note_cmd(r, cmd, n ? a : -1, out);
}

static void data_to_device(void *ctx, const uint8_t *p, size_t n)
{
	struct emu_rfc2217 *r = ctx;

	/* fits: never more is read from the client than there is room for */
	if (n > DEV_CAP - r->dev_len)
		n = DEV_CAP - r->dev_len;
	memcpy(r->dev + r->dev_len, p, n);
	r->dev_len += n;
	r->to_device += n;
}

static void oddity(void *ctx, const char *what, unsigned byte)
{
	struct emu_rfc2217 *r = ctx;
	emu_note(r->e, "rfc2217", "\"what\":\"oddity\",\"kind\":\"%s\",\"byte\":%u", what, byte);
}

static const struct tn_ops ops = { .data = data_to_device, .com_port = com_port, .oddity = oddity };

static void accept_client(struct emu_rfc2217 *r)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	int c = accept4(r->listen_fd, (struct sockaddr *)&a, &alen, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int one = 1;

	if (c < 0)
		return;
	/* replies are small and waited for: no Nagle delay */
	(void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	tn_init(&r->tn);
	r->net.len = 0;
	r->dev_len = 0;
	r->to_host = r->to_device = 0;
	r->suspended = 0;
	r->modem_told = 0;
	r->conn_fd = c;
	tn_greet(&r->tn, &r->net);
	if (r->unplugged) {
		tn_put_raw(&r->net, (const uint8_t *)open_failure, sizeof open_failure - 1);
		emu_note(r->e, "rfc2217", "\"what\":\"refused\",\"why\":\"unplugged\",\"peer_port\":%u",
			 ntohs(a.sin_port));
		disconnect(r, "unplugged");
		return;
	}
	/* the adapter is opened at its default for every connection */
	r->baud = HOST_DEFAULT_BAUD;
	r->datasize = 8;
	r->parity = 1;
	r->stopsize = 1;
	r->brk = 0;
	set_host_baud(r, r->baud);
	emu_note(r->e, "rfc2217", "\"what\":\"connect\",\"peer_port\":%u,\"baud\":%u,\"dtr\":%d,"
		 "\"rts\":%d", ntohs(a.sin_port), r->baud, r->dtr, r->rts);
	flush_net(r);
}

static void read_client(struct emu_rfc2217 *r)
{
	uint8_t buf[READ_CHUNK];
	size_t room = DEV_CAP - r->dev_len;

	if (room == 0)
		return;
	ssize_t n = recv(r->conn_fd, buf, room < sizeof buf ? room : sizeof buf, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		disconnect(r, "peer");
		return;
	}
	if (n <= 0)
		return;
	tn_input(&r->tn, buf, (size_t)n, &r->net, &ops, r);
	/* once COM-PORT-OPTION is agreed, tell the modem lines (none active),
	 * as servers do: pyserial's client refuses to read CTS/DSR until a
	 * NOTIFY-MODEMSTATE has come */
	if (!r->modem_told && r->tn.him[TN_OPT_COM_PORT] == TN_Q_YES) {
		r->modem_told = 1;
		reply1(r, CPO_NOTIFY_MODEMSTATE, 0);
	}
}

static void write_device(struct emu_rfc2217 *r)
{
	if (r->slave_fd < 0 || r->dev_len == 0)
		return;
	ssize_t w = write(r->slave_fd, r->dev, r->dev_len);
	if (w <= 0)
		return;
	memmove(r->dev, r->dev + w, r->dev_len - (size_t)w);
	r->dev_len -= (size_t)w;
}

/* The device's output: to the client (escaped), or lost with no client. */
static void read_device(struct emu_rfc2217 *r)
{
	uint8_t buf[READ_CHUNK];
	size_t want = sizeof buf;

	if (r->conn_fd >= 0 && r->drop_after) {
		uint64_t left = r->drop_after - r->to_host;
		if (left < want)
			want = (size_t)left;
	}
	ssize_t n = read(r->slave_fd, buf, want);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* EIO: the master is gone, i.e. the device hung up (unplug_after) */
		if (emu_is_unplugged(r->e))
			emu_rfc2217_unplug(r);
		return;
	}
	if (r->conn_fd < 0)
		return;
	tn_put_data(&r->net, buf, (size_t)n);
	r->to_host += (size_t)n;
	flush_net(r);
	if (r->drop_after && r->to_host >= r->drop_after)
		disconnect(r, "drop_after");
}

/* ---- public ---- */

struct emu_rfc2217 *emu_rfc2217_new(struct emu *e, unsigned port, uint64_t drop_after, char *err,
				    size_t errlen)
{
	struct emu_rfc2217 *r = calloc(1, sizeof *r);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int one = 1, rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->e = e;
	r->conn_fd = r->master_fd = r->slave_fd = -1;
	r->drop_after = drop_after;
	r->net.p = r->net_mem;
	r->net.cap = NET_CAP;
	r->baud = HOST_DEFAULT_BAUD;
	r->datasize = 8;
	r->parity = 1;
	r->stopsize = 1;
	r->modemstate_mask = 255;       /* RFC 2217 defaults */
	r->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->listen_fd < 0 ||
	    setsockopt(r->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(r->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(r->listen_fd, 4) < 0 ||
	    getsockname(r->listen_fd, (struct sockaddr *)&a, &len) < 0) {
		snprintf(err, errlen, "rfc2217: listen on 127.0.0.1:%u: %s (pick another port, or 0)",
			 port, strerror(errno));
		emu_rfc2217_free(r);
		return NULL;
	}
	r->port = ntohs(a.sin_port);
	if ((rc = plug(r)) < 0) {
		snprintf(err, errlen, "rfc2217: device pty: %s", strerror(-rc));
		emu_rfc2217_free(r);
		return NULL;
	}
	emu_note(e, "rfc2217", "\"what\":\"listen\",\"port\":%u,\"drop_after\":%" PRIu64, r->port,
		 drop_after);
	return r;
}

void emu_rfc2217_free(struct emu_rfc2217 *r)
{
	if (!r)
		return;
	disconnect(r, "quit");
	emu_stop(r->e);
	if (r->master_fd >= 0 && !emu_is_unplugged(r->e))
		close(r->master_fd);
	if (r->slave_fd >= 0)
		close(r->slave_fd);
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	free(r);
}

unsigned emu_rfc2217_port(const struct emu_rfc2217 *r)
{
	return r->port;
}

int emu_rfc2217_pollfds(struct emu_rfc2217 *r, struct pollfd *p)
{
	int n = 0;

	if (r->conn_fd < 0)
		p[n++] = (struct pollfd){ .fd = r->listen_fd, .events = POLLIN };
	if (r->conn_fd >= 0) {
		short ev = r->dev_len < DEV_CAP ? POLLIN : 0;
		if (r->net.len && !r->suspended)
			ev |= POLLOUT;
		p[n++] = (struct pollfd){ .fd = r->conn_fd, .events = ev };
	}
	if (r->slave_fd >= 0) {
		/* room for a chunk doubled by escaping, plus some replies */
		int room = r->conn_fd < 0 ||
			   (!r->suspended && NET_CAP - r->net.len >= 2 * READ_CHUNK + 1024);
		short ev = (short)((room ? POLLIN : 0) | (r->dev_len ? POLLOUT : 0));
		p[n++] = (struct pollfd){ .fd = r->slave_fd, .events = ev };
	}
	return n;
}

void emu_rfc2217_step(struct emu_rfc2217 *r, const struct pollfd *p, int n)
{
	for (int i = 0; i < n; i++) {
		short rev = p[i].revents;
		if (!rev)
			continue;
		if (p[i].fd == r->listen_fd && r->conn_fd < 0) {
			accept_client(r);
		} else if (p[i].fd == r->conn_fd) {
			if (rev & POLLOUT)
				flush_net(r);
			if (rev & (POLLIN | POLLHUP | POLLERR))
				read_client(r);
		} else if (p[i].fd == r->slave_fd) {
			if (rev & POLLOUT)
				write_device(r);
			if (rev & (POLLIN | POLLHUP | POLLERR))
				read_device(r);
		}
	}
	/* replies made while reading, and data for the device, go out now */
	write_device(r);
	flush_net(r);
}

void emu_rfc2217_unplug(struct emu_rfc2217 *r)
{
	if (r->unplugged)
		return;
	emu_unplug(r->e);           /* closes the master, powers the board off */
	r->unplugged = 1;
	r->master_fd = -1;          /* closed by the emulator */
	if (r->slave_fd >= 0)
		close(r->slave_fd);
	r->slave_fd = -1;
	disconnect(r, "unplug");
}

int emu_rfc2217_replug(struct emu_rfc2217 *r)
{
	if (!r->unplugged)
		return 0;
	emu_stop(r->e);
	int rc = plug(r);
	emu_note(r->e, "rfc2217", "\"what\":\"replug\",\"ok\":%s", rc == 0 ? "true" : "false");
	return rc;
}

void emu_rfc2217_set_drop_after(struct emu_rfc2217 *r, uint64_t n)
{
	r->drop_after = n;
	emu_note(r->e, "rfc2217", "\"what\":\"drop_after\",\"bytes\":%" PRIu64, n);
}
