/* SPDX-License-Identifier: MIT */
/* Firmware images (magic 0xE9) of both families: ESP8266 V1 images and
 * ESP32-class images with the extended header (esp32-family.md §7.1); the
 * ESP8266 patching of flash mode/size/frequency at 0x0; flash size tables
 * (JEDEC capacity code, ESP8266 header size nibble, names like "1MB").  The
 * chip-aware parts (codes per family, which chip an image is for, patching
 * at each chip's bootloader offset) are in esp_image_chip.h.  Pure functions. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#define ESP_IMAGE_MAGIC 0xE9
#define ESP_IMAGE_V2_MAGIC 0xEA

enum esp_flash_mode { ESP_FM_QIO = 0, ESP_FM_QOUT = 1, ESP_FM_DIO = 2, ESP_FM_DOUT = 3, ESP_FM_KEEP = -1 };

/* What to put in the header; ESP_FM_KEEP / 0 / -1 keep the image's value. */
struct esp_flash_params {
	int mode;            /* enum esp_flash_mode or ESP_FM_KEEP */
	uint32_t size;       /* bytes; 0 = keep */
	int freq_code;       /* low nibble of byte 3 (0 = 40 MHz, 0xF = 80 MHz); -1 = keep */
};

struct esp_image_info {
	uint8_t magic;
	uint8_t segments;
	uint8_t mode;
	uint8_t size_code;    /* high nibble of byte 3, as stored */
	uint8_t freq_code;    /* low nibble of byte 3 */
	uint32_t entry;
	uint32_t size_bytes;  /* decoded from size_code with the image family's table, 0 if unknown */
	int checksum_ok;      /* the segment checksum matches (always 1 after a successful parse) */
	size_t image_end;     /* bytes covered by header, segments, checksum and appended digest */
	/* ESP32-class extended header, bytes 8-23.  ESP8266 V1 images have none:
	 * extended 0, chip_id 0xFFFF (ESP_IMAGE_CHIP_ID_NONE), the rest 0, sha_ok 1. */
	int extended;          /* 1: parsed as an ESP32-class image */
	uint8_t wp_pin;        /* byte 8: 0xEE = not used */
	uint8_t drive[3];      /* bytes 9-11: SPI pin drive strengths, as stored */
	uint16_t chip_id;      /* bytes 12-13: ESP32 0, ESP32-S2 2, ESP32-C3 5, ESP32-S3 9, ESP32-C6 13 */
	uint8_t min_rev;       /* byte 14: old-style minimum revision (major; minor on ESP32-C3) */
	uint16_t min_rev_full; /* bytes 15-16: major * 100 + minor */
	uint16_t max_rev_full; /* bytes 17-18: 65535 = not set, 0 = image older than the field */
	uint8_t hash_appended; /* byte 23: 1 = a SHA-256 of [0, data_length) follows the checksum */
	int sha_ok;            /* 0 only when a SHA-256 is appended and does not match */
	size_t data_length;    /* header, segments, padding and checksum: what the SHA-256 covers */
};

#define ESP_IMAGE_EXT_HEADER_LEN 24 /* common 8 bytes + ESP32-class extended header */

/* Parses and validates an ESP8266 V1 (0xE9) image: segment count <= 16, every
 * segment inside the file, checksum byte right.  Errors say what is wrong;
 * ret is written only on success. */
enum esp_err esp_image_parse(const uint8_t *img, size_t len, struct esp_image_info *ret,
			     struct esp_error *err);

/* Parses and validates an ESP32-class image: the 24-byte header with its
 * extended part (hash_appended must be 0 or 1), segment count <= 16, every
 * segment inside the file, the checksum at the 16-byte-aligned footer and,
 * when hash_appended, the 32-byte SHA-256 present after it.  A digest that
 * does not match is not an error here: sha_ok says so (esp_image_check_chip
 * refuses it).  Does not look at chip_id; ret is written only on success. */
enum esp_err esp_image_parse_esp32(const uint8_t *img, size_t len, struct esp_image_info *ret,
				   struct esp_error *err);

/* Parses an image of either family, deciding which it is (ret->extended).
 * The rule: at bytes 8-23 an ESP8266 V1 image has its first segment header
 * and code (bytes 8-11 a RAM load address 0x3FFExxxx-0x4010xxxx, so byte 11
 * is 0x3F or 0x40; bytes 12-13 the low half of a segment length; byte 23 any
 * code byte), an ESP32-class image its extended header (byte 11 two drive
 * strengths, 0 as esptool writes them; 12-13 the chip id; 23 0 or 1).  Byte
 * 23 and bytes 12-13 alone cannot tell them apart, so both layouts are
 * parsed: the one whose segments and checksum add up is the family.  Both
 * can add up only by coincidence (about 1 image in 256); then byte 11
 * decides (0x3F/0x40: ESP8266).  When neither does, byte 11 also chooses
 * which family's error is reported. */
enum esp_err esp_image_parse_any(const uint8_t *img, size_t len, struct esp_image_info *ret,
				 struct esp_error *err);

/* ESP8266 only (esp_image_patch_for in esp_image_chip.h handles every chip).
 * Patches bytes 2-3 at address 0x0 as esptool does: only a valid V1 image at
 * address 0 is changed.  Stricter than esptool in one point: an image whose
 * checksum is wrong is left alone (callers refuse such images anyway).  *ret_changed says whether anything changed (a
 * non-image or V2 image is left alone, which is not an error). */
enum esp_err esp_image_patch(uint8_t *img, size_t len, uint32_t addr,
			     const struct esp_flash_params *p, int *ret_changed,
			     struct esp_error *err);

/* JEDEC RDID capacity byte -> bytes (0 if unknown); manufacturer 0x1F
 * (Adesto) uses its own encoding. */
uint32_t esp_flash_size_from_jedec(uint32_t flash_id);
/* Bytes -> ESP8266 header size code (0x00..0x90 high nibble), -1 if none
 * (esp_flash_size_code_for in esp_image_chip.h knows the ESP32 codes). */
int esp_flash_size_code(uint32_t bytes);
/* ESP8266 header size code -> bytes, 0 if unknown. */
uint32_t esp_flash_size_from_code(uint8_t code);
/* "1MB", "4MB", "512KB" <-> bytes; parse returns 0 for unknown names. */
uint32_t esp_flash_size_parse(const char *s);
/* Writes "1MB" etc. into buf (at least 16 bytes). */
const char *esp_flash_size_name(uint32_t bytes, char *buf, size_t cap);
/* "qio", "qout", "dio", "dout", "keep" -> mode; -2 if unknown. */
int esp_flash_mode_parse(const char *s);
const char *esp_flash_mode_name(int mode);
/* "40m", "26m", "20m", "80m", "keep" -> freq code; -2 if unknown. */
int esp_flash_freq_parse(const char *s);
