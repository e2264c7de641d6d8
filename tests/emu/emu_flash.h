/* SPDX-License-Identifier: MIT */
/* NOR flash model: erase sets 0xFF, programming can only clear bits (AND).
 * Every operation returns how long the real chip would be busy, in ns
 * (0 when the model is "fast").  Addresses wrap at the chip size, as a
 * 24-bit SPI part ignores the address bits above its capacity.  Sectors
 * marked stuck keep their content through every erase. */
#pragma once

#include <stdint.h>

#include "emu.h"

#define EMU_SECTOR 0x1000u
#define EMU_BLOCK64 0x10000u

/* Timing (see emu_flash.c and README.md "Flash timing"). */
#define EMU_T_SECTOR_NS (45 * 1000000ll)
#define EMU_T_BLOCK_NS (150 * 1000000ll)
#define EMU_T_CHIP_PER_MIB_NS (4000 * 1000000ll)
#define EMU_T_PAGE_NS (600 * 1000ll)
#define EMU_MD5_BYTES_PER_S (8ll << 20)

struct emu_flash {
	uint8_t *mem;
	uint32_t size;              /* power of two */
	int fast;
	uint32_t stuck[EMU_MAX_STUCK];  /* sector addresses that do not erase */
	unsigned nstuck;
	/* erase operations so far, for the log */
	uint64_t sector_erases, block_erases, chip_erases;
};

int emu_flash_init(struct emu_flash *f, uint32_t size, int fast);
void emu_flash_free(struct emu_flash *f);
/* Replaces the stuck-sector list (addresses are masked to sectors in the chip). */
void emu_flash_set_stuck(struct emu_flash *f, const uint32_t *addrs, unsigned n);
/* Stuck sectors met by an erase of [addr, addr + len) (wrapping): count,
 * and up to cap of their addresses in out, in address order of the walk. */
unsigned emu_flash_stuck_in(const struct emu_flash *f, uint64_t addr, uint64_t len, uint32_t *out,
			    unsigned cap);

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
