/* SPDX-License-Identifier: MIT */
/* /metrics in the Prometheus text format 0.0.4: jobs by result and cause,
 * stage durations as histograms and the bytes each stage moved (from the
 * database, so a restarted station keeps counting), active workers and
 * event-stream clients, open and dropped (from the hub), and the central
 * store's link and backlog (the shipper's state file, when a central store
 * is configured).  Every closed job is read on each scrape: fine for a
 * bench's history; a long-lived station with hundreds of thousands of jobs
 * would want the totals kept as it goes. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "http_priv.h"
#include "shipper_state.h"

#define MAX_KEYS 64
#define MAX_STAGES 16

static const double s_buckets[] = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
#define NBUCKETS (sizeof s_buckets / sizeof s_buckets[0])

struct job_key {
	char result[16], cause[64];
	int64_t n;
};

struct stage_hist {
	char stage[33];
	uint64_t count, bucket[NBUCKETS];
	double sum_s;
	uint64_t bytes;
};

struct metrics {
	struct db *db;
	struct job_key jobs[MAX_KEYS];
	unsigned njobs;
	int64_t open;
	struct stage_hist st[MAX_STAGES];
	unsigned nst;
};

static int stage_add(void *user, const struct db_audit_stage *s)
{
	struct metrics *m = user;
	unsigned i;
	if (strcmp(s->outcome, "skipped") == 0)
		return 0;
	for (i = 0; i < m->nst && strcmp(m->st[i].stage, s->stage); i++)
		;
	if (i == m->nst) {
		if (i == MAX_STAGES)
			return 0;
		snprintf(m->st[m->nst++].stage, sizeof m->st[0].stage, "%s", s->stage);
	}
	struct stage_hist *h = &m->st[i];
	double secs = (double)s->duration_ms / 1000.0;
	h->count++;
	h->sum_s += secs;
	h->bytes += s->bytes;
	for (unsigned b = 0; b < NBUCKETS; b++)
		h->bucket[b] += secs <= s_buckets[b];
	return 0;
}

static int job_add(void *user, const struct db_audit_job *j)
{
	struct metrics *m = user;
	if (!j->result[0]) {
		m->open++;
		return 0; /* counted once it is closed, with its stages */
	}
	/* the cause of a failure as `audit summary` groups it: the error's
	 * name, else the result; a pass has none */
	const char *cause = strcmp(j->result, "passed") == 0 ? "" : j->err_name[0] ? j->err_name
												  : j->result;
	unsigned i;
	for (i = 0; i < m->njobs && (strcmp(m->jobs[i].result, j->result) ||
				     strcmp(m->jobs[i].cause, cause)); i++)
		;
	if (i == m->njobs && i < MAX_KEYS) {
		snprintf(m->jobs[i].result, sizeof m->jobs[i].result, "%s", j->result);
		snprintf(m->jobs[i].cause, sizeof m->jobs[i].cause, "%s", cause);
		m->njobs++;
	}
	if (i < MAX_KEYS)
		m->jobs[i].n++;
	return db_audit_stages(m->db, j->id, stage_add, m);
}

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

static void stage_bytes(FILE *f, const struct metrics *m, const char *stage, const char *name,
			const char *help)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < m->nst; i++)
		if (strcmp(m->st[i].stage, stage) == 0)
			n = m->st[i].bytes;
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name, name, n);
}

static void gauge(FILE *f, const char *name, const char *help, int64_t v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %" PRId64 "\n", name, help, name, name, v);
}

/* The central store's link and backlog as the shipper last wrote them
 * (<database>.central-state, read on each scrape: the shipper is another
 * process).  Nothing without a central store; only _connected 0 before the
 * shipper's first word; _events only when known (the server counts them,
 * not the station while the link is down). */
static void central_metrics(const struct st_config *cfg, FILE *f)
{
	if (!cfg->central.url[0])
		return;
	char path[PATH_MAX];
	struct shipper_state *s = malloc(sizeof *s);
	int have = s && shipper_state_load(shipper_state_path(cfg->database, path, sizeof path),
					   s) == 0;
	gauge(f, "espstation_central_connected", "1 while the shipper is connected to the central "
	      "store, else 0.", have && s->link == SHIPPER_UP);
	if (have) {
		const struct central_backlog *b = &s->backlog;
		const char *from = s->backlog_local ? "counted by the station" : "as the server said";
		char help[160];
		snprintf(help, sizeof help, "Jobs not yet in the central store (%s).", from);
		gauge(f, "espstation_central_backlog_jobs", help, b->jobs);
		snprintf(help, sizeof help, "Backups not yet in the central store (%s).", from);
		gauge(f, "espstation_central_backlog_backups", help, b->backups);
		snprintf(help, sizeof help, "Bytes of backups not yet in the central store (%s).",
			 from);
		gauge(f, "espstation_central_backlog_bytes", help, (int64_t)b->backup_bytes);
		if (b->events >= 0)
			gauge(f, "espstation_central_backlog_events", "Journal events not yet in the "
			      "central store (as the server said).", b->events);
	}
	free(s);
}

int api_metrics(const struct api_ctx *a, FILE *f)
{
	char err[512];
	struct metrics *m = calloc(1, sizeof *m);
	if (!m) {
		api_error(f, "out of memory");
		return 500;
	}
	if (db_open_readonly(a->cfg->database, &m->db, err, sizeof err) != 0) {
		api_error(f, "%s", err);
		free(m);
		return 503;
	}
	struct db_audit_filter flt = {.station = a->cfg->station};
	int r = db_audit_jobs(m->db, &flt, job_add, m);
	if (r) {
		api_error(f, "%s", db_errmsg(m->db));
		db_close(m->db);
		free(m);
		return 500;
	}
	fputs("# HELP espstation_jobs_total Closed jobs of this station by result and cause "
	      "(the error's name; the result when it has none; empty for a pass).\n"
	      "# TYPE espstation_jobs_total counter\n", f);
	for (unsigned i = 0; i < m->njobs; i++) {
		fputs("espstation_jobs_total{result=\"", f);
		label(f, m->jobs[i].result);
		fputs("\",cause=\"", f);
		label(f, m->jobs[i].cause);
		fprintf(f, "\"} %" PRId64 "\n", m->jobs[i].n);
	}
	fprintf(f, "# HELP espstation_jobs_open Jobs of this station not closed yet.\n"
		"# TYPE espstation_jobs_open gauge\nespstation_jobs_open %" PRId64 "\n", m->open);
	fputs("# HELP espstation_stage_duration_seconds Stage durations of closed jobs (skipped "
	      "stages left out).\n# TYPE espstation_stage_duration_seconds histogram\n", f);
	for (unsigned i = 0; i < m->nst; i++) {
		const struct stage_hist *h = &m->st[i];
		for (unsigned b = 0; b < NBUCKETS; b++) {
			fputs("espstation_stage_duration_seconds_bucket{stage=\"", f);
			label(f, h->stage);
			fprintf(f, "\",le=\"%g\"} %" PRIu64 "\n", s_buckets[b], h->bucket[b]);
		}
		fputs("espstation_stage_duration_seconds_bucket{stage=\"", f);
		label(f, h->stage);
		fprintf(f, "\",le=\"+Inf\"} %" PRIu64 "\n", h->count);
		fputs("espstation_stage_duration_seconds_sum{stage=\"", f);
		label(f, h->stage);
		fprintf(f, "\"} %.3f\n", h->sum_s);
		fputs("espstation_stage_duration_seconds_count{stage=\"", f);
		label(f, h->stage);
		fprintf(f, "\"} %" PRIu64 "\n", h->count);
	}
	stage_bytes(f, m, "backup", "espstation_flash_read_bytes_total",
		    "Bytes read from units' flash by the backup stage.");
	stage_bytes(f, m, "write", "espstation_flash_written_bytes_total",
		    "Bytes the write stage recorded as written to units' flash.");
	fprintf(f, "# HELP espstation_active_workers Slots with a job running now.\n"
		"# TYPE espstation_active_workers gauge\nespstation_active_workers %u\n",
		hub_active(a->hub));
	fprintf(f, "# HELP espstation_http_event_clients Open /events streams.\n"
		"# TYPE espstation_http_event_clients gauge\nespstation_http_event_clients %u\n",
		hub_client_count(a->hub));
	fprintf(f, "# HELP espstation_http_sse_dropped_total /events clients dropped for falling a "
		"full queue behind.\n# TYPE espstation_http_sse_dropped_total counter\n"
		"espstation_http_sse_dropped_total %" PRIu64 "\n", hub_dropped_count(a->hub));
	central_metrics(a->cfg, f);
	db_close(m->db);
	free(m);
	return 200;
}
