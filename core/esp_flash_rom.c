/* SPDX-License-Identifier: MIT */
/* Flash access through an ESP32-class ROM when no stub may run (e.g. an
 * ESP32-C3 with secure boot): READ_FLASH_SLOW, 64 bytes a command, proven
 * by the ROM's MD5; erase through FLASH_BEGIN, which erases up front
 * (esp-serial-protocol.md §11.2, §12.1; esp32-family.md §4). */
#include <string.h>

#include "esp_hash.h"
#include "esp_priv.h"

/* The ROM answers a 64-byte read at once: a reply missing for this long was
 * lost on the wire, and asking again is cheaper than failing the chunk.  A
 * refusal is asked again too: requests carry no checksum, and a damaged
 * offset reads as a flash read error; a real one persists. */
#define READ_SLOW_TIMEOUT_MS 500u
#define READ_SLOW_ATTEMPTS 3
#define ROM_SECTOR_REREADS 3

static enum esp_err read_slow(struct esp_session *s, uint32_t addr, uint32_t k,
			      struct esp_resp *r)
{
	uint8_t d[8];
	esp_put_le32(d, addr);
	esp_put_le32(d + 4, k);
	enum esp_err e = ESP_E_TIMEOUT;
	for (int attempt = 0; attempt < READ_SLOW_ATTEMPTS; attempt++) {
		/* the reply always carries 64 bytes; the first k are ours */
		e = esp_command(s, ESP_CMD_READ_FLASH_SLOW, d, sizeof d, 0, ESP_ROM_READ_BLOCK,
				READ_SLOW_TIMEOUT_MS, r);
		if (e != ESP_E_TIMEOUT && e != ESP_E_PROTO && e != ESP_E_DEVICE)
			return e;
		esp_flush_rx(s);
	}
	return e;
}

/* READ_FLASH_SLOW of [addr, addr+n) into buf, 64 bytes a command. */
static enum esp_err read_range(struct esp_session *s, uint32_t addr, uint32_t n, uint8_t *buf,
			       uint64_t done, uint64_t total)
{
	for (uint32_t off = 0; off < n; off += ESP_ROM_READ_BLOCK) {
		uint32_t k = n - off < ESP_ROM_READ_BLOCK ? n - off : ESP_ROM_READ_BLOCK;
		struct esp_resp r;
		enum esp_err e = read_slow(s, addr + off, k, &r);
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
	return ESP_OK;
}

/* 1 if the ROM's MD5 of [addr, addr+n) equals that of data. */
static enum esp_err same_md5(struct esp_session *s, uint32_t addr, uint32_t n,
			     const uint8_t *data, int *ret, uint8_t chip[16], uint8_t host[16])
{
	enum esp_err e = esp_flash_md5(s, addr, n, chip);
	if (e)
		return e;
	esp_md5(data, n, host);
	*ret = memcmp(chip, host, 16) == 0;
	return ESP_OK;
}

enum esp_err esp_rom_read(struct esp_session *s, uint32_t addr, uint32_t n, uint8_t *buf,
			  uint64_t done, uint64_t total)
{
	uint8_t chip[16], host[16];
	int ok;
	enum esp_err e = read_range(s, addr, n, buf, done, total);
	/* the ROM's replies carry no digest: its MD5 of the range stands in */
	if (e || (e = same_md5(s, addr, n, buf, &ok, chip, host)) || ok)
		return e;
	/* a damaged reply spoils only its sector: the ROM's MD5 per sector is
	 * cheap, a 64-byte re-read of the whole range is not */
	for (uint32_t off = 0; off < n; off += ESP_SECTOR) {
		uint32_t k = n - off < ESP_SECTOR ? n - off : ESP_SECTOR;
		for (int attempt = 0;; attempt++) {
			if ((e = same_md5(s, addr + off, k, buf + off, &ok, chip, host)))
				return e;
			if (ok)
				break;
			if (attempt == ROM_SECTOR_REREADS) {
				char h[33], c[33];
				e = esp_fail(s, ESP_E_READ, "corrupt ROM read at 0x%06x+0x%x: data MD5 %s "
					     "but the chip's is %s (unstable 3.3 V supply or line "
					     "noise)", addr + off, k, esp_hex(host, 16, h),
					     esp_hex(chip, 16, c));
				s->err.offset = addr + off;
				return e;
			}
			esp_log(s, ESP_LOG_WARNING, "ROM read of 0x%06x+0x%x arrived damaged; "
				"reading it again", addr + off, k);
			if ((e = read_range(s, addr + off, k, buf + off, done + off, total)))
				return e;
		}
	}
	return ESP_OK;
}

enum esp_err esp_rom_erase(struct esp_session *s, uint32_t addr, uint32_t len)
{
	/* ESP32-class ROMs erase exactly erase_size from the offset (no ESP8266
	 * erase-size bug); no data follows, the next BEGIN ends the write */
	uint32_t blocks = (len + ESP_ROM_BLOCK - 1) / ESP_ROM_BLOCK;
	return esp_begin(s, ESP_CMD_FLASH_BEGIN, len, blocks, ESP_ROM_BLOCK, addr,
			 esp_timeout_per_mb(len, ESP_ERASE_MS_PER_MB));
}
