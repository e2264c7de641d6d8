/* SPDX-License-Identifier: MIT */
/* Opening: schema creation on an empty file, idempotent reopening, the
 * pragmas that make the invariants hold, and the files that must be
 * refused without being touched (newer schema, foreign, garbage). */
#include <stdio.h>
#include <stdlib.h>

#include "dbtest.h"

static char s_dir[256];

static void check_fresh(void)
{
	char path[300], buf[64], *before, *after;
	struct db *db;
	sqlite3 *h;

	t_set_case("fresh file");
	t_path(path, sizeof path, s_dir, "fresh.db");
	db = t_open(path);
	T_EQ_INT(db_schema_version_at_open(db), 0);
	T_EQ_STR(db_errmsg(db), "");
	db_close(db);

	h = t_raw_open(path);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "PRAGMA journal_mode"), "wal");
	T_EQ_HEX(t_q_int(h, "PRAGMA application_id"), 0x45535354);
	T_EQ_INT(t_q_int(h, "SELECT max(version) FROM schema"), DB_SCHEMA_VERSION);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM schema"), DB_SCHEMA_VERSION);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
			    " ('stations', 'adapters', 'devices', 'images', 'jobs', 'job_stages',"
			    "  'job_writes', 'backups', 'restores', 'events', 'job_modes',"
			    "  'job_results', 'stage_outcomes', 'schema', 'backup_provenances')"),
		 15);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM job_modes"), 4);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT group_concat(name, ',') FROM"
			  " (SELECT name FROM backup_provenances ORDER BY name)"),
		 "blank,imported,original,ours");
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM job_results"), 7);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM stage_outcomes"), 4);
	T_EQ_STR(t_integrity(h, buf, sizeof buf), "ok");
	before = t_q_dump(h, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name");
	sqlite3_close(h);

	t_set_case("reopen is idempotent");
	for (int i = 0; i < 3; i++) {
		db = t_open(path);
		T_EQ_INT(db_schema_version_at_open(db), DB_SCHEMA_VERSION);
		db_close(db);
	}
	h = t_raw_open(path);
	after = t_q_dump(h, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name");
	T_EQ_STR(after, before);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM schema"), DB_SCHEMA_VERSION);
	sqlite3_close(h);
	free(before);
	free(after);

	t_set_case("empty existing file");
	t_path(path, sizeof path, s_dir, "empty.db");
	fclose(fopen(path, "w"));
	db = t_open(path);
	T_EQ_INT(db_schema_version_at_open(db), 0);
	db_close(db);
}

/* A newer espstation's file: refused with the version and the fix, and
 * left exactly as it was. */
static void check_newer(void)
{
	char path[300], err[512], want[512], buf[64], *before, *after;
	struct db *db = (struct db *)&db;
	sqlite3 *h;
	int r;

	t_set_case("newer schema");
	t_make_newer(t_path(path, sizeof path, s_dir, "newer.db"), 7);
	h = t_raw_open(path);
	before = t_q_dump(h, "SELECT * FROM schema");
	sqlite3_close(h);

	r = db_open(path, &db, err, sizeof err);
	T_EQ_INT(r, -ENOTSUP);
	T_CHECK(db == NULL);
	snprintf(want, sizeof want,
		 "%s: database schema v7 is newer than this espstation (v%d) (fix: upgrade "
		 "espstation)",
		 path, DB_SCHEMA_VERSION);
	T_EQ_STR(err, want);

	h = t_raw_open(path);
	after = t_q_dump(h, "SELECT * FROM schema");
	T_EQ_STR(after, before);
	T_EQ_STR(t_integrity(h, buf, sizeof buf), "ok");
	sqlite3_close(h);
	free(before);
	free(after);
}

static void check_refused(const char *name, const char *setup_sql, int want_rc,
			  const char *want_msg)
{
	char path[300], err[512], buf[64];
	struct db *db = NULL;
	sqlite3 *h;

	t_set_case("%s", name);
	t_path(path, sizeof path, s_dir, name);
	T_REQUIRE(sqlite3_open(path, &h) == SQLITE_OK);
	T_EQ_INT(t_exec(h, NULL, 0, "%s", setup_sql), SQLITE_OK);
	sqlite3_close(h);

	T_EQ_INT(db_open(path, &db, err, sizeof err), want_rc);
	T_CHECK(db == NULL);
	T_HAS_STR(err, want_msg);
	T_HAS_STR(err, path);
	/* refused before any pragma changed the file */
	h = t_raw_open(path);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "PRAGMA journal_mode"), "delete");
	sqlite3_close(h);
}

static void check_garbage(void)
{
	char path[300], err[512];
	struct db *db = NULL;
	FILE *f;

	t_set_case("garbage file");
	t_path(path, sizeof path, s_dir, "garbage.db");
	f = fopen(path, "w");
	T_REQUIRE(f != NULL);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database\n", f);
	fclose(f);
	T_EQ_INT(db_open(path, &db, err, sizeof err), -EBADMSG);
	T_CHECK(db == NULL);
	T_HAS_STR(err, "not an espstation database: not an SQLite file (fix: ");

	t_set_case("missing directory");
	t_path(path, sizeof path, s_dir, "no/such/dir/station.db");
	T_CHECK(db_open(path, &db, err, sizeof err) < 0);
	T_CHECK(db == NULL);
	T_HAS_STR(err, path);

	t_set_case("no path");
	T_EQ_INT(db_open("", &db, err, sizeof err), -EINVAL);
	T_EQ_INT(db_open(NULL, &db, NULL, 0), -EINVAL);
}

/* The journal's ts_utc (C) and the views' *_utc (SQL) must agree. */
static void check_time_format(void)
{
	static const struct {
		int64_t ms;
		const char *utc;
	} cases[] = {
		{0, "1970-01-01T00:00:00.000Z"},
		{1, "1970-01-01T00:00:00.001Z"},
		{999, "1970-01-01T00:00:00.999Z"},
		{1700000000123LL, "2023-11-14T22:13:20.123Z"},
		{1709251199999LL, "2024-02-29T23:59:59.999Z"},
		{4102444800000LL, "2100-01-01T00:00:00.000Z"},
	};
	char buf[40], sql[40];
	sqlite3 *h;

	T_REQUIRE(sqlite3_open(":memory:", &h) == SQLITE_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		t_set_case("utc %lld", (long long)cases[i].ms);
		T_EQ_STR(db_time_utc(cases[i].ms, buf, sizeof buf), cases[i].utc);
		t_q_text(h, sql, sizeof sql,
			 "SELECT strftime('%%Y-%%m-%%dT%%H:%%M:%%S', %lld / 1000, 'unixepoch')"
			 " || printf('.%%03dZ', %lld %% 1000)",
			 (long long)cases[i].ms, (long long)cases[i].ms);
		T_EQ_STR(sql, cases[i].utc);
	}
	sqlite3_close(h);
}

int main(void)
{
	t_mkdtemp(s_dir, sizeof s_dir);
	check_fresh();
	check_newer();
	check_refused("foreign.db", "CREATE TABLE foo (x); INSERT INTO foo VALUES (1);", -EBADMSG,
		      "not an espstation database: it has tables but no schema table");
	check_refused("other-app.db", "PRAGMA application_id = 1234; CREATE TABLE schema (v);",
		      -EBADMSG, "not an espstation database: application_id 0x000004d2");
	check_refused("damaged.db",
		      "PRAGMA application_id = 1163088724;"
		      " CREATE TABLE schema (version INTEGER PRIMARY KEY, applied_ms INTEGER);",
		      -EBADMSG, "damaged espstation database: no schema version");
	check_garbage();
	check_time_format();
	t_rmtree(s_dir);
	return t_done("db_schema");
}
