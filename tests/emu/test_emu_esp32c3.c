/* SPDX-License-Identifier: MIT */
/* The ESP32-C3 personality, in raw bytes: its boot log, GET_SECURITY_INFO
 * from the ROM (4 status bytes) and from the stub (2), detection words
 * decoded as esptool does, 20-byte FLASH_BEGIN, plain ROM CHANGE_BAUDRATE,
 * the security eFuses and GET_SECURITY_INFO agreeing, and Secure Download
 * Mode: what the ROM still does and what it refuses, in the form esptool
 * recognises. */
#include <stdlib.h>
#include <string.h>

#include "test_emu_util.h"

#define C3_NEW_STUB 0x40380E9Au

static int open_c3(struct th *t, const struct emu_security *sec, const char *name)
{
	struct emu_config c;

	th_config(&c);
	emu_config_chip(&c, EMU_ESP32C3);
	c.fast_flash = 1;
	if (sec)
		c.security = *sec;
	if (th_open(t, &c, 115200, name) < 0)
		return -1;
	return 0;
}

/* esptool's C3 description from the BLOCK1 words (§1.5). */
static void describe(uint32_t w3, uint32_t w5, char *out, size_t cap)
{
	static const char *const names[] = { "ESP32-C3 (QFN32)", "ESP8685 (QFN28)",
					     "ESP32-C3 AZ (QFN32)", "ESP8686 (QFN24)" };
	unsigned pkg = w3 >> 21 & 7, minor = (w3 >> 18 & 7) | (w5 >> 23 & 1) << 3, major = w5 >> 24 & 3;
	snprintf(out, cap, "%s (revision v%u.%u)", pkg < 4 ? names[pkg] : "?", major, minor);
}

static int security_info(struct th *t, struct th_resp *r)
{
	return th_cmd(t, 0x14, NULL, 0, 0, r, 1000);
}

static int test_open_unit(void)
{
	struct th t;
	struct th_resp r;
	uint8_t buf[1024], d[20] = { 0 };
	uint32_t w3 = 0, w5 = 0, m0 = 0, m1 = 0, magic = 0;
	char desc[64];

	if (open_c3(&t, NULL, "c3") < 0) {
		fprintf(stderr, "cannot start the device\n");
		return 1;
	}
	emu_set_lines(t.e, 0, 1);
	th_sleep_ms(10);
	emu_set_lines(t.e, 1, 0);
	th_sleep_ms(20);
	emu_set_lines(t.e, 0, 0);
	size_t n = th_read_raw(&t, buf, sizeof buf - 1, 150);
	buf[n] = 0;
	TH_CHECK(&t, strstr((char *)buf, "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n"
			    "rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0/1))\r\nwaiting for download"),
		 "C3 boot log: %s", buf);
	TH_CHECK(&t, th_sync(&t, NULL) == 8, "sync");
	static const uint8_t open_info[20] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 5, 0, 0, 0, 7 };
	TH_CHECK(&t, security_info(&t, &r) == 0 && r.size == 24 && r.dlen == 20 && r.st[0] == 0 &&
		 memcmp(r.data, open_info, 20) == 0, "ROM GET_SECURITY_INFO: size %u", r.size);
	th_read_reg(&t, 0x40001000, &magic);
	th_read_reg(&t, 0x60008850, &w3);
	th_read_reg(&t, 0x60008858, &w5);
	th_read_reg(&t, 0x60008844, &m0);
	th_read_reg(&t, 0x60008848, &m1);
	describe(w3, w5, desc, sizeof desc);
	TH_CHECK(&t, magic == 0x1B31506F, "magic %08x", magic);
	TH_CHECK(&t, strcmp(desc, "ESP32-C3 (QFN32) (revision v0.4)") == 0 && w3 == 0x00100000,
		 "description %s (w3 %08x)", desc, w3);
	TH_CHECK(&t, m0 == 0x79123456 && m1 == 0x58CF, "MAC words %08x %08x", m0, m1);

	/* RDID at the C3's SPI1 addresses (§3.4) */
	uint32_t id = 0;
	th_write_reg(&t, 0x60002028, 23);
	th_write_reg(&t, 0x60002018, 0x90000000);
	th_write_reg(&t, 0x60002020, 0x7000009F);
	th_write_reg(&t, 0x60002058, 0);
	th_write_reg(&t, 0x60002000, 1u << 18);
	th_read_reg(&t, 0x60002058, &id);
	TH_CHECK(&t, (id & 0xFFFFFF) == 0x1640EF, "RDID %06x", id & 0xFFFFFF);

	/* FLASH_BEGIN wants 20 bytes on the C3 */
	th_cmd(&t, 0x0D, d, 8, 0, &r, 500);
	th_put32(d, 0x1000);
	th_put32(d + 4, 4);
	th_put32(d + 8, 0x400);
	th_put32(d + 12, 0x10000);
	th_cmd(&t, 0x02, d, 16, 0, &r, 500);
	TH_CHECK(&t, r.st[0] == 1 && r.st[1] == 5, "C3 FLASH_BEGIN with 16 bytes: %02x%02x", r.st[0],
		 r.st[1]);
	th_cmd(&t, 0x02, d, 20, 0, &r, 500);
	TH_CHECK(&t, r.st[0] == 0, "C3 FLASH_BEGIN: %02x%02x", r.st[0], r.st[1]);

	/* ROM CHANGE_BAUDRATE: the value as it is */
	memset(d, 0, 8);
	th_put32(d, 230400);
	th_cmd(&t, 0x0F, d, 8, 0, &r, 500);
	th_sleep_ms(30);
	TH_CHECK(&t, emu_device_baud(t.e) == 230400, "C3 ROM baud %u", emu_device_baud(t.e));
	th_set_baud(&t, 230400);
	th_drain(&t, 20);

	/* the stub answers GET_SECURITY_INFO with 2 status bytes */
	TH_CHECK(&t, th_load_stub(&t, C3_NEW_STUB) == 0, "no OHAI from the C3 stub");
	TH_CHECK(&t, security_info(&t, &r) == 0 && r.size == 22 && r.st[0] == 0 &&
		 memcmp(r.data, open_info, 20) == 0, "stub GET_SECURITY_INFO: size %u", r.size);
	TH_CHECK(&t, th_log_count(&t, "\"flavour\":\"new\",\"entry\":1077415578,\"by\":\"entry\"") == 1,
		 "stub_start by entry");
	th_close(&t);
	return th_finish(&t, "test_emu_esp32c3");
}

/* Every security knob shows in the eFuse words and in GET_SECURITY_INFO. */
static int test_security(void)
{
	struct emu_security sec = { 1, 1, 1, 0 };
	struct th t;
	struct th_resp r;
	uint32_t r0 = 0, r1 = 0, r2 = 0;
	uint8_t d[20] = { 0 };

	if (open_c3(&t, &sec, "c3-sec") < 0 || th_sync(&t, NULL) != 8) {
		t.failures++;
		return th_finish(&t, "test_emu_esp32c3 (security)");
	}
	th_read_reg(&t, 0x60008830, &r0);
	th_read_reg(&t, 0x60008834, &r1);
	th_read_reg(&t, 0x60008838, &r2);
	TH_CHECK(&t, (r0 >> 20 & 1) && (r1 >> 18 & 7) == 1 && (r2 >> 20 & 1), "words %08x %08x %08x", r0,
		 r1, r2);
	TH_CHECK(&t, security_info(&t, &r) == 0 && r.st[0] == 0, "GET_SECURITY_INFO");
	uint32_t flags = th_get32(r.data);
	TH_CHECK(&t, (flags & 1) && !(flags & 4), "flags %08x", flags);
	TH_CHECK(&t, r.data[4] == (r1 >> 18 & 7) && r.data[5] == 4 && r.data[6] == 9,
		 "crypt_cnt %u purposes %u %u", r.data[4], r.data[5], r.data[6]);
	/* download-mode encryption disabled: an encrypted ROM write fails */
	th_cmd(&t, 0x0D, d, 8, 0, &r, 500);
	th_put32(d, 0x1000);
	th_put32(d + 4, 4);
	th_put32(d + 8, 0x400);
	th_put32(d + 12, 0x10000);
	th_put32(d + 16, 1);
	th_cmd(&t, 0x02, d, 20, 0, &r, 500);
	TH_CHECK(&t, r.st[0] == 1 && r.st[1] == 6, "encrypted FLASH_BEGIN %02x%02x", r.st[0], r.st[1]);
	th_close(&t);
	return th_finish(&t, "test_emu_esp32c3 (security)");
}

/* A refused command: 8 frames whose opcode is not the request's, 01 05. */
static void expect_sdm_refusal(struct th *t, uint8_t op, const uint8_t *d, size_t n)
{
	uint8_t buf[64];
	int frames = 0, matching = 0;

	th_send_cmd(t, op, d, n, 0);
	long len;
	while ((len = th_read_frame(t, buf, sizeof buf, 200)) > 0) {
		frames++;
		if (len == 12 && buf[0] == 1 && buf[1] != op && buf[8] == 1 && buf[9] == 5)
			matching++;
	}
	TH_CHECK(t, frames == 8 && matching == 8, "op %02x in SDM: %d frames, %d refusals", op, frames,
		 matching);
}

static int test_sdm(void)
{
	struct emu_security sec = { 0, 0, 0, 1 };
	struct th t;
	struct th_resp r;
	uint8_t d[24] = { 0 };

	if (open_c3(&t, &sec, "c3-sdm") < 0 || th_sync(&t, NULL) != 8) {
		t.failures++;
		return th_finish(&t, "test_emu_esp32c3 (sdm)");
	}
	TH_CHECK(&t, security_info(&t, &r) == 0 && r.st[0] == 0 && (th_get32(r.data) & 4),
		 "SDM flag in GET_SECURITY_INFO");
	th_put32(d, 0x40001000);
	expect_sdm_refusal(&t, 0x0A, d, 4);                 /* READ_REG */
	expect_sdm_refusal(&t, 0x09, d, 16);                /* WRITE_REG */
	expect_sdm_refusal(&t, 0x05, d, 16);                /* MEM_BEGIN */
	expect_sdm_refusal(&t, 0x13, d, 16);                /* SPI_FLASH_MD5 */
	expect_sdm_refusal(&t, 0x10, d, 20);                /* FLASH_DEFL_BEGIN */
	expect_sdm_refusal(&t, 0x0E, d, 8);                 /* READ_FLASH_SLOW */
	memset(d, 0, sizeof d);
	TH_CHECK(&t, th_cmd(&t, 0x0D, d, 8, 0, &r, 500) == 0 && r.st[0] == 0, "SPI_ATTACH in SDM");
	th_put32(d, 0x1000);
	th_put32(d + 4, 4);
	th_put32(d + 8, 0x400);
	th_put32(d + 12, 0x10000);
	TH_CHECK(&t, th_cmd(&t, 0x02, d, 20, 0, &r, 500) == 0 && r.st[0] == 0, "FLASH_BEGIN in SDM");
	TH_CHECK(&t, th_log_count(&t, "\"sdm_rejected\":true") == 6, "SDM refusals in the log");
	th_close(&t);
	return th_finish(&t, "test_emu_esp32c3 (sdm)");
}

int main(void)
{
	return test_open_unit() | test_security() | test_sdm();
}
