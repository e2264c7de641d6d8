/* SPDX-License-Identifier: MIT */
/* `espstation status [--config FILE] [--db FILE] [--json]`: the station at a glance:
 * its jobs per slot from the local database, and what waits for the central
 * store, asked of the server when it answers, else as the running
 * station's shipper last knew it (<database>.central-state). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "central.h"
#include "cli_cmds.h"
#include "cli_common.h"
#include "cli_help.h"
#include "db.h"
#include "json_text.h"
#include "shipper_state.h"
#include "st_clock.h"

struct status {
	struct st_config cfg;
	const char *db_path;       /* --db, else the config's */
	struct db *db;
	int json;
	struct db_audit_group slot[64];
	unsigned n_slots;
	struct db_audit_group total;
	/* the central store */
	int reachable;
	char error[400];
	struct central_backlog live;
	int have_state;
	struct shipper_state ship;
};

static int take_slot(void *user, const struct db_audit_group *g)
{
	struct status *st = user;
	if (st->n_slots < sizeof st->slot / sizeof st->slot[0])
		st->slot[st->n_slots++] = *g;
	st->total.jobs += g->jobs;
	st->total.passed += g->passed;
	st->total.failed += g->failed;
	st->total.open += g->open;
	return 0;
}

static void ask_central(struct status *st)
{
	struct central *c;
	const char *pw = st->cfg.central.password_file[0] ? st->cfg.central.password_file : NULL;
	if (central_open_readonly(st->cfg.central.url, pw, &c, st->error, sizeof st->error) != 0)
		return;
	if (central_backlog(c, st->db, &st->live) == 0)
		st->reachable = 1;
	else
		snprintf(st->error, sizeof st->error, "%s", central_errmsg(c));
	central_close(c);
}

/* "12:03:05" today, "2026-11-23 12:03:05" otherwise; local time */
static const char *when(int64_t ms, char *buf, size_t cap)
{
	if (!ms)
		return snprintf(buf, cap, "never"), buf;
	time_t t = (time_t)(ms / 1000), now = time(NULL);
	struct tm tm, today;
	localtime_r(&t, &tm);
	localtime_r(&now, &today);
	int same = tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday;
	strftime(buf, cap, same ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static void print_text(const struct status *st)
{
	char a[64], b[64], bl[160];
	printf("station    %s\n", st->cfg.station);
	printf("database   %s\n", st->db_path);
	printf("jobs       %lld: %lld passed, %lld failed, %lld open\n", (long long)st->total.jobs,
	       (long long)st->total.passed, (long long)st->total.failed, (long long)st->total.open);
	for (unsigned i = 0; i < st->n_slots; i++) {
		const struct db_audit_group *g = &st->slot[i];
		printf("  slot %-8s %lld: %lld passed, %lld failed, %lld open\n",
		       g->key[0] ? g->key : "(cli)", (long long)g->jobs, (long long)g->passed,
		       (long long)g->failed, (long long)g->open);
	}
	if (!st->cfg.central.url[0]) {
		printf("central    not configured (the station stands alone)\n");
		return;
	}
	char url[300];
	printf("central    %s\n", central_url_redacted(st->cfg.central.url, url, sizeof url));
	if (st->reachable) {
		printf("  backlog  %s waiting", shipper_backlog_text(&st->live, bl, sizeof bl));
		if (st->live.oldest_ms)
			printf(" (oldest %s)", when(st->live.oldest_ms, a, sizeof a));
		printf("  [asked the server now]\n");
	} else {
		printf("  server   not answering: %s\n", st->error);
		if (st->have_state)
			printf("  backlog  %s waiting  [last known: %s by the shipper at %s]\n",
			       shipper_backlog_text(&st->ship.backlog, bl, sizeof bl),
			       st->ship.backlog_local ? "counted locally" : "from the server",
			       when(st->ship.updated_ms, a, sizeof a));
		else
			printf("  backlog  unknown (no shipper state: the station has not run with "
			       "this central store)\n");
	}
	if (!st->have_state)
		return;
	const struct shipper_state *s = &st->ship;
	printf("  shipper  %s", shipper_link_name(s->link));
	if (s->link == SHIPPER_DOWN || s->link == SHIPPER_REFUSED)
		printf(" since %s: %s", when(s->down_since_ms, a, sizeof a), s->error);
	printf("; last shipped %s; state of %s\n", when(s->last_shipped_ms, b, sizeof b),
	       when(s->updated_ms, a, sizeof a));
	if (s->problem[0])
		printf("  problem  %s\n", s->problem);
}

static void json_time(const char *key, int64_t ms)
{
	char t[40];
	printf(",\"%s\":", key);
	if (ms)
		printf("\"%s\"", st_utc_iso(ms, t, sizeof t));
	else
		printf("null");
}

static void json_backlog(const struct central_backlog *b)
{
	printf("{\"jobs\":%lld,\"backups\":%lld,\"backup_bytes\":%llu,\"events\":", (long long)b->jobs,
	       (long long)b->backups, (unsigned long long)b->backup_bytes);
	if (b->events >= 0)
		printf("%lld", (long long)b->events);
	else
		printf("null"); /* counted locally: not known */
	json_time("oldest", b->oldest_ms);
	printf("}");
}

static void json_group(const struct db_audit_group *g)
{
	printf("\"jobs\":%lld,\"passed\":%lld,\"failed\":%lld,\"open\":%lld", (long long)g->jobs,
	       (long long)g->passed, (long long)g->failed, (long long)g->open);
}

static void print_json(const struct status *st)
{
	printf("{\"station\":");
	st_json_string(stdout, st->cfg.station);
	printf(",\"database\":");
	st_json_string(stdout, st->db_path);
	printf(",\"jobs\":{");
	json_group(&st->total);
	printf("},\"slots\":[");
	for (unsigned i = 0; i < st->n_slots; i++) {
		printf("%s{\"slot\":", i ? "," : "");
		st_json_string(stdout, st->slot[i].key);
		printf(",");
		json_group(&st->slot[i]);
		printf("}");
	}
	printf("],\"central\":");
	if (!st->cfg.central.url[0]) {
		printf("null}\n");
		return;
	}
	char url[300];
	printf("{\"url\":");
	st_json_string(stdout, central_url_redacted(st->cfg.central.url, url, sizeof url));
	printf(",\"reachable\":%s,\"error\":", st->reachable ? "true" : "false");
	if (st->reachable)
		printf("null");
	else
		st_json_string(stdout, st->error);
	const char *src = st->reachable ? "server" : st->have_state ? "shipper" : NULL;
	printf(",\"backlog_source\":%s%s%s,\"backlog\":", src ? "\"" : "", src ? src : "null",
	       src ? "\"" : "");
	if (st->reachable)
		json_backlog(&st->live);
	else if (st->have_state)
		json_backlog(&st->ship.backlog);
	else
		printf("null");
	printf(",\"shipper\":");
	if (!st->have_state) {
		printf("null}}\n");
		return;
	}
	const struct shipper_state *s = &st->ship;
	printf("{\"link\":\"%s\",\"error\":", shipper_link_name(s->link));
	st_json_string(stdout, s->error);
	printf(",\"counted_locally\":%s,\"failed_tries\":%lld", s->backlog_local ? "true" : "false",
	       (long long)s->failed_tries);
	json_time("down_since", s->down_since_ms);
	json_time("last_shipped", s->last_shipped_ms);
	json_time("updated", s->updated_ms);
	printf(",\"shipped_jobs\":%lld,\"shipped_backups\":%lld,\"shipped_bytes\":%llu,\"problem\":",
	       (long long)s->shipped_jobs, (long long)s->shipped_backups,
	       (unsigned long long)s->shipped_bytes);
	st_json_string(stdout, s->problem);
	printf("}}}\n");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"db", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct status st;
	memset(&st, 0, sizeof st);
	const char *cfg_path = NULL, *db_path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'd': db_path = optarg; break;
		case 'j': st.json = 1; break;
		case 'h': (void)cli_help_command("status", stdout); return CLI_EXIT_OK;
		default: return cli_fail(CLI_EXIT_USAGE, "status: see 'espstation status --help'");
		}
	}
	if (optind < argc)
		return cli_fail(CLI_EXIT_USAGE, "status: unexpected argument '%s'", argv[optind]);
	int rc = cli_open_db("status", db_path, cfg_path, 1, &st.cfg, &st.db);
	if (rc)
		return rc;
	st.db_path = db_path ? db_path : st.cfg.database;
	struct db_audit_filter f = {.station = st.cfg.station};
	if (db_audit_summary(st.db, DB_AUDIT_BY_SLOT, &f, take_slot, &st) != 0) {
		rc = cli_fail(CLI_EXIT_FILE, "status: %s: %s", st.db_path, db_errmsg(st.db));
		db_close(st.db);
		return rc;
	}
	if (st.cfg.central.url[0]) {
		char path[ST_CFG_STR + 32];
		st.have_state = shipper_state_load(shipper_state_path(st.db_path, path, sizeof path),
						   &st.ship) == 0;
		ask_central(&st);
	}
	if (st.json)
		print_json(&st);
	else
		print_text(&st);
	db_close(st.db);
	if (fflush(stdout) != 0)
		return cli_fail(CLI_EXIT_FILE, "status: cannot write the output");
	/* scripts watching the shipping see an unreachable store in the status */
	return st.cfg.central.url[0] && !st.reachable ? CLI_EXIT_NOANSWER : CLI_EXIT_OK;
}
