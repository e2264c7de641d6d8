/* SPDX-License-Identifier: MIT */
/* NOR flash contents and timing.  Timings are typical datasheet-ish values
 * for 25Q-series parts: 4 KiB sector erase 45 ms, 64 KiB block 150 ms, chip
 * 1.6 s per MiB, page program 0.6 ms per 256 bytes; MD5 in the stub ~20 MB/s. */
#include "emu_flash.h"

#include <errno.h>
#include <nettle/md5.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ll
#define T_SECTOR (45 * MS)
#define T_BLOCK (150 * MS)
#define T_CHIP_PER_MIB (1600 * MS)
#define T_PAGE (600 * 1000ll)
#define MD5_BYTES_PER_S 20000000ll

int emu_flash_init(struct emu_flash *f, uint32_t size, int fast)
{
	f->mem = malloc(size);
	if (!f->mem)
		return -ENOMEM;
	memset(f->mem, 0xFF, size);
	f->size = size;
	f->fast = fast;
	return 0;
}

void emu_flash_free(struct emu_flash *f)
{
	free(f->mem);
	f->mem = NULL;
}

static int64_t cost(const struct emu_flash *f, int64_t ns)
{
	return f->fast ? 0 : ns;
}

int64_t emu_flash_erase_sector(struct emu_flash *f, uint32_t addr)
{
	addr &= (f->size - 1) & ~(EMU_SECTOR - 1);
	memset(f->mem + addr, 0xFF, EMU_SECTOR);
	return cost(f, T_SECTOR);
}

int64_t emu_flash_erase_block64(struct emu_flash *f, uint32_t addr)
{
	if (f->size < EMU_BLOCK64)
		return emu_flash_erase_chip(f);
	addr &= (f->size - 1) & ~(EMU_BLOCK64 - 1);
	memset(f->mem + addr, 0xFF, EMU_BLOCK64);
	return cost(f, T_BLOCK);
}

int64_t emu_flash_erase_chip(struct emu_flash *f)
{
	memset(f->mem, 0xFF, f->size);
	return cost(f, T_CHIP_PER_MIB * (int64_t)f->size / (1 << 20));
}

int64_t emu_flash_erase_region(struct emu_flash *f, uint32_t addr, uint32_t len)
{
	int64_t t = 0;
	uint64_t a = addr, end = (uint64_t)addr + len;

	while (a < end) {
		if (a % EMU_BLOCK64 == 0 && end - a >= EMU_BLOCK64) {
			t += emu_flash_erase_block64(f, (uint32_t)a);
			a += EMU_BLOCK64;
		} else {
			t += emu_flash_erase_sector(f, (uint32_t)a);
			a += EMU_SECTOR;
		}
	}
	return t;
}

int64_t emu_flash_program(struct emu_flash *f, uint32_t addr, const uint8_t *data, uint32_t len)
{
	uint32_t mask = f->size - 1;

	for (uint32_t i = 0; i < len; i++)
		f->mem[(addr + i) & mask] &= data[i];
	/* pages touched: a program command cannot cross a 256-byte page */
	uint64_t first = addr / 256, last = ((uint64_t)addr + len + 255) / 256;
	return len ? cost(f, T_PAGE * (int64_t)(last - first)) : 0;
}

void emu_flash_read(const struct emu_flash *f, uint32_t addr, uint8_t *dst, uint32_t len)
{
	uint32_t mask = f->size - 1;

	for (uint32_t done = 0; done < len;) {
		uint32_t a = (addr + done) & mask;
		uint32_t n = f->size - a;
		if (n > len - done)
			n = len - done;
		memcpy(dst + done, f->mem + a, n);
		done += n;
	}
}

void emu_flash_write_raw(struct emu_flash *f, uint32_t addr, const uint8_t *src, uint32_t len)
{
	uint32_t mask = f->size - 1;

	for (uint32_t i = 0; i < len; i++)
		f->mem[(addr + i) & mask] = src[i];
}

int64_t emu_flash_md5(const struct emu_flash *f, uint32_t addr, uint32_t len, uint8_t out[16])
{
	struct md5_ctx ctx;
	uint32_t mask = f->size - 1;

	md5_init(&ctx);
	for (uint32_t done = 0; done < len;) {
		uint32_t a = (addr + done) & mask;
		uint32_t n = f->size - a;
		if (n > len - done)
			n = len - done;
		md5_update(&ctx, n, f->mem + a);
		done += n;
	}
	md5_digest(&ctx, MD5_DIGEST_SIZE, out);
	return cost(f, (int64_t)len * 1000000000ll / MD5_BYTES_PER_S);
}
