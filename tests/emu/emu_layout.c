/* SPDX-License-Identifier: MIT */
/*
 * Initial flash layouts (emu.h, enum emu_layout).  Everything comes from
 * seeded PRNG streams, so a unit's factory flash is the same on every run.
 *
 * "stock" is a NONOS-SDK OTA unit as shipped (e.g. a Sonoff): with
 * half = min(size / 2, 1 MiB),
 *
 *   0x0               boot      boot loader, ESP8266 image v1 (0xE9), 3.3-4 KiB
 *   0x1000            user1     the app, image v2 (0xEA ... 0xE9 ..., CRC);
 *                               1 MB: 300-400 KiB, >= 2 MB: 400-560 KiB,
 *                               smaller chips: 60-80 % of the slot
 *   half - 0x4000     app_cfg   the app's cloud identity (text with the MAC)
 *   half - 0x3000     app_cfg2  its previous copy
 *   half + 0x1000     user2     the second OTA slot: erased
 *   size - 0x5000     rf_cal    RF calibration (1 KiB)
 *   size - 0x4000     init_data the SDK's default init data, 128 bytes
 *   size - 0x3000     wifi      SDK system parameters: Wi-Fi credentials
 *   size - 0x2000     wifi_bak  the other parameter bank: erased
 *   size - 0x1000     wifi_flag which bank is current (16 bytes)
 *
 * Everything else is erased: 58-68 % of the sectors of a 1 MB unit, about
 * 73 % of 2 MB, 87 % of 4 MB.  Boot loader and user1 come from the
 * seed only (units of one "model" run the same firmware); the identity
 * sectors from the seed and the MAC.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "emu_flash.h"
#include "emu_image32.h"
#include "emu_priv.h"
#include "emu_rng.h"

static const char *const s_names[] = { "simple", "stock", "blank" };

const char *emu_layout_name(enum emu_layout l)
{
	return (unsigned)l < sizeof s_names / sizeof s_names[0] ? s_names[l] : "?";
}

int emu_layout_parse(const char *s, enum emu_layout *ret)
{
	for (unsigned i = 0; i < sizeof s_names / sizeof s_names[0]; i++) {
		if (strcasecmp(s, s_names[i]) == 0) {
			*ret = (enum emu_layout)i;
			return 0;
		}
	}
	return -1;
}

struct regions {
	struct emu_region *r;
	unsigned n, cap;
};

static void region(struct regions *rs, const char *name, uint32_t off, uint32_t size, uint32_t data)
{
	if (rs->n < rs->cap) {
		struct emu_region *r = &rs->r[rs->n];
		snprintf(r->name, sizeof r->name, "%s", name);
		r->offset = off;
		r->size = size;
		r->data = data;
	}
	rs->n++;
}

static uint64_t mac64(const uint8_t mac[6])
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | mac[i];
	return v;
}

/* Today's default, unchanged: an image header at 0, ~256 KiB of code-like
 * bytes, 256 bytes + the MAC in the SDK parameter area.  MAC only. */
static void simple_pattern(uint8_t *mem, uint32_t size, const uint8_t mac[6], struct regions *rs)
{
	struct emu_rng r;
	uint32_t code = size / 4 < 0x40000 ? size / 4 : 0x40000;

	emu_rng_seed(&r, mac64(mac), 0x57AC);
	for (uint32_t i = 0; i < code; i++) {
		/* half the bytes from a small alphabet: compresses like code */
		uint64_t v = emu_rng_next(&r);
		mem[i] = (v & 1) ? (uint8_t)(v >> 8) : (uint8_t)("\x00\x20\x40\x60\x80\xa0\xc0\xe0"[(v >> 8) & 7]);
	}
	static const uint8_t hdr[8] = { 0xE9, 0x03, 0x00, 0x20, 0x04, 0x10, 0x10, 0x40 };
	memcpy(mem, hdr, sizeof hdr);
	uint32_t cfg = size - 4 * EMU_SECTOR;
	for (uint32_t i = 0; i < 256; i++)
		mem[cfg + i] = (uint8_t)emu_rng_next(&r);
	memcpy(mem + cfg + 256, mac, 6);
	region(rs, "code", 0, code, code);
	region(rs, "sdk_cfg", cfg, 4 * EMU_SECTOR, 256 + 6);
}

/* ---- stock ---- */

/* Flash size/frequency byte of the image header (40 MHz). */
static uint8_t size_freq(uint32_t size)
{
	switch (size >> 10) {
	case 256: return 0x10;
	case 512: return 0x00;
	case 1024: return 0x20;
	case 2048: return 0x30;
	case 4096: return 0x40;
	case 8192: return 0x80;
	default: return 0x90;
	}
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}


/* Writes `len` segment bytes at p (header included), returns bytes used. */
static uint32_t segment(struct emu_rng *r, uint8_t *p, uint32_t addr, uint32_t len, uint8_t *chk,
			const char *text)
{
	put32(p, addr);
	put32(p + 4, len);
	emu_code_bytes(r, p + 8, len);
	if (text) {
		/* strings at the end of a data segment, as rodata has them */
		size_t tl = strlen(text) + 1;
		if (tl < len)
			memcpy(p + 8 + len - tl, text, tl);
	}
	for (uint32_t i = 0; i < len; i++)
		*chk ^= p[8 + i];
	return 8 + len;
}

/* Pads to 16 bytes with the checksum in the last byte (esptool's v1 format). */
static uint32_t checksum_tail(uint8_t *base, uint32_t pos, uint8_t chk)
{
	uint32_t pad = 15 - pos % 16;

	memset(base + pos, 0, pad);
	base[pos + pad] = chk;
	return pos + pad + 1;
}

static uint32_t align4(uint32_t v)
{
	return v & ~3u;
}

/* Boot loader: v1 image, two segments (IRAM text, DRAM data). */
static uint32_t stock_boot(struct emu_rng *r, uint8_t *p, uint32_t fsize)
{
	uint32_t text = align4(3200 + emu_rng_below(r, 481)), data = align4(64 + emu_rng_below(r, 193));
	uint8_t chk = 0xEF;
	uint32_t pos = 8;

	p[0] = 0xE9;
	p[1] = 2;
	p[2] = 0x00;                /* QIO */
	p[3] = size_freq(fsize);
	put32(p + 4, 0x4010F000u + 4 * emu_rng_below(r, 64));
	pos += segment(r, p + pos, 0x4010F000u, text, &chk, NULL);
	pos += segment(r, p + pos, 0x3FFE8000u, data, &chk, "2nd boot version : 1.7(5d6f877)");
	return checksum_tail(p, pos, chk);
}

/* user1: v2 image: 0xEA header, the IROM segment, then a v1 image of the
 * RAM segments, then a CRC-32. */
static uint32_t stock_user1(struct emu_rng *r, uint8_t *p, uint32_t total, uint32_t fsize)
{
	uint32_t irom = align4(total / 10 * 8), text = align4(total / 10), dram = align4(total / 40);
	uint32_t rodata = align4(total - irom - text - dram - 64);
	uint32_t entry = 0x40100000u + 4 * emu_rng_below(r, 0x100);
	uint8_t chk = 0xEF, unused = 0;
	uint32_t pos = 8;

	p[0] = 0xEA;
	p[1] = 4;
	p[2] = 0x00;
	p[3] = size_freq(fsize);
	put32(p + 4, entry);
	pos += segment(r, p + pos, 0, irom, &unused, "ITEAD Sonoff Ver:2.6.1 SDK 2.2.1(6ab97e9)");
	uint8_t *v1 = p + pos;
	v1[0] = 0xE9;
	v1[1] = 3;
	v1[2] = 0x00;
	v1[3] = size_freq(fsize);
	put32(v1 + 4, entry);
	pos += 8;
	pos += segment(r, p + pos, 0x40100000u, text, &chk, NULL);
	pos += segment(r, p + pos, 0x3FFE8000u, dram, &chk, NULL);
	pos += segment(r, p + pos, 0x3FFE8000u + dram, rodata, &chk,
		       "https://eu-disp.coolkit.cc/dispatch/device");
	pos = checksum_tail(p, pos, chk);
	uint32_t crc = (uint32_t)crc32(0, p, pos);
	put32(p + pos, crc & 0x80000000u ? crc ^ 0xFFFFFFFFu : crc + 1);
	return pos + 4;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* The app's cloud identity, as text (what a refurbish must not leave). */
static uint32_t stock_app_cfg(struct emu_rng *r, uint8_t *p, const uint8_t mac[6], unsigned seq)
{
	uint8_t key[16], dev[5];
	char mh[13], kh[33], dh[11];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)emu_rng_next(r);
	for (int i = 0; i < 5; i++)
		dev[i] = (uint8_t)emu_rng_next(r);
	dev[0] = 0x10;
	hex(mh, mac, 6);
	hex(kh, key, 16);
	hex(dh, dev, 5);
	int n = snprintf((char *)p, EMU_SECTOR - 8,
			 "{\"seq\":%u,\"deviceid\":\"%s\",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\","
			 "\"cloud_key\":\"ck-%s-%s\",\"apikey\":\"%.8s-%.4s-%.4s-%.4s-%.12s\","
			 "\"server\":\"eu-disp.coolkit.cc\",\"port\":443}",
			 seq, dh, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], mh, kh, kh, kh + 8,
			 kh + 12, kh + 16, kh + 20);
	uint32_t len = (uint32_t)n + 1;
	uint32_t sum = 0;
	for (uint32_t i = 0; i < len; i++)
		sum = sum * 31 + p[i];
	put32(p + len, sum);
	return len + 4;
}

/* SDK system parameters: station SSID/password, soft-AP name, random rest. */
static uint32_t stock_wifi(struct emu_rng *r, uint8_t *p, const uint8_t mac[6])
{
	static const char *const nets[] = { "FRITZ!Box 7590", "Vodafone-2G", "TP-Link_4F21", "Home",
					    "NETGEAR42", "Livebox-7C10" };
	char pw[24];

	emu_code_bytes(r, p, 1024);
	memset(p, 0, 32 + 64 + 32);
	snprintf((char *)p, 32, "%s", nets[emu_rng_below(r, 6)]);
	for (int i = 0; i < 12; i++)
		pw[i] = "abcdefghjkmnpqrstuvwxyz23456789"[emu_rng_below(r, 31)];
	pw[12] = 0;
	memcpy(p + 32, pw, 13);
	snprintf((char *)p + 96, 32, "ITEAD-%02X%02X%02X", mac[3], mac[4], mac[5]);
	memcpy(p + 128, mac, 6);
	return 1024;
}

static void stock(uint8_t *mem, uint32_t size, uint64_t seed, const uint8_t mac[6],
		  struct regions *rs)
{
	struct emu_rng fw, id;
	uint32_t half = size / 2 < (1u << 20) ? size / 2 : 1u << 20;
	uint32_t slot = half - EMU_SECTOR - 4 * EMU_SECTOR;     /* user1's room */
	uint32_t lo, hi;

	emu_rng_seed(&fw, seed, 0x5770C);
	emu_rng_seed(&id, seed ^ mac64(mac), 0x1D);
	if (size == (1u << 20)) {
		lo = 300u << 10;
		hi = 400u << 10;
	} else if (size > (1u << 20)) {
		lo = 400u << 10;
		hi = 560u << 10;
	} else {
		lo = slot / 10 * 6;
		hi = slot / 10 * 8;
	}
	uint32_t u1 = lo + emu_rng_below(&fw, hi - lo + 1);

	uint32_t n = stock_boot(&fw, mem, size);
	region(rs, "boot", 0, EMU_SECTOR, n);
	n = stock_user1(&fw, mem + EMU_SECTOR, u1, size);
	region(rs, "user1", EMU_SECTOR, slot, n);
	n = stock_app_cfg(&id, mem + half - 4 * EMU_SECTOR, mac, 2);
	region(rs, "app_cfg", half - 4 * EMU_SECTOR, EMU_SECTOR, n);
	n = stock_app_cfg(&id, mem + half - 3 * EMU_SECTOR, mac, 1);
	region(rs, "app_cfg2", half - 3 * EMU_SECTOR, EMU_SECTOR, n);
	uint32_t u2 = half + EMU_SECTOR, u2end = u2 + slot;
	if (u2end > size - 5 * EMU_SECTOR)
		u2end = size - 5 * EMU_SECTOR;
	region(rs, "user2", u2, u2end - u2, 0);

	uint32_t end = size - 5 * EMU_SECTOR;
	emu_code_bytes(&id, mem + end, 1024);
	region(rs, "rf_cal", end, EMU_SECTOR, 1024);
	static const uint8_t init[16] = { 0x05, 0x00, 0x04, 0x02, 0x05, 0x05, 0x05, 0x02,
					  0x05, 0x00, 0x04, 0x05, 0x05, 0x04, 0x05, 0x05 };
	emu_code_bytes(&fw, mem + end + EMU_SECTOR, 128);
	memcpy(mem + end + EMU_SECTOR, init, sizeof init);
	region(rs, "init_data", end + EMU_SECTOR, EMU_SECTOR, 128);
	n = stock_wifi(&id, mem + end + 2 * EMU_SECTOR, mac);
	region(rs, "wifi", end + 2 * EMU_SECTOR, EMU_SECTOR, n);
	region(rs, "wifi_bak", end + 3 * EMU_SECTOR, EMU_SECTOR, 0);
	memset(mem + end + 4 * EMU_SECTOR, 0, 16);
	region(rs, "wifi_flag", end + 4 * EMU_SECTOR, EMU_SECTOR, 16);
}

unsigned emu_layout_fill(uint8_t *mem, const struct emu_config *c, struct emu_region *regions,
			 unsigned cap)
{
	struct regions rs = { regions, 0, cap };

	switch (c->layout) {
	case EMU_LAYOUT_SIMPLE:
		simple_pattern(mem, c->flash_size, c->mac, &rs);
		break;
	case EMU_LAYOUT_STOCK:
		if (emu_chipdef(c->chip)->esp32_class)
			return emu_layout32_stock(mem, c, regions, cap);
		stock(mem, c->flash_size, c->faults.seed, c->mac, &rs);
		break;
	case EMU_LAYOUT_BLANK:
		break;
	}
	return rs.n < cap ? rs.n : cap;
}
