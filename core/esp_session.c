/* SPDX-License-Identifier: MIT */
/* Session lifecycle, time, logging and progress dispatch. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "esp_priv.h"

uint64_t esp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void esp_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000u), .tv_nsec = (long)(ms % 1000u) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

unsigned esp_timeout_per_mb(uint32_t bytes, unsigned ms_per_mb)
{
	uint64_t t = (uint64_t)bytes * ms_per_mb / 1000000u;
	if (t < ESP_DEFAULT_TIMEOUT_MS)
		t = ESP_DEFAULT_TIMEOUT_MS;
	if (t > 240000u)
		t = 240000u; /* esptool's MAX_TIMEOUT */
	return (unsigned)t;
}

enum esp_err esp_session_open(struct xport *x, const struct esp_session_cfg *cfg,
			      struct esp_session **ret)
{
	if (!x || !ret)
		return ESP_E_INVAL;
	struct esp_session *s = calloc(1, sizeof *s);
	if (!s)
		return ESP_E_NOMEM;
	s->x = x;
	if (cfg)
		s->cfg = *cfg;
	if (!s->cfg.rom_baud)
		s->cfg.rom_baud = ESP_ROM_BAUD;
	if (!s->cfg.stub_baud)
		s->cfg.stub_baud = s->cfg.rom_baud;
	s->loader = ESP_LOADER_ROM8266;
	s->baud = x->baud;
	x->err = &s->err;
	esp_slip_dec_init(&s->dec, s->rx, sizeof s->rx);
	*ret = s;
	return ESP_OK;
}

void esp_session_close(struct esp_session *s)
{
	if (!s)
		return;
	xport_close(s->x);
	free(s);
}

const struct esp_error *esp_session_error(const struct esp_session *s)
{
	return &s->err;
}

struct xport *esp_session_xport(struct esp_session *s)
{
	return s->x;
}

int esp_session_stub_running(const struct esp_session *s)
{
	return s->stub;
}

unsigned esp_session_baud(const struct esp_session *s)
{
	return s->baud;
}

void esp_log(struct esp_session *s, enum esp_log_level lvl, const char *fmt, ...)
{
	if (!s->cfg.log)
		return;
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.user_data, lvl, msg);
}

enum esp_err esp_fail(struct esp_session *s, enum esp_err code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	esp_error_vset(&s->err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

enum esp_err esp_check_cancel(struct esp_session *s)
{
	if (s->cfg.cancel && *s->cfg.cancel)
		return esp_fail(s, ESP_E_CANCELLED, "cancelled by request");
	return ESP_OK;
}

enum esp_err esp_progress(struct esp_session *s, enum esp_op op, uint64_t done, uint64_t total)
{
	enum esp_err e = esp_check_cancel(s);
	if (e)
		return e;
	if (!s->cfg.progress)
		return ESP_OK;
	if (op == ESP_OP_WRITE && s->prog_span) {
		done += s->prog_base;
		total = s->prog_span;
	}
	uint64_t now = esp_now_ms();
	/* about ten reports a second is plenty for a console and cheap for the link */
	if (op == s->prog_op && done != 0 && done < total && now - s->prog_last_ms < 100)
		return ESP_OK;
	s->prog_op = op;
	s->prog_last_ms = now;
	if (s->cfg.progress(s->cfg.user_data, op, done, total))
		return esp_fail(s, ESP_E_CANCELLED, "cancelled by request");
	return ESP_OK;
}
