/* SPDX-License-Identifier: MIT */
/* The local file as the central store (db/central/) sees it, and the way
 * back: rows of any table as JSON objects (column -> value) for shipping,
 * the counts behind the shipper's backlog, and the import of renumbered
 * rows into a throwaway snapshot file that the audit questions then read
 * across stations.  db/ stays the only SQLite user; the central store never
 * sees an SQLite handle.  The last layer: it calls the helpers and
 * connection files only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_priv.h"

/* The tables that travel, in the order a snapshot is filled (referenced
 * before referencing). */
static const char *const s_tables[] = {
	"stations", "adapters", "devices", "images", "jobs", "job_stages",
	"job_writes", "backups", "restores", "events",
};

static int table_known(struct db *db, const char *table)
{
	for (size_t i = 0; i < sizeof s_tables / sizeof s_tables[0]; i++)
		if (table && strcmp(table, s_tables[i]) == 0)
			return 0;
	return db_fail(db, -EINVAL, "export: no table \"%s\" (fix: one of stations, adapters, "
		       "devices, images, jobs, job_stages, job_writes, backups, restores, events)",
		       table ? table : "(null)");
}

static int has_column(const char *table, const char *col)
{
	if (strcmp(col, "job_id") == 0)
		return !strcmp(table, "events") || !strcmp(table, "job_stages") ||
		       !strcmp(table, "job_writes") || !strcmp(table, "backups") ||
		       !strcmp(table, "restores");
	if (strcmp(col, "last_seen_ms") == 0)
		return !strcmp(table, "adapters") || !strcmp(table, "devices");
	return 0;
}

/* A growing string; ok = 0 once an allocation failed. */
struct sbuf {
	char *s;
	size_t len, cap;
	int ok;
};

static void sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (!b->ok)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (!p) {
			b->ok = 0;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* Column names of a table (its table_info), as "c1\0c2\0...\0\0" in *ret
 * (malloc'd). */
static int table_columns(struct db *db, const char *table, struct sbuf *ret)
{
	char sql[96];
	sqlite3_stmt *st;
	int r, rc;

	snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s') ORDER BY cid", table);
	r = db_prep(db, &st, sql, "export: read columns");
	if (r)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);

		/* names are ours, but a quote would break the SQL built from them */
		if (!c || strpbrk(c, "\"'")) {
			sqlite3_finalize(st);
			return db_fail(db, -EBADMSG, "export: table %s has an odd column name", table);
		}
		sb_add(ret, c);
		sb_add(ret, "\x1f");
	}
	r = rc == SQLITE_DONE ? 0 : db_fail_sqlite(db, rc, "export: read columns");
	sqlite3_finalize(st);
	if (r == 0 && !ret->ok)
		r = db_fail(db, -ENOMEM, "export: out of memory");
	if (r == 0 && ret->len == 0)
		r = db_fail(db, -ENOENT, "export: table %s has no columns", table);
	return r;
}

int db_export_rows(struct db *db, const char *table, enum db_export_by by, int64_t value,
		   int64_t limit, db_export_fn *fn, void *user_data)
{
	struct sbuf cols = {.ok = 1}, sql = {.ok = 1};
	const char *where;
	sqlite3_stmt *st = NULL;
	char tail[160];
	int r, rc;

	r = table_known(db, table);
	if (r)
		return r;
	switch (by) {
	case DB_EXPORT_AFTER_ID: where = "id > ?1"; break;
	case DB_EXPORT_ID: where = "id = ?1"; break;
	case DB_EXPORT_JOB: where = "job_id = ?1"; break;
	case DB_EXPORT_SEEN_SINCE: where = "last_seen_ms >= ?1"; break;
	default: return db_fail(db, -EINVAL, "export: bad selection %d", (int)by);
	}
	if ((by == DB_EXPORT_JOB && !has_column(table, "job_id")) ||
	    (by == DB_EXPORT_SEEN_SINCE && !has_column(table, "last_seen_ms")))
		return db_fail(db, -EINVAL, "export: %s cannot be selected that way", table);
	r = table_columns(db, table, &cols);
	if (r)
		goto out;
	/* json_object(...) of every column; a BLOB (JSON cannot hold one) as
	 * {"$hex": "..."} */
	sb_add(&sql, "SELECT id, json_object(");
	for (char *c = cols.s, *e; *c; c = e + 1) {
		char part[300];

		e = strchr(c, '\x1f');
		*e = '\0';
		snprintf(part, sizeof part,
			 "%s'%s', CASE WHEN typeof(\"%s\") = 'blob' THEN json_object('$hex', hex(\"%s\"))"
			 " ELSE \"%s\" END", c == cols.s ? "" : ", ", c, c, c, c);
		sb_add(&sql, part);
	}
	snprintf(tail, sizeof tail, "), %s, %s, %s, %s, ",
		 has_column(table, "job_id") ? "job_id" : "NULL",
		 strcmp(table, "events") == 0 ? "type" : "NULL",
		 has_column(table, "last_seen_ms") ? "last_seen_ms" : "NULL",
		 strcmp(table, "jobs") == 0 ? "end_ms" : "NULL");
	sb_add(&sql, tail);
	if (strcmp(table, "backups") == 0)
		sb_add(&sql, "id, path, sha256, size");
	else if (strcmp(table, "events") == 0)
		sb_add(&sql, "CASE WHEN type = 'backup' AND json_valid(data)"
			     " THEN json_extract(data, '$.backup_id') END, NULL, NULL, NULL");
	else if (strcmp(table, "job_writes") == 0 || strcmp(table, "restores") == 0)
		sb_add(&sql, "backup_id, NULL, NULL, NULL");
	else
		sb_add(&sql, "NULL, NULL, NULL, NULL");
	snprintf(tail, sizeof tail, " FROM %s WHERE %s ORDER BY id LIMIT ?2", table, where);
	sb_add(&sql, tail);
	if (!sql.ok) {
		r = db_fail(db, -ENOMEM, "export: out of memory");
		goto out;
	}
	r = db_prep(db, &st, sql.s, "export rows");
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, value);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_export_row row = {
			.table = table,
			.id = sqlite3_column_int64(st, 0),
			.json = (const char *)sqlite3_column_text(st, 1),
			.job_id = sqlite3_column_int64(st, 2),
			.type = (const char *)sqlite3_column_text(st, 3),
			.seen_ms = sqlite3_column_int64(st, 4),
			.end_ms = sqlite3_column_int64(st, 5),
			.backup_id = sqlite3_column_int64(st, 6),
			.path = (const char *)sqlite3_column_text(st, 7),
			.sha256 = (const char *)sqlite3_column_text(st, 8),
			.size = (uint64_t)sqlite3_column_int64(st, 9),
		};
		if (!row.type)
			row.type = "";
		if (!row.path)
			row.path = "";
		if (!row.sha256)
			row.sha256 = "";
		if (!row.json) {
			r = db_fail(db, -ENOMEM, "export: out of memory");
			break;
		}
		r = fn(user_data, &row);
		if (r)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail_sqlite(db, sqlite3_extended_errcode(db->h), "export rows");
	sqlite3_finalize(st);
out:
	free(cols.s);
	free(sql.s);
	return r;
}

int db_export_station(struct db *db, char name[65])
{
	sqlite3_stmt *st;
	int r, rc;

	name[0] = '\0';
	r = db_prep(db, &st, "SELECT name FROM stations ORDER BY id LIMIT 1", "export: station");
	if (r)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		db_col_text(st, 0, name, 65);
	else if (rc == SQLITE_DONE)
		r = db_fail(db, -ENOENT, "the local database names no station yet (fix: run the "
			    "station once, or record a job, before shipping it)");
	else
		r = db_fail_sqlite(db, rc, "export: station");
	sqlite3_finalize(st);
	return r;
}

int db_export_counts(struct db *db, int64_t after_event_id, struct db_export_counts *ret)
{
	sqlite3_stmt *st;
	int r, rc;

	memset(ret, 0, sizeof *ret);
	r = db_prep(db, &st,
		    "SELECT (SELECT count(*) FROM events WHERE id > ?1),"
		    " (SELECT ts_ms FROM events WHERE id > ?1 ORDER BY id LIMIT 1),"
		    " (SELECT count(*) FROM jobs WHERE end_ms IS NOT NULL),"
		    " (SELECT count(*) FROM backups), (SELECT total(size) FROM backups)",
		    "export: counts");
	if (r)
		return r;
	sqlite3_bind_int64(st, 1, after_event_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret->events_after = sqlite3_column_int64(st, 0);
		ret->oldest_ms = sqlite3_column_int64(st, 1);
		ret->jobs_closed = sqlite3_column_int64(st, 2);
		ret->backups = sqlite3_column_int64(st, 3);
		ret->backup_bytes = (uint64_t)sqlite3_column_double(st, 4);
	} else {
		r = db_fail_sqlite(db, rc, "export: counts");
	}
	sqlite3_finalize(st);
	return r;
}

/* ---- the way back: a snapshot's rows ------------------------------------ */

int db_import_begin(struct db *db)
{
	sqlite3_stmt *st;
	struct sbuf drop = {.ok = 1};
	int r, rc;

	if (db->tx_depth)
		return db_fail(db, -EINVAL, "import: begin it outside a transaction");
	/* rows arrive table by table and a row may name one that never
	 * arrives (an open job's): the read model keeps them all */
	r = db_exec(db, "PRAGMA foreign_keys = OFF", "import: foreign keys off");
	if (r)
		return r;
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_prep(db, &st, "SELECT name FROM sqlite_master WHERE type = 'trigger'", "import");
	if (r == 0) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *n = (const char *)sqlite3_column_text(st, 0);

			if (n && !strpbrk(n, "\"")) {
				sb_add(&drop, "DROP TRIGGER \"");
				sb_add(&drop, n);
				sb_add(&drop, "\";");
			}
		}
		if (rc != SQLITE_DONE)
			r = db_fail_sqlite(db, rc, "import: list triggers");
		sqlite3_finalize(st);
	}
	if (r == 0 && !drop.ok)
		r = db_fail(db, -ENOMEM, "import: out of memory");
	/* a throwaway read model: the history rules were judged where the
	 * rows were written, and the renumbered rows arrive in no such order */
	if (r == 0 && drop.len)
		r = db_exec(db, drop.s, "import: drop triggers");
	free(drop.s);
	if (r)
		db_tx_rollback(db);
	return r;
}

int db_import_row(struct db *db, const char *table, const char *json)
{
	struct sbuf cols = {.ok = 1}, sql = {.ok = 1}, vals = {.ok = 1};
	sqlite3_stmt *st;
	int r;

	r = table_known(db, table);
	if (r)
		return r;
	r = table_columns(db, table, &cols);
	if (r)
		goto out;
	sb_add(&sql, "INSERT INTO ");
	sb_add(&sql, table);
	sb_add(&sql, " (");
	sb_add(&vals, ") SELECT ");
	for (char *c = cols.s, *e; *c; c = e + 1) {
		char part[160];

		e = strchr(c, '\x1f');
		*e = '\0';
		snprintf(part, sizeof part, "%s\"%s\"", c == cols.s ? "" : ", ", c);
		sb_add(&sql, part);
		snprintf(part, sizeof part, "%sjson_extract(?1, '$.\"%s\"')", c == cols.s ? "" : ", ", c);
		sb_add(&vals, part);
	}
	sb_add(&sql, vals.ok ? vals.s : "");
	if (!sql.ok || !vals.ok) {
		r = db_fail(db, -ENOMEM, "import: out of memory");
		goto out;
	}
	r = db_prep(db, &st, sql.s, "import row");
	if (r == 0) {
		sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
		r = db_step_done(db, st, "import row");
		if (r)
			r = db_fail_prefix(db, r, table);
	}
out:
	free(cols.s);
	free(sql.s);
	free(vals.s);
	return r;
}

int db_import_finish(struct db *db, int64_t *ret_reclassified)
{
	int r;

	if (ret_reclassified)
		*ret_reclassified = 0;
	/* The union knows better than one bench: an "original" taken after
	 * another station had begun to erase or write that unit (by time:
	 * journal ids of two stations do not compare) holds what a station
	 * left there. */
	r = db_exec(db,
		    "UPDATE backups AS b SET provenance = 'ours' WHERE provenance = 'original'"
		    " AND EXISTS (SELECT 1 FROM (" DB_TOUCHES("j.device_id = b.device_id") ") t"
		    " WHERE t.at_ms <= b.created_ms"
		    " AND (SELECT station_id FROM jobs WHERE id = t.job_id) IS NOT"
		    "  (SELECT station_id FROM jobs WHERE id = b.job_id))",
		    "import: provenance across stations");
	if (r == 0 && ret_reclassified)
		*ret_reclassified = sqlite3_changes(db->h);
	if (r) {
		db_tx_rollback(db);
		return r;
	}
	return db_tx_commit(db);
}
