/* SPDX-License-Identifier: MIT */
/* JSON-lines log writer (format in emu_log.h). */
#include "emu_log.h"

#include <errno.h>
#include <stdarg.h>

int emu_log_open(struct emu_log *l, const char *path, int64_t t0)
{
	l->t0 = t0;
	l->f = NULL;
	if (!path)
		return 0;
	l->f = fopen(path, "we");
	if (!l->f)
		return -errno;
	fputs("{\"emu_log\":1}\n", l->f);
	fflush(l->f);
	return 0;
}

void emu_log_close(struct emu_log *l)
{
	if (l->f)
		fclose(l->f);
	l->f = NULL;
}

void emu_logf(struct emu_log *l, int64_t now, const char *ev, const char *fmt, ...)
{
	va_list ap;

	if (!l->f)
		return;
	fprintf(l->f, "{\"t\":%.3f,\"ev\":\"%s\"", (double)(now - l->t0) / 1e6, ev);
	if (fmt[0]) {
		fputc(',', l->f);
		va_start(ap, fmt);
		vfprintf(l->f, fmt, ap);
		va_end(ap);
	}
	fputs("}\n", l->f);
	fflush(l->f);
}
