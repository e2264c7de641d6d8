/* SPDX-License-Identifier: MIT */
/* The central store (db/central) against a real PostgreSQL, one case per
 * run (pg_test.sh starts a cluster for each): the schema's migrations and
 * append-only rules, shipping twice, crashes of the server between and
 * during calls, a backup altered in the store, two stations and their
 * snapshot, one station name from two benches, a wrong password, a server
 * that is down, a read-only open (an auditor's SELECT-only role, an empty
 * database, older and newer schemas).  Environment from pg_lib.sh: PG_URL, PG_PASSFILE,
 * PG_SUPER_URL, PG_DIR, and PG_LIB (the library, to stop and restart the
 * server from here). */
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <nettle/md5.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "central.h"
#include "central_priv.h"
#include "dbtest.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v) {
		fprintf(stderr, "%s not set: run through pg_test.sh\n", name);
		exit(2);
	}
	return v;
}

/* ---- the server, from the test's side ------------------------------------ */

static void pg_lib(const char *fn)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, ". \"$PG_LIB\" && %s", fn);
	T_REQUIRE(system(cmd) == 0);
}

static PGconn *super(void)
{
	PGconn *pg = PQconnectdb(env("PG_SUPER_URL"));

	T_REQUIRE(PQstatus(pg) == CONNECTION_OK);
	PQclear(PQexec(pg, "SET client_min_messages = warning"));
	return pg;
}

/* The superuser on the espstation database. */
static PGconn *super_db(void)
{
	char url[512];
	const char *s = env("PG_SUPER_URL");
	const char *q = strchr(s, '?');
	PGconn *pg;

	snprintf(url, sizeof url, "postgresql://postgres@/espstation%s", q ? q : "");
	pg = PQconnectdb(url);
	T_REQUIRE(PQstatus(pg) == CONNECTION_OK);
	PQclear(PQexec(pg, "SET client_min_messages = warning"));
	return pg;
}

/* First value of a query as a number (-999 on error, printed). */
static long long q_int(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	long long v = -999;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else
		fprintf(stderr, "query failed: %s: %s", sql, PQerrorMessage(pg));
	PQclear(res);
	return v;
}

static char *q_text(PGconn *pg, char *buf, size_t cap, const char *sql)
{
	PGresult *res = PQexec(pg, sql);

	buf[0] = '\0';
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		snprintf(buf, cap, "%s", PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "query failed: %s: %s", sql, PQerrorMessage(pg));
	PQclear(res);
	return buf;
}

/* SQLSTATE of a statement that should fail ("" when it did not). */
static const char *q_state(PGconn *pg, const char *sql, char state[6])
{
	PGresult *res = PQexec(pg, sql);
	const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	snprintf(state, 6, "%s", PQresultStatus(res) == PGRES_FATAL_ERROR && s ? s : "");
	PQclear(res);
	return state;
}

static struct central *open_central(void)
{
	struct central *c = NULL;
	char err[512];
	int r = central_open(env("PG_URL"), env("PG_PASSFILE"), &c, err, sizeof err);

	if (r)
		fprintf(stderr, "central_open: %d %s\n", r, err);
	T_REQUIRE(r == 0);
	return c;
}

/* Ships until caught up (at most n calls); returns the last result. */
static int ship_all(struct central *c, struct db *db, uint64_t max_bytes, int n,
		    struct central_ship_stats *sum)
{
	struct central_ship_stats st;
	int r = 0;

	if (sum)
		memset(sum, 0, sizeof *sum);
	for (int i = 0; i < n; i++) {
		r = central_ship(c, db, max_bytes, &st);
		if (r < 0) {
			fprintf(stderr, "central_ship: %d %s\n", r, central_errmsg(c));
			return r;
		}
		if (sum) {
			sum->events += st.events;
			sum->rows += st.rows;
			sum->jobs += st.jobs;
			sum->backups += st.backups;
			sum->bytes += st.bytes;
			sum->unshippable += st.unshippable;
		}
		if (r == 1)
			return 1;
	}
	return r;
}

/* ---- a bench: a local database with jobs and backup files ------------------ */

struct bench {
	char dir[512], path[600];
	struct db *db;
	int64_t station, adapter, clock;
	int nfiles;
};

static void bench_open(struct bench *b, const char *name, int64_t start_ms)
{
	struct db_adapter a = {0};

	memset(b, 0, sizeof *b);
	t_mkdtemp(b->dir, sizeof b->dir);
	t_path(b->path, sizeof b->path, b->dir, "station.db");
	b->db = t_open(b->path);
	b->clock = start_ms;
	db_set_clock(b->db, t_clock_step, &b->clock);
	T_REQUIRE(db_station_upsert(b->db, name, &b->station) == 0);
	a.station_id = b->station;
	a.vid = 0x1a86;
	a.pid = 0x7523;
	a.id_path = "pci-0000:00:14.0-usb-0:1.2:1.0";
	a.slot = "1";
	a.kind = "ch340";
	T_REQUIRE(db_adapter_upsert(b->db, &a, &b->adapter) == 0);
}

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* A backup file of size bytes (seeded, incompressible) with its hashes. */
static void backup_file(struct bench *b, size_t size, unsigned seed, char *path, size_t cap,
			char sha[65], char md5[33])
{
	uint8_t *data = malloc(size), d[32];
	uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 7;
	struct sha256_ctx sc;
	struct md5_ctx mc;
	char name[64];
	FILE *f;

	T_REQUIRE(data != NULL);
	for (size_t i = 0; i < size; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		data[i] = (uint8_t)s;
	}
	snprintf(name, sizeof name, "backup-%d.bin", b->nfiles++);
	t_path(path, cap, b->dir, name);
	f = fopen(path, "wb");
	T_REQUIRE(f && fwrite(data, 1, size, f) == size && fclose(f) == 0);
	sha256_init(&sc);
	sha256_update(&sc, size, data);
	sha256_digest(&sc, 32, d);
	hex(d, 32, sha);
	md5_init(&mc);
	md5_update(&mc, size, data);
	md5_digest(&mc, 16, d);
	hex(d, 16, md5);
	free(data);
}

/* A job on the unit mac: detect, backup (of size bytes; 0 = none), and
 * when touch an erase; closed as passed when close.  Returns the job id;
 * *ret_backup the backup's id (0 none). */
static int64_t bench_job(struct bench *b, const char *mac, size_t size, unsigned seed, int touch,
			 int close, int64_t *ret_backup)
{
	struct db_job_start js = {.station_id = b->station, .slot = "1", .adapter_id = b->adapter,
				  .mode = touch ? "refurbish" : "backup", .port = "/dev/ttyUSB0"};
	struct db_device d = {.mac = mac, .chip = "ESP8266EX", .flash_id = 0x1640ef,
			      .flash_size = 1u << 20, .family = "esp8266"};
	struct db_job_end e = {.result = "passed"};
	char path[700], sha[65], md5[33];
	int64_t job, dev, backup = 0;

	T_REQUIRE(db_job_begin(b->db, &js, &job) == 0);
	T_REQUIRE(db_device_seen(b->db, &d, &dev) >= 0);
	T_REQUIRE(db_job_set_device(b->db, job, dev) == 0);
	if (size) {
		struct db_backup bk = {.device_id = dev, .job_id = job, .size = size,
				       .flash_id = 0x1640ef};

		T_REQUIRE(db_job_stage_begin(b->db, job, "backup") == 0);
		backup_file(b, size, seed, path, sizeof path, sha, md5);
		bk.path = path;
		bk.sha256 = sha;
		bk.md5 = md5;
		bk.chip_md5 = md5;
		T_REQUIRE(db_backup_add(b->db, &bk, &backup) == 0);
	}
	if (touch)
		T_REQUIRE(db_job_stage_begin(b->db, job, "erase") == 0);
	if (close)
		T_REQUIRE(db_job_finish(b->db, job, &e) == 0);
	if (ret_backup)
		*ret_backup = backup;
	return job;
}

/* The path of the backup file that backup_file() numbered 3. */
static const char *p2_path(struct bench *b, char *buf, size_t cap)
{
	return t_path(buf, cap, b->dir, "backup-3.bin");
}

static void bench_close(struct bench *b)
{
	db_close(b->db);
	t_rmtree(b->dir);
}

static long long local_count(struct bench *b, const char *sql)
{
	sqlite3 *h = t_raw_open(b->path);
	long long v = t_q_int(h, "%s", sql);

	sqlite3_close(h);
	return v;
}

/* Everything of bench b is in the store exactly once. */
static void check_arrived(PGconn *pg, struct bench *b, const char *name)
{
	char sql[512];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM journal e JOIN stations s ON s.id = "
		 "e.station_id WHERE s.name = '%s'", name);
	T_EQ_INT(q_int(pg, sql), local_count(b, "SELECT count(*) FROM events"));
	snprintf(sql, sizeof sql, "SELECT count(*) FROM station_rows r JOIN stations s ON s.id = "
		 "r.station_id WHERE s.name = '%s' AND tbl = 'jobs'", name);
	T_EQ_INT(q_int(pg, sql), local_count(b, "SELECT count(*) FROM jobs WHERE end_ms IS NOT NULL"));
	snprintf(sql, sizeof sql, "SELECT count(*) FROM station_rows r JOIN stations s ON s.id = "
		 "r.station_id WHERE s.name = '%s' AND tbl = 'backups'", name);
	T_EQ_INT(q_int(pg, sql), local_count(b, "SELECT count(*) FROM backups b JOIN jobs j ON "
					     "j.id = b.job_id WHERE j.end_ms IS NOT NULL"));
	/* every shipped backup has its bytes, and they hash right */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM station_rows r JOIN stations s ON s.id = "
		 "r.station_id LEFT JOIN blobs b ON b.sha256 = r.row->>'sha256' WHERE s.name = '%s'"
		 " AND tbl = 'backups' AND (b.sha256 IS NULL OR encode(sha256(b.data), 'hex') <> "
		 "b.sha256)", name);
	T_EQ_INT(q_int(pg, sql), 0);
}

/* ---- cases ------------------------------------------------------------------ */

/* v1 alone, rows in it, then the migration to the newest: rows intact;
 * two stations migrating a new database at once. */
static void *open_thread(void *arg)
{
	struct central *c = NULL;
	char err[512];
	intptr_t r = central_open((const char *)arg, env("PG_PASSFILE"), &c, err, sizeof err);

	if (r)
		fprintf(stderr, "central_open: %s\n", err);
	central_close(c);
	return (void *)r;
}

static void case_migrate(void)
{
	struct central *c = NULL;
	PGconn *pg;
	char err[512], before[4096], after[4096], url[512];
	const char *dump = "SELECT string_agg(format('%s|%s|%s|%s', station_id, tbl, local_id, "
			   "row_sha256), ',' ORDER BY tbl, local_id) FROM station_rows";
	pthread_t t1, t2;
	void *r1, *r2;

	T_REQUIRE(central_open_at(env("PG_URL"), env("PG_PASSFILE"), 1, &c, err, sizeof err) == 0);
	T_EQ_INT(central_schema_version(c), 1);
	central_close(c);
	pg = super_db();
	T_EQ_INT(q_int(pg, "SELECT max(version) FROM central_schema_log"), 1);
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM pg_class WHERE relname = 'backup_problems'"), 0);
	/* rows of v1 as a station of v1 wrote them */
	PQclear(PQexec(pg, "INSERT INTO stations (name) VALUES ('bench-v1')"));
	T_EQ_INT(q_int(pg, "SELECT central_put_rows(1, 'jobs', '[{\"id\": 1, \"slot\": \"1\", "
			   "\"end_ms\": 5}, {\"id\": 2, \"slot\": \"2\", \"end_ms\": 6}]')"), 2);
	T_EQ_INT(q_int(pg, "SELECT central_put_rows(1, 'devices', '[{\"id\": 1, \"mac\": "
			   "\"5c:cf:7f:00:00:01\", \"last_seen_ms\": 10}]')"), 1);
	T_EQ_INT(q_int(pg, "SELECT central_put_events(1, '[{\"id\": 1, \"ts_ms\": 1, \"ts_utc\": "
			   "\"x\", \"type\": \"job.begin\", \"job_id\": 1, \"data\": \"{}\"}]')"), 1);
	PQclear(PQexec(pg, "INSERT INTO blobs (sha256, size, data) VALUES (encode(sha256('\\x00'::bytea), "
		       "'hex'), 1, '\\x00'::bytea)"));
	q_text(pg, before, sizeof before, dump);
	T_CHECK(before[0] != '\0');

	c = open_central();
	T_EQ_INT(central_schema_version(c), CENTRAL_SCHEMA_VERSION);
	central_close(c);
	q_text(pg, after, sizeof after, dump);
	T_EQ_STR(after, before);
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM journal"), 1);
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM blobs"), 1);
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM central_schema_log"), CENTRAL_SCHEMA_VERSION);
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM central_jobs WHERE station = 'bench-v1'"), 2);
	/* the same again changes nothing */
	c = open_central();
	central_close(c);
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM central_schema_log"), CENTRAL_SCHEMA_VERSION);

	/* two stations at once on a new database: one migrates, the other waits */
	PQfinish(pg);
	pg = super();
	PQclear(PQexec(pg, "CREATE DATABASE espstation_twice OWNER station"));
	PQfinish(pg);
	snprintf(url, sizeof url, "%s", env("PG_URL"));
	snprintf(strrchr(url, '/'), sizeof url - (size_t)(strrchr(url, '/') - url), "/espstation_twice");
	T_REQUIRE(pthread_create(&t1, NULL, open_thread, url) == 0);
	T_REQUIRE(pthread_create(&t2, NULL, open_thread, url) == 0);
	pthread_join(t1, &r1);
	pthread_join(t2, &r2);
	T_EQ_INT((intptr_t)r1, 0);
	T_EQ_INT((intptr_t)r2, 0);
}

/* The triggers refuse what history forbids, for the station's own role. */
static void case_append_only(void)
{
	struct central *c = open_central();
	char pw[128] = "", conninfo[700], st[6];
	PGconn *pg;
	FILE *f = fopen(env("PG_PASSFILE"), "r");

	central_close(c);
	T_REQUIRE(f && fgets(pw, sizeof pw, f));
	fclose(f);
	pw[strcspn(pw, "\n")] = '\0';
	snprintf(conninfo, sizeof conninfo, "dbname=%s password=%s", env("PG_URL"), pw);
	{
		const char *k[] = {"dbname", "password", NULL}, *v[] = {env("PG_URL"), pw, NULL};

		pg = PQconnectdbParams(k, v, 1);
	}
	T_REQUIRE(PQstatus(pg) == CONNECTION_OK);
	PQclear(PQexec(pg, "INSERT INTO stations (name) VALUES ('b')"));
	T_EQ_INT(q_int(pg, "SELECT central_put_rows(1, 'jobs', '[{\"id\": 1, \"end_ms\": 5}]')"), 1);
	T_EQ_INT(q_int(pg, "SELECT central_put_rows(1, 'devices', '[{\"id\": 1, \"mac\": \"m\", "
			   "\"last_seen_ms\": 10, \"family\": null, \"security\": null}]')"), 1);
	T_EQ_INT(q_int(pg, "SELECT central_put_events(1, '[{\"id\": 1, \"ts_ms\": 1, \"ts_utc\": "
			   "\"x\", \"type\": \"t\", \"job_id\": null, \"data\": null}]')"), 1);
	PQclear(PQexec(pg, "INSERT INTO blobs (sha256, size, data) VALUES (encode(sha256('\\x01'::bytea),"
		       " 'hex'), 1, '\\x01'::bytea)"));
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM blobs"), 1);

	T_EQ_STR(q_state(pg, "DELETE FROM journal", st), "ES403");
	T_EQ_STR(q_state(pg, "DELETE FROM station_rows", st), "ES403");
	T_EQ_STR(q_state(pg, "DELETE FROM blobs", st), "ES403");
	T_EQ_STR(q_state(pg, "DELETE FROM stations WHERE name = 'b'", st), "ES403");
	T_EQ_STR(q_state(pg, "TRUNCATE journal", st), "ES403");
	T_EQ_STR(q_state(pg, "UPDATE journal SET type = 'u'", st), "ES403");
	T_EQ_STR(q_state(pg, "UPDATE blobs SET size = size", st), "ES403");
	T_EQ_STR(q_state(pg, "UPDATE central_schema_log SET description = 'x'", st), "ES403");
	T_EQ_STR(q_state(pg, "UPDATE station_rows SET row = row || '{\"end_ms\": 6}' WHERE tbl = 'jobs'",
			 st), "ES403");
	/* a job's other content under its key: a conflict */
	T_EQ_STR(q_state(pg, "SELECT central_put_rows(1, 'jobs', '[{\"id\": 1, \"end_ms\": 6}]')", st),
		 "ES409");
	T_EQ_STR(q_state(pg, "SELECT central_put_events(1, '[{\"id\": 1, \"ts_ms\": 2, \"ts_utc\": "
			 "\"x\", \"type\": \"t\", \"job_id\": null, \"data\": null}]')", st), "ES409");
	/* a device: last_seen forward, family once, security never unset */
	T_EQ_INT(q_int(pg, "SELECT central_put_rows(1, 'devices', '[{\"id\": 1, \"mac\": \"m\", "
			   "\"last_seen_ms\": 12, \"family\": \"esp32\", \"security\": \"\"}]')"), 1);
	T_EQ_STR(q_state(pg, "SELECT central_put_rows(1, 'devices', '[{\"id\": 1, \"mac\": \"m\", "
			 "\"last_seen_ms\": 11, \"family\": \"esp32\", \"security\": \"\"}]')", st), "ES409");
	T_EQ_STR(q_state(pg, "SELECT central_put_rows(1, 'devices', '[{\"id\": 1, \"mac\": \"m\", "
			 "\"last_seen_ms\": 13, \"family\": \"esp8266\", \"security\": \"\"}]')", st),
		 "ES409");
	T_EQ_STR(q_state(pg, "SELECT central_put_rows(1, 'devices', '[{\"id\": 1, \"mac\": \"m\", "
			 "\"last_seen_ms\": 13, \"family\": \"esp32\", \"security\": null}]')", st), "ES409");
	T_EQ_STR(q_state(pg, "SELECT central_put_rows(1, 'devices', '[{\"id\": 1, \"mac\": \"n\", "
			 "\"last_seen_ms\": 13, \"family\": \"esp32\", \"security\": \"\"}]')", st), "ES409");
	T_EQ_INT(q_int(pg, "SELECT central_put_rows(1, 'devices', '[{\"id\": 1, \"mac\": \"m\", "
			   "\"last_seen_ms\": 14, \"family\": \"esp32\", \"security\": "
			   "\"flash_encryption\"}]')"), 1);
	/* the trigger itself, not only central_put_rows: a device's MAC never
	 * changes, its last_seen never goes back */
	T_EQ_STR(q_state(pg, "UPDATE station_rows SET row = jsonb_set(row, '{mac}', '\"z\"') "
			 "WHERE tbl = 'devices'", st), "ES409");
	T_EQ_STR(q_state(pg, "UPDATE station_rows SET row = jsonb_set(row, '{last_seen_ms}', '1') "
			 "WHERE tbl = 'devices'", st), "ES409");
	/* bytes that do not hash to their name never get in */
	T_EQ_STR(q_state(pg, "INSERT INTO blobs (sha256, size, data) VALUES (repeat('0', 64), 1, "
			 "'\\x01'::bytea)", st), "23514");
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM journal"), 1);
	T_EQ_INT(q_int(pg, "SELECT (row->>'last_seen_ms')::int FROM station_rows WHERE tbl = 'devices'"),
		 14);
	PQfinish(pg);
}

/* Ship twice: no duplicates; an open job waits until it is closed. */
static void case_ship(void)
{
	struct central *c = open_central();
	struct central_ship_stats st;
	struct central_backlog bl;
	struct bench b;
	int64_t open_job, bk;
	PGconn *pg = super_db();

	bench_open(&b, "bench-1", 1700000000000);
	bench_job(&b, "5c:cf:7f:00:00:01", 64 << 10, 1, 0, 1, &bk);
	bench_job(&b, "5c:cf:7f:00:00:02", 64 << 10, 2, 1, 1, NULL);
	open_job = bench_job(&b, "5c:cf:7f:00:00:03", 32 << 10, 3, 0, 0, NULL);
	T_REQUIRE(central_backlog(c, b.db, &bl) == 0);
	T_EQ_INT(bl.events, local_count(&b, "SELECT count(*) FROM events"));
	T_EQ_INT(bl.jobs, 2);
	T_EQ_INT(bl.backups, 3);
	T_EQ_INT((long long)bl.backup_bytes, 160 << 10);
	T_CHECK(bl.oldest_ms >= 1700000000000);

	T_EQ_INT(central_ship(c, b.db, 0, &st), 1);
	T_EQ_INT(st.jobs, 2);
	T_EQ_INT(st.backups, 2);
	T_EQ_INT((long long)st.bytes, 128 << 10);
	T_EQ_INT(st.events, local_count(&b, "SELECT count(*) FROM events"));
	T_EQ_INT(st.unshippable, 0);
	check_arrived(pg, &b, "bench-1");
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM station_rows WHERE tbl = 'jobs' AND local_id = "
			   "(SELECT max(local_id) FROM station_rows WHERE tbl = 'jobs')"), 1);
	T_REQUIRE(central_backlog(c, b.db, &bl) == 0);
	T_EQ_INT(bl.events, 0);
	T_EQ_INT(bl.jobs, 0);
	T_EQ_INT(bl.backups, 1);   /* the open job's */

	/* again: nothing new arrives, nothing doubles */
	T_EQ_INT(central_ship(c, b.db, 0, &st), 1);
	T_EQ_INT(st.events + st.jobs + st.backups + (int64_t)st.bytes, 0);
	check_arrived(pg, &b, "bench-1");

	/* the open job closes: it travels now, whole */
	{
		struct db_job_end e = {.result = "failed", .err_code = 3, .err_name = "ESP_E_NOSYNC",
				       .err_msg = "no reply"};
		int r = db_job_finish(b.db, open_job, &e);

		if (r)
			fprintf(stderr, "db_job_finish: %s\n", db_errmsg(b.db));
		T_REQUIRE(r == 0);
	}
	T_EQ_INT(central_ship(c, b.db, 0, &st), 1);
	T_EQ_INT(st.jobs, 1);
	T_EQ_INT(st.backups, 1);
	check_arrived(pg, &b, "bench-1");
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM central_jobs WHERE result = 'failed'"), 1);
	T_REQUIRE(central_backlog(c, b.db, &bl) == 0);
	T_EQ_INT(bl.events + bl.jobs + bl.backups + (int64_t)bl.backup_bytes, 0);

	/* a device seen again moves; a missing file is a problem, not a stop */
	{
		char path[700];

		bench_job(&b, "5c:cf:7f:00:00:01", 16 << 10, 4, 0, 1, &bk);
		snprintf(path, sizeof path, "%s/backup-3.bin", b.dir);
		T_REQUIRE(unlink(path) == 0);
		bench_job(&b, "5c:cf:7f:00:00:04", 16 << 10, 5, 0, 1, NULL);
		T_EQ_INT(central_ship(c, b.db, 0, &st), 1);
		T_EQ_INT(st.unshippable, 1);
		T_HAS_STR(st.problem, "backup-3.bin");
		T_EQ_INT(st.jobs, 2);
		T_EQ_INT(st.backups, 1);
		T_EQ_INT(q_int(pg, "SELECT count(*) FROM backup_problems WHERE resolved_at IS NULL"), 1);
		T_EQ_INT(q_int(pg, "SELECT max((row->>'last_seen_ms')::bigint) FROM station_rows WHERE "
				   "tbl = 'devices' AND row->>'mac' = '5c:cf:7f:00:00:01'"),
			 local_count(&b, "SELECT last_seen_ms FROM devices WHERE mac = '5c:cf:7f:00:00:01'"));
		/* the file comes back: the next call ships it */
		{
			char sha[65], md5[33], p2[700];
			int n = b.nfiles;

			b.nfiles = 3;
			backup_file(&b, 16 << 10, 4, p2, sizeof p2, sha, md5);
			b.nfiles = n;
		}
		/* an altered file (same size) is a problem too, until it is put right */
		{
			FILE *f = fopen(p2_path(&b, path, sizeof path), "r+b");

			T_REQUIRE(f && fseek(f, 100, SEEK_SET) == 0);
			T_REQUIRE(fwrite("\x5a\xa5\x5a\xa5", 1, 4, f) == 4 && fclose(f) == 0);
		}
		T_EQ_INT(central_ship(c, b.db, 0, &st), 1);
		T_EQ_INT(st.unshippable, 1);
		T_HAS_STR(st.problem, "altered");
		T_EQ_INT(q_int(pg, "SELECT count(*) FROM backup_problems WHERE resolved_at IS NULL"), 1);
		{
			char sha[65], md5[33], p2[700];
			int n = b.nfiles;

			b.nfiles = 3;
			backup_file(&b, 16 << 10, 4, p2, sizeof p2, sha, md5);
			b.nfiles = n;
		}
		T_EQ_INT(central_ship(c, b.db, 0, &st), 1);
		T_EQ_INT(st.backups, 1);
		T_EQ_INT(st.unshippable, 0);
		T_EQ_INT(q_int(pg, "SELECT count(*) FROM backup_problems WHERE resolved_at IS NULL"), 0);
		check_arrived(pg, &b, "bench-1");
	}
	PQfinish(pg);
	central_close(c);
	bench_close(&b);
}

/* The server crashes between calls: the rest arrives once it is back. */
static void case_crash_between(void)
{
	struct central *c = open_central();
	struct central_ship_stats st;
	struct bench b;
	PGconn *pg;
	int r;

	bench_open(&b, "bench-1", 1700000000000);
	for (unsigned i = 0; i < 4; i++) {
		char mac[18];

		snprintf(mac, sizeof mac, "5c:cf:7f:00:01:%02x", i);
		bench_job(&b, mac, 256 << 10, i, 0, 1, NULL);
	}
	/* one backup's bytes per call */
	T_EQ_INT(central_ship(c, b.db, 1, &st), 0);
	T_EQ_INT(st.backups, 1);
	pg_lib("pg_stop immediate");
	r = central_ship(c, b.db, 1, &st);
	T_CHECK(r == -ECONNREFUSED || r == -ECONNRESET);
	T_CHECK(strchr(central_errmsg(c), '\n') == NULL);
	pg_lib("pg_restart");
	r = central_ship(c, b.db, 1, &st);
	T_CHECK(r == 0 || r == -ECONNRESET);
	T_EQ_INT(ship_all(c, b.db, 1, 10, NULL), 1);
	pg = super_db();
	check_arrived(pg, &b, "bench-1");
	PQfinish(pg);
	central_close(c);
	bench_close(&b);
}

struct ship_run {
	struct central *c;
	struct db *db;
	int r;
};

static void *ship_thread(void *arg)
{
	struct ship_run *s = arg;
	struct central_ship_stats st;

	s->r = central_ship(s->c, s->db, 0, &st);
	return NULL;
}

/* The server crashes in the middle of a call that carries a big backup:
 * nothing of it stays, and it all arrives once after the restart. */
static void case_crash_during(void)
{
	struct central *c = open_central();
	struct ship_run run = {0};
	struct bench b;
	pthread_t t;
	PGconn *pg, *lock;
	int64_t job;
	long long waiting = 0;

	bench_open(&b, "bench-1", 1700000000000);
	job = bench_job(&b, "5c:cf:7f:00:02:01", 4 << 20, 9, 0, 0, NULL);
	T_EQ_INT(ship_all(c, b.db, 0, 5, NULL), 1);
	{
		struct db_job_end e = {.result = "passed"};

		T_REQUIRE(db_job_finish(b.db, job, &e) == 0);
	}
	/* the journal's INSERT waits on a lock, after the 4 MiB blob went in */
	lock = super_db();
	PQclear(PQexec(lock, "BEGIN"));
	PQclear(PQexec(lock, "LOCK TABLE journal IN SHARE MODE"));
	run.c = c;
	run.db = b.db;
	T_REQUIRE(pthread_create(&t, NULL, ship_thread, &run) == 0);
	pg = super_db();
	for (int i = 0; i < 3000 && waiting == 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		waiting = q_int(pg, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
				"'Lock' AND query LIKE '%central_put_events%'");
		if (!waiting)
			nanosleep(&ts, NULL);
	}
	T_EQ_INT(waiting, 1);
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM blobs"), 0);   /* not committed */
	PQfinish(pg);
	pg_lib("pg_stop immediate");
	pthread_join(t, NULL);
	PQfinish(lock);
	T_CHECK(run.r == -ECONNRESET || run.r == -ECONNREFUSED);
	fprintf(stderr, "cut mid-call: %d %s\n", run.r, central_errmsg(c));
	pg_lib("pg_restart");
	pg = super_db();
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM blobs"), 0);
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM station_rows WHERE tbl = 'backups'"), 0);
	T_EQ_INT(ship_all(c, b.db, 0, 5, NULL), 1);
	check_arrived(pg, &b, "bench-1");
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM blobs"), 1);
	PQfinish(pg);
	central_close(c);
	bench_close(&b);
}

/* A backup altered in the store is refused on the way out. */
static void case_tamper(void)
{
	struct central *c = open_central();
	struct bench b;
	struct db_backup_row row;
	char dest[700], err[512], sql[256];
	unsigned char *got, *want;
	size_t ngot, nwant;
	PGconn *pg;
	int r;

	bench_open(&b, "bench-1", 1700000000000);
	bench_job(&b, "5c:cf:7f:00:03:01", 128 << 10, 11, 0, 1, NULL);
	T_EQ_INT(ship_all(c, b.db, 0, 5, NULL), 1);
	T_REQUIRE(db_backup_latest_verified(b.db, "5c:cf:7f:00:03:01", &row) == 0);
	t_path(dest, sizeof dest, b.dir, "fetched.bin");
	T_EQ_INT(central_fetch_backup(c, row.sha256, dest, err, sizeof err), 0);
	if (err[0])
		fprintf(stderr, "fetch: %s\n", err);
	T_REQUIRE(central_read_file(dest, 1 << 30, &got, &ngot) == 0);
	T_REQUIRE(central_read_file(row.path, 1 << 30, &want, &nwant) == 0);
	T_EQ_MEM(got, ngot, want, nwant);
	free(got);
	free(want);
	T_EQ_INT(central_fetch_backup(c, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				      dest, err, sizeof err), -ENOENT);

	pg = super_db();
	PQclear(PQexec(pg, "ALTER TABLE blobs DISABLE TRIGGER USER"));
	PQclear(PQexec(pg, "ALTER TABLE blobs DROP CONSTRAINT blobs_sha256_matches"));
	snprintf(sql, sizeof sql, "UPDATE blobs SET data = overlay(data placing '\\xff'::bytea from 1000)"
		 " WHERE sha256 = '%s'", row.sha256);
	{
		PGresult *res = PQexec(pg, sql);

		T_EQ_STR(PQcmdTuples(res), "1");
		PQclear(res);
	}
	t_path(dest, sizeof dest, b.dir, "fetched2.bin");
	r = central_fetch_backup(c, row.sha256, dest, err, sizeof err);
	T_EQ_INT(r, -EBADMSG);
	T_HAS_STR(err, row.sha256);
	T_CHECK(access(dest, F_OK) != 0);
	/* station.db (-wal, -shm), backup-0.bin, fetched.bin: no temp file left */
	T_EQ_INT(t_dir_entries(b.dir), 5);
	PQfinish(pg);
	central_close(c);
	bench_close(&b);
}

struct count {
	int jobs, backups;
	char stations[256];
};

static int count_job(void *user, const struct db_audit_job *j)
{
	struct count *n = user;

	n->jobs++;
	if (!strstr(n->stations, j->station)) {
		strcat(n->stations, j->station);
		strcat(n->stations, ",");
	}
	return 0;
}

static int count_backup(void *user, const struct db_audit_backup *b __attribute__((unused)))
{
	((struct count *)user)->backups++;
	return 0;
}

static int find_ours(void *user, const struct db_audit_backup *b)
{
	if (strcmp(b->station, "bench-a") == 0)
		snprintf(user, 16, "%s", b->b.provenance);
	return 0;
}

/* Two stations: the snapshot's audit is the union; a unit backed up on one
 * bench is restored from the store on the other. */
static void case_two_stations(void)
{
	struct central *c = open_central();
	struct bench a, b;
	struct count la = {0}, lb = {0}, all = {0};
	struct db_audit_filter f = {0};
	struct central_backup cb;
	struct db *snap;
	char dir[512], path[700], err[512], why[512], prov[16] = "";
	const char *u = "5c:cf:7f:00:04:01", *v = "5c:cf:7f:00:04:02";

	bench_open(&a, "bench-a", 1700000000000);
	bench_open(&b, "bench-b", 1700000500000);
	/* u: backed up on a (its original), later flashed on b without a backup */
	bench_job(&a, u, 64 << 10, 21, 0, 1, NULL);
	bench_job(&a, "5c:cf:7f:00:04:03", 64 << 10, 22, 1, 1, NULL);
	bench_job(&b, u, 0, 23, 1, 1, NULL);
	/* v: erased on b first, then "original" on a, which did not know */
	bench_job(&b, v, 64 << 10, 24, 1, 1, NULL);
	a.clock = 1700000900000;
	bench_job(&a, v, 64 << 10, 25, 0, 1, NULL);
	T_EQ_INT(ship_all(c, a.db, 0, 5, NULL), 1);
	T_EQ_INT(ship_all(c, b.db, 0, 5, NULL), 1);

	T_REQUIRE(db_audit_jobs(a.db, &f, count_job, &la) == 0);
	T_REQUIRE(db_audit_jobs(b.db, &f, count_job, &lb) == 0);
	T_REQUIRE(db_audit_backups(a.db, &f, count_backup, &la) == 0);
	T_REQUIRE(db_audit_backups(b.db, &f, count_backup, &lb) == 0);
	t_mkdtemp(dir, sizeof dir);
	t_path(path, sizeof path, dir, "snap.db");
	T_EQ_INT(central_snapshot(c, path, NULL, err, sizeof err), 0);
	T_EQ_INT(central_snapshot(c, path, NULL, err, sizeof err), -EEXIST);
	T_REQUIRE(db_open_readonly(path, &snap, err, sizeof err) == 0);
	T_REQUIRE(db_audit_jobs(snap, &f, count_job, &all) == 0);
	T_REQUIRE(db_audit_backups(snap, &f, count_backup, &all) == 0);
	T_EQ_INT(all.jobs, la.jobs + lb.jobs);
	T_EQ_INT(all.backups, la.backups + lb.backups);
	T_HAS_STR(all.stations, "bench-a");
	T_HAS_STR(all.stations, "bench-b");
	{
		struct db_audit_device d;

		T_REQUIRE(db_audit_device(snap, u, &d) == 0);
		T_EQ_INT(d.first_seen_ms < 1700000500000, 1);
		T_EQ_INT(d.last_seen_ms > 1700000500000, 1);
	}
	/* the union knows better: v's backup on a came after b erased v */
	f.mac = v;
	T_REQUIRE(db_audit_backups(snap, &f, find_ours, prov) == 0);
	T_EQ_STR(prov, "ours");
	db_close(snap);

	/* u restored on b from the store: a's original */
	T_EQ_INT(central_restore_choice(c, u, NULL, &cb, why, sizeof why), 0);
	T_EQ_STR(cb.station, "bench-a");
	T_EQ_STR(cb.b.provenance, "original");
	T_HAS_STR(cb.b.path, a.dir);
	T_HAS_STR(why, "original");
	/* v: b's backup taken before b erased it */
	T_EQ_INT(central_restore_choice(c, v, NULL, &cb, why, sizeof why), 0);
	T_EQ_STR(cb.station, "bench-b");
	T_EQ_INT(central_restore_choice(c, "5c:cf:7f:00:04:09", NULL, &cb, why, sizeof why), -ENOENT);
	T_HAS_STR(why, "no backups");
	/* the mac-limited snapshot holds that unit only */
	t_path(path, sizeof path, dir, "snap-u.db");
	T_EQ_INT(central_snapshot(c, path, u, err, sizeof err), 0);
	T_REQUIRE(db_open_readonly(path, &snap, err, sizeof err) == 0);
	memset(&all, 0, sizeof all);
	memset(&f, 0, sizeof f);
	T_REQUIRE(db_audit_jobs(snap, &f, count_job, &all) == 0);
	T_EQ_INT(all.jobs, 2);
	db_close(snap);
	t_rmtree(dir);
	central_close(c);
	bench_close(&a);
	bench_close(&b);
}

/* One station name on two benches: refused, with the fix. */
static void case_conflict(void)
{
	struct central *c = open_central();
	struct bench a, b;
	int r;

	bench_open(&a, "bench-1", 1700000000000);
	bench_open(&b, "bench-1", 1700000777000);
	bench_job(&a, "5c:cf:7f:00:05:01", 8 << 10, 31, 0, 1, NULL);
	bench_job(&b, "5c:cf:7f:00:05:02", 8 << 10, 32, 0, 1, NULL);
	T_EQ_INT(ship_all(c, a.db, 0, 5, NULL), 1);
	r = central_ship(c, b.db, 0, NULL);
	T_EQ_INT(r, -EEXIST);
	T_HAS_STR(central_errmsg(c), "bench-1");
	T_HAS_STR(central_errmsg(c), "give each bench its own station = name");
	T_CHECK(strchr(central_errmsg(c), '\n') == NULL);
	/* nothing of b got in, a's record is whole */
	{
		PGconn *pg = super_db();

		check_arrived(pg, &a, "bench-1");
		PQfinish(pg);
	}
	central_close(c);
	bench_close(&a);
	bench_close(&b);
}

/* Wrong password, a password in the url: refused in one line that does not
 * show it. */
static void case_auth(void)
{
	struct central *c = NULL;
	char dir[512], pwfile[700], err[512], url[512];
	const char *at;
	FILE *f;
	int r;

	t_mkdtemp(dir, sizeof dir);
	t_path(pwfile, sizeof pwfile, dir, "pw");
	f = fopen(pwfile, "w");
	T_REQUIRE(f && fputs("not-the-Passw0rd\n", f) >= 0 && fclose(f) == 0);
	r = central_open(env("PG_URL"), pwfile, &c, err, sizeof err);
	T_EQ_INT(r, -EACCES);
	T_CHECK(c == NULL);
	T_CHECK(strstr(err, "not-the-Passw0rd") == NULL);
	T_CHECK(strchr(err, '\n') == NULL);
	T_HAS_STR(err, "password");
	fprintf(stderr, "wrong password: %s\n", err);

	at = strchr(env("PG_URL"), '@');
	snprintf(url, sizeof url, "postgresql://station:Sekr1t%s", at);
	r = central_open(url, NULL, &c, err, sizeof err);
	T_EQ_INT(r, -EINVAL);
	T_CHECK(strstr(err, "Sekr1t") == NULL);
	T_HAS_STR(err, "password_file");
	snprintf(url, sizeof url, "%s?sslmode=disable&password=Sekr1t", env("PG_URL"));
	T_EQ_INT(central_open(url, NULL, &c, err, sizeof err), -EINVAL);
	T_CHECK(strstr(err, "Sekr1t") == NULL);
	T_EQ_STR(central_url_redacted("postgresql://u:Sekr1t@h:5/d?a=1&password=Sekr1t&b=2", url,
				      sizeof url), "postgresql://u@h:5/d?a=1&b=2");
	T_EQ_INT(central_open("mysql://h/d", NULL, &c, err, sizeof err), -EINVAL);
	/* a missing password file is named */
	t_path(pwfile, sizeof pwfile, dir, "nope");
	T_EQ_INT(central_open(env("PG_URL"), pwfile, &c, err, sizeof err), -EINVAL);
	T_HAS_STR(err, pwfile);
	t_rmtree(dir);
}

/* A server that is down: -ECONNREFUSED at once, not after a timeout. */
static void case_down(void)
{
	struct central *c = NULL;
	struct timespec t0, t1;
	char err[512];
	int r;

	pg_lib("pg_stop fast");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = central_open(env("PG_URL"), env("PG_PASSFILE"), &c, err, sizeof err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T_EQ_INT(r, -ECONNREFUSED);
	T_CHECK(strchr(err, '\n') == NULL);
	T_HAS_STR(err, "127.0.0.1");
	fprintf(stderr, "down: %s (%.3f s)\n", err,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	/* well inside connect_timeout (5 s): refused, not waited out */
	T_CHECK(t1.tv_sec - t0.tv_sec < 4);
}

/* PG_URL with another user and database: "postgresql://USER@127.0.0.1:PORT/DB". */
static const char *url_as(char *buf, size_t cap, const char *user, const char *dbname)
{
	const char *at = strchr(env("PG_URL"), '@'), *slash = strchr(at, '/');

	snprintf(buf, cap, "postgresql://%s@%.*s/%s", user, (int)(slash - at - 1), at + 1, dbname);
	return buf;
}

/* The read-only open: an auditor's role with CONNECT, TEMPORARY and SELECT
 * only reads the whole store (central_open would migrate and be refused);
 * the station's own role opened read-only writes nothing; an empty
 * database is one line naming it; an older schema is read as it is, a
 * newer one refused. */
static void case_readonly(void)
{
	struct central *c = open_central(), *ro = NULL;
	struct bench a, b;
	struct count all = {0};
	struct db_audit_filter f = {0};
	struct central_backup cb;
	struct central_backlog bl;
	struct central_ship_stats ss;
	struct db *snap;
	PGconn *pg;
	FILE *fp;
	char dir[512], path[700], pwfile[700], err[512], why[512], url[512], state[6];
	const char *u = "5c:cf:7f:00:05:01";
	long long stations;

	bench_open(&a, "bench-a", 1700000000000);
	bench_job(&a, u, 64 << 10, 31, 1, 1, NULL);
	bench_job(&a, "5c:cf:7f:00:05:02", 0, 32, 1, 1, NULL);
	T_EQ_INT(ship_all(c, a.db, 0, 5, NULL), 1);
	central_close(c);

	/* the auditor: no CREATE anywhere, PUBLIC's database rights revoked */
	t_mkdtemp(dir, sizeof dir);
	t_path(pwfile, sizeof pwfile, dir, "auditor.pw");
	fp = fopen(pwfile, "w");
	T_REQUIRE(fp && fputs("audit-Pw-1\n", fp) >= 0 && fclose(fp) == 0);
	pg = super_db();
	PQclear(PQexec(pg, "CREATE ROLE auditor LOGIN PASSWORD 'audit-Pw-1'"));
	PQclear(PQexec(pg, "REVOKE ALL ON DATABASE espstation FROM PUBLIC"));
	PQclear(PQexec(pg, "REVOKE CREATE ON SCHEMA public FROM PUBLIC"));
	PQclear(PQexec(pg, "GRANT CONNECT, TEMPORARY ON DATABASE espstation TO auditor"));
	PQclear(PQexec(pg, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO auditor"));
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM pg_roles WHERE rolname = 'auditor'"), 1);
	url_as(url, sizeof url, "auditor", "espstation");

	/* migrating is not the auditor's to do */
	T_EQ_INT(central_open(url, pwfile, &ro, err, sizeof err), -EACCES);
	fprintf(stderr, "auditor, migrating open: %s\n", err);

	T_EQ_INT(central_open_readonly(url, pwfile, &ro, err, sizeof err), 0);
	if (!ro)
		fprintf(stderr, "auditor, read-only open: %s\n", err);
	T_REQUIRE(ro != NULL);
	T_EQ_INT(central_schema_version(ro), CENTRAL_SCHEMA_VERSION);
	t_path(path, sizeof path, dir, "snap.db");
	T_EQ_INT(central_snapshot(ro, path, NULL, err, sizeof err), 0);
	if (err[0])
		fprintf(stderr, "auditor snapshot: %s\n", err);
	T_REQUIRE(db_open_readonly(path, &snap, err, sizeof err) == 0);
	T_REQUIRE(db_audit_jobs(snap, &f, count_job, &all) == 0);
	T_EQ_INT(all.jobs, 2);
	T_HAS_STR(all.stations, "bench-a");
	db_close(snap);
	T_EQ_INT(central_restore_choice(ro, u, NULL, &cb, why, sizeof why), 0);
	T_EQ_STR(cb.station, "bench-a");
	t_path(path, sizeof path, dir, "fetched.bin");
	T_EQ_INT(central_fetch_backup(ro, cb.b.sha256, path, err, sizeof err), 0);
	T_EQ_INT(central_backlog(ro, a.db, &bl), 0);
	T_EQ_INT(bl.jobs, 0);
	T_EQ_INT(central_ship(ro, a.db, 0, &ss), -EPERM);
	central_close(ro);

	/* the station's own role, read-only (status, restore): a bench that never
	 * shipped is all backlog and is not registered; the session writes nothing */
	bench_open(&b, "bench-b", 1700000500000);
	bench_job(&b, u, 0, 33, 1, 1, NULL);
	stations = q_int(pg, "SELECT count(*) FROM stations");
	T_EQ_INT(central_open_readonly(env("PG_URL"), env("PG_PASSFILE"), &ro, err, sizeof err), 0);
	T_REQUIRE(ro != NULL);
	T_EQ_INT(central_backlog(ro, b.db, &bl), 0);
	T_EQ_INT(bl.jobs, 1);
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM stations"), stations);
	/* 25006: read_only_sql_transaction */
	T_EQ_STR(q_state(ro->pg, "CREATE TABLE not_here (x integer)", state), "25006");
	central_close(ro);

	/* an empty database: one line, and still empty after */
	PQclear(PQexec(pg, "CREATE DATABASE empty OWNER station"));
	PQclear(PQexec(pg, "CREATE DATABASE old OWNER station"));
	PQfinish(pg);
	url_as(url, sizeof url, "station", "empty");
	T_EQ_INT(central_open_readonly(url, env("PG_PASSFILE"), &ro, err, sizeof err), -ENOENT);
	T_CHECK(ro == NULL);
	T_HAS_STR(err, "no espstation central store in database empty");
	T_HAS_STR(err, "fix: let a station ship to it first");
	T_CHECK(strchr(err, '\n') == NULL);
	fprintf(stderr, "empty: %s\n", err);
	snprintf(path, sizeof path, "postgresql://postgres@/empty%s", strchr(env("PG_SUPER_URL"), '?'));
	pg = PQconnectdb(path);
	T_REQUIRE(PQstatus(pg) == CONNECTION_OK);
	T_EQ_INT(q_int(pg, "SELECT count(*) FROM pg_class WHERE relname = 'central_schema_log'"), 0);
	PQfinish(pg);

	/* an older schema (v1) is read as it is, not migrated; a newer one refused */
	url_as(url, sizeof url, "station", "old");
	T_REQUIRE(central_open_at(url, env("PG_PASSFILE"), 1, &c, err, sizeof err) == 0);
	central_close(c);
	T_EQ_INT(central_open_readonly(url, env("PG_PASSFILE"), &ro, err, sizeof err), 0);
	T_REQUIRE(ro != NULL);
	T_EQ_INT(central_schema_version(ro), 1);
	t_path(path, sizeof path, dir, "snap-old.db");
	T_EQ_INT(central_snapshot(ro, path, NULL, err, sizeof err), 0);
	central_close(ro);
	snprintf(path, sizeof path, "postgresql://postgres@/old%s", strchr(env("PG_SUPER_URL"), '?'));
	pg = PQconnectdb(path);
	T_REQUIRE(PQstatus(pg) == CONNECTION_OK);
	T_EQ_INT(q_int(pg, "SELECT max(version) FROM central_schema_log"), 1);
	PQclear(PQexec(pg, "INSERT INTO central_schema_log (version, description) VALUES (99, 'x')"));
	PQfinish(pg);
	T_EQ_INT(central_open_readonly(url, env("PG_PASSFILE"), &ro, err, sizeof err), -ENOTSUP);
	T_HAS_STR(err, "newer");

	t_rmtree(dir);
	bench_close(&a);
	bench_close(&b);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} cases[] = {
		{"migrate", case_migrate}, {"append_only", case_append_only}, {"ship", case_ship},
		{"crash_between", case_crash_between}, {"crash_during", case_crash_during},
		{"tamper", case_tamper}, {"two_stations", case_two_stations},
		{"conflict", case_conflict}, {"auth", case_auth}, {"down", case_down},
		{"readonly", case_readonly},
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test_central CASE (through pg_test.sh)\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (strcmp(argv[1], cases[i].name) == 0) {
			cases[i].fn();
			return t_done(argv[1]);
		}
	fprintf(stderr, "no case %s\n", argv[1]);
	return 2;
}
