/* SPDX-License-Identifier: MIT */
/* Inside the db module: the connection object and what the db_*.c files
 * share, grouped by the file that defines it.  The files are layers, listed
 * here in order; a file calls only what the files above it (or itself)
 * define, so the helpers are a leaf and nothing calls back up
 * (tests/db/check_db_layer.sh checks it):
 *   helpers     db_sql.c, db_clock.c, db_check.c, db_mac.c
 *   connection  db_tx.c, db_open_err.c, db_schema.c, db_conn.c
 *   records     db_job.c, db_device.c, db_backup.c, db_audit.c
 *   export      db_export.c (the central store's rows out, a snapshot's in) */
#pragma once

#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>

#include "db.h"

/* PRAGMA application_id of every espstation database: "ESST". */
#define DB_APPLICATION_ID 0x45535354

#define DB_DEFAULT_BUSY_MS 10000

/* fall-through between switch cases, understood by gcc and clang alike */
#define DB_FALLTHROUGH __attribute__((fallthrough))

struct db {
	sqlite3 *h;
	int tx_depth;               /* db_tx_begin() nesting; 0 = autocommit */
	int tx_aborted;             /* SQLite rolled the whole transaction back */
	int version_at_open;
	int version;                /* the schema the connection reads: the file's for
				     * db_open_readonly, DB_SCHEMA_VERSION once db_open
				     * migrated it */
	int busy_ms;
	db_clock_fn *clock;
	void *clock_user;
	char err[768];
};

/* ---- db_sql.c: messages, error map, prepare / bind / step -------------- */

/* Sets db->err from fmt and returns code (a negative errno). */
int db_fail(struct db *db, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefixes the current message: "prefix: <message>"; returns code. */
int db_fail_prefix(struct db *db, int code, const char *prefix);
/* Maps a SQLite result code to a negative errno, sets db->err to
 * "what: <sqlite message>" and returns the code. */
int db_fail_sqlite(struct db *db, int rc, const char *what);
int db_map_rc(sqlite3 *h, int rc);

/* Prepares sql; on failure sets the message and returns the code. */
int db_prep(struct db *db, sqlite3_stmt **ret, const char *sql, const char *what);
/* Steps a statement that returns no row, then finalizes it (always). */
int db_step_done(struct db *db, sqlite3_stmt *st, const char *what);
/* Steps a statement expected to return one row whose column 0 is an id,
 * runs it to completion and finalizes it.  -ENOENT if no row. */
int db_step_id(struct db *db, sqlite3_stmt *st, int64_t *ret, const char *what);
/* Runs one or more statements without parameters. */
int db_exec(struct db *db, const char *sql, const char *what);

/* Binds text, or NULL when s is NULL. */
int db_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Binds text, or NULL when s is NULL or "". */
int db_bind_text_or_null(sqlite3_stmt *st, int i, const char *s);
/* Binds an id, or NULL when id is 0. */
int db_bind_id(sqlite3_stmt *st, int i, int64_t id);

/* Copies column text into buf (truncating), "" for NULL. */
void db_col_text(sqlite3_stmt *st, int col, char *buf, size_t cap);

/* ---- db_clock.c: the one reader of the system clocks -------------------- */

/* Milliseconds of a system clock (CLOCK_REALTIME, CLOCK_MONOTONIC). */
int64_t db_clock_ms(clockid_t id);
/* Binds ?ms_idx and ?utc_idx of a statement: now on the connection's
 * clock, as ms and as ISO text. */
void db_bind_now(struct db *db, sqlite3_stmt *st, int ms_idx, int utc_idx);

/* ---- db_check.c: validators (0, or -EINVAL with the message set) -------- */

/* Checks s is 1..max bytes of printable text (UTF-8 allowed, no control
 * characters); allow_empty also accepts NULL and "". */
int db_check_text(struct db *db, const char *s, size_t max, int allow_empty, const char *what);
/* Lower-cases a hex string of exactly n digits into out (n + 1 bytes);
 * the message names what. */
int db_hex_normalize(struct db *db, const char *in, size_t n, char *out, const char *what);
/* Checks value is a row of an enumeration table (job_modes, job_results,
 * stage_outcomes, backup_provenances, chip_families, security_features; or
 * any table expression with a name column); the message lists the known
 * values. */
int db_check_enum(struct db *db, const char *table, const char *value, const char *what);

/* ---- db_tx.c: nested transactions --------------------------------------- */

/* Every public call that writes runs between db_tx_begin() and this: a
 * transaction, or a savepoint inside the caller's.  Commits when rc == 0
 * and rolls back otherwise, keeping rc's message; returns rc or the
 * commit's error. */
int db_tx_end(struct db *db, int rc);

/* ---- db_open_err.c: why a file cannot be opened, and the fix ------------ */

/* Replaces the message of a failed open (code) with one line naming path,
 * the cause found on disk (missing directory, permissions, read-only
 * media, a log that cannot be read) and its fix; want_write: db_open as
 * opposed to db_open_readonly.  Keeps SQLite's words when the disk shows
 * nothing wrong.  Returns the errno of the cause, else code. */
int db_open_explain(struct db *db, int code, const char *path, int want_write);
/* The refusals of a file that is not ours (-EBADMSG; why: "an empty file",
 * "application_id 0x...") or is newer than this build (-ENOTSUP). */
int db_refuse_foreign(struct db *db, const char *path, const char *why);
int db_refuse_newer(struct db *db, const char *path, int version);
/* 1 when this process may create files beside path. */
int db_dir_writable(const char *path);

/* ---- db_schema.c: versions and migrations ------------------------------- */

/* Reads the version (refusing foreign and newer files) before any pragma
 * changes the file, then brings it to DB_SCHEMA_VERSION. */
int db_schema_prepare(struct db *db, const char *path);
int db_schema_migrate(struct db *db, const char *path);

/* ---- db_job.c: job checks and the journal -------------------------------- */

/* Checks job_id names an open job: 0, -ENOENT or -EALREADY (message set). */
int db_job_check_open(struct db *db, int64_t job_id, const char *what);
/* Runs a journal INSERT whose parameters are ?1 = an id (row or job),
 * ?2 = ts_ms and ?3 = ts_utc, stamped with the connection's clock. */
int db_journal(struct db *db, const char *sql, int64_t id, const char *what);

/* ---- db_schema.c: SQL shared by the schema and the queries ------------- */

/* The evidence that an espstation job began to erase or write a unit: one
 * row per stage.begin event of 'erase' or 'write', per job_stages row of
 * those stages (not skipped: for callers that record stages without
 * beginning them), and per job_writes row, of the jobs whose device_id
 * meets dev (an SQL condition on j.device_id, repeated in each branch so
 * that each reaches its rows through jobs_device_time; SQLite does not push
 * a correlated term into a UNION).  Columns: device_id, job_id, stage,
 * at_ms (when the stage began, or the row was written), event_id (the
 * stage.begin event, else NULL), source.  Schema v2 creates the view
 * device_touches from it for people reading the file.  Part of schema v2: a
 * later version that changes it adds a new macro (and replaces the view and
 * the trigger backups_original_untouched in its own migration). */
#define DB_TOUCHES(dev)                                                                  \
	"SELECT j.device_id AS device_id, j.id AS job_id,"                                  \
	" json_extract(e.data, '$.stage') AS stage, e.ts_ms AS at_ms, e.id AS event_id,"    \
	" 'stage.begin' AS source"                                                          \
	" FROM jobs j JOIN events e ON e.job_id = j.id"                                     \
	" WHERE " dev " AND e.type = 'stage.begin'"                                         \
	" AND json_extract(e.data, '$.stage') IN ('erase', 'write')"                        \
	" UNION ALL"                                                                        \
	" SELECT j.device_id, j.id, s.stage, s.start_ms, NULL, 'job_stages'"                \
	" FROM jobs j JOIN job_stages s ON s.job_id = j.id"                                 \
	" WHERE " dev " AND +s.stage IN ('erase', 'write') AND s.outcome <> 'skipped'"      \
	" UNION ALL"                                                                        \
	" SELECT j.device_id, j.id, 'write', w.created_ms, NULL, 'job_writes'"              \
	" FROM jobs j JOIN job_writes w ON w.job_id = j.id"                                 \
	" WHERE " dev

/* The provenance of the backup row b as schema v2's migration computed it
 * for the v1 rows (and as a v1 file is read): 'ours' when an erase or
 * write of its unit began before the backup was taken, else 'original'
 * (v1 recorded nothing of the content, so nothing is 'blank').  "Before"
 * compares journal ids where both are known (the stage.begin event and the
 * backup's own event: a clock step cannot reorder them), else times, a tie
 * counting as before.  Part of schema v2. */
#define DB_BACKUP_EVENT_ID                                                               \
	"(SELECT be.id FROM events be WHERE be.job_id IS b.job_id AND be.type = 'backup'"  \
	" AND json_extract(be.data, '$.backup_id') = b.id)"
#define DB_PROVENANCE_FROM_HISTORY                                                       \
	"CASE WHEN EXISTS (SELECT 1 FROM (" DB_TOUCHES("j.device_id = b.device_id") ") t"    \
	" WHERE CASE WHEN t.event_id IS NOT NULL AND " DB_BACKUP_EVENT_ID " IS NOT NULL"   \
	" THEN t.event_id < " DB_BACKUP_EVENT_ID " ELSE t.at_ms <= b.created_ms END)"      \
	" THEN 'ours' ELSE 'original' END"

/* A job's clean proof where jobs.clean_proven is not set (a v1 file, or a
 * job whose station journalled only the event): 1 if the job journalled
 * "clean.proven", 0 if "clean.failed", else -1 (unknown). */
#define DB_CLEAN_FROM_EVENTS(job)                                                        \
	"coalesce((SELECT CASE ce.type WHEN 'clean.proven' THEN 1 ELSE 0 END FROM events ce" \
	" WHERE ce.job_id = " job " AND ce.type IN ('clean.proven', 'clean.failed')"         \
	" ORDER BY ce.id LIMIT 1), -1)"

/* The chip families of schema v3, as the rows of chip_families (name,
 * description).  Part of schema v3: a later family is a row a later
 * migration inserts, and a file before v3 is read with these. */
#define DB_CHIP_FAMILY_ROWS                                                              \
	"('esp8266', 'ESP8266EX and ESP8285'),"                                            \
	" ('esp32', 'ESP32 (ESP32-D0WD-V3, ESP32-U4WDH, ...)'),"                           \
	" ('esp32c3', 'ESP32-C3')"

/* The canonical form of a security list x (an SQL text expression): the
 * security_features it names, in their position order, comma separated,
 * '' for none.  x is canonical when it equals this (so an unknown name, a
 * duplicate, a blank or another order are not).  Part of schema v3. */
#define DB_SECURITY_CANONICAL(x)                                                         \
	"coalesce((SELECT group_concat(sf.name, ',') FROM (SELECT name FROM"                \
	" security_features WHERE instr(',' || " x " || ',', ',' || name || ',') > 0"      \
	" ORDER BY position) sf), '')"

/* A unit's family as the connection's schema knows it (devices d, possibly
 * a LEFT JOIN's NULL row): a file before v3 held ESP8266 units only. */
#define DB_FAMILY_V3 "d.family"
#define DB_FAMILY_BEFORE_V3 "CASE WHEN d.id IS NULL THEN NULL ELSE 'esp8266' END"

/* ---- db_device.c: a unit's chip family ---------------------------------- */

/* The SQL of a unit's family for the connection's schema (above). */
const char *db_family_column(const struct db *db);
/* Checks family is a chip family of the connection's file (its
 * chip_families rows, or DB_CHIP_FAMILY_ROWS before v3): 0, or -EINVAL
 * naming the known ones. */
int db_check_family(struct db *db, const char *family, const char *what);

/* ---- db_backup.c: the one reader of a backups row ----------------------- */

/* The columns db_backup_read() takes, from backups b joined to devices d,
 * for the connection's schema (a v1 file's provenance is computed from its
 * history, its other v2 columns are NULL; before v3 nothing is ciphertext);
 * a query may select more columns after them, from DB_BACKUP_NCOLS on. */
#define DB_BACKUP_COLUMNS                                                                \
	"b.id, b.device_id, b.job_id, d.mac, b.path, b.size, b.flash_id, b.sha256, b.md5,"  \
	" b.chip_md5, b.verified, b.created_ms, b.provenance, b.sector_map, b.imported_by," \
	" b.imported_from, b.ciphertext"
#define DB_BACKUP_COLUMNS_V2                                                             \
	"b.id, b.device_id, b.job_id, d.mac, b.path, b.size, b.flash_id, b.sha256, b.md5,"  \
	" b.chip_md5, b.verified, b.created_ms, b.provenance, b.sector_map, b.imported_by," \
	" b.imported_from, 0"
#define DB_BACKUP_COLUMNS_V1                                                             \
	"b.id, b.device_id, b.job_id, d.mac, b.path, b.size, b.flash_id, b.sha256, b.md5,"  \
	" b.chip_md5, b.verified, b.created_ms, " DB_PROVENANCE_FROM_HISTORY ", NULL, NULL," \
	" NULL, 0"
#define DB_BACKUP_NCOLS 17
const char *db_backup_columns(const struct db *db);
void db_backup_read(sqlite3_stmt *st, struct db_backup_row *row);
