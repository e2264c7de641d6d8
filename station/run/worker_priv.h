/* SPDX-License-Identifier: MIT */
/* State of one job inside a worker (not a public header). */
#pragma once

#include "db.h"
#include "esp.h"
#include "st_event.h"
#include "worker.h"

struct job {
	const struct worker_ctx *w;
	struct db *db;
	int64_t job_id, device_id, image_id, backup_id;
	struct esp_session *s;
	struct esp_chip_info chip;
	char mac[18];
	enum st_stage stage;
	int64_t stage_start_ms;
	uint64_t stage_bytes;
	/* firmware to write (refurbish, flash, restore) */
	uint8_t *image;
	size_t image_len;
	uint32_t image_addr;
	int image_patched;
	uint8_t *written;       /* exactly what write sent (verify compares it) */
	uint32_t written_len;
	int local;              /* the failure is on this machine (disk), not the wire */
	/* failure detail */
	enum esp_err err;
	char msg[ESP_ERR_MSG_LEN + 64];
};

/* Stage functions: ESP_OK or an error with job->msg set. */
enum esp_err stage_detect(struct job *j);
enum esp_err stage_backup(struct job *j);
enum esp_err stage_erase(struct job *j);
enum esp_err stage_write(struct job *j);
enum esp_err stage_verify(struct job *j);

/* Reads and checks the configured firmware once per worker (refurbish and
 * flash modes): a corrupt image is refused before any unit is touched.
 * Returns 0 (no image needed: *ret NULL) or -1 after printing one line. */
int worker_load_image(const struct worker_ctx *w, struct db *db, uint8_t **ret, size_t *ret_len,
		      int64_t *ret_id);

/* Helpers shared by the stage files. */
void job_event(struct job *j, enum st_ev_type type, const char *text);
enum esp_err job_fail(struct job *j, enum esp_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Opens the port, resets and syncs (job->s); closes it again. */
enum esp_err job_connect(struct job *j, unsigned stub_baud, unsigned connect_ms);
void job_disconnect(struct job *j);
/* Transient wire trouble: reports the cause, reconnects at the fallback
 * baud, detects again (the session needs the flash size) and starts the stub. */
enum esp_err job_reconnect_slower(struct job *j);
/* Copies the session's error into the job. */
enum esp_err job_core_fail(struct job *j, enum esp_err e);
