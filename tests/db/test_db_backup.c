/* SPDX-License-Identifier: MIT */
/* Backups: verified is computed, never trusted; a backup belongs to its
 * job's unit; the restore query picks the newest verified backup of that
 * MAC only; a unit gets another unit's backup only when forced, and the
 * donor -> target pair is recorded.  Schema v2: provenance, sector map and
 * import fields are checked and read back; a unit is touched once a job
 * began to erase or write it, and its backups are then ours (or blank),
 * never original; the restore chooser takes the newest verified original,
 * else the newest usable import, never ours or blank, and says why.
 * Schema v3: a ciphertext backup is restored onto its own unit only, never
 * cloned, forced or not. */
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
	struct db_device d = {u->mac, "ESP8266EX", 0x1440c8, 1u << 20, "esp8266", NULL, NULL,
			      NULL};

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

/* ---- schema v2 -------------------------------------------------------- */

/* A backup of u with the v2 fields; returns the call's result. */
static int add_v2(struct db *db, const struct unit *u, unsigned seed, int chip_ok,
		  const char *prov, const char *map, uint64_t size, int64_t *id)
{
	char sha[65], md5[33], chip[33], path[128];
	struct db_backup b = {0};
	int imported = prov && strcmp(prov, "imported") == 0;

	snprintf(path, sizeof path, "/var/lib/espstation/backups/%s-v2-%u.bin", u->mac, seed);
	b.device_id = u->device;
	b.job_id = imported ? 0 : u->job;
	b.path = path;
	b.size = size;
	b.flash_id = 0x1440c8;
	b.sha256 = t_hex(sha, 64, seed);
	b.md5 = t_hex(md5, 32, seed + 1000);
	b.chip_md5 = imported && chip_ok < 0 ? NULL : chip_ok ? md5 : t_hex(chip, 32, seed + 2000);
	b.provenance = prov;
	b.sector_map = map;
	b.imported_by = imported ? "alice" : NULL;
	b.imported_from = imported ? "image1M.bin" : NULL;
	return db_backup_add(db, &b, id);
}

static void stage_begin(struct db *db, const struct unit *u, const char *stage)
{
	T_REQUIRE(db_job_stage_begin(db, u->job, stage) == 0);
}

/* A 1 MiB map (256 sectors, 64 digits) with the given sectors set. */
static const char *map_1m(char *buf, const int *sectors, size_t n)
{
	unsigned char bits[32] = {0};

	for (size_t i = 0; i < n; i++)
		bits[sectors[i] / 8] |= (unsigned char)(1u << (sectors[i] % 8));
	for (int i = 0; i < 32; i++)
		snprintf(buf + 2 * i, 3, "%02x", bits[i]);
	return buf;
}

static void check_fields(struct db *db, sqlite3 *h, const struct t_rig *rig)
{
	struct unit a = {"5c:cf:7f:00:03:0a", 0, 0};
	static const int data[] = {0, 1, 2, 9, 255};
	char map[65], zero[65], up[65], buf[400];
	struct db_backup_row row;
	struct db_backup b = {0};
	int64_t id, imp;

	t_set_case("v2 fields: add and read");
	memset(zero, '0', 64);
	zero[64] = '\0';
	map_1m(map, data, 5);
	T_EQ_STR(map, "0702000000000000000000000000000000000000000000000000000000000080");
	start_job(db, rig, &a, "backup");
	/* the map in upper case is stored lower-case */
	for (int i = 0; i < 65; i++)
		up[i] = (char)(map[i] >= 'a' && map[i] <= 'f' ? map[i] - 32 : map[i]);
	T_EQ_INT(add_v2(db, &a, 1, 1, NULL, up, 1u << 20, &id), 0);
	T_EQ_INT(db_backup_lookup(db, NULL, t_hex(buf, 64, 1), &row), 0);
	T_EQ_INT(row.id, id);
	T_EQ_STR(row.provenance, "original");           /* decided: untouched unit */
	T_EQ_STR(row.sector_map, map);
	T_EQ_STR(row.imported_by, "");
	T_EQ_STR(row.imported_from, "");
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE type = 'backup'"
			    " AND json_extract(data, '$.backup_id') = %lld"
			    " AND json_extract(data, '$.provenance') = 'original'"
			    " AND json_extract(data, '$.sector_map') = '%s'",
			    (long long)id, map),
		 1);
	/* a map with no sector read: blank, decided or given */
	T_EQ_INT(add_v2(db, &a, 2, 1, NULL, zero, 1u << 20, &id), 0);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT provenance FROM backups WHERE id = %lld",
			  (long long)id), "blank");
	T_EQ_INT(add_v2(db, &a, 3, 1, "blank", zero, 1u << 20, &id), 0);
	/* blank by content, read densely */
	T_EQ_INT(add_v2(db, &a, 4, 1, "blank", NULL, 1u << 20, &id), 0);
	T_EQ_INT(t_q_int(h, "SELECT sector_map IS NULL FROM backups WHERE id = %lld",
			 (long long)id), 1);
	/* ours by content (the station wrote this image elsewhere) */
	T_EQ_INT(add_v2(db, &a, 5, 1, "ours", map, 1u << 20, &id), 0);
	/* a 4 MiB map: 256 digits; a 12 KiB map: 3 sectors in one byte */
	{
		char big[257];

		memset(big, 'f', 256);
		big[256] = '\0';
		T_EQ_INT(add_v2(db, &a, 6, 1, NULL, big, 4u << 20, &id), 0);
		T_EQ_INT(add_v2(db, &a, 7, 1, NULL, "05", 3 * 4096, &id), 0);
		T_EQ_INT(db_backup_lookup(db, NULL, t_hex(buf, 64, 7), &row), 0);
		T_EQ_STR(row.sector_map, "05");
	}
	/* an import: who and from which file, no job, no chip */
	T_EQ_INT(add_v2(db, &a, 8, -1, "imported", NULL, 1u << 20, &imp), 0);
	T_EQ_INT(db_backup_lookup(db, NULL, t_hex(buf, 64, 8), &row), 0);
	T_EQ_STR(row.provenance, "imported");
	T_EQ_STR(row.imported_by, "alice");
	T_EQ_STR(row.imported_from, "image1M.bin");
	T_EQ_INT(row.verified, 0);
	T_EQ_INT(row.job_id, 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE type = 'backup' AND job_id IS NULL"
			    " AND json_extract(data, '$.imported_by') = 'alice'"
			    " AND json_extract(data, '$.imported_from') = 'image1M.bin'"),
		 1);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM backup_inventory WHERE backup_id = %lld"
			    " AND provenance = 'imported' AND imported_by = 'alice'", (long long)imp),
		 1);

	t_set_case("v2 fields: refused");
	b.device_id = a.device;
	b.job_id = a.job;
	b.path = "/v2.bin";
	b.size = 1u << 20;
	b.sha256 = t_hex(buf, 64, 99);
	b.md5 = b.chip_md5 = t_hex(up, 32, 99);
#define REFUSED(rc, want)                                                                \
	do {                                                                             \
		T_EQ_INT(db_backup_add(db, &b, &id), rc);                                \
		T_HAS_STR(db_errmsg(db), want);                                          \
		b.provenance = b.sector_map = b.imported_by = b.imported_from = NULL;    \
		b.size = 1u << 20;                                                       \
	} while (0)
	b.provenance = "stock";
	REFUSED(-EINVAL, "backup provenance: unknown value \"stock\" (known: blank, imported,"
			 " original, ours)");
	b.provenance = "a provenance name far too long";
	REFUSED(-EINVAL, "unknown value");
	b.sector_map = "00";
	REFUSED(-EINVAL, "expected 64 hex digits for 256 sectors");
	map[10] = 'g';
	b.sector_map = map;
	REFUSED(-EINVAL, "sector map");
	map[10] = '0';
	b.size = 5 * 4096 + 1;
	b.sector_map = "1f";
	REFUSED(-EINVAL, "not a whole number of 4 KiB sectors");
	b.size = 5 * 4096;                      /* bits 5..7 are past the last sector */
	b.sector_map = "3f";
	REFUSED(-EINVAL, "bits set past sector 4");
	b.size = 5 * 4096;
	b.sector_map = "1f";
	T_EQ_INT(db_backup_add(db, &b, &id), 0);
	b.sector_map = NULL;
	b.size = 1u << 20;
	b.provenance = "original";
	b.sector_map = zero;
	REFUSED(-EINVAL, "no sector with data, so it is blank, not original");
	b.provenance = "imported";
	REFUSED(-EINVAL, "imported_by (the operator): missing");
	b.provenance = "imported";
	b.imported_by = "alice";
	REFUSED(-EINVAL, "imported_from (the file's original name): missing");
	b.provenance = "imported";
	b.imported_by = "al\nice";
	b.imported_from = "x.bin";
	REFUSED(-EINVAL, "control character");
	b.provenance = "imported";
	b.imported_by = "an operator name that is much longer than sixty-four bytes, which is"
			" the limit";
	b.imported_from = "x.bin";
	REFUSED(-EINVAL, "longer than 64 bytes");
	b.imported_by = "alice";
	REFUSED(-EINVAL, "belong to an imported backup, not to one taken by the station");
	b.provenance = "ours";
	b.imported_from = "x.bin";
	REFUSED(-EINVAL, "not to ours");
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM backups WHERE path = '/v2.bin'"), 1);

	/* the schema holds the same lines against writers that skip the API */
	t_set_case("v2 fields: the schema's own checks");
#define RAW_INSERT(cols, vals)                                                           \
	t_exec(h, buf, sizeof buf,                                                       \
	       "INSERT INTO backups (device_id, path, size, flash_id, sha256, md5, chip_md5,"  \
	       " verified, created_ms" cols ") VALUES (%lld, '/raw', 4096, 0, '%s', '%s', NULL,"  \
	       " 0, 0" vals ")", (long long)a.device, t_hex(map, 64, 5), t_hex(up, 32, 5))
	T_EQ_INT(RAW_INSERT(", provenance", ", 'stock'"), SQLITE_CONSTRAINT);
	T_HAS_STR(buf, "backups.provenance must be a row of backup_provenances");
	T_EQ_INT(RAW_INSERT(", provenance, sector_map", ", 'ours', '0'"), SQLITE_CONSTRAINT);
	T_EQ_INT(RAW_INSERT(", provenance, sector_map", ", 'ours', 'A1'"), SQLITE_CONSTRAINT);
	T_EQ_INT(RAW_INSERT(", provenance, imported_by", ", 'imported', 'alice'"),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(RAW_INSERT(", provenance, imported_by, imported_from", ", 'ours', 'a', 'b'"),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(RAW_INSERT(", provenance, imported_by, imported_from", ", 'imported', '', 'b'"),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(RAW_INSERT(", provenance, sector_map", ", 'ours', '01'"), SQLITE_OK);
	T_EQ_INT(RAW_INSERT(", provenance, imported_by, imported_from", ", 'imported', 'a', 'b'"),
		 SQLITE_OK);
	end_job(db, &a);
#undef RAW_INSERT
#undef REFUSED
}

struct touch_case {
	const char *name;
	const char *stages[3];      /* begun ("b:erase"), recorded ("r:write:skipped") */
	int write_row;              /* a job_writes row */
	int other_unit;             /* done to another unit */
	int touched;
};

static void check_touched(struct db *db, sqlite3 *h, const struct t_rig *rig)
{
	static const struct touch_case cases[] = {
		{"never seen", {NULL}, 0, 0, -1},
		{"backup job only", {"b:detect", "b:backup", "b:verify"}, 0, 0, 0},
		{"erase begun, failed", {"b:erase", "r:erase:failed"}, 0, 0, 1},
		{"erase begun, unplugged", {"b:erase"}, 0, 0, 1},
		{"write begun", {"b:write"}, 0, 0, 1},
		{"write recorded only", {"r:write:ok"}, 0, 0, 1},
		{"erase recorded as cancelled", {"r:erase:cancelled"}, 0, 0, 1},
		{"erase skipped", {"r:erase:skipped"}, 0, 0, 0},
		{"a job_writes row only", {NULL}, 1, 0, 1},
		{"another unit erased", {"b:erase"}, 0, 1, 0},
	};
	struct unit other = {"5c:cf:7f:00:04:ff", 0, 0};
	int touched;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct touch_case *c = &cases[i];
		char mac[DB_MAC_LEN], sha[65], md5[33];
		struct unit u = {mac, 0, 0};

		snprintf(mac, sizeof mac, "5c:cf:7f:00:04:%02zx", i);
		t_set_case("touched: %s", c->name);
		if (c->touched < 0) {
			touched = 7;
			T_EQ_INT(db_device_touched(db, mac, &touched), 0);
			T_EQ_INT(touched, 0);
			continue;
		}
		start_job(db, rig, c->other_unit ? &other : &u, "refurbish");
		if (c->other_unit)
			start_job(db, rig, &u, "backup");
		for (int k = 0; k < 3 && c->stages[k]; k++) {
			char name[16], outcome[16] = "";
			const struct unit *w = c->other_unit ? &other : &u;

			sscanf(c->stages[k] + 2, "%15[a-z]:%15[a-z]", name, outcome);
			if (c->stages[k][0] == 'b') {
				stage_begin(db, w, name);
			} else {
				struct db_stage st = {name, outcome, 1, 2, 0, 0, NULL, NULL};

				T_REQUIRE(db_job_stage(db, w->job, &st) == 0);
			}
		}
		if (c->write_row) {
			struct db_write w = {0, 4096, 0, 0, t_hex(sha, 64, 7), t_hex(md5, 32, 7), 0};
			int64_t id;

			T_REQUIRE(db_job_write(db, u.job, &w, &id) == 0);
		}
		/* the state while the job runs, and after it ended */
		T_EQ_INT(db_device_touched(db, mac, &touched), 0);
		T_EQ_INT(touched, c->touched);
		if (c->other_unit)
			end_job(db, &other);
		end_job(db, &u);
		T_EQ_INT(db_device_touched(db, mac, &touched), 0);
		T_EQ_INT(touched, c->touched);
		/* the view for people agrees */
		T_EQ_INT(t_q_int(h, "SELECT count(*) > 0 FROM device_touches t JOIN devices d"
				    " ON d.id = t.device_id WHERE d.mac = '%s'", mac),
			 c->touched);
	}
	t_set_case("touched: spelling and errors");
	T_EQ_INT(db_device_touched(db, "5C-CF-7F-00-04-02", &touched), 0);
	T_EQ_INT(touched, 1);
	touched = 7;
	T_EQ_INT(db_device_touched(db, "5c:cf:7f", &touched), -EINVAL);
	T_EQ_INT(touched, 0);
}

/* What a backup taken now is, unless the caller says otherwise. */
static void check_decided(struct db *db, sqlite3 *h, const struct t_rig *rig)
{
	struct unit u = {"5c:cf:7f:00:05:01", 0, 0};
	char buf[300];
	int64_t id;

	t_set_case("decided provenance: unplugged during erase, backed up again");
	start_job(db, rig, &u, "refurbish");
	T_EQ_INT(add_v2(db, &u, 501, 1, NULL, NULL, 1u << 20, &id), 0);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT provenance FROM backups WHERE id = %lld",
			  (long long)id), "original");
	/* taken after this job's own erase began: not an original any more */
	stage_begin(db, &u, "erase");
	T_EQ_INT(add_v2(db, &u, 502, 1, "original", NULL, 1u << 20, &id), -EPERM);
	T_HAS_STR(db_errmsg(db), "not an original: job ");
	T_HAS_STR(db_errmsg(db), " began to erase this unit at ");
	T_HAS_STR(db_errmsg(db), "(record it as ours, or blank)");
	{
		struct db_job_end e = {"unplugged", NULL, 19, "ESP_E_NODEV", "unplugged"};

		T_REQUIRE(db_job_finish(db, u.job, &e) == 0);
		u.job = 0;
	}
	start_job(db, rig, &u, "refurbish");
	T_EQ_INT(add_v2(db, &u, 503, 1, NULL, NULL, 1u << 20, &id), 0);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT provenance FROM backups WHERE id = %lld",
			  (long long)id), "ours");
	T_EQ_INT(add_v2(db, &u, 504, 1, "original", NULL, 1u << 20, &id), -EPERM);
	T_EQ_INT(add_v2(db, &u, 505, 1, "blank", NULL, 1u << 20, &id), 0);
	T_EQ_INT(add_v2(db, &u, 506, 1, "ours", NULL, 1u << 20, &id), 0);
	/* the schema refuses an original of a touched unit by itself */
	T_EQ_INT(t_exec(h, buf, sizeof buf,
			"INSERT INTO backups (device_id, path, size, flash_id, sha256, md5, chip_md5,"
			" verified, created_ms, provenance) VALUES (%lld, '/raw-orig', 4096, 0,"
			" '%064d', '%032d', NULL, 0, 0, 'original')",
			(long long)u.device, 0, 0),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(buf, "an original backup is taken before any espstation erase or write of its"
		       " unit");
	end_job(db, &u);
}

struct choice_case {
	const char *name;
	/* backups, oldest first: provenance letter o/u/b/i (original, ours, blank,
	 * imported), then v (verified), n (chip disagrees), x (chip not asked) */
	const char *backups[6];
	int want;                   /* index of the backup chosen, -1 none */
	const char *why;            /* expected in why */
};

static void check_choice(struct db *db, const struct t_rig *rig)
{
	static const struct choice_case cases[] = {
		{"only an original", {"ov"}, 0,
		 "(original, verified, 2"},
		{"original, then ours, then blank", {"ov", "uv", "bv"}, 0,
		 "the newest verified original of 5c:cf:7f:00:06:01; 2 newer passed over: 1 ours,"
		 " 1 blank"},
		{"only ours and blank", {"uv", "bv", "uv"}, -1,
		 "3 backups of 5c:cf:7f:00:06:02: 2 ours, 1 blank; none original or imported:"
		 " restore needs --backup FILE to write one of those"},
		{"imported only", {"ix"}, 0,
		 "(imported by alice from image1M.bin, 2"},
		{"unverified originals skipped", {"ov", "on", "ox"}, 0,
		 "2 newer passed over: 2 original (2 not verified)"},
		{"only unverified originals", {"on", "ox", "bv"}, -1,
		 "3 backups of 5c:cf:7f:00:06:05: 2 original (2 not verified), 1 blank; no verified"
		 " original and no usable imported one: restore needs --backup FILE"},
		{"original before a newer import", {"ov", "ix", "uv"}, 0,
		 "2 newer passed over: 1 imported, 1 ours"},
		{"import when the original is unverified", {"on", "ix", "uv"}, 1,
		 "5c:cf:7f:00:06:07 has no verified original, this is its newest usable import;"
		 " 1 newer passed over: 1 ours"},
		{"an import its chip disproved", {"in", "iv", "in"}, 1,
		 "1 newer passed over: 1 imported (1 disproved by the chip)"},
		{"nothing", {NULL}, -1, "no backups of 5c:cf:7f:00:06:09: nothing to restore"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct choice_case *c = &cases[i];
		char mac[DB_MAC_LEN], why[512];
		struct unit u = {mac, 0, 0};
		struct db_backup_row row;
		int64_t ids[6] = {0};
		int r;

		snprintf(mac, sizeof mac, "5c:cf:7f:00:06:%02zx", i);
		t_set_case("restore choice: %s", c->name);
		{
			struct db_device d = {mac, "ESP8266EX", 0x1440c8, 1u << 20, "esp8266",
					      NULL, NULL, NULL};

			T_REQUIRE(db_device_seen(db, &d, &u.device) >= 0);
		}
		for (int k = 0; k < 6 && c->backups[k]; k++) {
			const char *p = c->backups[k];
			const char *prov = p[0] == 'o' ? "original" : p[0] == 'u' ? "ours"
					   : p[0] == 'b' ? "blank" : "imported";
			int chip = p[1] == 'v' ? 1 : p[1] == 'n' ? 0 : -1;

			if (p[0] != 'i')
				start_job(db, rig, &u, "backup");
			if (p[1] == 'x' && p[0] != 'i') {
				char sha[65], md5[33], path[64];
				struct db_backup b = {u.device, u.job, path, 1u << 20, 0x1440c8,
						      t_hex(sha, 64, 600 + (unsigned)k),
						      t_hex(md5, 32, 600), NULL, prov, NULL, NULL,
						      NULL, 0};

				snprintf(path, sizeof path, "/%s-%d.bin", mac, k);
				T_EQ_INT(db_backup_add(db, &b, &ids[k]), 0);
			} else {
				T_EQ_INT(add_v2(db, &u, 600 + (unsigned)(i * 10 + (size_t)k), chip,
						prov, NULL, 1u << 20, &ids[k]),
					 0);
			}
			if (p[0] != 'i')
				end_job(db, &u);
		}
		memset(&row, 0xa5, sizeof row);
		r = db_backup_restore_choice(db, mac, &row, why, sizeof why);
		T_HAS_STR(why, c->why);
		if (c->want < 0) {
			T_EQ_INT(r, -ENOENT);
			T_EQ_INT(row.id, 0);
			T_EQ_STR(db_errmsg(db), why);
			continue;
		}
		T_EQ_INT(r, 0);
		T_EQ_INT(row.id, ids[c->want]);
		T_EQ_STR(row.mac, mac);
		T_CHECK(strcmp(row.provenance, "original") == 0 ||
			strcmp(row.provenance, "imported") == 0);
		{
			char want[64];

			snprintf(want, sizeof want, "backup %lld (", (long long)ids[c->want]);
			T_CHECK(strncmp(why, want, strlen(want)) == 0);
		}
	}
	{
		struct db_backup_row row;
		char why[128] = "x";

		t_set_case("restore choice: errors");
		T_EQ_INT(db_backup_restore_choice(db, "5c:cf:7f", &row, why, sizeof why), -EINVAL);
		T_EQ_STR(why, "bad MAC \"5c:cf:7f\"");
		/* why may be left out; spelling of the MAC is free */
		T_EQ_INT(db_backup_restore_choice(db, "5C-CF-7F-00-06-00", &row, NULL, 0), 0);
		T_EQ_STR(row.mac, "5c:cf:7f:00:06:00");
	}
}

/* ---- schema v3: ciphertext --------------------------------------------- */

static int64_t add_cipher(struct db *db, const struct t_rig *rig, struct unit *u, unsigned seed,
			  int ciphertext)
{
	char sha[65], md5[33], path[128];
	struct db_backup b = {0};
	int64_t id = 0;

	start_job(db, rig, u, "backup");
	snprintf(path, sizeof path, "/var/lib/espstation/backups/%s-v3-%u.bin", u->mac, seed);
	b.device_id = u->device;
	b.job_id = u->job;
	b.path = path;
	b.size = 1u << 20;
	b.flash_id = 0x1440c8;
	b.sha256 = t_hex(sha, 64, seed);
	b.md5 = b.chip_md5 = t_hex(md5, 32, seed + 1000);
	b.ciphertext = ciphertext;
	T_EQ_INT(db_backup_add(db, &b, &id), 0);
	end_job(db, u);
	return id;
}

/* A unit whose firmware turned on flash encryption: its older backup is
 * plaintext, its newer one ciphertext.  Its own restore takes the newest;
 * another unit gets only the plaintext one, and a ciphertext backup is
 * refused onto any other MAC by every check, forced or not. */
static void check_ciphertext(struct db *db, sqlite3 *h, const struct t_rig *rig)
{
	struct unit c = {"58:cf:79:00:07:0c", 0, 0}, t = {"58:cf:79:00:07:0d", 0, 0};
	struct unit e = {"58:cf:79:00:07:0e", 0, 0};
	struct db_backup_row row, cc_row;
	int64_t plain, cipher, only, id;
	char why[512], buf[300];

	t_set_case("ciphertext: recorded");
	plain = add_cipher(db, rig, &c, 700, 0);
	cipher = add_cipher(db, rig, &c, 701, 1);
	only = add_cipher(db, rig, &e, 702, 1);
	{
		struct db_backup b = {.device_id = c.device, .path = "/x.bin", .size = 4096,
				      .sha256 = t_hex(buf, 64, 1), .md5 = t_hex(why, 32, 2),
				      .ciphertext = 2};

		T_EQ_INT(db_backup_add(db, &b, &id), -EINVAL);
		T_HAS_STR(db_errmsg(db), "ciphertext is 0 or 1");
	}
	T_EQ_INT(db_backup_lookup(db, NULL, t_hex(buf, 64, 701), &cc_row), 0);
	T_EQ_INT(cc_row.id, cipher);
	T_EQ_INT(cc_row.ciphertext, 1);
	T_EQ_INT(db_backup_lookup(db, NULL, t_hex(buf, 64, 700), &row), 0);
	T_EQ_INT(row.ciphertext, 0);
	T_EQ_INT(t_q_int(h, "SELECT json_extract(data, '$.ciphertext') FROM events"
			    " WHERE type = 'backup' AND json_extract(data, '$.backup_id') = %lld",
			    (long long)cipher),
		 1);

	t_set_case("ciphertext: the own unit's restore takes it");
	T_EQ_INT(db_backup_restore_choice(db, c.mac, &row, why, sizeof why), 0);
	T_EQ_INT(row.id, cipher);
	T_HAS_STR(why, "(original, verified, ciphertext, ");
	T_EQ_INT(db_backup_restore_choice_onto(db, c.mac, "58-CF-79-00-07-0C", &row, why,
					       sizeof why), 0);
	T_EQ_INT(row.id, cipher);
	T_EQ_INT(db_backup_check_target(&cc_row, "58cf7900070c", 0, why, sizeof why), 0);

	t_set_case("ciphertext: another unit's choice passes it over");
	T_EQ_INT(db_backup_restore_choice_onto(db, c.mac, t.mac, &row, why, sizeof why), 0);
	T_EQ_INT(row.id, plain);
	T_HAS_STR(why, "; 1 newer passed over: 1 original (1 ciphertext: for 58:cf:79:00:07:0c"
		       " only)");
	T_EQ_INT(db_backup_restore_choice_onto(db, e.mac, t.mac, &row, why, sizeof why), -ENOENT);
	T_EQ_INT(row.id, 0);
	T_EQ_STR(why, "1 backup of 58:cf:79:00:07:0e: 1 original (1 ciphertext: for"
		      " 58:cf:79:00:07:0e only); no verified original and no usable imported one:"
		      " restore needs --backup FILE to write one of those");
	T_EQ_INT(db_backup_restore_choice(db, e.mac, &row, why, sizeof why), 0);
	T_EQ_INT(row.id, only);
	T_EQ_INT(db_backup_restore_choice_onto(db, e.mac, "58:cf", &row, why, sizeof why),
		 -EINVAL);

	t_set_case("ciphertext: never a clone, forced or not");
	T_EQ_INT(db_backup_check_target(&cc_row, t.mac, 1, why, sizeof why), -EPERM);
	T_HAS_STR(why, "is ciphertext of that chip's flash encryption: it decrypts on"
		       " 58:cf:79:00:07:0c only, never on 58:cf:79:00:07:0d, forced or not"
		       " (restore 58:cf:79:00:07:0d from a backup of its own)");
	T_EQ_INT(db_backup_check_target(&cc_row, t.mac, 0, why, sizeof why), -EPERM);
	T_HAS_STR(why, "ciphertext");
	T_EQ_INT(db_backup_check_target(&cc_row, "nonsense", 1, why, sizeof why), -EINVAL);
	T_EQ_INT(db_backup_lookup(db, NULL, t_hex(buf, 64, 700), &row), 0);
	T_EQ_INT(db_backup_check_target(&row, t.mac, 1, why, sizeof why), 0);
	T_EQ_INT(db_backup_check_target(&row, t.mac, 0, why, sizeof why), -EPERM);
	T_HAS_STR(why, "belongs to 58:cf:79:00:07:0c, not to 58:cf:79:00:07:0d");

	start_job(db, rig, &t, "restore");
	T_EQ_INT(db_restore_add(db, t.job, cipher, t.mac, 1, &id), -EPERM);
	T_HAS_STR(db_errmsg(db), "decrypts on 58:cf:79:00:07:0c only, never on"
				 " 58:cf:79:00:07:0d, forced or not");
	T_EQ_INT(db_restore_add(db, t.job, cipher, t.mac, 0, &id), -EPERM);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM restores WHERE job_id = %lld", (long long)t.job),
		 0);
	/* the schema holds the line against writers that skip the API */
	T_EQ_INT(t_exec(h, buf, sizeof buf,
			"INSERT INTO restores (job_id, backup_id, donor_mac, target_mac, forced,"
			" created_ms) VALUES (%lld, %lld, '%s', '%s', 1, 0)",
			(long long)t.job, (long long)cipher, c.mac, t.mac),
		 SQLITE_CONSTRAINT);
	T_HAS_STR(buf, "a ciphertext backup decrypts on its own unit only");
	/* the plaintext one, forced, is a recorded clone */
	T_EQ_INT(db_restore_add(db, t.job, plain, t.mac, 1, &id), 0);
	end_job(db, &t);
	/* and the ciphertext one goes back onto its own unit */
	start_job(db, rig, &c, "restore");
	T_EQ_INT(db_restore_add(db, c.job, cipher, c.mac, 0, &id), 0);
	end_job(db, &c);
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
	check_fields(db, h, &rig);
	check_touched(db, h, &rig);
	check_decided(db, h, &rig);
	check_choice(db, &rig);
	check_ciphertext(db, h, &rig);
	sqlite3_close(h);
	db_close(db);
	t_rmtree(s_dir);
	return t_done("db_backup");
}
