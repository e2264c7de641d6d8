/* SPDX-License-Identifier: MIT */
/* Validators for what callers hand in: printable text of bounded length,
 * hex digests, and values of the enumeration tables.  Each sets the
 * connection's message and returns -EINVAL on bad input. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db_priv.h"

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

int db_check_enum(struct db *db, const char *table, const char *value, const char *what)
{
	sqlite3_stmt *st;
	char *sql;
	int r, rc;

	sql = sqlite3_mprintf("SELECT (SELECT count(*) FROM %s WHERE name = ?1),"
			      " (SELECT group_concat(name, ', ') FROM %s)",
			      table, table);
	if (!sql)
		return db_fail(db, -ENOMEM, "%s: out of memory", what);
	r = db_prep(db, &st, sql, what);
	sqlite3_free(sql);
	if (r)
		return r;
	sqlite3_bind_text(st, 1, value ? value : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		r = db_fail_sqlite(db, rc, what);
	else if (!value || !*value)
		r = db_fail(db, -EINVAL, "%s: missing (known: %s)", what,
			    (const char *)sqlite3_column_text(st, 1));
	else if (sqlite3_column_int(st, 0) == 0)
		r = db_fail(db, -EINVAL, "%s: unknown value \"%.40s\" (known: %s)", what, value,
			    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return r;
}
