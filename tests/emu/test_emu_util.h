/* SPDX-License-Identifier: MIT */
/*
 * Host side for the emulator's self-tests: a pty slave in raw mode (or a
 * TCP socket), its own SLIP encoder/decoder and request builder
 * (deliberately separate from both core/ and the emulator's emu_slip.c),
 * and small check macros.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "emu.h"

struct th {
	struct emu *e;
	int master, slave;
	char path[128];
	char log_path[256];
	int failures;
	/* host-side SLIP decoder */
	int in_frame, esc;
	size_t flen;
	uint8_t frame[20000];
	uint8_t ibuf[8192];         /* bytes read but not yet decoded */
	size_t ipos, ilen;
	uint64_t junk;              /* bytes seen outside frames */
	uint64_t raw_bytes;         /* all bytes read from the slave */
	unsigned status_len;        /* status bytes per reply: 4 from an ESP32-class ROM, else 2 */
	int esp32_class;            /* the device is an ESP32 or ESP32-C3 */
};

struct th_resp {
	uint8_t op;
	uint16_t size;
	uint32_t value;
	uint8_t data[4096];
	size_t dlen;                /* data bytes before the status bytes */
	uint8_t st[2];              /* the first two status bytes */
};

#define TH_CHECK(t, cond, ...) do { \
	if (!(cond)) { \
		(t)->failures++; \
		fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

/* Defaults for tests: fast flash, no faults, log to a temp file. */
void th_config(struct emu_config *c);
/* Creates the device, its pty and thread, opens the slave at baud. 0 or -1. */
int th_open(struct th *t, struct emu_config *c, unsigned baud, const char *name);
/* The same over a loopback TCP connection: master = the accepted socket
 * the device serves, slave = the host's end (non-blocking).  0 or -1. */
int th_open_tcp(struct th *t, struct emu_config *c, const char *name);
void th_close(struct th *t);
int th_finish(struct th *t, const char *name);    /* prints result, returns exit code */

double th_now(void);
void th_sleep_ms(int ms);
int th_set_baud(struct th *t, unsigned baud);
void th_put32(uint8_t *p, uint32_t v);
uint32_t th_get32(const uint8_t *p);
uint8_t th_checksum(const uint8_t *p, size_t n);

void th_send_raw(struct th *t, const void *p, size_t n);
void th_send_frame(struct th *t, const uint8_t *p, size_t n);
void th_send_cmd(struct th *t, uint8_t op, const uint8_t *d, size_t n, uint32_t chk);
/* Reads raw bytes for up to ms milliseconds (returns count). */
size_t th_read_raw(struct th *t, uint8_t *buf, size_t cap, int ms);
void th_drain(struct th *t, int ms);
/* Next complete SLIP frame within timeout: its length, or -1. */
long th_read_frame(struct th *t, uint8_t *buf, size_t cap, int timeout_ms);
/* Waits for a response frame with this opcode (others are skipped). */
int th_read_resp(struct th *t, uint8_t op, struct th_resp *r, int timeout_ms);
int th_cmd(struct th *t, uint8_t op, const uint8_t *d, size_t n, uint32_t chk, struct th_resp *r,
	   int timeout_ms);
/* SYNC and collect the 8 replies; returns how many arrived, value of the first in *value. */
int th_sync(struct th *t, uint32_t *value);
int th_read_reg(struct th *t, uint32_t addr, uint32_t *value);
int th_write_reg(struct th *t, uint32_t addr, uint32_t value);
/* Uploads a dummy stub (text + data) with MEM_*, MEM_END(0, entry); 0 if
 * OHAI came (replies then carry 2 status bytes). */
int th_load_stub(struct th *t, uint32_t entry);
/* Resets into download mode through DTR/RTS (classic sequence) and syncs. */
int th_reset_and_sync(struct th *t);
/* Counts lines of the device log containing needle. */
int th_log_count(struct th *t, const char *needle);
/* Copies the nth (0 = first, -1 = last) device-log line containing needle
 * into buf; 0, or -1 if there is none. */
int th_log_line(struct th *t, const char *needle, int nth, char *buf, size_t cap);
/* The number after "key": in a JSON line; 0, or -1 if absent. */
int th_json_num(const char *line, const char *key, double *v);
/* The string after "key":" in a JSON line, up to the closing quote. */
int th_json_str(const char *line, const char *key, char *buf, size_t cap);
/* ROM sync, then a dummy stub upload (entry picks the flavour); 0 or -1. */
int th_open_stub(struct th *t, struct emu_config *c, uint32_t entry, const char *name);
/* SPI_FLASH_MD5 of [off, off + len) in the stub; 0 or -1. */
int th_flash_md5(struct th *t, uint32_t off, uint32_t len, uint8_t out[16], int timeout_ms);
/* READ_FLASH of [off, off + len) (4 KiB packets, one in flight); 0, -1 on a
 * protocol failure, -2 if the digest frame disagrees with the data. */
int th_read_flash(struct th *t, uint32_t off, uint32_t len, uint8_t *out);
