/* SPDX-License-Identifier: MIT */
/* The server: libmicrohttpd (one thread per connection, so that an event
 * stream may wait on the hub), the routes, the token check, the limits, and
 * the FILE the console writes its JSON events into.  Every answer is one of
 * the routes below or a short 4xx; nothing is read from disk. */
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "http.h"
#include "http_assets.h"
#include "http_priv.h"

#define MAX_PATH 200               /* longest URL path served */
#define MEMORY_PER_CONNECTION (16 * 1024) /* request line + headers: more is refused */
#define MAX_CONNECTIONS 64
#define SSE_KEEPALIVE_MS 15000
#define COOKIE_NAME "espstation_token"

struct http_server {
	struct MHD_Daemon *d;
	int fd;
	struct hub hub;
	struct http_token token;
	struct api_ctx api;
	FILE *sink;
};

/* ---- the console's JSON events -> the hub ----------------------------- */

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
	struct hub *h = cookie;
	if (h->tee) {
		fwrite(buf, 1, n, h->tee);
		fflush(h->tee);
	}
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (h->line_len < sizeof h->line)
				hub_line(h, h->line, h->line_len);
			h->line_len = 0;
		} else if (h->line_len < sizeof h->line) {
			h->line[h->line_len++] = buf[i];
		} else {
			h->line_len = sizeof h->line; /* too long: dropped at its newline */
		}
	}
	return (ssize_t)n;
}

FILE *http_event_sink(struct http_server *s, const struct console *con, FILE *tee)
{
	s->hub.con = con;
	s->hub.tee = tee;
	cookie_io_functions_t io = {.write = sink_write};
	s->sink = fopencookie(&s->hub, "w", io);
	if (s->sink)
		setvbuf(s->sink, NULL, _IOFBF, 16384); /* the console flushes each line */
	return s->sink;
}

/* ---- answers ---------------------------------------------------------- */

static enum MHD_Result send_response(struct MHD_Connection *c, unsigned status, const char *ctype,
			    struct MHD_Response *r, const char *set_cookie)
{
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
	if (set_cookie)
		MHD_add_response_header(r, "Set-Cookie", set_cookie);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	char *body = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MHD_NO;
	struct MHD_Response *r = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_FREE);
	if (status == MHD_HTTP_UNAUTHORIZED && r)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"espstation\"");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED && r)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	return send_response(c, status, "text/plain; charset=utf-8", r, NULL);
}

static const struct http_asset *asset(const char *name)
{
	for (const struct http_asset *a = http_assets; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

static enum MHD_Result send_asset(struct MHD_Connection *c, const char *name, const char *cookie)
{
	const struct http_asset *a = asset(name);
	const char *dot = strrchr(name, '.');
	const char *ctype = !dot ? "application/octet-stream"
			    : !strcmp(dot, ".html") ? "text/html; charset=utf-8"
			    : !strcmp(dot, ".css") ? "text/css; charset=utf-8"
			    : !strcmp(dot, ".js") ? "text/javascript; charset=utf-8"
						  : "application/octet-stream";
	if (!a)
		return send_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
	struct MHD_Response *r = MHD_create_response_from_buffer(a->len, (void *)a->data,
								 MHD_RESPMEM_PERSISTENT);
	return send_response(c, MHD_HTTP_OK, ctype, r, cookie);
}

/* A handler's body (open_memstream) as the answer. */
typedef int body_fn(struct http_server *s, struct MHD_Connection *c, const char *arg, FILE *f);

static enum MHD_Result send_body(struct http_server *s, struct MHD_Connection *c, body_fn *fn,
				 const char *arg, const char *ctype, const char *cookie)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	if (!f)
		return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	int status = fn(s, c, arg, f);
	if (fclose(f) != 0) {
		free(body);
		return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(body);
	return send_response(c, (unsigned)status, status == 200 ? ctype : "application/json", r, cookie);
}

static int body_slots(struct http_server *s, struct MHD_Connection *c, const char *arg, FILE *f)
{
	(void)c;
	(void)arg;
	hub_slots_json(&s->hub, f);
	return 200;
}

static int body_jobs(struct http_server *s, struct MHD_Connection *c, const char *arg, FILE *f)
{
	(void)arg;
	struct http_query q = {
		.since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since"),
		.result = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "result"),
		.slot = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "slot"),
		.mac = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mac"),
	};
	return api_jobs(&s->api, &q, f);
}

static int body_today(struct http_server *s, struct MHD_Connection *c, const char *arg, FILE *f)
{
	(void)c;
	(void)arg;
	return api_today(&s->api, f);
}

static int body_unit(struct http_server *s, struct MHD_Connection *c, const char *arg, FILE *f)
{
	(void)c;
	return api_unit(&s->api, arg, f);
}

static int body_metrics(struct http_server *s, struct MHD_Connection *c, const char *arg, FILE *f)
{
	(void)c;
	(void)arg;
	return api_metrics(&s->api, f);
}

/* ---- the event stream ------------------------------------------------- */

struct sse {
	struct http_server *s;
	struct hub_client *client;
};

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct sse *e = cls;
	long n = hub_client_read(&e->s->hub, e->client, buf, max, SSE_KEEPALIVE_MS);
	if (n > 0)
		return n;
	return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void sse_free(void *cls)
{
	struct sse *e = cls;
	hub_client_remove(&e->s->hub, e->client);
	free(e);
}

static enum MHD_Result send_events(struct http_server *s, struct MHD_Connection *c,
				   const char *cookie)
{
	struct sse *e = calloc(1, sizeof *e);
	if (e) {
		e->s = s;
		e->client = hub_client_add(&s->hub);
	}
	if (!e || !e->client) {
		free(e);
		return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many event streams open\n");
	}
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384,
								   sse_read, e, sse_free);
	if (!r) {
		sse_free(e);
		return MHD_NO;
	}
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	/* the kernel's buffer for the stream no bigger than the hub's queue:
	 * left to autotune it grows to megabytes, and a stalled client would
	 * fall that far behind before the hub saw it and dropped it */
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	int sndbuf = (int)s->hub.queue_cap;
	if (ci)
		(void)setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	return send_response(c, MHD_HTTP_OK, "text/event-stream; charset=utf-8", r, cookie);
}

/* ---- requests --------------------------------------------------------- */

/* Only plain paths are served: letters, digits and / . _ : -, no empty,
 * "." or ".." segment, nothing percent-encoded left (see unescape). */
static int path_ok(const char *p)
{
	size_t n = strlen(p);
	if (n == 0 || n > MAX_PATH || p[0] != '/')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (!isalnum(ch) && !strchr("/._:-", ch))
			return 0;
		if (ch == '/' && i > 0 && p[i - 1] == '/')
			return 0;
	}
	for (const char *seg = p; seg; seg = strchr(seg + 1, '/')) {
		const char *s = seg + 1;
		size_t len = strcspn(s, "/");
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
	}
	return 1;
}

/* %XX decoding of the path and the query, except that a control byte
 * (%00 .. %1F, %7F) stays encoded: a NUL cannot cut a path short, and the
 * path check then refuses the '%'. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	char *w = s;
	for (const char *r = s; *r;) {
		int hi, lo;
		if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
			hi = isdigit((unsigned char)r[1]) ? r[1] - '0' : (tolower(r[1]) - 'a' + 10);
			lo = isdigit((unsigned char)r[2]) ? r[2] - '0' : (tolower(r[2]) - 'a' + 10);
			int v = hi * 16 + lo;
			if (v >= 0x20 && v != 0x7f) {
				*w++ = (char)v;
				r += 3;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* 1 if the request carries the token (header, cookie or ?token=); *cookie
 * is set when it came in the query, so the browser keeps it. */
static int authorized(struct http_server *s, struct MHD_Connection *c, const char **cookie)
{
	static __thread char set[320];
	*cookie = NULL;
	if (!s->token.set)
		return 1;
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0 &&
	    http_token_equal(&s->token, auth + 7, strlen(auth + 7)))
		return 1;
	const char *ck = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE_NAME);
	if (ck && http_token_equal(&s->token, ck, strlen(ck)))
		return 1;
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	if (q && http_token_equal(&s->token, q, strlen(q))) {
		snprintf(set, sizeof set, COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict",
			 s->token.cookie_value);
		*cookie = set;
		return 1;
	}
	return 0;
}

static int mac_ok(const char *mac, char out[DB_MAC_LEN])
{
	return strlen(mac) <= 17 && db_mac_normalize(mac, out) == 0;
}

static enum MHD_Result route(void *cls, struct MHD_Connection *c, const char *url,
			     const char *method, const char *version, const char *upload,
			     size_t *upload_size, void **req)
{
	(void)version;
	(void)upload;
	(void)req;
	struct http_server *s = cls;
	/* answered as soon as the headers are in (the first call): a body is
	 * never read, and MHD discards it with the connection */
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	const char *clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if ((clen && strcmp(clen, "0") != 0) ||
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding"))
		return send_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "no request body is accepted\n");
	if (!path_ok(url))
		return send_text(c, MHD_HTTP_BAD_REQUEST, "bad path\n");
	const char *cookie;
	if (!authorized(s, c, &cookie))
		return send_text(c, MHD_HTTP_UNAUTHORIZED, "token required: send 'Authorization: "
				 "Bearer TOKEN', or open /?token=TOKEN once in the browser\n");
	char mac[DB_MAC_LEN];
	if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
		return send_asset(c, "index.html", cookie);
	if (strcmp(url, "/app.js") == 0 || strcmp(url, "/app.css") == 0)
		return send_asset(c, url + 1, cookie);
	if (strncmp(url, "/unit/", 6) == 0)
		return mac_ok(url + 6, mac) ? send_asset(c, "unit.html", cookie)
		       : send_text(c, MHD_HTTP_BAD_REQUEST, "not a MAC address (use aa:bb:cc:dd:ee:ff)\n");
	if (strcmp(url, "/events") == 0)
		return send_events(s, c, cookie);
	if (strcmp(url, "/api/slots") == 0)
		return send_body(s, c, body_slots, NULL, "application/json", cookie);
	if (strcmp(url, "/api/jobs") == 0)
		return send_body(s, c, body_jobs, NULL, "application/json", cookie);
	if (strcmp(url, "/api/today") == 0)
		return send_body(s, c, body_today, NULL, "application/json", cookie);
	if (strncmp(url, "/api/units/", 11) == 0)
		return mac_ok(url + 11, mac) ? send_body(s, c, body_unit, mac, "application/json", cookie)
		       : send_text(c, MHD_HTTP_BAD_REQUEST, "not a MAC address (use aa:bb:cc:dd:ee:ff)\n");
	if (strcmp(url, "/metrics") == 0)
		return send_body(s, c, body_metrics, NULL, "text/plain; version=0.0.4; charset=utf-8",
				 cookie);
	return send_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

/* ---- start and stop --------------------------------------------------- */

int http_start(const struct st_config *cfg, const char *listen, const char *token_file,
	       struct http_server **ret, char *err, size_t cap)
{
	*ret = NULL;
	struct sockaddr_storage sa;
	unsigned salen;
	int loopback;
	if (http_listen_parse(listen, &sa, &salen, &loopback, err, cap) != 0)
		return -1;
	struct http_server *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, cap, "http: out of memory");
		return -1;
	}
	s->fd = -1;
	if (token_file && token_file[0] && http_token_load(&s->token, token_file, err, cap) != 0) {
		free(s);
		return -1;
	}
	if (!loopback && !s->token.set) {
		snprintf(err, cap, "http: %s is not a loopback address and no token is set (fix: "
			 "add token_file = \"/etc/espstation/http.token\"; to the config's http "
			 "group, or listen on 127.0.0.1)", listen);
		free(s);
		return -1;
	}
	char bound[96];
	s->fd = http_listen_bind(&sa, salen, bound, sizeof bound, err, cap);
	if (s->fd < 0) {
		free(s);
		return -1;
	}
	hub_init(&s->hub, cfg);
	s->api.cfg = cfg;
	s->api.hub = &s->hub;
	/* the server's threads must never take the station's signals: the
	 * supervisor reads SIGTERM/SIGINT/SIGCHLD from its signalfd */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
				0, NULL, NULL, route, s,
				MHD_OPTION_LISTEN_SOCKET, s->fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(SSE_KEEPALIVE_MS / 1000 * 3),
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_PER_CONNECTION,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->d) {
		snprintf(err, cap, "http: libmicrohttpd could not start on %s (fix: check the "
			 "address, or the threads and descriptors the station may open)", bound);
		close(s->fd);
		hub_free(&s->hub);
		free(s);
		return -1;
	}
	fprintf(stderr, "espstation: http: listening on %s%s\n", bound,
		s->token.set ? " (token required)" : "");
	fflush(stderr);
	*ret = s;
	return 0;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->sink)
		fclose(s->sink);
	pthread_mutex_lock(&s->hub.mu);
	s->hub.stopping = 1;
	pthread_cond_broadcast(&s->hub.cv);
	pthread_mutex_unlock(&s->hub.mu);
	MHD_stop_daemon(s->d);
	close(s->fd);
	hub_free(&s->hub);
	memset(&s->token, 0, sizeof s->token);
	free(s);
}
