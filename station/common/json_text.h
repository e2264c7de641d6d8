/* SPDX-License-Identifier: MIT */
/* JSON string output shared by the event stream, `probe --json` and the
 * audit tables: one escaper, RFC 8259 (quotes, backslash, control bytes). */
#pragma once

#include <stdio.h>

/* Writes s as a quoted JSON string. */
void st_json_string(FILE *f, const char *s);
