/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "esp_hash.h"
#include "file_io.h"
#include "vault.h"

/* mkdir -p with mode 0700 for the directories we create */
static int make_dirs(const char *path, char err[VAULT_ERR_LEN])
{
	char tmp[512];
	if (strlen(path) >= sizeof tmp) {
		snprintf(err, VAULT_ERR_LEN, "backup directory path too long");
		return -1;
	}
	strcpy(tmp, path);
	for (char *p = tmp + 1;; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
			snprintf(err, VAULT_ERR_LEN, "cannot create %.180s: %s", tmp, strerror(errno));
			return -1;
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}

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
	if (make_dirs(dir, err) != 0)
		return -1;
	uint8_t sha[ESP_SHA256_LEN];
	char hex[2 * ESP_SHA256_LEN + 1];
	esp_sha256(data, len, sha);
	esp_hex(sha, 6, hex);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	snprintf(ret_path, cap, "%s/%s.%03ldZ-%s.bin", dir, stamp, ts.tv_nsec / 1000000L, hex);
	char ferr[FIO_ERR_LEN];
	int rc = fio_write_atomic(ret_path, data, len, 0, cancel, ferr);
	if (rc == -1)
		snprintf(err, VAULT_ERR_LEN, "%s", ferr);
	return rc;
}
