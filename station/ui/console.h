/* SPDX-License-Identifier: MIT */
/* The operator's view, built from worker events only (no protocol here):
 * on a terminal one redrawn line per slot (slot, adapter, stage, progress
 * bar, rate, MAC, result and cause); otherwise plain log lines that each
 * name the slot and the port (journald-friendly); optionally one JSON object
 * per event for other tools (and the web page): a stage's progress at most
 * about once a second (first and last report always), and a line when a
 * slot starts waiting for the operator. */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "st_event.h"

#define CONSOLE_MAX_SLOTS 64

struct console_slot {
	int used;
	char slot[32], devnode[64], kind[32], mac[18];
	enum st_stage stage;
	char result[16], cause[480];
	uint64_t done, total, stage_t0_ms, prog_t0_ms, prog_done0;
	int64_t job_id;
	int waiting;
	char wait_text[64];     /* what the operator must do while waiting */
	unsigned last_decile;
	uint64_t json_prog_ms;  /* when the last JSON progress line went out, 0: none this stage */
};

struct console {
	FILE *out;
	int tty;
	FILE *json;                 /* NULL = no JSON events */
	unsigned lines_drawn;
	uint64_t last_draw_ms;
	char status[400];           /* the station's standing line (central backlog), "" none */
	struct console_slot s[CONSOLE_MAX_SLOTS];
};

void console_init(struct console *c, FILE *out, int force_plain, FILE *json);
/* A port appeared (returns its index) / went away. */
int console_attach(struct console *c, const char *slot, const char *devnode, const char *kind);
void console_detach(struct console *c, int idx, const char *why);
void console_event(struct console *c, int idx, const struct st_event *ev);
/* Station-wide message (start-up, warnings). */
void console_note(struct console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The station's standing line (e.g. the central store's backlog): a plain
 * notice when it changes, the last line of the live view on a terminal. */
void console_status(struct console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Redraws the terminal view if due; no-op when plain. */
void console_tick(struct console *c);
