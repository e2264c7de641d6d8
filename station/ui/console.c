/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "json_text.h"
#include "st_clock.h"

#define REDRAW_MS 200u
/* a JSON progress line per slot at most this often: a tool or the web page
 * sees the bar move without a line per core report */
#define JSON_PROGRESS_MS 1000u


void console_init(struct console *c, FILE *out, int force_plain, FILE *json)
{
	memset(c, 0, sizeof *c);
	c->out = out;
	c->tty = !force_plain && isatty(fileno(out));
	c->json = json;
}

/* Plain mode: one line, naming slot and port, with a syslog priority prefix
 * journald understands (<3> error, <4> warning, <5> notice, <6> info). */
static void plain(struct console *c, int prio, const struct console_slot *s, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void plain(struct console *c, int prio, const struct console_slot *s, const char *fmt, ...)
{
	if (c->tty && prio > 4)
		return; /* the live view shows it */
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->tty) {
		/* warnings and errors go above the live view */
		fprintf(c->out, "\r\033[%uA\033[J", c->lines_drawn);
		c->lines_drawn = 0;
	}
	if (s)
		fprintf(c->out, "<%d>slot %s [%s]: %s\n", prio, s->slot, s->devnode, msg);
	else
		fprintf(c->out, "<%d>station: %s\n", prio, msg);
	fflush(c->out);
}

/* The slot's transfer rate in bytes/s, counted from the stage's first
 * report with bytes done; 0 while unknown (too early to say). */
static double slot_rate_bps(const struct console_slot *s, uint64_t now)
{
	uint64_t dt = now - s->prog_t0_ms;
	if (dt <= 300 || s->done <= s->prog_done0)
		return 0;
	return (double)(s->done - s->prog_done0) * 1000.0 / (double)dt;
}

static void json_event(struct console *c, const struct console_slot *s, const char *type,
		       const struct st_event *ev)
{
	if (!c->json)
		return;
	char t[40];
	st_utc_iso(st_wall_ms(), t, sizeof t);
	fprintf(c->json, "{\"time\":\"%s\",\"type\":\"%s\",\"slot\":", t, type);
	st_json_string(c->json, s->slot);
	fprintf(c->json, ",\"port\":");
	st_json_string(c->json, s->devnode);
	if (ev) {
		fprintf(c->json, ",\"job\":%lld,\"stage\":\"%s\"", (long long)ev->job_id,
			st_stage_name((enum st_stage)ev->stage));
		if (ev->type == ST_EV_PROGRESS) {
			fprintf(c->json, ",\"done\":%llu,\"total\":%llu", (unsigned long long)ev->done,
				(unsigned long long)ev->total);
			double bps = slot_rate_bps(s, st_mono_ms());
			if (bps > 0)
				fprintf(c->json, ",\"rate_bps\":%.0f", bps);
			if (bps > 0 && ev->total > ev->done)
				fprintf(c->json, ",\"eta_s\":%.1f", (double)(ev->total - ev->done) / bps);
		}
		if (ev->mac[0])
			fprintf(c->json, ",\"mac\":\"%s\"", ev->mac);
		if (ev->result[0])
			fprintf(c->json, ",\"result\":\"%s\",\"error\":%d", ev->result, ev->err);
		if (ev->text[0]) {
			fprintf(c->json, ",\"text\":");
			st_json_string(c->json, ev->text);
		}
	}
	fprintf(c->json, "}\n");
	fflush(c->json);
}

int console_attach(struct console *c, const char *slot, const char *devnode, const char *kind)
{
	for (int i = 0; i < CONSOLE_MAX_SLOTS; i++) {
		struct console_slot *s = &c->s[i];
		if (s->used)
			continue;
		memset(s, 0, sizeof *s);
		s->used = 1;
		snprintf(s->slot, sizeof s->slot, "%s", slot);
		snprintf(s->devnode, sizeof s->devnode, "%s", devnode);
		snprintf(s->kind, sizeof s->kind, "%s", kind);
		plain(c, 6, s, "%s adapter attached", kind);
		json_event(c, s, "attached", NULL);
		return i;
	}
	return -1;
}

void console_detach(struct console *c, int idx, const char *why)
{
	if (idx < 0 || idx >= CONSOLE_MAX_SLOTS || !c->s[idx].used)
		return;
	struct console_slot *s = &c->s[idx];
	plain(c, 5, s, "adapter removed%s%s", why ? ": " : "", why ? why : "");
	json_event(c, s, "detached", NULL);
	s->used = 0;
}

static void human_bytes(char *buf, size_t cap, uint64_t n)
{
	if (n >= 1024 * 1024)
		snprintf(buf, cap, "%.1fM", (double)n / (1024.0 * 1024.0));
	else
		snprintf(buf, cap, "%lluK", (unsigned long long)(n / 1024));
}

void console_event(struct console *c, int idx, const struct st_event *ev)
{
	if (idx < 0 || idx >= CONSOLE_MAX_SLOTS || !c->s[idx].used)
		return;
	struct console_slot *s = &c->s[idx];
	uint64_t now = st_mono_ms();
	switch ((enum st_ev_type)ev->type) {
	case ST_EV_JOB:
		s->job_id = ev->job_id;
		s->result[0] = s->cause[0] = s->mac[0] = '\0';
		plain(c, 6, s, "job %lld started", (long long)ev->job_id);
		json_event(c, s, "job", ev);
		break;
	case ST_EV_STAGE:
		s->stage = (enum st_stage)ev->stage;
		s->done = s->total = 0;
		s->stage_t0_ms = s->prog_t0_ms = now;
		s->prog_done0 = 0;
		s->waiting = 0;
		s->last_decile = 0;
		s->json_prog_ms = 0;
		plain(c, 6, s, "%s", st_stage_name(s->stage));
		json_event(c, s, "stage", ev);
		break;
	case ST_EV_PROGRESS: {
		/* the end of a wait is a change the stream must show at once */
		int was_waiting = s->waiting;
		if (s->done == 0 && ev->done > 0) {
			s->prog_t0_ms = now;
			s->prog_done0 = ev->done;
		}
		s->done = ev->done;
		s->total = ev->total;
		s->waiting = 0;
		if (!c->tty && ev->total && ev->done * 4 / ev->total > s->last_decile) {
			s->last_decile = (unsigned)(ev->done * 4 / ev->total);
			plain(c, 6, s, "%s %u%%", st_stage_name(s->stage), s->last_decile * 25);
		}
		if (c->json && (ev->done == ev->total || ev->done == 0 || was_waiting ||
				!s->json_prog_ms || now - s->json_prog_ms >= JSON_PROGRESS_MS)) {
			s->json_prog_ms = now;
			json_event(c, s, "progress", ev);
		}
		break;
	}
	case ST_EV_UNIT:
		snprintf(s->mac, sizeof s->mac, "%s", ev->mac);
		plain(c, 5, s, "unit %s %s", ev->mac, ev->text);
		json_event(c, s, "unit", ev);
		break;
	case ST_EV_WAITING: {
		int changed = !s->waiting || strncmp(s->wait_text, ev->text, sizeof s->wait_text - 1);
		/* the state first: the web page's hub reads it as the line arrives */
		snprintf(s->wait_text, sizeof s->wait_text, "%.63s", ev->text);
		s->waiting = 1;
		if (changed) {
			plain(c, 4, s, "needs the operator: %s", ev->text);
			json_event(c, s, "waiting", ev);
		}
		break;
	}
	case ST_EV_NOTE:
		plain(c, ev->warn ? 4 : 6, s, "%s", ev->text);
		json_event(c, s, "note", ev);
		break;
	case ST_EV_DONE:
		snprintf(s->result, sizeof s->result, "%s", ev->result);
		snprintf(s->cause, sizeof s->cause, "%s", ev->text);
		plain(c, strcmp(ev->result, "passed") == 0 ? 5 : 3, s, "job %lld %s: %s",
		      (long long)ev->job_id, ev->result, ev->text);
		json_event(c, s, "done", ev);
		break;
	}
}

void console_note(struct console *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	plain(c, 4, NULL, "%s", msg);
}

void console_status(struct console *c, const char *fmt, ...)
{
	char msg[sizeof c->status];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (strcmp(msg, c->status) == 0)
		return;
	snprintf(c->status, sizeof c->status, "%s", msg);
	plain(c, 5, NULL, "%s", msg);
}

static void draw_slot(struct console *c, const struct console_slot *s)
{
	char bar[21], pct[8] = "", rate[24] = "", sz[16] = "";
	unsigned fill = s->total ? (unsigned)(s->done * 20 / s->total) : 0;
	for (unsigned i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	if (s->total) {
		snprintf(pct, sizeof pct, "%3u%%", (unsigned)(s->done * 100 / s->total));
		human_bytes(sz, sizeof sz, s->total);
		double bps = slot_rate_bps(s, st_mono_ms());
		if (bps > 0)
			snprintf(rate, sizeof rate, "%5.1f KiB/s", bps / 1024.0);
	}
	const char *stage = s->result[0] ? s->result : st_stage_name(s->stage);
	const char *cause = s->waiting ? s->wait_text : s->cause;
	fprintf(c->out, "\033[2K%-4s %-12.12s %-7s %-12s [%s] %4s %5s %-11s %-17s %.60s\n", s->slot,
		s->devnode + (strncmp(s->devnode, "/dev/", 5) ? 0 : 5), s->kind, stage, bar, pct, sz,
		rate, s->mac[0] ? s->mac : "-", cause);
}

void console_tick(struct console *c)
{
	if (!c->tty)
		return;
	uint64_t now = st_mono_ms();
	if (now - c->last_draw_ms < REDRAW_MS)
		return;
	c->last_draw_ms = now;
	if (c->lines_drawn)
		fprintf(c->out, "\r\033[%uA", c->lines_drawn);
	unsigned n = 0;
	fprintf(c->out, "\033[2K%-4s %-12s %-7s %-12s %-22s %4s %5s %-11s %-17s %s\n", "SLOT", "PORT",
		"ADAPTER", "STAGE", "PROGRESS", "", "SIZE", "RATE", "MAC", "RESULT / CAUSE");
	n++;
	for (int i = 0; i < CONSOLE_MAX_SLOTS; i++) {
		if (!c->s[i].used)
			continue;
		draw_slot(c, &c->s[i]);
		n++;
	}
	if (c->status[0]) {
		fprintf(c->out, "\033[2K%.150s\n", c->status);
		n++;
	}
	fprintf(c->out, "\033[J");
	fflush(c->out);
	c->lines_drawn = n;
}
