/* SPDX-License-Identifier: MIT */
/* Inside the central store: the connection object and what the
 * central_*.c files share, by the file that defines it:
 *   central_conn.c      url checks and redaction, connect, the error map
 *   central_schema.c    the central schema's versions and the migrator
 *   central_file.c      SHA-256 of a file, read a whole file
 *   central_ship.c      central_ship, central_backlog
 *   central_snapshot.c  central_snapshot, central_restore_choice
 *   central_fetch.c     central_fetch_backup */
#pragma once

#include <libpq-fe.h>
#include <stdint.h>

#include "central.h"

/* The schema version this build migrates to (central_schema.c). */
#define CENTRAL_SCHEMA_VERSION 2
/* The oldest schema the read paths (backlog, snapshot, restore choice,
 * fetch) can read: they use v1's tables only (backup_problems is the
 * shipper's). */
#define CENTRAL_READ_MIN_VERSION 1
/* pg_advisory_xact_lock key of the migrator: "ESST" */
#define CENTRAL_MIGRATE_LOCK 0x45535354

struct central {
	PGconn *pg;
	char url[512];              /* redacted: never holds a password */
	int version;                /* central schema version after migration (or as found) */
	int readonly;               /* central_open_readonly: no DDL, no writes, no central_ship */
	int32_t station_id;         /* central id of the shipping station; 0 unknown */
	char station[65];           /* its name */
	char err[768];
};

/* ---- central_conn.c ----------------------------------------------------- */

/* Sets c->err from fmt and returns code. */
int central_fail(struct central *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Maps a failed result (or a dead connection, res NULL) to a code and sets
 * c->err to "central store URL: what: <server text, one line>"; clears res. */
int central_fail_pg(struct central *c, PGresult *res, const char *what);
/* Runs a command without parameters that returns no rows. */
int central_exec(struct central *c, const char *sql, const char *what);
/* PQexecParams in text format; 0 with *ret (PQclear it), or an error. */
int central_query(struct central *c, PGresult **ret, const char *sql, int n,
		  const char *const *params, const char *what);
/* Reconnects a connection the server dropped (a restart): 0 or an error. */
int central_alive(struct central *c);
/* One line out of a libpq message (line breaks to blanks, runs of blanks
 * and trailing blanks cut). */
void central_one_line(char *s);
/* The one connect path: migrates up to version target (CENTRAL_SCHEMA_VERSION
 * for central_open; the migration tests stop earlier), or, with target
 * CENTRAL_OPEN_READONLY, only checks the version (central_open_readonly). */
#define CENTRAL_OPEN_READONLY 0
int central_open_at(const char *url, const char *password_file, int target, struct central **ret,
		    char *err, size_t errlen);

/* ---- central_schema.c --------------------------------------------------- */

/* Brings the schema to version target, one transaction per version under
 * the advisory lock; sets c->version.  -ENOTSUP when the database is newer. */
int central_schema_migrate(struct central *c, int target);
/* For a read-only open: reads the version, runs no DDL; sets c->version.
 * -ENOENT when the database has no central store, -ENOTSUP when it is
 * newer than this build, older than CENTRAL_READ_MIN_VERSION, or
 * unreadable. */
int central_schema_check(struct central *c);

/* ---- central_file.c ----------------------------------------------------- */

/* Lower-case hex SHA-256 of bytes. */
void central_sha256_hex(const void *data, size_t n, char out[65]);
/* Reads a whole file (at most max bytes) into *ret (malloc'd): 0, or a
 * negative errno (-EFBIG past max). */
int central_read_file(const char *path, size_t max, unsigned char **ret, size_t *ret_len);
/* Writes bytes to path through a temp file beside it, fsync, rename, fsync
 * of the directory; mode 0600.  0 or a negative errno; nothing at path on
 * failure. */
int central_write_file(const char *path, const void *data, size_t n);

/* ---- central_ship.c ----------------------------------------------------- */

/* The central id of the local file's station (registered on first use):
 * sets c->station_id and c->station.  Read-only: looked up only, 0 when
 * the station never shipped. */
int central_station(struct central *c, struct db *local);
