/* SPDX-License-Identifier: MIT */
/* Things the station meets: stations, adapters on ports, units (with their
 * chip family and security state, schema v3), image files.  Each is
 * inserted once and afterwards only its last_seen moves (and a unit's
 * latest security state, journalled). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db_priv.h"

int db_station_upsert(struct db *db, const char *name, int64_t *ret_id)
{
	sqlite3_stmt *st;
	int r;

	r = db_check_text(db, name, 64, 0, "station name");
	if (r)
		return r;
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_prep(db, &st,
		    "INSERT INTO stations (name, created_ms) VALUES (?1, ?2)"
		    " ON CONFLICT (name) DO NOTHING",
		    "add station");
	if (r == 0) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, db_now_ms(db));
		r = db_step_done(db, st, "add station");
	}
	if (r == 0)
		r = db_prep(db, &st, "SELECT id FROM stations WHERE name = ?1", "find station");
	if (r == 0) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		r = db_step_id(db, st, ret_id, "find station");
	}
	return db_tx_end(db, r);
}

int db_adapter_upsert(struct db *db, const struct db_adapter *a, int64_t *ret_id)
{
	sqlite3_stmt *st;
	int r;

	if (a->station_id <= 0)
		return db_fail(db, -EINVAL, "adapter: no station id");
	if (a->vid > 0xffff || a->pid > 0xffff)
		return db_fail(db, -EINVAL, "adapter: VID/PID %x:%x out of range", a->vid, a->pid);
	if ((r = db_check_text(db, a->usb_serial, 128, 1, "adapter USB serial")) ||
	    (r = db_check_text(db, a->id_path, 256, 1, "adapter ID_PATH")) ||
	    (r = db_check_text(db, a->slot, 32, 1, "adapter slot")) ||
	    (r = db_check_text(db, a->kind, 32, 1, "adapter kind")))
		return r;
	r = db_prep(db, &st,
		    "INSERT INTO adapters (station_id, vid, pid, usb_serial, id_path, slot, kind,"
		    "                      first_seen_ms, last_seen_ms)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
		    " ON CONFLICT (station_id, vid, pid, usb_serial, id_path, slot)"
		    " DO UPDATE SET last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)"
		    " RETURNING id",
		    "add adapter");
	if (r)
		return r;
	sqlite3_bind_int64(st, 1, a->station_id);
	sqlite3_bind_int(st, 2, (int)a->vid);
	sqlite3_bind_int(st, 3, (int)a->pid);
	sqlite3_bind_text(st, 4, a->usb_serial ? a->usb_serial : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, a->id_path ? a->id_path : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, a->slot ? a->slot : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, a->kind ? a->kind : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, db_now_ms(db));
	/* one statement: atomic without an explicit transaction */
	return db_step_id(db, st, ret_id, "add adapter");
}

/* ---- a unit's family and security state (schema v3) -------------------- */

const char *db_family_column(const struct db *db)
{
	return db->version >= 3 ? DB_FAMILY_V3 : DB_FAMILY_BEFORE_V3;
}

int db_check_family(struct db *db, const char *family, const char *what)
{
	/* a file before v3 has no chip_families: the families v3 knows */
	return db_check_enum(db, db->version >= 3 ? "chip_families"
				 : "(SELECT column1 AS name FROM (VALUES " DB_CHIP_FAMILY_ROWS ")"
				   " ORDER BY 1)",
			     family, what);
}

/* The names of the security_features rows of schema v3, in their order. */
static const char *const s_security_names[] = {
	"flash_encryption", "secure_boot", "secure_download", "dl_encrypt_disabled",
};

const char *db_security_text(unsigned flags, char buf[DB_SECURITY_MAX])
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof s_security_names / sizeof s_security_names[0]; i++)
		if (flags & (1u << i))
			len += (size_t)snprintf(buf + len, DB_SECURITY_MAX - len, "%s%s",
						len ? "," : "", s_security_names[i]);
	return buf;
}

/* A security list as the caller wrote it (any order, blanks around names)
 * into its canonical form (out, DB_SECURITY_MAX bytes): every name a row of
 * security_features, stored in their order, once; "" stays "". */
static int security_normalize(struct db *db, const char *in, char *out)
{
	char list[DB_SECURITY_MAX], name[DB_SECURITY_MAX];
	size_t len = 0;
	sqlite3_stmt *st;
	int r, rc;

	if (strlen(in) >= DB_SECURITY_MAX)
		return db_fail(db, -EINVAL, "device security: longer than %d bytes",
			       DB_SECURITY_MAX - 1);
	list[0] = '\0';
	for (const char *p = in;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0 && (comma || len))
			return db_fail(db, -EINVAL, "device security \"%.80s\": an empty name"
				       " (a comma list of names, or \"\" for none)", in);
		if (n) {
			snprintf(name, sizeof name, "%.*s", (int)n, p);
			if ((r = db_check_enum(db, "security_features", name, "device security")))
				return r;
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
						len ? "," : "", name);
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	r = db_prep(db, &st, "SELECT " DB_SECURITY_CANONICAL("?1"), "device security");
	if (r)
		return r;
	sqlite3_bind_text(st, 1, list, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		db_col_text(st, 0, out, DB_SECURITY_MAX);
	else
		r = db_fail_sqlite(db, rc, "device security");
	sqlite3_finalize(st);
	return r;
}

/* ---- devices ------------------------------------------------------------ */

/* Journals a sighting that differs from the device's first one, so the
 * new facts are kept although the row keeps the first values. */
static int journal_changed(struct db *db, int64_t id, const struct db_device *d)
{
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, &st,
		    "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
		    " SELECT NULL, ?2, ?3, 'device.changed',"
		    "  json_object('device_id', id, 'mac', mac,"
		    "   'first', json_object('chip', chip, 'flash_id', flash_id, 'flash_size', flash_size,"
		    "    'family', family),"
		    "   'now', json_object('chip', ?4, 'flash_id', ?5, 'flash_size', ?6,"
		    "    'family', ?7))"
		    " FROM devices WHERE id = ?1",
		    "journal device change");
	if (r)
		return r;
	sqlite3_bind_int64(st, 1, id);
	db_bind_now(db, st, 2, 3);
	sqlite3_bind_text(st, 4, d->chip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, d->flash_id);
	sqlite3_bind_int64(st, 6, d->flash_size);
	db_bind_text_or_null(st, 7, d->family);
	return db_step_done(db, st, "journal device change");
}

/* The unit's security state changed (was: old, NULL = never read): the row
 * keeps the latest, the journal the change. */
static int security_changed(struct db *db, int64_t id, const char *old, int old_read,
			    const char *now)
{
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, &st, "UPDATE devices SET security = ?2 WHERE id = ?1", "device security");
	if (r)
		return r;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
	r = db_step_done(db, st, "device security");
	if (r)
		return r;
	r = db_prep(db, &st,
		    "INSERT INTO events (job_id, ts_ms, ts_utc, type, data)"
		    " SELECT NULL, ?2, ?3, 'device.security',"
		    "  json_object('device_id', id, 'mac', mac, 'from', ?4, 'to', security)"
		    " FROM devices WHERE id = ?1",
		    "journal device security");
	if (r)
		return r;
	sqlite3_bind_int64(st, 1, id);
	db_bind_now(db, st, 2, 3);
	if (old_read)
		sqlite3_bind_text(st, 4, old, -1, SQLITE_TRANSIENT);
	return db_step_done(db, st, "journal device security");
}

/* What the upsert found: the row after it (the first facts, a family
 * filled in now) and the security state before it. */
struct seen_row {
	int64_t id;
	int changed;
	int security_read;
	char security[DB_SECURITY_MAX];
};

static int seen_step(struct db *db, sqlite3_stmt *st, const struct db_device *d,
		     struct seen_row *row)
{
	int rc = sqlite3_step(st), r = 0;

	if (rc == SQLITE_ROW) {
		const char *chip = (const char *)sqlite3_column_text(st, 1);
		const char *family = (const char *)sqlite3_column_text(st, 4);

		row->id = sqlite3_column_int64(st, 0);
		row->changed = !chip || strcmp(chip, d->chip) != 0 ||
			       sqlite3_column_int64(st, 2) != (int64_t)d->flash_id ||
			       sqlite3_column_int64(st, 3) != (int64_t)d->flash_size ||
			       (d->family && *d->family && family && strcmp(family, d->family) != 0);
		row->security_read = sqlite3_column_type(st, 5) != SQLITE_NULL;
		db_col_text(st, 5, row->security, sizeof row->security);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		r = db_fail_sqlite(db, sqlite3_extended_errcode(db->h), "add device");
	sqlite3_finalize(st);
	return r;
}

int db_device_seen(struct db *db, const struct db_device *d, int64_t *ret_id)
{
	char mac[DB_MAC_LEN], security[DB_SECURITY_MAX] = "";
	struct seen_row row = {0};
	sqlite3_stmt *st;
	int r;

	if (db_mac_normalize(d->mac, mac))
		return db_fail(db, -EINVAL, "device: bad MAC \"%.40s\"", d->mac ? d->mac : "");
	if ((r = db_check_text(db, d->chip, 32, 0, "device chip")) ||
	    (r = db_check_text(db, d->description, DB_DESCRIPTION_MAX - 1, 1,
			       "device description")) ||
	    (r = db_check_text(db, d->revision, DB_REVISION_MAX - 1, 1, "device revision")) ||
	    (d->family && *d->family && (r = db_check_family(db, d->family, "device family"))) ||
	    (d->security && (r = security_normalize(db, d->security, security))))
		return r;
	r = db_tx_begin(db);
	if (r)
		return r;
	/* RETURNING gives the row after the upsert: the first facts (a family,
	 * description or revision only where there was none) and, as the
	 * upsert leaves it alone, the security state before this sighting */
	r = db_prep(db, &st,
		    "INSERT INTO devices (mac, chip, flash_id, flash_size, first_seen_ms, last_seen_ms,"
		    "                     family, description, revision, security)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9)"
		    " ON CONFLICT (mac) DO UPDATE SET"
		    "  last_seen_ms = max(last_seen_ms, excluded.last_seen_ms),"
		    "  family = coalesce(family, excluded.family),"
		    "  description = coalesce(description, excluded.description),"
		    "  revision = coalesce(revision, excluded.revision)"
		    " RETURNING id, chip, flash_id, flash_size, family, security",
		    "add device");
	if (r)
		return db_tx_end(db, r);
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, d->chip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, d->flash_id);
	sqlite3_bind_int64(st, 4, d->flash_size);
	sqlite3_bind_int64(st, 5, db_now_ms(db));
	db_bind_text_or_null(st, 6, d->family);
	db_bind_text_or_null(st, 7, d->description);
	db_bind_text_or_null(st, 8, d->revision);
	db_bind_text(st, 9, d->security ? security : NULL);
	r = seen_step(db, st, d, &row);
	if (r == 0)
		*ret_id = row.id;
	if (r == 0 && row.changed)
		r = journal_changed(db, row.id, d);
	/* a fresh row already holds this state: only a unit seen before changes */
	if (r == 0 && d->security && (!row.security_read || strcmp(row.security, security) != 0))
		r = security_changed(db, row.id, row.security, row.security_read, security);
	r = db_tx_end(db, r);
	return r ? r : row.changed;
}

int db_device_find(struct db *db, const char *mac_in, int64_t *ret_id)
{
	char mac[DB_MAC_LEN];
	sqlite3_stmt *st;
	int r;

	if (db_mac_normalize(mac_in, mac))
		return db_fail(db, -EINVAL, "bad MAC \"%.40s\"", mac_in ? mac_in : "");
	r = db_prep(db, &st, "SELECT id FROM devices WHERE mac = ?1", "find device");
	if (r)
		return r;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	r = db_step_id(db, st, ret_id, "find device");
	if (r == -ENOENT)
		r = db_fail(db, -ENOENT, "no device with MAC %s", mac);
	return r;
}

static int bind_field(sqlite3_stmt *st, int i, int64_t v)
{
	return v < 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, v);
}

int db_image_upsert(struct db *db, const struct db_image *img, int64_t *ret_id)
{
	char sha[65];
	sqlite3_stmt *st;
	int64_t size = -1;
	int r, rc;

	r = db_hex_normalize(db, img->sha256, 64, sha, "image SHA-256");
	if (r)
		return r;
	r = db_check_text(db, img->name, 255, 0, "image name");
	if (r)
		return r;
	if (img->size > INT64_MAX)
		return db_fail(db, -EINVAL, "image size out of range");
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_prep(db, &st,
		    "INSERT INTO images (sha256, name, size, flash_mode, size_code, freq_code,"
		    "                    entry, created_ms)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (sha256) DO NOTHING",
		    "add image");
	if (r == 0) {
		sqlite3_bind_text(st, 1, sha, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, img->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, (int64_t)img->size);
		bind_field(st, 4, img->flash_mode);
		bind_field(st, 5, img->size_code);
		bind_field(st, 6, img->freq_code);
		bind_field(st, 7, img->entry);
		sqlite3_bind_int64(st, 8, db_now_ms(db));
		r = db_step_done(db, st, "add image");
	}
	if (r == 0)
		r = db_prep(db, &st, "SELECT id, size FROM images WHERE sha256 = ?1", "find image");
	if (r == 0) {
		sqlite3_bind_text(st, 1, sha, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*ret_id = sqlite3_column_int64(st, 0);
			size = sqlite3_column_int64(st, 1);
		} else {
			r = db_fail_sqlite(db, rc, "find image");
		}
		sqlite3_finalize(st);
	}
	if (r == 0 && size != (int64_t)img->size)
		r = db_fail(db, -EINVAL, "image %s: recorded with %lld bytes, now %llu bytes", sha,
			    (long long)size, (unsigned long long)img->size);
	return db_tx_end(db, r);
}
