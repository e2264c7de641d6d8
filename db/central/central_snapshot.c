/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "central_priv.h"

int central_snapshot(struct central *c, const char *path, const char *mac, char *err,
		     size_t errlen)
{
	(void)c, (void)path, (void)mac;
	snprintf(err, errlen, "not yet");
	return -ENOTSUP;
}

int central_restore_choice(struct central *c, const char *donor_mac, const char *target_mac,
			   struct central_backup *ret, char *why, size_t cap)
{
	(void)c, (void)donor_mac, (void)target_mac, (void)ret;
	snprintf(why, cap, "not yet");
	return -ENOTSUP;
}
