/* SPDX-License-Identifier: MIT */
/* SLIP framing as the ESP loaders use it (protocol doc §2): push decoder, encoder. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define EMU_SLIP_END 0xC0
#define EMU_SLIP_ESC 0xDB
#define EMU_SLIP_ESC_END 0xDC
#define EMU_SLIP_ESC_ESC 0xDD
/* Largest decoded frame kept: 8-byte header + 16-byte data header + 0x4000
 * block, plus slack; longer frames are discarded whole (like a stub's buffer). */
#define EMU_SLIP_MAX_FRAME (0x4000 + 64)

enum emu_slip_state { EMU_SLIP_S_OUT, EMU_SLIP_S_IN, EMU_SLIP_S_ESC };

struct emu_slip_dec {
	enum emu_slip_state state;
	int bad;                    /* bad escape or overlong: drop this frame at its end */
	size_t len;
	uint8_t buf[EMU_SLIP_MAX_FRAME];
};

enum emu_slip_res {
	EMU_SLIP_NONE = 0,          /* byte consumed, no frame yet */
	EMU_SLIP_FRAME = 1,         /* d->buf[0..len) holds a frame until the next feed */
	EMU_SLIP_DROPPED = 2,       /* a corrupt or overlong frame ended and was dropped */
};

void emu_slip_reset(struct emu_slip_dec *d);
enum emu_slip_res emu_slip_feed(struct emu_slip_dec *d, uint8_t b);

/* Encodes src into dst (room for 2 * n + 2 needed).  with_start/with_end
 * choose whether the leading/trailing 0xC0 is written, so that a frame can be
 * sent in two parts (the legacy stub sends headers before long operations).
 * Returns the number of bytes written. */
size_t emu_slip_encode(uint8_t *dst, const uint8_t *src, size_t n, int with_start, int with_end);
