/* SPDX-License-Identifier: MIT */
/* mkdir -p for the directories the station creates (vault, database). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Creates path and its missing parents with mode; 0, or -1 with the
 * directory that failed and why in err, and errno set. */
int st_mkdirs(const char *path, mode_t mode, char *err, size_t cap);
