/* SPDX-License-Identifier: MIT */
/* Transport decisions that need no device (xport_priv.h): splitting a
 * socket:// address (ports 1..65535 only, IPv6 in brackets) and the advice
 * for "permission denied" on a port (a group only where the group may read
 * and write the node, never 'root'; else the shipped udev rule).  The
 * Telnet codec on its own: 0xFF escaping, COM-PORT-OPTION frames, commands
 * split across chunks at every point.  And the rfc2217:// client against scripted fake servers on loopback (a thread
 * each): Telnet negotiation, 0xFF escaping both ways, server commands taken
 * out of the data, the baud ack waited for, purge, the order of DTR/RTS
 * commands, refused and silent servers, a connection closed mid-read. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "esp_reset.h"
#include "test.h"
#include "xport_priv.h"
#include "xport_telnet.h"

/* ---- socket:// addresses ------------------------------------------------- */

struct tcp_ok {
	const char *in, *host, *service;
};

static const struct tcp_ok s_tcp_ok[] = {
	{"127.0.0.1:4000", "127.0.0.1", "4000"},
	{"localhost:1", "localhost", "1"},
	{"ser2net.lan:65535", "ser2net.lan", "65535"},
	{"10.0.0.7:04000", "10.0.0.7", "4000"}, /* leading zeros: still decimal 4000 */
	{"[::1]:4000", "::1", "4000"},
	{"[fe80::1%eth0]:2217", "fe80::1%eth0", "2217"},
	{"[2001:db8::42]:23", "2001:db8::42", "23"},
};

struct tcp_bad {
	const char *in, *says;
};

static const struct tcp_bad s_tcp_bad[] = {
	{"127.0.0.1:70000", "out of range"}, /* getaddrinfo wrapped this to 4464 */
	{"127.0.0.1:65536", "out of range"},
	{"127.0.0.1:0", "out of range"},
	{"127.0.0.1:00000", "out of range"},
	{"127.0.0.1:184467440737095516170", "out of range"},
	{"127.0.0.1:4k", "not a TCP port number"},
	{"127.0.0.1:-1", "not a TCP port number"},
	{"127.0.0.1:+80", "not a TCP port number"},
	{"127.0.0.1: 80", "not a TCP port number"},
	{"127.0.0.1:telnet", "not a TCP port number"},
	{"127.0.0.1:", "not a TCP port number"},
	{"127.0.0.1", "socket://HOST:PORT"},
	{":4000", "socket://HOST:PORT"},
	{"", "socket://HOST:PORT"},
	{"::1:4000", "brackets"},
	{"fe80::1:23", "brackets"},
	{"[::1]", "socket://[IPV6]:PORT"},
	{"[::1]4000", "socket://[IPV6]:PORT"},
	{"[]:4000", "socket://[IPV6]:PORT"},
	{"[::1:4000", "socket://[IPV6]:PORT"},
	{"[::1]:70000", "out of range"},
	{"[::1]:", "not a TCP port number"},
};

static void test_tcp_parse(void)
{
	char host[XPORT_HOST_LEN], service[XPORT_SERVICE_LEN];
	struct esp_error err;

	for (size_t i = 0; i < sizeof s_tcp_ok / sizeof s_tcp_ok[0]; i++) {
		const struct tcp_ok *c = &s_tcp_ok[i];

		t_set_case("socket://%s", c->in);
		memset(&err, 0, sizeof err);
		T_EQ_INT(xport_tcp_parse(c->in, host, service, &err), ESP_OK);
		T_EQ_STR(host, c->host);
		T_EQ_STR(service, c->service);
	}
	for (size_t i = 0; i < sizeof s_tcp_bad / sizeof s_tcp_bad[0]; i++) {
		const struct tcp_bad *c = &s_tcp_bad[i];

		t_set_case("socket://%s", c->in);
		memset(&err, 0, sizeof err);
		T_EQ_INT(xport_tcp_parse(c->in, host, service, &err), ESP_E_INVAL);
		T_EQ_INT(err.code, ESP_E_INVAL);
		T_HAS_STR(err.msg, c->says);
		T_CHECK(strchr(err.msg, '\n') == NULL);
	}

	t_set_case("host name too long");
	{
		char in[XPORT_HOST_LEN + 16];

		memset(in, 'a', XPORT_HOST_LEN - 1);
		snprintf(in + XPORT_HOST_LEN - 1, sizeof in - (XPORT_HOST_LEN - 1), ":999");
		T_EQ_INT(xport_tcp_parse(in, host, service, &err), ESP_OK);
		T_EQ_STR(service, "999");
		T_EQ_INT(strlen(host), XPORT_HOST_LEN - 1);
		memset(in, 'a', XPORT_HOST_LEN);
		snprintf(in + XPORT_HOST_LEN, sizeof in - XPORT_HOST_LEN, ":999");
		T_EQ_INT(xport_tcp_parse(in, host, service, &err), ESP_E_INVAL);
	}

	/* the connect path refuses the same port before any socket exists */
	t_set_case("xport_tcp_open 127.0.0.1:70000");
	{
		struct xport *x = NULL;

		memset(&err, 0, sizeof err);
		T_EQ_INT(xport_tcp_open("127.0.0.1:70000", &err, &x), ESP_E_INVAL);
		T_CHECK(x == NULL);
		T_HAS_STR(err.msg, "1..65535");
		memset(&err, 0, sizeof err);
		T_EQ_INT(xport_open_port("socket://127.0.0.1:70000", 115200, &err, &x), ESP_E_INVAL);
		T_CHECK(x == NULL);
	}
	t_set_case("%s", "");
}

/* ---- permission advice --------------------------------------------------- */

struct perm_case {
	unsigned mode, gid;
	const char *group;
	int names_group;      /* advice: join this group */
};

static const struct perm_case s_perm[] = {
	/* the reported case: a node only root may use */
	{S_IFCHR | 0600, 0, "root", 0},
	/* group rw, but the group is root: never advise joining it */
	{S_IFCHR | 0660, 0, "root", 0},
	{S_IFCHR | 0666, 0, "root", 0},
	/* the usual adapter node: dialout may read and write */
	{S_IFCHR | 0660, 20, "dialout", 1},
	{S_IFCHR | 0670, 20, "dialout", 1},
	{S_IFCHR | 0660, 986, "plugdev", 1},
	{S_IFCHR | 0660, 987, NULL, 1},
	/* group may read but not write, or write but not read: joining is useless */
	{S_IFCHR | 0640, 20, "dialout", 0},
	{S_IFCHR | 0620, 5, "tty", 0},
	{S_IFCHR | 0604, 20, "dialout", 0},
	{S_IFCHR | 0606, 20, "dialout", 0},
	/* unknown: the node could not be stat'ed */
	{0, 0, NULL, 0},
};

static void test_perm_advice(void)
{
	char buf[ESP_ERR_MSG_LEN];

	for (size_t i = 0; i < sizeof s_perm / sizeof s_perm[0]; i++) {
		const struct perm_case *c = &s_perm[i];
		char want[64];

		t_set_case("mode %04o gid %u (%s)", c->mode & 07777u, c->gid,
			   c->group ? c->group : "no name");
		memset(buf, 'x', sizeof buf);
		const char *a = xport_perm_advice(c->mode, c->gid, c->group, buf, sizeof buf);
		T_CHECK(a == buf);
		T_CHECK(memchr(buf, '\0', sizeof buf) != NULL);
		T_CHECK(strstr(buf, "'root'") == NULL);
		if (c->names_group && c->group) {
			snprintf(want, sizeof want, "add the user to group '%s'", c->group);
			T_HAS_STR(buf, want);
			snprintf(want, sizeof want, "usermod -aG %s USER", c->group);
			T_HAS_STR(buf, want);
		} else if (c->names_group) {
			snprintf(want, sizeof want, "gid %u", c->gid);
			T_HAS_STR(buf, want);
		} else {
			/* the shipped rule, and what it does */
			T_HAS_STR(buf, "udev-rules/70-espstation.rules");
			T_HAS_STR(buf, "0660");
			if (c->group) {
				snprintf(want, sizeof want, "group '%s'", c->group);
				if (strcmp(c->group, "dialout") != 0)
					T_CHECK(strstr(buf, want) == NULL);
			}
		}
	}

	t_set_case("small buffer");
	{
		char small[16];

		xport_perm_advice(S_IFCHR | 0600, 0, "root", small, sizeof small);
		T_EQ_INT(strlen(small), sizeof small - 1);
	}
	t_set_case("%s", "");
}

/* xport_open_error on a real node of mode 0600 owned by the caller's group:
 * the message must not send the user to that group.  (As root the group is
 * 'root', the reported case.) */
static void test_open_error(void)
{
	char path[] = "/tmp/espstation-test-xport.XXXXXX";
	int fd = mkstemp(path);
	struct esp_error err;

	T_REQUIRE(fd >= 0);
	close(fd);
	T_REQUIRE(chmod(path, 0600) == 0);

	t_set_case("EACCES on a 0600 node");
	memset(&err, 0, sizeof err);
	T_EQ_INT(xport_open_error(NULL, &err, path, EACCES), ESP_E_PERM);
	T_HAS_STR(err.msg, "permission denied on");
	T_HAS_STR(err.msg, path);
	T_HAS_STR(err.msg, "70-espstation.rules");
	T_CHECK(strstr(err.msg, "usermod") == NULL);
	T_CHECK(strstr(err.msg, "'root'") == NULL);

	t_set_case("EACCES on a missing node");
	memset(&err, 0, sizeof err);
	T_EQ_INT(xport_open_error(NULL, &err, "/nonexistent/ttyUSB9", EPERM), ESP_E_PERM);
	T_HAS_STR(err.msg, "70-espstation.rules");

	unlink(path);
	t_set_case("%s", "");
}

/* ---- the Telnet codec, no socket ------------------------------------------ */

static void test_telnet_escape(void)
{
	t_set_case("telnet escape");
	static const uint8_t in[] = {0xc0, 0xff, 0x01, 0xff, 0xff};
	static const uint8_t want[] = {0xc0, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0xff};
	uint8_t out[16];
	size_t k = 0;
	T_EQ_INT(xport_telnet_escape(in, sizeof in, out, sizeof out, &k), sizeof in);
	T_EQ_MEM(out, k, want, sizeof want);
	/* an 0xFF is never split from its double: it waits for the next call */
	T_EQ_INT(xport_telnet_escape(in, sizeof in, out, 3, &k), 2);
	T_EQ_MEM(out, k, want, 3);
	T_EQ_INT(xport_telnet_escape(in + 1, sizeof in - 1, out, 3, &k), 1);
	T_EQ_MEM(out, k, want + 1, 2);

	t_set_case("telnet COM-PORT-OPTION frame");
	static const uint8_t baud[] = {0x00, 0x01, 0xff, 0x00};
	static const uint8_t frame[] = {255, 250, 44, 1, 0x00, 0x01, 0xff, 0xff, 0x00, 255, 240};
	T_EQ_INT(xport_telnet_build_sub(out, 1, baud, sizeof baud), sizeof frame);
	T_EQ_MEM(out, sizeof frame, frame, sizeof frame);
	T_CHECK(sizeof frame <= XPORT_TELNET_SUB_MAX(sizeof baud));
	t_set_case("%s", "");
}

/* Decodes `in` in chunks of `step` bytes into a transcript: data as "d<hex>",
 * options as "o<verb>,<opt>", subnegotiations as "s<hex>...". */
static void telnet_transcript(const uint8_t *in, size_t n, size_t step, char *buf, size_t cap)
{
	struct xport_telnet_dec d;
	memset(&d, 0, sizeof d);
	size_t used = 0;
	buf[0] = '\0';
	for (size_t at = 0; at < n; at += step) {
		size_t left = n - at < step ? n - at : step;
		const uint8_t *p = in + at;
		while (left) {
			uint8_t data[16];
			size_t got = 0;
			enum xport_telnet_event ev;
			size_t k = xport_telnet_decode(&d, p, left, data, sizeof data, &got, &ev);
			T_REQUIRE(k >= 1 && k <= left);
			p += k;
			left -= k;
			for (size_t i = 0; i < got; i++)
				used += (size_t)snprintf(buf + used, cap - used, "d%02x ", data[i]);
			if (ev == XPORT_TELNET_EV_OPTION)
				used += (size_t)snprintf(buf + used, cap - used, "o%u,%u ", d.verb, d.opt);
			if (ev == XPORT_TELNET_EV_SUB) {
				used += (size_t)snprintf(buf + used, cap - used, "s");
				for (size_t i = 0; i < d.sb_len; i++)
					used += (size_t)snprintf(buf + used, cap - used, "%02x",
								 d.sb[i]);
				used += (size_t)snprintf(buf + used, cap - used, " ");
			}
			T_REQUIRE(used < cap);
		}
	}
}

static void test_telnet_decode(void)
{
	/* data, IAC IAC, an option, a NOP, an SB with an escaped 0xFF, and an SB
	 * broken by a command (dropped, the command taken) */
	static const uint8_t in[] = {'A', 255, 255, 'B', 255, 251, 1, 255, 241, 'C',
				     255, 250, 44, 106, 255, 255, 0x60, 255, 240, 'D',
				     255, 250, 44, 255, 253, 3, 'E'};
	static const char want[] = "d41 dff d42 o251,1 d43 s2c6aff60 d44 o253,3 d45 ";
	char got[256];
	for (size_t step = 1; step <= sizeof in; step++) {
		t_set_case("telnet decode in chunks of %zu", step);
		telnet_transcript(in, sizeof in, step, got, sizeof got);
		T_EQ_STR(got, want);
	}
	t_set_case("%s", "");
}

/* ---- rfc2217:// against scripted fake servers ------------------------------ */

#define IAC 255
#define T_SB 250
#define T_SE 240
#define SRV_WAIT_MS 3000

struct srv {
	int listen_fd, fd;
	uint16_t port;
	pthread_t thread;
	void (*script)(struct srv *);
	/* everything the client sent, and how far the script has matched */
	uint8_t log[1 << 16];
	size_t n, seen;
	int failed;          /* an expectation of the script was not met */
	const char *failed_at;
	volatile int acked;  /* set just before the server acks */
	unsigned baud_reply; /* 0: echo the requested baud */
};

static uint64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void srv_send(struct srv *v, const void *p, size_t n)
{
	if (send(v->fd, p, n, MSG_NOSIGNAL) != (ssize_t)n && !v->failed) {
		v->failed = 1;
		v->failed_at = "send";
	}
}

/* Reads from the client until `pat` appears after what was matched before;
 * 1 when it did. */
static int srv_expect(struct srv *v, const void *pat, size_t plen, const char *what)
{
	uint64_t end = ms_now() + SRV_WAIT_MS;
	for (;;) {
		for (size_t i = v->seen; i + plen <= v->n; i++) {
			if (memcmp(v->log + i, pat, plen) == 0) {
				v->seen = i + plen;
				return 1;
			}
		}
		uint64_t now = ms_now();
		struct pollfd pf = {.fd = v->fd, .events = POLLIN};
		ssize_t k = 0;
		if (now < end && poll(&pf, 1, (int)(end - now)) > 0)
			k = recv(v->fd, v->log + v->n, sizeof v->log - v->n, 0);
		if (k <= 0) {
			if (!v->failed) {
				v->failed = 1;
				v->failed_at = what;
			}
			return 0;
		}
		v->n += (size_t)k;
	}
}

/* Answers the client's opening: DO COM-PORT-OPTION, BINARY and SGA both
 * ways, and the baud ack. */
static void srv_handshake(struct srv *v)
{
	static const uint8_t will_cpc[] = {IAC, 251, 44};
	static const uint8_t yes[] = {IAC, 253, 44, IAC, 251, 0, IAC, 253, 0, IAC, 251, 3, IAC, 253, 3};
	static const uint8_t baud_cmd[] = {IAC, T_SB, 44, 1};
	if (!srv_expect(v, will_cpc, sizeof will_cpc, "WILL COM-PORT-OPTION"))
		return;
	srv_send(v, yes, sizeof yes);
	if (!srv_expect(v, baud_cmd, sizeof baud_cmd, "SET-BAUDRATE at open"))
		return;
	uint8_t ack[] = {IAC, T_SB, 44, 101, 0, 0, 0, 0, IAC, T_SE};
	if (!srv_expect(v, (const uint8_t[]){IAC, T_SE}, 2, "SET-BAUDRATE's end"))
		return;
	memcpy(ack + 4, v->log + v->seen - 6, 4);
	srv_send(v, ack, sizeof ack);
}

static void *srv_main(void *arg)
{
	struct srv *v = arg;
	v->fd = accept(v->listen_fd, NULL, NULL);
	if (v->fd < 0) {
		v->failed = 1;
		v->failed_at = "accept";
		return NULL;
	}
	v->script(v);
	close(v->fd);
	return NULL;
}

static void srv_start(struct srv *v, void (*script)(struct srv *))
{
	memset(v, 0, sizeof *v);
	v->script = script;
	v->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_REQUIRE(v->listen_fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	T_REQUIRE(bind(v->listen_fd, (struct sockaddr *)&a, sizeof a) == 0);
	T_REQUIRE(listen(v->listen_fd, 1) == 0);
	T_REQUIRE(getsockname(v->listen_fd, (struct sockaddr *)&a, &al) == 0);
	v->port = ntohs(a.sin_port);
	T_REQUIRE(pthread_create(&v->thread, NULL, srv_main, v) == 0);
}

/* Joins the script and reports what it missed. */
static void srv_finish(struct srv *v)
{
	pthread_join(v->thread, NULL);
	close(v->listen_fd);
	if (v->failed) {
		t_fail_head(__FILE__, __LINE__);
		fprintf(stderr, "fake server: no %s from the client\n", v->failed_at);
		t_hexdump("client sent", v->log, v->n);
	}
}

static enum esp_err rfc_open(struct srv *v, const char *opts, struct esp_error *err,
			     struct xport **x)
{
	char url[96];
	snprintf(url, sizeof url, "rfc2217://127.0.0.1:%u%s", v->port, opts);
	memset(err, 0, sizeof *err);
	*x = NULL;
	return xport_open_port(url, 115200, err, x);
}

/* Reads until n bytes arrived or 2 s passed. */
static size_t read_n(struct xport *x, uint8_t *buf, size_t n)
{
	size_t got = 0;
	uint64_t end = ms_now() + 2000;
	while (got < n && ms_now() < end) {
		size_t k = 0;
		if (xport_read(x, buf + got, n - got, 100, &k))
			break;
		got += k;
	}
	return got;
}

static void script_stream(struct srv *v)
{
	srv_handshake(v);
	/* the client's data: 0xFF doubled */
	static const uint8_t escaped[] = {0xc0, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0xff, 0xc0};
	if (!srv_expect(v, escaped, sizeof escaped, "escaped data"))
		return;
	/* an unwanted option: ECHO would send the client's frames back */
	srv_send(v, (const uint8_t[]){IAC, 251, 1}, 3);
	/* data mixed with commands, an IAC split over two segments */
	static const uint8_t a[] = {'A', IAC, IAC, 'B', IAC, T_SB, 44, 107, IAC, IAC, IAC, T_SE,
				    'C', IAC, T_SB, 44, 106, 0x60, IAC, T_SE, IAC};
	static const uint8_t b[] = {IAC, 'D', IAC, 241 /* NOP */, 'E', IAC, T_SB, 44, 100, 's', 'r',
				    'v', IAC, T_SE, 'F'};
	srv_send(v, a, sizeof a);
	usleep(20000);
	srv_send(v, b, sizeof b);
	srv_expect(v, (const uint8_t[]){IAC, 254, 1}, 3, "DONT ECHO");
	/* then the server goes away */
}

static void test_rfc2217_stream(void)
{
	struct srv v;
	struct esp_error err;
	struct xport *x;

	t_set_case("rfc2217 stream");
	srv_start(&v, script_stream);
	T_EQ_INT(rfc_open(&v, "", &err, &x), ESP_OK);
	T_REQUIRE(x != NULL);
	T_EQ_INT(x->caps, XPORT_CAP_LINES | XPORT_CAP_BAUD | XPORT_CAP_LINES_APART);
	T_EQ_INT(x->baud, 115200);
	static const uint8_t out[] = {0xc0, 0xff, 0x01, 0xff, 0xff, 0xc0};
	T_EQ_INT(xport_write(x, out, sizeof out, 1000), ESP_OK);
	uint8_t in[16];
	static const uint8_t want[] = {'A', 0xff, 'B', 'C', 0xff, 'D', 'E', 'F'};
	size_t n = read_n(x, in, sizeof want);
	T_EQ_MEM(in, n, want, sizeof want);
	/* the server closed: said at once, and as an unplug */
	size_t k = 0;
	uint64_t t0 = ms_now();
	enum esp_err e = ESP_OK;
	while (e == ESP_OK && ms_now() - t0 < 3000)
		e = xport_read(x, in, sizeof in, 500, &k);
	T_EQ_INT(e, ESP_E_NODEV);
	T_HAS_STR(err.msg, "connection closed by the server (unplugged?)");
	T_HAS_STR(err.msg, "rfc2217://127.0.0.1:");
	T_CHECK(ms_now() - t0 < 2000);
	T_EQ_INT(xport_write(x, out, sizeof out, 1000), ESP_E_NODEV);
	xport_close(x);
	srv_finish(&v);
}

static void script_baud(struct srv *v)
{
	srv_handshake(v);
	static const uint8_t set921600[] = {IAC, T_SB, 44, 1, 0x00, 0x0e, 0x10, 0x00, IAC, T_SE};
	if (!srv_expect(v, set921600, sizeof set921600, "SET-BAUDRATE 921600"))
		return;
	/* bytes still at the old rate come first; the ack only later */
	srv_send(v, "xyz", 3);
	usleep(150000);
	v->acked = 1;
	srv_send(v, (const uint8_t[]){IAC, T_SB, 44, 101, 0x00, 0x0e, 0x10, 0x00, IAC, T_SE}, 10);
	/* a rate the adapter cannot do: the server keeps 115200 */
	static const uint8_t set3m[] = {IAC, T_SB, 44, 1, 0x00, 0x2d, 0xc6, 0xc0, IAC, T_SE};
	if (!srv_expect(v, set3m, sizeof set3m, "SET-BAUDRATE 3000000"))
		return;
	srv_send(v, (const uint8_t[]){IAC, T_SB, 44, 101, 0x00, 0x01, 0xc2, 0x00, IAC, T_SE}, 10);
	/* a baud ack with 0xFF in it (IAC IAC inside the SB): 65535 baud */
	static const uint8_t set64k[] = {IAC, T_SB, 44, 1, 0, 0, IAC, IAC, IAC, IAC, IAC, T_SE};
	if (!srv_expect(v, set64k, sizeof set64k, "SET-BAUDRATE 65535, escaped"))
		return;
	srv_send(v, (const uint8_t[]){IAC, T_SB, 44, 101, 0, 0, IAC, IAC, IAC, IAC, IAC, T_SE}, 12);
	/* and then silence */
	static const uint8_t set230k[] = {IAC, T_SB, 44, 1, 0x00, 0x03, 0x84, 0x00, IAC, T_SE};
	srv_expect(v, set230k, sizeof set230k, "SET-BAUDRATE 230400");
	char drain[64];
	struct pollfd pf = {.fd = v->fd, .events = POLLIN};
	while (poll(&pf, 1, 3000) > 0 && recv(v->fd, drain, sizeof drain, 0) > 0)
		;
}

static void test_rfc2217_baud(void)
{
	struct srv v;
	struct esp_error err;
	struct xport *x;

	t_set_case("rfc2217 baud");
	srv_start(&v, script_baud);
	T_EQ_INT(rfc_open(&v, "?timeout=0.4&ign_set_control", &err, &x), ESP_OK);
	T_REQUIRE(x != NULL);
	T_EQ_INT(xport_set_baud(x, 921600), ESP_OK);
	T_EQ_INT(v.acked, 1); /* not back before the server confirmed */
	T_EQ_INT(x->baud, 921600);
	uint8_t in[8];
	size_t n = read_n(x, in, 3);
	T_EQ_MEM(in, n, "xyz", 3);
	T_EQ_INT(xport_set_baud(x, 3000000), ESP_E_UNSUPPORTED);
	T_HAS_STR(err.msg, "set 115200 baud when asked for 3000000");
	T_EQ_INT(x->baud, 921600);
	T_EQ_INT(xport_set_baud(x, 65535), ESP_OK);
	uint64_t t0 = ms_now();
	T_EQ_INT(xport_set_baud(x, 230400), ESP_E_TIMEOUT);
	T_HAS_STR(err.msg, "no reply from the server to the baud rate change");
	uint64_t took = ms_now() - t0;
	T_CHECK(took < 2000);
	xport_close(x);
	srv_finish(&v);
}

static void script_purge_lines(struct srv *v)
{
	srv_handshake(v);
	srv_send(v, "junk", 4);
	static const uint8_t purge[] = {IAC, T_SB, 44, 12, 1, IAC, T_SE};
	if (!srv_expect(v, purge, sizeof purge, "PURGE-DATA 1"))
		return;
	/* sent before the purge took effect: stale, like the junk */
	srv_send(v, "old", 3);
	usleep(50000);
	srv_send(v, (const uint8_t[]){IAC, T_SB, 44, 112, 1, IAC, T_SE, 'n', 'e', 'w'}, 10);
	/* DTR/RTS: one command each, RTS asserted across the gap */
	static const uint8_t to_1_0[] = {IAC, T_SB, 44, 5, 8, IAC, T_SE, IAC, T_SB, 44, 5, 12, IAC, T_SE};
	static const uint8_t to_0_1[] = {IAC, T_SB, 44, 5, 11, IAC, T_SE, IAC, T_SB, 44, 5, 9, IAC, T_SE};
	static const uint8_t rts_on[] = {IAC, T_SB, 44, 5, 11, IAC, T_SE};
	static const uint8_t dtr_off[] = {IAC, T_SB, 44, 5, 9, IAC, T_SE, 'Z'};
	if (srv_expect(v, to_1_0, sizeof to_1_0, "DTR ON then RTS OFF") &&
	    srv_expect(v, to_0_1, sizeof to_0_1, "RTS ON then DTR OFF") &&
	    srv_expect(v, rts_on, sizeof rts_on, "RTS ON alone"))
		srv_expect(v, dtr_off, sizeof dtr_off, "DTR OFF alone");
}

static void test_rfc2217_purge_lines(void)
{
	struct srv v;
	struct esp_error err;
	struct xport *x;

	t_set_case("rfc2217 purge and lines");
	srv_start(&v, script_purge_lines);
	T_EQ_INT(rfc_open(&v, "", &err, &x), ESP_OK);
	T_REQUIRE(x != NULL);
	usleep(50000); /* let the junk arrive */
	T_EQ_INT(xport_flush_input(x), ESP_OK);
	uint8_t in[8];
	size_t n = read_n(x, in, 3);
	T_EQ_MEM(in, n, "new", 3);
	T_EQ_INT(xport_set_lines(x, 1, 0), ESP_OK);
	T_EQ_INT(xport_set_lines(x, 0, 1), ESP_OK);
	T_EQ_INT(xport_set_lines(x, -1, 1), ESP_OK);
	T_EQ_INT(xport_set_lines(x, 0, -1), ESP_OK);
	T_EQ_INT(xport_write(x, "Z", 1, 1000), ESP_OK);
	srv_finish(&v);
	xport_close(x);
}

static void script_silent(struct srv *v)
{
	/* a raw TCP server: takes the bytes, never answers */
	char drain[64];
	struct pollfd pf = {.fd = v->fd, .events = POLLIN};
	while (poll(&pf, 1, 2000) > 0 && recv(v->fd, drain, sizeof drain, 0) > 0)
		;
}

static void script_refuses(struct srv *v)
{
	static const uint8_t will_cpc[] = {IAC, 251, 44};
	if (srv_expect(v, will_cpc, sizeof will_cpc, "WILL COM-PORT-OPTION"))
		srv_send(v, (const uint8_t[]){IAC, 254, 44}, 3);
	script_silent(v);
}

static void test_rfc2217_open_errors(void)
{
	struct srv v;
	struct esp_error err;
	struct xport *x;
	char url[64], where[32];

	t_set_case("rfc2217 silent server");
	srv_start(&v, script_silent);
	uint64_t t0 = ms_now();
	T_EQ_INT(rfc_open(&v, "?timeout=0.3", &err, &x), ESP_E_NOPORT);
	T_CHECK(x == NULL);
	T_CHECK(ms_now() - t0 < 1500);
	T_HAS_STR(err.msg, "not an RFC 2217 server");
	T_HAS_STR(err.msg, "socket://");
	shutdown(v.listen_fd, SHUT_RDWR);
	srv_finish(&v);

	t_set_case("rfc2217 DONT COM-PORT-OPTION");
	srv_start(&v, script_refuses);
	T_EQ_INT(rfc_open(&v, "", &err, &x), ESP_E_NOPORT);
	T_HAS_STR(err.msg, "refuses COM-PORT-OPTION");
	srv_finish(&v);

	t_set_case("rfc2217 refused");
	{
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t al = sizeof a;
		T_REQUIRE(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
		T_REQUIRE(getsockname(fd, (struct sockaddr *)&a, &al) == 0);
		close(fd); /* bound, never listening: refused */
		snprintf(where, sizeof where, "127.0.0.1:%u", ntohs(a.sin_port));
		snprintf(url, sizeof url, "rfc2217://%s", where);
		memset(&err, 0, sizeof err);
		x = NULL;
		T_EQ_INT(xport_open_port(url, 115200, &err, &x), ESP_E_NOPORT);
		T_CHECK(x == NULL);
		T_HAS_STR(err.msg, where);
		T_HAS_STR(err.msg, "refused the connection");
		T_CHECK(strchr(err.msg, '\n') == NULL);
	}

	t_set_case("rfc2217 bad addresses and options");
	{
		static const struct tcp_bad bad[] = {
			{"rfc2217://127.0.0.1", "write rfc2217://HOST:PORT"},
			{"rfc2217://127.0.0.1:70000", "out of range"},
			{"rfc2217://127.0.0.1:4000?bogus", "unknown rfc2217:// option 'bogus'"},
			{"rfc2217://127.0.0.1:4000?timeout=x", "give seconds"},
			{"rfc2217://127.0.0.1:4000?timeout=0", "give seconds"},
			{"rfc2217://127.0.0.1:4000?ign_set_control&timeout=99", "give seconds"},
		};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			t_set_case("%s", bad[i].in);
			memset(&err, 0, sizeof err);
			x = NULL;
			T_EQ_INT(xport_open_port(bad[i].in, 115200, &err, &x), ESP_E_INVAL);
			T_CHECK(x == NULL);
			T_HAS_STR(err.msg, bad[i].says);
			T_CHECK(strstr(err.msg, "socket://") == NULL);
		}
	}
	t_set_case("%s", "");
}

/* ---- the auto reset where lines change one at a time ---------------------- */

struct line_log {
	struct xport base;
	char steps[128];
};

static enum esp_err log_lines(struct xport *x, int dtr, int rts)
{
	struct line_log *l = (struct line_log *)x;
	size_t n = strlen(l->steps);
	if (dtr >= 0 && rts >= 0)
		snprintf(l->steps + n, sizeof l->steps - n, "U%d,%d|", dtr, rts);
	else if (dtr >= 0)
		snprintf(l->steps + n, sizeof l->steps - n, "D%d|", dtr);
	else
		snprintf(l->steps + n, sizeof l->steps - n, "R%d|", rts);
	return ESP_OK;
}

static const struct xport_ops s_line_log_ops = {.name = "log", .set_lines = log_lines};

static void test_reset_lines_apart(void)
{
	struct line_log l = {.base = {.ops = &s_line_log_ops}};
	struct esp_reset_seq seq;

	t_set_case("unix-tight on a one-line-at-a-time port");
	esp_reset_seq_unix_tight(&seq, 0);
	l.base.caps = XPORT_CAP_LINES;
	T_EQ_INT(esp_reset_run(&l.base, &seq), ESP_OK);
	T_EQ_STR(l.steps, "U0,0|U1,1|U0,1|U1,0|U0,0|D0|");
	l.steps[0] = '\0';
	l.base.caps = XPORT_CAP_LINES | XPORT_CAP_LINES_APART;
	T_EQ_INT(esp_reset_run(&l.base, &seq), ESP_OK);
	T_EQ_STR(l.steps, "D0|R1|D1|R0|D0|"); /* esptool's ClassicReset */
	/* a custom sequence is the operator's: run as given */
	l.steps[0] = '\0';
	T_EQ_INT(esp_reset_seq_parse("U1,1|W0|U0,0", &seq, NULL), ESP_OK);
	T_EQ_INT(esp_reset_run(&l.base, &seq), ESP_OK);
	T_EQ_STR(l.steps, "U1,1|U0,0|");
	t_set_case("%s", "");
}

static void test_rfc2217(void)
{
	test_rfc2217_stream();
	test_rfc2217_baud();
	test_rfc2217_purge_lines();
	test_rfc2217_open_errors();
	test_reset_lines_apart();
}

int main(void)
{
	test_tcp_parse();
	test_perm_advice();
	test_open_error();
	test_telnet_escape();
	test_telnet_decode();
	test_rfc2217();
	return t_done("test_xport");
}
