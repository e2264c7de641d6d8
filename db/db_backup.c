/* SPDX-License-Identifier: MIT */
/* Backups (the proof that a unit's own firmware is safe before its flash is
 * erased), the one reader of a backups row, the queries a restore needs
 * (by MAC, by path or hash), and restores with donor -> target. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db_priv.h"

int db_backup_add(struct db *db, const struct db_backup *b, int64_t *ret_id)
{
	char sha[65], md5[33], chip_md5[33] = "";
	sqlite3_stmt *st;
	int verified, r;

	if (b->device_id <= 0)
		return db_fail(db, -EINVAL, "backup: no device id");
	if ((r = db_check_text(db, b->path, DB_PATH_MAX, 0, "backup path")))
		return r;
	if (b->size == 0 || b->size > INT64_MAX)
		return db_fail(db, -EINVAL, "backup %s: size %llu out of range", b->path,
			       (unsigned long long)b->size);
	if ((r = db_hex_normalize(db, b->sha256, 64, sha, "backup SHA-256")) ||
	    (r = db_hex_normalize(db, b->md5, 32, md5, "backup MD5")) ||
	    (b->chip_md5 && (r = db_hex_normalize(db, b->chip_md5, 32, chip_md5, "chip MD5"))))
		return r;
	/* computed here, never taken on trust; the schema checks it again */
	verified = b->chip_md5 && strcmp(md5, chip_md5) == 0;
	r = db_tx_begin(db);
	if (r)
		return r;
	if (b->job_id)
		r = db_job_check_open(db, b->job_id, "record backup");
	if (r == 0)
		r = db_prep(db, &st,
			    "INSERT INTO backups (device_id, job_id, path, size, flash_id, sha256, md5,"
			    "                     chip_md5, verified, created_ms)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
			    "record backup");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, b->device_id);
		db_bind_id(st, 2, b->job_id);
		sqlite3_bind_text(st, 3, b->path, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, (int64_t)b->size);
		sqlite3_bind_int64(st, 5, b->flash_id);
		sqlite3_bind_text(st, 6, sha, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, md5, -1, SQLITE_TRANSIENT);
		db_bind_text_or_null(st, 8, chip_md5);
		sqlite3_bind_int(st, 9, verified);
		sqlite3_bind_int64(st, 10, db_now_ms(db));
		r = db_step_id(db, st, ret_id, "record backup");
	}
	if (r == 0)
		r = db_journal(db,
			       "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
			       " SELECT b.job_id, ?2, ?3, 'backup',"
			       "  json_object('backup_id', b.id, 'device_id', b.device_id, 'mac', d.mac,"
			       "   'path', b.path, 'size', b.size, 'flash_id', b.flash_id,"
			       "   'sha256', b.sha256, 'md5', b.md5, 'chip_md5', b.chip_md5,"
			       "   'verified', b.verified)"
			       " FROM backups b JOIN devices d ON d.id = b.device_id WHERE b.id = ?1",
			       *ret_id, "journal backup");
	return db_tx_end(db, r);
}

void db_backup_read(sqlite3_stmt *st, struct db_backup_row *row)
{
	row->id = sqlite3_column_int64(st, 0);
	row->device_id = sqlite3_column_int64(st, 1);
	row->job_id = sqlite3_column_int64(st, 2);
	db_col_text(st, 3, row->mac, sizeof row->mac);
	db_col_text(st, 4, row->path, sizeof row->path);
	row->size = (uint64_t)sqlite3_column_int64(st, 5);
	row->flash_id = (uint32_t)sqlite3_column_int64(st, 6);
	db_col_text(st, 7, row->sha256, sizeof row->sha256);
	db_col_text(st, 8, row->md5, sizeof row->md5);
	db_col_text(st, 9, row->chip_md5, sizeof row->chip_md5);
	row->verified = sqlite3_column_int(st, 10);
	row->created_ms = sqlite3_column_int64(st, 11);
	db_time_utc(row->created_ms, row->created_utc, sizeof row->created_utc);
}

#define BACKUP_SELECT \
	"SELECT " DB_BACKUP_COLUMNS " FROM backups b JOIN devices d ON d.id = b.device_id"

/* Steps st for one backup row into ret; finalizes.  -ENOENT with the
 * message none when there is no row. */
static int backup_one(struct db *db, sqlite3_stmt *st, struct db_backup_row *ret,
		      const char *none)
{
	int rc = sqlite3_step(st), r = 0;

	if (rc == SQLITE_ROW)
		db_backup_read(st, ret);
	else if (rc == SQLITE_DONE)
		r = db_fail(db, -ENOENT, "%s", none);
	else
		r = db_fail_sqlite(db, rc, "find backup");
	sqlite3_finalize(st);
	return r;
}

/* Newest = recorded last (highest id), which a wall-clock step back
 * cannot reorder. */
int db_backup_latest_verified(struct db *db, const char *mac_in, struct db_backup_row *ret)
{
	char mac[DB_MAC_LEN], none[64];
	sqlite3_stmt *st;
	int r;

	memset(ret, 0, sizeof *ret);
	if (db_mac_normalize(mac_in, mac))
		return db_fail(db, -EINVAL, "bad MAC \"%.40s\"", mac_in ? mac_in : "");
	r = db_prep(db, &st,
		    BACKUP_SELECT " WHERE d.mac = ?1 AND b.verified = 1 ORDER BY b.id DESC LIMIT 1",
		    "find backup");
	if (r)
		return r;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	snprintf(none, sizeof none, "no verified backup of %s", mac);
	return backup_one(db, st, ret, none);
}

int db_backup_lookup(struct db *db, const char *path, const char *sha_in,
		     struct db_backup_row *ret)
{
	char sha[65] = "", none[320];
	sqlite3_stmt *st;
	int r;

	memset(ret, 0, sizeof *ret);
	if (sha_in && (r = db_hex_normalize(db, sha_in, 64, sha, "backup SHA-256")))
		return r;
	r = db_prep(db, &st,
		    BACKUP_SELECT " WHERE b.path = ?1 OR b.sha256 = ?2"
		    " ORDER BY b.path = ?1 DESC, b.id DESC LIMIT 1",
		    "find backup");
	if (r)
		return r;
	db_bind_text(st, 1, path);
	db_bind_text_or_null(st, 2, sha);
	snprintf(none, sizeof none, "no backup recorded at %.200s%s%s", path ? path : "-",
		 sha[0] ? " or with SHA-256 " : "", sha);
	return backup_one(db, st, ret, none);
}

int db_backups_for_mac(struct db *db, const char *mac_in, db_backup_fn *fn, void *user_data)
{
	char mac[DB_MAC_LEN];
	struct db_backup_row row;
	sqlite3_stmt *st;
	int r, rc;

	if (db_mac_normalize(mac_in, mac))
		return db_fail(db, -EINVAL, "bad MAC \"%.40s\"", mac_in ? mac_in : "");
	r = db_prep(db, &st, BACKUP_SELECT " WHERE d.mac = ?1 ORDER BY b.id DESC", "list backups");
	if (r)
		return r;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_backup_read(st, &row);
		r = fn(user_data, &row);
		if (r)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail_sqlite(db, rc, "list backups");
	/* finalizing ends the read snapshot even when fn stopped early */
	sqlite3_finalize(st);
	return r;
}

int db_restore_add(struct db *db, int64_t job_id, int64_t backup_id, const char *target_in,
		   int forced, int64_t *ret_id)
{
	char target[DB_MAC_LEN], donor[DB_MAC_LEN] = "", job_mac[DB_MAC_LEN] = "";
	sqlite3_stmt *st;
	int r, rc;

	if (db_mac_normalize(target_in, target))
		return db_fail(db, -EINVAL, "restore: bad target MAC \"%.40s\"",
			       target_in ? target_in : "");
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_job_check_open(db, job_id, "record restore");
	if (r == 0)
		r = db_prep(db, &st,
			    "SELECT (SELECT d.mac FROM backups b JOIN devices d ON d.id = b.device_id"
			    "        WHERE b.id = ?1),"
			    "       (SELECT d.mac FROM jobs j JOIN devices d ON d.id = j.device_id"
			    "        WHERE j.id = ?2)",
			    "record restore");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, backup_id);
		sqlite3_bind_int64(st, 2, job_id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			db_col_text(st, 0, donor, sizeof donor);
			db_col_text(st, 1, job_mac, sizeof job_mac);
		} else {
			r = db_fail_sqlite(db, rc, "record restore");
		}
		sqlite3_finalize(st);
	}
	if (r == 0 && !donor[0])
		r = db_fail(db, -ENOENT, "restore: no backup %lld", (long long)backup_id);
	if (r == 0 && job_mac[0] && strcmp(job_mac, target) != 0)
		r = db_fail(db, -EINVAL, "restore: job %lld is writing %s, not %s",
			    (long long)job_id, job_mac, target);
	if (r == 0 && !forced && strcmp(donor, target) != 0)
		r = db_fail(db, -EPERM,
			    "backup %lld belongs to %s, not to %s: refusing to write another "
			    "unit's backup (force it to override)",
			    (long long)backup_id, donor, target);
	if (r == 0)
		r = db_prep(db, &st,
			    "INSERT INTO restores (job_id, backup_id, donor_mac, target_mac, forced,"
			    "                      created_ms)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
			    "record restore");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, job_id);
		sqlite3_bind_int64(st, 2, backup_id);
		sqlite3_bind_text(st, 3, donor, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, target, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 5, forced ? 1 : 0);
		sqlite3_bind_int64(st, 6, db_now_ms(db));
		r = db_step_id(db, st, ret_id, "record restore");
	}
	if (r == 0)
		r = db_journal(db,
			       "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
			       " SELECT job_id, ?2, ?3, 'restore',"
			       "  json_object('restore_id', id, 'backup_id', backup_id,"
			       "   'donor_mac', donor_mac, 'target_mac', target_mac, 'forced', forced)"
			       " FROM restores WHERE id = ?1",
			       *ret_id, "journal restore");
	return db_tx_end(db, r);
}
