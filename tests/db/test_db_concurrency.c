/* SPDX-License-Identifier: MIT */
/* Several processes, each with its own connection, as the station runs:
 *  1. eight processes open the same new file at the same instant (every
 *     worker starting at once): one creates the schema, all succeed;
 *  2. eight worker processes write jobs, stages, events and backups at
 *     once, on shared devices, while a reader queries backups: WAL plus the
 *     busy timeout must serialise them without a single error, and every
 *     row must be there afterwards, exactly once, in a file that passes
 *     integrity_check. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dbtest.h"

#define NPROC 8
#define JOBS 20
#define NMACS 6
#define EVENTS_PER_JOB 9

static char s_dir[256];

#define CHILD_CHECK(call)                                                                \
	do {                                                                             \
		int r_ = (call);                                                         \
		if (r_ < 0) {                                                            \
			fprintf(stderr, "child %d: %s: %d %s\n", (int)getpid(), #call, r_, \
				db_errmsg(db));                                          \
			_exit(10);                                               \
		}                                                                        \
	} while (0)

static void wait_go(int fd)
{
	char c;

	/* returns at EOF: the parent closed its end, everyone starts */
	while (read(fd, &c, 1) > 0)
		;
	close(fd);
}

static void racing_opener(const char *path, int go)
{
	struct db_job_end e = {"passed", NULL, 0, NULL, NULL};
	struct db_job_start js = {.station_id = 0, .slot = "1", .mode = "backup"};
	char err[512];
	struct db *db = NULL;
	int64_t job;

	wait_go(go);
	if (db_open(path, &db, err, sizeof err)) {
		fprintf(stderr, "child %d: db_open: %s\n", (int)getpid(), err);
		_exit(11);
	}
	CHILD_CHECK(db_station_upsert(db, "bench-1", &js.station_id));
	CHILD_CHECK(db_job_begin(db, &js, &job));
	CHILD_CHECK(db_job_finish(db, job, &e));
	db_close(db);
	_exit(0);
}

static void writer(const char *path, int n, int go)
{
	struct db_adapter a = {0, 0x1a86, 0x7523, NULL, NULL, NULL, "ch340"};
	struct db_job_end end = {"passed", NULL, 0, NULL, NULL};
	char err[512], id_path[64], slot[16];
	struct db *db = NULL;
	int64_t station, adapter;

	wait_go(go);
	if (db_open(path, &db, err, sizeof err)) {
		fprintf(stderr, "child %d: db_open: %s\n", (int)getpid(), err);
		_exit(11);
	}
	CHILD_CHECK(db_station_upsert(db, "bench-1", &station));
	snprintf(id_path, sizeof id_path, "pci-0000:00:14.0-usb-0:1.%d:1.0", n + 1);
	snprintf(slot, sizeof slot, "%d", n + 1);
	a.station_id = station;
	a.id_path = id_path;
	a.slot = slot;
	CHILD_CHECK(db_adapter_upsert(db, &a, &adapter));
	for (int j = 0; j < JOBS; j++) {
		struct db_job_start js = {.station_id = station, .slot = slot,
					  .adapter_id = adapter, .mode = "backup"};
		struct db_stage st = {"detect", "ok", 0, 0, 0, 0, NULL, NULL};
		char mac[DB_MAC_LEN], sha[65], md5[33], path_b[96], json[96];
		struct db_device d = {mac, "ESP8266EX", 0x1640ef, 4u << 20, "esp8266", NULL, NULL,
				      NULL};
		struct db_backup b = {0};
		int64_t job, dev, id;

		snprintf(mac, sizeof mac, "5c:cf:7f:00:00:%02x", j % NMACS);
		CHILD_CHECK(db_job_begin(db, &js, &job));
		CHILD_CHECK(db_device_seen(db, &d, &dev));
		CHILD_CHECK(db_job_set_device(db, job, dev));
		CHILD_CHECK(db_job_stage_begin(db, job, "detect"));
		st.start_ms = db_now_ms(db);
		st.end_ms = st.start_ms + 1;
		CHILD_CHECK(db_job_stage(db, job, &st));
		/* half the jobs group their backup step in one transaction */
		if (j % 2)
			CHILD_CHECK(db_tx_begin(db));
		for (int k = 0; k < 2; k++) {
			snprintf(json, sizeof json, "{\"proc\":%d,\"job\":%d,\"k\":%d}", n, j, k);
			CHILD_CHECK(db_event(db, job, "progress", json, NULL));
		}
		snprintf(path_b, sizeof path_b, "/backups/%d-%d.bin", n, j);
		b.device_id = dev;
		b.job_id = job;
		b.path = path_b;
		b.size = 4u << 20;
		b.sha256 = t_hex(sha, 64, (unsigned)(n * 1000 + j));
		b.md5 = b.chip_md5 = t_hex(md5, 32, (unsigned)(n * 1000 + j));
		CHILD_CHECK(db_backup_add(db, &b, &id));
		st.stage = "backup";
		CHILD_CHECK(db_job_stage(db, job, &st));
		if (j % 2)
			CHILD_CHECK(db_tx_commit(db));
		CHILD_CHECK(db_job_finish(db, job, &end));
		st.stage = "detect";
	}
	db_close(db);
	_exit(0);
}

/* Reads while the writers write: WAL readers never wait and never fail. */
static int count_fn(void *user, const struct db_backup_row *row)
{
	(*(int *)user)++;
	return row->verified ? 0 : 1;
}

static void reader(const char *path, int go, int done)
{
	char err[512];
	struct db *db = NULL;
	struct db_backup_row row;
	struct pollfd p = {done, POLLIN, 0};
	int rounds = 0;

	wait_go(go);
	if (db_open(path, &db, err, sizeof err))
		_exit(11);
	while (poll(&p, 1, 0) == 0) {
		int n = 0, r;

		CHILD_CHECK(db_backups_for_mac(db, "5c:cf:7f:00:00:01", count_fn, &n));
		r = db_backup_latest_verified(db, "5c:cf:7f:00:00:02", &row);
		if (r && r != -ENOENT)
			CHILD_CHECK(r);
		rounds++;
	}
	db_close(db);
	printf("reader: %d rounds during the writes\n", rounds);
	fflush(stdout);
	_exit(0);
}

static int reap(pid_t pid)
{
	int status = 0;

	T_REQUIRE(waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "child %d: status 0x%x\n", (int)pid, status);
		return 1;
	}
	return 0;
}

static void check_racing_open(void)
{
	char path[300], buf[64];
	pid_t pids[NPROC];
	int go[2], bad = 0;
	sqlite3 *h;

	t_set_case("racing first open");
	t_path(path, sizeof path, s_dir, "race.db");
	T_REQUIRE(pipe(go) == 0);
	for (int i = 0; i < NPROC; i++) {
		pids[i] = fork();
		T_REQUIRE(pids[i] >= 0);
		if (pids[i] == 0) {
			close(go[1]);
			racing_opener(path, go[0]);
		}
	}
	close(go[0]);
	close(go[1]);
	for (int i = 0; i < NPROC; i++)
		bad += reap(pids[i]);
	T_EQ_INT(bad, 0);
	h = t_raw_open(path);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM schema"), DB_SCHEMA_VERSION);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM stations"), 1);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM jobs WHERE result = 'passed'"), NPROC);
	T_EQ_STR(t_integrity(h, buf, sizeof buf), "ok");
	sqlite3_close(h);
}

static void check_writers(void)
{
	char path[300], buf[64], *fk;
	pid_t pids[NPROC], rd;
	int go[2], done[2], bad = 0;
	sqlite3 *h;

	t_set_case("concurrent writers");
	t_path(path, sizeof path, s_dir, "station.db");
	db_close(t_open(path));
	T_REQUIRE(pipe(go) == 0 && pipe(done) == 0);
	rd = fork();
	T_REQUIRE(rd >= 0);
	if (rd == 0) {
		close(go[1]);
		close(done[1]);
		reader(path, go[0], done[0]);
	}
	for (int i = 0; i < NPROC; i++) {
		pids[i] = fork();
		T_REQUIRE(pids[i] >= 0);
		if (pids[i] == 0) {
			close(go[1]);
			close(done[0]);
			close(done[1]);
			writer(path, i, go[0]);
		}
	}
	close(go[0]);
	close(go[1]);
	close(done[0]);
	for (int i = 0; i < NPROC; i++)
		bad += reap(pids[i]);
	close(done[1]);
	bad += reap(rd);
	T_EQ_INT(bad, 0);

	h = t_raw_open(path);
	T_EQ_STR(t_integrity(h, buf, sizeof buf), "ok");
	fk = t_q_dump(h, "PRAGMA foreign_key_check");
	T_EQ_STR(fk, "");
	free(fk);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM stations"), 1);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM adapters"), NPROC);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM devices"), NMACS);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM jobs"), NPROC * JOBS);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM jobs WHERE result = 'passed' AND stage = 'backup'"),
		 NPROC * JOBS);
	T_EQ_INT(t_q_int(h, "SELECT count(DISTINCT pid) FROM jobs"), NPROC);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM (SELECT slot FROM jobs GROUP BY slot"
			    " HAVING count(*) = %d)", JOBS),
		 NPROC);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM backups WHERE verified = 1"), NPROC * JOBS);
	T_EQ_INT(t_q_int(h, "SELECT count(DISTINCT path) FROM backups"), NPROC * JOBS);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM job_stages"), 2 * NPROC * JOBS);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events"), EVENTS_PER_JOB * NPROC * JOBS);
	/* every job's journal is complete and in order */
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM (SELECT job_id FROM events GROUP BY job_id"
			    " HAVING count(*) = %d"
			    "  AND min(id) = min(CASE WHEN type = 'job.begin' THEN id END)"
			    "  AND max(id) = max(CASE WHEN type = 'job.end' THEN id END))",
			    EVENTS_PER_JOB),
		 NPROC * JOBS);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE type = 'progress'"
			    " AND json_extract(data, '$.proc') IS NULL"),
		 0);
	sqlite3_close(h);
}

int main(void)
{
	t_mkdtemp(s_dir, sizeof s_dir);
	check_racing_open();
	check_writers();
	t_rmtree(s_dir);
	return t_done("db_concurrency");
}
