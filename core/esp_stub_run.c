/* SPDX-License-Identifier: MIT */
/* Uploads and starts the flasher stub, then raises the baud rate
 * (esp-serial-protocol.md §8, §9). */
#include <string.h>

#include "esp_priv.h"

#define MEM_END_MS 200u       /* the stub may reprogram the UART before the reply leaves */
#define OHAI_MS 3000u
#define BAUD_SETTLE_MS 50u    /* esptool waits this long before flushing */

static enum esp_err mem_segment(struct esp_session *s, const uint8_t *data, size_t len,
				uint32_t addr, uint64_t *sent, uint64_t total)
{
	uint32_t blocks = (uint32_t)((len + ESP_MEM_BLOCK - 1) / ESP_MEM_BLOCK);
	uint8_t d[16];
	esp_put_le32(d, (uint32_t)len);
	esp_put_le32(d + 4, blocks);
	esp_put_le32(d + 8, ESP_MEM_BLOCK);
	esp_put_le32(d + 12, addr);
	enum esp_err e = esp_command(s, ESP_CMD_MEM_BEGIN, d, sizeof d, 0, 0, ESP_DEFAULT_TIMEOUT_MS, NULL);
	if (e)
		return e;
	static const size_t blk = ESP_MEM_BLOCK;
	for (uint32_t seq = 0; seq < blocks; seq++) {
		size_t off = (size_t)seq * blk, n = len - off < blk ? len - off : blk;
		uint8_t payload[16 + ESP_MEM_BLOCK];
		uint32_t ck = esp_build_data_block(data + off, n, seq, payload);
		e = esp_command(s, ESP_CMD_MEM_DATA, payload, 16 + n, ck, 0, ESP_DEFAULT_TIMEOUT_MS, NULL);
		if (e)
			return e;
		*sent += n;
		if ((e = esp_progress(s, ESP_OP_STUB, *sent, total)))
			return e;
	}
	return ESP_OK;
}

static enum esp_err wait_ohai(struct esp_session *s)
{
	uint64_t deadline = esp_now_ms() + OHAI_MS;
	for (;;) {
		const uint8_t *f;
		size_t len;
		enum esp_err e = esp_recv_frame(s, deadline, &f, &len);
		if (e == ESP_E_TIMEOUT)
			return esp_fail(s, ESP_E_STUB,
					"the flasher stub did not start (no \"OHAI\" within %u ms): "
					"unstable power or a stub that does not fit this chip", OHAI_MS);
		if (e)
			return e;
		if (len == 4 && memcmp(f, "OHAI", 4) == 0)
			return ESP_OK;
		/* anything else is the (ignored) MEM_END reply */
	}
}

static enum esp_err set_flash_params(struct esp_session *s)
{
	if (!s->flash_size)
		return ESP_OK; /* the stub configured 16 MB at start-up */
	uint8_t d[24];
	esp_put_le32(d, 0);
	esp_put_le32(d + 4, s->flash_size);
	esp_put_le32(d + 8, 0x10000);
	esp_put_le32(d + 12, ESP_SECTOR);
	esp_put_le32(d + 16, 0x100);
	esp_put_le32(d + 20, 0xFFFF);
	return esp_command(s, ESP_CMD_SPI_SET_PARAMS, d, sizeof d, 0, 0, ESP_DEFAULT_TIMEOUT_MS, NULL);
}

enum esp_err esp_stub_start(struct esp_session *s, const struct esp_stub_image *stub)
{
	enum esp_err e;
	if (!s->synced)
		return esp_fail(s, ESP_E_INVAL, "esp_stub_start before esp_connect");
	if (!s->stub) {
		uint64_t sent = 0, total = stub->text_len + stub->data_len;
		esp_log(s, ESP_LOG_INFO, "uploading the flasher stub (%llu bytes)",
			(unsigned long long)total);
		e = mem_segment(s, stub->text, stub->text_len, stub->text_start, &sent, total);
		if (!e && stub->data_len)
			e = mem_segment(s, stub->data, stub->data_len, stub->data_start, &sent, total);
		if (e)
			return e;
		uint8_t d[8];
		esp_put_le32(d, 0); /* 0 = jump to entry */
		esp_put_le32(d + 4, stub->entry);
		if ((e = esp_send_cmd(s, ESP_CMD_MEM_END, d, sizeof d, 0)))
			return e;
		if ((e = wait_ohai(s)))
			return e;
		s->stub = 1;
		s->loader = ESP_LOADER_STUB;
		esp_log(s, ESP_LOG_INFO, "flasher stub running");
	}
	if ((e = set_flash_params(s)))
		return e;
	if (s->cfg.stub_baud != s->baud) {
		if (!(s->x->caps & XPORT_CAP_BAUD)) {
			esp_log(s, ESP_LOG_NOTICE, "%s has a fixed baud rate: staying at %u", s->x->name,
				s->baud);
			return ESP_OK;
		}
		return esp_change_baud(s, s->cfg.stub_baud);
	}
	return ESP_OK;
}

enum esp_err esp_change_baud(struct esp_session *s, unsigned baud)
{
	if (!s->stub)
		return esp_fail(s, ESP_E_UNSUPPORTED,
				"the ESP8266 ROM cannot change its baud rate: start the stub first");
	uint8_t d[8];
	esp_put_le32(d, baud);
	esp_put_le32(d + 4, s->baud); /* the stub derives the new divider from the old rate */
	enum esp_err e = esp_command(s, ESP_CMD_CHANGE_BAUDRATE, d, sizeof d, 0, 0,
				     ESP_DEFAULT_TIMEOUT_MS, NULL);
	if (e)
		return e;
	unsigned old = s->baud;
	if ((e = xport_set_baud(s->x, baud)))
		return e;
	s->baud = baud;
	esp_sleep_ms(BAUD_SETTLE_MS);
	esp_flush_rx(s);
	/* prove the link works at the new rate before trusting it with data */
	uint32_t magic;
	e = esp_read_reg(s, 0x40001000u, &magic);
	if (e == ESP_E_NODEV)
		return e;
	if (e)
		return esp_fail(s, ESP_E_TIMEOUT,
				"no reply after switching from %u to %u baud: the adapter or cable "
				"cannot carry that rate; retry with a lower --baud (460800 is safe)",
				old, baud);
	esp_log(s, ESP_LOG_INFO, "baud rate now %u", baud);
	return ESP_OK;
}
