/* SPDX-License-Identifier: MIT */
/* Per-chip facts the client needs: SPI1 register layout, UART divider,
 * where a stub for the chip loads, FLASH_BEGIN payload lengths
 * (esp-serial-protocol.md §7, §10.1; esp32-family.md §3.3, §4). */
#include "esp_priv.h"

static const struct esp_chip_def s_defs[] = {
	{
		.chip = ESP_CHIP_ESP8266EX,
		.spi_base = 0x60000200u, .spi_usr = 0x1C, .spi_usr1 = 0x20, .spi_usr2 = 0x24,
		.spi_w0 = 0x40, .spi_miso_dlen = 0,
		.uart_clkdiv = 0x60000014u, .apb_per_xtal = 2,
		.stub_lo = 0x40100000u, .stub_hi = 0x40110000u, /* IRAM */
		.rom_begin_len = 16, .stub_begin_len = 16,
	},
	{
		.chip = ESP_CHIP_ESP32,
		.spi_base = 0x3FF42000u, .spi_usr = 0x1C, .spi_usr1 = 0x20, .spi_usr2 = 0x24,
		.spi_w0 = 0x80, .spi_miso_dlen = 0x2C,
		.uart_clkdiv = ESP32_UART_CLKDIV, .apb_per_xtal = 1,
		.stub_lo = 0x40070000u, .stub_hi = 0x400C0000u, /* IRAM0 */
		/* the ESP32 ROM takes no encryption word; esptool sends it to stubs */
		.rom_begin_len = 16, .stub_begin_len = 20,
	},
	{
		.chip = ESP_CHIP_ESP32C3,
		.spi_base = 0x60002000u, .spi_usr = 0x18, .spi_usr1 = 0x1C, .spi_usr2 = 0x20,
		.spi_w0 = 0x58, .spi_miso_dlen = 0x28,
		.uart_clkdiv = 0, .apb_per_xtal = 1, /* the crystal is always 40 MHz */
		.stub_lo = 0x4037C000u, .stub_hi = 0x403E0000u, /* IRAM */
		.rom_begin_len = 20, .stub_begin_len = 20,
	},
};

const struct esp_chip_def *esp_chip_def_of(enum esp_chip chip)
{
	if (chip == ESP_CHIP_ESP8285)
		chip = ESP_CHIP_ESP8266EX;
	for (size_t i = 0; i < sizeof s_defs / sizeof s_defs[0]; i++)
		if (s_defs[i].chip == chip)
			return &s_defs[i];
	return NULL;
}

int esp_rom32(const struct esp_session *s)
{
	return !s->stub && s->loader == ESP_LOADER_ROM32;
}

size_t esp_begin_len(const struct esp_session *s)
{
	const struct esp_chip_def *d = esp_chip_def_of(s->chip);
	if (!d)
		return 16;
	return s->stub ? d->stub_begin_len : d->rom_begin_len;
}

const char *esp_loader_name(const struct esp_session *s)
{
	if (s->stub)
		return "the flasher stub";
	switch (s->chip) {
	case ESP_CHIP_ESP32: return "the ESP32 ROM";
	case ESP_CHIP_ESP32C3: return "the ESP32-C3 ROM";
	case ESP_CHIP_ESP8266EX:
	case ESP_CHIP_ESP8285: return "the ESP8266 ROM";
	case ESP_CHIP_UNKNOWN:
	case ESP_CHIP_ESP32_FAMILY: break;
	}
	return s->loader == ESP_LOADER_ROM32 ? "the ESP32-class ROM" : "the ESP8266 ROM";
}
