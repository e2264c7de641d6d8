/* SPDX-License-Identifier: MIT */
/* The central shipper: sends the local journal and backups to the central
 * store (db/central) in the background, so that no worker and no turn of
 * the supervisor's loop ever waits for the network (invariant 1 stays
 * local).
 *
 * It is a child process of the supervisor, not a thread: the supervisor
 * forks a worker per port, and a fork taken while another thread holds one
 * of SQLite's process-wide mutexes (its allocator, its open-file list)
 * would leave the worker deadlocked on its first database call.  As a
 * process it has its own local connection and its own central connection.
 *
 * Loop: ship batches until caught up, then wait for a poke (a job ended)
 * or 1 s; on an error close the central connection and retry after 1, 2,
 * 4 ... 30 s.  Each change of its state goes to the supervisor as one
 * message (shipper_take) and to <database>.central-state (shipper_state.h).
 * SIGTERM: finishes the batch under way (one central transaction, so
 * abandoning it by a kill is safe too) and exits. */
#pragma once

#include <sys/types.h>

#include "shipper_state.h"
#include "st_config.h"

struct shipper;

/* Most descriptors of the supervisor a child has to close. */
#define SHIPPER_MAX_FDS 80

/* Forks the shipper for cfg (cfg->central.url must be set).  Call from a
 * single-threaded process.  close_fds: the supervisor's descriptors the
 * child closes (signalfd, udev monitor, worker sockets; -1 entries are
 * skipped); never the database's, which SQLite shares inside a process.
 * 0, or -errno (fork, pipe) with err. */
int shipper_start(const struct st_config *cfg, const int *close_fds, unsigned n_fds,
		  struct shipper **ret, char *err, size_t cap) __attribute__((warn_unused_result));

/* The fd to poll for state messages (POLLIN); -1 once the shipper is gone. */
int shipper_fd(const struct shipper *s);

/* A job ended: ship now rather than at the next 1 s tick.  Never blocks. */
void shipper_poke(struct shipper *s);

/* Reads the pending state messages; 1 with the newest in *ret, 0 if none. */
int shipper_take(struct shipper *s, struct shipper_state *ret);

/* The child's pid (0 if it is not running). */
pid_t shipper_pid(const struct shipper *s);

/* The supervisor reaped pid: 1 if it was the shipper (it is then restarted
 * by shipper_tick after a pause), else 0. */
int shipper_reaped(struct shipper *s, pid_t pid, int status, char *why, size_t cap);

/* Restarts a shipper that died, once its pause has passed (close_fds as
 * for shipper_start).  1 if it did. */
int shipper_tick(struct shipper *s, const int *close_fds, unsigned n_fds);

/* In a freshly forked worker: closes the shipper's fds without touching the
 * shipper. */
void shipper_forget_in_child(struct shipper *s);

/* SIGTERM, waits up to stop_ms for it to finish its batch, then SIGKILL;
 * frees s.  NULL is fine. */
void shipper_stop(struct shipper *s, unsigned stop_ms);
