/* SPDX-License-Identifier: MIT */
/* ESP32 / ESP32-C3 eFuse and GET_SECURITY_INFO decoding (see
 * esp_chip_decode.h).  Bit positions from esp32-family.md §1.4, §1.5, §2, §6. */
#include <stdio.h>
#include <string.h>

#include "esp_chip_decode.h"
#include "esp_proto.h"

static unsigned bits(uint32_t w, unsigned lo, unsigned n)
{
	return (unsigned)(w >> lo) & ((1u << n) - 1u);
}

static int odd_parity(uint32_t v)
{
	int odd = 0;
	for (; v; v &= v - 1)
		odd ^= 1;
	return odd;
}

int esp_security_info_parse(const uint8_t *d, size_t n, struct esp_security_info *ret)
{
	if (n != 20 && n != 12)
		return -1;
	memset(ret, 0, sizeof *ret);
	ret->flags = esp_get_le32(d);
	ret->crypt_cnt = d[4];
	memcpy(ret->key_purpose, d + 5, 7);
	if (n == 20) {
		ret->has_chip_id = 1;
		ret->chip_id = esp_get_le32(d + 12);
		ret->api_version = esp_get_le32(d + 16);
	}
	return 0;
}

struct id_row {
	uint32_t id;
	const char *name;
};

/* IMAGE_CHIP_ID values (esp-serial-protocol.md §7.2) */
static const struct id_row s_chip_ids[] = {
	{0, "ESP32"},      {2, "ESP32-S2"},   {5, "ESP32-C3"},   {9, "ESP32-S3"},
	{12, "ESP32-C2"},  {13, "ESP32-C6"},  {16, "ESP32-H2"},  {18, "ESP32-P4"},
	{20, "ESP32-C61"}, {23, "ESP32-C5"},  {25, "ESP32-H21"}, {28, "ESP32-H4"},
	{31, "ESP32-E22"}, {32, "ESP32-S31"},
};

/* magic words at 0x40001000 (esp-serial-protocol.md §7.1) */
static const struct id_row s_magics[] = {
	{0x00F01D83u, "ESP32"},    {0x000007C6u, "ESP32-S2"}, {0x00000009u, "ESP32-S3"},
	{0x6921506Fu, "ESP32-C3"}, {0x1B31506Fu, "ESP32-C3"}, {0x4881606Fu, "ESP32-C3"},
	{0x4361606Fu, "ESP32-C3"}, {0x6F51306Fu, "ESP32-C2"}, {0x7C41A06Fu, "ESP32-C2"},
	{0x0C21E06Fu, "ESP32-C2"}, {0x2CE0806Fu, "ESP32-C6"}, {0x7211606Fu, "ESP32-C61"},
	{0x1101406Fu, "ESP32-C5"}, {0x5FD1406Fu, "ESP32-C5"}, {0x63E1406Fu, "ESP32-C5"},
	{0xD7B73E80u, "ESP32-H2"},
};

static const char *find_name(const struct id_row *rows, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].id == id)
			return rows[i].name;
	return NULL;
}

const char *esp_chip_id_name(uint32_t chip_id)
{
	return find_name(s_chip_ids, sizeof s_chip_ids / sizeof s_chip_ids[0], chip_id);
}

const char *esp_magic_name(uint32_t magic)
{
	return find_name(s_magics, sizeof s_magics / sizeof s_magics[0], magic);
}

int esp_magic_is_esp32c3(uint32_t magic)
{
	const char *n = esp_magic_name(magic);
	return n && strcmp(n, "ESP32-C3") == 0;
}

uint8_t esp_mac_crc8(const uint8_t mac[6])
{
	uint8_t crc = 0;
	for (int i = 0; i < 6; i++) {
		crc ^= mac[i];
		for (int b = 0; b < 8; b++)
			crc = (uint8_t)(crc & 1u ? (crc >> 1) ^ 0x8Cu : crc >> 1);
	}
	return crc;
}

int esp32_mac_decode(uint32_t w1, uint32_t w2, uint8_t mac[6], uint8_t *ret_stored,
		     uint8_t *ret_calc)
{
	mac[0] = (uint8_t)(w2 >> 8);
	mac[1] = (uint8_t)w2;
	mac[2] = (uint8_t)(w1 >> 24);
	mac[3] = (uint8_t)(w1 >> 16);
	mac[4] = (uint8_t)(w1 >> 8);
	mac[5] = (uint8_t)w1;
	uint8_t stored = (uint8_t)(w2 >> 16), calc = esp_mac_crc8(mac);
	if (ret_stored)
		*ret_stored = stored;
	if (ret_calc)
		*ret_calc = calc;
	return stored == calc;
}

void esp32c3_mac_decode(uint32_t w0, uint32_t w1, uint8_t mac[6])
{
	mac[0] = (uint8_t)(w1 >> 8);
	mac[1] = (uint8_t)w1;
	mac[2] = (uint8_t)(w0 >> 24);
	mac[3] = (uint8_t)(w0 >> 16);
	mac[4] = (uint8_t)(w0 >> 8);
	mac[5] = (uint8_t)w0;
}

static void set_description(struct esp_chip_info *ci)
{
	snprintf(ci->description, sizeof ci->description, "%s (revision v%u.%u)", ci->name,
		 ci->rev_major, ci->rev_minor);
}

void esp32_describe(const uint32_t w[ESP32_EFUSE_WORDS], uint32_t apb_ctl_date,
		    struct esp_chip_info *ci)
{
	unsigned rev = bits(apb_ctl_date, 31, 1) << 2 | bits(w[5], 20, 1) << 1 | bits(w[3], 15, 1);
	/* the three revision fuses are burnt one after another: 0, 1, 3, 7 */
	static const unsigned major_of[8] = {0, 1, 0, 2, 0, 0, 0, 3};
	ci->rev_major = major_of[rev];
	ci->rev_minor = bits(w[5], 24, 2);
	unsigned pkg = bits(w[3], 9, 3) | bits(w[3], 2, 1) << 3;
	int single = (int)bits(w[3], 0, 1), v3 = ci->rev_major == 3;
	const char *name;
	switch (pkg) {
	case 0: name = single ? "ESP32-S0WDQ6" : v3 ? "ESP32-D0WDQ6-V3" : "ESP32-D0WDQ6"; break;
	case 1: name = single ? "ESP32-S0WD" : v3 ? "ESP32-D0WD-V3" : "ESP32-D0WD"; break;
	case 2: name = "ESP32-D2WD"; break;
	case 4: name = "ESP32-U4WDH"; break;
	case 5: name = v3 ? "ESP32-PICO-V3" : "ESP32-PICO-D4"; break;
	case 6: name = "ESP32-PICO-V3-02"; break;
	case 7: name = "ESP32-D0WDR2-V3"; break;
	default: name = "Unknown ESP32"; break;
	}
	snprintf(ci->name, sizeof ci->name, "%s", name);
	set_description(ci);
}

void esp32c3_describe(uint32_t blk1_w3, uint32_t blk1_w5, struct esp_chip_info *ci)
{
	ci->rev_major = bits(blk1_w5, 24, 2);
	ci->rev_minor = bits(blk1_w5, 23, 1) << 3 | bits(blk1_w3, 18, 3);
	static const char *const names[] = {"ESP32-C3 (QFN32)", "ESP8685 (QFN28)",
					    "ESP32-C3 AZ (QFN32)", "ESP8686 (QFN24)"};
	unsigned pkg = bits(blk1_w3, 21, 3);
	snprintf(ci->name, sizeof ci->name, "%s", pkg < 4 ? names[pkg] : "Unknown ESP32-C3");
	set_description(ci);
}

void esp32_security_decode(const uint32_t w[ESP32_EFUSE_WORDS], unsigned rev_major,
			   struct esp_security *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->known = 1;
	ret->crypt_cnt = (uint8_t)bits(w[0], 20, 7);       /* FLASH_CRYPT_CNT */
	ret->flash_encrypted = odd_parity(ret->crypt_cnt);
	int abs_done_0 = (int)bits(w[6], 4, 1), abs_done_1 = (int)bits(w[6], 5, 1);
	/* Secure Boot V2 exists from revision 3.0 on (esptool counts it only there) */
	ret->secure_boot = abs_done_0 || (abs_done_1 && rev_major >= 3);
	ret->dl_encrypt_disabled = (int)bits(w[6], 7, 1); /* DISABLE_DL_ENCRYPT */
}

void esp32c3_security_from_info(const struct esp_security_info *si, struct esp_security *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->known = 1;
	ret->flags = si->flags;
	ret->crypt_cnt = si->crypt_cnt;
	ret->flash_encrypted = odd_parity(si->crypt_cnt & 7u); /* SPI_BOOT_CRYPT_CNT, 3 bits */
	ret->secure_boot = (si->flags & ESP_SECINFO_SECURE_BOOT_EN) != 0;
	ret->secure_download = (si->flags & ESP_SECINFO_SECURE_DOWNLOAD) != 0;
}

void esp32c3_security_from_efuse(uint32_t w1, uint32_t w2, uint32_t w3, uint32_t w4,
				 struct esp_security *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->known = 1;
	ret->crypt_cnt = (uint8_t)bits(w2, 18, 3);
	ret->flash_encrypted = odd_parity(ret->crypt_cnt);
	ret->secure_boot = (int)bits(w3, 20, 1);
	ret->secure_download = (int)bits(w4, 5, 1);
	ret->dl_encrypt_disabled = (int)bits(w1, 20, 1);
	ret->flags = (uint32_t)ret->secure_boot * ESP_SECINFO_SECURE_BOOT_EN |
		     bits(w3, 21, 1) * ESP_SECINFO_AGGRESSIVE_REVOKE |
		     (uint32_t)ret->secure_download * ESP_SECINFO_SECURE_DOWNLOAD |
		     bits(w2, 21, 3) * ESP_SECINFO_KEY_REVOKE0;
}

void esp_security_merge(struct esp_security *a, const struct esp_security *b)
{
	if (!b->known)
		return;
	if (!a->known) {
		*a = *b;
		return;
	}
	a->flags |= b->flags;
	if (b->flash_encrypted && !a->flash_encrypted)
		a->crypt_cnt = b->crypt_cnt;
	a->flash_encrypted |= b->flash_encrypted;
	a->secure_boot |= b->secure_boot;
	a->secure_download |= b->secure_download;
	a->dl_encrypt_disabled |= b->dl_encrypt_disabled;
}

static int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int esp_rom_md5_parse(const uint8_t *hex, size_t n, uint8_t out[16])
{
	if (n != 32)
		return -1;
	uint8_t tmp[16];
	for (size_t i = 0; i < 16; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, tmp, 16);
	return 0;
}
