/* SPDX-License-Identifier: MIT */
/* What a worker tells the supervisor: fixed-size POD messages over a
 * SOCK_SEQPACKET socketpair (one message per send, never split or merged). */
#pragma once

#include <stdint.h>

#include "job_stage.h"

enum st_ev_type {
	ST_EV_JOB = 1,     /* a job row exists: job_id */
	ST_EV_STAGE,       /* stage begins */
	ST_EV_PROGRESS,    /* done/total within the stage */
	ST_EV_UNIT,        /* detect found: mac, text = chip and flash */
	ST_EV_WAITING,     /* needs the operator: text says what to do */
	ST_EV_NOTE,        /* a log line (text), e.g. a retry */
	ST_EV_DONE,        /* job closed: result, err, text = cause for the operator */
};

struct st_event {
	uint32_t type;         /* enum st_ev_type */
	uint32_t stage;        /* enum st_stage */
	int64_t job_id;
	uint64_t done, total;
	int32_t err;           /* enum esp_err of a failure, 0 if none */
	int32_t warn;          /* NOTE: 1 = warning */
	char result[16];       /* DONE: passed, failed, refused, unplugged, ... */
	char mac[18];
	char text[480];        /* one line: the cause, then the reason with its fix */
};

/* Sends one event; never blocks for long and never raises SIGPIPE (a gone
 * supervisor must not kill the worker mid-write).  fd < 0: no-op. */
void st_event_send(int fd, const struct st_event *ev);
/* Receives one event: 1 got one, 0 peer closed, -1 nothing (EAGAIN) or error. */
int st_event_recv(int fd, struct st_event *ev);
