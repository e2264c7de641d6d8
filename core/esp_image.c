/* SPDX-License-Identifier: MIT */
/* Flash parameter tables: JEDEC capacity codes (esp-serial-protocol.md
 * §10.3), header size codes per family (§16.1; esp32-family.md §7.2), mode
 * and frequency names, and each chip's bootloader offset and image chip id.
 * Parsing is in esp_image_parse.c, patching in esp_image_patch.c. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "esp_image.h"
#include "esp_image_chip.h"

struct size_row {
	const char *name;
	uint32_t bytes;
	int code; /* ESP8266 header size code, -1 if none */
};

static const struct size_row s_sizes[] = {
	{"256KB", 256u << 10, 0x10}, {"512KB", 512u << 10, 0x00}, {"1MB", 1u << 20, 0x20},
	{"2MB", 2u << 20, 0x30},     {"4MB", 4u << 20, 0x40},     {"8MB", 8u << 20, 0x80},
	{"16MB", 16u << 20, 0x90},   {"32MB", 32u << 20, -1},     {"64MB", 64u << 20, -1},
	{"128MB", 128u << 20, -1},   {"256MB", 256u << 20, -1},
};
#define N_SIZES (sizeof s_sizes / sizeof s_sizes[0])

uint32_t esp_flash_size_from_jedec(uint32_t flash_id)
{
	uint8_t manuf = (uint8_t)flash_id, type = (uint8_t)(flash_id >> 8);
	uint8_t cap = (uint8_t)(flash_id >> 16);
	if (manuf == 0x1F) {
		/* Adesto encodes the size in the low bits of the type byte */
		unsigned c = type & 0x1Fu;
		return c >= 0x04 && c <= 0x09 ? (512u << 10) << (c - 0x04) : 0;
	}
	if (cap >= 0x12 && cap <= 0x1C)
		return (256u << 10) << (cap - 0x12);
	if (cap >= 0x32 && cap <= 0x3A)
		return (256u << 10) << (cap - 0x32);
	if (cap >= 0x20 && cap <= 0x22)
		return (64u << 20) << (cap - 0x20);
	return 0;
}

int esp_flash_size_code(uint32_t bytes)
{
	for (size_t i = 0; i < N_SIZES; i++)
		if (s_sizes[i].bytes == bytes)
			return s_sizes[i].code;
	return -1;
}

uint32_t esp_flash_size_from_code(uint8_t code)
{
	/* 0x50/0x60 are the "-c1" 2 MB/4 MB layouts */
	if (code == 0x50)
		return 2u << 20;
	if (code == 0x60)
		return 4u << 20;
	for (size_t i = 0; i < N_SIZES; i++)
		if (s_sizes[i].code == (int)code)
			return s_sizes[i].bytes;
	return 0;
}

uint32_t esp_flash_size_parse(const char *s)
{
	for (size_t i = 0; i < N_SIZES; i++)
		if (strcasecmp(s, s_sizes[i].name) == 0)
			return s_sizes[i].bytes;
	return 0;
}

const char *esp_flash_size_name(uint32_t bytes, char *buf, size_t cap)
{
	if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
		snprintf(buf, cap, "%uMB", bytes >> 20);
	else if (bytes % 1024u == 0)
		snprintf(buf, cap, "%uKB", bytes >> 10);
	else
		snprintf(buf, cap, "%uB", bytes);
	return buf;
}

int esp_flash_mode_parse(const char *s)
{
	static const char *const names[] = {"qio", "qout", "dio", "dout"};
	if (strcasecmp(s, "keep") == 0)
		return ESP_FM_KEEP;
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0)
			return i;
	return -2;
}

const char *esp_flash_mode_name(int mode)
{
	switch (mode) {
	case ESP_FM_QIO: return "qio";
	case ESP_FM_QOUT: return "qout";
	case ESP_FM_DIO: return "dio";
	case ESP_FM_DOUT: return "dout";
	case ESP_FM_KEEP: return "keep";
	default: return "unknown";
	}
}

int esp_flash_freq_parse(const char *s)
{
	if (strcasecmp(s, "keep") == 0)
		return -1;
	if (strcasecmp(s, "40m") == 0)
		return 0x0;
	if (strcasecmp(s, "26m") == 0)
		return 0x1;
	if (strcasecmp(s, "20m") == 0)
		return 0x2;
	if (strcasecmp(s, "80m") == 0)
		return 0xF;
	return -2;
}

/* ---- per chip ---------------------------------------------------------- */

/* ESP32-class size codes: one table for every ESP32-class chip in esptool
 * (the 32-128 MB codes included), unlike the ESP8266's. */
static const struct {
	uint32_t bytes;
	uint8_t code;
} s_esp32_sizes[] = {
	{1u << 20, 0x00},  {2u << 20, 0x10},  {4u << 20, 0x20},  {8u << 20, 0x30},
	{16u << 20, 0x40}, {32u << 20, 0x50}, {64u << 20, 0x60}, {128u << 20, 0x70},
};
#define N_ESP32_SIZES (sizeof s_esp32_sizes / sizeof s_esp32_sizes[0])

enum esp_image_family esp_image_family_of(enum esp_chip chip)
{
	switch (chip) {
	case ESP_CHIP_ESP8266EX:
	case ESP_CHIP_ESP8285: return ESP_IMAGE_FAMILY_ESP8266;
	case ESP_CHIP_ESP32:
	case ESP_CHIP_ESP32C3: return ESP_IMAGE_FAMILY_ESP32;
	case ESP_CHIP_UNKNOWN:
	case ESP_CHIP_ESP32_FAMILY: break;
	}
	return ESP_IMAGE_FAMILY_NONE;
}

uint16_t esp_image_chip_id_of(enum esp_chip chip)
{
	switch (chip) {
	case ESP_CHIP_ESP32: return 0;
	case ESP_CHIP_ESP32C3: return 5;
	case ESP_CHIP_UNKNOWN:
	case ESP_CHIP_ESP8266EX:
	case ESP_CHIP_ESP8285:
	case ESP_CHIP_ESP32_FAMILY: break;
	}
	return ESP_IMAGE_CHIP_ID_NONE;
}

const char *esp_image_chip_id_name(uint16_t chip_id)
{
	switch (chip_id) {
	case 0: return "ESP32";
	case 2: return "ESP32-S2";
	case 5: return "ESP32-C3";
	case 9: return "ESP32-S3";
	case 13: return "ESP32-C6";
	default: return NULL;
	}
}

uint32_t esp_bootloader_offset(enum esp_chip chip)
{
	switch (chip) {
	case ESP_CHIP_ESP8266EX:
	case ESP_CHIP_ESP8285:
	case ESP_CHIP_ESP32C3: return 0x0;
	case ESP_CHIP_ESP32: return 0x1000;
	case ESP_CHIP_UNKNOWN:
	case ESP_CHIP_ESP32_FAMILY: break;
	}
	return ESP_BOOTLOADER_OFFSET_NONE;
}

int esp_flash_size_code_for(enum esp_chip chip, uint32_t bytes)
{
	switch (esp_image_family_of(chip)) {
	case ESP_IMAGE_FAMILY_ESP8266: return esp_flash_size_code(bytes);
	case ESP_IMAGE_FAMILY_ESP32:
		for (size_t i = 0; i < N_ESP32_SIZES; i++)
			if (s_esp32_sizes[i].bytes == bytes)
				return s_esp32_sizes[i].code;
		return -1;
	case ESP_IMAGE_FAMILY_NONE: break;
	}
	return -1;
}

uint32_t esp_flash_size_from_code_for(enum esp_chip chip, uint8_t code)
{
	switch (esp_image_family_of(chip)) {
	case ESP_IMAGE_FAMILY_ESP8266: return esp_flash_size_from_code(code);
	case ESP_IMAGE_FAMILY_ESP32:
		for (size_t i = 0; i < N_ESP32_SIZES; i++)
			if (s_esp32_sizes[i].code == code)
				return s_esp32_sizes[i].bytes;
		return 0;
	case ESP_IMAGE_FAMILY_NONE: break;
	}
	return 0;
}

/* The ESP32 and ESP32-C3 inherit the ESP8266's frequency codes (80m 0xF,
 * 40m 0x0, 26m 0x1, 20m 0x2); the C6, which differs, is not supported. */
int esp_flash_freq_parse_for(enum esp_chip chip, const char *s)
{
	if (esp_image_family_of(chip) == ESP_IMAGE_FAMILY_NONE)
		return -2;
	return esp_flash_freq_parse(s);
}

const char *esp_flash_freq_name_for(enum esp_chip chip, int code)
{
	if (esp_image_family_of(chip) == ESP_IMAGE_FAMILY_NONE)
		return NULL;
	switch (code) {
	case 0x0: return "40m";
	case 0x1: return "26m";
	case 0x2: return "20m";
	case 0xF: return "80m";
	default: return NULL;
	}
}
