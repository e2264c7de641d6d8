/* SPDX-License-Identifier: MIT */
/* Shared helpers of the db tests (see dbtest.h). */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

void t_make_newer(const char *path, int version)
{
	sqlite3 *h;

	db_close(t_open(path));
	h = t_raw_open(path);
	T_EQ_INT(t_exec(h, NULL, 0, "INSERT INTO schema (version, applied_ms) VALUES (%d, 0)",
			version),
		 SQLITE_OK);
	sqlite3_close(h);
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

static int chmod_all(const char *dir, mode_t dir_mode, mode_t file_mode)
{
	char path[1024];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			chmod(t_path(path, sizeof path, dir, e->d_name), file_mode);
	closedir(d);
	return chmod(dir, dir_mode);
}

int t_make_readonly(const char *dir)
{
	if (chmod_all(dir, 0555, 0444) != 0)
		return -1;
	if (geteuid() != 0)
		return 0;
	/* root writes through mode bits: only read-only media stop it */
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount(dir, dir, NULL, MS_BIND, NULL) != 0 ||
	    mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) {
		fprintf(stderr, "read-only mount of %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

void t_make_writable(const char *dir)
{
	chmod_all(dir, 0700, 0644);
}

int t_run_readonly(const char *dir, int (*fn)(const char *dir, void *arg), void *arg)
{
	int status = -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	T_REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(t_make_readonly(dir) != 0 ? 77 : fn(dir, arg));
	waitpid(pid, &status, 0);
	t_make_writable(dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void t_snap_take(struct t_snap *s, const char *path)
{
	struct stat sb;
	FILE *f;

	memset(s, 0, sizeof *s);
	if (stat(path, &sb) != 0)
		return;
	s->exists = 1;
	s->mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
	if (!S_ISREG(sb.st_mode))
		return;
	s->len = (size_t)sb.st_size;
	s->bytes = malloc(s->len + 1);
	T_REQUIRE(s->bytes != NULL);
	f = fopen(path, "rb");
	T_REQUIRE(f != NULL);
	T_REQUIRE(fread(s->bytes, 1, s->len, f) == s->len);
	fclose(f);
}

int t_snap_same(const struct t_snap *s, const char *path)
{
	struct t_snap now;
	int same;

	t_snap_take(&now, path);
	same = now.exists == s->exists && now.len == s->len && now.mtime_ns == s->mtime_ns &&
	       (s->len == 0 || memcmp(now.bytes, s->bytes, s->len) == 0);
	if (!same)
		fprintf(stderr, "%s changed: %s, %zu -> %zu bytes\n", path,
			now.exists == s->exists ? "exists" : "appeared or vanished", s->len,
			now.len);
	t_snap_free(&now);
	return same;
}

void t_snap_free(struct t_snap *s)
{
	free(s->bytes);
	memset(s, 0, sizeof *s);
}

int t_dir_entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}
