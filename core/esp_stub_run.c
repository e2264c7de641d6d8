/* SPDX-License-Identifier: MIT */
/* Uploads and starts the flasher stub (or, on an ESP32-C3 with secure
 * boot, stays with the ROM as esptool does), then raises the baud rate
 * (esp-serial-protocol.md §8, §9; esp32-family.md §5, §6.5). */
#include <string.h>

#include "esp_priv.h"

#define MEM_END_MS 200u       /* the stub may reprogram the UART before the reply leaves */
#define OHAI_MS 3000u

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

/* A stub built for another chip never says OHAI: tell the operator why. */
static enum esp_err check_stub_fits(struct esp_session *s, const struct esp_stub_image *stub)
{
	const struct esp_chip_def *def = esp_chip_def_of(s->chip);
	if (!def || (stub->text_start >= def->stub_lo && stub->text_start < def->stub_hi))
		return ESP_OK;
	return esp_fail(s, ESP_E_STUB, "the flasher stub loads at 0x%08x, outside the %s's RAM: it "
			"is built for another chip; use the %s stub (esp_stub_builtin_for)",
			stub->text_start, esp_chip_family_name(s->chip), esp_chip_family_name(s->chip));
}

static enum esp_err upload(struct esp_session *s, const struct esp_stub_image *stub)
{
	uint64_t sent = 0, total = stub->text_len + stub->data_len;
	esp_log(s, ESP_LOG_INFO, "uploading the flasher stub (%llu bytes)", (unsigned long long)total);
	enum esp_err e = mem_segment(s, stub->text, stub->text_len, stub->text_start, &sent, total);
	if (!e && stub->data_len)
		e = mem_segment(s, stub->data, stub->data_len, stub->data_start, &sent, total);
	if (e)
		return e;
	uint8_t d[8];
	esp_put_le32(d, 0); /* 0 = jump to entry */
	esp_put_le32(d + 4, stub->entry);
	if ((e = esp_send_cmd(s, ESP_CMD_MEM_END, d, sizeof d, 0)) || (e = wait_ohai(s)))
		return e;
	/* from now on 2 status bytes, stub error codes, the stub's flash setup */
	s->stub = 1;
	s->loader = ESP_LOADER_STUB;
	s->spi_params_set = 0;
	esp_log(s, ESP_LOG_INFO, "flasher stub running");
	return ESP_OK;
}

enum esp_err esp_stub_start(struct esp_session *s, const struct esp_stub_image *stub)
{
	enum esp_err e;
	if (!s->synced)
		return esp_fail(s, ESP_E_INVAL, "esp_stub_start before esp_connect");
	if (s->sec.secure_download)
		return esp_fail(s, ESP_E_SECURITY, "cannot start the flasher stub: the unit is in "
				"Secure Download Mode, which refuses it; set the unit aside");
	if (!s->stub && s->chip == ESP_CHIP_ESP32C3 && s->sec.secure_boot) {
		/* esptool disables the stub on a C3 with secure boot (esp32-family.md §6.5) */
		esp_log(s, ESP_LOG_WARNING, "secure boot is on: as esptool, no flasher stub on this "
			"ESP32-C3; working through its ROM (slower reads)");
	} else if (!s->stub) {
		if ((e = check_stub_fits(s, stub)) || (e = upload(s, stub)))
			return e;
	}
	if ((e = esp_flash_prepare(s)))
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
