/* SPDX-License-Identifier: MIT */
/* The central schema (PostgreSQL 15) and its forward-only migrations.
 *
 * Version log -- one line per released version; never edit a released
 * version's SQL, add a version:
 *   v1  stations (one per shipping station name); station_rows (every
 *       shipped row of a local table, whole, as jsonb, keyed by station,
 *       table and local id, with the SHA-256 of its canonical text);
 *       journal (the local events); blobs (backup files, bytea,
 *       content-addressed and re-hashed by a CHECK); append-only triggers;
 *       central_put_rows / central_put_events (idempotent delivery: the
 *       same row again is a no-op, other content a conflict, SQLSTATE
 *       ES409).
 *   v2  backup_problems (backups a station could not ship: file missing
 *       or altered; retried by every later call); views for people:
 *       central_jobs, central_backups, central_devices, central_events.
 *
 * Rules, as for the local schema (db_schema.c): a migration only adds
 * (tables, columns, indexes, triggers, functions and views may be
 * replaced); nothing is deleted; append-only is never relaxed.  Each
 * version runs in one transaction holding pg_advisory_xact_lock, so
 * stations starting together migrate one after the other, and the later
 * ones find the work done.  A read-only open (central_schema_check) only
 * reads the version: older schemas down to CENTRAL_READ_MIN_VERSION are
 * read as they are.
 *
 * Refusals carry our own SQLSTATEs, which central_conn.c maps:
 *   ES409  a conflict: this key holds other content (-EEXIST)
 *   ES403  history: DELETE, TRUNCATE or UPDATE refused (-EPERM) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "central_priv.h"

#define REFUSE(t)                                                                        \
	"CREATE TRIGGER " t "_no_delete BEFORE DELETE ON " t                                \
	" FOR EACH ROW EXECUTE FUNCTION central_history();\n"                              \
	"CREATE TRIGGER " t "_no_truncate BEFORE TRUNCATE ON " t                            \
	" FOR EACH STATEMENT EXECUTE FUNCTION central_history();\n"
#define NO_UPDATE(t)                                                                     \
	"CREATE TRIGGER " t "_no_update BEFORE UPDATE ON " t                                \
	" FOR EACH ROW EXECUTE FUNCTION central_history();\n"

/* The local tables whose rows travel whole (events go to journal). */
#define ROW_TABLES                                                                       \
	"'stations', 'adapters', 'devices', 'images', 'jobs', 'job_stages', 'job_writes',"  \
	" 'backups', 'restores'"

static const char s_v1[] =
	"CREATE FUNCTION central_history() RETURNS trigger LANGUAGE plpgsql AS $$\n"
	"BEGIN\n"
	"  RAISE EXCEPTION '% rows are history: % refused', TG_TABLE_NAME, TG_OP\n"
	"    USING ERRCODE = 'ES403';\n"
	"END $$;\n"
	REFUSE("central_schema_log") NO_UPDATE("central_schema_log")

	"CREATE TABLE stations (\n"
	"  id          serial PRIMARY KEY,\n"
	"  name        text NOT NULL UNIQUE CHECK (name <> ''),\n"
	"  created_at  timestamptz NOT NULL DEFAULT now()\n"
	");\n"
	REFUSE("stations") NO_UPDATE("stations")

	/* every row of the local tables, whole; row_sha256 is the SHA-256 of
	 * jsonb's canonical text (keys sorted, one spelling of each value) */
	"CREATE TABLE station_rows (\n"
	"  station_id  integer NOT NULL REFERENCES stations(id),\n"
	"  tbl         text NOT NULL CHECK (tbl IN (" ROW_TABLES ")),\n"
	"  local_id    bigint NOT NULL,\n"
	"  version_ms  bigint,\n"
	"  row         jsonb NOT NULL CHECK (jsonb_typeof(row) = 'object'),\n"
	"  row_sha256  text NOT NULL,\n"
	"  shipped_at  timestamptz NOT NULL DEFAULT now(),\n"
	"  updated_at  timestamptz,\n"
	"  PRIMARY KEY (station_id, tbl, local_id),\n"
	"  CHECK ((row->>'id')::bigint = local_id)\n"
	");\n"
	"CREATE INDEX station_rows_version ON station_rows (station_id, tbl, version_ms)\n"
	"  WHERE version_ms IS NOT NULL;\n"
	"CREATE INDEX station_rows_mac ON station_rows ((row->>'mac')) WHERE tbl = 'devices';\n"
	"CREATE INDEX station_rows_sha256 ON station_rows ((row->>'sha256')) WHERE tbl = 'backups';\n"
	"CREATE FUNCTION central_row_hash() RETURNS trigger LANGUAGE plpgsql AS $$\n"
	"BEGIN\n"
	"  NEW.row_sha256 := encode(sha256(convert_to(NEW.row::text, 'UTF8')), 'hex');\n"
	"  RETURN NEW;\n"
	"END $$;\n"
	"CREATE TRIGGER station_rows_hash BEFORE INSERT OR UPDATE ON station_rows\n"
	"  FOR EACH ROW EXECUTE FUNCTION central_row_hash();\n"
	/* what the local schema lets change, and nothing else: an adapter's or
	 * a device's last_seen moving forward, a device's family, description
	 * and revision filled once, its security changing (never unset) */
	"CREATE FUNCTION central_row_update() RETURNS trigger LANGUAGE plpgsql AS $$\n"
	"DECLARE\n"
	"  moving text[] := CASE OLD.tbl WHEN 'adapters' THEN ARRAY['last_seen_ms']\n"
	"    WHEN 'devices' THEN ARRAY['last_seen_ms', 'family', 'description', 'revision',\n"
	"                              'security'] END;\n"
	"  k text;\n"
	"BEGIN\n"
	"  IF moving IS NULL OR NEW.station_id <> OLD.station_id OR NEW.tbl <> OLD.tbl\n"
	"     OR NEW.local_id <> OLD.local_id THEN\n"
	"    RAISE EXCEPTION '% rows are history: UPDATE refused', OLD.tbl USING ERRCODE = 'ES403';\n"
	"  END IF;\n"
	"  IF (NEW.row - moving) <> (OLD.row - moving) THEN\n"
	"    RAISE EXCEPTION '% row % of station % changed what never changes', OLD.tbl,\n"
	"      OLD.local_id, OLD.station_id USING ERRCODE = 'ES409';\n"
	"  END IF;\n"
	"  IF (NEW.row->>'last_seen_ms')::bigint < (OLD.row->>'last_seen_ms')::bigint THEN\n"
	"    RAISE EXCEPTION '% row % of station %: last_seen_ms moved back', OLD.tbl,\n"
	"      OLD.local_id, OLD.station_id USING ERRCODE = 'ES409';\n"
	"  END IF;\n"
	"  FOREACH k IN ARRAY ARRAY['family', 'description', 'revision'] LOOP\n"
	"    IF OLD.tbl = 'devices' AND OLD.row->>k IS NOT NULL\n"
	"       AND NEW.row->>k IS DISTINCT FROM OLD.row->>k THEN\n"
	"      RAISE EXCEPTION 'devices row % of station %: % is set once', OLD.local_id,\n"
	"        OLD.station_id, k USING ERRCODE = 'ES409';\n"
	"    END IF;\n"
	"  END LOOP;\n"
	"  IF OLD.tbl = 'devices' AND OLD.row->>'security' IS NOT NULL\n"
	"     AND NEW.row->>'security' IS NULL THEN\n"
	"    RAISE EXCEPTION 'devices row % of station %: security once read is never unset',\n"
	"      OLD.local_id, OLD.station_id USING ERRCODE = 'ES409';\n"
	"  END IF;\n"
	"  RETURN NEW;\n"
	"END $$;\n"
	"CREATE TRIGGER station_rows_update BEFORE UPDATE ON station_rows\n"
	"  FOR EACH ROW EXECUTE FUNCTION central_row_update();\n"
	REFUSE("station_rows")

	/* the local journal: events as they were written */
	"CREATE TABLE journal (\n"
	"  station_id    integer NOT NULL REFERENCES stations(id),\n"
	"  local_id      bigint NOT NULL,\n"
	"  ts_ms         bigint NOT NULL,\n"
	"  ts_utc        text NOT NULL,\n"
	"  type          text NOT NULL CHECK (type <> ''),\n"
	"  job_local_id  bigint,\n"
	"  data          jsonb,\n"
	"  shipped_at    timestamptz NOT NULL DEFAULT now(),\n"
	"  PRIMARY KEY (station_id, local_id)\n"
	");\n"
	"CREATE INDEX journal_job ON journal (station_id, job_local_id);\n"
	REFUSE("journal") NO_UPDATE("journal")

	/* backup files, content-addressed; the server re-hashes every one */
	"CREATE TABLE blobs (\n"
	"  sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),\n"
	"  size        bigint NOT NULL,\n"
	"  data        bytea NOT NULL,\n"
	"  arrived_at  timestamptz NOT NULL DEFAULT now(),\n"
	"  CONSTRAINT blobs_size_matches CHECK (octet_length(data) = size),\n"
	"  CONSTRAINT blobs_sha256_matches CHECK (encode(sha256(data), 'hex') = sha256)\n"
	");\n"
	REFUSE("blobs") NO_UPDATE("blobs")

	/* Idempotent delivery of rows (a JSON array of one table's rows):
	 * a new key is inserted, the same content again is a no-op, a device
	 * or adapter that moved is updated (station_rows_update judges it),
	 * anything else is a conflict.  Returns the rows inserted or updated. */
	"CREATE FUNCTION central_put_rows(p_station integer, p_tbl text, p_rows jsonb)\n"
	"RETURNS integer LANGUAGE plpgsql AS $$\n"
	"DECLARE r jsonb; old jsonb; n integer := 0; lid bigint;\n"
	"BEGIN\n"
	"  FOR r IN SELECT value FROM jsonb_array_elements(p_rows) LOOP\n"
	"    lid := (r->>'id')::bigint;\n"
	"    INSERT INTO station_rows (station_id, tbl, local_id, version_ms, row, row_sha256)\n"
	"      VALUES (p_station, p_tbl, lid, (r->>'last_seen_ms')::bigint, r, '')\n"
	"      ON CONFLICT DO NOTHING;\n"
	"    IF FOUND THEN n := n + 1; CONTINUE; END IF;\n"
	"    SELECT row INTO old FROM station_rows\n"
	"      WHERE station_id = p_station AND tbl = p_tbl AND local_id = lid FOR UPDATE;\n"
	"    CONTINUE WHEN old = r;\n"
	"    IF p_tbl IN ('adapters', 'devices') AND (r - ARRAY['last_seen_ms', 'family',\n"
	"       'description', 'revision', 'security']) = (old - ARRAY['last_seen_ms', 'family',\n"
	"       'description', 'revision', 'security']) THEN\n"
	"      UPDATE station_rows SET row = r, version_ms = (r->>'last_seen_ms')::bigint,\n"
	"        updated_at = now()\n"
	"        WHERE station_id = p_station AND tbl = p_tbl AND local_id = lid;\n"
	"      n := n + 1;\n"
	"      CONTINUE;\n"
	"    END IF;\n"
	"    RAISE EXCEPTION 'station %: % row % is already in the central store with other'\n"
	"      ' content: two databases ship under one station name',\n"
	"      (SELECT name FROM stations WHERE id = p_station), p_tbl, lid\n"
	"      USING ERRCODE = 'ES409';\n"
	"  END LOOP;\n"
	"  RETURN n;\n"
	"END $$;\n"
	/* the same for events (rows of the local events table) */
	"CREATE FUNCTION central_put_events(p_station integer, p_rows jsonb)\n"
	"RETURNS integer LANGUAGE plpgsql AS $$\n"
	"DECLARE r jsonb; o journal; n integer := 0; d jsonb;\n"
	"BEGIN\n"
	"  FOR r IN SELECT value FROM jsonb_array_elements(p_rows) LOOP\n"
	"    d := (r->>'data')::jsonb;\n"
	"    INSERT INTO journal (station_id, local_id, ts_ms, ts_utc, type, job_local_id, data)\n"
	"      VALUES (p_station, (r->>'id')::bigint, (r->>'ts_ms')::bigint, r->>'ts_utc',\n"
	"              r->>'type', (r->>'job_id')::bigint, d)\n"
	"      ON CONFLICT DO NOTHING;\n"
	"    IF FOUND THEN n := n + 1; CONTINUE; END IF;\n"
	"    SELECT * INTO o FROM journal WHERE station_id = p_station\n"
	"      AND local_id = (r->>'id')::bigint;\n"
	"    CONTINUE WHEN o.ts_ms = (r->>'ts_ms')::bigint AND o.ts_utc = r->>'ts_utc'\n"
	"      AND o.type = r->>'type' AND o.job_local_id IS NOT DISTINCT FROM (r->>'job_id')::bigint\n"
	"      AND o.data IS NOT DISTINCT FROM d;\n"
	"    RAISE EXCEPTION 'station %: event % is already in the central store with other'\n"
	"      ' content: two databases ship under one station name',\n"
	"      (SELECT name FROM stations WHERE id = p_station), r->>'id'\n"
	"      USING ERRCODE = 'ES409';\n"
	"  END LOOP;\n"
	"  RETURN n;\n"
	"END $$;\n";

#define UTC(x) "to_char(to_timestamp((" x ")::double precision / 1000) AT TIME ZONE 'UTC'," \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

static const char s_v2[] =
	/* a backup its station could not ship (file missing or altered):
	 * retried by every later call until it goes (resolved_at), so a file
	 * put back arrives; a work list, so UPDATE is allowed, DELETE is not */
	"CREATE TABLE backup_problems (\n"
	"  station_id   integer NOT NULL REFERENCES stations(id),\n"
	"  local_id     bigint NOT NULL,\n"
	"  problem      text NOT NULL,\n"
	"  first_at     timestamptz NOT NULL DEFAULT now(),\n"
	"  last_at      timestamptz NOT NULL DEFAULT now(),\n"
	"  tries        integer NOT NULL DEFAULT 1,\n"
	"  resolved_at  timestamptz,\n"
	"  PRIMARY KEY (station_id, local_id)\n"
	");\n"
	"CREATE INDEX backup_problems_open ON backup_problems (station_id) WHERE resolved_at IS NULL;\n"
	REFUSE("backup_problems")

	/* for an auditor in psql */
	"CREATE VIEW central_jobs AS\n"
	"SELECT s.name AS station, j.local_id AS job_id, st.row->>'name' AS job_station,\n"
	"       j.row->>'slot' AS slot, j.row->>'mode' AS mode, d.row->>'mac' AS mac,\n"
	"       d.row->>'chip' AS chip, j.row->>'result' AS result, j.row->>'stage' AS stage,\n"
	"       j.row->>'err_name' AS err_name, j.row->>'err_msg' AS err_msg,\n"
	"       " UTC("j.row->>'start_ms'") " AS start_utc,\n"
	"       " UTC("j.row->>'end_ms'") " AS end_utc,\n"
	"       (j.row->>'end_ms')::bigint - (j.row->>'start_ms')::bigint AS cycle_ms,\n"
	"       j.shipped_at\n"
	"FROM station_rows j JOIN stations s ON s.id = j.station_id\n"
	"LEFT JOIN station_rows st ON st.station_id = j.station_id AND st.tbl = 'stations'\n"
	"  AND st.local_id = (j.row->>'station_id')::bigint\n"
	"LEFT JOIN station_rows d ON d.station_id = j.station_id AND d.tbl = 'devices'\n"
	"  AND d.local_id = (j.row->>'device_id')::bigint\n"
	"WHERE j.tbl = 'jobs';\n"
	"CREATE VIEW central_backups AS\n"
	"SELECT s.name AS station, b.local_id AS backup_id, d.row->>'mac' AS mac,\n"
	"       b.row->>'provenance' AS provenance, (b.row->>'verified')::int AS verified,\n"
	"       (b.row->>'ciphertext')::int AS ciphertext, (b.row->>'size')::bigint AS size,\n"
	"       b.row->>'sha256' AS sha256, b.row->>'path' AS path,\n"
	"       (b.row->>'job_id')::bigint AS job_id, " UTC("b.row->>'created_ms'") " AS created_utc,\n"
	"       bl.arrived_at AS blob_arrived_at, b.shipped_at\n"
	"FROM station_rows b JOIN stations s ON s.id = b.station_id\n"
	"LEFT JOIN station_rows d ON d.station_id = b.station_id AND d.tbl = 'devices'\n"
	"  AND d.local_id = (b.row->>'device_id')::bigint\n"
	"LEFT JOIN blobs bl ON bl.sha256 = b.row->>'sha256'\n"
	"WHERE b.tbl = 'backups';\n"
	"CREATE VIEW central_devices AS\n"
	"SELECT s.name AS station, d.local_id AS device_id, d.row->>'mac' AS mac,\n"
	"       d.row->>'chip' AS chip, d.row->>'family' AS family, d.row->>'security' AS security,\n"
	"       " UTC("d.row->>'first_seen_ms'") " AS first_seen_utc,\n"
	"       " UTC("d.row->>'last_seen_ms'") " AS last_seen_utc\n"
	"FROM station_rows d JOIN stations s ON s.id = d.station_id WHERE d.tbl = 'devices';\n"
	"CREATE VIEW central_events AS\n"
	"SELECT s.name AS station, e.local_id AS event_id, e.job_local_id AS job_id, e.type,\n"
	"       e.ts_utc, e.data, e.shipped_at\n"
	"FROM journal e JOIN stations s ON s.id = e.station_id;\n";

static const char *const s_versions[] = {NULL, s_v1, s_v2};
static const char *const s_descriptions[] = {
	NULL,
	"stations, station_rows, journal, blobs; append-only triggers; central_put_rows, "
	"central_put_events",
	"backup_problems; views central_jobs, central_backups, central_devices, central_events",
};

/* One version, in its own transaction under the advisory lock: 1 when it
 * ran, 0 when the database already had it, or an error. */
/* The newest version applied (0: none), into *have and c->version. */
static int version_read(struct central *c, const char *what, int *have)
{
	PGresult *res;
	int r = central_query(c, &res, "SELECT coalesce(max(version), 0) FROM central_schema_log",
			      0, NULL, what);
	if (r)
		return r;
	*have = c->version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* A store migrated by a newer espstation is not ours to read or change. */
static int version_not_newer(struct central *c, int have)
{
	if (have <= CENTRAL_SCHEMA_VERSION)
		return 0;
	return central_fail(c, -ENOTSUP, "central store %s: schema v%d is newer than this "
			    "espstation (v%d) (fix: upgrade espstation on this bench)", c->url, have,
			    CENTRAL_SCHEMA_VERSION);
}

static int migrate_one(struct central *c, int version)
{
	char v[16], lock[64];
	const char *params[2];
	PGresult *res;
	int r, have;

	r = central_exec(c, "BEGIN", "migrate: begin");
	if (r)
		return r;
	snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%d)", CENTRAL_MIGRATE_LOCK);
	r = central_exec(c, lock, "migrate: lock");
	if (r == 0)
		r = central_exec(c,
				 "CREATE TABLE IF NOT EXISTS central_schema_log (\n"
				 "  version     integer PRIMARY KEY,\n"
				 "  applied_at  timestamptz NOT NULL DEFAULT now(),\n"
				 "  description text NOT NULL\n"
				 ")", "migrate: version log");
	if (r == 0)
		r = version_read(c, "migrate: read version", &have);
	if (r == 0)
		r = version_not_newer(c, have);
	if (r)
		goto fail;
	if (have >= version) {
		r = central_exec(c, "COMMIT", "migrate: commit");
		return r ? r : 0;
	}
	if (have != version - 1) {
		r = central_fail(c, -EIO, "central store %s: schema v%d, expected v%d", c->url, have,
				 version - 1);
		goto fail;
	}
	snprintf(lock, sizeof lock, "migrate to central schema v%d", version);
	r = central_exec(c, s_versions[version], lock);
	if (r)
		goto fail;
	snprintf(v, sizeof v, "%d", version);
	params[0] = v;
	params[1] = s_descriptions[version];
	r = central_query(c, &res, "INSERT INTO central_schema_log (version, description)"
			  " VALUES ($1::integer, $2)", 2, params, lock);
	PQclear(res);
	if (r == 0)
		r = central_exec(c, "COMMIT", "migrate: commit");
	if (r == 0)
		c->version = version;
	return r ? r : 1;
fail:
	PQclear(PQexec(c->pg, "ROLLBACK"));
	return r;
}

int central_schema_migrate(struct central *c, int target)
{
	int r;

	if (target < 1 || target > CENTRAL_SCHEMA_VERSION)
		return central_fail(c, -EINVAL, "central schema v%d does not exist", target);
	for (int v = 1; v <= target; v++) {
		r = migrate_one(c, v);
		if (r < 0)
			return r;
	}
	return 0;
}

int central_schema_check(struct central *c)
{
	PGresult *res;
	int r, have;

	/* to_regclass, not the table itself: an empty database is no error of
	 * the server's, it is a store nobody shipped to yet */
	r = central_query(c, &res, "SELECT to_regclass('central_schema_log') IS NOT NULL", 0, NULL,
			  "read the schema version");
	if (r)
		return r;
	have = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (have) {
		r = version_read(c, "read the schema version", &have);
		if (r)
			return r;
	}
	c->version = have;
	if (have == 0)
		return central_fail(c, -ENOENT, "central store %s: no espstation central store in "
				    "database %s (fix: let a station ship to it first)", c->url,
				    PQdb(c->pg));
	r = version_not_newer(c, have);
	if (r)
		return r;
	if (have < CENTRAL_READ_MIN_VERSION)
		return central_fail(c, -ENOTSUP, "central store %s: schema v%d is older than this "
				    "espstation reads (v%d) (fix: let a station of this version ship "
				    "to it once, which migrates it)", c->url, have,
				    CENTRAL_READ_MIN_VERSION);
	return 0;
}
