/* SPDX-License-Identifier: MIT */
/*
 * Flasher stub command loop (§3.3, §3.5, §4, §12.3, §15): status bytes
 * [code, 0], value 0 except READ_REG, and the two flavours' differences:
 * the new esp-flasher-stub reports a deferred error as the reply to the
 * next command (which it then skips) and sends long replies whole at the
 * end; the legacy stub keeps the error sticky for the next DATA/END and
 * sends a long operation's header first.
 */
#include <stdio.h>
#include <string.h>

#include "emu_bytes.h"
#include "emu_priv.h"

static int legacy(const struct emu *e)
{
	return e->flavour == EMU_STUB_LEGACY;
}

static void reply(struct emu *e, int64_t now, int64_t at, uint8_t op, uint32_t value,
		  const uint8_t *data, size_t dlen, uint8_t code)
{
	emu_reply(e, now, at, op, value, data, dlen, code, 0, legacy(e));
}

/* A real chip runs whatever was uploaded: with EMU_STUB_AUTO the entry
 * point tells which stub that is (emu_chipdef.c: e.g. ESP8266 legacy
 * 0x4010D004; the new stubs' entries and anything unknown play the new
 * one; another chip's stub crashes, see run_after in emu_chip.c). */
void emu_stub_pick_flavour(struct emu *e, uint32_t entry)
{
	e->stub_entry = entry;
	e->stub_kind = emu_chipdef_stub_kind(e->def, entry);
	if (e->cfg.stub_flavour != EMU_STUB_AUTO)
		e->flavour = e->cfg.stub_flavour;
	else
		e->flavour = e->stub_kind == EMU_STUBK_LEGACY ? EMU_STUB_LEGACY : EMU_STUB_NEW;
}

void emu_stub_reset(struct emu *e)
{
	emu_stub_write_close(e);
	e->rd.active = 0;
	e->pending_err = 0;
}

static void stub_sync(struct emu *e, int64_t now)
{
	for (int i = 0; i < 8; i++)
		reply(e, now, now, EMU_OP_SYNC, 0, NULL, 0, EMU_ST_OK);
	emu_log_cmd(e, now, EMU_OP_SYNC, 0, 0, 1, "\"replies\":8");
}

static void stub_change_baud(struct emu *e, int64_t now, const uint8_t *d)
{
	uint32_t nb = emu_le32(d), ob = emu_le32(d + 4);
	unsigned target = nb;

	if (legacy(e)) {
		/* the legacy stub scales the current divider by old/new, so a
		 * wrong old_baud gives a wrong rate; 0 gives a broken one */
		if (ob == 0)
			target = nb * 3 + 1;
		else
			target = (unsigned)((uint64_t)nb * e->dev_baud / ob);
	}
	if (target == 0)
		target = e->dev_baud;
	reply(e, now, now, EMU_OP_CHANGE_BAUDRATE, 0, NULL, 0, EMU_ST_OK);
	emu_log_cmd(e, now, EMU_OP_CHANGE_BAUDRATE, 0, 0, 1,
		    "\"new_baud\":%u,\"old_baud\":%u,\"device_baud_now\":%u,\"device_baud_next\":%u", nb,
		    ob, e->dev_baud, target);
	e->after_baud = target;
	emu_set_after(e, EMU_AFTER_BAUD, EMU_BAUD_SWITCH_NS);
}

static void stub_erase_region(struct emu *e, int64_t now, const uint8_t *d)
{
	uint32_t off = emu_le32(d), size = emu_le32(d + 4);
	uint8_t code = EMU_ST_OK;

	if (off % EMU_SECTOR)
		code = legacy(e) ? 0x32 : EMU_ST_BAD_DATA_LEN;
	else if (size % EMU_SECTOR)
		code = legacy(e) ? 0x33 : EMU_ST_BAD_DATA_LEN;
	struct emu_erase_mark m;
	emu_erase_mark(e, &m);
	int64_t t = code ? 0 : emu_flash_erase_region(&e->flash, off, size);
	if (!code)
		emu_log_erase(e, now, EMU_OP_ERASE_REGION, off, size, &m, t);
	reply(e, now, now + t, EMU_OP_ERASE_REGION, 0, NULL, 0, code);
	emu_log_cmd(e, now, EMU_OP_ERASE_REGION, code, 0, 1, "\"offset\":%u,\"size\":%u,\"busy_ms\":%.3f",
		    off, size, (double)t / 1e6);
}

static void stub_md5(struct emu *e, int64_t now, const uint8_t *d)
{
	uint32_t addr = emu_le32(d), size = emu_le32(d + 4);
	uint8_t md5[16];
	char hex[33];

	int64_t t = emu_flash_md5(&e->flash, addr, size, md5);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md5[i]);
	reply(e, now, now + t, EMU_OP_SPI_FLASH_MD5, 0, md5, 16, EMU_ST_OK);
	emu_log_cmd(e, now, EMU_OP_SPI_FLASH_MD5, 0, 0, 1,
		    "\"offset\":%u,\"size\":%u,\"md5\":\"%s\",\"busy_ms\":%.3f", addr, size, hex,
		    (double)t / 1e6);
}

static void stub_mem(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n, uint32_t chk)
{
	uint8_t code = EMU_ST_OK;

	if (op == EMU_OP_MEM_BEGIN) {
		if (n != 16) {
			code = EMU_ST_BAD_DATA_LEN;
		} else {
			e->mem.active = 1;
			e->mem.size = emu_le32(d);
			e->mem.got = 0;
		}
	} else if (op == EMU_OP_MEM_DATA) {
		uint32_t dlen = n >= 16 ? emu_le32(d) : 0;
		if (!e->mem.active)
			code = EMU_ST_NOT_IN_FLASH_MODE;
		else if (n < 16 || dlen != n - 16)
			code = legacy(e) ? EMU_ST_BAD_DATA_LEN : EMU_ST_TOO_MUCH_DATA;
		else if (emu_data_checksum(d + 16, dlen) != (uint8_t)chk)
			code = EMU_ST_BAD_CHECKSUM;
		else if (e->mem.got + dlen > e->mem.size)
			code = EMU_ST_TOO_MUCH_DATA;
		else
			e->mem.got += dlen;
	} else {
		if (n != 8)
			code = EMU_ST_BAD_DATA_LEN;
		else if (legacy(e) && e->mem.active && e->mem.got < e->mem.size)
			code = EMU_ST_NOT_ENOUGH_DATA;
	}
	reply(e, now, now, op, 0, NULL, 0, code);
	emu_log_cmd(e, now, op, code, 0, 1, "\"len\":%zu", n);
	if (op == EMU_OP_MEM_END && code == EMU_ST_OK) {
		uint32_t flag = emu_le32(d), entry = emu_le32(d + 4);
		e->mem.active = 0;
		/* legacy jumps if entry != 0, new if flag == 0: model the jump as
		 * a fresh stub start at that entry */
		if (legacy(e) ? entry != 0 : flag == 0) {
			emu_stub_pick_flavour(e, entry);
			emu_set_after(e, EMU_AFTER_START_STUB, 0);
		}
	}
}

/* Expected payload length per opcode; -1 = variable, checked by the handler. */
static long expected_len(uint8_t op)
{
	switch (op) {
	case EMU_OP_READ_REG: return 4;
	case EMU_OP_SPI_SET_PARAMS: return 24;
	case EMU_OP_SPI_ATTACH: return 4;
	case EMU_OP_CHANGE_BAUDRATE: return 8;
	case EMU_OP_ERASE_FLASH: return 0;
	case EMU_OP_ERASE_REGION: return 8;
	case EMU_OP_SPI_FLASH_MD5: return 16;
	case EMU_OP_READ_FLASH: return 16;
	case EMU_OP_FLASH_END:
	case EMU_OP_FLASH_DEFL_END: return 4;
	default: return -1;
	}
}

static int known(uint8_t op)
{
	switch (op) {
	case EMU_OP_FLASH_BEGIN: case EMU_OP_FLASH_DATA: case EMU_OP_FLASH_END:
	case EMU_OP_MEM_BEGIN: case EMU_OP_MEM_END: case EMU_OP_MEM_DATA:
	case EMU_OP_SYNC: case EMU_OP_WRITE_REG: case EMU_OP_READ_REG:
	case EMU_OP_SPI_SET_PARAMS: case EMU_OP_SPI_ATTACH: case EMU_OP_CHANGE_BAUDRATE:
	case EMU_OP_FLASH_DEFL_BEGIN: case EMU_OP_FLASH_DEFL_DATA: case EMU_OP_FLASH_DEFL_END:
	case EMU_OP_SPI_FLASH_MD5: case EMU_OP_ERASE_FLASH: case EMU_OP_ERASE_REGION:
	case EMU_OP_READ_FLASH: case EMU_OP_RUN_USER_CODE:
		return 1;
	default:
		return 0;
	}
}

void emu_stub_frame(struct emu *e, int64_t now, const uint8_t *f, size_t n)
{
	if (n < 8) {
		emu_logf(&e->log, now, "rx_ignored", "\"mode\":\"stub\",\"len\":%zu,\"why\":\"short\"", n);
		return;
	}
	uint8_t op = f[1];
	size_t size = emu_le16(f + 2);
	uint32_t chk = emu_le32(f + 4);
	const uint8_t *d = f + 8;

	if (f[0] != 0x00 || size != n - 8) {
		const char *why = f[0] != 0x00 ? "direction" : "length";
		if (legacy(e)) {
			emu_logf(&e->log, now, "rx_ignored", "\"mode\":\"stub\",\"op\":%u,\"why\":\"%s\"",
				 op, why);
			return;
		}
		uint8_t code = f[0] != 0x00 ? EMU_ST_INVALID_COMMAND : EMU_ST_BAD_DATA_LEN;
		reply(e, now, now, op, 0, NULL, 0, code);
		emu_log_cmd(e, now, op, code, 0, 1, "\"why\":\"%s\"", why);
		return;
	}
	if (e->pending_err) {
		/* new stub: a deferred error answers this command instead */
		uint8_t code = e->pending_err;
		e->pending_err = 0;
		reply(e, now, now, op, 0, NULL, 0, code);
		emu_log_cmd(e, now, op, code, 0, 1, "\"deferred_error\":true,\"executed\":false");
		return;
	}
	if (op == EMU_OP_GET_SECURITY_INFO && e->def->stub_security_info && size == 0) {
		uint8_t info[20];
		emu_security_info(e, info);
		reply(e, now, now, op, 0, info, sizeof info, EMU_ST_OK);
		emu_log_cmd(e, now, op, 0, 0, 1, "\"flags\":%u,\"crypt_cnt\":%u,\"chip_id\":%u",
			    emu_le32(info), info[4], emu_le32(info + 12));
		return;
	}
	if (!known(op) || (op == EMU_OP_RUN_USER_CODE && size != 0)) {
		uint8_t code = legacy(e) ? EMU_ST_NOT_IMPLEMENTED : EMU_ST_INVALID_COMMAND;
		/* both stubs know the opcode; it fails where the chip has no
		 * such information (new stub: 0xFF00, family §5.4) */
		if (op == EMU_OP_GET_SECURITY_INFO)
			code = EMU_ST_NOT_IMPLEMENTED;
		reply(e, now, now, op, 0, NULL, 0, code);
		emu_log_cmd(e, now, op, code, 0, 1, "\"len\":%zu", size);
		return;
	}
	long want = expected_len(op);
	if (want >= 0 && (size_t)want != size) {
		reply(e, now, now, op, 0, NULL, 0, EMU_ST_BAD_DATA_LEN);
		emu_log_cmd(e, now, op, EMU_ST_BAD_DATA_LEN, 0, 1, "\"len\":%zu", size);
		return;
	}
	switch (op) {
	case EMU_OP_SYNC:
		stub_sync(e, now);
		return;
	case EMU_OP_READ_REG: {
		uint32_t v = emu_regs_read(&e->regs, emu_le32(d), e->dev_baud);
		reply(e, now, now, op, v, NULL, 0, EMU_ST_OK);
		emu_log_cmd(e, now, op, 0, 0, 1, "\"addr\":%u,\"value\":%u", emu_le32(d), v);
		return;
	}
	case EMU_OP_WRITE_REG: {
		if (size == 0 || size % 16 != 0) {
			reply(e, now, now, op, 0, NULL, 0, EMU_ST_BAD_DATA_LEN);
			emu_log_cmd(e, now, op, EMU_ST_BAD_DATA_LEN, 0, 1, "\"len\":%zu", size);
			return;
		}
		int64_t delay = 0;
		for (size_t i = 0; i < size; i += 16) {
			char note[96];
			uint32_t a = emu_le32(d + i), v = emu_le32(d + i + 4), m = emu_le32(d + i + 8);
			delay += (int64_t)emu_le32(d + i + 12) * EMU_US;
			emu_regs_write(&e->regs, a, v, m, note, sizeof note);
			emu_log_cmd(e, now, op, 0, 0, i + 16 == size, "\"addr\":%u,\"value\":%u,\"mask\":%u%s%s",
				    a, v, m, note[0] ? "," : "", note);
		}
		emu_reply(e, now, now + delay, op, 0, NULL, 0, 0, 0, 0);
		return;
	}
	case EMU_OP_SPI_SET_PARAMS:
		reply(e, now, now, op, 0, NULL, 0, EMU_ST_OK);
		emu_log_cmd(e, now, op, 0, 0, 1, "\"id\":%u,\"total_size\":%u,\"block\":%u,\"sector\":%u,"
			    "\"page\":%u,\"status_mask\":%u", emu_le32(d), emu_le32(d + 4), emu_le32(d + 8),
			    emu_le32(d + 12), emu_le32(d + 16), emu_le32(d + 20));
		return;
	case EMU_OP_SPI_ATTACH:
		reply(e, now, now, op, 0, NULL, 0, EMU_ST_OK);
		emu_log_cmd(e, now, op, 0, 0, 1, "\"config\":%u", emu_le32(d));
		return;
	case EMU_OP_CHANGE_BAUDRATE:
		stub_change_baud(e, now, d);
		return;
	case EMU_OP_ERASE_FLASH: {
		struct emu_erase_mark m;
		emu_erase_mark(e, &m);
		int64_t t = emu_flash_erase_chip(&e->flash);
		emu_log_erase(e, now, op, 0, e->flash.size, &m, t);
		reply(e, now, now + t, op, 0, NULL, 0, EMU_ST_OK);
		emu_log_cmd(e, now, op, 0, 0, 1, "\"offset\":0,\"size\":%u,\"busy_ms\":%.3f",
			    e->flash.size, (double)t / 1e6);
		return;
	}
	case EMU_OP_ERASE_REGION:
		stub_erase_region(e, now, d);
		return;
	case EMU_OP_SPI_FLASH_MD5:
		stub_md5(e, now, d);
		return;
	case EMU_OP_READ_FLASH:
		emu_stub_read_start(e, now, d, size);
		return;
	case EMU_OP_MEM_BEGIN:
	case EMU_OP_MEM_DATA:
	case EMU_OP_MEM_END:
		stub_mem(e, now, op, d, size, chk);
		return;
	case EMU_OP_FLASH_BEGIN:
	case EMU_OP_FLASH_DEFL_BEGIN: {
		uint8_t code = emu_stub_write_begin(e, op == EMU_OP_FLASH_DEFL_BEGIN, d, size);
		uint64_t eoff = 0, eend = 0;
		if (code == EMU_ST_OK && e->w.size) {
			/* what the write will erase as it goes: the sectors it covers */
			eoff = e->w.offset & ~(uint64_t)(EMU_SECTOR - 1);
			eend = ((uint64_t)e->w.offset + e->w.size + EMU_SECTOR - 1) &
			       ~(uint64_t)(EMU_SECTOR - 1);
		}
		reply(e, now, now, op, 0, NULL, 0, code);
		emu_log_cmd(e, now, op, code, 0, 1, "\"size\":%u,\"blocks\":%u,\"block_size\":%u,"
			    "\"offset\":%u,\"erase_offset\":%llu,\"erase_size\":%llu",
			    size >= 4 ? emu_le32(d) : 0, size >= 8 ? emu_le32(d + 4) : 0,
			    size >= 12 ? emu_le32(d + 8) : 0, size >= 16 ? emu_le32(d + 12) : 0,
			    (unsigned long long)eoff, (unsigned long long)(eend - eoff));
		return;
	}
	case EMU_OP_FLASH_DATA:
	case EMU_OP_FLASH_DEFL_DATA:
		emu_stub_write_data(e, now, op, d, size, chk);
		return;
	case EMU_OP_FLASH_END:
	case EMU_OP_FLASH_DEFL_END:
		emu_stub_write_end(e, now, op, d, size);
		return;
	case EMU_OP_RUN_USER_CODE:
		/* no reply either way; only the legacy stub returns into the ROM
		 * boot path (§4), the new one treats it as a no-op */
		emu_log_cmd(e, now, op, 0, 0, 0, "\"then\":\"%s\"", legacy(e) ? "run_app" : "nothing");
		if (legacy(e))
			emu_set_after(e, EMU_AFTER_RUN_APP, 0);
		return;
	default:
		return;
	}
}
