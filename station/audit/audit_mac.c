/* SPDX-License-Identifier: MIT */
/* audit mac MAC: one unit - as first seen (chip family, variant and
 * revision) with its latest security state, every job that touched it and
 * every backup of it, newest first, each backup file re-hashed, with its
 * provenance and whether it is ciphertext, and the backup a restore would
 * write, and why. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "audit_priv.h"
#include "cli_common.h"
#include "esp_image.h"

static const struct out_col s_dev_cols[] = {
	{"mac", "MAC", OUT_TEXT},
	{"chip", "CHIP", OUT_TEXT},
	{"family", "FAMILY", OUT_TEXT},
	{"description", "DESCRIPTION", OUT_TEXT},
	{"revision", "REVISION", OUT_TEXT},
	{"security", "SECURITY", OUT_TEXT},
	{"flash_id", "FLASH_ID", OUT_TEXT},
	{"flash_size", "FLASH_SIZE", OUT_INT},
	{"first_seen", "FIRST_SEEN", OUT_TEXT},
	{"last_seen", "LAST_SEEN", OUT_TEXT},
};

/* The unit's backups, as `audit backups` shows them plus where each came
 * from: its provenance, how much of the flash was read (sparse backups),
 * who imported it. */
static const struct out_col s_backup_cols[] = {
	{"backup_id", "BACKUP", OUT_INT},
	{"created", "CREATED", OUT_TEXT},
	{"provenance", "PROVENANCE", OUT_TEXT},
	{"mac", "MAC", OUT_TEXT},
	{"station", "STATION", OUT_TEXT},
	{"slot", "SLOT", OUT_TEXT},
	{"job_id", "JOB", OUT_INT},
	{"size", "SIZE", OUT_INT},
	{"flash_id", "FLASH_ID", OUT_TEXT},
	{"verified", "VERIFIED", OUT_BOOL},
	{"sectors_read", "SECTORS_READ", OUT_TEXT},
	{"imported_by", "IMPORTED_BY", OUT_TEXT},
	{"imported_from", "FROM", OUT_TEXT},
	{"sha256", "SHA256", OUT_HASH},
	{"md5", "MD5", OUT_HASH},
	{"file", "FILE", OUT_TEXT},
	{"path", "PATH", OUT_TEXT},
	/* schema v3: restored onto this unit only */
	{"ciphertext", "CIPHERTEXT", OUT_BOOL},
};

static const struct out_move s_backup_moves[] = {{"ciphertext", "verified"}};

static const struct out_col s_restore_cols[] = {
	{"backup_id", "BACKUP", OUT_INT},
	{"why", "WHY", OUT_TEXT},
};

/* The unit's security state as shown: its features ("flash_encryption,
 * secure_boot"), "none" when read and none is on, "" when never read (the
 * ESP8266 has none to read). */
static const char *security_text(const struct db_audit_device *d)
{
	if (!d->security_read)
		return "";
	return d->security[0] ? d->security : "none";
}

/* "150/1024": sectors the backup read of all; "" for a dense read. */
static const char *sectors_read(const struct db_backup_row *b, char *buf, size_t cap)
{
	unsigned set = 0;
	buf[0] = '\0';
	if (!b->sector_map[0])
		return buf;
	for (const char *p = b->sector_map; *p; p++)
		set += (unsigned)__builtin_popcount((unsigned)(*p <= '9' ? *p - '0' : *p - 'a' + 10));
	snprintf(buf, cap, "%u/%" PRIu64, set, b->size / 4096u);
	return buf;
}

static int mac_backup_row(void *user, const struct db_audit_backup *row)
{
	const struct db_backup_row *b = &row->b;
	char id[24], job[24] = "", size[24], fid[16], why[160], sectors[32];
	snprintf(id, sizeof id, "%" PRId64, b->id);
	if (b->job_id)
		snprintf(job, sizeof job, "%" PRId64, b->job_id);
	snprintf(size, sizeof size, "%" PRIu64, b->size);
	snprintf(fid, sizeof fid, "0x%06x", (unsigned)b->flash_id);
	(void)audit_file_check(b, 1, why, sizeof why);
	const char *cells[] = {
		id, b->created_utc, b->provenance, b->mac, row->station, row->slot, job, size, fid,
		b->verified ? "1" : "0", sectors_read(b, sectors, sizeof sectors), b->imported_by,
		b->imported_from, b->sha256, b->md5, why, b->path, b->ciphertext ? "1" : "0",
	};
	return out_row(user, cells) ? -ENOMEM : 0;
}

/* The backups table, each file re-hashed, and which one a restore writes
 * when the operator names none (db_backup_restore_choice), with why. */
static int mac_backups(struct audit_ctx *a, const struct db_audit_filter *f,
		       struct out_table *t, struct out_table *restore)
{
	out_init(t, stdout, a->fmt, s_backup_cols, sizeof s_backup_cols / sizeof s_backup_cols[0]);
	out_table_moves(t, s_backup_moves, sizeof s_backup_moves / sizeof s_backup_moves[0]);
	out_init(restore, stdout, a->fmt, s_restore_cols,
		 sizeof s_restore_cols / sizeof s_restore_cols[0]);
	int r = db_audit_backups(a->db, f, mac_backup_row, t);
	struct db_backup_row *row = r ? NULL : malloc(sizeof *row);
	char why[768] = "", id[24] = "";
	if (r == 0 && !row)
		r = -ENOMEM;
	if (r == 0) {
		r = db_backup_restore_choice(a->db, f->mac, row, why, sizeof why);
		if (r == 0)
			snprintf(id, sizeof id, "%" PRId64, row->id);
		if (r == -ENOENT)
			r = 0;
	}
	free(row);
	const char *cells[] = {id, why};
	if (r == 0 && out_row(restore, cells))
		r = -ENOMEM;
	if (r == -ENOMEM)
		return cli_fail(CLI_EXIT_FILE, "audit: out of memory");
	if (r)
		return cli_fail(CLI_EXIT_FILE, "audit: %s: %s", a->db_path, db_errmsg(a->db));
	return 0;
}

int audit_mac(struct audit_ctx *a)
{
	struct db_audit_device d;
	int r = db_audit_device(a->db, a->arg, &d);
	if (r)
		return cli_fail(r == -ENOENT ? AUDIT_EXIT_DATA : CLI_EXIT_FILE, "audit mac: %s",
				db_errmsg(a->db));
	struct db_audit_filter f = {.mac = d.mac};
	struct out_table dev, jobs, backups, restore;
	out_init(&jobs, stdout, a->fmt, NULL, 0);
	out_init(&backups, stdout, a->fmt, NULL, 0);
	out_init(&restore, stdout, a->fmt, NULL, 0);
	char fid[16], size[24], first[32], last[32];
	snprintf(fid, sizeof fid, "0x%06x", (unsigned)d.flash_id);
	snprintf(size, sizeof size, "%" PRIu32, d.flash_size);
	const char *cells[] = {d.mac, d.chip, d.family, d.description, d.revision,
			       security_text(&d), fid, size, audit_time(d.first_seen_ms, first),
			       audit_time(d.last_seen_ms, last)};
	out_init(&dev, stdout, a->fmt, s_dev_cols, sizeof s_dev_cols / sizeof s_dev_cols[0]);
	int rc = out_row(&dev, cells) ? cli_fail(CLI_EXIT_FILE, "audit: out of memory") : 0;
	if (rc == 0)
		rc = audit_jobs_table(a, &f, &jobs);
	if (rc == 0)
		rc = mac_backups(a, &f, &backups, &restore);
	if (rc == 0 && a->fmt == OUT_JSON) {
		/* one object: {"device": {...}, "jobs": [...], "backups": [...],
		 * "restore": {"backup_id": N or null, "why": "..."}} */
		fputs("{\"device\": ", stdout);
		rc = out_print_object(&dev);
		fputs(",\n\"jobs\": ", stdout);
		if (rc == 0)
			rc = out_print(&jobs);
		fputs(",\n\"backups\": ", stdout);
		if (rc == 0)
			rc = out_print(&backups);
		fputs(",\n\"restore\": ", stdout);
		if (rc == 0)
			rc = out_print_object(&restore);
		fputs("}\n", stdout);
		fflush(stdout);
		if (rc)
			rc = cli_fail(CLI_EXIT_FILE, "audit mac: cannot write the output");
	} else if (rc == 0) {
		char name[16];
		printf("Unit %s: %s (%s), flash 0x%06x, %s, security: %s\n\n", d.mac,
		       d.description[0] ? d.description : d.chip, d.family[0] ? d.family
		       : "family unknown", (unsigned)d.flash_id, d.flash_size
		       ? esp_flash_size_name(d.flash_size, name, sizeof name) : "size unknown",
		       d.security_read ? security_text(&d) : "not read");
		rc = audit_print(&dev);
		printf("\nJobs, newest first:\n");
		if (rc == 0)
			rc = audit_print(&jobs);
		printf("\nBackups, newest first (FILE: the file re-hashed now):\n");
		if (rc == 0)
			rc = audit_print(&backups);
		/* one line: the backup restore writes unless told --backup FILE */
		const char *id = restore.nrows ? restore.cells[0] : "";
		if (rc == 0)
			printf("\nRestore without --backup %s: %s\n", *id ? "writes" : "refuses",
			       restore.nrows ? restore.cells[1] : "");
	}
	out_free(&dev);
	out_free(&jobs);
	out_free(&backups);
	out_free(&restore);
	return rc;
}
