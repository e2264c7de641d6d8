/* SPDX-License-Identifier: MIT */
/* The firmware image as write and verify see it: loaded, checked against
 * the detected flash, padded and header-patched the same way by both, so
 * that verify compares exactly what write wrote. */
#pragma once

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_common.h"
#include "esp_hash.h"

enum {
	CLI_OPT_ADDRESS = CLI_OPT_CMD_BASE + 0x40,
	CLI_OPT_FLASH_MODE,
	CLI_OPT_FLASH_SIZE,
	CLI_OPT_FLASH_FREQ,
};

/* getopt_long rows for the options above, to splice into a command's table. */
#define CLI_IMAGE_OPTIONS                                                   \
	{"address", required_argument, NULL, CLI_OPT_ADDRESS},              \
	{"flash-mode", required_argument, NULL, CLI_OPT_FLASH_MODE},        \
	{"flash-size", required_argument, NULL, CLI_OPT_FLASH_SIZE},        \
	{"flash-freq", required_argument, NULL, CLI_OPT_FLASH_FREQ}

struct cli_image_opts {
	uint32_t addr;
	int mode;           /* enum esp_flash_mode, ESP_FM_KEEP */
	int size_detect;    /* --flash-size detect (the default) */
	uint32_t size;      /* explicit size in bytes; 0 = keep (when !size_detect) */
	int freq;           /* freq code, -1 = keep */
};

void cli_image_opts_init(struct cli_image_opts *io);
/* Handles one of the CLI_OPT_* options: 0 handled, -1 bad value (reported),
 * 1 not an image option. */
int cli_image_opt(struct cli_image_opts *io, const char *cmd, int id, const char *arg);

struct cli_image {
	const char *path;
	uint8_t *data;       /* file contents, later padded and patched */
	size_t file_len;     /* as read */
	size_t len;          /* padded length */
	uint8_t file_sha256[ESP_SHA256_LEN];
	uint8_t sha256[ESP_SHA256_LEN]; /* of what goes to the flash */
};

/* Reads the file (before connecting, so a typo fails fast).  Returns 0 or
 * an exit code after reporting. */
int cli_image_load(struct cli_image *img, const char *path) __attribute__((warn_unused_result));

/* Once the chip is known: refuses an image that does not fit or is a
 * damaged boot image, pads to 4 bytes with 0xFF, patches the header.
 * Returns 0 or an exit code after reporting. */
int cli_image_prepare(struct cli_run *r, struct cli_image *img, const struct cli_image_opts *io)
	__attribute__((warn_unused_result));

void cli_image_free(struct cli_image *img);
