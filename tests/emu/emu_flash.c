/* SPDX-License-Identifier: MIT */
/* NOR flash contents and timing.  Timings are typical values for the 25Q
 * parts on ESP8266 modules: 4 KiB sector erase 45 ms, 64 KiB block 150 ms,
 * chip 4 s per MiB (datasheets say 2.5-10 s typ. for 4 MB; refurbishers see
 * 10-50 s for 1 MB Sonoffs), page program 0.6 ms per 256 bytes.  The
 * stub's SPI_FLASH_MD5 hashes 8 MiB/s (125 ms per MiB): the protocol doc
 * names no rate; real stubs manage roughly 8-10 MB/s. */
#include "emu_flash.h"

#include <errno.h>
#include <nettle/md5.h>
#include <stdlib.h>
#include <string.h>


int emu_flash_init(struct emu_flash *f, uint32_t size, int fast)
{
	f->mem = malloc(size);
	if (!f->mem)
		return -ENOMEM;
	memset(f->mem, 0xFF, size);
	f->size = size;
	f->fast = fast;
	f->nstuck = 0;
	f->sector_erases = f->block_erases = f->chip_erases = 0;
	return 0;
}

void emu_flash_set_stuck(struct emu_flash *f, const uint32_t *addrs, unsigned n)
{
	f->nstuck = 0;
	for (unsigned i = 0; i < n && i < EMU_MAX_STUCK; i++)
		f->stuck[f->nstuck++] = addrs[i] & (f->size - 1) & ~(EMU_SECTOR - 1);
}

static int is_stuck(const struct emu_flash *f, uint32_t sector)
{
	for (unsigned i = 0; i < f->nstuck; i++)
		if (f->stuck[i] == sector)
			return 1;
	return 0;
}

unsigned emu_flash_stuck_in(const struct emu_flash *f, uint64_t addr, uint64_t len, uint32_t *out,
			    unsigned cap)
{
	unsigned n = 0;

	if (f->nstuck == 0 || len == 0)
		return 0;
	if (len > f->size)
		len = f->size;      /* wrapping further meets the same sectors again */
	uint64_t first = addr & ~(uint64_t)(EMU_SECTOR - 1);
	for (uint64_t a = first; a < addr + len; a += EMU_SECTOR) {
		uint32_t s = (uint32_t)a & (f->size - 1);
		if (is_stuck(f, s)) {
			if (n < cap)
				out[n] = s;
			n++;
		}
	}
	return n;
}

/* Erases [addr, addr + len) (in the chip, sector-aligned) but the stuck sectors. */
static void wipe(struct emu_flash *f, uint32_t addr, uint32_t len)
{
	if (f->nstuck == 0) {
		memset(f->mem + addr, 0xFF, len);
		return;
	}
	for (uint32_t a = addr; a < addr + len; a += EMU_SECTOR)
		if (!is_stuck(f, a))
			memset(f->mem + a, 0xFF, EMU_SECTOR);
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
	wipe(f, addr, EMU_SECTOR);
	f->sector_erases++;
	return cost(f, EMU_T_SECTOR_NS);
}

int64_t emu_flash_erase_block64(struct emu_flash *f, uint32_t addr)
{
	if (f->size < EMU_BLOCK64)
		return emu_flash_erase_chip(f);
	addr &= (f->size - 1) & ~(EMU_BLOCK64 - 1);
	wipe(f, addr, EMU_BLOCK64);
	f->block_erases++;
	return cost(f, EMU_T_BLOCK_NS);
}

int64_t emu_flash_erase_chip(struct emu_flash *f)
{
	wipe(f, 0, f->size);
	f->chip_erases++;
	return cost(f, EMU_T_CHIP_PER_MIB_NS * (int64_t)f->size / (1 << 20));
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
	return len ? cost(f, EMU_T_PAGE_NS * (int64_t)(last - first)) : 0;
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
	return cost(f, (int64_t)len * 1000000000ll / EMU_MD5_BYTES_PER_S);
}
