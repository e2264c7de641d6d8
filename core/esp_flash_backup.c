/* SPDX-License-Identifier: MIT */
/* Proven backups: an MD5 scan that finds which sectors hold data (and which
 * the caller already knows), reads of only those, and the proof of the
 * whole range against the chip's own MD5 (esp-serial-protocol.md §11, §15). */
#include <stdlib.h>
#include <string.h>

#include "esp_hash.h"
#include "esp_priv.h"

#define BLOCK 0x10000u       /* scan and retry granularity */
#define SECTORS_PER_BLOCK (BLOCK / ESP_SECTOR)

int esp_is_erased(const uint8_t *data, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (data[i] != 0xFF)
			return 0;
	return 1;
}

/* The scan's view of one sector. */
enum sector_state { SECT_ERASED, SECT_KNOWN, SECT_READ };

struct scan {
	uint8_t erased_block[16], erased_sector[16];
	enum sector_state *state;   /* one per sector of the range */
};

static enum esp_err scan_sector(struct esp_session *s, const struct scan *sc, uint32_t addr,
				const uint8_t *known, enum sector_state *ret)
{
	uint8_t chip[16], k[16];
	enum esp_err e = esp_flash_md5(s, addr, ESP_SECTOR, chip);
	if (e)
		return e;
	*ret = SECT_READ;
	if (memcmp(chip, sc->erased_sector, 16) == 0)
		*ret = SECT_ERASED;
	else if (known && (esp_md5(known, ESP_SECTOR, k), memcmp(chip, k, 16) == 0))
		*ret = SECT_KNOWN;
	return ESP_OK;
}

/* One MD5 per block; per sector only where a block is neither erased nor known. */
static enum esp_err scan_range(struct esp_session *s, struct scan *sc, uint32_t addr, uint32_t len,
			       const uint8_t *known)
{
	for (uint32_t off = 0; off < len; off += BLOCK) {
		enum sector_state *st = sc->state + off / ESP_SECTOR;
		const uint8_t *kb = known ? known + off : NULL;
		uint8_t chip[16], k[16];
		enum esp_err e = esp_flash_md5(s, addr + off, BLOCK, chip);
		if (e)
			return e;
		enum sector_state whole = SECT_READ;
		if (memcmp(chip, sc->erased_block, 16) == 0)
			whole = SECT_ERASED;
		else if (kb && (esp_md5(kb, BLOCK, k), memcmp(chip, k, 16) == 0))
			whole = SECT_KNOWN;
		for (uint32_t i = 0; i < SECTORS_PER_BLOCK; i++) {
			if (whole != SECT_READ)
				st[i] = whole;
			else if ((e = scan_sector(s, sc, addr + off + i * ESP_SECTOR, kb ? kb + i * ESP_SECTOR : NULL,
						  &st[i])))
				return e;
		}
		if ((e = esp_progress(s, ESP_OP_VERIFY, off + BLOCK, len)))
			return e;
	}
	return ESP_OK;
}

/* Reads the sectors the scan could not account for, in runs of at most a
 * block; fills in the rest. */
static enum esp_err fill(struct esp_session *s, const struct scan *sc, uint32_t addr,
			 uint32_t len, uint8_t *buf, const uint8_t *known, unsigned retries,
			 uint64_t *ret_read)
{
	uint32_t n = len / ESP_SECTOR, to_read = 0;
	for (uint32_t i = 0; i < n; i++)
		to_read += sc->state[i] == SECT_READ;
	uint64_t total = (uint64_t)to_read * ESP_SECTOR, done = 0;
	for (uint32_t i = 0; i < n;) {
		uint8_t *dst = buf + (size_t)i * ESP_SECTOR;
		if (sc->state[i] == SECT_ERASED) {
			memset(dst, 0xFF, ESP_SECTOR);
			i++;
			continue;
		}
		if (sc->state[i] == SECT_KNOWN) {
			memcpy(dst, known + (size_t)i * ESP_SECTOR, ESP_SECTOR);
			i++;
			continue;
		}
		uint32_t run = 1;
		while (i + run < n && sc->state[i + run] == SECT_READ && run < SECTORS_PER_BLOCK)
			run++;
		enum esp_err e = esp_read_retrying(s, addr + i * ESP_SECTOR, run * ESP_SECTOR, dst,
						   done, total, retries);
		if (e)
			return e;
		done += (uint64_t)run * ESP_SECTOR;
		i += run;
	}
	*ret_read += done;
	return ESP_OK;
}

/* The invariant: the data's hash equals the chip's own MD5 of the region; a
 * mismatch is narrowed down to 64 KiB chunks, which are read again. */
static enum esp_err prove(struct esp_session *s, uint32_t addr, uint32_t len, uint8_t *buf,
			  unsigned retries, struct esp_backup_result *ret)
{
	uint8_t chip[16], host[16];
	for (unsigned round = 0;; round++) {
		enum esp_err e = esp_flash_md5(s, addr, len, chip);
		if (e)
			return e;
		esp_md5(buf, len, host);
		if (memcmp(chip, host, 16) == 0) {
			memcpy(ret->chip_md5, chip, 16);
			return ESP_OK;
		}
		if (round >= retries) {
			char h[33], c[33];
			return esp_fail(s, ESP_E_READ,
					"backup MD5 %s differs from the chip's %s for 0x%06x+0x%x: "
					"unstable 3.3 V supply? retry the backup", esp_hex(host, 16, h),
					esp_hex(chip, 16, c), addr, len);
		}
		esp_log(s, ESP_LOG_WARNING,
			"backup MD5 differs from the chip's: unstable 3.3 V? finding the bad chunks");
		for (uint32_t off = 0; off < len; off += BLOCK) {
			uint32_t n = len - off < BLOCK ? len - off : BLOCK;
			if ((e = esp_flash_md5(s, addr + off, n, chip)))
				return e;
			esp_md5(buf + off, n, host);
			if (memcmp(chip, host, 16) == 0)
				continue;
			if ((e = esp_read_retrying(s, addr + off, n, buf + off, off, len, retries)))
				return e;
			ret->bytes_read += n;
		}
	}
}

enum esp_err esp_flash_backup(struct esp_session *s, uint32_t addr, uint32_t len, uint8_t *buf,
			      const struct esp_backup_plan *plan, struct esp_backup_result *ret)
{
	enum esp_err e = esp_guard_backup(s, plan->allow_ciphertext);
	if (e || (e = esp_need_flash_access(s, "read flash")))
		return e;
	if (addr % BLOCK || len % BLOCK || !len)
		return esp_fail(s, ESP_E_INVAL, "backup range 0x%x+0x%x is not whole 64 KiB blocks",
				addr, len);
	ret->bytes_read = 0;
	struct scan sc;
	sc.state = malloc((len / ESP_SECTOR) * sizeof *sc.state);
	if (!sc.state)
		return esp_fail(s, ESP_E_NOMEM, "out of memory for a backup of %u bytes", len);
	esp_md5_fill(0xFF, BLOCK, sc.erased_block);
	esp_md5_fill(0xFF, ESP_SECTOR, sc.erased_sector);
	for (uint32_t i = 0; i < len / ESP_SECTOR; i++)
		sc.state[i] = SECT_READ;
	if (!plan->dense)
		e = scan_range(s, &sc, addr, len, plan->known);
	if (!e)
		e = fill(s, &sc, addr, len, buf, plan->known, plan->retries, &ret->bytes_read);
	if (!e)
		e = prove(s, addr, len, buf, plan->retries, ret);
	free(sc.state);
	if (e)
		return e;
	/* the map says what the unit held, whichever way each sector was learnt */
	ret->sectors_data = 0;
	for (uint32_t i = 0; i < len / ESP_SECTOR; i++) {
		int data = !esp_is_erased(buf + (size_t)i * ESP_SECTOR, ESP_SECTOR);
		ret->sectors_data += (uint32_t)data;
		if (ret->sector_map) {
			if (i % 8 == 0)
				ret->sector_map[i / 8] = 0;
			ret->sector_map[i / 8] |= (uint8_t)(data << (i % 8));
		}
	}
	return ESP_OK;
}

static enum esp_err range_erased(struct esp_session *s, uint32_t addr, uint32_t len, int *ret)
{
	uint8_t chip[16], want[16];
	enum esp_err e = esp_flash_md5(s, addr, len, chip);
	if (e)
		return e;
	esp_md5_fill(0xFF, len, want);
	*ret = memcmp(chip, want, 16) == 0;
	return ESP_OK;
}

enum esp_err esp_flash_check_erased(struct esp_session *s, uint32_t addr, uint32_t len,
				    uint32_t *ret_bad)
{
	enum esp_err e = esp_need_flash_access(s, "check erased flash");
	if (e || !len)
		return e;
	if (addr % ESP_SECTOR || len % ESP_SECTOR)
		return esp_fail(s, ESP_E_INVAL, "range 0x%x+0x%x is not whole sectors", addr, len);
	int ok;
	if ((e = range_erased(s, addr, len, &ok)) || ok)
		return e;
	/* narrow down: first the 64 KiB block, then the sector */
	uint32_t lo = addr, end = addr + len;
	for (uint32_t step = BLOCK; step >= ESP_SECTOR; step /= 16) {
		for (uint32_t a = lo; a < end; a += step - a % step) {
			uint32_t n = step - a % step;
			if (n > end - a)
				n = end - a;
			if ((e = range_erased(s, a, n, &ok)))
				return e;
			if (!ok) {
				lo = a;
				end = a + n;
				break;
			}
		}
	}
	*ret_bad = lo;
	return esp_fail(s, ESP_E_VERIFY, "sector 0x%06x still holds data after the erase: data of "
			"the last owner may survive; reject the unit (its flash does not erase)", lo);
}
