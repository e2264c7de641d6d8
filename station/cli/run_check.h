/* SPDX-License-Identifier: MIT */
/* The start-up checks of `espstation run`: the path checks every start
 * runs, and `run --check`, which runs them all and reports instead of
 * starting the station. */
#pragma once

#include "st_config.h"

/* The path settings (st_config_check): prints each problem as one line on
 * stderr ("espstation: backup_dir /x: cause (fix: ...)") and returns 0, or
 * the exit code: 1 for a stub that does not load, else 7. */
int run_check_paths(const struct st_config *cfg);

/* `run --check`: one line per check on stdout ("ok config ...", "FAIL
 * backup_dir ...: cause (fix: ...)") for the config (load_err: its load
 * error, or NULL), the paths, the image's content, the database (opened
 * when present), the stub and the adapters present now.  Starts nothing
 * and creates nothing.  Returns 0 when the station would run, else 1. */
int run_check(const struct st_config *cfg, const char *cfg_path, const char *load_err);
