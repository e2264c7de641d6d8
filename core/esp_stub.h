/* SPDX-License-Identifier: MIT */
/* The flasher stub image: Espressif's esp-flasher-stub for ESP8266, ESP32
 * and ESP32-C3 embedded at build time from esptool-js (see core/stub/;
 * esp_stub_builtin_for() in esp.h picks one per chip), or any stub in
 * esptool's JSON format (text/data as base64, text_start, data_start, entry). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

struct esp_stub_image {
	uint8_t *text;
	size_t text_len;
	uint32_t text_start;
	uint8_t *data;
	size_t data_len;
	uint32_t data_start;
	uint32_t entry;
};

/* Parses esptool JSON stub text.  Errors name the missing or bad field. */
enum esp_err esp_stub_parse_json(const char *json, size_t len, struct esp_stub_image *ret,
				 struct esp_error *err);
/* Loads a JSON stub file. */
enum esp_err esp_stub_load_file(const char *path, struct esp_stub_image *ret, struct esp_error *err);
/* The ESP8266 stub built into espstation (esp_stub_builtin_for(ESP_CHIP_ESP8266EX)). */
enum esp_err esp_stub_builtin(struct esp_stub_image *ret, struct esp_error *err);
void esp_stub_free(struct esp_stub_image *s);

/* base64 decoding (RFC 4648; both the standard and the URL-safe alphabet,
 * padding optional, whitespace ignored).  dst
 * must hold 3 * (n / 4) + 3 bytes.  Returns -1 on a bad character. */
long esp_base64_decode(const char *src, size_t n, uint8_t *dst);

/* The embedded JSON texts (pinned by SHA-256 at build time). */
extern const unsigned char esp_stub_builtin_json[]; /* esp8266.json */
extern const size_t esp_stub_builtin_json_len;
extern const unsigned char esp_stub_builtin_json_esp32[];
extern const size_t esp_stub_builtin_json_esp32_len;
extern const unsigned char esp_stub_builtin_json_esp32c3[];
extern const size_t esp_stub_builtin_json_esp32c3_len;
