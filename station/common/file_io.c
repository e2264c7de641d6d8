/* SPDX-License-Identifier: MIT */
/* Image loading and the atomic backup writer.  A backup holds the unit's
 * stock firmware and its cloud credentials: it must either be complete and
 * durable or not exist at all, and never be readable by other users. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_io.h"

/* Messages name paths of up to PATH_MAX bytes: truncating them is fine. */
__attribute__((format(printf, 2, 3))) static void set_err(char err[FIO_ERR_LEN], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, FIO_ERR_LEN, fmt, ap);
	va_end(ap);
}

/* Refuse absurd inputs early: no ESP8266 flash is larger than 16 MiB. */
#define FIO_MAX_READ (64u * 1024 * 1024)

int fio_read_all(const char *path, size_t extra, uint8_t **ret_buf, size_t *ret_len,
		 char err[FIO_ERR_LEN])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_err(err, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		set_err(err, "%s is not a regular file", path);
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > FIO_MAX_READ) {
		set_err(err, "%s is %lld bytes, larger than any ESP8266 flash",
			 path, (long long)st.st_size);
		close(fd);
		return -1;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = malloc(n + extra + 1);
	if (!buf) {
		set_err(err, "out of memory reading %s", path);
		close(fd);
		return -1;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			set_err(err, "cannot read %s: %s", path,
				 r < 0 ? strerror(errno) : "file shrank while reading");
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	*ret_buf = buf;
	*ret_len = n;
	return 0;
}

int fio_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static const char *kind_name(mode_t m)
{
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "not a regular file";
}

/* 0 if nothing is at path, or (with force) a regular file that may be
 * replaced.  A rename over a device node, FIFO or symlink would destroy the
 * node, not write into it (as root, `-o /dev/null --force` removed
 * /dev/null): those are refused whatever force says. */
static int check_existing(const char *path, int force, char err[FIO_ERR_LEN])
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		set_err(err, "cannot use %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		set_err(err, "%s is a directory: name a file in it", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, "%s is %s: refusing to replace it (--force replaces regular files "
			"only)", path, kind_name(st.st_mode));
		return -1;
	}
	if (!force) {
		set_err(err, "%s exists; not overwriting it (use --force)", path);
		return -1;
	}
	return 0;
}

/* The directory of path and the name of a temporary file beside it (same
 * directory, so a rename cannot cross file systems). */
static int tmp_beside(const char *path, char dirbuf[PATH_MAX], const char **ret_dir,
		      char tmp[PATH_MAX], char err[FIO_ERR_LEN])
{
	char basebuf[PATH_MAX];
	if (snprintf(dirbuf, PATH_MAX, "%s", path) >= PATH_MAX ||
	    snprintf(basebuf, sizeof basebuf, "%s", path) >= (int)sizeof basebuf) {
		set_err(err, "path too long: %s", path);
		return -1;
	}
	*ret_dir = dirname(dirbuf);
	if (snprintf(tmp, PATH_MAX, "%s/.%s.XXXXXX", *ret_dir, basename(basebuf)) >= PATH_MAX) {
		set_err(err, "path too long: %s", path);
		return -1;
	}
	return 0;
}

int fio_check_output(const char *path, int force, char err[FIO_ERR_LEN])
{
	if (!path || !*path) {
		set_err(err, "the output file name is empty");
		return -1;
	}
	if (path[strlen(path) - 1] == '/') {
		set_err(err, "%s names a directory: name a file in it", path);
		return -1;
	}
	char dirbuf[PATH_MAX], tmp[PATH_MAX];
	const char *dir;
	if (tmp_beside(path, dirbuf, &dir, tmp, err) || check_existing(path, force, err))
		return -1;
	struct stat st;
	if (stat(dir, &st) != 0) {
		set_err(err, "cannot write %s: directory %s: %s", path, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, "cannot write %s: %s is not a directory", path, dir);
		return -1;
	}
	/* Mode bits say nothing to root, nor about read-only mounts: try it. */
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		set_err(err, "cannot create a file in %s: %s", dir, strerror(errno));
		return -1;
	}
	close(fd);
	(void)unlink(tmp);
	return 0;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Without force the final step must not replace a file that appeared
 * since we checked: RENAME_NOREPLACE does that in one step; file systems
 * without it get link() + unlink(), which fails with EEXIST the same way. */
static int publish(const char *tmp, const char *path, int force)
{
	if (force)
		return rename(tmp, path);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(tmp, path) < 0)
		return -1;
	(void)unlink(tmp);
	return 0;
}

/* The rename is only durable once the directory entry itself is on disk. */
static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int fio_write_atomic(const char *path, const uint8_t *data, size_t len, int force,
		     const volatile int *cancel, char err[FIO_ERR_LEN])
{
	char dirbuf[PATH_MAX], tmp[PATH_MAX];
	const char *dir;
	if (tmp_beside(path, dirbuf, &dir, tmp, err) || check_existing(path, force, err))
		return -1;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		set_err(err, "cannot create a file in %s: %s", dir, strerror(errno));
		return -1;
	}
	const char *step = NULL;
	/* mkstemp already uses 0600, but say it: the file holds credentials. */
	if (fchmod(fd, S_IRUSR | S_IWUSR) < 0)
		step = "set mode 0600 on";
	else if (write_full(fd, data, len) < 0)
		step = "write";
	else if (fsync(fd) < 0)
		step = "fsync";
	int e = errno;
	if (close(fd) < 0 && !step) {
		step = "close";
		e = errno;
	}
	if (step) {
		(void)unlink(tmp);
		set_err(err, "cannot %s %s: %s", step, tmp, strerror(e));
		return -1;
	}
	if (cancel && *cancel) {
		(void)unlink(tmp);
		set_err(err, "cancelled; %s not written", path);
		return -2;
	}
	/* Again, just before the rename: the read took a minute, and a node
	 * that appeared meanwhile must not be replaced either. */
	if (force && check_existing(path, force, err)) {
		(void)unlink(tmp);
		return -1;
	}
	if (publish(tmp, path, force) < 0) {
		e = errno;
		(void)unlink(tmp);
		if (e == EEXIST)
			set_err(err, "%s exists; not overwriting it (use --force)",
				 path);
		else
			set_err(err, "cannot rename %s to %s: %s", tmp, path,
				 strerror(e));
		return -1;
	}
	if (fsync_dir(dir) < 0) {
		/* The file is complete and in place; only its durability across a
		 * power cut is in doubt.  Say so rather than delete a good backup. */
		set_err(err, "wrote %s but cannot fsync %s: %s", path, dir,
			 strerror(errno));
		return -1;
	}
	return 0;
}
