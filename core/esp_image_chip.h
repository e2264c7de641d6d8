/* SPDX-License-Identifier: MIT */
/* Images per chip (esp32-family.md §7): the bootloader offset and flash
 * header codes of each family, which chip an image is for (family, chip id,
 * revision window, appended SHA-256), and esptool's header patching at the
 * chip's bootloader offset with the digest recomputed.  Pure functions; a
 * separate header because it needs enum esp_chip from esp.h, which itself
 * includes esp_image.h. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp.h"
#include "esp_err.h"
#include "esp_image.h"

/* Which images a chip runs. */
enum esp_image_family {
	ESP_IMAGE_FAMILY_NONE = 0, /* unknown or unsupported chip: no image fits */
	ESP_IMAGE_FAMILY_ESP8266,  /* ESP8266EX, ESP8285: V1 images, no extended header */
	ESP_IMAGE_FAMILY_ESP32,    /* ESP32, ESP32-C3: extended header with a chip id */
};

enum esp_image_family esp_image_family_of(enum esp_chip chip);

/* The chip_id an image for this chip carries (ESP32 0, ESP32-C3 5);
 * ESP_IMAGE_CHIP_ID_NONE for the ESP8266 family and unsupported chips. */
uint16_t esp_image_chip_id_of(enum esp_chip chip);

/* "ESP32", "ESP32-S2", "ESP32-C3", "ESP32-S3", "ESP32-C6" for an image chip
 * id; NULL for ids this station does not know. */
const char *esp_image_chip_id_name(uint16_t chip_id);

#define ESP_BOOTLOADER_OFFSET_NONE UINT32_MAX

/* Where the ROM looks for the boot image: 0x0 on ESP8266/ESP8285 and
 * ESP32-C3, 0x1000 on ESP32; ESP_BOOTLOADER_OFFSET_NONE for unsupported
 * chips. */
uint32_t esp_bootloader_offset(enum esp_chip chip);

/* Bytes -> header size code (high nibble of byte 3) for this chip's family:
 * ESP8266 as esp_flash_size_code(); ESP32 and ESP32-C3 1MB 0x00, 2MB 0x10,
 * 4MB 0x20, 8MB 0x30, 16MB 0x40, 32MB 0x50, 64MB 0x60, 128MB 0x70.  -1 if
 * the family has no code for it (or the chip is unsupported). */
int esp_flash_size_code_for(enum esp_chip chip, uint32_t bytes);
/* The reverse: header size code -> bytes, 0 if unknown. */
uint32_t esp_flash_size_from_code_for(enum esp_chip chip, uint8_t code);
/* "80m", "40m", "26m", "20m", "keep" -> frequency code (low nibble of byte
 * 3: 0xF, 0x0, 0x1, 0x2 on all three supported chips), -1 for keep, -2 if
 * unknown or the chip is unsupported. */
int esp_flash_freq_parse_for(enum esp_chip chip, const char *s);
/* Frequency code -> "80m" etc.; NULL if the code has no name on this chip. */
const char *esp_flash_freq_name_for(enum esp_chip chip, int code);

/* Is img a valid image for this chip?  ESP_OK when it parses as an image of
 * the chip's family (esp_image_parse_any), carries the chip's id and, if a
 * SHA-256 is appended, that digest matches.  Otherwise ESP_E_IMAGE with one
 * line saying why and what to do, e.g. "an ESP8266 image on an ESP32 (chip
 * id 0): ..." or "an ESP32 image (chip id 0) on an ESP32-C3 (chip id 5):
 * ...", or the parse error; ESP_E_CHIP for a chip with no image family.
 * Revisions need a unit: see esp_image_check_revision.  ret (may be NULL)
 * gets the parse even when the image is for another chip. */
enum esp_err esp_image_check_chip(const uint8_t *img, size_t len, enum esp_chip chip,
				  struct esp_image_info *ret, struct esp_error *err);

/* Does a unit of revision rev_major.rev_minor run this (parsed) image?
 * esptool's rules (esp32-family.md §7.4): max_rev_full 0 means an old image
 * whose min_rev byte is compared with the major revision (on ESP32-C3 with
 * the minor one, as ESP-IDF wrote it there); max_rev_full 65535 means no
 * maximum and min_rev_full is the minimum, unless it is 0 while min_rev is
 * not (then min_rev as for old images); otherwise min_rev_full <= revision
 * <= max_rev_full with revision = major * 100 + minor.  ESP8266 images always
 * pass.  ESP_E_IMAGE with e.g. "needs chip revision >= v3.0, this unit is
 * v1.0: ..." when not. */
enum esp_err esp_image_check_revision(const struct esp_image_info *info, enum esp_chip chip,
				      unsigned rev_major, unsigned rev_minor,
				      struct esp_error *err);

/* Both checks against a detected unit (its chip, rev_major, rev_minor). */
enum esp_err esp_image_check_unit(const uint8_t *img, size_t len,
				  const struct esp_chip_info *unit, struct esp_image_info *ret,
				  struct esp_error *err);

/* What esp_image_patch_for did. */
struct esp_image_patch_result {
	int changed;          /* bytes 2-3 were rewritten */
	int digest_rewritten; /* and the appended SHA-256 recomputed over [0, data_length) */
	int security_blocked; /* a patch was due but security_on forbade it: left alone */
	const char *left_alone; /* why a requested patch was not done (constant text), or NULL */
};

/* esptool's header patch for this chip (esp32-family.md §7.3; the ESP8266
 * rule of esp_image_patch for ESP8266/ESP8285): only when p asks for a
 * change, addr is the chip's bootloader offset, img is a valid image of the
 * chip (esp_image_check_chip's family and chip id) and security_on is 0
 * (flash encryption, secure boot or Secure Download Mode: set it from the
 * unit's esp_security).  Then bytes 2-3 get mode, size (this chip's code)
 * and frequency code, and if the image has hash_appended the SHA-256 of the
 * patched [0, data_length) is written at data_length; every other byte,
 * including whatever follows the digest in a merged file, stays.  Stricter
 * than esptool in one point: an image whose appended digest is already wrong
 * is left alone rather than given a fresh one.  Anything left alone is not
 * an error (ret says why); ESP_E_INVAL for a bad mode or a size with no
 * header code on this chip, with img unchanged. */
enum esp_err esp_image_patch_for(enum esp_chip chip, uint8_t *img, size_t len, uint32_t addr,
				 const struct esp_flash_params *p, int security_on,
				 struct esp_image_patch_result *ret, struct esp_error *err);
