/* SPDX-License-Identifier: MIT */
/* Why a database cannot be opened, in one line: the path, the cause found
 * on disk, and a fix that fits that cause.  SQLite's own words ("unable to
 * open database file", "attempt to write a readonly database") name neither
 * the file nor what to change, so a failed open is looked at again here. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_priv.h"

#define FIX_FOREIGN "fix: that path names some other file; name the station's own database"
#define FIX_WRITE "fix: give the user running espstation write access to both"
#define FIX_ROFS "fix: remount it read-write, or keep the database on a writable disk"

int db_refuse_foreign(struct db *db, const char *path, const char *why)
{
	return db_fail(db, -EBADMSG, "%s: not an espstation database: %s (" FIX_FOREIGN ")", path,
		       why);
}

int db_refuse_newer(struct db *db, const char *path, int version)
{
	return db_fail(db, -ENOTSUP,
		       "%s: database schema v%d is newer than this espstation (v%d) (fix: upgrade "
		       "espstation)",
		       path, version, DB_SCHEMA_VERSION);
}

static void dir_of(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, cap, ".");
	else if (slash == path)
		snprintf(dir, cap, "/");
	else
		snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

/* 0 when this process (its effective ids) may access p with mode, else
 * the errno: EACCES, EROFS ...  Root passes mode bits but not EROFS. */
static int can(const char *p, int mode)
{
	return faccessat(AT_FDCWD, p, mode, AT_EACCESS) == 0 ? 0 : errno;
}

int db_dir_writable(const char *path)
{
	char dir[DB_PATH_MAX + 1];

	dir_of(path, dir, sizeof dir);
	return can(dir, W_OK) == 0;
}

/* Writing needs the file and its directory: SQLite creates the -wal and
 * -shm files beside the database. */
static int explain_write(struct db *db, const char *path, const char *dir)
{
	int e = can(path, R_OK | W_OK);

	if (e == EROFS)
		return db_fail(db, -EROFS, "%s: the database is on a read-only file system (" FIX_ROFS
			       ")", path);
	if (e)
		return db_fail(db, -e, "%s: the database is read-only for this user: %s (fix: give "
			       "the user running espstation write access to %s and to %s)",
			       path, strerror(e), path, dir);
	e = can(dir, W_OK);
	if (e == EROFS)
		return db_fail(db, -EROFS, "%s: its directory %s is on a read-only file system, and "
			       "SQLite keeps its -wal and -shm files there (" FIX_ROFS ")",
			       path, dir);
	if (e)
		return db_fail(db, -e, "%s: its directory %s is read-only for this user (%s), and "
			       "SQLite keeps its -wal and -shm files there (" FIX_WRITE ")",
			       path, dir, strerror(e));
	return 0;
}

/* A log with changes but no -shm beside it cannot be read where no -shm
 * can be made, and reading the file without its log would show old rows. */
static int explain_read(struct db *db, const char *path, const char *dir)
{
	char side[DB_PATH_MAX + 8];
	struct stat sb;
	int e = can(path, R_OK);

	if (e)
		return db_fail(db, -e, "%s: cannot read the database: %s (fix: give this user read "
			       "access to %s)", path, strerror(e), path);
	snprintf(side, sizeof side, "%s-wal", path);
	if (stat(side, &sb) != 0 || sb.st_size == 0 || can(dir, W_OK) == 0)
		return 0;
	snprintf(side, sizeof side, "%s-shm", path);
	if (stat(side, &sb) == 0)
		return 0;
	return db_fail(db, -EROFS, "%s: its log %s-wal holds changes, but %s is read-only and "
		       "has no %s-shm to read the log with (fix: copy the database and its -wal "
		       "file to a writable directory and read the copy)",
		       path, path, dir, path);
}

int db_open_explain(struct db *db, int code, const char *path, int want_write)
{
	char dir[DB_PATH_MAX + 1];
	const char *verb;
	struct stat sb;
	int r, e;

	dir_of(path, dir, sizeof dir);
	if (stat(path, &sb) != 0) {
		e = errno;
		if (e == ENOTDIR)
			return db_fail(db, -ENOTDIR, "%s: a part of %s is a file, not a directory "
				       "(fix: correct the path)", path, dir);
		if (e == ENOENT && !want_write)
			return db_fail(db, -ENOENT, "%s: no database there (fix: check the path; "
				       "espstation run creates the database)", path);
		if (e == ENOENT && stat(dir, &sb) != 0)
			return db_fail(db, -ENOENT, "%s: cannot create the database: the directory "
				       "%s does not exist (fix: create the directory)", path, dir);
		/* a new file: its directory must take it */
		verb = e == ENOENT ? "create" : "reach";
		e = e == ENOENT ? can(dir, W_OK) : e;
		if (e == EROFS)
			return db_fail(db, -EROFS, "%s: cannot create the database: %s is on a "
				       "read-only file system (" FIX_ROFS ")", path, dir);
		if (e)
			return db_fail(db, -e, "%s: cannot %s the database in %s: %s (fix: give the "
				       "user running espstation access to %s)",
				       path, verb, dir, strerror(e), dir);
	} else if (S_ISDIR(sb.st_mode)) {
		return db_fail(db, -EISDIR, "%s: a directory, not a database file (fix: name a "
			       "file inside it)", path);
	} else {
		r = want_write ? explain_write(db, path, dir) : explain_read(db, path, dir);
		if (r)
			return r;
	}
	/* nothing on disk explains it: keep SQLite's words, with the path */
	if (strncmp(db->err, path, strlen(path)) != 0)
		db_fail_prefix(db, code, path);
	return code;
}
