/* SPDX-License-Identifier: MIT */
/* One request/response exchange over SLIP. */
#include <string.h>

#include "esp_hash.h"
#include "esp_priv.h"

void esp_flush_rx(struct esp_session *s)
{
	(void)xport_flush_input(s->x);
	s->in_pos = s->in_len = 0;
	esp_slip_dec_init(&s->dec, s->rx, sizeof s->rx);
}

enum esp_err esp_send_packet(struct esp_session *s, const uint8_t *pkt, size_t n)
{
	size_t len = esp_slip_encode(pkt, n, s->tx);
	return xport_write(s->x, s->tx, len, ESP_DEFAULT_TIMEOUT_MS + (unsigned)(len / 8));
}

enum esp_err esp_send_cmd(struct esp_session *s, uint8_t op, const uint8_t *data, size_t n,
			  uint32_t checksum)
{
	if (n > sizeof s->pkt - ESP_HDR_LEN)
		return esp_fail(s, ESP_E_INVAL, "command %s too long (%zu bytes)", esp_cmd_name(op), n);
	size_t len = esp_build_request(op, data, n, checksum, s->pkt);
	esp_log(s, ESP_LOG_TRACE, "send %s (%zu data bytes)", esp_cmd_name(op), n);
	return esp_send_packet(s, s->pkt, len);
}

enum esp_err esp_recv_frame(struct esp_session *s, uint64_t deadline, const uint8_t **ret_frame,
			    size_t *ret_len)
{
	for (;;) {
		while (s->in_pos < s->in_len) {
			enum esp_slip_result r = esp_slip_dec_push(&s->dec, s->inbuf[s->in_pos++]);
			if (r == ESP_SLIP_FRAME) {
				*ret_frame = s->dec.buf;
				*ret_len = s->dec.len;
				return ESP_OK;
			}
			if (r == ESP_SLIP_ERROR)
				esp_log(s, ESP_LOG_DEBUG, "dropped a corrupt SLIP frame");
		}
		uint64_t now = esp_now_ms();
		if (now >= deadline)
			return ESP_E_TIMEOUT;
		size_t got = 0;
		enum esp_err e = xport_read(s->x, s->inbuf, sizeof s->inbuf, (unsigned)(deadline - now), &got);
		if (e)
			return e;
		s->in_pos = 0;
		s->in_len = got;
	}
}

static enum esp_err device_failure(struct esp_session *s, uint8_t op, const struct esp_resp *r)
{
	int stub = s->loader == ESP_LOADER_STUB;
	const char *name = esp_dev_error_name(stub, r->error);
	esp_fail(s, ESP_E_DEVICE, "%s failed: device %s error 0x%02x %s", esp_cmd_name(op),
		 stub ? "stub" : "ROM", r->error, name);
	s->err.cmd = op;
	s->err.dev_status = r->status;
	s->err.dev_error = r->error;
	return ESP_E_DEVICE;
}

enum esp_err esp_command(struct esp_session *s, uint8_t op, const uint8_t *data, size_t n,
			 uint32_t checksum, size_t payload_len, unsigned timeout_ms,
			 struct esp_resp *ret)
{
	enum esp_err e = esp_send_cmd(s, op, data, n, checksum);
	if (e)
		return e;
	uint64_t deadline = esp_now_ms() + timeout_ms;
	/* stale replies (up to 8 per SYNC) and echoes are skipped, as esptool does */
	for (int skipped = 0; skipped < 100; skipped++) {
		const uint8_t *f;
		size_t len;
		e = esp_recv_frame(s, deadline, &f, &len);
		if (e == ESP_E_TIMEOUT) {
			esp_fail(s, ESP_E_TIMEOUT,
				 "no reply to %s within %u ms: device stopped answering "
				 "(loose wiring, weak 3.3 V supply, or reset)",
				 esp_cmd_name(op), timeout_ms);
			s->err.cmd = op;
			return ESP_E_TIMEOUT;
		}
		if (e)
			return e;
		struct esp_resp r;
		if (esp_parse_response(f, len, s->loader, payload_len, &r) != ESP_OK || r.op != op)
			continue;
		if (r.status)
			return device_failure(s, op, &r);
		if (ret)
			*ret = r;
		return ESP_OK;
	}
	return esp_fail(s, ESP_E_PROTO, "no valid reply to %s among 100 frames (noise on the line?)",
			esp_cmd_name(op));
}

enum esp_err esp_read_reg(struct esp_session *s, uint32_t addr, uint32_t *ret)
{
	uint8_t d[4];
	esp_put_le32(d, addr);
	struct esp_resp r;
	enum esp_err e = esp_command(s, ESP_CMD_READ_REG, d, 4, 0, 0, ESP_DEFAULT_TIMEOUT_MS, &r);
	if (e == ESP_OK)
		*ret = r.value;
	return e;
}

enum esp_err esp_write_reg(struct esp_session *s, uint32_t addr, uint32_t value)
{
	uint8_t d[16];
	esp_put_le32(d, addr);
	esp_put_le32(d + 4, value);
	esp_put_le32(d + 8, 0xFFFFFFFFu);
	esp_put_le32(d + 12, 0);
	return esp_command(s, ESP_CMD_WRITE_REG, d, 16, 0, 0, ESP_DEFAULT_TIMEOUT_MS, NULL);
}
