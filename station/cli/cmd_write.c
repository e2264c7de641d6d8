/* SPDX-License-Identifier: MIT */
/* write: an image to the flash, header patched like esptool, then the
 * chip's MD5 of the written range checked against it. */
#include <stdio.h>
#include <string.h>

#include "cli_cmds.h"
#include "cli_common.h"
#include "cli_image.h"
#include "st_clock.h"

enum { OPT_NO_COMPRESS = CLI_OPT_CMD_BASE, OPT_NO_VERIFY };

struct write_args {
	struct job_image_opts io;
	int no_compress, no_verify;
};

static int write_opt(void *user, int id, const char *arg)
{
	struct write_args *a = user;
	if (id == OPT_NO_COMPRESS)
		a->no_compress = 1;
	else if (id == OPT_NO_VERIFY)
		a->no_verify = 1;
	else
		return cli_image_opt(&a->io, "write", id, arg) == 0 ? 0 : -1;
	return 0;
}

static int write_image(struct cli_run *r, const struct write_args *a, const struct job_image *img)
{
	uint64_t t0 = st_mono_ms();
	cli_info(r, "Writing %u bytes at 0x%06x%s...", (unsigned)img->len, (unsigned)a->io.addr,
		 a->no_compress ? " (uncompressed)" : "");
	if (esp_flash_write(r->s, a->io.addr, img->data, img->len) != ESP_OK)
		return cli_fail_session(r, "cannot write %s", img->name);
	double dt = (double)(st_mono_ms() - t0) / 1000.0;
	cli_info(r, "Wrote %u bytes at 0x%06x in %.1f s (%.1f KiB/s)", (unsigned)img->len,
		 (unsigned)a->io.addr, dt, dt > 0 ? (double)img->len / 1024 / dt : 0.0);
	if (!a->no_verify) {
		if (esp_flash_verify(r->s, a->io.addr, img->data, img->len) != ESP_OK)
			return cli_fail_session(r, "verify after write failed");
		cli_info(r, "Verified: the flash MD5 matches the image");
	}
	char hex[2 * ESP_SHA256_LEN + 1];
	progress_break(&r->prog);
	printf("SHA-256 of %s: %s\n", img->name, esp_hex(img->file_sha256, ESP_SHA256_LEN, hex));
	printf("SHA-256 written: %s\n", esp_hex(img->sha256, ESP_SHA256_LEN, hex));
	fflush(stdout);
	return 0;
}

int cmd_write(int argc, char **argv)
{
	static const struct option extra[] = {
		CLI_IMAGE_OPTIONS,
		{"no-compress", no_argument, NULL, OPT_NO_COMPRESS},
		{"no-verify", no_argument, NULL, OPT_NO_VERIFY},
		{NULL, 0, NULL, 0},
	};
	struct write_args a = {0};
	job_image_opts_init(&a.io);
	const struct cli_parser ps = {
		.cmd = "write", .extra = extra, .handle = write_opt, .user = &a,
		.min_args = 1, .max_args = 1, .need_port = 1,
	};
	struct cli_run r = {0};
	int first;
	int rc = cli_parse(&ps, argc, argv, &r.opts, &first);
	if (rc >= 0)
		return rc;
	struct job_image img;
	r.no_compress = a.no_compress;
	rc = cli_image_start(&r, &img, argv[first], &a.io);
	if (rc == 0)
		rc = write_image(&r, &a, &img);
	job_image_free(&img);
	return cli_finish(&r, rc);
}
