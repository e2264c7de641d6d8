/* SPDX-License-Identifier: MIT */
/* ESP32-class image writer (see emu_image32.h). */
#include "emu_image32.h"

#include <nettle/sha2.h>
#include <string.h>

#define HEADER_LEN 24
#define MAPPED_PAGE 0x10000u

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void emu_code_bytes(struct emu_rng *r, uint8_t *p, uint32_t n)
{
	static const uint8_t ops[8] = { 0x00, 0x06, 0x0c, 0x1d, 0x21, 0x41, 0x82, 0xc0 };

	for (uint32_t i = 0; i < n; i++) {
		uint64_t v = emu_rng_next(r);
		p[i] = (v & 3) ? (uint8_t)(v >> 8) : ops[(v >> 8) & 7];
	}
}

uint8_t emu_img32_size_code(uint32_t flash_size)
{
	switch (flash_size >> 20) {
	case 2: return 0x10;
	case 4: return 0x20;
	case 8: return 0x30;
	case 16: return 0x40;
	default: return 0x00;
	}
}

uint32_t emu_img32_write(uint8_t *p, uint32_t cap, const struct emu_img32 *im, struct emu_rng *r)
{
	uint32_t need = HEADER_LEN + 16 + SHA256_DIGEST_SIZE;
	uint8_t chk = 0xEF;

	for (unsigned i = 0; i < im->nseg; i++)
		need += 8 + im->seg[i].len;
	if (need > cap || im->nseg > EMU_IMG32_MAX_SEGS)
		return 0;
	memset(p, 0, HEADER_LEN);
	p[0] = 0xE9;
	p[1] = (uint8_t)im->nseg;
	p[2] = im->flash_mode;
	p[3] = im->size_freq;
	put32(p + 4, im->entry);
	p[8] = 0xEE;                /* WP pin not used */
	put16(p + 12, im->chip_id);
	p[14] = im->min_rev;
	put16(p + 15, im->min_rev_full);
	put16(p + 17, im->max_rev_full);
	p[23] = 1;                  /* hash_appended */
	uint32_t pos = HEADER_LEN;
	for (unsigned i = 0; i < im->nseg; i++) {
		const struct emu_img32_seg *s = &im->seg[i];
		uint32_t addr = s->addr;
		if (s->mapped)
			addr += (im->flash_offset + pos + 8) % MAPPED_PAGE;
		put32(p + pos, addr);
		put32(p + pos + 4, s->len);
		uint8_t *data = p + pos + 8;
		emu_code_bytes(r, data, s->len);
		if (s->head && s->head_len <= s->len)
			memcpy(data, s->head, s->head_len);
		if (s->text) {
			size_t tl = strlen(s->text) + 1;
			if (tl < s->len)
				memcpy(data + s->len - tl, s->text, tl);
		}
		for (uint32_t k = 0; k < s->len; k++)
			chk ^= data[k];
		pos += 8 + s->len;
	}
	/* zero padding until length mod 16 == 15, then the checksum byte */
	uint32_t pad = 15 - pos % 16;
	memset(p + pos, 0, pad);
	p[pos + pad] = chk;
	pos += pad + 1;
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	sha256_update(&ctx, pos, p);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, p + pos);
	return pos + SHA256_DIGEST_SIZE;
}
