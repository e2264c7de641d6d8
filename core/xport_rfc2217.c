/* SPDX-License-Identifier: MIT */
/* RFC 2217 client ("rfc2217://HOST:PORT[?options]"): a serial port behind a
 * network serial server (ser2net in telnet/rfc2217 mode, esptool's
 * esp_rfc2217_server, a rack board), with baud rate, DTR/RTS and purge.
 * Written from RFC 854 (Telnet: IAC commands, option negotiation), RFC 856
 * (BINARY), RFC 858 (SUPPRESS-GO-AHEAD) and RFC 2217 (COM-PORT-OPTION).
 *
 * The Telnet stream carries the serial data with every 0xFF doubled (IAC
 * IAC) and the server's commands mixed in; a push decoder (xport_telnet.c,
 * the byte codec) takes the commands out and leaves the data in a local
 * buffer that read() hands out.  This file owns the connection, the option
 * negotiation, what the server's commands mean, and the waits.  Every wait
 * is bounded: connect, the option negotiation, the server's acks. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "xport_priv.h"
#include "xport_telnet.h"

/* RFC 2217 client-to-server commands; the server answers with command + 100 */
#define CPC_SET_BAUDRATE 1u
#define CPC_SET_DATASIZE 2u
#define CPC_SET_PARITY 3u
#define CPC_SET_STOPSIZE 4u
#define CPC_SET_CONTROL 5u
#define CPC_NOTIFY_LINESTATE 6u
#define CPC_NOTIFY_MODEMSTATE 7u
#define CPC_FLOWCONTROL_SUSPEND 8u
#define CPC_FLOWCONTROL_RESUME 9u
#define CPC_PURGE_DATA 12u
#define CPC_SERVER 100u
#define CPC_COMMANDS 13u

#define PARITY_NONE 1u
#define STOPSIZE_1 1u
#define CONTROL_NO_FLOW 1u
#define CONTROL_DTR_ON 8u
#define CONTROL_DTR_OFF 9u
#define CONTROL_RTS_ON 11u
#define CONTROL_RTS_OFF 12u
#define PURGE_RECEIVE 1u /* the server's buffer of bytes from the device */

#define RFC_DATA_CAP 65536u  /* decoded serial bytes not yet read */
#define RFC_RAW_CHUNK 4096u  /* one recv(); never decodes to more bytes */
#define RFC_ACK_MS 3000u     /* default wait for the server's answers and for connect */
#define RFC_PURGE_ACK_MS 500u

/* option state bits, per side ("us" = our WILL/WONT, "him" = the server's) */
#define OPT_ON 0x1u
#define OPT_ASKED 0x2u
#define OPT_REFUSED 0x4u

struct xport_rfc2217 {
	struct xport base; /* must be first */
	int fd;
	unsigned ack_ms;
	/* the serial data decoded so far, data[pos .. len) not yet read */
	uint8_t data[RFC_DATA_CAP];
	size_t pos, len;
	struct xport_telnet_dec dec;
	uint8_t us[256], him[256]; /* option state bits */
	/* what the server said */
	unsigned acks[CPC_COMMANDS];
	uint32_t ack_value[CPC_COMMANDS];
	uint8_t linestate, modemstate;
	int suspended;      /* FLOWCONTROL-SUSPEND until RESUME */
	unsigned purges;    /* PURGE-DATA sent whose ack still clears the buffer */
	int purge_acked;    /* the server acks PURGE-DATA (cleared after a miss) */
	int closed;         /* EOF or reset from the server */
	int closed_errno;
	enum esp_err fault; /* a failed reply write inside the decoder */
};

static struct xport_rfc2217 *to_rfc(struct xport *x)
{
	return (struct xport_rfc2217 *)x;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int remaining(uint64_t deadline)
{
	uint64_t now = now_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

static enum esp_err closed_error(struct xport_rfc2217 *r)
{
	return esp_error_set(r->base.err, ESP_E_NODEV, r->closed_errno,
			     "%s: connection closed by the server (unplugged?): check the unit and "
			     "the server, then retry", r->base.name);
}

static void mark_closed(struct xport_rfc2217 *r, int sys_errno)
{
	r->closed = 1;
	r->closed_errno = sys_errno;
}

static int is_hangup_errno(int e)
{
	return e == EPIPE || e == ECONNRESET || e == ECONNABORTED || e == ENOTCONN ||
	       e == ETIMEDOUT || e == EHOSTUNREACH || e == ENETUNREACH;
}

/* ---- sending ------------------------------------------------------------- */

static enum esp_err pump(struct xport_rfc2217 *r, int wait_ms);

/* Sends all n bytes by the deadline.  Keeps draining what the server sends
 * meanwhile, so two full socket buffers can never block each other. */
static enum esp_err send_raw(struct xport_rfc2217 *r, const uint8_t *p, size_t n, uint64_t deadline)
{
	while (n) {
		if (r->closed)
			return closed_error(r);
		ssize_t k = send(r->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && is_hangup_errno(errno)) {
			mark_closed(r, errno);
			return closed_error(r);
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return esp_error_set(r->base.err, ESP_E_IO, errno, "writing to %s: %s",
					     r->base.name, strerror(errno));
		int left = remaining(deadline);
		if (!left)
			return esp_error_set(r->base.err, ESP_E_TIMEOUT, 0,
					     "writing to %s stalled: the server takes no more data "
					     "(network down? server hung?)", r->base.name);
		struct pollfd pf = {.fd = r->fd, .events = POLLOUT};
		if (r->len - r->pos < RFC_DATA_CAP)
			pf.events |= POLLIN;
		int pr = poll(&pf, 1, left);
		if (pr > 0 && (pf.revents & POLLIN)) {
			enum esp_err e = pump(r, 0);
			if (e)
				return e;
		}
	}
	return ESP_OK;
}

static enum esp_err send_now(struct xport_rfc2217 *r, const uint8_t *p, size_t n)
{
	return send_raw(r, p, n, now_ms() + r->ack_ms);
}

/* values are at most 4 bytes (the baud rate) */
static enum esp_err send_sub(struct xport_rfc2217 *r, uint8_t cmd, const uint8_t *val, size_t n)
{
	uint8_t out[XPORT_TELNET_SUB_MAX(4)];
	return send_now(r, out, xport_telnet_build_sub(out, cmd, val, n));
}

static enum esp_err send_verb(struct xport_rfc2217 *r, uint8_t verb, uint8_t opt)
{
	uint8_t out[3] = {XPORT_TELNET_IAC, verb, opt};
	return send_now(r, out, sizeof out);
}

/* ---- what the server's commands mean ------------------------------------ */

/* A reply the decoder owes the server; a failure is kept for the caller. */
static void reply(struct xport_rfc2217 *r, uint8_t verb, uint8_t opt)
{
	if (r->fault || r->closed)
		return;
	enum esp_err e = send_verb(r, verb, opt);
	if (e && !r->closed)
		r->fault = e;
}

static int wanted(uint8_t opt, int ours)
{
	/* we send COM-PORT-OPTION commands; the server need not send us any */
	return opt == XPORT_TELNET_OPT_BINARY || opt == XPORT_TELNET_OPT_SGA ||
	       (ours && opt == XPORT_TELNET_OPT_COM_PORT);
}

/* RFC 854 option negotiation: acknowledge only changes (no loops), refuse
 * what we do not want (ECHO would send our SLIP frames back to us). */
static void negotiate(struct xport_rfc2217 *r, uint8_t verb, uint8_t opt)
{
	int ours = verb == XPORT_TELNET_DO || verb == XPORT_TELNET_DONT;
	uint8_t *s = ours ? &r->us[opt] : &r->him[opt];
	int enable = verb == XPORT_TELNET_DO || verb == XPORT_TELNET_WILL;
	if (enable) {
		if (!wanted(opt, ours)) {
			reply(r, ours ? XPORT_TELNET_WONT : XPORT_TELNET_DONT, opt);
			return;
		}
		if (!(*s & OPT_ON) && !(*s & OPT_ASKED))
			reply(r, ours ? XPORT_TELNET_WILL : XPORT_TELNET_DO, opt);
		*s = (uint8_t)((*s | OPT_ON) & ~OPT_ASKED & ~OPT_REFUSED);
	} else {
		if (*s & OPT_ON && !(*s & OPT_ASKED))
			reply(r, ours ? XPORT_TELNET_WONT : XPORT_TELNET_DONT, opt);
		if (wanted(opt, ours))
			*s = OPT_REFUSED;
		else
			*s = 0;
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void subnegotiation(struct xport_rfc2217 *r, const uint8_t *sb, size_t sb_len)
{
	if (sb_len < 2 || sb[0] != XPORT_TELNET_OPT_COM_PORT || sb[1] < CPC_SERVER ||
	    sb[1] >= CPC_SERVER + CPC_COMMANDS)
		return; /* another option's, or a client-side code: nothing for us */
	unsigned cmd = sb[1] - CPC_SERVER;
	const uint8_t *v = sb + 2;
	size_t n = sb_len - 2;
	r->acks[cmd]++;
	r->ack_value[cmd] = n >= 4 ? be32(v) : n >= 1 ? v[0] : 0;
	switch (cmd) {
	case CPC_NOTIFY_LINESTATE:
		r->linestate = n ? v[0] : 0;
		break;
	case CPC_NOTIFY_MODEMSTATE:
		r->modemstate = n ? v[0] : 0;
		break;
	case CPC_FLOWCONTROL_SUSPEND:
		r->suspended = 1;
		break;
	case CPC_FLOWCONTROL_RESUME:
		r->suspended = 0;
		break;
	case CPC_PURGE_DATA:
		/* everything before the ack in the stream left the server before
		 * its buffer was purged: it is stale too */
		if (r->purges) {
			r->purges--;
			r->pos = r->len = 0;
		}
		break;
	default:
		break;
	}
}

/* Decodes one chunk: data into the buffer, commands acted on in stream order
 * (a PURGE-DATA ack drops the data before it, not after it). */
static void feed(struct xport_rfc2217 *r, const uint8_t *in, size_t n)
{
	while (n) {
		if (r->pos && RFC_DATA_CAP - r->len < n) {
			memmove(r->data, r->data + r->pos, r->len - r->pos);
			r->len -= r->pos;
			r->pos = 0;
		}
		size_t got = 0;
		enum xport_telnet_event ev;
		/* pump() never reads more than there is room for */
		size_t used = xport_telnet_decode(&r->dec, in, n, r->data + r->len,
						  RFC_DATA_CAP - r->len, &got, &ev);
		r->len += got;
		in += used;
		n -= used;
		if (ev == XPORT_TELNET_EV_OPTION)
			negotiate(r, r->dec.verb, r->dec.opt);
		else if (ev == XPORT_TELNET_EV_SUB)
			subnegotiation(r, r->dec.sb, r->dec.sb_len);
	}
}

/* One recv() (waiting at most wait_ms for it) decoded into the buffer. */
static enum esp_err pump(struct xport_rfc2217 *r, int wait_ms)
{
	if (r->closed)
		return ESP_OK;
	if (r->len - r->pos >= RFC_DATA_CAP)
		return esp_error_set(r->base.err, ESP_E_IO, 0,
				     "%s: more than %u bytes arrived while waiting for the server's "
				     "answer", r->base.name, RFC_DATA_CAP);
	if (r->pos && r->len > RFC_DATA_CAP - RFC_RAW_CHUNK) {
		memmove(r->data, r->data + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	size_t room = RFC_DATA_CAP - r->len;
	uint8_t raw[RFC_RAW_CHUNK];
	size_t want = room < sizeof raw ? room : sizeof raw;
	for (;;) {
		ssize_t k = recv(r->fd, raw, want, MSG_DONTWAIT);
		if (k > 0) {
			feed(r, raw, (size_t)k);
			enum esp_err e = r->fault;
			r->fault = ESP_OK;
			return e;
		}
		if (k == 0) {
			mark_closed(r, 0);
			return ESP_OK;
		}
		if (is_hangup_errno(errno)) {
			mark_closed(r, errno);
			return ESP_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return esp_error_set(r->base.err, ESP_E_IO, errno, "reading %s: %s",
					     r->base.name, strerror(errno));
		if (wait_ms <= 0)
			return ESP_OK;
		struct pollfd pf = {.fd = r->fd, .events = POLLIN};
		int pr = poll(&pf, 1, wait_ms);
		if (pr < 0 && errno != EINTR)
			return esp_error_set(r->base.err, ESP_E_IO, errno, "poll on %s: %s",
					     r->base.name, strerror(errno));
		if (pr == 0)
			return ESP_OK;
		wait_ms = 0; /* readable (or hung up): the next recv says which */
	}
}

/* Pumps until the server has answered `cmd` more than `before` times. */
static enum esp_err wait_ack(struct xport_rfc2217 *r, unsigned cmd, unsigned before, unsigned ms)
{
	uint64_t deadline = now_ms() + ms;
	while (r->acks[cmd] == before) {
		if (r->closed)
			return closed_error(r);
		int left = remaining(deadline);
		if (!left)
			return ESP_E_TIMEOUT;
		enum esp_err e = pump(r, left);
		if (e)
			return e;
	}
	return ESP_OK;
}

/* ---- the ops ------------------------------------------------------------- */

static enum esp_err rfc_read(struct xport *x, void *buf, size_t len, unsigned timeout_ms,
			     size_t *ret_n)
{
	struct xport_rfc2217 *r = to_rfc(x);
	uint64_t deadline = now_ms() + timeout_ms;
	*ret_n = 0;
	for (;;) {
		if (r->len > r->pos) {
			size_t n = r->len - r->pos;
			if (n > len)
				n = len;
			memcpy(buf, r->data + r->pos, n);
			r->pos += n;
			if (r->pos == r->len)
				r->pos = r->len = 0;
			*ret_n = n;
			return ESP_OK;
		}
		if (r->closed)
			return closed_error(r);
		int left = remaining(deadline);
		enum esp_err e = pump(r, left);
		if (e)
			return e;
		if (!left && r->len == r->pos && !r->closed)
			return ESP_OK; /* a timeout is not an error */
	}
}

static enum esp_err rfc_write(struct xport *x, const void *buf, size_t len, unsigned timeout_ms)
{
	struct xport_rfc2217 *r = to_rfc(x);
	uint64_t deadline = now_ms() + timeout_ms;
	/* RFC 2217 §5: the server may ask us to pause */
	while (r->suspended) {
		if (r->closed)
			return closed_error(r);
		int left = remaining(deadline);
		if (!left)
			return esp_error_set(x->err, ESP_E_TIMEOUT, 0,
					     "%s: the server paused the data (FLOWCONTROL-SUSPEND) for "
					     "%u ms: its serial side is stuck", x->name, timeout_ms);
		enum esp_err e = pump(r, left);
		if (e)
			return e;
	}
	const uint8_t *p = buf;
	uint8_t out[2 * 1024];
	while (len) {
		size_t k = 0, used = xport_telnet_escape(p, len, out, sizeof out, &k);
		p += used;
		len -= used;
		enum esp_err e = send_raw(r, out, k, deadline);
		if (e)
			return e;
	}
	return ESP_OK;
}

/* RFC 2217 sets DTR and RTS with one command each, so a change of both lines
 * passes through an intermediate state.  The order keeps RTS (EN) asserted
 * across it: a line being asserted goes first if it is RTS, last otherwise.
 * Public facts behind it: esptool never uses its both-lines-at-once reset
 * over rfc2217:// (loader.py _construct_reset_strategy_sequence: ClassicReset
 * only), and its ClassicReset raises DTR (GPIO0) *before* releasing RTS (EN),
 * so a board whose RTS drives EN directly sits in reset, GPIO0 already low,
 * in between and cannot glitch-boot the firmware; on the two-transistor
 * circuit both intermediate states read "EN high, GPIO0 high" and the EN
 * capacitor must cover them, so both commands go out in one TCP segment
 * without waiting for acks (esptool#383: per-command round trips are what
 * broke auto-reset over RFC 2217).  esptool's own esp_rfc2217_server runs the
 * reset locally when it sees DTR ON, and does not ack SET-CONTROL; we never
 * wait for those acks. */
static enum esp_err rfc_set_lines(struct xport *x, int dtr, int rts)
{
	struct xport_rfc2217 *r = to_rfc(x);
	uint8_t out[2 * XPORT_TELNET_SUB_MAX(1)], d, t;
	size_t k = 0;
	d = (uint8_t)(dtr ? CONTROL_DTR_ON : CONTROL_DTR_OFF);
	t = (uint8_t)(rts ? CONTROL_RTS_ON : CONTROL_RTS_OFF);
	if (rts > 0) {
		k += xport_telnet_build_sub(out + k, CPC_SET_CONTROL, &t, 1);
		if (dtr >= 0)
			k += xport_telnet_build_sub(out + k, CPC_SET_CONTROL, &d, 1);
	} else {
		if (dtr >= 0)
			k += xport_telnet_build_sub(out + k, CPC_SET_CONTROL, &d, 1);
		if (rts == 0)
			k += xport_telnet_build_sub(out + k, CPC_SET_CONTROL, &t, 1);
	}
	if (!k)
		return ESP_OK;
	return send_now(r, out, k);
}

static enum esp_err rfc_set_baud(struct xport *x, unsigned baud)
{
	struct xport_rfc2217 *r = to_rfc(x);
	uint8_t v[4] = {(uint8_t)(baud >> 24), (uint8_t)(baud >> 16), (uint8_t)(baud >> 8),
			(uint8_t)baud};
	unsigned before = r->acks[CPC_SET_BAUDRATE];
	enum esp_err e = send_sub(r, CPC_SET_BAUDRATE, v, sizeof v);
	if (e)
		return e;
	/* the next command must go out at the new rate: wait for the server */
	e = wait_ack(r, CPC_SET_BAUDRATE, before, r->ack_ms);
	if (e == ESP_E_TIMEOUT)
		return esp_error_set(x->err, ESP_E_TIMEOUT, 0,
				     "%s: no reply from the server to the baud rate change (%u) "
				     "within %u ms: the server or the network is stuck; retry",
				     x->name, baud, r->ack_ms);
	if (e)
		return e;
	uint32_t got = r->ack_value[CPC_SET_BAUDRATE];
	if (got != baud)
		return esp_error_set(x->err, ESP_E_UNSUPPORTED, 0,
				     "%s: the server set %u baud when asked for %u: its adapter "
				     "cannot do that rate; use a lower --baud (460800, 115200)",
				     x->name, (unsigned)got, baud);
	x->baud = baud;
	return ESP_OK;
}

static enum esp_err rfc_flush_input(struct xport *x)
{
	struct xport_rfc2217 *r = to_rfc(x);
	r->pos = r->len = 0;
	uint8_t v = PURGE_RECEIVE;
	unsigned before = r->acks[CPC_PURGE_DATA];
	if (r->purge_acked)
		r->purges++;
	enum esp_err e = send_sub(r, CPC_PURGE_DATA, &v, 1);
	if (e)
		return e;
	if (!r->purge_acked) {
		/* drop what has already arrived; bytes still in flight remain */
		if ((e = pump(r, 0)))
			return e;
		r->pos = r->len = 0;
		return ESP_OK;
	}
	/* data up to the ack is stale: subnegotiation() drops it */
	e = wait_ack(r, CPC_PURGE_DATA, before, r->ack_ms < RFC_PURGE_ACK_MS ? r->ack_ms :
					       RFC_PURGE_ACK_MS);
	if (e == ESP_E_TIMEOUT) {
		/* a server that ignores PURGE-DATA: do not wait for it again */
		r->purge_acked = 0;
		r->purges = 0;
		r->pos = r->len = 0;
		return ESP_OK;
	}
	return e;
}

static void rfc_close(struct xport *x)
{
	struct xport_rfc2217 *r = to_rfc(x);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

static const struct xport_ops s_rfc2217_ops = {
	.name = "rfc2217",
	.read = rfc_read,
	.write = rfc_write,
	.set_lines = rfc_set_lines,
	.set_baud = rfc_set_baud,
	.flush_input = rfc_flush_input,
	.close = rfc_close,
};

/* ---- opening ------------------------------------------------------------- */

/* xport_tcp_parse speaks of socket://; the user wrote rfc2217:// */
static enum esp_err with_scheme(struct esp_error *err, enum esp_err e)
{
	if (!err || !e)
		return e;
	char fixed[ESP_ERR_MSG_LEN];
	size_t k = 0;
	for (const char *s = err->msg; *s && k + 1 < sizeof fixed;) {
		if (strncmp(s, "socket://", 9) == 0 && k + 11 < sizeof fixed) {
			memcpy(fixed + k, "rfc2217://", 10);
			k += 10;
			s += 9;
		} else {
			fixed[k++] = *s++;
		}
	}
	fixed[k] = '\0';
	memcpy(err->msg, fixed, k + 1);
	return e;
}

static enum esp_err parse_options(const char *opts, unsigned *ret_ack_ms, struct esp_error *err)
{
	unsigned ack_ms = RFC_ACK_MS;
	const char *p = opts ? opts : "";
	while (*p) {
		size_t n = strcspn(p, "&");
		if (n == 15 && strncmp(p, "ign_set_control", n) == 0) {
			/* esptool's advice for esp_rfc2217_server: SET-CONTROL acks
			 * are never waited for here anyway */
		} else if (n == 10 && strncmp(p, "poll_modem", n) == 0) {
			/* modem state notifications are taken as they come */
		} else if (n > 8 && strncmp(p, "timeout=", 8) == 0) {
			char num[16], *end;
			if (n - 8 >= sizeof num)
				goto bad;
			memcpy(num, p + 8, n - 8);
			num[n - 8] = '\0';
			double v = strtod(num, &end);
			if (end == num || *end || !(v >= 0.1 && v <= 60.0))
				return esp_error_set(err, ESP_E_INVAL, 0,
						     "rfc2217:// option 'timeout=%s': give seconds "
						     "from 0.1 to 60, e.g. ?timeout=5", num);
			ack_ms = (unsigned)(v * 1000.0 + 0.5);
		} else if (n) {
			goto bad;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	*ret_ack_ms = ack_ms;
	return ESP_OK;
bad:
	return esp_error_set(err, ESP_E_INVAL, 0,
			     "unknown rfc2217:// option '%.*s': use timeout=SEC, ign_set_control "
			     "or poll_modem (rfc2217://HOST:PORT?timeout=5)",
			     (int)(strcspn(p, "&") > 40 ? 40 : strcspn(p, "&")), p);
}

/* Non-blocking connect bounded by ms; the socket or -1 with *ret_errno. */
static int connect_bounded(const struct addrinfo *a, unsigned ms, int *ret_errno)
{
	int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			a->ai_protocol);
	if (fd < 0) {
		*ret_errno = errno;
		return -1;
	}
	if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		*ret_errno = errno;
		close(fd);
		return -1;
	}
	uint64_t deadline = now_ms() + ms;
	for (;;) {
		struct pollfd pf = {.fd = fd, .events = POLLOUT};
		int pr = poll(&pf, 1, remaining(deadline));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			*ret_errno = pr == 0 ? ETIMEDOUT : errno;
			close(fd);
			return -1;
		}
		break;
	}
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		soerr = errno;
	if (soerr) {
		*ret_errno = soerr;
		close(fd);
		return -1;
	}
	return fd;
}

static enum esp_err connect_error(const char *where, int e, unsigned ms, struct esp_error *err)
{
	if (e == ETIMEDOUT)
		return esp_error_set(err, ESP_E_NOPORT, e,
				     "cannot reach RFC 2217 server %s: no answer within %.1f s (host "
				     "down, wrong address or a firewall?)", where, ms / 1000.0);
	if (e == ECONNREFUSED)
		return esp_error_set(err, ESP_E_NOPORT, e,
				     "RFC 2217 server %s refused the connection: start the server "
				     "(ser2net, esp_rfc2217_server) or fix the port number", where);
	return esp_error_set(err, ESP_E_NOPORT, e,
			     "cannot connect to RFC 2217 server %s: %s (check the address and "
			     "the network)", where, strerror(e));
}

/* Telnet options, then the line settings (RFC 2217's recommended order),
 * bounded by the ack timeout. */
static enum esp_err handshake(struct xport_rfc2217 *r, unsigned baud)
{
	static const uint8_t hello[] = {
		XPORT_TELNET_IAC, XPORT_TELNET_WILL, XPORT_TELNET_OPT_COM_PORT,
		XPORT_TELNET_IAC, XPORT_TELNET_WILL, XPORT_TELNET_OPT_BINARY,
		XPORT_TELNET_IAC, XPORT_TELNET_DO,   XPORT_TELNET_OPT_BINARY,
		XPORT_TELNET_IAC, XPORT_TELNET_WILL, XPORT_TELNET_OPT_SGA,
		XPORT_TELNET_IAC, XPORT_TELNET_DO,   XPORT_TELNET_OPT_SGA,
	};
	r->us[XPORT_TELNET_OPT_COM_PORT] = OPT_ASKED;
	r->us[XPORT_TELNET_OPT_BINARY] = r->him[XPORT_TELNET_OPT_BINARY] = OPT_ASKED;
	r->us[XPORT_TELNET_OPT_SGA] = r->him[XPORT_TELNET_OPT_SGA] = OPT_ASKED;
	enum esp_err e = send_now(r, hello, sizeof hello);
	if (e)
		return e;
	uint64_t deadline = now_ms() + r->ack_ms;
	while (!(r->us[XPORT_TELNET_OPT_COM_PORT] & (OPT_ON | OPT_REFUSED))) {
		if (r->closed)
			return esp_error_set(r->base.err, ESP_E_NOPORT, r->closed_errno,
					     "%s closed the connection at once: is it an RFC 2217 "
					     "server, and is its serial port free?", r->base.name);
		int left = remaining(deadline);
		if (!left)
			return esp_error_set(r->base.err, ESP_E_NOPORT, 0,
					     "%s does not answer the RFC 2217 negotiation within "
					     "%.1f s: not an RFC 2217 server (for a raw TCP server use "
					     "socket://)", r->base.name, r->ack_ms / 1000.0);
		if ((e = pump(r, left)))
			return e;
	}
	if (r->us[XPORT_TELNET_OPT_COM_PORT] & OPT_REFUSED)
		return esp_error_set(r->base.err, ESP_E_NOPORT, 0,
				     "%s refuses COM-PORT-OPTION: not an RFC 2217 server (ser2net: "
				     "use 'telnet(rfc2217)'; for a raw TCP server use socket://)",
				     r->base.name);
	uint8_t v;
	if ((e = rfc_set_baud(&r->base, baud)))
		return e;
	v = 8;
	if ((e = send_sub(r, CPC_SET_DATASIZE, &v, 1)))
		return e;
	v = PARITY_NONE;
	if ((e = send_sub(r, CPC_SET_PARITY, &v, 1)))
		return e;
	v = STOPSIZE_1;
	if ((e = send_sub(r, CPC_SET_STOPSIZE, &v, 1)))
		return e;
	/* 0x11/0x13 are data, and the unit drives no CTS */
	v = CONTROL_NO_FLOW;
	if ((e = send_sub(r, CPC_SET_CONTROL, &v, 1)))
		return e;
	/* the baud ack came after the server read our BINARY requests */
	if ((r->us[XPORT_TELNET_OPT_BINARY] | r->him[XPORT_TELNET_OPT_BINARY]) & OPT_REFUSED)
		return esp_error_set(r->base.err, ESP_E_NOPORT, 0,
				     "%s refuses Telnet BINARY mode: it would mangle 0x0D and 0xFF "
				     "in the data; enable binary mode on the server", r->base.name);
	return ESP_OK;
}

enum esp_err xport_rfc2217_open(const char *spec, unsigned baud, struct esp_error *err,
				struct xport **ret_x)
{
	char host_port[XPORT_HOST_LEN + 16], host[XPORT_HOST_LEN], service[XPORT_SERVICE_LEN];
	size_t hp = strcspn(spec, "?");
	if (hp >= sizeof host_port)
		return esp_error_set(err, ESP_E_INVAL, 0, "rfc2217:// address longer than %zu "
				     "characters", sizeof host_port - 1);
	memcpy(host_port, spec, hp);
	host_port[hp] = '\0';
	unsigned ack_ms = 0;
	enum esp_err e = parse_options(spec[hp] ? spec + hp + 1 : "", &ack_ms, err);
	if (e)
		return e;
	if ((e = xport_tcp_parse(host_port, host, service, err)))
		return with_scheme(err, e);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV}, *res = NULL;
	int gr = getaddrinfo(host, service, &hints, &res);
	if (gr != 0)
		return esp_error_set(err, ESP_E_NOPORT, 0,
				     "cannot resolve the RFC 2217 server %s: %s (check the name)",
				     host_port, gai_strerror(gr));
	int fd = -1, last = 0;
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next)
		fd = connect_bounded(a, ack_ms, &last);
	freeaddrinfo(res);
	if (fd < 0)
		return connect_error(host_port, last, ack_ms, err);
	int one = 1;
	/* reset steps and small SLIP frames must not wait for Nagle */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	struct xport_rfc2217 *r = calloc(1, sizeof *r);
	if (!r) {
		close(fd);
		return esp_error_set(err, ESP_E_NOMEM, ENOMEM, "out of memory");
	}
	r->base.ops = &s_rfc2217_ops;
	r->base.err = err;
	/* DTR and RTS go one command at a time: no both-lines-at-once reset */
	r->base.caps = XPORT_CAP_LINES | XPORT_CAP_BAUD | XPORT_CAP_LINES_APART;
	snprintf(r->base.name, sizeof r->base.name, "rfc2217://%.85s", host_port);
	r->fd = fd;
	r->ack_ms = ack_ms;
	r->purge_acked = 1;
	/* the lines are left as the server has them until a reset sequence
	 * drives them: deasserting both here would make esptool's server
	 * pulse EN (its hard reset) on every connect */
	if ((e = handshake(r, baud ? baud : 115200))) {
		rfc_close(&r->base);
		return e;
	}
	*ret_x = &r->base;
	return ESP_OK;
}
