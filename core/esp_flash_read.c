/* SPDX-License-Identifier: MIT */
/* Reading flash through the stub (READ_FLASH with its ACK flow control,
 * esp-serial-protocol.md §11) or an ESP32-class ROM (esp_flash_rom.c), with
 * re-reads of a bad chunk. */
#include <stdlib.h>
#include <string.h>

#include "esp_hash.h"
#include "esp_priv.h"

#define READ_PACKET 0x1000u
#define READ_IN_FLIGHT 64u     /* esptool's value; the stubs run lock-step with it */
/* How long a data frame may take: a second for the stub, plus four times
 * the packet's time on the wire (a stall on a noisy line is found in about
 * a second at 921600 baud, not three). */
static uint64_t frame_deadline(const struct esp_session *s)
{
	unsigned baud = esp_session_baud(s);
	uint64_t wire_ms = baud ? (uint64_t)READ_PACKET * 10u * 1000u / baud : 400u;
	return esp_now_ms() + 1000u + 4u * wire_ms;
}
#define DRAIN_QUIET_MS 150u

/* One stub READ_FLASH command.  Data frames of the wrong length (lost bytes) are
 * still acknowledged so the stub finishes the stream; the read then fails
 * with ESP_E_LOST (or ESP_E_READ when intact frames carry wrong data) and the caller may retry it. */
static enum esp_err read_stream(struct esp_session *s, uint32_t addr, uint32_t len, uint8_t *buf,
				uint64_t base_done, uint64_t total)
{
	uint8_t d[16];
	esp_put_le32(d, addr);
	esp_put_le32(d + 4, len);
	esp_put_le32(d + 8, READ_PACKET);
	esp_put_le32(d + 12, READ_IN_FLIGHT);
	enum esp_err e = esp_command(s, ESP_CMD_READ_FLASH, d, sizeof d, 0, 0, ESP_DEFAULT_TIMEOUT_MS, NULL);
	if (e)
		return e;
	uint32_t got = 0;
	int corrupt = 0;
	size_t bad_len = 0;
	while (got < len) {
		const uint8_t *f;
		size_t n;
		e = esp_recv_frame(s, frame_deadline(s), &f, &n);
		if (e == ESP_E_TIMEOUT) {
			/* packets merged by a lost delimiter left the stub waiting for
			 * acknowledgements we will never send: release it */
			uint8_t all[4];
			esp_put_le32(all, len);
			(void)esp_send_packet(s, all, sizeof all);
			return esp_fail(s, ESP_E_LOST,
					"flash read stalled at 0x%06x (%u of %u bytes): bytes lost on the "
					"serial link", addr + got, got, len);
		}
		if (e)
			return e;
		uint32_t want = len - got < READ_PACKET ? len - got : READ_PACKET;
		if (n != want) {
			corrupt = 1;
			bad_len = n;
		} else {
			memcpy(buf + got, f, n);
		}
		got += want;
		uint8_t ack[4];
		esp_put_le32(ack, got);
		if ((e = esp_send_packet(s, ack, sizeof ack)))
			return e;
		if ((e = esp_progress(s, ESP_OP_READ, base_done + got, total)))
			return e;
	}
	const uint8_t *f;
	size_t n;
	e = esp_recv_frame(s, frame_deadline(s), &f, &n);
	if (e == ESP_E_TIMEOUT || (!e && n != ESP_MD5_LEN))
		return esp_fail(s, ESP_E_LOST, "flash read at 0x%06x: the stub's digest frame is "
				"missing or malformed (link noise)", addr);
	if (e)
		return e;
	if (corrupt)
		return esp_fail(s, ESP_E_LOST,
				"corrupt data reading 0x%06x: a %u-byte packet arrived as %zu bytes "
				"(bytes lost on the serial link)", addr, READ_PACKET, bad_len);
	uint8_t md5[ESP_MD5_LEN];
	esp_md5(buf, len, md5);
	if (memcmp(md5, f, ESP_MD5_LEN) != 0) {
		char h[33], c[33];
		enum esp_err r = esp_fail(s, ESP_E_READ,
					  "corrupt read at 0x%06x+0x%x: data MD5 %s but the chip sent %s "
					  "(unstable 3.3 V supply or line noise)", addr, len,
					  esp_hex(md5, 16, h), esp_hex(f, 16, c));
		s->err.offset = addr;
		return r;
	}
	return ESP_OK;
}

/* One checked read: the stub's stream, or the ESP32-class ROM's 64-byte reads. */
static enum esp_err read_once(struct esp_session *s, uint32_t addr, uint32_t len, uint8_t *buf,
			      uint64_t base_done, uint64_t total)
{
	if (!s->stub)
		return esp_rom_read(s, addr, len, buf, base_done, total);
	return read_stream(s, addr, len, buf, base_done, total);
}

/* After a broken read the stub may still be sending: wait until the line is
 * quiet, then re-SYNC (the stub answers SYNC) so commands work again. */
static enum esp_err resync(struct esp_session *s)
{
	uint64_t give_up = esp_now_ms() + 5000u;
	for (;;) {
		size_t n = 0;
		enum esp_err e = xport_read(s->x, s->inbuf, sizeof s->inbuf, DRAIN_QUIET_MS, &n);
		if (e)
			return e;
		if (n == 0 || esp_now_ms() > give_up)
			break;
	}
	esp_flush_rx(s);
	/* the line is noisy: the first answer may be lost too */
	uint32_t magic;
	enum esp_err e = ESP_E_TIMEOUT;
	for (int i = 0; i < 3 && (e == ESP_E_TIMEOUT || e == ESP_E_PROTO); i++) {
		e = esp_read_reg(s, ESP_REG_CHIP_MAGIC, &magic);
		if (e)
			esp_flush_rx(s);
	}
	return e;
}

enum esp_err esp_flash_read(struct esp_session *s, uint32_t addr, uint32_t len, uint8_t *buf)
{
	enum esp_err e = esp_need_flash_access(s, "read flash");
	if (e)
		return e;
	return read_once(s, addr, len, buf, 0, len);
}

static int retryable(enum esp_err e)
{
	return e == ESP_E_READ || e == ESP_E_LOST || e == ESP_E_TIMEOUT || e == ESP_E_PROTO;
}

/* A chunk that keeps arriving damaged is read again in halves, down to one
 * sector: on a noisy line a long read rarely gets through whole, a short
 * one does, and the halves that arrived intact are kept. */
enum esp_err esp_read_retrying(struct esp_session *s, uint32_t addr, uint32_t n, uint8_t *buf,
			       uint64_t done, uint64_t total, unsigned retries)
{
	enum esp_err e;
	for (unsigned attempt = 0;; attempt++) {
		e = read_once(s, addr, n, buf, done, total);
		if (e == ESP_OK || !retryable(e))
			return e;
		unsigned tries = n > ESP_SECTOR ? (retries < 1 ? retries : 1) : retries;
		if (attempt >= tries)
			break;
		esp_log(s, ESP_LOG_WARNING, "%s; re-reading (attempt %u of %u)", s->err.msg,
			attempt + 1, tries);
		if ((e = resync(s)))
			return e;
	}
	if (n <= ESP_SECTOR || !retries)
		return e;
	if ((e = resync(s)))
		return e;
	uint32_t half = (n / 2 + ESP_SECTOR - 1) / ESP_SECTOR * ESP_SECTOR;
	esp_log(s, ESP_LOG_WARNING, "%s; re-reading 0x%06x+0x%x in smaller pieces", s->err.msg,
		addr, n);
	if ((e = esp_read_retrying(s, addr, half, buf, done, total, retries)))
		return e;
	return esp_read_retrying(s, addr + half, n - half, buf + half, done + half, total, retries);
}
