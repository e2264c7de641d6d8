/* SPDX-License-Identifier: MIT */
/* Stub JSON parser and base64 decoder on arbitrary bytes, from exact-size
 * unterminated copies (the length is the bound, not a NUL).  An accepted
 * stub's buffers must be as long as they claim (every byte is read, so ASan
 * catches short allocations); esp_stub_free releases everything (LeakSanitizer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_stub.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = malloc(size ? size : 1);
	size_t cap = 3 * (size / 4) + 3;
	uint8_t *dst = malloc(cap);
	struct esp_stub_image s;
	struct esp_error err;
	volatile unsigned sum = 0;
	long n;

	FUZZ_ASSERT(json && dst);
	memcpy(json, data, size);

	memset(&s, 0, sizeof(s));
	memset(&err, 0, sizeof(err));
	if (esp_stub_parse_json(json, size, &s, &err) == ESP_OK) {
		FUZZ_ASSERT(s.text_len == 0 || s.text != NULL);
		FUZZ_ASSERT(s.data_len == 0 || s.data != NULL);
		FUZZ_ASSERT(s.text_len <= size && s.data_len <= size);
		for (size_t i = 0; i < s.text_len; i++)
			sum += s.text[i];
		for (size_t i = 0; i < s.data_len; i++)
			sum += s.data[i];
	} else {
		FUZZ_ASSERT(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		FUZZ_ASSERT(err.msg[0] != '\0');
	}
	esp_stub_free(&s);

	n = esp_base64_decode(json, size, dst);
	FUZZ_ASSERT(n >= -1 && n <= (long)cap);
	(void)sum;
	free(json);
	free(dst);
	return 0;
}
