/* SPDX-License-Identifier: MIT */
/* Jobs, their stages and written ranges, and the journal.  Every change is
 * journalled in the same transaction, with the event built by SQL from the
 * row just written, so the journal cannot disagree with the tables.  The
 * open-job check and the journal helper are shared with db_backup.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db_priv.h"

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

static int check_stage_name(struct db *db, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 32)
		return db_fail(db, -EINVAL, "stage name: 1 to 32 characters expected");
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return db_fail(db, -EINVAL, "stage name \"%.40s\": only a-z, 0-9 and _", s);
	return 0;
}

static int check_err(struct db *db, int code, const char *name, const char *msg)
{
	int r;

	if ((r = db_check_text(db, name, 63, 1, "error name")))
		return r;
	/* messages may span lines (a cause, then the fix) */
	if (msg && strlen(msg) > 4000)
		return db_fail(db, -EINVAL, "error message: longer than 4000 bytes");
	if (code == 0 && name && *name)
		return db_fail(db, -EINVAL, "error name \"%.40s\" given with code 0", name);
	return 0;
}

static const char s_job_begin_event[] =
	"INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
	" SELECT id, ?2, ?3, 'job.begin',"
	"  json_object('station_id', station_id, 'slot', slot, 'port', port, 'adapter_id', adapter_id,"
	"   'mode', mode, 'image_id', image_id, 'pid', pid, 'start_ms', start_ms)"
	" FROM jobs WHERE id = ?1";

int db_job_begin(struct db *db, const struct db_job_start *js, int64_t *ret_id)
{
	sqlite3_stmt *st;
	int r;

	if (js->station_id <= 0)
		return db_fail(db, -EINVAL, "job: no station id");
	if ((r = db_check_text(db, js->slot, 32, 1, "job slot")) ||
	    (r = db_check_text(db, js->port, 255, 1, "job port")))
		return r;
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_check_enum(db, "job_modes", js->mode, "job mode");
	if (r == 0)
		r = db_prep(db, &st,
			    "INSERT INTO jobs (station_id, slot, port, adapter_id, mode, image_id,"
			    "                  pid, start_ms)"
			    " VALUES (?1, ?2, ?8, ?3, ?4, ?5, ?6, ?7) RETURNING id",
			    "begin job");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, js->station_id);
		sqlite3_bind_text(st, 2, js->slot ? js->slot : "", -1, SQLITE_TRANSIENT);
		db_bind_id(st, 3, js->adapter_id);
		sqlite3_bind_text(st, 4, js->mode, -1, SQLITE_TRANSIENT);
		db_bind_id(st, 5, js->image_id);
		sqlite3_bind_int(st, 6, js->pid ? js->pid : (int)getpid());
		sqlite3_bind_int64(st, 7, db_now_ms(db));
		sqlite3_bind_text(st, 8, js->port ? js->port : "", -1, SQLITE_TRANSIENT);
		r = db_step_id(db, st, ret_id, "begin job");
	}
	if (r == 0)
		r = db_journal(db, s_job_begin_event, *ret_id, "journal job.begin");
	return db_tx_end(db, r);
}

/* Inside a transaction: checks the job is open and reads one integer of its
 * row (sql selects it by ?1 = job id) into *ret; a value set once. */
static int job_value(struct db *db, int64_t job_id, const char *sql, int64_t *ret,
		     const char *what)
{
	sqlite3_stmt *st;
	int r = db_job_check_open(db, job_id, what);

	if (r == 0)
		r = db_prep(db, &st, sql, what);
	if (r == 0) {
		sqlite3_bind_int64(st, 1, job_id);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*ret = sqlite3_column_int64(st, 0);
		else
			r = db_fail_sqlite(db, rc, what);
		sqlite3_finalize(st);
	}
	return r;
}

int db_job_set_device(struct db *db, int64_t job_id, int64_t device_id)
{
	sqlite3_stmt *st;
	int64_t cur = 0;
	int r;

	if (device_id <= 0)
		return db_fail(db, -EINVAL, "job %lld: no device id", (long long)job_id);
	r = db_tx_begin(db);
	if (r)
		return r;
	r = job_value(db, job_id, "SELECT device_id FROM jobs WHERE id = ?1", &cur, "set job device");
	if (r == 0 && cur == device_id)
		return db_tx_end(db, 0);
	if (r == 0 && cur != 0)
		r = db_fail(db, -EPERM, "job %lld already belongs to device %lld, not %lld",
			    (long long)job_id, (long long)cur, (long long)device_id);
	if (r == 0)
		r = db_prep(db, &st, "UPDATE jobs SET device_id = ?2 WHERE id = ?1",
			    "set job device");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, job_id);
		sqlite3_bind_int64(st, 2, device_id);
		r = db_step_done(db, st, "set job device");
	}
	if (r == 0)
		r = db_journal(db,
			       "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
			       " SELECT j.id, ?2, ?3, 'job.device',"
			       "  json_object('device_id', d.id, 'mac', d.mac, 'chip', d.chip,"
			       "   'flash_id', d.flash_id, 'flash_size', d.flash_size)"
			       " FROM jobs j JOIN devices d ON d.id = j.device_id WHERE j.id = ?1",
			       job_id, "journal job.device");
	return db_tx_end(db, r);
}

int db_job_stage_begin(struct db *db, int64_t job_id, const char *stage)
{
	sqlite3_stmt *st;
	int r;

	if ((r = check_stage_name(db, stage)))
		return r;
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_job_check_open(db, job_id, "begin stage");
	if (r == 0)
		r = db_prep(db, &st, "UPDATE jobs SET stage = ?2 WHERE id = ?1", "begin stage");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, job_id);
		sqlite3_bind_text(st, 2, stage, -1, SQLITE_TRANSIENT);
		r = db_step_done(db, st, "begin stage");
	}
	if (r == 0)
		r = db_journal(db,
			       "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
			       " SELECT id, ?2, ?3, 'stage.begin', json_object('stage', stage)"
			       " FROM jobs WHERE id = ?1",
			       job_id, "journal stage.begin");
	return db_tx_end(db, r);
}

int db_job_stage(struct db *db, int64_t job_id, const struct db_stage *s)
{
	sqlite3_stmt *st;
	int64_t row = 0;
	int r;

	if ((r = check_stage_name(db, s->stage)) ||
	    (r = check_err(db, s->err_code, s->err_name, s->err_msg)))
		return r;
	if (s->bytes > INT64_MAX)
		return db_fail(db, -EINVAL, "stage %s: byte count out of range", s->stage);
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_job_check_open(db, job_id, "record stage");
	if (r == 0)
		r = db_check_enum(db, "stage_outcomes", s->outcome, "stage outcome");
	if (r == 0)
		r = db_prep(db, &st,
			    "INSERT INTO job_stages (job_id, stage, outcome, start_ms, end_ms, bytes,"
			    "                        err_code, err_name, err_msg)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
			    "record stage");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, job_id);
		sqlite3_bind_text(st, 2, s->stage, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, s->outcome, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, s->start_ms);
		sqlite3_bind_int64(st, 5, s->end_ms);
		sqlite3_bind_int64(st, 6, (int64_t)s->bytes);
		sqlite3_bind_int(st, 7, s->err_code);
		db_bind_text_or_null(st, 8, s->err_name);
		db_bind_text_or_null(st, 9, s->err_msg);
		r = db_step_id(db, st, &row, "record stage");
	}
	/* the job row names the stage touched last, begun or recorded */
	if (r == 0)
		r = db_prep(db, &st, "UPDATE jobs SET stage = ?2 WHERE id = ?1", "record stage");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, job_id);
		sqlite3_bind_text(st, 2, s->stage, -1, SQLITE_TRANSIENT);
		r = db_step_done(db, st, "record stage");
	}
	if (r == 0)
		r = db_journal(db,
			       "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
			       " SELECT job_id, ?2, ?3, 'stage.end',"
			       "  json_object('stage_row', id, 'stage', stage, 'outcome', outcome,"
			       "   'start_ms', start_ms, 'end_ms', end_ms, 'bytes', bytes,"
			       "   'err_code', err_code, 'err_name', err_name, 'err_msg', err_msg)"
			       " FROM job_stages WHERE id = ?1",
			       row, "journal stage.end");
	return db_tx_end(db, r);
}

int db_job_write(struct db *db, int64_t job_id, const struct db_write *w, int64_t *ret_id)
{
	char sha[65], md5[33];
	sqlite3_stmt *st;
	int r;

	if ((r = db_hex_normalize(db, w->sha256, 64, sha, "written SHA-256")) ||
	    (r = db_hex_normalize(db, w->md5, 32, md5, "written MD5")))
		return r;
	if (w->size > INT64_MAX)
		return db_fail(db, -EINVAL, "write: size out of range");
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_job_check_open(db, job_id, "record write");
	if (r == 0)
		r = db_prep(db, &st,
			    "INSERT INTO job_writes (job_id, addr, size, image_id, backup_id, sha256,"
			    "                        md5, patched, created_ms)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
			    "record write");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, job_id);
		sqlite3_bind_int64(st, 2, w->addr);
		sqlite3_bind_int64(st, 3, (int64_t)w->size);
		db_bind_id(st, 4, w->image_id);
		db_bind_id(st, 5, w->backup_id);
		sqlite3_bind_text(st, 6, sha, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, md5, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 8, w->patched ? 1 : 0);
		sqlite3_bind_int64(st, 9, db_now_ms(db));
		r = db_step_id(db, st, ret_id, "record write");
	}
	if (r == 0)
		r = db_journal(db,
			       "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
			       " SELECT job_id, ?2, ?3, 'write',"
			       "  json_object('write_id', id, 'addr', addr, 'size', size,"
			       "   'image_id', image_id, 'backup_id', backup_id, 'sha256', sha256,"
			       "   'md5', md5, 'patched', patched)"
			       " FROM job_writes WHERE id = ?1",
			       *ret_id, "journal write");
	return db_tx_end(db, r);
}

int db_job_set_clean_proven(struct db *db, int64_t job_id, int proven, const char *json)
{
	sqlite3_stmt *st;
	int64_t cur = -1;
	int r, rc;

	if (proven != 0 && proven != 1)
		return db_fail(db, -EINVAL, "job %lld: clean proof must be 0 or 1, not %d",
			       (long long)job_id, proven);
	if (json) {
		r = db_prep(db, &st, "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) = 'object'"
			    " ELSE 0 END", "record clean proof");
		if (r)
			return r;
		sqlite3_bind_text(st, 1, json, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		r = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		sqlite3_finalize(st);
		if (r != 1)
			return db_fail(db, -EINVAL, "clean proof of job %lld: details are not a JSON"
				       " object: %.80s", (long long)job_id, json);
	}
	r = db_tx_begin(db);
	if (r)
		return r;
	r = job_value(db, job_id, "SELECT coalesce(clean_proven, -1) FROM jobs WHERE id = ?1", &cur,
		      "record clean proof");
	if (r == 0 && cur == proven)
		return db_tx_end(db, 0);
	if (r == 0 && cur != -1)
		r = db_fail(db, -EPERM, "job %lld: clean proof already recorded as %s",
			    (long long)job_id, cur ? "proven" : "failed");
	if (r == 0)
		r = db_prep(db, &st, "UPDATE jobs SET clean_proven = ?2 WHERE id = ?1",
			    "record clean proof");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, job_id);
		sqlite3_bind_int(st, 2, proven);
		r = db_step_done(db, st, "record clean proof");
	}
	/* the event carries the caller's details, with the verdict */
	if (r == 0)
		r = db_prep(db, &st,
			    "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
			    " SELECT id, ?2, ?3, CASE clean_proven WHEN 1 THEN 'clean.proven'"
			    "  ELSE 'clean.failed' END,"
			    "  json_set(coalesce(?4, '{}'), '$.clean_proven', clean_proven)"
			    " FROM jobs WHERE id = ?1",
			    "journal clean proof");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, job_id);
		db_bind_now(db, st, 2, 3);
		db_bind_text(st, 4, json);
		r = db_step_done(db, st, "journal clean proof");
	}
	return db_tx_end(db, r);
}

/* Journals job.end for every job the WHERE clause selects, then closes
 * them with the same values and the same instant.  ?1 is the job or
 * station id. */
/* A job closed from outside (unplugged, crashed, interrupted) was inside a
 * stage that never recorded its end: record it now, from its stage.begin
 * event to the close, with the job's error, so the job shows where it
 * stopped.  Journalled like every stage row. */
static int close_open_stage(struct db *db, const char *where, int64_t id,
			    const struct db_job_end *e, int64_t now, const char *utc)
{
	char sql[1024];
	sqlite3_stmt *st;
	int64_t last = 0;
	int r;

	if (strcmp(e->result, "passed") == 0)
		return 0;
	r = db_prep(db, &st, "SELECT coalesce(max(id), 0) FROM job_stages", "close stage");

	if (r == 0)
		r = db_step_id(db, st, &last, "close stage");
	if (r)
		return r;
	snprintf(sql, sizeof sql,
		 "INSERT INTO job_stages (job_id, stage, outcome, start_ms, end_ms, bytes,"
		 " err_code, err_name, err_msg)"
		 " SELECT j.id, json_extract(b.data, '$.stage'), ?3, min(b.ts_ms, ?2), ?2, 0,"
		 "  ?4, ?5, ?6"
		 " FROM (SELECT * FROM jobs WHERE %s) j"
		 " JOIN events b ON b.id = (SELECT max(id) FROM events"
		 "  WHERE job_id = j.id AND type = 'stage.begin')"
		 " WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.job_id = j.id"
		 "  AND x.type = 'stage.end' AND x.id > b.id)",
		 where);
	if ((r = db_prep(db, &st, sql, "close stage")))
		return r;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	/* a stage the station itself stopped was cancelled; any other end failed it */
	sqlite3_bind_text(st, 3, strcmp(e->result, "interrupted") == 0 ||
			  strcmp(e->result, "cancelled") == 0 ? "cancelled" : "failed", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(st, 4, e->err_code);
	db_bind_text_or_null(st, 5, e->err_name);
	db_bind_text_or_null(st, 6, e->err_msg ? e->err_msg : e->result);
	if ((r = db_step_done(db, st, "close stage")))
		return r;
	if ((r = db_prep(db, &st, "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
			 " SELECT job_id, ?2, ?3, 'stage.end',"
			 "  json_object('stage_row', id, 'stage', stage, 'outcome', outcome,"
			 "   'start_ms', start_ms, 'end_ms', end_ms, 'bytes', bytes,"
			 "   'err_code', err_code, 'err_name', err_name, 'err_msg', err_msg)"
			 " FROM job_stages WHERE id > ?1 ORDER BY id", "journal stage.end")))
		return r;
	sqlite3_bind_int64(st, 1, last);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, utc, -1, SQLITE_TRANSIENT);
	return db_step_done(db, st, "journal stage.end");
}

static int close_jobs(struct db *db, const char *where, int64_t id, const struct db_job_end *e,
		      int *ret_count)
{
	char sql[640], utc[40];
	sqlite3_stmt *st;
	int r;

	int64_t now = db_now_ms(db);
	db_time_utc(now, utc, sizeof utc);
	if ((r = close_open_stage(db, where, id, e, now, utc)))
		return r;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0)
			snprintf(sql, sizeof sql,
				 "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
				 " SELECT id, ?2, ?3, 'job.end',"
				 "  json_object('result', ?4, 'stage', coalesce(?5, stage),"
				 "   'err_code', ?6, 'err_name', ?7, 'err_msg', ?8, 'end_ms', ?2)"
				 " FROM jobs WHERE %s ORDER BY id",
				 where);
		else
			snprintf(sql, sizeof sql,
				 "UPDATE jobs SET end_ms = ?2, result = ?4, stage = coalesce(?5, stage),"
				 " err_code = ?6, err_name = ?7, err_msg = ?8 WHERE %s",
				 where);
		r = db_prep(db, &st, sql, "close job");
		if (r)
			return r;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now);
		if (pass == 0)
			sqlite3_bind_text(st, 3, utc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, e->result, -1, SQLITE_TRANSIENT);
		db_bind_text_or_null(st, 5, e->stage);
		sqlite3_bind_int(st, 6, e->err_code);
		db_bind_text_or_null(st, 7, e->err_name);
		db_bind_text_or_null(st, 8, e->err_msg);
		r = db_step_done(db, st, "close job");
		if (r)
			return r;
	}
	if (ret_count)
		*ret_count = sqlite3_changes(db->h);
	return 0;
}

static int check_end(struct db *db, const struct db_job_end *e)
{
	int r;

	if (e->stage && *e->stage && (r = check_stage_name(db, e->stage)))
		return r;
	return check_err(db, e->err_code, e->err_name, e->err_msg);
}

int db_job_finish(struct db *db, int64_t job_id, const struct db_job_end *e)
{
	int r;

	if ((r = check_end(db, e)))
		return r;
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_job_check_open(db, job_id, "finish job");
	if (r == 0)
		r = db_check_enum(db, "job_results", e->result, "job result");
	if (r == 0)
		r = close_jobs(db, "id = ?1", job_id, e, NULL);
	return db_tx_end(db, r);
}

int db_jobs_close_interrupted(struct db *db, int64_t station_id, const struct db_job_end *e,
			      int *ret_count)
{
	int count = 0, r;

	if ((r = check_end(db, e)))
		return r;
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_check_enum(db, "job_results", e->result, "job result");
	if (r == 0)
		r = close_jobs(db, "station_id = ?1 AND end_ms IS NULL", station_id, e, &count);
	r = db_tx_end(db, r);
	if (ret_count)
		*ret_count = r ? 0 : count;
	return r;
}

int db_event(struct db *db, int64_t job_id, const char *type, const char *json,
	     int64_t *ret_id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_check_text(db, type, 64, 0, "event type")))
		return r;
	r = db_tx_begin(db);
	if (r)
		return r;
	if (job_id)
		r = db_job_check_open(db, job_id, "journal event");
	if (r == 0)
		r = db_prep(db, &st,
			    "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
			    " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
			    "journal event");
	if (r == 0) {
		int64_t id = 0;

		db_bind_id(st, 1, job_id);
		db_bind_now(db, st, 2, 3);
		sqlite3_bind_text(st, 4, type, -1, SQLITE_TRANSIENT);
		db_bind_text(st, 5, json);
		r = db_step_id(db, st, &id, "journal event");
		if (r == -EINVAL)
			r = db_fail(db, -EINVAL, "event %.64s: data is not valid JSON", type);
		if (r == 0 && ret_id)
			*ret_id = id;
	}
	return db_tx_end(db, r);
}

int db_job_get(struct db *db, int64_t job_id, struct db_job_row *j)
{
	sqlite3_stmt *st;
	int r, rc;

	memset(j, 0, sizeof *j);
	r = db_prep(db, &st,
		    db->version >= 2
		    ? "SELECT id, station_id, adapter_id, device_id, image_id, slot, mode, pid,"
		      " start_ms, end_ms, result, stage, err_code, err_name, err_msg, port,"
		      " coalesce(clean_proven, " DB_CLEAN_FROM_EVENTS("jobs.id") ")"
		      " FROM jobs WHERE id = ?1"
		    : "SELECT id, station_id, adapter_id, device_id, image_id, slot, mode, pid,"
		      " start_ms, end_ms, result, stage, err_code, err_name, err_msg, port,"
		      " " DB_CLEAN_FROM_EVENTS("jobs.id") " FROM jobs WHERE id = ?1",
		    "read job");
	if (r)
		return r;
	sqlite3_bind_int64(st, 1, job_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		j->id = sqlite3_column_int64(st, 0);
		j->station_id = sqlite3_column_int64(st, 1);
		j->adapter_id = sqlite3_column_int64(st, 2);
		j->device_id = sqlite3_column_int64(st, 3);
		j->image_id = sqlite3_column_int64(st, 4);
		db_col_text(st, 5, j->slot, sizeof j->slot);
		db_col_text(st, 6, j->mode, sizeof j->mode);
		j->pid = sqlite3_column_int(st, 7);
		j->start_ms = sqlite3_column_int64(st, 8);
		j->end_ms = sqlite3_column_int64(st, 9);
		db_col_text(st, 10, j->result, sizeof j->result);
		db_col_text(st, 11, j->stage, sizeof j->stage);
		j->err_code = sqlite3_column_int(st, 12);
		db_col_text(st, 13, j->err_name, sizeof j->err_name);
		db_col_text(st, 14, j->err_msg, sizeof j->err_msg);
		db_col_text(st, 15, j->port, sizeof j->port);
		j->clean_proven = sqlite3_column_int(st, 16);
	} else if (rc == SQLITE_DONE) {
		r = db_fail(db, -ENOENT, "no job %lld", (long long)job_id);
	} else {
		r = db_fail_sqlite(db, rc, "read job");
	}
	sqlite3_finalize(st);
	return r;
}
