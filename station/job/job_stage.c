/* SPDX-License-Identifier: MIT */
#include "job_stage.h"

const char *st_stage_name(enum st_stage s)
{
	static const char *const names[ST_STAGE_MAX] = {
		"idle", "detect", "backup", "erase", "write", "verify", "reset", "wait_removal", "boot",
	};
	return (unsigned)s < ST_STAGE_MAX ? names[s] : "?";
}
