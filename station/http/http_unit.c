/* SPDX-License-Identifier: MIT */
/* /api/units/MAC: one unit as `audit mac MAC --json` shows it - {"device",
 * "jobs", "boot", "backups", "restore"} - built from the same db/ queries
 * and the audit's table formatter.  The jobs table is the audit's own
 * (audit_jobs_table); the device, boot, backup and restore columns mirror
 * audit_mac.c, which prints to stdout only (tests/http checks that both
 * answers stay equal).  Backup files are re-hashed as the audit does, but
 * never served. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "http_priv.h"

static const struct out_col s_dev_cols[] = {
	{"mac", "MAC", OUT_TEXT}, {"chip", "CHIP", OUT_TEXT}, {"family", "FAMILY", OUT_TEXT},
	{"description", "DESCRIPTION", OUT_TEXT}, {"revision", "REVISION", OUT_TEXT},
	{"security", "SECURITY", OUT_TEXT}, {"flash_id", "FLASH_ID", OUT_TEXT},
	{"flash_size", "FLASH_SIZE", OUT_INT}, {"first_seen", "FIRST_SEEN", OUT_TEXT},
	{"last_seen", "LAST_SEEN", OUT_TEXT},
};

static const struct out_col s_backup_cols[] = {
	{"backup_id", "BACKUP", OUT_INT}, {"created", "CREATED", OUT_TEXT},
	{"provenance", "PROVENANCE", OUT_TEXT}, {"mac", "MAC", OUT_TEXT},
	{"station", "STATION", OUT_TEXT}, {"slot", "SLOT", OUT_TEXT}, {"job_id", "JOB", OUT_INT},
	{"size", "SIZE", OUT_INT}, {"flash_id", "FLASH_ID", OUT_TEXT},
	{"verified", "VERIFIED", OUT_BOOL}, {"sectors_read", "SECTORS_READ", OUT_TEXT},
	{"imported_by", "IMPORTED_BY", OUT_TEXT}, {"imported_from", "FROM", OUT_TEXT},
	{"sha256", "SHA256", OUT_HASH}, {"md5", "MD5", OUT_HASH}, {"file", "FILE", OUT_TEXT},
	{"path", "PATH", OUT_TEXT}, {"ciphertext", "CIPHERTEXT", OUT_BOOL},
};

static const struct out_col s_boot_cols[] = {
	{"job_id", "JOB", OUT_INT}, {"recorded", "RECORDED", OUT_TEXT},
	{"result", "RESULT", OUT_TEXT}, {"quiet_ok", "QUIET_OK", OUT_BOOL},
	{"rst_cause", "RST_CAUSE", OUT_INT}, {"boot_mode", "BOOT_MODE", OUT_INT},
	{"banners", "BANNERS", OUT_INT}, {"app_bytes", "APP_BYTES", OUT_INT},
	{"ms", "MS", OUT_MS}, {"why", "WHY", OUT_TEXT}, {"log", "LOG", OUT_TEXT},
};

static const struct out_col s_restore_cols[] = {
	{"backup_id", "BACKUP", OUT_INT}, {"why", "WHY", OUT_TEXT},
};

#define NCOLS(a) (sizeof a / sizeof a[0])

static const char *count_cell(int64_t v, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (v >= 0)
		snprintf(buf, cap, "%" PRId64, v);
	return buf;
}

static int backup_row(void *user, const struct db_audit_backup *row)
{
	const struct db_backup_row *b = &row->b;
	char id[24], job[24] = "", size[24], fid[16], why[160], sectors[32] = "";
	snprintf(id, sizeof id, "%" PRId64, b->id);
	if (b->job_id)
		snprintf(job, sizeof job, "%" PRId64, b->job_id);
	snprintf(size, sizeof size, "%" PRIu64, b->size);
	snprintf(fid, sizeof fid, "0x%06x", (unsigned)b->flash_id);
	if (b->sector_map[0]) {
		unsigned set = 0;
		for (const char *p = b->sector_map; *p; p++)
			set += (unsigned)__builtin_popcount((unsigned)(*p <= '9' ? *p - '0' : *p - 'a' + 10));
		snprintf(sectors, sizeof sectors, "%u/%" PRIu64, set, b->size / 4096u);
	}
	(void)audit_file_check(b, 1, why, sizeof why);
	const char *cells[] = {
		id, b->created_utc, b->provenance, b->mac, row->station, row->slot, job, size, fid,
		b->verified ? "1" : "0", sectors, b->imported_by, b->imported_from, b->sha256, b->md5,
		why, b->path, b->ciphertext ? "1" : "0",
	};
	return out_row(user, cells) ? -ENOMEM : 0;
}

/* The newest job (jobs are newest first) that ran a boot check. */
static int boot_row(struct db *db, const struct out_table *jobs, struct out_table *t)
{
	struct db_audit_boot *b = calloc(1, sizeof *b);
	if (!b)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < jobs->nrows; i++) {
		const char *result = out_cell(jobs, i, "boot_result");
		if (!result || !*result)
			continue;
		r = db_audit_boot(db, strtoll(out_cell(jobs, i, "job_id"), NULL, 10), b);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r)
			break;
		char id[24], at[32], rst[24], mode[24], banners[24], bytes[24], ms[24];
		const char *cells[] = {
			count_cell(b->job_id, id, sizeof id), audit_time(b->at_ms, at), b->result,
			b->quiet_ok ? "1" : "0", count_cell(b->rst_cause, rst, sizeof rst),
			count_cell(b->boot_mode, mode, sizeof mode),
			count_cell(b->banners, banners, sizeof banners),
			count_cell(b->app_bytes, bytes, sizeof bytes), count_cell(b->ms, ms, sizeof ms),
			b->why, b->log,
		};
		r = out_row(t, cells) ? -ENOMEM : 0;
		break;
	}
	free(b);
	return r;
}

static int restore_row(struct db *db, const char *mac, struct out_table *t)
{
	struct db_backup_row *row = malloc(sizeof *row);
	char why[768] = "", id[24] = "";
	if (!row)
		return -ENOMEM;
	int r = db_backup_restore_choice(db, mac, row, why, sizeof why);
	if (r == 0)
		snprintf(id, sizeof id, "%" PRId64, row->id);
	free(row);
	if (r && r != -ENOENT)
		return r;
	const char *cells[] = {id, why};
	return out_row(t, cells) ? -ENOMEM : 0;
}

int api_unit(const struct api_ctx *a, const char *mac, FILE *f)
{
	char err[512];
	struct audit_ctx ac = {.db_path = a->cfg->database, .fmt = OUT_JSON};
	if (db_open_readonly(a->cfg->database, &ac.db, err, sizeof err) != 0) {
		api_error(f, "%s", err);
		return 503;
	}
	struct db_audit_device d;
	int r = db_audit_device(ac.db, mac, &d);
	if (r) {
		api_error(f, "%s", db_errmsg(ac.db));
		db_close(ac.db);
		return r == -ENOENT ? 404 : 500;
	}
	struct db_audit_filter flt = {.mac = d.mac};
	struct out_table dev, jobs, boot, backups, restore;
	out_init(&dev, f, OUT_JSON, s_dev_cols, NCOLS(s_dev_cols));
	out_init(&boot, f, OUT_JSON, s_boot_cols, NCOLS(s_boot_cols));
	out_init(&backups, f, OUT_JSON, s_backup_cols, NCOLS(s_backup_cols));
	out_init(&restore, f, OUT_JSON, s_restore_cols, NCOLS(s_restore_cols));
	char fid[16], size[24], first[32], last[32];
	snprintf(fid, sizeof fid, "0x%06x", (unsigned)d.flash_id);
	snprintf(size, sizeof size, "%" PRIu32, d.flash_size);
	const char *security = !d.security_read ? "" : d.security[0] ? d.security : "none";
	const char *cells[] = {d.mac, d.chip, d.family, d.description, d.revision, security, fid,
			       size, audit_time(d.first_seen_ms, first), audit_time(d.last_seen_ms, last)};
	r = out_row(&dev, cells) ? -ENOMEM : 0;
	int jobs_rc = audit_jobs_table(&ac, &flt, &jobs);
	jobs.f = f;
	if (r == 0 && jobs_rc)
		r = -EIO;
	if (r == 0)
		r = boot_row(ac.db, &jobs, &boot);
	if (r == 0)
		r = db_audit_backups(ac.db, &flt, backup_row, &backups);
	if (r == 0)
		r = restore_row(ac.db, d.mac, &restore);
	if (r == 0) {
		/* the layout of `audit mac --json` */
		fputs("{\"device\": ", f);
		r |= out_print_object(&dev);
		fputs(",\n\"jobs\": ", f);
		r |= out_print(&jobs);
		fputs(",\n\"boot\": ", f);
		r |= out_print_object(&boot);
		fputs(",\n\"backups\": ", f);
		r |= out_print(&backups);
		fputs(",\n\"restore\": ", f);
		r |= out_print_object(&restore);
		fputs("}\n", f);
	} else {
		api_error(f, "%s", r == -ENOMEM ? "out of memory" : db_errmsg(ac.db));
	}
	out_free(&dev);
	out_free(&jobs);
	out_free(&boot);
	out_free(&backups);
	out_free(&restore);
	db_close(ac.db);
	return r ? 500 : 200;
}
