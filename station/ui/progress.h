/* SPDX-License-Identifier: MIT */
/* Operator feedback for one port: progress bars on a terminal, plain
 * journald-friendly lines otherwise, and the core's log messages.  All of it
 * goes to stderr; stdout is kept for results. */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "esp.h"

struct progress {
	FILE *out;
	int tty;                 /* redraw one line instead of printing many */
	int quiet;               /* no progress, no log lines */
	enum esp_log_level max_level; /* log lines up to this level are shown */
	int op;                  /* enum esp_op being shown, -1 if none */
	int line_open;           /* tty: a bar is drawn and not yet ended */
	int last_step;           /* non-tty: last printed tenth (0..10) */
	int finished;            /* the op reached done == total */
	uint64_t total;          /* total of the op being shown */
	uint64_t done0;          /* done at the first report: the rate counts from there */
	uint64_t t0_ms, last_draw_ms;
	int boot_hint_shown;
};

/* verbose: 0 warnings only, 1 debug, 2 and more: trace. */
void progress_init(struct progress *p, FILE *out, int quiet, int verbose);

/* esp_progress_fn and esp_log_fn; user_data is the struct progress. */
int progress_report(void *user_data, enum esp_op op, uint64_t done, uint64_t total);
void progress_log(void *user_data, enum esp_log_level level, const char *msg);

/* Ends a bar left open on a terminal, so that other output starts on a
 * fresh line. */
void progress_break(struct progress *p);
