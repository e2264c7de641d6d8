/* SPDX-License-Identifier: MIT */
/* Refusals that follow from a unit's security state, checked in core itself
 * (the station has its own policy above; this is the floor):
 * esp32-family.md §6.4-§6.6. */
#include "esp_priv.h"

static const char *features(const struct esp_security *sec)
{
	if (sec->flash_encrypted && sec->secure_boot)
		return "flash encryption and secure boot";
	return sec->flash_encrypted ? "flash encryption" : "secure boot";
}

static enum esp_err secure_download(struct esp_session *s, const char *what)
{
	return esp_fail(s, ESP_E_SECURITY, "refused to %s: the unit is in Secure Download Mode "
			"(it cannot be backed up or checked): set it aside", what);
}

enum esp_err esp_guard_erase(struct esp_session *s)
{
	if (s->sec.secure_download)
		return secure_download(s, "erase");
	if (!s->sec.flash_encrypted && !s->sec.secure_boot)
		return ESP_OK;
	return esp_fail(s, ESP_E_SECURITY, "refused to erase: the unit has %s enabled, and an "
			"erased locked chip boots nothing we can write: set the unit aside",
			features(&s->sec));
}

enum esp_err esp_guard_write(struct esp_session *s)
{
	if (s->sec.secure_download)
		return secure_download(s, "write");
	if (!s->sec.flash_encrypted)
		return ESP_OK;
	return esp_fail(s, ESP_E_SECURITY, "refused to write: the unit's flash is encrypted, so a "
			"plaintext image would not boot (the chip decrypts whatever is in flash): "
			"set the unit aside");
}

enum esp_err esp_guard_backup(struct esp_session *s, int allow_ciphertext)
{
	if (s->sec.secure_download)
		return secure_download(s, "back up");
	if (!s->sec.flash_encrypted || allow_ciphertext)
		return ESP_OK;
	return esp_fail(s, ESP_E_SECURITY, "refused to back up: the unit's flash is encrypted, so a "
			"backup is ciphertext only this chip can use; allow ciphertext to keep it for "
			"this MAC only, or set the unit aside");
}
