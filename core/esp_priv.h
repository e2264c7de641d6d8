/* SPDX-License-Identifier: MIT */
/* Session internals shared by the core's .c files; not a public header. */
#pragma once

#include <stdint.h>
#include <time.h>

#include "esp.h"
#include "esp_chip_decode.h"
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
	enum esp_chip chip;     /* from detect; ESP_CHIP_UNKNOWN before */
	struct esp_security sec;/* from detect; guards erase, write and backup */
	uint32_t ck8m;          /* ESP32: eFuse CK8M frequency (ROM baud correction) */
	uint32_t spi_attach;    /* ESP32-class ROM: the SPI_ATTACH pad value */
	int spi_attached;       /* ESP32-class ROM: SPI_ATTACH sent since the last SYNC */
	int spi_params_set;     /* SPI_SET_PARAMS sent since the last SYNC or stub start */
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
/* What each chip needs from the client (registers, ROM quirks); read-only. */
struct esp_chip_def {
	enum esp_chip chip;
	uint32_t spi_base;      /* SPI1 (flash) controller */
	uint8_t spi_usr, spi_usr1, spi_usr2, spi_w0; /* register offsets */
	uint8_t spi_miso_dlen;  /* offset of MISO_DLEN; 0 = the length sits in USR1 (ESP8266) */
	uint32_t uart_clkdiv;   /* UART0 CLKDIV, for the crystal estimate */
	unsigned apb_per_xtal;  /* APB clock / crystal at the ROM's clock setting */
	uint32_t stub_lo, stub_hi; /* where a stub for this chip loads its text */
	uint8_t rom_begin_len;  /* FLASH_(DEFL_)BEGIN payload the ROM takes: 16 or 20 */
	uint8_t stub_begin_len; /* ... and what we send to its stub */
};
/* The row for chip (ESP8266EX and ESP8285 share one); NULL if none. */
const struct esp_chip_def *esp_chip_def_of(enum esp_chip chip);
/* 1 when an ESP32-class ROM (4 status bytes) is answering, not a stub. */
int esp_rom32(const struct esp_session *s);
/* Bytes of a FLASH_(DEFL_)BEGIN payload for the loader now answering. */
size_t esp_begin_len(const struct esp_session *s);
/* "the ESP8266 ROM", "the ESP32-C3 ROM", "the stub": for messages. */
const char *esp_loader_name(const struct esp_session *s);

/* Checks that flash access is possible and prepared: ESP_E_SECURITY in
 * Secure Download Mode, ESP_E_UNSUPPORTED naming `what` on the ESP8266 ROM
 * (it cannot), and on an ESP32-class ROM SPI_ATTACH and SPI_SET_PARAMS
 * (the ROM assumes 2 MB) once per sync. */
enum esp_err esp_need_flash_access(struct esp_session *s, const char *what);
/* SPI_ATTACH / SPI_SET_PARAMS where the loader needs them (see above),
 * without the capability check (ROM writes on the ESP8266 need none). */
enum esp_err esp_flash_prepare(struct esp_session *s);
/* Detection's SPI_ATTACH on an ESP32-class ROM (before the first RDID;
 * SET_PARAMS follows once the size is known); nothing on other loaders. */
enum esp_err esp_spi_attach_for_detect(struct esp_session *s);
/* SPI_SET_PARAMS with the flash size (4 MB when unknown, as esptool). */
enum esp_err esp_spi_set_params(struct esp_session *s);
/* JEDEC RDID through the chip's SPI1 registers (esp-serial-protocol.md §10). */
enum esp_err esp_spi_rdid(struct esp_session *s, const struct esp_chip_def *def, uint32_t *ret);

/* Security guards (esp32-family.md §6.6); ESP_OK on units without any. */
enum esp_err esp_guard_erase(struct esp_session *s);
enum esp_err esp_guard_write(struct esp_session *s);
enum esp_err esp_guard_backup(struct esp_session *s, int allow_ciphertext);

/* ESP32-class ROM flash access without a stub (esp-serial-protocol.md §11.2,
 * §12.1, §15): READ_FLASH_SLOW of [addr, addr+n) checked against the ROM's
 * MD5 (ESP_E_READ on a mismatch), erase through FLASH_BEGIN. */
enum esp_err esp_rom_read(struct esp_session *s, uint32_t addr, uint32_t n, uint8_t *buf,
			  uint64_t done, uint64_t total);
enum esp_err esp_rom_erase(struct esp_session *s, uint32_t addr, uint32_t len);
/* FLASH_BEGIN / FLASH_DEFL_BEGIN with the payload length the loader takes
 * (16 or 20 bytes, the 5th word "not encrypted"). */
enum esp_err esp_begin(struct esp_session *s, uint8_t op, uint32_t size_word, uint32_t blocks,
		       uint32_t block_size, uint32_t addr, unsigned timeout_ms);

/* Detection of the ESP32 and ESP32-C3 (esp_chip32.c); si is the
 * GET_SECURITY_INFO answer or NULL. */
enum esp_err esp_detect_esp32(struct esp_session *s, struct esp_chip_info *ci);
enum esp_err esp_detect_esp32c3(struct esp_session *s, const struct esp_security_info *si,
				struct esp_chip_info *ci);
/* Crystal MHz (26 or 40) from a UART divider read at the current baud; 0
 * when the link rate is unknown (TCP). */
unsigned esp_crystal_mhz(const struct esp_session *s, uint32_t clkdiv, unsigned apb_per_xtal);
/* Fills flash_id, manufacturer, device and size (0 if unknown) from a JEDEC id. */
void esp_set_flash_id(struct esp_chip_info *ci, uint32_t flash_id);
/* One SYNC burst without a reset (re-attaching after a lost reply). */
enum esp_err esp_sync_again(struct esp_session *s);
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
