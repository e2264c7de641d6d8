/* SPDX-License-Identifier: MIT */
/* Pure decoders for ESP32 and ESP32-C3 identity and security: eFuse words to
 * name, revision, MAC (with the ESP32 CRC-8) and security state; the
 * GET_SECURITY_INFO payload; the ROM's hex MD5 (esp32-family.md §1, §2, §6;
 * esp-serial-protocol.md §7.2, §15).  No I/O: the unit tests feed them
 * register values. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp.h"

/* Registers read by the ESP32-class detection (esp32-family.md §1.4-§2.2, §6). */
#define ESP_REG_CHIP_MAGIC 0x40001000u
#define ESP32_EFUSE_BLK0 0x3FF5A000u  /* word n at + 4n */
#define ESP32_EFUSE_WORDS 7u
#define ESP32_APB_CTL_DATE 0x3FF6607Cu
#define ESP32_UART_CLKDIV 0x3FF40014u
#define ESP32_RTCCALICFG1 0x3FF5F06Cu
#define ESP32C3_EFUSE_BLK0_W1 0x60008830u /* RD_DIS, DIS_DOWNLOAD_MANUAL_ENCRYPT */
#define ESP32C3_EFUSE_BLK0_W2 0x60008834u /* SPI_BOOT_CRYPT_CNT, key revokes */
#define ESP32C3_EFUSE_BLK0_W3 0x60008838u /* SECURE_BOOT_EN */
#define ESP32C3_EFUSE_BLK0_W4 0x6000883Cu /* ENABLE_SECURITY_DOWNLOAD */
#define ESP32C3_EFUSE_MAC0 0x60008844u
#define ESP32C3_EFUSE_MAC1 0x60008848u
#define ESP32C3_EFUSE_BLK1_W3 0x60008850u /* pkg, minor (low bits) */
#define ESP32C3_EFUSE_BLK1_W5 0x60008858u /* major, minor bit 3 */

#define ESP_MAGIC_ESP8266 0xFFF0C101u
#define ESP_MAGIC_ESP32 0x00F01D83u
#define ESP_CHIP_ID_ESP32 0u
#define ESP_CHIP_ID_ESP32C3 5u

/* GET_SECURITY_INFO flag bits (esp-serial-protocol.md §7.2). */
#define ESP_SECINFO_SECURE_BOOT_EN 0x001u
#define ESP_SECINFO_AGGRESSIVE_REVOKE 0x002u
#define ESP_SECINFO_SECURE_DOWNLOAD 0x004u
#define ESP_SECINFO_KEY_REVOKE0 0x008u

/* The GET_SECURITY_INFO payload: 20 bytes, or 12 (ESP32-S2, no chip id). */
struct esp_security_info {
	uint32_t flags;
	uint8_t crypt_cnt;
	uint8_t key_purpose[7];
	int has_chip_id;
	uint32_t chip_id;
	uint32_t api_version;
};

/* Parses n = 20 or 12 payload bytes; -1 for any other length. */
int esp_security_info_parse(const uint8_t *d, size_t n, struct esp_security_info *ret);

/* Chip named by a GET_SECURITY_INFO chip id / by the magic word at
 * 0x40001000 ("ESP32-S3"), NULL if unknown. */
const char *esp_chip_id_name(uint32_t chip_id);
const char *esp_magic_name(uint32_t magic);
/* 1 if magic is one of the ESP32-C3 ROM magic words (esp32-family.md §1.2). */
int esp_magic_is_esp32c3(uint32_t magic);

/* espefuse's MAC CRC-8: reflected polynomial 0x31 (0x8C), init 0, over the
 * six bytes in display order. */
uint8_t esp_mac_crc8(const uint8_t mac[6]);

/* ESP32 factory MAC from BLOCK0 words 1 and 2; returns 1 if the stored CRC
 * (word 2 bits 16-23) matches, 0 if not.  *ret_stored / *ret_calc (may be
 * NULL) get both CRCs for the message. */
int esp32_mac_decode(uint32_t w1, uint32_t w2, uint8_t mac[6], uint8_t *ret_stored,
		     uint8_t *ret_calc);
/* ESP32-C3 factory MAC from BLOCK1 words at 0x60008844 / 0x60008848 (no CRC). */
void esp32c3_mac_decode(uint32_t w0, uint32_t w1, uint8_t mac[6]);

/* ESP32 name, revision and description from BLOCK0 words w[0..6] and
 * APB_CTL_DATE ("ESP32-D0WD-V3", 3, 1, "ESP32-D0WD-V3 (revision v3.1)"). */
void esp32_describe(const uint32_t w[ESP32_EFUSE_WORDS], uint32_t apb_ctl_date,
		    struct esp_chip_info *ci);
/* ESP32-C3 name, revision and description from BLOCK1 words 3 and 5. */
void esp32c3_describe(uint32_t blk1_w3, uint32_t blk1_w5, struct esp_chip_info *ci);

/* ESP32 security from BLOCK0 (FLASH_CRYPT_CNT, ABS_DONE_0/1 - the latter only
 * counts from revision 3 -, DISABLE_DL_ENCRYPT). */
void esp32_security_decode(const uint32_t w[ESP32_EFUSE_WORDS], unsigned rev_major,
			   struct esp_security *ret);
/* ESP32-C3 security from GET_SECURITY_INFO (works in Secure Download Mode). */
void esp32c3_security_from_info(const struct esp_security_info *si, struct esp_security *ret);
/* ESP32-C3 security from the BLOCK0 words at 0x60008830..0x6000883C; flags
 * are rebuilt in GET_SECURITY_INFO form (bits 0-5). */
void esp32c3_security_from_efuse(uint32_t w1, uint32_t w2, uint32_t w3, uint32_t w4,
				 struct esp_security *ret);
/* Adds b's findings to a (either source saying "on" makes it on). */
void esp_security_merge(struct esp_security *a, const struct esp_security *b);

/* The ESP32-class ROM's SPI_FLASH_MD5 answer: 32 hex characters (lower case
 * as sent; upper case accepted) -> 16 bytes.  -1 if n != 32 or a character
 * is not hex. */
int esp_rom_md5_parse(const uint8_t *hex, size_t n, uint8_t out[16]);
