/* SPDX-License-Identifier: MIT */
/* The boot check's verdict from what a unit printed (esp_boot_classify),
 * on texts in the formats core/boot-log.md documents. */
#include <string.h>

#include "esp_boot.h"
#include "test.h"

#define S(x) x, sizeof x - 1

/* An ESP8266 flash boot: banner, three segments, the checksum lines. */
static const char s_rom_ok[] =
	"\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n"
	"load 0x4010f000, len 3460, room 16 \r\ntail 4\r\nchksum 0xcc\r\n"
	"load 0x3fff20b8, len 40, room 4 \r\ntail 4\r\nchksum 0xc9\r\n"
	"csum 0xc9\r\n";

static struct esp_boot_report run(enum esp_chip chip, const char *rom, size_t rn, const char *app,
				  size_t an, unsigned junk, const char *late, size_t ln)
{
	struct esp_boot_report r;
	memset(&r, 0x5A, sizeof r);
	esp_boot_classify(chip, rom, rn, app, an, junk, late, ln, &r);
	return r;
}

static void test_esp8266(void)
{
	static const char app[] = "\r\n00:00:00.001 HDW: ESP8266EX\r\n00:00:00.050 CFG: Loaded\r\n";
	t_set_case("booted");
	struct esp_boot_report r = run(ESP_CHIP_ESP8266EX, S(s_rom_ok), S(app), 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_BOOTED);
	T_EQ_INT(r.rst_cause, 2);
	T_EQ_INT(r.boot_mode, 3);
	T_EQ_INT(r.banners, 1);
	T_CHECK(r.app_bytes > 20);
	T_EQ_STR(esp_boot_result_name(r.result), "booted");

	t_set_case("quiet firmware");
	r = run(ESP_CHIP_ESP8266EX, S(s_rom_ok), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_NO_OUTPUT);

	t_set_case("csum err");
	static const char bad[] = " ets Jan  8 2013,rst cause:1, boot mode:(3,6)\r\n\r\n"
				  "load 0x40100000, len 212, room 16 \r\ntail 4\r\nchksum 0xef\r\n"
				  "csum 0x12\r\ncsum err\r\nets_main.c \r\n";
	r = run(ESP_CHIP_ESP8266EX, S(bad), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_BAD_IMAGE);
	T_EQ_INT(r.rst_cause, 1);

	t_set_case("checksums differ, no csum err line heard");
	static const char differ[] = " ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n"
				     "load 0x40100000, len 212, room 16 \r\ntail 4\r\nchksum 0xef\r\n"
				     "csum 0x89\r\n";
	r = run(ESP_CHIP_ESP8266EX, S(differ), S(app), 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_BAD_IMAGE);

	t_set_case("nothing loaded");
	static const char empty[] = " ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n";
	r = run(ESP_CHIP_ESP8266EX, S(empty), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_BAD_IMAGE);

	t_set_case("button held: download mode");
	static const char dl[] = " ets Jan  8 2013,rst cause:2, boot mode:(1,7)\r\n\r\n";
	r = run(ESP_CHIP_ESP8266EX, S(dl), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_DOWNLOAD);
	T_EQ_INT(r.boot_mode, 1);
	T_HAS_STR(r.why, "GPIO0");

	t_set_case("boot loop: noise at the firmware's baud, another banner after");
	static const char junk[] = "\x8f\x03\xfe\x11\x80\x7f\x99";
	static const char late[] = " ets Jan  8 2013,rst cause:4, boot mode:(3,6)\r\n\r\nload 0x40";
	r = run(ESP_CHIP_ESP8266EX, S(s_rom_ok), S(junk), 7, S(late));
	T_EQ_INT(r.result, ESP_BOOT_LOOP);
	T_EQ_INT(r.rst_cause, 4);
	T_EQ_INT(r.banners, 2);

	t_set_case("two banners in the ROM's own lines");
	static const char twice[] = " ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\nload 0x4010f000, len"
				    " 3460, room 16 \r\ntail 4\r\nchksum 0xcc\r\ncsum 0xcc\r\n"
				    " ets Jan  8 2013,rst cause:4, boot mode:(3,6)\r\n";
	r = run(ESP_CHIP_ESP8266EX, S(twice), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_LOOP);

	t_set_case("silent");
	r = run(ESP_CHIP_ESP8266EX, "", 0, "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_SILENT);
	T_HAS_STR(r.why, "nothing");

	t_set_case("noise only is not a boot");
	r = run(ESP_CHIP_ESP8266EX, S(junk), S(junk), 7, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_SILENT);

	t_set_case("random printable bytes without a line are no firmware output");
	static const char chars[] = "a$b&c";
	r = run(ESP_CHIP_ESP8266EX, S(s_rom_ok), S(chars), 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_NO_OUTPUT);
}

static void test_esp32(void)
{
	static const char ok[] =
		"ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
		"configsip: 0, SPIWP:0xee\r\nmode:DIO, clock div:2\r\nload:0x3fff0030,len:1344\r\n"
		"load:0x40078000,len:13864\r\nentry 0x400806d8\r\n"
		"I (29) boot: ESP-IDF v5.1 2nd stage bootloader\r\nI (120) app: started\r\n";
	t_set_case("ESP32 booted");
	struct esp_boot_report r = run(ESP_CHIP_ESP32, S(ok), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_BOOTED);
	T_EQ_INT(r.rst_cause, 1);
	T_EQ_INT(r.boot_mode, 0x13);

	t_set_case("ESP32 entry but nothing after");
	static const char quiet[] = "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
				    "load:0x40078000,len:13864\r\nentry 0x400806d8\r\n";
	r = run(ESP_CHIP_ESP32, S(quiet), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_NO_OUTPUT);

	t_set_case("ESP32 download mode");
	static const char dl[] = "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n"
				 "waiting for download\r\n";
	r = run(ESP_CHIP_ESP32, S(dl), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_DOWNLOAD);
	T_EQ_INT(r.boot_mode, 3);

	t_set_case("ESP32-C3 download mode");
	static const char c3dl[] = "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n"
				   "rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0/1))\r\nwaiting for download\r\n";
	r = run(ESP_CHIP_ESP32C3, S(c3dl), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_DOWNLOAD);

	t_set_case("ESP32 checksum error");
	static const char bad[] = "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
				  "load:0x40078000,len:9000\r\ncsum err:0x9a!=0x89\r\nets_main.c 371 \r\n";
	r = run(ESP_CHIP_ESP32, S(bad), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_BAD_IMAGE);

	t_set_case("ESP32-C3 invalid header");
	static const char inv[] = "rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\ninvalid header: 0xffffffff\r\n";
	r = run(ESP_CHIP_ESP32C3, S(inv), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_BAD_IMAGE);

	t_set_case("ESP32 boot loop");
	static const char loop[] = "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
				   "entry 0x400806d8\r\nI (29) boot: started\r\n"
				   "Guru Meditation Error: Core  0 panic'ed\r\n"
				   "rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
				   "entry 0x400806d8\r\n";
	r = run(ESP_CHIP_ESP32, S(loop), "", 0, 0, "", 0);
	T_EQ_INT(r.result, ESP_BOOT_LOOP);
	T_EQ_INT(r.rst_cause, 0xc);
	T_EQ_INT(r.banners, 2);
}

int main(void)
{
	test_esp8266();
	test_esp32();
	return t_done("test_boot");
}
