/* SPDX-License-Identifier: MIT */
/*
 * Stub flash writing (§3.5, §14): FLASH_BEGIN/DATA/END and the zlib variant.
 * The write session (open, inflate, program) also serves the ESP32-class
 * ROM's compressed writes (emu_rom32.c), which erase up front instead.
 * Each block is acknowledged at once and written "in the background": the
 * CPU stays busy for the erase + program time, so the *next* block's ACK
 * waits for it (double buffering).  Sectors covering [offset, offset+size)
 * are erased just ahead of the write pointer.
 */
#include <stdlib.h>
#include <string.h>

#include "emu_bytes.h"
#include "emu_priv.h"

#define INFLATE_CHUNK 0x8000u       /* both stubs inflate into a 32 KiB buffer */
#define DEFL_TAIL_SLACK 4u          /* legacy tolerates the Adler-32 tail after the end */

static int legacy(const struct emu *e)
{
	return e->flavour == EMU_STUB_LEGACY;
}

void emu_stub_write_close(struct emu *e)
{
	if (e->w.z_init)
		inflateEnd(&e->w.z);
	memset(&e->w, 0, sizeof e->w);
}

uint8_t emu_wsess_open(struct emu *e, int deflate, uint32_t size, uint32_t blocks, uint32_t bsize,
		       uint32_t offset)
{
	emu_stub_write_close(e);
	e->w.size = size;
	e->w.blocks = blocks;
	e->w.bsize = bsize;
	e->w.offset = offset;
	e->w.erased_to = e->w.offset & ~(EMU_SECTOR - 1);
	e->w.deflate = deflate;
	if (deflate) {
		if (inflateInit(&e->w.z) != Z_OK)   /* zlib header required, not raw deflate */
			return EMU_ST_INFLATE_ERROR;
		e->w.z_init = 1;
	}
	e->w.active = 1;
	return EMU_ST_OK;
}

uint8_t emu_stub_write_begin(struct emu *e, int deflate, const uint8_t *d, size_t n)
{
	emu_stub_write_close(e);
	if (n != 16 && n != 20)
		return EMU_ST_BAD_DATA_LEN;
	uint32_t bsize = emu_le32(d + 8);
	if (bsize > 0x4000)
		return EMU_ST_BAD_BLOCKSIZE;
	return emu_wsess_open(e, deflate, emu_le32(d), emu_le32(d + 4), bsize, emu_le32(d + 12));
}

/* Erases what the next write needs: 64 KiB blocks where a whole aligned
 * block of the region remains, else 4 KiB sectors. */
static int64_t erase_ahead(struct emu *e, uint64_t upto)
{
	uint64_t region_end = ((uint64_t)e->w.offset + e->w.size + EMU_SECTOR - 1) & ~(uint64_t)(EMU_SECTOR - 1);
	uint64_t want = (upto + EMU_SECTOR - 1) & ~(uint64_t)(EMU_SECTOR - 1);
	uint64_t a = e->w.erased_to;
	int64_t t = 0;

	if (want > region_end)
		want = region_end;
	while (a < want) {
		if (a % EMU_BLOCK64 == 0 && region_end - a >= EMU_BLOCK64) {
			t += emu_flash_erase_block64(&e->flash, (uint32_t)a);
			a += EMU_BLOCK64;
		} else {
			t += emu_flash_erase_sector(&e->flash, (uint32_t)a);
			a += EMU_SECTOR;
		}
	}
	e->w.erased_to = (uint32_t)a;
	e->w.erase_ns += t;
	return t;
}

/* Writes uncompressed bytes at the write pointer; *err set on overflow. */
static int64_t write_out(struct emu *e, int64_t now, const uint8_t *p, uint32_t n, uint8_t *err)
{
	uint32_t room = e->w.size - e->w.written;
	if (n > room) {
		*err = EMU_ST_TOO_MUCH_DATA;
		n = room;
	}
	if (n == 0)
		return 0;
	uint32_t addr = e->w.offset + e->w.written;
	int64_t t = erase_ahead(e, (uint64_t)addr + n);
	t += emu_program(e, now, addr, p, n);
	e->w.written += n;
	return t;
}

int64_t emu_wsess_inflate(struct emu *e, int64_t now, const uint8_t *p, uint32_t n, uint8_t *err)
{
	uint8_t *out = malloc(INFLATE_CHUNK);
	int64_t t = 0;

	if (!out) {
		*err = EMU_ST_INFLATE_ERROR;
		return 0;
	}
	if (e->w.z_done) {
		/* bytes after the end of the zlib stream */
		if (n > DEFL_TAIL_SLACK)
			*err = EMU_ST_TOO_MUCH_DATA;
		free(out);
		return 0;
	}
	e->w.z.next_in = (Bytef *)(uintptr_t)p;
	e->w.z.avail_in = n;
	while (!*err) {
		e->w.z.next_out = out;
		e->w.z.avail_out = INFLATE_CHUNK;
		int r = inflate(&e->w.z, Z_NO_FLUSH);
		uint32_t got = INFLATE_CHUNK - e->w.z.avail_out;
		if (got)
			t += write_out(e, now, out, got, err);
		if (r == Z_STREAM_END) {
			e->w.z_done = 1;
			if (e->w.z.avail_in > DEFL_TAIL_SLACK)
				*err = EMU_ST_TOO_MUCH_DATA;
			break;
		}
		if (r != Z_OK && r != Z_BUF_ERROR) {
			/* zlib reports a wrong Adler-32 as "incorrect data check" */
			e->w.z_bad_check = e->w.z.msg && strstr(e->w.z.msg, "data check");
			*err = EMU_ST_INFLATE_ERROR;
			break;
		}
		if (e->w.z.avail_out != 0)
			break;          /* output not full: the input is used up */
	}
	free(out);
	return t;
}

void emu_stub_write_data(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n,
			 uint32_t checksum)
{
	int defl = op == EMU_OP_FLASH_DEFL_DATA;
	uint8_t code = EMU_ST_OK;
	uint32_t dlen = n >= 16 ? emu_le32(d) : 0, seq = n >= 16 ? emu_le32(d + 4) : 0;

	if (!e->w.active || e->w.deflate != defl)
		code = EMU_ST_NOT_IN_FLASH_MODE;
	else if (n < 16)
		code = EMU_ST_BAD_DATA_LEN;
	else if (dlen != n - 16) {
		/* legacy checks the word; new checks it for FLASH_DATA only and
		 * otherwise takes the bytes that are there */
		if (legacy(e))
			code = EMU_ST_BAD_DATA_LEN;
		else if (!defl)
			code = EMU_ST_TOO_MUCH_DATA;
		else if (dlen > n - 16)
			dlen = (uint32_t)(n - 16);
	}
	if (code == EMU_ST_OK && emu_data_checksum(d + 16, dlen) != (uint8_t)checksum)
		code = EMU_ST_BAD_CHECKSUM;
	if (code != EMU_ST_OK) {
		emu_reply(e, now, now, op, 0, NULL, 0, code, 0, 0);
		emu_log_cmd(e, now, op, code, 0, 1, "\"seq\":%u,\"data_len\":%u", seq, dlen);
		return;
	}

	/* ACK first (with the legacy stub's sticky error), write afterwards */
	uint8_t ack = legacy(e) ? e->w.sticky : EMU_ST_OK;
	emu_reply(e, now, now, op, 0, NULL, 0, ack, 0, 0);

	uint8_t err = 0;
	int64_t t = 0;
	uint32_t before = e->w.written, erased_before = e->w.erased_to;
	struct emu_erase_mark m;
	emu_erase_mark(e, &m);
	e->w.erase_ns = 0;
	e->w.in_total += dlen;
	if (legacy(e) && e->w.sticky) {
		/* after an error the legacy stub stops writing */
	} else if ((uint64_t)e->w.blocks * e->w.bsize < e->w.in_total) {
		err = EMU_ST_TOO_MUCH_DATA;
	} else if (defl) {
		t = emu_wsess_inflate(e, now, d + 16, dlen, &err);
	} else {
		uint32_t room = e->w.size - e->w.written;
		if (room == 0)
			err = EMU_ST_TOO_MUCH_DATA;
		else    /* padding beyond the announced size is trimmed */
			t = write_out(e, now, d + 16, dlen < room ? dlen : room, &err);
	}
	if (err) {
		if (legacy(e))
			e->w.sticky = err;
		else
			e->pending_err = err;
	}
	if (e->w.erased_to > erased_before)
		emu_log_erase(e, now, op, erased_before, e->w.erased_to - erased_before, &m, e->w.erase_ns);
	e->w.next_seq = seq + 1;
	if (now + t > e->busy_until)
		e->busy_until = now + t;
	emu_log_cmd(e, now, op, ack, 0, 1, "\"seq\":%u,\"data_len\":%u,\"addr\":%u,\"wrote\":%u,"
		    "\"busy_ms\":%.3f,\"write_error\":\"%02x\"", seq, dlen, e->w.offset + before,
		    e->w.written - before, (double)t / 1e6, err);
}

void emu_stub_write_end(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n)
{
	int defl = op == EMU_OP_FLASH_DEFL_END;
	uint32_t flag = n >= 4 ? emu_le32(d) : 0;
	uint8_t code = EMU_ST_OK;

	if (!e->w.active || e->w.deflate != defl) {
		code = EMU_ST_NOT_IN_FLASH_MODE;
	} else {
		int incomplete = e->w.written < e->w.size || (defl && !e->w.z_done);
		if (legacy(e))
			code = e->w.sticky ? e->w.sticky : incomplete ? EMU_ST_NOT_ENOUGH_DATA : EMU_ST_OK;
		else
			code = incomplete ? EMU_ST_BAD_DATA_LEN : EMU_ST_OK;
	}
	/* frames are only taken once the last block is programmed, so this
	 * reply already waited for the flash (esptool relies on that) */
	emu_reply(e, now, now, op, 0, NULL, 0, code, 0, 0);
	emu_log_cmd(e, now, op, code, 0, 1, "\"flag\":%u,\"offset\":%u,\"size\":%u,\"written\":%u", flag,
		    e->w.offset, e->w.size, e->w.written);
	if (e->w.active && e->w.deflate == defl)
		emu_stub_write_close(e);
	/* legacy: flag 0 = reboot after 10 ms; the new stub's reboot is a no-op */
	if (legacy(e) && flag == 0 && code == EMU_ST_OK)
		emu_set_after(e, EMU_AFTER_SOFT_RESET, 10 * EMU_MS);
}
