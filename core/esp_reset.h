/* SPDX-License-Identifier: MIT */
/* Reset sequences over DTR/RTS: esptool's classic and "unix tight" resets,
 * and custom sequences in esptool's string form, e.g.
 * "D0|R1|W0.1|D1|R0|W0.05|D0" (D/R set DTR/RTS, U<dtr>,<rts> sets both at
 * once, W waits seconds).  Parsing is pure and fuzzable. */
#pragma once

#include <stddef.h>

#include "esp_err.h"

struct xport;

#define ESP_RESET_MAX_STEPS 32

enum esp_reset_op { ESP_RESET_DTR = 'D', ESP_RESET_RTS = 'R', ESP_RESET_BOTH = 'U', ESP_RESET_WAIT = 'W' };

struct esp_reset_step {
	enum esp_reset_op op;
	int dtr, rts;          /* 0/1 line values (D uses dtr, R uses rts) */
	unsigned wait_ms;      /* for W */
};

struct esp_reset_seq {
	size_t n;
	struct esp_reset_step step[ESP_RESET_MAX_STEPS];
};

enum esp_reset_mode {
	ESP_RESET_AUTO,   /* cycle esptool's strategies over DTR/RTS */
	ESP_RESET_NONE,   /* operator holds GPIO0 and power-cycles; only SYNC */
	ESP_RESET_CUSTOM, /* the given sequence */
};

struct esp_reset_plan {
	enum esp_reset_mode mode;
	struct esp_reset_seq custom;
};

/* Parses "auto", "none" (aliases "no-reset", "button") or a sequence string.  On error writes a one-line
 * reason naming the bad token into err (may be NULL). */
enum esp_err esp_reset_plan_parse(const char *s, struct esp_reset_plan *ret, struct esp_error *err);
enum esp_err esp_reset_seq_parse(const char *s, struct esp_reset_seq *ret, struct esp_error *err);

/* Built-in sequences; extra_delay selects esptool's 550 ms variant. */
void esp_reset_seq_classic(struct esp_reset_seq *ret, int extra_delay);
void esp_reset_seq_unix_tight(struct esp_reset_seq *ret, int extra_delay);
/* Pulses EN (RTS) with GPIO0 released: boots the firmware in flash. */
void esp_reset_seq_hard(struct esp_reset_seq *ret);

/* Runs a sequence on a transport (waits with nanosleep: reset hold times are
 * the only fixed delays in core). */
enum esp_err esp_reset_run(struct xport *x, const struct esp_reset_seq *seq);
