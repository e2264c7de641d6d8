/* SPDX-License-Identifier: MIT */
/* The access token: read from its file once at start-up, kept only as its
 * SHA-256, and compared by digest in constant time (neither the length nor
 * the first differing byte of a guess shows in the answer's timing). */
#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

#include "http_priv.h"

static void digest(const char *s, size_t len, unsigned char out[32])
{
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)s);
	sha256_digest(&ctx, 32, out);
}

int http_token_load(struct http_token *t, const char *path, char *err, size_t cap)
{
	memset(t, 0, sizeof *t);
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, cap, "http token_file %s: %s (fix: create it with one line, e.g. "
			 "'head -c 24 /dev/urandom | base64 | tr +/ -_ > %s; chmod 600 %s')", path,
			 strerror(errno), path, path);
		return -1;
	}
	char line[256] = "";
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	fclose(f);
	size_t n = strcspn(line, "\r\n");
	line[n] = '\0';
	/* a cookie value and a header carry it: printable ASCII without
	 * separators */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c <= ' ' || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\') {
			snprintf(err, cap, "http token_file %s: the token holds a space, control "
				 "or separator character (fix: use letters, digits and +/=-._~)", path);
			return -1;
		}
	}
	if (n < 16) {
		snprintf(err, cap, "http token_file %s: the token is %s (fix: at least 16 "
			 "characters, e.g. 'head -c 24 /dev/urandom | base64 | tr +/ -_')", path,
			 n ? "shorter than 16 characters" : "empty");
		return -1;
	}
	digest(line, n, t->digest);
	snprintf(t->cookie_value, sizeof t->cookie_value, "%s", line);
	memset(line, 0, sizeof line);
	t->set = 1;
	return 0;
}

int http_token_equal(const struct http_token *t, const char *s, size_t len)
{
	unsigned char d[32];
	digest(s, len, d);
	unsigned diff = 0;
	for (int i = 0; i < 32; i++)
		diff |= (unsigned)(d[i] ^ t->digest[i]);
	return t->set && diff == 0;
}
