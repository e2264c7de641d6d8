/* SPDX-License-Identifier: MIT */
/* The five stages.  Invariant 1 lives here: erase only runs after backup
 * has returned ESP_OK, which it does only once the file is on disk, its MD5
 * equals the chip's and the database row is committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_hash.h"
#include "file_io.h"
#include "vault.h"
#include "worker_priv.h"

static enum esp_err start_stub(struct job *j)
{
	struct esp_stub_image stub;
	struct esp_error se;
	enum esp_err e = esp_stub_builtin(&stub, &se);
	if (e)
		return job_fail(j, e, "%s", se.msg);
	e = esp_stub_start(j->s, &stub);
	esp_stub_free(&stub);
	return e ? job_core_fail(j, e) : ESP_OK;
}

static enum esp_err record_unit(struct job *j)
{
	char text[80], size[16];
	esp_mac_str(j->chip.mac, j->mac);
	snprintf(text, sizeof text, "%s %s", j->chip.name,
		 esp_flash_size_name(j->chip.flash_size, size, sizeof size));
	job_event(j, ST_EV_UNIT, text);
	struct db_device d = {.mac = j->mac, .chip = j->chip.name, .flash_id = j->chip.flash_id,
			      .flash_size = j->chip.flash_size};
	if (db_device_seen(j->db, &d, &j->device_id) < 0 ||
	    db_job_set_device(j->db, j->job_id, j->device_id) != 0) {
		j->local = 1;
		return job_fail(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	}
	return ESP_OK;
}

enum esp_err stage_detect(struct job *j)
{
	const struct st_config *c = j->w->cfg;
	enum esp_err e = job_connect(j, c->stub_baud, c->connect_timeout_s * 1000u);
	if (e)
		return e;
	e = esp_detect(j->s, &j->chip);
	if (e == ESP_E_CHIP)
		return job_core_fail(j, e);
	if (e)
		return job_core_fail(j, e);
	if ((e = record_unit(j)))
		return e;
	if (!j->chip.flash_size)
		return job_fail(j, ESP_E_CHIP, "flash id 0x%06x has no known size: refusing to guess",
				j->chip.flash_id);
	/* refuse an image that cannot fit before anything is erased */
	if (j->image && j->image_len > j->chip.flash_size)
		return job_fail(j, ESP_E_TOOBIG, "image %s is %zu bytes but the unit's flash is %u bytes: "
				"use an image built for %u-byte flash", c->image, j->image_len,
				j->chip.flash_size, j->chip.flash_size);
	e = start_stub(j);
	/* the adapter may not carry the fast rate: once more, slower */
	if ((e == ESP_E_IO || e == ESP_E_TIMEOUT) && c->fallback_baud != c->stub_baud)
		e = job_reconnect_slower(j);
	return e;
}

enum esp_err job_reconnect_slower(struct job *j)
{
	const struct st_config *c = j->w->cfg;
	char note[ESP_ERR_MSG_LEN + 40];
	snprintf(note, sizeof note, "%.200s; retrying at %u baud", j->msg, c->fallback_baud);
	job_event(j, ST_EV_NOTE, note);
	job_disconnect(j);
	enum esp_err e = job_connect(j, c->fallback_baud, c->connect_timeout_s * 1000u);
	if (e)
		return e;
	if ((e = esp_detect(j->s, &j->chip)))
		return job_core_fail(j, e);
	return start_stub(j);
}

enum esp_err stage_backup(struct job *j)
{
	uint32_t n = j->chip.flash_size;
	uint8_t *buf = malloc(n);
	if (!buf) {
		j->local = 1;
		return job_fail(j, ESP_E_NOMEM, "out of memory for a %u-byte backup", n);
	}
	enum esp_err e = esp_flash_backup(j->s, 0, n, buf, j->w->cfg->retries + 2);
	if (e) {
		free(buf);
		return job_core_fail(j, e);
	}
	uint8_t md5[ESP_MD5_LEN], sha[ESP_SHA256_LEN];
	char md5hex[33], shahex[65], path[512], verr[VAULT_ERR_LEN];
	esp_md5(buf, n, md5);
	esp_sha256(buf, n, sha);
	int rc = vault_store(j->w->cfg->backup_dir, j->mac, buf, n, j->w->cancel, path, sizeof path, verr);
	free(buf);
	if (rc == -2)
		return job_fail(j, ESP_E_CANCELLED, "stopped before the backup was stored");
	if (rc != 0) {
		j->local = 1;
		return job_fail(j, ESP_E_IO, "backup not saved, nothing erased: %s", verr);
	}
	/* esp_flash_backup proved the data against the chip's MD5 of the range */
	struct db_backup b = {
		.device_id = j->device_id, .job_id = j->job_id, .path = path, .size = n,
		.flash_id = j->chip.flash_id, .sha256 = esp_hex(sha, sizeof sha, shahex),
		.md5 = esp_hex(md5, sizeof md5, md5hex), .chip_md5 = md5hex,
	};
	if (db_backup_add(j->db, &b, &j->backup_id) != 0) {
		j->local = 1;
		return job_fail(j, ESP_E_IO, "backup %s not recorded, nothing erased: %s", path,
				db_errmsg(j->db));
	}
	j->stage_bytes = n;
	return ESP_OK;
}

enum esp_err stage_erase(struct job *j)
{
	enum esp_err e = esp_flash_erase_chip(j->s, j->chip.flash_size);
	return e ? job_core_fail(j, e) : ESP_OK;
}

/* The configured image, padded to 4 bytes and patched for this unit. */
static enum esp_err prepare_image(struct job *j)
{
	const struct st_config *c = j->w->cfg;
	uint32_t len = (uint32_t)((j->image_len + 3) & ~(size_t)3);
	uint8_t *buf = malloc(len);
	if (!buf)
		return job_fail(j, ESP_E_NOMEM, "out of memory");
	memset(buf, 0xFF, len);
	memcpy(buf, j->image, j->image_len);
	struct esp_flash_params p = {
		.mode = esp_flash_mode_parse(c->flash_mode),
		.size = strcmp(c->flash_size, "detect") == 0 ? j->chip.flash_size
		      : strcmp(c->flash_size, "keep") == 0   ? 0
							     : esp_flash_size_parse(c->flash_size),
		.freq_code = esp_flash_freq_parse(c->flash_freq),
	};
	struct esp_error pe;
	if (esp_image_patch(buf, len, 0, &p, &j->image_patched, &pe) != ESP_OK) {
		free(buf);
		return job_fail(j, ESP_E_IMAGE, "%s", pe.msg);
	}
	j->written = buf;
	j->written_len = len;
	return ESP_OK;
}

/* Restore: this unit's own newest backup that was verified against its chip. */
static enum esp_err prepare_own_backup(struct job *j)
{
	struct db_backup_row row;
	if (db_backup_latest_verified(j->db, j->mac, &row) != 0)
		return job_fail(j, ESP_E_IMAGE, "no verified backup of %s in the database: nothing to "
				"restore (never write another unit's backup)", j->mac);
	char err[FIO_ERR_LEN];
	uint8_t *buf;
	size_t len;
	if (fio_read_all(row.path, 0, &buf, &len, err) != 0)
		return job_fail(j, ESP_E_IMAGE, "backup of %s unreadable: %s", j->mac, err);
	uint8_t sha[ESP_SHA256_LEN];
	char hex[65];
	esp_sha256(buf, len, sha);
	if (len != row.size || strcmp(esp_hex(sha, sizeof sha, hex), row.sha256) != 0) {
		free(buf);
		return job_fail(j, ESP_E_IMAGE, "backup file %s was altered since it was recorded "
				"(size or SHA-256 differ): refusing it", row.path);
	}
	if (len != j->chip.flash_size) {
		free(buf);
		return job_fail(j, ESP_E_TOOBIG, "backup is %zu bytes but the unit's flash is %u bytes",
				len, j->chip.flash_size);
	}
	int64_t rid;
	if (db_restore_add(j->db, j->job_id, row.id, j->mac, 0, &rid) != 0) {
		free(buf);
		return job_fail(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	}
	j->backup_id = row.id;
	j->written = buf;
	j->written_len = (uint32_t)len;
	return ESP_OK;
}

enum esp_err stage_write(struct job *j)
{
	enum esp_err e = ESP_OK;
	if (!j->written)
		e = j->w->cfg->mode == ST_MODE_RESTORE ? prepare_own_backup(j) : prepare_image(j);
	if (e)
		return e;
	e = esp_flash_write(j->s, 0, j->written, j->written_len);
	if (e)
		return job_core_fail(j, e);
	uint8_t md5[ESP_MD5_LEN], sha[ESP_SHA256_LEN];
	char md5hex[33], shahex[65];
	esp_md5(j->written, j->written_len, md5);
	esp_sha256(j->written, j->written_len, sha);
	struct db_write w = {
		.addr = 0, .size = j->written_len,
		.image_id = j->w->cfg->mode == ST_MODE_RESTORE ? 0 : j->image_id,
		.backup_id = j->w->cfg->mode == ST_MODE_RESTORE ? j->backup_id : 0,
		.sha256 = esp_hex(sha, sizeof sha, shahex), .md5 = esp_hex(md5, sizeof md5, md5hex),
		.patched = j->image_patched,
	};
	int64_t wid;
	if (db_job_write(j->db, j->job_id, &w, &wid) != 0)
		return job_fail(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	j->stage_bytes = j->written_len;
	return ESP_OK;
}

enum esp_err stage_verify(struct job *j)
{
	enum esp_err e = esp_flash_verify(j->s, 0, j->written, j->written_len);
	return e ? job_core_fail(j, e) : ESP_OK;
}
