/* SPDX-License-Identifier: MIT */
/* Host-side helpers for the emulator self-tests (see test_emu_util.h). */
#include "test_emu_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nettle/md5.h>

#include "emu_termios2.h"

double th_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void th_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void th_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t th_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint8_t th_checksum(const uint8_t *p, size_t n)
{
	uint8_t c = 0xEF;

	while (n--)
		c ^= *p++;
	return c;
}

void th_config(struct emu_config *c)
{
	emu_config_defaults(c);
	c->fast_flash = 1;
}

int th_set_baud(struct th *t, unsigned baud)
{
	struct termios2 t2;

	if (ioctl(t->slave, TCGETS2, &t2) < 0)
		return -1;
	t2.c_cflag = (t2.c_cflag & ~(tcflag_t)CBAUD) | BOTHER;
	t2.c_ispeed = t2.c_ospeed = baud;
	return ioctl(t->slave, TCSETS2, &t2);
}

int th_open(struct th *t, struct emu_config *c, unsigned baud, const char *name)
{
	char err[256];

	memset(t, 0, sizeof *t);
	t->master = t->slave = -1;
	snprintf(t->log_path, sizeof t->log_path, "/tmp/emu-test-%s-%ld.jsonl", name, (long)getpid());
	c->log_path = t->log_path;
	t->e = emu_new(c, err, sizeof err);
	if (!t->e) {
		fprintf(stderr, "emu_new: %s\n", err);
		return -1;
	}
	t->esp32_class = c->chip == EMU_ESP32 || c->chip == EMU_ESP32C3;
	t->status_len = t->esp32_class ? 4 : 2;
	if (emu_open_pty(&t->master, t->path, sizeof t->path, NULL) < 0)
		return -1;
	if (emu_start(t->e, t->master, 1) < 0)
		return -1;
	t->slave = open(t->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (t->slave < 0)
		return -1;
	return th_set_baud(t, baud);
}

int th_open_tcp(struct th *t, struct emu_config *c, const char *name)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	char err[256];
	int lis;

	memset(t, 0, sizeof *t);
	t->master = t->slave = -1;
	snprintf(t->log_path, sizeof t->log_path, "/tmp/emu-test-%s-%ld.jsonl", name, (long)getpid());
	c->log_path = t->log_path;
	t->e = emu_new(c, err, sizeof err);
	if (!t->e) {
		fprintf(stderr, "emu_new: %s\n", err);
		return -1;
	}
	t->esp32_class = c->chip == EMU_ESP32 || c->chip == EMU_ESP32C3;
	t->status_len = t->esp32_class ? 4 : 2;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lis = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lis < 0 || bind(lis, (struct sockaddr *)&a, sizeof a) < 0 || listen(lis, 1) < 0 ||
	    getsockname(lis, (struct sockaddr *)&a, &len) < 0)
		goto fail;
	t->slave = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->slave < 0 || connect(t->slave, (struct sockaddr *)&a, sizeof a) < 0)
		goto fail;
	t->master = accept4(lis, NULL, NULL, SOCK_CLOEXEC);
	close(lis);
	lis = -1;
	if (t->master < 0 || fcntl(t->slave, F_SETFL, O_NONBLOCK) < 0 ||
	    emu_start(t->e, t->master, 0) < 0)
		return -1;
	return 0;
fail:
	fprintf(stderr, "th_open_tcp: %s\n", strerror(errno));
	if (lis >= 0)
		close(lis);
	return -1;
}

void th_close(struct th *t)
{
	if (t->e)
		emu_stop(t->e);
	if (t->slave >= 0)
		close(t->slave);
	if (t->master >= 0 && t->e && !emu_is_unplugged(t->e))
		close(t->master);
	emu_free(t->e);
	t->e = NULL;
}

int th_finish(struct th *t, const char *name)
{
	if (t->failures) {
		fprintf(stderr, "%s: %d check(s) failed (log %s)\n", name, t->failures, t->log_path);
	} else {
		fprintf(stderr, "%s: ok\n", name);
		if (t->log_path[0] && !getenv("EMU_TEST_KEEP_LOGS"))
			unlink(t->log_path);
	}
	return t->failures ? 1 : 0;
}

void th_send_raw(struct th *t, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = write(t->slave, b, n);
		if (w < 0) {
			if (errno == EAGAIN) {
				struct pollfd pf = { .fd = t->slave, .events = POLLOUT };
				poll(&pf, 1, 100);
				continue;
			}
			return;
		}
		b += w;
		n -= (size_t)w;
	}
}

void th_send_frame(struct th *t, const uint8_t *p, size_t n)
{
	uint8_t *enc = malloc(2 * n + 2);
	size_t o = 0;

	enc[o++] = 0xC0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0xC0) {
			enc[o++] = 0xDB;
			enc[o++] = 0xDC;
		} else if (p[i] == 0xDB) {
			enc[o++] = 0xDB;
			enc[o++] = 0xDD;
		} else {
			enc[o++] = p[i];
		}
	}
	enc[o++] = 0xC0;
	th_send_raw(t, enc, o);
	free(enc);
}

void th_send_cmd(struct th *t, uint8_t op, const uint8_t *d, size_t n, uint32_t chk)
{
	uint8_t *pkt = malloc(8 + n);

	pkt[0] = 0;
	pkt[1] = op;
	pkt[2] = (uint8_t)n;
	pkt[3] = (uint8_t)(n >> 8);
	th_put32(pkt + 4, chk);
	if (n)
		memcpy(pkt + 8, d, n);
	th_send_frame(t, pkt, 8 + n);
	free(pkt);
}

size_t th_read_raw(struct th *t, uint8_t *buf, size_t cap, int ms)
{
	size_t got = 0;
	double end = th_now() + ms / 1000.0;

	while (t->ipos < t->ilen && got < cap)     /* decoded-ahead bytes first */
		buf[got++] = t->ibuf[t->ipos++];
	size_t buffered = got;

	while (got < cap) {
		int left = (int)((end - th_now()) * 1000);
		if (left <= 0)
			break;
		struct pollfd pf = { .fd = t->slave, .events = POLLIN };
		if (poll(&pf, 1, left) <= 0)
			continue;
		ssize_t r = read(t->slave, buf + got, cap - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	t->raw_bytes += got - buffered;
	return got;
}

void th_drain(struct th *t, int ms)
{
	uint8_t buf[4096];

	while (th_read_raw(t, buf, sizeof buf, ms) == sizeof buf)
		;
	t->in_frame = t->esc = 0;
	t->flen = 0;
	t->ipos = t->ilen = 0;
}

/* Host-side decoding is strict about escapes and lenient between frames. */
long th_read_frame(struct th *t, uint8_t *buf, size_t cap, int timeout_ms)
{
	double end = th_now() + timeout_ms / 1000.0;

	for (;;) {
		while (t->ipos < t->ilen) {
			uint8_t b = t->ibuf[t->ipos++];
			if (b == 0xC0) {
				if (t->in_frame && t->flen > 0) {
					size_t n = t->flen < cap ? t->flen : cap;
					memcpy(buf, t->frame, n);
					t->in_frame = 0;
					t->flen = 0;
					return (long)n;
				}
				t->in_frame = 1;
				t->flen = 0;
				t->esc = 0;
			} else if (!t->in_frame) {
				t->junk++;
			} else if (t->esc) {
				t->esc = 0;
				if (b == 0xDC || b == 0xDD)
					t->frame[t->flen++] = b == 0xDC ? 0xC0 : 0xDB;
				else
					t->in_frame = 0;        /* invalid escape: frame lost */
			} else if (b == 0xDB) {
				t->esc = 1;
			} else if (t->flen < sizeof t->frame) {
				t->frame[t->flen++] = b;
			}
		}
		ssize_t r = read(t->slave, t->ibuf, sizeof t->ibuf);
		if (r > 0) {
			t->raw_bytes += (uint64_t)r;
			t->ipos = 0;
			t->ilen = (size_t)r;
			continue;
		}
		if (r == 0 || errno != EAGAIN)
			return -1;              /* hung up */
		int left = (int)((end - th_now()) * 1000);
		if (left <= 0)
			return -1;
		struct pollfd pf = { .fd = t->slave, .events = POLLIN };
		poll(&pf, 1, left);
	}
}

int th_read_resp(struct th *t, uint8_t op, struct th_resp *r, int timeout_ms)
{
	uint8_t buf[20000];
	double end = th_now() + timeout_ms / 1000.0;

	for (;;) {
		int left = (int)((end - th_now()) * 1000);
		if (left <= 0)
			return -1;
		long n = th_read_frame(t, buf, sizeof buf, left);
		if (n < 0)
			return -1;
		if (n < 10 || buf[0] != 0x01 || buf[1] != op)
			continue;
		r->op = buf[1];
		r->size = (uint16_t)(buf[2] | buf[3] << 8);
		r->value = th_get32(buf + 4);
		unsigned ns = t->status_len ? t->status_len : 2;
		if ((size_t)n != 8u + r->size || r->size < ns)
			continue;
		r->dlen = r->size - ns;
		if (r->dlen > sizeof r->data)
			r->dlen = sizeof r->data;
		memcpy(r->data, buf + 8, r->dlen);
		r->st[0] = buf[8 + r->size - ns];
		r->st[1] = buf[8 + r->size - ns + 1];
		return 0;
	}
}

int th_cmd(struct th *t, uint8_t op, const uint8_t *d, size_t n, uint32_t chk, struct th_resp *r,
	   int timeout_ms)
{
	th_send_cmd(t, op, d, n, chk);
	return th_read_resp(t, op, r, timeout_ms);
}

int th_sync(struct th *t, uint32_t *value)
{
	uint8_t d[36] = { 0x07, 0x07, 0x12, 0x20 };
	struct th_resp r;
	int got = 0;

	memset(d + 4, 0x55, 32);
	th_send_cmd(t, 0x08, d, sizeof d, 0);
	while (got < 8 && th_read_resp(t, 0x08, &r, got ? 500 : 300) == 0) {
		if (got == 0 && value)
			*value = r.value;
		got++;
	}
	return got;
}

int th_read_reg(struct th *t, uint32_t addr, uint32_t *value)
{
	uint8_t d[4];
	struct th_resp r;

	th_put32(d, addr);
	if (th_cmd(t, 0x0A, d, 4, 0, &r, 1000) < 0 || r.st[0] != 0)
		return -1;
	*value = r.value;
	return 0;
}

int th_write_reg(struct th *t, uint32_t addr, uint32_t value)
{
	uint8_t d[16];
	struct th_resp r;

	th_put32(d, addr);
	th_put32(d + 4, value);
	th_put32(d + 8, 0xFFFFFFFF);
	th_put32(d + 12, 0);
	if (th_cmd(t, 0x09, d, 16, 0, &r, 1000) < 0 || r.st[0] != 0)
		return -1;
	return 0;
}

static int mem_segment(struct th *t, uint32_t addr, size_t len)
{
	uint8_t begin[16], *blk = malloc(16 + 0x1800);
	struct th_resp r;
	uint32_t nblk = (uint32_t)((len + 0x17FF) / 0x1800);
	int rc = -1;

	th_put32(begin, (uint32_t)len);
	th_put32(begin + 4, nblk);
	th_put32(begin + 8, 0x1800);
	th_put32(begin + 12, addr);
	if (th_cmd(t, 0x05, begin, 16, 0, &r, 1000) < 0 || r.st[0] != 0)
		goto out;
	for (uint32_t seq = 0; seq < nblk; seq++) {
		size_t n = len - seq * 0x1800u;
		if (n > 0x1800)
			n = 0x1800;
		th_put32(blk, (uint32_t)n);
		th_put32(blk + 4, seq);
		th_put32(blk + 8, 0);
		th_put32(blk + 12, 0);
		for (size_t i = 0; i < n; i++)
			blk[16 + i] = (uint8_t)(i * 7 + seq);
		if (th_cmd(t, 0x07, blk, 16 + n, th_checksum(blk + 16, n), &r, 2000) < 0 || r.st[0] != 0)
			goto out;
	}
	rc = 0;
out:
	free(blk);
	return rc;
}

int th_load_stub(struct th *t, uint32_t entry)
{
	uint8_t end[8], buf[64];
	struct th_resp r;

	if (mem_segment(t, entry - 4, 8000) < 0 || mem_segment(t, 0x3FFFAE6C, 900) < 0)
		return -1;
	th_put32(end, 0);
	th_put32(end + 4, entry);
	if (th_cmd(t, 0x06, end, 8, 0, &r, 1000) < 0 || r.st[0] != 0)
		return -1;
	long n = th_read_frame(t, buf, sizeof buf, 2000);
	if (n != 4 || memcmp(buf, "OHAI", 4) != 0)
		return -1;
	t->status_len = 2;
	return 0;
}

int th_reset_and_sync(struct th *t)
{
	emu_set_lines(t->e, 0, 1);      /* EN low */
	th_sleep_ms(20);
	emu_set_lines(t->e, 1, 1);
	emu_set_lines(t->e, 1, 0);      /* GPIO0 low, EN rises */
	th_sleep_ms(30);
	emu_set_lines(t->e, 0, 0);
	th_drain(t, 30);
	t->status_len = t->esp32_class ? 4 : 2;     /* the ROM again */
	for (int i = 0; i < 5; i++) {
		if (th_sync(t, NULL) == 8)
			return 0;
		th_drain(t, 20);
	}
	return -1;
}

int th_log_count(struct th *t, const char *needle)
{
	FILE *f = fopen(t->log_path, "r");
	char line[4096];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

int th_log_line(struct th *t, const char *needle, int nth, char *buf, size_t cap)
{
	FILE *f = fopen(t->log_path, "r");
	char line[4096];
	int n = 0, found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (!strstr(line, needle))
			continue;
		if (nth < 0 || n == nth) {
			snprintf(buf, cap, "%s", line);
			found = 0;
			if (nth >= 0)
				break;
		}
		n++;
	}
	fclose(f);
	return found;
}

static const char *json_val(const char *line, const char *key)
{
	char pat[80];

	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	return p ? p + strlen(pat) : NULL;
}

int th_json_num(const char *line, const char *key, double *v)
{
	const char *p = json_val(line, key);
	char *end;

	if (!p)
		return -1;
	*v = strtod(p, &end);
	return end == p ? -1 : 0;
}

int th_json_str(const char *line, const char *key, char *buf, size_t cap)
{
	const char *p = json_val(line, key);

	if (!p || *p != '"')
		return -1;
	const char *q = strchr(p + 1, '"');
	if (!q || (size_t)(q - p - 1) >= cap)
		return -1;
	memcpy(buf, p + 1, (size_t)(q - p - 1));
	buf[q - p - 1] = 0;
	return 0;
}

int th_open_stub(struct th *t, struct emu_config *c, uint32_t entry, const char *name)
{
	if (th_open(t, c, 921600, name) < 0 || th_sync(t, NULL) != 8)
		return -1;
	return th_load_stub(t, entry);
}

int th_flash_md5(struct th *t, uint32_t off, uint32_t len, uint8_t out[16], int timeout_ms)
{
	uint8_t d[16] = { 0 };
	struct th_resp r;

	th_put32(d, off);
	th_put32(d + 4, len);
	if (th_cmd(t, 0x13, d, 16, 0, &r, timeout_ms) < 0 || r.st[0] != 0 || r.dlen != 16)
		return -1;
	memcpy(out, r.data, 16);
	return 0;
}

int th_read_flash(struct th *t, uint32_t off, uint32_t len, uint8_t *out)
{
	uint8_t d[16], pkt[8192], digest[16], mine[16];
	struct th_resp r;
	struct md5_ctx m;
	uint32_t got = 0;

	th_put32(d, off);
	th_put32(d + 4, len);
	th_put32(d + 8, 4096);
	th_put32(d + 12, 1);
	if (th_cmd(t, 0xD2, d, 16, 0, &r, 1000) < 0 || r.st[0] != 0)
		return -1;
	while (got < len) {
		long n = th_read_frame(t, pkt, sizeof pkt, 1000);
		if (n <= 0 || got + (uint32_t)n > len)
			return -1;
		memcpy(out + got, pkt, (size_t)n);
		got += (uint32_t)n;
		uint8_t ack[4];
		th_put32(ack, got);
		th_send_frame(t, ack, 4);
	}
	if (th_read_frame(t, digest, sizeof digest, 1000) != 16)
		return -1;
	md5_init(&m);
	md5_update(&m, len, out);
	md5_digest(&m, MD5_DIGEST_SIZE, mine);
	return memcmp(digest, mine, 16) == 0 ? 0 : -2;
}
