/* SPDX-License-Identifier: MIT */
/*
 * The "stock" flash of an ESP32 or ESP32-C3 unit as shipped: an ESP-IDF
 * firmware with the Arduino core's default partition table.  With the boot
 * loader at 0x1000 (ESP32) or 0x0 (C3):
 *
 *   boot loader   ESP32-class image, chip id 0 / 5, 3 RAM segments, SHA-256
 *   0x8000        partition table (32-byte entries, MD5 entry, 0xFF)
 *   0x9000 nvs    one active NVS page: the cloud identity and Wi-Fi keys
 *   0xE000 otadata  the OTA selector (first sector; the second is erased)
 *   0x10000 app0  the app: DROM (app description first), DRAM, IRAM, IROM,
 *                 SHA-256 appended; 4 MB: 0.9-1.2 MB, smaller: 60-80 % of the slot
 *   app1, spiffs, coredump (>= 4 MB) or app1 (2 MB): erased;
 *   <= 1 MB: one factory app slot instead of app0/app1
 *
 * Firmware from the seed (units of one model run the same), identity from
 * the seed and the MAC.  A flash-encrypted unit holds boot loader,
 * partition table and app as "ciphertext" (an address-keyed XOR stream,
 * emu_fe_crypt), as the real unit does after its first boot; NVS and
 * otadata stay plain, erased sectors stay 0xFF.  NVS and otadata CRCs are
 * zlib's CRC-32 over the fields IDF covers (not checked against IDF).
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <nettle/md5.h>

#include "emu_image32.h"
#include "emu_priv.h"

#define PTABLE 0x8000u
#define NVS 0x9000u
#define NVS_SIZE 0x5000u
#define OTADATA 0xE000u
#define APP0 0x10000u

struct part {
	const char *label;
	uint8_t type, subtype;
	uint32_t off, size;
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t align4(uint32_t v)
{
	return v & ~3u;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

uint64_t emu_fe_key(const struct emu_config *c)
{
	uint64_t k = c->faults.seed;

	for (int i = 0; i < 6; i++)
		k = k << 8 ^ c->mac[i] ^ k >> 56;
	return splitmix(k ^ 0xFEC0DEull);
}

void emu_fe_crypt(uint64_t key, uint32_t addr, uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = addr + i;
		p[i] ^= (uint8_t)(splitmix(key ^ (a >> 3)) >> (8 * (a & 7)));
	}
}

/* The Arduino core's default.csv for 4 MB and up, two 0xF0000 slots at
 * 2 MB, one factory app below. */
static unsigned partitions(uint32_t size, struct part *p)
{
	unsigned n = 0;

	p[n++] = (struct part){ "nvs", 1, 0x02, NVS, NVS_SIZE };
	p[n++] = (struct part){ "otadata", 1, 0x00, OTADATA, 0x2000 };
	if (size >= (4u << 20)) {
		p[n++] = (struct part){ "app0", 0, 0x10, APP0, 0x140000 };
		p[n++] = (struct part){ "app1", 0, 0x11, 0x150000, 0x140000 };
		p[n++] = (struct part){ "spiffs", 1, 0x82, 0x290000, 0x160000 };
		p[n++] = (struct part){ "coredump", 1, 0x03, 0x3F0000, 0x10000 };
	} else if (size == (2u << 20)) {
		p[n++] = (struct part){ "app0", 0, 0x10, APP0, 0xF0000 };
		p[n++] = (struct part){ "app1", 0, 0x11, 0x100000, 0xF0000 };
	} else {
		p[n++] = (struct part){ "factory", 0, 0x00, APP0, size - APP0 };
	}
	return n;
}

static uint32_t write_ptable(uint8_t *t, const struct part *p, unsigned n)
{
	struct md5_ctx ctx;

	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = t + 32 * i;
		memset(e, 0, 32);
		e[0] = 0xAA;
		e[1] = 0x50;
		e[2] = p[i].type;
		e[3] = p[i].subtype;
		put32(e + 4, p[i].off);
		put32(e + 8, p[i].size);
		snprintf((char *)e + 12, 16, "%s", p[i].label);
	}
	uint8_t *m = t + 32 * n;
	m[0] = m[1] = 0xEB;
	memset(m + 2, 0xFF, 14);
	md5_init(&ctx);
	md5_update(&ctx, 32 * n, t);
	md5_digest(&ctx, MD5_DIGEST_SIZE, m + 16);
	return 32 * (n + 1);
}

/* ---- NVS: one active page ---- */

struct nvs {
	uint8_t *page;
	unsigned next;              /* next free entry */
};

static uint32_t crc(const uint8_t *p, uint32_t n)
{
	return (uint32_t)crc32(0, p, n);
}

static uint8_t *nvs_entry(struct nvs *v, uint8_t ns, uint8_t type, uint8_t span, const char *key)
{
	uint8_t *e = v->page + 64 + 32 * v->next;

	memset(e, 0xFF, 32);
	e[0] = ns;
	e[1] = type;
	e[2] = span;
	memset(e + 8, 0, 16);
	snprintf((char *)e + 8, 16, "%s", key);
	for (unsigned i = 0; i < span; i++) {
		unsigned k = v->next + i;
		v->page[32 + k / 4] &= (uint8_t)~(1u << (2 * (k % 4)));    /* state 10: written */
	}
	v->next += span;
	return e;
}

static void nvs_seal(uint8_t *e)
{
	uint8_t tmp[28];

	memcpy(tmp, e, 4);
	memcpy(tmp + 4, e + 8, 24);
	put32(e + 4, crc(tmp, sizeof tmp));
}

static void nvs_namespace(struct nvs *v, const char *name, uint8_t index)
{
	uint8_t *e = nvs_entry(v, 0, 0x01, 1, name);
	memset(e + 24, 0xFF, 8);
	e[24] = index;
	nvs_seal(e);
}

static void nvs_string(struct nvs *v, uint8_t ns, const char *key, const char *s)
{
	uint32_t len = (uint32_t)strlen(s) + 1;
	uint8_t span = (uint8_t)(1 + (len + 31) / 32);
	uint8_t *e = nvs_entry(v, ns, 0x21, span, key);

	e[24] = (uint8_t)len;
	e[25] = (uint8_t)(len >> 8);
	e[26] = e[27] = 0xFF;
	put32(e + 28, crc((const uint8_t *)s, len));
	nvs_seal(e);
	memcpy(e + 32, s, len);
}

static uint32_t write_nvs(uint8_t *page, struct emu_rng *id, const uint8_t mac[6])
{
	static const char *const nets[] = { "FRITZ!Box 7590", "Vodafone-2G", "TP-Link_4F21", "Home",
					    "NETGEAR42", "Livebox-7C10" };
	struct nvs v = { page, 0 };
	char macs[18], dev[11], key[37], pw[13];
	uint8_t k[16];

	memset(page, 0xFF, 64);
	put32(page, 0xFFFFFFFEu);   /* active */
	put32(page + 4, 0);         /* sequence number */
	page[8] = 0xFE;             /* format version 2 */
	put32(page + 28, crc(page + 4, 24));
	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)emu_rng_next(id);
	snprintf(macs, sizeof macs, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	snprintf(dev, sizeof dev, "10%02x%02x%02x%02x", k[0], k[1], mac[4], mac[5]);
	snprintf(key, sizeof key, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 k[2], k[3], k[4], k[5], k[6], k[7], k[8], k[9], k[10], k[11], k[12], k[13], k[14],
		 k[15], k[0], k[1]);
	for (int i = 0; i < 12; i++)
		pw[i] = "abcdefghjkmnpqrstuvwxyz23456789"[emu_rng_below(id, 31)];
	pw[12] = 0;
	nvs_namespace(&v, "ewelink", 1);
	nvs_string(&v, 1, "deviceid", dev);
	nvs_string(&v, 1, "apikey", key);
	nvs_string(&v, 1, "mac", macs);
	nvs_string(&v, 1, "server", "eu-disp.coolkit.cc");
	nvs_namespace(&v, "nvs.net80211", 2);
	nvs_string(&v, 2, "sta.ssid", nets[emu_rng_below(id, 6)]);
	nvs_string(&v, 2, "sta.pswd", pw);
	return 64 + 32 * v.next;
}

/* ---- images ---- */

static struct emu_img32_seg seg(uint32_t addr, uint32_t len, int mapped, const char *text)
{
	struct emu_img32_seg s;

	memset(&s, 0, sizeof s);
	s.addr = addr;
	s.len = len;
	s.mapped = mapped;
	s.text = text;
	return s;
}

static uint32_t write_bootloader(uint8_t *p, uint32_t cap, const struct emu_config *c,
				 struct emu_rng *fw)
{
	int c3 = c->chip == EMU_ESP32C3;
	struct emu_img32 im = {
		.chip_id = c3 ? 5 : 0, .min_rev = c3 ? 3 : 0, .min_rev_full = c3 ? 3 : 0,
		.max_rev_full = c3 ? 199 : 399, .flash_mode = 2,
		.size_freq = emu_img32_size_code(c->flash_size), .flash_offset = c3 ? 0 : 0x1000,
		.nseg = 3,
	};
	if (c3) {
		im.seg[0] = seg(0x3FCD5820u, align4(0x1500 + emu_rng_below(fw, 0x300)), 0, NULL);
		im.seg[1] = seg(0x403CC710u, align4(0x900 + emu_rng_below(fw, 0x100)), 0, NULL);
		im.seg[2] = seg(0x403CE710u, align4(0x2D00 + emu_rng_below(fw, 0x400)), 0,
				"ESP-IDF v4.4.4 2nd stage bootloader");
		im.entry = 0x403CC71Au;
	} else {
		im.seg[0] = seg(0x3FFF0030u, align4(0x1600 + emu_rng_below(fw, 0x400)), 0, NULL);
		im.seg[1] = seg(0x40078000u, align4(0x3400 + emu_rng_below(fw, 0x800)), 0, NULL);
		im.seg[2] = seg(0x40080400u, align4(0xC00 + emu_rng_below(fw, 0x400)), 0,
				"ESP-IDF v4.4.4 2nd stage bootloader");
		im.entry = 0x40080600u + 4 * emu_rng_below(fw, 64);
	}
	return emu_img32_write(p, cap, &im, fw);
}

/* esp_app_desc_t: magic, versions, project, build time, IDF version, ELF hash. */
static void app_desc(uint8_t d[256], struct emu_rng *fw, int c3)
{
	static const char *const versions[] = { "1.3.0", "1.4.2", "2.0.1", "3.1.3" };

	memset(d, 0, 256);
	put32(d, 0xABCD5432u);
	snprintf((char *)d + 16, 32, "%s", versions[emu_rng_below(fw, 4)]);
	snprintf((char *)d + 48, 32, "%s", c3 ? "sonoff-basic-r4" : "sonoff-pow-elite");
	snprintf((char *)d + 80, 16, "10:21:37");
	snprintf((char *)d + 96, 16, "Mar 14 2023");
	snprintf((char *)d + 112, 32, "v4.4.4");
	for (int i = 0; i < 32; i++)
		d[144 + i] = (uint8_t)emu_rng_next(fw);
}

static uint32_t write_app(uint8_t *p, uint32_t slot, const struct emu_config *c, struct emu_rng *fw)
{
	int c3 = c->chip == EMU_ESP32C3;
	uint32_t lo = slot >= 0x140000 ? 900u << 10 : slot / 10 * 6;
	uint32_t hi = slot >= 0x140000 ? 1200u << 10 : slot / 10 * 8;
	uint32_t total = lo + emu_rng_below(fw, hi - lo + 1);
	uint8_t desc[256];
	struct emu_img32 im = {
		.chip_id = c3 ? 5 : 0, .min_rev = c3 ? 3 : 0, .min_rev_full = c3 ? 3 : 0,
		.max_rev_full = c3 ? 199 : 399, .flash_mode = 2,
		.size_freq = emu_img32_size_code(c->flash_size), .flash_offset = APP0, .nseg = 4,
	};
	uint32_t drom = align4(total / 100 * 22), dram = align4(total / 100 * 2 + 0x1000);
	uint32_t iram = align4(total / 100 * 9), irom = align4(total - drom - dram - iram - 64);

	app_desc(desc, fw, c3);
	im.seg[0] = seg(c3 ? 0x3C000000u : 0x3F400000u, drom, 1,
			"https://eu-disp.coolkit.cc/dispatch/device");
	im.seg[0].head = desc;
	im.seg[0].head_len = sizeof desc;
	im.seg[1] = seg(c3 ? 0x3FC8A000u : 0x3FFB0000u, dram, 0, NULL);
	im.seg[2] = seg(c3 ? 0x40380000u : 0x40080000u, iram, 0, NULL);
	im.seg[3] = seg(c3 ? 0x42000000u : 0x400D0000u, irom, 1, NULL);
	im.entry = (c3 ? 0x40380080u : 0x40081000u) + 4 * emu_rng_below(fw, 256);
	return emu_img32_write(p, slot, &im, fw);
}

static void region(struct emu_region *out, unsigned cap, unsigned *n, const char *name, uint32_t off,
		   uint32_t size, uint32_t data)
{
	if (*n < cap) {
		snprintf(out[*n].name, sizeof out[*n].name, "%s", name);
		out[*n].offset = off;
		out[*n].size = size;
		out[*n].data = data;
	}
	(*n)++;
}

unsigned emu_layout32_stock(uint8_t *mem, const struct emu_config *c, struct emu_region *out,
			    unsigned cap)
{
	struct emu_rng fw, id;
	struct part parts[8];
	uint64_t mac = 0;
	unsigned n = 0;
	uint32_t boot = c->chip == EMU_ESP32C3 ? 0 : 0x1000;

	for (int i = 0; i < 6; i++)
		mac = mac << 8 | c->mac[i];
	emu_rng_seed(&fw, c->faults.seed, 0x3257C);
	emu_rng_seed(&id, c->faults.seed ^ mac, 0x1D32);
	unsigned np = partitions(c->flash_size, parts);
	uint32_t len = write_bootloader(mem + boot, PTABLE - boot, c, &fw);
	region(out, cap, &n, "boot", boot, PTABLE - boot, len);
	uint32_t plen = write_ptable(mem + PTABLE, parts, np);
	region(out, cap, &n, "ptable", PTABLE, EMU_SECTOR, plen);
	uint64_t key = emu_fe_key(c);
	if (c->security.flash_encrypted) {
		emu_fe_crypt(key, boot, mem + boot, len);
		emu_fe_crypt(key, PTABLE, mem + PTABLE, plen);
	}
	for (unsigned i = 0; i < np; i++) {
		const struct part *p = &parts[i];
		uint32_t data = 0;
		if (p->off + p->size > c->flash_size)
			continue;
		if (p->off == NVS) {
			data = write_nvs(mem + NVS, &id, c->mac);
		} else if (p->off == OTADATA && np > 3) {
			/* ota_seq 1 (app0), label unset, state undefined, CRC of ota_seq */
			put32(mem + OTADATA, 1);
			put32(mem + OTADATA + 28, crc(mem + OTADATA, 4));
			data = 32;
		} else if (p->off == APP0) {
			data = write_app(mem + APP0, p->size, c, &fw);
			if (c->security.flash_encrypted)
				emu_fe_crypt(key, APP0, mem + APP0, data);
		}
		region(out, cap, &n, p->label, p->off, p->size, data);
	}
	return n < cap ? n : cap;
}
