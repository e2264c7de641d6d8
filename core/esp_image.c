/* SPDX-License-Identifier: MIT */
/* Image header parsing and esptool-compatible patching (esp-serial-protocol.md
 * §16), flash size tables (§10.3, §16.1). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "esp_image.h"
#include "esp_proto.h"

#define MAX_SEGMENTS 16

struct size_row {
	const char *name;
	uint32_t bytes;
	int code; /* ESP8266 header size code, -1 if none */
};

static const struct size_row s_sizes[] = {
	{"256KB", 256u << 10, 0x10}, {"512KB", 512u << 10, 0x00}, {"1MB", 1u << 20, 0x20},
	{"2MB", 2u << 20, 0x30},     {"4MB", 4u << 20, 0x40},     {"8MB", 8u << 20, 0x80},
	{"16MB", 16u << 20, 0x90},   {"32MB", 32u << 20, -1},     {"64MB", 64u << 20, -1},
	{"128MB", 128u << 20, -1},   {"256MB", 256u << 20, -1},
};
#define N_SIZES (sizeof s_sizes / sizeof s_sizes[0])

uint32_t esp_flash_size_from_jedec(uint32_t flash_id)
{
	uint8_t manuf = (uint8_t)flash_id, type = (uint8_t)(flash_id >> 8);
	uint8_t cap = (uint8_t)(flash_id >> 16);
	if (manuf == 0x1F) {
		/* Adesto encodes the size in the low bits of the type byte */
		unsigned c = type & 0x1Fu;
		return c >= 0x04 && c <= 0x09 ? (512u << 10) << (c - 0x04) : 0;
	}
	if (cap >= 0x12 && cap <= 0x1C)
		return (256u << 10) << (cap - 0x12);
	if (cap >= 0x32 && cap <= 0x3A)
		return (256u << 10) << (cap - 0x32);
	if (cap >= 0x20 && cap <= 0x22)
		return (64u << 20) << (cap - 0x20);
	return 0;
}

int esp_flash_size_code(uint32_t bytes)
{
	for (size_t i = 0; i < N_SIZES; i++)
		if (s_sizes[i].bytes == bytes)
			return s_sizes[i].code;
	return -1;
}

uint32_t esp_flash_size_from_code(uint8_t code)
{
	/* 0x50/0x60 are the "-c1" 2 MB/4 MB layouts */
	if (code == 0x50)
		return 2u << 20;
	if (code == 0x60)
		return 4u << 20;
	for (size_t i = 0; i < N_SIZES; i++)
		if (s_sizes[i].code == (int)code)
			return s_sizes[i].bytes;
	return 0;
}

uint32_t esp_flash_size_parse(const char *s)
{
	for (size_t i = 0; i < N_SIZES; i++)
		if (strcasecmp(s, s_sizes[i].name) == 0)
			return s_sizes[i].bytes;
	return 0;
}

const char *esp_flash_size_name(uint32_t bytes, char *buf, size_t cap)
{
	if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
		snprintf(buf, cap, "%uMB", bytes >> 20);
	else if (bytes % 1024u == 0)
		snprintf(buf, cap, "%uKB", bytes >> 10);
	else
		snprintf(buf, cap, "%uB", bytes);
	return buf;
}

int esp_flash_mode_parse(const char *s)
{
	static const char *const names[] = {"qio", "qout", "dio", "dout"};
	if (strcasecmp(s, "keep") == 0)
		return ESP_FM_KEEP;
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0)
			return i;
	return -2;
}

const char *esp_flash_mode_name(int mode)
{
	switch (mode) {
	case ESP_FM_QIO: return "qio";
	case ESP_FM_QOUT: return "qout";
	case ESP_FM_DIO: return "dio";
	case ESP_FM_DOUT: return "dout";
	case ESP_FM_KEEP: return "keep";
	default: return "unknown";
	}
}

int esp_flash_freq_parse(const char *s)
{
	if (strcasecmp(s, "keep") == 0)
		return -1;
	if (strcasecmp(s, "40m") == 0)
		return 0x0;
	if (strcasecmp(s, "26m") == 0)
		return 0x1;
	if (strcasecmp(s, "20m") == 0)
		return 0x2;
	if (strcasecmp(s, "80m") == 0)
		return 0xF;
	return -2;
}

enum esp_err esp_image_parse(const uint8_t *img, size_t len, struct esp_image_info *ret,
			     struct esp_error *err)
{
	if (len < 8)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image is only %zu bytes: not a firmware image", len);
	struct esp_image_info info;
	memset(&info, 0, sizeof info);
	info.magic = img[0];
	info.segments = img[1];
	info.mode = img[2];
	info.size_code = img[3] & 0xF0;
	info.freq_code = img[3] & 0x0F;
	info.entry = esp_get_le32(img + 4);
	info.size_bytes = esp_flash_size_from_code(info.size_code);
	if (img[0] != ESP_IMAGE_MAGIC)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image does not start with 0xE9 (found 0x%02x): not an ESP8266 "
				     "V1 firmware image", img[0]);
	if (info.segments > MAX_SEGMENTS)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image header claims %u segments (at most 16): corrupt image",
				     info.segments);
	size_t off = 8;
	uint8_t sum = ESP_CHECKSUM_SEED;
	for (unsigned i = 0; i < info.segments; i++) {
		if (len - off < 8)
			return esp_error_set(err, ESP_E_IMAGE, 0,
					     "segment %u header lies past the end of the %zu-byte image: "
					     "truncated or corrupt file", i, len);
		uint32_t seglen = esp_get_le32(img + off + 4);
		off += 8;
		if (seglen > len - off)
			return esp_error_set(err, ESP_E_IMAGE, 0,
					     "segment %u (%u bytes) runs past the end of the image: "
					     "truncated or corrupt file", i, seglen);
		for (size_t k = 0; k < seglen; k++)
			sum ^= img[off + k];
		off += seglen;
	}
	/* zero padding up to length = 15 mod 16, then the checksum byte */
	size_t csum_at = off | 15u;
	if (csum_at >= len)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image ends before its checksum byte: truncated file");
	info.checksum_ok = img[csum_at] == sum;
	info.image_end = csum_at + 1;
	/* With no segments there is no data for the checksum to cover: what is
	 * wrong is the header (a blank or damaged file), not the data. */
	if (!info.checksum_ok && info.segments == 0)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image header claims 0 segments: no code in it (a blank or "
				     "damaged header, or not a firmware image)");
	if (!info.checksum_ok)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image checksum is 0x%02x but the segments sum to 0x%02x: corrupt "
				     "image (re-download it)", img[csum_at], sum);
	*ret = info;
	return ESP_OK;
}

enum esp_err esp_image_patch(uint8_t *img, size_t len, uint32_t addr,
			     const struct esp_flash_params *p, int *ret_changed,
			     struct esp_error *err)
{
	*ret_changed = 0;
	if (!p || len < 8 || addr != 0)
		return ESP_OK;
	if (p->mode == ESP_FM_KEEP && p->size == 0 && p->freq_code < 0)
		return ESP_OK;
	if (img[0] != ESP_IMAGE_MAGIC)
		return ESP_OK; /* not an image (or a V2 0xEA image): written as is */
	struct esp_image_info info;
	if (esp_image_parse(img, len, &info, NULL) != ESP_OK)
		return ESP_OK; /* starts with 0xE9 but does not parse: leave it alone */
	uint8_t b2 = img[2], b3 = img[3];
	if (p->mode != ESP_FM_KEEP) {
		if (p->mode < 0 || p->mode > 3)
			return esp_error_set(err, ESP_E_INVAL, 0, "bad flash mode %d", p->mode);
		b2 = (uint8_t)p->mode;
	}
	if (p->size) {
		int code = esp_flash_size_code(p->size);
		if (code < 0)
			return esp_error_set(err, ESP_E_INVAL, 0,
					     "flash size %u bytes has no ESP8266 header code", p->size);
		b3 = (uint8_t)((b3 & 0x0F) | code);
	}
	if (p->freq_code >= 0)
		b3 = (uint8_t)((b3 & 0xF0) | (p->freq_code & 0x0F));
	if (b2 != img[2] || b3 != img[3]) {
		img[2] = b2;
		img[3] = b3;
		*ret_changed = 1;
	}
	return ESP_OK;
}
