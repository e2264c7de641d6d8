/* SPDX-License-Identifier: MIT */
/* For bench_central.sh: a station database with N closed backup jobs, each
 * with its backup file of SIZE random bytes, as a station would have left
 * them, so the shipper's throughput can be measured without a rack.
 *
 * usage: bench_central_fill DIR STATION N SIZE
 *        writes DIR/station.db and DIR/backups/<n>.bin (mode 0600). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "esp_hash.h"

static void check(int r, struct db *db, const char *what)
{
	if (r != 0) {
		fprintf(stderr, "bench_central_fill: %s: %s\n", what, db ? db_errmsg(db) : "failed");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: bench_central_fill DIR STATION N SIZE\n");
		return 2;
	}
	const char *dir = argv[1];
	long n = atol(argv[3]);
	size_t size = (size_t)atol(argv[4]);
	char path[4096], err[1024];
	snprintf(path, sizeof path, "%s/backups", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/station.db", dir);
	struct db *db;
	if (db_open(path, &db, err, sizeof err) != 0) {
		fprintf(stderr, "bench_central_fill: %s\n", err);
		return 1;
	}
	int64_t station;
	check(db_station_upsert(db, argv[2], &station), db, "station");
	uint8_t *buf = malloc(size);
	if (!buf)
		return 1;
	srand(7);
	for (long i = 0; i < n; i++) {
		for (size_t k = 0; k < size; k++)
			buf[k] = (uint8_t)rand();
		uint8_t sha[ESP_SHA256_LEN], md5[ESP_MD5_LEN];
		char sha_hex[65], md5_hex[33], mac[DB_MAC_LEN];
		esp_sha256(buf, size, sha);
		esp_md5(buf, size, md5);
		esp_hex(sha, sizeof sha, sha_hex);
		esp_hex(md5, sizeof md5, md5_hex);
		snprintf(path, sizeof path, "%s/backups/%ld.bin", dir, i);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, size, f) != size || fclose(f) != 0) {
			fprintf(stderr, "bench_central_fill: cannot write %s\n", path);
			return 1;
		}
		chmod(path, 0600);
		snprintf(mac, sizeof mac, "60:01:95:%02lx:%02lx:%02lx", (i >> 16) & 255, (i >> 8) & 255,
			 i & 255);
		int64_t job, dev, backup;
		struct db_job_start js = {.station_id = station, .slot = "1", .mode = "backup",
					  .port = "/dev/ttyUSB0"};
		check(db_tx_begin(db), db, "begin");
		check(db_job_begin(db, &js, &job), db, "job");
		struct db_device d = {.mac = mac, .chip = "ESP8266EX", .flash_id = 0x1640ef,
				      .flash_size = (uint32_t)size, .family = "esp8266"};
		check(db_device_seen(db, &d, &dev) < 0, db, "device");
		check(db_job_set_device(db, job, dev), db, "set device");
		check(db_job_stage_begin(db, job, "backup"), db, "stage");
		struct db_backup b = {.device_id = dev, .job_id = job, .path = path, .size = size,
				      .flash_id = 0x1640ef, .sha256 = sha_hex, .md5 = md5_hex,
				      .chip_md5 = md5_hex};
		check(db_backup_add(db, &b, &backup), db, "backup");
		struct db_job_end e = {.result = "passed"};
		check(db_job_finish(db, job, &e), db, "finish");
		check(db_tx_commit(db), db, "commit");
	}
	free(buf);
	db_close(db);
	return 0;
}
