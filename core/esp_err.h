/* SPDX-License-Identifier: MIT */
/* One error enum for every core outcome, plus the per-session detail record.
 * The numbers are stored in the station database: append only, never renumber
 * or reuse a number (retire it as ESP_E_OBSOLETEnn instead). */
#pragma once

#include <stdarg.h>
#include <stdint.h>

#define ESP_ERR_LIST(X)                                                              \
	X(ESP_OK, 0, "success")                                                      \
	X(ESP_E_INVAL, 1, "invalid argument")                                        \
	X(ESP_E_NOMEM, 2, "out of memory")                                           \
	X(ESP_E_IO, 3, "serial I/O error")                                           \
	X(ESP_E_NODEV, 4, "serial port vanished (unplugged)")                        \
	X(ESP_E_BUSY, 5, "serial port in use by another program")                    \
	X(ESP_E_TIMEOUT, 6, "timed out waiting for the device")                      \
	X(ESP_E_NOSYNC, 7, "no reply to SYNC: device not in download mode")         \
	X(ESP_E_PROTO, 8, "malformed or unexpected reply from the device")           \
	X(ESP_E_DEVICE, 9, "device reported a failure")                              \
	X(ESP_E_UNSUPPORTED, 10, "not supported by this chip or loader")             \
	X(ESP_E_VERIFY, 11, "flash contents do not match (MD5 mismatch)")            \
	X(ESP_E_IMAGE, 12, "firmware image is invalid")                              \
	X(ESP_E_CANCELLED, 13, "cancelled")                                          \
	X(ESP_E_PERM, 14, "permission denied on the serial port")                    \
	X(ESP_E_NOPORT, 15, "no such serial port")                                   \
	X(ESP_E_CHIP, 16, "unsupported chip")                                        \
	X(ESP_E_TOOBIG, 17, "image larger than the flash")                           \
	X(ESP_E_STUB, 18, "flasher stub could not be loaded or started")             \
	X(ESP_E_READ, 19, "flash read returned corrupt data")                        \
	X(ESP_E_LOST, 20, "bytes lost on the serial link")                          \
	X(ESP_E_SECURITY, 21, "refused: the chip's security features forbid it")    \
	X(ESP_E_BOOT, 22, "the unit does not boot what was written")

enum esp_err {
#define ESP_ERR_ENUM_(name, num, text) name = num,
	ESP_ERR_LIST(ESP_ERR_ENUM_)
#undef ESP_ERR_ENUM_
};

#define ESP_ERR_MSG_LEN 240

/* Filled by the failing call; the session keeps the last one. */
struct esp_error {
	enum esp_err code;
	int sys_errno;          /* errno of the failing system call, 0 if none */
	uint8_t cmd;            /* opcode of the failing command, 0 if none */
	uint8_t dev_status;     /* status byte from the device reply */
	uint8_t dev_error;      /* error byte from the device reply */
	uint32_t offset;        /* flash offset when relevant */
	char msg[ESP_ERR_MSG_LEN]; /* one line: what failed, where, what to do */
};

/* Short description of a code ("timed out waiting for the device"). */
const char *esp_strerror(enum esp_err e);
/* Stable symbolic name ("ESP_E_TIMEOUT"), stored next to the number. */
const char *esp_err_name(enum esp_err e);
/* Name of a device status code as reported in a reply, e.g. 0xC1 ->
 * "BAD_DATA_CHECKSUM" (stub) or 0x07 -> "CHECKSUM_ERROR" (ROM). */
const char *esp_dev_error_name(int from_stub, uint8_t code);

/* Records an error and returns its code, so callers can write
 * "return esp_error_set(err, ESP_E_TIMEOUT, 0, "...", ...);".
 * A NULL err only returns the code. */
enum esp_err esp_error_set(struct esp_error *err, enum esp_err code, int sys_errno,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same with a va_list. */
enum esp_err esp_error_vset(struct esp_error *err, enum esp_err code, int sys_errno,
			    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
