/* SPDX-License-Identifier: MIT */
/* The schema and its forward-only migrations (fwupd's fu-history.c pattern:
 * a version log, a schema table, a switch with fall-through cases, and a
 * frozen fixture per released version in tests/db/fixtures/).
 *
 * Version log -- one line per released version; never edit a released
 * version's SQL below, add a version instead:
 *   v1  stations, adapters, devices, images, jobs, job_stages, job_writes,
 *       backups, restores, events (the journal); reference tables job_modes,
 *       job_results, stage_outcomes; append-only triggers; views job_report,
 *       stage_report, backup_inventory.
 *  v2  backups: provenance (original, ours, blank, imported: reference table
 *       backup_provenances), sector_map, imported_by, imported_from; v1
 *       backups get their provenance from history (DB_PROVENANCE_FROM_HISTORY);
 *       jobs: clean_proven; view device_touches; triggers: a provenance must
 *       be known, an 'original' backup only of an untouched unit,
 *       clean_proven set once; views backup_inventory and job_report gain
 *       the new columns.
 *  v3  devices: family (reference table chip_families: esp8266, esp32,
 *       esp32c3), description, revision, security (reference table
 *       security_features: the canonical order of its comma list); v1/v2
 *       devices get family 'esp8266' (every one was an ESP8266 or ESP8285)
 *       and description = chip; backups: ciphertext (0/1); triggers:
 *       family, description and revision are set once, security is a
 *       canonical list, a ciphertext backup is restored onto its own MAC
 *       only (forced or not); views job_report and backup_inventory gain
 *       the new columns.
 *
 * Rules for a migration:
 *  - It only ADDS: tables, columns (ALTER TABLE ... ADD COLUMN, NULL or with
 *    a default), indexes, triggers, rows of the reference tables.  It never
 *    drops, renames or rebuilds a table or column, and never deletes a row
 *    or changes a value a row already had.  The one write to old rows it may
 *    make is to fill a column it adds in the same migration, computed from
 *    history (v2: backups.provenance), with that table's no-UPDATE trigger
 *    dropped and recreated around it inside the migration's transaction.  (That is why enumerations are reference
 *    tables and not CHECK constraints: a CHECK cannot be widened without
 *    rebuilding the table.  A column added later cannot REFERENCE its
 *    reference table when it has a default, so a BEFORE INSERT trigger
 *    checks it instead: backups_provenance_known.)
 *  - Views hold no data: a migration may DROP VIEW and CREATE VIEW again.
 *  - A trigger may be dropped only to be recreated at least as strict in the
 *    same migration (e.g. to cover a new column); append-only is never
 *    relaxed.  A new table gets its no-DELETE trigger, and its no-UPDATE
 *    trigger unless its rows are meant to change, in the same migration.
 *  - Steps: bump DB_SCHEMA_VERSION in db.h; append "case N-1:" below (the
 *    case above falls through into it); add a line to the log; freeze the
 *    released schema plus sample rows as tests/db/fixtures/vN.sql (written
 *    by tests/db/make_fixture.c, see its recipe) and list it in
 *    tests/db/test_db_migrate.c, whose per-fixture test checks that every
 *    older fixture migrates with all its rows intact.
 *
 * Times are Unix ms in INTEGER columns; the views render them as ISO-8601
 * UTC with ms, and the journal stores both. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db_priv.h"

/* ISO-8601 UTC with ms of a Unix-ms column, exact (integer arithmetic). */
#define UTC(x)                                                                           \
	"strftime('%Y-%m-%dT%H:%M:%S', " x " / 1000, 'unixepoch')"                         \
	" || printf('.%03dZ', " x " % 1000)"
#define HEX_CHECK(col, n) "length(" col ") = " #n " AND NOT " col " GLOB '*[^0-9a-f]*'"
#define HEX2 "[0-9a-f][0-9a-f]"
#define MAC_GLOB "'" HEX2 ":" HEX2 ":" HEX2 ":" HEX2 ":" HEX2 ":" HEX2 "'"
#define NO_DELETE(t) \
	"CREATE TRIGGER " t "_no_delete BEFORE DELETE ON " t "\n" \
	"BEGIN SELECT RAISE(ABORT, '" t " rows are history: DELETE refused'); END;\n"
#define NO_UPDATE(t) \
	"CREATE TRIGGER " t "_no_update BEFORE UPDATE ON " t "\n" \
	"BEGIN SELECT RAISE(ABORT, '" t " rows are history: UPDATE refused'); END;\n"
#define OPEN_JOB_ONLY(t) \
	"CREATE TRIGGER " t "_job_open BEFORE INSERT ON " t "\n" \
	"WHEN NEW.job_id IS NOT NULL\n" \
	" AND (SELECT end_ms FROM jobs WHERE id = NEW.job_id) IS NOT NULL\n" \
	"BEGIN SELECT RAISE(ABORT, 'job is closed: " t " rows cannot be added'); END;\n"

/* Schema v1.  Frozen copy: tests/db/fixtures/v1.sql. */
static const char s_v1[] =
	"CREATE TABLE schema (\n"
	"  version     INTEGER PRIMARY KEY,\n"
	"  applied_ms  INTEGER NOT NULL\n"
	");\n"

	/* enumerations as rows, so later versions can add values */
	"CREATE TABLE job_modes (\n"
	"  name        TEXT PRIMARY KEY,\n"
	"  description TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"INSERT INTO job_modes (name, description) VALUES\n"
	"  ('refurbish', 'detect, backup, erase, write, verify'),\n"
	"  ('backup', 'detect and back up only'),\n"
	"  ('restore', 'write the unit''s own latest verified backup'),\n"
	"  ('flash', 'erase and write without a backup (asked for explicitly)');\n"
	"CREATE TABLE job_results (\n"
	"  name        TEXT PRIMARY KEY,\n"
	"  description TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"INSERT INTO job_results (name, description) VALUES\n"
	"  ('passed', 'every stage of the mode succeeded'),\n"
	"  ('failed', 'a stage failed; see err_name and err_msg'),\n"
	"  ('unplugged', 'the adapter or unit went away during the job'),\n"
	"  ('crashed', 'the worker process died or hung and was reaped'),\n"
	"  ('interrupted', 'the station stopped or was killed; closed at the next start'),\n"
	"  ('refused', 'the station refused the unit (chip, size, no backup, ...)'),\n"
	"  ('cancelled', 'the operator cancelled the job');\n"
	"CREATE TABLE stage_outcomes (\n"
	"  name        TEXT PRIMARY KEY,\n"
	"  description TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"INSERT INTO stage_outcomes (name, description) VALUES\n"
	"  ('ok', 'the stage succeeded'),\n"
	"  ('failed', 'the stage failed'),\n"
	"  ('skipped', 'the mode or a condition skipped the stage'),\n"
	"  ('cancelled', 'stopped by the operator or the supervisor');\n"

	"CREATE TABLE stations (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  name        TEXT NOT NULL UNIQUE,\n"
	"  created_ms  INTEGER NOT NULL\n"
	");\n"

	/* one row per adapter per physical port: a CH340 has no serial */
	"CREATE TABLE adapters (\n"
	"  id            INTEGER PRIMARY KEY,\n"
	"  station_id    INTEGER NOT NULL REFERENCES stations(id),\n"
	"  vid           INTEGER NOT NULL CHECK (vid BETWEEN 0 AND 65535),\n"
	"  pid           INTEGER NOT NULL CHECK (pid BETWEEN 0 AND 65535),\n"
	"  usb_serial    TEXT NOT NULL DEFAULT '',\n"
	"  id_path       TEXT NOT NULL DEFAULT '',\n"
	"  slot          TEXT NOT NULL DEFAULT '',\n"
	"  kind          TEXT NOT NULL DEFAULT '',\n"
	"  first_seen_ms INTEGER NOT NULL,\n"
	"  last_seen_ms  INTEGER NOT NULL,\n"
	"  UNIQUE (station_id, vid, pid, usb_serial, id_path, slot)\n"
	");\n"
	"CREATE INDEX adapters_usb ON adapters (vid, pid, usb_serial);\n"

	"CREATE TABLE devices (\n"
	"  id            INTEGER PRIMARY KEY,\n"
	"  mac           TEXT NOT NULL UNIQUE CHECK (mac GLOB " MAC_GLOB "),\n"
	"  chip          TEXT NOT NULL,\n"
	"  flash_id      INTEGER NOT NULL,\n"
	"  flash_size    INTEGER NOT NULL,\n"
	"  first_seen_ms INTEGER NOT NULL,\n"
	"  last_seen_ms  INTEGER NOT NULL\n"
	");\n"

	/* header fields NULL when the file has no ESP8266 image header */
	"CREATE TABLE images (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  sha256      TEXT NOT NULL UNIQUE CHECK (" HEX_CHECK("sha256", 64) "),\n"
	"  name        TEXT NOT NULL,\n"
	"  size        INTEGER NOT NULL CHECK (size >= 0),\n"
	"  flash_mode  INTEGER,\n"
	"  size_code   INTEGER,\n"
	"  freq_code   INTEGER,\n"
	"  entry       INTEGER,\n"
	"  created_ms  INTEGER NOT NULL\n"
	");\n"

	/* open while end_ms IS NULL; stage = stage touched last, then reached */
	"CREATE TABLE jobs (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  station_id  INTEGER NOT NULL REFERENCES stations(id),\n"
	"  slot        TEXT NOT NULL DEFAULT '',\n"
	"  port        TEXT NOT NULL DEFAULT '',\n"
	"  adapter_id  INTEGER REFERENCES adapters(id),\n"
	"  device_id   INTEGER REFERENCES devices(id),\n"
	"  mode        TEXT NOT NULL REFERENCES job_modes(name),\n"
	"  image_id    INTEGER REFERENCES images(id),\n"
	"  pid         INTEGER NOT NULL,\n"
	"  start_ms    INTEGER NOT NULL,\n"
	"  stage       TEXT NOT NULL DEFAULT '',\n"
	"  end_ms      INTEGER,\n"
	"  result      TEXT REFERENCES job_results(name),\n"
	"  err_code    INTEGER NOT NULL DEFAULT 0,\n"
	"  err_name    TEXT,\n"
	"  err_msg     TEXT,\n"
	"  CHECK ((end_ms IS NULL) = (result IS NULL))\n"
	");\n"
	"CREATE INDEX jobs_slot_time ON jobs (slot, start_ms);\n"
	"CREATE INDEX jobs_device_time ON jobs (device_id, start_ms);\n"
	"CREATE INDEX jobs_adapter_time ON jobs (adapter_id, start_ms);\n"
	"CREATE INDEX jobs_time ON jobs (start_ms);\n"
	"CREATE INDEX jobs_open ON jobs (station_id) WHERE end_ms IS NULL;\n"

	"CREATE TABLE job_stages (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  job_id      INTEGER NOT NULL REFERENCES jobs(id),\n"
	"  stage       TEXT NOT NULL CHECK (stage <> ''),\n"
	"  outcome     TEXT NOT NULL REFERENCES stage_outcomes(name),\n"
	"  start_ms    INTEGER NOT NULL,\n"
	"  end_ms      INTEGER NOT NULL,\n"
	"  bytes       INTEGER NOT NULL DEFAULT 0,\n"
	"  err_code    INTEGER NOT NULL DEFAULT 0,\n"
	"  err_name    TEXT,\n"
	"  err_msg     TEXT\n"
	");\n"
	"CREATE INDEX job_stages_job ON job_stages (job_id);\n"
	"CREATE INDEX job_stages_stage_time ON job_stages (stage, start_ms);\n"

	/* a backup is of one device; its file MD5 matched the chip's or not */
	"CREATE TABLE backups (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  device_id   INTEGER NOT NULL REFERENCES devices(id),\n"
	"  job_id      INTEGER REFERENCES jobs(id),\n"
	"  path        TEXT NOT NULL CHECK (path <> ''),\n"
	"  size        INTEGER NOT NULL CHECK (size > 0),\n"
	"  flash_id    INTEGER NOT NULL,\n"
	"  sha256      TEXT NOT NULL CHECK (" HEX_CHECK("sha256", 64) "),\n"
	"  md5         TEXT NOT NULL CHECK (" HEX_CHECK("md5", 32) "),\n"
	"  chip_md5    TEXT CHECK (chip_md5 IS NULL OR (" HEX_CHECK("chip_md5", 32) ")),\n"
	"  verified    INTEGER NOT NULL CHECK (verified = (chip_md5 IS NOT NULL AND chip_md5 = md5)),\n"
	"  created_ms  INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX backups_device ON backups (device_id, verified);\n"
	"CREATE INDEX backups_time ON backups (created_ms);\n"
	"CREATE INDEX backups_job ON backups (job_id);\n"
	"CREATE TRIGGER backups_job_device BEFORE INSERT ON backups\n"
	"WHEN NEW.job_id IS NOT NULL\n"
	" AND (SELECT device_id FROM jobs WHERE id = NEW.job_id) IS NOT NEW.device_id\n"
	"BEGIN SELECT RAISE(ABORT, 'a backup belongs to the device its job detected'); END;\n"

	/* what a job wrote: source and the hash of the bytes actually sent */
	"CREATE TABLE job_writes (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  job_id      INTEGER NOT NULL REFERENCES jobs(id),\n"
	"  addr        INTEGER NOT NULL CHECK (addr >= 0),\n"
	"  size        INTEGER NOT NULL CHECK (size >= 0),\n"
	"  image_id    INTEGER REFERENCES images(id),\n"
	"  backup_id   INTEGER REFERENCES backups(id),\n"
	"  sha256      TEXT NOT NULL CHECK (" HEX_CHECK("sha256", 64) "),\n"
	"  md5         TEXT NOT NULL CHECK (" HEX_CHECK("md5", 32) "),\n"
	"  patched     INTEGER NOT NULL CHECK (patched IN (0, 1)),\n"
	"  created_ms  INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX job_writes_job ON job_writes (job_id);\n"

	/* donor -> target; another unit's backup only when forced */
	"CREATE TABLE restores (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  job_id      INTEGER NOT NULL REFERENCES jobs(id),\n"
	"  backup_id   INTEGER NOT NULL REFERENCES backups(id),\n"
	"  donor_mac   TEXT NOT NULL CHECK (donor_mac GLOB " MAC_GLOB "),\n"
	"  target_mac  TEXT NOT NULL CHECK (target_mac GLOB " MAC_GLOB "),\n"
	"  forced      INTEGER NOT NULL CHECK (forced IN (0, 1)),\n"
	"  created_ms  INTEGER NOT NULL,\n"
	"  CHECK (forced = 1 OR donor_mac = target_mac)\n"
	");\n"
	"CREATE INDEX restores_job ON restores (job_id);\n"
	"CREATE INDEX restores_backup ON restores (backup_id);\n"
	"CREATE TRIGGER restores_donor BEFORE INSERT ON restores\n"
	"WHEN NEW.donor_mac IS NOT (SELECT d.mac FROM backups b JOIN devices d ON d.id = b.device_id\n"
	"                           WHERE b.id = NEW.backup_id)\n"
	"BEGIN SELECT RAISE(ABORT, 'restores.donor_mac must be the MAC of the backup'); END;\n"

	/* the journal: ids strictly increase and are never reused */
	"CREATE TABLE events (\n"
	"  id          INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  job_id      INTEGER REFERENCES jobs(id),\n"
	"  ts_ms       INTEGER NOT NULL,\n"
	"  ts_utc      TEXT NOT NULL,\n"
	"  type        TEXT NOT NULL CHECK (type <> ''),\n"
	"  data        TEXT CHECK (data IS NULL OR json_valid(data))\n"
	");\n"
	"CREATE INDEX events_job ON events (job_id, id);\n"
	"CREATE INDEX events_time ON events (ts_ms);\n"

	/* append-only, in SQL as well as in the API */
	NO_DELETE("schema") NO_UPDATE("schema")
	NO_DELETE("job_modes") NO_UPDATE("job_modes")
	NO_DELETE("job_results") NO_UPDATE("job_results")
	NO_DELETE("stage_outcomes") NO_UPDATE("stage_outcomes")
	NO_DELETE("stations") NO_UPDATE("stations")
	NO_DELETE("adapters")
	NO_DELETE("devices")
	NO_DELETE("images") NO_UPDATE("images")
	NO_DELETE("jobs")
	NO_DELETE("job_stages") NO_UPDATE("job_stages")
	NO_DELETE("backups") NO_UPDATE("backups")
	NO_DELETE("job_writes") NO_UPDATE("job_writes")
	NO_DELETE("restores") NO_UPDATE("restores")
	NO_DELETE("events") NO_UPDATE("events")
	/* adapters and devices: only last_seen moves, and only forward */
	"CREATE TRIGGER adapters_fixed BEFORE UPDATE OF id, station_id, vid, pid, usb_serial,\n"
	"  id_path, slot, kind, first_seen_ms ON adapters\n"
	"BEGIN SELECT RAISE(ABORT, 'adapters: only last_seen_ms may change'); END;\n"
	"CREATE TRIGGER adapters_seen BEFORE UPDATE OF last_seen_ms ON adapters\n"
	"WHEN NEW.last_seen_ms < OLD.last_seen_ms\n"
	"BEGIN SELECT RAISE(ABORT, 'adapters: last_seen_ms only moves forward'); END;\n"
	"CREATE TRIGGER devices_fixed BEFORE UPDATE OF id, mac, chip, flash_id, flash_size,\n"
	"  first_seen_ms ON devices\n"
	"BEGIN SELECT RAISE(ABORT, 'devices: only last_seen_ms may change'); END;\n"
	"CREATE TRIGGER devices_seen BEFORE UPDATE OF last_seen_ms ON devices\n"
	"WHEN NEW.last_seen_ms < OLD.last_seen_ms\n"
	"BEGIN SELECT RAISE(ABORT, 'devices: last_seen_ms only moves forward'); END;\n"
	/* jobs: a closed job is history; an open one only gains facts */
	"CREATE TRIGGER jobs_closed BEFORE UPDATE ON jobs\n"
	"WHEN OLD.end_ms IS NOT NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'job is closed: its row is history'); END;\n"
	"CREATE TRIGGER jobs_fixed BEFORE UPDATE OF id, station_id, slot, port, adapter_id, mode,\n"
	"  image_id, pid, start_ms ON jobs\n"
	"BEGIN SELECT RAISE(ABORT, 'jobs: what a job was started with never changes'); END;\n"
	"CREATE TRIGGER jobs_device_once BEFORE UPDATE OF device_id ON jobs\n"
	"WHEN OLD.device_id IS NOT NULL AND NEW.device_id IS NOT OLD.device_id\n"
	"BEGIN SELECT RAISE(ABORT, 'jobs: the device of a job is set once'); END;\n"
	OPEN_JOB_ONLY("job_stages")
	OPEN_JOB_ONLY("job_writes")
	OPEN_JOB_ONLY("backups")
	OPEN_JOB_ONLY("restores")
	OPEN_JOB_ONLY("events")

	/* audit views (no data; a migration may replace them) */
	"CREATE VIEW job_report AS\n"
	"SELECT j.id AS job_id, s.name AS station, j.slot, j.port, j.mode, d.mac, d.chip,\n"
	"       a.vid, a.pid AS usb_pid, a.usb_serial, a.id_path, a.kind AS adapter_kind,\n"
	"       i.name AS image, i.sha256 AS image_sha256, j.pid,\n"
	"       j.start_ms, " UTC("j.start_ms") " AS start_utc,\n"
	"       j.end_ms, " UTC("j.end_ms") " AS end_utc,\n"
	"       j.end_ms - j.start_ms AS cycle_ms, j.result, j.stage,\n"
	"       j.err_code, j.err_name, j.err_msg\n"
	"FROM jobs j JOIN stations s ON s.id = j.station_id\n"
	"LEFT JOIN devices d ON d.id = j.device_id\n"
	"LEFT JOIN adapters a ON a.id = j.adapter_id\n"
	"LEFT JOIN images i ON i.id = j.image_id;\n"
	"CREATE VIEW stage_report AS\n"
	"SELECT t.id AS stage_row, t.job_id, j.slot, d.mac, t.stage, t.outcome,\n"
	"       t.start_ms, " UTC("t.start_ms") " AS start_utc,\n"
	"       t.end_ms - t.start_ms AS duration_ms, t.bytes,\n"
	"       t.err_code, t.err_name, t.err_msg\n"
	"FROM job_stages t JOIN jobs j ON j.id = t.job_id\n"
	"LEFT JOIN devices d ON d.id = j.device_id;\n"
	"CREATE VIEW backup_inventory AS\n"
	"SELECT b.id AS backup_id, d.mac, b.path, b.size, b.flash_id, b.sha256, b.md5,\n"
	"       b.chip_md5, b.verified, b.created_ms, " UTC("b.created_ms") " AS created_utc,\n"
	"       b.job_id, j.slot\n"
	"FROM backups b JOIN devices d ON d.id = b.device_id\n"
	"LEFT JOIN jobs j ON j.id = b.job_id;\n";

/* Schema v2: provenance of every backup, the sector map of a sparse read,
 * who imported a file made elsewhere, and the clean-unit proof of a job.
 * Frozen copy: tests/db/fixtures/v2.sql. */
static const char s_v2[] =
	"CREATE TABLE backup_provenances (\n"
	"  name        TEXT PRIMARY KEY,\n"
	"  description TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"INSERT INTO backup_provenances (name, description) VALUES\n"
	"  ('original', 'taken before any espstation job began to erase or write the unit,"
	" and not blank: the unit''s own firmware, what restore writes back'),\n"
	"  ('ours', 'taken after an espstation erase or write of the unit began, or holding"
	" what the station wrote: never restored unless named'),\n"
	"  ('blank', 'the flash read all erased (0xFF): never restored unless named'),\n"
	"  ('imported', 'a file made elsewhere, imported by an operator: restored when the"
	" unit has no verified original');\n"
	NO_DELETE("backup_provenances") NO_UPDATE("backup_provenances")

	/* a default, as ADD COLUMN NOT NULL needs one; v1 rows get theirs below */
	"ALTER TABLE backups ADD COLUMN provenance TEXT NOT NULL DEFAULT 'original';\n"
	/* lower-case hex, bit i = sector i (4 KiB), LSB of the first byte first */
	"ALTER TABLE backups ADD COLUMN sector_map TEXT CHECK (sector_map IS NULL OR\n"
	"  (size % 4096 = 0 AND length(sector_map) = (size / 4096 + 7) / 8 * 2\n"
	"   AND NOT sector_map GLOB '*[^0-9a-f]*'));\n"
	/* who imported which file: both for an import, neither otherwise */
	"ALTER TABLE backups ADD COLUMN imported_by TEXT\n"
	"  CHECK (imported_by IS NULL OR (imported_by <> '' AND provenance = 'imported'));\n"
	"ALTER TABLE backups ADD COLUMN imported_from TEXT\n"
	"  CHECK (imported_from IS NULL OR (imported_from <> '' AND provenance = 'imported'))\n"
	"  CHECK ((provenance = 'imported') = (imported_by IS NOT NULL AND imported_from IS NOT NULL));\n"
	/* NULL: not proven (or not asked); 1: every written range matched and
	 * every other sector read erased; 0: that proof failed */
	"ALTER TABLE jobs ADD COLUMN clean_proven INTEGER CHECK (clean_proven IN (0, 1));\n"

	/* for people: which job began to erase or write which unit, when */
	"CREATE VIEW device_touches AS\n" DB_TOUCHES("j.device_id IS NOT NULL") ";\n"
	"CREATE TRIGGER backups_provenance_known BEFORE INSERT ON backups\n"
	"WHEN NOT EXISTS (SELECT 1 FROM backup_provenances WHERE name = NEW.provenance)\n"
	"BEGIN SELECT RAISE(ABORT, 'backups.provenance must be a row of backup_provenances'); END;\n"
	"CREATE TRIGGER backups_original_untouched BEFORE INSERT ON backups\n"
	"WHEN NEW.provenance = 'original'\n"
	" AND EXISTS (SELECT 1 FROM (" DB_TOUCHES("j.device_id = NEW.device_id") "))\n"
	"BEGIN SELECT RAISE(ABORT, 'an original backup is taken before any espstation erase or"
	" write of its unit'); END;\n"
	"CREATE TRIGGER jobs_clean_once BEFORE UPDATE OF clean_proven ON jobs\n"
	"WHEN OLD.clean_proven IS NOT NULL AND NEW.clean_proven IS NOT OLD.clean_proven\n"
	"BEGIN SELECT RAISE(ABORT, 'jobs: clean_proven is recorded once'); END;\n"

	/* the v1 rows: provenance from history, nothing else touched */
	"DROP TRIGGER backups_no_update;\n"
	"UPDATE backups AS b SET provenance = " DB_PROVENANCE_FROM_HISTORY ";\n"
	NO_UPDATE("backups")

	"DROP VIEW backup_inventory;\n"
	"CREATE VIEW backup_inventory AS\n"
	"SELECT b.id AS backup_id, d.mac, b.path, b.size, b.flash_id, b.sha256, b.md5,\n"
	"       b.chip_md5, b.verified, b.created_ms, " UTC("b.created_ms") " AS created_utc,\n"
	"       b.job_id, j.slot, b.provenance, b.sector_map, b.imported_by, b.imported_from\n"
	"FROM backups b JOIN devices d ON d.id = b.device_id\n"
	"LEFT JOIN jobs j ON j.id = b.job_id;\n"
	"DROP VIEW job_report;\n"
	"CREATE VIEW job_report AS\n"
	"SELECT j.id AS job_id, s.name AS station, j.slot, j.port, j.mode, d.mac, d.chip,\n"
	"       a.vid, a.pid AS usb_pid, a.usb_serial, a.id_path, a.kind AS adapter_kind,\n"
	"       i.name AS image, i.sha256 AS image_sha256, j.pid,\n"
	"       j.start_ms, " UTC("j.start_ms") " AS start_utc,\n"
	"       j.end_ms, " UTC("j.end_ms") " AS end_utc,\n"
	"       j.end_ms - j.start_ms AS cycle_ms, j.result, j.stage,\n"
	"       j.err_code, j.err_name, j.err_msg, j.clean_proven\n"
	"FROM jobs j JOIN stations s ON s.id = j.station_id\n"
	"LEFT JOIN devices d ON d.id = j.device_id\n"
	"LEFT JOIN adapters a ON a.id = j.adapter_id\n"
	"LEFT JOIN images i ON i.id = j.image_id;\n";

/* Schema v3: the ESP32 family.  Each unit's chip family, description
 * (variant and revision), revision and latest security state; ciphertext
 * backups (read from a flash-encrypted unit), which decrypt on their own
 * chip only.  Frozen copy: tests/db/fixtures/v3.sql. */
static const char s_v3[] =
	"CREATE TABLE chip_families (\n"
	"  name        TEXT PRIMARY KEY,\n"
	"  description TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"INSERT INTO chip_families (name, description) VALUES " DB_CHIP_FAMILY_ROWS ";\n"
	NO_DELETE("chip_families") NO_UPDATE("chip_families")
	/* position: the order of the canonical comma list in devices.security */
	"CREATE TABLE security_features (\n"
	"  name        TEXT PRIMARY KEY CHECK (name <> '' AND instr(name, ',') = 0),\n"
	"  position    INTEGER NOT NULL UNIQUE,\n"
	"  description TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"INSERT INTO security_features (name, position, description) VALUES\n"
	"  ('flash_encryption', 1, 'flash encryption on: the flash holds ciphertext of the"
	" chip''s own key'),\n"
	"  ('secure_boot', 2, 'secure boot on: only signed firmware boots'),\n"
	"  ('secure_download', 3, 'Secure Download Mode: the ROM takes only a few commands'),\n"
	"  ('dl_encrypt_disabled', 4, 'download-mode flash encryption disabled');\n"
	NO_DELETE("security_features") NO_UPDATE("security_features")

	/* NULL: unknown (a default NULL lets ADD COLUMN reference its table) */
	"ALTER TABLE devices ADD COLUMN family TEXT REFERENCES chip_families(name);\n"
	/* "ESP32-D0WD-V3 (revision v3.1)"; NULL: unknown */
	"ALTER TABLE devices ADD COLUMN description TEXT CHECK (description <> '');\n"
	/* "v3.1"; NULL: none (ESP8266) or unknown */
	"ALTER TABLE devices ADD COLUMN revision TEXT CHECK (revision <> '');\n"
	/* the latest state read: a canonical comma list, '' none, NULL not read */
	"ALTER TABLE devices ADD COLUMN security TEXT;\n"
	/* the audit's --family: a family's units, then their jobs by device */
	"CREATE INDEX devices_family ON devices (family);\n"
	/* read from a flash-encrypted unit: restored onto that MAC only */
	"ALTER TABLE backups ADD COLUMN ciphertext INTEGER NOT NULL DEFAULT 0\n"
	"  CHECK (ciphertext IN (0, 1));\n"

	/* the v1/v2 rows: every unit a station before v3 met was an ESP8266 or
	 * ESP8285; devices has no no-UPDATE trigger (last_seen moves), and
	 * devices_fixed does not cover the new columns */
	"UPDATE devices SET family = 'esp8266', description = chip;\n"

	"CREATE TRIGGER devices_identity_once BEFORE UPDATE OF family, description, revision\n"
	"  ON devices\n"
	"WHEN (OLD.family IS NOT NULL AND NEW.family IS NOT OLD.family)\n"
	" OR (OLD.description IS NOT NULL AND NEW.description IS NOT OLD.description)\n"
	" OR (OLD.revision IS NOT NULL AND NEW.revision IS NOT OLD.revision)\n"
	"BEGIN SELECT RAISE(ABORT, 'devices: family, description and revision are set once');"
	" END;\n"
	"CREATE TRIGGER devices_security_insert BEFORE INSERT ON devices\n"
	"WHEN NEW.security IS NOT NULL AND NEW.security IS NOT " DB_SECURITY_CANONICAL("NEW.security")
	"\nBEGIN SELECT RAISE(ABORT, 'devices.security: a comma list of security_features"
	" names in their order, or empty'); END;\n"
	/* the latest state read: once read, never "not read" again */
	"CREATE TRIGGER devices_security_update BEFORE UPDATE OF security ON devices\n"
	"WHEN (NEW.security IS NULL AND OLD.security IS NOT NULL)\n"
	" OR (NEW.security IS NOT NULL AND NEW.security IS NOT "
	DB_SECURITY_CANONICAL("NEW.security") ")\n"
	"BEGIN SELECT RAISE(ABORT, 'devices.security: a comma list of security_features"
	" names in their order, or empty; once read, never unset'); END;\n"
	"CREATE TRIGGER restores_ciphertext_own_unit BEFORE INSERT ON restores\n"
	"WHEN NEW.donor_mac IS NOT NEW.target_mac\n"
	" AND (SELECT ciphertext FROM backups WHERE id = NEW.backup_id) = 1\n"
	"BEGIN SELECT RAISE(ABORT, 'a ciphertext backup decrypts on its own unit only:"
	" never restored onto another MAC, forced or not'); END;\n"

	"DROP VIEW backup_inventory;\n"
	"CREATE VIEW backup_inventory AS\n"
	"SELECT b.id AS backup_id, d.mac, b.path, b.size, b.flash_id, b.sha256, b.md5,\n"
	"       b.chip_md5, b.verified, b.created_ms, " UTC("b.created_ms") " AS created_utc,\n"
	"       b.job_id, j.slot, b.provenance, b.sector_map, b.imported_by, b.imported_from,\n"
	"       b.ciphertext, d.family\n"
	"FROM backups b JOIN devices d ON d.id = b.device_id\n"
	"LEFT JOIN jobs j ON j.id = b.job_id;\n"
	"DROP VIEW job_report;\n"
	"CREATE VIEW job_report AS\n"
	"SELECT j.id AS job_id, s.name AS station, j.slot, j.port, j.mode, d.mac, d.chip,\n"
	"       a.vid, a.pid AS usb_pid, a.usb_serial, a.id_path, a.kind AS adapter_kind,\n"
	"       i.name AS image, i.sha256 AS image_sha256, j.pid,\n"
	"       j.start_ms, " UTC("j.start_ms") " AS start_utc,\n"
	"       j.end_ms, " UTC("j.end_ms") " AS end_utc,\n"
	"       j.end_ms - j.start_ms AS cycle_ms, j.result, j.stage,\n"
	"       j.err_code, j.err_name, j.err_msg, j.clean_proven,\n"
	"       d.family, d.description AS chip_description, d.revision AS chip_revision,\n"
	"       d.security\n"
	"FROM jobs j JOIN stations s ON s.id = j.station_id\n"
	"LEFT JOIN devices d ON d.id = j.device_id\n"
	"LEFT JOIN adapters a ON a.id = j.adapter_id\n"
	"LEFT JOIN images i ON i.id = j.image_id;\n";

/* ---- reading the version ------------------------------------------------ */

static int query_int(struct db *db, const char *sql, int64_t *ret, int *ret_null)
{
	sqlite3_stmt *st;
	int r = db_prep(db, &st, sql, "read schema"), rc;

	if (r)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		if (ret_null)
			*ret_null = sqlite3_column_type(st, 0) == SQLITE_NULL;
	} else if (rc == SQLITE_DONE) {
		*ret = 0;
		if (ret_null)
			*ret_null = 1;
	} else {
		r = db_fail_sqlite(db, sqlite3_extended_errcode(db->h), "read schema");
	}
	sqlite3_finalize(st);
	return r;
}

/* Version of the file: 0 for an empty file; -EBADMSG if it is not ours. */
static int schema_read(struct db *db, const char *path, int *ret)
{
	int64_t app = 0, objects = 0, has_schema = 0, version = 0;
	char why[64];
	int is_null = 1, r;

	r = query_int(db, "PRAGMA application_id", &app, NULL);
	/* the first read is where SQLite finds out the file is not SQLite */
	if (r == -EBADMSG && sqlite3_errcode(db->h) == SQLITE_NOTADB)
		return db_refuse_foreign(db, path, "not an SQLite file");
	if (r)
		return db_fail_prefix(db, r, path);
	r = query_int(db, "SELECT count(*) FROM sqlite_master", &objects, NULL);
	if (r)
		return db_fail_prefix(db, r, path);
	if (app != 0 && app != DB_APPLICATION_ID) {
		snprintf(why, sizeof why, "application_id 0x%08llx", (unsigned long long)app);
		return db_refuse_foreign(db, path, why);
	}
	if (objects == 0) {
		*ret = 0;
		return 0;
	}
	r = query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema'",
		      &has_schema, NULL);
	if (r)
		return r;
	if (!has_schema)
		return db_refuse_foreign(db, path, "it has tables but no schema table");
	r = query_int(db, "SELECT max(version) FROM schema", &version, &is_null);
	if (r)
		return r;
	if (is_null || version < 1 || version > 1000000)
		return db_fail(db, -EBADMSG, "%s: damaged espstation database: no schema version "
			       "(fix: restore the file from a copy)", path);
	*ret = (int)version;
	return 0;
}

int db_schema_prepare(struct db *db, const char *path)
{
	int version, r;

	r = schema_read(db, path, &version);
	if (r)
		return r;
	if (version > DB_SCHEMA_VERSION)
		return db_refuse_newer(db, path, version);
	db->version_at_open = version;
	db->version = version;
	return 0;
}

/* ---- migrating ---------------------------------------------------------- */

/* Runs one version's SQL and records it in the schema table. */
static int schema_step(struct db *db, int version, const char *sql)
{
	char what[48];
	sqlite3_stmt *st;
	int r;

	snprintf(what, sizeof what, "migrate to schema v%d", version);
	r = db_exec(db, sql, what);
	if (r)
		return r;
	r = db_prep(db, &st, "INSERT INTO schema (version, applied_ms) VALUES (?1, ?2)", what);
	if (r)
		return r;
	sqlite3_bind_int(st, 1, version);
	sqlite3_bind_int64(st, 2, db_now_ms(db));
	return db_step_done(db, st, what);
}

/* Runs every step from version `from` to DB_SCHEMA_VERSION, in order, in
 * the caller's transaction: a v0 (new) file falls through all of them. */
static int migrate_from(struct db *db, int from)
{
	char sql[64];
	int r = 0;

	switch (from) {
	case 0:
		snprintf(sql, sizeof sql, "PRAGMA application_id = %d", DB_APPLICATION_ID);
		r = db_exec(db, sql, "set application_id");
		if (r)
			break;
		r = schema_step(db, 1, s_v1);
		if (r)
			break;
		DB_FALLTHROUGH;
	case 1:
		r = schema_step(db, 2, s_v2);
		if (r)
			break;
		DB_FALLTHROUGH;
	case 2:
		r = schema_step(db, 3, s_v3);
		if (r)
			break;
		DB_FALLTHROUGH;
	/* v4 goes here:
	 * case 3:
	 *	r = schema_step(db, 4, s_v4);
	 *	if (r)
	 *		break;
	 *	DB_FALLTHROUGH;
	 */
	case DB_SCHEMA_VERSION:
		break;
	default:
		r = db_fail(db, -EBADMSG, "no migration from schema v%d", from);
		break;
	}
	return r;
}

int db_schema_migrate(struct db *db, const char *path)
{
	int version, r;

	if (db->version_at_open == DB_SCHEMA_VERSION)
		return 0;
	/* Write lock first, then read again: another process may have
	 * migrated the file while we waited (every worker opens at once). */
	r = db_tx_begin(db);
	if (r)
		return db_fail_prefix(db, r, path);
	r = schema_read(db, path, &version);
	if (r == 0 && version > DB_SCHEMA_VERSION)
		r = db_refuse_newer(db, path, version);
	if (r == 0 && version < DB_SCHEMA_VERSION) {
		r = migrate_from(db, version);
		if (r)
			r = db_fail_prefix(db, r, path);
	}
	r = db_tx_end(db, r);
	if (r == 0)
		db->version = DB_SCHEMA_VERSION;
	return r;
}
