/* SPDX-License-Identifier: MIT */
/* db_open_readonly(), the audit's open: it never creates, migrates or
 * writes.  A missing, empty, foreign, non-SQLite or newer file is refused
 * in one line naming the path, the cause and the fix, and every file is
 * byte-for-byte (and mtime) what it was.  A good file is read, writes on
 * the connection fail, and read-only media work: a read-only directory
 * (a read-only bind mount when root) with no log, with the -wal and -shm a
 * killed writer left (whose last rows live only in the log), and with a
 * -wal but no -shm (refused: it cannot be read there). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dbtest.h"

#define MAC_OLD "5c:cf:7f:00:00:01"
#define MAC_LOG "5c:cf:7f:00:00:02"     /* written only into the log */

static char s_dir[256];

/* Opens read-only expecting code; the message names path, cause and fix.
 * The file is as it was and nothing appeared beside it -- except, when
 * SQLite had to read a WAL-mode file to refuse it, the empty -wal and the
 * -shm any SQLite reader makes in a writable directory. */
static void expect_refused(const char *path, const char *dir, int code, const char *cause,
			   int sqlite_read)
{
	char err[1024];
	struct t_snap before;
	struct db *db = (struct db *)&db;
	int entries = t_dir_entries(dir);

	t_snap_take(&before, path);
	T_EQ_INT(db_open_readonly(path, &db, err, sizeof err), code);
	T_CHECK(db == NULL);
	T_HAS_STR(err, path);
	T_HAS_STR(err, cause);
	T_HAS_STR(err, "(fix: ");
	T_CHECK(strchr(err, '\n') == NULL);
	T_CHECK(t_snap_same(&before, path));
	if (sqlite_read) {
		char wal[320];
		struct stat sb;

		snprintf(wal, sizeof wal, "%s-wal", path);
		T_CHECK(stat(wal, &sb) != 0 || sb.st_size == 0);
		T_CHECK(t_dir_entries(dir) <= entries + 2);
	} else {
		T_EQ_INT(t_dir_entries(dir), entries);
	}
	t_snap_free(&before);
}

static void make_sqlite(const char *path, const char *sql)
{
	sqlite3 *h;

	T_REQUIRE(sqlite3_open(path, &h) == SQLITE_OK);
	T_EQ_INT(t_exec(h, NULL, 0, "%s", sql), SQLITE_OK);
	sqlite3_close(h);
}

static void check_refusals(void)
{
	char path[300], sub[300];
	struct db *db;
	FILE *f;

	t_set_case("missing file");
	expect_refused(t_path(path, sizeof path, s_dir, "none.db"), s_dir, -ENOENT,
		       "no database there", 0);
	T_CHECK(access(path, F_OK) != 0);

	t_set_case("missing directory");
	t_path(sub, sizeof sub, s_dir, "no-such-dir");
	expect_refused(t_path(path, sizeof path, sub, "station.db"), s_dir, -ENOENT,
		       "no database there", 0);

	t_set_case("a directory");
	T_REQUIRE(mkdir(t_path(sub, sizeof sub, s_dir, "adir.db"), 0700) == 0);
	expect_refused(sub, s_dir, -EISDIR, "a directory", 0);

	t_set_case("empty file");
	f = fopen(t_path(path, sizeof path, s_dir, "empty.db"), "w");
	T_REQUIRE(f != NULL);
	fclose(f);
	expect_refused(path, s_dir, -EBADMSG, "not an espstation database: an empty file", 0);

	t_set_case("text file");
	f = fopen(t_path(path, sizeof path, s_dir, "notes.txt"), "w");
	T_REQUIRE(f != NULL);
	for (int i = 0; i < 100; i++)
		fputs("this is not an SQLite database\n", f);
	fclose(f);
	expect_refused(path, s_dir, -EBADMSG, "not an espstation database: not an SQLite file",
		       0);

	t_set_case("foreign SQLite file");
	make_sqlite(t_path(path, sizeof path, s_dir, "foreign.db"),
		    "CREATE TABLE foo (x); INSERT INTO foo VALUES (1);");
	expect_refused(path, s_dir, -EBADMSG, "it has tables but no schema table", 0);

	t_set_case("another program's SQLite file");
	make_sqlite(t_path(path, sizeof path, s_dir, "other.db"),
		    "PRAGMA application_id = 1234; CREATE TABLE schema (v);");
	expect_refused(path, s_dir, -EBADMSG, "application_id 0x000004d2", 0);

	t_set_case("newer schema");
	t_make_newer(t_path(path, sizeof path, s_dir, "newer.db"), 7);
	expect_refused(path, s_dir, -ENOTSUP, "upgrade espstation", 1);
	db = NULL;
	T_EQ_INT(db_open_readonly("", &db, NULL, 0), -EINVAL);
}

/* A station's database with one unit, closed cleanly (no log left). */
static void make_station_db(const char *path)
{
	struct t_rig rig;
	struct db *db = t_open(path);

	t_rig_make(db, &rig, MAC_OLD);
	db_close(db);
}

/* Reads the file as the audit would; writes must fail.  0 = as expected. */
static int read_it(const char *path, int want_log_row)
{
	struct db_audit_device dev;
	char err[1024];
	int64_t id;
	struct db *db = NULL;
	int failures = t_failures, r = db_open_readonly(path, &db, err, sizeof err);

	if (r) {
		fprintf(stderr, "db_open_readonly %s: %d %s\n", path, r, err);
		return 1;
	}
	T_EQ_INT(db_schema_version_at_open(db), DB_SCHEMA_VERSION);
	T_EQ_INT(db_audit_device(db, MAC_OLD, &dev), 0);
	T_EQ_INT(db_audit_device(db, MAC_LOG, &dev), want_log_row ? 0 : -ENOENT);
	T_EQ_INT(db_station_upsert(db, "another-bench", &id), -EROFS);
	db_close(db);
	return t_failures > failures;
}

static void check_good_file(void)
{
	char path[300];
	struct t_snap before;

	t_set_case("good file, writable directory");
	make_station_db(t_path(path, sizeof path, s_dir, "good.db"));
	t_snap_take(&before, path);
	T_EQ_INT(read_it(path, 0), 0);
	T_CHECK(t_snap_same(&before, path));
	t_snap_free(&before);
}

struct ro_case {
	const char *name;
	int want_log_row;
	int want_code;              /* 0 = opens */
};

static int ro_child(const char *dir, void *arg)
{
	const struct ro_case *c = arg;
	char path[300], err[1024];
	struct db *db = NULL;
	int failures = t_failures, r;

	t_set_case("read-only directory: %s", c->name);
	t_path(path, sizeof path, dir, "station.db");
	if (c->want_code == 0)
		return read_it(path, c->want_log_row);
	r = db_open_readonly(path, &db, err, sizeof err);
	T_EQ_INT(r, c->want_code);
	T_HAS_STR(err, path);
	T_HAS_STR(err, "-shm");
	T_HAS_STR(err, "(fix: copy");
	return t_failures > failures;
}

/* A writer killed with its last commit only in the log (-wal and -shm). */
static void crash_after_commit(const char *path)
{
	struct db_device d = {MAC_LOG, "ESP8266EX", 0x1640ef, 1u << 20, "esp8266", NULL, NULL,
			      NULL};
	int64_t id;
	int status = -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	T_REQUIRE(pid >= 0);
	if (pid == 0) {
		struct db *db = NULL;

		if (db_open(path, &db, NULL, 0) != 0 || db_device_seen(db, &d, &id) < 0)
			_exit(1);
		_exit(0); /* no db_close: no checkpoint, the log stays */
	}
	waitpid(pid, &status, 0);
	T_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void check_readonly_dir(void)
{
	static const char *const files[] = {"station.db", "station.db-wal", "station.db-shm"};
	static const struct ro_case cases[] = {
		{"no log", 0, 0},
		{"log and -shm left by a killed writer", 1, 0},
		{"log without -shm", 1, -EROFS},
	};
	char dir[300], path[300];
	struct t_snap snap[3];
	struct stat sb;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct ro_case *c = &cases[i];
		int rc;

		t_set_case("read-only directory: %s", c->name);
		snprintf(dir, sizeof dir, "%s/ro%zu", s_dir, i);
		T_REQUIRE(mkdir(dir, 0700) == 0);
		t_path(path, sizeof path, dir, "station.db");
		make_station_db(path);
		if (i > 0) {
			crash_after_commit(path);
			T_REQUIRE(stat(t_path(path, sizeof path, dir, "station.db-wal"), &sb) == 0);
			T_CHECK(sb.st_size > 0);
		}
		if (i == 2)
			T_REQUIRE(unlink(t_path(path, sizeof path, dir, "station.db-shm")) == 0);
		for (int k = 0; k < 3; k++)
			t_snap_take(&snap[k], t_path(path, sizeof path, dir, files[k]));
		rc = t_run_readonly(dir, ro_child, (void *)c);
		if (rc == 77) {
			printf("SKIP [%s]: cannot make a read-only directory here\n", c->name);
		} else {
			T_EQ_INT(rc, 0);
		}
		for (int k = 0; k < 3; k++) {
			T_CHECK(t_snap_same(&snap[k], t_path(path, sizeof path, dir, files[k])));
			t_snap_free(&snap[k]);
		}
	}
}

int main(void)
{
	t_mkdtemp(s_dir, sizeof s_dir);
	check_refusals();
	check_good_file();
	check_readonly_dir();
	t_rmtree(s_dir);
	return t_done("db_readonly");
}
