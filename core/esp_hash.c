/* SPDX-License-Identifier: MIT */
/* Hashes come from nettle: never hand-write MD5 or SHA-256. */
#include <string.h>

#include <nettle/md5.h>
#include <nettle/sha2.h>

#include "esp_hash.h"

void esp_md5(const void *data, size_t n, uint8_t out[ESP_MD5_LEN])
{
	struct md5_ctx c;
	md5_init(&c);
	md5_update(&c, n, data);
	md5_digest(&c, ESP_MD5_LEN, out);
}

void esp_sha256(const void *data, size_t n, uint8_t out[ESP_SHA256_LEN])
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, n, data);
	sha256_digest(&c, ESP_SHA256_LEN, out);
}

char *esp_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

void esp_md5_fill(uint8_t byte, size_t n, uint8_t out[ESP_MD5_LEN])
{
	uint8_t chunk[4096];
	memset(chunk, byte, sizeof chunk);
	struct md5_ctx c;
	md5_init(&c);
	for (size_t off = 0; off < n; off += sizeof chunk)
		md5_update(&c, n - off < sizeof chunk ? n - off : sizeof chunk, chunk);
	md5_digest(&c, ESP_MD5_LEN, out);
}
