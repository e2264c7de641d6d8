/* SPDX-License-Identifier: MIT */
/* The connection to the central store: the url checked (no password in it)
 * and redacted for every message, the password read from its own file and
 * handed to libpq as a separate keyword (so it is in no string we format),
 * and libpq's failures mapped to the codes of central.h in one line.  One
 * connect path for both opens: migrating (central_open) and read-only
 * (central_open_readonly: a read-only session, the version checked). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central_priv.h"

int central_fail(struct central *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	return code;
}

void central_one_line(char *s)
{
	char *w = s;

	/* in place, so never longer: a line break becomes one blank */
	for (char *r = s; *r; r++) {
		char ch = (*r == '\n' || *r == '\r' || *r == '\t') ? ' ' : *r;

		if (ch == ' ' && (w == s || w[-1] == ' '))
			continue;
		*w++ = ch;
	}
	*w = '\0';
	while (w > s && w[-1] == ' ')
		*--w = '\0';
}

/* The scheme's length, or 0 when url is not postgresql:// or postgres://. */
static size_t scheme_len(const char *url)
{
	if (strncmp(url, "postgresql://", 13) == 0)
		return 13;
	if (strncmp(url, "postgres://", 11) == 0)
		return 11;
	return 0;
}

/* 1 when url carries a password: user:PASSWORD@ or a password= parameter. */
static int url_has_password(const char *url)
{
	size_t s = scheme_len(url);
	const char *auth = url + s, *end = auth + strcspn(auth, "/?"), *at, *q;

	at = memchr(auth, '@', (size_t)(end - auth));
	if (at && memchr(auth, ':', (size_t)(at - auth)))
		return 1;
	for (q = strchr(url, '?'); q; q = strchr(q + 1, '&'))
		if (strncmp(q + 1, "password=", 9) == 0)
			return 1;
	return 0;
}

/* Appends n bytes of s to buf (cap) at *o, cutting at cap. */
static void put(char *buf, size_t cap, size_t *o, const char *s, size_t n)
{
	while (n-- && *o + 1 < cap)
		buf[(*o)++] = *s++;
	buf[*o] = '\0';
}

const char *central_url_redacted(const char *url, char *buf, size_t cap)
{
	const char *auth, *end, *at, *colon, *q, *p;
	size_t s, o = 0;
	int first = 1;

	if (!cap)
		return buf;
	buf[0] = '\0';
	s = url ? scheme_len(url) : 0;
	if (!s) {
		/* not a url we take: say only what kind it is */
		snprintf(buf, cap, "(not a postgresql:// url)");
		return buf;
	}
	auth = url + s;
	end = auth + strcspn(auth, "/?");
	at = memchr(auth, '@', (size_t)(end - auth));
	put(buf, cap, &o, url, s);
	if (at) {
		/* user:PASSWORD@ -> user@ */
		colon = memchr(auth, ':', (size_t)(at - auth));
		put(buf, cap, &o, auth, (size_t)((colon ? colon : at) - auth));
		auth = at;
	}
	q = strchr(end, '?');
	put(buf, cap, &o, auth, (size_t)((q ? q : end + strlen(end)) - auth));
	for (p = q; p; p = strchr(p + 1, '&')) {
		size_t n = strcspn(p + 1, "&");

		if (strncmp(p + 1, "password=", 9) == 0)
			continue;
		put(buf, cap, &o, first ? "?" : "&", 1);
		put(buf, cap, &o, p + 1, n);
		first = 0;
	}
	return buf;
}

/* A connection failure's cause as a code, from libpq's words (it has no
 * code for them; the words are stable across its versions). */
static int connect_code(const char *msg)
{
	if (strstr(msg, "password authentication failed") || strstr(msg, "no password supplied") ||
	    strstr(msg, "authentication failed") || strstr(msg, "permission denied") ||
	    strstr(msg, "no pg_hba.conf entry") || strstr(msg, "fe_sendauth"))
		return -EACCES;
	if (strstr(msg, "Connection refused") || strstr(msg, "No such file or directory"))
		return -ECONNREFUSED;
	if (strstr(msg, "timeout expired") || strstr(msg, "timed out"))
		return -ETIMEDOUT;
	if (strstr(msg, "No route to host") || strstr(msg, "Network is unreachable") ||
	    strstr(msg, "could not translate host name") || strstr(msg, "Name or service not known"))
		return -EHOSTUNREACH;
	if (strstr(msg, "server closed the connection") || strstr(msg, "Connection reset") ||
	    strstr(msg, "terminating connection") || strstr(msg, "the database system is"))
		return -ECONNRESET;
	return -EIO;
}

/* A server error's SQLSTATE as a code. */
static int sqlstate_code(const char *state, const char *constraint)
{
	if (!state)
		return -EIO;
	if (strcmp(state, "ES409") == 0)
		return -EEXIST;
	if (strcmp(state, "ES400") == 0 ||
	    (strcmp(state, "23514") == 0 && constraint && strcmp(constraint, "blobs_sha256_matches") == 0))
		return -EBADMSG;
	if (strcmp(state, "ES403") == 0)
		return -EPERM;
	if (strncmp(state, "28", 2) == 0 || strcmp(state, "42501") == 0)
		return -EACCES;
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
		return -ECONNRESET;
	if (strcmp(state, "57014") == 0)
		return -ETIMEDOUT;
	return -EIO;
}

int central_fail_pg(struct central *c, PGresult *res, const char *what)
{
	char msg[512];
	int code;

	if (res && PQresultErrorField(res, PG_DIAG_SQLSTATE)) {
		snprintf(msg, sizeof msg, "%s", PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
		code = sqlstate_code(PQresultErrorField(res, PG_DIAG_SQLSTATE),
				     PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME));
	} else {
		snprintf(msg, sizeof msg, "%s", c->pg ? PQerrorMessage(c->pg) : "no connection");
		code = connect_code(msg);
		if (code == -EIO && c->pg && PQstatus(c->pg) == CONNECTION_BAD)
			code = -ECONNRESET;
	}
	PQclear(res);
	central_one_line(msg);
	if (code == -EEXIST)
		return central_fail(c, code, "central store %s: %s: %s (fix: give each bench its own "
				    "station = name in its config)", c->url, what, msg);
	/* connect adds the fix that fits its cause (central_open) */
	if ((code == -ECONNRESET || code == -ECONNREFUSED || code == -ETIMEDOUT) &&
	    strcmp(what, "connect") != 0)
		return central_fail(c, code, "central store %s: %s: %s (fix: check that the server "
				    "runs and the network reaches it)", c->url, what, msg);
	return central_fail(c, code, "central store %s: %s: %s", c->url, what, msg);
}

int central_query(struct central *c, PGresult **ret, const char *sql, int n,
		  const char *const *params, const char *what)
{
	PGresult *res = PQexecParams(c->pg, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	*ret = NULL;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		return central_fail_pg(c, res, what);
	*ret = res;
	return 0;
}

int central_exec(struct central *c, const char *sql, const char *what)
{
	/* the simple protocol: a migration is several statements */
	PGresult *res = PQexec(c->pg, sql);
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		return central_fail_pg(c, res, what);
	PQclear(res);
	return 0;
}

/* What every session of ours runs first; again after a reconnect, since
 * settings die with their session. */
static int session_setup(struct central *c)
{
	int r = central_exec(c, "SET client_min_messages = warning", "session");

	/* read-only: the server refuses any write of ours, not only the role's
	 * privileges (restore and status connect as the station's own role) */
	if (r == 0 && c->readonly)
		r = central_exec(c, "SET default_transaction_read_only = on", "session");
	return r;
}

int central_alive(struct central *c)
{
	if (PQstatus(c->pg) == CONNECTION_OK)
		return 0;
	PQreset(c->pg);
	if (PQstatus(c->pg) == CONNECTION_OK)
		return session_setup(c);
	return central_fail_pg(c, NULL, "reconnect");
}

/* The first line of the password file into pw. */
static int read_password(const char *path, char *pw, size_t cap, char *err, size_t errlen,
			 const char *url)
{
	FILE *f = fopen(path, "re");
	int e;

	if (!f) {
		e = errno;
		snprintf(err, errlen, "central store %s: password_file %s: %s (fix: %s)", url, path,
			 strerror(e), e == ENOENT ? "create it with the password on its first line"
						  : "let the station's user read it (mode 0600)");
		return e == ENOENT ? -EINVAL : -EACCES;
	}
	if (!fgets(pw, (int)cap, f))
		pw[0] = '\0';
	fclose(f);
	pw[strcspn(pw, "\r\n")] = '\0';
	if (!pw[0]) {
		snprintf(err, errlen, "central store %s: password_file %s is empty (fix: put the "
			 "password on its first line)", url, path);
		return -EINVAL;
	}
	return 0;
}

int central_open_at(const char *url, const char *password_file, int target, struct central **ret,
		    char *err, size_t errlen)
{
	char pw[256] = "", safe[512];
	const char *keys[5], *vals[5];
	struct central *c;
	int n = 0, r;

	*ret = NULL;
	if (!err || !errlen) {
		static char ignored[8];

		err = ignored;
		errlen = sizeof ignored;
	}
	err[0] = '\0';
	central_url_redacted(url, safe, sizeof safe);
	if (!url || !scheme_len(url)) {
		snprintf(err, errlen, "central store %s: the url must start with postgresql:// "
			 "(fix: central = { url = \"postgresql://USER@HOST/DB\"; })", safe);
		return -EINVAL;
	}
	if (url_has_password(url)) {
		snprintf(err, errlen, "central store %s: the url holds a password (fix: move it to "
			 "password_file; a url ends up in logs)", safe);
		return -EINVAL;
	}
	if (password_file && *password_file) {
		r = read_password(password_file, pw, sizeof pw, err, errlen, safe);
		if (r)
			return r;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "central store %s: out of memory", safe);
		return -ENOMEM;
	}
	snprintf(c->url, sizeof c->url, "%s", safe);
	/* the url's own connect_timeout wins (it comes later) */
	keys[n] = "connect_timeout", vals[n++] = "5";
	keys[n] = "application_name", vals[n++] = "espstation";
	keys[n] = "dbname", vals[n++] = url;
	if (pw[0])
		keys[n] = "password", vals[n++] = pw;
	keys[n] = NULL, vals[n] = NULL;
	c->pg = PQconnectdbParams(keys, vals, 1);
	memset(pw, 0, sizeof pw);
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
		r = central_fail_pg(c, NULL, "connect");
		if (r == -EACCES)
			snprintf(c->err + strlen(c->err), sizeof c->err - strlen(c->err),
				 " (fix: check the user in the url and the password in password_file)");
		else if (r == -ECONNREFUSED || r == -ETIMEDOUT || r == -ECONNRESET || r == -EHOSTUNREACH)
			snprintf(c->err + strlen(c->err), sizeof c->err - strlen(c->err),
				 " (fix: start the server, or check host and port)");
		goto fail;
	}
	c->readonly = target == CENTRAL_OPEN_READONLY;
	r = session_setup(c);
	if (r == 0)
		r = c->readonly ? central_schema_check(c) : central_schema_migrate(c, target);
	if (r)
		goto fail;
	*ret = c;
	return 0;
fail:
	snprintf(err, errlen, "%s", c->err);
	central_close(c);
	return r;
}

int central_open(const char *url, const char *password_file, struct central **ret, char *err,
		 size_t errlen)
{
	return central_open_at(url, password_file, CENTRAL_SCHEMA_VERSION, ret, err, errlen);
}

int central_open_readonly(const char *url, const char *password_file, struct central **ret,
			  char *err, size_t errlen)
{
	return central_open_at(url, password_file, CENTRAL_OPEN_READONLY, ret, err, errlen);
}

void central_close(struct central *c)
{
	if (!c)
		return;
	if (c->pg)
		PQfinish(c->pg);
	free(c);
}

const char *central_errmsg(const struct central *c)
{
	return c ? c->err : "";
}

int central_schema_version(struct central *c)
{
	return c ? c->version : 0;
}
