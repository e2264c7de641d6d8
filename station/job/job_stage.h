/* SPDX-License-Identifier: MIT */
/* The stages of a job and their one set of names: the same word is stored
 * in the database, sent in events and shown to the operator. */
#pragma once

enum st_stage { ST_STAGE_IDLE, ST_STAGE_DETECT, ST_STAGE_BACKUP, ST_STAGE_ERASE,
		ST_STAGE_WRITE, ST_STAGE_VERIFY, ST_STAGE_RESET, ST_STAGE_WAIT_REMOVAL, ST_STAGE_BOOT,
		ST_STAGE_MAX };

/* "detect", "backup", ... "wait_removal" (the database's spelling). */
const char *st_stage_name(enum st_stage s);
