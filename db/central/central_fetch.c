/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>

#include "central_priv.h"

int central_fetch_backup(struct central *c, const char *sha256, const char *dest_path, char *err,
			 size_t errlen)
{
	(void)c, (void)sha256, (void)dest_path;
	snprintf(err, errlen, "not yet");
	return -ENOTSUP;
}
