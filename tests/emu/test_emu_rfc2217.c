/* SPDX-License-Identifier: MIT */
/*
 * esp8266-emu --rfc2217 end to end, through a small RFC 2217 client of the
 * test's own (not emu_telnet.c, not core/): a bridge thread speaks Telnet to
 * the server and hands the plain serial bytes to the usual test helpers
 * over a socketpair, so SLIP, SYNC, stub upload and READ_FLASH run
 * unchanged on top.  One case per run: test_emu_rfc2217 PROG CASE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nettle/md5.h>

#include "test_emu_util.h"

enum { IAC = 255, SB = 250, SE = 240, WILL = 251, WONT = 252, DO = 253, DONT = 254, CPO = 44 };
#define NEW_STUB_ENTRY 0x4010C504u

static const char *prog;
static char fifo[256], logp[256];

/* ---- the test's RFC 2217 client ---- */

struct reply {
	uint8_t code, v[64];
	size_t n;
};

struct tc {
	int sock, pair[2], stop[2];
	pthread_t thr;
	pthread_mutex_t mu;
	struct reply rep[128];
	unsigned nrep;
	uint8_t neg[256];           /* (verb, option) pairs received */
	size_t nneg;
	uint8_t raw[1 << 16];       /* the first 64 KiB as received */
	size_t nraw;
	uint64_t payload;           /* data bytes after undoing IAC IAC */
	int eof;
	/* decoder */
	int st;
	uint8_t verb, sb[70];
	size_t sbn;
};

static void send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0) {
			if (w < 0 && errno == EAGAIN) {
				struct pollfd pf = { .fd = fd, .events = POLLOUT };
				poll(&pf, 1, 100);
				continue;
			}
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* one byte from the server: 0 states = data, IAC, verb, SB, SB+IAC */
static void decode(struct tc *c, uint8_t b, uint8_t *out, size_t *on)
{
	switch (c->st) {
	case 0:
		if (b == IAC)
			c->st = 1;
		else
			out[(*on)++] = b;
		break;
	case 1:
		c->st = 0;
		if (b == IAC) {
			out[(*on)++] = b;
		} else if (b >= WILL) {
			c->verb = b;
			c->st = 2;
		} else if (b == SB) {
			c->sbn = 0;
			c->st = 3;
		}
		break;
	case 2:
		if (c->nneg + 2 <= sizeof c->neg) {
			c->neg[c->nneg++] = c->verb;
			c->neg[c->nneg++] = b;
		}
		c->st = 0;
		break;
	case 3:
		if (b == IAC)
			c->st = 4;
		else if (c->sbn < sizeof c->sb)
			c->sb[c->sbn++] = b;
		break;
	case 4:
		if (b == SE) {
			if (c->sbn >= 2 && c->sb[0] == CPO && c->nrep < 128) {
				struct reply *r = &c->rep[c->nrep++];
				r->code = c->sb[1];
				r->n = c->sbn - 2 < sizeof r->v ? c->sbn - 2 : sizeof r->v;
				memcpy(r->v, c->sb + 2, r->n);
			}
			c->st = 0;
		} else {
			if (c->sbn < sizeof c->sb)
				c->sb[c->sbn++] = b;    /* IAC IAC: one 0xFF */
			c->st = 3;
		}
		break;
	}
}

static void *bridge(void *arg)
{
	struct tc *c = arg;
	uint8_t in[8192], out[8192], esc[16384];

	for (;;) {
		struct pollfd p[3] = { { .fd = c->sock, .events = POLLIN },
				       { .fd = c->pair[1], .events = POLLIN },
				       { .fd = c->stop[0], .events = POLLIN } };
		if (poll(p, 3, -1) < 0)
			continue;
		if (p[2].revents)
			break;
		if (p[0].revents) {
			ssize_t n = recv(c->sock, in, sizeof in, 0);
			if (n <= 0) {
				pthread_mutex_lock(&c->mu);
				c->eof = 1;
				pthread_mutex_unlock(&c->mu);
				shutdown(c->pair[1], SHUT_WR);  /* the helpers read EOF */
				break;
			}
			size_t on = 0;
			pthread_mutex_lock(&c->mu);
			size_t keep = sizeof c->raw - c->nraw < (size_t)n ? sizeof c->raw - c->nraw : (size_t)n;
			memcpy(c->raw + c->nraw, in, keep);
			c->nraw += keep;
			for (ssize_t i = 0; i < n; i++)
				decode(c, in[i], out, &on);
			c->payload += on;
			pthread_mutex_unlock(&c->mu);
			send_all(c->pair[1], out, on);
		}
		if (p[1].revents) {
			ssize_t n = read(c->pair[1], in, sizeof in);
			if (n <= 0)
				break;
			size_t k = 0;
			for (ssize_t i = 0; i < n; i++) {
				esc[k++] = in[i];
				if (in[i] == IAC)
					esc[k++] = IAC;
			}
			pthread_mutex_lock(&c->mu);     /* one writer at a time on sock */
			send_all(c->sock, esc, k);
			pthread_mutex_unlock(&c->mu);
		}
	}
	return NULL;
}

static int tc_connect(struct tc *c, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;

	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	c->sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->sock < 0 || connect(c->sock, (struct sockaddr *)&a, sizeof a) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->pair) < 0 || pipe(c->stop) < 0)
		return -1;
	setsockopt(c->sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(c->pair[0], F_SETFL, O_NONBLOCK);
	return pthread_create(&c->thr, NULL, bridge, c) == 0 ? 0 : -1;
}

static void tc_close(struct tc *c)
{
	ssize_t w = write(c->stop[1], "x", 1);
	(void)w;
	pthread_join(c->thr, NULL);
	close(c->sock);
	close(c->pair[0]);
	close(c->pair[1]);
	close(c->stop[0]);
	close(c->stop[1]);
	pthread_mutex_destroy(&c->mu);
}

static void tc_raw(struct tc *c, const uint8_t *p, size_t n)
{
	pthread_mutex_lock(&c->mu);
	send_all(c->sock, p, n);
	pthread_mutex_unlock(&c->mu);
}

/* IAC SB COM-PORT-OPTION cmd value IAC SE, 0xFF in the value doubled */
static void tc_cmd(struct tc *c, uint8_t cmd, const uint8_t *v, size_t n)
{
	uint8_t b[80];
	size_t k = 0;

	b[k++] = IAC;
	b[k++] = SB;
	b[k++] = CPO;
	b[k++] = cmd;
	for (size_t i = 0; i < n; i++) {
		b[k++] = v[i];
		if (v[i] == IAC)
			b[k++] = IAC;
	}
	b[k++] = IAC;
	b[k++] = SE;
	tc_raw(c, b, k);
}

static void tc_cmd1(struct tc *c, uint8_t cmd, uint8_t v)
{
	tc_cmd(c, cmd, &v, 1);
}

static void tc_baud(struct tc *c, uint32_t baud)
{
	uint8_t v[4] = { (uint8_t)(baud >> 24), (uint8_t)(baud >> 16), (uint8_t)(baud >> 8),
			 (uint8_t)baud };
	tc_cmd(c, 1, v, 4);
}

/* Takes the oldest reply with this code; 0, or -1 after timeout_ms. */
static int tc_reply(struct tc *c, uint8_t code, struct reply *out, int timeout_ms)
{
	double end = th_now() + timeout_ms / 1000.0;

	do {
		pthread_mutex_lock(&c->mu);
		for (unsigned i = 0; i < c->nrep; i++) {
			if (c->rep[i].code != code)
				continue;
			*out = c->rep[i];
			memmove(&c->rep[i], &c->rep[i + 1], (c->nrep - i - 1) * sizeof c->rep[0]);
			c->nrep--;
			pthread_mutex_unlock(&c->mu);
			return 0;
		}
		pthread_mutex_unlock(&c->mu);
		th_sleep_ms(2);
	} while (th_now() < end);
	return -1;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int tc_eof(struct tc *c, int timeout_ms)
{
	double end = th_now() + timeout_ms / 1000.0;
	int eof;

	do {
		pthread_mutex_lock(&c->mu);
		eof = c->eof;
		pthread_mutex_unlock(&c->mu);
		if (eof)
			return 1;
		th_sleep_ms(5);
	} while (th_now() < end);
	return 0;
}

/* ---- the program ---- */

static pid_t spawn(char *const argv[], unsigned *port)
{
	int p[2];
	char line[32];
	size_t n = 0;
	char ch;

	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv(prog, argv);
		_exit(127);
	}
	close(p[1]);
	while (n + 1 < sizeof line && read(p[0], &ch, 1) == 1 && ch != '\n')
		line[n++] = ch;
	line[n] = 0;
	close(p[0]);
	*port = (unsigned)strtoul(line, NULL, 10);
	return pid;
}

static pid_t start(const char *extra, unsigned *port)
{
	char *argv[16];
	int k = 0;
	static char ctl_opt[] = "--control", log_opt[] = "--log";
	static char ex[64];

	argv[k++] = (char *)prog;
	argv[k++] = (char *)"--rfc2217";
	argv[k++] = (char *)"0";
	argv[k++] = (char *)"--fast-flash";
	argv[k++] = log_opt;
	argv[k++] = logp;
	argv[k++] = ctl_opt;
	argv[k++] = fifo;
	if (extra) {
		snprintf(ex, sizeof ex, "%s", extra);
		char *sp = strchr(ex, ' ');
		argv[k++] = ex;
		if (sp) {
			*sp = 0;
			argv[k++] = sp + 1;
		}
	}
	argv[k] = NULL;
	return spawn(argv, port);
}

static void control(const char *line)
{
	int fd = open(fifo, O_WRONLY);
	if (fd >= 0) {
		ssize_t r = write(fd, line, strlen(line));
		(void)r;
		close(fd);
	}
}

/* A th over the bridge: the helpers read and write plain serial bytes. */
static void th_over(struct th *t, struct tc *c)
{
	int failures = t->failures;
	memset(t, 0, sizeof *t);
	t->failures = failures;
	t->e = NULL;
	t->master = -1;
	t->slave = c->pair[0];
	t->status_len = 2;
	snprintf(t->log_path, sizeof t->log_path, "%s", logp);
}

/* The classic reset as an RFC 2217 client must send it: one line per
 * SET-CONTROL, the two that release EN and pull GPIO0 sent back to back
 * (within the EN capacitor's delay), then SYNC. */
static int reset_sync(struct th *t, struct tc *c)
{
	struct reply r;

	tc_cmd1(c, 5, 9);           /* DTR off */
	tc_cmd1(c, 5, 11);          /* RTS on: EN low */
	th_sleep_ms(20);
	tc_cmd1(c, 5, 8);           /* DTR on: both asserted, EN rises */
	tc_cmd1(c, 5, 12);          /* RTS off: GPIO0 low while the chip samples */
	th_sleep_ms(30);
	tc_cmd1(c, 5, 9);           /* DTR off */
	for (int i = 0; i < 5; i++)
		if (tc_reply(c, 105, &r, 500) < 0)
			return -1;
	th_drain(t, 30);
	t->status_len = 2;
	for (int i = 0; i < 5; i++) {
		if (th_sync(t, NULL) == 8)
			return 0;
		th_drain(t, 20);
	}
	return -1;
}

static int file_count(const char *needle)
{
	FILE *f = fopen(logp, "r");
	char line[4096];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* ---- cases ---- */

static int expect1(struct th *t, struct tc *c, uint8_t cmd, uint8_t v, uint8_t want)
{
	struct reply r;
	tc_cmd1(c, cmd, v);
	int ok = tc_reply(c, (uint8_t)(cmd + 100), &r, 1000) == 0 && r.n == 1 && r.v[0] == want;
	TH_CHECK(t, ok, "command %u value %u: want %u+100 value %u, got %s%u", cmd, v, cmd, want,
		 r.n == 1 ? "" : "(wrong length) ", r.v[0]);
	return ok;
}

static int has_neg(struct tc *c, uint8_t verb, uint8_t opt)
{
	pthread_mutex_lock(&c->mu);
	int found = 0;
	for (size_t i = 0; i + 1 < c->nneg; i += 2)
		found += c->neg[i] == verb && c->neg[i + 1] == opt;
	pthread_mutex_unlock(&c->mu);
	return found;
}

static void case_negotiate(struct th *t, unsigned port)
{
	struct tc c;
	struct reply r;

	TH_CHECK(t, tc_connect(&c, port) == 0, "connect");
	th_sleep_ms(100);
	/* the opening offers */
	TH_CHECK(t, has_neg(&c, WILL, 0) == 1 && has_neg(&c, DO, 0) == 1 && has_neg(&c, WILL, 3) == 1 &&
		 has_neg(&c, DO, 3) == 1 && has_neg(&c, DO, CPO) == 1, "greeting offers (%zu bytes)",
		 c.nneg);
	/* agreeing to the offers must not be answered again (no loop);
	 * ECHO and TERMINAL-TYPE are refused; DO COM-PORT is granted */
	static const uint8_t neg[] = { IAC, WILL, CPO, IAC, DO, 0, IAC, WILL, 0, IAC, DO, 3,
				       IAC, WILL, 3, IAC, DO, 1, IAC, WILL, 24, IAC, DO, CPO };
	tc_raw(&c, neg, sizeof neg);
	th_sleep_ms(100);
	TH_CHECK(t, c.nneg == 10 + 6, "negotiation answers: %zu bytes, want 6 after the greeting",
		 c.nneg - 10);
	TH_CHECK(t, has_neg(&c, WONT, 1) == 1 && has_neg(&c, DONT, 24) == 1 && has_neg(&c, WILL, CPO) == 1,
		 "refusals / grant");
	TH_CHECK(t, tc_reply(&c, 107, &r, 500) == 0 && r.n == 1 && r.v[0] == 0,
		 "unasked NOTIFY-MODEMSTATE once COM-PORT-OPTION is agreed (pyserial needs it)");
	/* every command, queries first */
	tc_cmd(&c, 0, NULL, 0);
	TH_CHECK(t, tc_reply(&c, 100, &r, 1000) == 0 && r.n > 10 && memcmp(r.v, "esp8266-emu", 11) == 0,
		 "SIGNATURE");
	tc_baud(&c, 0);
	TH_CHECK(t, tc_reply(&c, 101, &r, 1000) == 0 && r.n == 4 && be32(r.v) == 115200,
		 "SET-BAUDRATE query: %u", be32(r.v));
	expect1(t, &c, 2, 0, 8);
	expect1(t, &c, 3, 0, 1);
	expect1(t, &c, 4, 0, 1);
	expect1(t, &c, 5, 0, 1);    /* flow control: none */
	expect1(t, &c, 5, 3, 1);    /* hardware flow control refused */
	expect1(t, &c, 5, 13, 14);
	expect1(t, &c, 5, 7, 9);    /* DTR query: off */
	expect1(t, &c, 5, 8, 8);
	expect1(t, &c, 5, 7, 8);
	expect1(t, &c, 5, 10, 12);
	expect1(t, &c, 5, 11, 11);
	expect1(t, &c, 5, 10, 11);
	expect1(t, &c, 5, 12, 12);
	expect1(t, &c, 5, 9, 9);
	expect1(t, &c, 5, 4, 6);
	expect1(t, &c, 2, 7, 7);
	expect1(t, &c, 2, 0, 7);
	expect1(t, &c, 6, 0, 0);
	expect1(t, &c, 7, 0, 0);
	expect1(t, &c, 10, 0xFF, 0xFF);     /* 0xFF in a value, both ways */
	expect1(t, &c, 11, 0, 0);
	expect1(t, &c, 12, 3, 3);
	/* 65535 = 00 00 FF FF: two doubled bytes each way */
	tc_baud(&c, 65535);
	TH_CHECK(t, tc_reply(&c, 101, &r, 1000) == 0 && r.n == 4 && be32(r.v) == 65535,
		 "SET-BAUDRATE 65535: %u (n %zu)", be32(r.v), r.n);
	tc_baud(&c, 921600);
	TH_CHECK(t, tc_reply(&c, 101, &r, 1000) == 0 && be32(r.v) == 921600, "SET-BAUDRATE 921600");
	/* garbage: another option's SB, an overlong SB, an SB cut by IAC DO,
	 * NOP/AYT, a stray SE; then a query split byte by byte still works */
	static const uint8_t junk[] = { IAC, SB, 24, 1, 2, 3, IAC, SE, IAC, 241, IAC, 246, IAC, SE,
					IAC, SB, CPO, 1, 0, IAC, DO, 5 };
	tc_raw(&c, junk, sizeof junk);
	uint8_t big[200];
	size_t k = 0;
	big[k++] = IAC;
	big[k++] = SB;
	big[k++] = CPO;
	big[k++] = 1;
	while (k < 190)
		big[k++] = 0x11;
	big[k++] = IAC;
	big[k++] = SE;
	tc_raw(&c, big, k);
	static const uint8_t q[] = { IAC, SB, CPO, 1, 0, 0, 0, 0, IAC, SE };
	for (size_t i = 0; i < sizeof q; i++) {
		tc_raw(&c, q + i, 1);
		th_sleep_ms(2);
	}
	TH_CHECK(t, tc_reply(&c, 101, &r, 1000) == 0 && be32(r.v) == 921600,
		 "query after garbage: %u", be32(r.v));
	TH_CHECK(t, tc_reply(&c, 101, &r, 200) < 0, "a broken or overlong SB was answered");
	TH_CHECK(t, has_neg(&c, WONT, 5) == 1, "IAC DO inside a broken SB taken as a command");
	/* FLOWCONTROL-SUSPEND: nothing until RESUME, and neither is answered */
	tc_cmd(&c, 8, NULL, 0);
	tc_baud(&c, 0);
	TH_CHECK(t, tc_reply(&c, 101, &r, 200) < 0, "answered while suspended");
	tc_cmd(&c, 9, NULL, 0);
	TH_CHECK(t, tc_reply(&c, 101, &r, 1000) == 0, "the held reply after RESUME");
	TH_CHECK(t, tc_reply(&c, 108, &r, 50) < 0 && tc_reply(&c, 109, &r, 50) < 0,
		 "SUSPEND/RESUME must not be echoed (108/109 would ask the client to stop)");
	TH_CHECK(t, file_count("\"what\":\"oddity\"") >= 4, "oddities logged");
	TH_CHECK(t, file_count("\"cmd\":\"SET-BAUDRATE\",\"code\":1,\"value\":921600,\"reply\":921600") == 1,
		 "baud change logged");
	tc_close(&c);
}

static void case_reset(struct th *t, unsigned port)
{
	struct tc c;

	TH_CHECK(t, tc_connect(&c, port) == 0, "connect");
	th_over(t, &c);
	TH_CHECK(t, reset_sync(t, &c) == 0, "DTR/RTS reset into download mode, then SYNC");
	TH_CHECK(t, file_count("\"ev\":\"lines\",\"dtr\":1,\"rts\":1,\"en\":1,\"gpio0\":1") >= 1,
		 "the intermediate state (both asserted) reached the circuit");
	TH_CHECK(t, file_count("\"ev\":\"reset\",\"cause\":\"en\",\"boot\":\"download\"") == 1,
		 "reset into download");
	tc_close(&c);
}

static void md5_of(const uint8_t *p, size_t n, uint8_t out[16])
{
	struct md5_ctx m;
	md5_init(&m);
	md5_update(&m, n, p);
	md5_digest(&m, MD5_DIGEST_SIZE, out);
}

/* Flash data full of 0xFF and Telnet look-alikes, written and read back. */
static void case_escape(struct th *t, unsigned port)
{
	enum { LEN = 0x2000, OFF = 0x20000 };
	static const uint8_t pat[] = { 0xFF, 0xFF, 0xFF, 0xF0, 0xFF, 0xFA, 0x2C, 0xFF, 0xFB, 0xC0,
				       0xDB, 0xFF, 0xFD, 0x00, 0xFF, 0xFF, 0x0D, 0x00, 0xFF };
	uint8_t *data = malloc(LEN), *back = malloc(LEN), *blk = malloc(16 + LEN), d[16];
	uint8_t mine[16], dev[16];
	struct th_resp r;
	struct tc c;

	for (size_t i = 0; i < LEN; i++)
		data[i] = i % 64 < 40 ? pat[i % sizeof pat] : (uint8_t)(i * 13);
	TH_CHECK(t, tc_connect(&c, port) == 0, "connect");
	th_over(t, &c);
	TH_CHECK(t, reset_sync(t, &c) == 0, "reset + sync");
	TH_CHECK(t, th_load_stub(t, NEW_STUB_ENTRY) == 0, "stub");
	th_put32(d, LEN);
	th_put32(d + 4, 1);
	th_put32(d + 8, LEN);
	th_put32(d + 12, OFF);
	TH_CHECK(t, th_cmd(t, 0x02, d, 16, 0, &r, 1000) == 0 && r.st[0] == 0, "FLASH_BEGIN");
	memset(blk, 0, 16);
	th_put32(blk, LEN);
	memcpy(blk + 16, data, LEN);
	TH_CHECK(t, th_cmd(t, 0x03, blk, 16 + LEN, th_checksum(data, LEN), &r, 2000) == 0 &&
		 r.st[0] == 0, "FLASH_DATA through IAC IAC: status %02x", r.st[0]);
	md5_of(data, LEN, mine);
	TH_CHECK(t, th_flash_md5(t, OFF, LEN, dev, 2000) == 0 && memcmp(mine, dev, 16) == 0,
		 "the device holds exactly what was sent");
	TH_CHECK(t, th_read_flash(t, OFF, LEN, back) == 0 && memcmp(back, data, LEN) == 0,
		 "READ_FLASH back through the server's doubling");
	size_t pairs = 0;
	pthread_mutex_lock(&c.mu);
	for (size_t i = 0; i + 1 < c.nraw; i++)
		if (c.raw[i] == IAC && c.raw[i + 1] == IAC) {
			pairs++;
			i++;
		}
	pthread_mutex_unlock(&c.mu);
	TH_CHECK(t, pairs > 1000, "doubled 0xFF on the wire: %zu", pairs);
	tc_close(&c);
	free(data);
	free(back);
	free(blk);
}

static int change_baud(struct th *t, uint32_t baud)
{
	uint8_t d[8];
	struct th_resp r;

	th_put32(d, baud);
	th_put32(d + 4, 0);
	return th_cmd(t, 0x0F, d, 8, 0, &r, 1000) == 0 && r.st[0] == 0 ? 0 : -1;
}

static void case_baud(struct th *t, unsigned port)
{
	struct tc c;
	struct reply rp;
	uint32_t v;
	uint8_t *buf = malloc(0x10000);

	TH_CHECK(t, tc_connect(&c, port) == 0, "connect");
	th_over(t, &c);
	TH_CHECK(t, reset_sync(t, &c) == 0, "reset + sync at 115200");
	TH_CHECK(t, th_load_stub(t, NEW_STUB_ENTRY) == 0, "stub");
	TH_CHECK(t, change_baud(t, 921600) == 0, "CHANGE_BAUDRATE 921600 (answered at 115200)");
	th_sleep_ms(30);
	/* the adapter still at 115200: the device hears garbage, says nothing */
	TH_CHECK(t, th_read_reg(t, 0x3FF00050, &v) < 0, "answered at the wrong host baud");
	tc_baud(&c, 921600);
	TH_CHECK(t, tc_reply(&c, 101, &rp, 1000) == 0 && be32(rp.v) == 921600, "SET-BAUDRATE 921600");
	th_drain(t, 20);
	TH_CHECK(t, th_read_reg(t, 0x3FF00050, &v) == 0, "READ_REG at 921600");
	TH_CHECK(t, th_read_flash(t, 0, 0x10000, buf) == 0, "READ_FLASH 64 KiB at 921600");
	TH_CHECK(t, file_count("\"ev\":\"baud\",\"who\":\"host\",\"baud\":921600") >= 1,
		 "the host baud reached the wire model");
	tc_close(&c);
	free(buf);
}

static void case_drop(struct th *t, unsigned port)
{
	struct tc c;
	uint32_t v;
	uint8_t *buf = malloc(0x10000);

	TH_CHECK(t, tc_connect(&c, port) == 0, "connect");
	th_over(t, &c);
	TH_CHECK(t, reset_sync(t, &c) == 0, "reset + sync");
	TH_CHECK(t, th_load_stub(t, NEW_STUB_ENTRY) == 0, "stub");
	uint64_t before = c.payload;   /* started with --rfc2217-drop-after 3000 */
	TH_CHECK(t, before < 3000, "%llu bytes before the read", (unsigned long long)before);
	TH_CHECK(t, th_read_flash(t, 0, 0x10000, buf) < 0, "a read across the drop failed");
	TH_CHECK(t, tc_eof(&c, 2000), "the connection was closed");
	/* drop-after counts this connection's payload from its start */
	TH_CHECK(t, c.payload == 3000, "payload before the drop: %llu (%llu before the read)",
		 (unsigned long long)c.payload, (unsigned long long)before);
	TH_CHECK(t, file_count("\"why\":\"drop_after\",\"to_host\":3000") == 1, "drop logged");
	tc_close(&c);
	control("drop-after 0\n");
	th_sleep_ms(50);
	/* the next connection finds the device as it was: still in the stub */
	TH_CHECK(t, tc_connect(&c, port) == 0, "reconnect");
	th_over(t, &c);
	th_drain(t, 50);
	int ok = -1;
	for (int i = 0; i < 3 && ok < 0; i++)
		ok = th_read_reg(t, 0x3FF00050, &v);
	TH_CHECK(t, ok == 0, "the stub answers on the next connection");
	tc_close(&c);
	free(buf);
}

static void case_unplug(struct th *t, unsigned port)
{
	struct tc c;

	TH_CHECK(t, tc_connect(&c, port) == 0, "connect");
	th_over(t, &c);
	TH_CHECK(t, reset_sync(t, &c) == 0, "reset + sync");
	control("unplug\n");
	TH_CHECK(t, tc_eof(&c, 2000), "unplug closes the connection");
	tc_close(&c);
	TH_CHECK(t, tc_connect(&c, port) == 0, "connect while unplugged");
	TH_CHECK(t, tc_eof(&c, 2000), "a connection while unplugged is closed at once");
	pthread_mutex_lock(&c.mu);
	c.raw[c.nraw < sizeof c.raw ? c.nraw : sizeof c.raw - 1] = 0;
	int said = strstr((const char *)c.raw + 15, "Device open failure") != NULL;
	pthread_mutex_unlock(&c.mu);
	TH_CHECK(t, said, "ser2net's 'Device open failure' text");
	tc_close(&c);
	control("replug\n");
	th_sleep_ms(100);
	TH_CHECK(t, tc_connect(&c, port) == 0, "connect after replug");
	th_over(t, &c);
	TH_CHECK(t, reset_sync(t, &c) == 0, "reset + sync after replug");
	TH_CHECK(t, file_count("\"what\":\"refused\",\"why\":\"unplugged\"") == 1, "refusal logged");
	tc_close(&c);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name, *extra;
		void (*run)(struct th *, unsigned);
	} cases[] = {
		{ "negotiate", NULL, case_negotiate }, { "reset", NULL, case_reset },
		{ "escape", NULL, case_escape }, { "baud", NULL, case_baud },
		{ "drop", "--rfc2217-drop-after 3000", case_drop }, { "unplug", NULL, case_unplug },
	};
	struct th t;
	char name[64];

	if (argc != 3) {
		fprintf(stderr, "usage: test_emu_rfc2217 PROG CASE\n");
		return 2;
	}
	prog = argv[1];
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (strcmp(argv[2], cases[i].name) != 0)
			continue;
		snprintf(name, sizeof name, "rfc2217_%s", cases[i].name);
		snprintf(fifo, sizeof fifo, "/tmp/emu-test-%s-%ld.fifo", name, (long)getpid());
		snprintf(logp, sizeof logp, "/tmp/emu-test-%s-%ld.jsonl", name, (long)getpid());
		memset(&t, 0, sizeof t);
		unsigned port = 0;
		pid_t pid = start(cases[i].extra, &port);
		TH_CHECK(&t, pid > 0 && port > 0, "esp8266-emu --rfc2217 0 printed no port");
		if (port)
			cases[i].run(&t, port);
		kill(pid, SIGTERM);
		int st;
		waitpid(pid, &st, 0);
		TH_CHECK(&t, WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status %d", st);
		unlink(fifo);
		snprintf(t.log_path, sizeof t.log_path, "%s", logp);
		return th_finish(&t, name);
	}
	fprintf(stderr, "unknown case %s\n", argv[2]);
	return 2;
}
