/* SPDX-License-Identifier: MIT */
/* audit summary: per slot, per adapter, per chip family and per boot
 * check result (the jobs that ran one) - jobs, passed, failed, mean cycle
 * time of the passed jobs, top failure causes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "audit.h"

static const struct out_col s_cols[] = {
	{"by", "BY", OUT_TEXT},
	{"key", "KEY", OUT_TEXT},
	{"kind", "KIND", OUT_TEXT},
	{"jobs", "JOBS", OUT_INT},
	{"passed", "PASSED", OUT_INT},
	{"failed", "FAILED", OUT_INT},
	{"open", "OPEN", OUT_INT},
	{"mean_cycle_ms", "MEAN_CYCLE", OUT_MS},
	{"top_causes", "TOP_CAUSES", OUT_TEXT},
};

struct summary_walk {
	struct out_table *t;
	const char *by;
};

static int group_row(void *user, const struct db_audit_group *g)
{
	struct summary_walk *w = user;
	char jobs[24], passed[24], failed[24], open[24], cycle[24] = "";
	snprintf(jobs, sizeof jobs, "%" PRId64, g->jobs);
	snprintf(passed, sizeof passed, "%" PRId64, g->passed);
	snprintf(failed, sizeof failed, "%" PRId64, g->failed);
	snprintf(open, sizeof open, "%" PRId64, g->open);
	if (g->mean_cycle_ms >= 0)
		snprintf(cycle, sizeof cycle, "%" PRId64, g->mean_cycle_ms);
	const char *cells[] = {w->by, g->key, g->kind, jobs, passed, failed, open, cycle, g->causes};
	return out_row(w->t, cells) ? -ENOMEM : 0;
}

int audit_summary(struct audit_ctx *a)
{
	struct out_table t;
	out_init(&t, a->out, a->fmt, s_cols, sizeof s_cols / sizeof s_cols[0]);
	struct summary_walk w = {&t, "slot"};
	int r = db_audit_summary(a->db, DB_AUDIT_BY_SLOT, &a->f, group_row, &w);
	if (r == 0) {
		w.by = "adapter";
		r = db_audit_summary(a->db, DB_AUDIT_BY_ADAPTER, &a->f, group_row, &w);
	}
	if (r == 0) {
		w.by = "family";
		r = db_audit_summary(a->db, DB_AUDIT_BY_FAMILY, &a->f, group_row, &w);
	}
	if (r == 0) {
		w.by = "boot";
		r = db_audit_summary(a->db, DB_AUDIT_BY_BOOT, &a->f, group_row, &w);
	}
	int rc = 0;
	if (r == -ENOMEM)
		rc = audit_fail(a, CLI_EXIT_FILE, "audit summary: out of memory");
	else if (r)
		rc = audit_fail(a, CLI_EXIT_FILE, "audit summary: %s: %s", a->db_path,
				db_errmsg(a->db));
	if (rc == 0)
		rc = audit_print(a, &t);
	out_free(&t);
	return rc;
}
