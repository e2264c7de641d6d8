/* SPDX-License-Identifier: MIT */
/* `espstation audit ... --db postgresql://...`: the central store copied
 * into a private SQLite snapshot (central_snapshot), which the very same
 * audit code then reads as if it were a station's database: one set of
 * queries, one set of formats, every station's rows under its own name.
 * The snapshot lives in a directory of its own under $TMPDIR (0700), gone
 * when the audit ends, whether it answered or failed. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "central.h"

int audit_is_central(const char *db_path)
{
	return db_path && (!strncmp(db_path, "postgresql://", 13) ||
			   !strncmp(db_path, "postgres://", 11));
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void audit_snapshot_remove(struct audit_snapshot *s)
{
	if (s->dir[0])
		(void)nftw(s->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	s->dir[0] = '\0';
}

int audit_central_open(const char *cmd, const char *url, const char *password_file,
		       const char *mac, struct audit_snapshot *s, struct db **ret)
{
	char err[1024];
	struct central *c;
	*ret = NULL;
	s->dir[0] = '\0';
	/* a password in the url is refused here (-EINVAL): a usage error */
	int r = central_open_readonly(url, password_file, &c, err, sizeof err);
	if (r)
		return audit_fail(NULL, r == -EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FILE, "%s: %s",
				  cmd, err);
	const char *tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof s->dir, "%s/espstation-audit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		int e = errno;
		s->dir[0] = '\0';
		central_close(c);
		return audit_fail(NULL, CLI_EXIT_FILE, "%s: cannot make a directory for the "
				  "central store's snapshot under %s: %s (set TMPDIR to a "
				  "writable directory)", cmd, tmp && *tmp ? tmp : "/tmp",
				  strerror(e));
	}
	snprintf(s->path, sizeof s->path, "%s/central.db", s->dir);
	r = central_snapshot(c, s->path, mac, err, sizeof err);
	central_close(c);
	if (r == 0)
		r = db_open_readonly(s->path, ret, err, sizeof err);
	if (r) {
		audit_snapshot_remove(s);
		return audit_fail(NULL, CLI_EXIT_FILE, "%s: %s", cmd, err);
	}
	return 0;
}
