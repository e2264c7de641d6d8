/* SPDX-License-Identifier: MIT */
/*
 * The registers a flasher looks at, per chip (BASE §7, §10, §21.5;
 * esp32-family.md §1-§3, §10.2, §10.3): the chip magic, the eFuse words
 * (MAC, variant, revision, security), UART_CLKDIV (crystal detection), the
 * ESP32's APB_CTL_DATE, RTCCALICFG1 and GPIO_STRAP, and the SPI1
 * controller, whose user commands (RDID, SFDP, RDSR, ...) run against the
 * configured flash part.  Other addresses read back what was written.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "emu_chipdef.h"

#define EMU_REG_MAGIC 0x40001000u
#define EMU_SPI_CMD 0x00
#define EMU_SPI_ADDR 0x04
#define EMU_SPI_CMD_USR (1u << 18)
#define EMU_REG_MISC_MAX 32
#define EMU_EFUSE_WORDS 128
/* ESP32 only */
#define EMU_REG_ESP32_APB_DATE 0x3FF6607Cu
#define EMU_REG_ESP32_RTCCALICFG1 0x3FF5F06Cu
#define EMU_REG_ESP32_GPIO_STRAP 0x3FF44038u

struct emu_config;

struct emu_regs {
	const struct emu_chipdef *def;
	uint32_t efuse[EMU_EFUSE_WORDS];  /* read words from def->efuse_base */
	uint32_t apb_date;          /* ESP32 APB_CTL_DATE (revision bit 2) */
	uint32_t rtc_cali;          /* ESP32 RTCCALICFG1 calibration (its bits 7..31) */
	uint32_t strap;             /* ESP32 GPIO_STRAP: the boot value the ROM printed */
	uint32_t spi[64];           /* SPI1, base .. base + 0xFF */
	uint32_t jedec;             /* manuf | type << 8 | capacity << 16 */
	uint8_t flash_sr[3];        /* status registers 1..3 */
	unsigned crystal_mhz;
	struct {
		uint32_t addr, val;
	} misc[EMU_REG_MISC_MAX];   /* any other written address reads back */
	unsigned nmisc;
};

void emu_regs_init(struct emu_regs *r, const struct emu_config *c);
/* The ESP8266 eFuse words that make esptool decode c's MAC and chip (§7.3 in reverse). */
void emu_efuse_encode(const struct emu_config *c, uint32_t w[4]);
/* JEDEC capacity code for a flash size (§10.3), 0 if none. */
uint8_t emu_flash_capacity_code(uint32_t size);

uint32_t emu_regs_read(const struct emu_regs *r, uint32_t addr, unsigned dev_baud);
/* Masked write (§4 WRITE_REG).  If it ran an SPI user command, writes a
 * short description ("spi_cmd":"0x9f") for the log into note. */
void emu_regs_write(struct emu_regs *r, uint32_t addr, uint32_t value, uint32_t mask,
		    char *note, size_t cap);
