/* SPDX-License-Identifier: MIT */
/* One worker process per port: runs detect -> backup -> erase -> write ->
 * verify (as the mode selects) against the unit on its port, writes its own
 * job rows, and reports progress to the supervisor as st_events. */
#pragma once

#include <stdint.h>

#include <stddef.h>

#include "esp_image.h"
#include "st_config.h"

struct st_port {                /* what the supervisor learnt at udev "add" */
	char devnode[64];
	char id_path[128];
	char slot[32];
	char kind[32];
	char serial[64];
	unsigned vid, pid;
	int64_t adapter_id;
};

struct worker_ctx {
	const struct st_config *cfg;
	struct st_port port;
	int64_t station_id;
	int event_fd;                   /* to the supervisor; -1 = none */
	const volatile int *cancel;     /* set by SIGTERM in the worker */
};

/* Reads the firmware to write and checks it: an empty file, or one that
 * starts with 0xE9 but does not parse as an ESP8266 image, is refused before
 * any unit is touched.  *ret_is_image says whether it has an image header
 * (then *ret_info describes it).  Returns 0, or -1 with one line in why. */
int st_firmware_load(const char *path, uint8_t **ret_buf, size_t *ret_len,
		     struct esp_image_info *ret_info, int *ret_is_image, char *why, size_t cap);

/* Runs jobs on the port until the unit is done (and, for a fixed jig, the
 * next units); returns the process exit status: 0 passed, 1 job failed,
 * 2 setup error (database, image). */
int worker_main(const struct worker_ctx *w);
