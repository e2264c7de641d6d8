/* SPDX-License-Identifier: MIT */
/* Stations, adapters, devices and images: inserted once, found again by
 * their identity, and afterwards only last_seen moves (forward); a unit's
 * family, description and revision are filled in once, its security state
 * is the latest, each change journalled (schema v3). */
#include <stdio.h>

#include "dbtest.h"

static char s_dir[256];

static void check_stations(struct db *db)
{
	int64_t a = 0, b = 0, c = 0;

	t_set_case("stations");
	T_EQ_INT(db_station_upsert(db, "bench-1", &a), 0);
	T_EQ_INT(db_station_upsert(db, "bench-2", &b), 0);
	T_EQ_INT(db_station_upsert(db, "bench-1", &c), 0);
	T_CHECK(a > 0 && b > 0 && a != b);
	T_EQ_INT(c, a);
	T_EQ_INT(db_station_upsert(db, "", &c), -EINVAL);
	T_EQ_INT(db_station_upsert(db, NULL, &c), -EINVAL);
	T_EQ_INT(db_station_upsert(db, "tab\there", &c), -EINVAL);
	T_HAS_STR(db_errmsg(db), "station name");
	T_EQ_INT(db_station_upsert(db, "x123456789x123456789x123456789x123456789x123456789x123456789x1234",
				   &c),
		 -EINVAL);
}

static void check_adapters(struct db *db, sqlite3 *h, int64_t *clock)
{
	struct db_adapter cp = {0}, ch = {0};
	int64_t st, id1, id2, id3, id4, id5, id6;

	t_set_case("adapters");
	T_REQUIRE(db_station_upsert(db, "bench-1", &st) == 0);
	cp.station_id = st;
	cp.vid = 0x10c4;
	cp.pid = 0xea60;
	cp.usb_serial = "0001";
	cp.id_path = "pci-0000:00:14.0-usb-0:1.1:1.0";
	cp.slot = "1";
	cp.kind = "cp2102";
	*clock = 1000;
	T_EQ_INT(db_adapter_upsert(db, &cp, &id1), 0);
	*clock = 5000;
	T_EQ_INT(db_adapter_upsert(db, &cp, &id2), 0);
	T_EQ_INT(id2, id1);
	T_EQ_INT(t_q_int(h, "SELECT first_seen_ms FROM adapters WHERE id = %lld", (long long)id1), 1000);
	T_EQ_INT(t_q_int(h, "SELECT last_seen_ms FROM adapters WHERE id = %lld", (long long)id1), 5000);
	/* a clock stepped back does not move last_seen back, and is no error */
	*clock = 3000;
	T_EQ_INT(db_adapter_upsert(db, &cp, &id2), 0);
	T_EQ_INT(t_q_int(h, "SELECT last_seen_ms FROM adapters WHERE id = %lld", (long long)id1), 5000);

	/* the same CP2102 moved to another port: a second row, same serial */
	cp.id_path = "pci-0000:00:14.0-usb-0:1.4:1.0";
	cp.slot = "4";
	T_EQ_INT(db_adapter_upsert(db, &cp, &id3), 0);
	T_NE_INT(id3, id1);
	T_EQ_INT(t_q_int(h, "SELECT count(DISTINCT usb_serial) FROM adapters WHERE vid = 4292"), 1);

	/* two CH340s without serial: their ports tell them apart */
	ch.station_id = st;
	ch.vid = 0x1a86;
	ch.pid = 0x7523;
	ch.usb_serial = NULL;
	ch.id_path = "pci-0000:00:14.0-usb-0:1.2:1.0";
	ch.slot = "2";
	ch.kind = "ch340";
	T_EQ_INT(db_adapter_upsert(db, &ch, &id4), 0);
	ch.id_path = "pci-0000:00:14.0-usb-0:1.3:1.0";
	ch.slot = "3";
	T_EQ_INT(db_adapter_upsert(db, &ch, &id5), 0);
	T_NE_INT(id4, id5);
	ch.usb_serial = "";
	T_EQ_INT(db_adapter_upsert(db, &ch, &id6), 0);
	T_EQ_INT(id6, id5);                 /* NULL and "" are the same "no serial" */

	/* an unmapped port: no slot */
	ch.slot = NULL;
	ch.id_path = "pci-0000:00:14.0-usb-0:2:1.0";
	T_EQ_INT(db_adapter_upsert(db, &ch, &id6), 0);

	ch.vid = 0x10000;
	T_EQ_INT(db_adapter_upsert(db, &ch, &id6), -EINVAL);
	ch.vid = 0x1a86;
	ch.station_id = 0;
	T_EQ_INT(db_adapter_upsert(db, &ch, &id6), -EINVAL);
	ch.station_id = 999;
	T_EQ_INT(db_adapter_upsert(db, &ch, &id6), -ENOENT);   /* foreign key */
	T_HAS_STR(db_errmsg(db), "FOREIGN KEY");
}

static void check_devices(struct db *db, sqlite3 *h, int64_t *clock)
{
	struct db_device d = {"5C:CF:7F:AA:00:01", "ESP8266EX", 0x1640ef, 4u << 20, "esp8266",
			      "ESP8266EX", NULL, NULL};
	int64_t id1, id2, id3;
	char buf[256];

	t_set_case("devices");
	*clock = 10000;
	T_EQ_INT(db_device_seen(db, &d, &id1), 0);
	T_CHECK(id1 > 0);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT mac FROM devices WHERE id = %lld",
			  (long long)id1),
		 "5c:cf:7f:aa:00:01");
	/* the same unit written another way */
	d.mac = "5ccf7faa0001";
	*clock = 20000;
	T_EQ_INT(db_device_seen(db, &d, &id2), 0);
	T_EQ_INT(id2, id1);
	T_EQ_INT(t_q_int(h, "SELECT first_seen_ms FROM devices WHERE id = %lld", (long long)id1), 10000);
	T_EQ_INT(t_q_int(h, "SELECT last_seen_ms FROM devices WHERE id = %lld", (long long)id1), 20000);
	T_EQ_INT(db_device_find(db, "5c-cf-7f-aa-00-01", &id3), 0);
	T_EQ_INT(id3, id1);
	T_EQ_INT(db_device_find(db, "5c:cf:7f:aa:00:99", &id3), -ENOENT);
	T_HAS_STR(db_errmsg(db), "5c:cf:7f:aa:00:99");
	T_EQ_INT(db_device_find(db, "nonsense", &id3), -EINVAL);

	/* another flash chip under the same MAC: reported, kept, journalled */
	d.flash_id = 0x1440c8;
	d.flash_size = 1u << 20;
	T_EQ_INT(db_device_seen(db, &d, &id2), 1);
	T_EQ_INT(id2, id1);
	T_EQ_INT(t_q_int(h, "SELECT flash_id FROM devices WHERE id = %lld", (long long)id1), 0x1640ef);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE type = 'device.changed'"
			    " AND json_extract(data, '$.now.flash_id') = %d"
			    " AND json_extract(data, '$.first.flash_id') = %d",
			    0x1440c8, 0x1640ef),
		 1);

	d.mac = "5c:cf:7f:aa:00:0";
	T_EQ_INT(db_device_seen(db, &d, &id2), -EINVAL);
	T_HAS_STR(db_errmsg(db), "bad MAC");
	d.mac = "5c:cf:7f:aa:00:02";
	d.chip = "";
	T_EQ_INT(db_device_seen(db, &d, &id2), -EINVAL);
}

static int64_t count_events(sqlite3 *h, const char *type, int64_t device)
{
	return t_q_int(h, "SELECT count(*) FROM events WHERE type = '%s'"
			  " AND json_extract(data, '$.device_id') = %lld", type, (long long)device);
}

/* An ESP32 and an ESP32-C3: family, description, revision and security as
 * first seen; security follows the unit, journalled; another family under
 * the same MAC is a changed device. */
static void check_families(struct db *db, sqlite3 *h)
{
	struct db_device d = {"24:0a:c4:00:00:01", "ESP32-D0WD-V3", 0x16405e, 4u << 20, "esp32",
			      "ESP32-D0WD-V3 (revision v3.1)", "v3.1", ""};
	int64_t id, id2;
	char buf[256];

	t_set_case("families: first sighting");
	T_EQ_INT(db_device_seen(db, &d, &id), 0);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT family || '|' || description || '|' ||"
			  " revision || '|' || quote(security) FROM devices WHERE id = %lld",
			  (long long)id),
		 "esp32|ESP32-D0WD-V3 (revision v3.1)|v3.1|''");
	T_EQ_INT(count_events(h, "device.security", id), 0);

	t_set_case("families: security changes, journalled");
	d.security = " secure_boot,flash_encryption ";
	T_EQ_INT(db_device_seen(db, &d, &id2), 0);
	T_EQ_INT(id2, id);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT security FROM devices WHERE id = %lld",
			  (long long)id),
		 "flash_encryption,secure_boot");
	T_EQ_INT(count_events(h, "device.security", id), 1);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT json_extract(data, '$.from') || '>' ||"
			  " json_extract(data, '$.to') FROM events WHERE type = 'device.security'"
			  " AND json_extract(data, '$.device_id') = %lld", (long long)id),
		 ">flash_encryption,secure_boot");
	/* the same state again, or not read: nothing new */
	d.security = "flash_encryption,secure_boot";
	T_EQ_INT(db_device_seen(db, &d, &id2), 0);
	d.security = NULL;
	d.family = d.description = d.revision = NULL;
	T_EQ_INT(db_device_seen(db, &d, &id2), 0);
	T_EQ_INT(count_events(h, "device.security", id), 1);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT family || '|' || security FROM devices"
			  " WHERE id = %lld", (long long)id),
		 "esp32|flash_encryption,secure_boot");

	t_set_case("families: another family under the same MAC");
	d.family = "esp32c3";
	d.description = "ESP32-C3 (QFN32) (revision v0.4)";
	d.revision = "v0.4";
	T_EQ_INT(db_device_seen(db, &d, &id2), 1);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT family || '|' || description || '|' ||"
			  " revision FROM devices WHERE id = %lld", (long long)id),
		 "esp32|ESP32-D0WD-V3 (revision v3.1)|v3.1");
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT json_extract(data, '$.first.family') || '>'"
			  " || json_extract(data, '$.now.family') FROM events"
			  " WHERE type = 'device.changed' AND json_extract(data, '$.device_id') = %lld",
			  (long long)id),
		 "esp32>esp32c3");

	t_set_case("families: refused");
	d.family = "esp32s3";
	T_EQ_INT(db_device_seen(db, &d, &id2), -EINVAL);
	T_HAS_STR(db_errmsg(db), "device family: unknown value \"esp32s3\" (known: esp32, esp32c3,"
		  " esp8266)");
	d.family = "esp32";
	d.security = "secure_boot,bogus";
	T_EQ_INT(db_device_seen(db, &d, &id2), -EINVAL);
	T_HAS_STR(db_errmsg(db), "device security: unknown value \"bogus\"");
	d.security = "flash_encryption,,secure_boot";
	T_EQ_INT(db_device_seen(db, &d, &id2), -EINVAL);
	T_HAS_STR(db_errmsg(db), "an empty name");
	d.security = NULL;
	d.description = "x123456789x123456789x123456789x123456789x123456789x123456789"
			"x123456789x123456789x123456789x123456789x123456789x123456789x1234567";
	T_EQ_INT(db_device_seen(db, &d, &id2), -EINVAL);
	T_HAS_STR(db_errmsg(db), "device description");
	T_EQ_INT(count_events(h, "device.security", id), 1);

	/* a unit first recorded without them (vault import): the first
	 * sighting that knows them fills them in; its first security read is
	 * journalled from null */
	t_set_case("families: filled in once");
	d.mac = "58:cf:79:00:00:02";
	d.chip = "unknown";
	d.family = d.description = d.revision = d.security = NULL;
	T_EQ_INT(db_device_seen(db, &d, &id), 0);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM devices WHERE id = %lld AND family IS NULL"
			    " AND description IS NULL AND revision IS NULL AND security IS NULL",
			    (long long)id),
		 1);
	d.chip = "ESP32-C3 (QFN32)";
	d.family = "esp32c3";
	d.description = "ESP32-C3 (QFN32) (revision v0.4)";
	d.revision = "v0.4";
	d.security = "";
	T_EQ_INT(db_device_seen(db, &d, &id2), 1);     /* the chip: "unknown" at first */
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT family || '|' || description || '|' ||"
			  " revision || '|' || quote(security) FROM devices WHERE id = %lld",
			  (long long)id),
		 "esp32c3|ESP32-C3 (QFN32) (revision v0.4)|v0.4|''");
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM events WHERE type = 'device.security'"
			    " AND json_extract(data, '$.device_id') = %lld"
			    " AND json_type(data, '$.from') = 'null' AND json_extract(data, '$.to') = ''",
			    (long long)id),
		 1);
	/* filled once: another value is a changed device, the row keeps its own */
	d.family = "esp32";
	T_EQ_INT(db_device_seen(db, &d, &id2), 1);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT family FROM devices WHERE id = %lld",
			  (long long)id),
		 "esp32c3");

	t_set_case("families: db_security_text");
	T_EQ_STR(db_security_text(0, buf), "");
	T_EQ_STR(db_security_text(DB_SEC_DL_ENCRYPT_DISABLED | DB_SEC_FLASH_ENCRYPTION, buf),
		 "flash_encryption,dl_encrypt_disabled");
	T_EQ_STR(db_security_text(DB_SEC_SECURE_BOOT | 0x100, buf), "secure_boot");
	/* the same names, in the same order, as the schema's own list */
	db_security_text(DB_SEC_FLASH_ENCRYPTION | DB_SEC_SECURE_BOOT | DB_SEC_SECURE_DOWNLOAD |
			 DB_SEC_DL_ENCRYPT_DISABLED, buf);
	{
		char table[256];

		T_EQ_STR(t_q_text(h, table, sizeof table, "SELECT group_concat(name, ',') FROM"
				  " (SELECT name FROM security_features ORDER BY position)"),
			 buf);
	}
}

static void check_images(struct db *db, sqlite3 *h)
{
	struct db_image img = {"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
			       "tasmota.bin", 612336, 3, 2, 0, 0x40100000};
	int64_t id1, id2, id3;
	char buf[100];

	t_set_case("images");
	T_EQ_INT(db_image_upsert(db, &img, &id1), 0);
	img.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	img.name = "renamed.bin";
	T_EQ_INT(db_image_upsert(db, &img, &id2), 0);
	T_EQ_INT(id2, id1);
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT name FROM images WHERE id = %lld",
			  (long long)id1),
		 "tasmota.bin");
	T_EQ_STR(t_q_text(h, buf, sizeof buf, "SELECT sha256 FROM images WHERE id = %lld",
			  (long long)id1),
		 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	T_EQ_INT(t_q_int(h, "SELECT entry FROM images WHERE id = %lld", (long long)id1), 0x40100000);
	/* same hash, other size: a caller bug, refused */
	img.size = 1;
	T_EQ_INT(db_image_upsert(db, &img, &id2), -EINVAL);
	T_HAS_STR(db_errmsg(db), "612336");
	/* not an ESP image: header fields NULL */
	img.sha256 = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
	img.name = "blob.bin";
	img.flash_mode = img.size_code = img.freq_code = -1;
	img.entry = -1;
	T_EQ_INT(db_image_upsert(db, &img, &id3), 0);
	T_NE_INT(id3, id1);
	T_EQ_INT(t_q_int(h, "SELECT count(*) FROM images WHERE id = %lld AND flash_mode IS NULL"
			    " AND entry IS NULL",
			    (long long)id3),
		 1);
	img.sha256 = "2c26b46b";
	T_EQ_INT(db_image_upsert(db, &img, &id3), -EINVAL);
	T_HAS_STR(db_errmsg(db), "64 hex digits");
	img.sha256 = "zc26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
	T_EQ_INT(db_image_upsert(db, &img, &id3), -EINVAL);
}

int main(void)
{
	char path[300];
	int64_t clock = 1;
	struct db *db;
	sqlite3 *h;

	t_mkdtemp(s_dir, sizeof s_dir);
	t_path(path, sizeof path, s_dir, "station.db");
	db = t_open(path);
	db_set_clock(db, t_clock_step, &clock);
	h = t_raw_open(path);
	check_stations(db);
	check_adapters(db, h, &clock);
	check_devices(db, h, &clock);
	check_families(db, h);
	check_images(db, h);
	sqlite3_close(h);
	db_close(db);
	t_rmtree(s_dir);
	return t_done("db_device");
}
