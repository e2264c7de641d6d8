/* SPDX-License-Identifier: MIT */
/* ROM flash writing: the ESP8266 erase-size bug (§12.2 table), attach-only
 * FLASH_BEGIN(0, 0), AND-programming without erase, checksum errors, and
 * FLASH_END(1) leaving the loader for the application. */
#include <stdlib.h>
#include <string.h>

#include "test_emu_util.h"

#define FS (1u << 20)

/* esptool's ESP8266ROM.get_erase_size (the workaround), in bytes */
static uint32_t esptool_erase_size(uint32_t offset, uint32_t size)
{
	uint32_t n = (size + 4095) / 4096, s = offset / 4096;
	uint32_t head = 16 - s % 16;

	if (head > n)
		head = n;
	return (n < 2 * head ? (n + 1) / 2 : n - head) * 4096;
}

/* FLASH_BEGIN on all-zero flash; returns the erased [first, end) or -1. */
static int erased_range(struct th *t, uint32_t esize, uint32_t offset, uint32_t *first, uint32_t *end)
{
	uint8_t *f = calloc(1, FS), d[16];
	struct th_resp r;
	int rc = -1;

	emu_set_flash(t->e, 0, f, FS);
	th_put32(d, esize);
	th_put32(d + 4, (esize + 0x3FF) / 0x400);
	th_put32(d + 8, 0x400);
	th_put32(d + 12, offset);
	if (th_cmd(t, 0x02, d, 16, 0, &r, 3000) < 0 || r.st[0] != 0)
		goto out;
	emu_get_flash(t->e, f, FS);
	uint32_t a = 0;
	while (a < FS && f[a] == 0)
		a++;
	*first = a;
	while (a < FS && f[a] == 0xFF)
		a++;
	*end = a;
	while (a < FS && f[a] == 0)
		a++;
	rc = a == FS ? 0 : -1;      /* one contiguous erased run */
out:
	free(f);
	return rc;
}

static void test_table(struct th *t)
{
	/* offset, size, expected esptool value, sectors the ROM then erases */
	static const struct {
		uint32_t off, size, sent, erased;
	} rows[] = {
		{ 0x0, 0x100000, 0xF0000, 256 },
		{ 0x1000, 0x20000, 0x11000, 32 },
		{ 0x3000, 0x8000, 0x4000, 8 },
		{ 0x3000, 0x7000, 0x4000, 8 },
		{ 0x0, 0x1000, 0x1000, 2 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint32_t sent = esptool_erase_size(rows[i].off, rows[i].size), first = 0, end = 0;
		TH_CHECK(t, sent == rows[i].sent, "row %zu: workaround %x", i, sent);
		int rc = erased_range(t, sent, rows[i].off, &first, &end);
		TH_CHECK(t, rc == 0 && first == rows[i].off && end == rows[i].off + rows[i].erased * 4096,
			 "row %zu: erased [%x, %x)", i, first, end);
	}
	/* the raw model: n + min(16 - s % 16, n) sectors from s */
	uint32_t first, end;
	TH_CHECK(t, erased_range(t, 0x5000, 0xE000, &first, &end) == 0 && first == 0xE000 &&
		 end == 0xE000 + (5 + 2) * 4096, "crossing a block: [%x, %x)", first, end);
}

static void test_program(struct th *t)
{
	uint8_t d[16], *blk = malloc(16 + 0x400), *f = malloc(FS);
	struct th_resp r;

	memset(f, 0xFF, FS);
	memset(f + 0x20000, 0x0F, 0x400);   /* old data, never erased */
	emu_set_flash(t->e, 0, f, FS);
	/* attach only: FLASH_BEGIN(0, 0) erases nothing */
	th_put32(d, 0);
	th_put32(d + 4, 0);
	th_put32(d + 8, 0x400);
	th_put32(d + 12, 0x20000);
	TH_CHECK(t, th_cmd(t, 0x02, d, 16, 0, &r, 1000) == 0 && r.st[0] == 0, "attach");
	th_put32(blk, 0x400);
	th_put32(blk + 4, 0);
	th_put32(blk + 8, 0);
	th_put32(blk + 12, 0);
	memset(blk + 16, 0xF3, 0x400);
	TH_CHECK(t, th_cmd(t, 0x03, blk, 16 + 0x400, 0x12, &r, 1000) == 0 && r.st[0] == 1 &&
		 r.st[1] == 7, "bad checksum %02x %02x", r.st[0], r.st[1]);
	TH_CHECK(t, th_cmd(t, 0x03, blk, 16 + 0x400, th_checksum(blk + 16, 0x400), &r, 1000) == 0 &&
		 r.st[0] == 0, "FLASH_DATA %02x %02x", r.st[0], r.st[1]);
	emu_get_flash(t->e, f, FS);
	TH_CHECK(t, f[0x20000] == (0x0F & 0xF3) && f[0x203FF] == 0x03, "NOR AND: %02x", f[0x20000]);
	/* FLASH_END(1): the loader leaves, the application runs (no SYNC reply) */
	th_put32(d, 1);
	TH_CHECK(t, th_cmd(t, 0x04, d, 4, 0, &r, 1000) == 0 && r.st[0] == 0, "FLASH_END");
	th_sleep_ms(20);
	TH_CHECK(t, !emu_in_download_mode(t->e), "still in the loader after FLASH_END(1)");
	th_drain(t, 10);
	TH_CHECK(t, th_sync(t, NULL) == 0, "application answered SYNC");
	free(blk);
	free(f);
}

int main(void)
{
	struct emu_config c;
	struct th t;

	th_config(&c);
	if (th_open(&t, &c, 460800, "rom-flash") < 0 || th_sync(&t, NULL) != 8) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	test_table(&t);
	test_program(&t);
	th_close(&t);
	return th_finish(&t, "rom-flash");
}
