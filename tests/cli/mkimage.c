/* SPDX-License-Identifier: MIT */
/* Test data for the cli, station and demo tests, reproducible from a seed:
 *   mkimage image   OUT BYTES SEED [B2 B3]  valid ESP8266 V1 image of about BYTES
 *                                            bytes; header bytes 2 and 3 (hex)
 *   mkimage random  OUT BYTES SEED          pseudo-random bytes
 *   mkimage image32 OUT BYTES SEED CHIPID [HASH [MIN MAX]]
 *                                            valid ESP32-class image of about BYTES
 *                                            bytes for chip id CHIPID (ESP32 0,
 *                                            ESP32-C3 5): extended header (flash
 *                                            DIO, 4 MB, 40 MHz), 3 segments,
 *                                            checksum; HASH 1 appends the SHA-256;
 *                                            MIN/MAX: min_rev_full, max_rev_full
 *                                            (default 0 and the chip's v3.99 /
 *                                            v1.99, else 65535)
 *   mkimage ptable  OUT BYTES SEED          a partition table: 0xAA50 entries
 *                                            (nvs, otadata, app0), then 0xFF
 * Written without core/ (its own SHA-256 too) so that the tests do not check
 * core against itself; the image format is esp32-family.md §7.1. */
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

/* SHA-256 (FIPS 180-4), small and slow: test images are a few hundred KB. */
struct sha256 {
	uint32_t h[8];
	uint8_t block[64];
	size_t fill;
	uint64_t bytes;
};

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static void sha256_block(struct sha256 *c, const uint8_t *p)
{
	uint32_t w[64], v[8];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++)
		w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ w[i - 15] >> 3) +
		       w[i - 7] + (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ w[i - 2] >> 10);
	memcpy(v, c->h, sizeof v);
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
			      ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha_k[i] + w[i];
		uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
			      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof v[0]);
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		c->h[i] += v[i];
}

static void sha256(const uint8_t *data, size_t n, uint8_t out[32])
{
	struct sha256 c = {{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
			    0x1f83d9ab, 0x5be0cd19}, {0}, 0, n};
	for (; n >= 64; n -= 64, data += 64)
		sha256_block(&c, data);
	/* the tail, 0x80, zeros, the length in bits (big-endian) */
	memcpy(c.block, data, n);
	memset(c.block + n, 0, 64 - n);
	c.block[n] = 0x80;
	if (n >= 56) {
		sha256_block(&c, c.block);
		memset(c.block, 0, 64);
	}
	for (int i = 0; i < 8; i++)
		c.block[63 - i] = (uint8_t)((c.bytes * 8) >> (8 * i));
	sha256_block(&c, c.block);
	for (int i = 0; i < 32; i++)
		out[i] = (uint8_t)(c.h[i / 4] >> (24 - 8 * (i % 4)));
}

/* ESP32-class image (esp32-family.md §7.1): 24-byte extended header, three
 * RAM segments of about `want` bytes, zero padding to 15 mod 16, checksum
 * 0xEF ^ all segment bytes, then the SHA-256 of all of it if `hash`. */
static size_t make_image32(uint8_t *buf, size_t want, struct rng *r, unsigned chip_id, int hash,
			   unsigned min_rev, unsigned max_rev)
{
	/* the boot loader's DRAM and two IRAM loads, per chip */
	static const uint32_t load_esp32[3] = {0x3FFF0000u, 0x40078000u, 0x40080400u};
	static const uint32_t load_c3[3] = {0x3FCD5820u, 0x403CC710u, 0x403CE710u};
	const uint32_t *load = chip_id == 5 ? load_c3 : load_esp32;
	size_t body = want > 120 ? want - 120 : 16;
	size_t seglen[3] = {body / 4, body / 2, 0};
	seglen[2] = body - seglen[0] - seglen[1];
	uint8_t sum = 0xEF;
	buf[0] = 0xE9;
	buf[1] = 3;
	buf[2] = 2;    /* DIO */
	buf[3] = 0x20; /* 4 MB, 40 MHz */
	put_le32(buf + 4, load[2] + 0x1C);
	buf[8] = 0xEE; /* no WP pin */
	buf[9] = buf[10] = buf[11] = 0;
	buf[12] = (uint8_t)chip_id;
	buf[13] = (uint8_t)(chip_id >> 8);
	/* the old single byte: the major revision (the minor one on the C3) */
	buf[14] = (uint8_t)(chip_id == 5 ? min_rev % 100 : min_rev / 100);
	buf[15] = (uint8_t)min_rev;
	buf[16] = (uint8_t)(min_rev >> 8);
	buf[17] = (uint8_t)max_rev;
	buf[18] = (uint8_t)(max_rev >> 8);
	memset(buf + 19, 0, 4);
	buf[23] = hash ? 1 : 0;
	size_t off = 24;
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
	if (hash) {
		sha256(buf, off, buf + off);
		off += 32;
	}
	return off;
}

/* An ESP-IDF-like partition table of `want` bytes: 32-byte entries (magic
 * 0xAA50, type, subtype, offset, size, label, flags), the rest 0xFF.  The
 * seed picks the app size, so two seeds give two tables. */
static size_t make_ptable(uint8_t *buf, size_t want, struct rng *r)
{
	static const struct {
		uint8_t type, subtype;
		uint32_t offset, size;
		const char *label;
	} part[] = {
		{1, 0x02, 0x9000, 0x5000, "nvs"},
		{1, 0x00, 0xE000, 0x2000, "otadata"},
		{0, 0x10, 0x10000, 0x140000, "app0"},
	};
	size_t n = want < 0xC00 ? 0xC00 : want;
	memset(buf, 0xFF, n);
	for (size_t i = 0; i < sizeof part / sizeof part[0]; i++) {
		uint8_t *e = buf + 32 * i;
		e[0] = 0xAA;
		e[1] = 0x50;
		e[2] = part[i].type;
		e[3] = part[i].subtype;
		put_le32(e + 4, part[i].offset);
		put_le32(e + 8, part[i].size - (i == 2 ? 0x1000u * (rng_byte(r) & 15) : 0));
		memset(e + 12, 0, 16);
		memcpy(e + 12, part[i].label, strlen(part[i].label));
		memset(e + 28, 0, 4);
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 5 || (strcmp(argv[1], "image32") == 0 && argc < 6)) {
		fprintf(stderr, "usage: mkimage image|random|ptable OUT BYTES SEED [B2 B3]\n"
				"       mkimage image32 OUT BYTES SEED CHIPID [HASH [MIN_REV MAX_REV]]\n");
		return 2;
	}
	size_t want = strtoul(argv[3], NULL, 0);
	struct rng r = {strtoull(argv[4], NULL, 0) * 0x9E3779B97F4A7C15ULL + 1};
	uint8_t *buf = calloc(1, (want < 0xC00 ? 0xC00 : want) + 128);
	if (!buf)
		return 1;
	size_t n;
	if (strcmp(argv[1], "image") == 0) {
		uint8_t b2 = argc > 5 ? (uint8_t)strtoul(argv[5], NULL, 16) : 0;
		uint8_t b3 = argc > 6 ? (uint8_t)strtoul(argv[6], NULL, 16) : 0;
		n = make_image(buf, want, &r, b2, b3);
	} else if (strcmp(argv[1], "image32") == 0) {
		unsigned chip_id = (unsigned)strtoul(argv[5], NULL, 0);
		int hash = argc > 6 && strtoul(argv[6], NULL, 0) != 0;
		unsigned max_def = chip_id == 0 ? 399 : chip_id == 5 ? 199 : 65535;
		unsigned min_rev = argc > 8 ? (unsigned)strtoul(argv[7], NULL, 0) : 0;
		unsigned max_rev = argc > 8 ? (unsigned)strtoul(argv[8], NULL, 0) : max_def;
		n = make_image32(buf, want, &r, chip_id, hash, min_rev, max_rev);
	} else if (strcmp(argv[1], "ptable") == 0) {
		n = make_ptable(buf, want, &r);
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
