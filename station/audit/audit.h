/* SPDX-License-Identifier: MIT */
/* The audit's queries, for `espstation audit` (cli/cmd_audit.c parses its
 * options and opens the database) and the web surface (http/): the
 * sub-commands, one file each (audit_mac.c, audit_jobs.c, audit_backups.c,
 * audit_summary.c, audit_vault.c).  Each writes its tables to a->out and
 * returns an exit code (CLI_EXIT_*), after one error line (audit_fail). */
#pragma once

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit_out.h"
#include "db.h"
#include "job_outcome.h"

/* Exit status of verify-vault when a recorded file is missing or altered,
 * and of `audit mac` for a MAC the database has never seen: the data
 * failure code of the single-port commands (CLI_EXIT_DEVICE). */
#define AUDIT_EXIT_DATA 5

struct audit_ctx {
	struct db *db;
	const char *db_path;
	enum out_fmt fmt;
	struct db_audit_filter f;
	int all;                     /* verify-vault --all: list the good files too */
	const char *arg;             /* the MAC of `audit mac` */
	int central;                 /* db is a snapshot of the central store */
	FILE *out;                   /* the tables: stdout, or an HTTP answer's body */
	int quiet_errors;            /* 1: errors into err only, not on stderr (http/) */
	char err[600];               /* the last error line, without "espstation: " */
};

/* Reports one error line: into a->err and, unless a->quiet_errors, on
 * stderr as "espstation: <line>" (as the other commands do).  a may be
 * NULL (stderr only).  Returns code. */
int audit_fail(struct audit_ctx *a, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One unit's history (device, jobs, boot check, backups, the restore
 * choice) for MAC a->arg, to a->out: the `audit mac` text, or with
 * a->fmt = OUT_JSON one object {"device", "jobs", "boot", "backups",
 * "restore"} (also /api/units/MAC).  AUDIT_EXIT_DATA for a MAC the database
 * has never seen. */
int audit_mac(struct audit_ctx *a);
int audit_jobs(struct audit_ctx *a);
int audit_backups(struct audit_ctx *a);
int audit_summary(struct audit_ctx *a);
int audit_verify_vault(struct audit_ctx *a);

/* audit_central.c: --db postgresql://USER@HOST/DB.  The snapshot of the
 * central store the audit reads: its private directory and file. */
struct audit_snapshot {
	char dir[PATH_MAX - 16];
	char path[PATH_MAX];
};
/* 1 if db_path names a central store (postgresql://, postgres://). */
int audit_is_central(const char *db_path);
/* Connects (password_file, else PGPASSWORD / ~/.pgpass), snapshots every
 * station's rows (only mac's when not NULL) into a new private directory
 * under $TMPDIR, and opens it read-only.  0, or the exit code after one
 * line (a bad url, a password in it: usage; unreachable, refused: 7), the
 * directory then already gone. */
int audit_central_open(const char *cmd, const char *url, const char *password_file,
		       const char *mac, struct audit_snapshot *s, struct db **ret);
/* Removes the snapshot's directory (after db_close); safe to call twice. */
void audit_snapshot_remove(struct audit_snapshot *s);

/* What became of a recorded backup file. */
enum audit_file { AUDIT_FILE_OK, AUDIT_FILE_MISSING, AUDIT_FILE_ALTERED, AUDIT_FILE_UNREADABLE };

/* Checks the file of b: present, recorded size and (when hash) recorded
 * SHA-256.  why gets "ok", "missing", "altered: ..." or "unreadable: ...". */
enum audit_file audit_file_check(const struct db_backup_row *b, int hash, char *why, size_t cap);

/* Formats Unix ms as ISO-8601 UTC ("" for 0). */
const char *audit_time(int64_t ms, char buf[32]);

/* Parses --since: 2026-11-23, 2026-11-23T10:00[:SS][Z] (UTC), or a time
 * back from now_ms: 90m, 24h, 7d, 2w.  0 or -1. */
int audit_parse_since(const char *s, int64_t now_ms, int64_t *ret_ms);

/* Prints the table; an error line and the exit code if that failed. */
int audit_print(struct audit_ctx *a, struct out_table *t);

/* The jobs (f) and backups (f; hash: re-hash each file for its status,
 * else only check size) as tables, shared by mac, jobs and backups.  0 or
 * an exit code after reporting. */
int audit_jobs_table(struct audit_ctx *a, const struct db_audit_filter *f, struct out_table *t);
int audit_backups_table(struct audit_ctx *a, const struct db_audit_filter *f, int hash,
			struct out_table *t);
