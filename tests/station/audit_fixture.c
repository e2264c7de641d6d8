/* SPDX-License-Identifier: MIT */
/* Writes a known day of station work for the device-less audit tests: a
 * database whose clock is fixed (so the audit tables are exact) and the
 * backup files it records, under DIR.
 *
 * usage: audit_fixture DIR   ->  DIR/station.db, DIR/backups/<mac>/N.bin
 *
 * Slot 1 (CP2102) refurbishes 5c:cf:7f:00:00:01 twice; slot 2 (CH340) fails
 * 5c:cf:7f:00:00:02 twice (no sync, verify) and then passes it; slot 2 loses
 * 5c:cf:7f:00:00:03 mid-backup; slot 1 refurbishes an ESP32
 * (24:0a:c4:00:00:04) and slot 2 backs up an ESP32-C3 whose flash
 * encryption is on (58:cf:79:00:00:05: a ciphertext backup); a single-port
 * restore clones unit 01's newest backup onto unit 03 (forced).  Units 01
 * and 02 are ESP8285s, 03 an ESP8266EX with a 4 MB flash.
 *
 * The boot check (its "boot.result" journal events): unit 01's first
 * refurbish passes it as no-output (a firmware listed as quiet), its second
 * boots; a last job, slot 1 flashing unit 03, fails it as bad-image, with a
 * log holding a raw control byte, quotes and a backslash (the station
 * escapes control bytes itself; the audit must not rely on it); every other
 * job ran no check (stations before it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "esp_hash.h"

#define T0 1714550400000LL      /* 2024-05-01T08:00:00Z */
#define SEC 1000LL
#define HOUR 3600000LL

static int64_t s_clock;

static int64_t fixed_clock(void *user)
{
	(void)user;
	return s_clock;
}

static void check(int r, struct db *db, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "audit_fixture: %s: %s\n", what, db ? db_errmsg(db) : "");
		exit(1);
	}
}

/* What detect reports of each unit. */
struct unit {
	const char *mac, *chip;
	uint32_t flash_id, flash_size;
	const char *family, *description, *revision, *security;
};

static const struct unit s_units[] = {
	{"5c:cf:7f:00:00:01", "ESP8285", 0x14405e, 1u << 20, "esp8266", "ESP8285", NULL, NULL},
	{"5c:cf:7f:00:00:02", "ESP8285", 0x14405e, 1u << 20, "esp8266", "ESP8285", NULL, NULL},
	{"5c:cf:7f:00:00:03", "ESP8266EX", 0x1640ef, 4u << 20, "esp8266", "ESP8266EX", NULL, NULL},
	{"24:0a:c4:00:00:04", "ESP32-D0WD-V3", 0x16405e, 4u << 20, "esp32",
	 "ESP32-D0WD-V3 (revision v3.1)", "v3.1", ""},
	{"58:cf:79:00:00:05", "ESP32-C3 (QFN32)", 0x164020, 4u << 20, "esp32c3",
	 "ESP32-C3 (QFN32) (revision v0.4)", "v0.4", "flash_encryption"},
};

/* The unit with this MAC (any spelling) as detect reports it. */
static struct db_device unit_device(const char *mac)
{
	char want[DB_MAC_LEN], have[DB_MAC_LEN];

	if (db_mac_normalize(mac, want) == 0)
		for (size_t i = 0; i < sizeof s_units / sizeof s_units[0]; i++) {
			const struct unit *u = &s_units[i];

			if (db_mac_normalize(u->mac, have) == 0 && strcmp(have, want) == 0)
				return (struct db_device){
					.mac = mac, .chip = u->chip, .flash_id = u->flash_id,
					.flash_size = u->flash_size, .family = u->family,
					.description = u->description, .revision = u->revision,
					.security = u->security};
		}
	fprintf(stderr, "audit_fixture: no unit %s\n", mac);
	exit(1);
}

/* Stages run, in order: the first n of refurbish's, then boot if set. */
#define REFURBISH "detect backup erase write verify"

/* The boot stage's verdict as it journals it (station/job/job_stages.c). */
static const char s_booted[] =
	"{\"result\": \"booted\", \"quiet_ok\": false, \"rst_cause\": 2, \"boot_mode\": 3,"
	" \"banners\": 1, \"app_bytes\": 58, \"ms\": 1240,"
	" \"why\": \"the ROM loaded the image and the firmware spoke\","
	" \"log\": \"ets Jan  8 2013,rst cause:2, boot mode:(3,6)\\n\\nload 0x40100000, len 1396,"
	" room 16 \\ntail 4\\nchksum 0x89\\ncsum 0x89\\n\\nfirmware 1.2 on 5c:cf:7f:00:00:01\\n"
	"wifi: connecting\\n\"}";
static const char s_quiet[] =
	"{\"result\": \"no-output\", \"quiet_ok\": true, \"rst_cause\": 2, \"boot_mode\": 3,"
	" \"banners\": 1, \"app_bytes\": 0, \"ms\": 2150,"
	" \"why\": \"the ROM loaded the image; the firmware said nothing at its baud\","
	" \"log\": \"ets Jan  8 2013,rst cause:2, boot mode:(3,6)\\n\\nload 0x40100000, len 1396,"
	" room 16 \\ntail 4\\nchksum 0x89\\ncsum 0x89\\n\"}";
static const char s_bad_image[] =
	"{\"result\": \"bad-image\", \"quiet_ok\": false, \"rst_cause\": 2, \"boot_mode\": 3,"
	" \"banners\": 1, \"app_bytes\": 0, \"ms\": 1510,"
	" \"why\": \"the ROM found a checksum mismatch loading the image (csum err)\","
	" \"log\": \"ets Jan  8 2013,rst cause:2, boot mode:(3,6)\\n\\nload 0x40100000, len 1396,"
	" room 16 \\ntail 4\\nchksum 0x89\\ncsum 0x8a\\ncsum err\\n\\u0007\\\"ets_main.c\\\" \\\\xff\\n\"}";

struct plan {
	const char *slot;           /* "" = single-port command */
	int adapter;                /* index, -1 none */
	const char *mode;
	const char *mac;
	uint32_t flash;
	const char *result;
	const char *err_name;       /* NULL = passed */
	int err_code;
	const char *err_msg;
	int64_t start;              /* ms after T0 */
	const char *stages;         /* stage names, space-separated, in order */
	int backup;                 /* take a backup after the backup stage */
	const char *boot;           /* the boot stage's journal event; NULL = no check */
};

static const struct plan s_plan[] = {
	{"1", 0, "refurbish", "5c:cf:7f:00:00:01", 1u << 20, "passed", NULL, 0, NULL, 9 * HOUR,
	 REFURBISH " boot", 1, s_quiet},
	{"2", 1, "refurbish", "5c:cf:7f:00:00:02", 1u << 20, "failed", "ESP_E_NOSYNC", 7,
	 "check the jig: hold GPIO0 and power-cycle: no reply to SYNC", 9 * HOUR + 5 * SEC,
	 "detect", 0, NULL},
	{"2", 1, "refurbish", "5c:cf:7f:00:00:02", 1u << 20, "failed", "ESP_E_VERIFY", 11,
	 "verify failed - reject unit: MD5 mismatch at 0x0", 10 * HOUR, REFURBISH, 1, NULL},
	{"2", 1, "refurbish", "5c:cf:7f:00:00:02", 1u << 20, "passed", NULL, 0, NULL, 11 * HOUR,
	 REFURBISH, 1, NULL},
	{"2", 1, "refurbish", "5c:cf:7f:00:00:03", 4u << 20, "unplugged", "ESP_E_NODEV", 4,
	 "serial port vanished (unplugged)", 12 * HOUR, "detect backup", 0, NULL},
	{"1", 0, "refurbish", "5c:cf:7f:00:00:01", 1u << 20, "passed", NULL, 0, NULL, 33 * HOUR,
	 REFURBISH " boot", 1, s_booted},
	{"1", 0, "refurbish", "24:0a:c4:00:00:04", 4u << 20, "passed", NULL, 0, NULL, 13 * HOUR,
	 REFURBISH, 1, NULL},
	{"2", 1, "backup", "58:cf:79:00:00:05", 4u << 20, "passed", NULL, 0, NULL, 14 * HOUR,
	 "detect backup", 1, NULL},
};

/* After the single-port restore (job 9): job 10. */
static const struct plan s_plan_late[] = {
	{"1", 0, "flash", "5c:cf:7f:00:00:03", 4u << 20, "failed", "ESP_E_BOOT", 22,
	 "the unit does not boot the firmware written (bad-image: the ROM found a checksum "
	 "mismatch loading the image (csum err))", 15 * HOUR, "detect erase write verify boot", 0,
	 s_bad_image},
};

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "audit_fixture: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	chmod(path, 0600);
}

/* The backup job n takes of p's unit: a file under dir/backups and its row;
 * its id. */
static int64_t take_backup(struct db *db, const char *dir, const struct plan *p, size_t n,
			   const struct db_device *d, int64_t dev, int64_t job)
{
	uint8_t *buf = malloc(p->flash), sha[32], md5[16];
	char shahex[65], md5hex[33], sub[500], path[600];
	int64_t id;

	if (!buf) {
		fprintf(stderr, "audit_fixture: out of memory\n");
		exit(1);
	}
	memset(buf, 0xff, p->flash);
	snprintf((char *)buf, 64, "stock firmware of %s, job %zu", p->mac, n);
	esp_sha256(buf, p->flash, sha);
	esp_md5(buf, p->flash, md5);
	snprintf(sub, sizeof sub, "%s/backups", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof sub, "%s/backups/%.2s%.2s%.2s%.2s%.2s%.2s", dir, p->mac, p->mac + 3,
		 p->mac + 6, p->mac + 9, p->mac + 12, p->mac + 15);
	mkdir(sub, 0700);
	snprintf(path, sizeof path, "%s/job%zu.bin", sub, n);
	write_file(path, buf, p->flash);
	free(buf);
	/* read from an encrypted unit: for that unit only */
	int cipher = d->security && strstr(d->security, "flash_encryption");
	struct db_backup b = {dev, job, path, p->flash, (uint32_t)d->flash_id,
			      esp_hex(sha, 32, shahex), esp_hex(md5, 16, md5hex),
			      md5hex, NULL, NULL, NULL, NULL, cipher};
	check(db_backup_add(db, &b, &id), db, "backup");
	return id;
}

/* Job number n as p plans it; the id of the backup it took (0 = none). */
static int64_t run_job(struct db *db, const char *dir, int64_t station, const int64_t *adapter,
		       const struct plan *p, size_t n)
{
	struct db_job_start js = {.station_id = station, .slot = p->slot,
				  .adapter_id = adapter[p->adapter], .mode = p->mode,
				  .pid = 1000 + (int)n - 1, .port = "/dev/ttyUSB0"};
	struct db_device d = unit_device(p->mac);
	int64_t job, dev, backup = 0, t = T0 + p->start;
	char name[16];

	s_clock = t;
	check(db_job_begin(db, &js, &job), db, "job");
	check(db_device_seen(db, &d, &dev), db, "device");
	check(db_job_set_device(db, job, dev), db, "job device");
	int s = 0;   /* the stage's place: each one takes 250 ms longer than the last */
	for (const char *w = p->stages; *w; w += strspn(w, " "), s++) {
		size_t len = strcspn(w, " ");
		snprintf(name, sizeof name, "%.*s", (int)len, w);
		w += len;
		int last = !*w && p->err_name;
		struct db_stage st = {name, last ? "failed" : "ok", t, t + 1500 + 250 * s,
				      !strcmp(name, "backup") ? p->flash : 0, last ? p->err_code : 0,
				      last ? p->err_name : NULL, last ? p->err_msg : NULL};
		s_clock = st.end_ms;
		/* the boot stage journals its verdict, then ends */
		if (!strcmp(name, "boot") && p->boot)
			check(db_event(db, job, "boot.result", p->boot, NULL), db, "boot.result");
		check(db_job_stage(db, job, &st), db, "stage");
		t = st.end_ms;
		if (!strcmp(name, "backup") && p->backup)
			backup = take_backup(db, dir, p, n, &d, dev, job);
	}
	s_clock = t + 200;
	struct db_job_end e = {p->result, NULL, p->err_code, p->err_name, p->err_msg};
	check(db_job_finish(db, job, &e), db, "finish");
	return backup;
}

int main(int argc, char **argv)
{
	struct db_adapter ad[2] = {
		{0, 0x10c4, 0xea60, "0001", "pci-0000:00:14.0-usb-0:1.1:1.0", "1", "cp2102"},
		{0, 0x1a86, 0x7523, NULL, "pci-0000:00:14.0-usb-0:1.2:1.0", "2", "ch340"},
	};
	char path[600], err[256];
	int64_t station, adapter[2], last_backup_01 = 0;
	size_t n = 0;
	struct db *db;

	if (argc != 2) {
		fprintf(stderr, "usage: audit_fixture DIR\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/station.db", argv[1]);
	if (db_open(path, &db, err, sizeof err) != 0) {
		fprintf(stderr, "audit_fixture: %s\n", err);
		return 1;
	}
	s_clock = T0;
	db_set_clock(db, fixed_clock, NULL);
	check(db_station_upsert(db, "bench-1", &station), db, "station");
	for (int i = 0; i < 2; i++) {
		ad[i].station_id = station;
		check(db_adapter_upsert(db, &ad[i], &adapter[i]), db, "adapter");
	}
	for (size_t i = 0; i < sizeof s_plan / sizeof s_plan[0]; i++) {
		int64_t b = run_job(db, argv[1], station, adapter, &s_plan[i], ++n);
		if (b && !strcmp(s_plan[i].mac, "5c:cf:7f:00:00:01"))
			last_backup_01 = b;
	}
	/* single-port restore: unit 01's newest backup cloned onto unit 03 */
	{
		struct db_job_start js = {.station_id = station, .slot = "", .mode = "restore",
					  .pid = 2000, .port = "/dev/ttyUSB7"};
		struct db_device d = unit_device("5C-CF-7F-00-00-03");
		struct db_write w = {0, 1u << 20, 0, last_backup_01,
				     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
				     "00112233445566778899aabbccddeeff", 0};
		int64_t job, dev, id, t = T0 + 34 * HOUR;
		s_clock = t;
		check(db_job_begin(db, &js, &job), db, "restore job");
		check(db_device_seen(db, &d, &dev), db, "device");
		check(db_job_set_device(db, job, dev), db, "job device");
		check(db_restore_add(db, job, last_backup_01, d.mac, 1, &id), db, "restore");
		for (int s = 3; s < 5; s++) {
			struct db_stage st = {s == 3 ? "write" : "verify", "ok", t, t + 2000, 1u << 20, 0,
					      NULL, NULL};
			s_clock = st.end_ms;
			check(db_job_stage(db, job, &st), db, "stage");
			if (s == 3)
				check(db_job_write(db, job, &w, &id), db, "write");
			t = st.end_ms;
		}
		s_clock = t + 100;
		struct db_job_end e = {"passed", NULL, 0, NULL, NULL};
		check(db_job_finish(db, job, &e), db, "finish");
		n++;
	}
	for (size_t i = 0; i < sizeof s_plan_late / sizeof s_plan_late[0]; i++)
		(void)run_job(db, argv[1], station, adapter, &s_plan_late[i], ++n);
	db_close(db);
	return 0;
}
