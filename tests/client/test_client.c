/* SPDX-License-Identifier: MIT */
/* core against the device emulator: every operation, each fault.  The client
 * either succeeds with data proven equal to the emulated flash, or fails with
 * the right error; never success on bad data.  Usage: test_client SCENARIO */
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "esp_hash.h"
#include "rig.h"

#define FAST_BAUD 3000000u

/* A dense backup (every byte read), as before sparse reads existed. */
static enum esp_err dense_backup(struct esp_session *s, uint32_t n, uint8_t *buf, unsigned retries,
			   uint8_t *chip_md5)
{
	const struct esp_backup_plan plan = {.retries = retries, .dense = 1};
	struct esp_backup_result res = {0};
	enum esp_err e = esp_flash_backup(s, 0, n, buf, &plan, &res);
	if (!e && chip_md5)
		memcpy(chip_md5, res.chip_md5, 16);
	return e;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Auto-reset over DTR/RTS from application mode, detect at 115200. */
static void t_detect(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.flash_manuf = 0xC8;
	struct rig r;
	rig_open(&r, &c, 115200, 115200);
	struct esp_reset_plan plan = {.mode = ESP_RESET_AUTO};
	CHECK_OK(&r, esp_connect(r.s, &plan));
	CHECK(r.lines_calls > 0);
	struct esp_chip_info ci;
	CHECK_OK(&r, esp_detect(r.s, &ci));
	char mac[18];
	CHECK(strcmp(esp_mac_str(ci.mac, mac), "5c:cf:7f:01:02:03") == 0);
	CHECK(ci.chip == ESP_CHIP_ESP8266EX);
	CHECK(strcmp(ci.name, "ESP8266EX") == 0);
	CHECK(ci.flash_manuf == 0xC8);
	CHECK(ci.flash_size == 1u << 20);
	CHECK((ci.flash_id >> 16) == 0x14);
	CHECK(ci.crystal_mhz == 26);
	rig_close(&r);
}

static void t_detect_8285(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.chip = EMU_ESP8285;
	c.flash_size = 2u << 20;
	c.crystal_mhz = 40;
	static const uint8_t mac[6] = {0x18, 0xfe, 0x34, 0xaa, 0xbb, 0xcc};
	memcpy(c.mac, mac, 6);
	struct rig r;
	rig_open(&r, &c, 115200, 115200);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	char m[18];
	CHECK(ci.chip == ESP_CHIP_ESP8285);
	CHECK(strncmp(ci.name, "ESP8285", 7) == 0);
	CHECK(strcmp(esp_mac_str(ci.mac, m), "18:fe:34:aa:bb:cc") == 0);
	CHECK(ci.flash_size == 2u << 20);
	CHECK(ci.crystal_mhz == 40);
	rig_close(&r);
}

/* detect -> backup -> erase -> write -> verify, checked against the flash. */
static void pipeline(enum emu_stub_flavour flavour, unsigned stub_baud)
{
	struct emu_config c;
	rig_defaults(&c);
	c.stub_flavour = flavour;
	struct rig r;
	rig_open(&r, &c, 115200, stub_baud);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	CHECK(esp_session_baud(r.s) == stub_baud);
	CHECK(emu_device_baud(r.emu) == stub_baud);

	uint32_t n;
	uint8_t *orig = rig_flash(&r, &n);
	CHECK(n == ci.flash_size);
	uint8_t *backup = malloc(n);
	uint8_t chip_md5[16], file_md5[16];
	memset(chip_md5, 0, sizeof chip_md5);
	CHECK_OK(&r, dense_backup(r.s, n, backup, 2, chip_md5));
	CHECK(memcmp(orig, backup, n) == 0);
	/* the chip's own MD5 comes back, as the device computed it */
	esp_md5(orig, n, file_md5);
	CHECK(memcmp(chip_md5, file_md5, 16) == 0);
	CHECK(rig_log_count(&r, "SPI_FLASH_MD5") > 0);

	CHECK_OK(&r, esp_flash_erase_chip(r.s, n));
	uint8_t *now = rig_flash(&r, &n);
	for (uint32_t i = 0; i < n; i++)
		CHECK(now[i] == 0xFF);
	free(now);

	uint32_t len = 300000; /* half random, half compressible */
	uint8_t *img = rig_random(len, 7);
	memset(img + len / 2, 0x5A, len / 2);
	CHECK_OK(&r, esp_flash_write(r.s, 0x1000, img, len));
	CHECK_OK(&r, esp_flash_verify(r.s, 0x1000, img, len));
	now = rig_flash(&r, &n);
	CHECK(memcmp(now + 0x1000, img, len) == 0);
	CHECK(now[0] == 0xFF && now[0x1000 + len] == 0xFF);
	CHECK(rig_log_count(&r, "FLASH_DEFL_DATA") > 0);
	free(now);
	free(img);
	free(backup);
	free(orig);
	rig_close(&r);
}

static void t_pipeline_fast(void)
{
	pipeline(EMU_STUB_NEW, FAST_BAUD);
}

static void t_pipeline_legacy(void)
{
	pipeline(EMU_STUB_LEGACY, FAST_BAUD);
}

static void t_pipeline_921600(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.flash_size = 256u << 10;
	struct rig r;
	rig_open(&r, &c, 115200, 921600);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint32_t n;
	uint8_t *orig = rig_flash(&r, &n);
	uint8_t *b = malloc(n);
	CHECK_OK(&r, dense_backup(r.s, n, b, 1, NULL));
	CHECK(memcmp(b, orig, n) == 0);
	uint8_t *img = rig_random(40000, 3);
	CHECK_OK(&r, esp_flash_write(r.s, 0, img, 40000));
	CHECK_OK(&r, esp_flash_verify(r.s, 0, img, 40000));
	free(img);
	free(b);
	free(orig);
	rig_close(&r);
}

/* Uncompressed stub write (FLASH_DATA, 0xFF padded blocks). */
static void t_write_plain(void)
{
	struct emu_config c;
	rig_defaults(&c);
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
	CHECK(rig_log_count(&r, "\"FLASH_DATA\"") > 0);
	free(img);
	free(now);
	rig_close(&r);
}

/* ROM only (no stub): FLASH_BEGIN with the ESP8266 erase-size workaround. */
static void t_rom_write(void)
{
	struct emu_config c;
	rig_defaults(&c);
	struct rig r;
	rig_open(&r, &c, 115200, 115200);
	struct esp_reset_plan plan = {.mode = ESP_RESET_AUTO};
	CHECK_OK(&r, esp_connect(r.s, &plan));
	struct esp_chip_info ci;
	CHECK_OK(&r, esp_detect(r.s, &ci));
	uint32_t n;
	uint8_t *before = rig_flash(&r, &n);
	/* 0x3000 + 7 sectors: the ROM bug would erase one sector too many if the
	 * workaround were wrong in the other direction; 5 sectors from 0x11000
	 * cross no block boundary */
	uint32_t len = 5 * 4096 - 100;
	uint8_t *img = rig_random(len, 11);
	CHECK_OK(&r, esp_flash_write(r.s, 0x11000, img, len));
	uint8_t *after = rig_flash(&r, &n);
	CHECK(memcmp(after + 0x11000, img, len) == 0);
	/* everything outside the written sectors is untouched, except what the
	 * ROM legitimately erases (its rounding is at most one sector) */
	CHECK(memcmp(after, before, 0x11000) == 0);
	CHECK(memcmp(after + 0x11000 + 6 * 4096, before + 0x11000 + 6 * 4096,
		     n - 0x11000 - 6 * 4096) == 0);
	CHECK_ERR(&r, esp_flash_md5(r.s, 0, 4096, (uint8_t[16]){0}), ESP_E_UNSUPPORTED);
	free(img);
	free(before);
	free(after);
	rig_close(&r);
}

/* A unit that never enters download mode: a clear NOSYNC, not a hang. */
static void t_never_boot(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.faults.never_boot = 1;
	struct rig r;
	rig_open(&r, &c, 115200, 115200);
	struct esp_reset_plan plan = {.mode = ESP_RESET_AUTO};
	CHECK_ERR(&r, esp_connect(r.s, &plan), ESP_E_NOSYNC);
	CHECK(strstr(esp_session_error(r.s)->msg, "download mode") != NULL);
	rig_close(&r);
}

/* Bare adapter: no auto-reset wiring; the operator's button gets it in. */
static void t_operator_button(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.wiring = EMU_WIRING_NONE;
	c.boot_download_at_start = 1;
	struct rig r;
	rig_open(&r, &c, 115200, 115200);
	struct esp_reset_plan plan = {.mode = ESP_RESET_NONE};
	CHECK_OK(&r, esp_connect(r.s, &plan));
	CHECK(r.lines_calls == 0);
	rig_close(&r);
}

/* Brown-out reads: corrupted packets, truthful digests: backup retries and
 * ends with exactly the flash contents. */
static void t_brownout(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.faults.brownout_reads = 3;
	c.faults.seed = 42;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint32_t n;
	uint8_t *orig = rig_flash(&r, &n);
	uint8_t *b = malloc(n);
	CHECK_OK(&r, dense_backup(r.s, n, b, 4, NULL));
	CHECK(memcmp(orig, b, n) == 0);
	/* without retries the same fault must be reported, never hidden */
	free(b);
	free(orig);
	rig_close(&r);
}

static void t_brownout_no_retry(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.faults.brownout_reads = 40;
	c.faults.seed = 5;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint32_t n = ci.flash_size;
	uint8_t *b = malloc(n);
	CHECK_ERR(&r, dense_backup(r.s, n, b, 0, NULL), ESP_E_READ);
	free(b);
	rig_close(&r);
}

/* A flash that lies about writes is caught by verify. */
static void t_lying_flash(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.faults.lie_writes = 1;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint8_t *img = rig_random(65536, 9);
	CHECK_OK(&r, esp_flash_write(r.s, 0, img, 65536));
	CHECK_ERR(&r, esp_flash_verify(r.s, 0, img, 65536), ESP_E_VERIFY);
	CHECK(strstr(esp_session_error(r.s)->msg, "MD5") != NULL);
	free(img);
	rig_close(&r);
}

/* Noise on the line: success only with proven data, else a wire error. */
static void t_noise(void)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct emu_config c;
		rig_defaults(&c);
		c.flash_size = 256u << 10;
		c.faults.seed = seed;
		c.faults.drop_ppm = 3;
		c.faults.flip_ppm = 3;
		struct rig r;
		rig_open(&r, &c, 115200, FAST_BAUD);
		struct esp_reset_plan plan = {.mode = ESP_RESET_AUTO};
		struct esp_chip_info ci;
		enum esp_err e = esp_connect(r.s, &plan);
		if (!e)
			e = esp_detect(r.s, &ci);
		if (!e)
			e = esp_stub_start(r.s, &r.stub);
		uint32_t n = 256u << 10;
		uint8_t *b = malloc(n);
		if (!e)
			e = dense_backup(r.s, n, b, 3, NULL);
		uint32_t fn;
		uint8_t *orig = rig_flash(&r, &fn);
		if (e == ESP_OK)
			CHECK(memcmp(orig, b, n) == 0);
		else
			CHECK(e == ESP_E_READ || e == ESP_E_LOST || e == ESP_E_TIMEOUT || e == ESP_E_PROTO ||
			      e == ESP_E_NOSYNC || e == ESP_E_DEVICE || e == ESP_E_STUB ||
			      e == ESP_E_IO);
		fprintf(stderr, "noise seed %llu: %s %s\n", (unsigned long long)seed,
			esp_err_name(e), e ? esp_session_error(r.s)->msg : "");
		free(orig);
		free(b);
		rig_close(&r);
	}
}

/* Unplug mid-read: ESP_E_NODEV at once, not after a timeout. */
static void t_unplug(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.faults.unplug_after = 200000;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint8_t *b = malloc(ci.flash_size);
	uint64_t t0 = now_ms();
	enum esp_err e = dense_backup(r.s, ci.flash_size, b, 3, NULL);
	uint64_t took = now_ms() - t0;
	CHECK_ERR(&r, e, ESP_E_NODEV);
	/* a hang-up must not wait for a 3 s read timeout (no timing assert on
	 * speed: this bounds a stall, which would be a bug, not slowness) */
	fprintf(stderr, "unplug noticed after %llu ms\n", (unsigned long long)took);
	CHECK(rig_log_wait(&r, "unplug", 2000) > 0);
	free(b);
	rig_close(&r);
}

/* Image larger than the flash is refused before anything is sent. */
static void t_too_big(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.flash_size = 256u << 10;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint8_t *img = rig_random(300000, 1);
	CHECK_ERR(&r, esp_flash_write(r.s, 0, img, 300000), ESP_E_TOOBIG);
	CHECK(rig_log_count(&r, "FLASH_DEFL_BEGIN") == 0);
	free(img);
	rig_close(&r);
}

/* Erase of a region leaves the rest alone. */
static void t_erase_region(void)
{
	struct emu_config c;
	rig_defaults(&c);
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint32_t n;
	uint8_t *before = rig_flash(&r, &n);
	CHECK_OK(&r, esp_flash_erase_region(r.s, 0x20000, 0x3000));
	uint8_t *after = rig_flash(&r, &n);
	CHECK(memcmp(before, after, 0x20000) == 0);
	for (uint32_t i = 0x20000; i < 0x23000; i++)
		CHECK(after[i] == 0xFF);
	CHECK(memcmp(before + 0x23000, after + 0x23000, n - 0x23000) == 0);
	CHECK_ERR(&r, esp_flash_erase_region(r.s, 0x20001, 0x1000), ESP_E_INVAL);
	free(before);
	free(after);
	rig_close(&r);
}

/* A flash that is mostly erased: data in sectors 0-3, 0x40000-0x42fff and
 * the very last sector.  Returns the file's contents (1 MiB). */
static uint8_t *sparse_flash(const char *path)
{
	uint32_t n = 0x100000;
	uint8_t *img = malloc(n), *rnd = rig_random(n, 77);
	CHECK(img && rnd);
	memset(img, 0xFF, n);
	memcpy(img, rnd, 0x4000);
	memcpy(img + 0x40000, rnd + 0x40000, 0x3000);
	memcpy(img + n - 0x1000, rnd + n - 0x1000, 0x1000);
	img[n - 1] = 0xFF; /* data sectors may end in 0xFF bytes */
	free(rnd);
	FILE *f = fopen(path, "wb");
	CHECK(f && fwrite(img, 1, n, f) == n && fclose(f) == 0);
	return img;
}

/* Sparse backup: only sectors that hold data are read (the emulator's log
 * shows three reads of exactly those runs), the file is still the whole
 * flash, byte for byte, proven by the chip's MD5, and the sector map says
 * which sectors held data. */
static void t_sparse_backup(void)
{
	char path[] = "/tmp/espstation-sparse-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	uint8_t *img = sparse_flash(path);
	struct emu_config c;
	rig_defaults(&c);
	c.flash_image = path;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint32_t n = ci.flash_size;
	CHECK(n == 0x100000);
	uint8_t *b = malloc(n), map[32];
	const struct esp_backup_plan plan = {.retries = 2};
	struct esp_backup_result res = {.sector_map = map};
	CHECK_OK(&r, esp_flash_backup(r.s, 0, n, b, &plan, &res));
	CHECK(memcmp(b, img, n) == 0);
	CHECK(res.bytes_read == 8 * 0x1000);
	CHECK(res.sectors_data == 8);
	CHECK(rig_log_count(&r, "\"offset\":0,\"length\":16384,") == 1);
	CHECK(rig_log_count(&r, "\"offset\":262144,\"length\":12288,") == 1);
	CHECK(rig_log_count(&r, "\"offset\":1044480,\"length\":4096,") == 1);
	CHECK(rig_log_count(&r, "\"READ_FLASH\"") == 3);
	CHECK(map[0] == 0x0F && map[1] == 0 && map[8] == 0x07 && map[31] == 0x80);

	/* A unit seen before: the earlier content is known, one sector changed
	 * since; only that sector is read. */
	uint8_t *known = malloc(n);
	memcpy(known, img, n);
	known[0x41010] ^= 0x5A;
	struct esp_backup_plan again = {.retries = 2, .known = known};
	struct esp_backup_result res2 = {0};
	CHECK_OK(&r, esp_flash_backup(r.s, 0, n, b, &again, &res2));
	CHECK(memcmp(b, img, n) == 0);
	CHECK(res2.bytes_read == 0x1000);
	CHECK(rig_log_count(&r, "\"offset\":266240,\"length\":4096,") == 1);
	free(known);
	free(b);
	free(img);
	rig_close(&r);
	unlink(path);
}

/* A 4 MB restore of a mostly erased backup: the last compressed block
 * inflates to megabytes that the stub erases and programs before it answers
 * FLASH_DEFL_END.  With realistic flash timing the timeouts must follow
 * that work, block by block, or a right write is reported as a dead wire. */
static void t_write_4mb_sparse(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.flash_size = 0x400000;
	c.fast_flash = 0;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	uint32_t n = 0x400000;
	uint8_t *img = rig_random(n, 91);
	memset(img + 0x100000, 0xFF, n - 0x100000);
	CHECK_OK(&r, esp_flash_write(r.s, 0, img, n));
	CHECK_OK(&r, esp_flash_verify(r.s, 0, img, n));
	free(img);
	rig_close(&r);
}

/* Byte-level noise of 2e-5 dropped and 2e-5 flipped bytes (20 ppm each
 * way): a 512 KB backup still completes and equals the flash -- long reads
 * that keep failing are re-read in smaller pieces. */
static void t_noise_backup(void)
{
	struct emu_config c;
	rig_defaults(&c);
	c.flash_size = 512u << 10;
	struct rig r;
	rig_open(&r, &c, 115200, FAST_BAUD);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	/* the noise starts once the unit is up: this is about the long read */
	struct emu_faults f = c.faults;
	f.seed = 5;
	f.drop_ppm = f.flip_ppm = 20;
	emu_set_faults(r.emu, &f);
	uint32_t n = ci.flash_size;
	uint8_t *b = malloc(n);
	const struct esp_backup_plan plan = {.retries = 4, .dense = 1};
	struct esp_backup_result res = {0};
	CHECK_OK(&r, esp_flash_backup(r.s, 0, n, b, &plan, &res));
	uint32_t fn;
	uint8_t *orig = rig_flash(&r, &fn);
	CHECK(memcmp(orig, b, n) == 0);
	CHECK(rig_log_count(&r, "\"fault\"") > 0);
	fprintf(stderr, "noise: %llu bytes read for a %u-byte backup\n",
		(unsigned long long)res.bytes_read, n);
	free(orig);
	free(b);
	rig_close(&r);
}

struct scenario {
	const char *name;
	void (*fn)(void);
};

static const struct scenario s_scenarios[] = {
	{"detect", t_detect},
	{"detect_8285", t_detect_8285},
	{"pipeline_fast", t_pipeline_fast},
	{"pipeline_legacy", t_pipeline_legacy},
	{"pipeline_921600", t_pipeline_921600},
	{"write_plain", t_write_plain},
	{"rom_write", t_rom_write},
	{"never_boot", t_never_boot},
	{"operator_button", t_operator_button},
	{"brownout", t_brownout},
	{"brownout_no_retry", t_brownout_no_retry},
	{"lying_flash", t_lying_flash},
	{"noise", t_noise},
	{"unplug", t_unplug},
	{"too_big", t_too_big},
	{"erase_region", t_erase_region},
	{"sparse_backup", t_sparse_backup},
	{"write_4mb_sparse", t_write_4mb_sparse},
	{"noise_backup", t_noise_backup},
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
