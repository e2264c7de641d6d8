/* SPDX-License-Identifier: MIT */
/* audit backups: the backup inventory - which unit (and its chip family),
 * when, where the file is, its hashes, whether the chip proved it, whether
 * it is ciphertext (restored onto its own unit only), and whether the file
 * is still there. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "audit.h"

static const struct out_col s_cols[] = {
	{"backup_id", "BACKUP", OUT_INT},
	{"created", "CREATED", OUT_TEXT},
	{"mac", "MAC", OUT_TEXT},
	{"station", "STATION", OUT_TEXT},
	{"slot", "SLOT", OUT_TEXT},
	{"job_id", "JOB", OUT_INT},
	{"size", "SIZE", OUT_INT},
	{"flash_id", "FLASH_ID", OUT_TEXT},
	{"verified", "VERIFIED", OUT_BOOL},
	{"sha256", "SHA256", OUT_HASH},
	{"md5", "MD5", OUT_HASH},
	{"file", "FILE", OUT_TEXT},
	{"path", "PATH", OUT_TEXT},
	/* schema v3; new columns go last, so that CSV read by position still works */
	{"family", "FAMILY", OUT_TEXT},
	{"ciphertext", "CIPHERTEXT", OUT_BOOL},
};

/* people read the family next to the MAC, ciphertext next to verified */
static const struct out_move s_moves[] = {{"family", "mac"}, {"ciphertext", "verified"}};

struct backups_walk {
	struct out_table *t;
	int hash;
};

static int backup_row(void *user, const struct db_audit_backup *row)
{
	struct backups_walk *w = user;
	const struct db_backup_row *b = &row->b;
	char id[24], job[24] = "", size[24], fid[16], why[160];
	snprintf(id, sizeof id, "%" PRId64, b->id);
	if (b->job_id)
		snprintf(job, sizeof job, "%" PRId64, b->job_id);
	snprintf(size, sizeof size, "%" PRIu64, b->size);
	snprintf(fid, sizeof fid, "0x%06x", (unsigned)b->flash_id);
	(void)audit_file_check(b, w->hash, why, sizeof why);
	const char *cells[] = {
		id, b->created_utc, b->mac, row->station, row->slot, job, size, fid,
		b->verified ? "1" : "0", b->sha256, b->md5, why, b->path, row->family,
		b->ciphertext ? "1" : "0",
	};
	return out_row(w->t, cells) ? -ENOMEM : 0;
}

int audit_backups_table(struct audit_ctx *a, const struct db_audit_filter *f, int hash,
			struct out_table *t)
{
	struct backups_walk w = {t, hash};
	out_init(t, a->out, a->fmt, s_cols, sizeof s_cols / sizeof s_cols[0]);
	out_table_moves(t, s_moves, sizeof s_moves / sizeof s_moves[0]);
	int r = db_audit_backups(a->db, f, backup_row, &w);
	if (r == -ENOMEM)
		return audit_fail(a, CLI_EXIT_FILE, "audit: out of memory");
	if (r)
		return audit_fail(a, CLI_EXIT_FILE, "audit: %s: %s", a->db_path, db_errmsg(a->db));
	return 0;
}

int audit_backups(struct audit_ctx *a)
{
	struct out_table t;
	/* the inventory only checks presence and size: re-hashing a whole vault
	 * is verify-vault's job */
	int rc = audit_backups_table(a, &a->f, 0, &t);
	if (rc == 0)
		rc = audit_print(a, &t);
	out_free(&t);
	return rc;
}
