/* SPDX-License-Identifier: MIT */
/* Image parse and esptool-style header patch.  Bytes 0-3 choose the patch
 * parameters and address, the rest is the file.  Parse results must describe
 * the bytes; the patch never changes anything but bytes 2-3, reports exactly
 * whether it changed them, leaves everything alone on error or when not at
 * 0x0, and patches every image that parses (esp-serial-protocol.md §16.3). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_image.h"
#include "fuzz.h"

#define MB (1024u * 1024u)

static const int modes[] = { ESP_FM_KEEP, ESP_FM_QIO, ESP_FM_QOUT, ESP_FM_DIO, ESP_FM_DOUT };
static const uint32_t sizes[] = { 0, 256 * 1024, 512 * 1024, 1 * MB, 2 * MB, 4 * MB, 8 * MB, 16 * MB, 3 * MB };
static const int freqs[] = { -1, 0x0, 0x1, 0x2, 0xF };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct esp_flash_params p;
	struct esp_image_info info;
	struct esp_error err;
	uint32_t addr;
	size_t len;
	uint8_t *img, *orig;
	int changed = -1, parsed, all_keep;
	enum esp_err rc;

	if (size < 4)
		return 0;
	p.mode = modes[data[0] % 5];
	p.size = sizes[data[1] % 9];
	p.freq_code = freqs[data[2] % 5];
	addr = data[3] & 0x80 ? 0x1000 : 0;
	all_keep = p.mode == ESP_FM_KEEP && p.size == 0 && p.freq_code == -1;
	len = size - 4;
	img = malloc(len ? len : 1);
	orig = malloc(len ? len : 1);
	FUZZ_ASSERT(img && orig);
	memcpy(img, data + 4, len);
	memcpy(orig, data + 4, len);

	memset(&err, 0, sizeof(err));
	parsed = esp_image_parse(img, len, &info, &err) == ESP_OK;
	FUZZ_ASSERT(memcmp(img, orig, len) == 0); /* parse is read-only */
	if (parsed) {
		FUZZ_ASSERT(len >= 16 && img[0] == 0xE9);
		FUZZ_ASSERT(info.magic == 0xE9);
		FUZZ_ASSERT(info.segments == img[1] && info.segments <= 16);
		FUZZ_ASSERT(info.mode == img[2]);
		FUZZ_ASSERT(info.size_code == (img[3] & 0xF0));
		FUZZ_ASSERT(info.freq_code == (img[3] & 0x0F));
		FUZZ_ASSERT(info.entry == ((uint32_t)img[4] | (uint32_t)img[5] << 8 |
					   (uint32_t)img[6] << 16 | (uint32_t)img[7] << 24));
		FUZZ_ASSERT(info.checksum_ok == 1);
		FUZZ_ASSERT(info.image_end >= 16 && info.image_end <= len);
		FUZZ_ASSERT(info.image_end % 16 == 0);
	} else {
		FUZZ_ASSERT(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
	}

	memset(&err, 0, sizeof(err));
	rc = esp_image_patch(img, len, addr, &p, &changed, &err);
	if (len >= 2)
		FUZZ_ASSERT(memcmp(img, orig, 2) == 0);
	if (len > 4)
		FUZZ_ASSERT(memcmp(img + 4, orig + 4, len - 4) == 0);
	if (rc != ESP_OK || addr != 0 || len < 8 || orig[0] != 0xE9 || all_keep)
		FUZZ_ASSERT(memcmp(img, orig, len) == 0);
	if (rc == ESP_OK)
		FUZZ_ASSERT(changed == (len >= 4 && memcmp(img + 2, orig + 2, 2) != 0));
	if (parsed && addr == 0 && !all_keep && p.size != 3 * MB) {
		int code = p.size ? esp_flash_size_code(p.size) : orig[3] & 0xF0;
		uint8_t b2 = p.mode == ESP_FM_KEEP ? orig[2] : (uint8_t)p.mode;
		uint8_t b3 = (uint8_t)(code | (p.freq_code < 0 ? orig[3] & 0x0F : p.freq_code));

		FUZZ_ASSERT(rc == ESP_OK);
		FUZZ_ASSERT(code >= 0);
		FUZZ_ASSERT(img[2] == b2 && img[3] == b3);
	}
	free(img);
	free(orig);
	return 0;
}
