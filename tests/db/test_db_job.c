/* SPDX-License-Identifier: MIT */
/* Job lifecycle: begin, device, stages, writes, events, finish; a closed
 * job is history (API and SQL both refuse to touch it); start-up recovery
 * closes open jobs; the journal alone replays a job; transactions nest. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dbtest.h"

static char s_dir[256];

/* db_audit_jobs callback: the clean proof of the jobs in user's list */
static int clean_fn(void *user, const struct db_audit_job *job)
{
	struct {
		int64_t id[4];
		int v[4];
	} *seen = user;

	for (int i = 0; i < 4; i++)
		if (seen->id[i] == job->id)
			seen->v[i] = job->clean_proven;
	return 0;
}

static int64_t begin(struct db *db, const struct t_rig *rig, const char *slot, const char *mode)
{
	struct db_job_start js = {.station_id = rig->station, .slot = slot,
				  .adapter_id = rig->adapter, .mode = mode, .port = "/dev/ttyUSB0"};
	int64_t id = 0;

	T_EQ_INT(db_job_begin(db, &js, &id), 0);
	return id;
}

static void check_lifecycle(struct db *db, sqlite3 *h, const struct t_rig *rig, int64_t *clock)
{
	struct db_stage st = {"detect", "ok", 100, 350, 0, 0, NULL, NULL};
	struct db_job_end end = {"passed", NULL, 0, NULL, NULL};
	struct db_write w = {0, 4096, 0, 0, NULL, NULL, 1};
	char sha[65], md5[33], buf[600];
	struct db_job_row j;
	int64_t id, wid, ev1, ev2;

	t_set_case("job lifecycle");
	*clock = 1700000000000LL;
	id = begin(db, rig, "1", "refurbish");
	T_EQ_INT(db_job_get(db, id, &j), 0);
	T_EQ_INT(j.station_id, rig->station);
	T_EQ_INT(j.adapter_id, rig->adapter);
	T_EQ_INT(j.device_id, 0);
	T_EQ_STR(j.slot, "1");
	T_EQ_STR(j.port, "/dev/ttyUSB0");
	T_EQ_STR(j.mode, "refurbish");
	T_EQ_INT(j.pid, getpid());
	T_EQ_INT(j.start_ms, 1700000000000LL);
	T_EQ_INT(j.end_ms, 0);
	T_EQ_STR(j.result, "");
	T_EQ_STR(j.stage, "");

	T_EQ_INT(db_job_stage_begin(db, id, "detect"), 0);
	T_EQ_INT(db_job_get(db, id, &j), 0);
	T_EQ_STR(j.stage, "detect");
	T_EQ_INT(db_job_set_device(db, id, rig->device), 0);
	T_EQ_INT(db_job_set_device(db, id, rig->device), 0);        /* same device: fine */
	T_EQ_INT(db_job_stage(db, id, &st), 0);
	T_EQ_INT(db_job_stage_begin(db, id, "write"), 0);
	w.sha256 = t_hex(sha, 64, 1);
	w.md5 = t_hex(md5, 32, 2);
	T_EQ_INT(db_job_write(db, id, &w, &wid), 0);
	T_CHECK(wid > 0);
	T_EQ_INT(db_event(db, id, "progress", "{\"done\":4096,\"total\":4096}", &ev1), 0);
	T_EQ_INT(db_event(db, id, "note", NULL, &ev2), 0);
	T_CHECK(ev2 > ev1);
	/* the worker dies in "write": the open row says so */
	T_EQ_INT(db_job_get(db, id, &j), 0);
	T_EQ_STR(j.stage, "write");
	T_EQ_INT(j.end_ms, 0);

	st.stage = "write";
	st.outcome = "failed";
	st.err_code = 11;
	st.err_name = "ESP_E_VERIFY";
	st.err_msg = "flash contents do not match\nre-seat the clip";
	T_EQ_INT(db_job_stage(db, id, &st), 0);
	end.result = "failed";
	end.err_code = 11;
	end.err_name = "ESP_E_VERIFY";
	end.err_msg = "verify failed at 0x0";
	T_EQ_INT(db_job_finish(db, id, &end), 0);
	T_EQ_INT(db_job_get(db, id, &j), 0);
	T_EQ_STR(j.result, "failed");
	T_EQ_STR(j.stage, "write");
	T_EQ_INT(j.err_code, 11);
	T_EQ_STR(j.err_name, "ESP_E_VERIFY");
	T_EQ_STR(j.err_msg, "verify failed at 0x0");
	T_CHECK(j.end_ms > j.start_ms);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM job_stages WHERE job_id = %lld", (long long)id), 2);
	T_EQ_STR(t_q_text(h, buf, sizeof buf,
			  "SELECT err_msg FROM job_stages WHERE job_id = %lld AND stage = 'write'",
			  (long long)id),
		 "flash contents do not match\nre-seat the clip");

	/* closed: the API refuses every change ... */
	t_set_case("closed job is history (API)");
	end.result = "passed";
	T_EQ_INT(db_job_finish(db, id, &end), -EALREADY);
	T_HAS_STR(db_errmsg(db), "is closed (failed)");
	T_EQ_INT(db_job_stage_begin(db, id, "verify"), -EALREADY);
	T_EQ_INT(db_job_stage(db, id, &st), -EALREADY);
	T_EQ_INT(db_job_write(db, id, &w, &wid), -EALREADY);
	T_EQ_INT(db_event(db, id, "late", NULL, NULL), -EALREADY);
	T_EQ_INT(db_job_set_device(db, id, rig->device), -EALREADY);
	T_EQ_INT(db_job_get(db, id, &j), 0);
	T_EQ_STR(j.result, "failed");

	/* ... and so does SQL behind its back */
	t_set_case("closed job is history (SQL)");
	T_EQ_INT(t_exec(h, buf, sizeof buf, "UPDATE jobs SET result = 'passed' WHERE id = %lld",
			(long long)id),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(buf, "job is closed");
	T_EQ_INT(t_exec(h, buf, sizeof buf,
			"UPDATE jobs SET end_ms = NULL, result = NULL WHERE id = %lld", (long long)id),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(t_exec(h, buf, sizeof buf,
			"INSERT INTO events (job_id, ts_ms, ts_utc, type) VALUES (%lld, 0, '', 'x')",
			(long long)id),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(buf, "job is closed");
	T_EQ_INT(t_exec(h, buf, sizeof buf,
			"INSERT INTO job_stages (job_id, stage, outcome, start_ms, end_ms)"
			" VALUES (%lld, 'x', 'ok', 0, 0)",
			(long long)id),
		 SQLITE_CONSTRAINT);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT result FROM jobs WHERE id = %lld",
			  (long long)id),
		 "failed");
}

static void check_open_job_rules(struct db *db, sqlite3 *h, const struct t_rig *rig)
{
	struct db_job_start js = {.station_id = rig->station, .slot = "1", .mode = "backup"};
	struct db_stage st = {"detect", "ok", 0, 1, 0, 0, NULL, NULL};
	struct db_job_end end = {"passed", NULL, 0, NULL, NULL};
	struct db_device d = {"5c:cf:7f:00:00:99", "ESP8285", 0x1440c8, 1u << 20, "esp8266", NULL,
			      NULL, NULL};
	int64_t id, other, ev;
	char buf[300];

	t_set_case("open job rules");
	id = begin(db, rig, "2", "backup");
	T_REQUIRE(db_device_seen(db, &d, &other) == 0);
	T_EQ_INT(db_job_set_device(db, id, rig->device), 0);
	T_EQ_INT(db_job_set_device(db, id, other), -EPERM);
	T_HAS_STR(db_errmsg(db), "already belongs to device");
	T_EQ_INT(db_job_set_device(db, id, 0), -EINVAL);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "UPDATE jobs SET device_id = %lld WHERE id = %lld",
			(long long)other, (long long)id),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(buf, "set once");
	T_EQ_INT(t_exec(h, buf, sizeof buf, "UPDATE jobs SET slot = '9' WHERE id = %lld",
			(long long)id),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(buf, "never changes");

	js.mode = "erase-everything";
	T_EQ_INT(db_job_begin(db, &js, &other), -EINVAL);
	T_HAS_STR(db_errmsg(db), "known: ");
	T_HAS_STR(db_errmsg(db), "refurbish");
	js.mode = "backup";
	js.station_id = 999;
	T_EQ_INT(db_job_begin(db, &js, &other), -ENOENT);
	js.station_id = rig->station;
	js.slot = "a-slot-name-that-is-far-too-long-for-the-table";
	T_EQ_INT(db_job_begin(db, &js, &other), -EINVAL);

	st.outcome = "great";
	T_EQ_INT(db_job_stage(db, id, &st), -EINVAL);
	T_HAS_STR(db_errmsg(db), "stage outcome");
	st.outcome = "ok";
	st.stage = "Detect!";
	T_EQ_INT(db_job_stage(db, id, &st), -EINVAL);
	T_EQ_INT(db_job_stage_begin(db, id, ""), -EINVAL);
	st.stage = "detect";
	st.err_name = "ESP_E_TIMEOUT";          /* a name with code 0 is a bug */
	T_EQ_INT(db_job_stage(db, id, &st), -EINVAL);
	T_EQ_INT(db_event(db, id, "bad", "{not json", &ev), -EINVAL);
	T_HAS_STR(db_errmsg(db), "not valid JSON");
	T_EQ_INT(db_event(db, id, "", NULL, &ev), -EINVAL);
	T_EQ_INT(db_event(db, 424242, "x", NULL, &ev), -ENOENT);
	T_EQ_INT(db_job_finish(db, 424242, &end), -ENOENT);
	end.result = "success";
	T_EQ_INT(db_job_finish(db, id, &end), -EINVAL);
	T_HAS_STR(db_errmsg(db), "interrupted");
	end.result = "passed";
	T_EQ_INT(db_job_finish(db, id, &end), 0);
	/* a station-level event needs no job */
	T_EQ_INT(db_event(db, 0, "station.start", "{\"slots\":8}", &ev), 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE id = %lld AND job_id IS NULL",
			 (long long)ev),
		 1);
}

/* The supervisor was killed: at the next start its open jobs are closed
 * as interrupted, each with its own stage, the other station's untouched. */
static void check_close_interrupted(struct db *db, sqlite3 *h, const struct t_rig *rig)
{
	struct db_job_end e = {"interrupted", NULL, 0, NULL, "station restarted"};
	struct db_job_end passed = {"passed", NULL, 0, NULL, NULL};
	struct db_job_start other = {.station_id = 0, .slot = "1", .mode = "backup"};
	int64_t open1, open2, open3, done, theirs, st2;
	struct db_job_row j;
	int n = -1;

	t_set_case("close interrupted");
	T_REQUIRE(db_station_upsert(db, "bench-2", &st2) == 0);
	other.station_id = st2;
	open1 = begin(db, rig, "1", "refurbish");
	open2 = begin(db, rig, "2", "refurbish");
	open3 = begin(db, rig, "3", "backup");
	done = begin(db, rig, "4", "backup");
	T_EQ_INT(db_job_begin(db, &other, &theirs), 0);
	T_EQ_INT(db_job_stage_begin(db, open2, "erase"), 0);
	T_EQ_INT(db_job_finish(db, done, &passed), 0);
	/* everything closed by the earlier checks stays as it was */
	T_EQ_INT(db_jobs_close_interrupted(db, rig->station, &e, &n), 0);
	T_EQ_INT(n, 3);
	T_EQ_INT(db_job_get(db, open1, &j), 0);
	T_EQ_STR(j.result, "interrupted");
	T_EQ_STR(j.stage, "");
	T_EQ_STR(j.err_msg, "station restarted");
	T_EQ_INT(db_job_get(db, open2, &j), 0);
	T_EQ_STR(j.result, "interrupted");
	T_EQ_STR(j.stage, "erase");
	T_EQ_INT(db_job_get(db, open3, &j), 0);
	T_EQ_STR(j.result, "interrupted");
	T_EQ_INT(db_job_get(db, done, &j), 0);
	T_EQ_STR(j.result, "passed");
	T_EQ_INT(db_job_get(db, theirs, &j), 0);
	T_EQ_INT(j.end_ms, 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE type = 'job.end' AND job_id IN"
			    " (%lld, %lld, %lld) AND json_extract(data, '$.result') = 'interrupted'",
			    (long long)open1, (long long)open2, (long long)open3),
		 3);
	/* the stage open2 was in is recorded where it stopped, and journalled;
	 * open1 had begun none */
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM job_stages WHERE job_id = %lld AND stage = 'erase'"
			    " AND outcome = 'cancelled' AND err_msg = 'station restarted'",
			    (long long)open2), 1);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE job_id = %lld AND type = 'stage.end'",
			    (long long)open2), 1);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM job_stages WHERE job_id = %lld",
			    (long long)open1), 0);
	T_EQ_INT(db_jobs_close_interrupted(db, rig->station, &e, &n), 0);
	T_EQ_INT(n, 0);
	/* unplugged mid-write: the write stage is recorded as failed, with the cause;
	 * a stage that recorded its own end gets no second row */
	struct db_job_end unplugged = {"unplugged", NULL, 4, "ESP_E_NODEV", "unplugged during write"};
	struct db_stage det = {"detect", "ok", 100, 200, 0, 0, NULL, NULL};
	int64_t cut = begin(db, rig, "5", "refurbish");
	T_EQ_INT(db_job_stage_begin(db, cut, "detect"), 0);
	T_EQ_INT(db_job_stage(db, cut, &det), 0);
	T_EQ_INT(db_job_stage_begin(db, cut, "write"), 0);
	T_EQ_INT(db_job_finish(db, cut, &unplugged), 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM job_stages WHERE job_id = %lld AND stage = 'write'"
			    " AND outcome = 'failed' AND err_name = 'ESP_E_NODEV'", (long long)cut), 1);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM job_stages WHERE job_id = %lld", (long long)cut), 2);
	/* the reaping supervisor and the worker racing to close one job */
	e.result = "crashed";
	T_EQ_INT(db_jobs_close_interrupted(db, st2, &e, &n), 0);
	T_EQ_INT(n, 1);
	T_EQ_INT(db_job_finish(db, theirs, &passed), -EALREADY);
	e.result = "nonsense";
	T_EQ_INT(db_jobs_close_interrupted(db, st2, &e, &n), -EINVAL);
}

/* Rebuild every job row from the journal alone and compare. */
/* Schema v2: the clean-unit proof of a job, once, journalled with its
 * details; a job that journalled only the event (a station before the
 * column) reads as proven too. */
static void check_clean_proof(struct db *db, sqlite3 *h, const struct t_rig *rig)
{
	struct db_job_end end = {"passed", NULL, 0, NULL, NULL};
	struct db_audit_filter f = {0};
	struct db_job_row j;
	int64_t a, b, c, d;
	char buf[300];

	t_set_case("clean proof");
	a = begin(db, rig, "7", "refurbish");
	T_EQ_INT(db_job_get(db, a, &j), 0);
	T_EQ_INT(j.clean_proven, -1);
	T_EQ_INT(db_job_set_clean_proven(db, a, 2, NULL), -EINVAL);
	T_EQ_INT(db_job_set_clean_proven(db, a, 1, "[1, 2"), -EINVAL);
	T_HAS_STR(db_errmsg(db), "details are not a JSON object");
	T_EQ_INT(db_job_set_clean_proven(db, a, 1, "[1, 2]"), -EINVAL);
	T_EQ_INT(db_job_get(db, a, &j), 0);
	T_EQ_INT(j.clean_proven, -1);
	T_EQ_INT(db_job_set_clean_proven(db, a, 1,
					 "{\"written\": 612336, \"erased_from\": 614400}"), 0);
	T_EQ_INT(db_job_get(db, a, &j), 0);
	T_EQ_INT(j.clean_proven, 1);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE job_id = %lld AND type = 'clean.proven'"
			    " AND json_extract(data, '$.clean_proven') = 1"
			    " AND json_extract(data, '$.erased_from') = 614400", (long long)a),
		 1);
	/* the same again changes nothing; the other verdict is refused */
	T_EQ_INT(db_job_set_clean_proven(db, a, 1, NULL), 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE job_id = %lld AND type LIKE 'clean.%%'",
			 (long long)a),
		 1);
	T_EQ_INT(db_job_set_clean_proven(db, a, 0, NULL), -EPERM);
	T_HAS_STR(db_errmsg(db), "clean proof already recorded as proven");
	T_EQ_INT(db_job_finish(db, a, &end), 0);
	T_EQ_INT(db_job_set_clean_proven(db, a, 1, NULL), -EALREADY);
	T_EQ_INT(db_job_set_clean_proven(db, 999999, 1, NULL), -ENOENT);

	/* a failed proof */
	b = begin(db, rig, "7", "refurbish");
	T_EQ_INT(db_job_set_clean_proven(db, b, 0, NULL), 0);
	T_EQ_INT(db_job_get(db, b, &j), 0);
	T_EQ_INT(j.clean_proven, 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE job_id = %lld AND type = 'clean.failed'"
			    " AND data = '{\"clean_proven\":0}'", (long long)b),
		 1);
	/* the column's own check, for writers that skip the API */
	c = begin(db, rig, "7", "refurbish");
	T_EQ_INT(t_exec(h, buf, sizeof buf, "UPDATE jobs SET clean_proven = 2 WHERE id = %lld",
			(long long)c),
		 SQLITE_CONSTRAINT);
	/* only the event (db_event, as a station before v2 journalled it) */
	d = begin(db, rig, "7", "refurbish");
	T_EQ_INT(db_event(db, d, "clean.proven", "{\"written\": 4096}", NULL), 0);
	T_EQ_INT(db_job_get(db, d, &j), 0);
	T_EQ_INT(j.clean_proven, 1);
	T_EQ_INT(db_job_get(db, c, &j), 0);
	T_EQ_INT(j.clean_proven, -1);
	{
		struct seen {
			int64_t id[4];
			int v[4];
		} seen = {{a, b, c, d}, {-9, -9, -9, -9}};

		f.slot = "7";
		T_EQ_INT(db_audit_jobs(db, &f, clean_fn, &seen), 0);
		T_EQ_INT(seen.v[0], 1);
		T_EQ_INT(seen.v[1], 0);
		T_EQ_INT(seen.v[2], -1);
		T_EQ_INT(seen.v[3], 1);
	}
	for (int64_t *x = (int64_t[]){b, c, d}, k = 0; k < 3; k++)
		T_EQ_INT(db_job_finish(db, x[k], &end), 0);
}

static void check_replay(sqlite3 *h)
{
	char *from_rows, *from_journal;

	t_set_case("replay from the journal");
	from_rows = t_q_dump(h, "SELECT id, station_id, slot, port, adapter_id, device_id, mode, image_id,"
				" pid, start_ms, stage, end_ms, result, err_code, err_name, err_msg"
				" FROM jobs ORDER BY id");
	from_journal = t_q_dump(h,
		"SELECT b.job_id,"
		" json_extract(b.data, '$.station_id'), json_extract(b.data, '$.slot'),"
		" json_extract(b.data, '$.port'),"
		" json_extract(b.data, '$.adapter_id'),"
		" (SELECT json_extract(data, '$.device_id') FROM events WHERE job_id = b.job_id"
		"   AND type = 'job.device' ORDER BY id DESC LIMIT 1),"
		" json_extract(b.data, '$.mode'), json_extract(b.data, '$.image_id'),"
		" json_extract(b.data, '$.pid'), json_extract(b.data, '$.start_ms'),"
		" coalesce(json_extract(e.data, '$.stage'),"
		"  (SELECT json_extract(data, '$.stage') FROM events WHERE job_id = b.job_id"
		"    AND type IN ('stage.begin', 'stage.end') ORDER BY id DESC LIMIT 1), ''),"
		" json_extract(e.data, '$.end_ms'), json_extract(e.data, '$.result'),"
		" coalesce(json_extract(e.data, '$.err_code'), 0), json_extract(e.data, '$.err_name'),"
		" json_extract(e.data, '$.err_msg')"
		" FROM events b LEFT JOIN events e ON e.job_id = b.job_id AND e.type = 'job.end'"
		" WHERE b.type = 'job.begin' ORDER BY b.job_id");
	T_EQ_STR(from_journal, from_rows);
	T_CHECK(strlen(from_rows) > 100);
	free(from_rows);
	free(from_journal);
	/* and the stage rows */
	from_rows = t_q_dump(h, "SELECT job_id, stage, outcome, start_ms, end_ms, bytes, err_code,"
				" err_name, err_msg FROM job_stages ORDER BY id");
	from_journal = t_q_dump(h, "SELECT job_id, json_extract(data, '$.stage'),"
				   " json_extract(data, '$.outcome'), json_extract(data, '$.start_ms'),"
				   " json_extract(data, '$.end_ms'), json_extract(data, '$.bytes'),"
				   " json_extract(data, '$.err_code'), json_extract(data, '$.err_name'),"
				   " json_extract(data, '$.err_msg')"
				   " FROM events WHERE type = 'stage.end' ORDER BY id");
	T_EQ_STR(from_journal, from_rows);
	free(from_rows);
	free(from_journal);
	/* and the clean proofs */
	from_rows = t_q_dump(h, "SELECT id, clean_proven FROM jobs WHERE clean_proven IS NOT NULL"
				" ORDER BY id");
	from_journal = t_q_dump(h, "SELECT job_id, json_extract(data, '$.clean_proven')"
				   " FROM events WHERE type IN ('clean.proven', 'clean.failed')"
				   " AND json_extract(data, '$.clean_proven') IS NOT NULL ORDER BY id");
	T_EQ_STR(from_journal, from_rows);
	T_CHECK(strlen(from_rows) > 0);
	free(from_rows);
	free(from_journal);
	/* ids increase with time; ts_utc is ts_ms in ISO form */
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events a JOIN events b ON b.id = a.id + 1"
			    " WHERE b.ts_ms < a.ts_ms"),
		 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE ts_utc <>"
			    " strftime('%%Y-%%m-%%dT%%H:%%M:%%S', ts_ms / 1000, 'unixepoch')"
			    " || printf('.%%03dZ', ts_ms %% 1000)"),
		 0);
}

static void check_transactions(struct db *db, sqlite3 *h)
{
	int64_t id;

	t_set_case("transactions");
	T_EQ_INT(db_tx_commit(db), -EINVAL);
	db_tx_rollback(db);                               /* nothing open: no-op */
	T_EQ_INT(db_tx_begin(db), 0);
	T_EQ_INT(db_station_upsert(db, "tx-outer", &id), 0);
	T_EQ_INT(db_tx_begin(db), 0);
	T_EQ_INT(db_station_upsert(db, "tx-inner", &id), 0);
	db_tx_rollback(db);
	/* a failing call inside leaves the transaction usable */
	T_EQ_INT(db_station_upsert(db, "", &id), -EINVAL);
	T_EQ_INT(db_event(db, 999999, "x", NULL, NULL), -ENOENT);
	T_EQ_INT(db_station_upsert(db, "tx-outer-2", &id), 0);
	/* nothing is visible outside before the commit */
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM stations WHERE name LIKE 'tx-%%'"), 0);
	T_EQ_INT(db_tx_commit(db), 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM stations WHERE name IN ('tx-outer', 'tx-outer-2')"),
		 2);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM stations WHERE name = 'tx-inner'"), 0);
	T_EQ_INT(db_tx_begin(db), 0);
	T_EQ_INT(db_station_upsert(db, "tx-rolled-back", &id), 0);
	db_tx_rollback(db);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM stations WHERE name = 'tx-rolled-back'"), 0);
	/* closing with a transaction open rolls it back */
	T_EQ_INT(db_tx_begin(db), 0);
	T_EQ_INT(db_station_upsert(db, "tx-at-close", &id), 0);
}

int main(void)
{
	char path[300];
	int64_t clock = 1;
	struct t_rig rig;
	struct db *db;
	sqlite3 *h;

	t_mkdtemp(s_dir, sizeof s_dir);
	t_path(path, sizeof path, s_dir, "station.db");
	db = t_open(path);
	db_set_clock(db, t_clock_step, &clock);
	h = t_raw_open(path);
	t_rig_make(db, &rig, "5c:cf:7f:00:00:01");
	check_lifecycle(db, h, &rig, &clock);
	check_open_job_rules(db, h, &rig);
	check_close_interrupted(db, h, &rig);
	check_clean_proof(db, h, &rig);
	check_replay(h);
	check_transactions(db, h);
	db_close(db);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM stations WHERE name = 'tx-at-close'"), 0);
	sqlite3_close(h);
	t_rmtree(s_dir);
	return t_done("db_job");
}
