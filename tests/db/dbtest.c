/* SPDX-License-Identifier: MIT */
/* Shared helpers of the db tests (see dbtest.h). */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbtest.h"

/* The scratch directory of this test program, removed at exit even when a
 * T_REQUIRE stops it -- but only by the process that made it, never by a
 * forked child that exits early. */
static char s_scratch[512];
static pid_t s_scratch_owner;

static void remove_scratch(void)
{
	if (s_scratch[0] && getpid() == s_scratch_owner)
		t_rmtree(s_scratch);
}

void t_mkdtemp(char *buf, size_t cap)
{
	const char *base = getenv("TMPDIR");

	snprintf(buf, cap, "%s/espstation-db-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(buf)) {
		perror("mkdtemp");
		exit(1);
	}
	if (!s_scratch[0]) {
		snprintf(s_scratch, sizeof s_scratch, "%s", buf);
		s_scratch_owner = getpid();
		atexit(remove_scratch);
	}
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "remove %s: %s\n", path, strerror(errno));
	return 0;
}

void t_rmtree(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) == 0)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *t_path(char *buf, size_t cap, const char *dir, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
	return buf;
}

struct db *t_open(const char *path)
{
	char err[512];
	struct db *db = NULL;
	int r = db_open(path, &db, err, sizeof err);

	if (r) {
		fprintf(stderr, "db_open %s: %d %s\n", path, r, err);
		T_REQUIRE(r == 0);
	}
	return db;
}

sqlite3 *t_raw_open(const char *path)
{
	sqlite3 *h = NULL;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "raw open %s: %s\n", path, h ? sqlite3_errmsg(h) : "?");
		T_REQUIRE(0);
	}
	sqlite3_busy_timeout(h, 10000);
	sqlite3_exec(h, "PRAGMA recursive_triggers=ON; PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	return h;
}

static sqlite3_stmt *prep_v(sqlite3 *h, const char *fmt, va_list ap)
{
	char *sql = sqlite3_vmprintf(fmt, ap);
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		fprintf(stderr, "prepare \"%s\": %s\n", sql, sqlite3_errmsg(h));
	sqlite3_free(sql);
	return st;
}

int64_t t_q_int(sqlite3 *h, const char *fmt, ...)
{
	va_list ap;
	sqlite3_stmt *st;
	int64_t v = -999999;

	va_start(ap, fmt);
	st = prep_v(h, fmt, ap);
	va_end(ap);
	if (!st)
		return v;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "query: %s\n", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	return v;
}

const char *t_q_text(sqlite3 *h, char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	sqlite3_stmt *st;

	buf[0] = '\0';
	va_start(ap, fmt);
	st = prep_v(h, fmt, ap);
	va_end(ap);
	if (!st)
		return buf;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

int t_exec(sqlite3 *h, char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;
	char *sql, *err = NULL;
	int rc;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	rc = sqlite3_exec(h, sql, NULL, NULL, &err);
	if (msg && cap)
		snprintf(msg, cap, "%s", err ? err : "");
	sqlite3_free(err);
	sqlite3_free(sql);
	return rc;
}

char *t_q_dump(sqlite3 *h, const char *sql)
{
	sqlite3_str *out = sqlite3_str_new(h);
	sqlite3_stmt *st = NULL;
	char *s, *ret;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "dump \"%s\": %s\n", sql, sqlite3_errmsg(h));
	} else {
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				const unsigned char *v = sqlite3_column_text(st, i);

				sqlite3_str_appendf(out, "%s%s", i ? "|" : "", v ? (const char *)v : "NULL");
			}
			sqlite3_str_appendchar(out, 1, '\n');
		}
		sqlite3_finalize(st);
	}
	s = sqlite3_str_finish(out);
	ret = strdup(s ? s : "");
	sqlite3_free(s);
	return ret;
}

const char *t_integrity(sqlite3 *h, char *buf, size_t cap)
{
	return t_q_text(h, buf, cap, "PRAGMA integrity_check");
}

int64_t t_clock_step(void *user)
{
	int64_t *t = user;

	return (*t)++;
}

void t_rig_make(struct db *db, struct t_rig *rig, const char *mac)
{
	struct db_adapter a = {0};
	struct db_device d = {0};

	T_REQUIRE(db_station_upsert(db, "bench-1", &rig->station) == 0);
	a.station_id = rig->station;
	a.vid = 0x10c4;
	a.pid = 0xea60;
	a.usb_serial = "0001";
	a.id_path = "pci-0000:00:14.0-usb-0:1.1:1.0";
	a.slot = "1";
	a.kind = "cp2102";
	T_REQUIRE(db_adapter_upsert(db, &a, &rig->adapter) == 0);
	d.mac = mac;
	d.chip = "ESP8266EX";
	d.flash_id = 0x1640ef;
	d.flash_size = 4u << 20;
	T_REQUIRE(db_device_seen(db, &d, &rig->device) >= 0);
}

const char *t_hex(char *buf, size_t n, unsigned seed)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;

	for (size_t i = 0; i < n; i++)
		buf[i] = hex[t_rand(&s) & 15];
	buf[n] = '\0';
	return buf;
}
