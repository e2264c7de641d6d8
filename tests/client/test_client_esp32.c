/* SPDX-License-Identifier: MIT */
/* core against the emulated ESP32 and ESP32-C3: detection (name, revision,
 * MAC, flash, security), the stub per chip and the baud change, sparse
 * backups, writes and erases proven against the emulated flash, the
 * ROM-only paths (READ_FLASH_SLOW, ROM MD5, ROM erase/write, ROM baud
 * change), and the refusals that follow from flash encryption, secure boot
 * and Secure Download Mode.  Usage: test_client_esp32 SCENARIO */
#include <string.h>
#include <unistd.h>

#include "esp_hash.h"
#include "rig.h"

#define FAST_BAUD 3000000u
#define ROM_FAST_BAUD 921600u

static void connect_detect(struct rig *r, struct esp_chip_info *ci)
{
	struct esp_reset_plan plan = {.mode = ESP_RESET_AUTO};
	CHECK_OK(r, esp_connect(r->s, &plan));
	CHECK_OK(r, esp_detect(r->s, ci));
}

static void check_all_ff(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		CHECK(p[i] == 0xFF);
}

/* A mostly erased flash: data in sectors 0-1, 0x10000-0x12fff and the last
 * sector of 1 MiB.  Written to path; returns the contents. */
static uint8_t *sparse_image(const char *path, uint32_t seed)
{
	uint32_t n = 0x100000;
	uint8_t *img = malloc(n), *rnd = rig_random(n, seed);
	CHECK(img && rnd);
	memset(img, 0xFF, n);
	memcpy(img, rnd, 0x2000);
	memcpy(img + 0x10000, rnd + 0x10000, 0x3000);
	memcpy(img + n - 0x1000, rnd + n - 0x1000, 0x1000);
	free(rnd);
	FILE *f = fopen(path, "wb");
	CHECK(f && fwrite(img, 1, n, f) == n && fclose(f) == 0);
	return img;
}

static char *temp_path(void)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/espstation-c32-XXXXXX");
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	return path;
}

/* ---- detection ------------------------------------------------------ */

static void t_detect_esp32(void)
{
	struct emu_config c;
	rig_defaults_chip(&c, EMU_ESP32);
	c.flash_manuf = 0xC8;
	struct rig r;
	rig_open(&r, &c, 115200, 115200);
	struct esp_chip_info ci;
	connect_detect(&r, &ci);
	char mac[18];
	CHECK(ci.chip == ESP_CHIP_ESP32);
	CHECK(strcmp(ci.name, "ESP32-D0WD-V3") == 0);
	CHECK(strcmp(ci.description, "ESP32-D0WD-V3 (revision v3.1)") == 0);
	CHECK(ci.rev_major == 3 && ci.rev_minor == 1);
	CHECK(ci.image_chip_id == 0);
	CHECK(ci.magic == 0x00F01D83u);
	CHECK(strcmp(esp_mac_str(ci.mac, mac), "24:0a:c4:12:34:56") == 0);
	CHECK(ci.crystal_mhz == 40);
	CHECK(ci.flash_manuf == 0xC8);
	CHECK(ci.flash_size == 1u << 20);
	CHECK((ci.flash_id >> 16) == 0x14);
	CHECK(ci.security.known && !ci.security.flash_encrypted && !ci.security.secure_boot &&
	      !ci.security.secure_download);
	CHECK(strcmp(esp_chip_family_name(ci.chip), "esp32") == 0);
	/* esptool's order: GET_SECURITY_INFO (refused by this ROM) then the magic;
	 * the ROM is told the pads and the real size */
	CHECK(rig_log_count(&r, "GET_SECURITY_INFO") == 1);
	CHECK(rig_log_count(&r, "\"SPI_ATTACH\"") == 1);
	CHECK(rig_log_count(&r, "\"total_size\":1048576") == 1);
	rig_close(&r);
}

static void t_detect_c3(void)
{
	struct emu_config c;
	rig_defaults_chip(&c, EMU_ESP32C3);
	struct rig r;
	rig_open(&r, &c, 115200, 115200);
	struct esp_chip_info ci;
	connect_detect(&r, &ci);
	char mac[18];
	CHECK(ci.chip == ESP_CHIP_ESP32C3);
	CHECK(strcmp(ci.name, "ESP32-C3 (QFN32)") == 0);
	CHECK(strcmp(ci.description, "ESP32-C3 (QFN32) (revision v0.4)") == 0);
	CHECK(ci.rev_major == 0 && ci.rev_minor == 4);
	CHECK(ci.image_chip_id == 5);
	CHECK(strcmp(esp_mac_str(ci.mac, mac), "58:cf:79:12:34:56") == 0);
	CHECK(ci.crystal_mhz == 40);
	CHECK(ci.flash_size == 1u << 20);
	CHECK(ci.security.known && !ci.security.flash_encrypted && !ci.security.secure_boot);
	CHECK(strcmp(esp_chip_family_name(ci.chip), "esp32c3") == 0);
	/* named by GET_SECURITY_INFO's chip id: the magic word is never read */
	CHECK(rig_log_count(&r, "\"addr\":1073745920") == 0);
	CHECK(rig_log_count(&r, "\"SPI_ATTACH\"") == 1);
	rig_close(&r);
}

/* Other packages and revisions, named as esptool names them. */
static void t_detect_variants(void)
{
	static const struct {
		enum emu_chip chip;
		unsigned pkg, major, minor;
		const char *description;
	} rows[] = {
		{EMU_ESP32, 7, 3, 1, "ESP32-D0WDR2-V3 (revision v3.1)"},
		{EMU_ESP32, 1, 1, 0, "ESP32-D0WD (revision v1.0)"},
		{EMU_ESP32, 5, 3, 0, "ESP32-PICO-V3 (revision v3.0)"},
		{EMU_ESP32C3, 1, 0, 4, "ESP8685 (QFN28) (revision v0.4)"},
		{EMU_ESP32C3, 0, 1, 1, "ESP32-C3 (QFN32) (revision v1.1)"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct emu_config c;
		rig_defaults_chip(&c, rows[i].chip);
		c.pkg = rows[i].pkg;
		c.rev_major = rows[i].major;
		c.rev_minor = rows[i].minor;
		struct rig r;
		rig_open(&r, &c, 115200, 115200);
		struct esp_chip_info ci;
		connect_detect(&r, &ci);
		char want[80];
		emu_chip_description(&c, want, sizeof want);
		fprintf(stderr, "%s: %s\n", want, ci.description);
		CHECK(strcmp(ci.description, rows[i].description) == 0);
		CHECK(strcmp(ci.description, want) == 0);
		rig_close(&r);
	}
}

/* ---- the stub: detect, stub, backup, erase, write, verify ------------ */

static void pipeline(enum emu_chip chip)
{
	char *path = temp_path();
	uint8_t *img0 = sparse_image(path, chip == EMU_ESP32 ? 31 : 33);
	struct emu_config c;
	rig_defaults_chip(&c, chip);
	c.flash_image = path;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	CHECK(esp_session_stub_running(r.s));
	CHECK(esp_session_baud(r.s) == FAST_BAUD);
	CHECK(emu_device_baud(r.emu) == FAST_BAUD);
	CHECK(emu_in_stub(r.emu));

	/* sparse backup: only the data sectors travel, the whole flash is proven */
	uint32_t n = ci.flash_size;
	CHECK(n == 0x100000);
	uint8_t *b = malloc(n), map[32];
	const struct esp_backup_plan plan = {.retries = 2};
	struct esp_backup_result res = {.sector_map = map};
	CHECK_OK(&r, esp_flash_backup(r.s, 0, n, b, &plan, &res));
	CHECK(memcmp(b, img0, n) == 0);
	CHECK(res.sectors_data == 6);
	CHECK(res.bytes_read == 6 * 0x1000);
	uint8_t want_md5[16];
	esp_md5(img0, n, want_md5);
	CHECK(memcmp(res.chip_md5, want_md5, 16) == 0);
	CHECK(map[0] == 0x03 && map[2] == 0x07 && map[31] == 0x80);

	/* erase what held data, by the map: the flash is blank, proven so */
	uint64_t erased = 0;
	CHECK_OK(&r, esp_flash_erase_map(r.s, map, 0, n / 0x1000, &erased));
	CHECK(erased == 6 * 0x1000);
	uint32_t fn, bad = 0;
	uint8_t *now = rig_flash(&r, &fn);
	check_all_ff(now, fn);
	free(now);
	CHECK_OK(&r, esp_flash_check_erased(r.s, 0, n, &bad));

	/* compressed write and verify */
	uint32_t len = 200000;
	uint8_t *img = rig_random(len, 7);
	memset(img + len / 2, 0x5A, len / 2);
	CHECK_OK(&r, esp_flash_write(r.s, 0x10000, img, len));
	CHECK_OK(&r, esp_flash_verify(r.s, 0x10000, img, len));
	now = rig_flash(&r, &fn);
	CHECK(memcmp(now + 0x10000, img, len) == 0);
	CHECK(now[0xFFFF] == 0xFF && now[0x10000 + len] == 0xFF);
	CHECK(rig_log_count(&r, "FLASH_DEFL_DATA") > 0);
	/* a read through the stub agrees */
	uint8_t *rd = malloc(0x8000);
	CHECK_OK(&r, esp_flash_read(r.s, 0x10000, 0x8000, rd));
	CHECK(memcmp(rd, img, 0x8000) == 0);
	free(rd);
	free(now);

	/* erase the chip through the stub */
	CHECK_OK(&r, esp_flash_erase_chip(r.s, 0));
	now = rig_flash(&r, &fn);
	check_all_ff(now, fn);
	free(now);
	CHECK_OK(&r, esp_hard_reset(r.s));
	free(img);
	free(b);
	free(img0);
	rig_close(&r);
	unlink(path);
}

static void t_pipeline_esp32(void)
{
	pipeline(EMU_ESP32);
}

static void t_pipeline_c3(void)
{
	pipeline(EMU_ESP32C3);
}

/* Uncompressed stub writes: FLASH_BEGIN with the 20-byte payload. */
static void t_write_plain_esp32(void)
{
	struct emu_config c;
	rig_defaults_chip(&c, EMU_ESP32);
	struct rig r;
	rig_open_ex(&r, &c, 115200, FAST_BAUD, 1);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint32_t len = 50000, n;
	uint8_t *img = rig_random(len, 5);
	CHECK_OK(&r, esp_flash_write(r.s, 0x8000, img, len));
	CHECK_OK(&r, esp_flash_verify(r.s, 0x8000, img, len));
	uint8_t *now = rig_flash(&r, &n);
	CHECK(memcmp(now + 0x8000, img, len) == 0);
	CHECK(rig_log_count(&r, "FLASH_DEFL") == 0);
	free(img);
	free(now);
	rig_close(&r);
}

/* The ESP8266 stub on an ESP32 is refused before anything is uploaded. */
static void t_wrong_stub(void)
{
	struct emu_config c;
	rig_defaults_chip(&c, EMU_ESP32);
	struct rig r;
	rig_open(&r, &c, 115200, 115200);
	struct esp_chip_info ci;
	connect_detect(&r, &ci);
	struct esp_stub_image st;
	CHECK(esp_stub_builtin(&st, NULL) == ESP_OK);
	CHECK_ERR(&r, esp_stub_start(r.s, &st), ESP_E_STUB);
	CHECK(strstr(esp_session_error(r.s)->msg, "esp_stub_builtin_for") != NULL);
	CHECK(rig_log_count(&r, "MEM_BEGIN") == 0);
	esp_stub_free(&st);
	rig_close(&r);
}

/* ---- ROM only -------------------------------------------------------- */

/* No stub: the ROM's baud change (ESP32 with its clock correction: the
 * emulated RTC calibration is 5 % low), READ_FLASH_SLOW, the ROM's hex MD5,
 * a sparse backup, a compressed ROM write, ROM erases. */
static void rom_only(enum emu_chip chip, unsigned rtc_cali)
{
	char *path = temp_path();
	uint8_t *img0 = sparse_image(path, 45);
	struct emu_config c;
	rig_defaults_chip(&c, chip);
	c.flash_image = path;
	if (rtc_cali)
		c.rtc_cali = rtc_cali;
	struct rig r;
	rig_open(&r, &c, 115200, ROM_FAST_BAUD);
	struct esp_chip_info ci;
	connect_detect(&r, &ci);
	CHECK_OK(&r, esp_change_baud(r.s, ROM_FAST_BAUD));
	CHECK(!esp_session_stub_running(r.s));
	/* the device's divider lands on the rate (an integer divider may miss
	 * it by a hair; a missing correction would be 5 % off) */
	unsigned dev = emu_device_baud(r.emu);
	fprintf(stderr, "device at %u baud\n", dev);
	CHECK(dev * 1000u >= ROM_FAST_BAUD * 999u && dev * 1000u <= ROM_FAST_BAUD * 1001u);

	/* READ_FLASH_SLOW, 64 bytes a command, proven by the ROM's MD5 */
	uint8_t *rd = malloc(0x2000);
	CHECK_OK(&r, esp_flash_read(r.s, 0, 0x2000, rd));
	CHECK(memcmp(rd, img0, 0x2000) == 0);
	CHECK(rig_log_count(&r, "READ_FLASH_SLOW") == 0x2000 / 64);
	free(rd);
	uint8_t md5[16], want[16];
	CHECK_OK(&r, esp_flash_md5(r.s, 0, 0x100000, md5));
	esp_md5(img0, 0x100000, want);
	CHECK(memcmp(md5, want, 16) == 0);

	/* a sparse backup through the ROM: MD5 scan, slow reads of the data */
	uint32_t n = ci.flash_size;
	uint8_t *b = malloc(n), map[32];
	const struct esp_backup_plan plan = {.retries = 1};
	struct esp_backup_result res = {.sector_map = map};
	CHECK_OK(&r, esp_flash_backup(r.s, 0, n, b, &plan, &res));
	CHECK(memcmp(b, img0, n) == 0);
	CHECK(res.bytes_read == 6 * 0x1000);

	/* a ROM erase (FLASH_BEGIN erases up front) and a ROM write */
	CHECK_OK(&r, esp_flash_erase_region(r.s, 0x10000, 0x3000));
	uint32_t fn;
	uint8_t *now = rig_flash(&r, &fn);
	check_all_ff(now + 0x10000, 0x3000);
	CHECK(memcmp(now, img0, 0x10000) == 0);
	CHECK(memcmp(now + 0x13000, img0 + 0x13000, n - 0x13000) == 0);
	free(now);
	uint32_t len = 30000;
	uint8_t *img = rig_random(len, 17);
	memset(img + 20000, 0, 10000);
	CHECK_OK(&r, esp_flash_write(r.s, 0x20000, img, len));
	CHECK_OK(&r, esp_flash_verify(r.s, 0x20000, img, len));
	now = rig_flash(&r, &fn);
	CHECK(memcmp(now + 0x20000, img, len) == 0);
	CHECK(rig_log_count(&r, "FLASH_DEFL_DATA") > 0);
	CHECK(rig_log_count(&r, "FLASH_DEFL_END") == 0); /* it would end the ROM session */
	CHECK(!emu_in_stub(r.emu));
	CHECK(emu_in_download_mode(r.emu));
	free(now);
	free(img);
	free(b);
	free(img0);
	rig_close(&r);
	unlink(path);
}

static void t_rom_only_esp32(void)
{
	rom_only(EMU_ESP32, 973); /* a ROM clock estimate of 38 MHz */
}

static void t_rom_only_c3(void)
{
	rom_only(EMU_ESP32C3, 0);
}

/* ROM only, uncompressed: FLASH_BEGIN (20 bytes on the C3 ROM) and 1 KiB
 * FLASH_DATA blocks; then the chip erase the ROM lacks, as one FLASH_BEGIN. */
static void t_rom_write_plain_c3(void)
{
	struct emu_config c;
	rig_defaults_chip(&c, EMU_ESP32C3);
	struct rig r;
	rig_open_ex(&r, &c, 115200, 115200, 1);
	struct esp_chip_info ci;
	connect_detect(&r, &ci);
	uint32_t len = 10000, n;
	uint8_t *img = rig_random(len, 23);
	CHECK_OK(&r, esp_flash_write(r.s, 0x30000, img, len));
	CHECK_OK(&r, esp_flash_verify(r.s, 0x30000, img, len));
	uint8_t *now = rig_flash(&r, &n);
	CHECK(memcmp(now + 0x30000, img, len) == 0);
	CHECK(rig_log_count(&r, "\"FLASH_DATA\"") == (int)((len + 1023) / 1024));
	CHECK(rig_log_count(&r, "FLASH_DEFL") == 0);
	CHECK(rig_log_count(&r, "\"FLASH_END\"") == 0); /* it would end the ROM session */
	free(now);
	CHECK_ERR(&r, esp_flash_write(r.s, 0x30004, img, 16), ESP_E_UNSUPPORTED);
	CHECK_OK(&r, esp_flash_erase_chip(r.s, 0));
	now = rig_flash(&r, &n);
	check_all_ff(now, n);
	free(now);
	free(img);
	rig_close(&r);
}

/* Byte noise (20 ppm dropped and 20 ppm flipped each way) on a ROM-only
 * session: the backup still equals the flash, proven by the ROM's MD5. */
static void t_rom_noise_c3(void)
{
	struct emu_config c;
	rig_defaults_chip(&c, EMU_ESP32C3);
	c.flash_size = 256u << 10;
	c.security.secure_boot = 1; /* no stub may run */
	struct rig r;
	rig_open(&r, &c, 115200, ROM_FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	CHECK(!esp_session_stub_running(r.s));
	struct emu_faults f = c.faults;
	f.seed = 7;
	f.drop_ppm = f.flip_ppm = f.rx_drop_ppm = f.rx_flip_ppm = 20;
	emu_set_faults(r.emu, &f);
	uint32_t n = ci.flash_size, fn;
	uint8_t *b = malloc(n);
	const struct esp_backup_plan plan = {.retries = 4, .dense = 1};
	struct esp_backup_result res = {0};
	/* dense: every byte through READ_FLASH_SLOW, 4096 commands */
	CHECK_OK(&r, esp_flash_backup(r.s, 0, n, b, &plan, &res));
	uint8_t *orig = rig_flash(&r, &fn);
	CHECK(memcmp(b, orig, n) == 0);
	CHECK(rig_log_count(&r, "\"fault\"") > 0);
	fprintf(stderr, "ROM noise: %llu bytes read for a %u-byte backup\n",
		(unsigned long long)res.bytes_read, n);
	free(orig);
	free(b);
	rig_close(&r);
}

/* ---- security ------------------------------------------------------- */

/* Flash encryption: detect says so; backup refused unless ciphertext is
 * allowed (then it is the raw flash); erase and write refused; the flash is
 * never touched. */
static void flash_encrypted(enum emu_chip chip)
{
	struct emu_config c;
	rig_defaults_chip(&c, chip);
	c.flash_size = 256u << 10;
	c.security.flash_encrypted = 1;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	CHECK(ci.security.known && ci.security.flash_encrypted && !ci.security.secure_boot);
	CHECK(ci.security.crypt_cnt & 1);
	uint32_t n = ci.flash_size, fn;
	uint8_t *before = rig_flash(&r, &fn);
	uint8_t *b = malloc(n), map[8];
	memset(map, 0xFF, sizeof map);
	struct esp_backup_plan plan = {.retries = 1};
	struct esp_backup_result res = {0};
	CHECK_ERR(&r, esp_flash_backup(r.s, 0, n, b, &plan, &res), ESP_E_SECURITY);
	CHECK(strstr(esp_session_error(r.s)->msg, "encrypted") != NULL);
	CHECK(strstr(esp_session_error(r.s)->msg, "ciphertext") != NULL);
	plan.allow_ciphertext = 1;
	CHECK_OK(&r, esp_flash_backup(r.s, 0, n, b, &plan, &res));
	CHECK(memcmp(b, before, n) == 0);
	uint8_t *img = rig_random(4096, 3);
	CHECK_ERR(&r, esp_flash_write(r.s, 0x1000, img, 4096), ESP_E_SECURITY);
	CHECK(strstr(esp_session_error(r.s)->msg, "plaintext") != NULL);
	CHECK_ERR(&r, esp_flash_erase_region(r.s, 0x1000, 0x1000), ESP_E_SECURITY);
	CHECK_ERR(&r, esp_flash_erase_chip(r.s, 0), ESP_E_SECURITY);
	uint64_t erased = 1;
	CHECK_ERR(&r, esp_flash_erase_map(r.s, map, 0, 64, &erased), ESP_E_SECURITY);
	CHECK(erased == 0);
	uint8_t *after = rig_flash(&r, &fn);
	CHECK(memcmp(before, after, fn) == 0);
	CHECK(rig_log_count(&r, "ERASE") == 0 && rig_log_count(&r, "FLASH_DEFL_BEGIN") == 0);
	free(after);
	free(img);
	free(b);
	free(before);
	rig_close(&r);
}

static void t_fe_esp32(void)
{
	flash_encrypted(EMU_ESP32);
}

static void t_fe_c3(void)
{
	flash_encrypted(EMU_ESP32C3);
}

/* A C3 with secure boot: no stub may run (esptool skips it); the ROM paths
 * back it up; erases are refused. */
static void t_secure_boot_c3(void)
{
	char *path = temp_path();
	uint8_t *img0 = sparse_image(path, 51);
	struct emu_config c;
	rig_defaults_chip(&c, EMU_ESP32C3);
	c.flash_image = path;
	c.security.secure_boot = 1;
	struct rig r;
	rig_open(&r, &c, 115200, ROM_FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	CHECK(ci.security.secure_boot && !ci.security.flash_encrypted);
	CHECK(!esp_session_stub_running(r.s));
	CHECK(rig_log_count(&r, "MEM_BEGIN") == 0);
	CHECK(esp_session_baud(r.s) == ROM_FAST_BAUD && emu_device_baud(r.emu) == ROM_FAST_BAUD);
	uint32_t n = ci.flash_size;
	uint8_t *b = malloc(n), map[32];
	const struct esp_backup_plan plan = {.retries = 1};
	struct esp_backup_result res = {.sector_map = map};
	CHECK_OK(&r, esp_flash_backup(r.s, 0, n, b, &plan, &res));
	CHECK(memcmp(b, img0, n) == 0);
	CHECK_ERR(&r, esp_flash_erase_map(r.s, map, 0, n / 0x1000, NULL), ESP_E_SECURITY);
	CHECK(strstr(esp_session_error(r.s)->msg, "secure boot") != NULL);
	CHECK_ERR(&r, esp_flash_erase_chip(r.s, 0), ESP_E_SECURITY);
	uint32_t fn;
	uint8_t *after = rig_flash(&r, &fn);
	CHECK(memcmp(after, img0, fn) == 0);
	free(after);
	free(b);
	free(img0);
	rig_close(&r);
	unlink(path);
}

/* Secure Download Mode: identified from GET_SECURITY_INFO alone and refused
 * at detect with its reason; nothing else is attempted. */
static void t_sdm_c3(void)
{
	struct emu_config c;
	rig_defaults_chip(&c, EMU_ESP32C3);
	c.security.secure_download = 1;
	c.security.secure_boot = 1;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_reset_plan plan = {.mode = ESP_RESET_AUTO};
	CHECK_OK(&r, esp_connect(r.s, &plan));
	struct esp_chip_info ci;
	CHECK_ERR(&r, esp_detect(r.s, &ci), ESP_E_SECURITY);
	const char *msg = esp_session_error(r.s)->msg;
	fprintf(stderr, "%s\n", msg);
	CHECK(strstr(msg, "Secure Download Mode") != NULL);
	CHECK(strstr(msg, "backed up") != NULL);
	CHECK(ci.chip == ESP_CHIP_ESP32C3 && ci.image_chip_id == 5);
	CHECK(strcmp(esp_chip_family_name(ci.chip), "esp32c3") == 0);
	CHECK(ci.security.secure_download && ci.security.secure_boot);
	static const uint8_t zero[6];
	CHECK(memcmp(ci.mac, zero, 6) == 0);
	CHECK(rig_log_count(&r, "sdm_rejected") == 0); /* we asked nothing it refuses */
	CHECK_ERR(&r, esp_stub_start(r.s, &r.stub), ESP_E_SECURITY);
	uint8_t buf[64];
	CHECK_ERR(&r, esp_flash_read(r.s, 0, 64, buf), ESP_E_SECURITY);
	CHECK_ERR(&r, esp_flash_erase_region(r.s, 0, 0x1000), ESP_E_SECURITY);
	CHECK_ERR(&r, esp_flash_write(r.s, 0, buf, 64), ESP_E_SECURITY);
	CHECK(rig_log_count(&r, "sdm_rejected") == 0);
	rig_close(&r);
}

struct scenario {
	const char *name;
	void (*fn)(void);
};

static const struct scenario s_scenarios[] = {
	{"detect_esp32", t_detect_esp32},
	{"detect_c3", t_detect_c3},
	{"detect_variants", t_detect_variants},
	{"pipeline_esp32", t_pipeline_esp32},
	{"pipeline_c3", t_pipeline_c3},
	{"write_plain_esp32", t_write_plain_esp32},
	{"wrong_stub", t_wrong_stub},
	{"rom_only_esp32", t_rom_only_esp32},
	{"rom_only_c3", t_rom_only_c3},
	{"rom_write_plain_c3", t_rom_write_plain_c3},
	{"rom_noise_c3", t_rom_noise_c3},
	{"fe_esp32", t_fe_esp32},
	{"fe_c3", t_fe_c3},
	{"secure_boot_c3", t_secure_boot_c3},
	{"sdm_c3", t_sdm_c3},
};

int main(int argc, char **argv)
{
	setvbuf(stderr, NULL, _IONBF, 0);
	if (argc != 2) {
		for (size_t i = 0; i < sizeof s_scenarios / sizeof s_scenarios[0]; i++)
			printf("%s\n", s_scenarios[i].name);
		return 2;
	}
	for (size_t i = 0; i < sizeof s_scenarios / sizeof s_scenarios[0]; i++) {
		if (strcmp(argv[1], s_scenarios[i].name) == 0) {
			s_scenarios[i].fn();
			printf("ok %s\n", argv[1]);
			return 0;
		}
	}
	fprintf(stderr, "unknown scenario %s\n", argv[1]);
	return 2;
}
