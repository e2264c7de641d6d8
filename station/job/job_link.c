/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "job_link.h"

const char *job_link_default_reset(const char *port)
{
	/* a raw TCP server has no modem lines; rfc2217:// drives DTR/RTS and
	 * the baud rate through the server like a local port */
	return strncmp(port, "socket://", 9) == 0 ? "none" : "auto";
}

/* Notes the failure; the session's own record when it has the reason. */
static enum esp_err link_fail(struct job_link *l, enum job_link_step step, enum esp_err e,
			      const struct esp_error *why)
{
	const struct esp_error *se = l->s ? esp_session_error(l->s) : NULL;
	if (!why && se && se->code == e && se->msg[0])
		why = se;
	l->step = step;
	if (why && why->msg[0]) {
		l->err = *why;
		l->err.code = e;
	} else {
		esp_error_set(&l->err, e, 0, "%s", esp_strerror(e));
	}
	return e;
}

enum esp_err job_link_open(struct job_link *l, const struct job_link_cfg *c, int want_stub)
{
	memset(l, 0, sizeof *l);
	l->cfg = *c;
	struct esp_error err = {0};
	enum esp_err e = ESP_OK;
	/* an operator's stub is loaded now, so a bad file fails before any
	 * unit is touched; the built-in one once the chip is known */
	l->want_stub = want_stub;
	if (want_stub && c->stub_path && c->stub_path[0]) {
		if ((e = esp_stub_load_file(c->stub_path, &l->stub, &err)))
			return link_fail(l, JOB_LINK_STUB_LOAD, e, &err);
		l->have_stub = 1;
	}
	l->reset = c->reset && c->reset[0] ? c->reset : job_link_default_reset(c->port);
	if ((e = esp_reset_plan_parse(l->reset, &l->plan, &err)))
		return link_fail(l, JOB_LINK_RESET_PLAN, e, &err);
	struct xport *x = NULL;
	if ((e = xport_open_port(c->port, c->rom_baud, &err, &x)))
		return link_fail(l, JOB_LINK_OPEN, e, &err);
	struct esp_session_cfg sc = {
		.rom_baud = c->rom_baud, .stub_baud = c->stub_baud, .connect_ms = c->connect_ms,
		.no_compress = c->no_compress, .log = c->log, .progress = c->progress,
		.user_data = c->user, .cancel = c->cancel,
	};
	if ((e = esp_session_open(x, &sc, &l->s))) {
		xport_close(x);
		return link_fail(l, JOB_LINK_SESSION, e, NULL);
	}
	return ESP_OK;
}

enum esp_err job_link_connect(struct job_link *l)
{
	enum esp_err e = esp_connect(l->s, &l->plan);
	if (e)
		return link_fail(l, JOB_LINK_CONNECT, e, NULL);
	if ((e = esp_detect(l->s, &l->chip)))
		return link_fail(l, JOB_LINK_DETECT, e, NULL);
	return ESP_OK;
}

enum esp_err job_link_start_stub(struct job_link *l)
{
	struct esp_error err = {0};
	if (!l->want_stub)
		return link_fail(l, JOB_LINK_STUB_START, ESP_E_STUB, NULL);
	if (!l->have_stub) {
		enum esp_err e = esp_stub_builtin_for(l->chip.chip, &l->stub, &err);
		if (e)
			return link_fail(l, JOB_LINK_STUB_LOAD, e, &err);
		l->have_stub = 1;
	}
	enum esp_err e = esp_stub_start(l->s, &l->stub);
	return e ? link_fail(l, JOB_LINK_STUB_START, e, NULL) : ESP_OK;
}

void job_link_close(struct job_link *l)
{
	esp_session_close(l->s);
	l->s = NULL;
	if (l->have_stub)
		esp_stub_free(&l->stub);
	l->have_stub = 0;
}
