/* SPDX-License-Identifier: MIT */
/* The engine's loop: the job row, the stage table, per-stage records and
 * retries at the fallback baud, and the job's end. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "st_clock.h"

#define M(mode) (1u << (mode))

/* Which stages each mode runs, in order; `retry`: wire trouble inside the
 * stage reconnects at the fallback baud and runs it again.  Detect and erase
 * are not retried: detect has its own slower retry, and a chip erase that
 * lost its reply has finished or is finishing on the unit. */
static const struct stage_def {
	enum st_stage stage;
	enum esp_err (*run)(struct job *);
	unsigned modes;
	int retry;
	int (*wanted)(const struct job_spec *); /* NULL: always, in its modes */
} s_stages[] = {
	{ST_STAGE_DETECT, stage_detect, ~0u, 0, NULL},
	{ST_STAGE_BACKUP, stage_backup, M(ST_MODE_REFURBISH) | M(ST_MODE_BACKUP), 1, NULL},
	{ST_STAGE_ERASE, stage_erase, M(ST_MODE_REFURBISH) | M(ST_MODE_FLASH), 0, NULL},
	{ST_STAGE_WRITE, stage_write, M(ST_MODE_REFURBISH) | M(ST_MODE_FLASH) | M(ST_MODE_RESTORE), 1, NULL},
	{ST_STAGE_VERIFY, stage_verify, M(ST_MODE_REFURBISH) | M(ST_MODE_FLASH) | M(ST_MODE_RESTORE), 1, NULL},
	{ST_STAGE_BOOT, stage_boot, M(ST_MODE_REFURBISH) | M(ST_MODE_FLASH) | M(ST_MODE_RESTORE), 0,
	 stage_boot_wanted},
	{ST_STAGE_RESET, stage_reset, ~0u, 0, NULL},
};

static enum esp_err vfail(struct job *j, enum esp_err e, const char *fmt, va_list ap)
{
	vsnprintf(j->msg, sizeof j->msg, fmt, ap);
	j->err = e;
	return e;
}

enum esp_err job_fail(struct job *j, enum esp_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(j, e, fmt, ap);
	va_end(ap);
	return e;
}

enum esp_err job_fail_local(struct job *j, enum esp_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(j, e, fmt, ap);
	va_end(ap);
	j->local = 1;
	return e;
}

enum esp_err job_link_failed(struct job *j, enum esp_err e)
{
	const struct esp_error *le = &j->link.err;
	if (le->code == e && le->msg[0])
		return job_fail(j, e, "%s", le->msg);
	const struct esp_error *se = j->link.s ? esp_session_error(j->link.s) : NULL;
	return job_fail(j, e, "%s", se && se->code == e && se->msg[0] ? se->msg : esp_strerror(e));
}

void job_log(struct job *j, enum esp_log_level lvl, const char *fmt, ...)
{
	if (!j->hooks->log)
		return;
	char line[ESP_ERR_MSG_LEN + 200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	j->hooks->log(j->hooks->user, j, lvl, line);
}

static int on_progress(void *user, enum esp_op op, uint64_t done, uint64_t total)
{
	struct job *j = user;
	if (op == ESP_OP_READ || op == ESP_OP_WRITE || op == ESP_OP_ERASE)
		j->stage_bytes = done;
	int stop = j->hooks->progress ? j->hooks->progress(j->hooks->user, j, op, done, total) : 0;
	return stop || (j->spec->link.cancel && *j->spec->link.cancel);
}

static void on_log(void *user, enum esp_log_level lvl, const char *msg)
{
	struct job *j = user;
	if (j->hooks->log)
		j->hooks->log(j->hooks->user, j, lvl, msg);
}

enum esp_err job_connect(struct job *j, unsigned stub_baud)
{
	struct job_link_cfg c = j->spec->link;
	c.stub_baud = stub_baud;
	c.log = on_log;
	c.progress = on_progress;
	c.user = j;
	job_link_close(&j->link);
	enum esp_err e = job_link_open(&j->link, &c, 1);
	/* a station's port came from udev: gone by the time it is opened, or
	 * hung up while it is opened (EIO: the tty dies before its node goes),
	 * means the adapter was pulled, as a hang-up a moment later would say;
	 * said at once, so the stage's row is written before the supervisor
	 * stops the worker on the remove */
	if (e == ESP_E_NOPORT && j->spec->slot && j->spec->slot[0])
		return job_fail(j, ESP_E_NODEV, "adapter removed before its port %s could be opened",
				c.port);
	if (e == ESP_E_IO && j->spec->slot && j->spec->slot[0] && c.port[0] == '/')
		return job_fail(j, ESP_E_NODEV, "port %s hung up while it was opened: adapter "
				"removed (or failing: replug it)", c.port);
	if (!e)
		e = job_link_connect(&j->link);
	return e ? job_link_failed(j, e) : ESP_OK;
}

/* Transient wire trouble: says why, reconnects at the fallback baud, detects
 * again (the session needs the flash size) and starts the stub. */
enum esp_err job_reconnect_slower(struct job *j)
{
	unsigned baud = j->spec->fallback_baud;
	job_log(j, ESP_LOG_NOTICE, "%.200s; retrying at %u baud", j->msg, baud);
	enum esp_err e = job_connect(j, baud);
	if (!e && (e = job_link_start_stub(&j->link)))
		return job_link_failed(j, e);
	return e;
}

static int transient(enum esp_err e)
{
	return e == ESP_E_TIMEOUT || e == ESP_E_PROTO || e == ESP_E_IO || e == ESP_E_READ ||
	       e == ESP_E_LOST;
}

static enum esp_err run_stage(struct job *j, const struct stage_def *sd)
{
	j->stage = sd->stage;
	j->stage_start_ms = st_wall_ms();
	j->stage_bytes = 0;
	const char *name = st_stage_name(sd->stage);
	if (db_job_stage_begin(j->db, j->job_id, name) != 0)
		return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	if (j->hooks->stage)
		j->hooks->stage(j->hooks->user, j);
	enum esp_err e = sd->run(j);
	for (unsigned n = 0; sd->retry && j->spec->fallback_baud && transient(e) && !j->local &&
			     n < j->spec->retries; n++)
		e = job_reconnect_slower(j) ? j->err : sd->run(j);
	if (j->spec->link.cancel && *j->spec->link.cancel && e)
		e = job_fail(j, ESP_E_CANCELLED, "stopped during %s: %s", name, j->msg);
	struct db_stage rec = {
		.stage = name, .outcome = e ? (e == ESP_E_CANCELLED ? "cancelled" : "failed") : "ok",
		.start_ms = j->stage_start_ms, .end_ms = st_wall_ms(), .bytes = j->stage_bytes,
		.err_code = (int)e, .err_name = e ? esp_err_name(e) : NULL, .err_msg = e ? j->msg : NULL,
	};
	if (db_job_stage(j->db, j->job_id, &rec) != 0 && !e)
		return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	return e;
}

enum esp_err job_run(struct job *j, const struct job_spec *spec, struct db *db,
		     const struct job_hooks *hooks)
{
	static const struct job_hooks none;
	memset(j, 0, sizeof *j);
	j->spec = spec;
	j->hooks = hooks ? hooks : &none;
	j->db = db;
	struct db_job_start js = {
		.station_id = spec->station_id, .slot = spec->slot, .adapter_id = spec->adapter_id,
		.mode = st_mode_name(spec->mode), .image_id = spec->job_image_id, .port = spec->link.port,
	};
	if (db_job_begin(db, &js, &j->job_id) != 0)
		return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(db));
	if (j->hooks->begun)
		j->hooks->begun(j->hooks->user, j);
	enum esp_err e = ESP_OK;
	for (size_t i = 0; !e && i < sizeof s_stages / sizeof s_stages[0]; i++)
		if ((s_stages[i].modes & M(spec->mode)) &&
		    (!s_stages[i].wanted || s_stages[i].wanted(spec)))
			e = run_stage(j, &s_stages[i]);
	j->err = e;
	struct db_job_end end = {
		.result = job_result_for(e), .err_code = (int)e,
		.err_name = e ? esp_err_name(e) : NULL, .err_msg = e ? j->msg : NULL,
	};
	/* if this fails, the supervisor (or the next start) closes the job */
	if (db_job_finish(db, j->job_id, &end) != 0 && !e) {
		job_fail_local(j, ESP_E_IO, "closing job %lld: %s", (long long)j->job_id,
			       db_errmsg(db));
		e = ESP_E_IO;
	}
	return e;
}

void job_release(struct job *j)
{
	job_link_close(&j->link);
	free(j->owned);
	j->owned = NULL;
	free(j->retry_known);
	j->retry_known = NULL;
	free(j->flash_md5);
	j->flash_md5 = NULL;
	j->written = NULL;
}
