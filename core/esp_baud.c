/* SPDX-License-Identifier: MIT */
/* CHANGE_BAUDRATE on the stub (new, current) and on ESP32-class ROMs (new, 0),
 * with the ESP32 ROM's clock correction (esp-serial-protocol.md §9;
 * esp32-family.md §4, §9). */
#include "esp_priv.h"

#define BAUD_SETTLE_MS 50u    /* esptool waits this long before flushing */
#define ESP32_ROM_MHZ_SPLIT 33000000u

/* The ESP32 ROM derives its divider from an internal 8 MHz estimate of the
 * crystal: scale the rate by that estimate over the real crystal, as esptool
 * does (RTCCALICFG1 bits 7-31 and eFuse CK8M). */
static enum esp_err esp32_rom_rate(struct esp_session *s, unsigned baud, uint32_t *ret)
{
	uint32_t cal;
	enum esp_err e = esp_read_reg(s, ESP32_RTCCALICFG1, &cal);
	if (e)
		return e;
	uint64_t rom_hz = (uint64_t)(cal >> 7) * 15625u * s->ck8m / 40u;
	if (!rom_hz) {
		esp_log(s, ESP_LOG_WARNING, "the ESP32 ROM's clock estimate reads 0 (CK8M %u, "
			"calibration 0x%08x): asking for %u baud uncorrected", s->ck8m, cal, baud);
		*ret = baud;
		return ESP_OK;
	}
	uint64_t xtal_hz = rom_hz > ESP32_ROM_MHZ_SPLIT ? 40000000u : 26000000u;
	*ret = (uint32_t)(((uint64_t)baud * rom_hz + xtal_hz / 2) / xtal_hz);
	return ESP_OK;
}

enum esp_err esp_change_baud(struct esp_session *s, unsigned baud)
{
	uint32_t rate = baud, old_word = 0;
	enum esp_err e;
	if (s->stub) {
		old_word = s->baud; /* the legacy stub derives the new divider from the old rate */
	} else if (!esp_rom32(s)) {
		return esp_fail(s, ESP_E_UNSUPPORTED,
				"the ESP8266 ROM cannot change its baud rate: start the stub first");
	} else if (s->chip == ESP_CHIP_UNKNOWN) {
		return esp_fail(s, ESP_E_INVAL, "esp_change_baud on an ESP32-class ROM before "
				"esp_detect: the ESP32 ROM needs a per-chip correction");
	} else if (s->chip == ESP_CHIP_ESP32 && (e = esp32_rom_rate(s, baud, &rate))) {
		return e;
	}
	uint8_t d[8];
	esp_put_le32(d, rate);
	esp_put_le32(d + 4, old_word);
	e = esp_command(s, ESP_CMD_CHANGE_BAUDRATE, d, sizeof d, 0, 0, ESP_DEFAULT_TIMEOUT_MS, NULL);
	if (e)
		return e;
	unsigned old = s->baud;
	if ((e = xport_set_baud(s->x, baud)))
		return e;
	s->baud = baud;
	esp_sleep_ms(BAUD_SETTLE_MS);
	esp_flush_rx(s);
	/* prove the link works at the new rate before trusting it with data: any
	 * reply will do (a refusal too, as in Secure Download Mode) */
	uint32_t magic;
	e = esp_read_reg(s, ESP_REG_CHIP_MAGIC, &magic);
	if (e == ESP_E_NODEV)
		return e;
	if (e && e != ESP_E_DEVICE)
		return esp_fail(s, ESP_E_TIMEOUT,
				"no reply after switching from %u to %u baud: the adapter or cable "
				"cannot carry that rate; retry with a lower --baud (460800 is safe)",
				old, baud);
	esp_log(s, ESP_LOG_INFO, "baud rate now %u (%s)", baud, s->stub ? "stub" : "ROM");
	return ESP_OK;
}
