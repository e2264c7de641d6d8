/* SPDX-License-Identifier: MIT */
/* Things the station meets: stations, adapters on ports, units, image
 * files.  Each is inserted once and afterwards only its last_seen moves. */
#include <errno.h>
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
		    "   'first', json_object('chip', chip, 'flash_id', flash_id, 'flash_size', flash_size),"
		    "   'now', json_object('chip', ?4, 'flash_id', ?5, 'flash_size', ?6))"
		    " FROM devices WHERE id = ?1",
		    "journal device change");
	if (r)
		return r;
	sqlite3_bind_int64(st, 1, id);
	db_bind_now(db, st, 2, 3);
	sqlite3_bind_text(st, 4, d->chip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, d->flash_id);
	sqlite3_bind_int64(st, 6, d->flash_size);
	return db_step_done(db, st, "journal device change");
}

int db_device_seen(struct db *db, const struct db_device *d, int64_t *ret_id)
{
	char mac[DB_MAC_LEN];
	sqlite3_stmt *st;
	int changed = 0, r, rc;

	if (db_mac_normalize(d->mac, mac))
		return db_fail(db, -EINVAL, "device: bad MAC \"%.40s\"", d->mac ? d->mac : "");
	r = db_check_text(db, d->chip, 32, 0, "device chip");
	if (r)
		return r;
	r = db_tx_begin(db);
	if (r)
		return r;
	r = db_prep(db, &st,
		    "INSERT INTO devices (mac, chip, flash_id, flash_size, first_seen_ms, last_seen_ms)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
		    " ON CONFLICT (mac) DO UPDATE SET"
		    "  last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)"
		    " RETURNING id, chip, flash_id, flash_size",
		    "add device");
	if (r)
		return db_tx_end(db, r);
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, d->chip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, d->flash_id);
	sqlite3_bind_int64(st, 4, d->flash_size);
	sqlite3_bind_int64(st, 5, db_now_ms(db));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *chip = (const char *)sqlite3_column_text(st, 1);

		*ret_id = sqlite3_column_int64(st, 0);
		changed = !chip || strcmp(chip, d->chip) != 0 ||
			  sqlite3_column_int64(st, 2) != (int64_t)d->flash_id ||
			  sqlite3_column_int64(st, 3) != (int64_t)d->flash_size;
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		r = db_fail_sqlite(db, sqlite3_extended_errcode(db->h), "add device");
	sqlite3_finalize(st);
	if (r == 0 && changed)
		r = journal_changed(db, *ret_id, d);
	r = db_tx_end(db, r);
	return r ? r : changed;
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
