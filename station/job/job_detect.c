/* SPDX-License-Identifier: MIT */
/* The detect stage: connect, identify and record the unit, its security
 * policy, and the choice of its family's firmware - all before anything is
 * read or written. */
#include <stdio.h>
#include <string.h>

#include "job.h"

/* The database's words for the unit's security features. */
static const char *security_text(const struct esp_security *sec, char buf[DB_SECURITY_MAX])
{
	unsigned flags = (sec->flash_encrypted ? DB_SEC_FLASH_ENCRYPTION : 0u) |
			 (sec->secure_boot ? DB_SEC_SECURE_BOOT : 0u) |
			 (sec->secure_download ? DB_SEC_SECURE_DOWNLOAD : 0u) |
			 (sec->dl_encrypt_disabled ? DB_SEC_DL_ENCRYPT_DISABLED : 0u);
	return db_security_text(flags, buf);
}

/* The unit is known: its device row, and the hook that shows it. */
static enum esp_err record_unit(struct job *j)
{
	const struct esp_chip_info *ci = &j->link.chip;
	char sec[DB_SECURITY_MAX], rev[16];
	esp_mac_str(ci->mac, j->mac);
	int esp32 = ci->security.known;
	snprintf(rev, sizeof rev, "v%u.%u", ci->rev_major, ci->rev_minor);
	struct db_device d = {
		.mac = j->mac, .chip = ci->name, .flash_id = ci->flash_id,
		.flash_size = ci->flash_size, .family = esp_chip_family_name(ci->chip),
		.description = ci->description[0] ? ci->description : ci->name,
		.revision = esp32 ? rev : NULL,
		.security = esp32 ? security_text(&ci->security, sec) : NULL,
	};
	if (db_device_seen(j->db, &d, &j->device_id) < 0 ||
	    db_job_set_device(j->db, j->job_id, j->device_id) != 0)
		return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	if (j->hooks->unit)
		j->hooks->unit(j->hooks->user, j);
	return ESP_OK;
}

/* Flash encryption or secure boot: the unit's flash is bound to its chip
 * (ciphertext, signed boot loader).  Refused before anything is erased or
 * written; a backup of an encrypted unit only when the operator allows
 * ciphertext backups (usable on this MAC only). */
static enum esp_err check_security(struct job *j)
{
	const struct esp_chip_info *ci = &j->link.chip;
	const struct esp_security *sec = &ci->security;
	int writes = j->spec->mode != ST_MODE_BACKUP;
	if (writes && (sec->flash_encrypted || sec->secure_boot))
		return job_fail(j, ESP_E_SECURITY, "%s %s has %s on: erasing it or writing plaintext "
				"firmware would brick it (its flash is bound to this chip); refused, "
				"nothing changed: set the unit aside", ci->description, j->mac,
				sec->flash_encrypted ? "flash encryption" : "secure boot");
	if (sec->flash_encrypted && !j->spec->allow_ciphertext)
		return job_fail(j, ESP_E_SECURITY, "%s %s has flash encryption on: a backup would be "
				"ciphertext usable only on this chip; refused: set backup_ciphertext = "
				"true; to keep such backups (recorded as ciphertext for this MAC)",
				ci->description, j->mac);
	return ESP_OK;
}

/* The unit's family's firmware, checked against this unit and prepared;
 * refused before anything is erased when there is none or it does not fit. */
static enum esp_err pick_image(struct job *j)
{
	const struct job_spec *sp = j->spec;
	const struct esp_chip_info *ci = &j->link.chip;
	int f = st_family_parse(esp_chip_family_name(ci->chip));
	struct job_image *img = f >= 0 ? &sp->images->img[f] : NULL;
	if (!img || !img->file)
		return job_fail(j, ESP_E_IMAGE, "no firmware for %s units is configured (this one is "
				"an %s): add images.%s = \"...\"; to the config, or serve it at "
				"another station; nothing changed", f >= 0 ? st_family_name(f) : "its",
				ci->description, f >= 0 ? st_family_name(f) : "<family>");
	struct esp_error ie = {0};
	enum esp_err e = job_image_prepare(img, &sp->images->opts, ci, &ie);
	if (e)
		return job_fail(j, e, "%s", ie.msg);
	j->written = img->data;
	j->written_len = img->len;
	j->patched = img->patched;
	j->image_id = sp->image_id[f];
	j->image = img;
	if (img->digest_rewritten)
		job_log(j, ESP_LOG_INFO, "boot image header patched; its SHA-256 digest updated");
	return ESP_OK;
}

enum esp_err stage_detect(struct job *j)
{
	const struct job_spec *sp = j->spec;
	enum esp_err e = job_connect(j, sp->link.stub_baud);
	if (e)
		return e;
	if ((e = record_unit(j)))
		return e;
	const struct esp_chip_info *ci = &j->link.chip;
	if (!ci->flash_size)
		return job_fail(j, ESP_E_CHIP, "flash id 0x%06x has no known size: refusing to guess",
				(unsigned)ci->flash_id);
	if ((e = check_security(j)))
		return e;
	/* an image that cannot run here or cannot fit is refused before anything is erased */
	if (sp->images && (sp->mode == ST_MODE_REFURBISH || sp->mode == ST_MODE_FLASH) &&
	    (e = pick_image(j)))
		return e;
	if ((e = job_link_start_stub(&j->link)))
		e = job_link_failed(j, e);
	/* the adapter may not carry the fast rate: once more, slower */
	if ((e == ESP_E_IO || e == ESP_E_TIMEOUT) && sp->fallback_baud &&
	    sp->fallback_baud != sp->link.stub_baud)
		e = job_reconnect_slower(j);
	return e;
}
