/* SPDX-License-Identifier: MIT */
/*
 * What differs between the emulated chips (ESP8266EX, ESP8285, ESP32,
 * ESP32-C3): register addresses, the ROM's reply shape and commands, the
 * boot loader's flash offset and image chip id, and the MEM_END entry
 * points of the flasher stubs shipped for each (BASE §7, §8, §10;
 * esp32-family.md §1-§5).  One constant table, read by everything else.
 */
#pragma once

#include <stdint.h>

#include "emu.h"

/* SPI1 controller: register offsets from base (BASE §10.1, family §3.3).
 * miso_dlen == 0: the ESP8266 keeps the data lengths in USR1. */
struct emu_spi_map {
	uint32_t base;
	uint8_t usr, usr1, usr2, mosi_dlen, miso_dlen, w0;
};

#define EMU_MAX_STUB_ENTRIES 3

struct emu_chipdef {
	enum emu_chip chip;
	int esp32_class;            /* 4 ROM status bytes, SPI_ATTACH, ROM at 115200, ... */
	uint32_t magic;             /* READ_REG 0x40001000 */
	uint32_t efuse_base;        /* first eFuse read word */
	unsigned efuse_words;
	uint32_t uart_clkdiv;       /* UART0 CLKDIV register */
	struct emu_spi_map spi;
	uint32_t boot_offset;       /* where the ROM looks for the boot loader */
	int image_chip_id;          /* extended image header chip_id; -1: no such header */
	unsigned rom_begin_len;     /* ROM FLASH_(DEFL_)BEGIN payload; 0 = 16 or 20 */
	int rom_security_info;      /* the ROM answers GET_SECURITY_INFO (0x14) */
	int stub_security_info;     /* the stubs answer it */
	uint32_t security_chip_id;  /* its chip_id field */
	uint32_t legacy_entries[EMU_MAX_STUB_ENTRIES];  /* legacy esptool stub (0 = unused) */
	uint32_t new_entries[EMU_MAX_STUB_ENTRIES];     /* esp-flasher-stub builds */
};

const struct emu_chipdef *emu_chipdef(enum emu_chip chip);

/* Whose stub starts at entry, seen from chip d: */
enum emu_stub_kind {
	EMU_STUBK_UNKNOWN,          /* nothing shipped starts there (plays the new stub) */
	EMU_STUBK_LEGACY,           /* d's legacy stub */
	EMU_STUBK_NEW,              /* one of d's esp-flasher-stub builds */
	EMU_STUBK_FOREIGN,          /* another chip's stub: no code of d's runs there */
};
enum emu_stub_kind emu_chipdef_stub_kind(const struct emu_chipdef *d, uint32_t entry);
