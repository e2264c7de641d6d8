/* SPDX-License-Identifier: MIT */
/* Image preparation shared by write and verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_image.h"
#include "esp_image.h"
#include "file_io.h"

/* Flash erases in 4 KiB sectors: an unaligned start would wipe the data
 * just before the image. */
#define CLI_SECTOR 0x1000u

void cli_image_opts_init(struct cli_image_opts *io)
{
	memset(io, 0, sizeof *io);
	io->mode = ESP_FM_KEEP;
	io->size_detect = 1; /* like esptool v2, which the Sonoff guides were written for */
	io->freq = -1;
}

int cli_image_opt(struct cli_image_opts *io, const char *cmd, int id, const char *arg)
{
	switch (id) {
	case CLI_OPT_ADDRESS:
		if (cli_parse_u32(arg, &io->addr) < 0 || io->addr % CLI_SECTOR)
			return cli_fail(-1, "%s: --address wants a multiple of 4 KiB (0x1000), not '%s'",
					cmd, arg);
		return 0;
	case CLI_OPT_FLASH_MODE:
		io->mode = esp_flash_mode_parse(arg);
		if (io->mode == -2)
			return cli_fail(-1, "%s: --flash-mode wants keep, qio, qout, dio or dout, not '%s'",
					cmd, arg);
		return 0;
	case CLI_OPT_FLASH_SIZE:
		io->size_detect = strcmp(arg, "detect") == 0;
		io->size = 0;
		if (io->size_detect || strcmp(arg, "keep") == 0)
			return 0;
		io->size = esp_flash_size_parse(arg);
		if (io->size == 0 || esp_flash_size_code(io->size) < 0)
			return cli_fail(-1, "%s: --flash-size wants detect, keep, 256KB, 512KB, 1MB, 2MB, "
					"4MB, 8MB or 16MB, not '%s'", cmd, arg);
		return 0;
	case CLI_OPT_FLASH_FREQ:
		io->freq = esp_flash_freq_parse(arg);
		if (io->freq == -2)
			return cli_fail(-1, "%s: --flash-freq wants keep, 40m, 26m, 20m or 80m, not '%s'",
					cmd, arg);
		return 0;
	}
	return 1;
}

int cli_image_load(struct cli_image *img, const char *path)
{
	char err[FIO_ERR_LEN];
	memset(img, 0, sizeof *img);
	img->path = path;
	/* 3 spare bytes: room to pad to a multiple of 4 in place. */
	if (fio_read_all(path, 3, &img->data, &img->file_len, err) < 0)
		return cli_fail(CLI_EXIT_FILE, "cannot load the image: %s", err);
	if (img->file_len == 0)
		return cli_fail(CLI_EXIT_REFUSED, "%s is empty; refusing to write nothing", path);
	esp_sha256(img->data, img->file_len, img->file_sha256);
	img->len = img->file_len;
	return 0;
}

static int check_fits(const struct cli_image *img, uint32_t addr, uint32_t flash)
{
	char name[16];
	size_t padded = (img->file_len + 3) & ~(size_t)3;
	if (addr < flash && padded <= flash - addr)
		return 0;
	return cli_fail(CLI_EXIT_REFUSED,
			"image too large: %s is %zu bytes at 0x%x, but the flash is %u bytes (%s)",
			img->path, img->file_len, (unsigned)addr, (unsigned)flash,
			esp_flash_size_name(flash, name, sizeof name));
}

/* esptool leaves a damaged 0xE9 image at 0x0 unpatched and writes it anyway
 * (it might be encrypted, on ESP32).  The ESP8266 has no flash encryption:
 * such a file is a truncated or corrupt download and would leave a unit
 * that does not boot, so refuse it. */
static int check_boot_image(struct cli_run *r, const struct cli_image *img, uint32_t addr)
{
	if (addr != 0)
		return 0;
	if (img->data[0] != ESP_IMAGE_MAGIC) {
		if (!r->opts.quiet)
			fprintf(stderr, "warning: %s does not start like an ESP8266 image (0x%02x, not "
				"0xe9); flash parameters left unchanged\n", img->path, img->data[0]);
		return 0;
	}
	struct esp_image_info info;
	struct esp_error err = {0};
	enum esp_err e = esp_image_parse(img->data, img->file_len, &info, &err);
	if (e != ESP_OK)
		return cli_fail(CLI_EXIT_REFUSED, "%s is not a valid ESP8266 image: %s", img->path,
				err.msg[0] ? err.msg : esp_strerror(e));
	return 0;
}

int cli_image_prepare(struct cli_run *r, struct cli_image *img, const struct cli_image_opts *io)
{
	uint32_t flash = cli_flash_size(r);
	if (!flash && !io->size)
		return cli_fail(CLI_EXIT_REFUSED, "flash size unknown (JEDEC id 0x%06x); give "
				"--flash-size", (unsigned)r->chip.flash_id);
	if (!flash)
		flash = io->size;
	int rc = check_fits(img, io->addr, flash);
	if (rc == 0)
		rc = check_boot_image(r, img, io->addr);
	if (rc)
		return rc;

	img->len = (img->file_len + 3) & ~(size_t)3;
	memset(img->data + img->file_len, 0xFF, img->len - img->file_len);

	uint32_t size = io->size_detect ? flash : io->size;
	/* A detected size the ESP8266 header cannot express (32 MB parts) is
	 * left as the image has it rather than failing the job. */
	if (io->size_detect && esp_flash_size_code(flash) < 0)
		size = 0;
	struct esp_flash_params p = {.mode = io->mode, .size = size, .freq_code = io->freq};
	int changed = 0;
	struct esp_error err = {0};
	enum esp_err e = esp_image_patch(img->data, img->len, io->addr, &p, &changed, &err);
	if (e != ESP_OK)
		return cli_fail(cli_exit_for(e), "cannot set the flash parameters of %s: %s", img->path,
				err.msg[0] ? err.msg : esp_strerror(e));
	if (changed)
		cli_info(r, "Flash parameters set to 0x%04x", (unsigned)(img->data[2] << 8 | img->data[3]));
	esp_sha256(img->data, img->len, img->sha256);
	return 0;
}

void cli_image_free(struct cli_image *img)
{
	free(img->data);
	img->data = NULL;
}
