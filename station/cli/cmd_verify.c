/* SPDX-License-Identifier: MIT */
/* verify: the chip's MD5 of a range against an image, padded and patched
 * exactly as write would. */
#include <stdio.h>
#include <string.h>

#include "cli_cmds.h"
#include "cli_common.h"
#include "cli_image.h"

static int verify_opt(void *user, int id, const char *arg)
{
	return cli_image_opt(user, "verify", id, arg) == 0 ? 0 : -1;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option extra[] = {
		CLI_IMAGE_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct job_image_opts io;
	job_image_opts_init(&io);
	const struct cli_parser ps = {
		.cmd = "verify", .extra = extra, .handle = verify_opt, .user = &io,
		.min_args = 1, .max_args = 1, .need_port = 1,
	};
	struct cli_run r = {0};
	int first;
	int rc = cli_parse(&ps, argc, argv, &r.opts, &first);
	if (rc >= 0)
		return rc;
	struct job_image img;
	rc = cli_image_start(&r, &img, argv[first], &io);
	if (rc == 0 && esp_flash_verify(r.s, io.addr, img.data, img.len) != ESP_OK)
		rc = cli_fail_session(&r, "verify failed");
	if (rc == 0) {
		char hex[2 * ESP_SHA256_LEN + 1];
		progress_break(&r.prog);
		printf("Flash at 0x%06x (%u bytes) matches %s\n", (unsigned)io.addr,
		       (unsigned)img.len, img.name);
		printf("SHA-256 compared: %s\n", esp_hex(img.sha256, ESP_SHA256_LEN, hex));
		fflush(stdout);
	}
	job_image_free(&img);
	return cli_finish(&r, rc);
}
