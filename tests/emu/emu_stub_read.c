/* SPDX-License-Identifier: MIT */
/*
 * Stub READ_FLASH (§11.1): OK reply, then raw SLIP frames of packet_size
 * bytes, each to be acknowledged by a 4-byte frame carrying the running
 * total, then a 16-byte MD5 frame of the true flash contents.  The new stub
 * keeps one packet in flight; the legacy stub compares max_in_flight with
 * unacknowledged *bytes*.  Brown-out faults corrupt a packet's copy only.
 */
#include <stdlib.h>
#include <string.h>

#include "emu_bytes.h"
#include "emu_priv.h"

static void finish(struct emu *e, int64_t now, const char *how)
{
	uint8_t md5[16];

	md5_digest(&e->rd.md5, MD5_DIGEST_SIZE, md5);
	emu_send_raw_frame(e, now, md5, sizeof md5);
	e->rd.active = 0;
	emu_logf(&e->log, now, "read_flash_end", "\"how\":\"%s\",\"offset\":%u,\"size\":%u,"
		 "\"sent\":%u,\"acked\":%u", how, e->rd.offset, e->rd.length, e->rd.sent, e->rd.acked);
}

void emu_stub_read_start(struct emu *e, int64_t now, const uint8_t *d, size_t n)
{
	(void)n;
	uint32_t off = emu_le32(d), len = emu_le32(d + 4), psize = emu_le32(d + 8);
	uint32_t maxinf = emu_le32(d + 12);

	emu_reply(e, now, now, EMU_OP_READ_FLASH, 0, NULL, 0, EMU_ST_OK, 0, 0);
	emu_log_cmd(e, now, EMU_OP_READ_FLASH, 0, 0, 1,
		    "\"offset\":%u,\"length\":%u,\"size\":%u,\"packet_size\":%u,\"max_in_flight\":%u",
		    off, len, len, psize, maxinf);
	if (psize == 0 || psize > 4096) {
		/* legacy returns silently after the OK; new reports 0xC0 next time */
		if (e->flavour != EMU_STUB_LEGACY)
			e->pending_err = EMU_ST_BAD_DATA_LEN;
		return;
	}
	memset(&e->rd, 0, sizeof e->rd);
	e->rd.active = 1;
	e->rd.offset = off;
	e->rd.length = len;
	e->rd.psize = psize;
	e->rd.max_inflight = maxinf;
	md5_init(&e->rd.md5);
	if (len == 0)
		finish(e, now, "empty");
}

static int may_send(const struct emu *e)
{
	const struct emu_rsess *r = &e->rd;

	if (r->sent >= r->length)
		return 0;
	/* the UART FIFO is tiny: a packet starts only when the last one is
	 * (nearly) on the wire */
	if (emu_bytes_len(&e->txq.b) >= r->psize)
		return 0;
	if (e->flavour == EMU_STUB_LEGACY)
		return r->sent - r->acked < r->max_inflight;
	return r->sent == r->acked;
}

static int brownout_hit(struct emu *e)
{
	uint64_t i = e->read_pkts++;
	return i < 256 && (e->brownout_set[i / 64] >> (i % 64) & 1);
}

void emu_stub_read_pump(struct emu *e, int64_t now)
{
	while (e->rd.active && may_send(e)) {
		uint32_t n = e->rd.length - e->rd.sent;
		if (n > e->rd.psize)
			n = e->rd.psize;
		uint8_t *buf = malloc(n);
		if (!buf)
			return;
		emu_flash_read(&e->flash, e->rd.offset + e->rd.sent, buf, n);
		md5_update(&e->rd.md5, n, buf);
		if (brownout_hit(e)) {
			uint32_t pos = emu_rng_below(&e->rng_fault, n);
			uint8_t x = (uint8_t)(1 + emu_rng_below(&e->rng_fault, 255));
			buf[pos] ^= x;
			emu_logf(&e->log, now, "fault", "\"kind\":\"brownout_read\",\"packet\":%llu,"
				 "\"addr\":%u,\"xor\":%u", (unsigned long long)(e->read_pkts - 1),
				 e->rd.offset + e->rd.sent + pos, x);
		}
		emu_send_raw_frame(e, now, buf, n);
		free(buf);
		e->rd.sent += n;
	}
}

void emu_stub_read_ack(struct emu *e, int64_t now, const uint8_t *f, size_t n)
{
	if (n != 4) {
		/* not an ACK: the stub stops and sends the digest of what it sent */
		emu_logf(&e->log, now, "read_flash_bad_ack", "\"len\":%zu", n);
		finish(e, now, "bad_ack");
		return;
	}
	e->rd.acked = emu_le32(f);
	if (e->rd.acked >= e->rd.length && e->rd.sent >= e->rd.length)
		finish(e, now, "done");
	else
		emu_stub_read_pump(e, now);
}
