/* SPDX-License-Identifier: MIT */
/* MAC addresses in the one form the database stores: "aa:bb:cc:dd:ee:ff".
 * Operators type what the label, esptool or the router printed, so accept
 * the common spellings, but only with consistent grouping: a misplaced
 * separator is more likely a typo than a MAC. */
#include <errno.h>
#include <string.h>

#include "db.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Reads 12 hex digits from s (length n) with a separator sep after every
 * group digits (sep 0: no separators). */
static int parse_grouped(const char *s, size_t n, int group, char sep, int digits[12])
{
	size_t i = 0;
	int d = 0;

	while (i < n && d < 12) {
		int v = hexval(s[i]);

		if (v < 0)
			return -1;
		digits[d++] = v;
		i++;
		if (sep && d % group == 0 && d < 12) {
			if (i >= n || s[i] != sep)
				return -1;
			i++;
		}
	}
	return (d == 12 && i == n) ? 0 : -1;
}

int db_mac_normalize(const char *in, char out[DB_MAC_LEN])
{
	static const char hex[] = "0123456789abcdef";
	int digits[12];
	const char *s;
	size_t n;
	int r = -1;

	if (!in) {
		out[0] = '\0';
		return -EINVAL;
	}
	s = in;
	n = strlen(s);
	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	while (n && is_blank(s[n - 1]))
		n--;
	if (n == 17 && (s[2] == ':' || s[2] == '-'))
		r = parse_grouped(s, n, 2, s[2], digits);    /* aa:bb:.. or aa-bb-.. */
	else if (n == 14 && s[4] == '.')
		r = parse_grouped(s, n, 4, '.', digits);     /* aabb.ccdd.eeff */
	else if (n == 12)
		r = parse_grouped(s, n, 12, 0, digits);      /* aabbccddeeff */
	if (r) {
		out[0] = '\0';
		return -EINVAL;
	}
	/* digits are parsed first, so out may be the same buffer as in */
	for (int i = 0; i < 6; i++) {
		out[i * 3] = hex[digits[i * 2]];
		out[i * 3 + 1] = hex[digits[i * 2 + 1]];
		out[i * 3 + 2] = i < 5 ? ':' : '\0';
	}
	return 0;
}
