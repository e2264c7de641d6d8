/* SPDX-License-Identifier: MIT */
/* The stages backup, erase, write, verify and reset (detect: job_detect.c,
 * boot: job_boot.c): each returns ESP_OK, or an error with j->msg set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"
#include "job.h"
#include "vault.h"

/* n bytes of erased flash with data[0, len) at the start, or NULL. */
static uint8_t *flash_with(const uint8_t *data, uint32_t len, uint32_t n)
{
	uint8_t *buf = malloc(n);
	if (buf) {
		memset(buf, 0xFF, n);
		memcpy(buf, data, len);
	}
	return buf;
}

/* What the unit most likely holds, as far as this station knows: the image
 * its newest job wrote there, if that job proved every other sector erased
 * and it is the image loaded now; else its newest verified backup of this
 * flash size whose file still matches its record.  A revisit then reads
 * only what differs - the chip's MD5s decide, so a guess that is out of date
 * (the firmware saved its settings since) costs reads, never a wrong byte.
 * NULL when nothing is known. */
static uint8_t *job_known_content(struct job *j, uint32_t n)
{
	struct db_backup_row row;
	struct db_unit_written w;
	char err[FIO_ERR_LEN], hex[65];
	uint8_t *buf, sha[ESP_SHA256_LEN];
	size_t len;
	int have_row = db_backup_latest_verified(j->db, j->mac, &row) == 0 && row.size == n;
	if (j->written && j->written_len <= n && db_unit_last_written(j->db, j->mac, &w) == 0 &&
	    (!have_row || w.job_id >= row.job_id) && w.size == j->written_len) {
		esp_sha256(j->written, j->written_len, sha);
		if (strcmp(w.sha256, esp_hex(sha, sizeof sha, hex)) == 0)
			return flash_with(j->written, j->written_len, n);
	}
	if (!have_row || job_backup_read(&row, &buf, &len, hex, err) != 0)
		return NULL;
	return buf;
}

/* The MD5 of each sector of the flash as the backup proved it. */
static uint8_t *sector_md5s(const uint8_t *flash, uint32_t n)
{
	uint8_t *md5 = malloc((size_t)(n / 4096u) * ESP_MD5_LEN);
	for (uint32_t i = 0; md5 && i < n / 4096u; i++)
		esp_md5(flash + (size_t)i * 4096u, 4096u, md5 + (size_t)i * ESP_MD5_LEN);
	return md5;
}

/* After an erase: these sectors now hold erased flash. */
static void note_erased(struct job *j, uint32_t first, uint32_t last, const uint8_t *map)
{
	uint32_t n = j->link.chip.flash_size / 4096u;
	if (!j->flash_md5 && !(j->flash_md5 = malloc((size_t)n * ESP_MD5_LEN)))
		return;
	if (!map && first == 0 && last == n) {
		uint8_t erased[ESP_MD5_LEN];
		esp_md5_fill(0xFF, 4096u, erased);
		for (uint32_t i = 0; i < n; i++)
			memcpy(j->flash_md5 + (size_t)i * ESP_MD5_LEN, erased, ESP_MD5_LEN);
		return;
	}
	for (uint32_t i = first; i < last && i < n; i++)
		if (!map || (map[i / 8] >> (i % 8) & 1))
			esp_md5_fill(0xFF, 4096u, j->flash_md5 + (size_t)i * ESP_MD5_LEN);
}

enum esp_err stage_backup(struct job *j)
{
	uint32_t n = j->link.chip.flash_size;
	uint8_t *buf = malloc(n);
	if (!buf)
		return job_fail_local(j, ESP_E_NOMEM, "out of memory for a %u-byte backup", n);
	uint8_t md5[ESP_MD5_LEN], sha[ESP_SHA256_LEN];
	/* a retry keeps what the failed attempt had; a unit seen before, what is
	 * known of it: what matches the chip's MD5s need not be read again */
	uint8_t *known = j->retry_known;
	j->retry_known = NULL;
	if (!known)
		known = job_known_content(j, n);
	if (known)
		memcpy(buf, known, n);
	else
		memset(buf, 0xFF, n);
	const struct esp_backup_plan plan = {.retries = j->spec->retries + 2, .known = known,
					     .allow_ciphertext = j->spec->allow_ciphertext};
	struct esp_backup_result res = {.sector_map = j->sector_map};
	enum esp_err e = esp_flash_backup(j->link.s, 0, n, buf, &plan, &res);
	free(known);
	if (e) {
		j->retry_known = buf;
		return job_link_failed(j, e);
	}
	free(j->flash_md5);
	j->flash_md5 = sector_md5s(buf, n);
	j->have_map = n / 4096u <= 8 * sizeof j->sector_map;
	job_log(j, ESP_LOG_INFO, "backup: read %llu of %u bytes; %u of %u sectors hold data",
		(unsigned long long)res.bytes_read, n, (unsigned)res.sectors_data, n / 4096u);
	const uint8_t *chip_md5 = res.chip_md5;
	char md5hex[33], chiphex[33], shahex[65], path[512], verr[VAULT_ERR_LEN], map[1025];
	esp_md5(buf, n, md5);
	esp_sha256(buf, n, sha);
	/* what this station writes, found on the unit: our own firmware, not its original */
	int ours = j->written && j->written_len <= n && memcmp(buf, j->written, j->written_len) == 0;
	int rc = vault_store(j->spec->backup_dir, j->mac, buf, n, j->spec->link.cancel, path,
			     sizeof path, verr);
	free(buf);
	if (rc == -2)
		return job_fail(j, ESP_E_CANCELLED, "stopped before the backup was stored");
	if (rc != 0)
		return job_fail_local(j, ESP_E_IO, "backup not saved, nothing erased: %s", verr);
	/* both hashes as measured: the database's `verified` compares them */
	struct db_backup b = {
		.device_id = j->device_id, .job_id = j->job_id, .path = path, .size = n,
		.flash_id = j->link.chip.flash_id, .sha256 = esp_hex(sha, sizeof sha, shahex),
		.md5 = esp_hex(md5, sizeof md5, md5hex),
		.chip_md5 = esp_hex(chip_md5, ESP_MD5_LEN, chiphex),
		.provenance = !res.sectors_data ? "blank" : ours ? "ours" : NULL,
		.sector_map = j->have_map ? esp_hex(j->sector_map, (n / 4096u + 7) / 8, map) : NULL,
		.ciphertext = j->link.chip.security.flash_encrypted,
	};
	if (db_backup_add(j->db, &b, &j->backup_id) != 0)
		return job_fail_local(j, ESP_E_IO, "backup %s not recorded, nothing erased: %s", path,
				      db_errmsg(j->db));
	j->stage_bytes = n;
	return ESP_OK;
}

/* First sector the write does not cover: the write erases its own range. */
static uint32_t image_end_sector(const struct job *j)
{
	return (j->written_len + 4095u) / 4096u;
}

/* Erases only what must go: every sector that held data (the backup's map)
 * and that the image does not cover, in runs (the stub erases 64 KiB
 * blocks where a run covers them).  Without a map (no backup in this
 * mode), or with erase = "chip", the whole chip. */
enum esp_err stage_erase(struct job *j)
{
	uint32_t flash = j->link.chip.flash_size;
	if (!j->have_map || j->spec->erase_chip) {
		enum esp_err e = esp_flash_erase_chip(j->link.s, flash);
		j->stage_bytes = e ? 0 : flash;
		if (e)
			return job_link_failed(j, e);
		note_erased(j, 0, flash / 4096u, NULL);
		return ESP_OK;
	}
	enum esp_err e = esp_flash_erase_map(j->link.s, j->sector_map, image_end_sector(j),
					     flash / 4096u, &j->stage_bytes);
	if (e)
		return job_link_failed(j, e);
	note_erased(j, image_end_sector(j), flash / 4096u, j->sector_map);
	return ESP_OK;
}

enum esp_err stage_write(struct job *j)
{
	enum esp_err e = ESP_OK;
	if (!j->written && (e = job_prepare_restore(j)))
		return e;
	/* only what differs from what the flash holds; verify proves the whole range */
	const struct esp_write_plan plan = {
		.sector_md5 = j->flash_md5, .sectors = j->link.chip.flash_size / 4096u,
		.ask_chip = !j->flash_md5,
	};
	struct esp_write_result wr;
	if ((e = esp_flash_write_less(j->link.s, 0, j->written, j->written_len, &plan, &wr)))
		return job_link_failed(j, e);
	if (wr.skipped)
		job_log(j, ESP_LOG_INFO, "write: %llu of %u bytes were already on the flash",
			(unsigned long long)wr.skipped, (unsigned)j->written_len);
	uint8_t md5[ESP_MD5_LEN], sha[ESP_SHA256_LEN];
	char md5hex[33];
	esp_md5(j->written, j->written_len, md5);
	esp_sha256(j->written, j->written_len, sha);
	int restore = j->spec->mode == ST_MODE_RESTORE;
	struct db_write w = {
		.addr = 0, .size = j->written_len,
		.image_id = restore ? 0 : j->image_id, .backup_id = restore ? j->src.id : 0,
		.sha256 = esp_hex(sha, sizeof sha, j->written_sha256),
		.md5 = esp_hex(md5, sizeof md5, md5hex), .patched = j->patched,
	};
	int64_t wid;
	if (db_job_write(j->db, j->job_id, &w, &wid) != 0)
		return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	j->stage_bytes = j->written_len;
	return ESP_OK;
}

/* Verify proves (a) what was written, by the chip's MD5, and (b) that every
 * other sector is erased, so nothing of the last owner survives; (b) is
 * recorded with the job. */
enum esp_err stage_verify(struct job *j)
{
	enum esp_err e = esp_flash_verify(j->link.s, 0, j->written, j->written_len);
	if (e)
		return job_link_failed(j, e);
	j->stage_bytes = j->written_len;
	/* restore erased nothing beyond what it wrote: nothing to prove */
	if (j->spec->mode != ST_MODE_REFURBISH && j->spec->mode != ST_MODE_FLASH)
		return ESP_OK;
	uint32_t flash = j->link.chip.flash_size, from = image_end_sector(j) * 4096u, bad = 0;
	if (from < flash && (e = esp_flash_check_erased(j->link.s, from, flash - from, &bad)))
		return job_link_failed(j, e);
	j->stage_bytes = flash;
	j->clean_proven = 1;
	char json[96];
	snprintf(json, sizeof json, "{\"written\": %u, \"erased_from\": %u, \"flash_size\": %u}",
		 (unsigned)j->written_len, (unsigned)from, (unsigned)flash);
	if (db_job_set_clean_proven(j->db, j->job_id, 1, json) != 0)
		return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	return ESP_OK;
}

enum esp_err stage_reset(struct job *j)
{
	/* the boot check already started the firmware */
	if (!j->spec->after_reset || j->booted)
		return ESP_OK;
	/* a port without DTR/RTS needs a power cycle: an instruction, not a failure */
	enum esp_err e = esp_hard_reset(j->link.s);
	if (e) {
		const struct esp_error *se = esp_session_error(j->link.s);
		job_log(j, e == ESP_E_UNSUPPORTED ? ESP_LOG_NOTICE : ESP_LOG_WARNING, "%s",
			se->code == e && se->msg[0] ? se->msg
						    : "could not restart the unit: power-cycle it");
	}
	return ESP_OK;
}
