/* SPDX-License-Identifier: MIT */
/*
 * What the ROM prints after a reset, at its own baud: the ESP8266's banner
 * (BASE §21.1) and the ESP32 / ESP32-C3 boot logs (esp32-family.md §8.4),
 * with the reset code of the cause (README "What a unit prints when it
 * boots").  Download vs flash boot follows the strap; a flash boot goes on
 * in emu_romload.c.  With flash encryption on, the ROM reads through the
 * decryption (so a plaintext image written by a host reads as garbage, as
 * on a real unit).
 */
#include <string.h>

#include "emu_priv.h"

void emu_cpu_flash_read(struct emu *e, uint32_t addr, uint8_t *p, uint32_t n)
{
	emu_flash_read(&e->flash, addr, p, n);
	if (e->cfg.security.flash_encrypted)
		emu_fe_crypt(emu_fe_key(&e->cfg), addr, p, n);
}

static int is(const char *cause, const char *name)
{
	return strcmp(cause, name) == 0;
}

/* ESP8266 rst cause: 1 power-on, 2 external (EN pin; also what an Arduino
 * exception restart shows), 4 watchdog (the emulator's software reset
 * after FLASH_END / a stub crash has always printed 4). */
static unsigned rst_8266(const char *cause)
{
	if (is(cause, "power"))
		return 1;
	if (is(cause, "soft") || is(cause, "wdt"))
		return 4;
	return 2;
}

struct rst32 {
	unsigned code;
	const char *name;
};

/* EN counts as a power-on reset on both; the C3's ROM watchdog after a
 * failed boot shows as TG0WDT, the ESP32's as RTCWDT_RTC_RESET. */
static struct rst32 rst_32(const char *cause, int c3)
{
	if (is(cause, "power") || is(cause, "en"))
		return (struct rst32){ 0x1, c3 ? "POWERON" : "POWERON_RESET" };
	if (is(cause, "wdt"))
		return (struct rst32){ 0x7, c3 ? "TG0WDT_SYS_RST" : "TG0WDT_SYS_RESET" };
	if (is(cause, "rtcwdt"))
		return c3 ? (struct rst32){ 0x7, "TG0WDT_SYS_RST" } :
			    (struct rst32){ 0x10, "RTCWDT_RTC_RESET" };
	/* soft, exception: a software CPU reset (the C3's code is inferred) */
	return c3 ? (struct rst32){ 0x3, "RTC_SW_SYS_RST" } : (struct rst32){ 0xc, "SW_CPU_RESET" };
}

size_t emu_bootlog(struct emu *e, const char *cause, int download, struct emu_bootrec *b,
		   char *buf, size_t cap)
{
	struct emu_text o;

	emu_text_init(&o, buf, cap);
	memset(b, 0, sizeof *b);
	b->cause = cause;
	b->result = download ? EMU_BOOT_DOWNLOAD : EMU_BOOT_APP;
	switch (e->def->chip) {
	case EMU_ESP8266EX:
	case EMU_ESP8285: {
		b->rst = rst_8266(cause);
		/* boot mode A: the straps {GPIO15, GPIO0, GPIO2}: 3 flash, 1 UART */
		emu_text_put(&o, "\r\n ets Jan  8 2013,rst cause:%u, boot mode:(%d,6)\r\n\r\n", b->rst,
			     download ? 1 : 3);
		if (b->rst == 4)
			emu_text_put(&o, "wdt reset\r\n");
		if (!download)
			emu_romload(e, &o, b);
		break;
	}
	case EMU_ESP32: {
		struct rst32 r = rst_32(cause, 0);
		b->rst = r.code;
		/* the ROM date differs per ECO: v3 parts print the 2019 one */
		emu_text_put(&o, "%s\r\n\r\n", e->cfg.rev_major >= 3 ? "ets Jul 29 2019 12:21:46" :
			     "ets Jun  8 2016 00:22:57");
		emu_text_put(&o, "rst:0x%x (%s),", r.code, r.name);
		if (download) {
			emu_text_put(&o, "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n"
				     "waiting for download\r\n");
		} else {
			emu_text_put(&o, "boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n");
			emu_romload(e, &o, b);
		}
		break;
	}
	case EMU_ESP32C3: {
		struct rst32 r = rst_32(cause, 1);
		b->rst = r.code;
		emu_text_put(&o, "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n");
		emu_text_put(&o, "rst:0x%x (%s),", r.code, r.name);
		emu_text_put(&o, "boot:%s\r\n", download ? "0x4 (DOWNLOAD(USB/UART0/1))" :
			     "0xc (SPI_FAST_FLASH_BOOT)");
		if (r.code != 0x1)
			emu_text_put(&o, "Saved PC:0x40048b82\r\n");
		if (download)
			emu_text_put(&o, "waiting for download\r\n");
		else
			emu_romload(e, &o, b);
		break;
	}
	}
	b->rom_bytes = o.len;
	return o.len;
}
