/* SPDX-License-Identifier: MIT */
/* The SQLite helpers every other db file uses: the error message of a
 * connection, the map from SQLite result codes to errno values, and
 * prepare / bind / step / column shortcuts.  A leaf: it calls nothing else
 * in db/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
