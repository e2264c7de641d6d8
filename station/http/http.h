/* SPDX-License-Identifier: MIT */
/* The station's read-only web surface, started by `espstation run --http`
 * (or the config's http group) and stopped when the station stops:
 *   /                 one tile per slot, live (server-sent events), the day's
 *                     counters and last failures
 *   /unit/MAC         a unit's history (jobs, boot check, backups, restore choice)
 *   /events           text/event-stream: the --events json lines, and the
 *                     slot's state after each ("event: slot")
 *   /api/slots        every slot's latest state (JSON)
 *   /api/jobs         ?since=&result=&slot=&mac=: `audit jobs --json`
 *   /api/units/MAC    `audit mac --json`
 *   /api/today        counters since local midnight, last failures
 *   /metrics          Prometheus text format 0.0.4
 * GET and HEAD only; no files from disk, no backup files. */
#pragma once

#include <stdio.h>

#include "console.h"
#include "st_config.h"

struct http_server;

/* Binds listen ("HOST:PORT", "[V6]:PORT"; port 0 = any free one) and starts
 * serving; reads the token from token_file (NULL/"" = none).  Refuses a
 * non-loopback address without a token.  Prints one line on stderr:
 * "espstation: http: listening on 127.0.0.1:8080" (+ " (token required)").
 * -1 with one line (cause and fix) in err. */
int http_start(const struct st_config *cfg, const char *listen, const char *token_file,
	       struct http_server **ret, char *err, size_t cap);

/* The FILE the console writes its JSON events to (console_init's json):
 * each line feeds the hub, and is copied to tee (the user's --events
 * stream; NULL = none).  con is the console that writes to it: its slot
 * state is read while it writes, in the supervisor's thread.  Closed by
 * http_stop. */
FILE *http_event_sink(struct http_server *h, const struct console *con, FILE *tee);

/* Ends the event streams, stops the server and frees it; NULL is fine. */
void http_stop(struct http_server *h);
