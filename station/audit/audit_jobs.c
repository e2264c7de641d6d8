/* SPDX-License-Identifier: MIT */
/* audit jobs: what happened where - each job with its unit and the unit's
 * chip family, adapter, stage timings, what it wrote or restored, whether
 * the unit was proven clean, whether it booted, and the cause of a
 * failure. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"

static const struct out_col s_cols[] = {
	{"job_id", "JOB", OUT_INT},
	{"start", "START", OUT_TEXT},
	{"station", "STATION", OUT_TEXT},
	{"slot", "SLOT", OUT_TEXT},
	{"port", "PORT", OUT_TEXT},
	{"adapter", "ADAPTER", OUT_TEXT},
	{"mode", "MODE", OUT_TEXT},
	{"mac", "MAC", OUT_TEXT},
	{"result", "RESULT", OUT_TEXT},
	{"stage", "STAGE", OUT_TEXT},
	{"cycle_ms", "CYCLE", OUT_MS},
	{"stages", "STAGES", OUT_TEXT},
	{"image", "IMAGE", OUT_TEXT},
	{"written_sha256", "WRITTEN", OUT_HASH},
	{"clean_proven", "CLEAN", OUT_BOOL},
	{"backup_id", "BACKUP", OUT_INT},
	{"restore", "RESTORE", OUT_TEXT},
	{"cause", "CAUSE", OUT_TEXT},
	/* schema v3; new columns go last, so that CSV read by position still works */
	{"family", "FAMILY", OUT_TEXT},
	/* the boot check (its journal event): the table shows the result only,
	 * `audit mac` the reset cause, the why and the first lines heard */
	{"boot_result", "BOOT", OUT_TEXT},
	{"boot_rst_cause", NULL, OUT_INT},
	{"boot_ms", NULL, OUT_MS},
};

/* people read the family next to the MAC, the boot check after the clean
 * proof (both judge what was written) */
static const struct out_move s_moves[] = {{"family", "mac"}, {"boot_result", "clean_proven"}};

struct stages_text {
	char buf[512];
	size_t len;
};

static int stage_add(void *user, const struct db_audit_stage *s)
{
	struct stages_text *st = user;
	if (st->len >= sizeof st->buf - 1)
		return 0;
	int n = snprintf(st->buf + st->len, sizeof st->buf - st->len, "%s%s %.2fs%s%s",
			 st->len ? ", " : "", s->stage, (double)s->duration_ms / 1000.0,
			 strcmp(s->outcome, "ok") ? " " : "", strcmp(s->outcome, "ok") ? s->outcome : "");
	st->len += n > 0 ? (size_t)n : 0;
	if (st->len >= sizeof st->buf)
		st->len = sizeof st->buf - 1;
	return 0;
}

struct jobs_walk {
	struct audit_ctx *a;
	struct out_table *t;
};

static int job_row(void *user, const struct db_audit_job *j)
{
	struct jobs_walk *w = user;
	char id[24], start[32], cycle[24] = "", backup[24] = "", restore[96] = "", cause[600] = "";
	char rst[24] = "", boot_ms[24] = "";
	/* verify proved every sector outside the image erased: yes; failed: no; not run: - */
	const char *clean = j->clean_proven < 0 ? "" : j->clean_proven ? "1" : "0";
	struct stages_text st = {.len = 0};
	st.buf[0] = '\0';
	int r = db_audit_stages(w->a->db, j->id, stage_add, &st);
	if (r)
		return r;
	snprintf(id, sizeof id, "%" PRId64, j->id);
	if (j->end_ms)
		snprintf(cycle, sizeof cycle, "%" PRId64, j->end_ms - j->start_ms);
	if (j->backup_id)
		snprintf(backup, sizeof backup, "%" PRId64, j->backup_id);
	if (j->restore_backup_id)
		snprintf(restore, sizeof restore, "backup %" PRId64 " of %s%s", j->restore_backup_id,
			 j->donor_mac, j->restore_forced ? " (forced clone)" : "");
	if (j->boot_rst_cause >= 0)
		snprintf(rst, sizeof rst, "%d", j->boot_rst_cause);
	if (j->boot_ms >= 0)
		snprintf(boot_ms, sizeof boot_ms, "%" PRId64, j->boot_ms);
	if (j->err_name[0] || (j->result[0] && strcmp(j->result, "passed")))
		snprintf(cause, sizeof cause, "%s%s%s", j->err_name, j->err_name[0] && j->err_msg[0]
			 ? ": " : "", j->err_msg);
	const char *cells[] = {
		id, audit_time(j->start_ms, start), j->station, j->slot, j->port, j->adapter,
		j->mode, j->mac, j->result[0] ? j->result : "open", j->stage, cycle, st.buf,
		j->image, j->written_sha256, clean, backup, restore, cause, j->family,
		j->boot_result, rst, boot_ms,
	};
	return out_row(w->t, cells) ? -ENOMEM : 0;
}

int audit_jobs_table(struct audit_ctx *a, const struct db_audit_filter *f, struct out_table *t)
{
	struct jobs_walk w = {a, t};
	out_init(t, a->out, a->fmt, s_cols, sizeof s_cols / sizeof s_cols[0]);
	out_table_moves(t, s_moves, sizeof s_moves / sizeof s_moves[0]);
	int r = db_audit_jobs(a->db, f, job_row, &w);
	if (r == -ENOMEM)
		return audit_fail(a, CLI_EXIT_FILE, "audit: out of memory");
	if (r)
		return audit_fail(a, CLI_EXIT_FILE, "audit: %s: %s", a->db_path, db_errmsg(a->db));
	return 0;
}

int audit_jobs(struct audit_ctx *a)
{
	struct out_table t;
	int rc = audit_jobs_table(a, &a->f, &t);
	if (rc == 0)
		rc = audit_print(a, &t);
	out_free(&t);
	return rc;
}
