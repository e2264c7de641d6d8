/* SPDX-License-Identifier: MIT */
/* Request building and response parsing (esp_proto.h) against golden bytes
 * from esp-serial-protocol.md §3 (packets, status bytes), §5 (checksum,
 * data blocks), §6.1 (SYNC), §7.1 (ESP8266 READ_REG trace) and §15 (MD5). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esp_proto.h"
#include "esp_slip.h"
#include "test.h"

static uint8_t ref_checksum(const uint8_t *p, size_t n)
{
	uint8_t c = 0xEF;

	for (size_t i = 0; i < n; i++)
		c ^= p[i];
	return c;
}

/* ---- requests --------------------------------------------------------- */

static void test_sync(void)
{
	uint8_t sync[ESP_SYNC_DATA_LEN], pkt[ESP_HDR_LEN + ESP_SYNC_DATA_LEN];
	uint8_t want[ESP_HDR_LEN + ESP_SYNC_DATA_LEN] = { 0x00, 0x08, 0x24, 0x00, 0x00, 0x00, 0x00,
							   0x00, 0x07, 0x07, 0x12, 0x20 };
	uint8_t wire[2 * sizeof(pkt) + 2];
	size_t n;

	t_set_case("SYNC");
	T_EQ_INT(ESP_SYNC_DATA_LEN, 36);
	T_EQ_INT(ESP_HDR_LEN, 8);
	T_EQ_HEX(ESP_CHECKSUM_SEED, 0xEF);
	memset(want + 12, 0x55, 32);
	memset(sync, 0, sizeof(sync));
	esp_build_sync(sync);
	T_EQ_MEM(sync, sizeof(sync), want + 8, 36);

	memset(pkt, 0xAA, sizeof(pkt));
	n = esp_build_request(ESP_CMD_SYNC, sync, sizeof(sync), 0, pkt);
	T_EQ_INT(n, 44);
	T_EQ_MEM(pkt, n, want, sizeof(want));

	/* on the wire (46 bytes): C0 00 08 24 00 00 00 00 00 07 07 12 20 55..55 C0 */
	n = esp_slip_encode(pkt, 44, wire);
	T_EQ_INT(n, 46);
	T_EQ_HEX(wire[0], 0xC0);
	T_EQ_MEM(wire + 1, 44, want, 44);
	T_EQ_HEX(wire[45], 0xC0);
	t_set_case("%s", "");
}

static void test_requests(void)
{
	static uint8_t big[0x4010], pkt[ESP_HDR_LEN + 0x4010];
	uint8_t addr[4], out[16];
	size_t n;

	t_set_case("READ_REG request");
	esp_put_le32(addr, 0x40001000);
	n = esp_build_request(ESP_CMD_READ_REG, addr, 4, 0, out);
	T_EQ_INT(n, 12);
	T_EQ_MEM(out, n,
		 ((const uint8_t[]){ 0x00, 0x0A, 0x04, 0x00, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x40 }), 12);

	t_set_case("request without data");
	memset(out, 0xAA, sizeof(out));
	n = esp_build_request(ESP_CMD_ERASE_FLASH, addr, 0, 0, out);
	T_EQ_INT(n, 8);
	T_EQ_MEM(out, 8, ((const uint8_t[]){ 0x00, 0xD0, 0, 0, 0, 0, 0, 0 }), 8);
	T_EQ_HEX(out[8], 0xAA);

	t_set_case("checksum field is LE 32 bit, size LE 16 bit");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	n = esp_build_request(ESP_CMD_FLASH_DATA, big, sizeof(big), 0x12345678u, pkt);
	T_EQ_INT(n, ESP_HDR_LEN + 0x4010);
	T_EQ_MEM(pkt, 8, ((const uint8_t[]){ 0x00, 0x03, 0x10, 0x40, 0x78, 0x56, 0x34, 0x12 }), 8);
	T_EQ_MEM(pkt + 8, 0x4010, big, sizeof(big));
	t_set_case("%s", "");
}

static void test_checksum(void)
{
	static uint8_t buf[0x4000];
	uint64_t s = 0xC0FFEE;

	t_set_case("checksum");
	T_EQ_HEX(esp_checksum(buf, 0), 0xEF);
	T_EQ_HEX(esp_checksum((const uint8_t[]){ 0xEF }, 1), 0x00);
	T_EQ_HEX(esp_checksum((const uint8_t[]){ 0x01 }, 1), 0xEE);
	T_EQ_HEX(esp_checksum((const uint8_t[]){ 0x01, 0x02, 0x03 }, 3), 0xEF);
	T_EQ_HEX(esp_checksum((const uint8_t[]){ 0x61, 0x62, 0x63 }, 3), 0x8F);
	memset(buf, 0xFF, sizeof(buf));
	T_EQ_HEX(esp_checksum(buf, 1024), 0xEF);
	T_EQ_HEX(esp_checksum(buf, 1023), 0x10);
	for (size_t i = 0; i < 256; i++)
		buf[i] = (uint8_t)i;
	T_EQ_HEX(esp_checksum(buf, 256), 0xEF); /* XOR of 0..255 is 0 */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)t_rand(&s);
	T_EQ_HEX(esp_checksum(buf, sizeof(buf)), ref_checksum(buf, sizeof(buf)));
	T_EQ_HEX(esp_checksum(buf, 777), ref_checksum(buf, 777));
	t_set_case("%s", "");
}

static void test_data_block(void)
{
	static uint8_t block[ESP_STUB_BLOCK], dst[16 + ESP_STUB_BLOCK + 8];
	uint64_t s = 0xB10C;
	uint32_t ck;

	t_set_case("data block abc seq 5");
	memset(dst, 0xAA, sizeof(dst));
	ck = esp_build_data_block((const uint8_t *)"abc", 3, 5, dst);
	T_EQ_MEM(dst, 19,
		 ((const uint8_t[]){ 3, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c' }), 19);
	T_EQ_HEX(dst[19], 0xAA);
	T_EQ_HEX(ck, 0x8F); /* 0xEF ^ 'a' ^ 'b' ^ 'c', zero-extended; header not included */

	t_set_case("data block seq LE");
	ck = esp_build_data_block((const uint8_t *)"\xEF", 1, 0x01020304, dst);
	T_EQ_MEM(dst, 17,
		 ((const uint8_t[]){ 1, 0, 0, 0, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xEF }), 17);
	T_EQ_HEX(ck, 0x00);

	t_set_case("data block 0x4000 random");
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (uint8_t)t_rand(&s);
	ck = esp_build_data_block(block, sizeof(block), 0, dst);
	T_EQ_MEM(dst, 16, ((const uint8_t[]){ 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }), 16);
	T_EQ_MEM(dst + 16, sizeof(block), block, sizeof(block));
	T_EQ_HEX(ck, ref_checksum(block, sizeof(block)));

	t_set_case("data block empty");
	ck = esp_build_data_block(block, 0, 7, dst);
	T_EQ_MEM(dst, 16, ((const uint8_t[]){ 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }), 16);
	T_EQ_HEX(ck, 0xEF);
	t_set_case("%s", "");
}

/* ---- responses -------------------------------------------------------- */

#define ANY_VALUE 0xFFFFFFFFFFull

struct resp_case {
	const char *name;
	enum esp_loader loader;
	size_t payload_len;
	size_t n;
	uint8_t frame[64];
	enum esp_err rc;          /* expected return */
	uint8_t op;
	unsigned long long value; /* ANY_VALUE: not checked */
	uint8_t status;
	uint8_t error;            /* checked when status != 0 */
	size_t data_len;
};

#define HEX16 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF
#define MD5HEX '0', '0', '1', '1', '2', '2', '3', '3', '4', '4', '5', '5', '6', '6', '7', '7', \
	'8', '8', '9', '9', 'a', 'a', 'b', 'b', 'c', 'c', 'd', 'd', 'e', 'e', 'f', 'f'

static const struct resp_case resp_cases[] = {
	/* esptool#620: ESP8266 ROM answers READ_REG 0x40001000 */
	{ "ESP8266 ROM READ_REG magic", ESP_LOADER_ROM8266, 0, 10,
	  { 0x01, 0x0a, 0x02, 0x00, 0x01, 0xc1, 0xf0, 0xff, 0x00, 0x00 },
	  ESP_OK, 0x0A, 0xFFF0C101, 0, 0, 0 },
	{ "ESP8266 ROM SYNC reply", ESP_LOADER_ROM8266, 0, 10,
	  { 0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00 },
	  ESP_OK, 0x08, 0x20120707, 0, 0, 0 },
	{ "ESP8266 ROM failure 0x05", ESP_LOADER_ROM8266, 0, 10,
	  { 0x01, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05 },
	  ESP_OK, 0x02, ANY_VALUE, 1, 0x05, 0 },
	{ "ESP8266 ROM checksum error 0x07", ESP_LOADER_ROM8266, 0, 10,
	  { 0x01, 0x03, 0x02, 0x00, 0x01, 0xc1, 0xf0, 0xff, 0x01, 0x07 },
	  ESP_OK, 0x03, ANY_VALUE, 1, 0x07, 0 },
	/* §3.2: the value field of non-READ_REG replies is stale, not an error */
	{ "ESP8266 ROM WRITE_REG with stale value", ESP_LOADER_ROM8266, 0, 10,
	  { 0x01, 0x09, 0x02, 0x00, 0x01, 0xc1, 0xf0, 0xff, 0x00, 0x00 },
	  ESP_OK, 0x09, ANY_VALUE, 0, 0, 0 },
	{ "ESP32 ROM SYNC, 4 status bytes", ESP_LOADER_ROM32, 0, 12,
	  { 0x01, 0x08, 0x04, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00, 0x00, 0x00 },
	  ESP_OK, 0x08, 0x20120707, 0, 0, 0 },
	{ "ESP32 ROM READ_REG", ESP_LOADER_ROM32, 0, 12,
	  { 0x01, 0x0a, 0x04, 0x00, 0x83, 0x1d, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00 },
	  ESP_OK, 0x0A, 0x00F01D83, 0, 0, 0 },
	{ "ESP32 ROM failure 0x0106", ESP_LOADER_ROM32, 0, 12,
	  { 0x01, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00, 0x00 },
	  ESP_OK, 0x02, ANY_VALUE, 1, 0x06, 0 },
	{ "stub OK", ESP_LOADER_STUB, 0, 10,
	  { 0x01, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	  ESP_OK, 0x02, 0, 0, 0, 0 },
	{ "stub SYNC reply (value 0)", ESP_LOADER_STUB, 0, 10,
	  { 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	  ESP_OK, 0x08, 0, 0, 0, 0 },
	{ "stub READ_REG", ESP_LOADER_STUB, 0, 10,
	  { 0x01, 0x0a, 0x02, 0x00, 0x44, 0x00, 0x00, 0x80, 0x00, 0x00 },
	  ESP_OK, 0x0A, 0x80000044, 0, 0, 0 },
	/* stub status is [error, 0]: mapped to status 1, error = code (§3.3) */
	{ "stub BAD_DATA_CHECKSUM", ESP_LOADER_STUB, 0, 10,
	  { 0x01, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC1, 0x00 },
	  ESP_OK, 0x03, ANY_VALUE, 1, 0xC1, 0 },
	{ "stub CMD_NOT_IMPLEMENTED", ESP_LOADER_STUB, 0, 10,
	  { 0x01, 0x0E, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x00 },
	  ESP_OK, 0x0E, ANY_VALUE, 1, 0xFF, 0 },
	{ "legacy stub oversize C0 EE", ESP_LOADER_STUB, 0, 10,
	  { 0x01, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0xEE },
	  ESP_OK, 0x03, ANY_VALUE, 1, 0xC0, 0 },
	/* legacy SPI_SET_PARAMS: second byte carries a ROM return value; esptool
	 * looks only at data[L] for failure */
	{ "stub [0, x] is success", ESP_LOADER_STUB, 0, 10,
	  { 0x01, 0x0B, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 },
	  ESP_OK, 0x0B, ANY_VALUE, 0, 0, 0 },
	{ "stub MD5 (16 raw bytes + 2 status)", ESP_LOADER_STUB, 16, 26,
	  { 0x01, 0x13, 0x12, 0x00, 0, 0, 0, 0, HEX16, 0x00, 0x00 },
	  ESP_OK, 0x13, 0, 0, 0, 16 },
	{ "stub MD5 failure after payload", ESP_LOADER_STUB, 16, 26,
	  { 0x01, 0x13, 0x12, 0x00, 0, 0, 0, 0, HEX16, 0x63, 0x00 },
	  ESP_OK, 0x13, ANY_VALUE, 1, 0x63, 16 },
	{ "ESP32 ROM MD5 (32 hex chars + 4 status)", ESP_LOADER_ROM32, 32, 44,
	  { 0x01, 0x13, 0x24, 0x00, 0x07, 0x07, 0x12, 0x20, MD5HEX, 0, 0, 0, 0 },
	  ESP_OK, 0x13, ANY_VALUE, 0, 0, 32 },
	{ "ROM MD5 with 2 status bytes", ESP_LOADER_ROM8266, 32, 42,
	  { 0x01, 0x13, 0x22, 0x00, 0, 0, 0, 0, MD5HEX, 0, 0 },
	  ESP_OK, 0x13, ANY_VALUE, 0, 0, 32 },
	/* not responses */
	{ "direction 0 (own request echoed)", ESP_LOADER_ROM8266, 0, 12,
	  { 0x00, 0x0a, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x40 },
	  ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "direction 2", ESP_LOADER_STUB, 0, 10,
	  { 0x02, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	  ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "direction C0", ESP_LOADER_STUB, 0, 10,
	  { 0xC0, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	  ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "OHAI is not a response", ESP_LOADER_STUB, 0, 4, { 'O', 'H', 'A', 'I' },
	  ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "empty frame", ESP_LOADER_STUB, 0, 0, { 0 }, ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "1-byte frame", ESP_LOADER_STUB, 0, 1, { 0x01 }, ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "7-byte header", ESP_LOADER_ROM8266, 0, 7, { 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00 },
	  ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "size says 3, has 2", ESP_LOADER_ROM8266, 0, 10,
	  { 0x01, 0x0a, 0x03, 0x00, 0x01, 0xc1, 0xf0, 0xff, 0x00, 0x00 },
	  ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "size says 1, has 2", ESP_LOADER_ROM8266, 0, 10,
	  { 0x01, 0x0a, 0x01, 0x00, 0x01, 0xc1, 0xf0, 0xff, 0x00, 0x00 },
	  ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "size high byte set", ESP_LOADER_ROM8266, 0, 10,
	  { 0x01, 0x0a, 0x02, 0x01, 0x01, 0xc1, 0xf0, 0xff, 0x00, 0x00 },
	  ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "size 0xFFFF", ESP_LOADER_STUB, 0, 10,
	  { 0x01, 0x0a, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	  ESP_E_PROTO, 0, 0, 0, 0, 0 },
	{ "frame one byte longer than size", ESP_LOADER_STUB, 0, 11,
	  { 0x01, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	  ESP_E_PROTO, 0, 0, 0, 0, 0 },
};

static void test_responses(void)
{
	for (size_t i = 0; i < sizeof(resp_cases) / sizeof(resp_cases[0]); i++) {
		const struct resp_case *c = &resp_cases[i];
		struct esp_resp r;
		/* exact-size heap copy so ASan sees any read past the frame */
		uint8_t *f = malloc(c->n ? c->n : 1);
		enum esp_err rc;

		T_REQUIRE(f);
		memcpy(f, c->frame, c->n);
		t_set_case("response: %s", c->name);
		memset(&r, 0x5A, sizeof(r));
		rc = esp_parse_response(f, c->n, c->loader, c->payload_len, &r);
		T_EQ_INT(rc, c->rc);
		if (rc == ESP_OK && c->rc == ESP_OK) {
			T_EQ_HEX(r.op, c->op);
			if (c->value != ANY_VALUE)
				T_EQ_HEX(r.value, c->value);
			T_EQ_INT(r.status != 0, c->status != 0);
			if (c->status)
				T_EQ_INT(r.status, 1);
			if (c->status)
				T_EQ_HEX(r.error, c->error);
			T_EQ_INT(r.data_len, c->data_len);
			if (c->data_len) {
				T_CHECK(r.data == f + 8);
				if (r.data == f + 8)
					T_EQ_MEM(r.data, r.data_len, c->frame + 8, c->data_len);
			}
		}
		free(f);
	}
	t_set_case("%s", "");
}

/* Frames that do not carry the status trailer the command needs must never
 * read as success (esptool inspects data[0..1] when data is shorter than
 * L + 2, so these are failures or malformed, never OK). */
static void test_short_status(void)
{
	static const struct {
		const char *name;
		enum esp_loader loader;
		size_t payload_len, n;
		uint8_t frame[16];
	} cases[] = {
		{ "header only, ROM", ESP_LOADER_ROM8266, 0, 8, { 0x01, 0x0a, 0, 0, 1, 2, 3, 4 } },
		{ "header only, stub", ESP_LOADER_STUB, 0, 8, { 0x01, 0x02, 0, 0, 0, 0, 0, 0 } },
		{ "one status byte", ESP_LOADER_ROM8266, 0, 9, { 0x01, 0x0a, 1, 0, 1, 2, 3, 4, 0 } },
		{ "stub MD5 error without payload", ESP_LOADER_STUB, 16, 10,
		  { 0x01, 0x13, 2, 0, 0, 0, 0, 0, 0xC0, 0x00 } },
		{ "stub MD5 OK status without payload", ESP_LOADER_STUB, 16, 10,
		  { 0x01, 0x13, 2, 0, 0, 0, 0, 0, 0x00, 0x00 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct esp_resp r;
		uint8_t *f = malloc(cases[i].n);
		enum esp_err rc;

		T_REQUIRE(f);
		memcpy(f, cases[i].frame, cases[i].n);
		t_set_case("short status: %s", cases[i].name);
		memset(&r, 0, sizeof(r));
		rc = esp_parse_response(f, cases[i].n, cases[i].loader, cases[i].payload_len, &r);
		T_CHECK(rc != ESP_OK || r.status != 0);
		if (rc == ESP_OK && r.data_len)
			T_CHECK(r.data >= f + 8 && r.data + r.data_len <= f + cases[i].n);
		free(f);
	}
	t_set_case("%s", "");
}

/* ---- names and helpers -------------------------------------------------- */

static void test_cmd_names(void)
{
	static const struct {
		uint8_t op;
		const char *name;
	} names[] = {
		{ ESP_CMD_FLASH_BEGIN, "FLASH_BEGIN" },
		{ ESP_CMD_FLASH_DATA, "FLASH_DATA" },
		{ ESP_CMD_FLASH_END, "FLASH_END" },
		{ ESP_CMD_MEM_BEGIN, "MEM_BEGIN" },
		{ ESP_CMD_MEM_END, "MEM_END" },
		{ ESP_CMD_MEM_DATA, "MEM_DATA" },
		{ ESP_CMD_SYNC, "SYNC" },
		{ ESP_CMD_WRITE_REG, "WRITE_REG" },
		{ ESP_CMD_READ_REG, "READ_REG" },
		{ ESP_CMD_SPI_SET_PARAMS, "SPI_SET_PARAMS" },
		{ ESP_CMD_SPI_ATTACH, "SPI_ATTACH" },
		{ ESP_CMD_CHANGE_BAUDRATE, "CHANGE_BAUDRATE" },
		{ ESP_CMD_FLASH_DEFL_BEGIN, "FLASH_DEFL_BEGIN" },
		{ ESP_CMD_FLASH_DEFL_DATA, "FLASH_DEFL_DATA" },
		{ ESP_CMD_FLASH_DEFL_END, "FLASH_DEFL_END" },
		{ ESP_CMD_SPI_FLASH_MD5, "SPI_FLASH_MD5" },
		{ ESP_CMD_ERASE_FLASH, "ERASE_FLASH" },
		{ ESP_CMD_ERASE_REGION, "ERASE_REGION" },
		{ ESP_CMD_READ_FLASH, "READ_FLASH" },
		{ ESP_CMD_RUN_USER_CODE, "RUN_USER_CODE" },
	};
	const char *a, *b;

	/* opcode values are the protocol's (§4) */
	T_EQ_HEX(ESP_CMD_FLASH_BEGIN, 0x02);
	T_EQ_HEX(ESP_CMD_SYNC, 0x08);
	T_EQ_HEX(ESP_CMD_READ_REG, 0x0A);
	T_EQ_HEX(ESP_CMD_CHANGE_BAUDRATE, 0x0F);
	T_EQ_HEX(ESP_CMD_SPI_FLASH_MD5, 0x13);
	T_EQ_HEX(ESP_CMD_READ_FLASH, 0xD2);
	T_EQ_HEX(ESP_CMD_RUN_USER_CODE, 0xD3);
	T_EQ_INT(ESP_ROM_BLOCK, 0x400);
	T_EQ_INT(ESP_STUB_BLOCK, 0x4000);
	T_EQ_INT(ESP_MEM_BLOCK, 0x1800);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		t_set_case("cmd name 0x%02x", names[i].op);
		T_EQ_STR(esp_cmd_name(names[i].op), names[i].name);
	}
	t_set_case("cmd name unknown");
	a = esp_cmd_name(0x42);
	T_REQUIRE(a != NULL);
	T_CHECK(strcasecmp(a, "0x42") == 0);
	T_CHECK(strcasecmp(esp_cmd_name(0x7E), "0x7e") == 0);
	T_CHECK(strcasecmp(esp_cmd_name(0x00), "0x00") == 0);
	T_CHECK(strcasecmp(esp_cmd_name(0xFF), "0xff") == 0);
	/* no shared scratch buffer: a second call must not change the first
	 * result (core has no mutable global state, style C.15) */
	a = esp_cmd_name(0x42);
	b = esp_cmd_name(0x43);
	T_CHECK(strcasecmp(a, "0x42") == 0);
	T_CHECK(strcasecmp(b, "0x43") == 0);
	t_set_case("%s", "");
}

static void test_le(void)
{
	uint8_t b[6] = { 0xAA, 0, 0, 0, 0, 0xAA };

	t_set_case("LE helpers");
	esp_put_le32(b + 1, 0x12345678u);
	T_EQ_MEM(b, 6, ((const uint8_t[]){ 0xAA, 0x78, 0x56, 0x34, 0x12, 0xAA }), 6);
	T_EQ_HEX(esp_get_le32(b + 1), 0x12345678u);
	esp_put_le32(b + 1, 0xFFF0C101u);
	T_EQ_HEX(esp_get_le32(b + 1), 0xFFF0C101u);
	T_EQ_HEX(b[4], 0xFF);
	esp_put_le16(b + 1, 0xBEEF);
	T_EQ_HEX(b[1], 0xEF);
	T_EQ_HEX(b[2], 0xBE);
	T_EQ_HEX(esp_get_le16(b + 1), 0xBEEF);
	T_EQ_HEX(esp_get_le32((const uint8_t[]){ 0x01, 0xc1, 0xf0, 0xff }), 0xFFF0C101u);
	T_EQ_HEX(esp_get_le16((const uint8_t[]){ 0x24, 0x00 }), 36);
	t_set_case("%s", "");
}

int main(void)
{
	test_sync();
	test_requests();
	test_checksum();
	test_data_block();
	test_responses();
	test_short_status();
	test_cmd_names();
	test_le();
	return t_done("test_proto");
}
