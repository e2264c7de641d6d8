/* SPDX-License-Identifier: MIT */
/* Reset sequences (esp-serial-protocol.md §13): esptool's timings are the
 * only fixed delays in core, and they are named here. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_priv.h"
#include "esp_reset.h"

#define ESP_RESET_HOLD_MS 100u        /* EN held low */
#define ESP_BOOT_HOLD_MS 50u          /* GPIO0 held low after EN rises */
#define ESP_BOOT_HOLD_EXTRA_MS 550u   /* slower boards (large EN capacitor) */
#define ESP_RESET_MAX_WAIT_MS 10000u

static void add(struct esp_reset_seq *q, enum esp_reset_op op, int dtr, int rts, unsigned ms)
{
	struct esp_reset_step *st = &q->step[q->n++];
	st->op = op;
	st->dtr = dtr;
	st->rts = rts;
	st->wait_ms = ms;
}

void esp_reset_seq_classic(struct esp_reset_seq *ret, int extra_delay)
{
	memset(ret, 0, sizeof *ret);
	add(ret, ESP_RESET_DTR, 0, 0, 0);  /* IO0 high */
	add(ret, ESP_RESET_RTS, 0, 1, 0);  /* EN low: chip in reset */
	add(ret, ESP_RESET_WAIT, 0, 0, ESP_RESET_HOLD_MS);
	add(ret, ESP_RESET_DTR, 1, 0, 0);  /* IO0 low */
	add(ret, ESP_RESET_RTS, 0, 0, 0);  /* EN high: boots sampling IO0 low */
	add(ret, ESP_RESET_WAIT, 0, 0, extra_delay ? ESP_BOOT_HOLD_EXTRA_MS : ESP_BOOT_HOLD_MS);
	add(ret, ESP_RESET_DTR, 0, 0, 0);  /* release IO0 */
}

void esp_reset_seq_unix_tight(struct esp_reset_seq *ret, int extra_delay)
{
	memset(ret, 0, sizeof *ret);
	add(ret, ESP_RESET_BOTH, 0, 0, 0);
	add(ret, ESP_RESET_BOTH, 1, 1, 0);
	add(ret, ESP_RESET_BOTH, 0, 1, 0); /* EN low */
	add(ret, ESP_RESET_WAIT, 0, 0, ESP_RESET_HOLD_MS);
	add(ret, ESP_RESET_BOTH, 1, 0, 0); /* IO0 low, EN high */
	add(ret, ESP_RESET_WAIT, 0, 0, extra_delay ? ESP_BOOT_HOLD_EXTRA_MS : ESP_BOOT_HOLD_MS);
	add(ret, ESP_RESET_BOTH, 0, 0, 0);
	add(ret, ESP_RESET_DTR, 0, 0, 0);
}

void esp_reset_seq_hard(struct esp_reset_seq *ret)
{
	memset(ret, 0, sizeof *ret);
	add(ret, ESP_RESET_BOTH, 0, 1, 0); /* EN low with IO0 released */
	add(ret, ESP_RESET_WAIT, 0, 0, ESP_RESET_HOLD_MS);
	add(ret, ESP_RESET_BOTH, 0, 0, 0);
}

static int parse_bit(const char **p, int *ret)
{
	if (**p != '0' && **p != '1')
		return -1;
	*ret = **p - '0';
	(*p)++;
	return 0;
}

static int parse_seconds(const char **p, unsigned *ret_ms)
{
	const char *s = *p;
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0 || v * 1000.0 > ESP_RESET_MAX_WAIT_MS)
		return -1;
	*ret_ms = (unsigned)(v * 1000.0 + 0.5);
	*p = end;
	return 0;
}

static enum esp_err bad_token(struct esp_error *err, const char *tok, size_t len)
{
	return esp_error_set(err, ESP_E_INVAL, 0,
			     "bad reset step '%.*s': use D0/D1 (DTR), R0/R1 (RTS), U<dtr>,<rts> "
			     "(both), W<seconds> (wait, at most 10), joined by '|', e.g. "
			     "D0|R1|W0.1|D1|R0|W0.05|D0", (int)(len > 40 ? 40 : len), tok);
}

enum esp_err esp_reset_seq_parse(const char *s, struct esp_reset_seq *ret, struct esp_error *err)
{
	struct esp_reset_seq q;
	memset(&q, 0, sizeof q);
	if (!s || !*s)
		return esp_error_set(err, ESP_E_INVAL, 0, "empty reset sequence");
	const char *p = s;
	for (;;) {
		const char *tok = p;
		size_t toklen = strcspn(tok, "|");
		if (q.n >= ESP_RESET_MAX_STEPS)
			return esp_error_set(err, ESP_E_INVAL, 0,
					     "reset sequence has more than %d steps", ESP_RESET_MAX_STEPS);
		struct esp_reset_step *st = &q.step[q.n];
		int ok = -1;
		char c = *p++;
		switch (c) {
		case 'D':
			st->op = ESP_RESET_DTR;
			ok = parse_bit(&p, &st->dtr);
			break;
		case 'R':
			st->op = ESP_RESET_RTS;
			ok = parse_bit(&p, &st->rts);
			break;
		case 'U':
			st->op = ESP_RESET_BOTH;
			ok = parse_bit(&p, &st->dtr);
			if (ok == 0)
				ok = *p == ',' ? (p++, parse_bit(&p, &st->rts)) : -1;
			break;
		case 'W':
			st->op = ESP_RESET_WAIT;
			ok = parse_seconds(&p, &st->wait_ms);
			break;
		default:
			break;
		}
		if (ok != 0 || (p - tok) != (long)toklen)
			return bad_token(err, tok, toklen);
		q.n++;
		if (*p == '\0')
			break;
		p++; /* '|' */
		if (*p == '\0')
			return bad_token(err, "", 0);
	}
	*ret = q;
	return ESP_OK;
}

enum esp_err esp_reset_plan_parse(const char *s, struct esp_reset_plan *ret, struct esp_error *err)
{
	struct esp_reset_plan plan;
	memset(&plan, 0, sizeof plan);
	if (s && strcmp(s, "auto") == 0) {
		plan.mode = ESP_RESET_AUTO;
	} else if (s && (strcmp(s, "none") == 0 || strcmp(s, "no-reset") == 0 ||
			 strcmp(s, "button") == 0)) {
		plan.mode = ESP_RESET_NONE;
	} else {
		plan.mode = ESP_RESET_CUSTOM;
		enum esp_err e = esp_reset_seq_parse(s, &plan.custom, err);
		if (e)
			return e;
	}
	*ret = plan;
	return ESP_OK;
}

/* The unix-tight reset relies on both lines changing in one ioctl (its
 * (0,0) -> (1,1) -> (0,1) steps); where they change one command at a time
 * (RFC 2217) the classic reset with the same hold does that job, as esptool
 * does for rfc2217:// ports. */
static const struct esp_reset_seq *one_line_at_a_time(const struct esp_reset_seq *seq,
						      struct esp_reset_seq *buf)
{
	for (int extra = 0; extra <= 1; extra++) {
		esp_reset_seq_unix_tight(buf, extra);
		if (memcmp(buf, seq, sizeof *buf) == 0) {
			esp_reset_seq_classic(buf, extra);
			return buf;
		}
	}
	return seq;
}

enum esp_err esp_reset_run(struct xport *x, const struct esp_reset_seq *seq)
{
	struct esp_reset_seq classic;
	if (x->caps & XPORT_CAP_LINES_APART)
		seq = one_line_at_a_time(seq, &classic);
	for (size_t i = 0; i < seq->n; i++) {
		const struct esp_reset_step *st = &seq->step[i];
		enum esp_err e = ESP_OK;
		switch (st->op) {
		case ESP_RESET_DTR:
			e = xport_set_lines(x, st->dtr, -1);
			break;
		case ESP_RESET_RTS:
			e = xport_set_lines(x, -1, st->rts);
			break;
		case ESP_RESET_BOTH:
			e = xport_set_lines(x, st->dtr, st->rts);
			break;
		case ESP_RESET_WAIT:
			esp_sleep_ms(st->wait_ms);
			break;
		}
		if (e)
			return e;
	}
	return ESP_OK;
}
