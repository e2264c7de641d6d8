/* SPDX-License-Identifier: MIT */
/* No data is updated away: with one row in every table, DELETE is refused
 * on every table (including tables added by later versions: each must
 * come with its trigger), UPDATE on every history table, and only
 * last_seen of adapters and devices moves, forward.  REPLACE, which deletes
 * behind the triggers' back unless recursive_triggers is on, is refused
 * too. */
#include <stdio.h>
#include <stdlib.h>

#include "dbtest.h"

static char s_dir[256];

/* One row in every table, through the API. */
static void populate(struct db *db)
{
	struct db_image img = {NULL, "fw.bin", 4096, 3, 2, 0, 0x40100000};
	struct db_job_end end = {"passed", NULL, 0, NULL, NULL};
	struct db_stage st = {"backup", "ok", 1, 2, 4096, 0, NULL, NULL};
	struct db_write w = {0, 4096, 0, 0, NULL, NULL, 0};
	struct db_backup b = {0};
	struct db_job_start js = {.station_id = 0, .slot = "1", .mode = "refurbish"};
	char sha[65], md5[33];
	struct t_rig rig;
	int64_t img_id, job, backup, id;

	t_rig_make(db, &rig, "5c:cf:7f:00:00:01");
	{
		/* schema v3: the unit's family, description and revision filled in */
		struct db_device d = {"5c:cf:7f:00:00:01", "ESP8266EX", 0x1640ef, 4u << 20,
				      "esp8266", "ESP8266EX", "v1", ""};

		T_REQUIRE(db_device_seen(db, &d, &id) == 0);
	}
	img.sha256 = t_hex(sha, 64, 1);
	T_REQUIRE(db_image_upsert(db, &img, &img_id) == 0);
	js.station_id = rig.station;
	js.adapter_id = rig.adapter;
	js.image_id = img_id;
	T_REQUIRE(db_job_begin(db, &js, &job) == 0);
	T_REQUIRE(db_job_set_device(db, job, rig.device) == 0);
	T_REQUIRE(db_job_stage(db, job, &st) == 0);
	b.device_id = rig.device;
	b.job_id = job;
	b.path = "/b.bin";
	b.size = 4096;
	b.sha256 = t_hex(sha, 64, 2);
	b.md5 = b.chip_md5 = t_hex(md5, 32, 3);
	T_REQUIRE(db_backup_add(db, &b, &backup) == 0);
	w.image_id = img_id;
	w.sha256 = t_hex(sha, 64, 4);
	w.md5 = t_hex(md5, 32, 5);
	T_REQUIRE(db_job_write(db, job, &w, &id) == 0);
	T_REQUIRE(db_restore_add(db, job, backup, "5c:cf:7f:00:00:01", 0, &id) == 0);
	T_REQUIRE(db_job_finish(db, job, &end) == 0);
	/* and one open job */
	T_REQUIRE(db_job_begin(db, &js, &job) == 0);
}

static void check_delete_refused(sqlite3 *h)
{
	sqlite3_stmt *st;
	char msg[300];
	int tables = 0;

	T_REQUIRE(sqlite3_prepare_v2(h,
				     "SELECT name FROM sqlite_master WHERE type = 'table'"
				     " AND name NOT LIKE 'sqlite_%' ORDER BY name",
				     -1, &st, NULL) == SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		int64_t before = t_q_int(h, "SELECT count(*) FROM \"%s\"", t);

		tables++;
		t_set_case("DELETE FROM %s", t);
		T_CHECK(before > 0);
		T_EQ_INT(t_q_int(h, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
				    " AND name = '%s_no_delete'", t),
			 1);
		T_EQ_INT(t_exec(h, msg, sizeof msg, "DELETE FROM \"%s\"", t), SQLITE_CONSTRAINT);
		T_HAS_STR(msg, "DELETE refused");
		T_EQ_INT(t_exec(h, msg, sizeof msg,
				"DELETE FROM \"%s\" WHERE rowid IN (SELECT rowid FROM \"%s\" LIMIT 1)",
				t, t) == SQLITE_OK,
			 0);
		T_EQ_INT(t_q_int(h, "SELECT count(*) FROM \"%s\"", t), before);
	}
	sqlite3_finalize(st);
	t_set_case("tables");
	T_EQ_INT(tables, 17);
}

static void check_update_refused(sqlite3 *h)
{
	static const char *const frozen[][2] = {
		{"schema", "applied_ms = applied_ms + 1"},
		{"job_modes", "description = 'x'"},
		{"job_results", "description = 'x'"},
		{"stage_outcomes", "description = 'x'"},
		{"backup_provenances", "description = 'x'"},
		{"backup_provenances", "name = 'stock'"},
		{"stations", "name = 'renamed'"},
		{"images", "name = 'renamed.bin'"},
		{"job_stages", "outcome = 'failed'"},
		{"job_writes", "md5 = md5"},
		{"backups", "path = '/elsewhere.bin'"},
		{"backups", "verified = 0, chip_md5 = NULL"},
		{"backups", "provenance = 'original'"},
		{"backups", "provenance = 'blank'"},
		{"backups", "sector_map = NULL"},
		{"backups", "ciphertext = 1"},
		{"chip_families", "description = 'x'"},
		{"security_features", "position = 9"},
		{"restores", "forced = 1"},
		{"events", "data = NULL"},
		{"adapters", "slot = '9'"},
		{"adapters", "first_seen_ms = 0"},
		{"adapters", "last_seen_ms = 0"},
		{"devices", "mac = '00:00:00:00:00:00'"},
		{"devices", "flash_id = 0"},
		{"devices", "last_seen_ms = 0"},
		{"devices", "family = 'esp32'"},
		{"devices", "family = NULL"},
		{"devices", "family = 'esp99'"},
		{"devices", "description = 'ESP8285'"},
		{"devices", "revision = NULL"},
		{"devices", "security = 'secure_boot,flash_encryption'"},
		{"devices", "security = 'flash_encryption,flash_encryption'"},
		{"devices", "security = 'tamper_proof'"},
		{"jobs", "mode = 'flash'"},
		{"jobs", "start_ms = 0"},
		{"jobs", "clean_proven = 0 WHERE end_ms IS NOT NULL"},
	};
	char msg[300], *before, *after;

	before = t_q_dump(h, "SELECT * FROM backups");
	for (size_t i = 0; i < sizeof frozen / sizeof frozen[0]; i++) {
		t_set_case("UPDATE %s SET %s", frozen[i][0], frozen[i][1]);
		T_EQ_INT(t_exec(h, msg, sizeof msg, "UPDATE %s SET %s", frozen[i][0], frozen[i][1]),
			 SQLITE_CONSTRAINT);
		T_CHECK(msg[0] != '\0');
	}
	after = t_q_dump(h, "SELECT * FROM backups");
	T_EQ_STR(after, before);
	free(before);
	free(after);

	t_set_case("last_seen moves forward");
	T_EQ_INT(t_exec(h, msg, sizeof msg, "UPDATE devices SET last_seen_ms = last_seen_ms + 10"),
		 SQLITE_OK);
	T_EQ_INT(t_exec(h, msg, sizeof msg, "UPDATE adapters SET last_seen_ms = last_seen_ms + 10"),
		 SQLITE_OK);
	/* a unit's security state follows the unit, in its canonical form */
	t_set_case("security is the latest");
	T_EQ_INT(t_exec(h, msg, sizeof msg,
			"UPDATE devices SET security = 'flash_encryption,secure_boot'"),
		 SQLITE_OK);
	T_EQ_INT(t_exec(h, msg, sizeof msg, "UPDATE devices SET security = ''"), SQLITE_OK);
	T_EQ_INT(t_exec(h, msg, sizeof msg, "UPDATE devices SET security = NULL"),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(msg, "never unset");
	/* an open job still gains facts; its clean proof once */
	T_EQ_INT(t_exec(h, msg, sizeof msg, "UPDATE jobs SET stage = 'detect' WHERE end_ms IS NULL"),
		 SQLITE_OK);
	t_set_case("clean proof once");
	T_EQ_INT(t_exec(h, msg, sizeof msg,
			"UPDATE jobs SET clean_proven = 1 WHERE end_ms IS NULL"),
		 SQLITE_OK);
	T_EQ_INT(t_exec(h, msg, sizeof msg,
			"UPDATE jobs SET clean_proven = 0 WHERE end_ms IS NULL"),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(msg, "clean_proven is recorded once");
	T_EQ_INT(t_exec(h, msg, sizeof msg,
			"UPDATE jobs SET clean_proven = NULL WHERE end_ms IS NULL"),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(t_exec(h, msg, sizeof msg,
			"UPDATE jobs SET clean_proven = 2 WHERE end_ms IS NULL"),
		 SQLITE_CONSTRAINT);
}

static void check_replace_refused(sqlite3 *h)
{
	char msg[300];

	t_set_case("REPLACE");
	T_EQ_INT(t_exec(h, msg, sizeof msg,
			"INSERT OR REPLACE INTO devices (mac, chip, flash_id, flash_size,"
			" first_seen_ms, last_seen_ms) VALUES ('5c:cf:7f:00:00:01', 'X', 0, 0, 0, 0)"),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(msg, "DELETE refused");
	T_EQ_INT(t_exec(h, msg, sizeof msg,
			"REPLACE INTO events (id, ts_ms, ts_utc, type) VALUES (1, 0, '', 'forged')"),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(t_exec(h, msg, sizeof msg, "UPDATE OR REPLACE jobs SET id = 1 WHERE id = 2"),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE type = 'forged'"), 0);
}

int main(void)
{
	char path[300], buf[64];
	struct db *db;
	sqlite3 *h;

	t_mkdtemp(s_dir, sizeof s_dir);
	t_path(path, sizeof path, s_dir, "station.db");
	db = t_open(path);
	populate(db);
	db_close(db);
	h = t_raw_open(path);
	check_delete_refused(h);
	check_update_refused(h);
	check_replace_refused(h);
	T_EQ_STR(t_integrity(h, buf, sizeof buf), "ok");
	sqlite3_close(h);
	t_rmtree(s_dir);
	return t_done("db_append_only");
}
