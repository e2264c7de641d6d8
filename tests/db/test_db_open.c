/* SPDX-License-Identifier: MIT */
/* db_open()'s refusals, each one line with the path, the real cause and a
 * fix that fits that cause: a missing directory (create it), a file where
 * a directory should be, a directory named as the database, a read-only
 * file or directory (write access; as root, read-only media), another
 * program's file, a newer schema (upgrade).  Only the missing directory
 * says to create one. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbtest.h"

static char s_dir[256];

/* The message of a refused db_open, checked for path and one line. */
static int refused(const char *path, char *err, size_t cap)
{
	struct db *db = (struct db *)&db;
	int r = db_open(path, &db, err, cap);

	T_CHECK(r < 0);
	T_CHECK(db == NULL);
	T_HAS_STR(err, path);
	T_HAS_STR(err, "(fix: ");
	T_CHECK(strchr(err, '\n') == NULL);
	return r;
}

static void no_create_advice(const char *err)
{
	T_CHECK(strstr(err, "create the directory") == NULL);
}

static void check_paths(void)
{
	char path[300], sub[300], err[1024];
	FILE *f;

	t_set_case("missing directory");
	t_path(sub, sizeof sub, s_dir, "no-such-dir");
	T_EQ_INT(refused(t_path(path, sizeof path, sub, "station.db"), err, sizeof err), -ENOENT);
	T_HAS_STR(err, "the directory");
	T_HAS_STR(err, "does not exist (fix: create the directory)");
	T_CHECK(access(sub, F_OK) != 0);

	t_set_case("a file where a directory should be");
	f = fopen(t_path(sub, sizeof sub, s_dir, "plain-file"), "w");
	T_REQUIRE(f != NULL);
	fclose(f);
	T_EQ_INT(refused(t_path(path, sizeof path, sub, "station.db"), err, sizeof err), -ENOTDIR);
	T_HAS_STR(err, "is a file, not a directory");
	no_create_advice(err);

	t_set_case("a directory named as the database");
	T_REQUIRE(mkdir(t_path(path, sizeof path, s_dir, "adir.db"), 0700) == 0);
	T_EQ_INT(refused(path, err, sizeof err), -EISDIR);
	T_HAS_STR(err, "a directory, not a database file");
	no_create_advice(err);
}

static void check_contents(void)
{
	char path[300], err[1024];
	sqlite3 *h;

	t_set_case("another program's file");
	T_REQUIRE(sqlite3_open(t_path(path, sizeof path, s_dir, "other.db"), &h) == SQLITE_OK);
	T_EQ_INT(t_exec(h, NULL, 0, "CREATE TABLE contacts (name)"), SQLITE_OK);
	sqlite3_close(h);
	T_EQ_INT(refused(path, err, sizeof err), -EBADMSG);
	T_HAS_STR(err, "not an espstation database");
	T_HAS_STR(err, "some other file");
	no_create_advice(err);

	t_set_case("newer schema");
	t_make_newer(t_path(path, sizeof path, s_dir, "newer.db"), 9);
	T_EQ_INT(refused(path, err, sizeof err), -ENOTSUP);
	T_HAS_STR(err, "(fix: upgrade espstation)");
	no_create_advice(err);
}

/* In a child where the directory is read-only. */
static int ro_child(const char *dir, void *arg)
{
	char path[300], err[1024];
	int failures = t_failures, r;

	(void)arg;
	t_set_case("read-only database");
	r = refused(t_path(path, sizeof path, dir, "station.db"), err, sizeof err);
	T_CHECK(r == -EROFS || r == -EACCES);
	T_HAS_STR(err, "read-only");
	T_CHECK(strstr(err, "write access") || strstr(err, "remount"));
	T_CHECK(strstr(err, "attempt to write") == NULL);
	no_create_advice(err);

	t_set_case("read-only directory, new database");
	r = refused(t_path(path, sizeof path, dir, "new.db"), err, sizeof err);
	T_CHECK(r == -EROFS || r == -EACCES);
	T_HAS_STR(err, "cannot create the database");
	no_create_advice(err);
	T_CHECK(access(path, F_OK) != 0);
	return t_failures > failures;
}

static void check_readonly(void)
{
	char dir[300], path[300];
	struct t_snap before;
	int rc;

	snprintf(dir, sizeof dir, "%s/ro", s_dir);
	T_REQUIRE(mkdir(dir, 0700) == 0);
	t_path(path, sizeof path, dir, "station.db");
	db_close(t_open(path));
	t_snap_take(&before, path);
	rc = t_run_readonly(dir, ro_child, NULL);
	if (rc == 77)
		printf("SKIP [read-only]: cannot make a read-only directory here\n");
	else
		T_EQ_INT(rc, 0);
	T_CHECK(t_snap_same(&before, path));
	t_snap_free(&before);
}

int main(void)
{
	t_mkdtemp(s_dir, sizeof s_dir);
	check_paths();
	check_contents();
	check_readonly();
	t_rmtree(s_dir);
	return t_done("db_open");
}
