/* SPDX-License-Identifier: MIT */
/* How a job ends, from one table: for each core error the result stored in
 * the database, the short cause on the operator's console line, and the
 * exit code of the single-port commands.  The worker, `restore` and every
 * other command map errors through here and nowhere else. */
#pragma once

#include "esp_err.h"
#include "job_stage.h"

/* Process exit codes; documented in cli_help.c and espstation(1).  Scripts
 * depend on them: never renumber. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_USAGE = 1,     /* bad option or configuration */
	CLI_EXIT_PORT = 2,      /* port cannot be opened */
	CLI_EXIT_NOANSWER = 3,  /* no (usable) answer from the device */
	CLI_EXIT_UNPLUGGED = 4, /* port vanished mid-operation */
	CLI_EXIT_DEVICE = 5,    /* device or flash failure */
	CLI_EXIT_REFUSED = 6,   /* unsupported chip, image too large or invalid */
	CLI_EXIT_FILE = 7,      /* local file error */
	CLI_EXIT_CANCELLED = 8, /* SIGINT/SIGTERM */
};

/* `local`: the failure happened on this machine (disk, database), not on
 * the wire or the unit; it changes the exit code and the cause. */
const char *job_result_for(enum esp_err e);
const char *job_cause_for(enum esp_err e, enum st_stage st, int local);
enum cli_exit job_exit_for(enum esp_err e, int local);
