/* SPDX-License-Identifier: MIT */
/*
 * The ESP32 and ESP32-C3 mask-ROM loaders' own commands (esp32-family.md
 * §3, §4, §10.1, §10.4; BASE §9, §11.2, §15).  4 status bytes (emu_reply),
 * SPI_ATTACH (8 B) required before any flash access, SPI_SET_PARAMS (24 B)
 * with a 2 MB chip assumed before it, FLASH_(DEFL_)BEGIN with 16 B (ESP32)
 * or 20 B (C3) that erases exactly what it is asked, the ROM inflater,
 * READ_FLASH_SLOW (64 data bytes, always), SPI_FLASH_MD5 as 32 lower-case
 * hex characters, CHANGE_BAUDRATE (the ESP32 ROM derives its divider from
 * an estimated clock), GET_SECURITY_INFO (C3 only) and Secure Download
 * Mode (C3).  SYNC, registers, RAM upload, FLASH_DATA/END and the
 * "invalid message" answer stay in emu_rom.c.
 *
 * Choices where the sources are silent (README "ESP32-class ROM"):
 * flash commands before SPI_ATTACH fail with 0x06; a flash range beyond the
 * SPI_SET_PARAMS size fails with 0x06 for writes and 0x09 (flash read
 * error) for reads and MD5; an SDM-refused command gets the "unsupported"
 * form esptool recognises: 8 frames [1, op 0x00] with status 01 05 00 00.
 */
#include <stdio.h>
#include <string.h>

#include "emu_bytes.h"
#include "emu_efuse32.h"
#include "emu_priv.h"

#define SDM_REPLIES 8

void emu_security_info(const struct emu *e, uint8_t out[20])
{
	emu_efuse32_security_info(e->regs.efuse, e->def->security_chip_id, out);
}

static int sdm(const struct emu *e)
{
	return emu_efuse32_secure_download(&e->cfg, e->regs.efuse);
}

/* What the C3 ROM still does in Secure Download Mode (family §4). */
static int sdm_allowed(uint8_t op)
{
	switch (op) {
	case EMU_OP_SYNC: case EMU_OP_SPI_ATTACH: case EMU_OP_SPI_SET_PARAMS:
	case EMU_OP_CHANGE_BAUDRATE: case EMU_OP_FLASH_BEGIN: case EMU_OP_FLASH_DATA:
	case EMU_OP_FLASH_END: case EMU_OP_GET_SECURITY_INFO:
		return 1;
	default:
		return 0;
	}
}

static void sdm_reject(struct emu *e, int64_t now, uint8_t op, size_t n)
{
	/* a reply whose opcode is not the request's, repeated: esptool then
	 * raises "This command (0x..) is not supported in Secure Download Mode" */
	for (int i = 0; i < SDM_REPLIES; i++)
		emu_reply(e, now, now, 0x00, e->last_value, NULL, 0, 1, EMU_ROM_BAD_FORMAT, 0);
	emu_log_cmd(e, now, op, 1, EMU_ROM_BAD_FORMAT, 1, "\"len\":%zu,\"sdm_rejected\":true,"
		    "\"reply_op\":0,\"replies\":%d", n, SDM_REPLIES);
}

static void fail(struct emu *e, int64_t now, uint8_t op, uint8_t err, const char *why, size_t n)
{
	emu_rom_fail(e, now, op, err);
	emu_log_cmd(e, now, op, 1, err, 1, "\"len\":%zu,\"why\":\"%s\"", n, why);
}

static uint64_t sector_up(uint64_t v)
{
	return (v + EMU_SECTOR - 1) & ~(uint64_t)(EMU_SECTOR - 1);
}

static void spi_attach(struct emu *e, int64_t now, const uint8_t *d, size_t n)
{
	if (n != 8) {               /* the ROM takes config + the is_legacy word */
		fail(e, now, EMU_OP_SPI_ATTACH, EMU_ROM_BAD_FORMAT, "length", n);
		return;
	}
	e->rom_attached = 1;
	emu_rom_ok(e, now, now, EMU_OP_SPI_ATTACH);
	emu_log_cmd(e, now, EMU_OP_SPI_ATTACH, 0, 0, 1, "\"config\":%u,\"is_legacy\":%u", emu_le32(d),
		    emu_le32(d + 4));
}

static void spi_set_params(struct emu *e, int64_t now, const uint8_t *d, size_t n)
{
	if (n != 24) {
		fail(e, now, EMU_OP_SPI_SET_PARAMS, EMU_ROM_BAD_FORMAT, "length", n);
		return;
	}
	e->rom_flash_size = emu_le32(d + 4);
	emu_rom_ok(e, now, now, EMU_OP_SPI_SET_PARAMS);
	emu_log_cmd(e, now, EMU_OP_SPI_SET_PARAMS, 0, 0, 1, "\"id\":%u,\"total_size\":%u,\"block\":%u,"
		    "\"sector\":%u,\"page\":%u,\"status_mask\":%u", emu_le32(d), emu_le32(d + 4),
		    emu_le32(d + 8), emu_le32(d + 12), emu_le32(d + 16), emu_le32(d + 20));
}

/* FLASH_BEGIN / FLASH_DEFL_BEGIN: erase [offset, offset + size) rounded out
 * to sectors, then take the data blocks (DEFL: size is uncompressed). */
static void flash_begin(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n)
{
	if (n != e->def->rom_begin_len) {
		fail(e, now, op, EMU_ROM_BAD_FORMAT, "length", n);
		return;
	}
	uint32_t size = emu_le32(d), blocks = emu_le32(d + 4), bsize = emu_le32(d + 8);
	uint32_t off = emu_le32(d + 12), encrypt = n >= 20 ? emu_le32(d + 16) : 0;
	uint64_t first = off & ~(uint64_t)(EMU_SECTOR - 1), end = sector_up((uint64_t)off + size);

	if (size && !e->rom_attached) {
		fail(e, now, op, EMU_ROM_EXEC_FAIL, "not_attached", n);
		return;
	}
	if (size && end > e->rom_flash_size) {
		fail(e, now, op, EMU_ROM_EXEC_FAIL, "beyond_flash_size", n);
		return;
	}
	if (encrypt && e->cfg.security.dl_encrypt_disabled) {
		fail(e, now, op, EMU_ROM_EXEC_FAIL, "download_encrypt_disabled", n);
		return;
	}
	if (emu_wsess_open(e, op == EMU_OP_FLASH_DEFL_BEGIN, size, blocks, bsize, off) != EMU_ST_OK) {
		fail(e, now, op, EMU_ROM_DEFLATE, "inflate_init", n);
		return;
	}
	int64_t t = 0;
	if (size) {
		struct emu_erase_mark m;
		emu_erase_mark(e, &m);
		t = emu_flash_erase_region(&e->flash, (uint32_t)first, (uint32_t)(end - first));
		emu_log_erase(e, now, op, first, end - first, &m, t);
	}
	e->w.erased_to = (uint32_t)end;     /* nothing left to erase as data comes */
	emu_rom_ok(e, now, now + t, op);
	emu_log_cmd(e, now, op, 0, 0, 1,
		    "\"erase_size\":%u,\"blocks\":%u,\"block_size\":%u,\"offset\":%u,\"encrypt\":%u,"
		    "\"erased_from\":%llu,\"erased_sectors\":%llu,\"erase_offset\":%llu,"
		    "\"erase_size\":%llu,\"busy_ms\":%.3f", size, blocks, bsize, off, encrypt,
		    (unsigned long long)first, (unsigned long long)(size ? (end - first) / EMU_SECTOR : 0),
		    (unsigned long long)first, (unsigned long long)(size ? end - first : 0),
		    (double)t / 1e6);
}

/* The ROM inflates and programs a block before it answers. */
static void defl_data(struct emu *e, int64_t now, const uint8_t *d, size_t n, uint32_t chk)
{
	uint8_t op = EMU_OP_FLASH_DEFL_DATA;

	if (!emu_rom_data_checks(e, now, op, d, n, chk, e->w.next_seq, e->w.active && e->w.deflate))
		return;
	uint32_t dlen = emu_le32(d), seq = emu_le32(d + 4), before = e->w.written;
	uint8_t err = 0;
	int64_t t = 0;

	e->w.in_total += dlen;
	if ((uint64_t)e->w.blocks * e->w.bsize < e->w.in_total)
		err = EMU_ST_TOO_MUCH_DATA;
	else
		t = emu_wsess_inflate(e, now, d + 16, dlen, &err);
	e->w.next_seq++;
	uint8_t code = !err ? 0 : e->w.z_bad_check ? EMU_ROM_ADLER : EMU_ROM_DEFLATE;
	if (code)
		emu_reply(e, now, now + t, op, e->last_value, NULL, 0, 1, code, 0);
	else
		emu_rom_ok(e, now, now + t, op);
	emu_log_cmd(e, now, op, code ? 1 : 0, code, 1, "\"seq\":%u,\"data_len\":%u,\"addr\":%u,"
		    "\"wrote\":%u,\"busy_ms\":%.3f", seq, dlen, e->w.offset + before,
		    e->w.written - before, (double)t / 1e6);
}

static void defl_end(struct emu *e, int64_t now, const uint8_t *d, size_t n)
{
	uint32_t flag = n >= 4 ? emu_le32(d) : 0;

	emu_rom_ok(e, now, now, EMU_OP_FLASH_DEFL_END);
	emu_log_cmd(e, now, EMU_OP_FLASH_DEFL_END, 0, 0, 1, "\"flag\":%u,\"written\":%u,\"then\":\"%s\"",
		    flag, e->w.written, flag ? "run_app" : "reboot");
	emu_stub_write_close(e);
	/* as FLASH_END: the download session ends once the reply has left */
	emu_set_after(e, flag ? EMU_AFTER_RUN_APP : EMU_AFTER_SOFT_RESET, EMU_MS);
}

/* Flash reads: SPI_ATTACH first, and nothing beyond the size the ROM knows. */
static int read_allowed(struct emu *e, int64_t now, uint8_t op, uint64_t off, uint64_t len, size_t n)
{
	if (!e->rom_attached) {
		fail(e, now, op, EMU_ROM_EXEC_FAIL, "not_attached", n);
		return 0;
	}
	if (off + len > e->rom_flash_size) {
		fail(e, now, op, EMU_ROM_FLASH_READ, "beyond_flash_size", n);
		return 0;
	}
	return 1;
}

static void read_flash_slow(struct emu *e, int64_t now, const uint8_t *d, size_t n)
{
	uint8_t op = EMU_OP_READ_FLASH_SLOW, buf[EMU_ROM32_SLOW_READ];

	if (n != 8 && n != 16) {    /* espflash sends 16; the ROM reads two words */
		fail(e, now, op, EMU_ROM_BAD_FORMAT, "length", n);
		return;
	}
	uint32_t off = emu_le32(d), len = emu_le32(d + 4);
	if (!read_allowed(e, now, op, off, EMU_ROM32_SLOW_READ, n))
		return;
	emu_flash_read(&e->flash, off, buf, sizeof buf);
	emu_reply(e, now, now, op, e->last_value, buf, sizeof buf, 0, 0, 0);
	emu_log_cmd(e, now, op, 0, 0, 1, "\"offset\":%u,\"length\":%u,\"size\":%u", off, len,
		    EMU_ROM32_SLOW_READ);
}

static void rom_md5(struct emu *e, int64_t now, const uint8_t *d, size_t n)
{
	uint8_t op = EMU_OP_SPI_FLASH_MD5, md5[16];
	char hex[33];

	if (n != 16) {
		fail(e, now, op, EMU_ROM_BAD_FORMAT, "length", n);
		return;
	}
	uint32_t addr = emu_le32(d), size = emu_le32(d + 4);
	if (!read_allowed(e, now, op, addr, size, n))
		return;
	int64_t t = emu_flash_md5(&e->flash, addr, size, md5);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md5[i]);
	emu_reply(e, now, now + t, op, e->last_value, (const uint8_t *)hex, 32, 0, 0, 0);
	emu_log_cmd(e, now, op, 0, 0, 1, "\"offset\":%u,\"size\":%u,\"md5\":\"%s\",\"busy_ms\":%.3f",
		    addr, size, hex, (double)t / 1e6);
}

/* ESP32: the ROM takes its clock to be rom_freq = cali x 15625 x CK8M / 40
 * (RTCCALICFG1, eFuse w4) and divides that by the value it receives, while
 * the UART really runs from the crystal (BASE §9).  C3: plain. */
static unsigned rom_target_baud(const struct emu *e, uint32_t value)
{
	if (e->def->chip != EMU_ESP32)
		return value;
	uint64_t ck8m = e->regs.efuse[4] & 0xFFu;
	uint64_t rom_hz = (uint64_t)e->regs.rtc_cali * 15625u * ck8m / 40u;
	if (rom_hz == 0)
		return value;
	return (unsigned)((uint64_t)value * e->cfg.crystal_mhz * 1000000u / rom_hz);
}

static void change_baud(struct emu *e, int64_t now, const uint8_t *d, size_t n)
{
	uint8_t op = EMU_OP_CHANGE_BAUDRATE;

	if (n != 8) {
		fail(e, now, op, EMU_ROM_BAD_FORMAT, "length", n);
		return;
	}
	uint32_t value = emu_le32(d), old = emu_le32(d + 4);
	unsigned target = value ? rom_target_baud(e, value) : 0;
	emu_rom_ok(e, now, now, op);
	emu_log_cmd(e, now, op, 0, 0, 1, "\"new_baud\":%u,\"old_baud\":%u,\"device_baud_now\":%u,"
		    "\"device_baud_next\":%u", value, old, e->dev_baud, target ? target : e->dev_baud);
	if (!target)
		return;                 /* a zero divisor: the ROM keeps its rate */
	e->after_baud = target;
	emu_set_after(e, EMU_AFTER_BAUD, EMU_BAUD_SWITCH_NS);
}

static void security_info(struct emu *e, int64_t now)
{
	uint8_t info[20];

	emu_security_info(e, info);
	emu_reply(e, now, now, EMU_OP_GET_SECURITY_INFO, e->last_value, info, sizeof info, 0, 0, 0);
	emu_log_cmd(e, now, EMU_OP_GET_SECURITY_INFO, 0, 0, 1,
		    "\"flags\":%u,\"crypt_cnt\":%u,\"chip_id\":%u", emu_le32(info), info[4],
		    emu_le32(info + 12));
}

int emu_rom32_frame(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n,
		    uint32_t checksum)
{
	if (sdm(e) && !sdm_allowed(op)) {
		sdm_reject(e, now, op, n);
		return 1;
	}
	switch (op) {
	case EMU_OP_SPI_ATTACH:
		spi_attach(e, now, d, n);
		return 1;
	case EMU_OP_SPI_SET_PARAMS:
		spi_set_params(e, now, d, n);
		return 1;
	case EMU_OP_FLASH_BEGIN:
	case EMU_OP_FLASH_DEFL_BEGIN:
		flash_begin(e, now, op, d, n);
		return 1;
	case EMU_OP_FLASH_DATA:
		if (e->w.active && e->w.deflate) {
			fail(e, now, op, EMU_ROM_BAD_PARAM, "deflate_session", n);
			return 1;
		}
		return 0;
	case EMU_OP_FLASH_DEFL_DATA:
		defl_data(e, now, d, n, checksum);
		return 1;
	case EMU_OP_FLASH_DEFL_END:
		defl_end(e, now, d, n);
		return 1;
	case EMU_OP_READ_FLASH_SLOW:
		read_flash_slow(e, now, d, n);
		return 1;
	case EMU_OP_SPI_FLASH_MD5:
		rom_md5(e, now, d, n);
		return 1;
	case EMU_OP_CHANGE_BAUDRATE:
		change_baud(e, now, d, n);
		return 1;
	case EMU_OP_GET_SECURITY_INFO:
		if (!e->def->rom_security_info || n != 0)
			return 0;       /* ESP32: "invalid message", as for any unknown op */
		security_info(e, now);
		return 1;
	default:
		return 0;
	}
}
