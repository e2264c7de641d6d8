/* SPDX-License-Identifier: MIT */
/* Error names and texts, generated from ESP_ERR_LIST so they cannot drift. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "esp_err.h"

struct err_row {
	enum esp_err code;
	const char *name;
	const char *text;
};

static const struct err_row s_errors[] = {
#define ESP_ERR_ROW_(name, num, text) {name, #name, text},
	ESP_ERR_LIST(ESP_ERR_ROW_)
#undef ESP_ERR_ROW_
};

static const struct err_row *find_err(enum esp_err e)
{
	for (size_t i = 0; i < sizeof s_errors / sizeof s_errors[0]; i++)
		if (s_errors[i].code == e)
			return &s_errors[i];
	return NULL;
}

const char *esp_strerror(enum esp_err e)
{
	const struct err_row *r = find_err(e);
	return r ? r->text : "unknown error";
}

const char *esp_err_name(enum esp_err e)
{
	const struct err_row *r = find_err(e);
	return r ? r->name : "ESP_E_UNKNOWN";
}

/* Stub codes (esp-serial-protocol.md §3.5) and ROM codes (§3.4). */
const char *esp_dev_error_name(int from_stub, uint8_t code)
{
	if (from_stub) {
		switch (code) {
		case 0xC0: return "BAD_DATA_LEN";
		case 0xC1: return "BAD_DATA_CHECKSUM";
		case 0xC2: return "BAD_BLOCKSIZE";
		case 0xC3: return "INVALID_COMMAND";
		case 0xC4: return "FAILED_SPI_OP";
		case 0xC5: return "FAILED_SPI_UNLOCK";
		case 0xC6: return "NOT_IN_FLASH_MODE";
		case 0xC7: return "INFLATE_ERROR";
		case 0xC8: return "NOT_ENOUGH_DATA";
		case 0xC9: return "TOO_MUCH_DATA";
		case 0xFF: return "CMD_NOT_IMPLEMENTED";
		case 0x32: return "ERASE_ADDR_UNALIGNED";
		case 0x33: return "ERASE_LEN_UNALIGNED";
		case 0x34: return "ERASE_UNLOCK_FAILED";
		case 0x35: case 0x36: case 0x37: return "ERASE_FAILED";
		case 0x63: return "MD5_READ_FAILED";
		default: return "UNKNOWN_STUB_ERROR";
		}
	}
	switch (code) {
	case 0x00: return "UNDEFINED_ERROR";
	case 0x01: return "INVALID_PARAMETER";
	case 0x02: return "MALLOC_FAILED";
	case 0x03: return "SEND_FAILED";
	case 0x04: return "RECEIVE_FAILED";
	case 0x05: return "INVALID_MESSAGE";
	case 0x06: return "EXECUTION_FAILED";
	case 0x07: return "CHECKSUM_ERROR";
	case 0x08: return "FLASH_WRITE_ERROR";
	case 0x09: return "FLASH_READ_ERROR";
	case 0x0A: return "FLASH_READ_LENGTH_ERROR";
	case 0x0B: return "DEFLATE_FAILED";
	case 0x0C: return "DEFLATE_ADLER32_ERROR";
	case 0x0D: return "DEFLATE_PARAM_ERROR";
	case 0x0E: return "INVALID_RAM_SIZE";
	case 0x0F: return "INVALID_RAM_ADDRESS";
	default: return "UNKNOWN_ROM_ERROR";
	}
}

enum esp_err esp_error_vset(struct esp_error *err, enum esp_err code, int sys_errno,
			    const char *fmt, va_list ap)
{
	if (!err)
		return code;
	memset(err, 0, sizeof *err);
	err->code = code;
	err->sys_errno = sys_errno;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return code;
}

enum esp_err esp_error_set(struct esp_error *err, enum esp_err code, int sys_errno,
			   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	esp_error_vset(err, code, sys_errno, fmt, ap);
	va_end(ap);
	return code;
}
