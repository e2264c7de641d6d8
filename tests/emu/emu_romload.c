/* SPDX-License-Identifier: MIT */
/*
 * The ROM's flash boot: reads the image at the boot loader offset the way
 * the mask ROM does and prints what it prints (README "What a unit prints
 * when it boots"):
 *
 *   ESP8266/ESP8285  load 0x%08x, len %d, room %d / tail %d / chksum 0x%02x
 *                    per segment, "ho 0 tail T room R" when a segment header
 *                    straddles one of the ROM's 16-byte blocks, csum 0x%02x,
 *                    and "csum err" + "ets_main.c " on a mismatch;
 *   ESP32            configsip/clk_drv/mode lines, load:0x%08x,len:%d (and
 *                    the same ho lines), csum err:0x..!=0x.., entry 0x%08x;
 *   ESP32-C3         SPIWP/mode lines, load:0x%08x,len:0x%x, "Checksum
 *                    failure. Calculated .. stored ..", the appended SHA-256
 *                    reported (and ignored) when wrong, entry 0x%08x.
 *
 * A unit whose flash cannot be read in the header's mode (flash_modes) reads
 * the header and first segment header right and the rest as garbage: zeros
 * on the ESP8266 (the published "chksum 0xef ... csum err" signature),
 * 0xFF on the ESP32-class chips ("load:0xffffffff,len:-1").
 */
#include <string.h>
#include <nettle/sha2.h>

#include "emu_bytes.h"
#include "emu_priv.h"

#define MAX_SEGMENTS 16     /* what esptool accepts; the ROM is not known to care */
#define BLOCK 16u           /* the ROM reads the image in 16-byte blocks */

struct reader {
	struct emu *e;
	uint32_t base;          /* the image's flash offset */
	uint32_t good;          /* garbled: bytes from base that still read right */
	uint8_t junk;           /* garbled: what the rest reads as */
	int garbled;
};

static void rd(const struct reader *r, uint32_t off, uint8_t *p, uint32_t n)
{
	emu_cpu_flash_read(r->e, r->base + off, p, n);
	if (!r->garbled)
		return;
	for (uint32_t i = 0; i < n; i++)
		if (off + i >= r->good)
			p[i] = r->junk;
}

/* XOR of n segment bytes from off into chk. */
static uint8_t xor_range(const struct reader *r, uint32_t off, uint32_t n, uint8_t chk)
{
	uint8_t buf[4096];

	while (n > 0) {
		uint32_t k = n < sizeof buf ? n : (uint32_t)sizeof buf;
		rd(r, off, buf, k);
		for (uint32_t i = 0; i < k; i++)
			chk ^= buf[i];
		off += k;
		n -= k;
	}
	return chk;
}

static const char *mode_name(uint8_t m)
{
	static const char *const names[] = { "QIO", "QOUT", "DIO", "DOUT" };
	return m < 4 ? names[m] : "DIO";
}

/* SPI clock divider for the header's frequency code (80 MHz / f). */
static unsigned clock_div(uint8_t freq)
{
	switch (freq & 0x0F) {
	case 0x0F: return 1;    /* 80m */
	case 0x01: return 3;    /* 26m */
	case 0x02: return 4;    /* 20m */
	default: return 2;      /* 40m */
	}
}

const char *emu_boot_result_name(enum emu_boot_result r)
{
	switch (r) {
	case EMU_BOOT_APP: return "app_ok";
	case EMU_BOOT_DOWNLOAD: return "download";
	case EMU_BOOT_NO_IMAGE: return "no_image";
	case EMU_BOOT_BAD_CHECKSUM: return "bad_checksum";
	case EMU_BOOT_BAD_LENGTH: return "bad_length";
	}
	return "?";
}

/* The 16-byte block bookkeeping behind "room", "tail" and "ho" (checked
 * against the published logs listed in the README). */
struct blocks {
	uint32_t room;          /* segment bytes already in the current block */
	uint32_t left;          /* bytes of the block left after the segment */
	uint32_t tail;
};

static void blocks_segment(struct blocks *b, uint32_t len)
{
	if (len > b->room) {
		b->tail = (len - b->room) % BLOCK;
		b->left = b->tail ? BLOCK - b->tail : 0;
	} else {
		b->tail = 0;
		b->left = b->room - len;
	}
}

/* Before the next 8-byte segment header; returns 1 if it straddles blocks. */
static int blocks_header(struct blocks *b)
{
	if (b->left >= 8) {
		b->room = b->left - 8;
		return 0;
	}
	if (b->left == 0) {
		b->room = BLOCK - 8;
		return 0;
	}
	b->room = BLOCK - 8 + b->left;
	return 1;
}

/* A segment that cannot be loaded: the ROM hangs at its load line. */
static int absurd(const struct reader *r, uint32_t data_off, uint32_t len)
{
	uint32_t size = r->e->flash.size;

	return len > size || r->base + data_off > size - len || (int32_t)len < 0;
}

static void load_8266(struct reader *r, struct emu_text *o, struct emu_bootrec *b, const uint8_t *h)
{
	struct blocks blk = { BLOCK, 0, 0 };
	uint8_t chk = EMU_CHECKSUM_SEED;
	uint32_t pos = 8;

	for (unsigned i = 0; i < h[1] && i < MAX_SEGMENTS; i++) {
		uint8_t sh[8];
		rd(r, pos, sh, sizeof sh);
		uint32_t addr = emu_le32(sh), len = emu_le32(sh + 4);
		if (i > 0 && blocks_header(&blk))
			emu_text_put(o, "ho 0 tail %u room %u\r\n", blk.tail, blk.left);
		emu_text_put(o, "load 0x%08x, len %d, room %u \r\n", addr, (int32_t)len, blk.room);
		b->segments++;
		if (absurd(r, pos + 8, len)) {
			b->result = EMU_BOOT_BAD_LENGTH;
			return;
		}
		chk = xor_range(r, pos + 8, len, chk);
		blocks_segment(&blk, len);
		emu_text_put(o, "tail %u\r\nchksum 0x%02x\r\n", blk.tail, chk);
		pos += 8 + len;
	}
	rd(r, pos | (BLOCK - 1), &b->stored, 1);
	b->computed = chk;
	emu_text_put(o, "csum 0x%02x\r\n", chk);
	if (b->stored != chk) {
		emu_text_put(o, "csum err\r\nets_main.c \r\n");
		b->result = EMU_BOOT_BAD_CHECKSUM;
		return;
	}
	b->result = EMU_BOOT_APP;
}

/* C3: the SHA-256 appended after the checksum byte, when byte 23 says so. */
static void check_digest(const struct reader *r, struct emu_text *o, struct emu_bootrec *b,
			 uint32_t data_len)
{
	uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE], buf[4096];
	struct sha256_ctx ctx;

	if (data_len > r->e->flash.size - r->base ||
	    r->e->flash.size - r->base - data_len < SHA256_DIGEST_SIZE)
		return;
	sha256_init(&ctx);
	for (uint32_t off = 0; off < data_len;) {
		uint32_t k = data_len - off < sizeof buf ? data_len - off : (uint32_t)sizeof buf;
		rd(r, off, buf, k);
		sha256_update(&ctx, k, buf);
		off += k;
	}
	sha256_digest(&ctx, sizeof got, got);
	rd(r, data_len, want, sizeof want);
	if (memcmp(want, got, sizeof got) == 0)
		return;
	b->sha_mismatch = 1;
	emu_text_put(o, "SHA-256 comparison failed:\r\nCalculated: ");
	for (unsigned i = 0; i < sizeof got; i++)
		emu_text_put(o, "%02x", got[i]);
	emu_text_put(o, "\r\nExpected: ");
	for (unsigned i = 0; i < sizeof want; i++)
		emu_text_put(o, "%02x", want[i]);
	emu_text_put(o, "\r\nAttempting to boot anyway...\r\n");
}

static void load_32(struct reader *r, struct emu_text *o, struct emu_bootrec *b, const uint8_t *h)
{
	int c3 = r->e->def->chip == EMU_ESP32C3;
	struct blocks blk = { BLOCK, 0, 0 };
	uint8_t chk = EMU_CHECKSUM_SEED;
	uint32_t pos = 24;

	if (c3)
		emu_text_put(o, "SPIWP:0x%02x\r\n", h[8]);
	else
		emu_text_put(o, "configsip: 0, SPIWP:0x%02x\r\n"
			     "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n",
			     h[8]);
	emu_text_put(o, "mode:%s, clock div:%u\r\n", mode_name(h[2]), clock_div(h[3]));
	for (unsigned i = 0; i < h[1] && i < MAX_SEGMENTS; i++) {
		uint8_t sh[8];
		rd(r, pos, sh, sizeof sh);
		uint32_t addr = emu_le32(sh), len = emu_le32(sh + 4);
		if (i > 0 && blocks_header(&blk) && !c3)
			emu_text_put(o, "ho 0 tail %u room %u\r\n", blk.tail, blk.left);
		if (c3)
			emu_text_put(o, "load:0x%08x,len:0x%x\r\n", addr, len);
		else
			emu_text_put(o, "load:0x%08x,len:%d\r\n", addr, (int32_t)len);
		b->segments++;
		if (absurd(r, pos + 8, len)) {
			b->result = EMU_BOOT_BAD_LENGTH;
			return;
		}
		chk = xor_range(r, pos + 8, len, chk);
		blocks_segment(&blk, len);
		pos += 8 + len;
	}
	uint32_t at = pos | (BLOCK - 1);
	rd(r, at, &b->stored, 1);
	b->computed = chk;
	if (b->stored != chk) {
		if (c3)
			emu_text_put(o, "Checksum failure. Calculated 0x%02x stored 0x%02x\r\n"
				     "ets_main.c 333 \r\n", chk, b->stored);
		else
			emu_text_put(o, "csum err:0x%02x!=0x%02x\r\nets_main.c 371 \r\n", chk, b->stored);
		b->result = EMU_BOOT_BAD_CHECKSUM;
		return;
	}
	if (c3 && h[23] == 1)
		check_digest(r, o, b, at + 1);
	emu_text_put(o, "entry 0x%08x\r\n", b->entry);
	b->result = EMU_BOOT_APP;
}

void emu_romload(struct emu *e, struct emu_text *o, struct emu_bootrec *b)
{
	int esp32 = e->def->esp32_class;
	struct reader r = { .e = e, .base = e->def->boot_offset };
	uint8_t h[24];

	emu_cpu_flash_read(e, r.base, h, sizeof h);
	b->first_word = emu_le32(h);
	b->mode = h[2];
	b->size_freq = h[3];
	b->entry = emu_le32(h + 4);
	b->segments = 0;
	if (h[0] != 0xE9) {
		if (esp32)
			emu_text_put(o, "invalid header: 0x%08x\r\n", b->first_word);
		else
			emu_text_put(o, "ets_main.c \r\n");
		b->result = EMU_BOOT_NO_IMAGE;
		return;
	}
	/* header and first segment header are read before the ROM switches
	 * to the header's mode; a flash that cannot do it returns junk */
	r.garbled = b->mode > 3 || !(e->cfg.flash_modes & (1u << b->mode));
	r.good = esp32 ? 32 : 16;
	r.junk = esp32 ? 0xFF : 0x00;
	b->garbled = r.garbled;
	if (esp32)
		load_32(&r, o, b, h);
	else
		load_8266(&r, o, b, h);
}
