/* SPDX-License-Identifier: MIT */
/* Kills and a full disk leave a consistent database (design.md §3):
 *  1. a worker is SIGKILLed in the middle of a large transaction, after its
 *     uncommitted pages have spilled into the WAL: every committed job is
 *     there and complete, nothing of the open transaction is;
 *  2. a worker is SIGKILLed at random moments (seeded; the first rounds
 *     while it is still creating the file): integrity_check passes, the
 *     journal agrees with the tables, and start-up recovery closes the job
 *     it was in as "interrupted";
 *  3. the disk fills up (RLIMIT_FSIZE) mid-job: the call fails with an
 *     errno and a message, and every job committed before is intact.
 * Set DB_CRASH_SEED to replay a run of part 2. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dbtest.h"

#define COMMITTED_JOBS 12
#define EVENTS_PER_JOB 10       /* begin, device, 5 x step, stage.end, backup, end */
#define SPILL_EVENTS 6000       /* ~7 MB in one transaction: more than the page cache */
#define ROUNDS 16
#define CREATE_ROUNDS 6

static char s_dir[256];

#define CHILD_CHECK(call)                                                                \
	do {                                                                             \
		int r_ = (call);                                                         \
		if (r_ < 0) {                                                            \
			fprintf(stderr, "child: %s: %d %s\n", #call, r_, db_errmsg(db));  \
			_exit(10);                                               \
		}                                                                        \
	} while (0)

/* One complete job: the same shape the station writes. */
static int one_job(struct db *db, const struct t_rig *rig, int n, int64_t *ret_job)
{
	struct db_job_start js = {.station_id = rig->station, .slot = "1",
				  .adapter_id = rig->adapter, .mode = "backup"};
	struct db_stage st = {"backup", "ok", 0, 0, 1u << 20, 0, NULL, NULL};
	struct db_job_end end = {"passed", NULL, 0, NULL, NULL};
	struct db_backup b = {0};
	char sha[65], md5[33], path[64], json[64];
	int64_t job, id;
	int r;

	if ((r = db_job_begin(db, &js, &job)) || (r = db_job_set_device(db, job, rig->device)))
		return r;
	for (int k = 0; k < 5; k++) {
		snprintf(json, sizeof json, "{\"job\":%d,\"step\":%d}", n, k);
		if ((r = db_event(db, job, "step", json, NULL)))
			return r;
	}
	st.start_ms = db_now_ms(db);
	st.end_ms = st.start_ms + 5;
	if ((r = db_job_stage(db, job, &st)))
		return r;
	snprintf(path, sizeof path, "/backups/%d.bin", n);
	b.device_id = rig->device;
	b.job_id = job;
	b.path = path;
	b.size = 1u << 20;
	b.sha256 = t_hex(sha, 64, (unsigned)n);
	b.md5 = b.chip_md5 = t_hex(md5, 32, (unsigned)n);
	if ((r = db_backup_add(db, &b, &id)) || (r = db_job_finish(db, job, &end)))
		return r;
	*ret_job = job;
	return 0;
}

static struct db *child_open(const char *path)
{
	char err[512];
	struct db *db = NULL;

	if (db_open(path, &db, err, sizeof err)) {
		fprintf(stderr, "child: db_open: %s\n", err);
		_exit(11);
	}
	return db;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Checks that the journal and the tables tell the same story; returns the
 * number of jobs. */
static int64_t check_consistent(sqlite3 *h)
{
	char buf[64], *fk;

	T_EQ_STR(t_integrity(h, buf, sizeof buf), "ok");
	fk = t_q_dump(h, "PRAGMA foreign_key_check");
	T_EQ_STR(fk, "");
	free(fk);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM jobs j WHERE"
			    " (SELECT count(*) FROM events WHERE job_id = j.id AND type = 'job.begin') <> 1"
			    " OR (SELECT count(*) FROM events WHERE job_id = j.id AND type = 'job.end')"
			    "    <> (j.end_ms IS NOT NULL)"
			    " OR (SELECT count(*) FROM events WHERE job_id = j.id AND type = 'job.device')"
			    "    <> (j.device_id IS NOT NULL)"
			    " OR (SELECT count(*) FROM events WHERE job_id = j.id AND type = 'stage.end')"
			    "    <> (SELECT count(*) FROM job_stages WHERE job_id = j.id)"
			    " OR (SELECT count(*) FROM events WHERE job_id = j.id AND type = 'backup')"
			    "    <> (SELECT count(*) FROM backups WHERE job_id = j.id)"),
		 0);
	/* a job the worker finished is complete */
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM jobs j WHERE result = 'passed' AND"
			    " (SELECT count(*) FROM events WHERE job_id = j.id) <> %d",
			    EVENTS_PER_JOB),
		 0);
	return t_q_int(h, "SELECT count(*) FROM jobs");
}

/* ---- 1. killed inside a transaction ------------------------------------ */

static void mid_tx_child(const char *path, int out)
{
	struct db *db = child_open(path);
	struct t_rig rig;
	char json[1100];
	int64_t job;

	t_rig_make(db, &rig, "5c:cf:7f:00:00:01");
	for (int i = 0; i < COMMITTED_JOBS; i++) {
		CHILD_CHECK(db_tx_begin(db));
		CHILD_CHECK(one_job(db, &rig, i, &job));
		CHILD_CHECK(db_tx_commit(db));
		dprintf(out, "C %lld\n", (long long)job);
	}
	dprintf(out, "W %lld\n", (long long)file_size(path));
	CHILD_CHECK(db_tx_begin(db));
	{
		struct db_job_start js = {.station_id = rig.station, .slot = "1",
					  .adapter_id = rig.adapter, .mode = "refurbish"};

		CHILD_CHECK(db_job_begin(db, &js, &job));
		CHILD_CHECK(db_job_set_device(db, job, rig.device));
	}
	memset(json, 0, sizeof json);
	memcpy(json, "{\"pad\":\"", 8);
	memset(json + 8, 'x', 1000);
	memcpy(json + 1008, "\"}", 2);
	for (int i = 0; i < SPILL_EVENTS; i++)
		CHILD_CHECK(db_event(db, job, "uncommitted", json, NULL));
	dprintf(out, "M\n");
	for (;;)
		pause();
}

static void check_mid_transaction(void)
{
	char path[300], wal[310], line[64];
	int64_t committed[COMMITTED_JOBS];
	off_t wal_before = -1, wal_at_kill;
	int out[2], n = 0, status, closed = -1;
	struct db_job_end e = {"interrupted", NULL, 0, NULL, NULL};
	struct db *db;
	FILE *f;
	pid_t pid;
	sqlite3 *h;

	t_set_case("killed mid-transaction");
	t_path(path, sizeof path, s_dir, "midtx.db");
	snprintf(wal, sizeof wal, "%s-wal", path);
	T_REQUIRE(pipe(out) == 0);
	pid = fork();
	T_REQUIRE(pid >= 0);
	if (pid == 0) {
		close(out[0]);
		mid_tx_child(path, out[1]);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	while (fgets(line, sizeof line, f)) {
		long long v;

		if (sscanf(line, "C %lld", &v) == 1 && n < COMMITTED_JOBS)
			committed[n++] = v;
		else if (sscanf(line, "W %lld", &v) == 1)
			wal_before = file_size(wal);
		else if (line[0] == 'M')
			break;
	}
	wal_at_kill = file_size(wal);
	kill(pid, SIGKILL);
	T_REQUIRE(waitpid(pid, &status, 0) == pid);
	fclose(f);
	T_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	T_EQ_INT(n, COMMITTED_JOBS);
	/* the open transaction really was on disk, uncommitted, at the kill */
	printf("WAL: %lld bytes after the commits, %lld at the kill\n", (long long)wal_before,
	       (long long)wal_at_kill);
	T_CHECK(wal_at_kill > wal_before + 2 * 1024 * 1024);

	h = t_raw_open(path);
	T_EQ_INT(check_consistent(h), COMMITTED_JOBS);
	for (int i = 0; i < n; i++)
		T_EQ_INT(t_q_int(h, "SELECT count(*) FROM jobs WHERE id = %lld AND result = 'passed'",
				 (long long)committed[i]),
			 1);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE type = 'uncommitted'"), 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM jobs WHERE end_ms IS NULL"), 0);
	/* the journal's ids continue where the last commit left them */
	T_EQ_INT(t_q_int(h, "SELECT max(id) FROM events"), COMMITTED_JOBS * EVENTS_PER_JOB);
	T_EQ_INT(t_q_int(h, "SELECT seq FROM sqlite_sequence WHERE name = 'events'"),
		 COMMITTED_JOBS * EVENTS_PER_JOB);
	sqlite3_close(h);

	db = t_open(path);
	T_EQ_INT(db_jobs_close_interrupted(db, 1, &e, &closed), 0);
	T_EQ_INT(closed, 0);
	db_close(db);
}

/* ---- 2. killed at random moments ---------------------------------------- */

static void endless_child(const char *path, int round)
{
	struct db *db = child_open(path);
	struct t_rig rig;
	int64_t job;

	t_rig_make(db, &rig, "5c:cf:7f:00:00:01");
	for (int i = 0;; i++)
		CHILD_CHECK(one_job(db, &rig, round * 100000 + i, &job));
}

static void check_random_kills(void)
{
	struct db_job_end e = {"interrupted", NULL, 0, NULL, "station restarted"};
	unsigned long long seed;
	const char *env = getenv("DB_CRASH_SEED");
	char path[300], buf[64];
	int64_t jobs = 0, prev_jobs = 0;
	int before_schema = 0, mid_job = 0;
	uint64_t rng;

	seed = env ? strtoull(env, NULL, 0) : (unsigned long long)time(NULL);
	rng = seed | 1;
	printf("random kills: DB_CRASH_SEED=%llu\n", seed);
	for (int round = 0; round < ROUNDS; round++) {
		/* early rounds: a new file each, killed within the first
		 * milliseconds, i.e. while the schema is being created; later
		 * rounds: one file, killed anywhere in the job loop */
		int creating = round < CREATE_ROUNDS;
		unsigned delay_us = (unsigned)(t_rand(&rng) % (creating ? 20000 : 120000));
		int status, closed = -1;
		struct db *db;
		sqlite3 *h;
		pid_t pid;

		if (creating)
			snprintf(path, sizeof path, "%s/create-%d.db", s_dir, round);
		else
			t_path(path, sizeof path, s_dir, "random.db");
		if (creating || round == CREATE_ROUNDS)
			prev_jobs = 0;      /* a new file */
		jobs = 0;
		t_set_case("random kill round %d, delay %u us, seed %llu", round, delay_us, seed);
		pid = fork();
		T_REQUIRE(pid >= 0);
		if (pid == 0)
			endless_child(path, round);
		usleep(delay_us);
		kill(pid, SIGKILL);
		T_REQUIRE(waitpid(pid, &status, 0) == pid);
		T_CHECK(WIFSIGNALED(status));

		/* killed even before the file was created: nothing to look at */
		h = NULL;
		if (access(path, F_OK) == 0) {
			h = t_raw_open(path);
			T_EQ_STR(t_integrity(h, buf, sizeof buf), "ok");
		}
		if (h && t_q_int(h, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs'") == 1) {
			jobs = check_consistent(h);
			T_CHECK(jobs >= prev_jobs);
			T_CHECK(t_q_int(h, "SELECT count(*) FROM jobs WHERE end_ms IS NULL") <= 1);
		} else {
			/* killed before the schema committed: nothing half-made */
			if (h)
				T_EQ_INT(t_q_int(h, "SELECT count(*) FROM sqlite_master"), 0);
			before_schema++;
		}
		sqlite3_close(h);

		/* the supervisor's start-up recovery */
		db = t_open(path);
		T_EQ_INT(db_jobs_close_interrupted(db, 1, &e, &closed), 0);
		T_CHECK(closed == 0 || closed == 1);
		mid_job += closed == 1;
		db_close(db);
		h = t_raw_open(path);
		T_EQ_INT(t_q_int(h, "SELECT count(*) FROM jobs WHERE end_ms IS NULL"), 0);
		sqlite3_close(h);
		prev_jobs = jobs;
	}
	printf("random kills: %lld jobs over %d rounds; %d kills before the schema was committed,"
	       " %d inside a job\n",
	       (long long)jobs, ROUNDS, before_schema, mid_job);
}

/* ---- 3. disk full --------------------------------------------------------- */

static void disk_full_child(const char *path, int out)
{
	struct db *db = child_open(path);
	struct rlimit lim;
	struct t_rig rig;
	int64_t job;
	int r;

	t_rig_make(db, &rig, "5c:cf:7f:00:00:01");
	/* writes past this size fail with EFBIG, as they would with ENOSPC
	 * on a full disk; SIGXFSZ would kill us instead, so ignore it */
	signal(SIGXFSZ, SIG_IGN);
	lim.rlim_cur = lim.rlim_max = (rlim_t)(file_size(path) + 2 * 1024 * 1024);
	if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
		_exit(12);
	for (int i = 0; i < 100000; i++) {
		r = one_job(db, &rig, i, &job);
		if (r) {
			dprintf(out, "E %d %s\n", r, db_errmsg(db));
			/* the connection stays usable: the next attempt fails
			 * (or fits) cleanly, it does not crash or corrupt */
			r = one_job(db, &rig, i + 1, &job);
			dprintf(out, "R %d\n", r);
			break;
		}
		dprintf(out, "C %lld\n", (long long)job);
	}
	db_close(db);
	_exit(0);
}

static void check_disk_full(void)
{
	struct db_job_end e = {"interrupted", NULL, 0, NULL, NULL};
	char path[300], line[1024], msg[1024] = "";
	int64_t committed[4096];
	int out[2], n = 0, err = 0, status, closed = -1;
	struct db *db;
	FILE *f;
	pid_t pid;
	sqlite3 *h;

	t_set_case("disk full");
	t_path(path, sizeof path, s_dir, "full.db");
	db_close(t_open(path));
	T_REQUIRE(pipe(out) == 0);
	pid = fork();
	T_REQUIRE(pid >= 0);
	if (pid == 0) {
		close(out[0]);
		disk_full_child(path, out[1]);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	while (fgets(line, sizeof line, f)) {
		long long v;

		if (sscanf(line, "C %lld", &v) == 1 && n < 4096)
			committed[n++] = v;
		else if (sscanf(line, "E %d", &err) == 1)
			snprintf(msg, sizeof msg, "%s", line);
		else if (line[0] == 'R')
			printf("disk full: next attempt returned %s", line + 2);
	}
	fclose(f);
	T_REQUIRE(waitpid(pid, &status, 0) == pid);
	T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("disk full after %d jobs: %s", n, msg);
	T_CHECK(n > 0);
	T_CHECK(err == -EFBIG || err == -ENOSPC || err == -EIO);
	T_CHECK(strlen(msg) > 10);

	h = t_raw_open(path);
	T_EQ_INT(check_consistent(h) >= n, 1);
	for (int i = 0; i < n; i++)
		T_EQ_INT(t_q_int(h, "SELECT count(*) FROM jobs WHERE id = %lld AND result = 'passed'",
				 (long long)committed[i]),
			 1);
	sqlite3_close(h);
	/* with space again, the station starts and closes the stopped job */
	db = t_open(path);
	T_EQ_INT(db_jobs_close_interrupted(db, 1, &e, &closed), 0);
	T_CHECK(closed <= 1);
	db_close(db);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	t_mkdtemp(s_dir, sizeof s_dir);
	check_mid_transaction();
	check_random_kills();
	check_disk_full();
	t_rmtree(s_dir);
	return t_done("db_crash");
}
