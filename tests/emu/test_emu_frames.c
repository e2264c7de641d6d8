/* SPDX-License-Identifier: MIT */
/* ROM loader frames byte by byte: SYNC replies, registers (magic, eFuse MAC,
 * crystal), the SPI RDID sequence, unsupported opcodes, stub start (OHAI). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_emu_util.h"

static const uint8_t sync_reply[12] = { 0xC0, 0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20,
					0x00, 0x00, 0xC0 };

/* After a DTR/RTS reset the banner comes at 74880: junk at 115200; then the
 * SYNC answer must be exactly 8 x c0 01 08 02 00 07 07 12 20 00 00 c0. */
static void test_sync_bytes(struct th *t)
{
	uint8_t buf[2048], d[36] = { 0x07, 0x07, 0x12, 0x20 };

	emu_set_lines(t->e, 0, 1);
	th_sleep_ms(10);
	emu_set_lines(t->e, 1, 1);
	emu_set_lines(t->e, 1, 0);
	th_sleep_ms(30);
	emu_set_lines(t->e, 0, 0);
	size_t n = th_read_raw(t, buf, sizeof buf, 40);
	/* 50 banner chars at 74880 sampled at 115200: ~1.5x as many junk bytes */
	TH_CHECK(t, n >= 50 && n <= 120, "banner junk bytes %zu", n);
	TH_CHECK(t, memchr(buf, 0xC0, n) == NULL, "banner junk contains a frame delimiter");
	TH_CHECK(t, memmem(buf, n, "ets Jan", 7) == NULL, "banner readable at the wrong baud");

	memset(d + 4, 0x55, 32);
	th_send_cmd(t, 0x08, d, sizeof d, 0);
	n = th_read_raw(t, buf, sizeof buf, 60);
	TH_CHECK(t, n == 8 * sizeof sync_reply, "sync reply length %zu", n);
	for (int i = 0; i < 8 && n >= 96; i++)
		TH_CHECK(t, memcmp(buf + 12 * i, sync_reply, 12) == 0, "sync reply %d differs", i);
	TH_CHECK(t, emu_device_baud(t->e) == 115200, "device adopted %u", emu_device_baud(t->e));
}

static void test_regs(struct th *t)
{
	struct th_resp r;
	uint8_t d[16];
	uint32_t v;

	TH_CHECK(t, th_read_reg(t, 0x40001000, &v) == 0 && v == 0xFFF0C101, "magic %08x", v);
	/* the ROM's value field keeps the last value (§3.2): WRITE_REG echoes it */
	th_put32(d, 0x60000078);
	th_put32(d + 4, 0);
	th_put32(d + 8, 0xFFFFFFFF);
	th_put32(d + 12, 0);
	TH_CHECK(t, th_cmd(t, 0x09, d, 16, 0, &r, 500) == 0 && r.value == 0xFFF0C101 &&
		 r.st[0] == 0 && r.st[1] == 0, "write_reg value %08x", r.value);
	/* 26 MHz crystal: 52e6 / 115200 = 451 */
	TH_CHECK(t, th_read_reg(t, 0x60000014, &v) == 0 && v == 451, "clkdiv %u", v);
}

/* §7.3 decoding as esptool does it. */
static void decode_efuse(const uint32_t w[4], uint8_t mac[6], int *is8285, uint32_t *fsize)
{
	uint32_t m0 = w[0], m1 = w[1], m3 = w[3];
	uint8_t oui[3];

	if (m3 != 0) {
		oui[0] = (uint8_t)(m3 >> 16);
		oui[1] = (uint8_t)(m3 >> 8);
		oui[2] = (uint8_t)m3;
	} else if (((m1 >> 16) & 0xFF) == 0) {
		oui[0] = 0x18, oui[1] = 0xFE, oui[2] = 0x34;
	} else {
		oui[0] = 0xAC, oui[1] = 0xD0, oui[2] = 0x74;
	}
	memcpy(mac, oui, 3);
	mac[3] = (uint8_t)(m1 >> 8);
	mac[4] = (uint8_t)m1;
	mac[5] = (uint8_t)(m0 >> 24);
	*is8285 = (w[0] >> 4 & 1) || (w[2] >> 16 & 1);
	int r04 = w[0] >> 4 & 1, r325 = w[3] >> 25 & 1, r326 = w[3] >> 26 & 1, r327 = w[3] >> 27 & 1;
	*fsize = 0;
	if (r04 && !r325)
		*fsize = !r327 && !r326 ? 1u << 20 : !r327 && r326 ? 2u << 20 : 0;
	else if (!r04 && r325)
		*fsize = !r327 && !r326 ? 2u << 20 : !r327 && r326 ? 4u << 20 : 0;
}

static int check_mac(const char *name, enum emu_chip chip, const uint8_t mac[6], uint32_t fsize)
{
	struct emu_config c;
	struct th t;
	uint32_t w[4];
	uint8_t got[6];
	int is8285;
	uint32_t dsize;

	th_config(&c);
	c.chip = chip;
	memcpy(c.mac, mac, 6);
	c.flash_size = fsize;
	if (th_open(&t, &c, 115200, name) < 0 || th_sync(&t, NULL) != 8) {
		fprintf(stderr, "%s: setup failed\n", name);
		th_close(&t);
		return 1;
	}
	for (int i = 0; i < 4; i++)
		TH_CHECK(&t, th_read_reg(&t, 0x3FF00050 + 4 * (uint32_t)i, &w[i]) == 0, "efuse %d", i);
	decode_efuse(w, got, &is8285, &dsize);
	TH_CHECK(&t, memcmp(got, mac, 6) == 0, "mac %02x:%02x:%02x:%02x:%02x:%02x", got[0], got[1],
		 got[2], got[3], got[4], got[5]);
	TH_CHECK(&t, is8285 == (chip == EMU_ESP8285), "chip decodes as %s", is8285 ? "8285" : "8266");
	if (chip == EMU_ESP8285)
		TH_CHECK(&t, dsize == fsize, "esp8285 flash size %u", dsize);
	th_close(&t);
	if (!t.failures)
		unlink(t.log_path);
	return t.failures;
}

/* esptool's RDID sequence (§10.2) through READ_REG/WRITE_REG. */
static uint32_t rdid(struct th *t)
{
	uint32_t usr = 0, usr2 = 0, cmd = 0, id = 0;

	th_read_reg(t, 0x6000021C, &usr);
	th_read_reg(t, 0x60000224, &usr2);
	TH_CHECK(t, usr == 0x80000044 && usr2 == 0x70000000, "spi defaults %08x %08x", usr, usr2);
	th_write_reg(t, 0x60000220, 23u << 8);
	th_write_reg(t, 0x6000021C, 0x90000000);
	th_write_reg(t, 0x60000224, 0x7000009F);
	th_write_reg(t, 0x60000240, 0);
	th_write_reg(t, 0x60000200, 1u << 18);
	th_read_reg(t, 0x60000200, &cmd);
	TH_CHECK(t, (cmd & (1u << 18)) == 0, "SPI CMD busy bit stuck");
	th_read_reg(t, 0x60000240, &id);
	th_write_reg(t, 0x6000021C, usr);
	th_write_reg(t, 0x60000224, usr2);
	return id;
}

static void test_rdid_sfdp(struct th *t)
{
	uint32_t id = rdid(t), w0 = 0;

	TH_CHECK(t, id == (0xEFu | 0x40u << 8 | 0x14u << 16), "jedec %06x", id);
	/* SFDP signature read (0x5A, 32 bits) gives all ones: no SFDP */
	th_write_reg(t, 0x60000220, 31u << 8 | 7);
	th_write_reg(t, 0x6000021C, 0x90000000 | 1u << 30 | 1u << 29);
	th_write_reg(t, 0x60000224, 0x7000005A);
	th_write_reg(t, 0x60000240, 0);
	th_write_reg(t, 0x60000200, 1u << 18);
	th_read_reg(t, 0x60000240, &w0);
	TH_CHECK(t, w0 == 0xFFFFFFFF, "sfdp %08x", w0);
}

static void test_unsupported(struct th *t)
{
	static const uint8_t ops[] = { 0x13, 0xD0, 0xD2, 0x0F, 0x14, 0x0B, 0x0D, 0x10, 0x42 };
	uint8_t d[16] = { 0 };
	struct th_resp r;

	for (size_t i = 0; i < sizeof ops; i++) {
		int rc = th_cmd(t, ops[i], d, ops[i] == 0x0F ? 8 : 16, 0, &r, 500);
		TH_CHECK(t, rc == 0 && r.size == 2 && r.st[0] == 1 && r.st[1] == 5,
			 "op %02x: rc %d status %02x %02x", ops[i], rc, r.st[0], r.st[1]);
	}
	/* direction != 0 is not a command: no reply at all */
	uint8_t bogus[12] = { 0x01, 0x0A, 0x04, 0x00, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x40 };
	th_send_frame(t, bogus, sizeof bogus);
	TH_CHECK(t, th_read_resp(t, 0x0A, &r, 150) < 0, "answered a direction-1 frame");
}

static void test_stub_start(struct th *t)
{
	uint32_t v = 1;

	TH_CHECK(t, th_load_stub(t, 0x4010C504) == 0, "no OHAI after MEM_END");
	TH_CHECK(t, emu_in_stub(t->e), "not in stub mode");
	TH_CHECK(t, th_sync(t, &v) == 8 && v == 0, "stub sync value %08x", v);
	TH_CHECK(t, th_read_reg(t, 0x40001000, &v) == 0 && v == 0xFFF0C101, "stub magic %08x", v);
	TH_CHECK(t, th_log_count(t, "\"name\":\"MEM_END\"") == 1, "MEM_END not logged");
}

int main(void)
{
	struct emu_config c;
	struct th t;
	int fails = 0;

	th_config(&c);
	if (th_open(&t, &c, 115200, "frames") < 0)
		return 1;
	test_sync_bytes(&t);
	test_regs(&t);
	test_rdid_sfdp(&t);
	test_unsupported(&t);
	test_stub_start(&t);
	TH_CHECK(&t, th_log_count(&t, "{\"emu_log\":1}") == 1, "log version line");
	th_close(&t);
	fails += th_finish(&t, "frames");

	static const uint8_t mac1[6] = { 0x18, 0xFE, 0x34, 0xA1, 0xB2, 0xC3 };
	static const uint8_t mac2[6] = { 0x84, 0x0D, 0x8E, 0x76, 0x81, 0x05 };
	static const uint8_t mac3[6] = { 0xAC, 0xD0, 0x74, 0x01, 0x02, 0x03 };
	static const uint8_t mac4[6] = { 0x18, 0xFE, 0x34, 0x10, 0x20, 0x30 };
	fails += check_mac("mac-18fe34", EMU_ESP8266EX, mac1, 1u << 20);
	fails += check_mac("mac-840d8e", EMU_ESP8266EX, mac2, 4u << 20);
	fails += check_mac("mac-8285-2mb", EMU_ESP8285, mac3, 2u << 20);
	fails += check_mac("mac-8285-1mb", EMU_ESP8285, mac4, 1u << 20);
	fails += check_mac("mac-8285-4mb", EMU_ESP8285, mac2, 4u << 20);

	/* another part: GigaDevice 4 MB */
	th_config(&c);
	c.flash_manuf = 0xC8;
	c.flash_size = 4u << 20;
	if (th_open(&t, &c, 230400, "rdid") == 0 && th_sync(&t, NULL) == 8) {
		uint32_t id = rdid(&t);
		TH_CHECK(&t, id == (0xC8u | 0x40u << 8 | 0x16u << 16), "jedec %06x", id);
	} else {
		t.failures++;
	}
	th_close(&t);
	fails += th_finish(&t, "rdid");
	return fails ? 1 : 0;
}
