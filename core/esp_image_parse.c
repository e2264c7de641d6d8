/* SPDX-License-Identifier: MIT */
/* Image parsing, both families: ESP8266 V1 (esp-serial-protocol.md §16) and
 * ESP32-class with the extended header and appended SHA-256 (esp32-family.md
 * §7.1), and the decision which of the two a file is. */
#include <string.h>

#include "esp.h"
#include "esp_hash.h"
#include "esp_image.h"
#include "esp_image_chip.h"
#include "esp_proto.h"

#define MAX_SEGMENTS 16

/* Reads the 8 common bytes every 0xE9 image starts with. */
static void read_common(const uint8_t *img, struct esp_image_info *info)
{
	memset(info, 0, sizeof *info);
	info->magic = img[0];
	info->segments = img[1];
	info->mode = img[2];
	info->size_code = img[3] & 0xF0;
	info->freq_code = img[3] & 0x0F;
	info->entry = esp_get_le32(img + 4);
	info->chip_id = ESP_IMAGE_CHIP_ID_NONE;
	info->sha_ok = 1;
}

/* Walks the segments from byte first and checks the checksum byte after the
 * zero padding (file offset 15 mod 16).  On success info->data_length and
 * info->checksum_ok are set. */
static enum esp_err walk_segments(const uint8_t *img, size_t len, size_t first,
				  struct esp_image_info *info, struct esp_error *err)
{
	size_t off = first;
	uint8_t sum = ESP_CHECKSUM_SEED;
	for (unsigned i = 0; i < info->segments; i++) {
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
	size_t csum_at = off | 15u;
	if (csum_at >= len)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image ends before its checksum byte: truncated file");
	info->checksum_ok = img[csum_at] == sum;
	info->data_length = csum_at + 1;
	/* With no segments there is no data for the checksum to cover: what is
	 * wrong is the header (a blank or damaged file), not the data. */
	if (!info->checksum_ok && info->segments == 0)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image header claims 0 segments: no code in it (a blank or "
				     "damaged header, or not a firmware image)");
	if (!info->checksum_ok)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image checksum is 0x%02x but the segments sum to 0x%02x: corrupt "
				     "image (re-download it)", img[csum_at], sum);
	return ESP_OK;
}

enum esp_err esp_image_parse(const uint8_t *img, size_t len, struct esp_image_info *ret,
			     struct esp_error *err)
{
	if (len < 8)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image is only %zu bytes: not a firmware image", len);
	struct esp_image_info info;
	read_common(img, &info);
	info.size_bytes = esp_flash_size_from_code(info.size_code);
	if (img[0] != ESP_IMAGE_MAGIC)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image does not start with 0xE9 (found 0x%02x): not an ESP8266 "
				     "V1 firmware image", img[0]);
	if (info.segments > MAX_SEGMENTS)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image header claims %u segments (at most 16): corrupt image",
				     info.segments);
	enum esp_err e = walk_segments(img, len, 8, &info, err);
	if (e)
		return e;
	info.image_end = info.data_length;
	*ret = info;
	return ESP_OK;
}

enum esp_err esp_image_parse_esp32(const uint8_t *img, size_t len, struct esp_image_info *ret,
				   struct esp_error *err)
{
	if (len < ESP_IMAGE_EXT_HEADER_LEN)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image is only %zu bytes, shorter than an ESP32 image header "
				     "(24 bytes): truncated file or not a firmware image", len);
	struct esp_image_info info;
	read_common(img, &info);
	/* every ESP32-class chip shares one size table */
	info.size_bytes = esp_flash_size_from_code_for(ESP_CHIP_ESP32, info.size_code);
	info.extended = 1;
	info.wp_pin = img[8];
	memcpy(info.drive, img + 9, 3);
	info.chip_id = esp_get_le16(img + 12);
	info.min_rev = img[14];
	info.min_rev_full = esp_get_le16(img + 15);
	info.max_rev_full = esp_get_le16(img + 17);
	info.hash_appended = img[23];
	if (img[0] != ESP_IMAGE_MAGIC)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image does not start with 0xE9 (found 0x%02x): not an ESP32 "
				     "firmware image", img[0]);
	if (info.segments > MAX_SEGMENTS)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image header claims %u segments (at most 16): corrupt image",
				     info.segments);
	/* esptool rejects any other value as an invalid image */
	if (info.hash_appended > 1)
		return esp_error_set(err, ESP_E_IMAGE, 0,
				     "image header byte 23 (hash_appended) is 0x%02x, not 0 or 1: "
				     "corrupt image, or not an ESP32-class image", info.hash_appended);
	enum esp_err e = walk_segments(img, len, ESP_IMAGE_EXT_HEADER_LEN, &info, err);
	if (e)
		return e;
	info.image_end = info.data_length;
	if (info.hash_appended) {
		if (len - info.data_length < ESP_SHA256_LEN)
			return esp_error_set(err, ESP_E_IMAGE, 0,
					     "image ends before its appended SHA-256 (needs %zu bytes, "
					     "has %zu): truncated file (download it again)",
					     info.data_length + ESP_SHA256_LEN, len);
		uint8_t digest[ESP_SHA256_LEN];
		esp_sha256(img, info.data_length, digest);
		info.sha_ok = memcmp(digest, img + info.data_length, ESP_SHA256_LEN) == 0;
		info.image_end += ESP_SHA256_LEN;
	}
	*ret = info;
	return ESP_OK;
}

enum esp_err esp_image_parse_any(const uint8_t *img, size_t len, struct esp_image_info *ret,
				 struct esp_error *err)
{
	if (len < 8)
		return esp_image_parse(img, len, ret, err);
	if (img[0] != ESP_IMAGE_MAGIC)
		return esp_error_set(err, ESP_E_IMAGE, 0, "image does not start with 0xE9 (found "
				     "0x%02x): not a firmware image", img[0]);
	struct esp_image_info v1, ext;
	struct esp_error e1 = {0}, e32 = {0};
	int ok_v1 = esp_image_parse(img, len, &v1, &e1) == ESP_OK;
	int ok_ext = esp_image_parse_esp32(img, len, &ext, &e32) == ESP_OK;
	/* top byte of an ESP8266 RAM load address; two drive-strength nibbles
	 * in an ESP32-class header, which esptool writes as 0 */
	int looks_v1 = len >= 12 && (img[11] == 0x3F || img[11] == 0x40);
	if (ok_v1 && (!ok_ext || looks_v1)) {
		*ret = v1;
		return ESP_OK;
	}
	if (ok_ext) {
		*ret = ext;
		return ESP_OK;
	}
	if (err)
		*err = looks_v1 ? e1 : e32;
	return ESP_E_IMAGE;
}
