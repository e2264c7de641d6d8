/* SPDX-License-Identifier: MIT */
/* The job engine: one job against the unit on one port, as a table of
 * stages (detect, backup, erase, write, verify, reset) that the mode
 * selects, each recorded in the database with its times, bytes and error.
 * The station's worker and the single-port `restore` both run jobs through
 * here; what they differ in (events to a supervisor, or progress bars on a
 * terminal) comes in through the hooks.
 *
 * Invariant 1 lives in the table's order: erase runs only after backup has
 * returned ESP_OK, which it does once the file is on disk (fsync'd and
 * renamed), its MD5 equals the chip's own MD5 of the region, and its row is
 * committed.  May call: core/, db/, common/. */
#pragma once

#include <stdint.h>

#include "db.h"
#include "file_io.h"
#include "job_image.h"
#include "job_link.h"
#include "job_outcome.h"
#include "st_config.h"

/* Restore: which recorded backup to write. */
struct job_restore_pick {
	const struct db_backup_row *row; /* chosen by the operator; NULL: newest verified of mac */
	const char *mac;                 /* whose backup; NULL: the unit's own */
	int force_clone;                 /* another unit's backup (recorded donor -> target) */
	int force_size;                  /* a backup of another flash size */
	/* the central store (config central.url, .password_file): asked when the
	 * database has no backup to restore; NULL/"" = none */
	const char *central_url, *central_password_file;
};

struct job_spec {
	enum st_mode mode;
	struct job_link_cfg link;        /* log/progress/user are the engine's own */
	unsigned fallback_baud;          /* reconnect rate after wire trouble; 0: no retry */
	unsigned retries;                /* per stage, at fallback_baud */
	int after_reset;                 /* run the firmware when done */
	int erase_chip;                  /* erase the whole chip, not only what held data */
	const char *backup_dir;          /* the vault */
	int64_t station_id, adapter_id;  /* job row */
	const char *slot;
	struct job_images *images;       /* refurbish, flash: loaded; the unit's family's set is
					    prepared here per unit */
	int64_t image_id[ST_FAMILIES];   /* their rows in the images table */
	int64_t job_image_id;            /* the jobs row's image: the only family's, else 0 */
	int allow_ciphertext;            /* back up a flash-encrypted unit (ciphertext, bound to
					    its MAC) instead of refusing it */
	int boot_check;                  /* after verify: reset into the firmware and judge it */
	unsigned boot_window_ms, boot_baud;
	const char (*quiet)[64];         /* image file names (or "restore") that may boot quietly */
	unsigned n_quiet;
	struct job_restore_pick restore;
};

struct job;

/* Everything the caller sees of a running job; all may be NULL. */
struct job_hooks {
	void *user;
	void (*begun)(void *user, const struct job *j);    /* the job row exists */
	void (*stage)(void *user, const struct job *j);    /* j->stage begins */
	void (*unit)(void *user, const struct job *j);     /* chip and MAC are known */
	void (*log)(void *user, const struct job *j, enum esp_log_level lvl, const char *msg);
	/* non-zero cancels at the next block */
	int (*progress)(void *user, const struct job *j, enum esp_op op, uint64_t done,
			uint64_t total);
};

struct job {
	const struct job_spec *spec;
	const struct job_hooks *hooks;
	struct db *db;
	int64_t job_id, device_id, backup_id;
	struct job_link link;
	char mac[DB_MAC_LEN];
	enum st_stage stage;
	int64_t stage_start_ms;
	uint64_t stage_bytes;
	/* what write sends and verify compares */
	const uint8_t *written;
	uint32_t written_len;
	int patched;
	int64_t image_id;                /* the images row of what is written (0: a backup) */
	const struct job_image *image;   /* the family's firmware picked at detect, or NULL */
	uint8_t *owned;                  /* restore: the backup file's bytes */
	struct db_backup_row src;        /* restore: the backup written */
	int forced_clone;
	char written_sha256[65];
	/* backup: which 4 KiB sectors held data (bit i = sector i), for the
	 * targeted erase and the clean proof; up to 16 MB of flash */
	uint8_t sector_map[512];
	int have_map;
	int clean_proven;                /* verify proved every other sector erased */
	int booted;                      /* the boot stage reset the unit into its firmware */
	/* a backup that failed on the wire: what it had (kept for the retry at
	 * the fallback baud, which compares it with the chip's MD5s first) */
	uint8_t *retry_known;
	/* what the flash holds now, 16-byte MD5 per sector (after the backup and
	 * the erase), so the write sends only what differs; NULL if unknown */
	uint8_t *flash_md5;
	/* how it ended */
	enum esp_err err;
	int local;                       /* the failure is on this machine (disk, database) */
	char msg[ESP_ERR_MSG_LEN + 200];
};

/* Runs one job to its end and closes its row; returns ESP_OK or the error
 * (j->msg says why; j->job_id is 0 when not even the row could be made).
 * Call job_release() afterwards in every case. */
enum esp_err job_run(struct job *j, const struct job_spec *spec, struct db *db,
		     const struct job_hooks *hooks);
void job_release(struct job *j);

/* For the stage files (job_stages.c, job_restore.c). */
enum esp_err job_fail(struct job *j, enum esp_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum esp_err job_fail_local(struct job *j, enum esp_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum esp_err job_link_failed(struct job *j, enum esp_err e);
void job_log(struct job *j, enum esp_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum esp_err job_connect(struct job *j, unsigned stub_baud);
enum esp_err job_reconnect_slower(struct job *j);
enum esp_err job_prepare_restore(struct job *j);
/* job_restore_central.c: the local database has no backup of mac to
 * restore onto this unit (why says what it has): asks the central store
 * (spec->restore.central_url), fetches its choice into the vault and
 * records it as imported (*ret_fetched = 1).  A store that is down or has
 * none appends a note to why and returns ESP_OK; an altered copy fails
 * the job (refused, nothing written). */
enum esp_err job_restore_from_central(struct job *j, const char *mac, char *why, size_t cap,
				      int *ret_fetched);
/* Reads a recorded backup's file and proves it against the row's size and
 * SHA-256 (hex gets what the file hashes to): 0 with *ret malloc'ed, -1
 * unreadable (err says why), -2 altered (nothing returned). */
int job_backup_read(const struct db_backup_row *b, uint8_t **ret, size_t *ret_len,
		    char hex[2 * ESP_SHA256_LEN + 1], char err[FIO_ERR_LEN]);

enum esp_err stage_detect(struct job *j);
enum esp_err stage_backup(struct job *j);
enum esp_err stage_erase(struct job *j);
enum esp_err stage_write(struct job *j);
enum esp_err stage_verify(struct job *j);
enum esp_err stage_reset(struct job *j);
enum esp_err stage_boot(struct job *j);
int stage_boot_wanted(const struct job_spec *sp);
