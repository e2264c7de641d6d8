/* SPDX-License-Identifier: MIT */
/* Firmware image header (esp_image.h): V1 image validation, esptool's
 * header patching at 0x0 (esp-serial-protocol.md §16.3), and the flash size
 * tables (§10.3 JEDEC capacity codes, §16.1 ESP8266 header size codes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_image.h"
#include "test.h"

#define KB 1024u
#define MB (1024u * 1024u)

/* ---- synthetic V1 images ----------------------------------------------- */

struct seg {
	uint32_t addr;
	uint32_t len;
};

/* Builds header + segments (data: a pattern) + zero padding to 15 mod 16 +
 * checksum (0xEF ^ all segment data).  Returns the length. */
static size_t build_image(uint8_t *out, uint8_t nseg_field, uint8_t mode, uint8_t size_freq,
			  uint32_t entry, const struct seg *segs, size_t nseg)
{
	size_t pos = 8;
	uint8_t ck = 0xEF;

	out[0] = 0xE9;
	out[1] = nseg_field;
	out[2] = mode;
	out[3] = size_freq;
	out[4] = (uint8_t)entry;
	out[5] = (uint8_t)(entry >> 8);
	out[6] = (uint8_t)(entry >> 16);
	out[7] = (uint8_t)(entry >> 24);
	for (size_t s = 0; s < nseg; s++) {
		for (int k = 0; k < 4; k++) {
			out[pos + (size_t)k] = (uint8_t)(segs[s].addr >> (8 * k));
			out[pos + 4 + (size_t)k] = (uint8_t)(segs[s].len >> (8 * k));
		}
		pos += 8;
		for (uint32_t k = 0; k < segs[s].len; k++) {
			uint8_t b = (uint8_t)(k * 31 + s * 7 + 1);

			out[pos++] = b;
			ck ^= b;
		}
	}
	while (pos % 16 != 15)
		out[pos++] = 0;
	out[pos++] = ck;
	return pos;
}

static size_t std_image(uint8_t *out, uint8_t mode, uint8_t size_freq)
{
	static const struct seg segs[] = { { 0x40100000, 4 }, { 0x3FFE8000, 8 } };

	return build_image(out, 2, mode, size_freq, 0x40100004, segs, 2);
}

/* ---- parse ---------------------------------------------------------------- */

static void test_parse_valid(void)
{
	static uint8_t img[8192];
	struct esp_image_info info;
	struct esp_error err;
	size_t n;

	t_set_case("parse two segments");
	n = std_image(img, ESP_FM_DOUT, 0x20);
	T_EQ_INT(n % 16, 0);
	memset(&info, 0x5A, sizeof(info));
	T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
	T_EQ_HEX(info.magic, 0xE9);
	T_EQ_INT(info.segments, 2);
	T_EQ_INT(info.mode, ESP_FM_DOUT);
	T_EQ_HEX(info.size_code, 0x20); /* high nibble of byte 3, as stored */
	T_EQ_HEX(info.freq_code, 0x0);
	T_EQ_HEX(info.entry, 0x40100004);
	T_EQ_INT(info.size_bytes, 1 * MB);
	T_EQ_INT(info.checksum_ok, 1);
	T_EQ_INT(info.image_end, n);

	t_set_case("parse 80m 4MB");
	n = std_image(img, ESP_FM_QIO, 0x4F);
	T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
	T_EQ_HEX(info.size_code, 0x40);
	T_EQ_HEX(info.freq_code, 0xF);
	T_EQ_INT(info.size_bytes, 4 * MB);
	T_EQ_INT(info.mode, ESP_FM_QIO);

	t_set_case("parse 512KB (code 0)");
	n = std_image(img, ESP_FM_DIO, 0x01);
	T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
	T_EQ_INT(info.size_bytes, 512 * KB);
	T_EQ_HEX(info.freq_code, 0x1);

	t_set_case("parse unknown size code");
	n = std_image(img, ESP_FM_DIO, 0xA0);
	T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
	T_EQ_INT(info.size_bytes, 0);

	t_set_case("parse no segments");
	n = build_image(img, 0, 0, 0x20, 0x40100000, NULL, 0);
	T_EQ_INT(n, 16);
	T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
	T_EQ_INT(info.segments, 0);
	T_EQ_INT(info.image_end, 16);

	/* esptool's loader reads any segment length (only elf2image pads to 4) */
	t_set_case("parse odd segment length");
	{
		static const struct seg segs[] = { { 0x40100000, 3 } };

		n = build_image(img, 1, 0, 0x20, 0x40100000, segs, 1);
		T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
		T_EQ_INT(info.image_end, n);
	}

	/* padding already complete: 8 + 8 + 15 = 31 = 15 mod 16, checksum at 31 */
	t_set_case("parse no padding needed");
	{
		static const struct seg segs[] = { { 0x40100000, 15 } };

		n = build_image(img, 1, 0, 0x20, 0x40100000, segs, 1);
		T_EQ_INT(n, 32);
		T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
		T_EQ_INT(info.image_end, 32);
	}

	t_set_case("parse 16 segments");
	{
		struct seg segs[16];

		for (int i = 0; i < 16; i++)
			segs[i] = (struct seg){ 0x3FFE8000u + 0x100u * (unsigned)i, 4 };
		n = build_image(img, 16, 0, 0x20, 0x40100000, segs, 16);
		T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_OK);
		T_EQ_INT(info.segments, 16);
	}

	t_set_case("parse image followed by other data");
	n = std_image(img, ESP_FM_DOUT, 0x20);
	memset(img + n, 0xFF, 4096);
	T_EQ_INT(esp_image_parse(img, n + 4096, &info, &err), ESP_OK);
	T_EQ_INT(info.image_end, n);
	t_set_case("%s", "");
}

static void expect_invalid(const char *file, int line, const uint8_t *img, size_t n)
{
	struct esp_image_info info;
	struct esp_error err;
	enum esp_err rc;
	/* exact-size copy so ASan sees reads past the end */
	uint8_t *copy = malloc(n ? n : 1);

	T_REQUIRE(copy);
	memcpy(copy, img, n);
	memset(&err, 0, sizeof(err));
	rc = esp_image_parse(copy, n, &info, &err);
	t_checks++;
	if (rc != ESP_E_IMAGE) {
		t_fail_head(file, line);
		fprintf(stderr, "esp_image_parse: got %d, expected ESP_E_IMAGE (%d)\n", (int)rc,
			(int)ESP_E_IMAGE);
	} else if (!err.msg[0]) {
		t_fail_head(file, line);
		fputs("esp_image_parse: error without a message\n", stderr);
	}
	free(copy);
}

#define T_INVALID(img, n) expect_invalid(__FILE__, __LINE__, (img), (n))

static void test_parse_invalid(void)
{
	static uint8_t img[8192];
	size_t n;

	t_set_case("bad magic EA");
	n = std_image(img, 0, 0x20);
	img[0] = 0xEA;
	T_INVALID(img, n);
	t_set_case("bad magic 00");
	img[0] = 0x00;
	T_INVALID(img, n);

	t_set_case("17 segments");
	{
		struct seg segs[17];

		for (int i = 0; i < 17; i++)
			segs[i] = (struct seg){ 0x3FFE8000u + 0x100u * (unsigned)i, 4 };
		n = build_image(img, 17, 0, 0x20, 0x40100000, segs, 17);
		T_INVALID(img, n);
	}
	t_set_case("255 segments claimed");
	n = std_image(img, 0, 0x20);
	img[1] = 0xFF;
	T_INVALID(img, n);

	t_set_case("segment past end");
	n = std_image(img, 0, 0x20);
	img[8 + 8 + 4 + 4] = 0x00; /* second segment length 8 -> 0x1000 */
	img[8 + 8 + 4 + 5] = 0x10;
	T_INVALID(img, n);

	t_set_case("segment length 0xFFFFFFFF");
	n = std_image(img, 0, 0x20);
	memset(img + 8 + 4, 0xFF, 4);
	T_INVALID(img, n);

	t_set_case("segment length 0xFFFFFFF8 (wraps a 32-bit offset)");
	n = std_image(img, 0, 0x20);
	img[8 + 4] = 0xF8;
	img[8 + 5] = img[8 + 6] = img[8 + 7] = 0xFF;
	T_INVALID(img, n);

	/* (3 would still parse: the zero padding reads as an empty segment) */
	t_set_case("more segments claimed than present");
	n = std_image(img, 0, 0x20);
	img[1] = 5;
	T_INVALID(img, n);

	t_set_case("bad checksum");
	n = std_image(img, 0, 0x20);
	img[n - 1] ^= 0x01;
	T_INVALID(img, n);

	t_set_case("segment data changed");
	n = std_image(img, 0, 0x20);
	img[8 + 8] ^= 0x80;
	T_INVALID(img, n);

	t_set_case("checksum byte missing");
	n = std_image(img, 0, 0x20);
	T_INVALID(img, n - 1);

	t_set_case("truncated header");
	n = std_image(img, 0, 0x20);
	for (size_t k = 0; k < 8; k++)
		T_INVALID(img, k);
	t_set_case("truncated segment header");
	T_INVALID(img, 8 + 4);
	t_set_case("%s", "");
}

/* The message names the cause an operator can act on. */
static void test_parse_messages(void)
{
	static uint8_t img[4096];
	struct esp_image_info info;
	struct esp_error err;
	size_t n;

	/* A blank header claiming 0 segments: no data for a checksum to cover,
	 * so the checksum is not what is wrong (it was blamed before). */
	t_set_case("0 segments, checksum byte 0x00");
	memset(img, 0, sizeof(img));
	img[0] = 0xE9;
	img[2] = 0x02;
	img[3] = 0x20;
	memset(&err, 0, sizeof(err));
	T_EQ_INT(esp_image_parse(img, sizeof(img), &info, &err), ESP_E_IMAGE);
	T_HAS_STR(err.msg, "0 segments");
	T_CHECK(strstr(err.msg, "checksum") == NULL);

	t_set_case("0 segments, checksum byte 0xFF");
	memset(img + 8, 0xFF, sizeof(img) - 8);
	memset(&err, 0, sizeof(err));
	T_EQ_INT(esp_image_parse(img, sizeof(img), &info, &err), ESP_E_IMAGE);
	T_HAS_STR(err.msg, "0 segments");

	/* a real checksum error still says checksum */
	t_set_case("2 segments, bad checksum");
	n = std_image(img, 0, 0x20);
	img[n - 1] ^= 0x01;
	memset(&err, 0, sizeof(err));
	T_EQ_INT(esp_image_parse(img, n, &info, &err), ESP_E_IMAGE);
	T_HAS_STR(err.msg, "checksum");
	t_set_case("%s", "");
}

/* ---- patch ------------------------------------------------------------------ */

struct patch_case {
	const char *name;
	uint8_t mode, size_freq;  /* image header before */
	struct esp_flash_params p;
	uint8_t b2, b3;           /* expected bytes 2-3 */
	int changed;
};

static const struct patch_case patch_cases[] = {
	/* the classic Sonoff -fm dout -fs 1MB: "Flash params set to 0x0320" */
	{ "dout 1MB keep freq", 0x00, 0x40, { ESP_FM_DOUT, 1 * MB, -1 }, 0x03, 0x20, 1 },
	{ "freq only 80m", 0x00, 0x40, { ESP_FM_KEEP, 0, 0xF }, 0x00, 0x4F, 1 },
	{ "size only 512KB (code 0)", 0x00, 0x40, { ESP_FM_KEEP, 512 * KB, -1 }, 0x00, 0x00, 1 },
	{ "size only 256KB", 0x02, 0x4F, { ESP_FM_KEEP, 256 * KB, -1 }, 0x02, 0x1F, 1 },
	{ "mode only qio (0)", 0x03, 0x20, { ESP_FM_QIO, 0, -1 }, 0x00, 0x20, 1 },
	{ "freq 40m (0) over 80m", 0x03, 0x2F, { ESP_FM_KEEP, 0, 0x0 }, 0x03, 0x20, 1 },
	{ "dio 16MB 26m", 0x00, 0x40, { ESP_FM_DIO, 16 * MB, 0x1 }, 0x02, 0x91, 1 },
	{ "qout 8MB 20m", 0x00, 0x40, { ESP_FM_QOUT, 8 * MB, 0x2 }, 0x01, 0x82, 1 },
	{ "2MB keeps freq", 0x03, 0x4F, { ESP_FM_KEEP, 2 * MB, -1 }, 0x03, 0x3F, 1 },
	{ "all keep", 0x00, 0x40, { ESP_FM_KEEP, 0, -1 }, 0x00, 0x40, 0 },
	{ "same values", 0x03, 0x20, { ESP_FM_DOUT, 1 * MB, 0x0 }, 0x03, 0x20, 0 },
};

static void test_patch_table(void)
{
	static uint8_t img[4096], orig[4096];

	for (size_t i = 0; i < sizeof(patch_cases) / sizeof(patch_cases[0]); i++) {
		const struct patch_case *c = &patch_cases[i];
		struct esp_error err;
		int changed = -1;
		size_t n = std_image(img, c->mode, c->size_freq);

		/* trailing data (the rest of a firmware file) must not be touched */
		memset(img + n, 0xA5, 100);
		n += 100;
		memcpy(orig, img, n);
		t_set_case("patch %s", c->name);
		T_EQ_INT(esp_image_patch(img, n, 0, &c->p, &changed, &err), ESP_OK);
		T_EQ_INT(changed, c->changed);
		T_EQ_HEX(img[2], c->b2);
		T_EQ_HEX(img[3], c->b3);
		T_EQ_MEM(img, 2, orig, 2);
		T_EQ_MEM(img + 4, n - 4, orig + 4, n - 4);
	}
	t_set_case("%s", "");
}

static void expect_untouched(const char *file, int line, const char *what, const uint8_t *in,
			     size_t n, uint32_t addr, int must_be_ok)
{
	static const struct esp_flash_params p = { ESP_FM_DOUT, 1 * MB, 0xF };
	struct esp_error err;
	int changed = -1;
	uint8_t *img = malloc(n ? n : 1);
	enum esp_err rc;

	T_REQUIRE(img);
	memcpy(img, in, n);
	memset(&err, 0, sizeof(err));
	rc = esp_image_patch(img, n, addr, &p, &changed, &err);
	t_checks++;
	if ((must_be_ok && rc != ESP_OK) || changed != 0 || (n && memcmp(img, in, n) != 0)) {
		t_fail_head(file, line);
		fprintf(stderr, "%s: rc %d (want %s), changed %d (want 0), bytes %s\n", what,
			(int)rc, must_be_ok ? "ESP_OK" : "any", changed,
			n && memcmp(img, in, n) ? "CHANGED" : "unchanged");
	}
	free(img);
}

#define T_UNTOUCHED(what, img, n, addr, must_be_ok)                                      \
	expect_untouched(__FILE__, __LINE__, (what), (img), (n), (addr), (must_be_ok))

static void test_patch_leaves_alone(void)
{
	static uint8_t img[4096];
	size_t n;

	t_set_case("patch leaves alone");
	n = std_image(img, 0x00, 0x40);
	T_UNTOUCHED("valid image at 0x1000", img, n, 0x1000, 1);
	T_UNTOUCHED("valid image at 0x10000", img, n, 0x10000, 1);

	img[0] = 0xEA; /* V2 OTA image (never at 0x0, but if it were) */
	T_UNTOUCHED("V2 image at 0", img, n, 0, 1);
	img[0] = 0x00;
	T_UNTOUCHED("data (byte0 0x00) at 0", img, n, 0, 1);
	memset(img, 0xFF, 64);
	T_UNTOUCHED("erased-flash data at 0", img, 64, 0, 1);

	/* starts with 0xE9 but is not a valid image (encrypted data, say) */
	n = std_image(img, 0x00, 0x40);
	img[8 + 8 + 4 + 5] = 0x10; /* second segment runs past the end */
	T_UNTOUCHED("E9 with segment past end", img, n, 0, 0);
	n = std_image(img, 0x00, 0x40);
	img[1] = 17;
	T_UNTOUCHED("E9 with 17 segments", img, n, 0, 0);

	n = std_image(img, 0x00, 0x40);
	T_UNTOUCHED("4-byte file", img, 4, 0, 0);
	T_UNTOUCHED("7-byte file", img, 7, 0, 0);
	T_UNTOUCHED("empty file", img, 0, 0, 0);

	/* a size with no header code: refuse rather than write a wrong nibble */
	{
		static const struct esp_flash_params p3 = { ESP_FM_KEEP, 3 * MB, -1 };
		uint8_t orig[64];
		struct esp_error err;
		int changed = 0;
		enum esp_err rc;

		t_set_case("patch size without a code");
		n = std_image(img, 0x00, 0x40);
		memcpy(orig, img, n);
		rc = esp_image_patch(img, n, 0, &p3, &changed, &err);
		T_NE_INT(rc, ESP_OK);
		T_EQ_MEM(img, n, orig, n);
	}
	t_set_case("%s", "");
}

/* ---- size tables ------------------------------------------------------------ */

static void test_jedec(void)
{
	static const uint8_t manuf[] = { 0xEF, 0xC8, 0x20, 0x0B, 0x85, 0x5E, 0x00 };
	static const struct {
		uint8_t cap;
		uint32_t size;
	} caps[] = {
		{ 0x12, 256 * KB }, { 0x13, 512 * KB }, { 0x14, 1 * MB },    { 0x15, 2 * MB },
		{ 0x16, 4 * MB },   { 0x17, 8 * MB },   { 0x18, 16 * MB },   { 0x19, 32 * MB },
		{ 0x1A, 64 * MB },  { 0x1B, 128 * MB }, { 0x1C, 256 * MB },  { 0x32, 256 * KB },
		{ 0x33, 512 * KB }, { 0x34, 1 * MB },   { 0x35, 2 * MB },    { 0x36, 4 * MB },
		{ 0x37, 8 * MB },   { 0x38, 16 * MB },  { 0x39, 32 * MB },   { 0x3A, 64 * MB },
		{ 0x20, 64 * MB },  { 0x21, 128 * MB }, { 0x22, 256 * MB },
		{ 0x00, 0 },        { 0x11, 0 },        { 0x1D, 0 },         { 0x1F, 0 },
		{ 0x23, 0 },        { 0x31, 0 },        { 0x3B, 0 },         { 0xFF, 0 },
	};
	static const struct {
		uint32_t id;
		uint32_t size;
	} ids[] = {
		{ 0x1640EF, 4 * MB },  /* Winbond W25Q32 */
		{ 0x1440C8, 1 * MB },  /* GigaDevice GD25Q80, Sonoff Basic class */
		{ 0x16400B, 4 * MB },  /* esptool#397 */
		{ 0x146085, 1 * MB },  /* Puya */
		{ 0x164020, 4 * MB },  /* XMC: 0x20 as manufacturer is not a size code */
		/* Adesto (0x1F): size code = byte1 & 0x1F */
		{ 0x01841F, 512 * KB },
		{ 0x01451F, 1 * MB },
		{ 0x01461F, 2 * MB },
		{ 0x01471F, 4 * MB },
		{ 0x01481F, 8 * MB },
		{ 0x01491F, 16 * MB },
		{ 0x16451F, 1 * MB },  /* byte2 would say 4 MB; Adesto's rule wins */
		{ 0x00431F, 0 },
		{ 0x004A1F, 0 },
		{ 0xFFFFFF, 0 },
		{ 0x000000, 0 },
	};

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		for (size_t m = 0; m < sizeof(manuf); m++) {
			uint32_t id = manuf[m] | 0x40u << 8 | (uint32_t)caps[i].cap << 16;

			t_set_case("jedec 0x%06x", id);
			T_EQ_INT(esp_flash_size_from_jedec(id), caps[i].size);
		}
	}
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		t_set_case("jedec 0x%06x", ids[i].id);
		T_EQ_INT(esp_flash_size_from_jedec(ids[i].id), ids[i].size);
	}
	t_set_case("%s", "");
}

static void test_size_codes(void)
{
	static const struct {
		uint32_t size;
		int code;
	} codes[] = {
		{ 512 * KB, 0x00 }, { 256 * KB, 0x10 }, { 1 * MB, 0x20 }, { 2 * MB, 0x30 },
		{ 4 * MB, 0x40 },   { 8 * MB, 0x80 },   { 16 * MB, 0x90 },
	};
	static const uint32_t no_code[] = { 0, 1, 128 * KB, 3 * MB, 32 * MB, 1 * MB + 1, 0xFFFFFFFFu };
	static const struct {
		uint8_t code;
		uint32_t size;
	} decode[] = {
		{ 0x00, 512 * KB }, { 0x10, 256 * KB }, { 0x20, 1 * MB }, { 0x30, 2 * MB },
		{ 0x40, 4 * MB },   { 0x50, 2 * MB },   { 0x60, 4 * MB }, /* 2MB-c1, 4MB-c1 */
		{ 0x80, 8 * MB },   { 0x90, 16 * MB },  { 0x70, 0 },      { 0xA0, 0 },
		{ 0xB0, 0 },        { 0xF0, 0 },
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		t_set_case("size code of %u", codes[i].size);
		T_EQ_HEX(esp_flash_size_code(codes[i].size), codes[i].code);
	}
	for (size_t i = 0; i < sizeof(no_code) / sizeof(no_code[0]); i++) {
		t_set_case("no size code for %u", no_code[i]);
		T_EQ_INT(esp_flash_size_code(no_code[i]), -1);
	}
	for (size_t i = 0; i < sizeof(decode) / sizeof(decode[0]); i++) {
		t_set_case("size of code 0x%02x", decode[i].code);
		T_EQ_INT(esp_flash_size_from_code(decode[i].code), decode[i].size);
	}
	t_set_case("%s", "");
}

static void test_names(void)
{
	static const struct {
		const char *name;
		uint32_t size;
	} sizes[] = {
		{ "256KB", 256 * KB }, { "512KB", 512 * KB }, { "1MB", 1 * MB }, { "2MB", 2 * MB },
		{ "4MB", 4 * MB },     { "8MB", 8 * MB },     { "16MB", 16 * MB },
	};
	static const char *const unknown[] = { "", "3MB", "bogus", "MB", "1", "keep", "detect" };
	char buf[32];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *s;

		t_set_case("size name %s", sizes[i].name);
		T_EQ_INT(esp_flash_size_parse(sizes[i].name), sizes[i].size);
		memset(buf, 0x5A, sizeof(buf));
		s = esp_flash_size_name(sizes[i].size, buf, sizeof(buf));
		T_EQ_STR(s, sizes[i].name);
		T_EQ_INT(esp_flash_size_parse(s ? s : ""), sizes[i].size);
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		t_set_case("size name unknown \"%s\"", unknown[i]);
		T_EQ_INT(esp_flash_size_parse(unknown[i]), 0);
	}
	t_set_case("size name odd sizes");
	{
		static const uint32_t odd[] = { 3 * MB, 12345, 0, 0xFFFFFFFFu };

		for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
			const char *s = esp_flash_size_name(odd[i], buf, 16);

			T_CHECK(s != NULL && strlen(s) < 16);
		}
	}

	static const struct {
		const char *s;
		int v;
	} modes[] = {
		{ "qio", ESP_FM_QIO }, { "qout", ESP_FM_QOUT }, { "dio", ESP_FM_DIO },
		{ "dout", ESP_FM_DOUT }, { "keep", ESP_FM_KEEP }, { "bogus", -2 },
		{ "", -2 }, { "douts", -2 }, { "do", -2 },
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		t_set_case("mode \"%s\"", modes[i].s);
		T_EQ_INT(esp_flash_mode_parse(modes[i].s), modes[i].v);
		if (modes[i].v >= 0)
			T_EQ_STR(esp_flash_mode_name(modes[i].v), modes[i].s);
	}
	t_set_case("mode name of unknown");
	T_CHECK(esp_flash_mode_name(7) != NULL);

	static const struct {
		const char *s;
		int v;
	} freqs[] = {
		{ "40m", 0x0 }, { "26m", 0x1 }, { "20m", 0x2 }, { "80m", 0xF },
		{ "keep", -1 }, { "bogus", -2 }, { "", -2 }, { "40", -2 }, { "60m", -2 },
	};
	for (size_t i = 0; i < sizeof(freqs) / sizeof(freqs[0]); i++) {
		t_set_case("freq \"%s\"", freqs[i].s);
		T_EQ_INT(esp_flash_freq_parse(freqs[i].s), freqs[i].v);
	}
	t_set_case("%s", "");
}

int main(void)
{
	test_parse_valid();
	test_parse_invalid();
	test_parse_messages();
	test_patch_table();
	test_patch_leaves_alone();
	test_jedec();
	test_size_codes();
	test_names();
	return t_done("test_image");
}
