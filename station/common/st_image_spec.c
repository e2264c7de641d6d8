/* SPDX-License-Identifier: MIT */
/* Image sets as written in the config and on command lines: one file at
 * 0x0, or esptool's "ADDR FILE ADDR FILE ..." pairs; and the family names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_config.h"

static const char *const s_family_names[ST_FAMILIES] = {"esp8266", "esp32", "esp32c3"};

const char *st_family_name(enum st_family f)
{
	return (unsigned)f < ST_FAMILIES ? s_family_names[f] : "unknown";
}

int st_family_parse(const char *name)
{
	for (int f = 0; f < ST_FAMILIES; f++)
		if (name && strcmp(name, s_family_names[f]) == 0)
			return f;
	return -1;
}

/* One whitespace-separated token from *p into dst; 0 at the end. */
static size_t next_token(const char **p, char *dst, size_t cap)
{
	const char *s = *p + strspn(*p, " \t\n");
	size_t n = strcspn(s, " \t\n");
	*p = s + n;
	if (n >= cap)
		return cap; /* too long: the caller reports it */
	memcpy(dst, s, n);
	dst[n] = '\0';
	return n;
}

static int parse_addr(const char *tok, uint32_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(tok, &end, 0);
	if (errno || *end || end == tok || tok[0] == '-' || v > UINT32_MAX)
		return -1;
	*ret = (uint32_t)v;
	return 0;
}

int st_image_spec_parse(const char *text, struct st_cfg_image *out, char *err, size_t errlen)
{
	char tok[2][ST_CFG_STR];
	const char *p = text;
	memset(out, 0, sizeof *out);
	size_t n0 = next_token(&p, tok[0], sizeof tok[0]);
	if (n0 == 0) {
		snprintf(err, errlen, "empty image: name a file, or ADDR FILE pairs such as "
			 "\"0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 firmware.bin\"");
		return -1;
	}
	const char *rest = p + strspn(p, " \t\n");
	if (!*rest && n0 < sizeof tok[0] && parse_addr(tok[0], &(uint32_t){0}) != 0) {
		out->n_parts = 1;
		snprintf(out->part[0].file, sizeof out->part[0].file, "%s", tok[0]);
		return 0;
	}
	for (p = text;;) {
		size_t na = next_token(&p, tok[0], sizeof tok[0]);
		if (na == 0)
			break;
		size_t nf = next_token(&p, tok[1], sizeof tok[1]);
		uint32_t addr;
		if (na >= sizeof tok[0] || nf >= sizeof tok[1]) {
			snprintf(err, errlen, "a file name in the image is longer than %zu characters",
				 sizeof tok[0] - 1);
			return -1;
		}
		if (parse_addr(tok[0], &addr) != 0) {
			snprintf(err, errlen, "'%.60s' is not an address: write ADDR FILE pairs, e.g. "
				 "\"0x1000 bootloader.bin 0x8000 partitions.bin\" (file names "
				 "cannot contain spaces)", tok[0]);
			return -1;
		}
		if (nf == 0) {
			snprintf(err, errlen, "address 0x%x has no file after it: write ADDR FILE pairs",
				 addr);
			return -1;
		}
		if (addr % 4) {
			snprintf(err, errlen, "address 0x%x of %.60s is not 4-byte aligned: use the "
				 "offsets from the partition table (0x1000, 0x8000, 0x10000 ...)",
				 addr, tok[1]);
			return -1;
		}
		if (out->n_parts && addr <= out->part[out->n_parts - 1].addr) {
			snprintf(err, errlen, "address 0x%x of %.60s is not above 0x%x: list the parts "
				 "in ascending address order", addr, tok[1],
				 out->part[out->n_parts - 1].addr);
			return -1;
		}
		if (out->n_parts == ST_CFG_MAX_PARTS) {
			snprintf(err, errlen, "more than %d parts: merge some (esptool merge-bin)",
				 ST_CFG_MAX_PARTS);
			return -1;
		}
		out->part[out->n_parts].addr = addr;
		snprintf(out->part[out->n_parts].file, sizeof out->part[0].file, "%s", tok[1]);
		out->n_parts++;
	}
	return 0;
}

const char *st_image_spec_format(const struct st_cfg_image *img, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (img->n_parts == 1 && img->part[0].addr == 0) {
		snprintf(buf, cap, "%s", img->part[0].file);
		return buf;
	}
	for (unsigned i = 0; i < img->n_parts; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, cap - used, "%s0x%x %s", i ? " " : "", img->part[i].addr,
			 img->part[i].file);
	}
	return buf;
}
