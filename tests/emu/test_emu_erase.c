/* SPDX-License-Identifier: MIT */
/* Erasing, its cost and its record:
 *  - a stuck sector keeps its content through ERASE_REGION, ERASE_FLASH, the
 *    erase a stub write does as it goes, and the ROM's FLASH_BEGIN erase;
 *    SPI_FLASH_MD5 and READ_FLASH tell the truth about it; emu_set_faults
 *    can clear it;
 *  - busy times: sector 45 ms, 64 KiB block 150 ms (ERASE_REGION uses blocks
 *    only where it covers whole aligned blocks), chip 4 s per MiB, MD5
 *    8 MiB/s; checked on the log's clock (the next command can only be taken
 *    after the busy time), not with sleeps;
 *  - the log: READ_FLASH offset/size, "erase" events for every erase with
 *    its range, MD5 ranges, FLASH_DEFL_BEGIN erase_offset/erase_size. */
#include <nettle/md5.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test_emu_util.h"

#define MB (1024u * 1024u)
#define STUCK 0xFB000u
#define ENTRY_NEW 0x4010C504u
#define ENTRY_LEGACY 0x4010D004u

static void md5_of(const uint8_t *p, size_t n, uint8_t out[16])
{
	struct md5_ctx c;

	md5_init(&c);
	md5_update(&c, n, p);
	md5_digest(&c, MD5_DIGEST_SIZE, out);
}

static int all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xFF)
			return 0;
	return 1;
}

static int cmd8(struct th *t, uint8_t op, uint32_t a, uint32_t b, int timeout_ms)
{
	uint8_t d[8];
	struct th_resp r;

	th_put32(d, a);
	th_put32(d + 4, b);
	if (th_cmd(t, op, d, 8, 0, &r, timeout_ms) < 0)
		return -1;
	return r.st[0];
}

static int erase_flash(struct th *t, int timeout_ms)
{
	struct th_resp r;

	if (th_cmd(t, 0xD0, NULL, 0, 0, &r, timeout_ms) < 0)
		return -1;
	return r.st[0];
}

/* FLASH_DEFL_BEGIN/DATA/END of data at off; END's status or -1. */
static int write_deflated(struct th *t, uint32_t off, const uint8_t *data, uint32_t len, int timeout_ms)
{
	uLongf clen = compressBound(len);
	uint8_t *z = malloc(clen), *blk = malloc(16 + 0x4000), d[20];
	struct th_resp r;
	int rc = -1;

	compress2(z, &clen, data, len, 9);
	uint32_t nblk = (uint32_t)((clen + 0x3FFF) / 0x4000);
	th_put32(d, len);
	th_put32(d + 4, nblk);
	th_put32(d + 8, 0x4000);
	th_put32(d + 12, off);
	th_put32(d + 16, 0);
	if (th_cmd(t, 0x10, d, 20, 0, &r, 1000) < 0 || r.st[0] != 0)
		goto out;
	for (uint32_t i = 0; i < nblk; i++) {
		uint32_t n = (uint32_t)(clen - i * 0x4000 < 0x4000 ? clen - i * 0x4000 : 0x4000);
		th_put32(blk, n);
		th_put32(blk + 4, i);
		th_put32(blk + 8, 0);
		th_put32(blk + 12, 0);
		memcpy(blk + 16, z + i * 0x4000, n);
		if (th_cmd(t, 0x11, blk, 16 + n, th_checksum(blk + 16, n), &r, timeout_ms) < 0 ||
		    r.st[0] != 0)
			goto out;
	}
	th_put32(d, 1);
	if (th_cmd(t, 0x12, d, 4, 0, &r, timeout_ms) < 0)
		goto out;
	rc = r.st[0];
out:
	free(z);
	free(blk);
	return rc;
}

static void stuck_config(struct emu_config *c)
{
	th_config(c);
	c->layout = EMU_LAYOUT_STOCK;
	c->faults.seed = 3;
	c->faults.stuck_sectors[0] = STUCK;
	c->faults.n_stuck = 1;
}

/* The stuck sector through every stub erase; MD5 and READ_FLASH agree. */
static void test_stuck_stub(enum emu_stub_flavour fl)
{
	struct emu_config c;
	struct th t;
	uint8_t *before = malloc(MB), *now = malloc(MB), *got = malloc(0x1000), md5[16], want[16];
	const char *name = fl == EMU_STUB_LEGACY ? "erase-stuck-legacy" : "erase-stuck-new";

	stuck_config(&c);
	if (th_open_stub(&t, &c, fl == EMU_STUB_LEGACY ? ENTRY_LEGACY : ENTRY_NEW, name) < 0) {
		TH_CHECK(&t, 0, "stub did not start");
		goto out;
	}
	emu_get_flash(t.e, before, MB);
	TH_CHECK(&t, !all_ff(before + STUCK, 0x1000), "the stock layout has nothing at 0xFB000");
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"stuck_sectors\",\"sectors\":[1028096]") == 1,
		 "stuck sectors not in the log");

	/* ERASE_REGION over the block holding it: everything else goes */
	TH_CHECK(&t, cmd8(&t, 0xD1, 0xF0000, 0x10000, 2000) == 0, "ERASE_REGION");
	emu_get_flash(t.e, now, MB);
	TH_CHECK(&t, memcmp(now + STUCK, before + STUCK, 0x1000) == 0, "stuck sector erased");
	TH_CHECK(&t, all_ff(now + 0xF0000, STUCK - 0xF0000) &&
		 all_ff(now + STUCK + 0x1000, 0x100000 - STUCK - 0x1000), "the rest of the block not erased");
	TH_CHECK(&t, th_flash_md5(&t, STUCK, 0x1000, md5, 2000) == 0, "MD5");
	md5_of(before + STUCK, 0x1000, want);
	TH_CHECK(&t, memcmp(md5, want, 16) == 0, "SPI_FLASH_MD5 does not show the old content");
	TH_CHECK(&t, th_read_flash(&t, STUCK, 0x1000, got) == 0 &&
		 memcmp(got, before + STUCK, 0x1000) == 0, "READ_FLASH does not show the old content");
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"fault\",\"kind\":\"stuck_sector\",\"addr\":1028096,"
			     "\"by\":\"ERASE_REGION\"") == 1, "stuck sector fault not logged");
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"erase\",\"by\":\"ERASE_REGION\",\"offset\":983040,"
			     "\"size\":65536,\"sectors\":0,\"blocks\":1,\"chip\":0,") == 1 &&
		 th_log_count(&t, "\"stuck\":[1028096]") == 1, "erase event");

	/* a sector erase of just that sector */
	TH_CHECK(&t, cmd8(&t, 0xD1, STUCK, 0x1000, 2000) == 0, "ERASE_REGION one sector");
	emu_get_flash(t.e, now, MB);
	TH_CHECK(&t, memcmp(now + STUCK, before + STUCK, 0x1000) == 0, "stuck sector erased (sector)");

	/* the implicit erase of a write: programming ANDs onto the old bytes */
	uint8_t *img = malloc(0x3000);
	for (uint32_t i = 0; i < 0x3000; i++)
		img[i] = (uint8_t)(0xA5 ^ (i * 7));
	TH_CHECK(&t, write_deflated(&t, 0xFA000, img, 0x3000, 2000) == 0, "write over the stuck sector");
	emu_get_flash(t.e, now, MB);
	int anded = 1;
	for (uint32_t i = 0; i < 0x1000; i++)
		anded &= now[STUCK + i] == (before[STUCK + i] & img[0x1000 + i]);
	TH_CHECK(&t, anded && memcmp(now + 0xFA000, img, 0x1000) == 0 &&
		 memcmp(now + 0xFC000, img + 0x2000, 0x1000) == 0, "write: stuck sector not ANDed");
	TH_CHECK(&t, th_flash_md5(&t, 0xFA000, 0x3000, md5, 2000) == 0, "MD5 of the write");
	md5_of(img, 0x3000, want);
	TH_CHECK(&t, memcmp(md5, want, 16) != 0, "MD5 claims the write over a stuck sector is right");
	md5_of(now + 0xFA000, 0x3000, want);
	TH_CHECK(&t, memcmp(md5, want, 16) == 0, "MD5 is not the flash's");
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"erase\",\"by\":\"FLASH_DEFL_DATA\",\"offset\":1024000,"
			     "\"size\":12288,\"sectors\":3,\"blocks\":0,") == 1, "write's erase not logged");
	TH_CHECK(&t, th_log_count(&t, "\"kind\":\"stuck_sector\",\"addr\":1028096,\"by\":\"FLASH_DEFL_DATA\"")
		 == 1, "write's stuck fault not logged");
	TH_CHECK(&t, th_log_count(&t, "\"name\":\"FLASH_DEFL_BEGIN\",\"size\":12288,\"blocks\":1,"
			     "\"block_size\":16384,\"offset\":1024000,\"erase_offset\":1024000,"
			     "\"erase_size\":12288,") == 1, "FLASH_DEFL_BEGIN erase range not logged");
	free(img);

	/* chip erase: all 0xFF but the stuck sector, which holds the ANDed bytes */
	uint8_t keep[0x1000];
	memcpy(keep, now + STUCK, sizeof keep);
	TH_CHECK(&t, erase_flash(&t, 2000) == 0, "ERASE_FLASH");
	emu_get_flash(t.e, now, MB);
	TH_CHECK(&t, all_ff(now, STUCK) && all_ff(now + STUCK + 0x1000, MB - STUCK - 0x1000) &&
		 memcmp(now + STUCK, keep, sizeof keep) == 0, "chip erase and the stuck sector");
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"erase\",\"by\":\"ERASE_FLASH\",\"offset\":0,"
			     "\"size\":1048576,\"sectors\":0,\"blocks\":0,\"chip\":1,") == 1 &&
		 th_log_count(&t, "\"kind\":\"stuck_sector\",\"addr\":1028096,\"by\":\"ERASE_FLASH\"") == 1,
		 "chip erase not logged");
	uint8_t ff[0x1000];
	memset(ff, 0xFF, sizeof ff);
	md5_of(ff, sizeof ff, want);
	TH_CHECK(&t, th_flash_md5(&t, STUCK, 0x1000, md5, 2000) == 0 && memcmp(md5, want, 16) != 0,
		 "the stuck sector's MD5 is that of erased flash");

	/* the fault cleared at run time: the sector erases again */
	struct emu_faults f = c.faults;
	f.n_stuck = 0;
	emu_set_faults(t.e, &f);
	TH_CHECK(&t, cmd8(&t, 0xD1, STUCK, 0x1000, 2000) == 0, "ERASE_REGION after clearing");
	emu_get_flash(t.e, now, MB);
	TH_CHECK(&t, all_ff(now, MB), "cleared stuck sector still does not erase");
	th_close(&t);
out:
	th_finish(&t, name);
	if (t.failures)
		exit(1);
	free(before);
	free(now);
	free(got);
}

/* The ROM's FLASH_BEGIN erase leaves the stuck sector too. */
static void test_stuck_rom(void)
{
	struct emu_config c;
	struct th t;
	uint8_t d[16], *before = malloc(MB), *now = malloc(MB);
	struct th_resp r;

	stuck_config(&c);
	if (th_open(&t, &c, 460800, "erase-stuck-rom") < 0 || th_sync(&t, NULL) != 8) {
		TH_CHECK(&t, 0, "no ROM");
		goto out;
	}
	emu_get_flash(t.e, before, MB);
	th_put32(d, 0x2000);            /* the ROM's bug doubles it: 0xFA000..0xFDFFF */
	th_put32(d + 4, 8);
	th_put32(d + 8, 0x400);
	th_put32(d + 12, 0xFA000);
	TH_CHECK(&t, th_cmd(&t, 0x02, d, 16, 0, &r, 2000) == 0 && r.st[0] == 0, "FLASH_BEGIN");
	emu_get_flash(t.e, now, MB);
	TH_CHECK(&t, memcmp(now + STUCK, before + STUCK, 0x1000) == 0 && all_ff(now + 0xFA000, 0x1000) &&
		 all_ff(now + 0xFC000, 0x2000), "ROM erase and the stuck sector");
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"erase\",\"by\":\"FLASH_BEGIN\",\"offset\":1024000,"
			     "\"size\":16384,") == 1 &&
		 th_log_count(&t, "\"erase_offset\":1024000,\"erase_size\":16384,") == 1,
		 "ROM erase not logged");
	th_close(&t);
out:
	th_finish(&t, "erase-stuck-rom");
	if (t.failures)
		exit(1);
	free(before);
	free(now);
}

/* The log line of the nth command named name, its "t" and "busy_ms". */
static int cmd_times(struct th *t, const char *name, int nth, double *at, double *busy)
{
	char needle[64], line[4096];

	snprintf(needle, sizeof needle, "\"name\":\"%s\"", name);
	if (th_log_line(t, needle, nth, line, sizeof line) < 0)
		return -1;
	if (th_json_num(line, "t", at) < 0)
		return -1;
	if (busy && th_json_num(line, "busy_ms", busy) < 0)
		return -1;
	return 0;
}

/* Busy times from the log: each is what the model says, and the device took
 * the next command (a READ_REG sent right after the reply) no earlier than
 * the busy time after it took this one. */
static void check_busy(struct th *t, const char *name, int nth, double want_ms, int probe)
{
	double at, busy, next;

	TH_CHECK(t, cmd_times(t, name, nth, &at, &busy) == 0, "%s #%d not in the log", name, nth);
	TH_CHECK(t, busy > want_ms - 0.001 && busy < want_ms + 0.001, "%s #%d busy %.3f ms, want %.3f",
		 name, nth, busy, want_ms);
	TH_CHECK(t, cmd_times(t, "READ_REG", probe, &next, NULL) == 0, "probe READ_REG #%d", probe);
	TH_CHECK(t, next - at >= busy - 0.001, "%s #%d: next command taken %.3f ms later, busy %.1f",
		 name, nth, next - at, busy);
	printf("%-14s busy %8.3f ms, next command %8.3f ms later (log clock)\n", name, busy, next - at);
}

static void probe(struct th *t, int *n)
{
	uint32_t v;

	TH_CHECK(t, th_read_reg(t, 0x3FF0005C, &v) == 0, "READ_REG probe");
	(*n)++;
}

static void test_timing(enum emu_stub_flavour fl)
{
	struct emu_config c;
	struct th t;
	uint8_t md5[16];
	const char *name = fl == EMU_STUB_LEGACY ? "erase-timing-legacy" : "erase-timing-new";
	int reads;

	th_config(&c);
	c.fast_flash = 0;
	c.flash_size = 256 * 1024;
	if (th_open_stub(&t, &c, fl == EMU_STUB_LEGACY ? ENTRY_LEGACY : ENTRY_NEW, name) < 0) {
		TH_CHECK(&t, 0, "stub did not start");
		goto out;
	}
	TH_CHECK(&t, th_log_count(&t, "\"timing\":\"real\"") == 1, "config without timing");
	reads = th_log_count(&t, "\"name\":\"READ_REG\"");

	/* 0x1F000 + 0x12000: sector, block 0x20000, sector = 45 + 150 + 45 */
	TH_CHECK(&t, cmd8(&t, 0xD1, 0x1F000, 0x12000, 2000) == 0, "ERASE_REGION mixed");
	probe(&t, &reads);
	check_busy(&t, "ERASE_REGION", 0, 240.0, reads - 1);
	TH_CHECK(&t, th_log_count(&t, "\"by\":\"ERASE_REGION\",\"offset\":126976,\"size\":73728,"
			     "\"sectors\":2,\"blocks\":1,\"chip\":0,\"busy_ms\":240.000,\"stuck\":[]") == 1,
		 "mixed erase event");
	/* two whole aligned blocks: 2 x 150 */
	TH_CHECK(&t, cmd8(&t, 0xD1, 0x20000, 0x20000, 2000) == 0, "ERASE_REGION blocks");
	probe(&t, &reads);
	check_busy(&t, "ERASE_REGION", 1, 300.0, reads - 1);
	/* 16 sectors not block-aligned: 16 x 45 */
	TH_CHECK(&t, cmd8(&t, 0xD1, 0x8000, 0x10000, 2000) == 0, "ERASE_REGION unaligned");
	probe(&t, &reads);
	check_busy(&t, "ERASE_REGION", 2, 720.0, reads - 1);
	/* MD5 of the whole 256 KiB at 8 MiB/s: 31.25 ms */
	TH_CHECK(&t, th_flash_md5(&t, 0, 256 * 1024, md5, 2000) == 0, "MD5 256 KiB");
	probe(&t, &reads);
	check_busy(&t, "SPI_FLASH_MD5", 0, 31.25, reads - 1);
	/* one sector: 0.488 ms */
	TH_CHECK(&t, th_flash_md5(&t, 0x1000, 0x1000, md5, 2000) == 0, "MD5 4 KiB");
	probe(&t, &reads);
	check_busy(&t, "SPI_FLASH_MD5", 1, 0.48828125, reads - 1);
	/* chip erase of 256 KiB at 4 s per MiB */
	double t0 = th_now();
	TH_CHECK(&t, erase_flash(&t, 3000) == 0, "ERASE_FLASH");
	double took = th_now() - t0;
	probe(&t, &reads);
	check_busy(&t, "ERASE_FLASH", 0, 1000.0, reads - 1);
	TH_CHECK(&t, took >= 1.0, "the chip erase reply came after %.3f s", took);
	/* a write erases as it goes: blocks where a whole aligned block remains */
	uint8_t *img = malloc(0x22000);
	memset(img, 0x3C, 0x22000);
	TH_CHECK(&t, write_deflated(&t, 0x10000, img, 0x22000, 3000) == 0, "write");
	TH_CHECK(&t, th_log_count(&t, "\"name\":\"FLASH_DEFL_BEGIN\",\"size\":139264,") == 1 &&
		 th_log_count(&t, "\"erase_offset\":65536,\"erase_size\":139264,") == 1,
		 "FLASH_DEFL_BEGIN erase range");
	double blocks = 0, sectors = 0, busy = 0;
	for (int i = 0; i < 8; i++) {
		char line[4096];
		double v;
		if (th_log_line(&t, "\"ev\":\"erase\",\"by\":\"FLASH_DEFL_DATA\"", i, line, sizeof line) < 0)
			break;
		blocks += th_json_num(line, "blocks", &v) == 0 ? v : 0;
		sectors += th_json_num(line, "sectors", &v) == 0 ? v : 0;
		busy += th_json_num(line, "busy_ms", &v) == 0 ? v : 0;
	}
	TH_CHECK(&t, blocks == 2 && sectors == 2 && busy > 389.999 && busy < 390.001,
		 "write erase: %.0f blocks, %.0f sectors, %.1f ms", blocks, sectors, busy);
	free(img);
	th_close(&t);
out:
	th_finish(&t, name);
	if (t.failures)
		exit(1);
}

/* READ_FLASH and MD5 ranges in the log; the fast timing costs nothing. */
static void test_log_fields(void)
{
	struct emu_config c;
	struct th t;
	uint8_t *buf = malloc(0x3000), md5[16];
	char line[4096], s[64];
	double v;

	th_config(&c);
	c.layout = EMU_LAYOUT_STOCK;
	if (th_open_stub(&t, &c, ENTRY_NEW, "erase-log") < 0) {
		TH_CHECK(&t, 0, "stub did not start");
		goto out;
	}
	TH_CHECK(&t, th_log_line(&t, "\"ev\":\"config\"", 0, line, sizeof line) == 0 &&
		 th_json_str(line, "layout", s, sizeof s) == 0 && strcmp(s, "stock") == 0 &&
		 th_json_str(line, "timing", s, sizeof s) == 0 && strcmp(s, "fast") == 0,
		 "config: %s", line);
	TH_CHECK(&t, th_read_flash(&t, 0x7C000, 0x3000, buf) == 0, "READ_FLASH");
	TH_CHECK(&t, th_log_count(&t, "\"name\":\"READ_FLASH\",\"offset\":507904,\"length\":12288,"
			     "\"size\":12288,\"packet_size\":4096,\"max_in_flight\":1,") == 1,
		 "READ_FLASH fields");
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"read_flash_end\",\"how\":\"done\",\"offset\":507904,"
			     "\"size\":12288,\"sent\":12288,\"acked\":12288") == 1, "read_flash_end");
	TH_CHECK(&t, th_flash_md5(&t, 0x10000, 0x20000, md5, 1000) == 0, "MD5");
	TH_CHECK(&t, th_log_line(&t, "\"name\":\"SPI_FLASH_MD5\"", 0, line, sizeof line) == 0 &&
		 strstr(line, "\"offset\":65536,\"size\":131072,\"md5\":\"") &&
		 th_json_num(line, "busy_ms", &v) == 0 && v == 0, "MD5 fields: %s", line);
	TH_CHECK(&t, cmd8(&t, 0xD1, 0x7C000, 0x2000, 1000) == 0, "ERASE_REGION");
	TH_CHECK(&t, th_log_count(&t, "\"name\":\"ERASE_REGION\",\"offset\":507904,\"size\":8192,"
			     "\"busy_ms\":0.000") == 1 &&
		 th_log_count(&t, "\"ev\":\"erase\",\"by\":\"ERASE_REGION\",\"offset\":507904,\"size\":8192,"
			      "\"sectors\":2,\"blocks\":0,\"chip\":0,\"busy_ms\":0.000,\"stuck\":[]") == 1,
		 "ERASE_REGION fields");
	/* misaligned: refused, nothing erased, no erase event */
	TH_CHECK(&t, cmd8(&t, 0xD1, 0x7C800, 0x1000, 1000) == 0xC0, "misaligned ERASE_REGION accepted");
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"erase\"") == 1, "refused erase logged as done");
	TH_CHECK(&t, erase_flash(&t, 1000) == 0, "ERASE_FLASH");
	TH_CHECK(&t, th_log_count(&t, "\"name\":\"ERASE_FLASH\",\"offset\":0,\"size\":1048576,") == 1,
		 "ERASE_FLASH fields");
	th_close(&t);
out:
	free(buf);
	th_finish(&t, "erase-log");
	if (t.failures)
		exit(1);
}

int main(void)
{
	test_stuck_stub(EMU_STUB_NEW);
	test_stuck_stub(EMU_STUB_LEGACY);
	test_stuck_rom();
	test_log_fields();
	test_timing(EMU_STUB_NEW);
	test_timing(EMU_STUB_LEGACY);
	return 0;
}
