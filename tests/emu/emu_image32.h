/* SPDX-License-Identifier: MIT */
/*
 * ESP32-class firmware images as esptool's elf2image writes them
 * (esp32-family.md §7.1): common header, extended header (chip id,
 * revisions, hash_appended), segments, zero padding to the checksum byte
 * and the SHA-256 of everything before it.  Segment contents are
 * code-like bytes from a seeded PRNG; flash-mapped segments (IROM/DROM) get
 * a load address congruent to their flash address modulo 64 KiB.
 */
#pragma once

#include <stdint.h>

#include "emu_rng.h"

#define EMU_IMG32_MAX_SEGS 8

struct emu_img32_seg {
	uint32_t addr;              /* load address; mapped: the 64 KiB-aligned window base */
	uint32_t len;               /* multiple of 4 */
	int mapped;                 /* in the flash cache window: addr gets the flash offset's low 16 bits */
	const char *text;           /* put at the end of the segment (rodata strings), or NULL */
	const uint8_t *head;        /* put at the start (e.g. the app description), or NULL */
	uint32_t head_len;
};

struct emu_img32 {
	uint16_t chip_id;           /* 0 ESP32, 5 ESP32-C3 */
	uint8_t min_rev;            /* legacy single byte */
	uint16_t min_rev_full, max_rev_full;
	uint8_t flash_mode;         /* 2 = DIO */
	uint8_t size_freq;          /* size code | frequency code */
	uint32_t entry;
	uint32_t flash_offset;      /* where the image sits in flash */
	unsigned nseg;
	struct emu_img32_seg seg[EMU_IMG32_MAX_SEGS];
};

/* Flash size code for header byte 3 (1MB 0x00 .. 16MB 0x40; smaller: 0x00). */
uint8_t emu_img32_size_code(uint32_t flash_size);
/* Writes the image at p (room for cap bytes); returns its length including
 * the appended SHA-256, or 0 if it does not fit. */
uint32_t emu_img32_write(uint8_t *p, uint32_t cap, const struct emu_img32 *im, struct emu_rng *r);
/* Machine-code-like bytes (also used by the ESP8266 layouts). */
void emu_code_bytes(struct emu_rng *r, uint8_t *p, uint32_t n);
