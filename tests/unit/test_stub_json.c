/* SPDX-License-Identifier: MIT */
/* Stub images (esp_stub.h): RFC 4648 base64, esptool's JSON stub format
 * (esp-serial-protocol.md §8), and the built-in stub: esp-flasher-stub
 * v1.2.2 for ESP8266 as shipped in esptool-js 0.7.0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esp_hash.h"
#include "esp_stub.h"
#include "test.h"

/* ---- base64 ------------------------------------------------------------- */

static size_t ref_b64(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? a[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/* Decodes into an exact-size heap buffer (the documented 3 * (n / 4) + 3)
 * so ASan sees writes past it.  Returns the result length; fills out. */
static long b64(const char *s, uint8_t *out, size_t outcap)
{
	size_t n = strlen(s), cap = 3 * (n / 4) + 3;
	char *src = malloc(n ? n : 1);
	uint8_t *dst = malloc(cap);
	long r;

	T_REQUIRE(src && dst);
	memcpy(src, s, n); /* not NUL-terminated: n is the length */
	r = esp_base64_decode(src, n, dst);
	if (r > 0 && (size_t)r <= outcap)
		memcpy(out, dst, (size_t)r);
	T_CHECK(r <= (long)cap);
	free(src);
	free(dst);
	return r;
}

static void test_base64(void)
{
	static const struct {
		const char *in;
		const char *out;
	} ok[] = {
		/* RFC 4648 §10 */
		{ "", "" },
		{ "Zg==", "f" },
		{ "Zm8=", "fo" },
		{ "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" },
		{ "Zm9vYmE=", "fooba" },
		{ "Zm9vYmFy", "foobar" },
		/* padding optional */
		{ "Zg", "f" },
		{ "Zm8", "fo" },
		{ "Zm9vYmE", "fooba" },
		/* whitespace ignored */
		{ "Zm9v\nYmFy", "foobar" },
		{ " Zm9v YmE= ", "fooba" },
		{ "Zm\r\n9v\tYg==\n", "foob" },
	};
	static const char *const bad[] = {
		"Zm9v!", "Zm9v\x80", "Zm9v\"", "Z*==", "Zm9v.", "Zm9v\x01",
	};
	uint8_t out[600];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		long r;

		t_set_case("base64 \"%s\"", ok[i].in);
		r = b64(ok[i].in, out, sizeof(out));
		T_EQ_INT(r, (long)strlen(ok[i].out));
		if (r == (long)strlen(ok[i].out))
			T_EQ_MEM(out, (size_t)r, ok[i].out, strlen(ok[i].out));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t_set_case("base64 bad #%zu", i);
		T_EQ_INT(b64(bad[i], out, sizeof(out)), -1);
	}

	/* RFC 4648 also defines the URL-safe alphabet (§5); the header leaves
	 * open whether '-' and '_' are accepted, but if they are, they must mean
	 * 62 and 63 */
	t_set_case("base64 URL-safe characters");
	{
		long r = b64("Zm-v", out, sizeof(out));

		T_CHECK(r == -1 || r == 3);
		if (r == 3)
			T_EQ_MEM(out, 3, ((const uint8_t[]){ 0x66, 0x6F, 0xAF }), 3);
		r = b64("Zm9v_w", out, sizeof(out));
		T_CHECK(r == -1 || r == 4);
		if (r == 4)
			T_EQ_MEM(out, 4, ((const uint8_t[]){ 0x66, 0x6F, 0x6F, 0xFF }), 4);
	}

	/* every byte value, every length mod 3 */
	t_set_case("base64 binary");
	{
		uint8_t bin[300];
		char enc[404];

		for (size_t i = 0; i < sizeof(bin); i++)
			bin[i] = (uint8_t)(255 - i * 13);
		for (size_t len = 0; len <= 258; len += 1 + len / 8) {
			long r;

			ref_b64(bin, len, enc);
			t_set_case("base64 binary len %zu", len);
			r = b64(enc, out, sizeof(out));
			T_EQ_INT(r, (long)len);
			if (r == (long)len)
				T_EQ_MEM(out, len, bin, len);
		}
	}
	t_set_case("%s", "");
}

/* ---- JSON --------------------------------------------------------------- */

/* Parses from an exact-size, unterminated heap copy. */
static enum esp_err parse(const char *json, struct esp_stub_image *img, struct esp_error *err)
{
	size_t n = strlen(json);
	char *copy = malloc(n ? n : 1);
	enum esp_err rc;

	T_REQUIRE(copy);
	memcpy(copy, json, n);
	memset(img, 0, sizeof(*img));
	memset(err, 0, sizeof(*err));
	rc = esp_stub_parse_json(copy, n, img, err);
	free(copy);
	return rc;
}

#define ENTRY 1074843652u      /* 0x4010D004 */
#define TEXT_START 1074843648u /* 0x4010D000 */
#define DATA_START 1073720492u /* 0x3FFFACAC */

static void check_small(const struct esp_stub_image *s)
{
	T_EQ_INT(s->text_len, 4);
	if (s->text_len == 4)
		T_EQ_MEM(s->text, 4, ((const uint8_t[]){ 0, 1, 2, 3 }), 4);
	T_EQ_INT(s->data_len, 3);
	if (s->data_len == 3)
		T_EQ_MEM(s->data, 3, ((const uint8_t[]){ 4, 5, 6 }), 3);
	T_EQ_HEX(s->entry, 0x4010D004);
	T_EQ_HEX(s->text_start, 0x4010D000);
	T_EQ_HEX(s->data_start, 0x3FFFACAC);
}

static void test_json_ok(void)
{
	static const struct {
		const char *name;
		const char *json;
	} cases[] = {
		{ "esptool-js layout",
		  "{\n    \"entry\": 1074843652,\n    \"text\": \"AAECAw==\",\n"
		  "    \"text_start\": 1074843648,\n    \"data\": \"BAUG\",\n"
		  "    \"data_start\": 1073720492,\n    \"bss_start\": 1073676288\n}\n" },
		{ "compact, other order",
		  "{\"bss_start\":1073676288,\"data_start\":1073720492,\"data\":\"BAUG\","
		  "\"text_start\":1074843648,\"text\":\"AAECAw==\",\"entry\":1074843652}" },
		{ "tabs and CRLF",
		  "\r\n{\r\n\t\"text\"\t:\t\"AAECAw==\" ,\r\n\t\"data\" : \"BAUG\"\t,\"entry\"\r\n:\r\n1074843652,"
		  "\"text_start\":  1074843648 , \"data_start\":1073720492,\"bss_start\":1073676288 }  \n" },
		{ "unknown keys ignored",
		  "{\"name\": \"esp8266\", \"entry\": 1074843652, \"text\": \"AAECAw==\", \"version\": 2,"
		  " \"text_start\": 1074843648, \"data\": \"BAUG\", \"data_start\": 1073720492,"
		  " \"bss_start\": 1073676288, \"zz\": \"x\"}" },
		{ "bss_start is optional",
		  "{\"entry\": 1074843652, \"text\": \"AAECAw==\", \"text_start\": 1074843648,"
		  " \"data\": \"BAUG\", \"data_start\": 1073720492}" },
		{ "unpadded base64",
		  "{\"entry\": 1074843652, \"text\": \"AAECAw\", \"text_start\": 1074843648,"
		  " \"data\": \"BAUG\", \"data_start\": 1073720492, \"bss_start\": 0}" },
	};
	struct esp_stub_image img;
	struct esp_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t_set_case("json %s", cases[i].name);
		T_EQ_INT(parse(cases[i].json, &img, &err), ESP_OK);
		check_small(&img);
		esp_stub_free(&img);
	}

	t_set_case("json extreme integers");
	T_EQ_INT(parse("{\"entry\": 0, \"text\": \"AAECAw==\", \"text_start\": 4294967295,"
		       " \"data\": \"\", \"data_start\": 0}",
		       &img, &err),
		 ESP_OK);
	T_EQ_HEX(img.entry, 0);
	T_EQ_HEX(img.text_start, 0xFFFFFFFFu);
	T_EQ_INT(img.data_len, 0);
	esp_stub_free(&img);

	/* a bigger text through the reference encoder */
	t_set_case("json 3000-byte text");
	{
		static uint8_t bin[3000];
		static char enc[4100], json[4400];
		uint64_t s = 77;

		for (size_t i = 0; i < sizeof(bin); i++)
			bin[i] = (uint8_t)t_rand(&s);
		ref_b64(bin, sizeof(bin), enc);
		snprintf(json, sizeof(json),
			 "{\"entry\": 1, \"text\": \"%s\", \"text_start\": 2, \"data\": \"%s\","
			 " \"data_start\": 3, \"bss_start\": 4}",
			 enc, "AQ==");
		T_EQ_INT(parse(json, &img, &err), ESP_OK);
		T_EQ_INT(img.text_len, sizeof(bin));
		if (img.text_len == sizeof(bin))
			T_EQ_MEM(img.text, img.text_len, bin, sizeof(bin));
		T_EQ_INT(img.data_len, 1);
		T_EQ_INT(img.entry, 1);
		T_EQ_INT(img.text_start, 2);
		T_EQ_INT(img.data_start, 3);
		esp_stub_free(&img);
	}
	t_set_case("%s", "");
}

static void test_json_bad(void)
{
	static const struct {
		const char *name;
		const char *json;
		const char *field; /* named in the message; NULL: any message */
	} cases[] = {
		{ "missing text",
		  "{\"entry\": 1074843652, \"text_start\": 1074843648, \"data\": \"BAUG\","
		  " \"data_start\": 1073720492}", "text" },
		{ "missing text_start",
		  "{\"entry\": 1074843652, \"text\": \"AAECAw==\", \"data\": \"BAUG\","
		  " \"data_start\": 1073720492}", "text_start" },
		{ "missing entry",
		  "{\"text\": \"AAECAw==\", \"text_start\": 1074843648, \"data\": \"BAUG\","
		  " \"data_start\": 1073720492}", "entry" },
		{ "bad base64 in text",
		  "{\"entry\": 1, \"text\": \"AA!ECAw==\", \"text_start\": 2, \"data\": \"BAUG\","
		  " \"data_start\": 3}", "text" },
		{ "bad base64 in data",
		  "{\"entry\": 1, \"text\": \"AAECAw==\", \"text_start\": 2, \"data\": \"BA*UG\","
		  " \"data_start\": 3}", "data" },
		{ "text_start is a string",
		  "{\"entry\": 1, \"text\": \"AAECAw==\", \"text_start\": \"2\", \"data\": \"BAUG\","
		  " \"data_start\": 3}", "text_start" },
		{ "entry negative",
		  "{\"entry\": -4, \"text\": \"AAECAw==\", \"text_start\": 2, \"data\": \"BAUG\","
		  " \"data_start\": 3}", "entry" },
		{ "entry does not fit 32 bits",
		  "{\"entry\": 4294967296, \"text\": \"AAECAw==\", \"text_start\": 2, \"data\": \"BAUG\","
		  " \"data_start\": 3}", "entry" },
		{ "text is a number",
		  "{\"entry\": 1, \"text\": 5, \"text_start\": 2, \"data\": \"BAUG\", \"data_start\": 3}",
		  "text" },
		{ "empty input", "", NULL },
		{ "only whitespace", "  \n ", NULL },
		{ "open brace", "{", NULL },
		{ "array", "[1, 2]", NULL },
		{ "null", "null", NULL },
		{ "value missing", "{\"text\": }", NULL },
		{ "unterminated string", "{\"entry\": 1, \"text\": \"AAEC", NULL },
		{ "unterminated object",
		  "{\"entry\": 1, \"text\": \"AAECAw==\", \"text_start\": 2, \"data\": \"BAUG\","
		  " \"data_start\": 3", NULL },
		{ "missing comma",
		  "{\"entry\": 1 \"text\": \"AAECAw==\", \"text_start\": 2, \"data\": \"BAUG\","
		  " \"data_start\": 3}", NULL },
	};
	struct esp_stub_image img;
	struct esp_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum esp_err rc;

		t_set_case("json bad: %s", cases[i].name);
		rc = parse(cases[i].json, &img, &err);
		T_NE_INT(rc, ESP_OK);
		if (rc != ESP_OK) {
			T_EQ_INT(err.code, rc);
			T_CHECK(err.msg[0] != '\0');
			if (cases[i].field)
				T_HAS_STR(err.msg, cases[i].field);
		}
		/* a half-built image may be freed; a clean one must stay freeable */
		esp_stub_free(&img);
	}

	/* data is optional in esptool's loader; if refused, say which field */
	static const char *const no_data[] = {
		"{\"entry\": 1, \"text\": \"AAECAw==\", \"text_start\": 2}",
		"{\"entry\": 1, \"text\": \"AAECAw==\", \"text_start\": 2, \"data_start\": 3}",
	};
	for (size_t i = 0; i < sizeof(no_data) / sizeof(no_data[0]); i++) {
		enum esp_err rc;

		t_set_case("json without data #%zu", i);
		rc = parse(no_data[i], &img, &err);
		if (rc == ESP_OK)
			T_EQ_INT(img.data_len, 0);
		else
			T_HAS_STR(err.msg, "data");
		esp_stub_free(&img);
	}

	/* the length bounds the input: a valid document cut short is not valid */
	t_set_case("json cut by len");
	{
		static const char full[] = "{\"entry\": 1, \"text\": \"AAECAw==\", \"text_start\": 2,"
					   " \"data\": \"BAUG\", \"data_start\": 3}";
		char *copy = malloc(sizeof(full));

		T_REQUIRE(copy);
		memcpy(copy, full, sizeof(full));
		memset(&img, 0, sizeof(img));
		T_NE_INT(esp_stub_parse_json(copy, sizeof(full) - 3, &img, &err), ESP_OK);
		esp_stub_free(&img);
		memset(&img, 0, sizeof(img));
		T_EQ_INT(esp_stub_parse_json(copy, sizeof(full) - 1, &img, &err), ESP_OK);
		esp_stub_free(&img);
		free(copy);
	}
	t_set_case("%s", "");
}

/* ---- built-in stub and files ----------------------------------------------- */

static void test_builtin(void)
{
	struct esp_stub_image s;
	struct esp_error err;
	uint8_t md5[ESP_MD5_LEN];
	char hex[2 * ESP_MD5_LEN + 1];

	t_set_case("builtin stub");
	T_CHECK(esp_stub_builtin_json_len > 100);
	T_CHECK(esp_stub_builtin_json[0] == '{');
	memset(&s, 0, sizeof(s));
	T_REQUIRE(esp_stub_builtin(&s, &err) == ESP_OK);
	/* esp-flasher-stub v1.2.2 for ESP8266 (esptool-js 0.7.0), §8 table */
	T_EQ_HEX(s.entry, 0x4010C504);
	T_EQ_HEX(s.text_start, 0x4010C500);
	T_EQ_HEX(s.data_start, 0x3FFFAE6C);
	T_EQ_INT(s.text_len, 11456);
	T_EQ_INT(s.data_len, 920);
	/* content: first/last bytes and digests of the decoded segments
	 * (computed from the pinned esp8266.json with Python) */
	if (s.text_len == 11456) {
		T_EQ_MEM(s.text, 8, ((const uint8_t[]){ 0xa8, 0x10, 0x00, 0x40, 0x01, 0xff, 0xff, 0x46 }), 8);
		T_EQ_MEM(s.text + s.text_len - 8, 8,
			 ((const uint8_t[]){ 0x29, 0x0d, 0xc9, 0x0e, 0x46, 0x76, 0xfe, 0x00 }), 8);
		esp_md5(s.text, s.text_len, md5);
		T_EQ_STR(esp_hex(md5, sizeof(md5), hex), "2f1cdc61b44cf29e0e68db789ecfe533");
	}
	if (s.data_len == 920) {
		T_EQ_MEM(s.data, 8, ((const uint8_t[]){ 0x44, 0xcd, 0x10, 0x40, 0x2c, 0x81, 0xfe, 0x3f }), 8);
		esp_md5(s.data, s.data_len, md5);
		T_EQ_STR(esp_hex(md5, sizeof(md5), hex), "6b30b362256f3faad3d50533225fe0c1");
	}
	esp_stub_free(&s);

	/* the embedded JSON goes through the same parser as --stub FILE.json */
	t_set_case("builtin JSON through the parser");
	memset(&s, 0, sizeof(s));
	T_EQ_INT(esp_stub_parse_json((const char *)esp_stub_builtin_json, esp_stub_builtin_json_len, &s,
				     &err),
		 ESP_OK);
	T_EQ_INT(s.text_len, 11456);
	T_EQ_HEX(s.entry, 0x4010C504);
	esp_stub_free(&s);
	t_set_case("%s", "");
}

static void test_load_file(void)
{
	char path[] = "/tmp/espstation-test-stub-XXXXXX";
	struct esp_stub_image s;
	struct esp_error err;
	const char *json = "{\"entry\": 1074843652, \"text\": \"AAECAw==\", \"text_start\": 1074843648,"
			   " \"data\": \"BAUG\", \"data_start\": 1073720492, \"bss_start\": 0}\n";
	int fd;

	t_set_case("load file");
	fd = mkstemp(path);
	T_REQUIRE(fd >= 0);
	T_REQUIRE(write(fd, json, strlen(json)) == (ssize_t)strlen(json));
	close(fd);
	memset(&s, 0, sizeof(s));
	T_EQ_INT(esp_stub_load_file(path, &s, &err), ESP_OK);
	check_small(&s);
	esp_stub_free(&s);
	unlink(path);

	t_set_case("load missing file");
	memset(&s, 0, sizeof(s));
	memset(&err, 0, sizeof(err));
	T_NE_INT(esp_stub_load_file("/nonexistent/espstation/stub.json", &s, &err), ESP_OK);
	T_CHECK(err.msg[0] != '\0');
	esp_stub_free(&s);

	t_set_case("free is idempotent on a zeroed image");
	memset(&s, 0, sizeof(s));
	esp_stub_free(&s);
	t_set_case("%s", "");
}

int main(void)
{
	test_base64();
	test_json_ok();
	test_json_bad();
	test_builtin();
	test_load_file();
	return t_done("test_stub_json");
}
