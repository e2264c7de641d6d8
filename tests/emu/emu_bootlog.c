/* SPDX-License-Identifier: MIT */
/*
 * What the ROM prints after a reset, at its own baud, before it listens:
 * the ESP8266's one-line banner (BASE §21.1) and the ESP32 / ESP32-C3 boot
 * logs (esp32-family.md §8.4).  Download vs flash boot follows the strap;
 * a flash boot lists the boot loader's segments as the ROM loads them, or
 * "invalid header" when there is no image at the boot loader offset.  With
 * flash encryption on, the ROM reads through the decryption (so a
 * plaintext image written by a host reads as garbage, as on a real unit).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emu_bytes.h"
#include "emu_priv.h"

#define MAX_SEGMENTS 16

struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->len >= o->cap)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

static const char *mode_name(uint8_t m)
{
	static const char *const names[] = { "QIO", "QOUT", "DIO", "DOUT" };
	return m < 4 ? names[m] : "DIO";
}

/* SPI clock divider for the header's frequency code (80 MHz / f). */
static unsigned clock_div(uint8_t freq)
{
	switch (freq & 0x0F) {
	case 0x0F: return 1;    /* 80m */
	case 0x01: return 3;    /* 26m */
	case 0x02: return 4;    /* 20m */
	default: return 2;      /* 40m */
	}
}

void emu_cpu_flash_read(struct emu *e, uint32_t addr, uint8_t *p, uint32_t n)
{
	emu_flash_read(&e->flash, addr, p, n);
	if (e->cfg.security.flash_encrypted)
		emu_fe_crypt(emu_fe_key(&e->cfg), addr, p, n);
}

/* The flash-boot part: mode line, then "load:" per segment and "entry". */
static void flash_boot(struct emu *e, struct out *o, int esp32)
{
	uint8_t h[24];
	uint32_t at = e->def->boot_offset;

	emu_cpu_flash_read(e, at, h, sizeof h);
	if (h[0] != 0xE9) {
		put(o, "invalid header: 0x%08x\r\n", emu_le32(h));
		return;
	}
	if (esp32)
		put(o, "configsip: 0, SPIWP:0xee\r\n"
		       "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n");
	else
		put(o, "SPIWP:0xee\r\n");
	put(o, "mode:%s, clock div:%u\r\n", mode_name(h[2]), clock_div(h[3]));
	uint32_t pos = at + 24;
	for (unsigned i = 0; i < h[1] && i < MAX_SEGMENTS; i++) {
		uint8_t sh[8];
		emu_cpu_flash_read(e, pos, sh, sizeof sh);
		uint32_t len = emu_le32(sh + 4);
		if (len > e->flash.size)
			break;
		put(o, "load:0x%08x,len:%u\r\n", emu_le32(sh), len);
		pos += 8 + len;
	}
	put(o, "entry 0x%08x\r\n", emu_le32(h + 4));
}

size_t emu_bootlog(struct emu *e, const char *cause, int download, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	int power = strcmp(cause, "soft") != 0;    /* EN counts as a power-on reset */

	if (cap)
		buf[0] = 0;
	switch (e->def->chip) {
	case EMU_ESP8266EX:
	case EMU_ESP8285: {
		int rst = strcmp(cause, "power") == 0 ? 1 : strcmp(cause, "soft") == 0 ? 4 : 2;
		put(&o, "\r\n ets Jan  8 2013,rst cause:%d, boot mode:(%d,6)\r\n", rst, download ? 1 : 3);
		break;
	}
	case EMU_ESP32:
		/* the ROM date differs per ECO: v3 parts print the 2019 one */
		put(&o, "%s\r\n\r\n", e->cfg.rev_major >= 3 ? "ets Jul 29 2019 12:21:46" :
		    "ets Jun  8 2016 00:22:57");
		put(&o, "rst:%s,", power ? "0x1 (POWERON_RESET)" : "0xc (SW_CPU_RESET)");
		if (download) {
			put(&o, "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n"
				"waiting for download\r\n");
		} else {
			put(&o, "boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n");
			flash_boot(e, &o, 1);
		}
		break;
	case EMU_ESP32C3:
		put(&o, "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n");
		put(&o, "rst:%s,", power ? "0x1 (POWERON)" : "0x3 (RTC_SW_SYS_RST)");
		put(&o, "boot:%s\r\n", download ? "0x4 (DOWNLOAD(USB/UART0/1))" :
		    "0xc (SPI_FAST_FLASH_BOOT)");
		if (!power)
			put(&o, "Saved PC:0x40048b82\r\n");
		if (download)
			put(&o, "waiting for download\r\n");
		else
			flash_boot(e, &o, 0);
		break;
	}
	return o.len;
}
