/* SPDX-License-Identifier: MIT */
/* ESP8266 firmware image header (magic 0xE9) and esptool's patching of flash
 * mode/size/frequency at address 0x0; flash size tables (JEDEC capacity code,
 * header size nibble, names like "1MB").  Pure functions. */
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
	uint32_t size_bytes;  /* decoded from size_code, 0 if unknown */
	int checksum_ok;      /* V1 images: the segment checksum matches */
	size_t image_end;     /* bytes covered by header, segments and checksum */
};

/* Parses and validates a V1 (0xE9) image: segment count <= 16, every
 * segment inside the file, checksum byte right.  Errors say what is wrong;
 * ret is written only on success. */
enum esp_err esp_image_parse(const uint8_t *img, size_t len, struct esp_image_info *ret,
			     struct esp_error *err);

/* Patches bytes 2-3 at address 0x0 as esptool does: only a valid V1 image at
 * address 0 is changed.  Stricter than esptool in one point: an image whose
 * checksum is wrong is left alone (callers refuse such images anyway).  *ret_changed says whether anything changed (a
 * non-image or V2 image is left alone, which is not an error). */
enum esp_err esp_image_patch(uint8_t *img, size_t len, uint32_t addr,
			     const struct esp_flash_params *p, int *ret_changed,
			     struct esp_error *err);

/* JEDEC RDID capacity byte -> bytes (0 if unknown); manufacturer 0x1F
 * (Adesto) uses its own encoding. */
uint32_t esp_flash_size_from_jedec(uint32_t flash_id);
/* Bytes -> ESP8266 header size code (0x00..0x90 high nibble), -1 if none. */
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
