/* SPDX-License-Identifier: MIT */
/* One worker process per port: runs jobs through the job engine against
 * the unit on its port (the mode picks the stages), writes its own job
 * rows, and reports to the supervisor as st_events. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "job_image.h"
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

/* Runs jobs on the port until the unit is done (and, for a fixed jig, the
 * next units); returns the process exit status: 0 passed, 1 job failed,
 * 2 setup error (database, image). */
int worker_main(const struct worker_ctx *w);
