/* SPDX-License-Identifier: MIT */
/* The ESP32 personality, in raw bytes: boot log at 115200, 4 status bytes
 * in the ROM and 2 after OHAI, detection registers decoded as esptool does
 * (magic, package, revision, MAC with its CRC-8, crystal), GET_SECURITY_INFO
 * unsupported (ROM) and 0xFF00 (stub), SPI_ATTACH required, the 2 MB
 * default, READ_FLASH_SLOW, ROM MD5 in hex, exact ROM erase, ROM inflater,
 * ROM CHANGE_BAUDRATE with the CK8M clock estimate, stubs by entry and
 * the stub's own commands, security eFuses. */
#include <nettle/md5.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "emu_efuse32.h"
#include "test_emu_util.h"

#define EFUSE(n) (0x3FF5A000u + 4 * (n))
#define ESP32_NEW_STUB 0x400A902Cu

static void md5_hex(const uint8_t *p, size_t n, char out[33])
{
	struct md5_ctx c;
	uint8_t d[16];

	md5_init(&c);
	md5_update(&c, n, p);
	md5_digest(&c, MD5_DIGEST_SIZE, d);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* esptool's ESP32 description, decoded here from the words (§1.4). */
static void describe(uint32_t w3, uint32_t w5, uint32_t apb, char *out, size_t cap)
{
	unsigned pkg = (w3 >> 9 & 7) | (w3 >> 2 & 1) << 3;
	unsigned bits = (w3 >> 15 & 1) | (w5 >> 20 & 1) << 1 | (apb >> 31 & 1) << 2;
	unsigned major = bits == 1 ? 1 : bits == 3 ? 2 : bits == 7 ? 3 : 0;
	const char *name = pkg == 1 ? (major == 3 ? "ESP32-D0WD-V3" : "ESP32-D0WD") :
			   pkg == 7 ? "ESP32-D0WDR2-V3" : "other";
	snprintf(out, cap, "%s (revision v%u.%u)", name, major, w5 >> 24 & 3);
}

static size_t capture(struct th *t, uint8_t *buf, size_t cap)
{
	size_t n = th_read_raw(t, buf, cap - 1, 150);
	buf[n] = 0;
	return n;
}

static void reset_lines(struct th *t, int download)
{
	emu_set_lines(t->e, 0, 1);          /* EN low */
	th_sleep_ms(10);
	emu_set_lines(t->e, download, 0);   /* EN rises; GPIO0 low if download */
	th_sleep_ms(20);
	emu_set_lines(t->e, 0, 0);
}

static void test_boot_log(struct th *t)
{
	uint8_t buf[2048];

	reset_lines(t, 1);
	capture(t, buf, sizeof buf);
	TH_CHECK(t, strstr((char *)buf, "ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),"
			   "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download"),
		 "download boot log: %s", buf);
	uint32_t strap = 0;
	TH_CHECK(t, th_sync(t, NULL) == 8 && th_read_reg(t, 0x3FF44038, &strap) == 0 && strap == 0x03,
		 "GPIO_STRAP 0x%x", strap);
	reset_lines(t, 0);
	capture(t, buf, sizeof buf);
	TH_CHECK(t, strstr((char *)buf, "boot:0x13 (SPI_FAST_FLASH_BOOT)") &&
		 strstr((char *)buf, "invalid header: 0x"), "flash boot log: %s", buf);
	reset_lines(t, 1);
	capture(t, buf, sizeof buf);
	TH_CHECK(t, th_sync(t, NULL) == 8, "sync after the boot log");
}

static void test_detection(struct th *t)
{
	uint32_t v[8] = { 0 }, apb = 0, div = 0, cali = 0, magic = 0;
	char desc[64];
	struct th_resp r;
	uint8_t d[36] = { 0x07, 0x07, 0x12, 0x20 };

	memset(d + 4, 0x55, 32);
	TH_CHECK(t, th_cmd(t, 0x08, d, 36, 0, &r, 500) == 0 && r.size == 4 && r.st[0] == 0,
		 "SYNC reply carries 4 status bytes (size %u)", r.size);
	th_drain(t, 50);
	TH_CHECK(t, th_read_reg(t, 0x40001000, &magic) == 0 && magic == 0x00F01D83, "magic %08x", magic);
	for (int i = 0; i < 7; i++)
		TH_CHECK(t, th_read_reg(t, EFUSE(i), &v[i]) == 0, "eFuse word %d", i);
	th_read_reg(t, 0x3FF6607C, &apb);
	TH_CHECK(t, v[1] == 0xC4123456 && v[2] == 0x00F5240A, "MAC words %08x %08x", v[1], v[2]);
	TH_CHECK(t, v[3] == 0x0000A200 && v[5] == 0x01100000 && v[4] == 0x00001164 && (apb >> 31),
		 "w3 %08x w4 %08x w5 %08x apb %08x", v[3], v[4], v[5], apb);
	describe(v[3], v[5], apb, desc, sizeof desc);
	TH_CHECK(t, strcmp(desc, "ESP32-D0WD-V3 (revision v3.1)") == 0, "description %s", desc);
	/* esptool: crystal = baud x (CLKDIV & 0xFFFFF) / 1e6 */
	TH_CHECK(t, th_read_reg(t, 0x3FF40014, &div) == 0 && (div & 0xFFFFF) == 347,
		 "UART_CLKDIV %08x", div);
	TH_CHECK(t, th_read_reg(t, 0x60000014, &div) == 0 && (div & 0xFFFFF) == 347,
		 "AHB alias of UART_CLKDIV %08x", div);
	TH_CHECK(t, th_read_reg(t, 0x3FF5F06C, &cali) == 0 && cali >> 7 == 1024, "RTCCALICFG1 %08x", cali);
	/* the CRC-8 of §2.1 against the published summaries */
	static const uint8_t m1[6] = { 0xc8, 0xf0, 0x9e, 0xb1, 0x82, 0x78 };
	static const uint8_t m2[6] = { 0x80, 0x7d, 0x3a, 0x80, 0x17, 0x4c };
	TH_CHECK(t, emu_mac_crc8(m1) == 0xFF && emu_mac_crc8(m2) == 0x3D, "CRC-8 vectors");
	/* RDID through the ESP32's SPI1 registers (§3.4) */
	uint32_t id = 0;
	th_write_reg(t, 0x3FF4202C, 23);
	th_write_reg(t, 0x3FF4201C, 0x90000000);
	th_write_reg(t, 0x3FF42024, 0x7000009F);
	th_write_reg(t, 0x3FF42080, 0);
	th_write_reg(t, 0x3FF42000, 1u << 18);
	th_read_reg(t, 0x3FF42000, &id);
	TH_CHECK(t, (id & (1u << 18)) == 0, "SPI command still busy");
	th_read_reg(t, 0x3FF42080, &id);
	TH_CHECK(t, (id & 0xFFFFFF) == 0x1640EF, "RDID %06x", id & 0xFFFFFF);
}

static void cmd_status(struct th *t, uint8_t op, const uint8_t *d, size_t n, struct th_resp *r)
{
	memset(r, 0, sizeof *r);
	if (th_cmd(t, op, d, n, 0, r, 2000) < 0)
		r->st[0] = r->st[1] = 0xEE;
}

static void test_rom_commands(struct th *t)
{
	uint8_t d[24] = { 0 }, flash[64];
	struct th_resp r;
	char hex[33];

	cmd_status(t, 0x14, NULL, 0, &r);
	TH_CHECK(t, r.st[0] == 1 && r.st[1] == 5 && r.size == 4, "ESP32 ROM GET_SECURITY_INFO: %02x%02x",
		 r.st[0], r.st[1]);
	cmd_status(t, 0xD0, NULL, 0, &r);
	TH_CHECK(t, r.st[0] == 1 && r.st[1] == 5, "ROM ERASE_FLASH: %02x%02x", r.st[0], r.st[1]);
	/* flash commands before SPI_ATTACH fail */
	th_put32(d, 0x1000);
	th_put32(d + 4, 64);
	cmd_status(t, 0x0E, d, 8, &r);
	TH_CHECK(t, r.st[0] == 1, "READ_FLASH_SLOW before SPI_ATTACH: %02x%02x", r.st[0], r.st[1]);
	cmd_status(t, 0x0D, d, 4, &r);
	TH_CHECK(t, r.st[0] == 1 && r.st[1] == 5, "SPI_ATTACH with 4 bytes: %02x%02x", r.st[0], r.st[1]);
	memset(d, 0, sizeof d);
	cmd_status(t, 0x0D, d, 8, &r);
	TH_CHECK(t, r.st[0] == 0, "SPI_ATTACH: %02x%02x", r.st[0], r.st[1]);

	th_put32(d, 0x1000);
	th_put32(d + 4, 64);
	cmd_status(t, 0x0E, d, 8, &r);
	uint8_t *all = malloc(4u << 20);
	emu_get_flash(t->e, all, 4u << 20);
	TH_CHECK(t, r.st[0] == 0 && r.dlen == 64 && memcmp(r.data, all + 0x1000, 64) == 0,
		 "READ_FLASH_SLOW: status %02x, %zu data bytes", r.st[0], r.dlen);
	th_put32(d + 4, 16);        /* still 64 data bytes */
	cmd_status(t, 0x0E, d, 8, &r);
	TH_CHECK(t, r.dlen == 64, "READ_FLASH_SLOW of 16 bytes returned %zu", r.dlen);
	/* the ROM believes in 2 MB until SPI_SET_PARAMS */
	th_put32(d, 0x200000);
	cmd_status(t, 0x0E, d, 8, &r);
	TH_CHECK(t, r.st[0] == 1 && r.st[1] == 9, "read at 2 MB before SET_PARAMS: %02x%02x", r.st[0],
		 r.st[1]);
	uint32_t params[6] = { 0, 4u << 20, 0x10000, 0x1000, 0x100, 0xFFFF };
	for (int i = 0; i < 6; i++)
		th_put32(d + 4 * i, params[i]);
	cmd_status(t, 0x0B, d, 24, &r);
	TH_CHECK(t, r.st[0] == 0, "SPI_SET_PARAMS: %02x%02x", r.st[0], r.st[1]);
	th_put32(d, 0x200000);
	th_put32(d + 4, 64);
	cmd_status(t, 0x0E, d, 8, &r);
	TH_CHECK(t, r.st[0] == 0 && memcmp(r.data, all + 0x200000, 64) == 0, "read at 2 MB: %02x",
		 r.st[0]);
	memcpy(flash, all, sizeof flash);
	/* ROM MD5: 32 lower-case hex characters */
	memset(d, 0, 16);
	th_put32(d, 0x1000);
	th_put32(d + 4, 0x3000);
	cmd_status(t, 0x13, d, 16, &r);
	md5_hex(all + 0x1000, 0x3000, hex);
	TH_CHECK(t, r.st[0] == 0 && r.dlen == 32 && memcmp(r.data, hex, 32) == 0,
		 "ROM MD5 %.*s, want %s", (int)r.dlen, (char *)r.data, hex);
	free(all);
}

/* ROM writes: 16-byte FLASH_BEGIN, exact erase, plain and compressed data. */
static void test_rom_write(struct th *t)
{
	uint8_t d[20] = { 0 }, *blk = malloc(16 + 0x400), *all = malloc(4u << 20);
	struct th_resp r;

	memset(all, 0x00, 4u << 20);
	emu_set_flash(t->e, 0, all, 4u << 20);
	th_put32(d, 0x1800);
	th_put32(d + 4, 6);
	th_put32(d + 8, 0x400);
	th_put32(d + 12, 0x3000);
	cmd_status(t, 0x02, d, 20, &r);
	TH_CHECK(t, r.st[0] == 1 && r.st[1] == 5, "ESP32 ROM FLASH_BEGIN with 20 bytes: %02x%02x",
		 r.st[0], r.st[1]);
	cmd_status(t, 0x02, d, 16, &r);
	TH_CHECK(t, r.st[0] == 0, "FLASH_BEGIN: %02x%02x", r.st[0], r.st[1]);
	emu_get_flash(t->e, all, 4u << 20);
	TH_CHECK(t, all[0x2FFF] == 0 && all[0x3000] == 0xFF && all[0x4FFF] == 0xFF && all[0x5000] == 0,
		 "erase not exact: %02x %02x %02x %02x", all[0x2FFF], all[0x3000], all[0x4FFF], all[0x5000]);
	th_put32(blk, 0x400);
	th_put32(blk + 4, 0);
	th_put32(blk + 8, 0);
	th_put32(blk + 12, 0);
	for (int i = 0; i < 0x400; i++)
		blk[16 + i] = (uint8_t)(i * 13);
	th_cmd(t, 0x03, blk, 16 + 0x400, th_checksum(blk + 16, 0x400), &r, 2000);
	emu_get_flash(t->e, all, 4u << 20);
	TH_CHECK(t, r.st[0] == 0 && memcmp(all + 0x3000, blk + 16, 0x400) == 0, "FLASH_DATA %02x", r.st[0]);

	/* compressed, through the ROM's inflater: size rounded up to 0x400 */
	uint32_t len = 3000, rounded = 0xC00;
	uint8_t *src = malloc(len);
	for (uint32_t i = 0; i < len; i++)
		src[i] = (uint8_t)(i / 7);
	uLongf clen = compressBound(len);
	uint8_t *z = malloc(clen);
	compress2(z, &clen, src, len, 9);
	th_put32(d, rounded);
	th_put32(d + 4, (uint32_t)((clen + 0x3FF) / 0x400));
	th_put32(d + 8, 0x400);
	th_put32(d + 12, 0x8000);
	cmd_status(t, 0x10, d, 16, &r);
	TH_CHECK(t, r.st[0] == 0, "ROM FLASH_DEFL_BEGIN %02x%02x", r.st[0], r.st[1]);
	for (uint32_t seq = 0; seq * 0x400 < clen; seq++) {
		uint32_t n = (uint32_t)clen - seq * 0x400 < 0x400 ? (uint32_t)clen - seq * 0x400 : 0x400;
		th_put32(blk, n);
		th_put32(blk + 4, seq);
		memcpy(blk + 16, z + seq * 0x400, n);
		th_cmd(t, 0x11, blk, 16 + n, th_checksum(blk + 16, n), &r, 2000);
		TH_CHECK(t, r.st[0] == 0, "ROM FLASH_DEFL_DATA %u: %02x%02x", seq, r.st[0], r.st[1]);
	}
	emu_get_flash(t->e, all, 4u << 20);
	TH_CHECK(t, memcmp(all + 0x8000, src, len) == 0 && all[0x8000 + len] == 0xFF &&
		 all[0x9000] == 0x00, "ROM compressed write");
	free(src);
	free(z);
	free(blk);
	free(all);
}

static void rom_baud(struct th *t, uint32_t value, unsigned expect)
{
	uint8_t d[8] = { 0 };
	struct th_resp r;

	th_put32(d, value);
	th_cmd(t, 0x0F, d, 8, 0, &r, 500);
	th_sleep_ms(30);
	unsigned got = emu_device_baud(t->e);
	TH_CHECK(t, got + 2 >= expect && got <= expect + 2, "ROM CHANGE_BAUDRATE %u: device at %u, "
		 "want %u", value, got, expect);
}

/* The ROM divides its clock estimate (cali x 15625 x CK8M / 40) by the value. */
static int test_rom_baud(void)
{
	struct emu_config c;
	struct th t;
	int rc = 0;

	th_config(&c);
	emu_config_chip(&c, EMU_ESP32);
	c.fast_flash = 1;
	c.rtc_cali = 973;           /* the ROM thinks it runs at 38.0078 MHz */
	if (th_open(&t, &c, 115200, "esp32-baud") < 0 || th_sync(&t, NULL) != 8) {
		t.failures++;
	} else {
		rom_baud(&t, 460800, 484952);           /* a client without the CK8M fix */
		th_close(&t);
	}
	rc |= th_finish(&t, "test_emu_esp32 (rom baud, uncorrected)");
	if (th_open(&t, &c, 115200, "esp32-baud2") < 0 || th_sync(&t, NULL) != 8) {
		t.failures++;
	} else {
		/* esptool's correction: new x rom_freq / 40 MHz */
		rom_baud(&t, (uint32_t)(460800ull * (973ull * 15625 * 100 / 40) / 40000000ull), 460800);
		th_close(&t);
	}
	return rc | th_finish(&t, "test_emu_esp32 (rom baud, corrected)");
}

static int stub_cmd(struct th *t, uint8_t op, const uint8_t *d, size_t n, struct th_resp *r)
{
	return th_cmd(t, op, d, n, 0, r, 3000);
}

static void test_stub(struct th *t)
{
	struct th_resp r;
	uint8_t d[16] = { 0 }, md5[16], *all = malloc(4u << 20), *got = malloc(0x3000);
	uint32_t v = 0;

	TH_CHECK(t, th_load_stub(t, ESP32_NEW_STUB) == 0, "no OHAI from the ESP32 stub");
	TH_CHECK(t, stub_cmd(t, 0x0A, (const uint8_t *)"\x00\x10\x00\x40", 4, &r) == 0 && r.size == 2 &&
		 r.value == 0x00F01D83, "stub READ_REG: size %u value %08x", r.size, r.value);
	TH_CHECK(t, th_read_reg(t, EFUSE(1), &v) == 0 && v == 0xC4123456, "eFuse via stub %08x", v);
	stub_cmd(t, 0x14, NULL, 0, &r);
	TH_CHECK(t, r.st[0] == 0xFF && r.st[1] == 0 && r.dlen == 0, "stub GET_SECURITY_INFO %02x%02x",
		 r.st[0], r.st[1]);
	stub_cmd(t, 0x0E, d, 8, &r);
	TH_CHECK(t, r.st[0] == 0xC3, "stub READ_FLASH_SLOW %02x", r.st[0]);
	th_put32(d, 0x20000);
	th_put32(d + 4, 0x2000);
	stub_cmd(t, 0xD1, d, 8, &r);
	emu_get_flash(t->e, all, 4u << 20);
	TH_CHECK(t, r.st[0] == 0 && all[0x20000] == 0xFF && all[0x21FFF] == 0xFF && all[0x22000] == 0,
		 "stub ERASE_REGION %02x", r.st[0]);
	TH_CHECK(t, th_flash_md5(t, 0x3000, 0x3000, md5, 2000) == 0, "stub MD5 is 16 raw bytes");
	TH_CHECK(t, th_read_flash(t, 0x3000, 0x3000, got) == 0 && memcmp(got, all + 0x3000, 0x3000) == 0,
		 "stub READ_FLASH");
	th_put32(d, 921600);
	th_put32(d + 4, 921600);
	TH_CHECK(t, stub_cmd(t, 0x0F, d, 8, &r) == 0 && r.st[0] == 0, "stub CHANGE_BAUDRATE");
	free(all);
	free(got);
}

/* The entry tells which stub runs; another chip's stub crashes the CPU. */
static int test_stub_entries(void)
{
	static const struct {
		uint32_t entry;
		const char *want;
	} cases[] = {
		{ 0x400A902Cu, "\"flavour\":\"new\",\"entry\":1074434092,\"by\":\"entry\"" },
		{ 0x400A9074u, "\"flavour\":\"new\",\"entry\":1074434164,\"by\":\"entry\"" },
		{ 0x400BE658u, "\"flavour\":\"legacy\",\"entry\":1074521688,\"by\":\"entry\"" },
		{ 0x4010C504u, "\"ev\":\"stub_crash\"" },
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct emu_config c;
		struct th t;
		th_config(&c);
		emu_config_chip(&c, EMU_ESP32);
		c.fast_flash = 1;
		if (th_open(&t, &c, 115200, "esp32-entry") < 0 || th_sync(&t, NULL) != 8) {
			t.failures++;
			rc |= th_finish(&t, "test_emu_esp32 (entries)");
			continue;
		}
		int ohai = th_load_stub(&t, cases[i].entry) == 0;
		TH_CHECK(&t, ohai == (i < 3), "entry %08x: OHAI %d", cases[i].entry, ohai);
		th_sleep_ms(80);
		TH_CHECK(&t, th_log_count(&t, cases[i].want) == 1, "entry %08x: log lacks %s",
			 cases[i].entry, cases[i].want);
		if (i == 3)             /* back in the ROM after the crash */
			TH_CHECK(&t, th_sync(&t, NULL) == 8 && !emu_in_stub(t.e), "ROM after the crash");
		th_close(&t);
		rc |= th_finish(&t, "test_emu_esp32 (entries)");
	}
	return rc;
}

static int test_security(void)
{
	struct emu_config c;
	struct th t;
	uint32_t w0 = 0, w5 = 0, w6 = 0;

	th_config(&c);
	emu_config_chip(&c, EMU_ESP32);
	c.fast_flash = 1;
	c.security.flash_encrypted = c.security.secure_boot = c.security.dl_encrypt_disabled = 1;
	if (th_open(&t, &c, 115200, "esp32-sec") < 0 || th_sync(&t, NULL) != 8) {
		t.failures++;
	} else {
		th_read_reg(&t, EFUSE(0), &w0);
		th_read_reg(&t, EFUSE(5), &w5);
		th_read_reg(&t, EFUSE(6), &w6);
		TH_CHECK(&t, __builtin_popcount(w0 >> 20 & 0x7F) % 2 == 1, "FLASH_CRYPT_CNT even: %08x", w0);
		TH_CHECK(&t, (w5 >> 28) == 0xF, "FLASH_CRYPT_CONFIG %08x", w5);
		TH_CHECK(&t, (w6 & (1u << 5)) && (w6 & (1u << 7)), "ABS_DONE_1 / DISABLE_DL_ENCRYPT %08x", w6);
		th_close(&t);
	}
	int rc = th_finish(&t, "test_emu_esp32 (security)");
	char err[256];
	c.security.secure_download = 1;
	struct emu *e = emu_new(&c, err, sizeof err);
	TH_CHECK(&t, e == NULL && strstr(err, "Secure Download"), "ESP32 with SDM accepted: %s", err);
	emu_free(e);
	return rc | th_finish(&t, "test_emu_esp32 (no SDM on ESP32)");
}

/* Real timing: the ROM's exact erase costs blocks and sectors as on the
 * ESP8266 and answers when done; a stuck sector keeps its content. */
static int test_stuck_timing(void)
{
	struct emu_config c;
	struct th t;
	struct th_resp r;
	uint8_t d[16] = { 0 }, *all = malloc(4u << 20);
	char line[1024];
	double busy = 0;

	th_config(&c);
	emu_config_chip(&c, EMU_ESP32);
	c.fast_flash = 0;
	c.faults.stuck_sectors[0] = 0x21000;
	c.faults.n_stuck = 1;
	if (th_open(&t, &c, 115200, "esp32-stuck") < 0 || th_sync(&t, NULL) != 8) {
		t.failures++;
		free(all);
		return th_finish(&t, "test_emu_esp32 (stuck, timing)");
	}
	memset(all, 0x00, 4u << 20);
	emu_set_flash(t.e, 0, all, 4u << 20);
	th_cmd(&t, 0x0D, d, 8, 0, &r, 500);
	th_put32(d, 0x12000);       /* 0x1F000 .. 0x31000: sector, block, sector */
	th_put32(d + 4, 72);
	th_put32(d + 8, 0x400);
	th_put32(d + 12, 0x1F000);
	double t0 = th_now();
	TH_CHECK(&t, th_cmd(&t, 0x02, d, 16, 0, &r, 3000) == 0 && r.st[0] == 0, "FLASH_BEGIN");
	double took = th_now() - t0;
	TH_CHECK(&t, took >= 0.235, "FLASH_BEGIN answered after %.3f s, before the erase was done", took);
	emu_get_flash(t.e, all, 4u << 20);
	TH_CHECK(&t, all[0x1F000] == 0xFF && all[0x20FFF] == 0xFF && all[0x21000] == 0x00 &&
		 all[0x22000] == 0xFF && all[0x30FFF] == 0xFF && all[0x31000] == 0x00,
		 "exact erase with a stuck sector: %02x %02x %02x %02x", all[0x1F000], all[0x21000],
		 all[0x30FFF], all[0x31000]);
	TH_CHECK(&t, th_log_line(&t, "\"ev\":\"erase\"", -1, line, sizeof line) == 0 &&
		 th_json_num(line, "busy_ms", &busy) == 0 && busy == 45 + 150 + 45 &&
		 strstr(line, "\"stuck\":[135168]"), "erase event: %s", line);
	th_close(&t);
	free(all);
	return th_finish(&t, "test_emu_esp32 (stuck, timing)");
}

int main(void)
{
	struct emu_config c;
	struct th t;
	int rc = 0;

	th_config(&c);
	emu_config_chip(&c, EMU_ESP32);
	c.fast_flash = 1;
	if (th_open(&t, &c, 115200, "esp32") < 0) {
		fprintf(stderr, "cannot start the device\n");
		return 1;
	}
	test_boot_log(&t);
	test_detection(&t);
	test_rom_commands(&t);
	test_rom_write(&t);
	test_stub(&t);
	th_close(&t);
	rc |= th_finish(&t, "test_emu_esp32");
	rc |= test_rom_baud();
	rc |= test_stub_entries();
	rc |= test_security();
	rc |= test_stuck_timing();
	return rc;
}
