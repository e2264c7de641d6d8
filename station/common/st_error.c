/* SPDX-License-Identifier: MIT */
/* The one-line error format (st_error.h). */
#include "st_error.h"

#include <stdio.h>

void st_error_vformat(char *line, size_t cap, const char *fmt, va_list ap)
{
	vsnprintf(line, cap, fmt, ap);
	for (char *c = line; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
}

void st_error_print(const char *line)
{
	fflush(stdout);
	fprintf(stderr, "espstation: %s\n", line);
}
