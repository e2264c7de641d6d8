/* SPDX-License-Identifier: MIT */
/* Session internals shared by the core's .c files; not a public header. */
#pragma once

#include <stdint.h>
#include <time.h>

#include "esp.h"
#include "esp_proto.h"
#include "esp_slip.h"

struct esp_session {
	struct xport *x;
	struct esp_session_cfg cfg;
	struct esp_error err;
	enum esp_loader loader;
	int synced;
	int stub;               /* stub running */
	unsigned baud;          /* current link baud */
	uint32_t flash_size;    /* from detect, 0 if unknown */
	struct esp_slip_dec dec;
	uint8_t rx[ESP_MAX_FRAME + 64]; /* decoded frame storage */
	uint8_t tx[2 * (ESP_MAX_FRAME + 64) + 2];
	uint8_t pkt[ESP_MAX_FRAME + 64];
	uint8_t inbuf[4096];    /* raw bytes read but not yet decoded */
	size_t in_pos, in_len;
	/* progress throttling */
	enum esp_op prog_op;
	uint64_t prog_last_ms;
	/* a write split into runs reports over the whole range: done + base of span */
	uint64_t prog_base, prog_span;
};

/* Monotonic milliseconds. */
uint64_t esp_now_ms(void);
void esp_sleep_ms(unsigned ms);

void esp_log(struct esp_session *s, enum esp_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reports progress (throttled unless final); ESP_E_CANCELLED if the caller wants to stop. */
enum esp_err esp_progress(struct esp_session *s, enum esp_op op, uint64_t done, uint64_t total);
/* ESP_E_UNSUPPORTED naming `what` unless the stub runs (the ROM cannot). */
enum esp_err esp_need_stub(struct esp_session *s, const char *what);
/* READ_FLASH of [addr, addr+n) into buf, re-read up to `retries` times when
 * the data arrives damaged; progress reported as done+n of total. */
enum esp_err esp_read_retrying(struct esp_session *s, uint32_t addr, uint32_t n, uint8_t *buf,
			       uint64_t done, uint64_t total, unsigned retries);
/* Cancellation flag check. */
enum esp_err esp_check_cancel(struct esp_session *s);
enum esp_err esp_fail(struct esp_session *s, enum esp_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sends one SLIP-framed packet (already built, unframed). */
enum esp_err esp_send_packet(struct esp_session *s, const uint8_t *pkt, size_t n);
/* Sends a command. */
enum esp_err esp_send_cmd(struct esp_session *s, uint8_t op, const uint8_t *data, size_t n,
			  uint32_t checksum);
/* Receives the next SLIP frame, waiting until deadline (absolute ms).
 * ESP_E_TIMEOUT if none. */
enum esp_err esp_recv_frame(struct esp_session *s, uint64_t deadline, const uint8_t **ret_frame,
			    size_t *ret_len);
/* Sends a command and waits for its response: skips frames with another
 * opcode (stale SYNC replies), checks the status and maps failures to
 * ESP_E_DEVICE with the device code named.  payload_len as for
 * esp_parse_response. ret may be NULL.  The response data stays valid until
 * the next receive. */
enum esp_err esp_command(struct esp_session *s, uint8_t op, const uint8_t *data, size_t n,
			 uint32_t checksum, size_t payload_len, unsigned timeout_ms,
			 struct esp_resp *ret);
/* Drops buffered input (host and session). */
void esp_flush_rx(struct esp_session *s);

enum esp_err esp_read_reg(struct esp_session *s, uint32_t addr, uint32_t *ret);
enum esp_err esp_write_reg(struct esp_session *s, uint32_t addr, uint32_t value);

/* esptool's timeouts (§18), in ms: size-scaled, at least 3 s. */
unsigned esp_timeout_per_mb(uint32_t bytes, unsigned ms_per_mb);
#define ESP_DEFAULT_TIMEOUT_MS 3000u
#define ESP_ERASE_MS_PER_MB 40000u
#define ESP_WRITE_MS_PER_MB 40000u
#define ESP_MD5_MS_PER_MB 8000u
#define ESP_CHIP_ERASE_MS 120000u
