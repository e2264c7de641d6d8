/* SPDX-License-Identifier: MIT */
/* Bounded printf-append (see emu_text.h). */
#include "emu_text.h"

#include <stdarg.h>
#include <stdio.h>

void emu_text_init(struct emu_text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	if (cap)
		buf[0] = 0;
}

void emu_text_put(struct emu_text *t, const char *fmt, ...)
{
	va_list ap;

	if (t->len + 1 >= t->cap)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < t->cap - t->len ? (size_t)n : t->cap - t->len - 1;
}
