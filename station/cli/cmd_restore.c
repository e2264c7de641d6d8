/* SPDX-License-Identifier: MIT */
/* restore: a recorded backup back onto the unit on one port, verified, and
 * recorded as a job.  Only backups the database knows are written, after
 * their file is proved against the recorded SHA-256; another unit's backup
 * (a clone: it carries the donor's cloud identity) and a backup of another
 * flash size are refused unless forced, and a forced clone is recorded with
 * donor and target. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli_cmds.h"
#include "cli_common.h"
#include "db.h"
#include "esp_hash.h"
#include "esp_image.h"
#include "file_io.h"
#include "st_config.h"

enum {
	OPT_BACKUP = CLI_OPT_CMD_BASE, OPT_MAC, OPT_FORCE_CLONE, OPT_FORCE_SIZE, OPT_DB,
	OPT_CONFIG, OPT_STATION,
};

struct restore_args {
	const char *backup, *mac, *db, *config, *station;
	int force_clone, force_size;
};

/* One restore: the session, the database job and the chosen backup. */
struct restore {
	struct cli_run r;
	struct restore_args a;
	struct db *db;
	int64_t job_id, device_id;
	struct db_backup_row b;
	int have_backup;
	char mac[DB_MAC_LEN];       /* the unit's */
	uint8_t *data;              /* the backup file */
	size_t len;
	uint32_t write_len;
	/* how the job ends */
	enum esp_err err;
	char msg[600];
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

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Notes why the job ends (e, msg) and returns the exit code after
 * printing the one error line. */
static int restore_fail(struct restore *rs, int code, enum esp_err e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int restore_fail(struct restore *rs, int code, enum esp_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rs->msg, sizeof rs->msg, fmt, ap);
	va_end(ap);
	rs->err = e;
	progress_break(&rs->r.prog);
	return cli_fail(code, "restore: %s", rs->msg);
}

/* A failure of the session: its error becomes the job's. */
static int session_fail(struct restore *rs, const char *what)
{
	const struct esp_error *err = esp_session_error(rs->r.s);
	rs->err = err && err->code != ESP_OK ? err->code : ESP_E_IO;
	snprintf(rs->msg, sizeof rs->msg, "%s: %s", what,
		 err && err->msg[0] ? err->msg : esp_strerror(rs->err));
	return cli_fail_session(&rs->r, "%s", what);
}

static int record_stage(struct restore *rs, const char *stage, int64_t start, uint64_t bytes,
			enum esp_err e)
{
	struct db_stage st = {
		.stage = stage, .outcome = e ? (e == ESP_E_CANCELLED ? "cancelled" : "failed") : "ok",
		.start_ms = start, .end_ms = now_ms(), .bytes = bytes, .err_code = (int)e,
		.err_name = e ? esp_err_name(e) : NULL, .err_msg = e ? rs->msg : NULL,
	};
	if (db_job_stage(rs->db, rs->job_id, &st) != 0)
		return cli_fail(CLI_EXIT_FILE, "restore: database: %s", db_errmsg(rs->db));
	return 0;
}

/* Reads the backup's file and proves it against the recorded size and
 * SHA-256: a restore never writes bytes the database does not vouch for. */
static int load_backup(struct restore *rs)
{
	char err[FIO_ERR_LEN];
	if (fio_read_all(rs->b.path, 0, &rs->data, &rs->len, err) != 0)
		return restore_fail(rs, CLI_EXIT_FILE, ESP_E_IMAGE, "backup %" PRId64 " of %s cannot "
				    "be read: %s (run 'espstation audit verify-vault')", rs->b.id,
				    rs->b.mac, err);
	uint8_t sha[ESP_SHA256_LEN];
	char hex[2 * ESP_SHA256_LEN + 1];
	esp_sha256(rs->data, rs->len, sha);
	esp_hex(sha, sizeof sha, hex);
	if (rs->len != rs->b.size || strcmp(hex, rs->b.sha256) != 0)
		return restore_fail(rs, CLI_EXIT_REFUSED, ESP_E_IMAGE, "backup file %s was altered "
				    "since it was recorded (%zu bytes, SHA-256 %.16s...; recorded %" PRIu64
				    " bytes, %.16s...): refusing it", rs->b.path, rs->len, hex,
				    rs->b.size, rs->b.sha256);
	return 0;
}

/* --backup FILE: the row recorded at that path (as given, or resolved),
 * else the newest row with the file's SHA-256.  An unrecorded file is
 * refused even with --force-clone: a restore must name its donor. */
static int find_by_file(struct restore *rs)
{
	char err[FIO_ERR_LEN], hex[2 * ESP_SHA256_LEN + 1], real[PATH_MAX];
	uint8_t *buf, sha[ESP_SHA256_LEN];
	size_t len;
	if (fio_read_all(rs->a.backup, 0, &buf, &len, err) != 0)
		return cli_fail(CLI_EXIT_FILE, "restore: %s", err);
	esp_sha256(buf, len, sha);
	free(buf);
	esp_hex(sha, sizeof sha, hex);
	int r = db_backup_lookup(rs->db, rs->a.backup, NULL, &rs->b);
	if (r == -ENOENT && realpath(rs->a.backup, real))
		r = db_backup_lookup(rs->db, real, NULL, &rs->b);
	if (r == -ENOENT)
		r = db_backup_lookup(rs->db, NULL, hex, &rs->b);
	if (r == -ENOENT)
		return cli_fail(CLI_EXIT_REFUSED, "restore: %s is not a backup recorded in the database "
				"(SHA-256 %.16s...): only recorded backups are restored, so that "
				"every restore names its donor (use 'espstation write' for other "
				"images)", rs->a.backup, hex);
	if (r)
		return cli_fail(CLI_EXIT_FILE, "restore: database: %s", db_errmsg(rs->db));
	rs->have_backup = 1;
	return 0;
}

/* --mac MAC, or the unit's own MAC: that unit's newest verified backup. */
static int find_by_mac(struct restore *rs, const char *mac)
{
	int r = db_backup_latest_verified(rs->db, mac, &rs->b);
	if (r == -ENOENT)
		return restore_fail(rs, CLI_EXIT_REFUSED, ESP_E_IMAGE, "no verified backup of %s in "
				    "the database: nothing to restore", mac);
	if (r)
		return cli_fail(CLI_EXIT_FILE, "restore: database: %s", db_errmsg(rs->db));
	rs->have_backup = 1;
	return 0;
}

/* The rules, in the order an operator would want to hear them. */
static int check_backup(struct restore *rs)
{
	uint32_t flash = rs->r.chip.flash_size;
	char bsz[16], fsz[16];
	if (!rs->b.verified)
		return restore_fail(rs, CLI_EXIT_REFUSED, ESP_E_IMAGE, "backup %" PRId64 " of %s was "
				    "never proved against its chip's MD5: refusing it", rs->b.id,
				    rs->b.mac);
	if (strcmp(rs->b.mac, rs->mac) != 0 && !rs->a.force_clone)
		return restore_fail(rs, CLI_EXIT_REFUSED, ESP_E_IMAGE, "backup %" PRId64 " belongs to "
				    "%s, but this unit is %s: refusing to write another unit's backup "
				    "(its stock firmware holds the donor's own cloud identity; two units "
				    "would share it). Use --force-clone to clone it anyway",
				    rs->b.id, rs->b.mac, rs->mac);
	if (!flash)
		return restore_fail(rs, CLI_EXIT_REFUSED, ESP_E_CHIP, "flash id 0x%06x has no known "
				    "size: cannot check the backup against it",
				    (unsigned)rs->r.chip.flash_id);
	esp_flash_size_name((uint32_t)rs->b.size, bsz, sizeof bsz);
	esp_flash_size_name(flash, fsz, sizeof fsz);
	if (rs->b.size != flash && !rs->a.force_size)
		return restore_fail(rs, CLI_EXIT_REFUSED, ESP_E_TOOBIG, "backup %" PRId64 " is %" PRIu64
				    " bytes (%s) but the unit's flash is %u bytes (%s): a backup of "
				    "another flash size does not boot as it did (use --force-size to "
				    "write %s anyway)", rs->b.id, rs->b.size, bsz, flash, fsz,
				    rs->b.size > flash ? "its first part" : "it");
	rs->write_len = rs->b.size > flash ? flash : (uint32_t)rs->b.size;
	return 0;
}

/* Opens the job once the unit is known: the detect stage is then history. */
static int begin_job(struct restore *rs, const char *station, int64_t detect_start)
{
	int64_t station_id;
	struct db_job_start js = {.slot = "", .mode = "restore", .port = rs->r.opts.port};
	struct db_device d = {.mac = rs->mac, .chip = rs->r.chip.name,
			      .flash_id = rs->r.chip.flash_id, .flash_size = rs->r.chip.flash_size};
	if (db_station_upsert(rs->db, station, &station_id) != 0)
		return cli_fail(CLI_EXIT_FILE, "restore: database: %s", db_errmsg(rs->db));
	js.station_id = station_id;
	if (db_job_begin(rs->db, &js, &rs->job_id) != 0 ||
	    db_device_seen(rs->db, &d, &rs->device_id) < 0 ||
	    db_job_set_device(rs->db, rs->job_id, rs->device_id) != 0) {
		rs->err = ESP_E_IO;
		snprintf(rs->msg, sizeof rs->msg, "database: %s", db_errmsg(rs->db));
		return cli_fail(CLI_EXIT_FILE, "restore: database: %s", db_errmsg(rs->db));
	}
	return record_stage(rs, "detect", detect_start, 0, ESP_OK);
}

static int write_and_verify(struct restore *rs)
{
	int64_t rid, wid, t0 = now_ms();
	int forced = strcmp(rs->b.mac, rs->mac) != 0;
	if (db_restore_add(rs->db, rs->job_id, rs->b.id, rs->mac, forced, &rid) != 0)
		return restore_fail(rs, CLI_EXIT_FILE, ESP_E_IO, "database: %s", db_errmsg(rs->db));
	if (rs->b.size != rs->r.chip.flash_size) {
		char json[160];
		snprintf(json, sizeof json, "{\"backup_size\": %" PRIu64 ", \"flash_size\": %u, "
			 "\"written\": %u}", rs->b.size, (unsigned)rs->r.chip.flash_size,
			 (unsigned)rs->write_len);
		if (db_event(rs->db, rs->job_id, "restore.size_forced", json, NULL) != 0)
			return restore_fail(rs, CLI_EXIT_FILE, ESP_E_IO, "database: %s",
					    db_errmsg(rs->db));
	}
	if (db_job_stage_begin(rs->db, rs->job_id, "write") != 0)
		return restore_fail(rs, CLI_EXIT_FILE, ESP_E_IO, "database: %s", db_errmsg(rs->db));
	cli_info(&rs->r, "Writing backup %" PRId64 " of %s (%u bytes) at 0x000000...", rs->b.id,
		 rs->b.mac, (unsigned)rs->write_len);
	if (esp_flash_write(rs->r.s, 0, rs->data, rs->write_len) != ESP_OK) {
		int rc = session_fail(rs, "cannot write the backup");
		(void)record_stage(rs, "write", t0, 0, rs->err);
		return rc;
	}
	uint8_t md5[ESP_MD5_LEN], sha[ESP_SHA256_LEN];
	char md5hex[33], shahex[65];
	esp_md5(rs->data, rs->write_len, md5);
	esp_sha256(rs->data, rs->write_len, sha);
	struct db_write w = {
		.addr = 0, .size = rs->write_len, .backup_id = rs->b.id,
		.sha256 = esp_hex(sha, sizeof sha, shahex), .md5 = esp_hex(md5, sizeof md5, md5hex),
	};
	if (db_job_write(rs->db, rs->job_id, &w, &wid) != 0 ||
	    record_stage(rs, "write", t0, rs->write_len, ESP_OK) != 0)
		return restore_fail(rs, CLI_EXIT_FILE, ESP_E_IO, "database: %s", db_errmsg(rs->db));
	t0 = now_ms();
	if (db_job_stage_begin(rs->db, rs->job_id, "verify") != 0)
		return restore_fail(rs, CLI_EXIT_FILE, ESP_E_IO, "database: %s", db_errmsg(rs->db));
	if (esp_flash_verify(rs->r.s, 0, rs->data, rs->write_len) != ESP_OK) {
		int rc = session_fail(rs, "verify after restore failed");
		(void)record_stage(rs, "verify", t0, rs->write_len, rs->err);
		return rc;
	}
	if (record_stage(rs, "verify", t0, rs->write_len, ESP_OK) != 0)
		return restore_fail(rs, CLI_EXIT_FILE, ESP_E_IO, "database: %s", db_errmsg(rs->db));
	progress_break(&rs->r.prog);
	printf("Restored backup %" PRId64 " of %s onto %s%s: %u bytes written and verified\n",
	       rs->b.id, rs->b.mac, rs->mac, forced ? " (forced clone)" : "",
	       (unsigned)rs->write_len);
	printf("Backup file: %s\n", rs->b.path);
	printf("SHA-256 written: %s\n", shahex);
	printf("Job: %" PRId64 "\n", rs->job_id);
	fflush(stdout);
	return 0;
}

static const char *result_for(enum esp_err e)
{
	switch (e) {
	case ESP_OK: return "passed";
	case ESP_E_NODEV: return "unplugged";
	case ESP_E_CANCELLED: return "cancelled";
	case ESP_E_CHIP: case ESP_E_TOOBIG: case ESP_E_IMAGE: case ESP_E_UNSUPPORTED:
		return "refused";
	default: return "failed";
	}
}

static int run_restore(struct restore *rs, const struct st_config *cfg)
{
	int64_t t0 = now_ms();
	int rc = cli_connect(&rs->r, 1);
	if (rc)
		return rc;
	esp_mac_str(rs->r.chip.mac, rs->mac);
	rc = begin_job(rs, rs->a.station ? rs->a.station : cfg->station, t0);
	if (rc)
		return rc;
	if (!rs->have_backup)
		rc = find_by_mac(rs, rs->a.mac ? rs->a.mac : rs->mac);
	if (rc == 0)
		rc = check_backup(rs);
	if (rc == 0)
		rc = load_backup(rs);
	if (rc == 0) {
		rc = cli_start_stub(&rs->r);
		if (rc)
			(void)session_fail(rs, "cannot start the flasher stub");
	}
	if (rc == 0)
		rc = write_and_verify(rs);
	if (rc && rs->err == ESP_OK) {
		rs->err = rc == CLI_EXIT_CANCELLED ? ESP_E_CANCELLED : ESP_E_IO;
		if (!rs->msg[0])
			snprintf(rs->msg, sizeof rs->msg, "failed (exit status %d)", rc);
	}
	if (rs->r.cancel && *rs->r.cancel)
		rs->err = ESP_E_CANCELLED;
	struct db_job_end end = {
		.result = result_for(rs->err), .err_code = (int)rs->err,
		.err_name = rs->err ? esp_err_name(rs->err) : NULL, .err_msg = rs->err ? rs->msg : NULL,
	};
	if (db_job_finish(rs->db, rs->job_id, &end) != 0) {
		int frc = cli_fail(CLI_EXIT_FILE, "restore: closing job %" PRId64 ": %s", rs->job_id,
				   db_errmsg(rs->db));
		return rc ? rc : frc;
	}
	return rc;
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
	struct restore rs;
	memset(&rs, 0, sizeof rs);
	const struct cli_parser ps = {
		.cmd = "restore", .extra = extra, .handle = restore_opt, .user = &rs.a,
		.need_port = 1,
	};
	int first;
	int rc = cli_parse(&ps, argc, argv, &rs.r.opts, &first);
	if (rc >= 0)
		return rc;
	if (rs.a.backup && rs.a.mac)
		return cli_fail(CLI_EXIT_USAGE, "restore: give --backup FILE or --mac MAC, not both");
	char mac[DB_MAC_LEN];
	if (rs.a.mac && db_mac_normalize(rs.a.mac, mac) != 0)
		return cli_fail(CLI_EXIT_USAGE, "restore: --mac '%s' is not a MAC address (e.g. "
				"5c:cf:7f:01:02:03, 5C-CF-7F-01-02-03 or 5ccf7f010203)", rs.a.mac);
	if (rs.a.mac)
		rs.a.mac = mac;
	struct st_config cfg;
	char err[512];
	st_config_defaults(&cfg);
	if (rs.a.config && st_config_load(rs.a.config, &cfg, err, sizeof err) != 0)
		return cli_fail(CLI_EXIT_USAGE, "%s", err);
	const char *db_path = rs.a.db ? rs.a.db : cfg.database;
	struct stat sb;
	if (stat(db_path, &sb) != 0)
		return cli_fail(CLI_EXIT_FILE, "restore: no database at %s: %s (name it with --db FILE "
				"or --config FILE)", db_path, strerror(errno));
	if (db_open(db_path, &rs.db, err, sizeof err) != 0)
		return cli_fail(CLI_EXIT_FILE, "restore: cannot open the database %s: %s", db_path,
				err);
	/* a file that is no recorded backup fails before the unit is touched */
	rc = rs.a.backup ? find_by_file(&rs) : 0;
	if (rc == 0) {
		cli_run_init(&rs.r);
		rc = run_restore(&rs, &cfg);
		rc = cli_finish(&rs.r, rc);
	}
	free(rs.data);
	db_close(rs.db);
	return rc;
}
