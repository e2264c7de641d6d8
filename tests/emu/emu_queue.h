/* SPDX-License-Identifier: MIT */
/*
 * Byte queues with wire timing (8N1: 10 bit times per byte).
 *
 * TX: bytes the device has "put on its UART".  Byte i may be handed to the
 * host no earlier than the moment its stop bit ends.  Runs of bytes sent at
 * different device bauds (banner at 74880, reply before a baud switch) keep
 * their own rate through baud markers.
 *
 * RX: bytes the host has written.  Byte i is seen by the device only once it
 * would have finished arriving at the host's baud.
 *
 * Indices are absolute (uint64_t, never wrap); times are CLOCK_MONOTONIC ns.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define EMU_TXQ_MARKS 16

struct emu_bytes {
	uint8_t *buf;
	size_t cap, start, end;     /* live bytes are buf[start..end) */
	uint64_t base;              /* absolute index of buf[0] */
};

struct emu_txq {
	struct emu_bytes b;
	int64_t anchor_t;           /* byte anchor_idx starts at anchor_t */
	uint64_t anchor_idx;
	unsigned anchor_baud;
	unsigned tail_baud;         /* baud of the last queued byte */
	int64_t last_release;       /* release time of the last consumed byte */
	struct {
		uint64_t idx;
		unsigned baud;
	} mark[EMU_TXQ_MARKS];
	unsigned nmark;
};

struct emu_rxq {
	struct emu_bytes b;
	int64_t anchor_t;
	uint64_t anchor_idx;
	int64_t bt;                 /* ns per byte of the current burst */
	int64_t tail_arrival;       /* arrival time of the last queued byte */
};

int64_t emu_byte_ns(unsigned baud);

uint64_t emu_bytes_head(const struct emu_bytes *b);
uint64_t emu_bytes_tail(const struct emu_bytes *b);
size_t emu_bytes_len(const struct emu_bytes *b);
uint8_t emu_bytes_at(const struct emu_bytes *b, uint64_t idx);
void emu_bytes_free(struct emu_bytes *b);

int emu_txq_push(struct emu_txq *q, const uint8_t *data, size_t n, unsigned baud, int64_t now);
/* Release time (end of stop bit) of the byte at absolute index idx (head <= idx < tail). */
int64_t emu_txq_release(const struct emu_txq *q, uint64_t idx);
/* Bytes at the head that are due by now and share one baud; *p points at
 * them, *baud is their rate.  Returns their count (0 if none). */
size_t emu_txq_due(struct emu_txq *q, int64_t now, const uint8_t **p, unsigned *baud);
/* The next moment worth waking for: release of the last byte of the next
 * chunk (chunk_ns of wire time, cut at baud markers); INT64_MAX if empty. */
int64_t emu_txq_deadline(struct emu_txq *q, int64_t chunk_ns);
void emu_txq_consume(struct emu_txq *q, size_t n);
/* Restart the schedule of the queued bytes at now (after the host stalled us). */
void emu_txq_reanchor(struct emu_txq *q, int64_t now);
void emu_txq_clear(struct emu_txq *q);

int emu_rxq_push(struct emu_rxq *q, const uint8_t *data, size_t n, unsigned baud, int64_t now);
/* Number of bytes at the head that have fully arrived by now. */
size_t emu_rxq_arrived(const struct emu_rxq *q, int64_t now);
int64_t emu_rxq_arrival(const struct emu_rxq *q, uint64_t idx);
void emu_rxq_consume(struct emu_rxq *q, size_t n);
void emu_rxq_clear(struct emu_rxq *q);
