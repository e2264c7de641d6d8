/* SPDX-License-Identifier: MIT */
/* The worker process: the firmware loaded once, one job after another
 * through the job engine, its hooks turned into events for the supervisor,
 * and waiting for the next unit on a fixed jig. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esp_hash.h"
#include "job.h"
#include "st_event.h"
#include "worker.h"

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

static void send_event(const struct worker_ctx *w, const struct job *j, enum st_ev_type type,
		       const char *text)
{
	struct st_event ev;
	event_init(&ev, j, type);
	if (text)
		snprintf(ev.text, sizeof ev.text, "%s", text);
	st_event_send(w->event_fd, &ev);
}

static void on_begun(void *user, const struct job *j)
{
	send_event(user, j, ST_EV_JOB, NULL);
}

static void on_stage(void *user, const struct job *j)
{
	send_event(user, j, ST_EV_STAGE, NULL);
}

static void on_unit(void *user, const struct job *j)
{
	char text[80], size[16];
	const struct esp_chip_info *ci = &j->link.chip;
	snprintf(text, sizeof text, "%s %s", ci->name,
		 esp_flash_size_name(ci->flash_size, size, sizeof size));
	send_event(user, j, ST_EV_UNIT, text);
}

static void on_log(void *user, const struct job *j, enum esp_log_level lvl, const char *msg)
{
	if (lvl > ESP_LOG_NOTICE)
		return;
	struct st_event ev;
	event_init(&ev, j, ST_EV_NOTE);
	ev.warn = lvl <= ESP_LOG_WARNING;
	snprintf(ev.text, sizeof ev.text, "%s", msg);
	st_event_send(((const struct worker_ctx *)user)->event_fd, &ev);
}

static int on_progress(void *user, const struct job *j, enum esp_op op, uint64_t done,
		       uint64_t total)
{
	const struct worker_ctx *w = user;
	struct st_event ev;
	event_init(&ev, j, op == ESP_OP_WAIT_BOOT ? ST_EV_WAITING : ST_EV_PROGRESS);
	ev.done = done;
	ev.total = total;
	/* into the loader the button is held; into the firmware it must not be */
	if (op == ESP_OP_WAIT_BOOT)
		snprintf(ev.text, sizeof ev.text, "%s", j->stage == ST_STAGE_BOOT
			 ? "power-cycle WITHOUT the button" : "hold GPIO0 and power-cycle");
	st_event_send(w->event_fd, &ev);
	return 0;
}

/* The firmware's row in the images table: header fields as in the file
 * (its boot image's; -1 when it has none). */
static int record_image(const struct worker_ctx *w, struct db *db, const struct job_image *img,
			int64_t *ret_id)
{
	char hex[65];
	const char *name = img->n_parts == 1 ? strrchr(img->name, '/') : NULL;
	struct db_image rec = {
		.sha256 = esp_hex(img->file_sha256, ESP_SHA256_LEN, hex),
		.name = name ? name + 1 : img->name, .size = img->file_len,
		.flash_mode = img->is_image ? img->info.mode : -1,
		.size_code = img->is_image ? img->info.size_code >> 4 : -1,
		.freq_code = img->is_image ? img->info.freq_code : -1,
		.entry = img->is_image ? (int64_t)img->info.entry : -1,
	};
	if (db_image_upsert(db, &rec, ret_id) == 0)
		return 0;
	fprintf(stderr, "espstation: slot %s: database: %s\n", w->port.slot, db_errmsg(db));
	return -1;
}

/* Every configured family's firmware, loaded and recorded. */
static int load_images(const struct worker_ctx *w, struct db *db, struct job_spec *sp,
		       struct job_images *ims)
{
	struct esp_error ie = {0};
	if (job_images_load(ims, w->cfg, &ie) != ESP_OK) {
		fprintf(stderr, "espstation: slot %s: %s\n", w->port.slot, ie.msg);
		return -1;
	}
	unsigned families = 0;
	for (int f = 0; f < ST_FAMILIES; f++) {
		if (!ims->img[f].file)
			continue;
		if (record_image(w, db, &ims->img[f], &sp->image_id[f]) != 0)
			return -1;
		families++;
		sp->job_image_id = sp->image_id[f];
	}
	if (families > 1)
		sp->job_image_id = 0; /* known per unit: each write names its image */
	if (families)
		sp->images = ims;
	return 0;
}

static void spec_init(struct job_spec *sp, const struct worker_ctx *w)
{
	const struct st_config *c = w->cfg;
	memset(sp, 0, sizeof *sp);
	sp->mode = c->mode;
	sp->link = (struct job_link_cfg){
		.port = w->port.devnode, .rom_baud = c->rom_baud, .stub_baud = c->stub_baud,
		.connect_ms = c->connect_timeout_s * 1000u, .cancel = w->cancel,
		.reset = st_config_reset_for(c, w->port.slot, w->port.vid, w->port.pid),
		.stub_path = c->stub,
	};
	sp->fallback_baud = c->fallback_baud;
	sp->retries = c->retries;
	sp->after_reset = c->after_reset;
	sp->erase_chip = c->erase_chip;
	sp->allow_ciphertext = c->backup_ciphertext;
	sp->boot_check = c->boot_check;
	sp->boot_window_ms = c->boot_window_ms;
	sp->boot_baud = c->boot_baud;
	sp->quiet = (const char(*)[64])c->quiet;
	sp->n_quiet = c->n_quiet;
	sp->backup_dir = c->backup_dir;
	sp->station_id = w->station_id;
	sp->adapter_id = w->port.adapter_id;
	sp->slot = w->port.slot;
	/* a unit with no backup here may have one from another bench */
	sp->restore.central_url = c->central.url;
	sp->restore.central_password_file = c->central.password_file;
}

static int run_job(const struct worker_ctx *w, struct db *db, const struct job_spec *sp,
		   char *last_mac)
{
	const struct job_hooks hooks = {
		.user = (void *)w, .begun = on_begun, .stage = on_stage, .unit = on_unit,
		.log = on_log, .progress = on_progress,
	};
	struct job j;
	enum esp_err e = job_run(&j, sp, db, &hooks);
	if (!j.job_id) {
		fprintf(stderr, "espstation: slot %s: %s\n", w->port.slot, j.msg);
		job_release(&j);
		return 2;
	}
	if (j.mac[0])
		snprintf(last_mac, DB_MAC_LEN, "%s", j.mac);
	job_release(&j);
	struct st_event ev;
	event_init(&ev, &j, ST_EV_DONE);
	snprintf(ev.result, sizeof ev.result, "%s", job_result_for(e));
	snprintf(ev.text, sizeof ev.text, "%s%s%s", job_cause_for(e, j.stage, j.local),
		 e ? ": " : "", e ? j.msg : "");
	st_event_send(w->event_fd, &ev);
	return e ? 1 : 0;
}

/* Fixed jig: probe until the finished unit is gone and another answers. */
static int wait_next_unit(const struct worker_ctx *w, const struct job_spec *sp,
			  const char *last_mac)
{
	struct job probe;
	memset(&probe, 0, sizeof probe);
	probe.stage = ST_STAGE_WAIT_REMOVAL;
	send_event(w, &probe, ST_EV_STAGE, NULL);
	struct job_link_cfg lc = sp->link;
	lc.stub_baud = lc.rom_baud;
	lc.connect_ms = WAIT_PROBE_MS;
	int gone = 0;
	while (!(w->cancel && *w->cancel)) {
		struct job_link l;
		enum esp_err e = job_link_open(&l, &lc, 0);
		if (!e)
			e = job_link_connect(&l);
		char mac[DB_MAC_LEN] = "";
		if (!e)
			esp_mac_str(l.chip.mac, mac);
		job_link_close(&l);
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
	struct job_spec sp;
	spec_init(&sp, w);
	struct job_images ims;
	if (load_images(w, db, &sp, &ims) != 0) {
		job_images_free(&ims);
		db_close(db);
		return 2;
	}
	int rc;
	char last_mac[DB_MAC_LEN] = "";
	for (;;) {
		rc = run_job(w, db, &sp, last_mac);
		if (rc == 2 || !w->cfg->wait_removal || (w->cancel && *w->cancel))
			break;
		if (wait_next_unit(w, &sp, last_mac) != 0)
			break;
	}
	job_images_free(&ims);
	db_close(db);
	return rc;
}
