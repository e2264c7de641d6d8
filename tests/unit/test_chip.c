/* SPDX-License-Identifier: MIT */
/* ESP32 / ESP32-C3 decoding (esp_chip_decode.h) against the known answers of
 * esp32-family.md: MAC CRC-8 (§2.1), names and revisions (§1.4, §1.5),
 * security (§6), the GET_SECURITY_INFO payload (§1.3, §10.3), the ROM's hex
 * MD5 (esp-serial-protocol.md §15); and the built-in stubs per chip (§5.1). */
#include <stdint.h>
#include <string.h>

#include "esp.h"
#include "esp_chip_decode.h"
#include "esp_hash.h"
#include "test.h"

static void test_mac_crc(void)
{
	static const struct {
		uint8_t mac[6];
		uint8_t crc;
	} rows[] = {
		{{0xc8, 0xf0, 0x9e, 0xb1, 0x82, 0x78}, 0xFF}, /* published espefuse summaries */
		{{0x80, 0x7d, 0x3a, 0x80, 0x17, 0x4c}, 0x3D},
		{{0x24, 0x0a, 0xc4, 0x12, 0x34, 0x56}, 0xF5}, /* the emulator example */
		{{0, 0, 0, 0, 0, 0}, 0x00},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		t_set_case("crc8 row %zu", i);
		T_EQ_HEX(esp_mac_crc8(rows[i].mac), rows[i].crc);
	}
	t_set_case("ESP32 MAC words, CRC right");
	uint8_t mac[6], stored = 0, calc = 0;
	T_EQ_INT(esp32_mac_decode(0xC4123456u, 0x00F5240Au, mac, &stored, &calc), 1);
	T_EQ_MEM(mac, 6, ((const uint8_t[]){0x24, 0x0a, 0xc4, 0x12, 0x34, 0x56}), 6);
	T_EQ_HEX(stored, 0xF5);
	T_EQ_HEX(calc, 0xF5);
	t_set_case("ESP32 MAC words, reserved bits ignored");
	T_EQ_INT(esp32_mac_decode(0xC4123456u, 0xAAF5240Au, mac, NULL, NULL), 1);
	t_set_case("ESP32 MAC words, CRC wrong");
	T_EQ_INT(esp32_mac_decode(0xC4123456u, 0x00F4240Au, mac, &stored, &calc), 0);
	T_EQ_HEX(stored, 0xF4);
	T_EQ_HEX(calc, 0xF5);
	t_set_case("ESP32 MAC words, one MAC bit flipped");
	T_EQ_INT(esp32_mac_decode(0xC4123457u, 0x00F5240Au, mac, NULL, NULL), 0);
	t_set_case("ESP32-C3 MAC words");
	esp32c3_mac_decode(0x80B1C2D3u, 0x0000347Fu, mac);
	T_EQ_MEM(mac, 6, ((const uint8_t[]){0x34, 0x7f, 0x80, 0xb1, 0xc2, 0xd3}), 6);
	t_set_case("%s", "");
}

static void test_esp32_names(void)
{
	static const struct {
		uint32_t w3, w5, apb;
		const char *name, *description;
		unsigned major, minor;
	} rows[] = {
		/* §1.4 worked example, and its real-chip twin */
		{0x0000A200u, 0x01100000u, 0x80000000u, "ESP32-D0WD-V3", "ESP32-D0WD-V3 (revision v3.1)", 3, 1},
		{0x0000A200u, 0x00100000u, 0x80000000u, "ESP32-D0WD-V3", "ESP32-D0WD-V3 (revision v3.0)", 3, 0},
		/* revision 1.0: only REV1 */
		{0x0000A200u, 0x00000000u, 0, "ESP32-D0WD", "ESP32-D0WD (revision v1.0)", 1, 0},
		/* REV1 + REV2 = 2 */
		{0x0000A200u, 0x00100000u, 0, "ESP32-D0WD", "ESP32-D0WD (revision v2.0)", 2, 0},
		/* nothing burnt = 0; an impossible mix counts as 0 too */
		{0x00002200u, 0x00000000u, 0, "ESP32-D0WD", "ESP32-D0WD (revision v0.0)", 0, 0},
		{0x00002200u, 0x00100000u, 0, "ESP32-D0WD", "ESP32-D0WD (revision v0.0)", 0, 0},
		{0x0000A201u, 0x00000000u, 0, "ESP32-S0WD", "ESP32-S0WD (revision v1.0)", 1, 0},
		{0x0000A000u, 0x02100000u, 0x80000000u, "ESP32-D0WDQ6-V3", "ESP32-D0WDQ6-V3 (revision v3.2)", 3, 2},
		{0x0000A000u, 0x00000000u, 0, "ESP32-D0WDQ6", "ESP32-D0WDQ6 (revision v1.0)", 1, 0},
		{0x0000A001u, 0x00000000u, 0, "ESP32-S0WDQ6", "ESP32-S0WDQ6 (revision v1.0)", 1, 0},
		{0x0000A400u, 0x00000000u, 0, "ESP32-D2WD", "ESP32-D2WD (revision v1.0)", 1, 0},
		{0x0000A800u, 0x00000000u, 0, "ESP32-U4WDH", "ESP32-U4WDH (revision v1.0)", 1, 0},
		{0x0000AA00u, 0x00100000u, 0x80000000u, "ESP32-PICO-V3", "ESP32-PICO-V3 (revision v3.0)", 3, 0},
		{0x0000AA00u, 0x00000000u, 0, "ESP32-PICO-D4", "ESP32-PICO-D4 (revision v1.0)", 1, 0},
		{0x0000AC00u, 0x00100000u, 0x80000000u, "ESP32-PICO-V3-02", "ESP32-PICO-V3-02 (revision v3.0)", 3, 0},
		/* pkg 7: the Sonoff Matter parts */
		{0x0000AE00u, 0x01100000u, 0x80000000u, "ESP32-D0WDR2-V3", "ESP32-D0WDR2-V3 (revision v3.1)", 3, 1},
		{0x0000A600u, 0x00000000u, 0, "Unknown ESP32", "Unknown ESP32 (revision v1.0)", 1, 0},
		/* w3 bit 2 is pkg bit 3 */
		{0x0000A204u, 0x00000000u, 0, "Unknown ESP32", "Unknown ESP32 (revision v1.0)", 1, 0},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		t_set_case("ESP32 row %zu (w3 0x%08x w5 0x%08x)", i, rows[i].w3, rows[i].w5);
		uint32_t w[ESP32_EFUSE_WORDS] = {0};
		w[3] = rows[i].w3;
		w[5] = rows[i].w5;
		struct esp_chip_info ci;
		memset(&ci, 0, sizeof ci);
		esp32_describe(w, rows[i].apb, &ci);
		T_EQ_STR(ci.name, rows[i].name);
		T_EQ_STR(ci.description, rows[i].description);
		T_EQ_INT(ci.rev_major, rows[i].major);
		T_EQ_INT(ci.rev_minor, rows[i].minor);
	}
	t_set_case("%s", "");
}

static void test_c3_names(void)
{
	static const struct {
		uint32_t w3, w5;
		const char *description;
		unsigned major, minor;
	} rows[] = {
		/* §1.5 example (with "Embedded Flash 4MB") */
		{0x08100000u, 0x00000000u, "ESP32-C3 (QFN32) (revision v0.4)", 0, 4},
		{0x00100000u, 0x00000000u, "ESP32-C3 (QFN32) (revision v0.4)", 0, 4},
		{0x00000000u, 0x00000000u, "ESP32-C3 (QFN32) (revision v0.0)", 0, 0},
		{0x00040000u, 0x01000000u, "ESP32-C3 (QFN32) (revision v1.1)", 1, 1},
		{0x00000000u, 0x00800000u, "ESP32-C3 (QFN32) (revision v0.8)", 0, 8},
		{0x001C0000u, 0x03800000u, "ESP32-C3 (QFN32) (revision v3.15)", 3, 15},
		{0x00300000u, 0x00000000u, "ESP8685 (QFN28) (revision v0.4)", 0, 4},
		{0x00500000u, 0x00000000u, "ESP32-C3 AZ (QFN32) (revision v0.4)", 0, 4},
		{0x00700000u, 0x00000000u, "ESP8686 (QFN24) (revision v0.4)", 0, 4},
		{0x00900000u, 0x00000000u, "Unknown ESP32-C3 (revision v0.4)", 0, 4},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		t_set_case("C3 row %zu (w3 0x%08x w5 0x%08x)", i, rows[i].w3, rows[i].w5);
		struct esp_chip_info ci;
		memset(&ci, 0, sizeof ci);
		esp32c3_describe(rows[i].w3, rows[i].w5, &ci);
		T_EQ_STR(ci.description, rows[i].description);
		T_EQ_INT(ci.rev_major, rows[i].major);
		T_EQ_INT(ci.rev_minor, rows[i].minor);
	}
	t_set_case("%s", "");
}

static void test_esp32_security(void)
{
	static const struct {
		uint32_t w0, w6;
		unsigned major;
		int fe, sb, dl;
		unsigned cnt;
	} rows[] = {
		{0, 0, 3, 0, 0, 0, 0},
		{1u << 20, 0, 3, 1, 0, 0, 1},         /* FLASH_CRYPT_CNT 1: on */
		{3u << 20, 0, 3, 0, 0, 0, 3},         /* 3: off again */
		{7u << 20, 0, 3, 1, 0, 0, 7},
		{0x7Fu << 20, 0, 3, 1, 0, 0, 0x7F},   /* all seven burnt: odd */
		{0x3Fu << 20, 0, 3, 0, 0, 0, 0x3F},
		{1u << 27, 0, 3, 0, 0, 0, 0},         /* UART_DOWNLOAD_DIS is not FE */
		{0xFu << 16, 0, 3, 0, 0, 0, 0},       /* RD_DIS alone neither */
		{0, 1u << 4, 1, 0, 1, 0, 0},          /* ABS_DONE_0: secure boot V1 */
		{0, 1u << 5, 3, 0, 1, 0, 0},          /* ABS_DONE_1 on v3: V2 */
		{0, 1u << 5, 1, 0, 0, 0, 0},          /* ABS_DONE_1 before v3: not counted */
		{1u << 20, (1u << 7) | (1u << 4), 3, 1, 1, 1, 1}, /* release mode */
		{0, 1u << 6, 3, 0, 0, 0, 0},          /* JTAG_DISABLE alone */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		t_set_case("ESP32 security row %zu", i);
		uint32_t w[ESP32_EFUSE_WORDS] = {0};
		w[0] = rows[i].w0;
		w[6] = rows[i].w6;
		struct esp_security sec;
		esp32_security_decode(w, rows[i].major, &sec);
		T_EQ_INT(sec.known, 1);
		T_EQ_INT(sec.flash_encrypted, rows[i].fe);
		T_EQ_INT(sec.secure_boot, rows[i].sb);
		T_EQ_INT(sec.dl_encrypt_disabled, rows[i].dl);
		T_EQ_INT(sec.secure_download, 0);
		T_EQ_INT(sec.crypt_cnt, rows[i].cnt);
	}
	t_set_case("%s", "");
}

static void test_security_info(void)
{
	struct esp_security_info si;
	t_set_case("open C3 (§10.3)");
	static const uint8_t open_c3[20] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c,
					    5, 0, 0, 0, 7, 0, 0, 0};
	T_EQ_INT(esp_security_info_parse(open_c3, 20, &si), 0);
	T_EQ_INT(si.has_chip_id, 1);
	T_EQ_INT(si.chip_id, 5);
	T_EQ_INT(si.api_version, 7);
	T_EQ_INT(si.key_purpose[6], 12);
	struct esp_security sec;
	esp32c3_security_from_info(&si, &sec);
	T_EQ_INT(sec.known, 1);
	T_EQ_INT(sec.flash_encrypted | sec.secure_boot | sec.secure_download, 0);

	t_set_case("C3 in Secure Download Mode (Cyberbrick page)");
	static const uint8_t sdm[20] = {0x77, 0, 0, 0, 0, 4, 9, 8, 8, 7, 0, 12,
					5, 0, 0, 0, 7, 0, 0, 0};
	T_EQ_INT(esp_security_info_parse(sdm, 20, &si), 0);
	T_EQ_HEX(si.flags, 0x77);
	T_EQ_MEM(si.key_purpose, 7, ((const uint8_t[]){4, 9, 8, 8, 7, 0, 12}), 7);
	esp32c3_security_from_info(&si, &sec);
	T_EQ_INT(sec.secure_boot, 1);
	T_EQ_INT(sec.secure_download, 1);
	T_EQ_INT(sec.flash_encrypted, 0);
	T_EQ_HEX(sec.flags, 0x77);

	static const struct {
		uint8_t cnt;
		int fe;
	} cnts[] = {{0, 0}, {1, 1}, {3, 0}, {7, 1}, {2, 1}, {6, 0}};
	for (size_t i = 0; i < sizeof cnts / sizeof cnts[0]; i++) {
		t_set_case("C3 crypt_cnt %u", cnts[i].cnt);
		uint8_t d[20];
		memcpy(d, open_c3, 20);
		d[4] = cnts[i].cnt;
		T_EQ_INT(esp_security_info_parse(d, 20, &si), 0);
		esp32c3_security_from_info(&si, &sec);
		T_EQ_INT(sec.flash_encrypted, cnts[i].fe);
		T_EQ_INT(sec.crypt_cnt, cnts[i].cnt);
	}

	t_set_case("ESP32-S2 form: 12 bytes, no chip id");
	T_EQ_INT(esp_security_info_parse(open_c3, 12, &si), 0);
	T_EQ_INT(si.has_chip_id, 0);
	t_set_case("other lengths refused");
	T_EQ_INT(esp_security_info_parse(open_c3, 19, &si), -1);
	T_EQ_INT(esp_security_info_parse(open_c3, 0, &si), -1);
	t_set_case("%s", "");
}

static void test_c3_efuse_security(void)
{
	static const struct {
		uint32_t w1, w2, w3, w4;
		int fe, sb, sdm, dl;
		uint32_t flags;
	} rows[] = {
		{0, 0, 0, 0, 0, 0, 0, 0, 0},
		{0, 1u << 18, 0, 0, 1, 0, 0, 0, 0},        /* SPI_BOOT_CRYPT_CNT 1 */
		{0, 3u << 18, 0, 0, 0, 0, 0, 0, 0},
		{0, 7u << 18, 0, 0, 1, 0, 0, 0, 0},
		{0, 0xFu << 24, 0, 0, 0, 0, 0, 0, 0},      /* key purposes alone */
		{0, 0, 1u << 20, 0, 0, 1, 0, 0, 0x1},      /* SECURE_BOOT_EN */
		{0, 0, 3u << 20, 0, 0, 1, 0, 0, 0x3},      /* + AGGRESSIVE_REVOKE */
		{0, 0, 0, 1u << 5, 0, 0, 1, 0, 0x4},       /* ENABLE_SECURITY_DOWNLOAD */
		{0, 0, 0, 1u << 0, 0, 0, 0, 0, 0},         /* DIS_DOWNLOAD_MODE is not SDM */
		{1u << 20, 0, 0, 0, 0, 0, 0, 1, 0},        /* DIS_DOWNLOAD_MANUAL_ENCRYPT */
		{0, 7u << 21, 0, 0, 0, 0, 0, 0, 0x38},     /* key revokes -> flags 3..5 */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		t_set_case("C3 eFuse security row %zu", i);
		struct esp_security sec;
		esp32c3_security_from_efuse(rows[i].w1, rows[i].w2, rows[i].w3, rows[i].w4, &sec);
		T_EQ_INT(sec.known, 1);
		T_EQ_INT(sec.flash_encrypted, rows[i].fe);
		T_EQ_INT(sec.secure_boot, rows[i].sb);
		T_EQ_INT(sec.secure_download, rows[i].sdm);
		T_EQ_INT(sec.dl_encrypt_disabled, rows[i].dl);
		T_EQ_HEX(sec.flags, rows[i].flags);
	}
	t_set_case("merge: either source saying on wins");
	struct esp_security a, b;
	esp32c3_security_from_efuse(1u << 20, 0, 0, 0, &a);
	esp32c3_security_from_efuse(0, 1u << 18, 1u << 20, 0, &b);
	esp_security_merge(&a, &b);
	T_EQ_INT(a.flash_encrypted, 1);
	T_EQ_INT(a.secure_boot, 1);
	T_EQ_INT(a.dl_encrypt_disabled, 1);
	T_EQ_INT(a.crypt_cnt, 1);
	struct esp_security none;
	memset(&none, 0, sizeof none);
	esp_security_merge(&none, &b);
	T_EQ_INT(none.known, 1);
	T_EQ_INT(none.secure_boot, 1);
	t_set_case("%s", "");
}

static void test_rom_md5(void)
{
	uint8_t out[16];
	static const uint8_t empty[16] = {0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04,
					  0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e};
	t_set_case("lower case, as the ROM sends it");
	T_EQ_INT(esp_rom_md5_parse((const uint8_t *)"d41d8cd98f00b204e9800998ecf8427e", 32, out), 0);
	T_EQ_MEM(out, 16, empty, 16);
	t_set_case("upper case");
	memset(out, 0, sizeof out);
	T_EQ_INT(esp_rom_md5_parse((const uint8_t *)"D41D8CD98F00B204E9800998ECF8427E", 32, out), 0);
	T_EQ_MEM(out, 16, empty, 16);
	t_set_case("bad character, wrong length, raw stub bytes");
	T_EQ_INT(esp_rom_md5_parse((const uint8_t *)"d41d8cd98f00b204e9800998ecf8427g", 32, out), -1);
	T_EQ_INT(esp_rom_md5_parse((const uint8_t *)"d41d8cd98f00b204e9800998ecf8427", 31, out), -1);
	T_EQ_INT(esp_rom_md5_parse(empty, 16, out), -1);
	T_EQ_INT(esp_rom_md5_parse((const uint8_t *)"d41d8cd98f00b204 9800998ecf8427e", 32, out), -1);
	t_set_case("%s", "");
}

static void test_names(void)
{
	t_set_case("magic words");
	T_EQ_STR(esp_magic_name(0x00F01D83u), "ESP32");
	T_EQ_STR(esp_magic_name(0x000007C6u), "ESP32-S2");
	T_CHECK(esp_magic_name(ESP_MAGIC_ESP8266) == NULL);
	T_CHECK(esp_magic_name(0x12345678u) == NULL);
	static const uint32_t c3[] = {0x6921506Fu, 0x1B31506Fu, 0x4881606Fu, 0x4361606Fu};
	for (size_t i = 0; i < 4; i++)
		T_EQ_INT(esp_magic_is_esp32c3(c3[i]), 1);
	T_EQ_INT(esp_magic_is_esp32c3(0x00F01D83u), 0);
	T_EQ_INT(esp_magic_is_esp32c3(0x2CE0806Fu), 0);
	t_set_case("chip ids");
	T_EQ_STR(esp_chip_id_name(5), "ESP32-C3");
	T_EQ_STR(esp_chip_id_name(9), "ESP32-S3");
	T_EQ_STR(esp_chip_id_name(13), "ESP32-C6");
	T_CHECK(esp_chip_id_name(99) == NULL);
	t_set_case("family names");
	T_EQ_STR(esp_chip_family_name(ESP_CHIP_ESP8266EX), "esp8266");
	T_EQ_STR(esp_chip_family_name(ESP_CHIP_ESP8285), "esp8266");
	T_EQ_STR(esp_chip_family_name(ESP_CHIP_ESP32), "esp32");
	T_EQ_STR(esp_chip_family_name(ESP_CHIP_ESP32C3), "esp32c3");
	T_CHECK(esp_chip_family_name(ESP_CHIP_ESP32_FAMILY) == NULL);
	T_CHECK(esp_chip_family_name(ESP_CHIP_UNKNOWN) == NULL);
	t_set_case("%s", "");
}

static void check_stub(enum esp_chip chip, uint32_t entry, uint32_t text_start, size_t text_len,
		       uint32_t data_start, size_t data_len, const char *text_md5,
		       const char *data_md5)
{
	struct esp_stub_image s;
	struct esp_error err;
	char hex[33];
	uint8_t md5[16];
	memset(&s, 0, sizeof s);
	T_REQUIRE(esp_stub_builtin_for(chip, &s, &err) == ESP_OK);
	T_EQ_HEX(s.entry, entry);
	T_EQ_HEX(s.text_start, text_start);
	T_EQ_INT(s.text_len, text_len);
	T_EQ_HEX(s.data_start, data_start);
	T_EQ_INT(s.data_len, data_len);
	/* digests of the decoded segments of the pinned JSON (computed with Python) */
	esp_md5(s.text, s.text_len, md5);
	T_EQ_STR(esp_hex(md5, 16, hex), text_md5);
	esp_md5(s.data, s.data_len, md5);
	T_EQ_STR(esp_hex(md5, 16, hex), data_md5);
	esp_stub_free(&s);
}

static void test_stubs(void)
{
	/* esp32-family.md §5.1, esptool-js 0.7.0 */
	t_set_case("esp32.json");
	check_stub(ESP_CHIP_ESP32, 0x400A902C, 0x400A8000, 6456, 0x3FFDED6C, 212,
		   "d495f63a306a3f0e012700cc1c031cb6", "5db21ce4a452000bffbd831714e0468a");
	t_set_case("esp32c3.json");
	check_stub(ESP_CHIP_ESP32C3, 0x40380E9A, 0x40380000, 5880, 0x3FC96D68, 204,
		   "4659109a8a116702c5beb0cc5f595fcc", "3abe7b1cef33190b5955eade8a96e321");
	t_set_case("esp8266.json, both chips and the old name");
	check_stub(ESP_CHIP_ESP8266EX, 0x4010C504, 0x4010C500, 11456, 0x3FFFAE6C, 920,
		   "2f1cdc61b44cf29e0e68db789ecfe533", "6b30b362256f3faad3d50533225fe0c1");
	check_stub(ESP_CHIP_ESP8285, 0x4010C504, 0x4010C500, 11456, 0x3FFFAE6C, 920,
		   "2f1cdc61b44cf29e0e68db789ecfe533", "6b30b362256f3faad3d50533225fe0c1");
	struct esp_stub_image s;
	struct esp_error err;
	memset(&s, 0, sizeof s);
	T_EQ_INT(esp_stub_builtin(&s, &err), ESP_OK);
	T_EQ_HEX(s.entry, 0x4010C504);
	esp_stub_free(&s);
	t_set_case("no stub for other chips");
	memset(&err, 0, sizeof err);
	T_EQ_INT(esp_stub_builtin_for(ESP_CHIP_ESP32_FAMILY, &s, &err), ESP_E_CHIP);
	T_HAS_STR(err.msg, "no built-in flasher stub");
	T_EQ_INT(esp_stub_builtin_for(ESP_CHIP_UNKNOWN, &s, NULL), ESP_E_CHIP);
	t_set_case("%s", "");
}

int main(void)
{
	test_mac_crc();
	test_esp32_names();
	test_c3_names();
	test_esp32_security();
	test_security_info();
	test_c3_efuse_security();
	test_rom_md5();
	test_names();
	test_stubs();
	return t_done("test_chip");
}
