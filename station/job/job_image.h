/* SPDX-License-Identifier: MIT */
/* The firmware as it goes onto a unit: read and checked once, then, per
 * unit, checked against the detected flash, padded to 4 bytes and its
 * header patched (flash mode/size/frequency, as esptool does at 0x0).  The
 * one image path of the station's workers and of `write` and `verify`, so
 * that verify compares exactly what write wrote. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp.h"
#include "esp_hash.h"

struct job_image_opts {
	uint32_t addr;
	int mode;            /* enum esp_flash_mode, ESP_FM_KEEP */
	int size_detect;     /* header size from the detected flash (the default) */
	uint32_t size;       /* explicit header size in bytes; 0 = keep (when !size_detect) */
	int freq;            /* header frequency code, -1 = keep */
	int raw;             /* write a file that is no ESP8266 image at 0x0 unchanged */
	int force_size;      /* allow a header size larger than the detected flash */
};

struct job_image {
	const char *path;
	uint8_t *file;       /* as read */
	size_t file_len;
	uint8_t file_sha256[ESP_SHA256_LEN];
	int is_image;        /* starts with 0xE9 and parses (then info is valid) */
	struct esp_image_info info;
	/* prepared for one unit by job_image_prepare */
	uint8_t *data;
	uint32_t len;        /* padded length */
	int patched;         /* the header was changed */
	uint8_t sha256[ESP_SHA256_LEN], md5[ESP_MD5_LEN];
};

void job_image_opts_init(struct job_image_opts *o);
/* The station's settings ("dout", "detect"/"keep"/"1MB", "40m"/"keep");
 * -1 with the bad one named in err (the config check should have caught it). */
int job_image_opts_parse(struct job_image_opts *o, const char *mode, const char *size,
			 const char *freq, struct esp_error *err);

/* Reads and checks the file before any unit is touched: an empty file, a
 * damaged 0xE9 image, and (at 0x0, unless o->raw) a file that is no ESP8266
 * image at all are refused (ESP_E_IMAGE, or ESP_E_IO when unreadable). */
enum esp_err job_image_load(struct job_image *img, const char *path,
			    const struct job_image_opts *o, struct esp_error *err);

/* For one unit (flash_size 0 = unknown): refuses a header size larger than
 * the flash unless forced, an image that does not fit (ESP_E_TOOBIG), then
 * pads and patches into img->data.  May be called again for the next unit. */
enum esp_err job_image_prepare(struct job_image *img, const struct job_image_opts *o,
			       uint32_t flash_size, uint32_t flash_id, struct esp_error *err);

void job_image_free(struct job_image *img);
