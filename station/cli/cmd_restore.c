/* SPDX-License-Identifier: MIT */
/* restore: a recorded backup back onto the unit on one port, verified, and
 * recorded as a job.  Only backups the database knows are written, after
 * their file is proved against the recorded SHA-256; another unit's backup
 * (a clone: it carries the donor's cloud identity) and a backup of another
 * flash size are refused unless forced, and a forced clone is recorded with
 * donor and target.  The job runs through the job engine (job.h), as the
 * station's restore mode does; this file adds the options, the lookup of a
 * --backup FILE, and progress on the terminal. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_cmds.h"
#include "cli_common.h"
#include "db.h"
#include "esp_hash.h"
#include "file_io.h"
#include "job.h"
#include "st_config.h"

enum {
	OPT_BACKUP = CLI_OPT_CMD_BASE, OPT_MAC, OPT_FORCE_CLONE, OPT_FORCE_SIZE, OPT_DB,
	OPT_CONFIG, OPT_STATION,
};

struct restore_args {
	const char *backup, *mac, *db, *config, *station;
	int force_clone, force_size;
};

static int restore_opt(void *user, int id, const char *arg)
{
	struct restore_args *a = user;
	switch (id) {
	case OPT_BACKUP: a->backup = arg; return 0;
	case OPT_MAC: a->mac = arg; return 0;
	case OPT_FORCE_CLONE: a->force_clone = 1; return 0;
	case OPT_FORCE_SIZE: a->force_size = 1; return 0;
	case OPT_DB: a->db = arg; return 0;
	case OPT_CONFIG: a->config = arg; return 0;
	case OPT_STATION: a->station = arg; return 0;
	}
	return -1;
}

/* --backup FILE: the row recorded at that path (as given, or resolved),
 * else the newest row with the file's SHA-256.  An unrecorded file is
 * refused even with --force-clone: a restore must name its donor. */
static int find_by_file(struct db *db, const char *file, struct db_backup_row *ret)
{
	char err[FIO_ERR_LEN], hex[2 * ESP_SHA256_LEN + 1], real[PATH_MAX];
	uint8_t *buf, sha[ESP_SHA256_LEN];
	size_t len;
	if (fio_read_all(file, 0, &buf, &len, err) != 0)
		return cli_fail(CLI_EXIT_FILE, "restore: %s", err);
	esp_sha256(buf, len, sha);
	free(buf);
	esp_hex(sha, sizeof sha, hex);
	int r = db_backup_lookup(db, file, NULL, ret);
	if (r == -ENOENT && realpath(file, real))
		r = db_backup_lookup(db, real, NULL, ret);
	if (r == -ENOENT)
		r = db_backup_lookup(db, NULL, hex, ret);
	if (r == -ENOENT)
		return cli_fail(CLI_EXIT_REFUSED, "restore: %s is not a backup recorded in the database "
				"(SHA-256 %.16s...): only recorded backups are restored, so that "
				"every restore names its donor (use 'espstation write' for other "
				"images)", file, hex);
	if (r)
		return cli_fail(CLI_EXIT_FILE, "restore: database: %s", db_errmsg(db));
	return 0;
}

/* The engine's hooks: progress bars and log lines on the terminal. */
static void on_log(void *user, const struct job *j, enum esp_log_level lvl, const char *msg)
{
	(void)j;
	progress_log(&((struct cli_run *)user)->prog, lvl, msg);
}

static int on_progress(void *user, const struct job *j, enum esp_op op, uint64_t done,
		       uint64_t total)
{
	(void)j;
	return progress_report(&((struct cli_run *)user)->prog, op, done, total);
}

static void on_unit(void *user, const struct job *j)
{
	struct cli_run *r = user;
	char size[16];
	r->chip = j->link.chip;
	cli_info(r, "Detected %s, MAC %s, %s flash (id 0x%06x)", r->chip.name, j->mac,
		 esp_flash_size_name(r->chip.flash_size, size, sizeof size),
		 (unsigned)r->chip.flash_id);
}

static int run_restore(struct cli_run *r, const struct restore_args *a, struct db *db,
		       const struct db_backup_row *row, const struct st_config *cfg)
{
	const char *station = a->station ? a->station : cfg->station;
	int64_t station_id;
	if (db_station_upsert(db, station, &station_id) != 0)
		return cli_fail(CLI_EXIT_FILE, "restore: database: %s", db_errmsg(db));
	struct job_spec sp = {
		.mode = ST_MODE_RESTORE, .station_id = station_id, .slot = "",
		.link = {
			.port = r->opts.port, .rom_baud = r->opts.rom_baud,
			.stub_baud = r->opts.stub_baud, .connect_ms = r->opts.connect_ms,
			.reset = r->opts.reset, .stub_path = r->opts.stub_path, .cancel = r->cancel,
		},
		.after_reset = r->opts.after == CLI_AFTER_HARD_RESET,
		.backup_dir = cfg->backup_dir,
		.restore = {.row = row, .mac = a->mac, .force_clone = a->force_clone,
			    .force_size = a->force_size, .central_url = cfg->central.url,
			    .central_password_file = cfg->central.password_file},
	};
	const struct job_hooks hooks = {
		.user = r, .unit = on_unit, .log = on_log, .progress = on_progress,
	};
	cli_info(r, "Connecting to %s...", r->opts.port);
	struct job j;
	enum esp_err e = job_run(&j, &sp, db, &hooks);
	job_release(&j);
	progress_break(&r->prog);
	if (e) {
		if (j.job_id)
			fprintf(stderr, "espstation: restore: job %" PRId64 " %s\n", j.job_id,
				job_result_for(e));
		return cli_fail(job_exit_for(e, j.local), "restore: %s", j.msg);
	}
	printf("Restored backup %" PRId64 " of %s onto %s%s: %u bytes written and verified\n",
	       j.src.id, j.src.mac, j.mac, j.forced_clone ? " (forced clone)" : "",
	       (unsigned)j.written_len);
	printf("Backup file: %s\n", j.src.path);
	printf("SHA-256 written: %s\n", j.written_sha256);
	printf("Job: %" PRId64 "\n", j.job_id);
	fflush(stdout);
	return 0;
}

int cmd_restore(int argc, char **argv)
{
	static const struct option extra[] = {
		{"backup", required_argument, NULL, OPT_BACKUP},
		{"mac", required_argument, NULL, OPT_MAC},
		{"force-clone", no_argument, NULL, OPT_FORCE_CLONE},
		{"force-size", no_argument, NULL, OPT_FORCE_SIZE},
		{"db", required_argument, NULL, OPT_DB},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"station", required_argument, NULL, OPT_STATION},
		{NULL, 0, NULL, 0},
	};
	struct restore_args a = {0};
	struct cli_run r = {0};
	const struct cli_parser ps = {
		.cmd = "restore", .extra = extra, .handle = restore_opt, .user = &a,
		.need_port = 1,
	};
	int first;
	int rc = cli_parse(&ps, argc, argv, &r.opts, &first);
	if (rc >= 0)
		return rc;
	if (a.backup && a.mac)
		return cli_fail(CLI_EXIT_USAGE, "restore: give --backup FILE or --mac MAC, not both");
	char mac[DB_MAC_LEN];
	if (a.mac && db_mac_normalize(a.mac, mac) != 0)
		return cli_fail(CLI_EXIT_USAGE, "restore: --mac '%s' is not a MAC address (e.g. "
				"5c:cf:7f:01:02:03, 5C-CF-7F-01-02-03 or 5ccf7f010203)", a.mac);
	if (a.mac)
		a.mac = mac;
	struct st_config cfg;
	struct db *db;
	rc = cli_open_db("restore", a.db, a.config, 0, &cfg, &db);
	if (rc)
		return rc;
	if (!r.opts.stub_path && cfg.stub[0])
		r.opts.stub_path = cfg.stub;
	/* a file that is no recorded backup fails before the unit is touched */
	struct db_backup_row row;
	rc = a.backup ? find_by_file(db, a.backup, &row) : 0;
	if (rc == 0) {
		cli_run_init(&r);
		rc = run_restore(&r, &a, db, a.backup ? &row : NULL, &cfg);
	}
	db_close(db);
	return rc;
}
