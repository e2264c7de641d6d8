/* SPDX-License-Identifier: MIT */
/* Flash access through an ESP32-class ROM when no stub may run (e.g. an
 * ESP32-C3 with secure boot): READ_FLASH_SLOW, 64 bytes a command, proven
 * by the ROM's MD5; erase through FLASH_BEGIN, which erases up front
 * (esp-serial-protocol.md §11.2, §12.1; esp32-family.md §4). */
#include <string.h>

#include "esp_hash.h"
#include "esp_priv.h"

enum esp_err esp_rom_read(struct esp_session *s, uint32_t addr, uint32_t n, uint8_t *buf,
			  uint64_t done, uint64_t total)
{
	enum esp_err e;
	for (uint32_t off = 0; off < n; off += ESP_ROM_READ_BLOCK) {
		uint32_t k = n - off < ESP_ROM_READ_BLOCK ? n - off : ESP_ROM_READ_BLOCK;
		uint8_t d[8];
		esp_put_le32(d, addr + off);
		esp_put_le32(d + 4, k);
		struct esp_resp r;
		/* the reply always carries 64 bytes; the first k are ours */
		e = esp_command(s, ESP_CMD_READ_FLASH_SLOW, d, sizeof d, 0, ESP_ROM_READ_BLOCK,
				ESP_DEFAULT_TIMEOUT_MS, &r);
		if (e)
			return e;
		if (r.data_len != ESP_ROM_READ_BLOCK)
			return esp_fail(s, ESP_E_LOST, "READ_FLASH_SLOW at 0x%06x returned %zu bytes, "
					"expected 64 (bytes lost on the serial link)", addr + off,
					r.data_len);
		memcpy(buf + off, r.data, k);
		if ((e = esp_progress(s, ESP_OP_READ, done + off + k, total)))
			return e;
	}
	/* the ROM's replies carry no digest: its MD5 of the range stands in */
	uint8_t chip[16], host[16];
	if ((e = esp_flash_md5(s, addr, n, chip)))
		return e;
	esp_md5(buf, n, host);
	if (memcmp(chip, host, 16) == 0)
		return ESP_OK;
	char h[33], c[33];
	e = esp_fail(s, ESP_E_READ, "corrupt ROM read at 0x%06x+0x%x: data MD5 %s but the chip's "
		     "is %s (unstable 3.3 V supply or line noise)", addr, n, esp_hex(host, 16, h),
		     esp_hex(chip, 16, c));
	s->err.offset = addr;
	return e;
}

enum esp_err esp_rom_erase(struct esp_session *s, uint32_t addr, uint32_t len)
{
	/* ESP32-class ROMs erase exactly erase_size from the offset (no ESP8266
	 * erase-size bug); no data follows, the next BEGIN ends the write */
	uint32_t blocks = (len + ESP_ROM_BLOCK - 1) / ESP_ROM_BLOCK;
	return esp_begin(s, ESP_CMD_FLASH_BEGIN, len, blocks, ESP_ROM_BLOCK, addr,
			 esp_timeout_per_mb(len, ESP_ERASE_MS_PER_MB));
}
