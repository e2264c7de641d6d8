/* SPDX-License-Identifier: MIT */
/* Inside the db module: the connection object and the helpers every db_*.c
 * uses (statement preparation, error mapping, transactions, validation). */
#pragma once

#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>

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
	int busy_ms;
	db_clock_fn *clock;
	void *clock_user;
	char err[768];
};

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
/* Runs one or more statements without parameters. */
int db_exec(struct db *db, const char *sql, const char *what);

/* Binds text, or NULL when s is NULL. */
int db_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Binds text, or NULL when s is NULL or "". */
int db_bind_text_or_null(sqlite3_stmt *st, int i, const char *s);
/* Binds an id, or NULL when id is 0. */
int db_bind_id(sqlite3_stmt *st, int i, int64_t id);

/* Every public call that writes runs between these two: a transaction, or
 * a savepoint inside the caller's.  db_tx_end() commits when rc == 0 and
 * rolls back otherwise, keeping rc's message; returns rc or the commit's
 * error. */
int db_tx_end(struct db *db, int rc);

/* Copies column text into buf (truncating), "" for NULL. */
void db_col_text(sqlite3_stmt *st, int col, char *buf, size_t cap);

/* Lower-cases a hex string of exactly n digits into out (n + 1 bytes).
 * 0, or -EINVAL with the message naming what. */
int db_hex_normalize(struct db *db, const char *in, size_t n, char *out, const char *what);

/* Checks job_id names an open job: 0, -ENOENT or -EALREADY (message set). */
int db_job_check_open(struct db *db, int64_t job_id, const char *what);

/* db_schema.c: reads the version (refusing foreign and newer files) before
 * any pragma changes the file, then brings it to DB_SCHEMA_VERSION. */
int db_schema_prepare(struct db *db, const char *path);
int db_schema_migrate(struct db *db, const char *path);

/* Steps a statement expected to return one row whose column 0 is an id,
 * runs it to completion and finalizes it.  -ENOENT if no row. */
int db_step_id(struct db *db, sqlite3_stmt *st, int64_t *ret, const char *what);

/* Checks s is 1..max bytes of printable text (UTF-8 allowed, no control
 * characters); allow_empty also accepts NULL and "".  0 or -EINVAL. */
int db_check_text(struct db *db, const char *s, size_t max, int allow_empty, const char *what);

/* Checks value is a row of an enumeration table (job_modes, job_results,
 * stage_outcomes); the -EINVAL message lists the known values. */
int db_check_enum(struct db *db, const char *table, const char *value, const char *what);

/* Runs a journal INSERT whose parameters are ?1 = an id (row or job),
 * ?2 = ts_ms and ?3 = ts_utc, stamped with the connection's clock. */
int db_journal(struct db *db, const char *sql, int64_t id, const char *what);
/* Binds ?2 and ?3 of a journal statement (now, as ms and ISO text). */
void db_bind_now(struct db *db, sqlite3_stmt *st, int ms_idx, int utc_idx);
