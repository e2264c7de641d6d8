/* SPDX-License-Identifier: MIT */
/* The page's files (station/http/www), embedded by embed.cmake. */
#pragma once

#include <stddef.h>

struct http_asset {
	const char *name;                /* "index.html" */
	const unsigned char *data;       /* NUL-terminated, len bytes before it */
	size_t len;
};

/* Ends with a NULL name. */
extern const struct http_asset http_assets[];
