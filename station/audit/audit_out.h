/* SPDX-License-Identifier: MIT */
/* Tables for the audit commands: aligned plain-text columns (the default,
 * on a terminal or not), one JSON array of objects (--json), or RFC 4180
 * CSV with a header line (--csv).  Rows are collected, then printed at
 * once, so that the columns can be aligned. */
#pragma once

#include <stddef.h>
#include <stdio.h>

enum out_fmt { OUT_TABLE, OUT_JSON, OUT_CSV };

enum out_type {
	OUT_TEXT,   /* a string ("" = null in JSON, "-" in a table) */
	OUT_INT,    /* a decimal integer ("" = null) */
	OUT_BOOL,   /* "0"/"1": false/true in JSON, no/yes in a table */
	OUT_MS,     /* milliseconds: "12.34s" in a table, the integer elsewhere */
	OUT_HASH,   /* hex digest: its first 16 digits in a table, whole elsewhere */
};

struct out_col {
	const char *name;           /* JSON key and CSV header: "cycle_ms" */
	const char *title;          /* table header: "CYCLE"; NULL = in JSON and CSV only
				     * (details the table leaves to another view) */
	enum out_type type;
};

/* In the table form only: show column `name` right after column `after`.
 * Columns added later go last, so that CSV read by position keeps working,
 * yet a person reads them next to what they describe. */
struct out_move {
	const char *name, *after;
};

struct out_table {
	FILE *f;
	enum out_fmt fmt;
	const struct out_col *cols;
	size_t ncols;
	const struct out_move *moves; /* table form only; NULL = none */
	size_t nmoves;
	char **cells;               /* nrows * ncols, malloc'ed */
	size_t nrows, cap;
	int oom;
};

void out_init(struct out_table *t, FILE *f, enum out_fmt fmt, const struct out_col *cols,
	      size_t ncols);
/* Where the table form shows some columns (moves stays the caller's). */
void out_table_moves(struct out_table *t, const struct out_move *moves, size_t nmoves);
/* Adds a row of ncols strings (NULL = empty).  0, or -1 out of memory. */
int out_row(struct out_table *t, const char *const *cells);
/* Prints the table: the table form with a header line (or "(none)" when
 * empty), the JSON array without a trailing newline (so that callers can
 * nest it), CSV with CRLF line ends.  0, or -1 if a row was lost to memory
 * or the stream failed. */
int out_print(struct out_table *t);
/* The first row as one JSON object ("null" if none), no newline. */
int out_print_object(struct out_table *t);
/* The cell of row r in column `name` (NULL if there is no such column or
 * row). */
const char *out_cell(const struct out_table *t, size_t r, const char *name);
/* s made printable on one line for the table form, into buf (cap > 0):
 * tab, CR and LF as a space, other control bytes as \xNN; cut to fit. */
const char *out_printable(const char *s, char *buf, size_t cap);
void out_free(struct out_table *t);

