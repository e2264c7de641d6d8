/* SPDX-License-Identifier: MIT */
/* MD5 (RFC 1321 test suite) and SHA-256 (FIPS 180-2 examples) through
 * esp_hash.h, plus esp_hex.  Large inputs check the multi-block paths; the
 * pattern digests were computed with Python's hashlib. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_hash.h"
#include "test.h"

static void hexify(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static void check_md5(const char *file, int line, const void *data, size_t n, const char *want)
{
	uint8_t out[ESP_MD5_LEN + 4];
	char hex[2 * ESP_MD5_LEN + 1];

	memset(out, 0xA5, sizeof(out));
	esp_md5(data, n, out);
	hexify(out, ESP_MD5_LEN, hex);
	t_checks++;
	if (strcmp(hex, want) != 0) {
		t_fail_head(file, line);
		fprintf(stderr, "md5 of %zu bytes: got %s, expected %s\n", n, hex, want);
	}
	for (size_t i = ESP_MD5_LEN; i < sizeof(out); i++)
		T_EQ_HEX(out[i], 0xA5);
}

static void check_sha256(const char *file, int line, const void *data, size_t n, const char *want)
{
	uint8_t out[ESP_SHA256_LEN + 4];
	char hex[2 * ESP_SHA256_LEN + 1];

	memset(out, 0xA5, sizeof(out));
	esp_sha256(data, n, out);
	hexify(out, ESP_SHA256_LEN, hex);
	t_checks++;
	if (strcmp(hex, want) != 0) {
		t_fail_head(file, line);
		fprintf(stderr, "sha256 of %zu bytes: got %s, expected %s\n", n, hex, want);
	}
	for (size_t i = ESP_SHA256_LEN; i < sizeof(out); i++)
		T_EQ_HEX(out[i], 0xA5);
}

#define T_MD5(s, want) check_md5(__FILE__, __LINE__, (s), strlen(s), (want))
#define T_SHA(s, want) check_sha256(__FILE__, __LINE__, (s), strlen(s), (want))

static void test_md5(void)
{
	T_EQ_INT(ESP_MD5_LEN, 16);
	T_MD5("", "d41d8cd98f00b204e9800998ecf8427e");
	T_MD5("a", "0cc175b9c0f1b6a831c399e269772661");
	T_MD5("abc", "900150983cd24fb0d6963f7d28e17f72");
	T_MD5("message digest", "f96b697d7cb7938d525a2f31aaf161d0");
	T_MD5("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b");
	T_MD5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	      "d174ab98d277d9f5a5611c2c9f419d9f");
	T_MD5("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	      "57edf4a22be3c955ac49da2e2107b67a");
}

static void test_sha256(void)
{
	T_EQ_INT(ESP_SHA256_LEN, 32);
	T_SHA("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	T_SHA("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	T_SHA("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	T_SHA("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_large(void)
{
	const size_t n = 1000000;
	uint8_t *buf = malloc(n > 1048576 ? n : 1048576);

	T_REQUIRE(buf);
	memset(buf, 'a', n);
	check_md5(__FILE__, __LINE__, buf, n, "7707d6ae4e027c70eea2a935c2296f21");
	check_sha256(__FILE__, __LINE__, buf, n,
		     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	for (size_t i = 0; i < 65536; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	check_md5(__FILE__, __LINE__, buf, 65536, "55f3da07043d8f6f30808f9309120b1d");
	check_sha256(__FILE__, __LINE__, buf, 65536,
		     "510b126e1d4ced49107fe4ab03ee54cb1c8e4caf6064e1dd29c48d4a3e74c38b");
	/* an erased 1 MiB flash, as a backup of a blank chip */
	memset(buf, 0xFF, 1048576);
	check_md5(__FILE__, __LINE__, buf, 1048576, "2fdd6851b32ae931637d4845c037b550");
	free(buf);
}

static void test_hex(void)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xab, 0xff, 0x7f, 0x80 };
	char out[2 * sizeof(b) + 1 + 4];
	char *r;

	memset(out, 'Z', sizeof(out));
	r = esp_hex(b, sizeof(b), out);
	T_CHECK(r == out);
	T_EQ_STR(out, "0001abff7f80");
	for (size_t i = 2 * sizeof(b) + 1; i < sizeof(out); i++)
		T_EQ_INT(out[i], 'Z');

	memset(out, 'Z', sizeof(out));
	r = esp_hex(b, 0, out);
	T_CHECK(r == out);
	T_EQ_STR(out, "");
	T_EQ_INT(out[1], 'Z');

	/* every byte value */
	{
		uint8_t all[256];
		char h[513], want[513];

		for (int i = 0; i < 256; i++)
			all[i] = (uint8_t)i;
		esp_hex(all, 256, h);
		hexify(all, 256, want);
		T_EQ_STR(h, want);
	}
}

int main(void)
{
	test_md5();
	test_sha256();
	test_large();
	test_hex();
	return t_done("test_hash");
}
