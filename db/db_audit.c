/* SPDX-License-Identifier: MIT */
/* The audit questions (what happened to unit X, where, and how well, per
 * slot, adapter, chip family or boot result), asked through the schema's
 * views and tables, read only.  Filters become WHERE
 * terms only when given, so every query can use its index; rows go to the
 * caller's callback, newest first. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db_priv.h"

/* A WHERE clause built from the filter's fields that are set, with the
 * values to bind in the same order (all text except since). */
struct where {
	char sql[768];
	const char *text[6];
	int n_text;
	int64_t since;
	int has_since;
	char mac[DB_MAC_LEN];
};

static void where_add(struct where *w, const char *term)
{
	size_t len = strlen(w->sql);

	snprintf(w->sql + len, sizeof w->sql - len, "%s%s", len ? " AND " : " WHERE ", term);
}

/* cols: the column names of mac, station, slot, result and time in the
 * query (NULL = that filter does not apply); the family, where it applies,
 * is the unit's (devices d). */
static int where_build(struct db *db, const struct db_audit_filter *f, struct where *w,
		       const char *mac_col, const char *station_col, const char *slot_col,
		       const char *result_col, const char *time_col, int family)
{
	char term[160];

	memset(w, 0, sizeof *w);
	if (!f)
		return 0;
	if (f->mac && mac_col) {
		if (db_mac_normalize(f->mac, w->mac))
			return db_fail(db, -EINVAL, "bad MAC \"%.40s\": use aa:bb:cc:dd:ee:ff",
				       f->mac);
		snprintf(term, sizeof term, "%s = ?%d", mac_col, w->n_text + 1);
		where_add(w, term);
		w->text[w->n_text++] = w->mac;
	}
	if (f->station && station_col) {
		snprintf(term, sizeof term, "%s = ?%d", station_col, w->n_text + 1);
		where_add(w, term);
		w->text[w->n_text++] = f->station;
	}
	if (f->slot && slot_col) {
		snprintf(term, sizeof term, "%s = ?%d", slot_col, w->n_text + 1);
		where_add(w, term);
		w->text[w->n_text++] = f->slot;
	}
	if (f->result && result_col) {
		int r = db_check_enum(db, "job_results", f->result, "job result");

		if (r)
			return r;
		snprintf(term, sizeof term, "%s = ?%d", result_col, w->n_text + 1);
		where_add(w, term);
		w->text[w->n_text++] = f->result;
	}
	if (f->family && family) {
		int r = db_check_family(db, f->family, "chip family");

		if (r)
			return r;
		snprintf(term, sizeof term, "%s = ?%d", db_family_column(db), w->n_text + 1);
		where_add(w, term);
		w->text[w->n_text++] = f->family;
	}
	if (f->since_ms && time_col) {
		snprintf(term, sizeof term, "%s >= ?9", time_col);
		where_add(w, term);
		w->since = f->since_ms;
		w->has_since = 1;
	}
	return 0;
}

static void where_bind(const struct where *w, sqlite3_stmt *st)
{
	for (int i = 0; i < w->n_text; i++)
		sqlite3_bind_text(st, i + 1, w->text[i], -1, SQLITE_TRANSIENT);
	if (w->has_since)
		sqlite3_bind_int64(st, 9, w->since);
}

/* Steps st, calling row(st, fn, user_data) for each row; finalizes. */
typedef int row_fn(sqlite3_stmt *st, void *fn, void *user_data);
static int each_row(struct db *db, sqlite3_stmt *st, row_fn *row, void *fn, void *user_data,
		    const char *what)
{
	int r = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = row(st, fn, user_data);
		if (r)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail_sqlite(db, rc, what);
	sqlite3_finalize(st);
	return r;
}

int db_audit_device(struct db *db, const char *mac_in, struct db_audit_device *ret)
{
	char mac[DB_MAC_LEN], *sql;
	sqlite3_stmt *st;
	int r, rc;

	memset(ret, 0, sizeof *ret);
	if (db_mac_normalize(mac_in, mac))
		return db_fail(db, -EINVAL, "bad MAC \"%.40s\": use aa:bb:cc:dd:ee:ff",
			       mac_in ? mac_in : "");
	sql = sqlite3_mprintf("SELECT id, mac, chip, flash_id, flash_size, first_seen_ms,"
			      " last_seen_ms, %s FROM devices WHERE mac = ?1",
			      db->version >= 3 ? "family, description, revision, security"
			      : "'esp8266', chip, NULL, NULL");
	if (!sql)
		return db_fail(db, -ENOMEM, "find device: out of memory");
	r = db_prep(db, &st, sql, "find device");
	sqlite3_free(sql);
	if (r)
		return r;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret->id = sqlite3_column_int64(st, 0);
		db_col_text(st, 1, ret->mac, sizeof ret->mac);
		db_col_text(st, 2, ret->chip, sizeof ret->chip);
		ret->flash_id = (uint32_t)sqlite3_column_int64(st, 3);
		ret->flash_size = (uint32_t)sqlite3_column_int64(st, 4);
		ret->first_seen_ms = sqlite3_column_int64(st, 5);
		ret->last_seen_ms = sqlite3_column_int64(st, 6);
		db_col_text(st, 7, ret->family, sizeof ret->family);
		db_col_text(st, 8, ret->description, sizeof ret->description);
		db_col_text(st, 9, ret->revision, sizeof ret->revision);
		ret->security_read = sqlite3_column_type(st, 10) != SQLITE_NULL;
		db_col_text(st, 10, ret->security, sizeof ret->security);
	} else if (rc == SQLITE_DONE) {
		r = db_fail(db, -ENOENT, "no unit with MAC %s in the database", mac);
	} else {
		r = db_fail_sqlite(db, rc, "find device");
	}
	sqlite3_finalize(st);
	return r;
}

/* ---- jobs --------------------------------------------------------------- */

/* The boot check lives in the journal only (a "boot.result" event per job,
 * written by the boot stage through db_event): joined as `be`, the job's
 * newest such event, found through events_job.  No schema column, so a
 * file of any version reads the same; an event whose data is no JSON is
 * passed over rather than failing the whole listing. */
#define BOOT_EVENT_JOIN(job)                                                             \
	" LEFT JOIN events be ON be.id = (SELECT max(e.id) FROM events e"                   \
	" WHERE e.job_id = " job " AND e.type = 'boot.result' AND json_valid(e.data))"
#define BOOT_FIELD(name) "json_extract(be.data, '$." name "')"

/* the columns up to err_msg; then clean_proven (a v1 file has none), the
 * unit's family (before v3: esp8266), s_jobs_boot; then s_jobs_from */
static const char s_jobs_sql[] =
	"SELECT j.id, s.name, j.slot, j.port, j.mode, d.mac, d.chip,"
	" CASE WHEN a.id IS NULL THEN '' ELSE printf('%04x:%04x %s %s', a.vid, a.pid, a.kind,"
	"  CASE WHEN a.usb_serial <> '' THEN a.usb_serial ELSE a.id_path END) END,"
	" i.name, i.sha256,"
	" (SELECT w.sha256 FROM job_writes w WHERE w.job_id = j.id ORDER BY w.id DESC LIMIT 1),"
	" (SELECT b.id FROM backups b WHERE b.job_id = j.id ORDER BY b.id DESC LIMIT 1),"
	" r.backup_id, r.donor_mac, r.target_mac, r.forced,"
	" j.start_ms, j.end_ms, j.result, j.stage, j.err_code, j.err_name, j.err_msg, ";
static const char s_jobs_boot[] =
	", " BOOT_FIELD("result") ", " BOOT_FIELD("rst_cause") ", " BOOT_FIELD("ms");
static const char s_jobs_from[] =
	" FROM jobs j JOIN stations s ON s.id = j.station_id"
	" LEFT JOIN devices d ON d.id = j.device_id"
	" LEFT JOIN adapters a ON a.id = j.adapter_id"
	/* a station with several families knows the image per unit: its write */
	" LEFT JOIN images i ON i.id = coalesce(j.image_id, (SELECT w.image_id FROM job_writes w"
	"  WHERE w.job_id = j.id AND w.image_id IS NOT NULL ORDER BY w.id DESC LIMIT 1))"
	" LEFT JOIN restores r ON r.id = (SELECT max(id) FROM restores WHERE job_id = j.id)"
	BOOT_EVENT_JOIN("j.id");

/* An integer field of the event, or `none` where it has none. */
static int64_t col_count(sqlite3_stmt *st, int col, int64_t none)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return none;
	return sqlite3_column_int64(st, col);
}

static int job_row(sqlite3_stmt *st, void *fn, void *user_data)
{
	struct db_audit_job j;

	memset(&j, 0, sizeof j);
	j.id = sqlite3_column_int64(st, 0);
	db_col_text(st, 1, j.station, sizeof j.station);
	db_col_text(st, 2, j.slot, sizeof j.slot);
	db_col_text(st, 3, j.port, sizeof j.port);
	db_col_text(st, 4, j.mode, sizeof j.mode);
	db_col_text(st, 5, j.mac, sizeof j.mac);
	db_col_text(st, 6, j.chip, sizeof j.chip);
	db_col_text(st, 7, j.adapter, sizeof j.adapter);
	db_col_text(st, 8, j.image, sizeof j.image);
	db_col_text(st, 9, j.image_sha256, sizeof j.image_sha256);
	db_col_text(st, 10, j.written_sha256, sizeof j.written_sha256);
	j.backup_id = sqlite3_column_int64(st, 11);
	j.restore_backup_id = sqlite3_column_int64(st, 12);
	db_col_text(st, 13, j.donor_mac, sizeof j.donor_mac);
	db_col_text(st, 14, j.target_mac, sizeof j.target_mac);
	j.restore_forced = sqlite3_column_int(st, 15);
	j.start_ms = sqlite3_column_int64(st, 16);
	j.end_ms = sqlite3_column_int64(st, 17);
	db_col_text(st, 18, j.result, sizeof j.result);
	db_col_text(st, 19, j.stage, sizeof j.stage);
	j.err_code = sqlite3_column_int(st, 20);
	db_col_text(st, 21, j.err_name, sizeof j.err_name);
	db_col_text(st, 22, j.err_msg, sizeof j.err_msg);
	j.clean_proven = sqlite3_column_int(st, 23);
	db_col_text(st, 24, j.family, sizeof j.family);
	db_col_text(st, 25, j.boot_result, sizeof j.boot_result);
	j.boot_rst_cause = (int)col_count(st, 26, -1);
	j.boot_ms = col_count(st, 27, -1);
	return ((db_audit_job_fn *)fn)(user_data, &j);
}

int db_audit_jobs(struct db *db, const struct db_audit_filter *f, db_audit_job_fn *fn,
		  void *user_data)
{
	struct where w;
	sqlite3_stmt *st;
	char *sql;
	int r;

	r = where_build(db, f, &w, "d.mac", "s.name", "j.slot", "j.result", "j.start_ms", 1);
	if (r)
		return r;
	sql = sqlite3_mprintf("%s%s, %s%s%s%s ORDER BY j.start_ms DESC, j.id DESC", s_jobs_sql,
			      db->version >= 2
			      ? "coalesce(j.clean_proven, " DB_CLEAN_FROM_EVENTS("j.id") ")"
			      : DB_CLEAN_FROM_EVENTS("j.id"),
			      db_family_column(db), s_jobs_boot, s_jobs_from, w.sql);
	if (!sql)
		return db_fail(db, -ENOMEM, "list jobs: out of memory");
	r = db_prep(db, &st, sql, "list jobs");
	sqlite3_free(sql);
	if (r)
		return r;
	where_bind(&w, st);
	return each_row(db, st, job_row, (void *)fn, user_data, "list jobs");
}

int db_audit_boot(struct db *db, int64_t job_id, struct db_audit_boot *ret)
{
	sqlite3_stmt *st;
	int r, rc;

	memset(ret, 0, sizeof *ret);
	r = db_prep(db, &st,
		    "SELECT be.id, be.ts_ms, " BOOT_FIELD("result") ", " BOOT_FIELD("quiet_ok") ", "
		    BOOT_FIELD("rst_cause") ", " BOOT_FIELD("boot_mode") ", " BOOT_FIELD("banners")
		    ", " BOOT_FIELD("app_bytes") ", " BOOT_FIELD("ms") ", " BOOT_FIELD("why") ", "
		    BOOT_FIELD("log") " FROM jobs j" BOOT_EVENT_JOIN("j.id")
		    " WHERE j.id = ?1 AND be.id IS NOT NULL",
		    "read boot check");
	if (r)
		return r;
	sqlite3_bind_int64(st, 1, job_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret->job_id = job_id;
		ret->event_id = sqlite3_column_int64(st, 0);
		ret->at_ms = sqlite3_column_int64(st, 1);
		db_col_text(st, 2, ret->result, sizeof ret->result);
		ret->quiet_ok = sqlite3_column_int(st, 3) != 0;
		ret->rst_cause = (int)col_count(st, 4, -1);
		ret->boot_mode = (int)col_count(st, 5, -1);
		ret->banners = col_count(st, 6, -1);
		ret->app_bytes = col_count(st, 7, -1);
		ret->ms = col_count(st, 8, -1);
		db_col_text(st, 9, ret->why, sizeof ret->why);
		db_col_text(st, 10, ret->log, sizeof ret->log);
	} else if (rc == SQLITE_DONE) {
		r = db_fail(db, -ENOENT, "job %lld recorded no boot check", (long long)job_id);
	} else {
		r = db_fail_sqlite(db, rc, "read boot check");
	}
	sqlite3_finalize(st);
	return r;
}

static int stage_row(sqlite3_stmt *st, void *fn, void *user_data)
{
	struct db_audit_stage s;

	memset(&s, 0, sizeof s);
	db_col_text(st, 0, s.stage, sizeof s.stage);
	db_col_text(st, 1, s.outcome, sizeof s.outcome);
	s.start_ms = sqlite3_column_int64(st, 2);
	s.duration_ms = sqlite3_column_int64(st, 3);
	s.bytes = (uint64_t)sqlite3_column_int64(st, 4);
	s.err_code = sqlite3_column_int(st, 5);
	db_col_text(st, 6, s.err_name, sizeof s.err_name);
	db_col_text(st, 7, s.err_msg, sizeof s.err_msg);
	return ((db_audit_stage_fn *)fn)(user_data, &s);
}

int db_audit_stages(struct db *db, int64_t job_id, db_audit_stage_fn *fn, void *user_data)
{
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, &st,
		    "SELECT stage, outcome, start_ms, end_ms - start_ms, bytes, err_code, err_name,"
		    " err_msg FROM job_stages WHERE job_id = ?1 ORDER BY id",
		    "list stages");
	if (r)
		return r;
	sqlite3_bind_int64(st, 1, job_id);
	return each_row(db, st, stage_row, (void *)fn, user_data, "list stages");
}

/* ---- backups ------------------------------------------------------------ */

/* after the backup columns of the connection's schema (a v1 file's
 * provenance comes from its history) and the station, slot and family */
#define AUDIT_BACKUP_FROM                                                                \
	" FROM backups b JOIN devices d ON d.id = b.device_id"                              \
	" LEFT JOIN jobs j ON j.id = b.job_id LEFT JOIN stations s ON s.id = j.station_id"

static void backup_read(sqlite3_stmt *st, struct db_audit_backup *row)
{
	db_backup_read(st, &row->b);
	db_col_text(st, DB_BACKUP_NCOLS, row->station, sizeof row->station);
	db_col_text(st, DB_BACKUP_NCOLS + 1, row->slot, sizeof row->slot);
	db_col_text(st, DB_BACKUP_NCOLS + 2, row->family, sizeof row->family);
}

static int backup_row(sqlite3_stmt *st, void *fn, void *user_data)
{
	struct db_audit_backup row;

	memset(&row, 0, sizeof row);
	backup_read(st, &row);
	return ((db_audit_backup_fn *)fn)(user_data, &row);
}

int db_audit_backups(struct db *db, const struct db_audit_filter *f, db_audit_backup_fn *fn,
		     void *user_data)
{
	struct where w;
	sqlite3_stmt *st;
	char *sql;
	int r;

	r = where_build(db, f, &w, "d.mac", "s.name", "j.slot", NULL, "b.created_ms", 1);
	if (r)
		return r;
	sql = sqlite3_mprintf("SELECT %s, s.name, j.slot, %s" AUDIT_BACKUP_FROM "%s"
			      " ORDER BY b.id DESC",
			      db_backup_columns(db), db_family_column(db), w.sql);
	if (!sql)
		return db_fail(db, -ENOMEM, "list backups: out of memory");
	r = db_prep(db, &st, sql, "list backups");
	sqlite3_free(sql);
	if (r)
		return r;
	where_bind(&w, st);
	return each_row(db, st, backup_row, (void *)fn, user_data, "list backups");
}

/* ---- summaries ---------------------------------------------------------- */

/* The group key of a job: its slot, its adapter (VID:PID and serial, or
 * ID_PATH for adapters without a serial), or its unit's family ('' when
 * unknown or no unit was found). */
#define KEY_SLOT "j.slot"
#define KEY_ADAPTER                                                  \
	"printf('%04x:%04x %s', a.vid, a.pid,"                       \
	" CASE WHEN a.usb_serial <> '' THEN a.usb_serial ELSE a.id_path END)"
/* A slot or an adapter's key named by its station ("bench-a/1") when the
 * file holds several (the central store's snapshot): slot "1" of two
 * benches, or two racks wired alike (same ID_PATH), are different places.
 * One station's file keeps the bare key. */
#define KEY_OF_STATION(key)                                             \
	"CASE WHEN (SELECT count(*) FROM stations) > 1"                 \
	" THEN s.name || '/' || " key " ELSE " key " END"

static int group_row(sqlite3_stmt *st, void *fn, void *user_data)
{
	struct db_audit_group g;

	memset(&g, 0, sizeof g);
	db_col_text(st, 0, g.key, sizeof g.key);
	db_col_text(st, 1, g.kind, sizeof g.kind);
	g.jobs = sqlite3_column_int64(st, 2);
	g.passed = sqlite3_column_int64(st, 3);
	g.failed = sqlite3_column_int64(st, 4);
	g.open = sqlite3_column_int64(st, 5);
	g.mean_cycle_ms = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 6);
	db_col_text(st, 7, g.causes, sizeof g.causes);
	return ((db_audit_group_fn *)fn)(user_data, &g);
}

int db_audit_summary(struct db *db, enum db_audit_by by, const struct db_audit_filter *f,
		     db_audit_group_fn *fn, void *user_data)
{
	struct db_audit_filter ff = {0};
	char sql[4096], inner[2048], family_key[128];
	const char *key = KEY_SLOT, *join = "";
	struct where w;
	sqlite3_stmt *st;
	int r;

	/* a station filter asks about one station: its bare slot names */
	int one_station = f && f->station;
	if (by == DB_AUDIT_BY_SLOT && !one_station)
		key = KEY_OF_STATION(KEY_SLOT);
	if (by == DB_AUDIT_BY_ADAPTER)
		key = one_station ? KEY_ADAPTER : KEY_OF_STATION(KEY_ADAPTER);
	if (by == DB_AUDIT_BY_FAMILY) {
		snprintf(family_key, sizeof family_key, "coalesce(%s, '')", db_family_column(db));
		key = family_key;
	}
	if (f) {
		ff.station = f->station;
		ff.since_ms = f->since_ms;
		ff.family = f->family;
	}
	r = where_build(db, &ff, &w, NULL, "s.name", NULL, NULL, "j.start_ms", 1);
	if (r)
		return r;
	if (by == DB_AUDIT_BY_ADAPTER)
		where_add(&w, "j.adapter_id IS NOT NULL");
	if (by == DB_AUDIT_BY_BOOT) {
		/* only the jobs that ran the check */
		key = "coalesce(" BOOT_FIELD("result") ", '')";
		join = BOOT_EVENT_JOIN("j.id");
		where_add(&w, "be.id IS NOT NULL");
	}
	/* the jobs of the filter, each with its group key and cause */
	snprintf(inner, sizeof inner,
		 "SELECT %s AS k, %s AS kind, j.result AS result, j.end_ms - j.start_ms AS cycle,"
		 " coalesce(nullif(j.err_name, ''), j.result) AS cause"
		 " FROM jobs j JOIN stations s ON s.id = j.station_id"
		 " LEFT JOIN adapters a ON a.id = j.adapter_id"
		 " LEFT JOIN devices d ON d.id = j.device_id%s%s",
		 key, by == DB_AUDIT_BY_ADAPTER ? "a.kind" : "''", join, w.sql);
	snprintf(sql, sizeof sql,
		 "WITH f AS (%s),"
		 " c AS (SELECT k, cause, count(*) AS n FROM f"
		 "       WHERE result IS NOT NULL AND result <> 'passed' GROUP BY k, cause),"
		 " r AS (SELECT k, cause, n, row_number() OVER"
		 "       (PARTITION BY k ORDER BY n DESC, cause) AS rank FROM c)"
		 " SELECT f.k, group_concat(DISTINCT f.kind), count(*),"
		 "  sum(f.result = 'passed'), sum(f.result IS NOT NULL AND f.result <> 'passed'),"
		 "  sum(f.result IS NULL),"
		 "  CAST(round(avg(CASE WHEN f.result = 'passed' THEN f.cycle END)) AS INTEGER),"
		 "  (SELECT group_concat(cause || ' ' || n, ', ') FROM"
		 "    (SELECT cause, n FROM r WHERE r.k = f.k AND rank <= 3 ORDER BY rank))"
		 " FROM f GROUP BY f.k ORDER BY f.k",
		 inner);
	r = db_prep(db, &st, sql, "summarise jobs");
	if (r)
		return r;
	where_bind(&w, st);
	return each_row(db, st, group_row, (void *)fn, user_data, "summarise jobs");
}
