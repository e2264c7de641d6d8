/* SPDX-License-Identifier: MIT */
/* SLIP push decoder: every input byte is pushed into two decoders (one with
 * the session's frame size, one with a tiny cap chosen by the first byte so
 * the overlong path runs).  Invariants: results are in the enum, a reported
 * frame is non-empty and at most cap long, the decoder never writes past its
 * buffer (ASan: exact-size heap buffers), encoding a decoded frame and
 * decoding it again gives the same frame, and every push result equals that
 * of a small reference model of the contract in esp_slip.h and
 * esp-serial-protocol.md §2: C0 opens a frame and the next C0 closes it,
 * except that an empty frame's C0 opens the next one; a frame that had a bad
 * escape or grew past cap is reported as ESP_SLIP_ERROR at its closing C0;
 * bytes outside frames are counted in skipped. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_proto.h"
#include "esp_slip.h"
#include "fuzz.h"

static void check_round_trip(const uint8_t *frame, size_t len, size_t cap)
{
	size_t max = esp_slip_encoded_max(len), n, frames = 0;
	uint8_t *enc = malloc(max), *buf = malloc(cap);
	struct esp_slip_dec d;

	FUZZ_ASSERT(enc && buf);
	n = esp_slip_encode(frame, len, enc);
	FUZZ_ASSERT(n >= len + 2 && n <= max);
	FUZZ_ASSERT(enc[0] == ESP_SLIP_END && enc[n - 1] == ESP_SLIP_END);
	for (size_t i = 1; i + 1 < n; i++)
		FUZZ_ASSERT(enc[i] != ESP_SLIP_END);
	esp_slip_dec_init(&d, buf, cap);
	for (size_t i = 0; i < n; i++) {
		enum esp_slip_result r = esp_slip_dec_push(&d, enc[i]);

		FUZZ_ASSERT(r != ESP_SLIP_ERROR);
		if (r == ESP_SLIP_FRAME) {
			FUZZ_ASSERT(i == n - 1);
			FUZZ_ASSERT(d.len == len && memcmp(d.buf, frame, len) == 0);
			frames++;
		}
	}
	FUZZ_ASSERT(frames == 1);
	FUZZ_ASSERT(d.skipped == 0);
	free(enc);
	free(buf);
}

/* The reference model: independent of core, written from the contract. */
struct model {
	size_t cap, len, skipped;
	int in_frame, escaped, spoilt;
	uint8_t *buf;
};

static enum esp_slip_result model_push(struct model *m, uint8_t b)
{
	if (!m->in_frame) {
		if (b == ESP_SLIP_END) {
			m->in_frame = 1;
			m->len = 0;
			m->escaped = m->spoilt = 0;
		} else {
			m->skipped++;
		}
		return ESP_SLIP_MORE;
	}
	if (b == ESP_SLIP_END) {
		if (m->spoilt || m->escaped) {
			m->in_frame = 0;
			return ESP_SLIP_ERROR;
		}
		if (m->len == 0)
			return ESP_SLIP_MORE; /* empty frame: this C0 opens the next */
		m->in_frame = 0;
		return ESP_SLIP_FRAME;
	}
	if (m->spoilt)
		return ESP_SLIP_MORE;
	if (m->escaped) {
		m->escaped = 0;
		if (b == ESP_SLIP_ESC_END) {
			b = ESP_SLIP_END;
		} else if (b == ESP_SLIP_ESC_ESC) {
			b = ESP_SLIP_ESC;
		} else {
			m->spoilt = 1;
			return ESP_SLIP_MORE;
		}
	} else if (b == ESP_SLIP_ESC) {
		m->escaped = 1;
		return ESP_SLIP_MORE;
	}
	if (m->len == m->cap) {
		m->spoilt = 1;
		return ESP_SLIP_MORE;
	}
	m->buf[m->len++] = b;
	return ESP_SLIP_MORE;
}

static void run(const uint8_t *data, size_t size, size_t cap)
{
	uint8_t *buf = malloc(cap), *mbuf = malloc(cap);
	struct esp_slip_dec d;
	struct model m = { .cap = cap, .buf = mbuf };

	FUZZ_ASSERT(buf && mbuf);
	esp_slip_dec_init(&d, buf, cap);
	for (size_t i = 0; i < size; i++) {
		enum esp_slip_result r = esp_slip_dec_push(&d, data[i]);
		enum esp_slip_result want = model_push(&m, data[i]);

		if (r != want) {
			fprintf(stderr, "byte %zu (0x%02x) of %zu, cap %zu: decoder says %d, model %d\n",
				i, data[i], size, cap, (int)r, (int)want);
			FUZZ_ASSERT(r == want);
		}
		FUZZ_ASSERT(d.skipped == m.skipped);
		if (r == ESP_SLIP_FRAME)
			FUZZ_ASSERT(d.len == m.len && memcmp(d.buf, m.buf, m.len) == 0);
		if (r == ESP_SLIP_ERROR)
			FUZZ_ASSERT(data[i] == ESP_SLIP_END);
		FUZZ_ASSERT(r == ESP_SLIP_MORE || r == ESP_SLIP_FRAME || r == ESP_SLIP_ERROR);
		FUZZ_ASSERT(d.len <= cap);
		FUZZ_ASSERT(d.skipped <= i + 1);
		if (r == ESP_SLIP_FRAME) {
			/* a frame ends on a delimiter and is never empty */
			FUZZ_ASSERT(data[i] == ESP_SLIP_END);
			FUZZ_ASSERT(d.len > 0 && d.len <= cap);
			FUZZ_ASSERT(d.buf == buf);
			check_round_trip(d.buf, d.len, cap);
		}
	}
	free(buf);
	free(mbuf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, ESP_MAX_FRAME + 64);
	if (size)
		run(data, size, 1 + data[0] % 32);
	return 0;
}
