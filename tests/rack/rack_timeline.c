/* SPDX-License-Identifier: MIT */
/* Timeline files: what happens to which slot when.  Format (README.md):
 *
 *     # vrack-timeline v1
 *     0.5  plug         0
 *     2    unplug       0
 *     3    swap         1
 *     4    power-cycle  2  button
 *
 * One event per line, '#' starts a comment, times in seconds (decimals
 * allowed) on the timeline clock.  Errors name FILE:LINE and the fix. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rack.h"

#define TIMELINE_VERSION 1
#define TIMELINE_MAX_T   86400.0

static const char *const s_actions[] = {
	[RACK_PLUG] = "plug",
	[RACK_UNPLUG] = "unplug",
	[RACK_SWAP] = "swap",
	[RACK_POWER_CYCLE] = "power-cycle",
	[RACK_RESEAT] = "reseat",
};

const char *rack_action_name(enum rack_action a)
{
	return s_actions[a];
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* "# vrack-timeline vN" on the first line names the format version. */
static int check_header(const char *line, const char *path, char *err, size_t errlen)
{
	static const char tag[] = "# vrack-timeline v";
	if (strncmp(line, tag, sizeof tag - 1))
		return 0;
	int v = atoi(line + sizeof tag - 1);
	if (v != TIMELINE_VERSION)
		return fail(err, errlen, "%s:1: timeline format v%d, but this vrack reads v%d",
			    path, v, TIMELINE_VERSION);
	return 0;
}

static int parse_line(char *line, const char *path, unsigned lineno, struct rack_event *ev,
		      char *err, size_t errlen)
{
	char *w[5];
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 5;
	     t = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = t;
	if (n < 3)
		return fail(err, errlen, "%s:%u: expected 'TIME ACTION SLOT', e.g. '1.5 unplug 0'",
			    path, lineno);
	char *end;
	errno = 0;
	double t = strtod(w[0], &end);
	if (errno || end == w[0] || *end || !(t >= 0) || t > TIMELINE_MAX_T)
		return fail(err, errlen,
			    "%s:%u: '%s' is not a time in seconds from 0 to %.0f "
			    "(e.g. 0, 1.5)",
			    path, lineno, w[0], TIMELINE_MAX_T);
	size_t a;
	for (a = 0; a < sizeof s_actions / sizeof s_actions[0]; a++)
		if (!strcmp(w[1], s_actions[a]))
			break;
	if (a == sizeof s_actions / sizeof s_actions[0])
		return fail(err, errlen,
			    "%s:%u: unknown action '%s': use plug, unplug, swap, reseat "
			    "or power-cycle",
			    path, lineno, w[1]);
	unsigned long slot = strtoul(w[2], &end, 10);
	if (end == w[2] || *end || w[2][0] == '-' || slot >= RACK_MAX_SLOTS)
		return fail(err, errlen, "%s:%u: slot '%s' is not a number from 0 to %d", path,
			    lineno, w[2], RACK_MAX_SLOTS - 1);
	int button = 0;
	if (n >= 4) {
		if (a != RACK_POWER_CYCLE || strcmp(w[3], "button") || n > 4)
			return fail(err, errlen,
				    "%s:%u: unexpected '%s': only power-cycle takes one more "
				    "word, 'button' (hold GPIO0 while powering up)",
				    path, lineno, w[3]);
		button = 1;
	}
	ev->t = t;
	ev->action = (enum rack_action)a;
	ev->slot = (unsigned)slot;
	ev->button = button;
	ev->line = lineno;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct rack_event *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line; /* file order for equal times */
}

int rack_timeline_load(const char *path, struct rack_timeline *ret, char *err, size_t errlen)
{
	struct rack_timeline tl = {.path = path};
	FILE *f = fopen(path, "re");
	if (!f)
		return fail(err, errlen, "cannot read timeline %s: %s", path, strerror(errno));
	char line[512];
	unsigned lineno = 0;
	size_t cap = 0;
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		if (lineno == 1 && check_header(line, path, err, errlen) < 0) {
			rc = -1;
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (tl.n == cap) {
			cap = cap ? cap * 2 : 16;
			struct rack_event *ev = realloc(tl.ev, cap * sizeof *ev);
			if (!ev) {
				rc = fail(err, errlen, "out of memory");
				break;
			}
			tl.ev = ev;
		}
		rc = parse_line(line, path, lineno, &tl.ev[tl.n], err, errlen);
		if (rc == 0)
			tl.n++;
	}
	fclose(f);
	if (rc < 0) {
		free(tl.ev);
		return rc;
	}
	if (tl.n)
		qsort(tl.ev, tl.n, sizeof *tl.ev, by_time);
	*ret = tl;
	return 0;
}

void rack_timeline_free(struct rack_timeline *tl)
{
	free(tl->ev);
	tl->ev = NULL;
	tl->n = 0;
}

int rack_timeline_check(const struct rack_timeline *tl, const struct rack_slot *slots,
			int *ret_start_plugged, char *err, size_t errlen)
{
	int seen[RACK_MAX_SLOTS] = {0}, plugged[RACK_MAX_SLOTS];
	for (unsigned i = 0; i < RACK_MAX_SLOTS; i++)
		plugged[i] = slots[i].defined;
	/* A slot whose first event is "plug" starts empty; every other slot
	 * starts plugged in, so "2 unplug 0" alone means what it says. */
	for (size_t i = 0; i < tl->n; i++) {
		const struct rack_event *ev = &tl->ev[i];
		if (!slots[ev->slot].defined)
			return fail(err, errlen,
				    "%s:%u: slot %u is not defined: add --slot '%u kind=cp2102' "
				    "(or a line in --slots)",
				    tl->path, ev->line, ev->slot, ev->slot);
		if (!seen[ev->slot] && ev->action == RACK_PLUG)
			plugged[ev->slot] = 0;
		seen[ev->slot] = 1;
	}
	memcpy(ret_start_plugged, plugged, sizeof plugged);
	/* Walk it once, so that "plug" of a plugged slot fails here rather than
	 * half-way through a run.  (A unit with an unplug_after fault may leave
	 * early; the run then skips that slot's unplug with a note.) */
	for (size_t i = 0; i < tl->n; i++) {
		const struct rack_event *ev = &tl->ev[i];
		int *p = &plugged[ev->slot];
		switch (ev->action) {
		case RACK_PLUG:
			if (*p)
				return fail(err, errlen,
					    "%s:%u: slot %u is already plugged in at %.3f s: "
					    "unplug it first, or drop this line",
					    tl->path, ev->line, ev->slot, ev->t);
			*p = 1;
			break;
		case RACK_UNPLUG:
			if (!*p)
				return fail(err, errlen,
					    "%s:%u: slot %u is not plugged in at %.3f s: plug it "
					    "first, or drop this line",
					    tl->path, ev->line, ev->slot, ev->t);
			*p = 0;
			break;
		case RACK_POWER_CYCLE:
		case RACK_RESEAT:
			if (!*p)
				return fail(err, errlen,
					    "%s:%u: slot %u is not plugged in at %.3f s, so its "
					    "unit has no power to cycle",
					    tl->path, ev->line, ev->slot, ev->t);
			break;
		case RACK_SWAP: break; /* unplugged: the next plug brings the new unit */
		}
	}
	return 0;
}
