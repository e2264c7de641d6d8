/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "st_dirs.h"

int st_mkdirs(const char *path, mode_t mode, char *err, size_t cap)
{
	char tmp[4096];
	if (!path[0] || strlen(path) >= sizeof tmp) {
		snprintf(err, cap, "directory path '%.60s' is empty or too long", path);
		return -1;
	}
	strcpy(tmp, path);
	for (char *p = tmp + 1;; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
			int e = errno;
			snprintf(err, cap, "cannot create %.180s: %s", tmp, strerror(e));
			errno = e; /* callers phrase their fix by it */
			return -1;
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}
