/* SPDX-License-Identifier: MIT */
/* The firmware a worker writes: read once, checked, recorded in the images table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_hash.h"
#include "file_io.h"
#include "worker_priv.h"

int st_firmware_load(const char *path, uint8_t **ret_buf, size_t *ret_len,
		     struct esp_image_info *ret_info, int *ret_is_image, char *why, size_t cap)
{
	char err[FIO_ERR_LEN];
	uint8_t *buf;
	size_t len;
	if (fio_read_all(path, 4, &buf, &len, err) != 0) {
		snprintf(why, cap, "image: %s", err);
		return -1;
	}
	struct esp_error e;
	int is_image = len >= 1 && buf[0] == ESP_IMAGE_MAGIC;
	if (len == 0 || (is_image && esp_image_parse(buf, len, ret_info, &e) != ESP_OK)) {
		snprintf(why, cap, "image %s refused: %s (fix: download the firmware again)", path,
			 len ? e.msg : "the file is empty");
		free(buf);
		return -1;
	}
	*ret_buf = buf;
	*ret_len = len;
	*ret_is_image = is_image;
	return 0;
}

int worker_load_image(const struct worker_ctx *w, struct db *db, uint8_t **ret, size_t *ret_len,
		      int64_t *ret_id)
{
	*ret = NULL;
	*ret_len = 0;
	*ret_id = 0;
	enum st_mode m = w->cfg->mode;
	if (m != ST_MODE_REFURBISH && m != ST_MODE_FLASH)
		return 0;
	char why[512];
	uint8_t *buf;
	size_t len;
	struct esp_image_info info;
	int is_image;
	if (st_firmware_load(w->cfg->image, &buf, &len, &info, &is_image, why, sizeof why) != 0) {
		fprintf(stderr, "espstation: slot %s: %s\n", w->port.slot, why);
		return -1;
	}
	uint8_t sha[ESP_SHA256_LEN];
	char hex[65];
	esp_sha256(buf, len, sha);
	const char *name = strrchr(w->cfg->image, '/');
	/* header fields as read from the file, before any patching */
	struct db_image rec = {
		.sha256 = esp_hex(sha, sizeof sha, hex), .name = name ? name + 1 : w->cfg->image,
		.size = len, .flash_mode = is_image ? info.mode : -1,
		.size_code = is_image ? info.size_code >> 4 : -1,
		.freq_code = is_image ? info.freq_code : -1,
		.entry = is_image ? (int64_t)info.entry : -1,
	};
	if (db_image_upsert(db, &rec, ret_id) != 0) {
		fprintf(stderr, "espstation: slot %s: database: %s\n", w->port.slot, db_errmsg(db));
		free(buf);
		return -1;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}
