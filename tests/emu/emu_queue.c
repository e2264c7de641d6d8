/* SPDX-License-Identifier: MIT */
/* Paced byte queues (see emu_queue.h).  A single anchor (time, index, rate)
 * describes a whole back-to-back burst, so timing costs O(1) per byte. */
#include "emu_queue.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int64_t emu_byte_ns(unsigned baud)
{
	if (baud == 0)
		baud = 115200;
	return (int64_t)(10000000000ull / baud);
}

/* ns for k bytes at baud, without accumulating per-byte rounding */
static int64_t bytes_ns(uint64_t k, unsigned baud)
{
	if (baud == 0)
		baud = 115200;
	return (int64_t)(k * 10000000000ull / baud);
}

uint64_t emu_bytes_head(const struct emu_bytes *b)
{
	return b->base + b->start;
}

uint64_t emu_bytes_tail(const struct emu_bytes *b)
{
	return b->base + b->end;
}

size_t emu_bytes_len(const struct emu_bytes *b)
{
	return b->end - b->start;
}

uint8_t emu_bytes_at(const struct emu_bytes *b, uint64_t idx)
{
	return b->buf[idx - b->base];
}

void emu_bytes_free(struct emu_bytes *b)
{
	free(b->buf);
	memset(b, 0, sizeof *b);
}

static int bytes_append(struct emu_bytes *b, const uint8_t *data, size_t n)
{
	if (b->end + n > b->cap && b->start > 0) {
		/* compact: keeps absolute indices valid through base */
		memmove(b->buf, b->buf + b->start, b->end - b->start);
		b->base += b->start;
		b->end -= b->start;
		b->start = 0;
	}
	if (b->end + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->end + n)
			cap *= 2;
		uint8_t *nb = realloc(b->buf, cap);
		if (!nb)
			return -ENOMEM;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->end, data, n);
	b->end += n;
	return 0;
}

static void bytes_consume(struct emu_bytes *b, size_t n)
{
	b->start += n;
	if (b->start == b->end) {
		b->base += b->start;
		b->start = b->end = 0;
	}
}

int emu_txq_push(struct emu_txq *q, const uint8_t *data, size_t n, unsigned baud, int64_t now)
{
	if (n == 0)
		return 0;
	uint64_t tail = emu_bytes_tail(&q->b);
	if (emu_bytes_len(&q->b) == 0) {
		/* idle wire: the burst starts now, or when the last stop bit ends */
		q->anchor_t = now > q->last_release ? now : q->last_release;
		q->anchor_idx = tail;
		q->anchor_baud = baud;
		q->nmark = 0;
	} else if (baud != q->tail_baud && q->nmark < EMU_TXQ_MARKS) {
		q->mark[q->nmark].idx = tail;
		q->mark[q->nmark].baud = baud;
		q->nmark++;
	}
	q->tail_baud = baud;
	return bytes_append(&q->b, data, n);
}

/* Applies a baud marker once the head reaches it. */
static void take_marks(struct emu_txq *q)
{
	uint64_t head = emu_bytes_head(&q->b);

	while (q->nmark > 0 && q->mark[0].idx <= head) {
		q->anchor_t = q->last_release;
		q->anchor_idx = head;
		q->anchor_baud = q->mark[0].baud;
		memmove(&q->mark[0], &q->mark[1], (q->nmark - 1) * sizeof q->mark[0]);
		q->nmark--;
	}
}

int64_t emu_txq_release(const struct emu_txq *q, uint64_t idx)
{
	return q->anchor_t + bytes_ns(idx - q->anchor_idx + 1, q->anchor_baud);
}

/* End (exclusive) of the run that shares the anchor's baud. */
static uint64_t run_end(const struct emu_txq *q)
{
	return q->nmark > 0 ? q->mark[0].idx : emu_bytes_tail(&q->b);
}

size_t emu_txq_due(struct emu_txq *q, int64_t now, const uint8_t **p, unsigned *baud)
{
	take_marks(q);
	uint64_t head = emu_bytes_head(&q->b), end = run_end(q);
	if (head == end || now < q->anchor_t)
		return 0;
	/* bytes whose stop bit ended by now: release(i) <= now */
	uint64_t dt = (uint64_t)(now - q->anchor_t);
	uint64_t k = dt > 1000000000000ull ? end - q->anchor_idx
		: dt * q->anchor_baud / 10000000000ull;
	uint64_t due_end = q->anchor_idx + k;
	if (due_end > end)
		due_end = end;
	if (due_end <= head)
		return 0;
	*p = q->b.buf + (head - q->b.base);
	*baud = q->anchor_baud;
	return (size_t)(due_end - head);
}

int64_t emu_txq_deadline(struct emu_txq *q, int64_t chunk_ns)
{
	take_marks(q);
	uint64_t head = emu_bytes_head(&q->b), end = run_end(q);
	if (head == end)
		return INT64_MAX;
	uint64_t chunk = (uint64_t)(chunk_ns / emu_byte_ns(q->anchor_baud));
	if (chunk < 1)
		chunk = 1;
	uint64_t last = head + chunk - 1;
	if (last >= end)
		last = end - 1;
	return emu_txq_release(q, last);
}

void emu_txq_consume(struct emu_txq *q, size_t n)
{
	if (n == 0)
		return;
	uint64_t last = emu_bytes_head(&q->b) + n - 1;
	q->last_release = emu_txq_release(q, last);
	bytes_consume(&q->b, n);
}

void emu_txq_reanchor(struct emu_txq *q, int64_t now)
{
	take_marks(q);
	uint64_t head = emu_bytes_head(&q->b);
	if (emu_txq_release(q, head) - emu_byte_ns(q->anchor_baud) < now) {
		q->anchor_t = now;
		q->anchor_idx = head;
	}
}

void emu_txq_clear(struct emu_txq *q)
{
	bytes_consume(&q->b, emu_bytes_len(&q->b));
	q->nmark = 0;
}

int emu_rxq_push(struct emu_rxq *q, const uint8_t *data, size_t n, unsigned baud, int64_t now)
{
	if (n == 0)
		return 0;
	/* a new burst re-anchors only on an idle wire; mid-burst rate changes
	 * keep the burst's rate (the bytes were already on their way) */
	if (emu_bytes_len(&q->b) == 0 || now >= q->tail_arrival) {
		q->anchor_t = now > q->tail_arrival ? now : q->tail_arrival;
		q->anchor_idx = emu_bytes_tail(&q->b);
		q->bt = emu_byte_ns(baud);
	}
	if (bytes_append(&q->b, data, n) < 0)
		return -ENOMEM;
	q->tail_arrival = emu_rxq_arrival(q, emu_bytes_tail(&q->b) - 1);
	return 0;
}

int64_t emu_rxq_arrival(const struct emu_rxq *q, uint64_t idx)
{
	if (idx < q->anchor_idx)
		return q->anchor_t;     /* arrived before the current burst began */
	return q->anchor_t + (int64_t)(idx - q->anchor_idx + 1) * q->bt;
}

size_t emu_rxq_arrived(const struct emu_rxq *q, int64_t now)
{
	uint64_t head = emu_bytes_head(&q->b), tail = emu_bytes_tail(&q->b);
	uint64_t upto;

	if (head == tail)
		return 0;
	if (now < q->anchor_t)
		upto = q->anchor_idx;
	else
		upto = q->anchor_idx + (uint64_t)((now - q->anchor_t) / q->bt);
	if (upto > tail)
		upto = tail;
	return upto > head ? (size_t)(upto - head) : 0;
}

void emu_rxq_consume(struct emu_rxq *q, size_t n)
{
	bytes_consume(&q->b, n);
}

void emu_rxq_clear(struct emu_rxq *q)
{
	bytes_consume(&q->b, emu_bytes_len(&q->b));
}
