/* SPDX-License-Identifier: MIT */
/* The port table (port_table.h): known ports, the identity of each add, the
 * settle timers and the queue of removes.  No libudev, no clock of its own:
 * hotplug.c feeds it what libudev said and when. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "port_table.h"

enum pt_state {
	PT_SETTLING, /* add seen, not reported yet */
	PT_ACTIVE,   /* add reported */
	PT_GONE,     /* add reported, remove not yet */
};

struct pt_port {
	enum pt_state state;
	int provisional;          /* identity read from sysfs before udev processed the port */
	int seen;                 /* found by the enumeration in progress */
	uint64_t first_ns;        /* when the add was first seen */
	uint64_t due_ns;          /* SETTLING: when the add is reported */
	uint64_t seq;             /* arrival order: breaks ties, orders removes */
	struct hp_event id;       /* identity captured at the add */
};

void port_table_init(struct port_table *t, unsigned settle_ms)
{
	memset(t, 0, sizeof(*t));
	t->settle_ns = (uint64_t)settle_ms * 1000000u;
	t->init_wait_ns = (uint64_t)HP_INIT_WAIT_MS_DEFAULT * 1000000u;
}

void port_table_free(struct port_table *t)
{
	free(t->port);
	t->port = NULL;
	t->n = t->cap = 0;
}

void port_table_set_init_wait_ms(struct port_table *t, unsigned ms)
{
	uint64_t wait;

	t->init_wait_ns = (uint64_t)ms * 1000000u;
	wait = t->settle_ns > t->init_wait_ns ? t->settle_ns : t->init_wait_ns;
	/* re-time the ports already waiting for udev */
	for (size_t i = 0; i < t->n; i++)
		if (t->port[i].state == PT_SETTLING && t->port[i].provisional)
			t->port[i].due_ns = t->port[i].first_ns + wait;
}

static int same_identity(const struct hp_event *a, const struct hp_event *b)
{
	return a->vid == b->vid && a->pid == b->pid && !strcmp(a->id_path, b->id_path) &&
	       !strcmp(a->slot, b->slot) && !strcmp(a->serial, b->serial) &&
	       !strcmp(a->driver, b->driver) && !strcmp(a->vendor, b->vendor) &&
	       !strcmp(a->model, b->model);
}

/* The port (not yet reported removed) with this syspath or devnode; -1. */
static long find_live(const struct port_table *t, const char *syspath, const char *devnode)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct pt_port *p = &t->port[i];

		if (p->state == PT_GONE)
			continue;
		if ((syspath && !strcmp(p->id.syspath, syspath)) ||
		    (devnode && !strcmp(p->id.devnode, devnode)))
			return (long)i;
	}
	return -1;
}

static void drop(struct port_table *t, size_t i)
{
	t->port[i] = t->port[--t->n]; /* order lives in seq/due, not in the array */
}

/* A reported port is gone: its remove is reported next; one never reported
 * just disappears (its add is cancelled). */
static void retire(struct port_table *t, size_t i)
{
	if (t->port[i].state == PT_SETTLING) {
		drop(t, i);
		return;
	}
	t->port[i].state = PT_GONE;
	t->port[i].seq = ++t->seq;
}

static int append(struct port_table *t, const struct hp_event *id, int provisional, uint64_t now)
{
	struct pt_port *p;
	uint64_t wait = t->settle_ns;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		struct pt_port *np = realloc(t->port, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		t->port = np;
		t->cap = cap;
	}
	if (provisional && t->init_wait_ns > wait)
		wait = t->init_wait_ns;
	p = &t->port[t->n++];
	memset(p, 0, sizeof(*p));
	p->state = PT_SETTLING;
	p->provisional = provisional;
	p->seen = 1;
	p->first_ns = now;
	p->due_ns = now + wait;
	p->seq = ++t->seq;
	p->id = *id;
	p->id.action = HP_ADD;
	return 0;
}

/* An add (or, for a provisional port, a change) of a station port.
 * provisional: identity read from sysfs before udev processed the port. */
static int on_add(struct port_table *t, const struct hp_event *id, int provisional, int is_change,
		  uint64_t now)
{
	long i = find_live(t, NULL, id->devnode);

	if (i >= 0) {
		struct pt_port *p = &t->port[i];

		if (!strcmp(p->id.syspath, id->syspath)) {
			if (!p->provisional || provisional)
				return 0; /* a duplicate: enumeration and monitor both saw it */
			/* udev has now processed a port the enumeration found first:
			 * its event has what sysfs lacked (ID_PATH, the slot) */
			p->provisional = 0;
			if (p->state == PT_SETTLING) {
				p->id = *id;
				p->id.action = HP_ADD;
				p->due_ns = p->first_ns + t->settle_ns;
				return 0;
			}
			if (same_identity(&p->id, id))
				return 0;
			/* reported already (udev took longer than the init wait):
			 * the station must see the port's real identity */
			retire(t, (size_t)i);
		} else {
			/* the devnode is back under another device: its remove was lost */
			retire(t, (size_t)i);
		}
	} else if (is_change) {
		return 0;
	}
	return append(t, id, provisional, now);
}

int port_table_add(struct port_table *t, const struct hp_event *id, int is_change,
		   uint64_t now_ns)
{
	return on_add(t, id, 0, is_change, now_ns);
}

void port_table_remove(struct port_table *t, const char *syspath)
{
	long i = syspath ? find_live(t, syspath, NULL) : -1;

	if (i >= 0)
		retire(t, (size_t)i);
}

void port_table_scan_begin(struct port_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->port[i].seen = 0;
}

int port_table_scan_found(struct port_table *t, const struct hp_event *id, int udev_done,
			  uint64_t now_ns)
{
	int r = on_add(t, id, !udev_done, 0, now_ns);
	long i = find_live(t, id->syspath, NULL);

	if (i >= 0)
		t->port[i].seen = 1;
	return r;
}

void port_table_scan_end(struct port_table *t)
{
	/* known ports sysfs no longer has: their remove was lost (or is still
	 * in the socket, and will then find nothing) */
	for (size_t i = t->n; i-- > 0;)
		if (t->port[i].state != PT_GONE && !t->port[i].seen)
			retire(t, i);
}

int port_table_pop_remove(struct port_table *t, struct hp_event *ev)
{
	long best = -1;

	for (size_t i = 0; i < t->n; i++)
		if (t->port[i].state == PT_GONE &&
		    (best < 0 || t->port[i].seq < t->port[best].seq))
			best = (long)i;
	if (best < 0)
		return 0;
	*ev = t->port[best].id;
	ev->action = HP_REMOVE;
	drop(t, (size_t)best);
	return 1;
}

int port_table_pop_add(struct port_table *t, uint64_t now_ns, struct hp_event *ev)
{
	long best = -1;

	for (size_t i = 0; i < t->n; i++) {
		const struct pt_port *p = &t->port[i];

		if (p->state != PT_SETTLING || p->due_ns > now_ns)
			continue;
		if (best < 0 || p->due_ns < t->port[best].due_ns ||
		    (p->due_ns == t->port[best].due_ns && p->seq < t->port[best].seq))
			best = (long)i;
	}
	if (best < 0)
		return 0;
	t->port[best].state = PT_ACTIVE;
	*ev = t->port[best].id;
	ev->action = HP_ADD;
	return 1;
}

int port_table_timeout_ms(const struct port_table *t, uint64_t now_ns)
{
	uint64_t best = UINT64_MAX, ms;

	for (size_t i = 0; i < t->n; i++) {
		const struct pt_port *p = &t->port[i];

		if (p->state == PT_GONE)
			return 0;
		if (p->state == PT_SETTLING && p->due_ns < best)
			best = p->due_ns;
	}
	if (best == UINT64_MAX)
		return -1;
	if (best <= now_ns)
		return 0;
	ms = (best - now_ns + 999999u) / 1000000u;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}
