/* SPDX-License-Identifier: MIT */
/* ESP32-class images (esp_image.h, esp_image_chip.h): the extended header,
 * segments, checksum and appended SHA-256 (esp32-family.md §7.1); which
 * family and chip an image is for; the revision window (§7.4); header codes
 * and bootloader offsets per chip (§7.2); header patching with the digest
 * recomputed (§7.3).  Images are assembled here from the fact sheet. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_hash.h"
#include "esp_image.h"
#include "esp_image_chip.h"
#include "test.h"

#define KB 1024u
#define MB (1024u * 1024u)
#define ID_ESP32 0
#define ID_C3 5

/* ---- building images ---------------------------------------------------- */

struct seg {
	uint32_t addr;
	uint32_t len;
};

/* What goes into an ESP32-class header. */
struct xhdr {
	uint8_t mode, size_freq;
	uint16_t chip_id;
	uint8_t min_rev;
	uint16_t min_rev_full, max_rev_full;
	uint8_t hash_appended; /* byte 23 as stored; a digest is appended when 1 */
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Segments from byte pos (pattern data), zero padding to 15 mod 16, then the
 * checksum 0xEF ^ all segment data.  Returns the length so far. */
static size_t put_segments(uint8_t *out, size_t pos, const struct seg *segs, size_t nseg)
{
	uint8_t ck = 0xEF;

	for (size_t s = 0; s < nseg; s++) {
		put32(out + pos, segs[s].addr);
		put32(out + pos + 4, segs[s].len);
		pos += 8;
		for (uint32_t k = 0; k < segs[s].len; k++) {
			uint8_t b = (uint8_t)(k * 29 + s * 11 + 3);

			out[pos++] = b;
			ck ^= b;
		}
	}
	while (pos % 16 != 15)
		out[pos++] = 0;
	out[pos++] = ck;
	return pos;
}

/* ESP32-class image: 24-byte header, segments, checksum and, when
 * hash_appended is 1, the SHA-256 of everything before it. */
static size_t build32(uint8_t *out, const struct xhdr *h, const struct seg *segs, size_t nseg)
{
	size_t n;

	memset(out, 0, 24);
	out[0] = 0xE9;
	out[1] = (uint8_t)nseg;
	out[2] = h->mode;
	out[3] = h->size_freq;
	put32(out + 4, 0x40080404);
	out[8] = 0xEE; /* WP pin not used */
	put16(out + 12, h->chip_id);
	out[14] = h->min_rev;
	put16(out + 15, h->min_rev_full);
	put16(out + 17, h->max_rev_full);
	out[23] = h->hash_appended;
	n = put_segments(out, 24, segs, nseg);
	if (h->hash_appended == 1) {
		esp_sha256(out, n, out + n);
		n += 32;
	}
	return n;
}

static const struct seg std_segs[] = { { 0x3FFF0000, 8 }, { 0x40078000, 20 } };

static struct xhdr hdr(uint16_t chip_id, uint8_t hash)
{
	struct xhdr h = { 0x00, 0x1F, chip_id, 0, 0, 0xFFFF, hash };

	return h;
}

static size_t img32(uint8_t *out, uint16_t chip_id, uint8_t hash)
{
	struct xhdr h = hdr(chip_id, hash);

	return build32(out, &h, std_segs, 2);
}

/* ESP8266 V1 image: 8-byte header, segments (first in IRAM), checksum. */
static size_t img8266(uint8_t *out)
{
	static const struct seg segs[] = { { 0x40100000, 12 }, { 0x3FFE8000, 8 } };

	out[0] = 0xE9;
	out[1] = 2;
	out[2] = 0x03;
	out[3] = 0x20;
	put32(out + 4, 0x40100004);
	return put_segments(out, 8, segs, 2);
}

/* Recomputes the checksum byte of an image whose segments start at first
 * (after hand edits), and the digest when one is appended. */
static void reseal(uint8_t *img, size_t first, int digest)
{
	size_t pos = first;
	uint8_t ck = 0xEF;

	for (unsigned s = 0; s < img[1]; s++) {
		uint32_t len = (uint32_t)img[pos + 4] | (uint32_t)img[pos + 5] << 8 |
			       (uint32_t)img[pos + 6] << 16 | (uint32_t)img[pos + 7] << 24;

		pos += 8;
		for (uint32_t k = 0; k < len; k++)
			ck ^= img[pos++];
	}
	pos |= 15;
	img[pos] = ck;
	if (digest)
		esp_sha256(img, pos + 1, img + pos + 1);
}

/* An exact-size heap copy, so ASan sees any read past the end. */
static uint8_t *dup(const uint8_t *img, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	T_REQUIRE(c);
	memcpy(c, img, n);
	return c;
}

/* ---- parse -------------------------------------------------------------- */

static void test_parse_esp32(void)
{
	static uint8_t img[4096];
	struct esp_image_info info;
	struct esp_error err;
	uint8_t *c;
	size_t n;

	t_set_case("ESP32 image with digest");
	n = img32(img, ID_ESP32, 1);
	/* 24 + (8+8) + (8+20) = 68 -> padded to 79, checksum at 79 */
	T_EQ_INT(n, 80 + 32);
	c = dup(img, n);
	memset(&info, 0x5A, sizeof(info));
	memset(&err, 0, sizeof(err));
	T_EQ_INT(esp_image_parse_esp32(c, n, &info, &err), ESP_OK);
	T_EQ_INT(info.extended, 1);
	T_EQ_HEX(info.magic, 0xE9);
	T_EQ_INT(info.segments, 2);
	T_EQ_INT(info.mode, 0);
	T_EQ_HEX(info.size_code, 0x10);
	T_EQ_HEX(info.freq_code, 0xF);
	T_EQ_INT(info.size_bytes, 2 * MB); /* ESP32 table: 0x10 is 2MB (on ESP8266, 256KB) */
	T_EQ_HEX(info.entry, 0x40080404);
	T_EQ_HEX(info.wp_pin, 0xEE);
	T_EQ_INT(info.chip_id, ID_ESP32);
	T_EQ_INT(info.min_rev, 0);
	T_EQ_INT(info.min_rev_full, 0);
	T_EQ_INT(info.max_rev_full, 65535);
	T_EQ_INT(info.hash_appended, 1);
	T_EQ_INT(info.sha_ok, 1);
	T_EQ_INT(info.checksum_ok, 1);
	T_EQ_INT(info.data_length, 80);
	T_EQ_INT(info.image_end, 112);
	free(c);

	t_set_case("ESP32-C3 image without digest, revision fields");
	{
		struct xhdr h = { 0x02, 0x20, ID_C3, 3, 3, 199, 0 };

		n = build32(img, &h, std_segs, 2);
		T_EQ_INT(n, 80);
		img[9] = 0x21; /* drive strengths are reported as stored */
		img[10] = 0x43;
		img[11] = 0x05;
		memset(&info, 0x5A, sizeof(info));
		T_EQ_INT(esp_image_parse_esp32(img, n, &info, &err), ESP_OK);
		T_EQ_INT(info.chip_id, ID_C3);
		T_EQ_INT(info.min_rev, 3);
		T_EQ_INT(info.min_rev_full, 3);
		T_EQ_INT(info.max_rev_full, 199);
		T_EQ_INT(info.hash_appended, 0);
		T_EQ_INT(info.sha_ok, 1);
		T_EQ_INT(info.data_length, 80);
		T_EQ_INT(info.image_end, 80);
		T_EQ_INT(info.size_bytes, 4 * MB);
		T_EQ_HEX(info.drive[0], 0x21);
		T_EQ_HEX(info.drive[1], 0x43);
		T_EQ_HEX(info.drive[2], 0x05);
	}

	/* a merged file: partition table and app follow the boot image */
	t_set_case("image followed by other data");
	n = img32(img, ID_C3, 1);
	memset(img + n, 0xA5, 1000);
	T_EQ_INT(esp_image_parse_esp32(img, n + 1000, &info, &err), ESP_OK);
	T_EQ_INT(info.image_end, n);
	T_EQ_INT(info.sha_ok, 1);

	t_set_case("esp_image_parse_any on ESP32 and ESP8266 images");
	n = img32(img, ID_ESP32, 1);
	T_EQ_INT(esp_image_parse_any(img, n, &info, &err), ESP_OK);
	T_EQ_INT(info.extended, 1);
	T_EQ_INT(info.data_length, 80);
	n = img8266(img);
	T_EQ_INT(esp_image_parse_any(img, n, &info, &err), ESP_OK);
	T_EQ_INT(info.extended, 0);
	T_EQ_HEX(info.chip_id, 0xFFFF);
	T_EQ_INT(info.size_bytes, 1 * MB); /* ESP8266 table: 0x20 is 1MB */

	/* the V1 parse fills the new fields with "no extended header" */
	t_set_case("ESP8266 parse fills the ESP32 fields");
	memset(&info, 0x5A, sizeof(info));
	T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
	T_EQ_INT(info.extended, 0);
	T_EQ_HEX(info.chip_id, 0xFFFF);
	T_EQ_INT(info.hash_appended, 0);
	T_EQ_INT(info.sha_ok, 1);
	T_EQ_INT(info.data_length, info.image_end);
	T_EQ_INT(info.min_rev_full, 0);
	T_EQ_INT(info.max_rev_full, 0);
	t_set_case("%s", "");
}

static void expect_bad(const char *file, int line, const uint8_t *img, size_t n,
		       const char *needle)
{
	struct esp_image_info info;
	struct esp_error err;
	uint8_t *c = dup(img, n);
	enum esp_err rc;

	memset(&err, 0, sizeof(err));
	rc = esp_image_parse_esp32(c, n, &info, &err);
	t_checks++;
	if (rc != ESP_E_IMAGE || !strstr(err.msg, needle)) {
		t_fail_head(file, line);
		fprintf(stderr, "esp_image_parse_esp32: got %d \"%s\", expected ESP_E_IMAGE with "
			"\"%s\"\n", (int)rc, err.msg, needle);
	}
	/* parse_any reports the same error for an ESP32-looking header */
	memset(&err, 0, sizeof(err));
	rc = esp_image_parse_any(c, n, &info, &err);
	t_checks++;
	if (rc != ESP_E_IMAGE || !strstr(err.msg, needle)) {
		t_fail_head(file, line);
		fprintf(stderr, "esp_image_parse_any: got %d \"%s\", expected ESP_E_IMAGE with "
			"\"%s\"\n", (int)rc, err.msg, needle);
	}
	free(c);
}

#define T_BAD(img, n, needle) expect_bad(__FILE__, __LINE__, (img), (n), (needle))

static void test_parse_esp32_invalid(void)
{
	static uint8_t img[4096];
	struct esp_image_info info;
	struct esp_error err;
	size_t n;

	t_set_case("hash_appended 2");
	n = img32(img, ID_ESP32, 0);
	img[23] = 2;
	T_BAD(img, n, "hash_appended");
	t_set_case("hash_appended 0xFF");
	img[23] = 0xFF;
	T_BAD(img, n, "hash_appended");

	t_set_case("truncated segment");
	n = img32(img, ID_ESP32, 0);
	T_BAD(img, 24 + 8 + 8 + 8 + 10, "runs past the end");
	t_set_case("segment length past the end");
	put32(img + 24 + 16 + 4, 0x1000);
	T_BAD(img, n, "runs past the end");
	t_set_case("segment length 0xFFFFFFF8");
	n = img32(img, ID_ESP32, 0);
	put32(img + 24 + 4, 0xFFFFFFF8u);
	T_BAD(img, n, "runs past the end");
	/* (3 would parse: the zero padding reads as an empty segment; 5 would
	 * parse as an ESP8266 image whose first two segments are empty) */
	t_set_case("segment header past the end");
	n = img32(img, ID_ESP32, 0);
	img[1] = 6;
	T_BAD(img, n, "past the end");
	t_set_case("17 segments");
	img[1] = 17;
	T_BAD(img, n, "17 segments");

	t_set_case("wrong checksum");
	n = img32(img, ID_ESP32, 0);
	img[n - 1] ^= 0x40;
	T_BAD(img, n, "checksum");
	t_set_case("segment data changed");
	n = img32(img, ID_ESP32, 1);
	img[24 + 8] ^= 0x01;
	T_BAD(img, n, "checksum");
	t_set_case("checksum byte missing");
	n = img32(img, ID_ESP32, 0);
	T_BAD(img, n - 1, "checksum byte");

	t_set_case("digest missing");
	n = img32(img, ID_ESP32, 1);
	T_BAD(img, n - 32, "SHA-256");
	t_set_case("digest cut short");
	T_BAD(img, n - 1, "SHA-256");

	t_set_case("header shorter than 24 bytes");
	for (size_t k = 8; k < 24; k++)
		T_BAD(img, k, "24 bytes");

	/* a wrong digest parses (sha_ok says it); the chip check refuses it */
	t_set_case("wrong SHA-256");
	n = img32(img, ID_C3, 1);
	img[n - 5] ^= 0x10;
	memset(&info, 0, sizeof(info));
	T_EQ_INT(esp_image_parse_esp32(img, n, &info, &err), ESP_OK);
	T_EQ_INT(info.sha_ok, 0);
	T_EQ_INT(info.hash_appended, 1);
	memset(&err, 0, sizeof(err));
	T_EQ_INT(esp_image_check_chip(img, n, ESP_CHIP_ESP32C3, NULL, &err), ESP_E_IMAGE);
	T_HAS_STR(err.msg, "SHA-256 does not match");
	t_set_case("header byte changed under the digest");
	n = img32(img, ID_C3, 1);
	img[3] = 0x20;
	T_EQ_INT(esp_image_parse_esp32(img, n, &info, &err), ESP_OK);
	T_EQ_INT(info.sha_ok, 0);

	t_set_case("not 0xE9");
	n = img32(img, ID_ESP32, 0);
	img[0] = 0xFF;
	memset(&err, 0, sizeof(err));
	T_EQ_INT(esp_image_parse_any(img, n, &info, &err), ESP_E_IMAGE);
	T_HAS_STR(err.msg, "0xE9");
	T_EQ_INT(esp_image_parse_any(img, 3, &info, &err), ESP_E_IMAGE);
	t_set_case("%s", "");
}

/* ---- which family ------------------------------------------------------- */

static void test_family_rule(void)
{
	static uint8_t img[0x11000];
	struct esp_image_info info;
	struct esp_error err;
	size_t n;

	/* an ESP8266 image whose bytes 12-13 read as chip id 0 (a 64 KiB first
	 * segment), bytes 19-22 zero and byte 23 one, as an ESP32 header would */
	t_set_case("ESP8266 image with ESP32-looking bytes 12-23");
	{
		static const struct seg segs[] = { { 0x40100000, 0x10000 } };

		img[0] = 0xE9;
		img[1] = 1;
		img[2] = 0;
		img[3] = 0x20;
		put32(img + 4, 0x40100004);
		n = put_segments(img, 8, segs, 1);
		T_EQ_HEX(img[12] | img[13] << 8, 0);
		memset(img + 19, 0, 4);
		img[23] = 1;
		reseal(img, 8, 0);
		T_EQ_INT(esp_image_parse_any(img, n, &info, &err), ESP_OK);
		T_EQ_INT(info.extended, 0);
		memset(&err, 0, sizeof(err));
		T_EQ_INT(esp_image_check_chip(img, n, ESP_CHIP_ESP32, NULL, &err), ESP_E_IMAGE);
		T_HAS_STR(err.msg, "an ESP8266 image on an ESP32 (chip id 0)");
		img[23] = 0;
		reseal(img, 8, 0);
		T_EQ_INT(esp_image_check_chip(img, n, ESP_CHIP_ESP32C3, NULL, &err), ESP_E_IMAGE);
		T_HAS_STR(err.msg, "an ESP8266 image on an ESP32-C3 (chip id 5)");
		T_EQ_INT(esp_image_check_chip(img, n, ESP_CHIP_ESP8266EX, NULL, &err), ESP_OK);
	}

	/* Both layouts add up (built on purpose, as chance would about once in
	 * 256 images): an ESP8266 image (byte 11 = 0x40) whose segment data
	 * holds a valid ESP32 layout.  Byte 11 decides. */
	t_set_case("ESP8266 image that also parses as ESP32");
	{
		uint8_t v1ck = 0xEF, xck = 0xEF;

		memset(img, 0, 64);
		img[0] = 0xE9;
		img[1] = 1;
		img[2] = 0x03;
		img[3] = 0x20;
		put32(img + 4, 0x40100004);
		put32(img + 8, 0x40100000);  /* V1 segment 0 at IRAM */
		put32(img + 12, 32);         /* bytes 16..47 */
		/* ESP32 reading: byte 23 = 0 (no digest), segment at 24 */
		put32(img + 24, 0x3FFF0000);
		put32(img + 28, 8);          /* bytes 32..39 */
		for (size_t k = 32; k < 40; k++)
			img[k] = (uint8_t)(k * 7);
		for (size_t k = 32; k < 40; k++)
			xck ^= img[k];
		img[47] = xck;               /* ESP32 checksum at 40|15 */
		for (size_t k = 16; k < 48; k++)
			v1ck ^= img[k];
		img[63] = v1ck;              /* V1 checksum at 48|15 */
		n = 64;
		T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
		T_EQ_INT(esp_image_parse_esp32(img, n, &info, &err), ESP_OK);
		T_EQ_INT(esp_image_parse_any(img, n, &info, &err), ESP_OK);
		T_EQ_INT(info.extended, 0);
		T_EQ_INT(info.image_end, 64);
		/* the same bytes with byte 11 = 0 (drive strengths): ESP32 */
		img[11] = 0;
		T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
		T_EQ_INT(esp_image_parse_any(img, n, &info, &err), ESP_OK);
		T_EQ_INT(info.extended, 1);
		T_EQ_INT(info.data_length, 48);
	}

	/* neither parses: byte 11 chooses whose error is shown */
	t_set_case("broken ESP8266 image gets the V1 error");
	n = img8266(img);
	img[1] = 9;
	memset(&err, 0, sizeof(err));
	T_EQ_INT(esp_image_parse_any(img, n, &info, &err), ESP_E_IMAGE);
	T_CHECK(strstr(err.msg, "hash_appended") == NULL);
	t_set_case("%s", "");
}

/* ---- which chip --------------------------------------------------------- */

struct chip_case {
	const char *name;
	int kind;          /* 0 ESP8266 image, else chip_id + 1 */
	enum esp_chip chip;
	enum esp_err rc;
	const char *msg;   /* expected in the message, or NULL */
};

static const struct chip_case chip_cases[] = {
	{ "ESP8266 on ESP8266EX", 0, ESP_CHIP_ESP8266EX, ESP_OK, NULL },
	{ "ESP8266 on ESP8285", 0, ESP_CHIP_ESP8285, ESP_OK, NULL },
	{ "ESP32 on ESP32", 1 + ID_ESP32, ESP_CHIP_ESP32, ESP_OK, NULL },
	{ "C3 on C3", 1 + ID_C3, ESP_CHIP_ESP32C3, ESP_OK, NULL },
	{ "ESP8266 on ESP32", 0, ESP_CHIP_ESP32, ESP_E_IMAGE,
	  "an ESP8266 image on an ESP32 (chip id 0): use the firmware built for the ESP32" },
	{ "ESP8266 on C3", 0, ESP_CHIP_ESP32C3, ESP_E_IMAGE,
	  "an ESP8266 image on an ESP32-C3 (chip id 5)" },
	{ "ESP32 on C3", 1 + ID_ESP32, ESP_CHIP_ESP32C3, ESP_E_IMAGE,
	  "an ESP32 image (chip id 0) on an ESP32-C3 (chip id 5): use the firmware built for "
	  "the ESP32-C3" },
	{ "C3 on ESP32", 1 + ID_C3, ESP_CHIP_ESP32, ESP_E_IMAGE,
	  "an ESP32-C3 image (chip id 5) on an ESP32 (chip id 0)" },
	{ "ESP32 on ESP8266", 1 + ID_ESP32, ESP_CHIP_ESP8266EX, ESP_E_IMAGE,
	  "an ESP32 image (chip id 0) on an ESP8266: use the firmware built for the ESP8266" },
	{ "C3 on ESP8285", 1 + ID_C3, ESP_CHIP_ESP8285, ESP_E_IMAGE,
	  "an ESP32-C3 image (chip id 5) on an ESP8285" },
	{ "S3 on ESP32", 1 + 9, ESP_CHIP_ESP32, ESP_E_IMAGE, "an ESP32-S3 image (chip id 9)" },
	{ "unknown id on C3", 1 + 7, ESP_CHIP_ESP32C3, ESP_E_IMAGE,
	  "unknown ESP32-class chip (chip id 7)" },
	{ "ESP32 on unknown chip", 1 + ID_ESP32, ESP_CHIP_UNKNOWN, ESP_E_CHIP, "unsupported" },
	{ "ESP32 on other ESP32-class", 1 + ID_ESP32, ESP_CHIP_ESP32_FAMILY, ESP_E_CHIP, NULL },
};

static void test_check_chip(void)
{
	static uint8_t img[4096];

	for (size_t i = 0; i < sizeof(chip_cases) / sizeof(chip_cases[0]); i++) {
		const struct chip_case *c = &chip_cases[i];
		struct esp_image_info info;
		struct esp_error err;
		size_t n = c->kind ? img32(img, (uint16_t)(c->kind - 1), 1) : img8266(img);
		uint8_t *copy = dup(img, n);

		t_set_case("check %s", c->name);
		memset(&err, 0, sizeof(err));
		memset(&info, 0x5A, sizeof(info));
		T_EQ_INT(esp_image_check_chip(copy, n, c->chip, &info, &err), c->rc);
		if (c->msg)
			T_HAS_STR(err.msg, c->msg);
		if (c->rc == ESP_E_IMAGE) /* the parse is still reported */
			T_EQ_INT(info.extended, c->kind != 0);
		T_CHECK(c->rc == ESP_OK || strchr(err.msg, '\n') == NULL);
		T_EQ_MEM(copy, n, img, n);
		free(copy);
	}
	t_set_case("%s", "");
}

/* ---- revisions ---------------------------------------------------------- */

struct rev_case {
	const char *name;
	enum esp_chip chip;
	uint8_t min_rev;
	uint16_t min_full, max_full;
	unsigned major, minor;
	const char *refusal; /* NULL = runs */
};

static const struct rev_case rev_cases[] = {
	/* old images (max_rev_full 0): min_rev against the major revision */
	{ "old, ESP32 v1.0 < 3", ESP_CHIP_ESP32, 3, 0, 0, 1, 0,
	  "needs chip revision >= v3.0, this unit is v1.0" },
	{ "old, ESP32 v2.99 < 3", ESP_CHIP_ESP32, 3, 0, 0, 2, 99, "this unit is v2.99" },
	{ "old, ESP32 v3.0", ESP_CHIP_ESP32, 3, 0, 0, 3, 0, NULL },
	{ "old, ESP32 v3.1", ESP_CHIP_ESP32, 3, 0, 0, 3, 1, NULL },
	{ "old, min_rev 0", ESP_CHIP_ESP32, 0, 0, 0, 0, 0, NULL },
	/* ... and on the C3 against the minor one */
	{ "old, C3 v0.4 >= 3", ESP_CHIP_ESP32C3, 3, 0, 0, 0, 4, NULL },
	{ "old, C3 v0.2 < 3", ESP_CHIP_ESP32C3, 3, 0, 0, 0, 2,
	  "needs chip minor revision >= 3" },
	{ "old, C3 v1.0: minor 0 < 3 (the quirk)", ESP_CHIP_ESP32C3, 3, 0, 0, 1, 0,
	  "this unit is v1.0" },
	{ "old, C3 v1.3", ESP_CHIP_ESP32C3, 3, 0, 0, 1, 3, NULL },
	/* 65535: no maximum, min_rev_full is the minimum */
	{ "65535, min v3.0, unit v1.0", ESP_CHIP_ESP32, 0, 300, 65535, 1, 0,
	  "needs chip revision >= v3.0, this unit is v1.0" },
	{ "65535, min v3.0, unit v3.0", ESP_CHIP_ESP32, 0, 300, 65535, 3, 0, NULL },
	{ "65535, min v3.0, unit v99.99", ESP_CHIP_ESP32, 0, 300, 65535, 99, 99, NULL },
	{ "65535, min v0.3, C3 v0.2", ESP_CHIP_ESP32C3, 0, 3, 65535, 0, 2,
	  "needs chip revision >= v0.3, this unit is v0.2" },
	{ "65535, no minimum", ESP_CHIP_ESP32, 0, 0, 65535, 0, 0, NULL },
	/* 65535 with min_rev_full 0 but min_rev set: the old byte rules */
	{ "65535, only min_rev 3, ESP32 v1.0", ESP_CHIP_ESP32, 3, 0, 65535, 1, 0,
	  "needs chip revision >= v3.0, this unit is v1.0" },
	{ "65535, only min_rev 3, ESP32 v3.0", ESP_CHIP_ESP32, 3, 0, 65535, 3, 0, NULL },
	{ "65535, only min_rev 3, C3 v0.3", ESP_CHIP_ESP32C3, 3, 0, 65535, 0, 3, NULL },
	{ "65535, only min_rev 3, C3 v1.1", ESP_CHIP_ESP32C3, 3, 0, 65535, 1, 1, "minor revision" },
	/* both set: min_rev_full wins over min_rev */
	{ "65535, min_rev_full wins", ESP_CHIP_ESP32, 3, 100, 65535, 1, 0, NULL },
	/* a window */
	{ "window v0.3-v1.99, C3 v0.2", ESP_CHIP_ESP32C3, 0, 3, 199, 0, 2,
	  "needs chip revision v0.3 to v1.99, this unit is v0.2" },
	{ "window v0.3-v1.99, C3 v0.3", ESP_CHIP_ESP32C3, 0, 3, 199, 0, 3, NULL },
	{ "window v0.3-v1.99, C3 v1.99", ESP_CHIP_ESP32C3, 0, 3, 199, 1, 99, NULL },
	{ "window v0.3-v1.99, C3 v2.0", ESP_CHIP_ESP32C3, 0, 3, 199, 2, 0, "this unit is v2.0" },
	{ "window v0.0-v3.99, ESP32 v3.1", ESP_CHIP_ESP32, 0, 0, 399, 3, 1, NULL },
	{ "window v0.0-v1.99, ESP32 v3.1", ESP_CHIP_ESP32, 0, 0, 199, 3, 1,
	  "needs chip revision v0.0 to v1.99, this unit is v3.1" },
};

static void test_revisions(void)
{
	static uint8_t img[4096];
	struct esp_image_info info;
	struct esp_error err;
	size_t n;

	for (size_t i = 0; i < sizeof(rev_cases) / sizeof(rev_cases[0]); i++) {
		const struct rev_case *c = &rev_cases[i];
		struct xhdr h = { 0, 0x20, esp_image_chip_id_of(c->chip), c->min_rev, c->min_full,
				  c->max_full, 1 };
		struct esp_chip_info unit;

		t_set_case("revision %s", c->name);
		n = build32(img, &h, std_segs, 2);
		T_EQ_INT(esp_image_parse_esp32(img, n, &info, &err), ESP_OK);
		memset(&err, 0, sizeof(err));
		T_EQ_INT(esp_image_check_revision(&info, c->chip, c->major, c->minor, &err),
			 c->refusal ? ESP_E_IMAGE : ESP_OK);
		if (c->refusal)
			T_HAS_STR(err.msg, c->refusal);
		/* the same through a detected unit */
		memset(&unit, 0, sizeof(unit));
		unit.chip = c->chip;
		unit.rev_major = c->major;
		unit.rev_minor = c->minor;
		memset(&info, 0, sizeof(info));
		T_EQ_INT(esp_image_check_unit(img, n, &unit, &info, &err),
			 c->refusal ? ESP_E_IMAGE : ESP_OK);
		T_EQ_INT(info.min_rev_full, c->min_full);
	}

	t_set_case("ESP8266 images carry no revision");
	n = img8266(img);
	T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
	T_EQ_INT(esp_image_check_revision(&info, ESP_CHIP_ESP8266EX, 0, 0, &err), ESP_OK);

	t_set_case("check_unit: the chip check comes first");
	{
		struct esp_chip_info unit;

		memset(&unit, 0, sizeof(unit));
		unit.chip = ESP_CHIP_ESP32C3;
		unit.rev_major = 0;
		unit.rev_minor = 4;
		n = img32(img, ID_ESP32, 1);
		memset(&err, 0, sizeof(err));
		T_EQ_INT(esp_image_check_unit(img, n, &unit, &info, &err), ESP_E_IMAGE);
		T_HAS_STR(err.msg, "an ESP32 image (chip id 0) on an ESP32-C3");
		T_EQ_INT(info.chip_id, ID_ESP32);
	}
	t_set_case("%s", "");
}

/* ---- codes and offsets -------------------------------------------------- */

static void test_codes(void)
{
	static const struct {
		uint32_t size;
		int code;
	} esp32[] = {
		{ 1 * MB, 0x00 },  { 2 * MB, 0x10 },  { 4 * MB, 0x20 },  { 8 * MB, 0x30 },
		{ 16 * MB, 0x40 }, { 32 * MB, 0x50 }, { 64 * MB, 0x60 }, { 128 * MB, 0x70 },
	};
	static const uint32_t esp32_none[] = { 0, 256 * KB, 512 * KB, 3 * MB, 256 * MB };
	static const uint8_t esp32_bad_codes[] = { 0x80, 0x90, 0xA0, 0xF0 };
	static const enum esp_chip esp8266[] = { ESP_CHIP_ESP8266EX, ESP_CHIP_ESP8285 };
	static const enum esp_chip esp32s[] = { ESP_CHIP_ESP32, ESP_CHIP_ESP32C3 };
	static const enum esp_chip none[] = { ESP_CHIP_UNKNOWN, ESP_CHIP_ESP32_FAMILY };
	static const uint32_t all_sizes[] = { 256 * KB, 512 * KB, 1 * MB, 2 * MB, 4 * MB,
					      8 * MB, 16 * MB, 32 * MB, 3 * MB };
	static const struct {
		const char *s;
		int code;
	} freqs[] = {
		{ "80m", 0xF }, { "40m", 0x0 }, { "26m", 0x1 }, { "20m", 0x2 },
		{ "keep", -1 }, { "60m", -2 },  { "", -2 },
	};

	for (size_t c = 0; c < 2; c++) {
		for (size_t i = 0; i < sizeof(esp32) / sizeof(esp32[0]); i++) {
			t_set_case("chip %d size %u", (int)esp32s[c], esp32[i].size);
			T_EQ_HEX(esp_flash_size_code_for(esp32s[c], esp32[i].size), esp32[i].code);
			T_EQ_INT(esp_flash_size_from_code_for(esp32s[c], (uint8_t)esp32[i].code),
				 esp32[i].size);
		}
		for (size_t i = 0; i < sizeof(esp32_none) / sizeof(esp32_none[0]); i++) {
			t_set_case("chip %d no code for %u", (int)esp32s[c], esp32_none[i]);
			T_EQ_INT(esp_flash_size_code_for(esp32s[c], esp32_none[i]), -1);
		}
		for (size_t i = 0; i < sizeof(esp32_bad_codes); i++) {
			t_set_case("chip %d code 0x%02x", (int)esp32s[c], esp32_bad_codes[i]);
			T_EQ_INT(esp_flash_size_from_code_for(esp32s[c], esp32_bad_codes[i]), 0);
		}
	}
	/* the ESP8266 family keeps its own table (the old functions) */
	for (size_t c = 0; c < 2; c++) {
		for (size_t i = 0; i < sizeof(all_sizes) / sizeof(all_sizes[0]); i++) {
			t_set_case("chip %d ESP8266 size %u", (int)esp8266[c], all_sizes[i]);
			T_EQ_INT(esp_flash_size_code_for(esp8266[c], all_sizes[i]),
				 esp_flash_size_code(all_sizes[i]));
		}
		for (unsigned code = 0; code < 256; code += 16) {
			t_set_case("chip %d ESP8266 code 0x%02x", (int)esp8266[c], code);
			T_EQ_INT(esp_flash_size_from_code_for(esp8266[c], (uint8_t)code),
				 esp_flash_size_from_code((uint8_t)code));
		}
	}
	t_set_case("the families differ");
	T_EQ_HEX(esp_flash_size_code_for(ESP_CHIP_ESP8266EX, 4 * MB), 0x40);
	T_EQ_HEX(esp_flash_size_code_for(ESP_CHIP_ESP32, 4 * MB), 0x20);
	T_EQ_INT(esp_flash_size_from_code_for(ESP_CHIP_ESP8266EX, 0x20), 1 * MB);
	T_EQ_INT(esp_flash_size_from_code_for(ESP_CHIP_ESP32C3, 0x20), 4 * MB);
	for (size_t c = 0; c < 2; c++) {
		t_set_case("unsupported chip %d", (int)none[c]);
		T_EQ_INT(esp_flash_size_code_for(none[c], 4 * MB), -1);
		T_EQ_INT(esp_flash_size_from_code_for(none[c], 0x20), 0);
		T_EQ_INT(esp_flash_freq_parse_for(none[c], "40m"), -2);
		T_CHECK(esp_flash_freq_name_for(none[c], 0) == NULL);
		T_EQ_HEX(esp_bootloader_offset(none[c]), ESP_BOOTLOADER_OFFSET_NONE);
		T_EQ_HEX(esp_image_chip_id_of(none[c]), 0xFFFF);
		T_EQ_INT(esp_image_family_of(none[c]), ESP_IMAGE_FAMILY_NONE);
	}
	for (size_t i = 0; i < sizeof(freqs) / sizeof(freqs[0]); i++) {
		static const enum esp_chip all[] = { ESP_CHIP_ESP8266EX, ESP_CHIP_ESP8285,
						     ESP_CHIP_ESP32, ESP_CHIP_ESP32C3 };

		for (size_t c = 0; c < 4; c++) {
			t_set_case("chip %d freq \"%s\"", (int)all[c], freqs[i].s);
			T_EQ_INT(esp_flash_freq_parse_for(all[c], freqs[i].s), freqs[i].code);
			if (freqs[i].code >= 0)
				T_EQ_STR(esp_flash_freq_name_for(all[c], freqs[i].code), freqs[i].s);
		}
	}
	t_set_case("freq name of an unknown code");
	T_CHECK(esp_flash_freq_name_for(ESP_CHIP_ESP32, 0x3) == NULL);

	t_set_case("bootloader offsets and chip ids");
	T_EQ_HEX(esp_bootloader_offset(ESP_CHIP_ESP32), 0x1000);
	T_EQ_HEX(esp_bootloader_offset(ESP_CHIP_ESP32C3), 0x0);
	T_EQ_HEX(esp_bootloader_offset(ESP_CHIP_ESP8266EX), 0x0);
	T_EQ_HEX(esp_bootloader_offset(ESP_CHIP_ESP8285), 0x0);
	T_EQ_INT(esp_image_chip_id_of(ESP_CHIP_ESP32), 0);
	T_EQ_INT(esp_image_chip_id_of(ESP_CHIP_ESP32C3), 5);
	T_EQ_HEX(esp_image_chip_id_of(ESP_CHIP_ESP8266EX), 0xFFFF);
	T_EQ_INT(esp_image_family_of(ESP_CHIP_ESP8285), ESP_IMAGE_FAMILY_ESP8266);
	T_EQ_INT(esp_image_family_of(ESP_CHIP_ESP32C3), ESP_IMAGE_FAMILY_ESP32);
	T_EQ_STR(esp_image_chip_id_name(0), "ESP32");
	T_EQ_STR(esp_image_chip_id_name(2), "ESP32-S2");
	T_EQ_STR(esp_image_chip_id_name(5), "ESP32-C3");
	T_EQ_STR(esp_image_chip_id_name(9), "ESP32-S3");
	T_EQ_STR(esp_image_chip_id_name(13), "ESP32-C6");
	T_CHECK(esp_image_chip_id_name(7) == NULL);
	t_set_case("%s", "");
}

/* ---- patching ----------------------------------------------------------- */

/* A fixed ESP32 image (one 4-byte segment, digest appended) and its digest
 * after `-fm dio -fs 4MB -ff 80m`, computed apart from this code
 * (Python hashlib over the 48 patched bytes). */
static const uint8_t kat_image[48] = {
	0xE9, 0x01, 0x00, 0x10, 0x04, 0x04, 0x08, 0x40, 0xEE, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0xFF, 0x3F, 0x04, 0x00, 0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xCD,
};
static const uint8_t kat_patched_sha[32] = {
	0x5F, 0x63, 0xE3, 0x3D, 0x90, 0x63, 0x44, 0x3B, 0x30, 0xC6, 0x01, 0x73, 0x12, 0x2E, 0x7F, 0x28,
	0x1C, 0xBD, 0x0A, 0x80, 0x73, 0xA1, 0xDA, 0x29, 0x66, 0x73, 0x93, 0xF8, 0x2B, 0xDA, 0xF7, 0xE7,
};

static void test_patch_kat(void)
{
	static const struct esp_flash_params p40 = { ESP_FM_DIO, 4 * MB, 0x0 };
	static const struct esp_flash_params p80 = { ESP_FM_DIO, 4 * MB, 0xF };
	static uint8_t img[4096];
	struct esp_image_patch_result r;
	struct esp_image_info info;
	struct esp_error err;
	size_t n;

	/* "Flash parameters set to 0x0220" / "0x022F" on both chips */
	for (int c = 0; c < 2; c++) {
		enum esp_chip chip = c ? ESP_CHIP_ESP32C3 : ESP_CHIP_ESP32;

		t_set_case("known answer chip %d -fm dio -fs 4MB -ff 40m", (int)chip);
		n = img32(img, esp_image_chip_id_of(chip), 1);
		T_EQ_INT(esp_image_patch_for(chip, img, n, esp_bootloader_offset(chip), &p40, 0, &r,
					     &err), ESP_OK);
		T_EQ_HEX(img[2], 0x02);
		T_EQ_HEX(img[3], 0x20);
		T_EQ_INT(r.changed, 1);
		t_set_case("known answer chip %d -ff 80m", (int)chip);
		T_EQ_INT(esp_image_patch_for(chip, img, n, esp_bootloader_offset(chip), &p80, 0, &r,
					     &err), ESP_OK);
		T_EQ_HEX(img[2], 0x02);
		T_EQ_HEX(img[3], 0x2F);
		T_EQ_INT(esp_image_parse_esp32(img, n, &info, &err), ESP_OK);
		T_EQ_INT(info.sha_ok, 1);
	}

	t_set_case("known-answer digest");
	memcpy(img, kat_image, sizeof(kat_image));
	esp_sha256(img, 48, img + 48);
	T_EQ_INT(esp_image_parse_esp32(img, 80, &info, &err), ESP_OK);
	T_EQ_INT(info.sha_ok, 1);
	memset(&r, 0x5A, sizeof(r));
	T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32, img, 80, 0x1000, &p80, 0, &r, &err), ESP_OK);
	T_EQ_INT(r.changed, 1);
	T_EQ_INT(r.digest_rewritten, 1);
	T_EQ_INT(r.security_blocked, 0);
	T_CHECK(r.left_alone == NULL);
	T_EQ_HEX(img[2], 0x02);
	T_EQ_HEX(img[3], 0x2F);
	T_EQ_MEM(img + 4, 44, kat_image + 4, 44);
	T_EQ_MEM(img + 48, 32, kat_patched_sha, 32);
	t_set_case("%s", "");
}

static void test_patch_esp32(void)
{
	static const struct esp_flash_params p = { ESP_FM_DIO, 4 * MB, 0x0 };
	static uint8_t img[4096], orig[4096];
	struct esp_image_patch_result r;
	struct esp_image_info info;
	struct esp_error err;
	size_t n;

	t_set_case("ESP32 at 0x1000: digest recomputed, merged tail kept");
	n = img32(img, ID_ESP32, 1);
	memset(img + n, 0xA5, 200); /* partition table and app of a merged file */
	memcpy(orig, img, n + 200);
	memset(&r, 0x5A, sizeof(r));
	T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32, img, n + 200, 0x1000, &p, 0, &r, &err), ESP_OK);
	T_EQ_INT(r.changed, 1);
	T_EQ_INT(r.digest_rewritten, 1);
	T_CHECK(r.left_alone == NULL);
	T_EQ_HEX(img[2], 0x02);
	T_EQ_HEX(img[3], 0x20);
	T_EQ_MEM(img, 2, orig, 2);
	T_EQ_MEM(img + 4, 76, orig + 4, 76);     /* header and segments */
	T_EQ_MEM(img + n, 200, orig + n, 200);   /* after the digest */
	T_CHECK(memcmp(img + 80, orig + 80, 32) != 0);
	T_EQ_INT(esp_image_parse_esp32(img, n + 200, &info, &err), ESP_OK);
	T_EQ_INT(info.sha_ok, 1);
	T_EQ_INT(esp_image_check_chip(img, n + 200, ESP_CHIP_ESP32, NULL, &err), ESP_OK);

	t_set_case("again with the same values: nothing to do");
	memcpy(orig, img, n);
	T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32, img, n, 0x1000, &p, 0, &r, &err), ESP_OK);
	T_EQ_INT(r.changed, 0);
	T_EQ_INT(r.digest_rewritten, 0);
	T_EQ_MEM(img, n, orig, n);

	t_set_case("C3 at 0x0, size only (keep mode and freq)");
	{
		static const struct esp_flash_params p16 = { ESP_FM_KEEP, 16 * MB, -1 };

		n = img32(img, ID_C3, 1);
		T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32C3, img, n, 0, &p16, 0, &r, &err), ESP_OK);
		T_EQ_INT(r.changed, 1);
		T_EQ_HEX(img[2], 0x00);
		T_EQ_HEX(img[3], 0x4F);
		T_EQ_INT(esp_image_parse_esp32(img, n, &info, &err), ESP_OK);
		T_EQ_INT(info.sha_ok, 1);
		T_EQ_INT(info.size_bytes, 16 * MB);
	}

	t_set_case("32MB has an ESP32 code");
	{
		static const struct esp_flash_params p32 = { ESP_FM_KEEP, 32 * MB, -1 };

		n = img32(img, ID_ESP32, 0);
		T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32, img, n, 0x1000, &p32, 0, &r, &err), ESP_OK);
		T_EQ_HEX(img[3], 0x5F);
	}

	t_set_case("no digest: only bytes 2-3");
	n = img32(img, ID_C3, 0);
	memset(img + n, 0x77, 64);
	memcpy(orig, img, n + 64);
	T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32C3, img, n + 64, 0, &p, 0, &r, &err), ESP_OK);
	T_EQ_INT(r.changed, 1);
	T_EQ_INT(r.digest_rewritten, 0);
	T_EQ_MEM(img + 4, n + 60, orig + 4, n + 60);
	t_set_case("%s", "");
}

static void expect_left_alone(const char *file, int line, const char *what, enum esp_chip chip,
			      const uint8_t *in, size_t n, uint32_t addr, int security_on,
			      const char *why)
{
	static const struct esp_flash_params p = { ESP_FM_DIO, 4 * MB, 0xF };
	struct esp_image_patch_result r;
	struct esp_error err;
	uint8_t *img = dup(in, n);
	enum esp_err rc;

	memset(&err, 0, sizeof(err));
	memset(&r, 0x5A, sizeof(r));
	rc = esp_image_patch_for(chip, img, n, addr, &p, security_on, &r, &err);
	t_checks++;
	if (rc != ESP_OK || r.changed != 0 || r.digest_rewritten != 0 || memcmp(img, in, n) != 0 ||
	    !r.left_alone || !strstr(r.left_alone, why) || r.security_blocked != !!security_on) {
		t_fail_head(file, line);
		fprintf(stderr, "%s: rc %d, changed %d, digest %d, blocked %d, left_alone \"%s\" "
			"(want \"%s\"), bytes %s\n", what, (int)rc, r.changed, r.digest_rewritten,
			r.security_blocked, r.left_alone ? r.left_alone : "(null)", why,
			memcmp(img, in, n) ? "CHANGED" : "unchanged");
	}
	free(img);
}

#define T_LEFT_ALONE(what, chip, img, n, addr, sec, why)                                   \
	expect_left_alone(__FILE__, __LINE__, (what), (chip), (img), (n), (addr), (sec), (why))

static void test_patch_left_alone(void)
{
	static uint8_t e32[4096], c3[4096], v1[4096], img[4096];
	size_t n32 = img32(e32, ID_ESP32, 1), nc3 = img32(c3, ID_C3, 1), n8 = img8266(v1), n;

	t_set_case("patch left alone");
	T_LEFT_ALONE("ESP32 image at 0x0", ESP_CHIP_ESP32, e32, n32, 0, 0, "offset");
	T_LEFT_ALONE("ESP32 image at 0x8000", ESP_CHIP_ESP32, e32, n32, 0x8000, 0, "offset");
	T_LEFT_ALONE("ESP32 image at 0x10000", ESP_CHIP_ESP32, e32, n32, 0x10000, 0, "offset");
	T_LEFT_ALONE("C3 image at 0x1000", ESP_CHIP_ESP32C3, c3, nc3, 0x1000, 0, "offset");
	T_LEFT_ALONE("C3 image on an ESP32", ESP_CHIP_ESP32, c3, nc3, 0x1000, 0, "another chip");
	T_LEFT_ALONE("ESP32 image on a C3", ESP_CHIP_ESP32C3, e32, n32, 0, 0, "another chip");
	T_LEFT_ALONE("ESP8266 image on an ESP32", ESP_CHIP_ESP32, v1, n8, 0x1000, 0, "another chip");
	T_LEFT_ALONE("ESP8266 image on a C3", ESP_CHIP_ESP32C3, v1, n8, 0, 0, "another chip");
	T_LEFT_ALONE("ESP32 image on an ESP8266", ESP_CHIP_ESP8266EX, e32, n32, 0, 0,
		     "another chip");
	T_LEFT_ALONE("C3 image on an ESP8285", ESP_CHIP_ESP8285, c3, nc3, 0, 0, "another chip");

	T_LEFT_ALONE("security on, ESP32", ESP_CHIP_ESP32, e32, n32, 0x1000, 1, "security");
	T_LEFT_ALONE("security on, C3", ESP_CHIP_ESP32C3, c3, nc3, 0, 1, "security");

	memcpy(img, e32, n32);
	img[n32 - 1] ^= 1;
	T_LEFT_ALONE("wrong digest", ESP_CHIP_ESP32, img, n32, 0x1000, 0, "SHA-256");
	memcpy(img, e32, n32);
	img[79] ^= 1;
	T_LEFT_ALONE("wrong checksum", ESP_CHIP_ESP32, img, n32, 0x1000, 0, "not a valid image");
	memcpy(img, e32, n32);
	img[23] = 2;
	T_LEFT_ALONE("hash_appended 2", ESP_CHIP_ESP32, img, n32, 0x1000, 0, "not a valid image");
	T_LEFT_ALONE("digest cut off", ESP_CHIP_ESP32, e32, n32 - 32, 0x1000, 0,
		     "not a valid image");
	memset(img, 0xFF, 256);
	T_LEFT_ALONE("erased flash", ESP_CHIP_ESP32C3, img, 256, 0, 0, "0xE9");
	T_LEFT_ALONE("7 bytes", ESP_CHIP_ESP32C3, c3, 7, 0, 0, "0xE9");

	t_set_case("nothing asked");
	{
		static const struct esp_flash_params keep = { ESP_FM_KEEP, 0, -1 };
		struct esp_image_patch_result r;
		struct esp_error err;

		memcpy(img, e32, n32);
		T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32, img, n32, 0x1000, &keep, 1, &r, &err),
			 ESP_OK);
		T_EQ_INT(r.changed, 0);
		T_EQ_INT(r.security_blocked, 0);
		T_CHECK(r.left_alone == NULL);
		T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32, img, n32, 0x1000, NULL, 0, &r, &err),
			 ESP_OK);
		T_EQ_MEM(img, n32, e32, n32);
	}

	t_set_case("sizes without a code on this chip");
	{
		static const struct esp_flash_params p256k = { ESP_FM_KEEP, 256 * KB, -1 };
		static const struct esp_flash_params p32m = { ESP_FM_KEEP, 32 * MB, -1 };
		static const struct esp_flash_params pfreq = { ESP_FM_KEEP, 0, 0x7 };
		static const struct esp_flash_params pmode = { 9, 0, -1 };
		struct esp_image_patch_result r;
		struct esp_error err;

		memcpy(img, e32, n32);
		memset(&err, 0, sizeof(err));
		T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32, img, n32, 0x1000, &p256k, 0, &r, &err),
			 ESP_E_INVAL);
		T_HAS_STR(err.msg, "256KB");
		T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32, img, n32, 0x1000, &pfreq, 0, &r, &err),
			 ESP_E_INVAL);
		T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32, img, n32, 0x1000, &pmode, 0, &r, &err),
			 ESP_E_INVAL);
		T_EQ_MEM(img, n32, e32, n32);
		n = img8266(img);
		memset(&err, 0, sizeof(err));
		T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP8266EX, img, n, 0, &p32m, 0, &r, &err),
			 ESP_E_INVAL);
		T_HAS_STR(err.msg, "32MB");
		T_EQ_MEM(img, n, v1, n);
	}

	t_set_case("unsupported chip");
	{
		static const struct esp_flash_params p = { ESP_FM_DIO, 0, -1 };
		struct esp_image_patch_result r;
		struct esp_error err;

		memcpy(img, e32, n32);
		T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP32_FAMILY, img, n32, 0x1000, &p, 0, &r, &err),
			 ESP_E_CHIP);
		T_EQ_MEM(img, n32, e32, n32);
	}
	t_set_case("%s", "");
}

/* On the ESP8266 family the chip-aware patch is the old one. */
static void test_patch_esp8266_same(void)
{
	static const struct esp_flash_params ps[] = {
		{ ESP_FM_DOUT, 1 * MB, -1 }, { ESP_FM_KEEP, 0, 0xF },   { ESP_FM_KEEP, 512 * KB, -1 },
		{ ESP_FM_QIO, 0, -1 },       { ESP_FM_DIO, 16 * MB, 0x1 }, { ESP_FM_DOUT, 1 * MB, 0x0 },
		{ ESP_FM_KEEP, 0, -1 },
	};
	static const uint32_t addrs[] = { 0, 0x1000 };
	static uint8_t a[4096], b[4096];

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		for (size_t k = 0; k < 2; k++) {
			struct esp_image_patch_result r;
			struct esp_error err;
			int changed = -1;
			size_t n = img8266(a);

			t_set_case("ESP8266 patch row %zu at 0x%x", i, addrs[k]);
			memcpy(b, a, n);
			T_EQ_INT(esp_image_patch(a, n, addrs[k], &ps[i], &changed, &err), ESP_OK);
			T_EQ_INT(esp_image_patch_for(ESP_CHIP_ESP8266EX, b, n, addrs[k], &ps[i], 0, &r,
						     &err), ESP_OK);
			T_EQ_MEM(b, n, a, n);
			T_EQ_INT(r.changed, changed);
			T_EQ_INT(r.digest_rewritten, 0);
		}
	}
	t_set_case("ESP8266 security flag");
	T_LEFT_ALONE("ESP8266 with security on", ESP_CHIP_ESP8266EX, a, img8266(a), 0, 1,
		     "security");
	t_set_case("%s", "");
}

int main(void)
{
	test_parse_esp32();
	test_parse_esp32_invalid();
	test_family_rule();
	test_check_chip();
	test_revisions();
	test_codes();
	test_patch_kat();
	test_patch_esp32();
	test_patch_left_alone();
	test_patch_esp8266_same();
	return t_done("test_image_esp32");
}
