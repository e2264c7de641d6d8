/* SPDX-License-Identifier: MIT */
/* `espstation audit SUB-COMMAND`: what the database knows, as a table, JSON
 * or CSV.  This file parses the options shared by the sub-commands, opens
 * the database and dispatches; each sub-command is its own audit/audit_*.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "central.h"
#include "cli_cmds.h"
#include "cli_common.h"
#include "cli_help.h"
#include "st_clock.h"
#include "st_config.h"

enum {
	OPT_DB = 0x100, OPT_CONFIG, OPT_JSON, OPT_CSV, OPT_SINCE, OPT_STATION, OPT_SLOT,
	OPT_RESULT, OPT_MAC, OPT_ALL, OPT_FAMILY, OPT_PASSWORD_FILE,
};

/* Which filters each sub-command takes (the rest are refused, not ignored). */
#define F_SINCE (1u << 0)
#define F_STATION (1u << 1)
#define F_SLOT (1u << 2)
#define F_RESULT (1u << 3)
#define F_MAC (1u << 4)
#define F_ALL (1u << 5)
#define F_FAMILY (1u << 6)

struct audit_sub {
	const char *name;
	int (*run)(struct audit_ctx *a);
	unsigned filters;
	int nargs;                  /* positional arguments */
	int csv;                    /* --csv makes sense */
};

static const struct audit_sub s_subs[] = {
	{"mac", audit_mac, 0, 1, 0},
	{"backups", audit_backups, F_SINCE | F_STATION | F_SLOT | F_MAC | F_FAMILY, 0, 1},
	{"jobs", audit_jobs, F_SINCE | F_STATION | F_SLOT | F_RESULT | F_MAC | F_FAMILY, 0, 1},
	{"summary", audit_summary, F_SINCE | F_STATION | F_FAMILY, 0, 1},
	{"verify-vault", audit_verify_vault, F_STATION | F_MAC | F_ALL, 0, 1},
};

static int bad_filter(const struct audit_sub *sub, const char *opt)
{
	return cli_fail(CLI_EXIT_USAGE, "audit %s: %s does not apply here; see 'espstation audit "
			"--help'", sub->name, opt);
}

static int both_formats(const struct audit_sub *sub)
{
	return cli_fail(CLI_EXIT_USAGE, "audit %s: --json and --csv exclude each other: give one",
			sub->name);
}

/* A typo in --result or --family is a usage error, not an empty table: the
 * filter alone is tried on no rows, and the database names the values it
 * knows.  0 or the exit code after reporting. */
static int probe_filter(struct audit_ctx *a, const struct audit_sub *sub, const char *opt,
			struct db_audit_filter probe)
{
	probe.since_ms = INT64_MAX;
	if (db_audit_jobs(a->db, &probe, NULL, NULL) != -EINVAL)
		return 0;
	return cli_fail(CLI_EXIT_USAGE, "audit %s: %s: %s", sub->name, opt, db_errmsg(a->db));
}

/* The database to read: a station's file (--db FILE, or the config's),
 * read only, so that no schema is written into a stray file and read-only
 * media work; or, for --db postgresql://..., a snapshot of the central
 * store (every station).  0, or the exit code after reporting. */
static int open_db(struct audit_ctx *a, const struct audit_sub *sub, const char *cmd,
		   const char *db_path, const char *cfg_path, const char *password_file,
		   struct st_config *cfg, struct audit_snapshot *snap, char *store, size_t cap)
{
	char err[1024];
	if (!audit_is_central(db_path)) {
		if (password_file)
			return cli_fail(CLI_EXIT_USAGE, "%s: --password-file is for a central store "
					"(--db postgresql://USER@HOST/DB)", cmd);
		int rc = cli_open_db(cmd, db_path, cfg_path, 1, cfg, &a->db);
		a->db_path = db_path ? db_path : cfg->database;
		return rc;
	}
	/* the files a re-hash would read are on the stations that took them */
	if (sub->run == audit_verify_vault)
		return cli_fail(CLI_EXIT_USAGE, "%s: re-hashes this machine's vault: run it on each "
				"station with --db FILE (the central store re-hashes every backup "
				"when it arrives, and restore again when it fetches one)", cmd);
	st_config_defaults(cfg);
	if (cfg_path && st_config_load(cfg_path, cfg, err, sizeof err) != 0)
		return cli_fail(CLI_EXIT_USAGE, "%s", err);
	if (!password_file && cfg_path && cfg->central.password_file[0])
		password_file = cfg->central.password_file;
	a->central = 1;
	a->db_path = central_url_redacted(db_path, store, cap);
	return audit_central_open(cmd, db_path, password_file, sub->nargs ? a->arg : a->f.mac,
				  snap, &a->db);
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, OPT_DB},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"json", no_argument, NULL, OPT_JSON},
		{"csv", no_argument, NULL, OPT_CSV},
		{"since", required_argument, NULL, OPT_SINCE},
		{"station", required_argument, NULL, OPT_STATION},
		{"slot", required_argument, NULL, OPT_SLOT},
		{"result", required_argument, NULL, OPT_RESULT},
		{"mac", required_argument, NULL, OPT_MAC},
		{"all", no_argument, NULL, OPT_ALL},
		{"family", required_argument, NULL, OPT_FAMILY},
		{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			(void)cli_help_command("audit", stdout);
			return CLI_EXIT_OK;
		}
		return cli_fail(CLI_EXIT_USAGE, "audit: which one? mac, backups, jobs, summary or "
				"verify-vault; see 'espstation audit --help'");
	}
	const struct audit_sub *sub = NULL;
	for (size_t i = 0; i < sizeof s_subs / sizeof s_subs[0]; i++)
		if (!strcmp(argv[1], s_subs[i].name))
			sub = &s_subs[i];
	if (!sub)
		return cli_fail(CLI_EXIT_USAGE, "audit: no sub-command '%s': use mac, backups, jobs, "
				"summary or verify-vault", argv[1]);

	struct audit_ctx a;
	memset(&a, 0, sizeof a);
	a.out = stdout;
	const char *db_path = NULL, *cfg_path = NULL, *since = NULL, *password_file = NULL;
	int c;
	argc--;
	argv++;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		const char *opt = argv[optind - 1];
		switch (c) {
		case OPT_DB: db_path = optarg; break;
		case OPT_CONFIG: cfg_path = optarg; break;
		case OPT_PASSWORD_FILE: password_file = optarg; break;
		case OPT_JSON:
			if (a.fmt == OUT_CSV)
				return both_formats(sub);
			a.fmt = OUT_JSON;
			break;
		case OPT_CSV:
			if (a.fmt == OUT_JSON)
				return both_formats(sub);
			if (!sub->csv)
				return cli_fail(CLI_EXIT_USAGE, "audit %s: no --csv (several tables); use "
						"'audit jobs --mac M --csv' and 'audit backups --mac M "
						"--csv'", sub->name);
			a.fmt = OUT_CSV;
			break;
		case OPT_SINCE:
			if (!(sub->filters & F_SINCE))
				return bad_filter(sub, "--since");
			since = optarg;
			break;
		case OPT_STATION:
			if (!(sub->filters & F_STATION))
				return bad_filter(sub, "--station");
			a.f.station = optarg;
			break;
		case OPT_SLOT:
			if (!(sub->filters & F_SLOT))
				return bad_filter(sub, "--slot");
			a.f.slot = optarg;
			break;
		case OPT_RESULT:
			if (!(sub->filters & F_RESULT))
				return bad_filter(sub, "--result");
			a.f.result = optarg;
			break;
		case OPT_MAC:
			if (!(sub->filters & F_MAC))
				return bad_filter(sub, "--mac");
			a.f.mac = optarg;
			break;
		case OPT_FAMILY:
			if (!(sub->filters & F_FAMILY))
				return bad_filter(sub, "--family");
			a.f.family = optarg;
			break;
		case OPT_ALL:
			if (!(sub->filters & F_ALL))
				return bad_filter(sub, "--all");
			a.all = 1;
			break;
		case 'h': (void)cli_help_command("audit", stdout); return CLI_EXIT_OK;
		case ':':
			return cli_fail(CLI_EXIT_USAGE, "audit %s: option '%s' needs a value", sub->name,
					opt);
		default:
			return cli_fail(CLI_EXIT_USAGE, "audit %s: unknown option '%s'; see 'espstation "
					"audit --help'", sub->name, opt);
		}
	}
	if (argc - optind != sub->nargs)
		return cli_fail(CLI_EXIT_USAGE, sub->nargs ? "audit %s: expected one MAC address"
							   : "audit %s: unexpected argument",
				sub->name);
	char mac[DB_MAC_LEN];
	if (sub->nargs) {
		a.arg = argv[optind];
		if (db_mac_normalize(a.arg, mac) != 0)
			return cli_fail(CLI_EXIT_USAGE, "audit %s: '%s' is not a MAC address (e.g. "
					"5c:cf:7f:01:02:03, 5C-CF-7F-01-02-03 or 5ccf7f010203)",
					sub->name, a.arg);
		a.arg = mac;
	}
	if (a.f.mac && db_mac_normalize(a.f.mac, mac) != 0)
		return cli_fail(CLI_EXIT_USAGE, "audit %s: --mac '%s' is not a MAC address (e.g. "
				"5c:cf:7f:01:02:03)", sub->name, a.f.mac);
	if (a.f.mac)
		a.f.mac = mac;
	if (since) {
		int64_t now = st_wall_ms();
		if (audit_parse_since(since, now, &a.f.since_ms) != 0 || a.f.since_ms <= 0)
			return cli_fail(CLI_EXIT_USAGE, "audit %s: --since '%s': use a UTC date "
					"(2026-11-23, 2026-11-23T10:00) or a time back from now "
					"(90m, 24h, 7d, 2w)", sub->name, since);
	}
	struct st_config cfg;
	struct audit_snapshot snap = {.dir = ""};
	char cmd[32], store[300];
	snprintf(cmd, sizeof cmd, "audit %s", sub->name);
	int rc = open_db(&a, sub, cmd, db_path, cfg_path, password_file, &cfg, &snap,
			 store, sizeof store);
	if (rc)
		return rc;
	if (a.f.result)
		rc = probe_filter(&a, sub, "--result", (struct db_audit_filter){.result = a.f.result});
	if (rc == 0 && a.f.family)
		rc = probe_filter(&a, sub, "--family", (struct db_audit_filter){.family = a.f.family});
	if (rc == 0)
		rc = sub->run(&a);
	db_close(a.db);
	audit_snapshot_remove(&snap);
	return rc;
}
