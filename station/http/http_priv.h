/* SPDX-License-Identifier: MIT */
/* Inside the web server: the event hub (http_hub.c), the token
 * (http_auth.c), the listen address (http_listen.c) and the handlers that
 * answer from the database (http_api.c, http_unit.c, http_metrics.c).
 * Handlers write a body into a FILE (open_memstream) and return an HTTP
 * status. */
#pragma once

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "console.h"
#include "st_config.h"

/* ---- http_hub.c: latest state per slot, fan-out to SSE clients -------- */

/* A client's queue: what it has not read yet.  A client that falls this far
 * behind is dropped (its browser reconnects and starts from a snapshot):
 * the station never waits for a network peer.  For tests only, the
 * environment variable ESPSTATION_HTTP_SSE_QUEUE=BYTES (HUB_CLIENT_QUEUE_MIN
 * up to HUB_CLIENT_QUEUE), read once by hub_init, sets a smaller queue, so
 * that a few units on the virtual rack overflow it; start-up says so.  An
 * /events socket's kernel send buffer (SO_SNDBUF) is capped at the same
 * size, so "behind" counts what the kernel holds too, not megabytes more. */
#define HUB_CLIENT_QUEUE (256u * 1024u)
#define HUB_CLIENT_QUEUE_MIN (8u * 1024u)
#define HUB_MAX_CLIENTS 32

struct hub_slot {
	int used, attached;
	char slot[32], port[64], adapter[32], mac[18], chip[64];
	char stage[16], result[16], cause[480], wait[64];
	int waiting;
	int64_t job;
	uint64_t done, total;
	uint64_t stage_t0;              /* monotonic ms */
	/* the console's last progress line's rate_bps and eta_s (the terminal's
	 * formula); < 0 while the line carried none */
	double rate_bps, eta_s;
};

struct hub_client {
	struct hub_client *next;
	char *buf;
	size_t len;
	int dropped;
};

struct hub {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
	struct hub_slot s[CONSOLE_MAX_SLOTS];
	struct hub_client *clients;
	unsigned nclients;
	size_t queue_cap;               /* bytes per client: HUB_CLIENT_QUEUE or the test's */
	uint64_t lines, dropped_clients;
	/* writer side (supervisor thread only) */
	const struct console *con;
	FILE *tee;
	char line[8192];
	size_t line_len;
};

void hub_init(struct hub *h, const struct st_config *cfg);
void hub_free(struct hub *h);
/* One JSON event line (without its newline), from the writer. */
void hub_line(struct hub *h, const char *line, size_t len);
/* A new SSE client, its queue primed with retry: and a snapshot; NULL when
 * full or out of memory. */
struct hub_client *hub_client_add(struct hub *h);
void hub_client_remove(struct hub *h, struct hub_client *c);
/* Blocks until the client has data (copied into buf, up to max), the hub
 * stops (0) or the client was dropped (-1); after wait_ms with nothing, a
 * comment line keeps the connection alive. */
long hub_client_read(struct hub *h, struct hub_client *c, char *buf, size_t max, unsigned wait_ms);
/* /api/slots: [ {slot...}, ... ] */
void hub_slots_json(struct hub *h, FILE *f);
/* Slots with a job open (the active workers). */
unsigned hub_active(struct hub *h);
unsigned hub_client_count(struct hub *h);
/* Clients dropped for falling a full queue behind, since start-up. */
uint64_t hub_dropped_count(struct hub *h);

/* ---- http_auth.c ------------------------------------------------------ */

struct http_token {
	int set;
	unsigned char digest[32];  /* SHA-256 of the token: compared in constant time */
	char cookie_value[256];
};
/* Reads the first line of path.  -1 with the cause and fix in err. */
int http_token_load(struct http_token *t, const char *path, char *err, size_t cap);
/* 1 when s (len bytes) is the token. */
int http_token_equal(const struct http_token *t, const char *s, size_t len);

/* ---- http_listen.c ---------------------------------------------------- */

/* Parses "HOST:PORT" / "[V6]:PORT" and binds a listening socket (CLOEXEC).
 * *loopback = 1 for 127.0.0.0/8 and ::1.  bound gets "ADDR:PORT" with the
 * real port.  -1 with the cause and fix in err. */
int http_listen_parse(const char *listen, struct sockaddr_storage *sa, unsigned *salen,
		      int *loopback, char *err, size_t cap);
int http_listen_bind(const struct sockaddr_storage *sa, unsigned salen, char *bound,
		     size_t bcap, char *err, size_t cap);

/* ---- handlers: body into f, return the HTTP status --------------------- */

struct http_query {
	const char *since, *result, *slot, *mac;
};
struct api_ctx {
	const struct st_config *cfg;
	struct hub *hub;
};
int api_jobs(const struct api_ctx *a, const struct http_query *q, FILE *f);
int api_today(const struct api_ctx *a, FILE *f);
int api_unit(const struct api_ctx *a, const char *mac, FILE *f);
int api_metrics(const struct api_ctx *a, FILE *f);
/* {"error": "..."} */
void api_error(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

