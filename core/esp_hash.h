/* SPDX-License-Identifier: MIT */
/* MD5 and SHA-256 through nettle, and hex formatting. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ESP_MD5_LEN 16
#define ESP_SHA256_LEN 32

void esp_md5(const void *data, size_t n, uint8_t out[ESP_MD5_LEN]);
/* MD5 of n copies of one byte (erased flash: 0xFF), without n bytes of memory. */
void esp_md5_fill(uint8_t byte, size_t n, uint8_t out[ESP_MD5_LEN]);
void esp_sha256(const void *data, size_t n, uint8_t out[ESP_SHA256_LEN]);
/* Lower-case hex of n bytes into out (2n + 1 bytes). Returns out. */
char *esp_hex(const uint8_t *bytes, size_t n, char *out);
