/* SPDX-License-Identifier: MIT */
/* Erase, the chip's MD5, verification and leaving the loader; through the
 * stub or an ESP32-class ROM. */
#include <stdlib.h>
#include <string.h>

#include "esp_hash.h"
#include "esp_priv.h"

enum esp_err esp_flash_erase_chip(struct esp_session *s, uint32_t flash_size)
{
	enum esp_err e = esp_guard_erase(s);
	if (e || (e = esp_need_flash_access(s, "erase the chip")))
		return e;
	uint32_t size = flash_size ? flash_size : s->flash_size;
	if (!s->stub && !size)
		return esp_fail(s, ESP_E_INVAL, "erasing the chip through the ROM needs its flash "
				"size, and the JEDEC id did not give it: pass the size");
	if ((e = esp_progress(s, ESP_OP_ERASE, 0, size)))
		return e;
	if (s->stub)
		e = esp_command(s, ESP_CMD_ERASE_FLASH, NULL, 0, 0, 0, ESP_CHIP_ERASE_MS, NULL);
	else
		e = esp_rom_erase(s, 0, size); /* the ROM has no chip erase */
	if (e)
		return e;
	return esp_progress(s, ESP_OP_ERASE, size, size);
}

enum esp_err esp_flash_erase_region(struct esp_session *s, uint32_t addr, uint32_t len)
{
	enum esp_err e = esp_guard_erase(s);
	if (e || (e = esp_need_flash_access(s, "erase a region")))
		return e;
	if (addr % ESP_SECTOR || len % ESP_SECTOR)
		return esp_fail(s, ESP_E_INVAL,
				"erase 0x%x+0x%x: offset and length must be multiples of 4096", addr, len);
	if (s->flash_size && (uint64_t)addr + len > s->flash_size)
		return esp_fail(s, ESP_E_TOOBIG, "erase 0x%x+0x%x runs past the %u-byte flash", addr,
				len, s->flash_size);
	if ((e = esp_progress(s, ESP_OP_ERASE, 0, len)))
		return e;
	if (s->stub) {
		uint8_t d[8];
		esp_put_le32(d, addr);
		esp_put_le32(d + 4, len);
		e = esp_command(s, ESP_CMD_ERASE_REGION, d, sizeof d, 0, 0,
				esp_timeout_per_mb(len, ESP_ERASE_MS_PER_MB), NULL);
	} else {
		e = esp_rom_erase(s, addr, len);
	}
	if (e)
		return e;
	return esp_progress(s, ESP_OP_ERASE, len, len);
}

static int map_bit(const uint8_t *map, uint32_t i)
{
	return map[i / 8] >> (i % 8) & 1;
}

enum esp_err esp_flash_erase_map(struct esp_session *s, const uint8_t *map, uint32_t first,
				 uint32_t last, uint64_t *ret_bytes)
{
	uint64_t erased = 0;
	/* refused even when the map is empty: the answer must not depend on it */
	enum esp_err e = esp_guard_erase(s);
	for (uint32_t i = first; i < last && !e;) {
		uint32_t run = 0;
		while (i + run < last && map_bit(map, i + run))
			run++;
		if (run && !(e = esp_flash_erase_region(s, i * ESP_SECTOR, run * ESP_SECTOR)))
			erased += (uint64_t)run * ESP_SECTOR;
		i += run ? run : 1;
	}
	if (ret_bytes)
		*ret_bytes = erased;
	return e;
}

enum esp_err esp_flash_md5(struct esp_session *s, uint32_t addr, uint32_t len,
			   uint8_t ret_md5[16])
{
	enum esp_err e = esp_need_flash_access(s, "compute a flash MD5");
	if (e)
		return e;
	uint8_t d[16];
	esp_put_le32(d, addr);
	esp_put_le32(d + 4, len);
	esp_put_le32(d + 8, 0);
	esp_put_le32(d + 12, 0);
	struct esp_resp r;
	/* stubs send the 16 bytes, ESP32-class ROMs 32 hex characters */
	size_t want = s->stub ? ESP_MD5_LEN : ESP_ROM_MD5_LEN;
	e = esp_command(s, ESP_CMD_SPI_FLASH_MD5, d, sizeof d, 0, want,
			esp_timeout_per_mb(len, ESP_MD5_MS_PER_MB), &r);
	if (e)
		return e;
	if (!s->stub) {
		if (esp_rom_md5_parse(r.data, r.data_len, ret_md5) != 0)
			return esp_fail(s, ESP_E_PROTO, "the ROM's SPI_FLASH_MD5 reply is not 32 hex "
					"characters (noise on the line?)");
		return ESP_OK;
	}
	if (r.data_len != ESP_MD5_LEN)
		return esp_fail(s, ESP_E_PROTO, "SPI_FLASH_MD5 reply carries %zu bytes, expected 16",
				r.data_len);
	memcpy(ret_md5, r.data, ESP_MD5_LEN);
	return ESP_OK;
}

enum esp_err esp_flash_verify(struct esp_session *s, uint32_t addr, const uint8_t *data,
			      uint32_t len)
{
	enum esp_err e = esp_progress(s, ESP_OP_VERIFY, 0, len);
	uint8_t chip[16], host[16];
	if (e || (e = esp_flash_md5(s, addr, len, chip)))
		return e;
	esp_md5(data, len, host);
	if (memcmp(chip, host, 16) == 0)
		return esp_progress(s, ESP_OP_VERIFY, len, len);
	/* tell an empty region apart from a corrupted one */
	uint8_t *ff = malloc(len);
	uint8_t empty[16] = {0};
	if (ff) {
		memset(ff, 0xFF, len);
		esp_md5(ff, len, empty);
		free(ff);
	}
	char h[33], c[33];
	e = esp_fail(s, ESP_E_VERIFY,
		     "verify failed at 0x%06x+0x%x: flash MD5 %s, image MD5 %s%s", addr, len,
		     esp_hex(chip, 16, c), esp_hex(host, 16, h),
		     ff && memcmp(chip, empty, 16) == 0 ? " (the region is empty: the write did not happen)"
							: " (the flash does not hold what was written: reject the unit)");
	s->err.offset = addr;
	return e;
}

enum esp_err esp_hard_reset(struct esp_session *s)
{
	if (s->x->caps & XPORT_CAP_LINES) {
		struct esp_reset_seq seq;
		esp_reset_seq_hard(&seq);
		return esp_reset_run(s->x, &seq);
	}
	int esp32_class = s->chip == ESP_CHIP_ESP32 || s->chip == ESP_CHIP_ESP32C3 ||
			  s->chip == ESP_CHIP_ESP32_FAMILY || s->loader == ESP_LOADER_ROM32;
	if (esp32_class)
		return esp_fail(s, ESP_E_UNSUPPORTED, "%s has no DTR/RTS and an ESP32-class loader "
				"cannot start the firmware: power-cycle the unit", s->x->name);
	if (s->stub) {
		/* legacy stub: returns into the ROM boot path; no reply is sent */
		enum esp_err e = esp_send_cmd(s, ESP_CMD_RUN_USER_CODE, NULL, 0, 0);
		if (e)
			return e;
	}
	return esp_fail(s, ESP_E_UNSUPPORTED,
			"%s has no DTR/RTS: power-cycle the unit to run its firmware", s->x->name);
}
