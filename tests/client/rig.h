/* SPDX-License-Identifier: MIT */
/* Test rig: one emulated chip (ESP8266, ESP32, ESP32-C3) on a pty, and a core session talking to it
 * through the fd transport (DTR/RTS routed to the emulator, since a pty has
 * no modem lines). */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "emu.h"
#include "esp.h"

struct rig {
	struct emu *emu;
	int master;
	char slave[128];
	struct esp_session *s;
	struct esp_stub_image stub;
	int lines_calls;
	int dtr, rts;
	char log_path[128];
};

/* Fills cfg with quick-test defaults (fast flash, 1 MiB, MAC 5c:cf:7f:01:02:03). */
void rig_defaults(struct emu_config *cfg);
/* The same quick-test settings for another chip (emu_config_chip's identity:
 * ESP32 24:0a:c4:12:34:56 "ESP32-D0WD-V3 (revision v3.1)", ESP32-C3
 * 58:cf:79:12:34:56 "ESP32-C3 (QFN32) (revision v0.4)"), 1 MiB flash. */
void rig_defaults_chip(struct emu_config *cfg, enum emu_chip chip);
/* The core chip an emulated one is. */
enum esp_chip rig_esp_chip(enum emu_chip chip);
/* Starts the emulator and opens a session at rom_baud; stub_baud after stub
 * start.  r->stub is the built-in stub for cfg->chip. */
void rig_open(struct rig *r, const struct emu_config *cfg, unsigned rom_baud, unsigned stub_baud);
void rig_open_ex(struct rig *r, const struct emu_config *cfg, unsigned rom_baud, unsigned stub_baud,
		 int no_compress);
void rig_close(struct rig *r);
/* connect (auto reset) + detect + stub; aborts the test on failure */
void rig_ready(struct rig *r, struct esp_chip_info *ci);
/* Reads the whole emulated flash. */
uint8_t *rig_flash(struct rig *r, uint32_t *ret_len);
/* Makes a pseudo-random buffer (xorshift, seeded). */
uint8_t *rig_random(uint32_t len, uint32_t seed);
/* Counts lines in the emulator log containing needle. */
/* rig_log_count, waiting up to max_ms for the line to appear (the
 * emulator logs from its own thread). */
int rig_log_wait(struct rig *r, const char *needle, unsigned max_ms);
int rig_log_count(struct rig *r, const char *needle);

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                           \
		}                                                                          \
	} while (0)

#define CHECK_OK(r, expr)                                                                  \
	do {                                                                               \
		enum esp_err e_ = (expr);                                                  \
		if (e_ != ESP_OK) {                                                        \
			fprintf(stderr, "%s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #expr,      \
				esp_err_name(e_), esp_session_error((r)->s)->msg);           \
			exit(1);                                                           \
		}                                                                          \
	} while (0)

#define CHECK_ERR(r, expr, want)                                                           \
	do {                                                                               \
		enum esp_err e_ = (expr);                                                  \
		if (e_ != (want)) {                                                        \
			fprintf(stderr, "%s:%d: %s -> %s (%s), expected %s\n", __FILE__,          \
				__LINE__, #expr, esp_err_name(e_),                               \
				esp_session_error((r)->s)->msg, esp_err_name(want));             \
			exit(1);                                                           \
		}                                                                          \
	} while (0)
