/* SPDX-License-Identifier: MIT */
/* Remote ports (hp_remote.h): a network serial server named in the config
 * has no uevents, so it is "plugged" when a TCP connect to it succeeds and
 * "unplugged" when its worker ends (hp_monitor_remote_ended); then probed
 * again after a back-off, so a server that is down or refuses is asked once
 * per back-off step, never in a loop.  The probe connects and closes at
 * once: a server that serves one client (ser2net, esp_rfc2217_server) is
 * free again before the worker connects.  A host name is looked up when the
 * port is added and again at most once a minute while probes fail.
 * May call: libc only. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hp_remote.h"

#define NS_PER_MS 1000000u

static int copy_fits(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		return 0;
	memcpy(dst, src, n + 1);
	return 1;
}

/* "rfc2217://HOST:PORT[?opts]" or "socket://..." -> host, service.  IPv6 in
 * brackets.  0 or -EINVAL. */
static int split_url(const char *url, char *host, size_t hcap, char *service, size_t scap)
{
	const char *p = strstr(url, "://");
	if (!p)
		return -EINVAL;
	p += 3;
	size_t len = strcspn(p, "?");
	const char *end = p + len, *colon;
	if (*p == '[') {
		const char *close = memchr(p, ']', len);
		if (!close || close + 1 >= end || close[1] != ':')
			return -EINVAL;
		if ((size_t)(close - p - 1) >= hcap)
			return -EINVAL;
		memcpy(host, p + 1, (size_t)(close - p - 1));
		host[close - p - 1] = '\0';
		colon = close + 1;
	} else {
		colon = NULL;
		for (const char *q = p; q < end; q++)
			if (*q == ':')
				colon = q;
		if (!colon || colon == p || (size_t)(colon - p) >= hcap)
			return -EINVAL;
		memcpy(host, p, (size_t)(colon - p));
		host[colon - p] = '\0';
	}
	size_t slen = (size_t)(end - colon - 1);
	if (!slen || slen >= scap)
		return -EINVAL;
	memcpy(service, colon + 1, slen);
	service[slen] = '\0';
	return 0;
}

/* The next probe after a failed one or an ended worker. */
static void back_off(struct hp_remote *r, uint64_t now_ns)
{
	r->state = HP_REMOTE_PROBE_DUE;
	r->due_ns = now_ns + (uint64_t)r->backoff_ms * NS_PER_MS;
	r->backoff_ms = r->backoff_ms * 2 > HP_REMOTE_BACKOFF_MAX_MS ? HP_REMOTE_BACKOFF_MAX_MS
								     : r->backoff_ms * 2;
}

/* Looks the server up (a name blocks here: called at start-up, and again
 * only when probes fail and the last look-up is a minute old, so a server
 * that moved is found and a dead DNS costs the loop at most one wait a
 * minute). */
static void resolve(struct hp_remote *r, uint64_t now_ns)
{
	char host[256], service[16];
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV}, *res = NULL;
	r->resolved_ns = now_ns;
	if (split_url(r->ev.devnode, host, sizeof host, service, sizeof service) == 0 &&
	    getaddrinfo(host, service, &hints, &res) == 0 && res &&
	    res->ai_addrlen <= sizeof r->addr) {
		memcpy(&r->addr, res->ai_addr, res->ai_addrlen);
		r->addr_len = res->ai_addrlen;
	}
	if (res)
		freeaddrinfo(res);
}

/* A probe failed: back off, and look the name up again once a minute. */
static void probe_failed(struct hp_remote *r, uint64_t now_ns)
{
	back_off(r, now_ns);
	if (!r->addr_len || now_ns - r->resolved_ns >= (uint64_t)HP_REMOTE_BACKOFF_MAX_MS * NS_PER_MS)
		resolve(r, now_ns);
}

void hp_remote_init(struct hp_remote_set *s)
{
	memset(s, 0, sizeof *s);
	for (unsigned i = 0; i < HP_REMOTE_MAX; i++)
		s->r[i].fd = -1;
}

void hp_remote_free(struct hp_remote_set *s)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->r[i].fd >= 0)
			close(s->r[i].fd);
	s->n = 0;
}

int hp_remote_add(struct hp_remote_set *s, const char *url, uint64_t now_ns)
{
	char host[256], service[16];
	if (!url || split_url(url, host, sizeof host, service, sizeof service) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->r[i].ev.devnode, url))
			return 0;
	if (s->n >= HP_REMOTE_MAX)
		return -ENOSPC;
	struct hp_remote *r = &s->r[s->n];
	memset(r, 0, sizeof *r);
	r->fd = -1;
	/* the URL is the port: devnode for the worker, ID_PATH for the slot map */
	if (!copy_fits(r->ev.devnode, sizeof r->ev.devnode, url) ||
	    !copy_fits(r->ev.syspath, sizeof r->ev.syspath, url) ||
	    !copy_fits(r->ev.id_path, sizeof r->ev.id_path, url))
		return -ENAMETOOLONG;
	copy_fits(r->ev.driver, sizeof r->ev.driver,
		  strncmp(url, "rfc2217://", 10) == 0 ? "rfc2217" : "socket");
	r->state = HP_REMOTE_PROBE_DUE;
	r->due_ns = now_ns;
	r->backoff_ms = HP_REMOTE_BACKOFF_MIN_MS;
	resolve(r, now_ns);
	s->n++;
	return 0;
}

static void start_probe(struct hp_remote *r, uint64_t now_ns)
{
	r->fd = -1;
	if (r->addr_len) {
		int fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0 && (connect(fd, (const struct sockaddr *)&r->addr, r->addr_len) == 0 ||
				errno == EINPROGRESS)) {
			r->fd = fd;
		} else if (fd >= 0) {
			close(fd);
		}
	}
	if (r->fd < 0) {
		probe_failed(r, now_ns);
		return;
	}
	r->state = HP_REMOTE_PROBING;
	r->due_ns = now_ns + (uint64_t)HP_REMOTE_PROBE_MS * NS_PER_MS;
}

/* 1: connected, 0: still trying, -1: failed. */
static int probe_result(struct hp_remote *r, uint64_t now_ns)
{
	struct pollfd pf = {.fd = r->fd, .events = POLLOUT};
	if (poll(&pf, 1, 0) <= 0)
		return now_ns >= r->due_ns ? -1 : 0;
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err)
		return -1;
	return 1;
}

int hp_remote_pop(struct hp_remote_set *s, uint64_t now_ns, struct hp_event *ev)
{
	/* removes first, as for USB ports */
	for (unsigned i = 0; i < s->n; i++) {
		struct hp_remote *r = &s->r[i];
		if (r->state == HP_REMOTE_REMOVE_DUE) {
			*ev = r->ev;
			ev->action = HP_REMOVE;
			back_off(r, now_ns);
			return 1;
		}
	}
	for (unsigned i = 0; i < s->n; i++) {
		struct hp_remote *r = &s->r[i];
		if (r->state == HP_REMOTE_PROBE_DUE && now_ns >= r->due_ns)
			start_probe(r, now_ns);
		if (r->state != HP_REMOTE_PROBING)
			continue;
		int res = probe_result(r, now_ns);
		if (res == 0)
			continue;
		close(r->fd);
		r->fd = -1;
		if (res < 0) {
			probe_failed(r, now_ns);
			continue;
		}
		r->state = HP_REMOTE_ACTIVE;
		r->added_ns = now_ns;
		*ev = r->ev;
		ev->action = HP_ADD;
		return 1;
	}
	return 0;
}

int hp_remote_ended(struct hp_remote_set *s, const char *url, uint64_t now_ns)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct hp_remote *r = &s->r[i];
		if (strcmp(r->ev.devnode, url) != 0)
			continue;
		if (r->state != HP_REMOTE_ACTIVE)
			return 0;
		/* a worker that served for a while had a working server: start
		 * the back-off again from its first step */
		if (now_ns - r->added_ns >= (uint64_t)HP_REMOTE_BACKOFF_MAX_MS * NS_PER_MS)
			r->backoff_ms = HP_REMOTE_BACKOFF_MIN_MS;
		r->state = HP_REMOTE_REMOVE_DUE;
		return 1;
	}
	return 0;
}

int hp_remote_timeout_ms(const struct hp_remote_set *s, uint64_t now_ns)
{
	int best = -1;
	for (unsigned i = 0; i < s->n; i++) {
		const struct hp_remote *r = &s->r[i];
		int ms;
		if (r->state == HP_REMOTE_REMOVE_DUE)
			ms = 0;
		else if (r->state == HP_REMOTE_PROBING)
			ms = 10; /* a connect in flight: look again soon */
		else if (r->state == HP_REMOTE_PROBE_DUE)
			ms = now_ns >= r->due_ns ? 0
						 : (int)((r->due_ns - now_ns + NS_PER_MS - 1) / NS_PER_MS);
		else
			continue;
		if (best < 0 || ms < best)
			best = ms;
	}
	return best;
}
