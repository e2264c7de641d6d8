/* SPDX-License-Identifier: MIT */
/* The firmware as it goes onto a unit: read and checked once, then, per
 * unit, checked against the detected chip and flash, padded to 4 bytes and
 * its boot image's header patched (flash mode/size/frequency, as esptool
 * does at the chip's boot loader offset).  An image set is one file at 0x0
 * or esptool's parts (boot loader, partition table, app) laid out as one
 * range with erased flash between them.  The
 * one image path of the station's workers and of `write` and `verify`, so
 * that verify compares exactly what write wrote. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp.h"
#include "esp_hash.h"
#include "st_config.h"

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
	char name[4 * 256];  /* "firmware.bin", or the parts "0x1000 bootloader.bin 0x8000 ..." */
	int family;          /* enum st_family the set is for; -1: any (a single-port command) */
	uint32_t addr;       /* where file[0] goes */
	unsigned n_parts;
	uint32_t part_off[ST_CFG_MAX_PARTS]; /* each part's offset in file */
	char part_file[ST_CFG_MAX_PARTS][64]; /* each part's file name, for messages */
	uint8_t *file;       /* the parts as read, gaps filled with erased flash (0xFF) */
	size_t file_len;
	uint8_t file_sha256[ESP_SHA256_LEN];
	int is_image;        /* the boot image (at 0x0, or the family's boot loader offset)
				parses (then info is valid) */
	struct esp_image_info info;
	/* prepared for one unit by job_image_prepare */
	uint8_t *data;
	uint32_t len;        /* padded length */
	int patched;         /* the header was changed */
	int digest_rewritten;/* and its appended SHA-256 recomputed */
	uint8_t sha256[ESP_SHA256_LEN], md5[ESP_MD5_LEN];
};

void job_image_opts_init(struct job_image_opts *o);
/* The station's settings ("dout", "detect"/"keep"/"1MB", "40m"/"keep");
 * -1 with the bad one named in err (the config check should have caught it). */
int job_image_opts_parse(struct job_image_opts *o, const char *mode, const char *size,
			 const char *freq, struct esp_error *err);

/* Reads an image set (the parts from o->addr on, gaps 0xFF) before any unit
 * is touched.  Refused (ESP_E_IMAGE, or ESP_E_IO when unreadable): an empty
 * or missing part, overlapping parts, a damaged 0xE9 image, and unless
 * o->raw a set whose boot image is not an image of family (its boot loader
 * offset: ESP8266 and ESP32-C3 0x0, ESP32 0x1000; family -1 = not known yet:
 * at 0x0 only a file that can be no chip's image is refused). */
enum esp_err job_image_load(struct job_image *img, const struct st_cfg_image *set, int family,
			    const struct job_image_opts *o, struct esp_error *err);
/* The same for one file at o->addr (the single-port commands). */
enum esp_err job_image_load_file(struct job_image *img, const char *path,
				 const struct job_image_opts *o, struct esp_error *err);

/* For one unit: refuses, before anything is erased, an image for another
 * chip or revision (unless o->raw), a header size larger than the flash
 * unless forced, an image that does not fit (ESP_E_TOOBIG); then pads and
 * patches the boot image's header as esptool does (never with the unit's
 * security features on) into img->data.  May be called again per unit. */
enum esp_err job_image_prepare(struct job_image *img, const struct job_image_opts *o,
			       const struct esp_chip_info *unit, struct esp_error *err);

void job_image_free(struct job_image *img);

/* The station's firmware: one image set per chip family, as configured. */
struct job_images {
	struct job_image_opts opts;
	struct job_image img[ST_FAMILIES]; /* file NULL: none for that family */
};
/* Loads every configured family's set (refurbish and flash modes; other
 * modes load nothing), so that a bad image is refused before any unit is
 * touched.  ESP_OK, or the error with the family named in err. */
enum esp_err job_images_load(struct job_images *ims, const struct st_config *cfg,
			     struct esp_error *err);
void job_images_free(struct job_images *ims);
