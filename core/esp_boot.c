/* SPDX-License-Identifier: MIT */
/* The post-flash boot check: reset into the firmware, listen at the ROM's
 * baud, then at the firmware's, and judge (esp_boot.h).  What the ROMs print
 * is in core/boot-log.md, with its sources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_boot.h"
#include "esp_image_chip.h"
#include "esp_priv.h"

#define ROM_TOTAL_MS 1500u   /* the ESP8266 ROM prints its lines within ~100 ms */
#define ROM_QUIET_MS 300u    /* silence that ends the ROM's lines */
#define ROM_TAIL_MS 150u     /* after "csum": the second-stage loader's first bytes */
#define LATE_MS 1000u        /* a second listen at the ROM's baud, for resets */
#define BUF_LEN 4096u

const char *esp_boot_result_name(enum esp_boot_result r)
{
	switch (r) {
	case ESP_BOOT_BOOTED: return "booted";
	case ESP_BOOT_NO_OUTPUT: return "no-output";
	case ESP_BOOT_LOOP: return "boot-loop";
	case ESP_BOOT_BAD_IMAGE: return "bad-image";
	case ESP_BOOT_DOWNLOAD: return "download-mode";
	case ESP_BOOT_SILENT: return "silent";
	}
	return "unknown";
}

/* ESP32-class ROMs print one stream at 115200 (the family of their images) */
static int esp32_class(enum esp_chip chip)
{
	return esp_image_family_of(chip) == ESP_IMAGE_FAMILY_ESP32;
}

/* memmem over text that may hold NUL bytes. */
static const char *find(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k && i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

static unsigned count(const char *hay, size_t n, const char *needle)
{
	unsigned c = 0;
	for (const char *p = hay; (p = find(p, n - (size_t)(p - hay), needle)); p++)
		c++;
	return c;
}

/* The number after the last occurrence of key (base 16 for "0x"), -1 if none. */
static long last_number(const char *hay, size_t n, const char *key)
{
	long v = -1;
	for (const char *p = hay; (p = find(p, n - (size_t)(p - hay), key)); p++) {
		char num[24];
		size_t k = strlen(key), m = 0;
		const char *q = p + k;
		while (m + 1 < sizeof num && q + m < hay + n &&
		       strchr("0123456789abcdefABCDEFx", q[m]))
			num[m] = q[m], m++;
		num[m] = '\0';
		if (m)
			v = strtol(num, NULL, 0);
	}
	return v;
}

static int is_text(unsigned char c)
{
	return (c >= 0x20 && c < 0x7F) || c == '\r' || c == '\n' || c == '\t';
}

/* Printable bytes and whether a line of text (4+ printable, then a line
 * end) is among them. */
static unsigned text_bytes(const char *s, size_t n, int *ret_line)
{
	unsigned printable = 0, run = 0;
	*ret_line = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r') {
			*ret_line |= run >= 4;
			run = 0;
		} else {
			run = is_text(c) ? run + 1 : 0;
		}
		printable += (unsigned)is_text(c);
	}
	return printable;
}

static void add_log(struct esp_boot_report *r, const char *s, size_t n)
{
	size_t used = strlen(r->log);
	for (size_t i = 0; i < n && used + 5 < sizeof r->log; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r')
			continue;
		if (is_text(c))
			r->log[used++] = (char)c;
		else
			used += (size_t)snprintf(r->log + used, sizeof r->log - used, "\\x%02x", c);
	}
	r->log[used] = '\0';
}

static void verdict(struct esp_boot_report *r, enum esp_boot_result res, const char *why)
{
	r->result = res;
	snprintf(r->why, sizeof r->why, "%s", why);
}

/* ESP8266: "ets Jan  8 2013,rst cause:2, boot mode:(3,6)", then per segment
 * "load 0x..., len N, room N" / "tail N" / "chksum 0xNN", then "csum 0xNN"
 * (and "csum err" when they differ). */
static void classify_8266(const char *rom, size_t rn, struct esp_boot_report *r)
{
	r->banners = count(rom, rn, "rst cause:");
	r->rst_cause = (int)last_number(rom, rn, "rst cause:");
	r->boot_mode = (int)last_number(rom, rn, "boot mode:(");
	long chk = last_number(rom, rn, "chksum "), sum = last_number(rom, rn, "\ncsum ");
	if (r->boot_mode == 1)
		verdict(r, ESP_BOOT_DOWNLOAD, "the ROM started in UART download mode: GPIO0 is "
			"still held low (the button, or the jig)");
	else if (find(rom, rn, "csum err") || (chk >= 0 && sum >= 0 && chk != sum))
		verdict(r, ESP_BOOT_BAD_IMAGE, "the ROM found a checksum mismatch loading the image "
			"(csum err)");
	else if (r->banners && !find(rom, rn, "load 0x"))
		verdict(r, ESP_BOOT_BAD_IMAGE, "the ROM loaded nothing: no valid image at 0x0");
}

/* ESP32 class: "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
 * load lines, "entry 0x...", then the second-stage loader and the app;
 * download mode says DOWNLOAD / "waiting for download". */
static void classify_32(const char *rom, size_t rn, struct esp_boot_report *r)
{
	r->banners = count(rom, rn, "rst:0x");
	r->rst_cause = (int)last_number(rom, rn, "rst:");
	r->boot_mode = (int)last_number(rom, rn, "boot:");
	if (find(rom, rn, "waiting for download") || find(rom, rn, "DOWNLOAD"))
		verdict(r, ESP_BOOT_DOWNLOAD, "the ROM started in download mode: the boot pin "
			"(GPIO0 / GPIO9) is still held low");
	else if (find(rom, rn, "csum err") || find(rom, rn, "invalid header") ||
		 find(rom, rn, "flash read err"))
		verdict(r, ESP_BOOT_BAD_IMAGE, "the ROM could not load the boot loader (checksum "
			"error or invalid header)");
}

void esp_boot_classify(enum esp_chip chip, const char *rom, size_t rom_len, const char *app,
		       size_t app_len, unsigned app_junk, const char *late, size_t late_len,
		       struct esp_boot_report *r)
{
	r->result = ESP_BOOT_SILENT;
	r->why[0] = '\0';
	r->rst_cause = r->boot_mode = -1;
	r->banners = 0;
	int esp32 = esp32_class(chip);
	if (esp32)
		classify_32(rom, rom_len, r);
	else
		classify_8266(rom, rom_len, r);
	if (r->why[0])
		return;
	/* ESP32 class: one stream; what follows "entry 0x" is the loader and app */
	const char *a = app;
	size_t an = app_len;
	if (esp32) {
		const char *entry = find(rom, rom_len, "entry 0x");
		a = entry ? entry : rom + rom_len;
		an = (size_t)(rom + rom_len - a);
		if (entry) {
			const char *eol = memchr(a, '\n', an);
			an -= eol ? (size_t)(eol + 1 - a) : an;
			a = eol ? eol + 1 : a + an;
		}
	}
	unsigned late_banners = count(late, late_len, esp32 ? "rst:0x" : "rst cause:");
	int line;
	r->app_bytes = text_bytes(a, an, &line);
	if (r->banners + late_banners > 1) {
		r->banners += late_banners;
		long cause = last_number(late, late_len, esp32 ? "rst:" : "rst cause:");
		if (cause >= 0)
			r->rst_cause = (int)cause;
		char why[128];
		snprintf(why, sizeof why, "the unit reset again within the window (%u ROM banners, "
			 "last reset cause %d): watchdog or exception", r->banners, r->rst_cause);
		verdict(r, ESP_BOOT_LOOP, why);
	} else if (!r->banners && !rom_len && !app_len && !late_len) {
		verdict(r, ESP_BOOT_SILENT, "nothing on the UART after the reset: no TX wiring, no "
			"power, or a dead unit");
	} else if (line && r->app_bytes > app_junk) {
		verdict(r, ESP_BOOT_BOOTED, "the ROM loaded the image and the firmware spoke");
	} else if (r->banners) {
		verdict(r, ESP_BOOT_NO_OUTPUT, "the ROM loaded the image; the firmware said nothing "
			"at its baud");
	} else {
		verdict(r, ESP_BOOT_SILENT, "no ROM boot lines: only noise at the expected bauds");
	}
}

/* Reads into buf until total_ms, or quiet_ms of silence once something came,
 * or (ESP8266 ROM) tail_ms after the "csum" line. */
static enum esp_err listen(struct esp_session *s, char *buf, size_t cap, size_t *len,
			   unsigned total_ms, unsigned quiet_ms, int stop_at_csum)
{
	uint64_t start = esp_now_ms(), last = 0, until = start + total_ms;
	while (*len < cap) {
		uint64_t now = esp_now_ms();
		if (now >= until)
			break;
		if (quiet_ms && last && now - last >= quiet_ms)
			break;
		size_t n = 0;
		unsigned wait = (unsigned)(until - now < 20 ? until - now : 20);
		enum esp_err e = xport_read(s->x, buf + *len, cap - *len, wait, &n);
		if (e)
			return e;
		if (n) {
			*len += n;
			last = esp_now_ms();
			if (stop_at_csum && (find(buf, *len, "\ncsum ") || find(buf, *len, "ets_main.c")) &&
			    until > last + ROM_TAIL_MS)
				until = last + ROM_TAIL_MS;
		}
	}
	return ESP_OK;
}

static enum esp_err set_baud(struct esp_session *s, unsigned baud)
{
	if (!(s->x->caps & XPORT_CAP_BAUD) || s->x->baud == baud)
		return ESP_OK;
	enum esp_err e = xport_set_baud(s->x, baud);
	if (!e)
		s->baud = baud;
	return e;
}

/* Without DTR/RTS: until the first byte after the operator's power cycle. */
static enum esp_err wait_for_operator(struct esp_session *s, unsigned wait_ms, char *buf,
				      size_t *len)
{
	esp_log(s, ESP_LOG_NOTICE, "boot check: power-cycle the unit WITHOUT holding the button");
	uint64_t start = esp_now_ms();
	while (*len == 0) {
		uint64_t waited = esp_now_ms() - start;
		if (waited >= wait_ms)
			return ESP_OK;
		enum esp_err e = esp_progress(s, ESP_OP_WAIT_BOOT, waited, wait_ms);
		if (!e)
			e = xport_read(s->x, buf, BUF_LEN, 100, len);
		if (e)
			return e;
	}
	return ESP_OK;
}

enum esp_err esp_boot_check(struct esp_session *s, const struct esp_chip_info *chip,
			    const struct esp_boot_plan *plan, struct esp_boot_report *ret)
{
	size_t rn = 0, an = 0, ln = 0;
	int esp32 = esp32_class(chip->chip);
	unsigned window = plan && plan->window_ms ? plan->window_ms : 2000u;
	unsigned app_baud = plan && plan->app_baud ? plan->app_baud : 115200u;
	unsigned wait = plan && plan->wait_ms ? plan->wait_ms
			: s->cfg.connect_ms ? s->cfg.connect_ms : 60000u;
	/* the ESP8266 ROM speaks at 74880 with a 26 MHz crystal (115200 with 40) */
	unsigned rom_baud = esp32 || chip->crystal_mhz == 40 ? 115200u : 74880u;
	memset(ret, 0, sizeof *ret);
	enum esp_err e = set_baud(s, rom_baud);
	if (e)
		return e;
	char *buf = malloc(3 * BUF_LEN);
	if (!buf)
		return esp_fail(s, ESP_E_NOMEM, "out of memory");
	char *rom = buf, *app = buf + BUF_LEN, *late = buf + 2 * BUF_LEN;
	esp_flush_rx(s);
	s->stub = 0;
	s->synced = 0;
	if ((s->x->caps & XPORT_CAP_LINES) && !(plan && plan->operator_reset)) {
		struct esp_reset_seq seq;
		esp_reset_seq_hard(&seq);
		e = esp_reset_run(s->x, &seq);
	} else {
		e = wait_for_operator(s, wait, rom, &rn);
	}
	uint64_t t0 = esp_now_ms(); /* the verdict's time counts from the reset, not the wait */
	if (!e)
		e = listen(s, rom, BUF_LEN, &rn, esp32 ? window : ROM_TOTAL_MS,
			   esp32 ? 0 : ROM_QUIET_MS, !esp32);
	unsigned junk = 0;
	if (!e && !esp32) {
		if (rom_baud != app_baud && !(e = set_baud(s, app_baud)))
			e = listen(s, app, BUF_LEN, &an, window, 0, 0);
		int line;
		junk = (unsigned)an - text_bytes(app, an, &line);
		/* noise at the firmware's baud, or no text: listen for another ROM banner */
		if (!e && (junk || !line) && !(e = set_baud(s, rom_baud)))
			e = listen(s, late, BUF_LEN, &ln, LATE_MS, 0, 0);
	}
	if (!e)
		esp_boot_classify(chip->chip, rom, rn, app, an, junk, late, ln, ret);
	if (!e) {
		ret->ms = (unsigned)(esp_now_ms() - t0);
		add_log(ret, rom, rn);
		add_log(ret, app, an);
		esp_log(s, ESP_LOG_INFO, "boot check: %s after %u ms: %s",
			esp_boot_result_name(ret->result), ret->ms, ret->why);
	}
	free(buf);
	return e;
}
