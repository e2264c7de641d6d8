/* SPDX-License-Identifier: MIT */
/* Stub images in esptool's JSON format.  The parser handles exactly what
 * those files contain: one flat object of string and integer members. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "esp_stub.h"

#define STUB_MAX_FILE (1u << 20)
#define STUB_MAX_SEGMENT (256u << 10)

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

long esp_base64_decode(const char *src, size_t n, uint8_t *dst)
{
	uint32_t acc = 0;
	int bits = 0;
	long out = 0;
	int pad = 0;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		if (isspace((unsigned char)c))
			continue;
		if (c == '=') {
			pad = 1;
			continue;
		}
		int v = b64_value(c);
		if (v < 0 || pad)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[out++] = (uint8_t)(acc >> bits);
		}
	}
	return out;
}

struct json_cursor {
	const char *p, *end;
};

static void skip_ws(struct json_cursor *c)
{
	while (c->p < c->end && isspace((unsigned char)*c->p))
		c->p++;
}

/* Reads a JSON string without escapes other than \/ (stub files hold
 * base64 and plain keys); returns its span. */
static int read_string(struct json_cursor *c, const char **ret_s, size_t *ret_n)
{
	skip_ws(c);
	if (c->p >= c->end || *c->p != '"')
		return -1;
	const char *s = ++c->p;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\')
			return -1;
		c->p++;
	}
	if (c->p >= c->end)
		return -1;
	*ret_s = s;
	*ret_n = (size_t)(c->p - s);
	c->p++;
	return 0;
}

static int read_uint(struct json_cursor *c, uint32_t *ret)
{
	skip_ws(c);
	uint64_t v = 0;
	const char *start = c->p;
	while (c->p < c->end && isdigit((unsigned char)*c->p)) {
		v = v * 10u + (uint64_t)(*c->p - '0');
		if (v > 0xFFFFFFFFu)
			return -1;
		c->p++;
	}
	if (c->p == start)
		return -1;
	*ret = (uint32_t)v;
	return 0;
}

static int decode_segment(const char *b64, size_t n, uint8_t **ret, size_t *ret_len)
{
	if (n / 4 * 3 > STUB_MAX_SEGMENT)
		return -1;
	uint8_t *buf = malloc(n / 4 * 3 + 3);
	if (!buf)
		return -1;
	long len = esp_base64_decode(b64, n, buf);
	if (len < 0) {
		free(buf);
		return -1;
	}
	*ret = buf;
	*ret_len = (size_t)len;
	return 0;
}

enum esp_err esp_stub_parse_json(const char *json, size_t len, struct esp_stub_image *ret,
				 struct esp_error *err)
{
	struct esp_stub_image st;
	memset(&st, 0, sizeof st);
	struct json_cursor c = {json, json + len};
	unsigned seen = 0; /* bits: text, text_start, data, data_start, entry */
	skip_ws(&c);
	if (c.p >= c.end || *c.p != '{') {
		esp_error_set(err, ESP_E_STUB, 0, "stub file is not a JSON object");
		goto fail;
	}
	c.p++;
	for (;;) {
		skip_ws(&c);
		if (c.p < c.end && *c.p == '}')
			break;
		const char *key;
		size_t klen;
		if (read_string(&c, &key, &klen) != 0) {
			esp_error_set(err, ESP_E_STUB, 0, "stub JSON: expected a member name");
			goto fail;
		}
		skip_ws(&c);
		if (c.p >= c.end || *c.p != ':') {
			esp_error_set(err, ESP_E_STUB, 0, "stub JSON: expected ':' after \"%.*s\"",
				      (int)(klen > 32 ? 32 : klen), key);
			goto fail;
		}
		c.p++;
		skip_ws(&c);
		int is_text = klen == 4 && memcmp(key, "text", 4) == 0;
		int is_data = klen == 4 && memcmp(key, "data", 4) == 0;
		if (c.p < c.end && *c.p == '"') {
			const char *v;
			size_t vlen;
			if (read_string(&c, &v, &vlen) != 0) {
				esp_error_set(err, ESP_E_STUB, 0, "stub JSON: bad string for \"%.*s\"",
					      (int)(klen > 32 ? 32 : klen), key);
				goto fail;
			}
			uint8_t **dst = is_text ? &st.text : is_data ? &st.data : NULL;
			size_t *dlen = is_text ? &st.text_len : &st.data_len;
			if (dst) {
				free(*dst);
				*dst = NULL;
				if (decode_segment(v, vlen, dst, dlen) != 0) {
					esp_error_set(err, ESP_E_STUB, 0,
						      "stub JSON: \"%s\" is not valid base64",
						      is_text ? "text" : "data");
					goto fail;
				}
				seen |= is_text ? 1u : 4u;
			}
		} else {
			uint32_t v;
			if (read_uint(&c, &v) != 0) {
				esp_error_set(err, ESP_E_STUB, 0,
					      "stub JSON: \"%.*s\" must be a string or an unsigned integer",
					      (int)(klen > 32 ? 32 : klen), key);
				goto fail;
			}
			if (klen == 10 && memcmp(key, "text_start", 10) == 0) {
				st.text_start = v;
				seen |= 2u;
			} else if (klen == 10 && memcmp(key, "data_start", 10) == 0) {
				st.data_start = v;
				seen |= 8u;
			} else if (klen == 5 && memcmp(key, "entry", 5) == 0) {
				st.entry = v;
				seen |= 16u;
			}
		}
		skip_ws(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		if (c.p < c.end && *c.p == '}')
			break;
		esp_error_set(err, ESP_E_STUB, 0, "stub JSON: expected ',' or '}'");
		goto fail;
	}
	static const char *const names[] = {"text", "text_start", "data", "data_start", "entry"};
	for (unsigned i = 0; i < 5; i++) {
		/* "data" may legitimately be absent in some stubs; the rest may not */
		if (!(seen & (1u << i)) && i != 2 && i != 3) {
			esp_error_set(err, ESP_E_STUB, 0, "stub JSON lacks \"%s\"", names[i]);
			goto fail;
		}
	}
	*ret = st;
	return ESP_OK;
fail:
	esp_stub_free(&st);
	return err ? err->code : ESP_E_STUB;
}

enum esp_err esp_stub_load_file(const char *path, struct esp_stub_image *ret, struct esp_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return esp_error_set(err, ESP_E_STUB, errno, "cannot open stub %s: %s", path,
				     strerror(errno));
	char *buf = malloc(STUB_MAX_FILE);
	if (!buf) {
		fclose(f);
		return esp_error_set(err, ESP_E_NOMEM, ENOMEM, "out of memory");
	}
	size_t n = fread(buf, 1, STUB_MAX_FILE, f);
	int too_big = n == STUB_MAX_FILE;
	fclose(f);
	enum esp_err e;
	if (too_big)
		e = esp_error_set(err, ESP_E_STUB, 0, "stub %s is larger than 1 MiB: not a stub", path);
	else
		e = esp_stub_parse_json(buf, n, ret, err);
	if (e && err && e != ESP_E_NOMEM) {
		char tmp[ESP_ERR_MSG_LEN];
		memcpy(tmp, err->msg, sizeof tmp);
		size_t pl = strlen(path) < 120 ? strlen(path) : 120;
		snprintf(err->msg, sizeof err->msg, "%.*s: %.*s", (int)pl, path,
			 (int)(sizeof tmp - pl - 3), tmp);
	}
	free(buf);
	return e;
}

enum esp_err esp_stub_builtin_for(enum esp_chip chip, struct esp_stub_image *ret,
				  struct esp_error *err)
{
	const unsigned char *json;
	size_t len;
	switch (chip) {
	case ESP_CHIP_ESP8266EX:
	case ESP_CHIP_ESP8285:
		json = esp_stub_builtin_json, len = esp_stub_builtin_json_len;
		break;
	case ESP_CHIP_ESP32:
		json = esp_stub_builtin_json_esp32, len = esp_stub_builtin_json_esp32_len;
		break;
	case ESP_CHIP_ESP32C3:
		json = esp_stub_builtin_json_esp32c3, len = esp_stub_builtin_json_esp32c3_len;
		break;
	case ESP_CHIP_UNKNOWN:
	case ESP_CHIP_ESP32_FAMILY:
	default:
		return esp_error_set(err, ESP_E_CHIP, 0, "no built-in flasher stub for this chip: "
				     "only ESP8266, ESP32 and ESP32-C3 are supported");
	}
	return esp_stub_parse_json((const char *)json, len, ret, err);
}

enum esp_err esp_stub_builtin(struct esp_stub_image *ret, struct esp_error *err)
{
	return esp_stub_builtin_for(ESP_CHIP_ESP8266EX, ret, err);
}

void esp_stub_free(struct esp_stub_image *s)
{
	if (!s)
		return;
	free(s->text);
	free(s->data);
	s->text = s->data = NULL;
	s->text_len = s->data_len = 0;
}
