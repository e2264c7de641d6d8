/* SPDX-License-Identifier: MIT */
/* SLIP framing (0xC0 delimiters, 0xDB escapes) as a push decoder that does no
 * I/O, so it can be unit tested and fuzzed. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ESP_SLIP_END 0xC0
#define ESP_SLIP_ESC 0xDB
#define ESP_SLIP_ESC_END 0xDC
#define ESP_SLIP_ESC_ESC 0xDD

enum esp_slip_result {
	ESP_SLIP_MORE = 0,   /* byte consumed, no complete frame yet */
	ESP_SLIP_FRAME = 1,  /* a complete frame is in dec->buf[0..len) */
	ESP_SLIP_ERROR = -1, /* at the delimiter of a frame with a bad escape or too long: dropped */
};

struct esp_slip_dec {
	uint8_t *buf;        /* caller-owned storage */
	size_t cap;          /* its size: frames longer than this are dropped */
	size_t len;          /* bytes of the frame being decoded */
	int in_frame;        /* inside a frame (after an opening 0xC0) */
	int escaped;         /* last byte was 0xDB */
	int overflow;        /* the current frame is spoilt (too long or bad escape) */
	size_t skipped;      /* bytes seen outside frames (boot log, noise) since reset */
};

void esp_slip_dec_init(struct esp_slip_dec *d, uint8_t *buf, size_t cap);
/* Feeds one byte.  After ESP_SLIP_FRAME the frame stays in buf until the
 * next call.  Bytes between frames are counted in skipped and ignored; empty
 * frames (C0 C0) are not reported. */
enum esp_slip_result esp_slip_dec_push(struct esp_slip_dec *d, uint8_t byte);

/* Worst-case encoded size of n payload bytes (two delimiters, all escaped). */
static inline size_t esp_slip_encoded_max(size_t n)
{
	return 2 * n + 2;
}

/* Encodes src as one frame (with both delimiters) into dst, which must hold
 * esp_slip_encoded_max(n) bytes.  Returns the encoded length. */
size_t esp_slip_encode(const uint8_t *src, size_t n, uint8_t *dst);
