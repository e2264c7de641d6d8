/* SPDX-License-Identifier: MIT */
/* What the central shipper knows about its link to the central store: a POD
 * the shipper process sends to the supervisor, and the small JSON file
 * <database>.central-state it keeps beside the database so `espstation
 * status` can show it while the station runs (or after it stopped).  Never
 * in the journal: a row about shipping would itself wait to be shipped. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "central.h"

enum shipper_link {
	SHIPPER_STARTING,    /* not tried yet */
	SHIPPER_UP,          /* connected; backlog from the server */
	SHIPPER_DOWN,        /* the server is unreachable or went away: retrying */
	SHIPPER_REFUSED,     /* reachable but refusing us (password, schema, conflict): retrying */
};

struct shipper_state {
	enum shipper_link link;
	char error[320];               /* the last error, one line without the password; "" none */
	int64_t down_since_ms;         /* wall ms the link was lost (DOWN/REFUSED), else 0 */
	int64_t failed_tries;          /* connection attempts failed since the last success */
	struct central_backlog backlog;
	int backlog_local;             /* 1: counted locally (server down; events -1:
					* unknown), 0: the server's */
	int64_t backlog_at_ms;         /* when the server last told the backlog; 0 never */
	struct central_backlog backlog_server; /* what it told then */
	int64_t last_shipped_ms;       /* wall ms of the last batch that delivered; 0 never */
	int64_t shipped_jobs, shipped_backups; /* delivered by this shipper process */
	uint64_t shipped_bytes;
	char problem[256];             /* the last unshippable backup, "" none */
	int64_t updated_ms;            /* when this state was written */
};

/* "<database>.central-state" */
const char *shipper_state_path(const char *database, char *buf, size_t cap);

/* Writes the state atomically (temp file, rename; mode 0600).  0 or -1
 * with err. */
int shipper_state_save(const char *path, const struct shipper_state *s, char *err,
		       size_t cap) __attribute__((warn_unused_result));

/* Reads a state file written by shipper_state_save.  0, -ENOENT (no file:
 * the station never shipped), -EBADMSG (not such a file). */
int shipper_state_load(const char *path, struct shipper_state *ret)
	__attribute__((warn_unused_result));

const char *shipper_link_name(enum shipper_link l);

/* "3 jobs, 2 backups (2.1 MiB), 40 events" (events left out when unknown: < 0) */
const char *shipper_backlog_text(const struct central_backlog *b, char *buf, size_t cap);
