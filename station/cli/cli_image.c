/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "cli_image.h"

/* Flash erases in 4 KiB sectors: an unaligned start would wipe the data
 * just before the image. */
#define CLI_SECTOR 0x1000u

int cli_image_opt(struct job_image_opts *io, const char *cmd, int id, const char *arg)
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
	case CLI_OPT_RAW: io->raw = 1; return 0;
	case CLI_OPT_FORCE_SIZE: io->force_size = 1; return 0;
	}
	return 1;
}

static int image_fail(enum esp_err e, const struct esp_error *err)
{
	/* an unreadable file is a local problem, not the unit's */
	return cli_fail(job_exit_for(e, e == ESP_E_IO || e == ESP_E_NOMEM), "%s",
			err->msg[0] ? err->msg : esp_strerror(e));
}

int cli_image_start(struct cli_run *r, struct job_image *img, const char *path,
		    const struct job_image_opts *io)
{
	struct esp_error err = {0};
	enum esp_err e = job_image_load_file(img, path, io, &err);
	if (e)
		return image_fail(e, &err);
	cli_run_init(r);
	int rc = cli_connect(r, 1);
	if (rc)
		return rc;
	/* refused before the stub goes up, and long before anything is erased */
	e = job_image_prepare(img, io, &r->chip, &err);
	if (e)
		return image_fail(e, &err);
	if (img->patched)
		cli_info(r, "Flash parameters set to 0x%04x",
			 (unsigned)(img->data[2] << 8 | img->data[3]));
	return cli_start_stub(r);
}
