/* SPDX-License-Identifier: MIT */
/* For the central store's tests (test_central_*.sh): ships a station
 * database to the central store through the library, and writes a second
 * bench's known day, so that the audit across stations has two benches
 * (audit_fixture writes the first) that share a unit.
 *
 * usage: central_tool ship URL PASSWORD_FILE DB
 *            ships DB until the store has caught up; prints what went
 *        central_tool init DB
 *            a new, empty station database (for a bench that never ran)
 *        central_tool bench DIR STATION
 *            DIR/station.db of station STATION, its backups under DIR:
 *            slot 1 backs up 5c:cf:7f:00:00:0b (an original) and fails
 *            5c:cf:7f:00:00:0c (no sync); a backup of 5c:cf:7f:00:00:01
 *            brought from bench-1 (imported) is restored onto it by a
 *            single-port restore.  Times from 2024-05-03T08:00:00Z. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "central.h"
#include "db.h"
#include "esp_hash.h"

#define T0 1714723200000LL      /* 2024-05-03T08:00:00Z */
#define SEC 1000LL
#define FLASH (1u << 20)

static int64_t s_clock;

static int64_t fixed_clock(void *user)
{
	(void)user;
	return s_clock;
}

static void check(int r, struct db *db, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "central_tool: %s: %s\n", what, db ? db_errmsg(db) : "");
		exit(1);
	}
}

static int ship(const char *url, const char *passfile, const char *path)
{
	char err[512];
	struct central *c;
	struct db *db;
	if (db_open(path, &db, err, sizeof err) != 0 ||
	    central_open(url, passfile, &c, err, sizeof err) != 0) {
		fprintf(stderr, "central_tool: %s\n", err);
		return 1;
	}
	struct central_ship_stats total = {0};
	int r;
	do {
		struct central_ship_stats st = {0};
		r = central_ship(c, db, 0, &st);
		total.events += st.events;
		total.jobs += st.jobs;
		total.backups += st.backups;
		total.bytes += st.bytes;
		total.unshippable += st.unshippable;
	} while (r == 0);
	if (r < 0)
		fprintf(stderr, "central_tool: ship %s: %s\n", path, central_errmsg(c));
	else
		printf("shipped %s: %" PRId64 " events, %" PRId64 " jobs, %" PRId64 " backups "
		       "(%" PRIu64 " bytes), %" PRId64 " unshippable\n", path, total.events,
		       total.jobs, total.backups, total.bytes, total.unshippable);
	central_close(c);
	db_close(db);
	return r < 0;
}

/* A 1 MB flash whose first bytes name it; its file under dir/backups. */
static void backup_file(const char *dir, const char *mac, const char *what, char *path,
			size_t cap, char sha[65], char md5[33])
{
	uint8_t *buf = malloc(FLASH), h[32];
	char sub[500];
	if (!buf)
		exit(1);
	memset(buf, 0xff, FLASH);
	snprintf((char *)buf, 64, "stock firmware of %s, %s", mac, what);
	esp_sha256(buf, FLASH, h);
	esp_hex(h, 32, sha);
	esp_md5(buf, FLASH, h);
	esp_hex(h, 16, md5);
	snprintf(sub, sizeof sub, "%s/backups", dir);
	mkdir(sub, 0700);
	snprintf(path, cap, "%s/%s.bin", sub, what);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, FLASH, f) != FLASH || fclose(f) != 0) {
		fprintf(stderr, "central_tool: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	free(buf);
}

static int64_t unit(struct db *db, const char *mac)
{
	const struct db_device d = {.mac = mac, .chip = "ESP8285", .flash_id = 0x14405e,
				    .flash_size = FLASH, .family = "esp8266",
				    .description = "ESP8285"};
	int64_t id;
	check(db_device_seen(db, &d, &id), db, "device");
	return id;
}

/* A closed job of stages "name:outcome ..." from s_clock on, 2 s each. */
static int64_t job(struct db *db, const struct db_job_start *js, int64_t dev, const char *stages,
		   const struct db_job_end *end)
{
	int64_t id;
	char name[16], outcome[16];
	check(db_job_begin(db, js, &id), db, "job");
	check(db_job_set_device(db, id, dev), db, "job device");
	for (const char *w = stages; *w; w += strspn(w, " ")) {
		size_t len = strcspn(w, " ");
		if (sscanf(w, "%15[a-z]:%15[a-z]", name, outcome) != 2)
			exit(2);
		w += len;
		int failed = strcmp(outcome, "ok") != 0;
		const struct db_stage st = {name, outcome, s_clock, s_clock + 2 * SEC,
					    strcmp(name, "backup") ? 0 : FLASH,
					    failed ? end->err_code : 0, failed ? end->err_name : NULL,
					    failed ? end->err_msg : NULL};
		s_clock += 2 * SEC;
		check(db_job_stage(db, id, &st), db, "stage");
	}
	return id;
}

static int bench(const char *dir, const char *station)
{
	char path[600], err[256], sha[65], md5[33];
	int64_t st, adapter, id;
	struct db *db;
	snprintf(path, sizeof path, "%s/station.db", dir);
	if (db_open(path, &db, err, sizeof err) != 0) {
		fprintf(stderr, "central_tool: %s\n", err);
		return 1;
	}
	s_clock = T0;
	db_set_clock(db, fixed_clock, NULL);
	check(db_station_upsert(db, station, &st), db, "station");
	const struct db_adapter ad = {st, 0x10c4, 0xea60, "0042", "pci-0000:00:14.0-usb-0:1.1:1.0",
				      "1", "cp2102"};
	check(db_adapter_upsert(db, &ad, &adapter), db, "adapter");
	const struct db_job_end passed = {"passed", NULL, 0, NULL, NULL};
	const struct db_job_end nosync = {"failed", NULL, 7, "ESP_E_NOSYNC",
					  "check the jig: hold GPIO0 and power-cycle: no reply to SYNC"};

	/* slot 1 backs up unit 0b */
	struct db_job_start js = {.station_id = st, .slot = "1", .adapter_id = adapter,
				  .mode = "backup", .pid = 3000, .port = "/dev/ttyUSB0"};
	int64_t dev = unit(db, "5c:cf:7f:00:00:0b");
	int64_t j = job(db, &js, dev, "detect:ok backup:ok", &passed);
	backup_file(dir, "5c:cf:7f:00:00:0b", "0b-original", path, sizeof path, sha, md5);
	const struct db_backup b = {dev, j, path, FLASH, 0x14405e, sha, md5, md5, NULL, NULL,
				    NULL, NULL, 0};
	check(db_backup_add(db, &b, &id), db, "backup");
	check(db_job_finish(db, j, &passed), db, "finish");

	/* slot 1 cannot reach unit 0c */
	s_clock += 60 * SEC;
	js.mode = "refurbish";
	js.pid++;
	j = job(db, &js, unit(db, "5c:cf:7f:00:00:0c"), "detect:failed", &nosync);
	check(db_job_finish(db, j, &nosync), db, "finish");

	/* unit 01 (bench-1's) gets the original bench-1 took, brought over */
	s_clock += 60 * SEC;
	dev = unit(db, "5c:cf:7f:00:00:01");
	backup_file(dir, "5c:cf:7f:00:00:01", "01-from-bench-1", path, sizeof path, sha, md5);
	const struct db_backup imp = {dev, 0, path, FLASH, 0x14405e, sha, md5, NULL, "imported",
				      NULL, "central:bench-1", "bench-1:/vault/job1.bin", 0};
	check(db_backup_add(db, &imp, &id), db, "imported backup");
	const struct db_job_start rs = {.station_id = st, .slot = "", .mode = "restore",
					.pid = 3100, .port = "/dev/ttyUSB3"};
	j = job(db, &rs, dev, "detect:ok write:ok verify:ok", &passed);
	int64_t rid;
	check(db_restore_add(db, j, id, "5c:cf:7f:00:00:01", 0, &rid), db, "restore");
	const struct db_write w = {0, FLASH, 0, id, sha, md5, 0};
	check(db_job_write(db, j, &w, &rid), db, "write");
	check(db_job_finish(db, j, &passed), db, "finish");
	db_close(db);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "ship"))
		return ship(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "bench"))
		return bench(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "init")) {
		char err[512];
		struct db *db;
		if (db_open(argv[2], &db, err, sizeof err) != 0) {
			fprintf(stderr, "central_tool: %s\n", err);
			return 1;
		}
		db_close(db);
		return 0;
	}
	fprintf(stderr, "usage: central_tool ship URL PASSWORD_FILE DB | bench DIR STATION | "
		"init DB\n");
	return 2;
}
