/* SPDX-License-Identifier: MIT */
/* The central store: one PostgreSQL database (libpq) that several stations
 * ship their local record to, so that an auditor gets one answer across
 * benches and a unit backed up on one bench can be restored on another.
 *
 * The local SQLite database (db/) stays the record a bench is judged by:
 * nothing here is on the path to an erase.  The central store receives,
 * in order and idempotently, what each local database holds: its journal
 * (events), every row of its tables (closed jobs once, devices and
 * adapters as they move), and every backup file, content-addressed by
 * SHA-256 and re-hashed on arrival.  Each row is keyed by (station name,
 * local id): a second delivery of the same row is a no-op, a different row
 * under the same key is a conflict (-EEXIST: two benches with one station
 * name) and is reported, never merged.
 *
 * Links libpq and db/ (SQLite, for reading the local file and for the
 * snapshots the audit reads).  No printing, no global state; a struct
 * central belongs to one thread at a time.
 *
 * Return values: 0 (or a documented positive value) on success, a negative
 * errno-style code on failure with central_errmsg() saying what and why in
 * one line, never with the password in it:
 *   -EINVAL      bad url (not postgresql://, or a password in it), bad argument
 *   -EACCES      authentication failed or permission denied
 *   -ECONNREFUSED, -EHOSTUNREACH, -ETIMEDOUT, -ECONNRESET  the server is not
 *                reachable or went away (a station's shipper retries later)
 *   -ENOTSUP     the central schema is newer than this program
 *   -EEXIST      a row of this station and local id exists with other content
 *   -EBADMSG     a backup whose bytes do not hash to its SHA-256 (refused on
 *                arrival, or fetched altered)
 *   -EPERM       the store's append-only rules refused a change (a bug, or a
 *                hand-made row: the message has the server's text)
 *   -ENOENT      no such backup / MAC; central_open_readonly: the database
 *                holds no central store (no station shipped to it yet)
 *   -EIO         anything else (the message has the server's text) */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define CENTRAL_MUST_CHECK __attribute__((warn_unused_result))

struct central;

/* Connects (libpq, connect_timeout 5 s) and migrates the central schema
 * forward (versioned, in one transaction per version, safe from several
 * stations at once).  url: "postgresql://USER@HOST[:PORT]/DB[?...]";
 * a password in it is refused (-EINVAL).  password_file: a file whose
 * first line is the password, or NULL/"" for libpq's own (PGPASSWORD,
 * ~/.pgpass).  On failure *ret is NULL and err holds one line naming the
 * server (url redacted), the cause and the fix. */
int central_open(const char *url, const char *password_file, struct central **ret, char *err,
		 size_t errlen) CENTRAL_MUST_CHECK;
/* The same connect, for those who only read (audit, status, restore): no
 * DDL, and the session is read-only (default_transaction_read_only), so a
 * role with CONNECT and SELECT on the central tables is enough (plus
 * TEMPORARY, which PUBLIC has by default: a snapshot maps ids in temp
 * tables).  The schema version is checked, not changed: a database with no
 * central store is -ENOENT ("no espstation central store in database ..."),
 * a newer schema -ENOTSUP, an older one is read as it is (every version
 * this build migrates through is readable).  central_ship on such a
 * connection is -EPERM; central_backlog works (a station never shipped
 * counts as nothing arrived). */
int central_open_readonly(const char *url, const char *password_file, struct central **ret,
			  char *err, size_t errlen) CENTRAL_MUST_CHECK;
void central_close(struct central *c);
const char *central_errmsg(const struct central *c);

/* The url without any password, for messages: "postgresql://station@db:5432/espstation". */
const char *central_url_redacted(const char *url, char *buf, size_t cap);

/* The central schema version in the database (after either open). */
int central_schema_version(struct central *c);

/* What the local database holds that the central store has not
 * acknowledged yet: journal events, closed jobs, backups (and their file
 * bytes).  Asks the server (it is the truth about what arrived). */
struct central_backlog {
	int64_t events, jobs, backups;
	uint64_t backup_bytes;
	int64_t oldest_ms;          /* time of the oldest waiting event; 0 = none */
};
int central_backlog(struct central *c, struct db *local, struct central_backlog *ret) CENTRAL_MUST_CHECK;

/* Ships one batch from the local database: journal events in id order,
 * the rows they refer to, backup files (read from their recorded path,
 * SHA-256 checked before sending; a missing or altered local file is
 * reported as a "backup.unshippable" problem in st and skipped, never
 * blocking the rest).  At most max_bytes of backup data per call (0 = 8 MiB).
 * Each batch is one central transaction: a crash or a cut connection
 * loses nothing and duplicates nothing.  The file ships under the name of
 * its first station row (-ENOENT before it has one); where to resume is
 * asked from the server, so the station keeps no outbox state.  A skipped
 * backup is retried by every later call until its file is back.  A dropped
 * connection is reopened by the next call.  Returns 1 when everything was
 * shipped (caught up), 0 when more remains, or a negative error. */
struct central_ship_stats {
	int64_t events, rows, jobs, backups;  /* delivered by this call */
	uint64_t bytes;                       /* backup bytes delivered */
	int64_t unshippable;                  /* backups skipped: local file missing or altered */
	char problem[256];                    /* the last such problem, "" none */
};
int central_ship(struct central *c, struct db *local, uint64_t max_bytes,
		 struct central_ship_stats *st) CENTRAL_MUST_CHECK;

/* Builds a SQLite file at path (created; must not exist) with the local
 * schema (DB_SCHEMA_VERSION), holding the union of every station's rows as
 * the central store has them, renumbered, with each job, backup and adapter
 * under its own station's name: db_open_readonly() and every db_audit_*
 * and db_backup_* query then answer across stations, in the formats the
 * audit already has.  mac (NULL = all) limits it to one unit's rows. */
int central_snapshot(struct central *c, const char *path, const char *mac, char *err,
		     size_t errlen) CENTRAL_MUST_CHECK;

/* The backup a restore of donor_mac onto target_mac (NULL = donor) would
 * write, chosen across every station by the rules of
 * db_backup_restore_choice_onto() (the same code, on a snapshot of that
 * unit).  ret->b.path is the path on the station that took it, station its
 * name.  0, -ENOENT with why saying what exists, or an error. */
struct central_backup {
	struct db_backup_row b;
	char station[65];
};
int central_restore_choice(struct central *c, const char *donor_mac, const char *target_mac,
			   struct central_backup *ret, char *why, size_t cap) CENTRAL_MUST_CHECK;

/* Fetches the backup file with this SHA-256 to dest_path (a temp file,
 * fsync, rename: dest_path appears whole or not at all), re-hashing it:
 * -EBADMSG when the stored bytes do not hash to sha256 (altered in the
 * central store; nothing is left at dest_path), -ENOENT when the store has
 * no such file. */
int central_fetch_backup(struct central *c, const char *sha256, const char *dest_path, char *err,
			 size_t errlen) CENTRAL_MUST_CHECK;
