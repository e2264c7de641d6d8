/* SPDX-License-Identifier: MIT */
/* Chip identification as esptool v5 does it: GET_SECURITY_INFO first (its
 * chip id names the ESP32-C3), then the magic word at 0x40001000 (ESP8266,
 * ESP32); the ESP8266's eFuse, crystal and SPI flash id
 * (esp32-family.md §1.1; esp-serial-protocol.md §7, §10). */
#include <stdio.h>
#include <string.h>

#include "esp_priv.h"

#define REG_EFUSE0 0x3FF00050u
/* esptool's pause after an "unsupported" reply: the ROM repeats it 8 times */
#define UNSUPPORTED_DRAIN_MS 200u
#define ROM_INVALID_MESSAGE 0x05

/* GET_SECURITY_INFO.  *ret_have = 1 with a payload (20 bytes, or 12 on an
 * ESP32-S2); 0 when the loader does not know the command (ESP8266 and
 * ESP32 ROMs, their stubs) or does not answer.  Only link failures are
 * returned as errors. */
static enum esp_err get_security_info(struct esp_session *s, struct esp_security_info *si,
				      int *ret_have)
{
	*ret_have = 0;
	enum esp_err e = esp_send_cmd(s, ESP_CMD_GET_SECURITY_INFO, NULL, 0, 0);
	if (e)
		return e;
	uint64_t deadline = esp_now_ms() + ESP_DEFAULT_TIMEOUT_MS;
	for (int frames = 0; frames < 100; frames++) {
		const uint8_t *f;
		size_t len;
		e = esp_recv_frame(s, deadline, &f, &len);
		if (e == ESP_E_TIMEOUT) {
			esp_log(s, ESP_LOG_DEBUG, "no reply to GET_SECURITY_INFO");
			esp_flush_rx(s);
			return ESP_OK;
		}
		if (e)
			return e;
		if (len < ESP_HDR_LEN + 2 || f[0] != 0x01 || esp_get_le16(f + 2) != len - ESP_HDR_LEN)
			continue;
		const uint8_t *d = f + ESP_HDR_LEN;
		size_t size = len - ESP_HDR_LEN;
		if (f[1] != ESP_CMD_GET_SECURITY_INFO) {
			/* a ROM that lacks the opcode may answer "invalid message"
			 * under another opcode, 8 times (esptool's UnsupportedCommandError) */
			if (d[0] != 0 && d[1] == ROM_INVALID_MESSAGE) {
				esp_sleep_ms(UNSUPPORTED_DRAIN_MS);
				esp_flush_rx(s);
				return ESP_OK;
			}
			continue; /* a stale SYNC reply */
		}
		/* the payload, then 2 (stub) or 4 (ROM) status bytes whose first
		 * byte is 0 on success in both layouts */
		size_t n = size == 24 || size == 22 ? 20u : size == 16 || size == 14 ? 12u : 0u;
		if (n && d[n] == 0 && esp_security_info_parse(d, n, si) == 0)
			*ret_have = 1;
		else
			esp_log(s, ESP_LOG_DEBUG, "GET_SECURITY_INFO not supported by this loader");
		return ESP_OK;
	}
	return ESP_OK;
}

/* READ_REG of the magic word; esptool reconnects once when it fails, since a
 * ROM may have lost the link over the unknown GET_SECURITY_INFO. */
static enum esp_err read_magic(struct esp_session *s, uint32_t *ret)
{
	enum esp_err e = esp_read_reg(s, ESP_REG_CHIP_MAGIC, ret);
	if (e != ESP_E_TIMEOUT && e != ESP_E_PROTO)
		return e;
	esp_log(s, ESP_LOG_INFO, "no answer to READ_REG: synchronising again");
	if ((e = esp_sync_again(s)))
		return e;
	return esp_read_reg(s, ESP_REG_CHIP_MAGIC, ret);
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

static enum esp_err attach_flash_esp8266(struct esp_session *s)
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

static enum esp_err detect_esp8266(struct esp_session *s, struct esp_chip_info *ci)
{
	enum esp_err e;
	for (unsigned i = 0; i < 4; i++)
		if ((e = esp_read_reg(s, REG_EFUSE0 + 4 * i, &ci->efuse[i])))
			return e;
	int is_8285 = (ci->efuse[0] >> 4 & 1) || (ci->efuse[2] >> 16 & 1);
	uint32_t embedded = is_8285 ? esp8285_flash_size(ci->efuse) : 0;
	if (is_8285) {
		ci->chip = ESP_CHIP_ESP8285;
		const char *grade = (ci->efuse[0] >> 5 & 1) ? "H" : "N";
		snprintf(ci->name, sizeof ci->name, "ESP8285%s%s", grade,
			 embedded == (2u << 20) ? "16" : embedded == (1u << 20) ? "08" : "");
	} else {
		ci->chip = ESP_CHIP_ESP8266EX;
		snprintf(ci->name, sizeof ci->name, "ESP8266EX");
	}
	snprintf(ci->description, sizeof ci->description, "%s", ci->name);
	s->chip = ci->chip;
	decode_mac(ci->efuse, ci->mac);
	const struct esp_chip_def *def = esp_chip_def_of(ci->chip);
	uint32_t div;
	if ((e = esp_read_reg(s, def->uart_clkdiv, &div)))
		return e;
	ci->crystal_mhz = esp_crystal_mhz(s, div, def->apb_per_xtal);
	if ((e = attach_flash_esp8266(s)) || (e = esp_spi_rdid(s, def, &ci->flash_id)))
		return e;
	esp_set_flash_id(ci, ci->flash_id);
	if (!ci->flash_size)
		ci->flash_size = embedded;
	if (ci->flash_id == 0xFFFFFFu || ci->flash_id == 0)
		return esp_fail(s, ESP_E_DEVICE,
				"flash chip does not answer (JEDEC id 0x%06x): bad solder joint, "
				"dead flash, or wrong strapping of GPIO15/GPIO2", ci->flash_id);
	s->flash_size = ci->flash_size;
	return ESP_OK;
}

static enum esp_err refuse(struct esp_session *s, struct esp_chip_info *ci, const char *name,
			   const char *what, uint32_t value)
{
	ci->chip = name ? ESP_CHIP_ESP32_FAMILY : ESP_CHIP_UNKNOWN;
	snprintf(ci->name, sizeof ci->name, "%s", name ? name : "unknown");
	snprintf(ci->description, sizeof ci->description, "%s", ci->name);
	if (name)
		return esp_fail(s, ESP_E_CHIP,
				"this is an %s, not an ESP8266, ESP32 or ESP32-C3: espstation does "
				"not support it; use esptool for this unit", name);
	return esp_fail(s, ESP_E_CHIP, "unknown chip (%s 0x%08x): not an ESP8266, ESP32 or "
			"ESP32-C3; use esptool to identify it", what, value);
}

enum esp_err esp_detect(struct esp_session *s, struct esp_chip_info *ret)
{
	struct esp_chip_info ci;
	memset(&ci, 0, sizeof ci);
	ci.image_chip_id = ESP_IMAGE_CHIP_ID_NONE;
	s->chip = ESP_CHIP_UNKNOWN;
	memset(&s->sec, 0, sizeof s->sec);
	s->flash_size = 0;
	struct esp_security_info si;
	int have_si;
	enum esp_err e = get_security_info(s, &si, &have_si);
	if (e)
		return e;
	/* chip id 0 would be an ESP32, which esptool names by its magic word */
	if (have_si && si.has_chip_id && si.chip_id != ESP_CHIP_ID_ESP32) {
		if (si.chip_id == ESP_CHIP_ID_ESP32C3)
			e = esp_detect_esp32c3(s, &si, &ci);
		else
			e = refuse(s, &ci, esp_chip_id_name(si.chip_id), "chip id", si.chip_id);
		*ret = ci;
		return e;
	}
	e = read_magic(s, &ci.magic);
	if (e == ESP_E_DEVICE) {
		/* only an ESP32-S2 in Secure Download Mode refuses READ_REG here */
		e = refuse(s, &ci, "ESP32-S2", NULL, 0);
		esp_fail(s, e, "the chip refuses READ_REG: an ESP32-S2 in Secure Download Mode, "
			 "which espstation does not support; set the unit aside");
	} else if (e) {
		return e;
	} else if (ci.magic == ESP_MAGIC_ESP8266) {
		e = detect_esp8266(s, &ci);
	} else if (ci.magic == ESP_MAGIC_ESP32) {
		e = esp_detect_esp32(s, &ci);
	} else if (esp_magic_is_esp32c3(ci.magic)) {
		/* a C3 ROM that did not answer GET_SECURITY_INFO (older esptool's path) */
		e = esp_detect_esp32c3(s, NULL, &ci);
	} else {
		e = refuse(s, &ci, esp_magic_name(ci.magic), "magic register", ci.magic);
	}
	*ret = ci;
	return e;
}

unsigned esp_crystal_mhz(const struct esp_session *s, uint32_t clkdiv, unsigned apb_per_xtal)
{
	/* a TCP serial server hides the line rate: the estimate would be a guess */
	if (!(s->x->caps & XPORT_CAP_BAUD))
		return 0;
	double mhz = (double)s->baud * (double)(clkdiv & 0xFFFFFu) / 1e6 / apb_per_xtal;
	return mhz > 33.0 ? 40u : 26u;
}

void esp_set_flash_id(struct esp_chip_info *ci, uint32_t flash_id)
{
	ci->flash_id = flash_id;
	ci->flash_manuf = (uint8_t)flash_id;
	ci->flash_device = (uint16_t)(((flash_id >> 8) & 0xFFu) << 8 | ((flash_id >> 16) & 0xFFu));
	ci->flash_size = esp_flash_size_from_jedec(flash_id);
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
