/* SPDX-License-Identifier: MIT */
/*
 * JSON-lines command/event log.  Line 1 is {"emu_log":1}; every other line is
 * one object {"t":<ms since emu_new>,"ev":"<kind>",...} flushed at once, so
 * a test can grep the file while the device still runs.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

struct emu_log {
	FILE *f;
	int64_t t0;
};

int emu_log_open(struct emu_log *l, const char *path, int64_t t0);
void emu_log_close(struct emu_log *l);
/* fields: the object's remaining members, already JSON ("\"op\":8,...") or "" */
void emu_logf(struct emu_log *l, int64_t now, const char *ev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
