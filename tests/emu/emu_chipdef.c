/* SPDX-License-Identifier: MIT */
/* The per-chip constant table, chip names and esptool-style descriptions
 * (see emu_chipdef.h). */
#include "emu_chipdef.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct emu_chipdef s_defs[] = {
	{
		.chip = EMU_ESP8266EX, .magic = 0xFFF0C101u,
		.efuse_base = 0x3FF00050u, .efuse_words = 4, .uart_clkdiv = 0x60000014u,
		.spi = { 0x60000200u, 0x1C, 0x20, 0x24, 0, 0, 0x40 },
		.image_chip_id = -1,
		.legacy_entries = { 0x4010D004u }, .new_entries = { 0x4010C504u },
	},
	{
		.chip = EMU_ESP8285, .magic = 0xFFF0C101u,
		.efuse_base = 0x3FF00050u, .efuse_words = 4, .uart_clkdiv = 0x60000014u,
		.spi = { 0x60000200u, 0x1C, 0x20, 0x24, 0, 0, 0x40 },
		.image_chip_id = -1,
		.legacy_entries = { 0x4010D004u }, .new_entries = { 0x4010C504u },
	},
	{
		/* family §1.2, §1.4, §3.3, §5.1/5.2 (esptool-js 0.7.0; esptool
		 * v5.3.1 dir 2 = new stub v1.0.0, dir 1 = legacy v1.11.1) */
		.chip = EMU_ESP32, .esp32_class = 1, .magic = 0x00F01D83u,
		.efuse_base = 0x3FF5A000u, .efuse_words = 64, .uart_clkdiv = 0x3FF40014u,
		.spi = { 0x3FF42000u, 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x80 },
		.boot_offset = 0x1000, .image_chip_id = 0, .rom_begin_len = 16,
		.legacy_entries = { 0x400BE658u }, .new_entries = { 0x400A902Cu, 0x400A9074u },
	},
	{
		/* C3 magic: ECO3 (v0.3/v0.4) per BASE §7.1; BLOCK0..RS error
		 * words from 0x60008800 (family §6.3, §2.2) */
		.chip = EMU_ESP32C3, .esp32_class = 1, .magic = 0x1B31506Fu,
		.efuse_base = 0x60008800u, .efuse_words = 128, .uart_clkdiv = 0x60000014u,
		.spi = { 0x60002000u, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x58 },
		.boot_offset = 0x0, .image_chip_id = 5, .rom_begin_len = 20,
		.rom_security_info = 1, .stub_security_info = 1, .security_chip_id = 5,
		.legacy_entries = { 0x403806D2u }, .new_entries = { 0x40380E9Au, 0x40380F2Eu },
	},
};

const struct emu_chipdef *emu_chipdef(enum emu_chip chip)
{
	for (size_t i = 0; i < sizeof s_defs / sizeof s_defs[0]; i++)
		if (s_defs[i].chip == chip)
			return &s_defs[i];
	return &s_defs[0];
}

static int in_list(const uint32_t *l, uint32_t entry)
{
	for (unsigned i = 0; i < EMU_MAX_STUB_ENTRIES; i++)
		if (l[i] && l[i] == entry)
			return 1;
	return 0;
}

enum emu_stub_kind emu_chipdef_stub_kind(const struct emu_chipdef *d, uint32_t entry)
{
	if (in_list(d->legacy_entries, entry))
		return EMU_STUBK_LEGACY;
	if (in_list(d->new_entries, entry))
		return EMU_STUBK_NEW;
	for (size_t i = 0; i < sizeof s_defs / sizeof s_defs[0]; i++)
		if (in_list(s_defs[i].legacy_entries, entry) || in_list(s_defs[i].new_entries, entry))
			return EMU_STUBK_FOREIGN;
	return EMU_STUBK_UNKNOWN;
}

int emu_chip_esp32_class(enum emu_chip chip)
{
	return emu_chipdef(chip)->esp32_class;
}

static const struct {
	const char *name;
	enum emu_chip chip;
} s_names[] = {
	{ "esp8266ex", EMU_ESP8266EX }, { "esp8266", EMU_ESP8266EX }, { "esp8285", EMU_ESP8285 },
	{ "esp32", EMU_ESP32 }, { "esp32c3", EMU_ESP32C3 }, { "esp32-c3", EMU_ESP32C3 },
};

const char *emu_chip_name(enum emu_chip chip)
{
	switch (chip) {
	case EMU_ESP8266EX: return "esp8266ex";
	case EMU_ESP8285: return "esp8285";
	case EMU_ESP32: return "esp32";
	case EMU_ESP32C3: return "esp32c3";
	}
	return "?";
}

int emu_chip_parse(const char *s, enum emu_chip *ret)
{
	for (size_t i = 0; i < sizeof s_names / sizeof s_names[0]; i++) {
		if (strcasecmp(s, s_names[i].name) == 0) {
			*ret = s_names[i].chip;
			return 0;
		}
	}
	return -1;
}

void emu_config_chip(struct emu_config *c, enum emu_chip chip)
{
	static const uint8_t mac8266[6] = { 0x18, 0xFE, 0x34, 0x12, 0x34, 0x56 };
	static const uint8_t mac32[6] = { 0x24, 0x0A, 0xC4, 0x12, 0x34, 0x56 };
	static const uint8_t macc3[6] = { 0x58, 0xCF, 0x79, 0x12, 0x34, 0x56 };

	c->chip = chip;
	c->pkg = c->rev_major = c->rev_minor = 0;
	c->rtc_cali = 0;
	switch (chip) {
	case EMU_ESP8266EX:
	case EMU_ESP8285:
		memcpy(c->mac, mac8266, 6);
		c->flash_size = 1u << 20;
		c->crystal_mhz = 26;
		break;
	case EMU_ESP32:
		memcpy(c->mac, mac32, 6);
		c->flash_size = 4u << 20;
		c->crystal_mhz = 40;
		c->pkg = 1;
		c->rev_major = 3;
		c->rev_minor = 1;
		c->rtc_cali = 1024;
		break;
	case EMU_ESP32C3:
		memcpy(c->mac, macc3, 6);
		c->flash_size = 4u << 20;
		c->crystal_mhz = 40;
		c->rev_minor = 4;
		break;
	}
}

/* family §1.4 (ESP32, dual core assumed) and §1.5 (C3) */
static const char *esp32_pkg_name(unsigned pkg, unsigned major)
{
	int v3 = major == 3;

	switch (pkg) {
	case 0: return v3 ? "ESP32-D0WDQ6-V3" : "ESP32-D0WDQ6";
	case 1: return v3 ? "ESP32-D0WD-V3" : "ESP32-D0WD";
	case 2: return "ESP32-D2WD";
	case 4: return "ESP32-U4WDH";
	case 5: return v3 ? "ESP32-PICO-V3" : "ESP32-PICO-D4";
	case 6: return "ESP32-PICO-V3-02";
	case 7: return "ESP32-D0WDR2-V3";
	default: return "Unknown ESP32";
	}
}

static const char *c3_pkg_name(unsigned pkg)
{
	switch (pkg) {
	case 0: return "ESP32-C3 (QFN32)";
	case 1: return "ESP8685 (QFN28)";
	case 2: return "ESP32-C3 AZ (QFN32)";
	case 3: return "ESP8686 (QFN24)";
	default: return "Unknown ESP32-C3";
	}
}

void emu_chip_description(const struct emu_config *c, char *buf, size_t cap)
{
	switch (c->chip) {
	case EMU_ESP8266EX:
		snprintf(buf, cap, "ESP8266EX");
		return;
	case EMU_ESP8285:
		snprintf(buf, cap, "ESP8285");
		return;
	case EMU_ESP32:
		snprintf(buf, cap, "%s (revision v%u.%u)", esp32_pkg_name(c->pkg, c->rev_major),
			 c->rev_major, c->rev_minor);
		return;
	case EMU_ESP32C3:
		snprintf(buf, cap, "%s (revision v%u.%u)", c3_pkg_name(c->pkg), c->rev_major,
			 c->rev_minor);
		return;
	}
	snprintf(buf, cap, "?");
}
