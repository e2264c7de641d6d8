/* SPDX-License-Identifier: MIT */
/* Writes the sample database that becomes a frozen migration fixture: a new
 * file opened by this build, then a small station's history made through
 * the API with a fixed clock (three adapters incl. a CH340 without serial,
 * three units, passed / failed / interrupted jobs, verified and unverified
 * backups, a CLI backup, an own and a forced restore, a device.changed
 * event; since v2: sector maps, a clean proof, a second refurbish whose
 * backup is ours, a unit unplugged during erase then backed up blank, an
 * imported file; since v3: chip families, an ESP32 refurbished, an
 * ESP32-C3 backed up plain, then again after its firmware turned on flash
 * encryption (a device.security event, a ciphertext backup) and restored
 * from that backup).  When schema vN is released:
 *   db_make_fixture /tmp/vN.db
 *   { sed -n 1,4p tests/db/fixtures/v1.sql | sed 's/v1/vN/g'
 *     echo "PRAGMA application_id = $(sqlite3 /tmp/vN.db 'PRAGMA application_id');"
 *     sqlite3 /tmp/vN.db .dump; } > tests/db/fixtures/vN.sql
 * then list vN.sql in test_db_migrate.c, and never regenerate a released
 * fixture afterwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

static struct db *s_db;
static int64_t s_now = 1700000000000LL;

#define CK(x)                                                                            \
	do {                                                                             \
		int r_ = (x);                                                            \
		if (r_ < 0) {                                                            \
			fprintf(stderr, "%s:%d: %s: %d %s\n", __FILE__, __LINE__, #x, r_,  \
				db_errmsg(s_db));                                        \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

static int64_t tick(void *user)
{
	(void)user;
	s_now += 250;
	return s_now;
}

static void stage(int64_t job, const char *name, const char *outcome, uint64_t bytes, int code,
		  const char *err_name, const char *msg)
{
	struct db_stage st = {.stage = name, .outcome = outcome, .start_ms = s_now,
			      .end_ms = s_now + 1500, .bytes = bytes, .err_code = code,
			      .err_name = err_name, .err_msg = msg};

	CK(db_job_stage_begin(s_db, job, name));
	s_now += 1600;
	CK(db_job_stage(s_db, job, &st));
}

static int64_t job_on(int64_t station, const char *slot, const char *port, int64_t adapter,
		      const char *mode, int64_t image, int pid, const struct db_device *d,
		      int64_t *ret_device)
{
	struct db_job_start js = {.station_id = station, .slot = slot, .port = port,
				  .adapter_id = adapter, .mode = mode, .image_id = image,
				  .pid = pid};
	int64_t job;

	CK(db_job_begin(s_db, &js, &job));
	CK(db_device_seen(s_db, d, ret_device));
	CK(db_job_set_device(s_db, job, *ret_device));
	stage(job, "detect", "ok", 0, 0, NULL, NULL);
	return job;
}

int main(int argc, char **argv)
{
	static const char sha_a[] =
		"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
	static const char sha_b[] =
		"fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9";
	static const char sha_c[] =
		"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
	static const char sha_img[] =
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	static const char dir[] = "/var/lib/espstation/backups";
	static const char md5_a[] = "acbd18db4cc2f85cedef654fccc4a4d8";
	static const char md5_b[] = "37b51d194a7513e45b56f6524f2d51f2";
	struct db_job_end passed = {.result = "passed"};
	struct db_device u1 = {"5C:CF:7F:00:00:01", "ESP8266EX", 0x1640ef, 4194304, "esp8266",
			       "ESP8266EX", NULL, NULL};
	struct db_device u2 = {"5c-cf-7f-00-00-02", "ESP8285", 0x1440c8, 1048576, "esp8266",
			       "ESP8285", NULL, NULL};
	struct db_device u3 = {"5ccf7f000003", "ESP8266EX", 0x1440ef, 1048576, "esp8266",
			       "ESP8266EX", NULL, NULL};
	struct db_device u3_new_flash = {"5c:cf:7f:00:00:03", "ESP8266EX", 0x1640ef, 4194304,
					 "esp8266", "ESP8266EX", NULL, NULL};
	/* v3 */
	struct db_device u4 = {"24:0A:C4:00:00:04", "ESP32-D0WD-V3", 0x16405e, 4194304, "esp32",
			       "ESP32-D0WD-V3 (revision v3.1)", "v3.1", ""};
	struct db_device u5 = {"58:cf:79:00:00:05", "ESP32-C3 (QFN32)", 0x164020, 4194304,
			       "esp32c3", "ESP32-C3 (QFN32) (revision v0.4)", "v0.4", ""};
	struct db_device u5_encrypted = {"58:cf:79:00:00:05", "ESP32-C3 (QFN32)", 0x164020,
					 4194304, "esp32c3", "ESP32-C3 (QFN32) (revision v0.4)",
					 "v0.4", "flash_encryption,dl_encrypt_disabled"};
	/* 4 MiB: sectors 0-149 (boot loader, user1), 1020-1023 (config) */
	static const char map_4m[] =
		"ffffffffffffffffffffffffffffffffffff3f00000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"00000000000000000000000000000000000000000000000000000000000000f0";
	char err[512];
	int64_t st, a1, a2, a3, d1, d2, d3, img, job, b1, b2, b3, id;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s NEW.db\n", argv[0]);
		return 2;
	}
	if (db_open(argv[1], &s_db, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	db_set_clock(s_db, tick, NULL);
	CK(db_station_upsert(s_db, "bench-1", &st));
	{
		struct db_adapter cp = {st, 0x10c4, 0xea60, "0001",
					"pci-0000:00:14.0-usb-0:1.1:1.0", "1", "cp2102"};
		struct db_adapter ch = {st, 0x1a86, 0x7523, "",
					"pci-0000:00:14.0-usb-0:1.2:1.0", "2", "ch340"};
		struct db_adapter ft = {st, 0x0403, 0x6001, "A50285BI",
					"pci-0000:00:14.0-usb-0:1.3:1.0", "3", "ft232r"};
		struct db_image im = {sha_img, "sonoff-basic-tasmota.bin", 612336, 3, 0x2, 0,
				      0x40100000};

		CK(db_adapter_upsert(s_db, &cp, &a1));
		CK(db_adapter_upsert(s_db, &ch, &a2));
		CK(db_adapter_upsert(s_db, &ft, &a3));
		CK(db_image_upsert(s_db, &im, &img));
	}

	/* job 1: refurbish, passed */
	job = job_on(st, "1", "/dev/ttyUSB0", a1, "refurbish", img, 4101, &u1, &d1);
	stage(job, "backup", "ok", 4194304, 0, NULL, NULL);
	{
		char path[128];
		struct db_backup b = {d1, job, path, 4194304, 0x1640ef, sha_a, md5_a, md5_a,
				      NULL, map_4m, NULL, NULL, 0};
		struct db_write w = {0, 612336, img, 0, sha_b, md5_b, 1};

		snprintf(path, sizeof path, "%s/5ccf7f000001/20231114T221320Z.bin", dir);
		CK(db_backup_add(s_db, &b, &b1));
		CK(db_event(s_db, job, "progress",
			    "{\"stage\":\"backup\",\"done\":4194304,\"total\":4194304,"
			    "\"rate\":88000}",
			    NULL));
		stage(job, "erase", "ok", 4194304, 0, NULL, NULL);
		stage(job, "write", "ok", 612336, 0, NULL, NULL);
		CK(db_job_write(s_db, job, &w, &id));
	}
	stage(job, "verify", "ok", 612336, 0, NULL, NULL);
	CK(db_job_set_clean_proven(s_db, job, 1,
				   "{\"written\":612336,\"erased_from\":614400,\"flash_size\":4194304}"));
	CK(db_job_finish(s_db, job, &passed));

	/* job 2: backup whose MD5 differs from the chip's -> failed */
	job = job_on(st, "2", "/dev/ttyUSB1", a2, "backup", 0, 4102, &u2, &d2);
	{
		char path[128];
		struct db_backup b = {d2, job, path, 1048576, 0x1440c8, sha_b, md5_b,
				      "73feffa4b7f6bb68e44cf984c85f6e88", NULL, NULL, NULL, NULL, 0};
		struct db_job_end e = {"failed", NULL, 11, "ESP_E_VERIFY",
				       "backup of 5c:cf:7f:00:00:02 does not match the chip"};

		snprintf(path, sizeof path, "%s/5ccf7f000002/20231114T221400Z.bin", dir);
		CK(db_backup_add(s_db, &b, &b2));
		stage(job, "backup", "failed", 1048576, 11, "ESP_E_VERIFY",
		      "backup of 5c:cf:7f:00:00:02: file MD5 37b5... differs from the chip's"
		      " 73fe...: re-seat the clip and retry");
		CK(db_job_finish(s_db, job, &e));
	}

	/* job 3: left open by a killed station, closed at the next start */
	job = job_on(st, "3", "/dev/ttyUSB2", a3, "refurbish", img, 4103, &u3, &d3);
	CK(db_job_stage_begin(s_db, job, "backup"));
	{
		struct db_job_end e = {"interrupted", NULL, 0, NULL,
				       "station restarted; the job was open"};

		CK(db_jobs_close_interrupted(s_db, st, &e, &n));
		CK(db_event(s_db, 0, "station.start",
			    "{\"version\":\"0.1.0\",\"closed_open_jobs\":1}", NULL));
	}

	/* a CLI backup of unit 3 (no job), then unit 3 with another flash chip */
	{
		struct db_backup b = {d3, 0, "/home/op/5ccf7f000003.bin", 1048576, 0x1440ef, sha_c,
				      "0cc175b9c0f1b6a831c399e269772661",
				      "0CC175B9C0F1B6A831C399E269772661", NULL, NULL, NULL, NULL, 0};

		CK(db_backup_add(s_db, &b, &b3));
		CK(db_device_seen(s_db, &u3_new_flash, &d3));
	}

	/* job 4: unit 1 gets its own backup back */
	job = job_on(st, "1", "/dev/ttyUSB0", a1, "restore", 0, 4104, &u1, &d1);
	{
		struct db_write w = {0, 4194304, 0, b1, sha_a, md5_a, 0};

		CK(db_restore_add(s_db, job, b1, "5c:cf:7f:00:00:01", 0, &id));
		CK(db_job_write(s_db, job, &w, &id));
	}
	stage(job, "write", "ok", 4194304, 0, NULL, NULL);
	stage(job, "verify", "ok", 4194304, 0, NULL, NULL);
	CK(db_job_finish(s_db, job, &passed));

	/* job 5: unit 1's backup forced onto unit 2 */
	job = job_on(st, "2", "/dev/ttyUSB1", a2, "restore", 0, 4105, &u2, &d2);
	CK(db_event(s_db, job, "operator.force",
		    "{\"reason\":\"unit 2 stock firmware lost; clone of unit 1 approved\"}", NULL));
	CK(db_restore_add(s_db, job, b1, "5c:cf:7f:00:00:02", 1, &id));
	stage(job, "write", "ok", 4194304, 0, NULL, NULL);
	stage(job, "verify", "ok", 4194304, 0, NULL, NULL);
	CK(db_job_finish(s_db, job, &passed));

	/* v2 -- job 6: unit 1 refurbished again: its backup is ours */
	job = job_on(st, "1", "/dev/ttyUSB0", a1, "refurbish", img, 4106, &u1, &d1);
	{
		char path[128];
		struct db_backup b = {d1, job, path, 4194304, 0x1640ef, sha_b, md5_b, md5_b,
				      NULL, map_4m, NULL, NULL, 0};

		snprintf(path, sizeof path, "%s/5ccf7f000001/20231114T221500Z.bin", dir);
		stage(job, "backup", "ok", 4194304, 0, NULL, NULL);
		CK(db_backup_add(s_db, &b, &id));
	}
	stage(job, "erase", "ok", 16384, 0, NULL, NULL);
	stage(job, "write", "ok", 612336, 0, NULL, NULL);
	stage(job, "verify", "ok", 4194304, 0, NULL, NULL);
	CK(db_job_set_clean_proven(s_db, job, 1, NULL));
	CK(db_job_finish(s_db, job, &passed));

	/* job 7: unit 3 unplugged during erase; job 8 backs it up again: blank */
	job = job_on(st, "3", "/dev/ttyUSB2", a3, "refurbish", img, 4107, &u3_new_flash, &d3);
	stage(job, "backup", "ok", 4194304, 0, NULL, NULL);
	CK(db_job_stage_begin(s_db, job, "erase"));
	{
		struct db_job_end e = {"unplugged", NULL, 19, "ESP_E_NODEV",
				       "serial port vanished (unplugged)"};

		CK(db_job_finish(s_db, job, &e));
	}
	job = job_on(st, "3", "/dev/ttyUSB2", a3, "backup", 0, 4108, &u3_new_flash, &d3);
	{
		static const char md5_ff[] = "b1d6c3b4e4e4f6b0f0b5e3f0e0a8d4c1";
		char path[128], map[257];
		struct db_backup b = {d3, job, path, 4194304, 0x1640ef, sha_c, md5_ff, md5_ff,
				      NULL, map, NULL, NULL, 0};

		memset(map, '0', 256);
		map[256] = '\0';
		snprintf(path, sizeof path, "%s/5ccf7f000003/20231114T221600Z.bin", dir);
		CK(db_backup_add(s_db, &b, &id));
	}
	stage(job, "backup", "ok", 0, 0, NULL, NULL);
	CK(db_job_finish(s_db, job, &passed));

	/* a file made by hand, imported for unit 2 */
	{
		struct db_backup b = {d2, 0, "/var/lib/espstation/backups/5ccf7f000002/imported.bin",
				      1048576, 0x1440c8, sha_img, md5_b, NULL, "imported", NULL,
				      "alice", "image1M.bin", 0};

		CK(db_backup_add(s_db, &b, &id));
	}

	/* v3 -- job 9: an ESP32 refurbished: original backup, clean proof */
	job = job_on(st, "1", "/dev/ttyUSB0", a1, "refurbish", img, 4109, &u4, &id);
	{
		char path[128];
		struct db_backup b = {id, job, path, 4194304, 0x16405e, sha_a, md5_a, md5_a, NULL,
				      map_4m, NULL, NULL, 0};
		int64_t bk;

		snprintf(path, sizeof path, "%s/240ac4000004/20231114T221700Z.bin", dir);
		stage(job, "backup", "ok", 4194304, 0, NULL, NULL);
		CK(db_backup_add(s_db, &b, &bk));
	}
	stage(job, "erase", "ok", 614400, 0, NULL, NULL);
	stage(job, "write", "ok", 612336, 0, NULL, NULL);
	stage(job, "verify", "ok", 4194304, 0, NULL, NULL);
	CK(db_job_set_clean_proven(s_db, job, 1, NULL));
	CK(db_job_finish(s_db, job, &passed));

	/* job 10: an ESP32-C3 backed up, security none: a plaintext original */
	job = job_on(st, "2", "/dev/ttyUSB1", a2, "backup", 0, 4110, &u5, &id);
	{
		char path[128];
		struct db_backup b = {id, job, path, 4194304, 0x164020, sha_b, md5_b, md5_b, NULL,
				      map_4m, NULL, NULL, 0};
		int64_t bk;

		snprintf(path, sizeof path, "%s/58cf79000005/20231114T221800Z.bin", dir);
		stage(job, "backup", "ok", 4194304, 0, NULL, NULL);
		CK(db_backup_add(s_db, &b, &bk));
	}
	CK(db_job_finish(s_db, job, &passed));

	/* job 11: its firmware turned on flash encryption (device.security);
	 * the backup taken now is ciphertext, for this MAC only */
	job = job_on(st, "2", "/dev/ttyUSB1", a2, "backup", 0, 4111, &u5_encrypted, &id);
	{
		char path[128];
		struct db_backup b = {id, job, path, 4194304, 0x164020, sha_c, md5_a, md5_a, NULL,
				      map_4m, NULL, NULL, 1};
		int64_t bk;

		snprintf(path, sizeof path, "%s/58cf79000005/20231114T221900Z.bin", dir);
		stage(job, "backup", "ok", 4194304, 0, NULL, NULL);
		CK(db_backup_add(s_db, &b, &bk));
		CK(db_job_finish(s_db, job, &passed));

		/* job 12: that ciphertext backup written back onto its own unit */
		struct db_write w = {0, 4194304, 0, bk, sha_c, md5_a, 0};

		job = job_on(st, "2", "/dev/ttyUSB1", a2, "restore", 0, 4112, &u5_encrypted, &id);
		CK(db_restore_add(s_db, job, bk, "58:cf:79:00:00:05", 0, &id));
		CK(db_job_write(s_db, job, &w, &id));
	}
	stage(job, "write", "ok", 4194304, 0, NULL, NULL);
	stage(job, "verify", "ok", 4194304, 0, NULL, NULL);
	CK(db_job_finish(s_db, job, &passed));
	(void)b2;
	(void)b3;
	db_close(s_db);
	return 0;
}
