/* SPDX-License-Identifier: MIT */
/* Benchmark (figures, never a timed test): one refurbish of a stock-like
 * 1 MB unit at 921600 baud, with realistic flash timing, three ways:
 *   (a) the tutorial's dense flow: read every byte, chip erase, write;
 *   (b) espstation's default: MD5 scan and sparse read, erase only the
 *       sectors that held data outside the image, write only the sectors
 *       that differ from the backup, verify, prove the rest erased;
 *   (c) a revisit of the same unit: its last backup is known, so the scan
 *       reads only what changed (here: the config sectors), then as (b).
 * Each backup is proven by the chip's MD5; a wrong result fails the run.
 * Usage: bench_refurbish [baud] */
#include <string.h>
#include <time.h>

#include "esp_hash.h"
#include "rig.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct cycle {
	double backup, erase, write, verify;
	uint64_t read;
};

/* One unit, one way.  known: the unit's content before (revisit), or NULL. */
static struct cycle refurbish(unsigned baud, int dense, const uint8_t *known, const uint8_t *img,
			      uint32_t img_len, uint8_t **ret_flash)
{
	struct emu_config c;
	rig_defaults(&c);
	c.fast_flash = 0;
	c.layout = EMU_LAYOUT_STOCK;
	c.faults.seed = 3;
	struct rig r;
	rig_open(&r, &c, 115200, baud);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint32_t n = ci.flash_size, sectors = n / 4096;
	uint8_t *b = malloc(n), map[512];
	struct cycle cy = {0};
	double t = now_s();
	const struct esp_backup_plan plan = {.retries = 2, .dense = dense, .known = known};
	struct esp_backup_result res = {.sector_map = map};
	CHECK_OK(&r, esp_flash_backup(r.s, 0, n, b, &plan, &res));
	cy.backup = now_s() - t;
	cy.read = res.bytes_read;
	t = now_s();
	if (dense) {
		CHECK_OK(&r, esp_flash_erase_chip(r.s, n));
	} else {
		CHECK_OK(&r, esp_flash_erase_map(r.s, map, (img_len + 4095) / 4096, sectors, NULL));
	}
	cy.erase = now_s() - t;
	t = now_s();
	if (dense) {
		CHECK_OK(&r, esp_flash_write(r.s, 0, img, img_len));
	} else {
		/* as the station: send only sectors that differ from what the backup
		 * proved (the targeted erase left the image's range alone) */
		uint8_t *md5 = malloc((size_t)sectors * 16);
		for (uint32_t i = 0; i < sectors; i++)
			esp_md5(b + (size_t)i * 4096, 4096, md5 + (size_t)i * 16);
		const struct esp_write_plan wp = {.sector_md5 = md5, .sectors = sectors};
		CHECK_OK(&r, esp_flash_write_less(r.s, 0, img, img_len, &wp, NULL));
		free(md5);
	}
	cy.write = now_s() - t;
	t = now_s();
	CHECK_OK(&r, esp_flash_verify(r.s, 0, img, img_len));
	uint32_t bad, from = (img_len + 4095) / 4096 * 4096;
	if (!dense)
		CHECK_OK(&r, esp_flash_check_erased(r.s, from, n - from, &bad));
	cy.verify = now_s() - t;
	uint32_t fn;
	uint8_t *after = rig_flash(&r, &fn);
	CHECK(memcmp(after, img, img_len) == 0);
	for (uint32_t i = from; i < n; i++)
		CHECK(after[i] == 0xFF);
	free(after);
	*ret_flash = b;
	rig_close(&r);
	return cy;
}

static double total(const struct cycle *c)
{
	return c->backup + c->erase + c->write + c->verify;
}

static void row(const char *name, const struct cycle *c, const struct cycle *dense)
{
	printf("  %-28s backup %6.2f s (%7llu B read)  erase %5.2f s  write %5.2f s  verify %5.2f s"
	       "  cycle %6.2f s  ratio %.2f\n", name, c->backup, (unsigned long long)c->read, c->erase,
	       c->write, c->verify, total(c), total(c) / total(dense));
}

int main(int argc, char **argv)
{
	unsigned baud = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 921600u;
	uint32_t img_len = 420000;
	uint8_t *img = rig_random(img_len, 11);
	img[0] = 0xE9;
	uint8_t *b1, *b2, *b3;
	struct cycle a = refurbish(baud, 1, NULL, img, img_len, &b1);
	struct cycle b = refurbish(baud, 0, NULL, img, img_len, &b2);
	CHECK(memcmp(b1, b2, 1u << 20) == 0);
	/* a revisit: the unit as it was before, but its config sectors rewritten */
	uint8_t *known = malloc(1u << 20);
	memcpy(known, b2, 1u << 20);
	for (uint32_t i = 0xFB000; i < 0xFD000; i++)
		known[i] ^= 0x55;
	struct cycle c = refurbish(baud, 0, known, img, img_len, &b3);
	CHECK(memcmp(b1, b3, 1u << 20) == 0);
	printf("refurbish benchmark: stock-like 1 MB unit, %u-byte image, %u baud, realistic flash\n",
	       img_len, baud);
	row("(a) dense (tutorial flow)", &a, &a);
	row("(b) espstation default", &b, &a);
	row("(c) revisit, known unit", &c, &a);
	printf("  targets: (b) <= 0.50 x (a), (c) <= 0.35 x (a)\n");
	free(known);
	free(b1);
	free(b2);
	free(b3);
	free(img);
	return 0;
}
