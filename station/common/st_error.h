/* SPDX-License-Identifier: MIT */
/* The one-line error every command prints ("espstation: cause (fix)"):
 * shared by the CLI and the audit, which may not call each other. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/* Formats fmt into line (cut to cap) and makes it one line: scripts and
 * journald count on one line per error, whatever a cause's text holds. */
void st_error_vformat(char *line, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Prints "espstation: LINE" on stderr, after what stdout holds so far. */
void st_error_print(const char *line);
