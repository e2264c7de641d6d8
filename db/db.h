/* SPDX-License-Identifier: MIT */
/* espstation database: stations, adapters, devices, images, jobs with their
 * stages and written ranges, backups, restores, and an append-only event
 * journal, in one SQLite file (WAL).  Only SQLite; no printing, no globals.
 * Schema v2: every backup has a provenance (original, ours, blank,
 * imported) and restore chooses by it (db_backup_restore_choice).
 * Schema v3: every unit has a chip family (esp8266, esp32, esp32c3), a
 * description with its revision and a security state; a backup of a
 * flash-encrypted unit is ciphertext, restored only onto that same unit.
 *
 * Process model (design.md §2): every worker process opens its own
 * connection and writes its own job's rows; the supervisor and the audit
 * CLI open theirs.  WAL lets them read while one writes; the busy timeout
 * serialises writers.  A struct db belongs to one thread at a time, and is
 * never carried across fork(): a child must neither use nor close the
 * parent's struct db (open its own after the fork).
 *
 * History is never updated away: the schema's triggers refuse DELETE on
 * every table, UPDATE of journal, backup, image, stage, write and restore
 * rows, and UPDATE of a closed job; adapters and devices only move
 * last_seen forward (a device also fills in its family, description and
 * revision once, and keeps its latest security state, each change of it
 * journalled).  Every change to a job and to the rows that hang off
 * it (device, stages, writes, backups, restores, end) appends a journal
 * event in the same transaction, built from the row just written, so a job
 * can be replayed from the events table alone.
 *
 * Return values: 0 on success, a negative errno-style code on failure, and
 * db_errmsg() then says what failed and why, in one line:
 *   -EINVAL    bad argument (malformed MAC or hash, unknown mode/result/outcome)
 *   -ENOENT    no such row (job, device, backup; or a referenced id is unknown)
 *   -EALREADY  the job is already closed (a closed job is history)
 *   -EPERM     refused by an append-only trigger, or another unit's backup
 *              without force, or an "original" backup of a unit already
 *              erased or written
 *   -EBUSY     the database stayed locked for the whole busy timeout
 *   -ENOSPC    disk full; -EIO (or the system errno) for other I/O errors
 *   -EBADMSG   not an espstation database, or a corrupt file
 *   -ENOTSUP   the schema is newer than this program
 *   -EROFS, -EACCES  the file, its directory or its file system may not be
 *              written (or, for db_open_readonly, read)
 *   -ENOMEM    out of memory
 * A failed call leaves nothing behind: each call is one transaction (or a
 * savepoint inside the caller's db_tx_begin()), durable when it returns 0
 * outside a db_tx_begin() (synchronous=FULL).
 *
 * Times are Unix milliseconds (CLOCK_REALTIME) in *_ms columns; the journal
 * also stores ts_utc, and the views (job_report, stage_report,
 * backup_inventory) add *_utc columns, as ISO-8601 UTC with ms
 * ("2024-05-01T12:34:56.789Z") for people reading the file directly. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define DB_MUST_CHECK __attribute__((warn_unused_result))

/* Schema version this build writes; see the version log in db_schema.c. */
#define DB_SCHEMA_VERSION 3
/* Longest stored path (bytes, without the NUL). */
#define DB_PATH_MAX 4095
/* Canonical MAC: "aa:bb:cc:dd:ee:ff" plus NUL. */
#define DB_MAC_LEN 18
/* A backup's sector map covers sectors of this size ... */
#define DB_SECTOR_SIZE 4096
/* ... in at most this many hex digits (flash up to 64 MiB). */
#define DB_SECTOR_MAP_MAX 4096
/* Longest chip family name, description, revision and security state
 * (bytes, with the NUL). */
#define DB_FAMILY_MAX 16
#define DB_DESCRIPTION_MAX 128
#define DB_REVISION_MAX 16
#define DB_SECURITY_MAX 96

struct db;

/* ---- db_conn.c, db_tx.c, db_clock.c: connection, transactions, time --- */

/* Opens (creating if missing) the database at path; the directory must
 * exist.  Sets journal_mode=WAL, synchronous=FULL (a commit is on disk when
 * the call returns), foreign_keys=ON, recursive_triggers=ON (so REPLACE
 * cannot delete behind the triggers' back) and a 10 s busy timeout, then
 * migrates the schema to DB_SCHEMA_VERSION in one transaction.  Safe to run
 * from many processes at once on the same file.  Refuses a file written by
 * a newer espstation (-ENOTSUP: "PATH: database schema v7 is newer than
 * this espstation (v1) (fix: upgrade espstation)") and a file that is not
 * ours (-EBADMSG: "PATH: not an espstation database: ...").  On failure
 * *ret is NULL and err (if not NULL) holds one line: the path, the cause
 * and a fix that fits it (a missing directory, a read-only file, directory
 * or file system, another program's file, a newer schema). */
int db_open(const char *path, struct db **ret, char *err, size_t errlen) DB_MUST_CHECK;

/* Opens an existing database for reading only (the audit): never creates,
 * migrates or writes it, and works from read-only media (a read-only file
 * in a read-only directory, with or without the -wal and -shm files a
 * writer left beside it).  Refuses, in one line naming the path, cause and
 * fix: a missing file (-ENOENT), an empty or foreign file (-EBADMSG: "not
 * an espstation database"), a schema newer than this build (-ENOTSUP).  A
 * file of an older schema is read as it is.  Every write on the connection
 * fails (-EROFS). */
int db_open_readonly(const char *path, struct db **ret, char *err,
		     size_t errlen) DB_MUST_CHECK;

/* Closes the connection; NULL is fine.  An open db_tx_begin() is rolled
 * back. */
void db_close(struct db *db);

/* The message of the last failed call on this connection ("" if none). */
const char *db_errmsg(const struct db *db);

/* Schema version found in the file when it was opened (0 = new file). */
int db_schema_version_at_open(const struct db *db);

/* Milliseconds to wait for another writer (default 10000). */
void db_set_busy_timeout(struct db *db, int ms);

/* Replaces the wall clock used for the rows' own timestamps (job start and
 * end, event, backup and first/last-seen times).  For tests and replay; NULL
 * restores CLOCK_REALTIME. */
typedef int64_t db_clock_fn(void *user_data);
void db_set_clock(struct db *db, db_clock_fn *fn, void *user_data);

/* The connection's current time in Unix ms (the clock above). */
int64_t db_now_ms(const struct db *db);

/* Formats Unix ms as "2024-05-01T12:34:56.789Z" (buf >= 32 bytes). */
const char *db_time_utc(int64_t ms, char *buf, size_t cap);

/* Groups several calls into one transaction: nothing is visible to other
 * connections, and nothing survives a crash, until db_tx_commit().  Takes
 * the write lock at once (BEGIN IMMEDIATE), waiting up to the busy timeout.
 * Calls nest; only the outermost commit is durable.  After a failed call
 * inside a transaction the transaction is still usable (that call's
 * changes were rolled back to its savepoint), except after a disk-full,
 * I/O or out-of-memory error: SQLite then drops the whole transaction, and
 * every call returns -EIO until the caller unwinds with db_tx_rollback()
 * (or db_tx_commit(), which then fails). */
int db_tx_begin(struct db *db) DB_MUST_CHECK;
int db_tx_commit(struct db *db) DB_MUST_CHECK;
/* Rolls back the innermost db_tx_begin(); NULL-safe, never fails. */
void db_tx_rollback(struct db *db);

/* ---- db_mac.c ----------------------------------------------------------- */

/* Canonical form of a MAC written as aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff,
 * aabb.ccdd.eeff or aabbccddeeff, any case, surrounding blanks ignored:
 * out = "aa:bb:cc:dd:ee:ff" (out may be in).  Mixed or misplaced
 * separators are refused, not guessed.  Returns 0, or -EINVAL (out = ""). */
int db_mac_normalize(const char *in, char out[DB_MAC_LEN]) DB_MUST_CHECK;

/* ---- db_device.c: stations, adapters, devices, images ----------------- */

/* Id of the station called name (created on first use).  name: 1..64
 * printable characters. */
int db_station_upsert(struct db *db, const char *name, int64_t *ret_id) DB_MUST_CHECK;

/* One USB-UART adapter as seen on one physical port.  An adapter row is
 * identified by all of station, VID, PID, USB serial, ID_PATH and slot: a
 * CH340 has no serial, so its port is its identity; a CP2102 moved to another
 * port gets a second row with the same serial (group by vid, pid, usb_serial
 * to follow it).  Repeated sightings only move last_seen forward. */
struct db_adapter {
	int64_t station_id;
	unsigned vid, pid;          /* USB idVendor, idProduct */
	const char *usb_serial;     /* iSerial; NULL or "" if the chip has none */
	const char *id_path;        /* udev ID_PATH; NULL or "" for TCP ports */
	const char *slot;           /* slot name from the config; NULL/"" if unmapped */
	const char *kind;           /* "cp2102", "ch340", "ft232r" ...; may be NULL */
};
int db_adapter_upsert(struct db *db, const struct db_adapter *a, int64_t *ret_id) DB_MUST_CHECK;

/* A unit seen by detect.  The first sighting fixes chip, flash_id,
 * flash_size, family, description and revision; later sightings move
 * last_seen forward, and fill in a family, description or revision the row
 * does not have yet (e.g. a unit first recorded by `vault import`).
 * Returns 0, or 1 when the row already existed with a different chip, flash
 * ID, size or family (e.g. a replaced flash chip: the row keeps the first
 * values, and a station-level "device.changed" event keeps both), or a
 * negative error.
 *
 * Schema v3 fields; NULL (or "") = unknown / leave as stored, so a caller
 * that does not fill them keeps working:
 *   family       "esp8266" (ESP8266EX and ESP8285), "esp32", "esp32c3": a
 *                row of chip_families (-EINVAL with the known ones).
 *   description  variant and revision as people read them, e.g.
 *                "ESP32-D0WD-V3 (revision v3.1)" (1..127 bytes).
 *   revision     the chip revision alone, e.g. "v3.1"; NULL on an ESP8266.
 *   security     the security state read from the chip: a comma list of
 *                "flash_encryption", "secure_boot", "secure_download",
 *                "dl_encrypt_disabled" (any order; stored in that order,
 *                db_security_text() writes it from flags), "" = none of
 *                them, NULL = not read (the ESP8266 has none to read).
 *                Unlike the rest it may change (a unit's firmware turns on
 *                flash encryption): the row keeps the latest, and each
 *                change of a unit seen before is journalled as a
 *                station-level "device.security" event {"device_id", "mac",
 *                "from", "to"} ("from" null when it was never read).  A
 *                change of security is not a changed device (no 1). */
struct db_device {
	const char *mac;            /* any form db_mac_normalize() accepts */
	const char *chip;           /* "ESP8266EX", "ESP8285", "ESP32-D0WD-V3", ... */
	uint32_t flash_id;          /* JEDEC RDID, 24 bits */
	uint32_t flash_size;        /* bytes; 0 if unknown */
	const char *family;         /* v3: see above; NULL = unknown */
	const char *description;    /* v3: NULL = unknown */
	const char *revision;       /* v3: NULL = none / unknown */
	const char *security;       /* v3: NULL = not read, "" = none */
};
int db_device_seen(struct db *db, const struct db_device *d, int64_t *ret_id) DB_MUST_CHECK;

/* Security features, as bits for db_security_text(). */
enum db_security_bit {
	DB_SEC_FLASH_ENCRYPTION = 1 << 0,    /* flash encryption on (odd crypt count) */
	DB_SEC_SECURE_BOOT = 1 << 1,         /* secure boot enabled */
	DB_SEC_SECURE_DOWNLOAD = 1 << 2,     /* Secure Download Mode */
	DB_SEC_DL_ENCRYPT_DISABLED = 1 << 3, /* download-mode encryption disabled */
};
/* The canonical security text of flags (bits above; others ignored):
 * "flash_encryption,secure_boot", "" for none.  Returns buf. */
const char *db_security_text(unsigned flags, char buf[DB_SECURITY_MAX]);

/* Id of the device with this MAC: 0 or -ENOENT. */
int db_device_find(struct db *db, const char *mac, int64_t *ret_id) DB_MUST_CHECK;

/* A firmware image file, identified by its SHA-256.  The first name and the
 * header fields (as read from the file, before any patching) stay; a second
 * upsert of the same bytes under another name returns the same id.
 * Header fields are -1 when the file has no ESP8266 image header. */
struct db_image {
	const char *sha256;         /* 64 hex digits, any case */
	const char *name;           /* file name as given by the operator */
	uint64_t size;              /* bytes */
	int flash_mode;             /* byte 2: 0 qio, 1 qout, 2 dio, 3 dout */
	int size_code;              /* high nibble of byte 3, as stored */
	int freq_code;              /* low nibble of byte 3 */
	int64_t entry;              /* entry point; -1 if none */
};
int db_image_upsert(struct db *db, const struct db_image *img, int64_t *ret_id) DB_MUST_CHECK;

/* ---- db_job.c: jobs, stages, written ranges, the journal -------------- */

/* Modes: "refurbish", "backup", "restore", "flash".
 * Results: "passed", "failed", "unplugged", "crashed", "interrupted",
 *          "refused", "cancelled".
 * Stage outcomes: "ok", "failed", "skipped", "cancelled".
 * These are rows of the job_modes, job_results and stage_outcomes tables, so
 * a later schema version can add values without touching old rows. */

struct db_job_start {
	int64_t station_id;
	const char *slot;           /* slot name; NULL/"" for single-port commands */
	int64_t adapter_id;         /* 0 = none */
	const char *mode;
	int64_t image_id;           /* 0 = none (backup, restore) */
	int pid;                    /* writer process; 0 = getpid() */
	const char *port;           /* "/dev/ttyUSB3", "socket://host:4000"; may be NULL */
};
/* Opens a job (end unset) and journals "job.begin". */
int db_job_begin(struct db *db, const struct db_job_start *js, int64_t *ret_id) DB_MUST_CHECK;

/* Ties the job to the unit detect found; once per job (-EPERM if it is
 * already set to another device).  Journals "job.device". */
int db_job_set_device(struct db *db, int64_t job_id, int64_t device_id) DB_MUST_CHECK;

/* Marks the start of a stage: the job row's stage column names the stage
 * being worked on (so a killed job shows where it stopped) and
 * "stage.begin" is journalled.  stage: lower-case [a-z0-9_], 1..32 chars
 * ("detect", "backup", "erase", "write", "verify", "reset").  Beginning
 * "erase" or "write" marks the job's unit as touched for good (see
 * db_device_touched): begin them only when the chip is about to change. */
int db_job_stage_begin(struct db *db, int64_t job_id, const char *stage) DB_MUST_CHECK;

/* Records a finished stage: one job_stages row, journalled "stage.end";
 * the job row's stage column names it too (for callers that record stages
 * without beginning them). */
struct db_stage {
	const char *stage;
	const char *outcome;        /* see above */
	int64_t start_ms, end_ms;   /* wall clock, Unix ms */
	uint64_t bytes;             /* bytes moved (read, erased, written); 0 if none */
	int err_code;               /* enum esp_err value, 0 = none */
	const char *err_name;       /* esp_err_name(); NULL if none */
	const char *err_msg;        /* the one-line cause and fix; NULL if none */
};
int db_job_stage(struct db *db, int64_t job_id, const struct db_stage *st) DB_MUST_CHECK;

/* One range written to the chip: the source (image or backup) and the hash
 * of the bytes actually sent, which differ from the source's when the image
 * header was patched.  Journalled "write". */
struct db_write {
	uint32_t addr;
	uint64_t size;
	int64_t image_id;           /* source image, 0 if none */
	int64_t backup_id;          /* source backup (restore), 0 if none */
	const char *sha256;         /* of the bytes written */
	const char *md5;            /* of the bytes written (what verify compares) */
	int patched;                /* header flash mode/size/freq was changed */
};
int db_job_write(struct db *db, int64_t job_id, const struct db_write *w,
		 int64_t *ret_id) DB_MUST_CHECK;

/* Closes a job: result, stage reached and error cause; end time from the
 * connection's clock; journals "job.end".  Only an open job is closed:
 * -EALREADY (row untouched) if it was closed already, e.g. when the
 * supervisor reaps a worker that had finished its own job. */
struct db_job_end {
	const char *result;         /* see above */
	const char *stage;          /* stage reached; NULL = the last one begun */
	int err_code;               /* 0 = none */
	const char *err_name;
	const char *err_msg;
};
int db_job_finish(struct db *db, int64_t job_id, const struct db_job_end *e) DB_MUST_CHECK;

/* Records the clean-unit proof of an open job (schema v2, jobs.clean_proven):
 * proven 1 = every written range matched its chip MD5 and every other
 * sector's chip MD5 is that of erased flash (nothing of the last owner
 * left); 0 = the proof ran and failed (the job then fails with the cause).
 * Not calling it leaves the job's clean proof unknown.  json: the proof's
 * details as a JSON object, or NULL.  Journals "clean.proven" (or
 * "clean.failed") with json plus "clean_proven": 0|1.  Recorded once: the
 * same value again is a no-op, another value -EPERM.  (A job that
 * journalled only a "clean.proven" event through db_event() reads as
 * proven too: db_job_get, db_audit_jobs.) */
int db_job_set_clean_proven(struct db *db, int64_t job_id, int proven,
			    const char *json) DB_MUST_CHECK;

/* Start-up recovery: closes every still-open job of the station with e
 * (result usually "interrupted"; stage NULL keeps each job's own stage) and
 * journals "job.end" for each.  *ret_count (may be NULL) = jobs closed. */
int db_jobs_close_interrupted(struct db *db, int64_t station_id, const struct db_job_end *e,
			      int *ret_count) DB_MUST_CHECK;

/* Appends one journal event.  type: 1..64 printable characters; json: a
 * JSON text or NULL.  job_id 0 = a station-level event (no job).  Refused
 * (-EALREADY) for a closed job.  *ret_id (may be NULL) is the event id,
 * strictly increasing over the whole file and never reused. */
int db_event(struct db *db, int64_t job_id, const char *type, const char *json,
	     int64_t *ret_id) DB_MUST_CHECK;

/* A job as stored (for the supervisor after reaping a worker, and tests). */
struct db_job_row {
	int64_t id, station_id, adapter_id, device_id, image_id;
	char slot[33];
	char port[256];
	char mode[16];
	int pid;
	int64_t start_ms;
	int64_t end_ms;             /* 0 while open */
	char result[16];            /* "" while open */
	char stage[33];             /* stage begun or recorded last; once closed, reached */
	int err_code;
	char err_name[64];
	char err_msg[512];          /* truncated if longer */
	int clean_proven;           /* -1 unknown (not recorded), 0 failed, 1 proven */
};
int db_job_get(struct db *db, int64_t job_id, struct db_job_row *ret) DB_MUST_CHECK;

/* ---- db_backup.c: backups and restores --------------------------------- */

/* Provenance of a backup (rows of backup_provenances):
 *   "original"  taken before any espstation job began to erase or write
 *               this unit (db_device_touched() was 0), and not blank: the
 *               unit's own firmware, what restore writes back;
 *   "ours"      taken after an espstation erase or write of this unit
 *               began, or recognised as holding what the station wrote;
 *   "blank"     the flash read all erased (0xFF);
 *   "imported"  a file made elsewhere (espstation vault import), with the
 *               operator and the file's original name; no chip proved it.
 *
 * Sector map (backups.sector_map): which 4 KiB sectors the backup read
 * from the chip.  Lower-case hex of a bitmap of ceil(size / 4096 / 8)
 * bytes, two digits per byte, first byte first; bit i (value 1 << i % 8)
 * of byte i / 8 is sector i, i.e. flash offset i * 4096, so "01" is sector
 * 0 alone and a 1 MiB map is 64 digits.  Bit set: the sector held data (or
 * its content was not proven erased) and was read; bit clear: the chip's
 * MD5 proved it erased and the file holds 0xFF there.  Bits past the last
 * sector are 0.  NULL (or "") = not recorded: a dense read of every byte. */

/* A backup file on disk.  Call only after the file is fsync'd and renamed
 * into place: the row is committed (on disk) when this returns 0, and only
 * then may the caller erase the chip.  (Inside db_tx_begin() it is durable
 * only at the outermost commit: do not erase before that.)  verified is computed here: the file's
 * MD5 equals the chip's own MD5 of the same range.  If job_id is set it must
 * be an open job whose device is device_id.
 *
 * Checked here (-EINVAL unless said): provenance is one of the four above,
 * or NULL/"" to let the database decide: "blank" when sector_map has no bit
 * set, else "ours" when db_device_touched() says so, else "original" (pass
 * "blank" yourself for a dense read that found only 0xFF).  "original" for
 * a unit an espstation job already began to erase or write is refused
 * (-EPERM, as the schema refuses it).  sector_map: size a multiple of 4096
 * and exactly (size / 4096 + 7) / 8 * 2 hex digits (any case, stored
 * lower-case), no padding bit set, and a map with no bit set only on a
 * "blank" backup.  imported_by (1..64 bytes) and imported_from (1..1023)
 * printable text: both given for "imported", neither otherwise.
 * ciphertext: 0 or 1 (-EINVAL otherwise).
 *
 * Ciphertext (schema v3): a backup read from a unit whose flash encryption
 * is on holds the flash as stored, encrypted with that chip's own key: it
 * boots on that chip only.  It is restored onto the same MAC only, never
 * onto another unit, forced or not (db_backup_check_target, db_restore_add
 * and the schema refuse it; db_backup_restore_choice_onto passes it over
 * for another unit). */
struct db_backup {
	int64_t device_id;
	int64_t job_id;             /* 0 = taken outside a station job (CLI) */
	const char *path;           /* where the file is, as the caller will look for it */
	uint64_t size;              /* bytes: the whole real flash */
	uint32_t flash_id;          /* JEDEC RDID at the time */
	const char *sha256;         /* of the file, 64 hex */
	const char *md5;            /* of the file, 32 hex */
	const char *chip_md5;       /* SPI_FLASH_MD5 reported by the chip; NULL if not asked */
	const char *provenance;     /* see above; NULL = decided from history */
	const char *sector_map;     /* see above; NULL = dense read / not recorded */
	const char *imported_by;    /* operator who imported the file; NULL otherwise */
	const char *imported_from;  /* the imported file's original name; NULL otherwise */
	int ciphertext;             /* v3: 1 = read from a flash-encrypted unit, for
				     * that MAC only; 0 = plaintext (the default) */
};
int db_backup_add(struct db *db, const struct db_backup *b, int64_t *ret_id) DB_MUST_CHECK;

/* A backup row, with its device's MAC. */
struct db_backup_row {
	int64_t id, device_id, job_id;   /* job_id 0 if none */
	char mac[DB_MAC_LEN];
	char path[DB_PATH_MAX + 1];
	uint64_t size;
	uint32_t flash_id;
	char sha256[65], md5[33], chip_md5[33];  /* chip_md5 "" if not checked */
	int verified;
	int64_t created_ms;
	char created_utc[32];
	char provenance[16];             /* "original", "ours", "blank", "imported" */
	char sector_map[DB_SECTOR_MAP_MAX + 1];  /* "" = not recorded (dense read) */
	char imported_by[65], imported_from[1024];  /* "" unless imported */
	int ciphertext;                  /* 1: encrypted with its unit's key, that MAC only */
};

/* The newest backup of this MAC whose file MD5 matched the chip, whatever
 * its provenance.  Not what a restore writes: use db_backup_restore_choice.
 * 0, or -ENOENT if there is none. */
int db_backup_latest_verified(struct db *db, const char *mac,
			      struct db_backup_row *ret) DB_MUST_CHECK;

/* The backup recorded at exactly this path, else the newest one whose
 * SHA-256 is sha256 (either may be NULL).  0 or -ENOENT. */
int db_backup_lookup(struct db *db, const char *path, const char *sha256,
		     struct db_backup_row *ret) DB_MUST_CHECK;

/* Calls fn for every backup of this MAC, newest first (verified or not).
 * fn returns 0 to go on, non-zero to stop (that value is returned).  row
 * is valid during the call only.  0 (also when there are none) or error. */
typedef int db_backup_fn(void *user_data, const struct db_backup_row *row);
int db_backups_for_mac(struct db *db, const char *mac, db_backup_fn *fn,
		       void *user_data) DB_MUST_CHECK;

/* *ret = 1 if any espstation job began to erase or write the unit with this
 * MAC (a stage.begin of "erase" or "write", a job_stages row of those
 * stages not skipped, or a job_writes row; whatever the outcome), else 0
 * (also for a MAC never seen).  A backup taken now is then "ours" (or
 * "blank"), never "original".  0, or -EINVAL for a malformed MAC. */
int db_device_touched(struct db *db, const char *mac, int *ret) DB_MUST_CHECK;

/* What the station itself left on the unit with this MAC: the newest job
 * that wrote it, when that job passed with its clean proof (one write at 0x0
 * of `size` bytes, SHA-256 `sha256`, every other sector proven erased).  A
 * revisit may take it as the flash's likely content (it is still compared
 * with the chip's MD5s before use: firmware may have written since).
 * 0 with *ret, -ENOENT if the newest writing job is not such a job or there
 * is none, -EINVAL for a malformed MAC. */
struct db_unit_written {
	int64_t job_id;
	uint64_t size;
	char sha256[65];
};
int db_unit_last_written(struct db *db, const char *mac,
			 struct db_unit_written *ret) DB_MUST_CHECK;

/* The backup a restore of this MAC writes when the operator names none:
 * the newest verified "original" backup; else the newest "imported" one
 * that no chip disproved (verified, or chip_md5 not recorded: an import is
 * checked by its SHA-256, no chip was there to compare); never "ours" or
 * "blank" (those only when the operator names the file).  Newest = recorded
 * last.  On 0, *ret is that backup and why (if cap > 0) one line such as
 * "backup 4 (original, verified, 2024-05-01T17:00:03.250Z): the newest
 * verified original of 5c:cf:7f:00:00:01; 2 newer passed over: 1 ours,
 * 1 blank" or "backup 9 (imported by alice from image1M.bin, 2024-...):
 * 5c:..:01 has no verified original, this is its newest usable import".  -ENOENT when there is none, with why (and db_errmsg) saying
 * what exists: "3 backups of 5c:cf:7f:00:00:01: 2 ours, 1 blank; none
 * original or imported: restore needs --backup FILE to write one of those"
 * ("... 1 original (1 not verified) ...; no verified original and no usable
 * imported one: ..." when there are some; "no backups of MAC: nothing to
 * restore" when there are none); -EINVAL for a malformed MAC (why says so
 * too).  Reads a v1 file (read-only audit) by the provenance its migration
 * would compute. */
int db_backup_restore_choice(struct db *db, const char *mac, struct db_backup_row *ret,
			     char *why, size_t cap) DB_MUST_CHECK;

/* The same choice among the backups of donor_mac for writing onto
 * target_mac (NULL = donor_mac, which is db_backup_restore_choice): for
 * another unit, ciphertext backups are passed over (they decrypt only on
 * their own chip) and counted in why ("1 ciphertext (5c:..:01 only)").
 * Choosing a donor's backup is not permission to clone it: the caller
 * still needs the operator's force for another unit (db_backup_check_target). */
int db_backup_restore_choice_onto(struct db *db, const char *donor_mac, const char *target_mac,
				  struct db_backup_row *ret, char *why, size_t cap) DB_MUST_CHECK;

/* May backup b be written onto the unit target_mac?  0: it is b's own unit,
 * or another unit with forced set and b not ciphertext.  -EPERM with why
 * (one line, the cause and what would do): another unit without force; a
 * ciphertext backup onto another unit, forced or not ("backup 7 of
 * 5c:..:01 is ciphertext of that chip's flash encryption: it decrypts on
 * 5c:..:01 only, never on 5c:..:02, forced or not").  -EINVAL for a
 * malformed target MAC.  The same rule as db_restore_add, checked before
 * anything is written; needs no database. */
int db_backup_check_target(const struct db_backup_row *b, const char *target_mac, int forced,
			   char *why, size_t cap) DB_MUST_CHECK;

/* Records that job_id writes backup_id to the unit target_mac.  The donor
 * MAC is taken from the backup itself.  Unless forced, donor and target
 * must be the same unit: -EPERM otherwise ("never write another unit's
 * backup"); a ciphertext backup only ever onto its own unit: -EPERM even
 * when forced.  The schema enforces the same rules. */
int db_restore_add(struct db *db, int64_t job_id, int64_t backup_id, const char *target_mac,
		   int forced, int64_t *ret_id) DB_MUST_CHECK;

/* ---- db_audit.c: the audit questions ------------------------------------ */

/* What the audit and restore commands ask: one unit, the jobs, the backups,
 * per-slot and per-adapter summaries.  Read only; rows reach the caller
 * through callbacks (valid during the call only; return 0 to go on,
 * non-zero to stop, and that value is returned). */

/* The boot check as read back: longest result name and log (bytes, with
 * the NUL). */
#define DB_BOOT_RESULT_MAX 32
#define DB_BOOT_LOG_MAX 2048

/* Restricts a listing; every field is optional (NULL / 0 = no limit). */
struct db_audit_filter {
	const char *mac;            /* any spelling db_mac_normalize() accepts */
	const char *station;        /* station name */
	const char *slot;           /* slot name; "" = single-port commands */
	const char *result;         /* a job result name, e.g. "failed" */
	int64_t since_ms;           /* jobs started / backups taken at or after */
	const char *family;         /* v3: chip family of the unit, e.g. "esp32" (a row
				     * of chip_families, else -EINVAL naming them) */
};

/* A unit as first seen (the row keeps the first chip, flash ID, size,
 * family, description and revision) and its latest security state.  A
 * file before schema v3 reads as family "esp8266", description = chip,
 * no revision, security not read. */
struct db_audit_device {
	int64_t id;
	char mac[DB_MAC_LEN];
	char chip[33];
	uint32_t flash_id, flash_size;
	int64_t first_seen_ms, last_seen_ms;
	char family[DB_FAMILY_MAX];             /* "" = unknown */
	char description[DB_DESCRIPTION_MAX];   /* "" = unknown */
	char revision[DB_REVISION_MAX];         /* "" = none or unknown */
	int security_read;                      /* 0: never read (security "") */
	char security[DB_SECURITY_MAX];         /* canonical list, "" = none */
};
/* 0, -EINVAL (malformed MAC) or -ENOENT (never seen). */
int db_audit_device(struct db *db, const char *mac, struct db_audit_device *ret) DB_MUST_CHECK;

/* A job with what it touched: unit, adapter, image, what it wrote, the
 * backup it took and the restore it made. */
struct db_audit_job {
	int64_t id;
	char station[65], slot[33], port[256], mode[16];
	char mac[DB_MAC_LEN], chip[33];         /* "" before detect */
	char family[DB_FAMILY_MAX];             /* the unit's family, "" unknown */
	char adapter[200];                      /* "10c4:ea60 cp2102 0001" ("" = none) */
	char image[256], image_sha256[65];      /* "" = none */
	char written_sha256[65];                /* of the bytes written last ("" = none) */
	int64_t backup_id;                      /* backup taken by the job, 0 = none */
	int64_t restore_backup_id;              /* backup written back, 0 = none */
	char donor_mac[DB_MAC_LEN], target_mac[DB_MAC_LEN];
	int restore_forced;
	int64_t start_ms, end_ms;               /* end 0 while open */
	char result[16], stage[33];             /* result "" while open */
	int err_code;
	char err_name[64], err_msg[512];
	int clean_proven;                       /* -1 unknown, 0 failed, 1 proven */
	/* the boot check, from the job's newest "boot.result" event (any schema) */
	char boot_result[DB_BOOT_RESULT_MAX];   /* "booted", "bad-image", ...; "" = none ran */
	int boot_rst_cause;                     /* the ROM's reset cause; -1 none heard or no check */
	int64_t boot_ms;                        /* reset to verdict; -1 not recorded */
};
typedef int db_audit_job_fn(void *user_data, const struct db_audit_job *job);
/* Jobs matching f (mac, station, slot, result, since, family), newest
 * first. */
int db_audit_jobs(struct db *db, const struct db_audit_filter *f, db_audit_job_fn *fn,
		  void *user_data) DB_MUST_CHECK;

/* The boot check of one job: its newest "boot.result" journal event, as
 * the boot stage records it through db_event() (JSON: result, quiet_ok,
 * rst_cause, boot_mode, banners, app_bytes, ms, why, log).  No schema
 * column holds it, so a file of any version answers.  A field the event
 * lacks reads as -1 (numbers), 0 (quiet_ok) or "" (texts); texts longer
 * than their buffer are cut (the station stores at most 600 bytes of log). */
struct db_audit_boot {
	int64_t job_id, event_id;
	int64_t at_ms;                          /* when it was recorded */
	char result[DB_BOOT_RESULT_MAX];        /* "booted", "no-output", "boot-loop",
						 * "bad-image", "download-mode", "silent" */
	int quiet_ok;                           /* no-output of a firmware listed as quiet: a pass */
	int rst_cause, boot_mode;               /* from the last ROM banner; -1 none heard */
	int64_t banners, app_bytes, ms;         /* ROM banners, firmware bytes, reset to verdict */
	char why[256];                          /* what decided it */
	char log[DB_BOOT_LOG_MAX];              /* the first lines heard, as stored */
};
/* 0, or -ENOENT when the job recorded no boot check (or there is no such
 * job). */
int db_audit_boot(struct db *db, int64_t job_id, struct db_audit_boot *ret) DB_MUST_CHECK;

/* One finished stage of a job. */
struct db_audit_stage {
	char stage[33], outcome[16];
	int64_t start_ms, duration_ms;
	uint64_t bytes;
	int err_code;
	char err_name[64], err_msg[512];
};
typedef int db_audit_stage_fn(void *user_data, const struct db_audit_stage *st);
/* The stages of one job in the order they were recorded. */
int db_audit_stages(struct db *db, int64_t job_id, db_audit_stage_fn *fn,
		    void *user_data) DB_MUST_CHECK;

/* A backup (with its provenance, sector map and ciphertext flag), the
 * station and slot of the job that took it ("" if none) and its unit's
 * family. */
struct db_audit_backup {
	struct db_backup_row b;
	char station[65], slot[33];
	char family[DB_FAMILY_MAX];     /* "" = unknown */
};
typedef int db_audit_backup_fn(void *user_data, const struct db_audit_backup *row);
/* Backups matching f (mac, station, slot, since, family), newest first. */
int db_audit_backups(struct db *db, const struct db_audit_filter *f, db_audit_backup_fn *fn,
		     void *user_data) DB_MUST_CHECK;

/* One group of a summary: a slot, an adapter (VID:PID plus its USB
 * serial, or its ID_PATH when it has none), a chip family (the unit's;
 * "" for jobs that found no unit or a unit of unknown family), or a boot
 * check's result (only the jobs that ran one: db_audit_boot). */
enum db_audit_by { DB_AUDIT_BY_SLOT, DB_AUDIT_BY_ADAPTER, DB_AUDIT_BY_FAMILY, DB_AUDIT_BY_BOOT };
struct db_audit_group {
	char key[300];                  /* slot name, "vvvv:pppp SERIAL-or-ID_PATH", family,
					 * boot result; a slot or adapter key is
					 * "STATION/slot" ("bench-a/1", "bench-a/vvvv:pppp
					 * ...") when the file holds several stations (the
					 * central snapshot) and no station filter is given */
	char kind[33];                  /* adapter kind(s) seen ("" by slot) */
	int64_t jobs, passed, failed;   /* failed = closed and not passed */
	int64_t open;                   /* still running */
	int64_t mean_cycle_ms;          /* of the passed jobs; -1 if none */
	char causes[512];               /* top 3 failure causes: "ESP_E_NOSYNC 2, ..." */
};
typedef int db_audit_group_fn(void *user_data, const struct db_audit_group *g);
/* Jobs grouped by slot, adapter, family or boot result (station, since
 * and family of f apply), ordered by key.  A failure's cause is its
 * err_name, else its result. */
int db_audit_summary(struct db *db, enum db_audit_by by, const struct db_audit_filter *f,
		     db_audit_group_fn *fn, void *user_data) DB_MUST_CHECK;


/* ---- db_export.c: the local file for the central store (db/central/) ---- */

/* Rows of the tables that travel (stations, adapters, devices, images, jobs,
 * job_stages, job_writes, backups, restores, events) as the central store
 * ships them: each row whole, as one JSON object column -> value (NULL as
 * null; a BLOB, which no column holds today, as {"$hex": "..."}), plus the
 * few fields the shipper acts on.  Strings are valid during the call only. */
struct db_export_row {
	const char *table;
	int64_t id;
	const char *json;           /* {"id": 7, "job_id": 3, ...} */
	int64_t job_id;             /* events and a job's rows: its job; 0 none */
	const char *type;           /* events: the type; "" otherwise */
	int64_t seen_ms;            /* adapters, devices: last_seen_ms; 0 otherwise */
	int64_t end_ms;             /* jobs: end_ms; 0 while open (or not a job) */
	int64_t backup_id;          /* backups: id; a "backup" event, job_writes,
				     * restores: the backup named; 0 none */
	const char *path, *sha256;  /* backups: the file and its SHA-256; "" otherwise */
	uint64_t size;              /* backups: bytes */
};
enum db_export_by {
	DB_EXPORT_AFTER_ID,         /* id > value */
	DB_EXPORT_ID,               /* id = value */
	DB_EXPORT_JOB,              /* job_id = value (events and a job's rows) */
	DB_EXPORT_SEEN_SINCE,       /* last_seen_ms >= value (adapters, devices) */
};
typedef int db_export_fn(void *user_data, const struct db_export_row *row);
/* Calls fn for each selected row of table, in id order, at most limit rows
 * (<= 0: all).  fn returns 0 to go on, non-zero to stop (returned).  0, or
 * -EINVAL for an unknown table or a selection the table has no column for. */
int db_export_rows(struct db *db, const char *table, enum db_export_by by, int64_t value,
		   int64_t limit, db_export_fn *fn, void *user_data) DB_MUST_CHECK;

/* The name a file ships under: its first station row's.  -ENOENT when it
 * has none yet. */
int db_export_station(struct db *db, char name[65]) DB_MUST_CHECK;

/* What the file holds, for a backlog: events after an id (and the time of
 * the first of them, 0 none), closed jobs, backups and their bytes. */
struct db_export_counts {
	int64_t events_after, oldest_ms, jobs_closed, backups;
	uint64_t backup_bytes;
};
int db_export_counts(struct db *db, int64_t after_event_id,
		     struct db_export_counts *ret) DB_MUST_CHECK;

/* A snapshot (a new file from db_open(), filled with the central store's
 * rows, renumbered, for the audit to read): db_import_begin() turns foreign
 * keys off, drops every trigger (a throwaway read model; the rules were
 * judged where the rows were written) and begins a transaction;
 * db_import_row() inserts one row of a table from a JSON object (its keys
 * are column names; a missing key is NULL); db_import_finish() marks an
 * "original" backup "ours" when a job of another station began to erase or
 * write its unit at or before the time it was taken (*ret_reclassified:
 * how many; may be NULL), and commits.  On any failure the transaction is
 * rolled back (db_import_row: call db_tx_rollback()). */
int db_import_begin(struct db *db) DB_MUST_CHECK;
int db_import_row(struct db *db, const char *table, const char *json) DB_MUST_CHECK;
int db_import_finish(struct db *db, int64_t *ret_reclassified) DB_MUST_CHECK;
