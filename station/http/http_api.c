/* SPDX-License-Identifier: MIT */
/* The JSON answers that come from the database: /api/jobs (the audit's own
 * jobs table, so the same fields and spelling as `audit jobs --json`) and
 * /api/today (the wall's counters).  Each request opens its own read-only
 * connection: a struct db belongs to one thread. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "http_priv.h"
#include "json_text.h"
#include "st_clock.h"

void api_error(FILE *f, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fputs("{\"error\":", f);
	st_json_string(f, msg);
	fputs("}\n", f);
}

/* A read-only connection for this request; 503 when the station has no
 * database yet. */
static int open_db(const struct api_ctx *a, struct db **db, FILE *f)
{
	char err[512];
	if (db_open_readonly(a->cfg->database, db, err, sizeof err) != 0) {
		api_error(f, "%s", err);
		return 503;
	}
	return 0;
}

static const char *const s_results[] = {"passed", "failed", "unplugged", "crashed",
					"interrupted", "refused", "cancelled", NULL};

int api_jobs(const struct api_ctx *a, const struct http_query *q, FILE *f)
{
	struct db_audit_filter flt = {.slot = q->slot, .result = q->result};
	char mac[DB_MAC_LEN];
	if (q->since && audit_parse_since(q->since, st_wall_ms(), &flt.since_ms) != 0) {
		api_error(f, "since=%s: use 2026-11-23, 2026-11-23T10:00[:SS]Z (UTC) or 90m, 24h, "
			  "7d, 2w", q->since);
		return 400;
	}
	if (q->result) {
		unsigned i;
		for (i = 0; s_results[i] && strcmp(s_results[i], q->result); i++)
			;
		if (!s_results[i]) {
			api_error(f, "result=%s: use passed, failed, unplugged, crashed, interrupted, "
				  "refused or cancelled", q->result);
			return 400;
		}
	}
	if (q->mac) {
		if (db_mac_normalize(q->mac, mac) != 0) {
			api_error(f, "mac=%s is not a MAC address (aa:bb:cc:dd:ee:ff)", q->mac);
			return 400;
		}
		flt.mac = mac;
	}
	/* the audit's own table and formatter, into this answer */
	struct audit_ctx ac = {.db_path = a->cfg->database, .fmt = OUT_JSON, .out = f,
			       .quiet_errors = 1};
	int st = open_db(a, &ac.db, f);
	if (st)
		return st;
	struct out_table t;
	int rc = audit_jobs_table(&ac, &flt, &t);
	if (rc == 0) {
		rc = out_print(&t);
		fputc('\n', f);
	} else {
		api_error(f, "%s", ac.err);
	}
	out_free(&t);
	db_close(ac.db);
	return rc ? 500 : 200;
}

/* ---- /api/today ------------------------------------------------------- */

#define TODAY_CAUSES 16
#define TODAY_FAILURES 10

struct today {
	int64_t passed, failed, open, last_hour, hour_from_ms;
	struct {
		char cause[64];
		int64_t n;
	} causes[TODAY_CAUSES];
	unsigned ncauses;
	FILE *fails;
	unsigned nfails;
};

/* The cause a shift lead groups by: the error's name, else the result. */
static const char *cause_of(const struct db_audit_job *j)
{
	return j->err_name[0] ? j->err_name : j->result;
}

static int today_job(void *user, const struct db_audit_job *j)
{
	struct today *t = user;
	if (!j->result[0]) {
		t->open++;
		return 0;
	}
	if (strcmp(j->result, "passed") == 0) {
		t->passed++;
		t->last_hour += j->end_ms >= t->hour_from_ms;
		return 0;
	}
	t->failed++;
	const char *cause = cause_of(j);
	unsigned i;
	for (i = 0; i < t->ncauses && strcmp(t->causes[i].cause, cause); i++)
		;
	if (i == t->ncauses && i < TODAY_CAUSES)
		snprintf(t->causes[t->ncauses++].cause, sizeof t->causes[0].cause, "%s", cause);
	if (i < TODAY_CAUSES)
		t->causes[i].n++;
	if (t->nfails < TODAY_FAILURES) { /* newest first, as the query lists them */
		char at[32];
		fprintf(t->fails, "%s{\"job_id\":%" PRId64 ",\"end\":\"%s\",\"slot\":", t->nfails ? "," : "",
			j->id, audit_time(j->end_ms, at));
		st_json_string(t->fails, j->slot);
		fputs(",\"mac\":", t->fails);
		st_json_string(t->fails, j->mac);
		fputs(",\"result\":", t->fails);
		st_json_string(t->fails, j->result);
		fputs(",\"stage\":", t->fails);
		st_json_string(t->fails, j->stage);
		fputs(",\"cause\":", t->fails);
		st_json_string(t->fails, cause);
		fputs(",\"message\":", t->fails);
		st_json_string(t->fails, j->err_msg);
		fputc('}', t->fails);
		t->nfails++;
	}
	return 0;
}

/* Local midnight: the shift reads "today" on the wall clock of the rack. */
static int64_t local_midnight_ms(int64_t now_ms)
{
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

int api_today(const struct api_ctx *a, FILE *f)
{
	struct db *db;
	int st = open_db(a, &db, f);
	if (st)
		return st;
	int64_t now = st_wall_ms();
	struct db_audit_filter flt = {.station = a->cfg->station, .since_ms = local_midnight_ms(now)};
	struct today t;
	memset(&t, 0, sizeof t);
	t.hour_from_ms = now - 3600 * 1000;
	char *fails = NULL;
	size_t flen = 0;
	t.fails = open_memstream(&fails, &flen);
	int r = t.fails ? db_audit_jobs(db, &flt, today_job, &t) : -ENOMEM;
	if (t.fails)
		fclose(t.fails);
	if (r) {
		api_error(f, "%s", r == -ENOMEM ? "out of memory" : db_errmsg(db));
		free(fails);
		db_close(db);
		return 500;
	}
	char since[32];
	fputs("{\"station\":", f);
	st_json_string(f, a->cfg->station);
	fprintf(f, ",\"since\":\"%s\",\"passed\":%" PRId64 ",\"failed\":%" PRId64
		",\"open\":%" PRId64 ",\"units_last_hour\":%" PRId64 ",\"failed_by_cause\":{",
		audit_time(flt.since_ms, since), t.passed, t.failed, t.open, t.last_hour);
	for (unsigned i = 0; i < t.ncauses; i++) {
		fputs(i ? "," : "", f);
		st_json_string(f, t.causes[i].cause);
		fprintf(f, ":%" PRId64, t.causes[i].n);
	}
	fprintf(f, "},\"last_failures\":[%s]}\n", fails ? fails : "");
	free(fails);
	db_close(db);
	return 200;
}
