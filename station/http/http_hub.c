/* SPDX-License-Identifier: MIT */
/* The event hub: the console's JSON event lines come in (from the
 * supervisor's thread, through the FILE made in http_server.c), the latest
 * state of each slot is kept for /api/slots and for a new client's first
 * picture, and every line goes out to the SSE clients' queues.  A queue
 * that would overflow drops its client: the supervisor only ever copies
 * bytes under a short lock, it never waits for the network. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_priv.h"
#include "json_text.h"
#include "st_clock.h"

/* ESPSTATION_HTTP_SSE_QUEUE (http_priv.h): a test's smaller queue, said on
 * stderr; anything else keeps the product's. */
static size_t queue_cap_from_env(void)
{
	const char *v = getenv("ESPSTATION_HTTP_SSE_QUEUE");
	if (!v || !v[0])
		return HUB_CLIENT_QUEUE;
	char *end;
	errno = 0;
	uintmax_t n = strtoumax(v, &end, 10);
	if (errno || *end || n < HUB_CLIENT_QUEUE_MIN || n > HUB_CLIENT_QUEUE) {
		fprintf(stderr, "espstation: http: ESPSTATION_HTTP_SSE_QUEUE=%s ignored (fix: "
			"bytes from %u to %u, or unset it)\n", v, HUB_CLIENT_QUEUE_MIN,
			HUB_CLIENT_QUEUE);
		return HUB_CLIENT_QUEUE;
	}
	fprintf(stderr, "espstation: http: event-stream queue %ju bytes per client "
		"(ESPSTATION_HTTP_SSE_QUEUE, for tests)\n", n);
	return (size_t)n;
}

/* The slots of the config are shown before anything is plugged in. */
void hub_init(struct hub *h, const struct st_config *cfg)
{
	memset(h, 0, sizeof *h);
	h->queue_cap = queue_cap_from_env();
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	for (unsigned i = 0; i < cfg->n_slots && i < CONSOLE_MAX_SLOTS; i++) {
		h->s[i].used = 1;
		h->s[i].rate_bps = h->s[i].eta_s = -1;
		snprintf(h->s[i].slot, sizeof h->s[i].slot, "%s", cfg->slot[i].name);
	}
}

void hub_free(struct hub *h)
{
	while (h->clients) {
		struct hub_client *c = h->clients;
		h->clients = c->next;
		free(c->buf);
		free(c);
	}
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
}

/* The value of "key":"..." in one of the console's own lines (flat object,
 * strings escaped by st_json_string), unescaped into out; "" if absent. */
static void field(const char *line, const char *key, char *out, size_t cap)
{
	char pat[24];
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	out[0] = '\0';
	const char *p = strstr(line, pat);
	if (!p || cap == 0)
		return;
	size_t n = 0;
	for (p += strlen(pat); *p && *p != '"' && n + 1 < cap; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			char c = *p == 'n' ? ' ' : *p == 't' ? ' ' : *p == 'r' ? ' ' : *p;
			if (*p == 'u') { /* control bytes: shown as a space */
				c = ' ';
				for (int k = 0; k < 4 && p[1]; k++)
					p++;
			}
			out[n++] = c;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

/* The number "key":N in one of the console's lines; -1 if absent. */
static double number_field(const char *line, const char *key)
{
	char pat[24];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (!p)
		return -1;
	char *end;
	double v = strtod(p + strlen(pat), &end);
	return end == p + strlen(pat) || v < 0 ? -1 : v;
}

static struct hub_slot *slot_named(struct hub *h, const char *name, int create)
{
	struct hub_slot *free_one = NULL;
	for (int i = 0; i < CONSOLE_MAX_SLOTS; i++) {
		if (h->s[i].used && strcmp(h->s[i].slot, name) == 0)
			return &h->s[i];
		if (!h->s[i].used && !free_one)
			free_one = &h->s[i];
	}
	if (!create || !free_one)
		return NULL;
	memset(free_one, 0, sizeof *free_one);
	free_one->used = 1;
	free_one->rate_bps = free_one->eta_s = -1;
	snprintf(free_one->slot, sizeof free_one->slot, "%s", name);
	return free_one;
}

static const struct console_slot *console_slot(const struct console *con, const char *name)
{
	for (int i = 0; con && i < CONSOLE_MAX_SLOTS; i++)
		if (con->s[i].used && strcmp(con->s[i].slot, name) == 0)
			return &con->s[i];
	return NULL;
}

/* The slot's LED state (led.c's names), as the supervisor sets it. */
static const char *led_of(const struct hub_slot *s)
{
	if (!s->attached)
		return "idle";
	if (s->waiting)
		return "needs-operator";
	if (s->result[0])
		return strcmp(s->result, "passed") == 0 ? "pass" : "fail";
	return s->job ? "busy" : "idle";
}

static void slot_json(const struct hub_slot *s, uint64_t now, FILE *f)
{
	fputs("{\"slot\":", f);
	st_json_string(f, s->slot);
	fputs(",\"port\":", f);
	st_json_string(f, s->port);
	fputs(",\"adapter\":", f);
	st_json_string(f, s->adapter);
	fprintf(f, ",\"attached\":%s,\"job\":%lld,\"stage\":\"%s\",\"done\":%llu,\"total\":%llu,"
		"\"stage_s\":%.1f,",
		s->attached ? "true" : "false", (long long)s->job, s->stage,
		(unsigned long long)s->done, (unsigned long long)s->total,
		s->stage_t0 ? (double)(now - s->stage_t0) / 1000.0 : 0.0);
	/* the console's figures as it wrote them, absent while it has none */
	if (s->rate_bps >= 0)
		fprintf(f, "\"rate_bps\":%.0f,", s->rate_bps);
	if (s->eta_s >= 0)
		fprintf(f, "\"eta_s\":%.1f,", s->eta_s);
	fputs("\"mac\":", f);
	st_json_string(f, s->mac);
	fputs(",\"chip\":", f);
	st_json_string(f, s->chip);
	fputs(",\"result\":", f);
	st_json_string(f, s->result);
	fputs(",\"cause\":", f);
	st_json_string(f, s->waiting ? s->wait : s->cause);
	fprintf(f, ",\"waiting\":%s,\"led\":\"%s\"}", s->waiting ? "true" : "false", led_of(s));
}

/* Appends to every client's queue; a client without room is dropped. */
static void fan_out(struct hub *h, const char *a, size_t alen)
{
	for (struct hub_client *c = h->clients; c; c = c->next) {
		if (c->dropped)
			continue;
		if (c->len + alen > h->queue_cap) {
			c->dropped = 1;
			h->dropped_clients++;
			continue;
		}
		memcpy(c->buf + c->len, a, alen);
		c->len += alen;
	}
}

/* The slot's state from the console that just wrote the line (same
 * thread), plus what only the line says (the chip; a progress line's rate
 * and ETA, which the page shows as the console computed them). */
static void update_slot(struct hub *h, struct hub_slot *s, const char *type, const char *line,
			const struct console_slot *cs)
{
	uint64_t now = st_mono_ms();
	if (strcmp(type, "attached") == 0) {
		s->attached = 1;
		s->job = 0;
		s->mac[0] = s->chip[0] = s->result[0] = s->cause[0] = s->stage[0] = '\0';
		s->done = s->total = 0;
		s->rate_bps = s->eta_s = -1;
	} else if (strcmp(type, "detached") == 0) {
		s->attached = 0;
		s->waiting = 0;
		s->eta_s = -1;
	} else if (strcmp(type, "job") == 0) {
		s->chip[0] = '\0';
		s->stage_t0 = now;
		s->rate_bps = s->eta_s = -1;
	} else if (strcmp(type, "unit") == 0) {
		field(line, "text", s->chip, sizeof s->chip);
	} else if (strcmp(type, "stage") == 0) {
		s->stage_t0 = now;
		s->rate_bps = s->eta_s = -1;
	} else if (strcmp(type, "progress") == 0) {
		s->rate_bps = number_field(line, "rate_bps");
		s->eta_s = number_field(line, "eta_s");
	} else if (strcmp(type, "done") == 0) {
		s->job = cs ? cs->job_id : s->job;
		s->eta_s = -1; /* nothing left to wait for; the last rate stays */
	}
	if (cs) {
		snprintf(s->port, sizeof s->port, "%s", cs->devnode);
		snprintf(s->adapter, sizeof s->adapter, "%s", cs->kind);
		snprintf(s->mac, sizeof s->mac, "%s", cs->mac);
		snprintf(s->stage, sizeof s->stage, "%s", st_stage_name(cs->stage));
		snprintf(s->result, sizeof s->result, "%s", cs->result);
		snprintf(s->cause, sizeof s->cause, "%s", cs->cause);
		snprintf(s->wait, sizeof s->wait, "%s", cs->wait_text);
		s->waiting = cs->waiting;
		if (strcmp(type, "done") != 0)
			s->job = cs->job_id;
		s->done = cs->done;
		s->total = cs->total;
	}
	(void)h;
}

void hub_line(struct hub *h, const char *line, size_t len)
{
	char type[16], slot[32];
	field(line, "type", type, sizeof type);
	field(line, "slot", slot, sizeof slot);
	/* the state and the text to send are made outside the lock: only the
	 * copy into the queues holds it */
	char *ev = NULL;
	size_t evlen = 0;
	FILE *f = open_memstream(&ev, &evlen);
	pthread_mutex_lock(&h->mu);
	h->lines++;
	struct hub_slot *s = slot[0] ? slot_named(h, slot, 1) : NULL;
	if (s)
		update_slot(h, s, type, line, console_slot(h->con, slot));
	if (f) {
		fprintf(f, "data: %.*s\n\n", (int)len, line);
		if (s) {
			fputs("event: slot\ndata: ", f);
			slot_json(s, st_mono_ms(), f);
			fputs("\n\n", f);
		}
		if (fclose(f) == 0 && ev) {
			fan_out(h, ev, evlen);
			pthread_cond_broadcast(&h->cv);
		}
	}
	pthread_mutex_unlock(&h->mu);
	free(ev);
}

static void slots_json_locked(struct hub *h, FILE *f)
{
	uint64_t now = st_mono_ms();
	int first = 1;
	fputc('[', f);
	for (int i = 0; i < CONSOLE_MAX_SLOTS; i++) {
		if (!h->s[i].used)
			continue;
		if (!first)
			fputc(',', f);
		first = 0;
		slot_json(&h->s[i], now, f);
	}
	fputc(']', f);
}

void hub_slots_json(struct hub *h, FILE *f)
{
	pthread_mutex_lock(&h->mu);
	slots_json_locked(h, f);
	pthread_mutex_unlock(&h->mu);
	fputc('\n', f);
}

struct hub_client *hub_client_add(struct hub *h)
{
	struct hub_client *c = calloc(1, sizeof *c);
	char *snap = NULL;
	size_t snaplen = 0;
	FILE *f = c ? open_memstream(&snap, &snaplen) : NULL;
	if (c)
		c->buf = malloc(h->queue_cap);
	if (!c || !c->buf || !f) {
		if (f)
			fclose(f);
		free(snap);
		if (c)
			free(c->buf);
		free(c);
		return NULL;
	}
	pthread_mutex_lock(&h->mu);
	/* the browser retries 2 s after the stream ends (a station restart) */
	fputs("retry: 2000\nevent: snapshot\ndata: ", f);
	slots_json_locked(h, f);
	fputs("\n\n", f);
	int ok = fclose(f) == 0 && snaplen <= h->queue_cap && h->nclients < HUB_MAX_CLIENTS &&
		 !h->stopping;
	if (ok) {
		memcpy(c->buf, snap, snaplen);
		c->len = snaplen;
		c->next = h->clients;
		h->clients = c;
		h->nclients++;
	}
	pthread_mutex_unlock(&h->mu);
	free(snap);
	if (!ok) {
		free(c->buf);
		free(c);
		return NULL;
	}
	return c;
}

void hub_client_remove(struct hub *h, struct hub_client *c)
{
	pthread_mutex_lock(&h->mu);
	for (struct hub_client **p = &h->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			h->nclients--;
			break;
		}
	}
	pthread_mutex_unlock(&h->mu);
	free(c->buf);
	free(c);
}

long hub_client_read(struct hub *h, struct hub_client *c, char *buf, size_t max, unsigned wait_ms)
{
	static const char keepalive[] = ": keep-alive\n\n";
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->mu);
	int timed_out = 0;
	while (!c->len && !h->stopping && !c->dropped && !timed_out)
		timed_out = pthread_cond_timedwait(&h->cv, &h->mu, &until) == ETIMEDOUT;
	long n;
	if (c->dropped) {
		n = -1;
	} else if (c->len) {
		size_t k = c->len < max ? c->len : max;
		memcpy(buf, c->buf, k);
		memmove(c->buf, c->buf + k, c->len - k);
		c->len -= k;
		n = (long)k;
	} else if (h->stopping) {
		n = 0;
	} else {
		n = (long)(sizeof keepalive - 1 < max ? sizeof keepalive - 1 : max);
		memcpy(buf, keepalive, (size_t)n);
	}
	pthread_mutex_unlock(&h->mu);
	return n;
}

unsigned hub_active(struct hub *h)
{
	unsigned n = 0;
	pthread_mutex_lock(&h->mu);
	for (int i = 0; i < CONSOLE_MAX_SLOTS; i++)
		n += h->s[i].used && h->s[i].attached && h->s[i].job && !h->s[i].result[0];
	pthread_mutex_unlock(&h->mu);
	return n;
}

unsigned hub_client_count(struct hub *h)
{
	pthread_mutex_lock(&h->mu);
	unsigned n = h->nclients;
	pthread_mutex_unlock(&h->mu);
	return n;
}

uint64_t hub_dropped_count(struct hub *h)
{
	pthread_mutex_lock(&h->mu);
	uint64_t n = h->dropped_clients;
	pthread_mutex_unlock(&h->mu);
	return n;
}
