/* SPDX-License-Identifier: MIT */
/* Register file of the emulated chips (see emu_regs.h). */
#include "emu_regs.h"

#include <stdio.h>
#include <string.h>

#include "emu.h"
#include "emu_efuse32.h"

/* ESP32: the 0x6000_0000 AHB alias of UART0 .. eFuse that esptool <= 2.8
 * used (family §10.5) */
#define ESP32_AHB_ALIAS 0x60000000u
#define ESP32_DPORT_APB 0x3FF40000u
#define ESP32_ALIAS_SPAN 0x40000u

uint8_t emu_flash_capacity_code(uint32_t size)
{
	/* 0x12 = 256 KiB ... 0x18 = 16 MiB: code = log2(size) */
	for (uint8_t code = 0x12; code <= 0x18; code++)
		if (size == 1u << code)
			return code;
	return 0;
}

void emu_efuse_encode(const struct emu_config *c, uint32_t w[4])
{
	const uint8_t *m = c->mac;
	int oui_18fe34 = m[0] == 0x18 && m[1] == 0xFE && m[2] == 0x34;
	int oui_acd074 = m[0] == 0xAC && m[1] == 0xD0 && m[2] == 0x74;
	uint32_t w3_flags = 0, w0_flags = 0, w2_flags = 0;

	if (c->chip == EMU_ESP8285) {
		/* esptool decodes the embedded flash size from W0 bit 4 and W3
		 * bits 25..27; 4 MB needs the "W2 bit 16" form of the ESP8285 flag */
		if (c->flash_size == 1u << 20) {
			w0_flags = 1u << 4;
		} else if (c->flash_size == 2u << 20) {
			w0_flags = 1u << 4;
			w3_flags = 1u << 26;
		} else if (c->flash_size == 4u << 20) {
			w2_flags = 1u << 16;
			w3_flags = 1u << 25 | 1u << 26;
		} else {
			w2_flags = 1u << 16;
			w3_flags = 1u << 27;  /* "unknown" size */
		}
	}
	/* MAC bytes 3..5: W1 bits 8..15, W1 bits 0..7, W0 bits 24..31.
	 * OUI: W3 bits 0..23 if W3 != 0, else W1 bits 16..23 selects
	 * 0 = 18:FE:34 or 1 = AC:D0:74.  A W3 holding ESP8285 flags is non-zero,
	 * so then the OUI must be spelled out in W3 as well. */
	w[0] = (uint32_t)m[5] << 24 | 0x00A000u | w0_flags;
	w[1] = 0x02000000u | (uint32_t)m[3] << 8 | m[4];
	w[2] = 0x00007000u | w2_flags;
	w[3] = w3_flags;
	if ((oui_18fe34 || oui_acd074) && w3_flags == 0)
		w[1] |= (uint32_t)(oui_acd074 ? 1 : 0) << 16;
	else
		w[3] |= (uint32_t)m[0] << 16 | (uint32_t)m[1] << 8 | m[2];
}

void emu_regs_init(struct emu_regs *r, const struct emu_config *c)
{
	memset(r, 0, sizeof *r);
	r->def = emu_chipdef(c->chip);
	if (r->def->esp32_class)
		emu_efuse32_encode(c, r->efuse, r->def->efuse_words, &r->apb_date);
	else
		emu_efuse_encode(c, r->efuse);
	r->rtc_cali = c->rtc_cali;
	r->crystal_mhz = c->crystal_mhz;
	/* reset values seen on a real ESP8266 ROM session (esptool#397) */
	r->spi[r->def->spi.usr / 4] = 0x80000044u;
	r->spi[r->def->spi.usr2 / 4] = 0x70000000u;
	r->jedec = c->flash_manuf | 0x40u << 8 | (uint32_t)emu_flash_capacity_code(c->flash_size) << 16;
}

static int in_window(uint32_t addr, uint32_t base, uint32_t bytes)
{
	return addr >= base && addr - base < bytes && addr % 4 == 0;
}

/* The register an address means on this chip (ESP32: AHB alias folded). */
static uint32_t canonical(const struct emu_regs *r, uint32_t addr)
{
	if (r->def->chip == EMU_ESP32 && addr >= ESP32_AHB_ALIAS &&
	    addr - ESP32_AHB_ALIAS < ESP32_ALIAS_SPAN)
		return addr - ESP32_AHB_ALIAS + ESP32_DPORT_APB;
	return addr;
}

static uint32_t clkdiv(const struct emu_regs *r, unsigned baud)
{
	if (!baud)
		return 0;
	if (!r->def->esp32_class)   /* APB = 2 x crystal on ESP8266 (§1) */
		return (uint32_t)(r->crystal_mhz * 2000000ull / baud) & 0xFFFFFu;
	/* ROM: UART clocked by the crystal; integer part in bits 0..19, the
	 * fraction (1/16) in bits 20..23 */
	uint32_t div16 = (uint32_t)(r->crystal_mhz * 16000000ull / baud);
	return (div16 >> 4 & 0xFFFFFu) | (div16 & 15u) << 20;
}

uint32_t emu_regs_read(const struct emu_regs *r, uint32_t addr, unsigned dev_baud)
{
	const struct emu_chipdef *d = r->def;

	addr = canonical(r, addr);
	if (addr == EMU_REG_MAGIC)
		return d->magic;
	if (in_window(addr, d->efuse_base, d->efuse_words * 4))
		return r->efuse[(addr - d->efuse_base) / 4];
	if (addr == d->uart_clkdiv)
		return clkdiv(r, dev_baud);
	if (in_window(addr, d->spi.base, 0x100))
		return r->spi[(addr - d->spi.base) / 4];
	if (d->chip == EMU_ESP32) {
		if (addr == EMU_REG_ESP32_APB_DATE)
			return r->apb_date;
		if (addr == EMU_REG_ESP32_RTCCALICFG1)
			return r->rtc_cali << 7;
		if (addr == EMU_REG_ESP32_GPIO_STRAP)
			return r->strap;
	}
	for (unsigned i = 0; i < r->nmisc; i++)
		if (r->misc[i].addr == addr)
			return r->misc[i].val;
	return 0;
}

/* Stores the first miso_bytes bytes of val into W0.. little-endian, as the
 * controller fills its data buffer in arrival order. */
static void spi_result(struct emu_regs *r, uint32_t val, unsigned miso_bits)
{
	unsigned n = (miso_bits + 7) / 8, w0 = r->def->spi.w0 / 4;
	if (n > 4)
		n = 4;
	uint32_t w = r->spi[w0];
	for (unsigned i = 0; i < n; i++) {
		w &= ~(0xFFu << (8 * i));
		w |= (val >> (8 * i) & 0xFFu) << (8 * i);
	}
	r->spi[w0] = w;
}

static void spi_execute(struct emu_regs *r, char *note, size_t cap)
{
	const struct emu_spi_map *m = &r->def->spi;
	uint32_t usr = r->spi[m->usr / 4], usr1 = r->spi[m->usr1 / 4];
	uint32_t usr2 = r->spi[m->usr2 / 4];
	uint8_t cmd = (uint8_t)(usr2 & 0xFF);
	int miso = (usr >> 28) & 1, mosi = (usr >> 27) & 1;
	unsigned miso_bits, mosi_bits;
	uint32_t w0 = r->spi[m->w0 / 4];

	if (m->miso_dlen) {         /* ESP32 class: data lengths in their own registers */
		miso_bits = miso ? (r->spi[m->miso_dlen / 4] & 0x3FFFFu) + 1 : 0;
		mosi_bits = mosi ? (r->spi[m->mosi_dlen / 4] & 0x3FFFFu) + 1 : 0;
	} else {
		miso_bits = miso ? ((usr1 >> 8) & 0x1FF) + 1 : 0;
		mosi_bits = mosi ? ((usr1 >> 17) & 0x1FF) + 1 : 0;
	}

	switch (cmd) {
	case 0x9F:                  /* RDID */
		spi_result(r, r->jedec, miso_bits);
		break;
	case 0x5A:                  /* SFDP read: this part has no SFDP table */
		spi_result(r, 0xFFFFFFFFu, miso_bits);
		break;
	case 0x05:
		spi_result(r, r->flash_sr[0], miso_bits);
		break;
	case 0x35:
		spi_result(r, r->flash_sr[1], miso_bits);
		break;
	case 0x15:
		spi_result(r, r->flash_sr[2], miso_bits);
		break;
	case 0x01:                  /* WRSR: 8 or 16 bits from W0 */
		if (mosi_bits >= 8)
			r->flash_sr[0] = (uint8_t)w0;
		if (mosi_bits >= 16)
			r->flash_sr[1] = (uint8_t)(w0 >> 8);
		break;
	case 0x31:
		if (mosi_bits >= 8)
			r->flash_sr[1] = (uint8_t)w0;
		break;
	case 0x11:
		if (mosi_bits >= 8)
			r->flash_sr[2] = (uint8_t)w0;
		break;
	default:                    /* WREN, WRDI, reset 66/99, B9/AB, XMC fix: accepted */
		break;
	}
	if (note)
		snprintf(note, cap, "\"spi_cmd\":\"0x%02x\",\"miso_bits\":%u", cmd, miso_bits);
}

void emu_regs_write(struct emu_regs *r, uint32_t addr, uint32_t value, uint32_t mask,
		    char *note, size_t cap)
{
	const struct emu_chipdef *d = r->def;
	uint32_t old = emu_regs_read(r, addr, 0);
	uint32_t v = mask == 0xFFFFFFFFu ? value : (value & mask) | (old & ~mask);

	if (note && cap)
		note[0] = 0;
	addr = canonical(r, addr);
	if (addr == EMU_REG_MAGIC || in_window(addr, d->efuse_base, d->efuse_words * 4) ||
	    addr == d->uart_clkdiv ||
	    (d->chip == EMU_ESP32 && (addr == EMU_REG_ESP32_APB_DATE ||
				      addr == EMU_REG_ESP32_RTCCALICFG1)))
		return;                 /* ROM word, OTP and our baud/clock model: read-only here */
	if (in_window(addr, d->spi.base, 0x100)) {
		unsigned i = (addr - d->spi.base) / 4;
		if (i == EMU_SPI_CMD / 4 && (v & EMU_SPI_CMD_USR)) {
			spi_execute(r, note, cap);
			v &= ~EMU_SPI_CMD_USR;  /* the command completes at once */
		}
		r->spi[i] = v;
		return;
	}
	for (unsigned i = 0; i < r->nmisc; i++) {
		if (r->misc[i].addr == addr) {
			r->misc[i].val = v;
			return;
		}
	}
	if (r->nmisc < EMU_REG_MISC_MAX) {
		r->misc[r->nmisc].addr = addr;
		r->misc[r->nmisc].val = v;
		r->nmisc++;
	}
}
