/* SPDX-License-Identifier: MIT */
/* The ESP serial loader's command and response packets: opcodes, request
 * building and response parsing with explicit little-endian helpers and
 * length checks.  No I/O. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

enum esp_opcode {
	ESP_CMD_FLASH_BEGIN = 0x02,
	ESP_CMD_FLASH_DATA = 0x03,
	ESP_CMD_FLASH_END = 0x04,
	ESP_CMD_MEM_BEGIN = 0x05,
	ESP_CMD_MEM_END = 0x06,
	ESP_CMD_MEM_DATA = 0x07,
	ESP_CMD_SYNC = 0x08,
	ESP_CMD_WRITE_REG = 0x09,
	ESP_CMD_READ_REG = 0x0A,
	ESP_CMD_SPI_SET_PARAMS = 0x0B,
	ESP_CMD_SPI_ATTACH = 0x0D,
	ESP_CMD_READ_FLASH_SLOW = 0x0E,
	ESP_CMD_CHANGE_BAUDRATE = 0x0F,
	ESP_CMD_FLASH_DEFL_BEGIN = 0x10,
	ESP_CMD_FLASH_DEFL_DATA = 0x11,
	ESP_CMD_FLASH_DEFL_END = 0x12,
	ESP_CMD_SPI_FLASH_MD5 = 0x13,
	ESP_CMD_GET_SECURITY_INFO = 0x14,
	ESP_CMD_ERASE_FLASH = 0xD0,
	ESP_CMD_ERASE_REGION = 0xD1,
	ESP_CMD_READ_FLASH = 0xD2,
	ESP_CMD_RUN_USER_CODE = 0xD3,
};

#define ESP_HDR_LEN 8
#define ESP_CHECKSUM_SEED 0xEF
#define ESP_SYNC_DATA_LEN 36
#define ESP_ROM_BLOCK 0x400       /* ROM FLASH_DATA block */
#define ESP_STUB_BLOCK 0x4000     /* stub FLASH_(DEFL_)DATA block, the stubs' maximum */
#define ESP_MEM_BLOCK 0x1800      /* MEM_DATA block */
#define ESP_SECTOR 0x1000
#define ESP_ROM_READ_BLOCK 64     /* READ_FLASH_SLOW: data bytes in every reply */
#define ESP_ROM_MD5_LEN 32        /* ESP32-class ROM SPI_FLASH_MD5: hex characters */
#define ESP_MAX_FRAME (ESP_HDR_LEN + 16 + ESP_STUB_BLOCK + 64)

/* Name of an opcode for messages ("READ_FLASH"), "0xNN" style for unknown. */
const char *esp_cmd_name(uint8_t op);

static inline void esp_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void esp_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline uint32_t esp_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t esp_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* 0xEF XOR every byte: the checksum of *_DATA payloads. */
uint8_t esp_checksum(const uint8_t *data, size_t n);

/* Builds an unframed request: header (direction 0, op, size, checksum) then
 * data.  dst must hold ESP_HDR_LEN + n bytes.  Returns the packet length. */
size_t esp_build_request(uint8_t op, const uint8_t *data, size_t n, uint32_t checksum,
			 uint8_t *dst);

/* Builds the data of a *_DATA command: data_len, seq, 0, 0, then the block;
 * returns the checksum to place in the header.  dst holds 16 + n bytes. */
uint32_t esp_build_data_block(const uint8_t *block, size_t n, uint32_t seq, uint8_t *dst);

/* Builds the 36-byte SYNC payload. */
void esp_build_sync(uint8_t dst[ESP_SYNC_DATA_LEN]);

/* Which loader is answering: the status bytes differ (ESP8266 ROM 2, ESP32-class
 * ROM 4, stubs 2 with the error code first). */
enum esp_loader { ESP_LOADER_ROM8266, ESP_LOADER_ROM32, ESP_LOADER_STUB };

struct esp_resp {
	uint8_t op;           /* echoed opcode */
	uint32_t value;       /* READ_REG result / SYNC echo */
	const uint8_t *data;  /* payload before the status bytes (points into the frame) */
	size_t data_len;
	uint8_t status;       /* 0 = OK */
	uint8_t error;        /* device error code, meaningful when status != 0 */
};

/* Parses a response frame.  payload_len is the command's expected payload
 * before the status bytes (0 for most, 16 for stub MD5, 32 for ROM MD5, 64
 * for READ_FLASH_SLOW).
 * The status is taken as esptool does: data[payload_len] is the failure
 * flag and data[payload_len+1] the reason, so 2- and 4-byte status trailers
 * both work; the stub reports [error, 0] which is mapped to status=1,
 * error=code.  Returns ESP_E_PROTO for frames that are not responses
 * (direction != 1, short header, size mismatch). */
enum esp_err esp_parse_response(const uint8_t *frame, size_t len, enum esp_loader loader,
				size_t payload_len, struct esp_resp *ret);
