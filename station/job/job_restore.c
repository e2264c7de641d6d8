/* SPDX-License-Identifier: MIT */
/* Restore's source: a backup the database recorded and verified, of this
 * unit unless a clone is forced, of this flash size unless forced, whose
 * file still has the recorded size and SHA-256.  Checked in the order an
 * operator would want to hear about it; a forced clone or size, and a
 * backup the operator named that restore would not choose, are recorded. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_image_chip.h"
#include "file_io.h"
#include "job.h"

/* The operator's backup, else the unit's (or the donor's) newest original,
 * else its newest import; never what the station itself wrote or a blank
 * read unless the operator names that file. */
static enum esp_err pick(struct job *j)
{
	const struct job_restore_pick *p = &j->spec->restore;
	if (p->row) {
		j->src = *p->row;
		return ESP_OK;
	}
	const char *mac = p->mac ? p->mac : j->mac;
	char why[1200];
	int r = db_backup_restore_choice_onto(j->db, mac, j->mac, &j->src, why, sizeof why);
	if (r == -ENOENT && p->central_url && *p->central_url) {
		/* another bench may have it: fetched and recorded here, then chosen
		 * by the same rules as a local one */
		int fetched;
		enum esp_err e = job_restore_from_central(j, mac, why, sizeof why, &fetched);
		if (e)
			return e;
		if (fetched)
			r = db_backup_restore_choice_onto(j->db, mac, j->mac, &j->src, why,
							  sizeof why);
	}
	if (r == -ENOENT)
		return job_fail(j, ESP_E_IMAGE, "nothing to restore onto %s: %s", j->mac, why);
	if (r)
		return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	job_log(j, ESP_LOG_NOTICE, "restore chooses %s", why);
	return ESP_OK;
}

static enum esp_err check(struct job *j)
{
	const struct db_backup_row *b = &j->src;
	const struct job_restore_pick *p = &j->spec->restore;
	uint32_t flash = j->link.chip.flash_size;
	char bsz[16], fsz[16];
	/* an import had no chip to prove it: its recorded SHA-256 vouches for it */
	if (!b->verified && strcmp(b->provenance, "imported") != 0)
		return job_fail(j, ESP_E_IMAGE, "backup %" PRId64 " of %s was never proved against "
				"its chip's MD5: refusing it", b->id, b->mac);
	j->forced_clone = strcmp(b->mac, j->mac) != 0;
	if (j->forced_clone && !p->force_clone)
		return job_fail(j, ESP_E_IMAGE, "backup %" PRId64 " belongs to %s, but this unit is "
				"%s: refusing to write another unit's backup (its stock firmware "
				"holds the donor's own cloud identity; two units would share it). "
				"Use --force-clone to clone it anyway", b->id, b->mac, j->mac);
	char why[320];
	/* a ciphertext backup decrypts on its own chip only: never, forced or not */
	if (db_backup_check_target(b, j->mac, p->force_clone, why, sizeof why) != 0)
		return job_fail(j, ESP_E_SECURITY, "%s", why);
	esp_flash_size_name((uint32_t)b->size, bsz, sizeof bsz);
	esp_flash_size_name(flash, fsz, sizeof fsz);
	if (b->size != flash && !p->force_size)
		return job_fail(j, ESP_E_TOOBIG, "backup %" PRId64 " is %" PRIu64 " bytes (%s) but "
				"the unit's flash is %u bytes (%s): a backup of another flash size "
				"does not boot as it did (use --force-size to write %s anyway)", b->id,
				b->size, bsz, flash, fsz, b->size > flash ? "its first part" : "it");
	return ESP_OK;
}

int job_backup_read(const struct db_backup_row *b, uint8_t **ret, size_t *ret_len,
		    char hex[2 * ESP_SHA256_LEN + 1], char err[FIO_ERR_LEN])
{
	uint8_t sha[ESP_SHA256_LEN];
	hex[0] = '\0';
	if (fio_read_all(b->path, 0, ret, ret_len, err) != 0)
		return -1;
	esp_sha256(*ret, *ret_len, sha);
	esp_hex(sha, sizeof sha, hex);
	if (*ret_len == b->size && strcmp(hex, b->sha256) == 0)
		return 0;
	free(*ret);
	*ret = NULL;
	return -2;
}

/* A restore never writes bytes the database does not vouch for. */
static enum esp_err load(struct job *j)
{
	const struct db_backup_row *b = &j->src;
	char err[FIO_ERR_LEN], hex[2 * ESP_SHA256_LEN + 1];
	size_t len;
	int r = job_backup_read(b, &j->owned, &len, hex, err);
	if (r == -1)
		return job_fail_local(j, ESP_E_IO, "backup %" PRId64 " of %s cannot be read: %s "
				      "(run 'espstation audit verify-vault')", b->id, b->mac, err);
	if (r == -2)
		return job_fail(j, ESP_E_IMAGE, "backup file %s was altered since it was recorded "
				"(%zu bytes, SHA-256 %.16s...; recorded %" PRIu64 " bytes, %.16s...): "
				"refusing it", b->path, len, hex, b->size, b->sha256);
	uint32_t flash = j->link.chip.flash_size;
	j->written = j->owned;
	j->written_len = b->size > flash ? flash : (uint32_t)b->size;
	/* a clone from another chip family could never boot here */
	const struct esp_chip_info *ci = &j->link.chip;
	uint32_t boot = esp_bootloader_offset(ci->chip);
	struct esp_error ie = {0};
	if (j->forced_clone && boot < j->written_len && j->written[boot] == ESP_IMAGE_MAGIC &&
	    esp_image_check_chip(j->written + boot, j->written_len - boot, ci->chip, NULL, &ie))
		return job_fail(j, ESP_E_IMAGE, "backup %" PRId64 " of %s cannot run on this %s: %s",
				b->id, b->mac, ci->description, ie.msg);
	return ESP_OK;
}

static enum esp_err record(struct job *j)
{
	const struct db_backup_row *b = &j->src;
	int64_t rid;
	if (db_restore_add(j->db, j->job_id, b->id, j->mac, j->forced_clone, &rid) != 0)
		return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	/* the operator named a backup restore would not choose: on record */
	if (strcmp(b->provenance, "original") != 0 && strcmp(b->provenance, "imported") != 0) {
		char json[96];
		snprintf(json, sizeof json, "{\"backup_id\": %" PRId64 ", \"provenance\": \"%s\"}",
			 b->id, b->provenance);
		if (db_event(j->db, j->job_id, "restore.named", json, NULL) != 0)
			return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	}
	if (b->size != j->link.chip.flash_size) {
		char json[160];
		snprintf(json, sizeof json, "{\"backup_size\": %" PRIu64 ", \"flash_size\": %u, "
			 "\"written\": %u}", b->size, (unsigned)j->link.chip.flash_size,
			 (unsigned)j->written_len);
		if (db_event(j->db, j->job_id, "restore.size_forced", json, NULL) != 0)
			return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	}
	j->backup_id = b->id;
	return ESP_OK;
}

enum esp_err job_prepare_restore(struct job *j)
{
	enum esp_err e = pick(j);
	if (!e)
		e = check(j);
	if (!e)
		e = load(j);
	if (!e)
		e = record(j);
	if (!e)
		job_log(j, ESP_LOG_NOTICE, "writing backup %" PRId64 " of %s (%u bytes)", j->src.id,
			j->src.mac, (unsigned)j->written_len);
	return e;
}
