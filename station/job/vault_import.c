/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "esp_hash.h"
#include "st_clock.h"
#include "st_dirs.h"
#include "vault_import.h"

int vault_import_record(struct db *db, const struct vault_import *im, int64_t *ret_id,
			char ret_sha256[65])
{
	int64_t device_id = 0;
	int r = db_device_find(db, im->mac, &device_id);
	if (r == -ENOENT) {
		struct db_device dev = {.mac = im->mac, .chip = "unknown",
					.flash_size = (uint32_t)im->len};
		r = db_device_seen(db, &dev, &device_id);
		if (r > 0)
			r = 0;
	}
	if (r)
		return r;
	uint8_t md5[ESP_MD5_LEN], sha[ESP_SHA256_LEN];
	char md5hex[33];
	esp_md5(im->data, im->len, md5);
	esp_sha256(im->data, im->len, sha);
	esp_hex(sha, sizeof sha, ret_sha256);
	const struct db_backup b = {
		.device_id = device_id, .path = im->path, .size = im->len,
		.sha256 = ret_sha256, .md5 = esp_hex(md5, sizeof md5, md5hex),
		.chip_md5 = im->chip_md5 && *im->chip_md5 ? im->chip_md5 : NULL,
		.provenance = "imported", .imported_by = im->imported_by,
		.imported_from = im->imported_from, .ciphertext = im->ciphertext,
	};
	return db_backup_add(db, &b, ret_id);
}

int vault_import_path(const char *vault_dir, const char *mac, const char *origin,
		      const char *sha256, char *ret, size_t cap, char err[VAULT_ERR_LEN])
{
	/* the vault's own layout (vault.c): <vault>/<12 hex digits>/<stamp>... */
	char macdir[13] = "", tag[65] = "", dir[400];
	size_t k = 0;
	for (const char *p = mac; *p && k < 12; p++)
		if (*p != ':')
			macdir[k++] = *p;
	k = 0;
	for (const char *p = origin; *p && k < sizeof tag - 1; p++)
		tag[k++] = (strchr("._-", *p) || (*p >= '0' && *p <= '9') ||
			    ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) ? *p : '_';
	snprintf(dir, sizeof dir, "%s/%s", vault_dir, macdir);
	if (st_mkdirs(dir, 0700, err, VAULT_ERR_LEN) != 0)
		return -1;
	int64_t now = st_wall_ms();
	time_t sec = (time_t)(now / 1000);
	struct tm tm;
	char stamp[32];
	gmtime_r(&sec, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	int n = snprintf(ret, cap, "%s/%s.%03dZ-central-%s-%.12s.bin", dir, stamp,
			 (int)(now % 1000), tag, sha256);
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err, VAULT_ERR_LEN, "%.180s: path too long for a backup of %.17s", dir, mac);
		return -1;
	}
	return 0;
}
