/* SPDX-License-Identifier: MIT */
/* eFuse words of the ESP32 and ESP32-C3 (see emu_efuse32.h). */
#include "emu_efuse32.h"

#include <string.h>

/* ESP32 BLOCK0 word indexes from 0x3FF5A000 */
enum { E32_W0 = 0, E32_MAC1, E32_MAC2, E32_W3, E32_W4, E32_W5, E32_W6, E32_BLK2 = 22 };
/* C3 word indexes from 0x60008800 */
enum {
	C3_RD_REPEAT0 = 12,         /* 0x60008830: DIS_DOWNLOAD_MANUAL_ENCRYPT bit 20 */
	C3_RD_REPEAT1 = 13,         /* 0x60008834: crypt cnt 18..20, revokes 21..23, purposes 0/1 */
	C3_RD_REPEAT2 = 14,         /* 0x60008838: purposes 2..5, SECURE_BOOT_EN 20 */
	C3_RD_REPEAT3 = 15,         /* 0x6000883C: ENABLE_SECURITY_DOWNLOAD bit 5 */
	C3_MAC0 = 17, C3_MAC1 = 18, C3_SYS3 = 20, C3_SYS4 = 21, C3_SYS5 = 22,
};

uint8_t emu_mac_crc8(const uint8_t mac[6])
{
	uint8_t crc = 0;

	for (int i = 0; i < 6; i++) {
		crc ^= mac[i];
		for (int b = 0; b < 8; b++)
			crc = crc & 1 ? (uint8_t)(crc >> 1 ^ 0x8C) : (uint8_t)(crc >> 1);
	}
	return crc;
}

/* ESP32 major revision as eFuse bits rev0 (w3 b15), rev1 (w5 b20), rev2
 * (APB b31): 0 -> 000, 1 -> 001, 2 -> 011, 3 -> 111 (§1.4). */
static unsigned esp32_rev_bits(unsigned major)
{
	return major >= 3 ? 7 : major == 2 ? 3 : major == 1 ? 1 : 0;
}

static void encode_esp32(const struct emu_config *c, uint32_t *w, uint32_t *apb)
{
	const uint8_t *m = c->mac;
	const struct emu_security *s = &c->security;
	unsigned rev = esp32_rev_bits(c->rev_major);

	/* FLASH_CRYPT_CNT odd (1 bit), key BLOCK1 read-protected (RD_DIS bit 0) */
	if (s->flash_encrypted)
		w[E32_W0] |= 1u << 20 | 1u << 16;
	w[E32_MAC1] = (uint32_t)m[2] << 24 | (uint32_t)m[3] << 16 | (uint32_t)m[4] << 8 | m[5];
	w[E32_MAC2] = (uint32_t)emu_mac_crc8(m) << 16 | (uint32_t)m[0] << 8 | m[1];
	/* package (bits 9..11 + bit 2 as bit 3), 240 MHz rated, rev bit 0 */
	w[E32_W3] = (c->pkg & 7u) << 9 | (c->pkg >> 3 & 1u) << 2 | 1u << 13 | (rev & 1u) << 15;
	w[E32_W4] = 0x00001164u;    /* ADC vref 0x11, CK8M 100 */
	w[E32_W5] = (rev >> 1 & 1u) << 20 | (c->rev_minor & 3u) << 24;
	if (s->flash_encrypted)
		w[E32_W5] |= 0xFu << 28;    /* FLASH_CRYPT_CONFIG as the bootloader burns it */
	if (s->secure_boot) {
		/* V2 (ABS_DONE_1) counts from revision 3, V1 (ABS_DONE_0) before;
		 * BLOCK2 then holds the key digest; JTAG goes off with it */
		w[E32_W6] |= (c->rev_major >= 3 ? 1u << 5 : 1u << 4) | 1u << 6;
		for (unsigned i = 0; i < 8; i++)
			w[E32_BLK2 + i] = 0x9E3779B9u * (i + 1) ^ w[E32_MAC1];
	}
	if (s->dl_encrypt_disabled)
		w[E32_W6] |= 1u << 7;
	*apb = 0x16042000u | (rev >> 2 & 1u) << 31;
}

static void encode_c3(const struct emu_config *c, uint32_t *w)
{
	const uint8_t *m = c->mac;
	const struct emu_security *s = &c->security;

	if (s->dl_encrypt_disabled)
		w[C3_RD_REPEAT0] |= 1u << 20;
	if (s->flash_encrypted)
		w[C3_RD_REPEAT1] |= 1u << 18 | 4u << 24;   /* crypt cnt 1, purpose 0 = XTS_AES_128_KEY */
	if (s->secure_boot) {
		w[C3_RD_REPEAT1] |= 9u << 28;              /* purpose 1 = SECURE_BOOT_DIGEST0 */
		w[C3_RD_REPEAT2] |= 1u << 20;
	}
	if (s->secure_download)
		w[C3_RD_REPEAT3] |= 1u << 5;
	w[C3_MAC0] = (uint32_t)m[2] << 24 | (uint32_t)m[3] << 16 | (uint32_t)m[4] << 8 | m[5];
	w[C3_MAC1] = (uint32_t)m[0] << 8 | m[1];
	w[C3_SYS3] = (c->pkg & 7u) << 21 | (c->rev_minor & 7u) << 18;
	w[C3_SYS4] = 0;             /* no embedded flash: no vendor */
	w[C3_SYS5] = (c->rev_minor >> 3 & 1u) << 23 | (c->rev_major & 3u) << 24;
}

void emu_efuse32_encode(const struct emu_config *c, uint32_t *w, unsigned n, uint32_t *apb_date)
{
	memset(w, 0, n * sizeof *w);
	*apb_date = 0;
	if (c->chip == EMU_ESP32 && n > E32_BLK2 + 8)
		encode_esp32(c, w, apb_date);
	else if (c->chip == EMU_ESP32C3 && n > C3_SYS5)
		encode_c3(c, w);
}

void emu_efuse32_security_info(const uint32_t *w, uint32_t chip_id, uint8_t out[EMU_SECINFO_LEN])
{
	uint32_t r0 = w[C3_RD_REPEAT0], r1 = w[C3_RD_REPEAT1], r2 = w[C3_RD_REPEAT2];
	uint32_t flags = 0;

	flags |= (r2 >> 20 & 1u) << 0;          /* SECURE_BOOT_EN */
	flags |= (r2 >> 21 & 1u) << 1;          /* SECURE_BOOT_AGGRESSIVE_REVOKE */
	flags |= (w[C3_RD_REPEAT3] >> 5 & 1u) << 2;  /* SECURE_DOWNLOAD_ENABLE */
	flags |= (r1 >> 21 & 7u) << 3;          /* SECURE_BOOT_KEY_REVOKE0..2 */
	flags |= (uint32_t)((r0 >> 16 & 7u) != 0) << 6;  /* SOFT_DIS_JTAG */
	flags |= (r0 >> 19 & 1u) << 7;          /* HARD_DIS_JTAG (DIS_PAD_JTAG) */
	memset(out, 0, EMU_SECINFO_LEN);
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(flags >> (8 * i));
	out[4] = (uint8_t)(r1 >> 18 & 7u);      /* SPI_BOOT_CRYPT_CNT */
	out[5] = (uint8_t)(r1 >> 24 & 15u);
	out[6] = (uint8_t)(r1 >> 28 & 15u);
	for (int i = 0; i < 4; i++)
		out[7 + i] = (uint8_t)(r2 >> (4 * i) & 15u);
	out[11] = 12;                           /* as every real reply shows (§1.3) */
	for (int i = 0; i < 4; i++)
		out[12 + i] = (uint8_t)(chip_id >> (8 * i));
	out[16] = 7;                            /* api_version seen on a real C3 */
}

int emu_efuse32_secure_download(const struct emu_config *c, const uint32_t *w)
{
	return c->chip == EMU_ESP32C3 && (w[C3_RD_REPEAT3] >> 5 & 1u);
}
