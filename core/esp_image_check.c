/* SPDX-License-Identifier: MIT */
/* Which chip an image is for: family and chip id, appended SHA-256, and the
 * chip revision window as esptool checks it before writing (esp32-family.md
 * §7.4), each refusal in words an operator can act on. */
#include <stdio.h>
#include <string.h>

#include "esp_image_chip.h"

#define MAX_REV_NOT_SET 0xFFFFu

/* "ESP8266", "ESP8285", "ESP32 (chip id 0)", "ESP32-C3 (chip id 5)" */
static const char *unit_name(enum esp_chip chip, char *buf, size_t cap)
{
	switch (chip) {
	case ESP_CHIP_ESP8266EX: return "ESP8266";
	case ESP_CHIP_ESP8285: return "ESP8285";
	case ESP_CHIP_ESP32:
	case ESP_CHIP_ESP32C3: {
		uint16_t id = esp_image_chip_id_of(chip);
		snprintf(buf, cap, "%s (chip id %u)", esp_image_chip_id_name(id), id);
		return buf;
	}
	case ESP_CHIP_UNKNOWN:
	case ESP_CHIP_ESP32_FAMILY: break;
	}
	return "unsupported chip";
}

/* "an ESP8266 image", "an ESP32 image (chip id 0)", or for an id we do not
 * know "an image for an unknown ESP32-class chip (chip id 7)" */
static const char *image_name(const struct esp_image_info *info, char *buf, size_t cap)
{
	const char *name = esp_image_chip_id_name(info->chip_id);
	if (!info->extended)
		return "an ESP8266 image";
	if (name)
		snprintf(buf, cap, "an %s image (chip id %u)", name, info->chip_id);
	else
		snprintf(buf, cap, "an image for an unknown ESP32-class chip (chip id %u)",
			 info->chip_id);
	return buf;
}

/* The plain name for "use the firmware built for the ...". */
static const char *family_name(enum esp_chip chip)
{
	if (esp_image_family_of(chip) == ESP_IMAGE_FAMILY_ESP8266)
		return "ESP8266"; /* the ESP8285 runs ESP8266 images */
	return esp_image_chip_id_name(esp_image_chip_id_of(chip));
}

enum esp_err esp_image_check_chip(const uint8_t *img, size_t len, enum esp_chip chip,
				  struct esp_image_info *ret, struct esp_error *err)
{
	enum esp_image_family family = esp_image_family_of(chip);
	if (family == ESP_IMAGE_FAMILY_NONE)
		return esp_error_set(err, ESP_E_CHIP, 0, "no firmware image fits an unsupported chip: "
				     "only ESP8266, ESP8285, ESP32 and ESP32-C3 units are supported");
	struct esp_image_info info;
	enum esp_err e = esp_image_parse_any(img, len, &info, err);
	if (e)
		return e;
	if (ret)
		*ret = info;
	int want_extended = family == ESP_IMAGE_FAMILY_ESP32;
	if (info.extended != want_extended ||
	    (want_extended && info.chip_id != esp_image_chip_id_of(chip))) {
		char iname[80], uname[40];
		return esp_error_set(err, ESP_E_IMAGE, 0, "%s on an %s: use the firmware built for "
				     "the %s", image_name(&info, iname, sizeof iname),
				     unit_name(chip, uname, sizeof uname), family_name(chip));
	}
	if (!info.sha_ok)
		return esp_error_set(err, ESP_E_IMAGE, 0, "the image's appended SHA-256 does not match "
				     "its contents: corrupt image (download it again)");
	return ESP_OK;
}

/* "v3.0", as esptool writes revisions (major.minor, minor not zero-padded) */
static const char *rev_str(unsigned full, char *buf, size_t cap)
{
	snprintf(buf, cap, "v%u.%u", full / 100, full % 100);
	return buf;
}

enum esp_err esp_image_check_revision(const struct esp_image_info *info, enum esp_chip chip,
				      unsigned rev_major, unsigned rev_minor,
				      struct esp_error *err)
{
	if (!info->extended)
		return ESP_OK; /* ESP8266 images carry no revision */
	unsigned rev = rev_major * 100 + rev_minor;
	char unit[16], lo[16], hi[16];
	rev_str(rev, unit, sizeof unit);
	int use_full = info->max_rev_full != 0;
	/* a default maximum with only the old byte set: the old byte rules */
	if (info->max_rev_full == MAX_REV_NOT_SET && info->min_rev_full == 0 && info->min_rev != 0)
		use_full = 0;
	if (use_full) {
		if (rev >= info->min_rev_full && rev <= info->max_rev_full)
			return ESP_OK;
		rev_str(info->min_rev_full, lo, sizeof lo);
		rev_str(info->max_rev_full, hi, sizeof hi);
		if (info->max_rev_full == MAX_REV_NOT_SET)
			return esp_error_set(err, ESP_E_IMAGE, 0, "the image needs chip revision >= %s, "
					     "this unit is %s: use a firmware built for this revision",
					     lo, unit);
		return esp_error_set(err, ESP_E_IMAGE, 0, "the image needs chip revision %s to %s, "
				     "this unit is %s: use a firmware built for this revision", lo, hi,
				     unit);
	}
	/* ESP-IDF writes the old byte from the minor number on the C3 only */
	if (chip == ESP_CHIP_ESP32C3) {
		if (rev_minor >= info->min_rev)
			return ESP_OK;
		return esp_error_set(err, ESP_E_IMAGE, 0, "the image needs chip minor revision >= %u "
				     "(an old-style min_rev, which counts minor numbers on ESP32-C3), "
				     "this unit is %s: use a firmware built for this revision",
				     info->min_rev, unit);
	}
	if (rev_major >= info->min_rev)
		return ESP_OK;
	return esp_error_set(err, ESP_E_IMAGE, 0, "the image needs chip revision >= v%u.0, this "
			     "unit is %s: use a firmware built for this revision", info->min_rev, unit);
}

enum esp_err esp_image_check_unit(const uint8_t *img, size_t len,
				  const struct esp_chip_info *unit, struct esp_image_info *ret,
				  struct esp_error *err)
{
	struct esp_image_info info;
	info.magic = 0; /* stays 0 unless the image parses */
	enum esp_err e = esp_image_check_chip(img, len, unit->chip, &info, err);
	if (!e)
		e = esp_image_check_revision(&info, unit->chip, unit->rev_major, unit->rev_minor,
					     err);
	if (ret && info.magic == ESP_IMAGE_MAGIC)
		*ret = info;
	return e;
}
