/* SPDX-License-Identifier: MIT */
/* The port table: hotplug's bookkeeping without libudev.  Which ports are
 * known, the identity each had at its add, which adds are still settling and
 * which removes are still to be reported; the rules of hp_monitor_next() and
 * hp_monitor_enumerate() (hotplug.h) live here.  Pure: the caller passes
 * the identities it read (hotplug.c, from libudev) and the clock, so the
 * rules are unit tested without a testbed.  May call: libc only.
 * Internal to hotplug/ (and its tests); the station uses hotplug.h. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "hotplug.h"

struct pt_port;

struct port_table {
	uint64_t settle_ns, init_wait_ns;
	struct pt_port *port;
	size_t n, cap;
	uint64_t seq; /* arrival order: breaks ties, orders removes */
};

/* An empty table: adds settle for settle_ms, ports udev has not processed
 * wait HP_INIT_WAIT_MS_DEFAULT. */
void port_table_init(struct port_table *t, unsigned settle_ms);
/* Forgets every port; reports nothing.  The table can be initialised again. */
void port_table_free(struct port_table *t);
/* See hp_monitor_set_init_wait_ms(); re-times the ports waiting for udev. */
void port_table_set_init_wait_ms(struct port_table *t, unsigned ms);

/* udev's "add" (is_change 0) or "change" (1) of a station port, id as read
 * at that moment.  Returns 0 or -ENOMEM. */
int port_table_add(struct port_table *t, const struct hp_event *id, int is_change,
		   uint64_t now_ns);
/* udev's "remove": a port not reported yet is forgotten, a reported one has
 * its remove queued.  Unknown syspaths (NULL too) are ignored. */
void port_table_remove(struct port_table *t, const char *syspath);

/* An enumeration: _begin, then _found for every station port present now
 * (udev_done: udev has processed it, so id has ID_PATH and the slot), then
 * _end, which queues a remove for every known port that was not found.
 * _found returns 0 or -ENOMEM; after an error skip _end: a scan cut short
 * must not retire the ports it did not reach. */
void port_table_scan_begin(struct port_table *t);
int port_table_scan_found(struct port_table *t, const struct hp_event *id, int udev_done,
			  uint64_t now_ns);
void port_table_scan_end(struct port_table *t);

/* The oldest queued remove: 1 and *ev (HP_REMOVE, the identity of the add),
 * or 0. */
int port_table_pop_remove(struct port_table *t, struct hp_event *ev);
/* The add that settled first by now_ns: 1 and *ev (HP_ADD), or 0. */
int port_table_pop_add(struct port_table *t, uint64_t now_ns, struct hp_event *ev);
/* As hp_monitor_timeout_ms(), at now_ns. */
int port_table_timeout_ms(const struct port_table *t, uint64_t now_ns);
