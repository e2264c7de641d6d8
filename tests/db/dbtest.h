/* SPDX-License-Identifier: MIT */
/* Helpers shared by the db tests: a scratch directory per test, a second
 * raw SQLite connection to look at (and attack) the file behind the API's
 * back, a fixed clock, a read-only place, and snapshots that prove a file
 * was not touched.  Assertions come from tests/unit/test.h. */
#pragma once

#include <errno.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "test.h"

/* Makes a fresh directory under $TMPDIR (or /tmp); exits on failure.  The
 * first one is also removed at exit, even when a T_REQUIRE stops the test. */
void t_mkdtemp(char *buf, size_t cap);
/* Removes the directory and everything below it. */
void t_rmtree(const char *dir);
/* dir + "/" + name into buf. */
const char *t_path(char *buf, size_t cap, const char *dir, const char *name);

/* Opens through the API or stops the test. */
struct db *t_open(const char *path);

/* A plain read-write connection (busy timeout, recursive triggers on). */
sqlite3 *t_raw_open(const char *path);
/* First column of the first row as an integer (-999999 on error, printed). */
int64_t t_q_int(sqlite3 *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* First column of the first row as text into buf ("" if none). */
const char *t_q_text(sqlite3 *h, char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Runs SQL; returns the SQLite result code and copies the message. */
int t_exec(sqlite3 *h, char *msg, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Every row of a query as one text (columns '|', rows '\n'); malloc'd. */
char *t_q_dump(sqlite3 *h, const char *sql);
/* "ok" when PRAGMA integrity_check passes. */
const char *t_integrity(sqlite3 *h, char *buf, size_t cap);

/* A database of this build whose schema table then claims version (as a
 * newer espstation would leave it). */
void t_make_newer(const char *path, int version);

/* A clock that returns *(int64_t *)user and then adds 1 ms. */
int64_t t_clock_step(void *user);

/* A station with one adapter and one device, for tests that need a job. */
struct t_rig {
	int64_t station, adapter, device;
};
void t_rig_make(struct db *db, struct t_rig *rig, const char *mac);
/* A hex string of n digits derived from seed (n + 1 bytes). */
const char *t_hex(char *buf, size_t n, unsigned seed);

/* In a forked child: makes dir and the files in it read-only for this
 * process.  chmod a-w always; as root (whom chmod does not stop) also a
 * read-only bind mount of dir in a private mount namespace.  0, or -1 when
 * it cannot be made read-only here (the caller skips the case).  The parent
 * undoes the chmod with t_make_writable(). */
int t_make_readonly(const char *dir);
void t_make_writable(const char *dir);
/* Runs fn(arg) in a child where dir is read-only (t_make_readonly) and
 * returns its exit status: 0 passed, 77 could not make dir read-only. */
int t_run_readonly(const char *dir, int (*fn)(const char *dir, void *arg), void *arg);

/* What a file was: its bytes, size and mtime (exists = 0 if missing). */
struct t_snap {
	int exists;
	char *bytes;
	size_t len;
	long long mtime_ns;
};
void t_snap_take(struct t_snap *s, const char *path);
/* 1 when path is still exactly what s recorded (also: still missing). */
int t_snap_same(const struct t_snap *s, const char *path);
void t_snap_free(struct t_snap *s);
/* Number of entries in dir, without . and .. (-1 if unreadable). */
int t_dir_entries(const char *dir);
