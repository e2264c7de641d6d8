/* SPDX-License-Identifier: MIT */
/* The audit questions, asked in SQL against a known day of work: backups of
 * a MAC newest first, backup inventory since T, a slot's jobs with stage
 * timings and causes, per-slot and per-adapter summaries (pass/fail, mean
 * cycle time, top failure causes), a chip family's jobs, a job's boot check
 * and the boot results of a day.  The answers must be exact and the plans
 * must use the indexes (no full scan of jobs, backups or events).  Then the
 * same day through db_audit_*: the family filter and the per-family summary
 * (schema v3), the boot check read from the journal (db_audit_boot,
 * the boot columns of db_audit_jobs, the summary by boot result), and a
 * file of two stations sharing a slot name (their slots stay apart). */
#include <stdio.h>
#include <stdlib.h>

#include "db_priv.h"
#include "dbtest.h"

static char s_dir[256];

#define T0 1714521600000LL      /* 2024-05-01T00:00:00Z */
#define HOUR 3600000LL

struct plan_job {
	const char *slot;
	const char *mac;
	const char *result;         /* passed / failed / unplugged */
	const char *err;            /* err_name when not passed */
	int64_t start, cycle;       /* ms after T0, ms */
	int backup;                 /* 1 verified, 2 unverified, 0 none */
};

/* A day: slot 1 (CP2102) good, slot 2 (CH340) flaky, slot 3 one job.
 * Unit 04 is an ESP32, unit 05 an ESP32-C3, the rest ESP8266s. */
static const struct plan_job s_day[] = {
	{"1", "5c:cf:7f:00:00:01", "passed", NULL, 1 * HOUR, 40000, 1},
	{"2", "5c:cf:7f:00:00:02", "failed", "ESP_E_NOSYNC", 1 * HOUR + 1000, 12000, 0},
	{"1", "5c:cf:7f:00:00:03", "passed", NULL, 2 * HOUR, 44000, 1},
	{"2", "5c:cf:7f:00:00:02", "failed", "ESP_E_VERIFY", 2 * HOUR + 5000, 30000, 2},
	{"2", "5c:cf:7f:00:00:02", "passed", NULL, 3 * HOUR, 50000, 1},
	{"3", "5c:cf:7f:00:00:04", "unplugged", "ESP_E_NODEV", 3 * HOUR + 100, 9000, 0},
	{"2", "5c:cf:7f:00:00:05", "failed", "ESP_E_NOSYNC", 4 * HOUR, 15000, 0},
	{"1", "5c:cf:7f:00:00:01", "passed", NULL, 25 * HOUR, 36000, 1},   /* next day */
};

/* The boot stage's journal events ("boot.result", as station/job records
 * them), by job: job 3's check ran twice (the newest counts), job 2 heard
 * nothing (no reset cause: -1; the database does not ask which stage
 * failed), job 5's event carries no data (passed over), job 8's log is
 * longer than the audit reads back. */
struct plan_boot {
	int64_t job;
	const char *json;           /* NULL: an event without data */
};

static const struct plan_boot s_boots[] = {
	{1, "{\"result\": \"booted\", \"quiet_ok\": false, \"rst_cause\": 2, \"boot_mode\": 3,"
	    " \"banners\": 1, \"app_bytes\": 40, \"ms\": 1200, \"why\": \"the firmware spoke\","
	    " \"log\": \"ets Jan  8 2013,rst cause:2, boot mode:(3,6)\\n\\u0007\\\"hi\\\"\\n\"}"},
	{3, "{\"result\": \"silent\", \"rst_cause\": -1, \"ms\": 2000}"},
	{3, "{\"result\": \"no-output\", \"quiet_ok\": true, \"rst_cause\": 1, \"ms\": 900}"},
	{2, "{\"result\": \"silent\", \"rst_cause\": -1, \"boot_mode\": -1, \"ms\": 2000}"},
	{5, NULL},
	{8, "{\"result\": \"booted\", \"rst_cause\": 2, \"ms\": 1100, \"log\": \"@\"}"},
};

/* Journals job's boot checks (long: job 8's log of 3000 bytes). */
static void record_boots(struct db *db, int64_t job)
{
	for (size_t i = 0; i < sizeof s_boots / sizeof s_boots[0]; i++) {
		const char *json = s_boots[i].json;
		char *mine = NULL;

		if (s_boots[i].job != job)
			continue;
		if (json && strstr(json, "\"@\"")) {
			const char *at = strstr(json, "@");
			size_t head = (size_t)(at - json);

			mine = malloc(strlen(json) + 3000);
			T_REQUIRE(mine != NULL);
			memcpy(mine, json, head);
			memset(mine + head, 'x', 3000);
			strcpy(mine + head + 3000, at + 1);
			json = mine;
		}
		T_REQUIRE(db_event(db, job, "boot.result", json, NULL) == 0);
		free(mine);
	}
}

static void make_day(struct db *db, int64_t *clock)
{
	struct db_adapter ad[3] = {
		{0, 0x10c4, 0xea60, "0001", "pci-0000:00:14.0-usb-0:1.1:1.0", "1", "cp2102"},
		{0, 0x1a86, 0x7523, NULL, "pci-0000:00:14.0-usb-0:1.2:1.0", "2", "ch340"},
		{0, 0x0403, 0x6001, "A50285BI", "pci-0000:00:14.0-usb-0:1.3:1.0", "3", "ft232r"},
	};
	int64_t station, adapter[3];

	*clock = T0;
	T_REQUIRE(db_station_upsert(db, "bench-1", &station) == 0);
	for (int i = 0; i < 3; i++) {
		ad[i].station_id = station;
		T_REQUIRE(db_adapter_upsert(db, &ad[i], &adapter[i]) == 0);
	}
	for (size_t i = 0; i < sizeof s_day / sizeof s_day[0]; i++) {
		const struct plan_job *p = &s_day[i];
		int slot = p->slot[0] - '1';
		struct db_job_start js = {.station_id = station, .slot = p->slot,
					  .adapter_id = adapter[slot], .mode = "refurbish"};
		int unit = p->mac[16] - '0';
		struct db_device d = {p->mac, "ESP8266EX", 0x1640ef, 4u << 20, "esp8266",
				      NULL, NULL, NULL};
		struct db_job_end e = {p->result, NULL, p->err ? 7 : 0, p->err, p->err ? "cause" : NULL};
		struct db_stage st = {"detect", "ok", 0, 0, 0, 0, NULL, NULL};
		int64_t job, dev, id;

		if (unit == 4) {
			d.chip = "ESP32-D0WD-V3";
			d.family = "esp32";
			d.security = "";
		} else if (unit == 5) {
			d.chip = "ESP32-C3 (QFN32)";
			d.family = "esp32c3";
			d.security = "flash_encryption";
		}
		*clock = T0 + p->start;
		T_REQUIRE(db_job_begin(db, &js, &job) == 0);
		T_REQUIRE(db_device_seen(db, &d, &dev) >= 0);
		T_REQUIRE(db_job_set_device(db, job, dev) == 0);
		st.start_ms = T0 + p->start;
		st.end_ms = st.start_ms + p->cycle / 4;
		T_REQUIRE(db_job_stage(db, job, &st) == 0);
		record_boots(db, job);
		if (p->backup) {
			char sha[65], md5[33], chip[33], path[64];
			struct db_backup b = {.device_id = dev, .job_id = job, .path = path,
					      .size = 4u << 20, .flash_id = 0x1640ef};

			snprintf(path, sizeof path, "/backups/%zu.bin", i);
			b.sha256 = t_hex(sha, 64, (unsigned)i);
			b.md5 = t_hex(md5, 32, (unsigned)i);
			b.chip_md5 = p->backup == 1 ? md5 : t_hex(chip, 32, 999);
			*clock = st.end_ms + 1000;
			T_REQUIRE(db_backup_add(db, &b, &id) == 0);
		}
		*clock = T0 + p->start + p->cycle;
		T_REQUIRE(db_job_finish(db, job, &e) == 0);
	}
}

/* Plans may scan only small tables (devices by id, the enumerations), or
 * scan through an index, or scan the subquery t (a co-routine of rows
 * found through indexes). */
static void check_plan(sqlite3 *h, const char *name, const char *sql)
{
	char q[2048], *plan;

	t_set_case("plan: %s", name);
	snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
	plan = t_q_dump(h, q);
	for (const char *line = plan; *line;) {
		const char *nl = strchr(line, '\n');
		char one[512];

		int full_scan;

		snprintf(one, sizeof one, "%.*s", (int)(nl - line), line);
		full_scan = strstr(one, "SCAN ") && !strstr(one, " USING ") &&
			    !(strstr(one, "|SCAN t") && !strcmp(strstr(one, "|SCAN t"), "|SCAN t"));
		if (full_scan)
			fprintf(stderr, "full scan in %s: %s\nplan:\n%s", name, one, plan);
		T_CHECK(!full_scan);
		line = nl + 1;
	}
	free(plan);
}

static const char s_q_backups_of_mac[] =
	"SELECT backup_id, path, sha256, md5, verified, created_utc FROM backup_inventory"
	" WHERE mac = '5c:cf:7f:00:00:01' ORDER BY backup_id DESC";
static const char s_q_inventory_since[] =
	"SELECT mac, path, verified FROM backup_inventory"
	" WHERE created_ms >= 1714521600000 + 2 * 3600000 ORDER BY created_ms, backup_id";
static const char s_q_slot_day[] =
	"SELECT job_id, mac, result, cycle_ms, err_name, start_utc FROM job_report"
	" WHERE slot = '2' AND start_ms >= 1714521600000 AND start_ms < 1714521600000 + 86400000"
	" ORDER BY start_ms";
static const char s_q_stage_times[] =
	"SELECT job_id, stage, outcome, duration_ms FROM stage_report"
	" WHERE slot = '2' AND start_ms >= 1714521600000 ORDER BY stage_row";
static const char s_q_slot_summary[] =
	"SELECT slot, count(*), sum(result = 'passed'), sum(result <> 'passed'),"
	" CAST(avg(CASE WHEN result = 'passed' THEN end_ms - start_ms END) AS INTEGER)"
	" FROM jobs WHERE start_ms >= 1714521600000 AND start_ms < 1714521600000 + 86400000"
	" AND end_ms IS NOT NULL GROUP BY slot ORDER BY slot";
static const char s_q_top_causes[] =
	"SELECT slot, err_name, count(*) AS n FROM jobs"
	" WHERE start_ms >= 1714521600000 AND result <> 'passed'"
	" GROUP BY slot, err_name ORDER BY slot, n DESC, err_name";
static const char s_q_adapter_summary[] =
	"SELECT printf('%04x:%04x', a.vid, a.pid),"
	" CASE WHEN a.usb_serial <> '' THEN a.usb_serial ELSE a.id_path END, count(*),"
	" sum(j.result = 'passed')"
	" FROM jobs j JOIN adapters a ON a.id = j.adapter_id"
	" WHERE j.start_ms >= 1714521600000 GROUP BY 1, 2 ORDER BY 1, 2";
static const char s_q_mac_jobs[] =
	"SELECT j.id, j.result FROM devices d JOIN jobs j ON j.device_id = d.id"
	" WHERE d.mac = '5c:cf:7f:00:00:02' ORDER BY j.start_ms DESC";
static const char s_q_family_jobs[] =
	"SELECT j.id FROM devices d JOIN jobs j ON j.device_id = d.id"
	" WHERE d.family = 'esp32' ORDER BY j.start_ms DESC";
static const char s_q_job_journal[] =
	"SELECT type FROM events WHERE job_id = 4 ORDER BY id";
/* a job's boot check: its newest boot.result event with JSON data */
#define BOOT_OF(job)                                                                       \
	"(SELECT max(e.id) FROM events e WHERE e.job_id = " job " AND e.type = 'boot.result'" \
	" AND json_valid(e.data))"
static const char s_q_boot_of_job[] =
	"SELECT json_extract(be.data, '$.result'), json_extract(be.data, '$.quiet_ok'),"
	" json_extract(be.data, '$.rst_cause') FROM jobs j"
	" LEFT JOIN events be ON be.id = " BOOT_OF("j.id") " WHERE j.id = 3";
static const char s_q_boot_day[] =
	"SELECT json_extract(be.data, '$.result') AS r, count(*), sum(j.result = 'passed')"
	" FROM jobs j JOIN events be ON be.id = " BOOT_OF("j.id")
	" WHERE j.start_ms >= 1714521600000 AND j.start_ms < 1714521600000 + 86400000"
	" GROUP BY r ORDER BY r";

static void check_answers(sqlite3 *h)
{
	char *got;

	t_set_case("backups of a MAC");
	got = t_q_dump(h, s_q_backups_of_mac);
	T_HAS_STR(got, "/backups/7.bin|");
	T_CHECK(strstr(got, "/backups/7.bin") < strstr(got, "/backups/0.bin"));
	T_HAS_STR(got, "|1|2024-05-02T01:00:10.000Z\n");   /* job 8: detect 9 s, +1 s */
	free(got);

	t_set_case("inventory since T");
	got = t_q_dump(h, s_q_inventory_since);
	T_EQ_STR(got, "5c:cf:7f:00:00:03|/backups/2.bin|1\n"
		      "5c:cf:7f:00:00:02|/backups/3.bin|0\n"
		      "5c:cf:7f:00:00:02|/backups/4.bin|1\n"
		      "5c:cf:7f:00:00:01|/backups/7.bin|1\n");
	free(got);

	t_set_case("slot 2 today");
	got = t_q_dump(h, s_q_slot_day);
	T_EQ_STR(got, "2|5c:cf:7f:00:00:02|failed|12000|ESP_E_NOSYNC|2024-05-01T01:00:01.000Z\n"
		      "4|5c:cf:7f:00:00:02|failed|30000|ESP_E_VERIFY|2024-05-01T02:00:05.000Z\n"
		      "5|5c:cf:7f:00:00:02|passed|50000|NULL|2024-05-01T03:00:00.000Z\n"
		      "7|5c:cf:7f:00:00:05|failed|15000|ESP_E_NOSYNC|2024-05-01T04:00:00.000Z\n");
	free(got);
	got = t_q_dump(h, s_q_stage_times);
	T_EQ_STR(got, "2|detect|ok|3000\n4|detect|ok|7500\n5|detect|ok|12500\n7|detect|ok|3750\n");
	free(got);

	t_set_case("per-slot summary");
	got = t_q_dump(h, s_q_slot_summary);
	T_EQ_STR(got, "1|2|2|0|42000\n2|4|1|3|50000\n3|1|0|1|NULL\n");
	free(got);
	got = t_q_dump(h, s_q_top_causes);
	T_EQ_STR(got, "2|ESP_E_NOSYNC|2\n2|ESP_E_VERIFY|1\n3|ESP_E_NODEV|1\n");
	free(got);

	t_set_case("per-adapter summary");
	got = t_q_dump(h, s_q_adapter_summary);
	T_EQ_STR(got, "0403:6001|A50285BI|1|0\n"
		      "10c4:ea60|0001|3|3\n"
		      "1a86:7523|pci-0000:00:14.0-usb-0:1.2:1.0|4|1\n");
	free(got);

	t_set_case("a unit's jobs and a job's journal");
	got = t_q_dump(h, s_q_mac_jobs);
	T_EQ_STR(got, "5|passed\n4|failed\n2|failed\n");
	free(got);
	got = t_q_dump(h, s_q_job_journal);
	T_EQ_STR(got, "job.begin\njob.device\nstage.end\nbackup\njob.end\n");
	free(got);

	t_set_case("a family's jobs");
	got = t_q_dump(h, s_q_family_jobs);
	T_EQ_STR(got, "6\n");
	free(got);

	t_set_case("a job's boot check, the boot results of a day");
	got = t_q_dump(h, s_q_boot_of_job);
	T_EQ_STR(got, "no-output|1|1\n");
	free(got);
	got = t_q_dump(h, s_q_boot_day);
	T_EQ_STR(got, "booted|1|1\nno-output|1|1\nsilent|1|0\n");
	free(got);
}

/* ---- the same day through db_audit_* ----------------------------------- */

struct ids {
	char text[256];
	char family[64];
};

static int job_ids(void *user, const struct db_audit_job *j)
{
	struct ids *c = user;
	size_t len = strlen(c->text);

	snprintf(c->text + len, sizeof c->text - len, "%s%lld", len ? "," : "", (long long)j->id);
	len = strlen(c->family);
	snprintf(c->family + len, sizeof c->family - len, "%s%s", len ? "," : "",
		 j->family[0] ? j->family : "-");
	return 0;
}

static int backup_ids(void *user, const struct db_audit_backup *b)
{
	struct ids *c = user;
	size_t len = strlen(c->text);

	snprintf(c->text + len, sizeof c->text - len, "%s%lld:%s", len ? "," : "",
		 (long long)b->b.id, b->family);
	return 0;
}

static int group_text(void *user, const struct db_audit_group *g)
{
	struct ids *c = user;
	size_t len = strlen(c->text);

	snprintf(c->text + len, sizeof c->text - len, "%s|%lld|%lld|%lld|%lld|%s\n", g->key,
		 (long long)g->jobs, (long long)g->passed, (long long)g->failed,
		 (long long)g->mean_cycle_ms, g->causes);
	return 0;
}

static void check_family_api(struct db *db)
{
	struct db_audit_filter f = {0};
	struct db_audit_device dev;
	struct ids c;

	t_set_case("api: jobs of a family");
	f.family = "esp8266";
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_jobs(db, &f, job_ids, &c), 0);
	T_EQ_STR(c.text, "8,5,4,3,2,1");
	f.family = "esp32";
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_jobs(db, &f, job_ids, &c), 0);
	T_EQ_STR(c.text, "6");
	T_EQ_STR(c.family, "esp32");
	f.family = "esp32c3";
	f.slot = "2";
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_jobs(db, &f, job_ids, &c), 0);
	T_EQ_STR(c.text, "7");
	f.slot = "1";
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_jobs(db, &f, job_ids, &c), 0);
	T_EQ_STR(c.text, "");
	f.slot = NULL;
	f.family = "ESP32";
	T_EQ_INT(db_audit_jobs(db, &f, job_ids, &c), -EINVAL);
	T_HAS_STR(db_errmsg(db), "chip family: unknown value \"ESP32\" (known: esp32, esp32c3,"
		  " esp8266)");
	/* every job names its unit's family */
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_jobs(db, NULL, job_ids, &c), 0);
	T_EQ_STR(c.family, "esp8266,esp32c3,esp32,esp8266,esp8266,esp8266,esp8266,esp8266");

	t_set_case("api: backups of a family");
	f.family = "esp8266";
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_backups(db, &f, backup_ids, &c), 0);
	T_EQ_STR(c.text, "5:esp8266,4:esp8266,3:esp8266,2:esp8266,1:esp8266");
	f.family = "esp32";
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_backups(db, &f, backup_ids, &c), 0);
	T_EQ_STR(c.text, "");

	t_set_case("api: summary by family");
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_FAMILY, NULL, group_text, &c), 0);
	T_EQ_STR(c.text, "esp32|1|0|1|-1|ESP_E_NODEV 1\n"
			 "esp32c3|1|0|1|-1|ESP_E_NOSYNC 1\n"
			 "esp8266|6|4|2|42500|ESP_E_NOSYNC 1, ESP_E_VERIFY 1\n");
	f.family = "esp32";
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_SLOT, &f, group_text, &c), 0);
	T_EQ_STR(c.text, "3|1|0|1|-1|ESP_E_NODEV 1\n");

	t_set_case("api: a unit's family and security");
	T_EQ_INT(db_audit_device(db, "5c:cf:7f:00:00:05", &dev), 0);
	T_EQ_STR(dev.family, "esp32c3");
	T_EQ_STR(dev.chip, "ESP32-C3 (QFN32)");
	T_EQ_INT(dev.security_read, 1);
	T_EQ_STR(dev.security, "flash_encryption");
	T_EQ_INT(db_audit_device(db, "5c:cf:7f:00:00:04", &dev), 0);
	T_EQ_INT(dev.security_read, 1);
	T_EQ_STR(dev.security, "");
	T_EQ_INT(db_audit_device(db, "5c:cf:7f:00:00:01", &dev), 0);
	T_EQ_STR(dev.family, "esp8266");
	T_EQ_INT(dev.security_read, 0);
}

/* ---- the boot check, from the journal ---------------------------------- */

static int boot_cols(void *user, const struct db_audit_job *j)
{
	struct ids *c = user;
	size_t len = strlen(c->text);

	snprintf(c->text + len, sizeof c->text - len, "%s%lld:%s:%d:%lld", len ? "," : "",
		 (long long)j->id, j->boot_result, j->boot_rst_cause, (long long)j->boot_ms);
	return 0;
}

static void check_boot_api(struct db *db)
{
	struct db_audit_filter f = {0};
	struct db_audit_boot *b = malloc(sizeof *b);
	struct ids c;

	T_REQUIRE(b != NULL);
	t_set_case("api: the boot columns of the jobs");
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_jobs(db, NULL, boot_cols, &c), 0);
	/* newest first; -1: none heard (silent) or no check */
	T_EQ_STR(c.text, "8:booted:2:1100,7::-1:-1,6::-1:-1,5::-1:-1,4::-1:-1,3:no-output:1:900,"
			 "2:silent:-1:2000,1:booted:2:1200");

	t_set_case("api: one job's boot check");
	T_EQ_INT(db_audit_boot(db, 1, b), 0);
	T_EQ_INT(b->job_id, 1);
	T_EQ_STR(b->result, "booted");
	T_EQ_INT(b->quiet_ok, 0);
	T_EQ_INT(b->rst_cause, 2);
	T_EQ_INT(b->boot_mode, 3);
	T_EQ_INT(b->banners, 1);
	T_EQ_INT(b->app_bytes, 40);
	T_EQ_INT(b->ms, 1200);
	T_EQ_STR(b->why, "the firmware spoke");
	/* the JSON decoded: a newline, a control byte and quotes as stored */
	T_EQ_STR(b->log, "ets Jan  8 2013,rst cause:2, boot mode:(3,6)\n\a\"hi\"\n");
	T_CHECK(b->event_id > 0 && b->at_ms > T0);
	/* checked twice: the newest verdict; what it lacks reads as none */
	T_EQ_INT(db_audit_boot(db, 3, b), 0);
	T_EQ_STR(b->result, "no-output");
	T_EQ_INT(b->quiet_ok, 1);
	T_EQ_INT(b->rst_cause, 1);
	T_EQ_INT(b->boot_mode, -1);
	T_EQ_INT(b->banners, -1);
	T_EQ_STR(b->why, "");
	T_EQ_STR(b->log, "");
	/* nothing heard: no reset cause, no boot mode */
	T_EQ_INT(db_audit_boot(db, 2, b), 0);
	T_EQ_STR(b->result, "silent");
	T_EQ_INT(b->rst_cause, -1);
	T_EQ_INT(b->boot_mode, -1);
	T_EQ_INT(b->ms, 2000);
	/* a log longer than read back is cut, not refused */
	T_EQ_INT(db_audit_boot(db, 8, b), 0);
	T_EQ_INT(strlen(b->log), DB_BOOT_LOG_MAX - 1);
	T_EQ_INT(strspn(b->log, "x"), DB_BOOT_LOG_MAX - 1);
	/* no check, an event without data, no such job */
	T_EQ_INT(db_audit_boot(db, 7, b), -ENOENT);
	T_HAS_STR(db_errmsg(db), "job 7 recorded no boot check");
	T_EQ_INT(db_audit_boot(db, 5, b), -ENOENT);
	T_EQ_INT(db_audit_boot(db, 999, b), -ENOENT);

	t_set_case("api: summary by boot result");
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_BOOT, NULL, group_text, &c), 0);
	T_EQ_STR(c.text, "booted|2|2|0|38000|\nno-output|1|1|0|44000|\n"
			 "silent|1|0|1|-1|ESP_E_NOSYNC 1\n");
	f.since_ms = T0 + 24 * HOUR;
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_BOOT, &f, group_text, &c), 0);
	T_EQ_STR(c.text, "booted|1|1|0|36000|\n");
	f.since_ms = 0;
	f.family = "esp32";
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_BOOT, &f, group_text, &c), 0);
	T_EQ_STR(c.text, "");
	free(b);
}

/* ---- several stations in one file (the central store's snapshot) ------ */

/* Two benches wired alike: each has a slot "1" on a CH340 (no serial) at
 * the same ID_PATH.  Their slots and adapters must not merge. */
static void check_two_stations(void)
{
	static const struct {
		const char *station, *result, *err;
		int64_t cycle;
	} jobs[] = {
		{"bench-a", "passed", NULL, 40000},
		{"bench-a", "passed", NULL, 44000},
		{"bench-b", "failed", "ESP_E_NOSYNC", 9000},
		{"bench-b", "passed", NULL, 30000},
		{"bench-b", "failed", "ESP_E_NOSYNC", 11000},
	};
	struct db_audit_filter f = {0};
	char path[300];
	int64_t clock = T0;
	struct db *db;
	struct ids c;

	t_path(path, sizeof path, s_dir, "central.db");
	db = t_open(path);
	db_set_clock(db, t_clock_step, &clock);
	for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
		struct db_adapter ad = {0, 0x1a86, 0x7523, NULL, "pci-0000:00:14.0-usb-0:1.2:1.0",
					"1", "ch340"};
		struct db_job_start js = {.slot = "1", .mode = "refurbish"};
		struct db_job_end e = {jobs[i].result, NULL, jobs[i].err ? 7 : 0, jobs[i].err, NULL};
		int64_t job;

		T_REQUIRE(db_station_upsert(db, jobs[i].station, &js.station_id) == 0);
		ad.station_id = js.station_id;
		T_REQUIRE(db_adapter_upsert(db, &ad, &js.adapter_id) == 0);
		clock = T0 + (int64_t)i * HOUR;
		T_REQUIRE(db_job_begin(db, &js, &job) == 0);
		clock = T0 + (int64_t)i * HOUR + jobs[i].cycle;
		T_REQUIRE(db_job_finish(db, job, &e) == 0);
		if (i == 0) {
			/* one station so far: the bare keys */
			t_set_case("api: one station's summary keys");
			memset(&c, 0, sizeof c);
			T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_SLOT, NULL, group_text, &c), 0);
			T_EQ_STR(c.text, "1|1|1|0|40000|\n");
			memset(&c, 0, sizeof c);
			T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_ADAPTER, NULL, group_text, &c), 0);
			T_EQ_STR(c.text, "1a86:7523 pci-0000:00:14.0-usb-0:1.2:1.0|1|1|0|40000|\n");
		}
	}

	t_set_case("api: two stations sharing a slot name, by slot");
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_SLOT, NULL, group_text, &c), 0);
	T_EQ_STR(c.text, "bench-a/1|2|2|0|42000|\n"
			 "bench-b/1|3|1|2|30000|ESP_E_NOSYNC 2\n");

	t_set_case("api: two stations wired alike, by adapter");
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_ADAPTER, NULL, group_text, &c), 0);
	T_EQ_STR(c.text, "bench-a/1a86:7523 pci-0000:00:14.0-usb-0:1.2:1.0|2|2|0|42000|\n"
			 "bench-b/1a86:7523 pci-0000:00:14.0-usb-0:1.2:1.0|3|1|2|30000|"
			 "ESP_E_NOSYNC 2\n");

	t_set_case("api: one station of several, its bare keys");
	f.station = "bench-b";
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_SLOT, &f, group_text, &c), 0);
	T_EQ_STR(c.text, "1|3|1|2|30000|ESP_E_NOSYNC 2\n");
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_ADAPTER, &f, group_text, &c), 0);
	T_EQ_STR(c.text, "1a86:7523 pci-0000:00:14.0-usb-0:1.2:1.0|3|1|2|30000|ESP_E_NOSYNC 2\n");

	t_set_case("api: several stations, the family and boot keys unchanged");
	memset(&c, 0, sizeof c);
	T_EQ_INT(db_audit_summary(db, DB_AUDIT_BY_FAMILY, NULL, group_text, &c), 0);
	T_EQ_STR(c.text, "|5|3|2|38000|ESP_E_NOSYNC 2\n");
	db_close(db);
}

int main(void)
{
	char path[300];
	int64_t clock = 0;
	struct db *db;
	sqlite3 *h;

	t_mkdtemp(s_dir, sizeof s_dir);
	t_path(path, sizeof path, s_dir, "station.db");
	db = t_open(path);
	db_set_clock(db, t_clock_step, &clock);
	make_day(db, &clock);
	check_family_api(db);
	check_boot_api(db);
	db_close(db);
	check_two_stations();
	h = t_raw_open(path);
	check_answers(h);
	check_plan(h, "backups of a MAC", s_q_backups_of_mac);
	check_plan(h, "inventory since T", s_q_inventory_since);
	check_plan(h, "slot today", s_q_slot_day);
	check_plan(h, "per-slot summary", s_q_slot_summary);
	check_plan(h, "top causes", s_q_top_causes);
	check_plan(h, "a unit's jobs", s_q_mac_jobs);
	check_plan(h, "a job's journal", s_q_job_journal);
	check_plan(h, "a family's jobs", s_q_family_jobs);
	check_plan(h, "a job's boot check", s_q_boot_of_job);
	check_plan(h, "the boot results of a day", s_q_boot_day);
	check_plan(h, "latest verified",
		   "SELECT b.id FROM devices d JOIN backups b ON b.device_id = d.id"
		   " WHERE d.mac = '5c:cf:7f:00:00:01' AND b.verified = 1 ORDER BY b.id DESC LIMIT 1");
	check_plan(h, "open jobs of a station",
		   "SELECT id FROM jobs WHERE station_id = 1 AND end_ms IS NULL");
	/* schema v2: was the unit erased or written (db_device_touched, and
	 * the trigger backups_original_untouched), and a v1 file's backups
	 * with the provenance computed from history */
	check_plan(h, "erase or write of a unit",
		   "SELECT t.job_id, t.stage, t.at_ms FROM ("
		   DB_TOUCHES("j.device_id = (SELECT id FROM devices WHERE mac = '5c:cf:7f:00:00:01')")
		   ") t ORDER BY t.at_ms, t.job_id LIMIT 1");
	check_plan(h, "erase or write of a unit being backed up",
		   "SELECT 1 FROM (" DB_TOUCHES("j.device_id = 1") ") t LIMIT 1");
	check_plan(h, "v1 backups of a MAC with their provenance",
		   "SELECT " DB_BACKUP_COLUMNS_V1 " FROM backups b JOIN devices d"
		   " ON d.id = b.device_id WHERE d.mac = '5c:cf:7f:00:00:01' ORDER BY b.id DESC");
	sqlite3_close(h);
	t_rmtree(s_dir);
	return t_done("db_audit");
}
