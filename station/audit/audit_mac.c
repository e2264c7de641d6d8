/* SPDX-License-Identifier: MIT */
/* audit mac MAC: one unit - as first seen (chip family, variant and
 * revision) with its latest security state, every job that touched it, the
 * newest boot check (verdict, reset cause, why, first lines heard) and
 * every backup of it, newest first, each backup file re-hashed, with its
 * provenance and whether it is ciphertext, and the backup a restore would
 * write, and why. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
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

/* The newest boot check of the unit, whole (the log as stored). */
static const struct out_col s_boot_cols[] = {
	{"job_id", "JOB", OUT_INT},
	{"recorded", "RECORDED", OUT_TEXT},
	{"result", "RESULT", OUT_TEXT},
	{"quiet_ok", "QUIET_OK", OUT_BOOL},
	{"rst_cause", "RST_CAUSE", OUT_INT},
	{"boot_mode", "BOOT_MODE", OUT_INT},
	{"banners", "BANNERS", OUT_INT},
	{"app_bytes", "APP_BYTES", OUT_INT},
	{"ms", "MS", OUT_MS},
	{"why", "WHY", OUT_TEXT},
	{"log", "LOG", OUT_TEXT},
};

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
	out_init(t, a->out, a->fmt, s_backup_cols, sizeof s_backup_cols / sizeof s_backup_cols[0]);
	out_table_moves(t, s_backup_moves, sizeof s_backup_moves / sizeof s_backup_moves[0]);
	out_init(restore, a->out, a->fmt, s_restore_cols,
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
		return audit_fail(a, CLI_EXIT_FILE, "audit: out of memory");
	if (r)
		return audit_fail(a, CLI_EXIT_FILE, "audit: %s: %s", a->db_path, db_errmsg(a->db));
	return 0;
}

/* A recorded count as a cell: "" where the event had none. */
static const char *count_cell(int64_t v, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (v >= 0)
		snprintf(buf, cap, "%" PRId64, v);
	return buf;
}

/* The boot check of the newest job in `jobs` (newest first) that ran one,
 * into b and as the one row of t; t stays empty when none did. */
static int mac_boot(struct audit_ctx *a, const struct out_table *jobs, struct out_table *t,
		    struct db_audit_boot *b)
{
	out_init(t, a->out, a->fmt, s_boot_cols, sizeof s_boot_cols / sizeof s_boot_cols[0]);
	for (size_t r = 0; r < jobs->nrows; r++) {
		const char *result = out_cell(jobs, r, "boot_result");
		if (!result || !*result)
			continue;
		int rc = db_audit_boot(a->db, strtoll(out_cell(jobs, r, "job_id"), NULL, 10), b);
		if (rc == -ENOENT)
			continue;
		if (rc)
			return audit_fail(a, CLI_EXIT_FILE, "audit: %s: %s", a->db_path,
					  db_errmsg(a->db));
		char id[24], at[32], rst[24], mode[24], banners[24], bytes[24], ms[24];
		const char *cells[] = {
			count_cell(b->job_id, id, sizeof id), audit_time(b->at_ms, at), b->result,
			b->quiet_ok ? "1" : "0", count_cell(b->rst_cause, rst, sizeof rst),
			count_cell(b->boot_mode, mode, sizeof mode),
			count_cell(b->banners, banners, sizeof banners),
			count_cell(b->app_bytes, bytes, sizeof bytes), count_cell(b->ms, ms, sizeof ms),
			b->why, b->log,
		};
		return out_row(t, cells) ? audit_fail(a, CLI_EXIT_FILE, "audit: out of memory") : 0;
	}
	return 0;
}

/* The boot check for people: the verdict on one line, what decided it, and
 * the first lines heard, each on its own line, printable (blank ones left
 * out).  The reset cause as the ROM spells it: decimal on an ESP8266, hex
 * on the ESP32 class. */
static void print_boot(FILE *f, const struct db_audit_boot *b, const char *family, int any)
{
	char buf[1024], at[32];
	int hex = !strncmp(family, "esp32", 5);
	if (!any) {
		fprintf(f, "\nBoot check: none recorded for this unit\n");
		return;
	}
	fprintf(f, "\nBoot check of job %" PRId64 " (the newest with one, recorded %s): %s",
		b->job_id, audit_time(b->at_ms, at), out_printable(b->result, buf, sizeof buf));
	if (b->quiet_ok)
		fprintf(f, " (passed: a firmware listed as quiet)");
	if (b->ms >= 0)
		fprintf(f, " in %.2fs", (double)b->ms / 1000.0);
	if (b->rst_cause < 0)
		fprintf(f, ", no reset cause heard");
	else
		fprintf(f, hex ? ", reset cause 0x%x" : ", reset cause %d", b->rst_cause);
	if (b->boot_mode >= 0)
		fprintf(f, hex ? ", boot mode 0x%x" : ", boot mode %d", b->boot_mode);
	if (b->banners >= 0)
		fprintf(f, ", %" PRId64 " ROM banner%s", b->banners, b->banners == 1 ? "" : "s");
	if (b->app_bytes >= 0)
		fprintf(f, ", %" PRId64 " bytes from the firmware", b->app_bytes);
	fprintf(f, "\nWhy: %s\n", b->why[0] ? out_printable(b->why, buf, sizeof buf) : "-");
	if (!b->log[0]) {
		fprintf(f, "First lines heard: none\n");
		return;
	}
	fprintf(f, "First lines heard (as stored):\n");
	for (const char *line = b->log; *line;) {
		size_t len = strcspn(line, "\n"), shown = len;
		char one[sizeof b->log];
		while (shown && strchr(" \t\r", line[shown - 1]))
			shown--;   /* the ROM ends some lines with a blank */
		snprintf(one, sizeof one, "%.*s", (int)shown, line);
		if (shown)
			fprintf(f, "  %s\n", out_printable(one, buf, sizeof buf));
		line += len + (line[len] == '\n');
	}
}

int audit_mac(struct audit_ctx *a)
{
	struct db_audit_device d;
	int r = db_audit_device(a->db, a->arg, &d);
	if (r)
		return audit_fail(a, r == -ENOENT ? AUDIT_EXIT_DATA : CLI_EXIT_FILE, "audit mac: %s",
				  db_errmsg(a->db));
	struct db_audit_filter f = {.mac = d.mac};
	struct out_table dev, jobs, boot, backups, restore;
	struct db_audit_boot *b = calloc(1, sizeof *b);
	if (!b)
		return audit_fail(a, CLI_EXIT_FILE, "audit: out of memory");
	out_init(&jobs, a->out, a->fmt, NULL, 0);
	out_init(&boot, a->out, a->fmt, NULL, 0);
	out_init(&backups, a->out, a->fmt, NULL, 0);
	out_init(&restore, a->out, a->fmt, NULL, 0);
	char fid[16], size[24], first[32], last[32];
	snprintf(fid, sizeof fid, "0x%06x", (unsigned)d.flash_id);
	snprintf(size, sizeof size, "%" PRIu32, d.flash_size);
	const char *cells[] = {d.mac, d.chip, d.family, d.description, d.revision,
			       security_text(&d), fid, size, audit_time(d.first_seen_ms, first),
			       audit_time(d.last_seen_ms, last)};
	out_init(&dev, a->out, a->fmt, s_dev_cols, sizeof s_dev_cols / sizeof s_dev_cols[0]);
	int rc = out_row(&dev, cells) ? audit_fail(a, CLI_EXIT_FILE, "audit: out of memory") : 0;
	if (rc == 0)
		rc = audit_jobs_table(a, &f, &jobs);
	if (rc == 0)
		rc = mac_boot(a, &jobs, &boot, b);
	if (rc == 0)
		rc = mac_backups(a, &f, &backups, &restore);
	if (rc == 0 && a->fmt == OUT_JSON) {
		/* one object: {"device": {...}, "jobs": [...], "boot": {...} or null,
		 * "backups": [...], "restore": {"backup_id": N or null, "why": "..."}} */
		fputs("{\"device\": ", a->out);
		rc = out_print_object(&dev);
		fputs(",\n\"jobs\": ", a->out);
		if (rc == 0)
			rc = out_print(&jobs);
		fputs(",\n\"boot\": ", a->out);
		if (rc == 0)
			rc = out_print_object(&boot);
		fputs(",\n\"backups\": ", a->out);
		if (rc == 0)
			rc = out_print(&backups);
		fputs(",\n\"restore\": ", a->out);
		if (rc == 0)
			rc = out_print_object(&restore);
		fputs("}\n", a->out);
		fflush(a->out);
		if (rc)
			rc = audit_fail(a, CLI_EXIT_FILE, "audit mac: cannot write the output");
	} else if (rc == 0) {
		char name[16];
		fprintf(a->out, "Unit %s: %s (%s), flash 0x%06x, %s, security: %s\n\n", d.mac,
			d.description[0] ? d.description : d.chip, d.family[0] ? d.family
			: "family unknown", (unsigned)d.flash_id, d.flash_size
			? esp_flash_size_name(d.flash_size, name, sizeof name) : "size unknown",
			d.security_read ? security_text(&d) : "not read");
		rc = audit_print(a, &dev);
		fprintf(a->out, "\nJobs, newest first:\n");
		if (rc == 0)
			rc = audit_print(a, &jobs);
		if (rc == 0)
			print_boot(a->out, b, d.family, boot.nrows > 0);
		fprintf(a->out, "\nBackups, newest first (FILE: the file re-hashed now):\n");
		if (rc == 0)
			rc = audit_print(a, &backups);
		/* one line: the backup restore writes unless told --backup FILE */
		const char *id = restore.nrows ? restore.cells[0] : "";
		if (rc == 0)
			fprintf(a->out, "\nRestore without --backup %s: %s\n",
				*id ? "writes" : "refuses", restore.nrows ? restore.cells[1] : "");
	}
	out_free(&dev);
	out_free(&jobs);
	out_free(&boot);
	free(b);
	out_free(&backups);
	out_free(&restore);
	return rc;
}
