/* SPDX-License-Identifier: MIT */
/* Writing less (issue 9, item 7): before a write, find the parts of the
 * flash that already hold exactly what would be written - by what a backup
 * of this session proved per 4 KiB sector, or else by the chip's own MD5 of
 * each 64 KiB block - and send only the rest, one esp_flash_write per run.
 * Units are compared with the data padded to whole sectors with 0xFF, as a
 * write leaves them, so a skipped unit is byte for byte what a written one
 * would be; the caller still verifies the whole range afterwards. */
#include <stdlib.h>
#include <string.h>

#include "esp_hash.h"
#include "esp_priv.h"

#define BLOCK 0x10000u

/* MD5 of data[off, off+n) with bytes past len as erased flash. */
static void padded_md5(const uint8_t *data, uint32_t len, uint32_t off, uint32_t n,
		       uint8_t *tmp, uint8_t out[ESP_MD5_LEN])
{
	if (off + n <= len) {
		esp_md5(data + off, n, out);
		return;
	}
	memset(tmp, 0xFF, n);
	if (off < len)
		memcpy(tmp, data + off, len - off);
	esp_md5(tmp, n, out);
}

/* Marks in same[] (one byte per unit) the units that already match. */
static enum esp_err find_same(struct esp_session *s, uint32_t addr, const uint8_t *data,
			      uint32_t len, uint32_t span, uint32_t unit,
			      const struct esp_write_plan *plan, uint8_t *same)
{
	uint8_t *tmp = malloc(unit);
	if (!tmp)
		return esp_fail(s, ESP_E_NOMEM, "out of memory");
	enum esp_err e = ESP_OK;
	for (uint32_t off = 0, u = 0; off < span && !e; off += unit, u++) {
		uint32_t n = span - off < unit ? span - off : unit;
		uint8_t want[ESP_MD5_LEN], have[ESP_MD5_LEN];
		padded_md5(data, len, off, n, tmp, want);
		if (plan->sector_md5)
			memcpy(have, plan->sector_md5 + (size_t)((addr + off) / ESP_SECTOR) * ESP_MD5_LEN,
			       ESP_MD5_LEN);
		else
			e = esp_flash_md5(s, addr + off, n, have);
		same[u] = !e && memcmp(want, have, ESP_MD5_LEN) == 0;
	}
	free(tmp);
	return e;
}

enum esp_err esp_flash_write_less(struct esp_session *s, uint32_t addr, const uint8_t *data,
				  uint32_t len, const struct esp_write_plan *plan,
				  struct esp_write_result *ret)
{
	struct esp_write_result r = {0};
	uint32_t span = (len + ESP_SECTOR - 1) / ESP_SECTOR * ESP_SECTOR;
	int by_map = plan && plan->sector_md5 &&
		     (uint64_t)(addr + span) / ESP_SECTOR <= plan->sectors;
	int by_chip = plan && !plan->sector_md5 && plan->ask_chip && (s->stub || esp_rom32(s));
	/* nothing known, or a range the map does not cover: the plain write */
	if ((!by_map && !by_chip) || addr % ESP_SECTOR || len == 0 ||
	    (s->flash_size && (uint64_t)addr + span > s->flash_size)) {
		enum esp_err e = esp_flash_write(s, addr, data, len);
		r.sent = e ? 0 : len;
		r.runs = 1;
		if (ret)
			*ret = r;
		return e;
	}
	uint32_t unit = by_map ? ESP_SECTOR : BLOCK;
	uint32_t units = (span + unit - 1) / unit;
	uint8_t *same = calloc(units, 1);
	if (!same)
		return esp_fail(s, ESP_E_NOMEM, "out of memory");
	enum esp_err e = find_same(s, addr, data, len, span, unit, plan, same);
	/* one write per run of units that differ; progress spans the whole range */
	s->prog_span = len;
	for (uint32_t u = 0; !e && u < units;) {
		if (same[u]) {
			u++;
			continue;
		}
		uint32_t v = u;
		while (v < units && !same[v])
			v++;
		uint32_t off = u * unit, end = v * unit < len ? v * unit : len;
		s->prog_base = off;
		e = esp_flash_write(s, addr + off, data + off, end - off);
		r.sent += end - off;
		r.runs++;
		u = v;
	}
	s->prog_span = 0;
	s->prog_base = 0;
	free(same);
	if (!e) {
		r.skipped = len - r.sent;
		e = esp_progress(s, ESP_OP_WRITE, len, len);
		esp_log(s, ESP_LOG_INFO, "wrote %llu of %u bytes in %u runs; %llu already on the flash",
			(unsigned long long)r.sent, len, r.runs, (unsigned long long)r.skipped);
	}
	if (ret)
		*ret = r;
	return e;
}
