/* SPDX-License-Identifier: MIT */
/* Request building and response parsing (esp-serial-protocol.md §3, §5). */
#include <stdio.h>
#include <string.h>

#include "esp_proto.h"

const char *esp_cmd_name(uint8_t op)
{
	switch (op) {
	case ESP_CMD_FLASH_BEGIN: return "FLASH_BEGIN";
	case ESP_CMD_FLASH_DATA: return "FLASH_DATA";
	case ESP_CMD_FLASH_END: return "FLASH_END";
	case ESP_CMD_MEM_BEGIN: return "MEM_BEGIN";
	case ESP_CMD_MEM_END: return "MEM_END";
	case ESP_CMD_MEM_DATA: return "MEM_DATA";
	case ESP_CMD_SYNC: return "SYNC";
	case ESP_CMD_WRITE_REG: return "WRITE_REG";
	case ESP_CMD_READ_REG: return "READ_REG";
	case ESP_CMD_SPI_SET_PARAMS: return "SPI_SET_PARAMS";
	case ESP_CMD_SPI_ATTACH: return "SPI_ATTACH";
	case ESP_CMD_READ_FLASH_SLOW: return "READ_FLASH_SLOW";
	case ESP_CMD_CHANGE_BAUDRATE: return "CHANGE_BAUDRATE";
	case ESP_CMD_FLASH_DEFL_BEGIN: return "FLASH_DEFL_BEGIN";
	case ESP_CMD_FLASH_DEFL_DATA: return "FLASH_DEFL_DATA";
	case ESP_CMD_FLASH_DEFL_END: return "FLASH_DEFL_END";
	case ESP_CMD_SPI_FLASH_MD5: return "SPI_FLASH_MD5";
	case ESP_CMD_GET_SECURITY_INFO: return "GET_SECURITY_INFO";
	case ESP_CMD_ERASE_FLASH: return "ERASE_FLASH";
	case ESP_CMD_ERASE_REGION: return "ERASE_REGION";
	case ESP_CMD_READ_FLASH: return "READ_FLASH";
	case ESP_CMD_RUN_USER_CODE: return "RUN_USER_CODE";
	default: break;
	}
	/* "0xNN" for opcodes without a name, from a constant table (no buffer) */
#define H4_(p) p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7", p "8", p "9", p "a", \
		p "b", p "c", p "d", p "e", p "f"
	static const char *const hex[256] = {
		H4_("0x0"), H4_("0x1"), H4_("0x2"), H4_("0x3"), H4_("0x4"), H4_("0x5"),
		H4_("0x6"), H4_("0x7"), H4_("0x8"), H4_("0x9"), H4_("0xa"), H4_("0xb"),
		H4_("0xc"), H4_("0xd"), H4_("0xe"), H4_("0xf"),
	};
#undef H4_
	return hex[op];
}

uint8_t esp_checksum(const uint8_t *data, size_t n)
{
	uint8_t c = ESP_CHECKSUM_SEED;
	for (size_t i = 0; i < n; i++)
		c ^= data[i];
	return c;
}

size_t esp_build_request(uint8_t op, const uint8_t *data, size_t n, uint32_t checksum,
			 uint8_t *dst)
{
	dst[0] = 0x00;
	dst[1] = op;
	esp_put_le16(dst + 2, (uint16_t)n);
	esp_put_le32(dst + 4, checksum);
	if (n)
		memcpy(dst + ESP_HDR_LEN, data, n);
	return ESP_HDR_LEN + n;
}

uint32_t esp_build_data_block(const uint8_t *block, size_t n, uint32_t seq, uint8_t *dst)
{
	esp_put_le32(dst, (uint32_t)n);
	esp_put_le32(dst + 4, seq);
	esp_put_le32(dst + 8, 0);
	esp_put_le32(dst + 12, 0);
	if (n)
		memcpy(dst + 16, block, n);
	return esp_checksum(block, n);
}

void esp_build_sync(uint8_t dst[ESP_SYNC_DATA_LEN])
{
	dst[0] = 0x07;
	dst[1] = 0x07;
	dst[2] = 0x12;
	dst[3] = 0x20;
	memset(dst + 4, 0x55, ESP_SYNC_DATA_LEN - 4);
}

enum esp_err esp_parse_response(const uint8_t *frame, size_t len, enum esp_loader loader,
				size_t payload_len, struct esp_resp *ret)
{
	if (len < ESP_HDR_LEN || frame[0] != 0x01)
		return ESP_E_PROTO;
	size_t size = esp_get_le16(frame + 2);
	if (size != len - ESP_HDR_LEN)
		return ESP_E_PROTO;
	const uint8_t *data = frame + ESP_HDR_LEN;
	struct esp_resp r;
	memset(&r, 0, sizeof r);
	r.op = frame[1];
	r.value = esp_get_le32(frame + 4);
	r.data = data;
	if (size >= payload_len + 2) {
		/* esptool's rule: the flag sits right after the expected payload,
		 * any further bytes are reserved status bytes */
		r.data_len = payload_len;
		if (loader == ESP_LOADER_STUB) {
			r.error = data[payload_len];
			r.status = r.error != 0;
		} else {
			r.status = data[payload_len];
			r.error = data[payload_len + 1];
		}
	} else if (size >= 2) {
		/* shorter than expected: an error reply without payload */
		r.data_len = 0;
		if (loader == ESP_LOADER_STUB) {
			r.error = data[0];
			r.status = 1;
		} else {
			r.status = data[0];
			r.error = data[1];
			if (!r.status)
				r.status = 1; /* payload missing: not a success either */
		}
	} else {
		return ESP_E_PROTO;
	}
	*ret = r;
	return ESP_OK;
}
