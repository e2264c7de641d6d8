/* SPDX-License-Identifier: MIT */
/* NOR flash model: erase sets 0xFF, programming can only clear bits (AND).
 * Every operation returns how long the real chip would be busy, in ns
 * (0 when the model is "fast").  Addresses wrap at the chip size, as a
 * 24-bit SPI part ignores the address bits above its capacity. */
#pragma once

#include <stdint.h>

#define EMU_SECTOR 0x1000u
#define EMU_BLOCK64 0x10000u

struct emu_flash {
	uint8_t *mem;
	uint32_t size;              /* power of two */
	int fast;
};

int emu_flash_init(struct emu_flash *f, uint32_t size, int fast);
void emu_flash_free(struct emu_flash *f);

int64_t emu_flash_erase_sector(struct emu_flash *f, uint32_t addr);
int64_t emu_flash_erase_block64(struct emu_flash *f, uint32_t addr);
int64_t emu_flash_erase_chip(struct emu_flash *f);
/* Sector erases up to the next 64 KiB boundary, block erases while a whole
 * block remains, then sectors (the legacy stub's ERASE_REGION strategy).
 * addr and len must be sector multiples. */
int64_t emu_flash_erase_region(struct emu_flash *f, uint32_t addr, uint32_t len);
int64_t emu_flash_program(struct emu_flash *f, uint32_t addr, const uint8_t *data, uint32_t len);
void emu_flash_read(const struct emu_flash *f, uint32_t addr, uint8_t *dst, uint32_t len);
void emu_flash_write_raw(struct emu_flash *f, uint32_t addr, const uint8_t *src, uint32_t len);
/* MD5 over [addr, addr + len) into out; cost of the stub's hashing. */
int64_t emu_flash_md5(const struct emu_flash *f, uint32_t addr, uint32_t len, uint8_t out[16]);
