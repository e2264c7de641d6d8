/* SPDX-License-Identifier: MIT */
/*
 * The mask-ROM serial loader, common part: frame checks, autobaud, SYNC,
 * READ_REG/WRITE_REG, RAM upload, the 1 KiB-block flash writer, a sticky
 * "last value" in every response (§3.2, §21.4) and [1, 0x05] for anything
 * it does not know (§21.3).  ESP8266: 2 status bytes, FLASH_BEGIN with its
 * erase-size bug (§12.2).  ESP32-class ROMs (4 status bytes) get their own
 * commands from emu_rom32.c first.
 */
#include <string.h>

#include "emu_bytes.h"
#include "emu_priv.h"

void emu_rom_ok(struct emu *e, int64_t now, int64_t at, uint8_t op)
{
	emu_reply(e, now, at, op, e->last_value, NULL, 0, 0, 0, 0);
}

void emu_rom_fail(struct emu *e, int64_t now, uint8_t op, uint8_t err)
{
	emu_reply(e, now, now, op, e->last_value, NULL, 0, 1, err, 0);
}

static int is_sync_payload(const uint8_t *d, size_t n)
{
	static const uint8_t head[4] = { 0x07, 0x07, 0x12, 0x20 };

	if (n != 36 || memcmp(d, head, 4) != 0)
		return 0;
	for (size_t i = 4; i < n; i++)
		if (d[i] != 0x55)
			return 0;
	return 1;
}

static void rom_sync(struct emu *e, int64_t now, const uint8_t *d, size_t n)
{
	/* the value is an echo of the first payload word (esptool#870) */
	e->last_value = emu_le32(d);
	for (int i = 0; i < 8; i++)
		emu_rom_ok(e, now, now, EMU_OP_SYNC);
	emu_log_cmd(e, now, EMU_OP_SYNC, 0, 0, 1, "\"value\":%u,\"exact\":%s,\"replies\":8",
		    e->last_value, is_sync_payload(d, n) ? "true" : "false");
}

/* §12.2 model: the ROM erases n + min(head, n) sectors starting at s. */
static uint32_t rom_erase_sectors(uint32_t erase_size, uint32_t offset)
{
	uint32_t n = (erase_size + EMU_SECTOR - 1) / EMU_SECTOR;
	uint32_t s = offset / EMU_SECTOR;
	uint32_t head = 16 - s % 16;
	return n + (head < n ? head : n);
}

static void rom_flash_begin(struct emu *e, int64_t now, const uint8_t *d, size_t n)
{
	if (n != 16 && n != 20) {
		emu_rom_fail(e, now, EMU_OP_FLASH_BEGIN, EMU_ROM_BAD_FORMAT);
		emu_log_cmd(e, now, EMU_OP_FLASH_BEGIN, 1, EMU_ROM_BAD_FORMAT, 1, "\"len\":%zu", n);
		return;
	}
	uint32_t esize = emu_le32(d), blocks = emu_le32(d + 4), bsize = emu_le32(d + 8);
	uint32_t off = emu_le32(d + 12);
	int64_t t = 0;
	uint32_t sectors = 0;

	memset(&e->w, 0, sizeof e->w);
	e->w.active = 1;
	e->w.offset = off;
	e->w.size = esize;
	e->w.blocks = blocks;
	e->w.bsize = bsize;
	if (esize != 0) {
		/* (0, 0) only attaches the flash; anything else erases up front */
		struct emu_erase_mark m;
		emu_erase_mark(e, &m);
		sectors = rom_erase_sectors(esize, off);
		uint32_t first = off & ~(EMU_SECTOR - 1);
		t = emu_flash_erase_region(&e->flash, first, sectors * EMU_SECTOR);
		emu_log_erase(e, now, EMU_OP_FLASH_BEGIN, first, (uint64_t)sectors * EMU_SECTOR, &m, t);
	}
	emu_rom_ok(e, now, now + t, EMU_OP_FLASH_BEGIN);
	emu_log_cmd(e, now, EMU_OP_FLASH_BEGIN, 0, 0, 1,
		    "\"erase_size\":%u,\"blocks\":%u,\"block_size\":%u,\"offset\":%u,"
		    "\"erased_from\":%u,\"erased_sectors\":%u,\"erase_offset\":%u,\"erase_size\":%llu,"
		    "\"busy_ms\":%.3f", esize, blocks, bsize, off, off & ~(EMU_SECTOR - 1), sectors,
		    off & ~(EMU_SECTOR - 1), (unsigned long long)sectors * EMU_SECTOR, (double)t / 1e6);
}

/* MEM_DATA and FLASH_DATA share the 16-byte sub-header and checksum rules. */
int emu_rom_data_checks(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n,
			uint32_t checksum, uint32_t expect_seq, int active)
{
	uint8_t err = 0;
	uint32_t dlen = n >= 16 ? emu_le32(d) : 0, seq = n >= 16 ? emu_le32(d + 4) : 0;

	if (n < 16 || dlen != n - 16)
		err = EMU_ROM_BAD_FORMAT;
	else if (!active)
		err = EMU_ROM_BAD_PARAM;
	else if (emu_data_checksum(d + 16, dlen) != (uint8_t)checksum)
		err = EMU_ROM_BAD_CHECKSUM;
	else if (seq != expect_seq)
		err = EMU_ROM_BAD_PARAM;
	if (err) {
		emu_rom_fail(e, now, op, err);
		emu_log_cmd(e, now, op, 1, err, 1, "\"seq\":%u,\"data_len\":%u,\"expected_seq\":%u",
			    seq, dlen, expect_seq);
	}
	return err == 0;
}

static void rom_flash_data(struct emu *e, int64_t now, const uint8_t *d, size_t n, uint32_t chk)
{
	if (!emu_rom_data_checks(e, now, EMU_OP_FLASH_DATA, d, n, chk, e->w.next_seq, e->w.active))
		return;
	uint32_t dlen = emu_le32(d), seq = emu_le32(d + 4);
	uint32_t addr = e->w.offset + seq * e->w.bsize;
	/* the ROM programs the whole block, 0xFF padding included, then ACKs */
	int64_t t = emu_program(e, now, addr, d + 16, dlen);
	e->w.next_seq++;
	emu_rom_ok(e, now, now + t, EMU_OP_FLASH_DATA);
	emu_log_cmd(e, now, EMU_OP_FLASH_DATA, 0, 0, 1, "\"seq\":%u,\"data_len\":%u,\"addr\":%u", seq,
		    dlen, addr);
}

static void rom_flash_end(struct emu *e, int64_t now, const uint8_t *d, size_t n)
{
	uint32_t flag = n >= 4 ? emu_le32(d) : 0;

	emu_rom_ok(e, now, now, EMU_OP_FLASH_END);
	emu_log_cmd(e, now, EMU_OP_FLASH_END, 0, 0, 1, "\"flag\":%u,\"then\":\"%s\"", flag,
		    flag ? "run_app" : "reboot");
	e->w.active = 0;
	/* either way the loader session ends once the reply has left */
	emu_set_after(e, flag ? EMU_AFTER_RUN_APP : EMU_AFTER_SOFT_RESET, EMU_MS);
}

static void rom_mem(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n, uint32_t chk)
{
	if (op == EMU_OP_MEM_BEGIN) {
		if (n != 16) {
			emu_rom_fail(e, now, op, EMU_ROM_BAD_FORMAT);
			emu_log_cmd(e, now, op, 1, EMU_ROM_BAD_FORMAT, 1, "\"len\":%zu", n);
			return;
		}
		e->mem.active = 1;
		e->mem.size = emu_le32(d);
		e->mem.blocks = emu_le32(d + 4);
		e->mem.bsize = emu_le32(d + 8);
		e->mem.addr = emu_le32(d + 12);
		e->mem.next_seq = 0;
		e->mem.got = 0;
		emu_rom_ok(e, now, now, op);
		emu_log_cmd(e, now, op, 0, 0, 1, "\"size\":%u,\"blocks\":%u,\"block_size\":%u,\"addr\":%u",
			    e->mem.size, e->mem.blocks, e->mem.bsize, e->mem.addr);
		return;
	}
	if (op == EMU_OP_MEM_DATA) {
		if (!emu_rom_data_checks(e, now, op, d, n, chk, e->mem.next_seq, e->mem.active))
			return;
		uint32_t dlen = emu_le32(d);
		if (e->mem.got + dlen > e->mem.size) {
			emu_rom_fail(e, now, op, EMU_ROM_BAD_PARAM);
			emu_log_cmd(e, now, op, 1, EMU_ROM_BAD_PARAM, 1, "\"data_len\":%u,\"too_much\":true",
				    dlen);
			return;
		}
		e->mem.got += dlen;
		e->mem.next_seq++;
		emu_rom_ok(e, now, now, op);
		emu_log_cmd(e, now, op, 0, 0, 1, "\"seq\":%u,\"data_len\":%u", e->mem.next_seq - 1, dlen);
		return;
	}
	/* MEM_END(no_exec, entry) */
	if (n != 8) {
		emu_rom_fail(e, now, op, EMU_ROM_BAD_FORMAT);
		emu_log_cmd(e, now, op, 1, EMU_ROM_BAD_FORMAT, 1, "\"len\":%zu", n);
		return;
	}
	uint32_t no_exec = emu_le32(d), entry = emu_le32(d + 4);
	emu_rom_ok(e, now, now, op);
	emu_log_cmd(e, now, op, 0, 0, 1, "\"no_exec\":%u,\"entry\":%u,\"uploaded\":%u", no_exec, entry,
		    e->mem.got);
	e->mem.active = 0;
	if (no_exec == 0) {
		emu_stub_pick_flavour(e, entry);
		emu_set_after(e, EMU_AFTER_START_STUB, 0);
	}
}

void emu_rom_frame(struct emu *e, int64_t now, const uint8_t *f, size_t n)
{
	if (n < 8 || f[0] != 0x00) {
		emu_logf(&e->log, now, "rx_ignored", "\"mode\":\"rom\",\"len\":%zu,\"why\":\"%s\"", n,
			 n < 8 ? "short" : "direction");
		return;
	}
	uint8_t op = f[1];
	size_t size = emu_le16(f + 2);
	uint32_t chk = emu_le32(f + 4);
	const uint8_t *d = f + 8;

	if (size != n - 8) {
		emu_logf(&e->log, now, "rx_ignored", "\"mode\":\"rom\",\"op\":%u,\"len\":%zu,"
			 "\"size_field\":%zu,\"why\":\"length\"", op, n, size);
		return;
	}
	if (e->autobaud_armed) {
		/* before the first SYNC the ROM measures the host's rate on the
		 * 0x55 run; anything else at a foreign rate is noise to it */
		if (!e->is_pty) {
			/* a socket shows no baud (and never garbles): take the host
			 * to be at the usual 115200, so that UART_CLKDIV and the
			 * legacy stub's baud scaling see what a real chip would */
			if (op == EMU_OP_SYNC && is_sync_payload(d, size) &&
			    e->dev_baud != EMU_SOCKET_HOST_BAUD) {
				emu_logf(&e->log, now, "baud", "\"who\":\"device\",\"baud\":%u,\"old\":%u,"
					 "\"why\":\"autobaud_socket\"", EMU_SOCKET_HOST_BAUD, e->dev_baud);
				e->dev_baud = EMU_SOCKET_HOST_BAUD;
			}
		} else if (emu_wire_mismatch(e, e->dev_baud)) {
			if (op != EMU_OP_SYNC || !is_sync_payload(d, size) ||
			    e->host_baud < EMU_ROM_BAUD_MIN || e->host_baud > EMU_ROM_BAUD_MAX) {
				emu_logf(&e->log, now, "rx_ignored", "\"mode\":\"rom\",\"op\":%u,"
					 "\"why\":\"baud\",\"host_baud\":%u,\"dev_baud\":%u", op,
					 e->host_baud, e->dev_baud);
				return;
			}
			emu_logf(&e->log, now, "baud", "\"who\":\"device\",\"baud\":%u,\"old\":%u,"
				 "\"why\":\"autobaud\"", e->host_baud, e->dev_baud);
			e->dev_baud = e->host_baud;
		}
		if (op == EMU_OP_SYNC)
			e->autobaud_armed = 0;
	}
	if (e->def->esp32_class && emu_rom32_frame(e, now, op, d, size, chk))
		return;
	switch (op) {
	case EMU_OP_SYNC:
		if (size < 4)
			break;
		rom_sync(e, now, d, size);
		return;
	case EMU_OP_READ_REG:
		if (size != 4)
			break;
		e->last_value = emu_regs_read(&e->regs, emu_le32(d), e->dev_baud);
		emu_rom_ok(e, now, now, op);
		emu_log_cmd(e, now, op, 0, 0, 1, "\"addr\":%u,\"value\":%u", emu_le32(d), e->last_value);
		return;
	case EMU_OP_WRITE_REG: {
		if (size == 0 || size % 16 != 0)
			break;
		int64_t delay = 0;
		for (size_t i = 0; i < size; i += 16) {
			char note[96];
			uint32_t a = emu_le32(d + i), v = emu_le32(d + i + 4), m = emu_le32(d + i + 8);
			delay += (int64_t)emu_le32(d + i + 12) * EMU_US;
			emu_regs_write(&e->regs, a, v, m, note, sizeof note);
			emu_log_cmd(e, now, op, 0, 0, i + 16 == size, "\"addr\":%u,\"value\":%u,\"mask\":%u%s%s",
				    a, v, m, note[0] ? "," : "", note);
		}
		emu_rom_ok(e, now, now + delay, op);
		return;
	}
	case EMU_OP_MEM_BEGIN:
	case EMU_OP_MEM_DATA:
	case EMU_OP_MEM_END:
		rom_mem(e, now, op, d, size, chk);
		return;
	case EMU_OP_FLASH_BEGIN:
		rom_flash_begin(e, now, d, size);
		return;
	case EMU_OP_FLASH_DATA:
		rom_flash_data(e, now, d, size, chk);
		return;
	case EMU_OP_FLASH_END:
		rom_flash_end(e, now, d, size);
		return;
	default:
		break;
	}
	/* unsupported opcode or malformed payload: "received message invalid" */
	emu_rom_fail(e, now, op, EMU_ROM_BAD_FORMAT);
	emu_log_cmd(e, now, op, 1, EMU_ROM_BAD_FORMAT, 1, "\"len\":%zu", size);
}
