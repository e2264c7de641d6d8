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
};

static const struct fixture s_fixtures[] = {
	{1, "v1.sql", "5C:CF:7F:00:00:01", 1, 5},
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

	db = t_open(path);
	T_EQ_INT(db_schema_version_at_open(db), fx->version);
	/* the API reads the old rows */
	T_EQ_INT(db_backup_latest_verified(db, fx->mac, &row), 0);
	T_EQ_INT(row.id, fx->latest_verified);
	T_EQ_INT(row.verified, 1);
	T_EQ_INT(db_job_get(db, 1, &job), 0);
	T_CHECK(job.end_ms != 0);
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
	t_rmtree(s_dir);
	return t_done("db_migrate");
}
