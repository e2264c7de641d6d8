/* SPDX-License-Identifier: MIT */
/* A bounded text buffer the boot code prints into (printf-style, never
 * overflows, always NUL-terminated). */
#pragma once

#include <stddef.h>

struct emu_text {
	char *buf;
	size_t cap, len;
};

void emu_text_init(struct emu_text *t, char *buf, size_t cap);
void emu_text_put(struct emu_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
