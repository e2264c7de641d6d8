/* SPDX-License-Identifier: MIT */
/* Test data for the cli tests, reproducible from a seed:
 *   mkimage image  OUT BYTES SEED [B2 B3]  valid ESP8266 V1 image of about BYTES
 *                                           bytes; header bytes 2 and 3 (hex)
 *   mkimage random OUT BYTES SEED          pseudo-random bytes
 * Written without core/ so that the tests do not check core against itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rng {
	uint64_t s;
};

/* xorshift64*: plenty for test data, and the same on every machine. */
static uint8_t rng_byte(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint8_t)((r->s * 0x2545F4914F6CDD1DULL) >> 56);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Header, three segments (IRAM, DRAM, more IRAM) filling about `want`
 * bytes, zero padding to 15 mod 16, checksum 0xEF ^ all segment bytes. */
static size_t make_image(uint8_t *buf, size_t want, struct rng *r, uint8_t b2, uint8_t b3)
{
	static const uint32_t load[3] = {0x40100000u, 0x3FFE8000u, 0x40108000u};
	size_t body = want > 64 ? want - 64 : 16;
	size_t seglen[3] = {body / 2, body / 4, 0};
	seglen[2] = body - seglen[0] - seglen[1];
	uint8_t sum = 0xEF;
	buf[0] = 0xE9;
	buf[1] = 3;
	buf[2] = b2;
	buf[3] = b3;
	put_le32(buf + 4, 0x40100004u);
	size_t off = 8;
	for (int i = 0; i < 3; i++) {
		size_t n = seglen[i] & ~(size_t)3;
		put_le32(buf + off, load[i]);
		put_le32(buf + off + 4, (uint32_t)n);
		off += 8;
		for (size_t k = 0; k < n; k++) {
			buf[off + k] = rng_byte(r);
			sum ^= buf[off + k];
		}
		off += n;
	}
	while ((off & 15) != 15)
		buf[off++] = 0;
	buf[off++] = sum;
	return off;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: mkimage image|random OUT BYTES SEED [B2 B3]\n");
		return 2;
	}
	size_t want = strtoul(argv[3], NULL, 0);
	struct rng r = {strtoull(argv[4], NULL, 0) * 0x9E3779B97F4A7C15ULL + 1};
	uint8_t *buf = calloc(1, want + 128);
	if (!buf)
		return 1;
	size_t n;
	if (strcmp(argv[1], "image") == 0) {
		uint8_t b2 = argc > 5 ? (uint8_t)strtoul(argv[5], NULL, 16) : 0;
		uint8_t b3 = argc > 6 ? (uint8_t)strtoul(argv[6], NULL, 16) : 0;
		n = make_image(buf, want, &r, b2, b3);
	} else if (strcmp(argv[1], "random") == 0) {
		for (n = 0; n < want; n++)
			buf[n] = rng_byte(&r);
	} else {
		fprintf(stderr, "mkimage: unknown kind %s\n", argv[1]);
		free(buf);
		return 2;
	}
	FILE *f = fopen(argv[2], "wb");
	int ok = f && fwrite(buf, 1, n, f) == n;
	if (f && fclose(f) != 0)
		ok = 0;
	free(buf);
	if (!ok) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
