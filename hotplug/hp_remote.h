/* SPDX-License-Identifier: MIT */
/* Remote ports' bookkeeping (hp_remote.c): each configured network serial
 * port, whether it is reported plugged, the connect probe in flight and the
 * back-off.  No libudev; the caller passes the clock.  Internal to hotplug/
 * (and its tests); the station uses hotplug.h. */
#pragma once

#include <stdint.h>
#include <sys/socket.h>

#include "hotplug.h"

#define HP_REMOTE_MAX 32
#define HP_REMOTE_PROBE_MS 2000u        /* a connect that takes longer failed */
#define HP_REMOTE_BACKOFF_MIN_MS 1000u
#define HP_REMOTE_BACKOFF_MAX_MS 60000u

enum hp_remote_state {
	HP_REMOTE_PROBE_DUE,  /* not plugged; probe at due_ns */
	HP_REMOTE_PROBING,    /* connect in flight until due_ns */
	HP_REMOTE_ACTIVE,     /* reported plugged: its worker runs */
	HP_REMOTE_REMOVE_DUE, /* its worker ended: report the remove */
};

struct hp_remote {
	enum hp_remote_state state;
	int fd;
	uint64_t due_ns, added_ns;
	/* the server's address, looked up at start-up and again at most once
	 * a minute while probes fail (a name lookup blocks the caller) */
	struct sockaddr_storage addr;
	socklen_t addr_len;          /* 0: not resolved */
	uint64_t resolved_ns;
	unsigned backoff_ms;     /* the next wait after a failure */
	struct hp_event ev;      /* devnode = syspath = id_path = the URL */
};

struct hp_remote_set {
	unsigned n;
	struct hp_remote r[HP_REMOTE_MAX];
};

void hp_remote_init(struct hp_remote_set *s);
void hp_remote_free(struct hp_remote_set *s);
/* 0 (also for a URL already known), -EINVAL (no HOST:PORT after the
 * scheme), -ENAMETOOLONG (over 63 characters), -ENOSPC. */
int hp_remote_add(struct hp_remote_set *s, const char *url, uint64_t now_ns);
/* Starts and checks probes; 1 with *ev for a remove or an add to report. */
int hp_remote_pop(struct hp_remote_set *s, uint64_t now_ns, struct hp_event *ev);
/* 1 if the URL was plugged (its remove is then reported), else 0. */
int hp_remote_ended(struct hp_remote_set *s, const char *url, uint64_t now_ns);
/* Milliseconds until hp_remote_pop() has work, -1 if none. */
int hp_remote_timeout_ms(const struct hp_remote_set *s, uint64_t now_ns);
