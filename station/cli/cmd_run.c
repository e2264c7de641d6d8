/* SPDX-License-Identifier: MIT */
/* `espstation run [--config FILE] [--stub FILE.json] [--check] [--plain]
 * [--events json[:FILE]] [--http ADDR:PORT]` */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_cmds.h"
#include "cli_common.h"
#include "cli_help.h"
#include "http.h"
#include "run_check.h"
#include "st_dirs.h"
#include "supervisor.h"
#include "worker.h"

/* the first-try defaults live under ./espstation-data: create it */
static int ensure_parent_dir(const char *path)
{
	char dir[ST_CFG_STR], err[256];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return st_mkdirs(dir, 0700, err, sizeof err);
}

/* A corrupt or unreadable image is refused before any unit is touched. */
static int check_image(const struct st_config *cfg)
{
	struct job_images ims;
	struct esp_error err = {0};
	int rc = job_images_load(&ims, cfg, &err) == ESP_OK ? 0 : -1;
	job_images_free(&ims);
	if (rc != 0)
		cli_fail(CLI_EXIT_REFUSED, "image refused: %s", err.msg);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"plain", no_argument, NULL, 'p'},
		{"events", required_argument, NULL, 'e'},
		{"ready-fd", required_argument, NULL, 'r'},
		{"stub", required_argument, NULL, 's'},
		{"check", no_argument, NULL, 'k'},
		{"http", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *cfg_path = NULL, *events = NULL, *stub = NULL, *http_listen = NULL;
	int plain = 0, c, ready_fd = -1, check = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'p': plain = 1; break;
		case 'e': events = optarg; break;
		case 'r': ready_fd = atoi(optarg); break;
		case 's': stub = optarg; break;
		case 'k': check = 1; break;
		case 'w': http_listen = optarg; break;
		case 'h': (void)cli_help_command("run", stdout); return CLI_EXIT_OK;
		default: return cli_fail(CLI_EXIT_USAGE, "run: see 'espstation run --help'");
		}
	}
	if (optind < argc)
		return cli_fail(CLI_EXIT_USAGE, "run: unexpected argument '%s'", argv[optind]);
	struct st_config cfg;
	st_config_defaults(&cfg);
	char err[512];
	int loaded = !cfg_path || st_config_load(cfg_path, &cfg, err, sizeof err) == 0;
	if (!loaded && !check)
		return cli_fail(CLI_EXIT_USAGE, "%s", err);
	if (!cfg_path && cfg.mode != ST_MODE_BACKUP)
		cfg.mode = ST_MODE_BACKUP; /* no image without a config: back up only */
	if (stub && strlen(stub) >= sizeof cfg.stub)
		return cli_fail(CLI_EXIT_USAGE, "--stub: the path is longer than %zu characters",
				sizeof cfg.stub - 1);
	if (stub) /* the command line overrides the file */
		snprintf(cfg.stub, sizeof cfg.stub, "%s", stub);
	if (check)
		return run_check(&cfg, cfg_path, loaded ? NULL : err);
	int bad_path = run_check_paths(&cfg);
	if (bad_path)
		return bad_path;
	if (check_image(&cfg) != 0)
		return CLI_EXIT_REFUSED;
	if (ensure_parent_dir(cfg.database) != 0) {
		/* the fix follows the cause, as db_open's messages do */
		int e = errno;
		return cli_fail(CLI_EXIT_FILE, "database: %s: cannot create its directory: %s (fix: %s)",
				cfg.database, strerror(e),
				e == ENOTDIR ? "a part of that path is a file; correct database = in "
					       "the config"
				: e == EROFS ? "that file system is read-only; put the database on a "
					       "writable disk"
					     : "create the directory for the station's user, or set "
					       "database = in the config");
	}
	FILE *json = NULL;
	if (events) {
		if (strcmp(events, "json") == 0) {
			json = stdout;
			plain = 1;
		} else if (strncmp(events, "json:", 5) == 0) {
			json = fopen(events + 5, "a");
			if (!json)
				return cli_fail(CLI_EXIT_FILE, "cannot open %s: %s", events + 5,
						strerror(errno));
		} else {
			return cli_fail(CLI_EXIT_USAGE, "--events takes json or json:FILE");
		}
	}
	/* --http overrides the config's http.listen; the token stays the config's */
	struct console con;
	struct http_server *http = NULL;
	FILE *sink = json;
	if (http_listen || cfg.http.listen[0]) {
		if (http_start(&cfg, http_listen ? http_listen : cfg.http.listen, cfg.http.token_file,
			       &http, err, sizeof err) != 0) {
			if (json && json != stdout)
				fclose(json);
			return cli_fail(CLI_EXIT_USAGE, "%s", err);
		}
		/* the page gets the same events as --events json, which still
		 * receives them when asked for too */
		sink = http_event_sink(http, &con, json);
		if (!sink) {
			http_stop(http);
			if (json && json != stdout)
				fclose(json);
			return cli_fail(CLI_EXIT_USAGE, "http: out of memory");
		}
	}
	console_init(&con, json == stdout ? stderr : stdout, plain, sink);
	int rc = supervisor_run(&cfg, &con, ready_fd);
	http_stop(http); /* closes sink */
	if (json && json != stdout)
		fclose(json);
	return rc;
}
