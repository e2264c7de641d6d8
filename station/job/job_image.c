/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_image_chip.h"
#include "file_io.h"
#include "job_image.h"

void job_image_opts_init(struct job_image_opts *o)
{
	memset(o, 0, sizeof *o);
	o->mode = ESP_FM_KEEP;
	o->size_detect = 1; /* like esptool v2, which the Sonoff guides were written for */
	o->freq = -1;
}

int job_image_opts_parse(struct job_image_opts *o, const char *mode, const char *size,
			 const char *freq, struct esp_error *err)
{
	job_image_opts_init(o);
	o->mode = esp_flash_mode_parse(mode);
	o->freq = esp_flash_freq_parse(freq);
	o->size_detect = strcmp(size, "detect") == 0;
	if (!o->size_detect && strcmp(size, "keep") != 0)
		o->size = esp_flash_size_parse(size);
	if (o->mode == -2 || o->freq == -2 ||
	    (!o->size_detect && strcmp(size, "keep") != 0 && esp_flash_size_code(o->size) < 0)) {
		esp_error_set(err, ESP_E_INVAL, 0, "flash mode '%s', size '%s' or frequency '%s' "
			      "is not one esptool knows", mode, size, freq);
		return -1;
	}
	return 0;
}

/* The chip whose images a family's set holds. */
static enum esp_chip family_chip(int family)
{
	switch (family) {
	case ST_FAMILY_ESP8266: return ESP_CHIP_ESP8266EX;
	case ST_FAMILY_ESP32: return ESP_CHIP_ESP32;
	case ST_FAMILY_ESP32C3: return ESP_CHIP_ESP32C3;
	}
	return ESP_CHIP_UNKNOWN;
}

/* Reads every part into one buffer from o->addr, gaps as erased flash. */
static enum esp_err read_parts(struct job_image *img, const struct st_cfg_image *set,
			       uint32_t base, struct esp_error *err)
{
	char why[FIO_ERR_LEN];
	uint8_t *part[ST_CFG_MAX_PARTS] = {0};
	size_t len[ST_CFG_MAX_PARTS] = {0};
	enum esp_err e = ESP_OK;
	uint64_t end = base;
	for (unsigned i = 0; i < set->n_parts && !e; i++) {
		const char *path = set->part[i].file;
		uint32_t at = set->part[i].addr;
		if (fio_read_all(path, 0, &part[i], &len[i], why) != 0)
			e = esp_error_set(err, ESP_E_IO, 0, "cannot load the image: %s", why);
		else if (len[i] == 0)
			e = esp_error_set(err, ESP_E_IMAGE, 0, "%s is empty: it holds no firmware "
					  "(download it again)", path);
		else if (at < end)
			e = esp_error_set(err, ESP_E_IMAGE, 0, "%s at 0x%x overlaps the part before it, "
					  "which ends at 0x%llx: check the addresses", path, at,
					  (unsigned long long)end);
		else if ((end = (uint64_t)at + len[i]) > 0x10000000u)
			e = esp_error_set(err, ESP_E_TOOBIG, 0, "%s at 0x%x ends beyond any flash", path,
					  at);
	}
	if (!e && !(img->file = malloc((size_t)(end - base))))
		e = esp_error_set(err, ESP_E_NOMEM, 0, "out of memory for a %llu-byte image",
				  (unsigned long long)(end - base));
	if (!e) {
		img->file_len = (size_t)(end - base);
		memset(img->file, 0xFF, img->file_len);
		for (unsigned i = 0; i < set->n_parts; i++) {
			img->part_off[i] = set->part[i].addr - base;
			const char *slash = strrchr(set->part[i].file, '/');
			snprintf(img->part_file[i], sizeof img->part_file[i], "%.63s",
				 slash ? slash + 1 : set->part[i].file);
			memcpy(img->file + img->part_off[i], part[i], len[i]);
		}
		img->n_parts = set->n_parts;
	}
	for (unsigned i = 0; i < set->n_parts; i++)
		free(part[i]);
	return e;
}

/* Every part that starts like an image must parse as one (a truncated
 * download is caught here, before any unit is touched). */
static enum esp_err parse_parts(struct job_image *img, struct esp_error *err)
{
	for (unsigned i = 0; i < img->n_parts; i++) {
		const uint8_t *p = img->file + img->part_off[i];
		size_t n = (i + 1 < img->n_parts ? img->part_off[i + 1] : img->file_len) -
			   img->part_off[i];
		struct esp_image_info info;
		struct esp_error pe = {0};
		if (p[0] != ESP_IMAGE_MAGIC)
			continue;
		enum esp_err e = esp_image_parse_any(p, n, &info, &pe);
		if (e)
			return esp_error_set(err, ESP_E_IMAGE, 0, "%s is not a valid image at 0x%x: %s "
					     "(download the firmware again)", img->name,
					     img->addr + img->part_off[i],
					     pe.msg[0] ? pe.msg : esp_strerror(e));
	}
	return ESP_OK;
}

enum esp_err job_image_load(struct job_image *img, const struct st_cfg_image *set, int family,
			    const struct job_image_opts *o, struct esp_error *err)
{
	memset(img, 0, sizeof *img);
	img->family = family;
	img->addr = o->addr;
	st_image_spec_format(set, img->name, sizeof img->name);
	if (!set->n_parts || set->part[0].addr < o->addr)
		return esp_error_set(err, ESP_E_INVAL, 0, "no image parts at or above 0x%x", o->addr);
	enum esp_err e = read_parts(img, set, o->addr, err);
	if (!e)
		e = parse_parts(img, err);
	if (e)
		return e;
	esp_sha256(img->file, img->file_len, img->file_sha256);
	enum esp_chip chip = family_chip(family);
	uint32_t boot = family >= 0 ? esp_bootloader_offset(chip) : 0;
	int at_boot = boot >= o->addr && boot - o->addr < img->file_len;
	const uint8_t *bp = at_boot ? img->file + (boot - o->addr) : NULL;
	size_t bn = at_boot ? img->file_len - (boot - o->addr) : 0;
	if (family >= 0 && at_boot && !o->raw) {
		/* the boot loader would not start anything else */
		struct esp_error pe = {0};
		if (esp_image_check_chip(bp, bn, chip, &img->info, &pe))
			return esp_error_set(err, ESP_E_IMAGE, 0, "%s is no %s firmware: %s", img->name,
					     st_family_name((enum st_family)family), pe.msg);
		img->is_image = 1;
	} else if (family < 0 && o->addr == 0 && img->file[0] != ESP_IMAGE_MAGIC &&
		   img->file[0] != 0xFF && !o->raw) {
		/* no chip boots this: a truncated download, a backup of something
		 * else, or not firmware at all (an ESP32 factory image starts with
		 * erased flash, its boot loader at 0x1000) */
		return esp_error_set(err, ESP_E_IMAGE, 0, "%s does not start like an ESP image "
				     "(first byte 0x%02x, not 0xe9): the unit would not boot; "
				     "download the firmware again, or give --raw to write the file "
				     "unchanged", img->name, img->file[0]);
	} else if (bp && bp[0] == ESP_IMAGE_MAGIC) {
		img->is_image = esp_image_parse_any(bp, bn, &img->info, NULL) == ESP_OK;
	}
	return ESP_OK;
}

enum esp_err job_image_load_file(struct job_image *img, const char *path,
				 const struct job_image_opts *o, struct esp_error *err)
{
	struct st_cfg_image set = {.n_parts = 1};
	set.part[0].addr = o->addr;
	snprintf(set.part[0].file, sizeof set.part[0].file, "%s", path);
	if (strlen(path) >= sizeof set.part[0].file)
		return esp_error_set(err, ESP_E_INVAL, 0, "image path longer than %zu characters",
				     sizeof set.part[0].file - 1);
	return job_image_load(img, &set, -1, o, err);
}

/* Every image in the set must be for this unit's chip and revision. */
static enum esp_err check_for_unit(const struct job_image *img, const struct esp_chip_info *unit,
				   struct esp_error *err)
{
	uint32_t boot = esp_bootloader_offset(unit->chip);
	for (unsigned i = 0; i < img->n_parts; i++) {
		uint32_t at = img->addr + img->part_off[i];
		const uint8_t *p = img->file + img->part_off[i];
		size_t n = img->file_len - img->part_off[i];
		/* an ESP32 factory image: its boot loader is inside the part */
		if (at < boot && boot - at < n && p[boot - at] == ESP_IMAGE_MAGIC) {
			p += boot - at;
			n -= boot - at;
			at = boot;
		}
		if (p[0] != ESP_IMAGE_MAGIC) {
			if (at == boot)
				return esp_error_set(err, ESP_E_IMAGE, 0, "%s: nothing bootable at 0x%x, "
						     "where the %s looks for its boot loader: the unit "
						     "would not boot; give --raw to write it anyway",
						     img->part_file[i], boot, unit->name);
			continue;
		}
		struct esp_error pe = {0};
		if (esp_image_check_unit(p, n, unit, NULL, &pe))
			return esp_error_set(err, ESP_E_IMAGE, 0, "%s at 0x%x: %s", img->part_file[i],
					     at, pe.msg);
	}
	return ESP_OK;
}

enum esp_err job_image_prepare(struct job_image *img, const struct job_image_opts *o,
			       const struct esp_chip_info *unit, struct esp_error *err)
{
	char fsz[16], hsz[16];
	uint32_t flash = unit->flash_size;
	if (!flash && !o->size)
		return esp_error_set(err, ESP_E_CHIP, 0, "flash size unknown (JEDEC id 0x%06x); "
				     "give --flash-size", (unsigned)unit->flash_id);
	if (flash && o->size > flash && !o->force_size)
		return esp_error_set(err, ESP_E_TOOBIG, 0, "--flash-size %s is larger than the "
				     "unit's %s flash (JEDEC id 0x%06x): the firmware would use "
				     "flash that is not there; give --force-size if the id is wrong",
				     esp_flash_size_name(o->size, hsz, sizeof hsz),
				     esp_flash_size_name(flash, fsz, sizeof fsz),
				     (unsigned)unit->flash_id);
	if (!flash)
		flash = o->size;
	enum esp_err e = o->raw ? ESP_OK : check_for_unit(img, unit, err);
	if (e)
		return e;
	size_t padded = (img->file_len + 3) & ~(size_t)3;
	if (o->addr >= flash || padded > flash - o->addr)
		return esp_error_set(err, ESP_E_TOOBIG, 0, "image too large: %s is %zu bytes at 0x%x, "
				     "but the flash is %u bytes (%s): use an image built for "
				     "this flash size", img->name, img->file_len, (unsigned)o->addr,
				     (unsigned)flash, esp_flash_size_name(flash, fsz, sizeof fsz));
	free(img->data);
	img->data = malloc(padded);
	if (!img->data)
		return esp_error_set(err, ESP_E_NOMEM, 0, "out of memory for a %zu-byte image", padded);
	memset(img->data, 0xFF, padded);
	memcpy(img->data, img->file, img->file_len);
	img->len = (uint32_t)padded;
	uint32_t size = o->size_detect ? flash : o->size;
	/* a detected size the header cannot express (32 MB parts on an ESP8266)
	 * is left as the image has it rather than failing the job */
	if (o->size_detect && esp_flash_size_code_for(unit->chip, flash) < 0)
		size = 0;
	struct esp_flash_params p = {.mode = o->mode, .size = size, .freq_code = o->freq};
	const struct esp_security *sec = &unit->security;
	uint32_t boot = esp_bootloader_offset(unit->chip);
	img->patched = img->digest_rewritten = 0;
	if (boot >= o->addr && boot - o->addr < img->len) {
		struct esp_image_patch_result pr = {0};
		struct esp_error pe = {0};
		e = esp_image_patch_for(unit->chip, img->data + (boot - o->addr),
					img->len - (boot - o->addr), boot, &p,
					sec->flash_encrypted || sec->secure_boot || sec->secure_download,
					&pr, &pe);
		if (e)
			return esp_error_set(err, e, 0, "cannot set the flash parameters of %s: %s",
					     img->name, pe.msg[0] ? pe.msg : esp_strerror(e));
		img->patched = pr.changed;
		img->digest_rewritten = pr.digest_rewritten;
	}
	esp_sha256(img->data, img->len, img->sha256);
	esp_md5(img->data, img->len, img->md5);
	return ESP_OK;
}

void job_image_free(struct job_image *img)
{
	free(img->file);
	free(img->data);
	img->file = img->data = NULL;
}

enum esp_err job_images_load(struct job_images *ims, const struct st_config *cfg,
			     struct esp_error *err)
{
	memset(ims, 0, sizeof *ims);
	for (int f = 0; f < ST_FAMILIES; f++)
		ims->img[f].family = f;
	if (cfg->mode != ST_MODE_REFURBISH && cfg->mode != ST_MODE_FLASH)
		return ESP_OK;
	if (job_image_opts_parse(&ims->opts, cfg->flash_mode, cfg->flash_size, cfg->flash_freq,
				 err) != 0)
		return ESP_E_INVAL;
	for (int f = 0; f < ST_FAMILIES; f++) {
		if (!cfg->image[f].n_parts)
			continue;
		enum esp_err e = job_image_load(&ims->img[f], &cfg->image[f], f, &ims->opts, err);
		if (e)
			return e;
	}
	return ESP_OK;
}

void job_images_free(struct job_images *ims)
{
	for (int f = 0; f < ST_FAMILIES; f++)
		job_image_free(&ims->img[f]);
}
