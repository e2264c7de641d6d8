/* SPDX-License-Identifier: MIT */
/* Backups: verified is computed, never trusted; a backup belongs to its
 * job's unit; the restore query picks the newest verified backup of that
 * MAC only; a unit gets another unit's backup only when forced, and the
 * donor -> target pair is recorded. */
#include <stdio.h>

#include "dbtest.h"

static char s_dir[256];

struct unit {
	const char *mac;
	int64_t device, job;
};

static int64_t add_backup(struct db *db, struct unit *u, unsigned seed, int chip_ok)
{
	char sha[65], md5[33], chip[33], path[128];
	struct db_backup b = {0};
	int64_t id = 0;

	snprintf(path, sizeof path, "/var/lib/espstation/backups/%s-%u.bin", u->mac, seed);
	b.device_id = u->device;
	b.job_id = u->job;
	b.path = path;
	b.size = 1u << 20;
	b.flash_id = 0x1440c8;
	b.sha256 = t_hex(sha, 64, seed);
	b.md5 = t_hex(md5, 32, seed + 1000);
	b.chip_md5 = chip_ok ? md5 : t_hex(chip, 32, seed + 2000);
	T_EQ_INT(db_backup_add(db, &b, &id), 0);
	return id;
}

static void start_job(struct db *db, const struct t_rig *rig, struct unit *u, const char *mode)
{
	struct db_job_start js = {.station_id = rig->station, .slot = "1",
				  .adapter_id = rig->adapter, .mode = mode};
	struct db_device d = {u->mac, "ESP8266EX", 0x1440c8, 1u << 20};

	T_REQUIRE(db_device_seen(db, &d, &u->device) >= 0);
	T_REQUIRE(db_job_begin(db, &js, &u->job) == 0);
	T_REQUIRE(db_job_set_device(db, u->job, u->device) == 0);
}

static void end_job(struct db *db, struct unit *u)
{
	struct db_job_end e = {"passed", NULL, 0, NULL, NULL};

	T_REQUIRE(db_job_finish(db, u->job, &e) == 0);
	u->job = 0;
}

struct collect {
	int n, stop_after;
	int64_t ids[16];
	int verified[16];
};

static int collect_fn(void *user, const struct db_backup_row *row)
{
	struct collect *c = user;

	if (c->n < 16) {
		c->ids[c->n] = row->id;
		c->verified[c->n] = row->verified;
	}
	c->n++;
	return c->stop_after && c->n >= c->stop_after ? 42 : 0;
}

static void check_latest(struct db *db, sqlite3 *h, const struct t_rig *rig)
{
	struct unit a = {"5c:cf:7f:00:00:0a", 0, 0}, b = {"5c:cf:7f:00:00:0b", 0, 0};
	struct unit c = {"5c:cf:7f:00:00:0c", 0, 0};
	int64_t a1, a2, a3, b1, b2, c1;
	struct db_backup_row row;
	struct collect col = {0};
	char sha[65];

	t_set_case("latest verified");
	start_job(db, rig, &a, "backup");
	a1 = add_backup(db, &a, 1, 1);
	end_job(db, &a);
	start_job(db, rig, &b, "backup");
	b1 = add_backup(db, &b, 2, 1);
	end_job(db, &b);
	start_job(db, rig, &a, "backup");
	a2 = add_backup(db, &a, 3, 1);          /* a's newest verified */
	end_job(db, &a);
	start_job(db, rig, &b, "backup");
	b2 = add_backup(db, &b, 4, 0);          /* b's newest, but not verified */
	end_job(db, &b);
	start_job(db, rig, &a, "refurbish");
	a3 = add_backup(db, &a, 5, 0);          /* a's newest, not verified */
	end_job(db, &a);
	start_job(db, rig, &c, "backup");
	c1 = add_backup(db, &c, 6, 0);          /* c: nothing verified */
	end_job(db, &c);

	T_EQ_INT(db_backup_latest_verified(db, "5C-CF-7F-00-00-0A", &row), 0);
	T_EQ_INT(row.id, a2);
	T_EQ_STR(row.mac, "5c:cf:7f:00:00:0a");
	T_EQ_INT(row.verified, 1);
	T_EQ_STR(row.md5, row.chip_md5);
	T_EQ_STR(row.sha256, t_hex(sha, 64, 3));
	T_HAS_STR(row.path, "5c:cf:7f:00:00:0a-3.bin");
	T_EQ_INT(row.size, 1u << 20);
	T_EQ_INT(row.flash_id, 0x1440c8);
	T_CHECK(row.job_id > 0);
	T_EQ_INT(strlen(row.created_utc), 24);
	T_EQ_INT(db_backup_latest_verified(db, "5ccf7f00000b", &row), 0);
	T_EQ_INT(row.id, b1);
	T_EQ_INT(db_backup_latest_verified(db, "5c:cf:7f:00:00:0c", &row), -ENOENT);
	T_HAS_STR(db_errmsg(db), "no verified backup of 5c:cf:7f:00:00:0c");
	T_EQ_INT(row.id, 0);
	T_EQ_INT(db_backup_latest_verified(db, "5c:cf:7f:00:00:ff", &row), -ENOENT);
	T_EQ_INT(db_backup_latest_verified(db, "5c:cf:7f", &row), -EINVAL);
	(void)c1;

	t_set_case("backups for a MAC, newest first");
	T_EQ_INT(db_backups_for_mac(db, "5c:cf:7f:00:00:0a", collect_fn, &col), 0);
	T_EQ_INT(col.n, 3);
	T_EQ_INT(col.ids[0], a3);
	T_EQ_INT(col.ids[1], a2);
	T_EQ_INT(col.ids[2], a1);
	T_EQ_INT(col.verified[0], 0);
	T_EQ_INT(col.verified[1], 1);
	memset(&col, 0, sizeof col);
	col.stop_after = 1;
	T_EQ_INT(db_backups_for_mac(db, "5c:cf:7f:00:00:0a", collect_fn, &col), 42);
	T_EQ_INT(col.n, 1);
	memset(&col, 0, sizeof col);
	T_EQ_INT(db_backups_for_mac(db, "5c:cf:7f:00:00:ee", collect_fn, &col), 0);
	T_EQ_INT(col.n, 0);
	/* the stopped iteration left no read snapshot behind: a write works */
	T_EQ_INT(db_event(db, 0, "after-iteration", NULL, NULL), 0);
	T_EQ_INT(t_q_int(h, "SELECT verified FROM backups WHERE id = %lld", (long long)b2), 0);
}

static void check_rules(struct db *db, sqlite3 *h, const struct t_rig *rig)
{
	struct unit a = {"5c:cf:7f:00:01:0a", 0, 0}, b = {"5c:cf:7f:00:01:0b", 0, 0};
	char sha[65], md5[33], buf[300];
	struct db_backup bk = {0};
	int64_t id, cli;

	t_set_case("backup rules");
	start_job(db, rig, &a, "backup");
	start_job(db, rig, &b, "backup");
	bk.device_id = b.device;                  /* b's backup in a's job */
	bk.job_id = a.job;
	bk.path = "/x.bin";
	bk.size = 1024;
	bk.sha256 = t_hex(sha, 64, 9);
	bk.md5 = t_hex(md5, 32, 9);
	bk.chip_md5 = md5;
	T_EQ_INT(db_backup_add(db, &bk, &id), -EPERM);
	T_HAS_STR(db_errmsg(db), "belongs to the device its job detected");

	/* verified compares the hashes case-insensitively, and only them */
	bk.device_id = a.device;
	memset(buf, 0, 33);
	for (int i = 0; i < 32; i++)
		buf[i] = (char)(md5[i] >= 'a' ? md5[i] - 32 : md5[i]);
	bk.chip_md5 = buf;
	T_EQ_INT(db_backup_add(db, &bk, &id), 0);
	T_EQ_INT(t_q_int(h, "SELECT verified FROM backups WHERE id = %lld", (long long)id), 1);
	bk.chip_md5 = NULL;
	T_EQ_INT(db_backup_add(db, &bk, &id), 0);
	T_EQ_INT(t_q_int(h, "SELECT verified FROM backups WHERE id = %lld AND chip_md5 IS NULL",
			 (long long)id),
		 0);
	/* committed when the call returns: another connection sees it */
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM backups WHERE id = %lld", (long long)id), 1);

	bk.chip_md5 = "00";
	T_EQ_INT(db_backup_add(db, &bk, &id), -EINVAL);
	T_HAS_STR(db_errmsg(db), "chip MD5");
	bk.chip_md5 = md5;
	bk.size = 0;
	T_EQ_INT(db_backup_add(db, &bk, &id), -EINVAL);
	bk.size = 1024;
	bk.path = "";
	T_EQ_INT(db_backup_add(db, &bk, &id), -EINVAL);
	bk.path = "/x.bin";
	bk.device_id = 0;
	T_EQ_INT(db_backup_add(db, &bk, &id), -EINVAL);

	/* the schema checks verified too, for writers that skip the API */
	T_EQ_INT(t_exec(h, buf, sizeof buf,
			"INSERT INTO backups (device_id, path, size, flash_id, sha256, md5, chip_md5,"
			" verified, created_ms) VALUES (%lld, '/y', 1, 0, '%s', '%s', NULL, 1, 0)",
			(long long)a.device, sha, md5),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(buf, "verified");

	/* a job with no device yet has no unit to back up */
	{
		struct db_job_start js = {.station_id = rig->station, .slot = "5",
					  .mode = "backup"};
		int64_t nodev;

		T_REQUIRE(db_job_begin(db, &js, &nodev) == 0);
		bk.device_id = a.device;
		bk.job_id = nodev;
		T_EQ_INT(db_backup_add(db, &bk, &id), -EPERM);
	}
	/* a backup taken outside a job (espstation backup -o) */
	bk.job_id = 0;
	T_EQ_INT(db_backup_add(db, &bk, &cli), 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM backups WHERE id = %lld AND job_id IS NULL",
			 (long long)cli),
		 1);
	/* a closed job takes no more backups */
	bk.job_id = a.job;
	end_job(db, &a);
	T_EQ_INT(db_backup_add(db, &bk, &id), -EALREADY);
	end_job(db, &b);
}

static void check_restores(struct db *db, sqlite3 *h, const struct t_rig *rig)
{
	struct unit a = {"5c:cf:7f:00:02:0a", 0, 0}, b = {"5c:cf:7f:00:02:0b", 0, 0};
	int64_t a_backup, id;
	char buf[300];

	t_set_case("restores");
	start_job(db, rig, &a, "backup");
	a_backup = add_backup(db, &a, 77, 1);
	end_job(db, &a);

	start_job(db, rig, &a, "restore");
	T_EQ_INT(db_restore_add(db, a.job, a_backup, "5C:CF:7F:00:02:0A", 0, &id), 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM restores WHERE id = %lld AND forced = 0"
			    " AND donor_mac = '5c:cf:7f:00:02:0a' AND target_mac = donor_mac",
			    (long long)id),
		 1);
	end_job(db, &a);

	/* a's backup onto b: refused without force, nothing recorded */
	start_job(db, rig, &b, "restore");
	T_EQ_INT(db_restore_add(db, b.job, a_backup, b.mac, 0, &id), -EPERM);
	T_HAS_STR(db_errmsg(db), "belongs to 5c:cf:7f:00:02:0a, not to 5c:cf:7f:00:02:0b");
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM restores WHERE job_id = %lld", (long long)b.job),
		 0);
	/* the target must be the unit the job detected */
	T_EQ_INT(db_restore_add(db, b.job, a_backup, a.mac, 0, &id), -EINVAL);
	T_EQ_INT(db_restore_add(db, b.job, 999999, b.mac, 0, &id), -ENOENT);
	/* forced: recorded donor -> target */
	T_EQ_INT(db_restore_add(db, b.job, a_backup, b.mac, 1, &id), 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM restores WHERE id = %lld AND forced = 1"
			    " AND donor_mac = '5c:cf:7f:00:02:0a' AND target_mac = '5c:cf:7f:00:02:0b'",
			    (long long)id),
		 1);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE type = 'restore' AND job_id = %lld"
			    " AND json_extract(data, '$.forced') = 1",
			    (long long)b.job),
		 1);

	/* the schema holds the same line against writers that skip the API */
	T_EQ_INT(t_exec(h, buf, sizeof buf,
			"INSERT INTO restores (job_id, backup_id, donor_mac, target_mac, forced,"
			" created_ms) VALUES (%lld, %lld, '5c:cf:7f:00:02:0a', '5c:cf:7f:00:02:0b', 0, 0)",
			(long long)b.job, (long long)a_backup),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(t_exec(h, buf, sizeof buf,
			"INSERT INTO restores (job_id, backup_id, donor_mac, target_mac, forced,"
			" created_ms) VALUES (%lld, %lld, '5c:cf:7f:00:02:0b', '5c:cf:7f:00:02:0b', 0, 0)",
			(long long)b.job, (long long)a_backup),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(buf, "donor_mac must be the MAC of the backup");
	end_job(db, &b);
}

int main(void)
{
	char path[300];
	struct t_rig rig;
	struct db *db;
	sqlite3 *h;

	t_mkdtemp(s_dir, sizeof s_dir);
	t_path(path, sizeof path, s_dir, "station.db");
	db = t_open(path);
	h = t_raw_open(path);
	t_rig_make(db, &rig, "5c:cf:7f:00:00:01");
	check_latest(db, h, &rig);
	check_rules(db, h, &rig);
	check_restores(db, h, &rig);
	sqlite3_close(h);
	db_close(db);
	t_rmtree(s_dir);
	return t_done("db_backup");
}
