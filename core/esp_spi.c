/* SPDX-License-Identifier: MIT */
/* The SPI flash behind the loader: SPI_ATTACH and SPI_SET_PARAMS where the
 * ROM needs them, the JEDEC id through each chip's SPI1 registers
 * (esp-serial-protocol.md §4, §10; esp32-family.md §3). */
#include "esp_priv.h"

#define SPI_CMD_USR (1u << 18)
#define SPI_USR_COMMAND (1u << 31)
#define SPI_USR_MISO (1u << 28)
#define FLASH_RDID 0x9Fu
#define SPI_POLLS 10
#define FALLBACK_FLASH_SIZE (4u << 20) /* esptool's "detect" fallback */

enum esp_err esp_spi_rdid(struct esp_session *s, const struct esp_chip_def *def, uint32_t *ret)
{
	uint32_t base = def->spi_base, usr_reg = base + def->spi_usr, usr2_reg = base + def->spi_usr2;
	uint32_t w0_reg = base + def->spi_w0, usr, usr2, cmd = SPI_CMD_USR, id;
	enum esp_err e;
	if ((e = esp_read_reg(s, usr_reg, &usr)) || (e = esp_read_reg(s, usr2_reg, &usr2)))
		return e;
	/* 24 bits of MISO data: ESP32-class chips have a length register, the
	 * ESP8266 keeps the length in USR1 */
	if (def->spi_miso_dlen)
		e = esp_write_reg(s, base + def->spi_miso_dlen, 23u);
	else
		e = esp_write_reg(s, base + def->spi_usr1, 23u << 8);
	if (e || (e = esp_write_reg(s, usr_reg, SPI_USR_COMMAND | SPI_USR_MISO)) ||
	    (e = esp_write_reg(s, usr2_reg, (7u << 28) | FLASH_RDID)) ||
	    (e = esp_write_reg(s, w0_reg, 0)) || (e = esp_write_reg(s, base, SPI_CMD_USR)))
		return e;
	for (int i = 0; i < SPI_POLLS && (cmd & SPI_CMD_USR); i++)
		if ((e = esp_read_reg(s, base, &cmd)))
			return e;
	if (cmd & SPI_CMD_USR)
		return esp_fail(s, ESP_E_DEVICE, "the SPI flash command RDID did not complete: "
				"flash chip not responding (bad solder joint or dead flash)");
	if ((e = esp_read_reg(s, w0_reg, &id)))
		return e;
	if ((e = esp_write_reg(s, usr_reg, usr)) || (e = esp_write_reg(s, usr2_reg, usr2)))
		return e;
	*ret = id & 0xFFFFFFu;
	return ESP_OK;
}

/* ESP32-class ROMs refuse flash commands until told which pins the flash
 * uses (esp32-family.md §3.1): 8 bytes, the pad value and a zero word. */
static enum esp_err spi_attach(struct esp_session *s)
{
	uint8_t d[8];
	esp_put_le32(d, s->spi_attach);
	esp_put_le32(d + 4, 0);
	enum esp_err e = esp_command(s, ESP_CMD_SPI_ATTACH, d, sizeof d, 0, 0, ESP_DEFAULT_TIMEOUT_MS,
				     NULL);
	if (!e)
		s->spi_attached = 1;
	return e;
}

enum esp_err esp_spi_set_params(struct esp_session *s)
{
	uint32_t size = s->flash_size;
	if (!size && s->stub) {
		s->spi_params_set = 1; /* the stub configured the largest size at start-up */
		return ESP_OK;
	}
	if (!size)
		size = FALLBACK_FLASH_SIZE; /* better than the ROM's 2 MB */
	uint8_t d[24];
	esp_put_le32(d, 0);
	esp_put_le32(d + 4, size);
	esp_put_le32(d + 8, 0x10000);
	esp_put_le32(d + 12, ESP_SECTOR);
	esp_put_le32(d + 16, 0x100);
	esp_put_le32(d + 20, 0xFFFF);
	enum esp_err e = esp_command(s, ESP_CMD_SPI_SET_PARAMS, d, sizeof d, 0, 0,
				     ESP_DEFAULT_TIMEOUT_MS, NULL);
	if (!e)
		s->spi_params_set = 1;
	return e;
}

enum esp_err esp_flash_prepare(struct esp_session *s)
{
	enum esp_err e;
	if (s->stub)
		return s->spi_params_set ? ESP_OK : esp_spi_set_params(s);
	if (!esp_rom32(s))
		return ESP_OK; /* ESP8266 ROM: FLASH_BEGIN attaches, no SET_PARAMS */
	if (s->chip == ESP_CHIP_UNKNOWN)
		return esp_fail(s, ESP_E_INVAL, "flash access before esp_detect: an ESP32-class ROM "
				"needs SPI_ATTACH with the chip's pads first");
	if (!s->spi_attached && (e = spi_attach(s)))
		return e;
	if (!s->spi_params_set && (e = esp_spi_set_params(s)))
		return e;
	return ESP_OK;
}

enum esp_err esp_need_flash_access(struct esp_session *s, const char *what)
{
	if (s->sec.secure_download)
		return esp_fail(s, ESP_E_SECURITY, "cannot %s: the unit is in Secure Download Mode, "
				"which refuses flash reads: it cannot be backed up or checked; set it "
				"aside", what);
	if (!s->stub && !esp_rom32(s))
		return esp_fail(s, ESP_E_UNSUPPORTED,
				"the ESP8266 ROM cannot %s: the flasher stub must run first", what);
	return esp_flash_prepare(s);
}

enum esp_err esp_spi_attach_for_detect(struct esp_session *s)
{
	if (s->stub || !esp_rom32(s) || s->spi_attached)
		return ESP_OK;
	return spi_attach(s);
}
