/* SPDX-License-Identifier: MIT */
/* Snapshots: the union of every station's rows as one local-schema SQLite
 * file, so the audit and restore questions (db_audit_*, db_backup_*) answer
 * across stations with the code that answers them on one bench.
 *
 * Renumbering (done by the server, in temp tables of one transaction):
 * stations merge by name, devices by MAC (first_seen the earliest,
 * last_seen the latest, family/description/revision the first known,
 * security the latest read), images by SHA-256, adapters by their identity
 * (station, VID, PID, serial, ID_PATH, slot); jobs are numbered by start
 * time, backups by creation time, events by time, and every reference
 * (station, local id) is mapped to its new id.  A journal event of a job
 * the store does not have yet (still open on its bench) is left out, as is
 * a restore whose backup is not in the snapshot.  The file is a throwaway
 * read model: its triggers are dropped (db_import_begin), and an "original"
 * backup taken after another station began to erase or write the unit is
 * shown as "ours" (db_import_finish). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "central_priv.h"

/* The new id of a reference: m is a map table, src the station, col the
 * local id (jsonb text). */
#define MAP(m, src, col) \
	"(SELECT x.nid FROM " m " x WHERE x.src = " src " AND x.local_id = (" col ")::bigint)"
#define ON_DEVICE(r) \
	" AND EXISTS (SELECT 1 FROM m_device d WHERE d.src = " r ".station_id" \
	" AND d.local_id = (" r ".row->>'device_id')::bigint)"

/* The map tables; %s: the device filter (a MAC), then the job and backup
 * filters (only that unit's), each "" for all. */
#define MAPS_SQL \
	"CREATE TEMP TABLE m_station ON COMMIT DROP AS\n" \
	" SELECT station_id AS src, local_id, dense_rank() OVER (ORDER BY row->>'name') AS nid, row\n" \
	" FROM station_rows WHERE tbl = 'stations';\n" \
	"CREATE TEMP TABLE m_device ON COMMIT DROP AS\n" \
	" SELECT station_id AS src, local_id, dense_rank() OVER (ORDER BY row->>'mac') AS nid, row\n" \
	" FROM station_rows WHERE tbl = 'devices' %s;\n" \
	"CREATE TEMP TABLE m_image ON COMMIT DROP AS\n" \
	" SELECT station_id AS src, local_id, dense_rank() OVER (ORDER BY row->>'sha256') AS nid, row\n" \
	" FROM station_rows WHERE tbl = 'images';\n" \
	"CREATE TEMP TABLE m_adapter ON COMMIT DROP AS\n" \
	" SELECT a.station_id AS src, a.local_id, s.nid AS station_nid, a.row,\n" \
	"  dense_rank() OVER (ORDER BY s.nid, a.row->>'vid', a.row->>'pid', a.row->>'usb_serial',\n" \
	"   a.row->>'id_path', a.row->>'slot') AS nid\n" \
	" FROM station_rows a JOIN m_station s ON s.src = a.station_id\n" \
	"  AND s.local_id = (a.row->>'station_id')::bigint\n" \
	" WHERE a.tbl = 'adapters';\n" \
	"CREATE TEMP TABLE m_job ON COMMIT DROP AS\n" \
	" SELECT j.station_id AS src, j.local_id, j.row, row_number() OVER\n" \
	"  (ORDER BY (j.row->>'start_ms')::bigint, j.station_id, j.local_id) AS nid\n" \
	" FROM station_rows j WHERE j.tbl = 'jobs' %s;\n" \
	"CREATE TEMP TABLE m_backup ON COMMIT DROP AS\n" \
	" SELECT b.station_id AS src, b.local_id, b.row, row_number() OVER\n" \
	"  (ORDER BY (b.row->>'created_ms')::bigint, b.station_id, b.local_id) AS nid\n" \
	" FROM station_rows b WHERE b.tbl = 'backups' %s;\n" \
	"CREATE INDEX ON m_station (src, local_id);\n" \
	"CREATE INDEX ON m_device (src, local_id);\n" \
	"CREATE INDEX ON m_image (src, local_id);\n" \
	"CREATE INDEX ON m_adapter (src, local_id);\n" \
	"CREATE INDEX ON m_job (src, local_id);\n" \
	"CREATE INDEX ON m_backup (src, local_id);\n" \
	"ANALYZE m_station, m_device, m_image, m_adapter, m_job, m_backup;\n"

#define FIRST(col, order) "(array_agg(" col " ORDER BY " order ", src, local_id))[1]"
#define FIRST_KNOWN(k, order)                                                             \
	"(array_agg(row->'" k "' ORDER BY " order ", src, local_id)"                        \
	" FILTER (WHERE row->>'" k "' IS NOT NULL))[1]"
#define FIRST_SEEN "(row->>'first_seen_ms')::bigint"

/* Each table's rows as the snapshot takes them, renumbered, in the order
 * referenced before referencing. */
static const struct {
	const char *table, *sql;
} s_out[] = {
	{"stations",
	 "SELECT jsonb_build_object('id', nid, 'name', min(row->>'name'),"
	 " 'created_ms', min((row->>'created_ms')::bigint))::text"
	 " FROM m_station GROUP BY nid ORDER BY nid"},
	{"adapters",
	 "SELECT (" FIRST("row", FIRST_SEEN) " || jsonb_build_object('id', nid,"
	 " 'station_id', min(station_nid), 'first_seen_ms', min(" FIRST_SEEN "),"
	 " 'last_seen_ms', max((row->>'last_seen_ms')::bigint)))::text"
	 " FROM m_adapter GROUP BY nid ORDER BY nid"},
	{"devices",
	 "SELECT (" FIRST("row", FIRST_SEEN) " || jsonb_build_object('id', nid,"
	 " 'first_seen_ms', min(" FIRST_SEEN "), 'last_seen_ms', max((row->>'last_seen_ms')::bigint),"
	 " 'family', " FIRST_KNOWN("family", FIRST_SEEN) ","
	 " 'description', " FIRST_KNOWN("description", FIRST_SEEN) ","
	 " 'revision', " FIRST_KNOWN("revision", FIRST_SEEN) ","
	 " 'security', " FIRST_KNOWN("security", "(row->>'last_seen_ms')::bigint DESC") "))::text"
	 " FROM m_device GROUP BY nid ORDER BY nid"},
	{"images",
	 "SELECT (" FIRST("row", "(row->>'created_ms')::bigint") " || jsonb_build_object('id', nid))::text"
	 " FROM m_image GROUP BY nid ORDER BY nid"},
	{"jobs",
	 "SELECT (row || jsonb_build_object('id', nid,"
	 " 'station_id', " MAP("m_station", "j.src", "j.row->>'station_id'") ","
	 " 'adapter_id', " MAP("m_adapter", "j.src", "j.row->>'adapter_id'") ","
	 " 'device_id', " MAP("m_device", "j.src", "j.row->>'device_id'") ","
	 " 'image_id', " MAP("m_image", "j.src", "j.row->>'image_id'") "))::text"
	 " FROM m_job j ORDER BY nid"},
	{"job_stages",
	 "SELECT (r.row || jsonb_build_object('id', row_number() OVER (ORDER BY j.nid, r.local_id),"
	 " 'job_id', j.nid))::text"
	 " FROM station_rows r JOIN m_job j ON j.src = r.station_id"
	 "  AND j.local_id = (r.row->>'job_id')::bigint"
	 " WHERE r.tbl = 'job_stages' ORDER BY j.nid, r.local_id"},
	{"backups",
	 "SELECT (b.row || jsonb_build_object('id', nid,"
	 " 'device_id', " MAP("m_device", "b.src", "b.row->>'device_id'") ","
	 " 'job_id', " MAP("m_job", "b.src", "b.row->>'job_id'") "))::text"
	 " FROM m_backup b ORDER BY nid"},
	{"job_writes",
	 "SELECT (r.row || jsonb_build_object('id', row_number() OVER (ORDER BY j.nid, r.local_id),"
	 " 'job_id', j.nid,"
	 " 'image_id', " MAP("m_image", "r.station_id", "r.row->>'image_id'") ","
	 " 'backup_id', " MAP("m_backup", "r.station_id", "r.row->>'backup_id'") "))::text"
	 " FROM station_rows r JOIN m_job j ON j.src = r.station_id"
	 "  AND j.local_id = (r.row->>'job_id')::bigint"
	 " WHERE r.tbl = 'job_writes' ORDER BY j.nid, r.local_id"},
	{"restores",
	 "SELECT (r.row || jsonb_build_object('id', row_number() OVER (ORDER BY j.nid, r.local_id),"
	 " 'job_id', j.nid, 'backup_id', bk.nid))::text"
	 " FROM station_rows r JOIN m_job j ON j.src = r.station_id"
	 "  AND j.local_id = (r.row->>'job_id')::bigint"
	 " JOIN m_backup bk ON bk.src = r.station_id AND bk.local_id = (r.row->>'backup_id')::bigint"
	 " WHERE r.tbl = 'restores' ORDER BY j.nid, r.local_id"},
	{"events", NULL},
};

/* events: %s is "e.job_local_id IS NULL OR " for all (station-level events
 * too), "" for one unit */
#define EVENTS_SQL \
	"SELECT jsonb_build_object('id', row_number() OVER (ORDER BY e.ts_ms, e.station_id," \
	" e.local_id), 'job_id', j.nid, 'ts_ms', e.ts_ms, 'ts_utc', e.ts_utc, 'type', e.type," \
	" 'data', e.data::text)::text" \
	" FROM journal e LEFT JOIN m_job j ON j.src = e.station_id AND j.local_id = e.job_local_id" \
	" WHERE (%s j.nid IS NOT NULL) ORDER BY e.ts_ms, e.station_id, e.local_id"

static void remove_db_files(const char *path)
{
	char p[4200];

	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-journal", path);
	unlink(p);
}

/* Fills the new file at path; on 0, *ret is the open snapshot. */
static int snapshot_open(struct central *c, const char *path, const char *mac_in, struct db **ret)
{
	char mac[DB_MAC_LEN], where_dev[64] = "", sql[sizeof MAPS_SQL + 512];
	char events[sizeof EVENTS_SQL + 64], derr[768];
	struct db *snap = NULL;
	struct stat sb;
	int r, began = 0;

	*ret = NULL;
	if (!path || !*path)
		return central_fail(c, -EINVAL, "snapshot: no path");
	if (mac_in) {
		if (db_mac_normalize(mac_in, mac) != 0)
			return central_fail(c, -EINVAL, "snapshot: \"%s\" is not a MAC "
					    "(fix: aa:bb:cc:dd:ee:ff)", mac_in);
		snprintf(where_dev, sizeof where_dev, "AND row->>'mac' = '%s'", mac);
	}
	if (lstat(path, &sb) == 0)
		return central_fail(c, -EEXIST, "snapshot %s: the file exists (fix: name a new file; "
				    "a snapshot is made whole, never added to)", path);
	r = central_alive(c);
	if (r)
		return r;
	r = db_open(path, &snap, derr, sizeof derr);
	if (r)
		return central_fail(c, r, "snapshot: %s", derr);
	r = db_import_begin(snap);
	if (r) {
		r = central_fail(c, r, "snapshot %s: %s", path, db_errmsg(snap));
		goto fail;
	}
	/* READ WRITE for the temp map tables alone (a read-only session
	 * refuses even those); nothing here writes a table of the store */
	r = central_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ WRITE", "snapshot: begin");
	if (r)
		goto fail;
	began = 1;
	snprintf(sql, sizeof sql, MAPS_SQL, where_dev, mac_in ? ON_DEVICE("j") : "",
		 mac_in ? ON_DEVICE("b") : "");
	r = central_exec(c, sql, "snapshot: map the ids");
	for (size_t t = 0; r == 0 && t < sizeof s_out / sizeof s_out[0]; t++) {
		const char *q = s_out[t].sql;
		PGresult *res;

		if (!q) {
			snprintf(events, sizeof events, EVENTS_SQL, mac_in ? "" : "e.job_local_id IS NULL OR");
			q = events;
		}
		r = central_query(c, &res, q, 0, NULL, s_out[t].table);
		for (int i = 0; r == 0 && i < PQntuples(res); i++) {
			r = db_import_row(snap, s_out[t].table, PQgetvalue(res, i, 0));
			if (r)
				r = central_fail(c, r, "snapshot %s: %s", path, db_errmsg(snap));
		}
		PQclear(res);
	}
	if (r)
		goto fail;
	PQclear(PQexec(c->pg, "ROLLBACK"));
	began = 0;
	r = db_import_finish(snap, NULL);
	if (r) {
		r = central_fail(c, r, "snapshot %s: %s", path, db_errmsg(snap));
		goto fail_closed_tx;
	}
	*ret = snap;
	return 0;
fail:
	db_tx_rollback(snap);
fail_closed_tx:
	if (began && PQstatus(c->pg) == CONNECTION_OK)
		PQclear(PQexec(c->pg, "ROLLBACK"));
	db_close(snap);
	remove_db_files(path);
	return r;
}

int central_snapshot(struct central *c, const char *path, const char *mac, char *err,
		     size_t errlen)
{
	struct db *snap;
	int r = snapshot_open(c, path, mac, &snap);

	if (err && errlen)
		snprintf(err, errlen, "%s", r ? c->err : "");
	db_close(snap);
	return r;
}

int central_restore_choice(struct central *c, const char *donor_mac, const char *target_mac,
			   struct central_backup *ret, char *why, size_t cap)
{
	char dir[4096], path[4200], created[24];
	const char *tmp = getenv("TMPDIR"), *p[3];
	struct db *snap = NULL;
	PGresult *res;
	int r;

	memset(ret, 0, sizeof *ret);
	if (why && cap)
		why[0] = '\0';
	snprintf(dir, sizeof dir, "%s/espstation-central.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		r = central_fail(c, -errno, "restore choice: temp directory %s: %s", dir, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof path, "%s/unit.db", dir);
	r = snapshot_open(c, path, donor_mac, &snap);
	if (r == 0) {
		r = db_backup_restore_choice_onto(snap, donor_mac, target_mac, &ret->b, why, cap);
		if (r)
			central_fail(c, r, "%s", db_errmsg(snap));
	}
	db_close(snap);
	remove_db_files(path);
	rmdir(dir);
	if (r)
		goto out;
	/* the station that took it: the snapshot's ids are its own */
	snprintf(created, sizeof created, "%lld", (long long)ret->b.created_ms);
	p[0] = ret->b.sha256;
	p[1] = ret->b.path;
	p[2] = created;
	r = central_query(c, &res,
			  "SELECT s.name FROM station_rows r JOIN stations s ON s.id = r.station_id"
			  " WHERE r.tbl = 'backups' AND r.row->>'sha256' = $1 AND r.row->>'path' = $2"
			  " AND (r.row->>'created_ms')::bigint = $3::bigint ORDER BY r.station_id LIMIT 1",
			  3, p, "restore choice: the backup's station");
	if (r == 0) {
		if (PQntuples(res) > 0)
			snprintf(ret->station, sizeof ret->station, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
	}
out:
	if (r && why && cap && !why[0])
		snprintf(why, cap, "%s", c->err);
	return r;
}
