/* SPDX-License-Identifier: MIT */
/* Reset-sequence parser on arbitrary text.  An accepted sequence has one
 * step per '|'-separated token (at most ESP_RESET_MAX_STEPS), each step is
 * the token's letter with 0/1 line values, and a wait equals the token's
 * seconds in ms (no overflow, no wrap).  A rejected one leaves a message.
 * The plan parser maps "auto"/"none" (and any aliases it likes) to modes and
 * every valid sequence to a custom plan. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_reset.h"
#include "fuzz.h"

static void check_seq(const char *s, const struct esp_reset_seq *q)
{
	size_t tokens = 1;
	const char *tok = s;

	for (const char *p = s; *p; p++)
		tokens += *p == '|';
	FUZZ_ASSERT(q->n >= 1 && q->n <= ESP_RESET_MAX_STEPS);
	FUZZ_ASSERT(q->n == tokens);
	for (size_t i = 0; i < q->n; i++) {
		const struct esp_reset_step *st = &q->step[i];
		size_t tlen = strcspn(tok, "|");

		size_t lead = strspn(tok, " \t");

		/* (leniency about case or blanks is the parser's choice) */
		FUZZ_ASSERT(tlen > lead);
		FUZZ_ASSERT((unsigned)toupper((unsigned char)tok[lead]) == (unsigned)st->op);
		switch (st->op) {
		case ESP_RESET_DTR:
			FUZZ_ASSERT(st->dtr == 0 || st->dtr == 1);
			break;
		case ESP_RESET_RTS:
			FUZZ_ASSERT(st->rts == 0 || st->rts == 1);
			break;
		case ESP_RESET_BOTH:
			FUZZ_ASSERT(st->dtr == 0 || st->dtr == 1);
			FUZZ_ASSERT(st->rts == 0 || st->rts == 1);
			break;
		case ESP_RESET_WAIT: {
			char num[64], *end;
			double sec;

			if (tlen - 1 < sizeof(num)) {
				memcpy(num, tok + 1, tlen - 1);
				num[tlen - 1] = '\0';
				sec = strtod(num, &end);
				/* a plain decimal number of seconds: the wait must match it */
				if (*end == '\0' && end != num && strspn(num, "0123456789.") == tlen - 1) {
					double ms = sec * 1000.0;

					FUZZ_ASSERT(ms <= (double)UINT_MAX);
					FUZZ_ASSERT(fabs((double)st->wait_ms - ms) <= 1.0);
				}
			}
			break;
		}
		default:
			FUZZ_ASSERT(!"unknown op");
		}
		tok += tlen + (tok[tlen] == '|');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct esp_reset_seq q;
	struct esp_reset_plan plan;
	struct esp_error err;
	enum esp_err rc, prc;

	FUZZ_ASSERT(s);
	memcpy(s, data, size);
	s[size] = '\0';

	memset(&err, 0, sizeof(err));
	rc = esp_reset_seq_parse(s, &q, &err);
	if (rc == ESP_OK) {
		check_seq(s, &q);
	} else {
		FUZZ_ASSERT(err.code == rc);
		FUZZ_ASSERT(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		FUZZ_ASSERT(err.msg[0] != '\0');
	}

	memset(&err, 0, sizeof(err));
	prc = esp_reset_plan_parse(s, &plan, &err);
	if (strcmp(s, "auto") == 0) {
		FUZZ_ASSERT(prc == ESP_OK && plan.mode == ESP_RESET_AUTO);
	} else if (strcmp(s, "none") == 0) {
		FUZZ_ASSERT(prc == ESP_OK && plan.mode == ESP_RESET_NONE);
	} else if (rc == ESP_OK) {
		/* a valid sequence is a custom plan, step for step */
		FUZZ_ASSERT(prc == ESP_OK && plan.mode == ESP_RESET_CUSTOM);
		FUZZ_ASSERT(plan.custom.n == q.n);
		check_seq(s, &plan.custom);
	} else if (prc == ESP_OK) {
		/* other accepted words are aliases (esptool's "no-reset", ...) */
		FUZZ_ASSERT(plan.mode == ESP_RESET_AUTO || plan.mode == ESP_RESET_NONE);
	} else {
		FUZZ_ASSERT(err.msg[0] != '\0');
	}
	free(s);
	return 0;
}
