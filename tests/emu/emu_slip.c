/* SPDX-License-Identifier: MIT */
/* SLIP push decoder and encoder.  Device-side leniency: bytes outside a frame
 * are ignored, the first 0xC0 opens a frame and the next one closes it. */
#include "emu_slip.h"

void emu_slip_reset(struct emu_slip_dec *d)
{
	d->state = EMU_SLIP_S_OUT;
	d->bad = 0;
	d->len = 0;
}

static void put(struct emu_slip_dec *d, uint8_t b)
{
	if (d->len < sizeof d->buf)
		d->buf[d->len++] = b;
	else
		d->bad = 1;
}

enum emu_slip_res emu_slip_feed(struct emu_slip_dec *d, uint8_t b)
{
	switch (d->state) {
	case EMU_SLIP_S_OUT:
		if (b == EMU_SLIP_END) {
			d->state = EMU_SLIP_S_IN;
			d->len = 0;
			d->bad = 0;
		}
		return EMU_SLIP_NONE;
	case EMU_SLIP_S_IN:
		if (b == EMU_SLIP_END) {
			/* "C0 C0": an empty frame is just two delimiters (never a command) */
			if (d->len == 0 && !d->bad)
				return EMU_SLIP_NONE;
			d->state = EMU_SLIP_S_OUT;
			return d->bad ? EMU_SLIP_DROPPED : EMU_SLIP_FRAME;
		}
		if (b == EMU_SLIP_ESC)
			d->state = EMU_SLIP_S_ESC;
		else
			put(d, b);
		return EMU_SLIP_NONE;
	case EMU_SLIP_S_ESC:
		if (b == EMU_SLIP_ESC_END) {
			put(d, EMU_SLIP_END);
		} else if (b == EMU_SLIP_ESC_ESC) {
			put(d, EMU_SLIP_ESC);
		} else if (b == EMU_SLIP_END) {
			/* an END right after ESC still ends the (now corrupt) frame */
			d->state = EMU_SLIP_S_OUT;
			return EMU_SLIP_DROPPED;
		} else {
			d->bad = 1;
		}
		d->state = EMU_SLIP_S_IN;
		return EMU_SLIP_NONE;
	}
	return EMU_SLIP_NONE;
}

size_t emu_slip_encode(uint8_t *dst, const uint8_t *src, size_t n, int with_start, int with_end)
{
	size_t o = 0;

	if (with_start)
		dst[o++] = EMU_SLIP_END;
	for (size_t i = 0; i < n; i++) {
		if (src[i] == EMU_SLIP_END) {
			dst[o++] = EMU_SLIP_ESC;
			dst[o++] = EMU_SLIP_ESC_END;
		} else if (src[i] == EMU_SLIP_ESC) {
			dst[o++] = EMU_SLIP_ESC;
			dst[o++] = EMU_SLIP_ESC_ESC;
		} else {
			dst[o++] = src[i];
		}
	}
	if (with_end)
		dst[o++] = EMU_SLIP_END;
	return o;
}
