/* SPDX-License-Identifier: MIT */
/*
 * What runs once the ROM has finished (README "Booting what the flash
 * holds"):
 *
 *  - a valid image: the unit's firmware (emu_config.firmware).  Its first
 *    words follow the family the flash holds: the NONOS SDK's second-stage
 *    boot loader (an OTA image at 0x1000: "2nd boot version", "jump to run
 *    user1", then the SDK's lines), the Arduino core's eboot (a plain image
 *    at 0x1000: "v%08x", "~ld", then Tasmota-style lines), a plain NONOS
 *    application, or ESP-IDF's second stage and an ESPHome-style app on the
 *    ESP32-class chips.  Second stages speak at the ROM's rate, applications
 *    at firmware.baud.  chatty: a few lines at 5, 100, 250 and 450 ms after
 *    the reset; quiet: nothing; bootloop: the same, and a watchdog reset at
 *    period_ms; exception: the first lines, a crash dump at 150 ms, restart;
 *  - a failed boot on an ESP32-class chip: the ROM's retry loop ("invalid
 *    header" every 40 ms) and its watchdog reset after ~330 ms, forever;
 *  - a failed boot on an ESP8266: nothing (the ROM stops at "ets_main.c").
 *
 * The texts imitate the published formats; version strings and values are
 * made up.
 */
#include <stdio.h>
#include <string.h>

#include "emu_bytes.h"
#include "emu_priv.h"

enum { FL_PLAIN, FL_NONOS, FL_EBOOT, FL_IDF };

#define NSTEPS 4
static const unsigned s_step_ms[NSTEPS] = { 5, 100, 250, 450 };
#define EXCEPTION_MS 150u       /* the crash comes after the first two steps */
#define ROM_RETRY_MS 40u        /* "invalid header" cadence (published timestamps) */
#define ROM_RETRIES 6u          /* lines after the first one, in the ROM's own text */
#define ROM_WDT_MS 330u         /* the ROM's watchdog reset after a failed boot */
#define PTABLE 0x8000u

static int flavour(struct emu *e)
{
	uint8_t m;

	if (e->def->esp32_class)
		return FL_IDF;
	emu_cpu_flash_read(e, 0x1000, &m, 1);
	return m == 0xEA ? FL_NONOS : m == 0xE9 ? FL_EBOOT : FL_PLAIN;
}

static void say(struct emu *e, int64_t now, const char *text, size_t n, unsigned baud,
		const char *what)
{
	if (n == 0)
		return;
	if (baud != e->dev_baud) {
		emu_logf(&e->log, now, "baud", "\"who\":\"device\",\"baud\":%u,\"old\":%u,"
			 "\"why\":\"firmware\"", baud, e->dev_baud);
		e->dev_baud = baud;
	}
	emu_push_text(e, now, text, n, baud);
	emu_logf(&e->log, now, "app_text", "\"what\":\"%s\",\"bytes\":%zu,\"baud\":%u", what, n, baud);
}

static unsigned rom_baud(const struct emu *e)
{
	return e->def->esp32_class || e->cfg.crystal_mhz == 40 ? 115200u : 74880u;
}

static const char *speed_name(uint8_t sf)
{
	switch (sf & 0x0F) {
	case 0x0F: return "80MHz";
	case 0x01: return "26.7MHz";
	case 0x02: return "20MHz";
	default: return "40MHz";
	}
}

static const char *mode_name(uint8_t m)
{
	static const char *const names[] = { "QIO", "QOUT", "DIO", "DOUT" };
	return m < 4 ? names[m] : "DIO";
}

/* boot_v1.x's size and OTA map line for the ESP8266 size nibble */
static const char *map_8266(uint8_t sf)
{
	switch (sf >> 4) {
	case 0x0: return "4Mbit(256KB+256KB)";
	case 0x1: return "2Mbit(128KB+128KB)";
	case 0x3: return "16Mbit(512KB+512KB)";
	case 0x4: return "32Mbit(512KB+512KB)";
	case 0x5: return "16Mbit(1024KB+1024KB)";
	case 0x6: return "32Mbit(1024KB+1024KB)";
	default: return "8Mbit(512KB+512KB)";
	}
}

static const char *size_32(uint8_t sf)
{
	static const char *const names[] = { "1MB", "2MB", "4MB", "8MB", "16MB" };
	return (sf >> 4) < 5 ? names[sf >> 4] : "4MB";
}

/* The first app partition in the partition table (0x10000 without one). */
static uint32_t app_offset(struct emu *e)
{
	uint8_t ent[32];

	for (uint32_t at = PTABLE; at < PTABLE + 0xC00; at += sizeof ent) {
		emu_cpu_flash_read(e, at, ent, sizeof ent);
		if (ent[0] != 0xAA || ent[1] != 0x50)
			break;
		if (ent[2] == 0x00)
			return emu_le32(ent + 4);
	}
	return 0x10000;
}

/* The NONOS SDK application's own lines (after boot_v1.x or alone). */
static void text_sdk(struct emu *e, struct emu_text *o, unsigned step)
{
	const uint8_t *m = e->cfg.mac;

	if (step == 1)
		emu_text_put(o, "\r\nrf cal sector: %u\r\nfreq trace enable 0\r\n\r\n"
			     "SDK ver: 2.2.1(6ab97e9) compiled @ Jun  7 2018 13:59:14\r\n"
			     "phy ver: 1136_0, pp ver: 10.2\r\n\r\n", e->flash.size / EMU_SECTOR - 5);
	else if (step == 2)
		emu_text_put(o, "mode : sta(%02x:%02x:%02x:%02x:%02x:%02x)\r\nadd if0\r\n", m[0], m[1],
			     m[2], m[3], m[4], m[5]);
	else if (step == 3)
		emu_text_put(o, "scandone\r\n");
}

/* Arduino core: eboot, then a Tasmota-style log. */
static void text_arduino(struct emu *e, struct emu_text *o, unsigned step)
{
	const struct emu_bootrec *b = &e->run.boot;
	const uint8_t *m = e->cfg.mac;
	unsigned host = (unsigned)(m[4] << 8 | m[5]) & 0x1FFF;
	char chip[64];

	emu_chip_description(&e->cfg, chip, sizeof chip);
	if (step == 0)
		emu_text_put(o, "v%08x\r\n~ld\r\n", b->entry * 2654435761u ^ b->computed);
	else if (step == 1)
		emu_text_put(o, "\r\n00:00:00.001 HDW: %s\r\n"
			     "00:00:00.049 CFG: Loaded from flash at F9, Count 17\r\n"
			     "00:00:00.056 Project tasmota - Tasmota Version "
			     "13.1.0(release-tasmota)-2_7_4_9\r\n", chip);
	else if (step == 2)
		emu_text_put(o, "00:00:00.151 WIF: Connecting to AP1 HomeNet in mode 11n as "
			     "tasmota-%02X%02X%02X-%04u...\r\n", m[3], m[4], m[5], host);
	else if (step == 3)
		emu_text_put(o, "00:00:00.352 HTP: Web server active on tasmota-%02X%02X%02X-%04u "
			     "with IP address 192.168.4.1\r\n", m[3], m[4], m[5], host);
}

static void text_8266(struct emu *e, struct emu_text *o, unsigned step)
{
	const struct emu_bootrec *b = &e->run.boot;

	if (e->run.flavour == FL_EBOOT) {
		text_arduino(e, o, step);
		return;
	}
	if (e->run.flavour == FL_NONOS && step == 0)
		emu_text_put(o, "\r\n2nd boot version : 1.7(5d6f877)\r\n"
			     "  SPI Speed      : %s\r\n  SPI Mode       : %s\r\n"
			     "  SPI Flash Size & Map: %s\r\njump to run user1 @ 1000\r\n\r\n",
			     speed_name(b->size_freq), mode_name(b->mode), map_8266(b->size_freq));
	text_sdk(e, o, step);
}

static void text_32(struct emu *e, struct emu_text *o, unsigned step)
{
	const struct emu_bootrec *b = &e->run.boot;
	const uint8_t *m = e->cfg.mac;
	int c3 = e->def->chip == EMU_ESP32C3;
	const char *tag = c3 ? "boot.esp32c3" : "boot.esp32";

	if (step == 0)
		emu_text_put(o, "I (29) boot: ESP-IDF v4.4.7 2nd stage bootloader\r\n"
			     "I (29) boot: compile time 10:12:44\r\n"
			     "I (29) boot: chip revision: v%u.%u\r\n"
			     "I (33) %s: SPI Speed      : %s\r\n"
			     "I (38) %s: SPI Mode       : %s\r\n"
			     "I (42) %s: SPI Flash Size : %s\r\n"
			     "I (47) boot: Enabling RNG early entropy source...\r\n"
			     "I (61) boot: Loaded app from partition at offset 0x%x\r\n"
			     "I (66) boot: Disabling RNG early entropy source...\r\n",
			     e->cfg.rev_major, e->cfg.rev_minor, tag, speed_name(b->size_freq), tag,
			     mode_name(b->mode), tag, size_32(b->size_freq), app_offset(e));
	else if (step == 1)
		emu_text_put(o, "I (98) cpu_start: Pro cpu up.\r\n"
			     "I (110) cpu_start: Pro cpu start user code\r\n"
			     "I (110) cpu_start: cpu freq: 160000000\r\n");
	else if (step == 2)
		emu_text_put(o, "[I][logger:156]: Log initialized\r\n"
			     "[I][app:029]: Running through setup()...\r\n");
	else if (step == 3)
		emu_text_put(o, "[C][wifi:048]: Setting up WiFi...\r\n"
			     "[C][wifi:049]:   Local MAC: %02X:%02X:%02X:%02X:%02X:%02X\r\n", m[0], m[1],
			     m[2], m[3], m[4], m[5]);
}

static void crash_dump(struct emu *e, struct emu_text *o)
{
	switch (e->def->chip) {
	case EMU_ESP8266EX:
	case EMU_ESP8285:
		emu_text_put(o, "\r\nException (28):\r\nepc1=0x40201a3c epc2=0x00000000 epc3=0x00000000 "
			     "excvaddr=0x00000000 depc=0x00000000\r\n\r\n>>>stack>>>\r\n\r\nctx: cont\r\n"
			     "sp: 3ffffe00 end: 3fffffc0 offset: 0190\r\n"
			     "3fffff90:  3fffdad0 00000000 3ffee6a8 40201a3c  \r\n"
			     "3fffffa0:  feefeffe feefeffe 3fffdab0 40100cd1  \r\n<<<stack<<<\r\n\r\n"
			     "--------------- CUT HERE FOR EXCEPTION DECODER ---------------\r\n");
		break;
	case EMU_ESP32:
		emu_text_put(o, "Guru Meditation Error: Core  1 panic'ed (LoadProhibited). Exception "
			     "was unhandled.\r\n\r\nCore  1 register dump:\r\nPC      : 0x400d1f6a  PS      "
			     ": 0x00060830  A0      : 0x800d2c1d  A1      : 0x3ffb1f60  \r\n\r\n"
			     "Backtrace: 0x400d1f67:0x3ffb1f60 0x400d2c1a:0x3ffb1f90 0x4008a2b6:0x3ffb1fb0\r\n"
			     "\r\nELF file SHA256: 5d3fa34d79fb95f4\r\n\r\nRebooting...\r\n");
		break;
	case EMU_ESP32C3:
		emu_text_put(o, "Guru Meditation Error: Core  0 panic'ed (Load access fault). Exception "
			     "was unhandled.\r\n\r\nCore  0 register dump:\r\nMEPC    : 0x42001f6a  RA      "
			     ": 0x42002c1e  SP      : 0x3fc95f60  GP      : 0x3fc8e200  \r\n\r\n"
			     "ELF file SHA256: 5d3fa34d79fb95f4\r\n\r\nRebooting...\r\n");
		break;
	}
}

void emu_fw_stop(struct emu *e)
{
	e->run.what = EMU_RUN_NONE;
	e->run.next = 0;
}

void emu_fw_start(struct emu *e, int64_t now, const struct emu_bootrec *b)
{
	e->run.boot = *b;
	e->run.t0 = now;
	e->run.step = 0;
	e->run.next = 0;
	e->run.what = EMU_RUN_NONE;
	if (b->result == EMU_BOOT_APP) {
		e->run.what = EMU_RUN_APP;
		e->run.flavour = flavour(e);
		if (e->cfg.firmware.kind != EMU_FW_QUIET)
			e->run.next = now + s_step_ms[0] * EMU_MS;
	} else if (b->result != EMU_BOOT_DOWNLOAD && e->def->esp32_class) {
		e->run.what = EMU_RUN_ROM_RETRY;
		e->run.next = now + (b->result == EMU_BOOT_NO_IMAGE ? ROM_RETRY_MS : ROM_WDT_MS) * EMU_MS;
	}
}

static const char *rom_retry(struct emu *e, int64_t now)
{
	char line[64];

	if (e->run.boot.result != EMU_BOOT_NO_IMAGE || e->run.step == ROM_RETRIES) {
		e->run.next = 0;
		return "rtcwdt";
	}
	int n = snprintf(line, sizeof line, "invalid header: 0x%08x\r\n", e->run.boot.first_word);
	say(e, now, line, (size_t)n, rom_baud(e), "rom_retry");
	e->run.step++;
	e->run.next = e->run.t0 + (e->run.step == ROM_RETRIES ? ROM_WDT_MS :
				   ROM_RETRY_MS * (e->run.step + 1)) * EMU_MS;
	return NULL;
}

const char *emu_fw_tick(struct emu *e, int64_t now)
{
	const struct emu_firmware *fw = &e->cfg.firmware;
	char buf[1536];
	struct emu_text o;

	if (e->run.what == EMU_RUN_ROM_RETRY)
		return rom_retry(e, now);
	if (e->run.what != EMU_RUN_APP) {
		e->run.next = 0;
		return NULL;
	}
	int64_t at_ms = (e->run.next - e->run.t0) / EMU_MS;
	emu_text_init(&o, buf, sizeof buf);
	if (fw->kind == EMU_FW_BOOTLOOP && at_ms >= (int64_t)fw->period_ms) {
		e->run.next = 0;
		return "wdt";
	}
	if (fw->kind == EMU_FW_EXCEPTION && e->run.step >= 2) {
		crash_dump(e, &o);
		say(e, now, buf, o.len, fw->baud, "exception");
		e->run.next = 0;
		return "exception";
	}
	if (e->def->esp32_class)
		text_32(e, &o, e->run.step);
	else
		text_8266(e, &o, e->run.step);
	/* second stages run before the application sets its rate */
	int second = e->run.step == 0 && !e->def->esp32_class;
	say(e, now, buf, o.len, second ? rom_baud(e) : fw->baud, second ? "second_stage" : "app");
	e->run.step++;
	int64_t t = e->run.step < NSTEPS ? (int64_t)s_step_ms[e->run.step] : -1;
	if (fw->kind == EMU_FW_EXCEPTION && e->run.step >= 2)
		t = EXCEPTION_MS;
	if (fw->kind == EMU_FW_BOOTLOOP && (t < 0 || t >= (int64_t)fw->period_ms))
		t = fw->period_ms;
	e->run.next = t < 0 ? 0 : e->run.t0 + t * EMU_MS;
	return NULL;
}
