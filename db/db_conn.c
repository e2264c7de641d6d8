/* SPDX-License-Identifier: MIT */
/* The connection's life: db_open (create, WAL, pragmas, migrate),
 * db_open_readonly (look, never touch), db_close, and the accessors of the
 * connection object.  Failures are described by db_open_explain(). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db_priv.h"

/* A struct db with no SQLite handle yet; NULL (message in err) on a
 * missing path or out of memory. */
static struct db *conn_new(const char *path, int *ret_code, char *err, size_t errlen)
{
	struct db *db;

	if (err && errlen)
		err[0] = '\0';
	*ret_code = -EINVAL;
	if (!path || !*path) {
		if (err && errlen)
			snprintf(err, errlen, "no database path given");
		return NULL;
	}
	db = calloc(1, sizeof *db);
	*ret_code = -ENOMEM;
	if (!db) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	db->busy_ms = DB_DEFAULT_BUSY_MS;
	*ret_code = 0;
	return db;
}

/* Hands the connection's message to the caller and closes it. */
static int conn_fail(struct db *db, int r, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", db->err);
	db_close(db);
	return r;
}

static int set_wal(struct db *db, const char *path)
{
	int64_t deadline = 0;

	/* Switching a new file to WAL needs an exclusive lock for a moment;
	 * several workers opening a fresh file at once can collide here
	 * before the busy handler applies, so retry within the timeout. */
	for (;;) {
		sqlite3_stmt *st;
		int r = db_prep(db, &st, "PRAGMA journal_mode=WAL", "set WAL mode"), rc;

		if (r)
			return r;
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const char *mode = (const char *)sqlite3_column_text(st, 0);

			r = 0;
			if (!mode || strcmp(mode, "wal") != 0)
				r = db_fail(db, -ENOTSUP, "%s: cannot use WAL mode (journal mode %s)",
					    path, mode ? mode : "?");
			sqlite3_finalize(st);
			return r;
		}
		r = db_fail_sqlite(db, sqlite3_extended_errcode(db->h), path);
		sqlite3_finalize(st);
		if (r != -EBUSY)
			return r;
		if (!deadline)
			deadline = db_clock_ms(CLOCK_MONOTONIC) + db->busy_ms;
		else if (db_clock_ms(CLOCK_MONOTONIC) > deadline)
			return r;
		sqlite3_sleep(10);
	}
}

void db_set_busy_timeout(struct db *db, int ms)
{
	db->busy_ms = ms < 0 ? 0 : ms;
	sqlite3_busy_timeout(db->h, db->busy_ms);
}

/* Failures of the file itself (missing, permissions, read-only media) are
 * described again from the disk; the schema's refusals already say it. */
static int is_access_error(int r)
{
	return r == -ENOENT || r == -ENOTDIR || r == -EISDIR || r == -EACCES || r == -EPERM ||
	       r == -EROFS;
}

int db_open(const char *path, struct db **ret, char *err, size_t errlen)
{
	struct db *db;
	int rc, r;

	*ret = NULL;
	db = conn_new(path, &r, err, errlen);
	if (!db)
		return r;
	rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		r = db_fail_sqlite(db, rc, path);
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, db->busy_ms);
	/* SQLite falls back to read-only when it may not write the file */
	if (sqlite3_db_readonly(db->h, "main") == 1) {
		r = db_fail(db, -EROFS, "%s: the database is read-only", path);
		goto fail;
	}
	/* Look before touching anything: a foreign or newer file is refused
	 * before we switch its journal mode. */
	r = db_schema_prepare(db, path);
	if (r)
		goto fail;
	r = set_wal(db, path);
	if (r)
		goto fail;
	/* FULL: a commit is fsync'd before it returns, so a backup row is on
	 * disk before the caller erases the chip (design.md §3). */
	r = db_exec(db,
		    "PRAGMA synchronous=FULL;"
		    "PRAGMA foreign_keys=ON;"
		    "PRAGMA recursive_triggers=ON;",
		    path);
	if (r)
		goto fail;
	r = db_schema_migrate(db, path);
	if (r)
		goto fail;
	db->err[0] = '\0';
	*ret = db;
	return 0;
fail:
	if (is_access_error(r))
		r = db_open_explain(db, r, path, 1);
	return conn_fail(db, r, err, errlen);
}

/* "file:" URI of path, with the bytes a URI gives meaning to escaped. */
static char *ro_uri(const char *path, int immutable)
{
	size_t n = strlen(path);
	char *uri = malloc(3 * n + 48), *p;

	if (!uri)
		return NULL;
	/* an absolute path gets an empty authority: file:///abs */
	p = uri + sprintf(uri, "file:%s", path[0] == '/' ? "//" : "");
	for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
		if (*s == '%' || *s == '?' || *s == '#' || *s < 0x20 || *s >= 0x7f)
			p += sprintf(p, "%%%02X", *s);
		else
			*p++ = (char)*s;
	}
	/* immutable: no locks and no -shm, for media nobody can write */
	sprintf(p, "?mode=ro%s", immutable ? "&immutable=1" : "");
	return uri;
}

/* A log with changes must be read through SQLite's locks; where nobody can
 * write, no log and no writer can appear, so the file is read as it is. */
static int ro_media(const char *path)
{
	char wal[DB_PATH_MAX + 8];
	struct stat sb;

	if (db_dir_writable(path))
		return 0;
	snprintf(wal, sizeof wal, "%s-wal", path);
	return stat(wal, &sb) != 0 || sb.st_size == 0;
}

int db_open_readonly(const char *path, struct db **ret, char *err, size_t errlen)
{
	struct db *db;
	struct stat sb;
	char *uri;
	int rc, r;

	*ret = NULL;
	db = conn_new(path, &r, err, errlen);
	if (!db)
		return r;
	/* SQLite would take an empty file for a new database */
	if (stat(path, &sb) != 0)
		r = db_open_explain(db, -errno, path, 0);
	else if (S_ISDIR(sb.st_mode))
		r = db_open_explain(db, -EISDIR, path, 0);
	else if (!S_ISREG(sb.st_mode))
		r = db_refuse_foreign(db, path, "not a regular file");
	else if (sb.st_size == 0)
		r = db_refuse_foreign(db, path, "an empty file");
	if (r)
		return conn_fail(db, r, err, errlen);
	uri = ro_uri(path, ro_media(path));
	if (!uri)
		return conn_fail(db, db_fail(db, -ENOMEM, "%s: out of memory", path), err, errlen);
	rc = sqlite3_open_v2(uri, &db->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		r = db_open_explain(db, db_fail_sqlite(db, rc, path), path, 0);
		return conn_fail(db, r, err, errlen);
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, db->busy_ms);
	/* belt and braces: a write on this connection is an error */
	r = db_exec(db, "PRAGMA query_only=ON", path);
	if (r == 0)
		r = db_schema_prepare(db, path);
	if (is_access_error(r))
		r = db_open_explain(db, r, path, 0);
	if (r)
		return conn_fail(db, r, err, errlen);
	db->err[0] = '\0';
	*ret = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	while (db->tx_depth > 0)
		db_tx_rollback(db);
	/* v2 closes even with statements left, which a bug must not turn
	 * into a leaked file descriptor */
	sqlite3_close_v2(db->h);
	free(db);
}

const char *db_errmsg(const struct db *db)
{
	return db ? db->err : "no database";
}

int db_schema_version_at_open(const struct db *db)
{
	return db->version_at_open;
}
