/* SPDX-License-Identifier: MIT */
/* Reset into the ROM loader and SYNC (esp-serial-protocol.md §6, §13). */
#include <string.h>

#include "esp_priv.h"

#define SYNC_FIRST_REPLY_MS 100u   /* esptool SYNC_TIMEOUT */
#define SYNC_MORE_REPLIES_MS 100u  /* the 7 further replies follow at once */
#define SYNC_RETRY_PAUSE_MS 50u
#define SYNC_TRIES_PER_RESET 5
#define SYNC_AGAIN_MS 1000u      /* re-attaching to a loader that was answering */
#define CONNECT_AUTO_MS 10000u
#define CONNECT_OPERATOR_MS 60000u

/* One SYNC attempt: ESP_OK when the device answered. */
static enum esp_err sync_once(struct esp_session *s)
{
	uint8_t d[ESP_SYNC_DATA_LEN];
	esp_build_sync(d);
	esp_flush_rx(s);
	enum esp_err e = esp_send_cmd(s, ESP_CMD_SYNC, d, sizeof d, 0);
	if (e)
		return e;
	uint64_t deadline = esp_now_ms() + SYNC_FIRST_REPLY_MS;
	unsigned replies = 0, zero_values = 0, four_status = 0;
	for (;;) {
		const uint8_t *f;
		size_t len;
		e = esp_recv_frame(s, deadline, &f, &len);
		if (e == ESP_E_TIMEOUT)
			break;
		if (e)
			return e;
		struct esp_resp r;
		/* ESP8266 ROM and stubs answer with 2 status bytes, ESP32-class
		 * ROMs with 4; with no payload expected the first byte is the
		 * status in both */
		if (esp_parse_response(f, len, ESP_LOADER_ROM8266, 0, &r) != ESP_OK ||
		    r.op != ESP_CMD_SYNC || r.status)
			continue;
		replies++;
		zero_values += r.value == 0;
		four_status += len == ESP_HDR_LEN + 4;
		deadline = esp_now_ms() + SYNC_MORE_REPLIES_MS;
		if (replies == 8)
			break;
	}
	if (!replies)
		return ESP_E_TIMEOUT;
	/* a running stub answers SYNC with value 0 (lets a host re-attach) */
	if (zero_values == replies) {
		s->stub = 1;
		s->loader = ESP_LOADER_STUB;
	} else {
		s->stub = 0;
		s->loader = four_status * 2 > replies ? ESP_LOADER_ROM32 : ESP_LOADER_ROM8266;
	}
	s->synced = 1;
	/* the chip may have been reset: a ROM needs its flash attached again */
	s->spi_attached = 0;
	s->spi_params_set = 0;
	esp_log(s, ESP_LOG_DEBUG, "synced with the %s after %u replies",
		s->stub ? "stub" : s->loader == ESP_LOADER_ROM32 ? "ESP32-class ROM" : "ESP8266 ROM",
		replies);
	return ESP_OK;
}

/* Up to SYNC_TRIES_PER_RESET attempts; stops early at the deadline. */
static enum esp_err sync_burst(struct esp_session *s, uint64_t deadline)
{
	for (int i = 0; i < SYNC_TRIES_PER_RESET; i++) {
		enum esp_err e = sync_once(s);
		if (e != ESP_E_TIMEOUT)
			return e;
		if (esp_now_ms() >= deadline)
			break;
		esp_sleep_ms(SYNC_RETRY_PAUSE_MS);
	}
	return ESP_E_TIMEOUT;
}

enum esp_err esp_sync_again(struct esp_session *s)
{
	unsigned baud = s->baud;
	enum esp_err e = sync_burst(s, esp_now_ms() + SYNC_AGAIN_MS);
	if (e == ESP_E_TIMEOUT)
		return esp_fail(s, ESP_E_TIMEOUT, "the device stopped answering on %s at %u baud: "
				"loose wiring or a reset; reconnect the unit", s->x->name, baud);
	return e;
}

static enum esp_err no_sync(struct esp_session *s, const struct esp_reset_plan *plan,
			    unsigned waited_ms)
{
	const char *why;
	if (s->dec.skipped > 32)
		why = "it booted its firmware";
	else
		why = "it sent nothing";
	const char *fix;
	if (plan->mode == ESP_RESET_NONE)
		fix = "hold GPIO0 (the button) while powering up; check TX/RX and 3.3 V";
	else
		fix = "auto-reset failed: for an adapter without DTR/RTS wiring use --reset none "
		      "and hold the button while powering up; check TX/RX and 3.3 V";
	enum esp_err e = esp_fail(s, ESP_E_NOSYNC, "no reply to SYNC on %s after %.1f s: not in download mode (%s): %s",
				  s->x->name, waited_ms / 1000.0, why, fix);
	s->err.cmd = ESP_CMD_SYNC;
	return e;
}

enum esp_err esp_connect(struct esp_session *s, const struct esp_reset_plan *plan)
{
	struct esp_reset_plan p = *plan;
	if (p.mode != ESP_RESET_NONE && !(s->x->caps & XPORT_CAP_LINES)) {
		esp_log(s, ESP_LOG_WARNING,
			"%s cannot drive DTR/RTS: waiting for the unit to be put in download mode by hand",
			s->x->name);
		p.mode = ESP_RESET_NONE;
	}
	unsigned budget = s->cfg.connect_ms;
	if (!budget)
		budget = p.mode == ESP_RESET_NONE ? CONNECT_OPERATOR_MS : CONNECT_AUTO_MS;
	if (s->x->caps & XPORT_CAP_BAUD) {
		enum esp_err e = xport_set_baud(s->x, s->cfg.rom_baud);
		if (e)
			return e;
	}
	s->baud = s->cfg.rom_baud;
	s->stub = 0;
	s->synced = 0;
	s->loader = ESP_LOADER_ROM8266;
	s->dec.skipped = 0;
	uint64_t start = esp_now_ms(), deadline = start + budget;
	unsigned attempt = 0;
	int told_operator = 0;
	for (;;) {
		enum esp_err e = ESP_OK;
		struct esp_reset_seq seq;
		switch (p.mode) {
		case ESP_RESET_AUTO:
			/* esptool's POSIX cycle: unix-tight 50/550 ms, classic 50/550 ms */
			if ((attempt / 2) % 2 == 0)
				esp_reset_seq_unix_tight(&seq, (int)(attempt % 2));
			else
				esp_reset_seq_classic(&seq, (int)(attempt % 2));
			e = esp_reset_run(s->x, &seq);
			break;
		case ESP_RESET_CUSTOM:
			e = esp_reset_run(s->x, &p.custom);
			break;
		case ESP_RESET_NONE:
			if (!told_operator) {
				esp_log(s, ESP_LOG_NOTICE,
					"waiting for the operator: hold GPIO0 (the button) and power-cycle the unit");
				told_operator = 1;
			}
			break;
		}
		if (e)
			return e;
		attempt++;
		e = sync_burst(s, deadline);
		if (e != ESP_E_TIMEOUT)
			return e;
		uint64_t now = esp_now_ms();
		enum esp_op op = p.mode == ESP_RESET_NONE ? ESP_OP_WAIT_BOOT : ESP_OP_CONNECT;
		e = esp_progress(s, op, now - start, budget);
		if (e)
			return e;
		if (now >= deadline)
			return no_sync(s, &p, (unsigned)(now - start));
	}
}
