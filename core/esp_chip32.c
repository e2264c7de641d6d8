/* SPDX-License-Identifier: MIT */
/* ESP32 and ESP32-C3 detection: security state first, then name, revision,
 * MAC, crystal, and the flash (SPI_ATTACH, JEDEC id, SPI_SET_PARAMS with the
 * real size) - esp32-family.md §1-§3, §6. */
#include <stdio.h>
#include <string.h>

#include "esp_priv.h"

/* The ROM's SPI_ATTACH value: eFuse pads HD<<24 | CS<<18 | D<<12 | Q<<6 | CLK,
 * raw as esptool packs them; all zero (default pins) on D0WD modules. */
static uint32_t esp32_spi_pads(const uint32_t w[ESP32_EFUSE_WORDS])
{
	uint32_t clk = w[5] & 0x1Fu, q = (w[5] >> 5) & 0x1Fu, d = (w[5] >> 10) & 0x1Fu;
	uint32_t cs = (w[5] >> 15) & 0x1Fu, hd = (w[3] >> 4) & 0x1Fu;
	return hd << 24 | cs << 18 | d << 12 | q << 6 | clk;
}

/* Attach, RDID, and tell the ROM (or stub) the real flash size. */
static enum esp_err detect_flash(struct esp_session *s, struct esp_chip_info *ci,
				 const char *suspects)
{
	const struct esp_chip_def *def = esp_chip_def_of(ci->chip);
	uint32_t id;
	enum esp_err e = esp_spi_attach_for_detect(s);
	if (e || (e = esp_spi_rdid(s, def, &id)))
		return e;
	esp_set_flash_id(ci, id);
	if (id == 0xFFFFFFu || id == 0)
		return esp_fail(s, ESP_E_DEVICE, "flash chip does not answer (JEDEC id 0x%06x): %s",
				id, suspects);
	s->flash_size = ci->flash_size;
	s->spi_params_set = 0;
	return esp_spi_set_params(s);
}

static enum esp_err read_words(struct esp_session *s, uint32_t base, uint32_t *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		enum esp_err e = esp_read_reg(s, base + 4 * i, &w[i]);
		if (e)
			return e;
	}
	return ESP_OK;
}

enum esp_err esp_detect_esp32(struct esp_session *s, struct esp_chip_info *ci)
{
	ci->chip = s->chip = ESP_CHIP_ESP32;
	ci->image_chip_id = ESP_CHIP_ID_ESP32;
	snprintf(ci->name, sizeof ci->name, "ESP32");
	snprintf(ci->description, sizeof ci->description, "ESP32");
	uint32_t w[ESP32_EFUSE_WORDS], apb;
	enum esp_err e = read_words(s, ESP32_EFUSE_BLK0, w, ESP32_EFUSE_WORDS);
	if (e || (e = esp_read_reg(s, ESP32_APB_CTL_DATE, &apb)))
		return e;
	esp32_describe(w, apb, ci);
	esp32_security_decode(w, ci->rev_major, &ci->security);
	s->sec = ci->security;
	s->ck8m = w[4] & 0xFFu;
	s->spi_attach = esp32_spi_pads(w);
	uint8_t stored, calc;
	if (!esp32_mac_decode(w[1], w[2], ci->mac, &stored, &calc)) {
		/* READ_REG replies carry no checksum: rule out a flipped bit first */
		if ((e = read_words(s, ESP32_EFUSE_BLK0 + 4, w + 1, 2)))
			return e;
		if (!esp32_mac_decode(w[1], w[2], ci->mac, &stored, &calc)) {
			char m[18];
			return esp_fail(s, ESP_E_DEVICE,
					"the ESP32's factory MAC %s fails its eFuse CRC (stored 0x%02x, "
					"computed 0x%02x): eFuse BLOCK0 is damaged, the unit's identity "
					"cannot be trusted; set it aside", esp_mac_str(ci->mac, m), stored,
					calc);
		}
	}
	uint32_t div;
	if ((e = esp_read_reg(s, ESP32_UART_CLKDIV, &div)))
		return e;
	ci->crystal_mhz = esp_crystal_mhz(s, div, 1);
	return detect_flash(s, ci, "bad solder joint, dead flash, or GPIO12 (MTDI) pulled high "
			    "at reset (1.8 V flash voltage)");
}

enum esp_err esp_detect_esp32c3(struct esp_session *s, const struct esp_security_info *si,
				struct esp_chip_info *ci)
{
	ci->chip = s->chip = ESP_CHIP_ESP32C3;
	ci->image_chip_id = ESP_CHIP_ID_ESP32C3;
	ci->crystal_mhz = 40; /* the C3 only runs from a 40 MHz crystal; esptool reads nothing */
	snprintf(ci->name, sizeof ci->name, "ESP32-C3");
	snprintf(ci->description, sizeof ci->description, "ESP32-C3");
	s->spi_attach = 0;
	if (si)
		esp32c3_security_from_info(si, &ci->security);
	s->sec = ci->security;
	if (ci->security.secure_download)
		/* READ_REG, READ_FLASH_SLOW, MD5 and the stub are all refused now */
		return esp_fail(s, ESP_E_SECURITY, "the ESP32-C3 is in Secure Download Mode: its "
				"flash cannot be read, so it cannot be backed up or checked; set the "
				"unit aside");
	uint32_t sw[4];
	enum esp_err e = read_words(s, ESP32C3_EFUSE_BLK0_W1, sw, 4);
	if (e)
		return e;
	struct esp_security fuses;
	esp32c3_security_from_efuse(sw[0], sw[1], sw[2], sw[3], &fuses);
	esp_security_merge(&ci->security, &fuses);
	s->sec = ci->security;
	uint32_t mac[2], w3, w5;
	if ((e = read_words(s, ESP32C3_EFUSE_MAC0, mac, 2)) ||
	    (e = esp_read_reg(s, ESP32C3_EFUSE_BLK1_W3, &w3)) ||
	    (e = esp_read_reg(s, ESP32C3_EFUSE_BLK1_W5, &w5)))
		return e;
	esp32c3_mac_decode(mac[0], mac[1], ci->mac);
	esp32c3_describe(w3, w5, ci);
	return detect_flash(s, ci, "bad solder joint or dead flash");
}
