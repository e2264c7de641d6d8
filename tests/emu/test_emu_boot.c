/* SPDX-License-Identifier: MIT */
/* Booting what the flash holds, in raw bytes over a pty (README "What a
 * unit prints when it boots"): banner and load lines at 74880, the
 * firmware at 115200; a flipped byte is a checksum error; the room/tail/ho
 * bookkeeping against segment lengths from published logs; boot loops with
 * the watchdog cause; GPIO0 held; quiet firmware; a DOUT-only flash under a
 * QIO header; exception restarts; the ESP32 and ESP32-C3 flash boot logs,
 * their checksum failures and retry loops, the C3's SHA-256 warning. */
#include <stdlib.h>
#include <string.h>

#include "test_emu_util.h"

#define MB (1u << 20)

/* Reads until needle has arrived (or ms ran out); buf stays NUL-terminated. */
static size_t read_until(struct th *t, char *buf, size_t cap, size_t have, const char *needle, int ms)
{
	double end = th_now() + ms / 1000.0;

	while (have + 1 < cap) {
		buf[have] = 0;
		if (needle && strstr(buf, needle))
			break;
		int left = (int)((end - th_now()) * 1000);
		if (left <= 0)
			break;
		have += th_read_raw(t, (uint8_t *)buf + have, cap - 1 - have, left < 10 ? left : 10);
	}
	buf[have] = 0;
	return have;
}

/* EN pulse with GPIO0 high (RTS alone, then released): boot from flash. */
static void hard_reset(struct th *t)
{
	emu_set_lines(t->e, 0, 1);
	th_sleep_ms(10);
	emu_set_lines(t->e, 0, 0);
}

static void cfg(struct emu_config *c, enum emu_chip chip, enum emu_layout layout)
{
	th_config(c);
	emu_config_chip(c, chip);
	c->layout = layout;
	c->boot_download_at_start = 1;     /* no firmware runs before the test's reset */
}

static int open_unit(struct th *t, struct emu_config *c, unsigned baud, const char *name)
{
	if (th_open(t, c, baud, name) == 0)
		return 0;
	fprintf(stderr, "%s: cannot open the unit\n", name);
	exit(1);
}

static int finish(struct th *t, const char *name)
{
	th_close(t);
	return th_finish(t, name);
}

/* The ESP8266 v1 image at 0: the checksum the ROM must print. */
static uint8_t image_checksum(struct th *t, unsigned *nseg)
{
	uint8_t *f = malloc(emu_flash_size(t->e)), chk = 0xEF;
	uint32_t pos = 8;

	emu_get_flash(t->e, f, emu_flash_size(t->e));
	*nseg = f[1];
	for (unsigned i = 0; i < f[1]; i++) {
		uint32_t len = th_get32(f + pos + 4);
		for (uint32_t k = 0; k < len; k++)
			chk ^= f[pos + 8 + k];
		pos += 8 + len;
	}
	free(f);
	return chk;
}

/* Occurrences of needle in n bytes (junk read at the wrong rate may hold NULs). */
static int count_mem(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	int c = 0;
	const char *p;

	while ((p = memmem(s, n, needle, k))) {
		c++;
		n -= (size_t)(p - s) + k;
		s = p + k;
	}
	return c;
}

static int count(const char *s, const char *needle)
{
	return count_mem(s, strlen(s), needle);
}

/* Stock NONOS unit: ROM lines and the boot loader at 74880, the SDK at 115200. */
static int test_good(void)
{
	struct emu_config c;
	struct th t;
	char buf[8192], line[512];
	unsigned nseg;

	cfg(&c, EMU_ESP8266EX, EMU_LAYOUT_STOCK);
	open_unit(&t, &c, 74880, "boot-good");
	uint8_t want = image_checksum(&t, &nseg);
	hard_reset(&t);
	size_t n = read_until(&t, buf, sizeof buf, 0, "jump to run user1 @ 1000\r\n\r\n", 300);
	char csum[32];
	snprintf(csum, sizeof csum, "csum 0x%02x\r\n", want);
	static const char head[] = "\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n"
				   "load 0x4010f000, len ";
	TH_CHECK(&t, strncmp(buf, head, strlen(head)) == 0, "banner and first load line: %s", buf);
	TH_CHECK(&t, count(buf, "load 0x") == (int)nseg && count(buf, "chksum 0x") == (int)nseg,
		 "%u segments: %s", nseg, buf);
	TH_CHECK(&t, strstr(buf, csum) && !strstr(buf, "csum err"), "want %s: %s", csum, buf);
	TH_CHECK(&t, strstr(buf, "2nd boot version : 1.7(5d6f877)\r\n  SPI Speed      : 40MHz\r\n"
			   "  SPI Mode       : QIO\r\n  SPI Flash Size & Map: 8Mbit(512KB+512KB)\r\n"),
		 "boot loader lines at 74880: %s", buf);
	th_set_baud(&t, 115200);
	n = read_until(&t, buf, sizeof buf, 0, "scandone\r\n", 700);
	/* (the first SDK lines at +100 ms may be missed if this host is slow to switch) */
	TH_CHECK(&t, strstr(buf, "mode : sta(18:fe:34:12:34:56)\r\nadd if0\r\n"),
		 "firmware at 115200 (%zu bytes): %s", n, buf);
	TH_CHECK(&t, th_log_line(&t, "\"ev\":\"boot\"", -1, line, sizeof line) == 0 &&
		 strstr(line, "\"result\":\"app_ok\",\"cause\":\"en\",\"rst\":2,") &&
		 strstr(line, "\"baud\":74880,\"firmware\":\"chatty\""), "boot event: %s", line);
	TH_CHECK(&t, th_log_count(&t, "\"what\":\"app\",\"bytes\":") == 3 &&
		 th_log_count(&t, "\"ev\":\"app_text\",\"what\":\"second_stage\",\"bytes\":") == 1 &&
		 th_log_line(&t, "\"what\":\"app\"", 0, line, sizeof line) == 0 &&
		 strstr(line, "\"baud\":115200"), "app_text events: %s", line);
	return finish(&t, "boot-good");
}

/* An image built from segment lengths of published ROM logs: the ROM's
 * room/tail/ho lines must come out as they did there. */
static int test_published_blocks(void)
{
	static const struct {
		uint32_t len[3];
		const char *lines;
	} logs[] = {
		/* bbs.espressif.com t=10362 */
		{ { 25700, 848, 184 }, "room 16 |tail 4|room 4 |tail 12|ho 0 tail 12 room 4|room 12 |tail 12" },
		/* ESP8266_RTOS_SDK#534 */
		{ { 2408, 776, 632 }, "room 16 |tail 8|room 0 |tail 8|room 0 |tail 8" },
		/* esp8266/Arduino#435 */
		{ { 28780, 1580, 36588 }, "room 16 |tail 12|ho 0 tail 12 room 4|room 12 |tail 0|room 8 |tail 4" },
		/* gist fasmide/1312c3e2 */
		{ { 23140, 2692, 3296 }, "room 16 |tail 4|room 4 |tail 0|room 8 |tail 8" },
	};
	static const uint32_t load[3] = { 0x40100000, 0x3ffe8000, 0x3ffe8350 };
	struct emu_config c;
	struct th t;
	char buf[4096];

	cfg(&c, EMU_ESP8266EX, EMU_LAYOUT_BLANK);
	c.firmware.kind = EMU_FW_QUIET;
	open_unit(&t, &c, 74880, "boot-blocks");
	for (unsigned k = 0; k < sizeof logs / sizeof logs[0]; k++) {
		uint32_t total = 8 + 3 * 8 + logs[k].len[0] + logs[k].len[1] + logs[k].len[2] + 16;
		uint8_t *img = calloc(1, total), chk = 0xEF;
		uint32_t pos = 8;
		img[0] = 0xE9;
		img[1] = 3;
		img[3] = 0x20;
		th_put32(img + 4, 0x40100004);
		for (int s = 0; s < 3; s++) {
			th_put32(img + pos, load[s]);
			th_put32(img + pos + 4, logs[k].len[s]);
			for (uint32_t i = 0; i < logs[k].len[s]; i++)
				img[pos + 8 + i] = (uint8_t)(i * 7 + s);
			for (uint32_t i = 0; i < logs[k].len[s]; i++)
				chk ^= img[pos + 8 + i];
			pos += 8 + logs[k].len[s];
		}
		img[pos | 15] = chk;
		emu_set_flash(t.e, 0, img, total);
		free(img);
		th_drain(&t, 5);
		hard_reset(&t);
		read_until(&t, buf, sizeof buf, 0, NULL, 150);
		/* what the ROM printed, reduced to the room/tail/ho parts */
		char got[256] = "";
		for (char *l = strtok(buf, "\r\n"); l; l = strtok(NULL, "\r\n")) {
			char *r = strstr(l, "room ");
			if (strncmp(l, "ho ", 3) == 0 || strncmp(l, "tail ", 5) == 0)
				r = l;
			else if (!r || strncmp(l, "load ", 5) != 0)
				continue;
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", got[0] ? "|" : "", r);
		}
		TH_CHECK(&t, strcmp(got, logs[k].lines) == 0, "lengths %u/%u/%u: got '%s', published '%s'",
			 logs[k].len[0], logs[k].len[1], logs[k].len[2], got, logs[k].lines);
	}
	return finish(&t, "boot-blocks");
}

/* One flipped byte in a segment: the ROM's checksum error, then silence. */
static int test_flipped_byte(void)
{
	struct emu_config c;
	struct th t;
	char buf[4096], line[512];

	cfg(&c, EMU_ESP8266EX, EMU_LAYOUT_STOCK);
	open_unit(&t, &c, 74880, "boot-flip");
	uint8_t *f = malloc(64);
	emu_get_flash(t.e, f, 64);
	f[40] ^= 0x10;              /* inside the first segment (data from 16) */
	emu_set_flash(t.e, 0, f, 64);
	free(f);
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "ets_main.c \r\n", 300);
	TH_CHECK(&t, strstr(buf, "csum err\r\nets_main.c \r\n"), "checksum error text: %s", buf);
	th_set_baud(&t, 115200);
	size_t n = th_read_raw(&t, (uint8_t *)buf, sizeof buf, 600);
	TH_CHECK(&t, n == 0, "%zu bytes after the ROM gave up", n);
	TH_CHECK(&t, th_log_line(&t, "\"ev\":\"boot\"", -1, line, sizeof line) == 0 &&
		 strstr(line, "\"result\":\"bad_checksum\""), "boot event: %s", line);
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"app_text\"") == 0, "the firmware ran");
	return finish(&t, "boot-flip");
}

/* bootloop:300 — banner after banner, the watchdog's cause from the second on. */
static int test_bootloop(void)
{
	struct emu_config c;
	struct th t;
	char buf[16384], line[512];

	cfg(&c, EMU_ESP8266EX, EMU_LAYOUT_STOCK);
	emu_firmware_parse("bootloop:300", &c.firmware);
	open_unit(&t, &c, 74880, "boot-loop");
	hard_reset(&t);
	/* 800 ms at the ROM's rate: the firmware's 115200 text is junk in between */
	size_t n = th_read_raw(&t, (uint8_t *)buf, sizeof buf - 1, 800);
	buf[n] = 0;
	TH_CHECK(&t, count_mem(buf, n, "rst cause:2, boot mode:(3,6)\r\n\r\nload 0x") == 1,
		 "first banner: %.200s", buf);
	int wdt = count_mem(buf, n, "ets Jan  8 2013,rst cause:4, boot mode:(3,6)\r\n\r\nwdt reset\r\nload 0x");
	TH_CHECK(&t, wdt >= 2, "watchdog banners in 800 ms: %d", wdt);
	double t1 = 0, t2 = 0;
	const char *ev = "\"ev\":\"reset\",\"cause\":\"wdt\"";
	TH_CHECK(&t, th_log_line(&t, ev, 0, line, sizeof line) == 0 && th_json_num(line, "t", &t1) == 0 &&
		 th_log_line(&t, ev, 1, line, sizeof line) == 0 && th_json_num(line, "t", &t2) == 0 &&
		 t2 - t1 >= 290 && t2 - t1 < 450, "watchdog resets %.0f ms apart", t2 - t1);
	TH_CHECK(&t, th_log_line(&t, "\"ev\":\"boot\",\"result\":\"bootloop\",\"cause\":\"en\"", 0, line,
			     sizeof line) == 0 &&
		 strstr(line, "\"result\":\"bootloop\"") && strstr(line, "\"firmware\":\"bootloop:300\""),
		 "boot event: %s", line);
	return finish(&t, "boot-loop");
}

/* GPIO0 held: every hard reset lands in the ROM loader. */
static int test_gpio0_held(void)
{
	struct emu_config c;
	struct th t;
	char buf[4096], line[512];

	cfg(&c, EMU_ESP8266EX, EMU_LAYOUT_STOCK);
	c.faults.gpio0_held = 1;
	open_unit(&t, &c, 74880, "boot-held");
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "boot mode:(1,6)\r\n\r\n", 200);
	TH_CHECK(&t, strstr(buf, "\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,6)\r\n\r\n") &&
		 !strstr(buf, "load 0x"), "download banner: %s", buf);
	TH_CHECK(&t, emu_in_download_mode(t.e), "not in the loader");
	TH_CHECK(&t, th_log_line(&t, "\"ev\":\"boot\"", -1, line, sizeof line) == 0 &&
		 strstr(line, "\"result\":\"download\"") && strstr(line, "\"baud\":74880"), "boot event: %s",
		 line);
	th_set_baud(&t, 115200);
	TH_CHECK(&t, th_sync(&t, NULL) == 8, "the loader did not answer SYNC");
	return finish(&t, "boot-held");
}

/* quiet: the ROM's lines, then nothing at all. */
static int test_quiet(void)
{
	struct emu_config c;
	struct th t;
	char buf[4096];

	cfg(&c, EMU_ESP8266EX, EMU_LAYOUT_STOCK);
	c.firmware.kind = EMU_FW_QUIET;
	open_unit(&t, &c, 74880, "boot-quiet");
	hard_reset(&t);
	size_t n = read_until(&t, buf, sizeof buf, 0, NULL, 100);  /* the ROM is done in ~30 ms */
	size_t more = th_read_raw(&t, (uint8_t *)buf + n, sizeof buf - n - 1, 600);
	buf[n + more] = 0;
	TH_CHECK(&t, strstr(buf, "csum ") && more == 0, "%zu bytes after csum: %s", more, buf);
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"app_text\"") == 0, "a quiet firmware spoke");
	return finish(&t, "boot-quiet");
}

/* A flash wired for DOUT only: a QIO header loads garbage (checksum error);
 * the same image with DOUT in byte 2 (not in the checksum) boots. */
static int test_dout(void)
{
	struct emu_config c;
	struct th t;
	char buf[4096], line[512];
	uint8_t mode;

	cfg(&c, EMU_ESP8266EX, EMU_LAYOUT_STOCK);
	c.flash_modes = EMU_FLASH_MODES_DOUT;
	open_unit(&t, &c, 74880, "boot-dout");
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "ets_main.c \r\n", 300);
	TH_CHECK(&t, strstr(buf, "load 0x4010f000, len ") && strstr(buf, "chksum 0xef\r\nload 0x00000000, len 0,") &&
		 strstr(buf, "csum 0xef\r\ncsum err\r\n"), "QIO header on a DOUT flash: %s", buf);
	TH_CHECK(&t, th_log_line(&t, "\"ev\":\"boot\"", -1, line, sizeof line) == 0 &&
		 strstr(line, "\"result\":\"bad_checksum\"") && strstr(line, "\"garbled\":true"), "boot: %s", line);
	mode = 3;
	emu_set_flash(t.e, 2, &mode, 1);
	th_drain(&t, 5);
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "jump to run user1", 300);
	TH_CHECK(&t, !strstr(buf, "csum err") && strstr(buf, "SPI Mode       : DOUT"), "DOUT header: %s", buf);
	return finish(&t, "boot-dout");
}

/* exception: the first lines, a crash dump, a restart with rst cause 2. */
static int test_exception(void)
{
	struct emu_config c;
	struct th t;
	char buf[16384];

	cfg(&c, EMU_ESP8266EX, EMU_LAYOUT_STOCK);
	c.firmware.kind = EMU_FW_EXCEPTION;
	c.crystal_mhz = 40;         /* ROM and firmware both at 115200 */
	open_unit(&t, &c, 115200, "boot-exc");
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "\xff\xfe", 400);
	char *dump = strstr(buf, "\r\nException (28):\r\nepc1=0x");
	TH_CHECK(&t, strstr(buf, "SDK ver:") && dump && strstr(dump, "<<<stack<<<") &&
		 strstr(dump, "\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\nload 0x"),
		 "crash and restart: %s", buf);
	TH_CHECK(&t, th_log_count(&t, "\"cause\":\"exception\"") >= 1, "no exception reset logged");
	return finish(&t, "boot-exc");
}

/* ESP32: the flash boot log, the IDF second stage; a checksum error and the
 * RTC watchdog loop; no image: "invalid header" every 40 ms, then a reset. */
static int test_esp32(void)
{
	struct emu_config c;
	struct th t;
	char buf[16384], line[512];
	uint8_t b;

	cfg(&c, EMU_ESP32, EMU_LAYOUT_STOCK);
	open_unit(&t, &c, 115200, "boot-esp32");
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "Running through setup()", 600);
	TH_CHECK(&t, strstr(buf, "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nconfigsip: 0, "
			   "SPIWP:0xee\r\n") && strstr(buf, "mode:DIO, clock div:2\r\nload:0x3fff0030,len:") &&
		 strstr(buf, "entry 0x4008") && strstr(buf, "I (29) boot: ESP-IDF v4.4.7 2nd stage bootloader\r\n") &&
		 strstr(buf, "boot.esp32: SPI Flash Size : 4MB") &&
		 strstr(buf, "boot: Loaded app from partition at offset 0x10000"), "ESP32 boot: %s", buf);
	emu_get_flash(t.e, (uint8_t *)buf, 0x1100);
	b = (uint8_t)buf[0x1000 + 24 + 8 + 3] ^ 0x01;
	emu_set_flash(t.e, 0x1000 + 24 + 8 + 3, &b, 1);
	th_drain(&t, 5);
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
		   600);
	TH_CHECK(&t, strstr(buf, "csum err:0x") && strstr(buf, "\r\nets_main.c 371 \r\nets Jul 29 2019 12:21:46") &&
		 strstr(buf, "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13"), "ESP32 checksum loop: %s", buf);
	TH_CHECK(&t, th_log_count(&t, "\"result\":\"bad_checksum\"") >= 2, "one bad boot only");
	b = 0xFF;
	for (uint32_t a = 0x1000; a < 0x1004; a++)
		emu_set_flash(t.e, a, &b, 1);
	th_drain(&t, 5);
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "rst:0x10 (RTCWDT_RTC_RESET)", 600);
	const char *again = strstr(buf + 1, "ets Jul 29 2019");    /* the watchdog's reset */
	TH_CHECK(&t, again && count_mem(buf, (size_t)(again - buf), "invalid header: 0xffffffff\r\n") == 7,
		 "invalid header lines before the reset: %s", buf);
	TH_CHECK(&t, th_log_line(&t, "\"result\":\"no_image\"", 0, line, sizeof line) == 0, "no no_image event");
	return finish(&t, "boot-esp32");
}

/* ESP32-C3: hex lengths; a wrong appended SHA-256 is reported and the unit
 * boots anyway; a checksum failure loops with TG0WDT. */
static int test_esp32c3(void)
{
	struct emu_config c;
	struct th t;
	char buf[16384], line[512];
	uint8_t img[24 + 8];

	cfg(&c, EMU_ESP32C3, EMU_LAYOUT_STOCK);
	open_unit(&t, &c, 115200, "boot-c3");
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "entry 0x", 300);
	TH_CHECK(&t, strstr(buf, "rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\nSPIWP:0xee\r\n"
			   "mode:DIO, clock div:2\r\nload:0x") && strstr(buf, ",len:0x") &&
		 !strstr(buf, "SHA-256"), "C3 boot: %s", buf);
	/* the last byte of the appended digest: find the image's end */
	uint8_t *f = malloc(0x8000);
	emu_get_flash(t.e, f, 0x8000);
	memcpy(img, f, sizeof img);
	uint32_t pos = 24;
	for (unsigned i = 0; i < img[1]; i++)
		pos += 8 + th_get32(f + pos + 4);
	uint32_t digest_end = (pos | 15) + 1 + 32;
	uint8_t d = f[digest_end - 1] ^ 0x80, x = f[40] ^ 0x04;
	free(f);
	emu_set_flash(t.e, digest_end - 1, &d, 1);
	th_drain(&t, 5);
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "[I][app:029]", 600);
	TH_CHECK(&t, strstr(buf, "SHA-256 comparison failed:\r\nCalculated: ") &&
		 strstr(buf, "\r\nAttempting to boot anyway...\r\nentry 0x") && strstr(buf, "[I][app:029]"),
		 "C3 with a wrong digest: %s", buf);
	TH_CHECK(&t, th_log_line(&t, "\"ev\":\"boot\"", -1, line, sizeof line) == 0 &&
		 strstr(line, "\"result\":\"app_ok\"") && strstr(line, "\"sha256\":\"mismatch\""), "%s", line);
	emu_set_flash(t.e, 40, &x, 1);
	th_drain(&t, 5);
	hard_reset(&t);
	read_until(&t, buf, sizeof buf, 0, "Saved PC:", 600);
	TH_CHECK(&t, strstr(buf, "Checksum failure. Calculated 0x") && strstr(buf, "ets_main.c 333 \r\n") &&
		 strstr(buf, "rst:0x7 (TG0WDT_SYS_RST),boot:0xc (SPI_FAST_FLASH_BOOT)\r\nSaved PC:"),
		 "C3 checksum failure: %s", buf);
	return finish(&t, "boot-c3");
}

int main(void)
{
	int rc = 0;

	rc |= test_good();
	rc |= test_published_blocks();
	rc |= test_flipped_byte();
	rc |= test_bootloop();
	rc |= test_gpio0_held();
	rc |= test_quiet();
	rc |= test_dout();
	rc |= test_exception();
	rc |= test_esp32();
	rc |= test_esp32c3();
	return rc;
}
