/* SPDX-License-Identifier: MIT */
/* Chip identification: magic register, eFuse (model, MAC), crystal and the
 * SPI flash JEDEC id (esp-serial-protocol.md §7, §10). */
#include <stdio.h>
#include <string.h>

#include "esp_priv.h"

#define REG_CHIP_MAGIC 0x40001000u
#define MAGIC_ESP8266 0xFFF0C101u
#define REG_EFUSE0 0x3FF00050u
#define REG_UART_CLKDIV 0x60000014u
#define SPI_BASE 0x60000200u
#define SPI_CMD (SPI_BASE + 0x00u)
#define SPI_USR (SPI_BASE + 0x1Cu)
#define SPI_USR1 (SPI_BASE + 0x20u)
#define SPI_USR2 (SPI_BASE + 0x24u)
#define SPI_W0 (SPI_BASE + 0x40u)
#define SPI_CMD_USR (1u << 18)
#define SPI_USR_COMMAND (1u << 31)
#define SPI_USR_MISO (1u << 28)
#define FLASH_RDID 0x9Fu

struct magic_row {
	uint32_t magic;
	const char *name;
};

/* ESP32-family chips answer the same register with these values (§7.1) */
static const struct magic_row s_esp32_magics[] = {
	{0x00F01D83u, "ESP32"},    {0x000007C6u, "ESP32-S2"}, {0x00000009u, "ESP32-S3"},
	{0x6921506Fu, "ESP32-C3"}, {0x1B31506Fu, "ESP32-C3"}, {0x4881606Fu, "ESP32-C3"},
	{0x4361606Fu, "ESP32-C3"}, {0x6F51306Fu, "ESP32-C2"}, {0x7C41A06Fu, "ESP32-C2"},
	{0x0C21E06Fu, "ESP32-C2"}, {0x2CE0806Fu, "ESP32-C6"}, {0x7211606Fu, "ESP32-C61"},
	{0x1101406Fu, "ESP32-C5"}, {0x5FD1406Fu, "ESP32-C5"}, {0x63E1406Fu, "ESP32-C5"},
	{0xD7B73E80u, "ESP32-H2"},
};

static enum esp_err read_flash_id(struct esp_session *s, uint32_t *ret)
{
	uint32_t usr, usr2, cmd = SPI_CMD_USR, id;
	enum esp_err e;
	if ((e = esp_read_reg(s, SPI_USR, &usr)) || (e = esp_read_reg(s, SPI_USR2, &usr2)))
		return e;
	/* 24 bits of MISO data, command phase 0x9F with an 8-bit command length */
	if ((e = esp_write_reg(s, SPI_USR1, 23u << 8)) ||
	    (e = esp_write_reg(s, SPI_USR, SPI_USR_COMMAND | SPI_USR_MISO)) ||
	    (e = esp_write_reg(s, SPI_USR2, (7u << 28) | FLASH_RDID)) ||
	    (e = esp_write_reg(s, SPI_W0, 0)) || (e = esp_write_reg(s, SPI_CMD, SPI_CMD_USR)))
		return e;
	for (int i = 0; i < 10 && (cmd & SPI_CMD_USR); i++)
		if ((e = esp_read_reg(s, SPI_CMD, &cmd)))
			return e;
	if (cmd & SPI_CMD_USR)
		return esp_fail(s, ESP_E_DEVICE, "the SPI flash command RDID did not complete: "
				"flash chip not responding (bad solder joint or dead flash)");
	if ((e = esp_read_reg(s, SPI_W0, &id)))
		return e;
	if ((e = esp_write_reg(s, SPI_USR, usr)) || (e = esp_write_reg(s, SPI_USR2, usr2)))
		return e;
	*ret = id & 0xFFFFFFu;
	return ESP_OK;
}

static void decode_mac(const uint32_t w[4], uint8_t mac[6])
{
	uint32_t m0 = w[0], m1 = w[1], m3 = w[3];
	if (m3 != 0) {
		mac[0] = (uint8_t)(m3 >> 16);
		mac[1] = (uint8_t)(m3 >> 8);
		mac[2] = (uint8_t)m3;
	} else if (((m1 >> 16) & 0xFFu) == 0) {
		mac[0] = 0x18, mac[1] = 0xFE, mac[2] = 0x34;
	} else {
		mac[0] = 0xAC, mac[1] = 0xD0, mac[2] = 0x74;
	}
	mac[3] = (uint8_t)(m1 >> 8);
	mac[4] = (uint8_t)m1;
	mac[5] = (uint8_t)(m0 >> 24);
}

/* ESP8285 embedded flash size from eFuse bits (§7.3); 0 if unknown. */
static uint32_t esp8285_flash_size(const uint32_t w[4])
{
	int r0_4 = (w[0] >> 4) & 1, r3_25 = (w[3] >> 25) & 1, r3_26 = (w[3] >> 26) & 1,
	    r3_27 = (w[3] >> 27) & 1;
	if (r0_4 && !r3_25 && !r3_27)
		return r3_26 ? 2u << 20 : 1u << 20;
	if (!r0_4 && r3_25 && !r3_27)
		return r3_26 ? 4u << 20 : 2u << 20;
	return 0;
}

static enum esp_err attach_flash(struct esp_session *s)
{
	if (s->stub)
		return ESP_OK; /* the stub attaches the flash itself at start-up */
	/* ESP8266 ROM: FLASH_BEGIN with nothing to erase attaches the flash */
	uint8_t d[16];
	esp_put_le32(d, 0);
	esp_put_le32(d + 4, 0);
	esp_put_le32(d + 8, ESP_ROM_BLOCK);
	esp_put_le32(d + 12, 0);
	return esp_command(s, ESP_CMD_FLASH_BEGIN, d, sizeof d, 0, 0, ESP_DEFAULT_TIMEOUT_MS, NULL);
}

enum esp_err esp_detect(struct esp_session *s, struct esp_chip_info *ret)
{
	struct esp_chip_info ci;
	memset(&ci, 0, sizeof ci);
	ci.image_chip_id = ESP_IMAGE_CHIP_ID_NONE;
	enum esp_err e = esp_read_reg(s, REG_CHIP_MAGIC, &ci.magic);
	if (e)
		return e;
	if (ci.magic != MAGIC_ESP8266) {
		const char *name = NULL;
		for (size_t i = 0; i < sizeof s_esp32_magics / sizeof s_esp32_magics[0]; i++)
			if (s_esp32_magics[i].magic == ci.magic)
				name = s_esp32_magics[i].name;
		ci.chip = name ? ESP_CHIP_ESP32_FAMILY : ESP_CHIP_UNKNOWN;
		snprintf(ci.name, sizeof ci.name, "%s", name ? name : "unknown");
		*ret = ci;
		if (name)
			return esp_fail(s, ESP_E_CHIP,
					"this is an %s, not an ESP8266/ESP8285: espstation does not "
					"support the ESP32 family yet; use esptool for this unit", name);
		return esp_fail(s, ESP_E_CHIP,
				"unknown chip (magic register 0x%08x): not an ESP8266/ESP8285", ci.magic);
	}
	for (unsigned i = 0; i < 4; i++)
		if ((e = esp_read_reg(s, REG_EFUSE0 + 4 * i, &ci.efuse[i])))
			return e;
	int is_8285 = (ci.efuse[0] >> 4 & 1) || (ci.efuse[2] >> 16 & 1);
	uint32_t embedded = is_8285 ? esp8285_flash_size(ci.efuse) : 0;
	if (is_8285) {
		ci.chip = ESP_CHIP_ESP8285;
		const char *grade = (ci.efuse[0] >> 5 & 1) ? "H" : "N";
		snprintf(ci.name, sizeof ci.name, "ESP8285%s%s", grade,
			 embedded == (2u << 20) ? "16" : embedded == (1u << 20) ? "08" : "");
	} else {
		ci.chip = ESP_CHIP_ESP8266EX;
		snprintf(ci.name, sizeof ci.name, "ESP8266EX");
	}
	snprintf(ci.description, sizeof ci.description, "%s", ci.name);
	decode_mac(ci.efuse, ci.mac);
	uint32_t div;
	if ((e = esp_read_reg(s, REG_UART_CLKDIV, &div)))
		return e;
	/* the ESP8266 APB clock is twice the crystal */
	double mhz = (double)s->baud * (double)(div & 0xFFFFFu) / 1e6 / 2.0;
	/* a TCP serial server hides the line rate: the estimate would be a guess */
	ci.crystal_mhz = !(s->x->caps & XPORT_CAP_BAUD) ? 0u : mhz > 33.0 ? 40u : 26u;
	if ((e = attach_flash(s)) || (e = read_flash_id(s, &ci.flash_id)))
		return e;
	ci.flash_manuf = (uint8_t)ci.flash_id;
	ci.flash_device = (uint16_t)(((ci.flash_id >> 8) & 0xFFu) << 8 | ((ci.flash_id >> 16) & 0xFFu));
	ci.flash_size = esp_flash_size_from_jedec(ci.flash_id);
	if (!ci.flash_size)
		ci.flash_size = embedded;
	if (ci.flash_id == 0xFFFFFFu || ci.flash_id == 0)
		return esp_fail(s, ESP_E_DEVICE,
				"flash chip does not answer (JEDEC id 0x%06x): bad solder joint, "
				"dead flash, or wrong strapping of GPIO15/GPIO2", ci.flash_id);
	s->flash_size = ci.flash_size;
	*ret = ci;
	return ESP_OK;
}

const char *esp_chip_family_name(enum esp_chip chip)
{
	switch (chip) {
	case ESP_CHIP_ESP8266EX:
	case ESP_CHIP_ESP8285: return "esp8266";
	case ESP_CHIP_ESP32: return "esp32";
	case ESP_CHIP_ESP32C3: return "esp32c3";
	case ESP_CHIP_UNKNOWN:
	case ESP_CHIP_ESP32_FAMILY: break;
	}
	return NULL;
}

const char *esp_mac_str(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}
