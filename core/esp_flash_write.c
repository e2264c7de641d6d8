/* SPDX-License-Identifier: MIT */
/* Writing flash: zlib-compressed (default) or uncompressed, through the stub
 * or an ESP32-class ROM; through the ESP8266 ROM alone uncompressed with its
 * erase-size workaround (esp-serial-protocol.md §12.2, §14). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "esp_priv.h"

#define ROM_WRITE_ATTEMPTS 3

/* esptool's ESP8266ROM.get_erase_size: the ROM erases too much, so ask for
 * less (§12.2). */
static uint32_t rom_erase_size(uint32_t offset, uint32_t size)
{
	uint32_t n = (size + ESP_SECTOR - 1) / ESP_SECTOR;
	uint32_t s = offset / ESP_SECTOR;
	uint32_t head = 16 - s % 16;
	if (head > n)
		head = n;
	uint32_t sent = n < 2 * head ? (n + 1) / 2 : n - head;
	return sent * ESP_SECTOR;
}

enum esp_err esp_begin(struct esp_session *s, uint8_t op, uint32_t size_word, uint32_t blocks,
		       uint32_t block_size, uint32_t addr, unsigned timeout_ms)
{
	uint8_t d[20];
	esp_put_le32(d, size_word);
	esp_put_le32(d + 4, blocks);
	esp_put_le32(d + 8, block_size);
	esp_put_le32(d + 12, addr);
	esp_put_le32(d + 16, 0); /* not encrypted: only sent where the loader takes it */
	return esp_command(s, op, d, esp_begin_len(s), 0, 0, timeout_ms, NULL);
}

static enum esp_err data_block(struct esp_session *s, uint8_t op, const uint8_t *blk, size_t n,
			       uint32_t seq, unsigned timeout_ms)
{
	uint8_t *payload = malloc(16 + n);
	if (!payload)
		return esp_fail(s, ESP_E_NOMEM, "out of memory");
	uint32_t ck = esp_build_data_block(blk, n, seq, payload);
	enum esp_err e = esp_command(s, op, payload, 16 + n, ck, 0, timeout_ms, NULL);
	free(payload);
	return e;
}

static enum esp_err finish(struct esp_session *s, uint8_t op, unsigned timeout_ms)
{
	uint8_t d[4];
	esp_put_le32(d, 1); /* stay in the loader */
	return esp_command(s, op, d, sizeof d, 0, 0, timeout_ms, NULL);
}

/* How many bytes each compressed block inflates to on the stub, found by
 * inflating the stream block by block as the stub will (esptool does the
 * same).  A block of a mostly erased image can expand to megabytes of
 * erase and programming work: timeouts follow this, not an average. */
static int block_expansion(const uint8_t *z, size_t clen, uint32_t block, uint32_t blocks,
			   uint32_t *ret)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit(&zs) != Z_OK)
		return -1;
	uint8_t sink[16384];
	int rc = 0;
	for (uint32_t b = 0; b < blocks && rc == 0; b++) {
		size_t off = (size_t)b * block;
		zs.next_in = (Bytef *)(uintptr_t)(z + off);
		zs.avail_in = (uInt)(clen - off < block ? clen - off : block);
		uLong before = zs.total_out;
		int zr = Z_OK;
		while (zs.avail_in > 0 && zr == Z_OK) {
			zs.next_out = sink;
			zs.avail_out = sizeof sink;
			zr = inflate(&zs, Z_NO_FLUSH);
			if (zr == Z_BUF_ERROR)
				zr = Z_OK;
		}
		/* drain what this block still holds back */
		while (zr == Z_OK && zs.avail_out == 0) {
			zs.next_out = sink;
			zs.avail_out = sizeof sink;
			zr = inflate(&zs, Z_NO_FLUSH);
			if (zr == Z_BUF_ERROR)
				break;
		}
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			rc = -1;
		ret[b] = (uint32_t)(zs.total_out - before);
	}
	inflateEnd(&zs);
	return rc;
}

/* Compressed write: through the stub (16 KiB blocks, each written while the
 * next arrives) or an ESP32-class ROM (1 KiB blocks, each written before its
 * reply, the whole range erased at BEGIN). */
static enum esp_err write_deflated(struct esp_session *s, uint32_t addr, const uint8_t *data,
				   uint32_t len)
{
	int rom = !s->stub;
	uint32_t block = rom ? ESP_ROM_BLOCK : ESP_STUB_BLOCK;
	uLongf clen = compressBound(len);
	uint8_t *z = malloc(clen);
	if (!z)
		return esp_fail(s, ESP_E_NOMEM, "out of memory compressing %u bytes", len);
	if (compress2(z, &clen, data, len, 9) != Z_OK) {
		free(z);
		return esp_fail(s, ESP_E_NOMEM, "zlib could not compress the image");
	}
	uint32_t blocks = (uint32_t)((clen + block - 1) / block);
	uint32_t *expand = calloc(blocks ? blocks : 1, sizeof *expand);
	if (!expand || block_expansion(z, clen, block, blocks, expand) != 0) {
		free(expand);
		free(z);
		return esp_fail(s, ESP_E_NOMEM, "out of memory measuring the compressed blocks");
	}
	esp_log(s, ESP_LOG_INFO, "compressed %u bytes to %lu", len, (unsigned long)clen);
	/* the stub takes the exact length; the ROM the length rounded up to its
	 * write block, all of which it erases before answering */
	uint32_t size_word = rom ? (len + ESP_ROM_BLOCK - 1) / ESP_ROM_BLOCK * ESP_ROM_BLOCK : len;
	enum esp_err e = esp_begin(s, ESP_CMD_FLASH_DEFL_BEGIN, size_word, blocks, block, addr,
				   esp_timeout_per_mb(size_word, ESP_ERASE_MS_PER_MB));
	for (uint32_t seq = 0; !e && seq < blocks; seq++) {
		size_t off = (size_t)seq * block;
		size_t n = clen - off < block ? clen - off : block;
		/* the stub's reply may wait for the previous block's erase and
		 * programming as well as this one's; the ROM's for this block's
		 * programming only */
		uint32_t work = rom ? expand[seq] : expand[seq] + (seq ? expand[seq - 1] : 0) + 0x20000u;
		e = data_block(s, ESP_CMD_FLASH_DEFL_DATA, z + off, n, seq,
			       esp_timeout_per_mb(work, ESP_WRITE_MS_PER_MB));
		if (!e)
			e = esp_progress(s, ESP_OP_WRITE, (uint64_t)len * (off + n) / clen, len);
	}
	/* END comes once the data still in flight, the last block's, is on flash */
	unsigned end_ms = esp_timeout_per_mb((blocks ? expand[blocks - 1] : 0) + 0x20000u,
					     ESP_WRITE_MS_PER_MB);
	free(expand);
	free(z);
	/* FLASH_DEFL_END would make the ROM leave the loader: only the stub gets it */
	if (!e && !rom)
		e = finish(s, ESP_CMD_FLASH_DEFL_END, end_ms);
	return e;
}

static enum esp_err write_plain(struct esp_session *s, uint32_t addr, const uint8_t *data,
				uint32_t len, uint32_t block)
{
	int rom = !s->stub;
	uint32_t blocks = (len + block - 1) / block;
	/* only the ESP8266 ROM erases more than it is asked to */
	uint32_t erase = rom && !esp_rom32(s) ? rom_erase_size(addr, len) : len;
	enum esp_err e = esp_begin(s, ESP_CMD_FLASH_BEGIN, erase, blocks, block, addr,
				   esp_timeout_per_mb(len, rom ? 30000u : ESP_ERASE_MS_PER_MB));
	uint8_t *buf = malloc(block);
	if (!buf)
		return esp_fail(s, ESP_E_NOMEM, "out of memory");
	unsigned block_ms = esp_timeout_per_mb(block + 0x20000u, ESP_WRITE_MS_PER_MB);
	for (uint32_t seq = 0; !e && seq < blocks; seq++) {
		uint32_t off = seq * block, n = len - off < block ? len - off : block;
		/* only uncompressed blocks are padded, with erased-flash 0xFF */
		memset(buf, 0xFF, block);
		memcpy(buf, data + off, n);
		for (int attempt = 0; attempt < (rom ? ROM_WRITE_ATTEMPTS : 1); attempt++) {
			e = data_block(s, ESP_CMD_FLASH_DATA, buf, block, seq, block_ms);
			if (e != ESP_E_TIMEOUT)
				break;
		}
		if (!e)
			e = esp_progress(s, ESP_OP_WRITE, off + n, len);
	}
	free(buf);
	/* FLASH_END would make the ROM leave the loader: only the stub gets it */
	if (!e && !rom)
		e = finish(s, ESP_CMD_FLASH_END, block_ms);
	return e;
}

enum esp_err esp_flash_write(struct esp_session *s, uint32_t addr, const uint8_t *data,
			     uint32_t len)
{
	enum esp_err e = esp_guard_write(s);
	if (e)
		return e;
	if (addr % 4 || len == 0)
		return esp_fail(s, ESP_E_INVAL, "write at 0x%x: address must be 4-byte aligned and "
				"the data non-empty", addr);
	if (s->flash_size && ((uint64_t)addr + len > s->flash_size))
		return esp_fail(s, ESP_E_TOOBIG,
				"%u bytes at 0x%x do not fit the %u-byte flash: use an image built for "
				"this flash size", len, addr, s->flash_size);
	if ((e = esp_flash_prepare(s)) || (e = esp_progress(s, ESP_OP_WRITE, 0, len)))
		return e;
	if (!s->stub) {
		if (addr % ESP_SECTOR)
			return esp_fail(s, ESP_E_UNSUPPORTED, "without the stub writes must start on a "
					"4 KiB boundary (0x%x is not)", addr);
		if (esp_rom32(s)) {
			esp_log(s, ESP_LOG_NOTICE, "writing through %s (no stub)", esp_loader_name(s));
			e = s->cfg.no_compress ? write_plain(s, addr, data, len, ESP_ROM_BLOCK)
					       : write_deflated(s, addr, data, len);
		} else {
			esp_log(s, ESP_LOG_WARNING, "writing through the ESP8266 ROM (no stub): slow, "
				"and no MD5 check is possible afterwards");
			e = write_plain(s, addr, data, len, ESP_ROM_BLOCK);
		}
	} else if (s->cfg.no_compress) {
		e = write_plain(s, addr, data, len, ESP_STUB_BLOCK);
	} else {
		e = write_deflated(s, addr, data, len);
	}
	if (e == ESP_E_DEVICE)
		s->err.offset = addr;
	return e;
}
