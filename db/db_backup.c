/* SPDX-License-Identifier: MIT */
/* Backups (the proof that a unit's own firmware is safe before its flash is
 * erased) with their provenance, the one reader of a backups row, whether a
 * unit was ever erased or written, the queries a restore needs (its default
 * choice by provenance, by MAC, by path or hash), and restores with donor
 * -> target (a ciphertext backup onto its own unit only). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_priv.h"

/* The earliest evidence that a job began to erase or write a unit (dev:
 * an SQL expression of its device id, with ?1): touch_step() returns 1 (t
 * filled), 0 none, or an error. */
struct touch {
	int64_t job_id, at_ms;
	char stage[33];
};

static int touch_first(struct db *db, const char *dev, sqlite3_stmt **st_out)
{
	char sql[2048];
	sqlite3_stmt *st;
	int r;

	snprintf(sql, sizeof sql,
		 "SELECT t.job_id, t.stage, t.at_ms FROM (" DB_TOUCHES("j.device_id = %s") ") t"
		 " ORDER BY t.at_ms, t.job_id LIMIT 1",
		 dev, dev, dev);
	r = db_prep(db, &st, sql, "find erase or write of the unit");
	if (r)
		return r;
	*st_out = st;
	return 0;
}

static int touch_step(struct db *db, sqlite3_stmt *st, struct touch *t)
{
	int rc = sqlite3_step(st), r;

	memset(t, 0, sizeof *t);
	if (rc == SQLITE_ROW) {
		t->job_id = sqlite3_column_int64(st, 0);
		db_col_text(st, 1, t->stage, sizeof t->stage);
		t->at_ms = sqlite3_column_int64(st, 2);
		r = 1;
	} else if (rc == SQLITE_DONE) {
		r = 0;
	} else {
		r = db_fail_sqlite(db, rc, "find erase or write of the unit");
	}
	sqlite3_finalize(st);
	return r;
}

static int touched_device(struct db *db, int64_t device_id, struct touch *t)
{
	sqlite3_stmt *st;
	int r = touch_first(db, "?1", &st);

	if (r)
		return r;
	sqlite3_bind_int64(st, 1, device_id);
	return touch_step(db, st, t);
}

int db_device_touched(struct db *db, const char *mac_in, int *ret)
{
	char mac[DB_MAC_LEN];
	struct touch t;
	sqlite3_stmt *st;
	int r;

	*ret = 0;
	if (db_mac_normalize(mac_in, mac))
		return db_fail(db, -EINVAL, "bad MAC \"%.40s\"", mac_in ? mac_in : "");
	r = touch_first(db, "(SELECT id FROM devices WHERE mac = ?1)", &st);
	if (r)
		return r;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	r = touch_step(db, st, &t);
	if (r < 0)
		return r;
	*ret = r;
	return 0;
}

int db_unit_last_written(struct db *db, const char *mac_in, struct db_unit_written *ret)
{
	char mac[DB_MAC_LEN];
	sqlite3_stmt *st;
	int r;

	if (db_mac_normalize(mac_in, mac))
		return db_fail(db, -EINVAL, "bad MAC \"%.40s\"", mac_in ? mac_in : "");
	if (db->version < 2)
		return -ENOENT; /* no clean proofs before schema v2 */
	/* the newest writing job; usable only if it wrote exactly one range at 0x0 */
	r = db_prep(db, &st,
		    "SELECT j.id, j.result = 'passed' AND j.clean_proven = 1"
		    "  AND (SELECT count(*) FROM job_writes c WHERE c.job_id = j.id) = 1"
		    "  AND w.addr = 0, w.size, w.sha256"
		    " FROM jobs j JOIN job_writes w ON w.job_id = j.id"
		    " WHERE j.device_id = (SELECT id FROM devices WHERE mac = ?1)"
		    " ORDER BY j.id DESC, w.id DESC LIMIT 1",
		    "last written");
	if (r)
		return r;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int(st, 1)) {
		ret->job_id = sqlite3_column_int64(st, 0);
		ret->size = (uint64_t)sqlite3_column_int64(st, 2);
		snprintf(ret->sha256, sizeof ret->sha256, "%s",
			 (const char *)sqlite3_column_text(st, 3));
		r = 0;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = db_fail_sqlite(db, rc, "last written");
	}
	sqlite3_finalize(st);
	return r;
}

/* A sector map as documented in db.h, lower-cased into out; *ret_set =
 * the number of sectors it marks as read. */
static int check_sector_map(struct db *db, const char *in, uint64_t size, char *out,
			    uint64_t *ret_set)
{
	uint64_t sectors = size / DB_SECTOR_SIZE, digits = (sectors + 7) / 8 * 2, set = 0;
	unsigned last = 0;

	if (size % DB_SECTOR_SIZE)
		return db_fail(db, -EINVAL, "sector map: size %llu is not a whole number of"
			       " 4 KiB sectors", (unsigned long long)size);
	if (digits > DB_SECTOR_MAP_MAX)
		return db_fail(db, -EINVAL, "sector map: %llu sectors, more than %d hex digits"
			       " (record a dense read, NULL)", (unsigned long long)sectors,
			       DB_SECTOR_MAP_MAX);
	if (db_hex_normalize(db, in, (size_t)digits, out, "sector map"))
		return db_fail(db, -EINVAL, "sector map: expected %llu hex digits for %llu sectors"
			       " (bit i = sector i, lowest bit of the first byte first), got %zu",
			       (unsigned long long)digits, (unsigned long long)sectors,
			       strlen(in));
	for (uint64_t i = 0; i < digits; i += 2) {
		unsigned hi = (unsigned)(out[i] <= '9' ? out[i] - '0' : out[i] - 'a' + 10);
		unsigned lo = (unsigned)(out[i + 1] <= '9' ? out[i + 1] - '0' : out[i + 1] - 'a' + 10);

		last = hi << 4 | lo;
		set += (uint64_t)__builtin_popcount(last);
	}
	if (sectors % 8 && (last >> (sectors % 8)) != 0)
		return db_fail(db, -EINVAL, "sector map: bits set past sector %llu, the last one",
			       (unsigned long long)(sectors - 1));
	*ret_set = set;
	return 0;
}

/* Provenance, sector map and import fields of b, checked; prov = "" when
 * the database is to decide (decide_provenance). */
struct backup_extra {
	char prov[16];
	char map[DB_SECTOR_MAP_MAX + 1];
	int has_map;
	uint64_t map_set;
};

static int check_extra(struct db *db, const struct db_backup *b, struct backup_extra *x)
{
	int imported, r;

	memset(x, 0, sizeof *x);
	if (b->provenance && *b->provenance) {
		if (strlen(b->provenance) >= sizeof x->prov)
			return db_fail(db, -EINVAL, "backup provenance: unknown value \"%.40s\""
				       " (known: original, ours, blank, imported)", b->provenance);
		snprintf(x->prov, sizeof x->prov, "%s", b->provenance);
	}
	if (b->sector_map && *b->sector_map) {
		if ((r = check_sector_map(db, b->sector_map, b->size, x->map, &x->map_set)))
			return r;
		x->has_map = 1;
		if (x->map_set == 0 && x->prov[0] && strcmp(x->prov, "blank") != 0)
			return db_fail(db, -EINVAL, "backup %s: its sector map shows no sector with"
				       " data, so it is blank, not %s", b->path, x->prov);
	}
	imported = strcmp(x->prov, "imported") == 0;
	if (imported) {
		if ((r = db_check_text(db, b->imported_by, 64, 0, "imported_by (the operator)")) ||
		    (r = db_check_text(db, b->imported_from, 1023, 0,
				       "imported_from (the file's original name)")))
			return r;
	} else if ((b->imported_by && *b->imported_by) ||
		   (b->imported_from && *b->imported_from)) {
		return db_fail(db, -EINVAL, "backup %s: imported_by and imported_from belong to an"
			       " imported backup, not to %s", b->path,
			       x->prov[0] ? x->prov : "one taken by the station");
	}
	return 0;
}

/* Inside the transaction: the provenance to store.  An "original" is only
 * of a unit no espstation job began to erase or write. */
static int decide_provenance(struct db *db, const struct db_backup *b, struct backup_extra *x)
{
	struct touch t;
	char when[32];
	int r;

	if (x->prov[0] && (r = db_check_enum(db, "backup_provenances", x->prov,
					     "backup provenance")))
		return r;
	if (!x->prov[0] && x->has_map && x->map_set == 0) {
		snprintf(x->prov, sizeof x->prov, "blank");
		return 0;
	}
	if (x->prov[0] && strcmp(x->prov, "original") != 0)
		return 0;
	r = touched_device(db, b->device_id, &t);
	if (r < 0)
		return r;
	if (r == 0) {
		snprintf(x->prov, sizeof x->prov, "original");
		return 0;
	}
	if (!x->prov[0]) {
		snprintf(x->prov, sizeof x->prov, "ours");
		return 0;
	}
	return db_fail(db, -EPERM, "backup %s: not an original: job %lld began to %s this unit"
		       " at %s, before this backup (record it as ours, or blank)", b->path,
		       (long long)t.job_id, t.stage, db_time_utc(t.at_ms, when, sizeof when));
}

int db_backup_add(struct db *db, const struct db_backup *b, int64_t *ret_id)
{
	char sha[65], md5[33], chip_md5[33] = "";
	struct backup_extra x;
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
	if ((r = check_extra(db, b, &x)))
		return r;
	if (b->ciphertext != 0 && b->ciphertext != 1)
		return db_fail(db, -EINVAL, "backup %s: ciphertext is 0 or 1, not %d", b->path,
			       b->ciphertext);
	/* computed here, never taken on trust; the schema checks it again */
	verified = b->chip_md5 && strcmp(md5, chip_md5) == 0;
	r = db_tx_begin(db);
	if (r)
		return r;
	if (b->job_id)
		r = db_job_check_open(db, b->job_id, "record backup");
	if (r == 0)
		r = decide_provenance(db, b, &x);
	if (r == 0)
		r = db_prep(db, &st,
			    "INSERT INTO backups (device_id, job_id, path, size, flash_id, sha256, md5,"
			    "                     chip_md5, verified, created_ms, provenance,"
			    "                     sector_map, imported_by, imported_from, ciphertext)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
			    " RETURNING id",
			    "record backup");
	if (r == 0) {
		int imported = strcmp(x.prov, "imported") == 0;

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
		sqlite3_bind_text(st, 11, x.prov, -1, SQLITE_TRANSIENT);
		db_bind_text_or_null(st, 12, x.map);
		db_bind_text_or_null(st, 13, imported ? b->imported_by : NULL);
		db_bind_text_or_null(st, 14, imported ? b->imported_from : NULL);
		sqlite3_bind_int(st, 15, b->ciphertext);
		r = db_step_id(db, st, ret_id, "record backup");
	}
	if (r == 0)
		r = db_journal(db,
			       "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
			       " SELECT b.job_id, ?2, ?3, 'backup',"
			       "  json_object('backup_id', b.id, 'device_id', b.device_id, 'mac', d.mac,"
			       "   'path', b.path, 'size', b.size, 'flash_id', b.flash_id,"
			       "   'sha256', b.sha256, 'md5', b.md5, 'chip_md5', b.chip_md5,"
			       "   'verified', b.verified, 'provenance', b.provenance,"
			       "   'sector_map', b.sector_map, 'imported_by', b.imported_by,"
			       "   'imported_from', b.imported_from, 'ciphertext', b.ciphertext)"
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
	db_col_text(st, 12, row->provenance, sizeof row->provenance);
	db_col_text(st, 13, row->sector_map, sizeof row->sector_map);
	db_col_text(st, 14, row->imported_by, sizeof row->imported_by);
	db_col_text(st, 15, row->imported_from, sizeof row->imported_from);
	row->ciphertext = sqlite3_column_int(st, 16);
}

const char *db_backup_columns(const struct db *db)
{
	if (db->version >= 3)
		return DB_BACKUP_COLUMNS;
	return db->version >= 2 ? DB_BACKUP_COLUMNS_V2 : DB_BACKUP_COLUMNS_V1;
}

/* Prepares SELECT <columns> FROM backups b JOIN devices d <tail>. */
static int backup_prep(struct db *db, sqlite3_stmt **st, const char *tail, const char *what)
{
	char *sql = sqlite3_mprintf("SELECT %s FROM backups b"
				    " JOIN devices d ON d.id = b.device_id %s",
				    db_backup_columns(db), tail);
	int r;

	if (!sql)
		return db_fail(db, -ENOMEM, "%s: out of memory", what);
	r = db_prep(db, st, sql, what);
	sqlite3_free(sql);
	return r;
}

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
	r = backup_prep(db, &st, "WHERE d.mac = ?1 AND b.verified = 1 ORDER BY b.id DESC LIMIT 1",
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
	r = backup_prep(db, &st,
			"WHERE b.path = ?1 OR b.sha256 = ?2 ORDER BY b.path = ?1 DESC, b.id DESC LIMIT 1",
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
	r = backup_prep(db, &st, "WHERE d.mac = ?1 ORDER BY b.id DESC", "list backups");
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

/* ---- the restore chooser ----------------------------------------------- */

enum { PROV_ORIGINAL, PROV_IMPORTED, PROV_OURS, PROV_BLANK, PROV_OTHER, PROV_N };
static const char *const s_prov_names[PROV_N] = {"original", "imported", "ours", "blank",
						 "other"};

/* Backups counted by provenance, how many of them restore may not use (an
 * original not verified, an import its chip disproved), and how many were
 * passed over as ciphertext of another unit than the target. */
struct prov_count {
	int n[PROV_N], unusable[PROV_N], cipher[PROV_N], total;
};

struct choice {
	struct db_backup_row *ret;
	int other_unit;             /* the target is not the donor: no ciphertext */
	int have;                   /* 0 none yet, else PROV_ORIGINAL / PROV_IMPORTED + 1 */
	struct db_backup_row *imported;  /* newest usable import, while looking on */
	int64_t imported_id;
	struct prov_count all, newer;    /* newer: above the chosen row */
	struct prov_count newer_than_import;
};

static int prov_index(const char *p)
{
	for (int i = 0; i < PROV_OTHER; i++)
		if (strcmp(p, s_prov_names[i]) == 0)
			return i;
	return PROV_OTHER;
}

static int usable(int prov, const struct db_backup_row *row)
{
	if (prov == PROV_ORIGINAL)
		return row->verified;
	/* an import was checked by its SHA-256; only a chip that disagreed rules it out */
	if (prov == PROV_IMPORTED)
		return row->verified || !row->chip_md5[0];
	return 0;
}

static void count(struct prov_count *c, int prov, int ok, int cipher)
{
	c->n[prov]++;
	c->total++;
	if (cipher)
		c->cipher[prov]++;
	else if (!ok && (prov == PROV_ORIGINAL || prov == PROV_IMPORTED))
		c->unusable[prov]++;
}

/* "2 ours, 1 original (1 not verified)"; with ciphertext passed over for
 * another unit: "1 original (1 ciphertext: for DONOR only)" */
static void count_text(const struct prov_count *c, const char *donor, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < PROV_N; i++) {
		if (!c->n[i])
			continue;
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%d %s",
					len ? ", " : "", c->n[i], s_prov_names[i]);
		if (c->unusable[i])
			len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, " (%d %s)",
						c->unusable[i], i == PROV_ORIGINAL ? "not verified"
						: "disproved by the chip");
		if (c->cipher[i])
			len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0,
						" (%d ciphertext: for %s only)", c->cipher[i], donor);
		if (len >= cap)
			break;
	}
}

static int choice_row(void *user, const struct db_backup_row *row)
{
	struct choice *c = user;
	int prov = prov_index(row->provenance);
	/* ciphertext decrypts on its own chip only */
	int cipher = c->other_unit && row->ciphertext && usable(prov, row);
	int ok = usable(prov, row) && !cipher;

	count(&c->all, prov, ok, cipher);
	if (c->have)
		return 0;
	if (ok && prov == PROV_ORIGINAL) {
		*c->ret = *row;
		c->have = PROV_ORIGINAL + 1;
		return 0;
	}
	if (ok && prov == PROV_IMPORTED && !c->imported_id) {
		*c->imported = *row;
		c->imported_id = row->id;
		c->newer_than_import = c->newer;
	}
	count(&c->newer, prov, ok, cipher);
	return 0;
}

int db_backup_restore_choice(struct db *db, const char *mac_in, struct db_backup_row *ret,
			     char *why, size_t cap)
{
	return db_backup_restore_choice_onto(db, mac_in, NULL, ret, why, cap);
}

int db_backup_restore_choice_onto(struct db *db, const char *mac_in, const char *target_in,
				  struct db_backup_row *ret, char *why, size_t cap)
{
	char mac[DB_MAC_LEN], target[DB_MAC_LEN], counts[320], newer[360] = "", msg[900];
	struct db_backup_row *imported;
	const struct prov_count *skipped;
	struct choice c;
	int r;

	memset(ret, 0, sizeof *ret);
	if (why && cap)
		why[0] = '\0';
	if (db_mac_normalize(mac_in, mac)) {
		r = db_fail(db, -EINVAL, "bad MAC \"%.40s\"", mac_in ? mac_in : "");
		goto out;
	}
	if (!target_in)
		memcpy(target, mac, sizeof target);
	else if (db_mac_normalize(target_in, target)) {
		r = db_fail(db, -EINVAL, "bad target MAC \"%.40s\"", target_in);
		goto out;
	}
	imported = calloc(1, sizeof *imported);
	if (!imported) {
		r = db_fail(db, -ENOMEM, "restore choice: out of memory");
		goto out;
	}
	memset(&c, 0, sizeof c);
	c.ret = ret;
	c.imported = imported;
	c.other_unit = strcmp(mac, target) != 0;
	r = db_backups_for_mac(db, mac, choice_row, &c);
	if (r == 0 && !c.have && c.imported_id) {
		*ret = *imported;
		c.have = PROV_IMPORTED + 1;
		c.newer = c.newer_than_import;
	}
	free(imported);
	if (r || !c.have)
		memset(ret, 0, sizeof *ret);
	if (r)
		goto out;
	if (!c.have) {
		count_text(&c.all, mac, counts, sizeof counts);
		if (c.all.total == 0)
			r = db_fail(db, -ENOENT, "no backups of %s: nothing to restore", mac);
		else
			r = db_fail(db, -ENOENT, "%d backup%s of %s: %s; %s: restore needs --backup"
				    " FILE to write one of those", c.all.total,
				    c.all.total == 1 ? "" : "s", mac, counts,
				    c.all.n[PROV_ORIGINAL] || c.all.n[PROV_IMPORTED]
				    ? "no verified original and no usable imported one"
				    : "none original or imported");
		goto out;
	}
	skipped = &c.newer;
	if (skipped->total) {
		count_text(skipped, mac, counts, sizeof counts);
		snprintf(newer, sizeof newer, "; %d newer passed over: %s", skipped->total, counts);
	}
	if (c.have == PROV_ORIGINAL + 1)
		snprintf(msg, sizeof msg, "backup %lld (original, verified%s, %s): the newest verified"
			 " original of %s%s", (long long)ret->id,
			 ret->ciphertext ? ", ciphertext" : "", ret->created_utc, mac, newer);
	else
		snprintf(msg, sizeof msg, "backup %lld (imported by %.64s from %.200s%s, %s): %s has"
			 " no verified original, this is its newest usable import%s",
			 (long long)ret->id, ret->imported_by, ret->imported_from,
			 ret->ciphertext ? ", ciphertext" : "", ret->created_utc, mac, newer);
	if (why && cap)
		snprintf(why, cap, "%s", msg);
	return 0;
out:
	if (why && cap)
		snprintf(why, cap, "%s", db_errmsg(db));
	return r;
}

int db_backup_check_target(const struct db_backup_row *b, const char *target_in, int forced,
			   char *why, size_t cap)
{
	char target[DB_MAC_LEN];
	int r = 0;

	if (why && cap)
		why[0] = '\0';
	if (db_mac_normalize(target_in, target)) {
		if (why && cap)
			snprintf(why, cap, "bad target MAC \"%.40s\"", target_in ? target_in : "");
		return -EINVAL;
	}
	if (strcmp(b->mac, target) == 0)
		return 0;
	if (b->ciphertext) {
		r = -EPERM;
		if (why && cap)
			snprintf(why, cap, "backup %lld of %s is ciphertext of that chip's flash"
				 " encryption: it decrypts on %s only, never on %s, forced or not"
				 " (restore %s from a backup of its own)", (long long)b->id, b->mac,
				 b->mac, target, target);
	} else if (!forced) {
		r = -EPERM;
		if (why && cap)
			snprintf(why, cap, "backup %lld belongs to %s, not to %s: refusing to write"
				 " another unit's backup (force it to override)", (long long)b->id,
				 b->mac, target);
	}
	return r;
}

int db_restore_add(struct db *db, int64_t job_id, int64_t backup_id, const char *target_in,
		   int forced, int64_t *ret_id)
{
	char target[DB_MAC_LEN], donor[DB_MAC_LEN] = "", job_mac[DB_MAC_LEN] = "";
	sqlite3_stmt *st;
	int ciphertext = 0, r, rc;

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
			    "        WHERE j.id = ?2),"
			    "       (SELECT ciphertext FROM backups WHERE id = ?1)",
			    "record restore");
	if (r == 0) {
		sqlite3_bind_int64(st, 1, backup_id);
		sqlite3_bind_int64(st, 2, job_id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			db_col_text(st, 0, donor, sizeof donor);
			db_col_text(st, 1, job_mac, sizeof job_mac);
			ciphertext = sqlite3_column_int(st, 2);
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
	/* ciphertext decrypts on its own chip only: no force makes it a clone */
	if (r == 0 && ciphertext && strcmp(donor, target) != 0)
		r = db_fail(db, -EPERM,
			    "backup %lld of %s is ciphertext of that chip's flash encryption: it "
			    "decrypts on %s only, never on %s, forced or not",
			    (long long)backup_id, donor, donor, target);
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
