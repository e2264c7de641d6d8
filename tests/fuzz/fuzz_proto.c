/* SPDX-License-Identifier: MIT */
/* Response parser: byte 0 picks the expected payload length, the rest is a
 * frame, parsed as each loader kind from an exact-size heap copy (ASan sees
 * any read past the frame).  On success the fields must come from inside the
 * frame and agree with the wire layout of esp-serial-protocol.md §3.2/§3.3. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_proto.h"
#include "fuzz.h"

static void check(const uint8_t *f, size_t len, enum esp_loader loader, size_t pl)
{
	struct esp_resp r;
	enum esp_err rc;

	memset(&r, 0xA5, sizeof(r));
	rc = esp_parse_response(f, len, loader, pl, &r);
	if (rc != ESP_OK) {
		FUZZ_ASSERT(rc == ESP_E_PROTO);
		return;
	}
	/* only well-formed responses get here */
	FUZZ_ASSERT(len >= ESP_HDR_LEN);
	FUZZ_ASSERT(f[0] == 0x01);
	FUZZ_ASSERT(esp_get_le16(f + 2) == len - ESP_HDR_LEN);
	FUZZ_ASSERT(r.op == f[1]);
	FUZZ_ASSERT(r.value == esp_get_le32(f + 4));
	FUZZ_ASSERT(r.data_len <= len - ESP_HDR_LEN);
	if (r.data_len) {
		FUZZ_ASSERT(r.data >= f + ESP_HDR_LEN);
		FUZZ_ASSERT(r.data + r.data_len <= f + len);
	}
	/* success needs the whole trailer, and its first byte says OK */
	if (r.status == 0) {
		FUZZ_ASSERT(len - ESP_HDR_LEN >= pl + 2);
		FUZZ_ASSERT(f[ESP_HDR_LEN + pl] == 0);
	} else if (len - ESP_HDR_LEN >= pl + 2) {
		/* the reason: second byte for the ROMs, first byte for the stub */
		if (loader == ESP_LOADER_STUB)
			FUZZ_ASSERT(r.error == f[ESP_HDR_LEN + pl]);
		else
			FUZZ_ASSERT(r.error == f[ESP_HDR_LEN + pl + 1]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t common[] = { 0, 16, 32, 64, 20, 12 };
	size_t pl, len;
	uint8_t *f;

	if (size < 1)
		return 0;
	pl = data[0] < 0x80 ? common[data[0] % 6] : (size_t)(data[0] - 0x80);
	len = size - 1;
	f = malloc(len ? len : 1);
	FUZZ_ASSERT(f);
	memcpy(f, data + 1, len);
	check(f, len, ESP_LOADER_ROM8266, pl);
	check(f, len, ESP_LOADER_ROM32, pl);
	check(f, len, ESP_LOADER_STUB, pl);
	free(f);
	return 0;
}
