/* SPDX-License-Identifier: MIT */
/* Connection lifecycle (open, pragmas, close), error mapping, nested
 * transactions and the small helpers shared by the other db_*.c files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_priv.h"

int db_fail(struct db *db, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof db->err, fmt, ap);
	va_end(ap);
	return code;
}

int db_fail_prefix(struct db *db, int code, const char *prefix)
{
	char keep[sizeof db->err];

	memcpy(keep, db->err, sizeof keep);
	return db_fail(db, code, "%s: %s", prefix, keep);
}

int db_map_rc(sqlite3 *h, int rc)
{
	int e;

	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_TOOBIG:
		return -E2BIG;
	case SQLITE_MISUSE:
	case SQLITE_RANGE:
	case SQLITE_MISMATCH:
		return -EINVAL;
	case SQLITE_CONSTRAINT:
		/* RAISE(ABORT) in our append-only triggers */
		if (rc == SQLITE_CONSTRAINT_TRIGGER)
			return -EPERM;
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return -ENOENT;
		return -EINVAL;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		/* the system errno says which: EACCES, ENOENT, EFBIG, EROFS ... */
		e = h ? sqlite3_system_errno(h) : 0;
		if (e == ENOSPC)
			return -ENOSPC;
		return e > 0 ? -e : -EIO;
	default:
		return -EIO;
	}
}

int db_fail_sqlite(struct db *db, int rc, const char *what)
{
	int code = db_map_rc(db->h, rc);

	if (code == 0)
		code = -EIO;
	return db_fail(db, code, "%s: %s", what, db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
}

int db_prep(struct db *db, sqlite3_stmt **ret, const char *sql, const char *what)
{
	int rc = sqlite3_prepare_v2(db->h, sql, -1, ret, NULL);

	if (rc != SQLITE_OK) {
		*ret = NULL;
		return db_fail_sqlite(db, rc, what);
	}
	return 0;
}

int db_step_done(struct db *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	int r = 0;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = db_fail_sqlite(db, sqlite3_extended_errcode(db->h), what);
	sqlite3_finalize(st);
	return r;
}

int db_exec(struct db *db, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	int r = 0;

	if (rc != SQLITE_OK) {
		r = db_map_rc(db->h, sqlite3_extended_errcode(db->h));
		if (!r)
			r = -EIO;
		db_fail(db, r, "%s: %s", what, msg ? msg : sqlite3_errstr(rc));
	}
	sqlite3_free(msg);
	return r;
}

int db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

int db_bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	return db_bind_text(st, i, s && *s ? s : NULL);
}

int db_bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id == 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_int64(st, i, id);
}

void db_col_text(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	if (!cap)
		return;
	snprintf(buf, cap, "%s", s ? (const char *)s : "");
}

int db_hex_normalize(struct db *db, const char *in, size_t n, char *out, const char *what)
{
	size_t i;

	if (!in)
		return db_fail(db, -EINVAL, "%s: missing", what);
	for (i = 0; i < n && in[i]; i++) {
		char c = in[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			break;
		out[i] = c;
	}
	if (i != n || in[n] != '\0') {
		out[0] = '\0';
		return db_fail(db, -EINVAL, "%s: expected %zu hex digits, got \"%.80s\"", what, n,
			       in);
	}
	out[n] = '\0';
	return 0;
}

int db_job_check_open(struct db *db, int64_t job_id, const char *what)
{
	sqlite3_stmt *st;
	int r, rc;

	r = db_prep(db, &st, "SELECT end_ms, result FROM jobs WHERE id = ?1", what);
	if (r)
		return r;
	sqlite3_bind_int64(st, 1, job_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = db_fail(db, -ENOENT, "%s: no job %lld", what, (long long)job_id);
	else if (rc != SQLITE_ROW)
		r = db_fail_sqlite(db, rc, what);
	else if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		r = db_fail(db, -EALREADY, "%s: job %lld is closed (%s); a closed job is history",
			    what, (long long)job_id, (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return r;
}

/* ---- time ------------------------------------------------------------- */

int64_t db_now_ms(const struct db *db)
{
	struct timespec ts;

	if (db && db->clock)
		return db->clock(db->clock_user);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *db_time_utc(int64_t ms, char *buf, size_t cap)
{
	int64_t ms_part = ms % 1000;
	time_t secs;
	struct tm tm;
	int n;

	if (ms_part < 0)
		ms_part += 1000;
	secs = (time_t)((ms - ms_part) / 1000);
	if (!cap)
		return buf;
	/* four-digit years only; anything else is a broken clock, shown raw */
	if (!gmtime_r(&secs, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		n = snprintf(buf, cap, "@%lld", (long long)ms);
	else
		n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			     (int)ms_part);
	if (n < 0)
		buf[0] = '\0';
	return buf;
}

void db_set_clock(struct db *db, db_clock_fn *fn, void *user_data)
{
	db->clock = fn;
	db->clock_user = user_data;
}

/* ---- transactions ------------------------------------------------------ */

/* SQLite itself rolls the whole transaction back after some errors (disk
 * full, I/O error, out of memory); remember that, so the caller's commit
 * reports it instead of silently committing half. */
static void tx_note_abort(struct db *db)
{
	if (db->tx_depth > 0 && sqlite3_get_autocommit(db->h))
		db->tx_aborted = 1;
}

int db_tx_begin(struct db *db)
{
	int r;

	tx_note_abort(db);
	if (db->tx_aborted)
		return db_fail(db, -EIO, "transaction was rolled back after an earlier error");
	if (db->tx_depth == 0)
		r = db_exec(db, "BEGIN IMMEDIATE", "begin transaction");
	else
		r = db_exec(db, "SAVEPOINT db_sp", "savepoint");
	if (r == 0)
		db->tx_depth++;
	return r;
}

int db_tx_commit(struct db *db)
{
	int r = 0;

	if (db->tx_depth == 0)
		return db_fail(db, -EINVAL, "commit without a transaction");
	tx_note_abort(db);
	db->tx_depth--;
	if (db->tx_aborted) {
		if (db->tx_depth == 0)
			db->tx_aborted = 0;
		return db_fail(db, -EIO, "transaction was rolled back after an earlier error");
	}
	if (db->tx_depth > 0)
		return db_exec(db, "RELEASE db_sp", "release savepoint");
	r = db_exec(db, "COMMIT", "commit");
	if (r && !sqlite3_get_autocommit(db->h)) {
		/* keep the first message; leave no transaction open */
		char keep[sizeof db->err];

		memcpy(keep, db->err, sizeof keep);
		(void)db_exec(db, "ROLLBACK", "rollback");
		memcpy(db->err, keep, sizeof keep);
	}
	return r;
}

void db_tx_rollback(struct db *db)
{
	char keep[sizeof db->err];

	if (!db || db->tx_depth == 0)
		return;
	tx_note_abort(db);
	memcpy(keep, db->err, sizeof keep);
	db->tx_depth--;
	if (db->tx_aborted) {
		if (db->tx_depth == 0)
			db->tx_aborted = 0;
	} else if (db->tx_depth > 0) {
		(void)db_exec(db, "ROLLBACK TO db_sp; RELEASE db_sp", "rollback to savepoint");
	} else {
		(void)db_exec(db, "ROLLBACK", "rollback");
	}
	memcpy(db->err, keep, sizeof keep);
}

int db_tx_end(struct db *db, int rc)
{
	if (rc == 0)
		return db_tx_commit(db);
	db_tx_rollback(db);
	return rc;
}

/* ---- open / close ------------------------------------------------------ */

static int set_wal(struct db *db, const char *path)
{
	int64_t deadline = 0;
	struct timespec ts;

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
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (!deadline)
			deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + db->busy_ms;
		else if ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 > deadline)
			return r;
		sqlite3_sleep(10);
	}
}

void db_set_busy_timeout(struct db *db, int ms)
{
	db->busy_ms = ms < 0 ? 0 : ms;
	sqlite3_busy_timeout(db->h, db->busy_ms);
}

int db_open(const char *path, struct db **ret, char *err, size_t errlen)
{
	struct db *db;
	int rc, r;

	*ret = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!path || !*path) {
		if (err && errlen)
			snprintf(err, errlen, "no database path given");
		return -EINVAL;
	}
	db = calloc(1, sizeof *db);
	if (!db) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	db->busy_ms = DB_DEFAULT_BUSY_MS;
	rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		r = db_fail(db, db_map_rc(db->h, rc) ? db_map_rc(db->h, rc) : -EIO,
			    "%s: cannot open database: %s", path,
			    db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, db->busy_ms);
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
	if (err && errlen)
		snprintf(err, errlen, "%s", db->err);
	db_close(db);
	return r;
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

/* ---- shared statement helpers ------------------------------------------ */

int db_step_id(struct db *db, sqlite3_stmt *st, int64_t *ret, const char *what)
{
	int rc = sqlite3_step(st);
	int found = 0, r = 0;

	if (rc == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		found = 1;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
	}
	if (rc != SQLITE_DONE)
		r = db_fail_sqlite(db, sqlite3_extended_errcode(db->h), what);
	else if (!found)
		r = db_fail(db, -ENOENT, "%s: not found", what);
	sqlite3_finalize(st);
	return r;
}

int db_check_text(struct db *db, const char *s, size_t max, int allow_empty, const char *what)
{
	size_t n;

	if (!s || !*s) {
		if (allow_empty)
			return 0;
		return db_fail(db, -EINVAL, "%s: missing", what);
	}
	n = strlen(s);
	if (n > max)
		return db_fail(db, -EINVAL, "%s: longer than %zu bytes", what, max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return db_fail(db, -EINVAL, "%s: control character in \"%.60s\"", what, s);
	return 0;
}

int db_check_enum(struct db *db, const char *table, const char *value, const char *what)
{
	char sql[160];
	sqlite3_stmt *st;
	int r, rc;

	if (!value || !*value)
		return db_fail(db, -EINVAL, "%s: missing", what);
	snprintf(sql, sizeof sql,
		 "SELECT (SELECT count(*) FROM %s WHERE name = ?1),"
		 " (SELECT group_concat(name, ', ') FROM %s)",
		 table, table);
	r = db_prep(db, &st, sql, what);
	if (r)
		return r;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		r = db_fail_sqlite(db, rc, what);
	else if (sqlite3_column_int(st, 0) == 0)
		r = db_fail(db, -EINVAL, "%s: unknown value \"%.40s\" (known: %s)", what, value,
			    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return r;
}

void db_bind_now(struct db *db, sqlite3_stmt *st, int ms_idx, int utc_idx)
{
	char utc[40];
	int64_t now = db_now_ms(db);

	sqlite3_bind_int64(st, ms_idx, now);
	sqlite3_bind_text(st, utc_idx, db_time_utc(now, utc, sizeof utc), -1, SQLITE_TRANSIENT);
}

int db_journal(struct db *db, const char *sql, int64_t id, const char *what)
{
	sqlite3_stmt *st;
	int r = db_prep(db, &st, sql, what);

	if (r)
		return r;
	sqlite3_bind_int64(st, 1, id);
	db_bind_now(db, st, 2, 3);
	return db_step_done(db, st, what);
}
