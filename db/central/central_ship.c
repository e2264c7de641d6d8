/* SPDX-License-Identifier: MIT */
/* Shipping the local record to the central store, and the backlog.
 *
 * The server is the only bookkeeper: where a call resumes is what the
 * server already holds for this station (the highest journal id, the
 * highest row id of each insert-only table, the newest last_seen of the
 * moving ones), so the station keeps no outbox state and a crash anywhere
 * -- station or server, before, during or after a call -- loses nothing and
 * duplicates nothing: each call is one central transaction, and every
 * delivery is idempotent (central_put_rows: the same row again is a no-op).
 *
 * Order inside a call: the journal after the server's last event, in id
 * order (at most EVENTS_PER_CALL); the rows they refer to are read after
 * them, so a referenced station, adapter, device or image is never newer
 * than the event that names it; a job travels when its "job.end" event
 * does (a closed job never changes again), with its stages, writes,
 * restores and backups; a backup outside a job when its "backup" event
 * does.  A backup row goes only with its file's bytes (or after them: the
 * blob may be there already, content-addressed), read from the row's path
 * and hashed here first: a missing or altered file is a backup_problems row
 * on the server, skipped without holding up the rest, and retried by every
 * later call (a file put back arrives then). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central_priv.h"

#define EVENTS_PER_CALL 1000
#define DEFAULT_MAX_BYTES (8u << 20)
/* no flash is larger (DB_SECTOR_MAP_MAX covers 64 MiB) */
#define BACKUP_MAX ((size_t)64 << 20)
/* a ship_backup() outcome: the byte budget of the call is spent */
#define BUDGET_SPENT 1

/* A JSON array being built. */
struct jarr {
	char *s;
	size_t len, cap;
	int n, ok;
};

static void jarr_add(struct jarr *a, const char *json)
{
	size_t n = strlen(json);

	if (!a->ok)
		return;
	if (a->len + n + 3 > a->cap) {
		size_t cap = (a->len + n + 3) * 2;
		char *p = realloc(a->s, cap);

		if (!p) {
			a->ok = 0;
			return;
		}
		a->s = p;
		a->cap = cap;
	}
	a->s[a->len++] = a->n ? ',' : '[';
	memcpy(a->s + a->len, json, n);
	a->len += n;
	a->s[a->len] = '\0';
	a->n++;
}

static const char *jarr_text(struct jarr *a)
{
	if (a->ok && a->n) {
		a->s[a->len] = ']';
		a->s[a->len + 1] = '\0';
	}
	return a->s;
}

struct ship {
	struct central *c;
	struct db *local;
	struct central_ship_stats *st;
	uint64_t max_bytes;
	char sid[16];                /* the station's central id, as text */
	int budget_spent;
};

/* Delivers one table's rows (a JSON array); *ret_n = rows inserted or
 * updated. */
static int put_rows(struct ship *s, const char *tbl, struct jarr *a, int64_t *ret_n)
{
	const char *p[3] = {s->sid, tbl, NULL};
	char what[64];
	PGresult *res;
	int r;

	*ret_n = 0;
	if (!a->ok)
		return central_fail(s->c, -ENOMEM, "ship: out of memory");
	if (!a->n)
		return 0;
	p[2] = jarr_text(a);
	snprintf(what, sizeof what, "ship %s", tbl);
	r = central_query(s->c, &res, "SELECT central_put_rows($1::integer, $2, $3::jsonb)", 3, p,
			  what);
	if (r)
		return r;
	*ret_n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	s->st->rows += *ret_n;
	return 0;
}

/* db_export_rows() callback: adds the row to a JSON array. */
static int collect(void *user, const struct db_export_row *row)
{
	jarr_add(user, row->json);
	return 0;
}

/* Exports rows of a table (by, value) and delivers them. */
static int ship_table(struct ship *s, const char *tbl, enum db_export_by by, int64_t value,
		      int64_t *ret_n)
{
	struct jarr a = {.ok = 1};
	int r = db_export_rows(s->local, tbl, by, value, 0, collect, &a);

	if (r)
		r = central_fail(s->c, r, "central store %s: read the local %s: %s", s->c->url, tbl,
				 db_errmsg(s->local));
	else
		r = put_rows(s, tbl, &a, ret_n);
	free(a.s);
	return r;
}

/* Records why a backup could not be shipped; it is retried next call. */
static int problem(struct ship *s, const struct db_export_row *b, const char *why)
{
	char id[24], text[sizeof s->st->problem];
	const char *p[3] = {s->sid, id, text};
	PGresult *res;
	int r;

	snprintf(id, sizeof id, "%" PRId64, b->id);
	snprintf(text, sizeof text, "backup %" PRId64 " (%s): %s (put it back; it is retried)",
		 b->id, b->path, why);
	r = central_query(s->c, &res,
			  "INSERT INTO backup_problems (station_id, local_id, problem)"
			  " VALUES ($1::integer, $2::bigint, $3) ON CONFLICT (station_id, local_id)"
			  " DO UPDATE SET problem = EXCLUDED.problem, last_at = now(),"
			  " tries = backup_problems.tries + 1, resolved_at = NULL",
			  3, p, "record an unshippable backup");
	PQclear(res);
	if (r == 0) {
		s->st->unshippable++;
		snprintf(s->st->problem, sizeof s->st->problem, "%s", text);
	}
	return r;
}

/* One backup row: its file's bytes first (unless the server has them),
 * then the row.  0 (shipped or skipped as a problem), BUDGET_SPENT, or an
 * error. */
static int ship_backup(struct ship *s, const struct db_export_row *b)
{
	const char *p[3] = {b->sha256, NULL, NULL};
	unsigned char *data = NULL;
	char size[24], got[65], id[24], why[128];
	struct jarr a = {.ok = 1};
	PGresult *res;
	size_t len;
	int64_t n;
	int r, have;

	r = central_query(s->c, &res, "SELECT 1 FROM blobs WHERE sha256 = $1", 1, p,
			  "look up a backup file");
	if (r)
		return r;
	have = PQntuples(res) > 0;
	PQclear(res);
	if (!have) {
		if (s->st->bytes > 0 && s->st->bytes + b->size > s->max_bytes)
			return BUDGET_SPENT;
		r = central_read_file(b->path, BACKUP_MAX, &data, &len);
		if (r) {
			snprintf(why, sizeof why, "file missing or unreadable: %s", strerror(-r));
			return problem(s, b, why);
		}
		central_sha256_hex(data, len, got);
		if (len != b->size || strcmp(got, b->sha256) != 0) {
			free(data);
			snprintf(why, sizeof why, "file altered: %zu bytes, SHA-256 %.16s..., not the "
				 "recorded ones", len, got);
			return problem(s, b, why);
		}
		snprintf(size, sizeof size, "%zu", len);
		{
			const char *vals[3] = {b->sha256, size, (const char *)data};
			int lens[3] = {0, 0, (int)len}, fmts[3] = {0, 0, 1};

			res = PQexecParams(s->c->pg,
					   "INSERT INTO blobs (sha256, size, data)"
					   " VALUES ($1, $2::bigint, $3::bytea) ON CONFLICT (sha256) DO NOTHING",
					   3, NULL, vals, lens, fmts, 0);
		}
		free(data);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return central_fail_pg(s->c, res, "ship a backup file");
		PQclear(res);
		s->st->bytes += len;
	}
	jarr_add(&a, b->json);
	r = put_rows(s, "backups", &a, &n);
	free(a.s);
	if (r)
		return r;
	s->st->backups += n;
	snprintf(id, sizeof id, "%" PRId64, b->id);
	p[0] = s->sid;
	p[1] = id;
	r = central_query(s->c, &res, "UPDATE backup_problems SET resolved_at = now()"
			  " WHERE station_id = $1::integer AND local_id = $2::bigint"
			  " AND resolved_at IS NULL", 2, p, "resolve a backup problem");
	PQclear(res);
	return r;
}

/* A job's backups, collected first (a callback must not run the next
 * statement's callbacks into the budget). */
struct rows {
	struct db_export_row *v;
	size_t n, cap;
	int ok;
};

static int keep(void *user, const struct db_export_row *row)
{
	struct rows *rs = user;
	struct db_export_row *x;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		void *p = realloc(rs->v, cap * sizeof *rs->v);

		if (!p)
			return -ENOMEM;
		rs->v = p;
		rs->cap = cap;
	}
	x = &rs->v[rs->n];
	*x = *row;
	x->table = row->table;
	x->json = strdup(row->json);
	x->type = strdup(row->type);
	x->path = strdup(row->path);
	x->sha256 = strdup(row->sha256);
	if (!x->json || !x->type || !x->path || !x->sha256) {
		free((char *)x->json);
		free((char *)x->type);
		free((char *)x->path);
		free((char *)x->sha256);
		return -ENOMEM;
	}
	rs->n++;
	return 0;
}

static void rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free((char *)rs->v[i].json);
		free((char *)rs->v[i].type);
		free((char *)rs->v[i].path);
		free((char *)rs->v[i].sha256);
	}
	free(rs->v);
	memset(rs, 0, sizeof *rs);
}

static int export_fail(struct ship *s, int r, const char *what)
{
	return central_fail(s->c, r, "central store %s: read the local %s: %s", s->c->url, what,
			    r == -ENOMEM ? "out of memory" : db_errmsg(s->local));
}

/* The backups of a job (by = DB_EXPORT_JOB) or one backup (DB_EXPORT_ID). */
static int ship_backups(struct ship *s, enum db_export_by by, int64_t value)
{
	struct rows bs = {0};
	int r = db_export_rows(s->local, "backups", by, value, 0, keep, &bs);

	if (r)
		r = export_fail(s, r, "backups");
	for (size_t i = 0; r == 0 && i < bs.n; i++)
		r = ship_backup(s, &bs.v[i]);
	rows_free(&bs);
	return r;
}

/* A closed job whole: its backups (with their files), then the job and the
 * rest of its rows.  0, BUDGET_SPENT or an error. */
static int ship_job(struct ship *s, int64_t job_id)
{
	static const char *const tables[] = {"job_stages", "job_writes", "restores"};
	int64_t n;
	int r = ship_backups(s, DB_EXPORT_JOB, job_id);

	if (r)
		return r;
	r = ship_table(s, "jobs", DB_EXPORT_ID, job_id, &n);
	if (r)
		return r;
	s->st->jobs += n;
	for (size_t i = 0; r == 0 && i < sizeof tables / sizeof tables[0]; i++)
		r = ship_table(s, tables[i], DB_EXPORT_JOB, job_id, &n);
	return r;
}

int central_station(struct central *c, struct db *local)
{
	char name[65];
	const char *p[1] = {name};
	PGresult *res;
	int r = db_export_station(local, name);

	if (r)
		return central_fail(c, r, "central store %s: %s", c->url, db_errmsg(local));
	if (c->station_id && strcmp(name, c->station) == 0)
		return 0;
	/* look before registering: a read-only session may not INSERT even
	 * when the row is there already */
	r = central_query(c, &res, "SELECT id FROM stations WHERE name = $1", 1, p,
			  "look up the station");
	if (r == 0 && PQntuples(res) == 0 && !c->readonly) {
		PQclear(res);
		r = central_query(c, &res, "INSERT INTO stations (name) VALUES ($1) ON CONFLICT (name)"
				  " DO NOTHING", 1, p, "register the station");
		PQclear(res);
		if (r == 0)
			r = central_query(c, &res, "SELECT id FROM stations WHERE name = $1", 1, p,
					  "register the station");
	}
	if (r)
		return r;
	/* read-only and never shipped: id 0 matches no row, nothing arrived */
	c->station_id = PQntuples(res) ? (int32_t)atoi(PQgetvalue(res, 0, 0)) : 0;
	snprintf(c->station, sizeof c->station, "%s", name);
	PQclear(res);
	return 0;
}

/* Where this station's record stands on the server. */
struct marks {
	int64_t events, stations, images, adapters, devices, adapters_seen, devices_seen;
};

static int read_marks(struct ship *s, struct marks *m)
{
	const char *p[1] = {s->sid};
	PGresult *res;
	int r = central_query(s->c, &res,
			      "SELECT (SELECT coalesce(max(local_id), 0) FROM journal WHERE station_id = $1::integer),"
			      " max(local_id) FILTER (WHERE tbl = 'stations'),"
			      " max(local_id) FILTER (WHERE tbl = 'images'),"
			      " max(local_id) FILTER (WHERE tbl = 'adapters'),"
			      " max(local_id) FILTER (WHERE tbl = 'devices'),"
			      " max(version_ms) FILTER (WHERE tbl = 'adapters'),"
			      " max(version_ms) FILTER (WHERE tbl = 'devices')"
			      " FROM station_rows WHERE station_id = $1::integer"
			      " AND tbl IN ('stations', 'images', 'adapters', 'devices')",
			      1, p, "read what arrived");

	if (r)
		return r;
	m->events = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	m->stations = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	m->images = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	m->adapters = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	m->devices = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	m->adapters_seen = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
	m->devices_seen = strtoll(PQgetvalue(res, 0, 6), NULL, 10);
	PQclear(res);
	return 0;
}

/* The tables events refer to: new rows, and adapters and devices that
 * moved (last_seen at or after the newest the server has; the same row
 * again is a no-op). */
static int ship_references(struct ship *s, const struct marks *m)
{
	int64_t n;
	int r = ship_table(s, "stations", DB_EXPORT_AFTER_ID, m->stations, &n);

	if (r == 0)
		r = ship_table(s, "images", DB_EXPORT_AFTER_ID, m->images, &n);
	if (r == 0)
		r = ship_table(s, "adapters", DB_EXPORT_AFTER_ID, m->adapters, &n);
	if (r == 0 && m->adapters)
		r = ship_table(s, "adapters", DB_EXPORT_SEEN_SINCE, m->adapters_seen, &n);
	if (r == 0)
		r = ship_table(s, "devices", DB_EXPORT_AFTER_ID, m->devices, &n);
	if (r == 0 && m->devices)
		r = ship_table(s, "devices", DB_EXPORT_SEEN_SINCE, m->devices_seen, &n);
	return r;
}

/* Backups skipped earlier (file missing or altered): tried again. */
static int retry_problems(struct ship *s)
{
	const char *p[1] = {s->sid};
	PGresult *res;
	int r = central_query(s->c, &res,
			      "SELECT local_id FROM backup_problems WHERE station_id = $1::integer"
			      " AND resolved_at IS NULL ORDER BY local_id LIMIT 100",
			      1, p, "read unshippable backups");

	for (int i = 0; r == 0 && i < PQntuples(res) && !s->budget_spent; i++) {
		r = ship_backups(s, DB_EXPORT_ID, strtoll(PQgetvalue(res, i, 0), NULL, 10));
		if (r == BUDGET_SPENT) {
			s->budget_spent = 1;
			r = 0;
		}
	}
	PQclear(res);
	return r;
}

/* The batch: events after the server's last, with what they close. */
static int ship_events(struct ship *s, const struct marks *m, int *ret_more)
{
	struct rows ev = {0};
	struct jarr a = {.ok = 1};
	const char *p[2] = {s->sid, NULL};
	PGresult *res;
	size_t i;
	int r;

	r = db_export_rows(s->local, "events", DB_EXPORT_AFTER_ID, m->events, EVENTS_PER_CALL, keep,
			   &ev);
	if (r) {
		r = export_fail(s, r, "journal");
		goto out;
	}
	/* read after the events: every row they name is there by now */
	r = ship_references(s, m);
	for (i = 0; r == 0 && i < ev.n && !s->budget_spent; i++) {
		const struct db_export_row *e = &ev.v[i];

		if (strcmp(e->type, "job.end") == 0 && e->job_id)
			r = ship_job(s, e->job_id);
		else if (strcmp(e->type, "backup") == 0 && !e->job_id && e->backup_id)
			r = ship_backups(s, DB_EXPORT_ID, e->backup_id);
		if (r == BUDGET_SPENT) {
			/* this event and the rest wait for the next call */
			s->budget_spent = 1;
			r = 0;
			break;
		}
		if (r == 0)
			jarr_add(&a, e->json);
	}
	if (r == 0 && !a.ok)
		r = central_fail(s->c, -ENOMEM, "ship: out of memory");
	if (r == 0 && a.n) {
		p[1] = jarr_text(&a);
		r = central_query(s->c, &res, "SELECT central_put_events($1::integer, $2::jsonb)", 2, p,
				  "ship the journal");
		if (r == 0) {
			s->st->events += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			PQclear(res);
		}
	}
	*ret_more = s->budget_spent || ev.n == EVENTS_PER_CALL;
out:
	rows_free(&ev);
	free(a.s);
	return r;
}

int central_ship(struct central *c, struct db *local, uint64_t max_bytes,
		 struct central_ship_stats *st)
{
	struct central_ship_stats dummy;
	struct ship s = {.c = c, .local = local};
	struct marks m;
	int r, more = 0;

	if (!c || !local)
		return -EINVAL;
	s.st = st ? st : &dummy;
	memset(s.st, 0, sizeof *s.st);
	if (c->readonly)
		return central_fail(c, -EPERM, "central store %s: opened read-only, cannot ship "
				    "(a bug: the shipper opens with central_open)", c->url);
	s.max_bytes = max_bytes ? max_bytes : DEFAULT_MAX_BYTES;
	r = central_alive(c);
	if (r == 0)
		r = central_station(c, local);
	if (r)
		return r;
	snprintf(s.sid, sizeof s.sid, "%d", (int)c->station_id);
	r = central_exec(c, "BEGIN", "ship: begin");
	if (r)
		return r;
	r = read_marks(&s, &m);
	if (r == 0)
		r = retry_problems(&s);
	if (r == 0)
		r = ship_events(&s, &m, &more);
	if (r == 0)
		r = central_exec(c, "COMMIT", "ship: commit");
	if (r) {
		/* nothing of this call stays; the dead connection is reset next call */
		if (PQstatus(c->pg) == CONNECTION_OK)
			PQclear(PQexec(c->pg, "ROLLBACK"));
		memset(s.st, 0, sizeof *s.st);
		return r;
	}
	return more ? 0 : 1;
}

int central_backlog(struct central *c, struct db *local, struct central_backlog *ret)
{
	struct db_export_counts lc;
	const char *p[1];
	char sid[16];
	PGresult *res;
	int64_t ev, jobs, backups;
	uint64_t bytes;
	int r;

	if (!c || !local || !ret)
		return -EINVAL;
	memset(ret, 0, sizeof *ret);
	r = central_alive(c);
	if (r == 0)
		r = central_station(c, local);
	if (r)
		return r;
	snprintf(sid, sizeof sid, "%d", (int)c->station_id);
	p[0] = sid;
	r = central_query(c, &res,
			  "SELECT (SELECT coalesce(max(local_id), 0) FROM journal WHERE station_id = $1::integer),"
			  " count(*) FILTER (WHERE tbl = 'jobs'), count(*) FILTER (WHERE tbl = 'backups'),"
			  " coalesce(sum((row->>'size')::bigint) FILTER (WHERE tbl = 'backups'), 0)"
			  " FROM station_rows WHERE station_id = $1::integer AND tbl IN ('jobs', 'backups')",
			  1, p, "read what arrived");
	if (r)
		return r;
	ev = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	jobs = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	backups = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	bytes = strtoull(PQgetvalue(res, 0, 3), NULL, 10);
	PQclear(res);
	r = db_export_counts(local, ev, &lc);
	if (r)
		return central_fail(c, r, "central store %s: read the local counts: %s", c->url,
				    db_errmsg(local));
	ret->events = lc.events_after;
	ret->oldest_ms = lc.oldest_ms;
	ret->jobs = lc.jobs_closed > jobs ? lc.jobs_closed - jobs : 0;
	ret->backups = lc.backups > backups ? lc.backups - backups : 0;
	ret->backup_bytes = lc.backup_bytes > bytes ? lc.backup_bytes - bytes : 0;
	return 0;
}
