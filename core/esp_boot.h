/* SPDX-License-Identifier: MIT */
/* Does it boot?  After a flash, reset the unit into its firmware and listen:
 * the ROM's boot lines at the ROM's baud (ESP8266: 74880 with a 26 MHz
 * crystal, "ets Jan  8 2013,rst cause:N, boot mode:(A,B)", one load/tail/
 * chksum group per segment, "csum" and "csum err" on a mismatch; ESP32
 * class: "rst:0xN (...),boot:0xNN (...)" at 115200), then the firmware's
 * first words at its own baud.  The verdict is a pure function of what was
 * heard (esp_boot_classify), so it can be tested on recorded text. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp.h"

enum esp_boot_result {
	ESP_BOOT_BOOTED,     /* the ROM loaded the image and the firmware spoke */
	ESP_BOOT_NO_OUTPUT,  /* the ROM loaded it; the firmware said nothing */
	ESP_BOOT_LOOP,       /* the unit reset again within the window */
	ESP_BOOT_BAD_IMAGE,  /* the ROM found a checksum mismatch or nothing to load */
	ESP_BOOT_DOWNLOAD,   /* the ROM went to UART download mode: GPIO0 held low */
	ESP_BOOT_SILENT,     /* nothing at all */
};

/* "booted", "no-output", "boot-loop", "bad-image", "download-mode", "silent". */
const char *esp_boot_result_name(enum esp_boot_result r);

struct esp_boot_plan {
	unsigned window_ms; /* how long the firmware is listened to; 0 = 2000 */
	unsigned app_baud;  /* the firmware's log baud; 0 = 115200 */
	unsigned wait_ms;   /* a port without DTR/RTS: how long to wait for the operator's
			       power cycle; 0 = the session's connect time */
	int operator_reset; /* the port's DTR/RTS reach nothing (reset "none": a bare
			       adapter): ask the operator even if the port has the lines */
};

struct esp_boot_report {
	enum esp_boot_result result;
	int rst_cause;      /* reset cause of the last ROM banner (ESP8266 "rst cause:N",
			       ESP32 "rst:0xN"), -1 if none */
	int boot_mode;      /* ESP8266: first "boot mode" digit; ESP32: the "boot:0xNN"
			       strap value; -1 if none */
	unsigned banners;   /* ROM banners heard: 1 per reset */
	unsigned app_bytes; /* printable bytes from the firmware */
	unsigned ms;        /* from the reset to the verdict */
	char why[160];      /* one line: what decided it */
	char log[600];      /* the first lines heard, printable (others as \xNN) */
};

/* Decides from what was heard: rom = bytes at the ROM's baud, app = bytes
 * at the firmware's baud (for ESP32-class chips both are one stream at
 * 115200: pass it as rom and app_len 0), late = bytes heard at the ROM's
 * baud after the firmware window (a banner there is a second reset).
 * app_junk: bytes at the firmware's baud that were no text (a ROM banner at
 * another baud looks like that). */
void esp_boot_classify(enum esp_chip chip, const char *rom, size_t rom_len, const char *app,
		       size_t app_len, unsigned app_junk, const char *late, size_t late_len,
		       struct esp_boot_report *ret);

/* Resets the unit into its firmware (DTR/RTS; without them the operator is
 * asked to power-cycle it, through the log and ESP_OP_WAIT_BOOT progress)
 * and listens as described above.  The session is not in the loader
 * afterwards.  ESP_OK with the verdict in *ret (a unit that does not boot is
 * a verdict, not an error); errors only for the port (ESP_E_NODEV ...). */
enum esp_err esp_boot_check(struct esp_session *s, const struct esp_chip_info *chip,
			    const struct esp_boot_plan *plan, struct esp_boot_report *ret);
