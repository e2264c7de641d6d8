/* SPDX-License-Identifier: MIT */
/* Header patching as esptool does it: flash mode, size and frequency in
 * bytes 2-3 of the boot image, ESP8266 at 0x0 (esp-serial-protocol.md
 * §16.3), each chip at its bootloader offset with the appended SHA-256
 * recomputed (esp32-family.md §7.3). */
#include <string.h>

#include "esp_hash.h"
#include "esp_image.h"
#include "esp_image_chip.h"

enum esp_err esp_image_patch(uint8_t *img, size_t len, uint32_t addr,
			     const struct esp_flash_params *p, int *ret_changed,
			     struct esp_error *err)
{
	*ret_changed = 0;
	if (!p || len < 8 || addr != 0)
		return ESP_OK;
	if (p->mode == ESP_FM_KEEP && p->size == 0 && p->freq_code < 0)
		return ESP_OK;
	if (img[0] != ESP_IMAGE_MAGIC)
		return ESP_OK; /* not an image (or a V2 0xEA image): written as is */
	struct esp_image_info info;
	if (esp_image_parse(img, len, &info, NULL) != ESP_OK)
		return ESP_OK; /* starts with 0xE9 but does not parse: leave it alone */
	uint8_t b2 = img[2], b3 = img[3];
	if (p->mode != ESP_FM_KEEP) {
		if (p->mode < 0 || p->mode > 3)
			return esp_error_set(err, ESP_E_INVAL, 0, "bad flash mode %d", p->mode);
		b2 = (uint8_t)p->mode;
	}
	if (p->size) {
		int code = esp_flash_size_code(p->size);
		if (code < 0)
			return esp_error_set(err, ESP_E_INVAL, 0,
					     "flash size %u bytes has no ESP8266 header code", p->size);
		b3 = (uint8_t)((b3 & 0x0F) | code);
	}
	if (p->freq_code >= 0)
		b3 = (uint8_t)((b3 & 0xF0) | (p->freq_code & 0x0F));
	if (b2 != img[2] || b3 != img[3]) {
		img[2] = b2;
		img[3] = b3;
		*ret_changed = 1;
	}
	return ESP_OK;
}

static int asks_nothing(const struct esp_flash_params *p)
{
	return !p || (p->mode == ESP_FM_KEEP && p->size == 0 && p->freq_code < 0);
}

/* Bytes 2-3 as p wants them on this chip; ESP_E_INVAL for a value the
 * chip's header cannot hold. */
static enum esp_err new_params(enum esp_chip chip, const uint8_t *img,
			       const struct esp_flash_params *p, uint8_t out[2],
			       struct esp_error *err)
{
	int esp8266 = esp_image_family_of(chip) == ESP_IMAGE_FAMILY_ESP8266;
	const char *family = esp8266 ? "ESP8266" : "ESP32";
	uint8_t b2 = img[2], b3 = img[3];
	if (p->mode != ESP_FM_KEEP) {
		if (p->mode < ESP_FM_QIO || p->mode > ESP_FM_DOUT)
			return esp_error_set(err, ESP_E_INVAL, 0, "bad flash mode %d: use qio, qout, "
					     "dio or dout", p->mode);
		b2 = (uint8_t)p->mode;
	}
	if (p->size) {
		int code = esp_flash_size_code_for(chip, p->size);
		char name[16];
		if (code < 0)
			return esp_error_set(err, ESP_E_INVAL, 0, "flash size %s has no %s header "
					     "code: use one of %s", esp_flash_size_name(p->size, name, sizeof name),
					     family, esp8266 ? "256KB, 512KB, 1MB, 2MB, 4MB, 8MB, 16MB" :
					     "1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB, 128MB");
		b3 = (uint8_t)((b3 & 0x0F) | code);
	}
	if (p->freq_code >= 0) {
		if (!esp_flash_freq_name_for(chip, p->freq_code))
			return esp_error_set(err, ESP_E_INVAL, 0, "flash frequency code 0x%x has no "
					     "name on the %s: use 80m, 40m, 26m or 20m", (unsigned)p->freq_code,
					     family);
		b3 = (uint8_t)((b3 & 0xF0) | p->freq_code);
	}
	out[0] = b2;
	out[1] = b3;
	return ESP_OK;
}

/* Why an image at the right offset is not one to patch, or NULL. */
static const char *not_patchable(enum esp_chip chip, const uint8_t *img, size_t len,
				 struct esp_image_info *info)
{
	if (len < 8 || img[0] != ESP_IMAGE_MAGIC)
		return "does not start like a firmware image (0xE9)";
	if (esp_image_parse_any(img, len, info, NULL) != ESP_OK)
		return "starts with 0xE9 but is not a valid image";
	int ext = esp_image_family_of(chip) == ESP_IMAGE_FAMILY_ESP32;
	if (info->extended != ext || (ext && info->chip_id != esp_image_chip_id_of(chip)))
		return "an image for another chip";
	if (!info->sha_ok)
		return "its appended SHA-256 does not match (a corrupt image)";
	return NULL;
}

enum esp_err esp_image_patch_for(enum esp_chip chip, uint8_t *img, size_t len, uint32_t addr,
				 const struct esp_flash_params *p, int security_on,
				 struct esp_image_patch_result *ret, struct esp_error *err)
{
	memset(ret, 0, sizeof *ret);
	if (asks_nothing(p))
		return ESP_OK;
	if (esp_image_family_of(chip) == ESP_IMAGE_FAMILY_NONE)
		return esp_error_set(err, ESP_E_CHIP, 0, "no image rules for this chip: only ESP8266, "
				     "ESP8285, ESP32 and ESP32-C3 are supported");
	if (addr != esp_bootloader_offset(chip)) {
		ret->left_alone = "not written at the chip's bootloader offset";
		return ESP_OK;
	}
	struct esp_image_info info;
	if ((ret->left_alone = not_patchable(chip, img, len, &info)))
		return ESP_OK;
	uint8_t b[2] = {0, 0};
	enum esp_err e = new_params(chip, img, p, b, err);
	if (e)
		return e;
	if (b[0] == img[2] && b[1] == img[3])
		return ESP_OK;
	if (security_on) {
		ret->security_blocked = 1;
		ret->left_alone = "security features are on (flash encryption, secure boot or "
				  "Secure Download Mode)";
		return ESP_OK;
	}
	img[2] = b[0];
	img[3] = b[1];
	ret->changed = 1;
	/* the digest covers bytes 2-3: without a new one the image is corrupt */
	if (info.extended && info.hash_appended) {
		esp_sha256(img, info.data_length, img + info.data_length);
		ret->digest_rewritten = 1;
	}
	return ESP_OK;
}
