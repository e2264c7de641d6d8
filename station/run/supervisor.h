/* SPDX-License-Identifier: MIT */
/* `espstation run`: the station supervisor (udev -> one worker process per
 * port -> console, LEDs, database). */
#pragma once

#include "console.h"
#include "st_config.h"

/* Runs until SIGTERM/SIGINT; returns the exit status (0, or 1 on a set-up
 * error such as an unusable database, already reported on stderr). */
/* ready_fd >= 0: one byte is written to it (then it is closed) once udev is
 * being watched, so a test rig or service manager knows plugs are seen. */
int supervisor_run(const struct st_config *cfg, struct console *con, int ready_fd);
