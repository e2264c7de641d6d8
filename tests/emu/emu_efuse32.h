/* SPDX-License-Identifier: MIT */
/*
 * The eFuse words of an ESP32 or ESP32-C3 as READ_REG sees them: MAC (with
 * the ESP32's CRC-8), package, revision and the security bits
 * (esp32-family.md §1.4, §1.5, §2, §6.2, §6.3, §10.2, §10.3), and
 * GET_SECURITY_INFO derived from the same words, so both paths agree.
 */
#pragma once

#include <stdint.h>

#include "emu.h"

#define EMU_SECINFO_LEN 20

/* espefuse's MAC_CRC: CRC-8, reflected polynomial 0x31, init 0 (§2.1). */
uint8_t emu_mac_crc8(const uint8_t mac[6]);
/* Fills n read words (the chip's eFuse window, emu_chipdef) for c.  For
 * the ESP32 also the APB_CTL_DATE word (revision bit 2); 0 otherwise. */
void emu_efuse32_encode(const struct emu_config *c, uint32_t *w, unsigned n, uint32_t *apb_date);
/* GET_SECURITY_INFO payload (BASE §7.2) from C3 eFuse words. */
void emu_efuse32_security_info(const uint32_t *c3_words, uint32_t chip_id, uint8_t out[EMU_SECINFO_LEN]);
/* Secure Download Mode (C3: ENABLE_SECURITY_DOWNLOAD) as the ROM sees it. */
int emu_efuse32_secure_download(const struct emu_config *c, const uint32_t *w);
