/* SPDX-License-Identifier: MIT */
/* SLIP push decoder and encoder (esp-serial-protocol.md §2). */
#include "esp_slip.h"

void esp_slip_dec_init(struct esp_slip_dec *d, uint8_t *buf, size_t cap)
{
	d->buf = buf;
	d->cap = cap;
	d->len = 0;
	d->in_frame = 0;
	d->escaped = 0;
	d->overflow = 0;
	d->skipped = 0;
}

static void restart(struct esp_slip_dec *d)
{
	d->len = 0;
	d->escaped = 0;
	d->overflow = 0;
}

enum esp_slip_result esp_slip_dec_push(struct esp_slip_dec *d, uint8_t byte)
{
	if (!d->in_frame) {
		/* outside a frame: boot log text or noise, ignored */
		if (byte == ESP_SLIP_END) {
			d->in_frame = 1;
			restart(d);
		} else {
			d->skipped++;
		}
		return ESP_SLIP_MORE;
	}
	if (byte == ESP_SLIP_END) {
		if (d->len == 0 && !d->overflow && !d->escaped)
			return ESP_SLIP_MORE; /* "C0 C0": end of one frame, start of the next */
		/* a frame spoilt by a bad escape or by its length ends at its
		 * delimiter and is dropped as a whole */
		int bad = d->overflow || d->escaped;
		d->in_frame = 0;
		d->escaped = 0;
		return bad ? ESP_SLIP_ERROR : ESP_SLIP_FRAME;
	}
	if (d->overflow)
		return ESP_SLIP_MORE;
	uint8_t out = byte;
	if (d->escaped) {
		d->escaped = 0;
		if (byte == ESP_SLIP_ESC_END) {
			out = ESP_SLIP_END;
		} else if (byte == ESP_SLIP_ESC_ESC) {
			out = ESP_SLIP_ESC;
		} else {
			d->overflow = 1; /* invalid escape: skip to the delimiter */
			return ESP_SLIP_MORE;
		}
	} else if (byte == ESP_SLIP_ESC) {
		d->escaped = 1;
		return ESP_SLIP_MORE;
	}
	if (d->len >= d->cap) {
		d->overflow = 1;
		return ESP_SLIP_MORE;
	}
	d->buf[d->len++] = out;
	return ESP_SLIP_MORE;
}

size_t esp_slip_encode(const uint8_t *src, size_t n, uint8_t *dst)
{
	size_t o = 0;
	dst[o++] = ESP_SLIP_END;
	for (size_t i = 0; i < n; i++) {
		if (src[i] == ESP_SLIP_END) {
			dst[o++] = ESP_SLIP_ESC;
			dst[o++] = ESP_SLIP_ESC_END;
		} else if (src[i] == ESP_SLIP_ESC) {
			dst[o++] = ESP_SLIP_ESC;
			dst[o++] = ESP_SLIP_ESC_ESC;
		} else {
			dst[o++] = src[i];
		}
	}
	dst[o++] = ESP_SLIP_END;
	return o;
}
