/* SPDX-License-Identifier: MIT */
/* The worker process: job lifecycle, the stage sequence per mode, retries,
 * and waiting for the next unit on a fixed jig. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "worker_priv.h"

#define WAIT_PROBE_MS 1500u   /* how long each "is a unit there?" probe listens */
#define WAIT_PAUSE_MS 1000u

/* An event about this job, as it stands. */
static void event_init(struct st_event *ev, const struct job *j, enum st_ev_type type)
{
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	ev->stage = j->stage;
	ev->job_id = j->job_id;
	ev->err = j->err;
	snprintf(ev->mac, sizeof ev->mac, "%s", j->mac);
}

void job_event(struct job *j, enum st_ev_type type, const char *text)
{
	struct st_event ev;
	event_init(&ev, j, type);
	if (text)
		snprintf(ev.text, sizeof ev.text, "%s", text);
	st_event_send(j->w->event_fd, &ev);
}

enum esp_err job_fail(struct job *j, enum esp_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->msg, sizeof j->msg, fmt, ap);
	va_end(ap);
	j->err = e;
	return e;
}

enum esp_err job_core_fail(struct job *j, enum esp_err e)
{
	const char *m = j->s ? esp_session_error(j->s)->msg : "";
	return job_fail(j, e, "%s", m[0] ? m : esp_strerror(e));
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int progress_cb(void *user, enum esp_op op, uint64_t done, uint64_t total)
{
	struct job *j = user;
	struct st_event ev;
	event_init(&ev, j, op == ESP_OP_WAIT_BOOT ? ST_EV_WAITING : ST_EV_PROGRESS);
	ev.done = done;
	ev.total = total;
	if (op == ESP_OP_WAIT_BOOT)
		snprintf(ev.text, sizeof ev.text, "hold GPIO0 and power-cycle");
	st_event_send(j->w->event_fd, &ev);
	if (op == ESP_OP_READ || op == ESP_OP_WRITE || op == ESP_OP_ERASE)
		j->stage_bytes = done;
	return j->w->cancel && *j->w->cancel;
}

static void log_cb(void *user, enum esp_log_level lvl, const char *msg)
{
	struct job *j = user;
	if (lvl > ESP_LOG_NOTICE)
		return;
	struct st_event ev;
	event_init(&ev, j, ST_EV_NOTE);
	ev.warn = lvl <= ESP_LOG_WARNING;
	snprintf(ev.text, sizeof ev.text, "%s", msg);
	st_event_send(j->w->event_fd, &ev);
}

/* Opens the port and a session at the given stub baud, resets and syncs. */
enum esp_err job_connect(struct job *j, unsigned stub_baud, unsigned connect_ms)
{
	const struct st_config *c = j->w->cfg;
	struct esp_error oe;
	struct xport *x;
	enum esp_err e = xport_open_port(j->w->port.devnode, c->rom_baud, &oe, &x);
	if (e)
		return job_fail(j, e, "%s", oe.msg);
	struct esp_session_cfg sc = {
		.rom_baud = c->rom_baud, .stub_baud = stub_baud, .connect_ms = connect_ms,
		.log = log_cb, .progress = progress_cb, .user_data = j, .cancel = j->w->cancel,
	};
	e = esp_session_open(x, &sc, &j->s);
	if (e) {
		xport_close(x);
		return job_fail(j, e, "cannot start a session on %s", j->w->port.devnode);
	}
	struct esp_reset_plan plan;
	const char *reset = st_config_reset_for(c, j->w->port.slot, j->w->port.vid, j->w->port.pid);
	if (esp_reset_plan_parse(reset, &plan, NULL) != ESP_OK)
		plan.mode = ESP_RESET_AUTO;
	e = esp_connect(j->s, &plan);
	return e ? job_core_fail(j, e) : ESP_OK;
}

void job_disconnect(struct job *j)
{
	esp_session_close(j->s);
	j->s = NULL;
}

static int transient(enum esp_err e)
{
	return e == ESP_E_TIMEOUT || e == ESP_E_PROTO || e == ESP_E_IO || e == ESP_E_READ;
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

/* A short cause for the operator's console line. */
static const char *cause_for(enum esp_err e, enum st_stage st)
{
	switch (e) {
	case ESP_OK: return "done";
	case ESP_E_NOSYNC: return "check the jig: hold GPIO0 and power-cycle";
	case ESP_E_NODEV: return "unplugged";
	case ESP_E_READ: return "unstable 3.3 V? backup MD5 mismatch";
	case ESP_E_STUB: return "stub did not start - check the 3.3 V supply";
	case ESP_E_VERIFY: return "verify failed - reject unit";
	case ESP_E_DEVICE:
		return st == ST_STAGE_ERASE || st == ST_STAGE_WRITE ? "flash write failed - reject unit"
								    : "device error - check the jig";
	case ESP_E_TIMEOUT: case ESP_E_PROTO: case ESP_E_IO:
		return "wire errors - check the cable and adapter";
	case ESP_E_PERM: case ESP_E_BUSY: case ESP_E_NOPORT: return "port unusable - see log";
	case ESP_E_CHIP: return "refused: not an ESP8266";
	case ESP_E_TOOBIG: case ESP_E_IMAGE: return "refused: image does not fit";
	case ESP_E_CANCELLED: return "stopped";
	default: return "failed - see log";
	}
}

static enum esp_err run_stage(struct job *j, enum st_stage st, enum esp_err (*fn)(struct job *))
{
	static const char *const dbname[ST_STAGE_MAX] = {
		"idle", "detect", "backup", "erase", "write", "verify", "reset", "wait_removal",
	};
	j->stage = st;
	j->stage_start_ms = now_ms();
	j->stage_bytes = 0;
	if (db_job_stage_begin(j->db, j->job_id, dbname[st]) != 0)
		return job_fail(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	job_event(j, ST_EV_STAGE, NULL);
	enum esp_err e = fn(j);
	for (unsigned attempt = 0; transient(e) && !j->local && attempt < j->w->cfg->retries; attempt++) {
		if (st == ST_STAGE_DETECT || st == ST_STAGE_ERASE)
			break;
		if (job_reconnect_slower(j) == ESP_OK)
			e = fn(j);
		else
			e = j->err;
	}
	struct db_stage rec = {
		.stage = dbname[st], .outcome = e ? (e == ESP_E_CANCELLED ? "cancelled" : "failed") : "ok",
		.start_ms = j->stage_start_ms, .end_ms = now_ms(), .bytes = j->stage_bytes,
		.err_code = (int)e, .err_name = e ? esp_err_name(e) : NULL, .err_msg = e ? j->msg : NULL,
	};
	if (db_job_stage(j->db, j->job_id, &rec) != 0 && !e)
		return job_fail(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	return e;
}

static enum esp_err stage_reset(struct job *j)
{
	if (j->w->cfg->after_reset)
		(void)esp_hard_reset(j->s); /* a port without DTR/RTS needs a power cycle: not an error */
	return ESP_OK;
}

static enum esp_err pipeline(struct job *j)
{
	enum st_mode m = j->w->cfg->mode;
	enum esp_err e = run_stage(j, ST_STAGE_DETECT, stage_detect);
	if (!e && (m == ST_MODE_REFURBISH || m == ST_MODE_BACKUP))
		e = run_stage(j, ST_STAGE_BACKUP, stage_backup);
	if (!e && (m == ST_MODE_REFURBISH || m == ST_MODE_FLASH))
		e = run_stage(j, ST_STAGE_ERASE, stage_erase);
	if (!e && m != ST_MODE_BACKUP)
		e = run_stage(j, ST_STAGE_WRITE, stage_write);
	if (!e && m != ST_MODE_BACKUP)
		e = run_stage(j, ST_STAGE_VERIFY, stage_verify);
	if (!e)
		e = run_stage(j, ST_STAGE_RESET, stage_reset);
	return e;
}

static int run_job(const struct worker_ctx *w, struct db *db, int64_t image_id,
		   const uint8_t *image, size_t image_len, char *last_mac)
{
	struct job j;
	memset(&j, 0, sizeof j);
	j.w = w;
	j.db = db;
	j.image_id = image_id;
	struct db_job_start js = {
		.station_id = w->station_id, .slot = w->port.slot, .adapter_id = w->port.adapter_id,
		.mode = st_mode_name(w->cfg->mode), .image_id = image_id, .port = w->port.devnode,
	};
	if (db_job_begin(db, &js, &j.job_id) != 0) {
		fprintf(stderr, "espstation: slot %s: database: %s\n", w->port.slot, db_errmsg(db));
		return 2;
	}
	job_event(&j, ST_EV_JOB, NULL);
	if (image) {
		j.image = malloc(image_len + 4);
		if (j.image) {
			memcpy(j.image, image, image_len);
			j.image_len = image_len;
		}
	}
	enum esp_err e = pipeline(&j);
	if (j.mac[0])
		snprintf(last_mac, 18, "%s", j.mac);
	job_disconnect(&j);
	free(j.image);
	free(j.written);
	struct db_job_end end = {
		.result = result_for(e), .stage = NULL, .err_code = (int)e,
		.err_name = e ? esp_err_name(e) : NULL, .err_msg = e ? j.msg : NULL,
	};
	/* if this fails the supervisor closes the job when it reaps us */
	if (db_job_finish(db, j.job_id, &end) != 0)
		fprintf(stderr, "espstation: slot %s: closing job %lld: %s\n", w->port.slot,
			(long long)j.job_id, db_errmsg(db));
	struct st_event ev;
	j.err = e;
	event_init(&ev, &j, ST_EV_DONE);
	snprintf(ev.result, sizeof ev.result, "%s", end.result);
	snprintf(ev.text, sizeof ev.text, "%s%s%.150s",
		 j.local ? "backup not saved - nothing erased" : cause_for(e, j.stage), e ? ": " : "",
		 e ? j.msg : "");
	st_event_send(w->event_fd, &ev);
	return e ? 1 : 0;
}

/* Fixed jig: probe until the finished unit is gone and another answers. */
static int wait_next_unit(const struct worker_ctx *w, const char *last_mac)
{
	struct job probe;
	memset(&probe, 0, sizeof probe);
	probe.w = w;
	probe.stage = ST_STAGE_WAIT_REMOVAL;
	job_event(&probe, ST_EV_STAGE, NULL);
	int gone = 0;
	while (!(w->cancel && *w->cancel)) {
		enum esp_err e = job_connect(&probe, w->cfg->rom_baud, WAIT_PROBE_MS);
		struct esp_chip_info ci;
		char mac[18] = "";
		if (!e && esp_detect(probe.s, &ci) == ESP_OK)
			esp_mac_str(ci.mac, mac);
		job_disconnect(&probe);
		if (e == ESP_E_NODEV || e == ESP_E_NOPORT)
			return -1; /* the adapter itself went away */
		if (!mac[0])
			gone = 1;
		else if (gone || strcmp(mac, last_mac) != 0)
			return 0;
		usleep(WAIT_PAUSE_MS * 1000u);
	}
	return -1;
}

int worker_main(const struct worker_ctx *w)
{
	struct db *db;
	char err[256];
	if (db_open(w->cfg->database, &db, err, sizeof err) != 0) {
		fprintf(stderr, "espstation: slot %s: %s\n", w->port.slot, err);
		return 2;
	}
	uint8_t *image = NULL;
	size_t image_len = 0;
	int64_t image_id = 0;
	if (worker_load_image(w, db, &image, &image_len, &image_id) != 0) {
		db_close(db);
		return 2;
	}
	int rc;
	char last_mac[18] = "";
	for (;;) {
		rc = run_job(w, db, image_id, image, image_len, last_mac);
		if (rc == 2 || !w->cfg->wait_removal || (w->cancel && *w->cancel))
			break;
		if (wait_next_unit(w, last_mac) != 0)
			break;
	}
	free(image);
	db_close(db);
	return rc;
}
