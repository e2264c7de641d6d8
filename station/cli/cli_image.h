/* SPDX-License-Identifier: MIT */
/* write and verify: their image options and their shared start (load the
 * file, connect, check and prepare the image for the detected flash, start
 * the stub), over the job engine's one image path (job_image.h). */
#pragma once

#include <getopt.h>

#include "cli_common.h"
#include "job_image.h"

enum {
	CLI_OPT_ADDRESS = CLI_OPT_CMD_BASE + 0x40,
	CLI_OPT_FLASH_MODE,
	CLI_OPT_FLASH_SIZE,
	CLI_OPT_FLASH_FREQ,
	CLI_OPT_RAW,
	CLI_OPT_FORCE_SIZE,
};

/* getopt_long rows for the options above, to splice into a command's table. */
#define CLI_IMAGE_OPTIONS                                                   \
	{"address", required_argument, NULL, CLI_OPT_ADDRESS},              \
	{"flash-mode", required_argument, NULL, CLI_OPT_FLASH_MODE},        \
	{"flash-size", required_argument, NULL, CLI_OPT_FLASH_SIZE},        \
	{"flash-freq", required_argument, NULL, CLI_OPT_FLASH_FREQ},        \
	{"raw", no_argument, NULL, CLI_OPT_RAW},                            \
	{"force-size", no_argument, NULL, CLI_OPT_FORCE_SIZE}

/* Handles one of the CLI_OPT_* options: 0 handled, -1 bad value (reported),
 * 1 not an image option. */
int cli_image_opt(struct job_image_opts *io, const char *cmd, int id, const char *arg);

/* Loads the image at path (a bad file fails before the port is touched),
 * connects, refuses an image that does not fit or a header size larger than
 * the flash, pads and patches it, and starts the stub.  Returns 0 or the
 * exit code after reporting; img is always to be freed. */
int cli_image_start(struct cli_run *r, struct job_image *img, const char *path,
		    const struct job_image_opts *io) __attribute__((warn_unused_result));
