/* SPDX-License-Identifier: MIT */
/* Stub commands against both flavours: the flavour picked by the uploaded
 * stub's entry (default auto) or forced, READ_FLASH flow control and digest,
 * SPI_FLASH_MD5, compressed and plain writes with lazy erase, deferred
 * errors, erase alignment rules, unknown opcodes, CHANGE_BAUDRATE. */
#include <nettle/md5.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test_emu_util.h"

static int start_stub_ex(struct th *t, enum emu_stub_flavour fl, unsigned baud, int fast,
			 const char *name)
{
	struct emu_config c;
	struct th_resp r;
	uint8_t d[8];

	th_config(&c);
	c.stub_flavour = fl;
	c.fast_flash = fast;
	if (th_open(t, &c, 921600, name) < 0 || th_sync(t, NULL) != 8)
		return -1;
	if (th_load_stub(t, fl == EMU_STUB_LEGACY ? 0x4010D004 : 0x4010C504) < 0)
		return -1;
	th_put32(d, baud);
	th_put32(d + 4, 921600);
	if (th_cmd(t, 0x0F, d, 8, 0, &r, 500) < 0 || r.st[0] != 0)
		return -1;
	th_set_baud(t, baud);
	th_sleep_ms(20);
	th_drain(t, 5);
	return th_sync(t, NULL) == 8 ? 0 : -1;
}

static int start_stub(struct th *t, enum emu_stub_flavour fl, unsigned baud, const char *name)
{
	return start_stub_ex(t, fl, baud, 1, name);
}

static void md5_of(const uint8_t *p, size_t n, uint8_t out[16])
{
	struct md5_ctx c;

	md5_init(&c);
	md5_update(&c, n, p);
	md5_digest(&c, MD5_DIGEST_SIZE, out);
}

/* Reads [off, off+len) with the READ_FLASH protocol; checks that no packet
 * comes ahead of its ACK unless the flavour allows it. */
static int read_flash(struct th *t, uint32_t off, uint32_t len, uint32_t maxinf, uint8_t *out,
		      int expect_ahead)
{
	uint8_t d[16], pkt[8192], digest[16], mine[16];
	struct th_resp r;
	uint32_t got = 0;

	th_put32(d, off);
	th_put32(d + 4, len);
	th_put32(d + 8, 4096);
	th_put32(d + 12, maxinf);
	if (th_cmd(t, 0xD2, d, 16, 0, &r, 1000) < 0 || r.st[0] != 0)
		return -1;
	while (got < len) {
		long n = th_read_frame(t, pkt, sizeof pkt, 1000);
		if (n <= 0 || got + (uint32_t)n > len)
			return -1;
		memcpy(out + got, pkt, (size_t)n);
		got += (uint32_t)n;
		if (got == 4096 && len > 8192) {
			/* before ACKing the first packet: is a second one coming? */
			long m = th_read_frame(t, pkt, sizeof pkt, 40);
			TH_CHECK(t, (m > 0) == expect_ahead, "packet ahead of ACK: %ld", m);
			if (m > 0) {
				memcpy(out + got, pkt, (size_t)m);
				got += (uint32_t)m;
			}
		}
		uint8_t ack[4];
		th_put32(ack, got);
		th_send_frame(t, ack, 4);
	}
	if (th_read_frame(t, digest, sizeof digest, 1000) != 16)
		return -1;
	md5_of(out, len, mine);
	return memcmp(digest, mine, 16) == 0 ? 0 : -2;
}

static int flash_md5(struct th *t, uint32_t off, uint32_t len, uint8_t out[16])
{
	uint8_t d[16] = { 0 };
	struct th_resp r;

	th_put32(d, off);
	th_put32(d + 4, len);
	if (th_cmd(t, 0x13, d, 16, 0, &r, 2000) < 0 || r.st[0] != 0 || r.dlen != 16)
		return -1;
	memcpy(out, r.data, 16);
	return 0;
}

static void test_read(struct th *t, int legacy)
{
	uint32_t len = 64 * 1024, off = 0x1000;
	uint8_t *got = malloc(len), *flash = malloc(1u << 20), md5[16], mine[16];

	/* legacy with max_in_flight = 2 packets (in bytes) pipelines */
	int rc = read_flash(t, off, len, legacy ? 8192 : 64, got, legacy);
	TH_CHECK(t, rc == 0, "read_flash rc %d", rc);
	emu_get_flash(t->e, flash, 1u << 20);
	TH_CHECK(t, memcmp(got, flash + off, len) == 0, "read data differs from flash");
	TH_CHECK(t, flash_md5(t, off, len, md5) == 0, "SPI_FLASH_MD5 failed");
	md5_of(flash + off, len, mine);
	TH_CHECK(t, memcmp(md5, mine, 16) == 0, "SPI_FLASH_MD5 wrong");
	free(got);
	free(flash);
}

/* Sends data as zlib stream in 0x4000 blocks; returns END's status. */
static int write_deflated(struct th *t, uint32_t off, const uint8_t *data, uint32_t len,
			  int corrupt, uint8_t *data_status)
{
	uLongf clen = compressBound(len);
	uint8_t *z = malloc(clen), *blk = malloc(16 + 0x4000), d[20];
	struct th_resp r;
	int rc = -1;

	compress2(z, &clen, data, len, 9);
	if (corrupt)
		memset(z + 2, 0xFF, 64);    /* destroys the deflate stream */
	uint32_t nblk = (uint32_t)((clen + 0x3FFF) / 0x4000);
	th_put32(d, len);
	th_put32(d + 4, nblk);
	th_put32(d + 8, 0x4000);
	th_put32(d + 12, off);
	th_put32(d + 16, 0);
	if (th_cmd(t, 0x10, d, 20, 0, &r, 1000) < 0 || r.st[0] != 0)
		goto out;
	*data_status = 0;
	for (uint32_t seq = 0; seq < nblk; seq++) {
		uint32_t n = (uint32_t)clen - seq * 0x4000;
		if (n > 0x4000)
			n = 0x4000;
		th_put32(blk, n);
		th_put32(blk + 4, seq);
		th_put32(blk + 8, 0);
		th_put32(blk + 12, 0);
		memcpy(blk + 16, z + seq * 0x4000, n);
		if (th_cmd(t, 0x11, blk, 16 + n, th_checksum(blk + 16, n), &r, 3000) < 0)
			goto out;
		if (r.st[0] && !*data_status)
			*data_status = r.st[0];
	}
	th_put32(d, 1);
	if (th_cmd(t, 0x12, d, 4, 0, &r, 3000) < 0)
		goto out;
	rc = r.st[0];
out:
	free(z);
	free(blk);
	return rc;
}

static void test_write(struct th *t)
{
	uint32_t off = 0x13000, len = 70000;   /* not sector-aligned at the end */
	uint8_t *data = malloc(len), *flash = malloc(1u << 20), st = 0xEE, md5[16], mine[16];

	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)((i * 2654435761u) >> 13 ^ (i / 300));
	memset(flash, 0x00, 1u << 20);
	emu_set_flash(t->e, 0, flash, 1u << 20);    /* all programmed: erase must show */
	int rc = write_deflated(t, off, data, len, 0, &st);
	TH_CHECK(t, rc == 0 && st == 0, "deflate write rc %d data status %02x", rc, st);
	emu_get_flash(t->e, flash, 1u << 20);
	TH_CHECK(t, memcmp(flash + off, data, len) == 0, "written bytes differ");
	uint32_t end = off + len, sect_end = (end + 0xFFF) & ~0xFFFu;
	int tail_ff = 1, outside_zero = 1;
	for (uint32_t a = end; a < sect_end; a++)
		tail_ff &= flash[a] == 0xFF;
	for (uint32_t a = 0; a < off; a++)
		outside_zero &= flash[a] == 0x00;
	for (uint32_t a = sect_end; a < (1u << 20); a++)
		outside_zero &= flash[a] == 0x00;
	TH_CHECK(t, tail_ff, "rest of the last sector not erased");
	TH_CHECK(t, outside_zero, "bytes outside the covering sectors changed");
	TH_CHECK(t, flash_md5(t, off, len, md5) == 0, "md5 command");
	md5_of(data, len, mine);
	TH_CHECK(t, memcmp(md5, mine, 16) == 0, "md5 after write");
	free(data);
	free(flash);
}

/* Plain FLASH_DATA: last block padded with 0xFF, trimmed to the size. */
static void test_plain_write(struct th *t)
{
	uint8_t d[20], *blk = malloc(16 + 0x4000), buf[0x5000];
	struct th_resp r;
	uint32_t off = 0x40000, len = 0x4100;

	th_put32(d, len);
	th_put32(d + 4, 2);
	th_put32(d + 8, 0x4000);
	th_put32(d + 12, off);
	th_put32(d + 16, 0);
	TH_CHECK(t, th_cmd(t, 0x02, d, 20, 0, &r, 1000) == 0 && r.st[0] == 0, "FLASH_BEGIN");
	for (uint32_t seq = 0; seq < 2; seq++) {
		th_put32(blk, 0x4000);
		th_put32(blk + 4, seq);
		th_put32(blk + 8, 0);
		th_put32(blk + 12, 0);
		memset(blk + 16, 0xFF, 0x4000);
		uint32_t n = seq == 0 ? 0x4000 : 0x100;
		memset(blk + 16, 0x30 + (int)seq, n);
		uint8_t chk = th_checksum(blk + 16, 0x4000);
		TH_CHECK(t, th_cmd(t, 0x03, blk, 16 + 0x4000, seq == 1 ? chk ^ 1 : chk, &r, 2000) == 0,
			 "FLASH_DATA %u", seq);
		if (seq == 1) {     /* a bad checksum is reported at once, not deferred */
			TH_CHECK(t, r.st[0] == 0xC1, "bad checksum status %02x", r.st[0]);
			TH_CHECK(t, th_cmd(t, 0x03, blk, 16 + 0x4000, chk, &r, 2000) == 0 && r.st[0] == 0,
				 "FLASH_DATA resend");
		}
	}
	th_put32(d, 1);
	TH_CHECK(t, th_cmd(t, 0x04, d, 4, 0, &r, 1000) == 0 && r.st[0] == 0, "FLASH_END %02x", r.st[0]);
	uint8_t *flash = malloc(1u << 20);
	emu_get_flash(t->e, flash, 1u << 20);
	memcpy(buf, flash + off, sizeof buf);
	TH_CHECK(t, buf[0] == 0x30 && buf[0x3FFF] == 0x30 && buf[0x4000] == 0x31 && buf[0x40FF] == 0x31,
		 "plain data");
	TH_CHECK(t, buf[0x4100] == 0xFF, "padding beyond size written");
	free(flash);
	free(blk);
}

static void test_errors(struct th *t, int legacy)
{
	uint8_t *data = malloc(50000), st = 0, d[16] = { 0 };
	struct th_resp r;

	for (int i = 0; i < 50000; i++)
		data[i] = (uint8_t)(i * 31 / 7);
	int rc = write_deflated(t, 0x80000, data, 50000, 1, &st);
	if (legacy) {
		/* sticky: reported by a later DATA (if any) and by END */
		TH_CHECK(t, rc == 0xC7, "legacy END status %02x", rc);
	} else {
		/* new: DATA ACKed OK, END is the "next command": gets 0xC7 instead */
		TH_CHECK(t, st == 0 && rc == 0xC7, "new: data %02x end %02x", st, rc);
		TH_CHECK(t, th_log_count(t, "\"deferred_error\":true") == 1, "deferred not logged");
	}
	/* ERASE_REGION alignment */
	th_put32(d, 0x1001);
	th_put32(d + 4, 0x1000);
	TH_CHECK(t, th_cmd(t, 0xD1, d, 8, 0, &r, 500) == 0 && r.st[0] == (legacy ? 0x32 : 0xC0),
		 "misaligned erase %02x", r.st[0]);
	th_put32(d, 0x1000);
	th_put32(d + 4, 0x1001);
	TH_CHECK(t, th_cmd(t, 0xD1, d, 8, 0, &r, 500) == 0 && r.st[0] == (legacy ? 0x33 : 0xC0),
		 "misaligned size %02x", r.st[0]);
	th_put32(d + 4, 0x2000);
	TH_CHECK(t, th_cmd(t, 0xD1, d, 8, 0, &r, 500) == 0 && r.st[0] == 0, "aligned erase %02x",
		 r.st[0]);
	TH_CHECK(t, th_cmd(t, 0x42, d, 0, 0, &r, 500) == 0 && r.st[0] == (legacy ? 0xFF : 0xC3) &&
		 r.st[1] == 0, "unknown opcode %02x %02x", r.st[0], r.st[1]);
	TH_CHECK(t, th_cmd(t, 0x0A, d, 3, 0, &r, 500) == 0 && r.st[0] == 0xC0, "READ_REG bad len");
	free(data);
}

static int run(enum emu_stub_flavour fl, const char *name)
{
	struct th t;
	int legacy = fl == EMU_STUB_LEGACY;

	if (start_stub(&t, fl, 3000000, name) < 0) {
		fprintf(stderr, "%s: setup failed\n", name);
		th_close(&t);
		return 1;
	}
	TH_CHECK(&t, emu_device_baud(t.e) == 3000000 || legacy, "baud %u", emu_device_baud(t.e));
	test_read(&t, legacy);
	test_write(&t);
	test_plain_write(&t);
	test_errors(&t, legacy);
	/* a whole-chip erase leaves all 0xFF */
	struct th_resp r;
	uint8_t *flash = malloc(1u << 20);
	TH_CHECK(&t, th_cmd(&t, 0xD0, NULL, 0, 0, &r, 2000) == 0 && r.st[0] == 0, "ERASE_FLASH");
	emu_get_flash(t.e, flash, 1u << 20);
	int all_ff = 1;
	for (uint32_t i = 0; i < (1u << 20); i++)
		all_ff &= flash[i] == 0xFF;
	TH_CHECK(&t, all_ff, "chip not erased");
	free(flash);
	th_close(&t);
	return th_finish(&t, name);
}

/* Realistic flash timing: a 64 KiB erase takes ~150 ms; the legacy stub
 * sends the reply header first, the new one the whole frame at the end;
 * a data block's ACK waits until the previous block is programmed. */
static int timing(enum emu_stub_flavour fl, const char *name)
{
	struct th t;
	struct th_resp r;
	uint8_t d[20], buf[64], *blk = malloc(16 + 0x4000);

	if (start_stub_ex(&t, fl, 3000000, 0, name) < 0) {
		th_close(&t);
		return 1;
	}
	th_put32(d, 0x10000);
	th_put32(d + 4, 0x10000);
	double t0 = th_now();
	th_send_cmd(&t, 0xD1, d, 8, 0);
	size_t n = th_read_raw(&t, buf, sizeof buf, 60);
	if (fl == EMU_STUB_LEGACY)
		TH_CHECK(&t, n == 9 && buf[0] == 0xC0 && buf[1] == 0x01 && buf[2] == 0xD1,
			 "legacy: %zu header bytes early", n);
	else
		TH_CHECK(&t, n == 0, "new: %zu bytes before the erase ended", n);
	n += th_read_raw(&t, buf + n, sizeof buf - n, 300);
	double el = th_now() - t0;
	TH_CHECK(&t, n == 12 && buf[11] == 0xC0 && buf[9] == 0, "erase reply %zu bytes", n);
	TH_CHECK(&t, el >= 0.150, "64 KiB erase took %.1f ms", el * 1e3);

	/* two 16 KiB blocks at 0x20000: block 0 costs a 64 KiB erase + 64 pages */
	th_put32(d, 0x8000);
	th_put32(d + 4, 2);
	th_put32(d + 8, 0x4000);
	th_put32(d + 12, 0x20000);
	th_put32(d + 16, 0);
	TH_CHECK(&t, th_cmd(&t, 0x02, d, 20, 0, &r, 500) == 0 && r.st[0] == 0, "FLASH_BEGIN");
	double ack[2];
	for (uint32_t seq = 0; seq < 2; seq++) {
		th_put32(blk, 0x4000);
		th_put32(blk + 4, seq);
		th_put32(blk + 8, 0);
		th_put32(blk + 12, 0);
		memset(blk + 16, 0x42, 0x4000);
		TH_CHECK(&t, th_cmd(&t, 0x03, blk, 16 + 0x4000, th_checksum(blk + 16, 0x4000), &r,
				    2000) == 0 && r.st[0] == 0, "FLASH_DATA %u", seq);
		ack[seq] = th_now();
	}
	TH_CHECK(&t, ack[1] - ack[0] >= 0.150 + 64 * 0.0006,
		 "second ACK only %.1f ms after the first", (ack[1] - ack[0]) * 1e3);
	th_put32(d, 1);
	t0 = th_now();
	TH_CHECK(&t, th_cmd(&t, 0x04, d, 4, 0, &r, 2000) == 0 && r.st[0] == 0, "FLASH_END");
	TH_CHECK(&t, th_now() - t0 >= 64 * 0.0006 * 0.9, "FLASH_END did not wait for the last block");
	free(blk);
	th_close(&t);
	return th_finish(&t, name);
}

/* One stub session at 115200: loads the stub at entry, checks how it answers
 * an unknown opcode, writes one block and ends with FLASH_END(0) (reboot).
 * Returns 1 if the device went back to the ROM loader, 0 if it stayed in
 * the stub, -1 if the session failed. */
static int flavour_session(struct th *t, uint32_t entry, uint8_t want_unknown_code)
{
	struct th_resp r;
	uint8_t d[16], blk[16 + 0x400];
	uint32_t v = 0;

	if (th_sync(t, NULL) != 8 || th_load_stub(t, entry) < 0)
		return -1;
	TH_CHECK(t, th_cmd(t, 0x42, NULL, 0, 0, &r, 500) == 0 && r.st[0] == want_unknown_code,
		 "entry %08x: unknown opcode answered %02x, want %02x", entry, r.st[0],
		 want_unknown_code);
	th_put32(d, 0x400);
	th_put32(d + 4, 1);
	th_put32(d + 8, 0x400);
	th_put32(d + 12, 0x3000);
	TH_CHECK(t, th_cmd(t, 0x02, d, 16, 0, &r, 500) == 0 && r.st[0] == 0, "FLASH_BEGIN");
	memset(blk, 0, 16);
	th_put32(blk, 0x400);
	memset(blk + 16, 0xA5, 0x400);
	TH_CHECK(t, th_cmd(t, 0x03, blk, sizeof blk, th_checksum(blk + 16, 0x400), &r, 1000) == 0 &&
		 r.st[0] == 0, "FLASH_DATA");
	th_put32(d, 0);         /* reboot */
	TH_CHECK(t, th_cmd(t, 0x04, d, 4, 0, &r, 1000) == 0 && r.st[0] == 0, "FLASH_END(0)");
	th_sleep_ms(60);
	th_drain(t, 20);
	int in_rom = emu_in_download_mode(t->e) && !emu_in_stub(t->e);
	/* a ROM SYNC reply echoes the first payload word; a stub's carries 0 */
	TH_CHECK(t, th_sync(t, &v) == 8 && v == (in_rom ? 0x20120707u : 0u),
		 "sync after FLASH_END(0): value %08x (in ROM: %d)", v, in_rom);
	return in_rom;
}

/* Default flavour "auto": the device plays the stub that was uploaded (as
 * a real chip runs whatever it got), so the legacy stub's FLASH_END(0)
 * reboots into the ROM; an explicit flavour still wins over the entry. */
static int auto_flavour(void)
{
	struct th t;
	struct emu_config c;
	int fails = 0;

	th_config(&c);
	if (th_open(&t, &c, 115200, "stub-auto") < 0) {
		th_close(&t);
		return 1;
	}
	TH_CHECK(&t, c.stub_flavour == EMU_STUB_AUTO, "default flavour %d", (int)c.stub_flavour);
	TH_CHECK(&t, flavour_session(&t, 0x4010D004, 0xFF) == 1, "legacy: no reboot into the ROM");
	TH_CHECK(&t, th_log_count(&t, "\"stub_start\",\"flavour\":\"legacy\",\"entry\":1074843652,"
				  "\"by\":\"entry\"") == 1, "stub_start log (legacy)");
	/* the ROM again: now the new stub */
	TH_CHECK(&t, flavour_session(&t, 0x4010C504, 0xC3) == 0, "new: FLASH_END(0) left the stub");
	TH_CHECK(&t, th_log_count(&t, "\"flavour\":\"new\",\"entry\":1074840836,\"by\":\"entry\"")
		 == 1, "stub_start log (new)");
	th_close(&t);
	fails += th_finish(&t, "stub-auto");

	th_config(&c);
	c.stub_flavour = EMU_STUB_NEW;
	if (th_open(&t, &c, 115200, "stub-forced-new") < 0) {
		th_close(&t);
		return fails + 1;
	}
	TH_CHECK(&t, flavour_session(&t, 0x4010D004, 0xC3) == 0, "forced new: left the stub");
	th_close(&t);
	fails += th_finish(&t, "stub-forced-new");

	th_config(&c);
	c.stub_flavour = EMU_STUB_LEGACY;
	if (th_open(&t, &c, 115200, "stub-forced-legacy") < 0) {
		th_close(&t);
		return fails + 1;
	}
	TH_CHECK(&t, flavour_session(&t, 0x4010C504, 0xFF) == 1, "forced legacy: no reboot");
	th_close(&t);
	return fails + th_finish(&t, "stub-forced-legacy");
}

int main(void)
{
	int fails = auto_flavour();
	fails += run(EMU_STUB_NEW, "stub-new");
	fails += run(EMU_STUB_LEGACY, "stub-legacy");
	fails += timing(EMU_STUB_NEW, "timing-new");
	fails += timing(EMU_STUB_LEGACY, "timing-legacy");
	return fails ? 1 : 0;
}
