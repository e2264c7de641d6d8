/* SPDX-License-Identifier: MIT */
/* Migrations, one test per released schema version: its frozen fixture
 * (fixtures/vN.sql: the schema a vN build created, plus sample rows made
 * through the vN API) is loaded as it was, opened with this build, and
 * must come out at the current version with every table, index, trigger
 * and row it had, the same schema as a fresh file, and its data readable
 * through the API.
 *
 * Adding schema vN+1: freeze fixtures/vN+1.sql and add a line below; the
 * vN line stays, so every old version keeps being migrated. */
#include <stdio.h>
#include <stdlib.h>

#include "dbtest.h"

struct fixture {
	int version;
	const char *file;
	const char *mac;            /* a unit with a verified backup ... */
	int64_t latest_verified;    /* ... and the id of its newest one */
	int jobs;                   /* rows in jobs */
	const char *provenance;     /* "id|provenance" of every backup, after migrating */
	int64_t choice[3];          /* restore's choice for 5c:cf:7f:00:00:0N, 0 = none */
	const char *clean;          /* "id|clean_proven" of the jobs, as db_job_get reads them */
	/* v3: "id|family|description|revision|security" of the devices (quoted
	 * where NULL and '' differ), the ciphertext backups, and the jobs per
	 * family (esp8266, esp32, esp32c3) through the audit's filter */
	const char *devices;
	const char *ciphertext;
	int family_jobs[3];
};

#define V2_DEVICES                                                                       \
	"1|esp8266|ESP8266EX|NULL|NULL\n2|esp8266|ESP8285|NULL|NULL\n"                      \
	"3|esp8266|ESP8266EX|NULL|NULL\n"

/* v1 has no content flag and no import: its backups are original unless an
 * erase or write of the unit began before them, which none of the fixture's
 * did (job 1 erased unit 1 after backing it up).  Unit 2's only backup is
 * unverified: restore finds nothing for it.  Every unit before v3 is an
 * ESP8266 (family esp8266, description its chip, no revision, security
 * never read) and no backup is ciphertext. */
static const struct fixture s_fixtures[] = {
	{1, "v1.sql", "5C:CF:7F:00:00:01", 1, 5, "1|original\n2|original\n3|original\n",
	 {1, 0, 3}, "1|-1\n2|-1\n3|-1\n4|-1\n5|-1\n", V2_DEVICES, "", {5, 0, 0}},
	{2, "v2.sql", "5C:CF:7F:00:00:01", 4, 8,
	 "1|original\n2|original\n3|original\n4|ours\n5|blank\n6|imported\n",
	 {1, 6, 3}, "1|1\n2|-1\n3|-1\n4|-1\n5|-1\n6|1\n7|-1\n8|-1\n", V2_DEVICES, "",
	 {8, 0, 0}},
	{3, "v3.sql", "5C:CF:7F:00:00:01", 4, 12,
	 "1|original\n2|original\n3|original\n4|ours\n5|blank\n6|imported\n7|original\n"
	 "8|original\n9|original\n",
	 {1, 6, 3},
	 "1|1\n2|-1\n3|-1\n4|-1\n5|-1\n6|1\n7|-1\n8|-1\n9|1\n10|-1\n11|-1\n12|-1\n",
	 V2_DEVICES "4|esp32|ESP32-D0WD-V3 (revision v3.1)|'v3.1'|''\n"
	 "5|esp32c3|ESP32-C3 (QFN32) (revision v0.4)|'v0.4'|'flash_encryption,dl_encrypt_disabled'\n",
	 "9", {8, 1, 3}},
};

static const char *s_fixture_dir;
static char s_dir[256];

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f) {
		perror(path);
		T_REQUIRE(f != NULL);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	T_REQUIRE(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* CREATE statements with whitespace runs collapsed, sorted by type, name:
 * two files with equal texts have the same schema. */
static char *schema_text(sqlite3 *h)
{
	char *s = t_q_dump(h, "SELECT type, name, tbl_name,"
			      " replace(replace(replace(coalesce(sql, ''), char(13), ' '),"
			      "  char(10), ' '), char(9), ' ')"
			      " FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
	char *w = s;

	for (const char *r = s; *r; r++)
		if (!(*r == ' ' && (r[1] == ' ' || r[1] == '\n' || (w > s && w[-1] == '|'))))
			*w++ = *r;
	*w = '\0';
	return s;
}

struct snapshot {
	int ntables;
	char *table[64];
	char *columns[64];          /* "a, b, c" as the fixture had them */
	char *rows[64];
	char *objects;              /* indexes and triggers, "type|name" lines */
};

static void snapshot_take(sqlite3 *h, struct snapshot *s)
{
	sqlite3_stmt *st;

	memset(s, 0, sizeof *s);
	T_REQUIRE(sqlite3_prepare_v2(h,
				     "SELECT name FROM sqlite_master WHERE type = 'table'"
				     " AND name NOT LIKE 'sqlite_%' ORDER BY name",
				     -1, &st, NULL) == SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && s->ntables < 64) {
		char cols[2048], *sql;
		int i = s->ntables++;

		s->table[i] = strdup((const char *)sqlite3_column_text(st, 0));
		t_q_text(h, cols, sizeof cols,
			 "SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_table_info('%s')"
			 " ORDER BY cid)",
			 s->table[i]);
		s->columns[i] = strdup(cols);
		sql = sqlite3_mprintf("SELECT %s FROM \"%w\" ORDER BY 1", cols, s->table[i]);
		s->rows[i] = t_q_dump(h, sql);
		sqlite3_free(sql);
	}
	sqlite3_finalize(st);
	s->objects = t_q_dump(h, "SELECT type, name FROM sqlite_master"
				 " WHERE type IN ('index', 'trigger') ORDER BY type, name");
}

static void snapshot_free(struct snapshot *s)
{
	for (int i = 0; i < s->ntables; i++) {
		free(s->table[i]);
		free(s->columns[i]);
		free(s->rows[i]);
	}
	free(s->objects);
}

/* Every fixture table, column, row, index and trigger is still there. */
static void check_kept(sqlite3 *h, const struct snapshot *s)
{
	char *objects;

	for (int i = 0; i < s->ntables; i++) {
		char cols[2048], *rows, *sql;

		t_set_case("table %s kept", s->table[i]);
		t_q_text(h, cols, sizeof cols,
			 "SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_table_info('%s')"
			 " ORDER BY cid)",
			 s->table[i]);
		/* columns are only ever appended */
		T_CHECK(strncmp(cols, s->columns[i], strlen(s->columns[i])) == 0);
		sql = sqlite3_mprintf("SELECT %s FROM \"%w\" ORDER BY 1", s->columns[i], s->table[i]);
		rows = t_q_dump(h, sql);
		sqlite3_free(sql);
		/* every old row, as it was (a migration may add rows, e.g. to the
		 * enumerations, never change or drop one) */
		for (const char *line = s->rows[i]; *line;) {
			const char *nl = strchr(line, '\n');
			char *want = sqlite3_mprintf("\n%.*s\n", (int)(nl - line), line);
			char *have = sqlite3_mprintf("\n%s", rows);

			int kept = strstr(have, want) != NULL;

			if (!kept)
				fprintf(stderr, "row lost or changed in %s:%s", s->table[i], want);
			T_CHECK(kept);
			sqlite3_free(want);
			sqlite3_free(have);
			line = nl + 1;
		}
		free(rows);
	}
	t_set_case("indexes and triggers kept");
	objects = t_q_dump(h, "SELECT type, name FROM sqlite_master"
			      " WHERE type IN ('index', 'trigger') ORDER BY type, name");
	for (const char *line = s->objects; *line;) {
		const char *nl = strchr(line, '\n');
		char one[200];

		snprintf(one, sizeof one, "%.*s\n", (int)(nl - line), line);
		T_HAS_STR(objects, one);
		line = nl + 1;
	}
	free(objects);
}

static int count_job(void *user, const struct db_audit_job *job)
{
	(void)job;
	++*(int *)user;
	return 0;
}

/* db_audit_backups callback: the ids of the ciphertext backups */
static int cipher_fn(void *user, const struct db_audit_backup *row)
{
	char *buf = user;
	size_t len = strlen(buf);

	if (row->b.ciphertext)
		snprintf(buf + len, 64 - len, "%s%lld", len ? "," : "", (long long)row->b.id);
	return 0;
}

/* db_audit_backups callback: "id|provenance" lines, newest first */
static int prov_fn(void *user, const struct db_audit_backup *row)
{
	char *buf = user;
	size_t len = strlen(buf);

	snprintf(buf + len, 1024 - len, "%lld|%s\n", (long long)row->b.id, row->b.provenance);
	return 0;
}

/* The lines of text in reverse order (oldest first). */
static void reverse_lines(char *text)
{
	char out[1024] = "";
	size_t len = 0, n = strlen(text);

	while (n > 0) {
		size_t start = n - 1;

		while (start > 0 && text[start - 1] != '\n')
			start--;
		len += (size_t)snprintf(out + len, sizeof out - len, "%.*s", (int)(n - start),
					text + start);
		n = start;
	}
	memcpy(text, out, len + 1);
}

/* What schema v2 adds, read through the API: provenance, the restore
 * choice of each unit, the clean proof of each job. */
static void check_v2_reads(struct db *db, const struct fixture *fx)
{
	char got[1024] = "", why[512];
	struct db_backup_row row;
	struct db_job_row job;
	size_t len = 0;

	t_set_case("fixture %s: provenance", fx->file);
	T_EQ_INT(db_audit_backups(db, NULL, prov_fn, got), 0);
	reverse_lines(got);
	T_EQ_STR(got, fx->provenance);
	for (int u = 0; u < 3; u++) {
		char mac[DB_MAC_LEN];
		int r;

		snprintf(mac, sizeof mac, "5c:cf:7f:00:00:%02x", u + 1);
		t_set_case("fixture %s: restore choice for %s", fx->file, mac);
		r = db_backup_restore_choice(db, mac, &row, why, sizeof why);
		T_EQ_INT(r, fx->choice[u] ? 0 : -ENOENT);
		T_EQ_INT(row.id, fx->choice[u]);
		T_CHECK(why[0] != '\0');
	}
	t_set_case("fixture %s: clean proof", fx->file);
	got[0] = '\0';
	for (int64_t id = 1; id <= fx->jobs && db_job_get(db, id, &job) == 0; id++)
		len += (size_t)snprintf(got + len, sizeof got - len, "%lld|%d\n", (long long)id,
					job.clean_proven);
	T_EQ_STR(got, fx->clean);
}

static const char *const s_families[3] = {"esp8266", "esp32", "esp32c3"};

/* What schema v3 adds, read through the API (from the file as it is, read
 * only, or migrated): each unit's family and state, the family filter. */
static void check_v3_reads(struct db *db, const struct fixture *fx)
{
	struct db_audit_device dev;
	struct db_audit_filter f = {0};
	char got[64] = "";

	t_set_case("fixture %s (read at v%d): families", fx->file,
		   db_schema_version_at_open(db));
	T_EQ_INT(db_audit_device(db, "5c:cf:7f:00:00:02", &dev), 0);
	T_EQ_STR(dev.family, "esp8266");
	T_EQ_STR(dev.description, "ESP8285");
	T_EQ_STR(dev.revision, "");
	T_EQ_INT(dev.security_read, 0);
	for (int i = 0; i < 3; i++) {
		int n = 0;

		f.family = s_families[i];
		T_EQ_INT(db_audit_jobs(db, &f, count_job, &n), 0);
		T_EQ_INT(n, fx->family_jobs[i]);
	}
	f.family = "esp3";
	T_EQ_INT(db_audit_jobs(db, &f, count_job, NULL), -EINVAL);
	T_HAS_STR(db_errmsg(db), "(known: esp32, esp32c3, esp8266)");
	T_EQ_INT(db_audit_backups(db, NULL, cipher_fn, got), 0);
	T_EQ_STR(got, fx->ciphertext);
}

/* v1 history the fixture lacks, in v1's own SQL (as a v1 station wrote
 * it): backups taken after an erase or write of their unit began. */
static const char s_v1_history[] =
	/* job 6: unit 1 erase begun, unplugged; job 7 backs it up again */
	"INSERT INTO jobs (id, station_id, slot, port, adapter_id, device_id, mode, image_id, pid,"
	" start_ms, stage) VALUES (6, 1, '1', '/dev/ttyUSB0', 1, 1, 'refurbish', 1, 4106,"
	" 1700000050000, 'erase');"
	"INSERT INTO events (job_id, ts_ms, ts_utc, type, data) VALUES"
	" (6, 1700000050100, '2023-11-14T22:14:10.100Z', 'stage.begin', '{\"stage\":\"erase\"}');"
	"INSERT INTO job_stages (job_id, stage, outcome, start_ms, end_ms) VALUES"
	" (6, 'erase', 'failed', 1700000050100, 1700000050150);"
	"UPDATE jobs SET end_ms = 1700000050200, result = 'unplugged' WHERE id = 6;"
	"INSERT INTO jobs (id, station_id, slot, port, adapter_id, device_id, mode, pid, start_ms)"
	" VALUES (7, 1, '1', '/dev/ttyUSB0', 1, 1, 'backup', 4107, 1700000060000);"
	"INSERT INTO backups VALUES (4, 1, 7, '/b/4.bin', 4194304, 1458415, '%064d', '%032d',"
	" '%032d', 1, 1700000060100);"
	"INSERT INTO events (job_id, ts_ms, ts_utc, type, data) VALUES"
	" (7, 1700000060100, '2023-11-14T22:14:20.100Z', 'backup', '{\"backup_id\":4}');"
	"UPDATE jobs SET end_ms = 1700000060200, result = 'passed' WHERE id = 7;"
	/* job 8: unit 3, stages recorded without being begun (no journal
	 * position): a skipped erase does not count, a failed write does */
	"INSERT INTO jobs (id, station_id, slot, port, adapter_id, device_id, mode, pid, start_ms)"
	" VALUES (8, 1, '3', '/dev/ttyUSB2', 3, 3, 'flash', 4108, 1700000059000);"
	"INSERT INTO job_stages (job_id, stage, outcome, start_ms, end_ms) VALUES"
	" (8, 'erase', 'skipped', 1700000060000, 1700000060000),"
	" (8, 'write', 'failed', 1700000070000, 1700000071000);"
	"UPDATE jobs SET end_ms = 1700000071000, result = 'failed' WHERE id = 8;"
	/* CLI backups of unit 3 (no job, no event): before and after that write */
	"INSERT INTO backups VALUES (5, 3, NULL, '/b/5.bin', 1048576, 1327343, '%064d', '%032d',"
	" '%032d', 1, 1700000065000);"
	"INSERT INTO backups VALUES (6, 3, NULL, '/b/6.bin', 1048576, 1327343, '%064d', '%032d',"
	" '%032d', 1, 1700000080000);"
	/* unit 4: erased by job 9; the clock then stepped back 1 s, and job 10
	 * backed it up "before" the erase: the journal's order decides */
	"INSERT INTO devices VALUES (4, '5c:cf:7f:00:00:04', 'ESP8266EX', 1458415, 4194304,"
	" 1700000090000, 1700000095000);"
	"INSERT INTO jobs (id, station_id, slot, port, adapter_id, device_id, mode, image_id, pid,"
	" start_ms, stage) VALUES (9, 1, '1', '/dev/ttyUSB0', 1, 4, 'refurbish', 1, 4109,"
	" 1700000094900, 'erase');"
	"INSERT INTO events (job_id, ts_ms, ts_utc, type, data) VALUES"
	" (9, 1700000095000, '2023-11-14T22:14:55.000Z', 'stage.begin', '{\"stage\":\"erase\"}');"
	"INSERT INTO job_stages (job_id, stage, outcome, start_ms, end_ms) VALUES"
	" (9, 'erase', 'ok', 1700000095000, 1700000095500);"
	"UPDATE jobs SET end_ms = 1700000095600, result = 'passed' WHERE id = 9;"
	"INSERT INTO jobs (id, station_id, slot, port, adapter_id, device_id, mode, pid, start_ms)"
	" VALUES (10, 1, '1', '/dev/ttyUSB0', 1, 4, 'backup', 4110, 1700000093900);"
	"INSERT INTO backups VALUES (7, 4, 10, '/b/7.bin', 4194304, 1458415, '%064d', '%032d',"
	" '%032d', 1, 1700000094000);"
	"INSERT INTO events (job_id, ts_ms, ts_utc, type, data) VALUES"
	" (10, 1700000094000, '2023-11-14T22:14:54.000Z', 'backup', '{\"backup_id\":7}');"
	"UPDATE jobs SET end_ms = 1700000094100, result = 'passed' WHERE id = 10;";

/* The v1 fixture with s_v1_history, as a file at path. */
static void make_v1_history(const char *path, struct snapshot *snap)
{
	char src[512], buf[256], *sql;
	sqlite3 *h;

	snprintf(src, sizeof src, "%s/v1.sql", s_fixture_dir);
	sql = slurp(src);
	T_REQUIRE(sqlite3_open(path, &h) == SQLITE_OK);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "%s", sql), SQLITE_OK);
	free(sql);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "PRAGMA recursive_triggers=ON; PRAGMA foreign_keys=ON"),
		 SQLITE_OK);
	T_EQ_INT(t_exec(h, buf, sizeof buf, s_v1_history, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7), SQLITE_OK);
	if (buf[0])
		fprintf(stderr, "v1 history: %s\n", buf);
	sql = t_q_dump(h, "PRAGMA foreign_key_check");
	T_EQ_STR(sql, "");
	free(sql);
	if (snap)
		snapshot_take(h, snap);
	sqlite3_close(h);
}

static const char s_history_provenance[] =
	"1|original\n2|original\n3|original\n4|ours\n5|original\n6|ours\n7|ours\n";

/* What the history reads as: provenance, choice, touched. */
static void check_history_reads(struct db *db)
{
	char got[1024] = "", why[512];
	struct db_backup_row row;
	int touched;

	T_EQ_INT(db_audit_backups(db, NULL, prov_fn, got), 0);
	reverse_lines(got);
	T_EQ_STR(got, s_history_provenance);
	T_EQ_INT(db_backup_restore_choice(db, "5c:cf:7f:00:00:01", &row, why, sizeof why), 0);
	T_EQ_INT(row.id, 1);
	T_HAS_STR(why, "the newest verified original of 5c:cf:7f:00:00:01; 1 newer passed over:"
		       " 1 ours");
	T_EQ_INT(db_backup_restore_choice(db, "5c:cf:7f:00:00:03", &row, why, sizeof why), 0);
	T_EQ_INT(row.id, 5);
	T_EQ_INT(db_backup_restore_choice(db, "5c:cf:7f:00:00:04", &row, why, sizeof why), -ENOENT);
	T_EQ_STR(why, "1 backup of 5c:cf:7f:00:00:04: 1 ours; none original or imported: restore"
		      " needs --backup FILE to write one of those");
	for (int u = 1; u <= 4; u++) {
		char mac[DB_MAC_LEN];

		snprintf(mac, sizeof mac, "5c:cf:7f:00:00:%02x", u);
		touched = -1;
		T_EQ_INT(db_device_touched(db, mac, &touched), 0);
		/* 1, 4: erased; 2: job 5 wrote unit 1's backup onto it; 3: job 8 */
		T_EQ_INT(touched, 1);
	}
}

/* v1 rows taken after an erase or write migrate as ours, the rest as
 * original, and keep every v1 column as it was. */
static void check_v1_history(void)
{
	char path[300], buf[64];
	struct snapshot snap;
	struct db *db;
	sqlite3 *h;

	t_set_case("v1 history: migrated");
	t_path(path, sizeof path, s_dir, "v1-history.db");
	make_v1_history(path, &snap);
	db = t_open(path);
	T_EQ_INT(db_schema_version_at_open(db), 1);
	check_history_reads(db);
	db_close(db);
	h = t_raw_open(path);
	T_EQ_STR(t_integrity(h, buf, sizeof buf), "ok");
	check_kept(h, &snap);
	t_set_case("v1 history: migrated");
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM backups WHERE sector_map IS NOT NULL"
			    " OR imported_by IS NOT NULL OR imported_from IS NOT NULL"),
		 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM jobs WHERE clean_proven IS NOT NULL"), 0);
	sqlite3_close(h);
	snapshot_free(&snap);
}

/* The read-only audit reads a v1 file as it is: the same answers, and the
 * file untouched. */
static void check_v1_readonly(void)
{
	char path[300], err[512];
	struct db_audit_filter f = {.mac = "5c:cf:7f:00:00:01"};
	struct t_snap before;
	struct db_job_row job;
	struct db *db = NULL;
	int n = 0;

	t_set_case("v1 history: read only, not migrated");
	t_path(path, sizeof path, s_dir, "v1-readonly.db");
	make_v1_history(path, NULL);
	t_snap_take(&before, path);
	T_REQUIRE(db_open_readonly(path, &db, err, sizeof err) == 0);
	T_EQ_INT(db_schema_version_at_open(db), 1);
	check_history_reads(db);
	T_EQ_INT(db_job_get(db, 1, &job), 0);
	T_EQ_INT(job.clean_proven, -1);
	T_EQ_INT(db_audit_jobs(db, &f, count_job, &n), 0);
	T_EQ_INT(n, 4);
	db_close(db);
	T_CHECK(t_snap_same(&before, path));
	t_snap_free(&before);
}

static void check_fixture(const struct fixture *fx, const char *fresh_schema)
{
	char path[300], src[512], buf[64], *sql, *schema;
	struct snapshot snap;
	struct db_backup_row row;
	struct db_job_row job;
	struct db *db;
	sqlite3 *h;
	int64_t station, id;

	t_set_case("fixture %s", fx->file);
	snprintf(src, sizeof src, "%s/%s", s_fixture_dir, fx->file);
	snprintf(path, sizeof path, "%s/from-v%d.db", s_dir, fx->version);
	sql = slurp(src);
	T_REQUIRE(sqlite3_open(path, &h) == SQLITE_OK);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "%s", sql), SQLITE_OK);
	free(sql);
	T_EQ_INT(t_q_int(h, "SELECT max(version) FROM schema"), fx->version);
	snapshot_take(h, &snap);
	sqlite3_close(h);

	/* the read-only audit reads it as it is */
	{
		char err[512];

		db = NULL;
		T_REQUIRE(db_open_readonly(path, &db, err, sizeof err) == 0);
		check_v2_reads(db, fx);
		check_v3_reads(db, fx);
		db_close(db);
	}

	db = t_open(path);
	T_EQ_INT(db_schema_version_at_open(db), fx->version);
	/* the API reads the old rows */
	T_EQ_INT(db_backup_latest_verified(db, fx->mac, &row), 0);
	T_EQ_INT(row.id, fx->latest_verified);
	T_EQ_INT(row.verified, 1);
	T_EQ_INT(db_job_get(db, 1, &job), 0);
	T_CHECK(job.end_ms != 0);
	check_v2_reads(db, fx);
	check_v3_reads(db, fx);
	db_close(db);

	h = t_raw_open(path);
	T_EQ_STR(t_integrity(h, buf, sizeof buf), "ok");
	sql = t_q_dump(h, "PRAGMA foreign_key_check");
	T_EQ_STR(sql, "");
	free(sql);
	T_EQ_INT(t_q_int(h, "SELECT max(version) FROM schema"), DB_SCHEMA_VERSION);
	/* one schema row per version, none skipped */
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM schema"), DB_SCHEMA_VERSION);
	check_kept(h, &snap);
	t_set_case("fixture %s: same schema as a fresh file", fx->file);
	schema = schema_text(h);
	T_EQ_STR(schema, fresh_schema);
	free(schema);
	/* still append-only, the rows the migration filled in included */
	t_set_case("fixture %s: append-only after migrating", fx->file);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "UPDATE backups SET provenance = 'original'"),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "UPDATE events SET data = NULL"), SQLITE_CONSTRAINT);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "DELETE FROM backups"), SQLITE_CONSTRAINT);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "UPDATE backups SET ciphertext = 1 - ciphertext"),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "UPDATE devices SET family = 'esp32c3'"),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "UPDATE devices SET description = 'other'"),
		 SQLITE_CONSTRAINT);
	T_EQ_INT(t_exec(h, buf, sizeof buf, "UPDATE devices SET security = 'secure_boot,"
					  "flash_encryption'"),
		 SQLITE_CONSTRAINT);
	/* what a v1/v2 row became: an ESP8266, nothing ciphertext */
	t_set_case("fixture %s: v3 columns", fx->file);
	sql = t_q_dump(h, "SELECT id, family, description, quote(revision), quote(security)"
			  " FROM devices ORDER BY id");
	T_EQ_STR(sql, fx->devices);
	free(sql);
	sqlite3_close(h);
	snapshot_free(&snap);

	/* new rows go next to the old ones */
	t_set_case("fixture %s: writable", fx->file);
	db = t_open(path);
	T_EQ_INT(db_station_upsert(db, "bench-1", &station), 0);
	T_EQ_INT(station, 1);
	{
		struct db_job_start js = {.station_id = station, .slot = "1", .mode = "backup"};
		struct db_job_end e = {"cancelled", NULL, 0, NULL, "migration test"};

		T_EQ_INT(db_job_begin(db, &js, &id), 0);
		T_EQ_INT(id, fx->jobs + 1);
		T_EQ_INT(db_job_finish(db, id, &e), 0);
	}
	db_close(db);

	/* reopening a migrated file changes nothing */
	db = t_open(path);
	T_EQ_INT(db_schema_version_at_open(db), DB_SCHEMA_VERSION);
	db_close(db);
}

int main(int argc, char **argv)
{
	char path[300], *fresh;
	sqlite3 *h;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
		return 2;
	}
	s_fixture_dir = argv[1];
	t_mkdtemp(s_dir, sizeof s_dir);

	/* every released version up to this one has a fixture */
	for (int v = 1; v <= DB_SCHEMA_VERSION; v++) {
		int found = 0;

		for (size_t i = 0; i < sizeof s_fixtures / sizeof s_fixtures[0]; i++)
			found |= s_fixtures[i].version == v;
		t_set_case("fixture for v%d", v);
		T_CHECK(found);
	}

	t_path(path, sizeof path, s_dir, "fresh.db");
	db_close(t_open(path));
	h = t_raw_open(path);
	fresh = schema_text(h);
	sqlite3_close(h);

	for (size_t i = 0; i < sizeof s_fixtures / sizeof s_fixtures[0]; i++)
		check_fixture(&s_fixtures[i], fresh);
	free(fresh);
	check_v1_history();
	check_v1_readonly();
	t_rmtree(s_dir);
	return t_done("db_migrate");
}
