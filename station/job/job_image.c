/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

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

enum esp_err job_image_load(struct job_image *img, const char *path,
			    const struct job_image_opts *o, struct esp_error *err)
{
	char why[FIO_ERR_LEN];
	memset(img, 0, sizeof *img);
	img->path = path;
	if (fio_read_all(path, 0, &img->file, &img->file_len, why) != 0)
		return esp_error_set(err, ESP_E_IO, 0, "cannot load the image: %s", why);
	if (img->file_len == 0)
		return esp_error_set(err, ESP_E_IMAGE, 0, "%s is empty: it holds no firmware "
				     "(download it again)", path);
	esp_sha256(img->file, img->file_len, img->file_sha256);
	if (img->file[0] == ESP_IMAGE_MAGIC) {
		struct esp_error pe = {0};
		enum esp_err e = esp_image_parse(img->file, img->file_len, &img->info, &pe);
		if (e)
			return esp_error_set(err, ESP_E_IMAGE, 0, "%s is not a valid ESP8266 image: %s "
					     "(download the firmware again)", path,
					     pe.msg[0] ? pe.msg : esp_strerror(e));
		img->is_image = 1;
	} else if (o->addr == 0 && !o->raw) {
		/* the boot loader would not start it: a truncated download, a
		 * backup of another chip, or not firmware at all */
		return esp_error_set(err, ESP_E_IMAGE, 0, "%s does not start like an ESP8266 image "
				     "(first byte 0x%02x, not 0xe9): the unit would not boot; "
				     "download the firmware again, or give --raw to write the file "
				     "unchanged", path, img->file[0]);
	}
	return ESP_OK;
}

enum esp_err job_image_prepare(struct job_image *img, const struct job_image_opts *o,
			       uint32_t flash_size, uint32_t flash_id, struct esp_error *err)
{
	char fsz[16], hsz[16];
	uint32_t flash = flash_size;
	if (!flash && !o->size)
		return esp_error_set(err, ESP_E_CHIP, 0, "flash size unknown (JEDEC id 0x%06x); "
				     "give --flash-size", (unsigned)flash_id);
	if (flash && o->size > flash && !o->force_size)
		return esp_error_set(err, ESP_E_TOOBIG, 0, "--flash-size %s is larger than the "
				     "unit's %s flash (JEDEC id 0x%06x): the firmware would use "
				     "flash that is not there; give --force-size if the id is wrong",
				     esp_flash_size_name(o->size, hsz, sizeof hsz),
				     esp_flash_size_name(flash, fsz, sizeof fsz), (unsigned)flash_id);
	if (!flash)
		flash = o->size;
	size_t padded = (img->file_len + 3) & ~(size_t)3;
	if (o->addr >= flash || padded > flash - o->addr)
		return esp_error_set(err, ESP_E_TOOBIG, 0, "image too large: %s is %zu bytes at 0x%x, "
				     "but the flash is %u bytes (%s): use an image built for "
				     "this flash size", img->path, img->file_len, (unsigned)o->addr,
				     (unsigned)flash, esp_flash_size_name(flash, fsz, sizeof fsz));
	free(img->data);
	img->data = malloc(padded);
	if (!img->data)
		return esp_error_set(err, ESP_E_NOMEM, 0, "out of memory for a %zu-byte image", padded);
	memset(img->data, 0xFF, padded);
	memcpy(img->data, img->file, img->file_len);
	img->len = (uint32_t)padded;
	uint32_t size = o->size_detect ? flash : o->size;
	/* a detected size the ESP8266 header cannot express (32 MB parts) is
	 * left as the image has it rather than failing the job */
	if (o->size_detect && esp_flash_size_code(flash) < 0)
		size = 0;
	struct esp_flash_params p = {.mode = o->mode, .size = size, .freq_code = o->freq};
	struct esp_error pe = {0};
	img->patched = 0;
	enum esp_err e = esp_image_patch(img->data, img->len, o->addr, &p, &img->patched, &pe);
	if (e)
		return esp_error_set(err, e, 0, "cannot set the flash parameters of %s: %s", img->path,
				     pe.msg[0] ? pe.msg : esp_strerror(e));
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
