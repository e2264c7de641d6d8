/* SPDX-License-Identifier: MIT */
/*
 * The ESP8266 registers a flasher looks at (protocol doc §7.3, §10, §21.5):
 * the chip magic, eFuse words W0..W3 encoding MAC and chip variant,
 * UART_CLKDIV (crystal detection) and the SPI controller, whose user
 * commands (RDID, SFDP, RDSR, ...) run against the configured flash part.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define EMU_REG_MAGIC 0x40001000u
#define EMU_MAGIC_ESP8266 0xFFF0C101u
#define EMU_REG_EFUSE0 0x3FF00050u
#define EMU_REG_UART_CLKDIV 0x60000014u
#define EMU_REG_SPI_BASE 0x60000200u
#define EMU_SPI_CMD 0x00
#define EMU_SPI_ADDR 0x04
#define EMU_SPI_USR 0x1C
#define EMU_SPI_USR1 0x20
#define EMU_SPI_USR2 0x24
#define EMU_SPI_W0 0x40
#define EMU_SPI_CMD_USR (1u << 18)
#define EMU_REG_MISC_MAX 32

struct emu_config;

struct emu_regs {
	uint32_t efuse[4];
	uint32_t spi[64];           /* 0x60000200..0x600002FF */
	uint32_t jedec;             /* manuf | type << 8 | capacity << 16 */
	uint8_t flash_sr[3];        /* status registers 1..3 */
	unsigned crystal_mhz;
	struct {
		uint32_t addr, val;
	} misc[EMU_REG_MISC_MAX];   /* any other written address reads back */
	unsigned nmisc;
};

void emu_regs_init(struct emu_regs *r, const struct emu_config *c);
/* The eFuse words that make esptool decode c's MAC and chip (§7.3 in reverse). */
void emu_efuse_encode(const struct emu_config *c, uint32_t w[4]);
/* JEDEC capacity code for a flash size (§10.3), 0 if none. */
uint8_t emu_flash_capacity_code(uint32_t size);

uint32_t emu_regs_read(const struct emu_regs *r, uint32_t addr, unsigned dev_baud);
/* Masked write (§4 WRITE_REG).  If it ran an SPI user command, writes a
 * short description ("spi_cmd":"0x9f") for the log into note. */
void emu_regs_write(struct emu_regs *r, uint32_t addr, uint32_t value, uint32_t mask,
		    char *note, size_t cap);
