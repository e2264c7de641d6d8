/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "esp_hash.h"
#include "file_io.h"
#include "st_clock.h"
#include "st_dirs.h"
#include "vault.h"

int vault_store(const char *vault_dir, const char *mac, const uint8_t *data, size_t len,
		const volatile int *cancel, char *ret_path, size_t cap, char err[VAULT_ERR_LEN])
{
	char macdir[20] = "";
	size_t k = 0;
	for (const char *p = mac; *p && k < 12; p++)
		if (*p != ':')
			macdir[k++] = *p;
	char dir[400];
	snprintf(dir, sizeof dir, "%s/%s", vault_dir, macdir);
	if (st_mkdirs(dir, 0700, err, VAULT_ERR_LEN) != 0)
		return -1;
	uint8_t sha[ESP_SHA256_LEN];
	char hex[2 * ESP_SHA256_LEN + 1];
	esp_sha256(data, len, sha);
	esp_hex(sha, 6, hex);
	int64_t now = st_wall_ms();
	time_t sec = (time_t)(now / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	snprintf(ret_path, cap, "%s/%s.%03dZ-%s.bin", dir, stamp, (int)(now % 1000), hex);
	char ferr[FIO_ERR_LEN];
	int rc = fio_write_atomic(ret_path, data, len, 0, cancel, ferr);
	if (rc == -1)
		snprintf(err, VAULT_ERR_LEN, "%s", ferr);
	return rc;
}
