/* SPDX-License-Identifier: MIT */
/*
 * The chip around the loaders: power, EN/GPIO0 strapping, boot into the ROM
 * loader or the application, the frame queue between UART and CPU, replies,
 * timed outputs and actions that must wait until a reply has left the UART.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_bytes.h"
#include "emu_priv.h"

int64_t emu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

const char *emu_mode_name(enum emu_mode m)
{
	switch (m) {
	case EMU_MODE_OFF: return "off";
	case EMU_MODE_RESET: return "reset";
	case EMU_MODE_ROM: return "rom";
	case EMU_MODE_STUB: return "stub";
	case EMU_MODE_APP: return "app";
	}
	return "?";
}

const char *emu_op_name(uint8_t op)
{
	switch (op) {
	case EMU_OP_FLASH_BEGIN: return "FLASH_BEGIN";
	case EMU_OP_FLASH_DATA: return "FLASH_DATA";
	case EMU_OP_FLASH_END: return "FLASH_END";
	case EMU_OP_MEM_BEGIN: return "MEM_BEGIN";
	case EMU_OP_MEM_END: return "MEM_END";
	case EMU_OP_MEM_DATA: return "MEM_DATA";
	case EMU_OP_SYNC: return "SYNC";
	case EMU_OP_WRITE_REG: return "WRITE_REG";
	case EMU_OP_READ_REG: return "READ_REG";
	case EMU_OP_SPI_SET_PARAMS: return "SPI_SET_PARAMS";
	case EMU_OP_SPI_ATTACH: return "SPI_ATTACH";
	case EMU_OP_READ_FLASH_SLOW: return "READ_FLASH_SLOW";
	case EMU_OP_CHANGE_BAUDRATE: return "CHANGE_BAUDRATE";
	case EMU_OP_FLASH_DEFL_BEGIN: return "FLASH_DEFL_BEGIN";
	case EMU_OP_FLASH_DEFL_DATA: return "FLASH_DEFL_DATA";
	case EMU_OP_FLASH_DEFL_END: return "FLASH_DEFL_END";
	case EMU_OP_SPI_FLASH_MD5: return "SPI_FLASH_MD5";
	case EMU_OP_GET_SECURITY_INFO: return "GET_SECURITY_INFO";
	case EMU_OP_ERASE_FLASH: return "ERASE_FLASH";
	case EMU_OP_ERASE_REGION: return "ERASE_REGION";
	case EMU_OP_READ_FLASH: return "READ_FLASH";
	case EMU_OP_RUN_USER_CODE: return "RUN_USER_CODE";
	}
	return "UNKNOWN";
}

uint8_t emu_data_checksum(const uint8_t *p, size_t n)
{
	uint8_t c = EMU_CHECKSUM_SEED;

	for (size_t i = 0; i < n; i++)
		c ^= p[i];
	return c;
}

void emu_log_cmd(struct emu *e, int64_t now, uint8_t op, uint8_t s0, uint8_t s1, int replied,
		 const char *fmt, ...)
{
	char fields[512] = "";
	char status[16] = "null";
	va_list ap;

	if (!e->log.f)
		return;
	va_start(ap, fmt);
	vsnprintf(fields, sizeof fields, fmt, ap);
	va_end(ap);
	if (replied)
		snprintf(status, sizeof status, "\"%02x%02x\"", s0, s1);
	emu_logf(&e->log, now, "cmd", "\"mode\":\"%s\",\"op\":%u,\"name\":\"%s\"%s%s,\"status\":%s",
		 emu_mode_name(e->mode), op, emu_op_name(op), fields[0] ? "," : "", fields, status);
}

/* ---- output ---- */

static void push_encoded(struct emu *e, int64_t now, const uint8_t *p, size_t n)
{
	if (emu_txq_push(&e->txq, p, n, e->dev_baud, now) < 0)
		emu_logf(&e->log, now, "error", "\"what\":\"tx queue out of memory\"");
}

static void push_timed(struct emu *e, int64_t at, const uint8_t *p, size_t n)
{
	if (e->ntimed == EMU_TIMED)
		return;                 /* cannot happen: the CPU is busy until 'at' */
	uint8_t *copy = malloc(n);
	if (!copy)
		return;
	memcpy(copy, p, n);
	/* keep the list ordered by time (insertion sort, tiny list) */
	unsigned i = e->ntimed++;
	while (i > 0 && e->timed[i - 1].t > at) {
		e->timed[i] = e->timed[i - 1];
		i--;
	}
	e->timed[i].t = at;
	e->timed[i].data = copy;
	e->timed[i].len = n;
}

void emu_send_raw_frame(struct emu *e, int64_t now, const uint8_t *data, size_t n)
{
	uint8_t *enc = malloc(2 * n + 2);
	if (!enc)
		return;
	size_t len = emu_slip_encode(enc, data, n, 1, 1);
	push_encoded(e, now, enc, len);
	free(enc);
}

void emu_reply(struct emu *e, int64_t now, int64_t at, uint8_t op, uint32_t value,
	       const uint8_t *data, size_t dlen, uint8_t s0, uint8_t s1, int split)
{
	size_t ns = e->mode == EMU_MODE_ROM && e->def->esp32_class ? 4 : 2;
	size_t n = 8 + dlen + ns;
	uint8_t *pkt = malloc(n), *enc = malloc(2 * n + 2);

	if (!pkt || !enc)
		goto out;
	pkt[0] = 0x01;
	pkt[1] = op;
	emu_put_le16(pkt + 2, (uint16_t)(dlen + ns));
	emu_put_le32(pkt + 4, value);
	if (dlen)
		memcpy(pkt + 8, data, dlen);
	memset(pkt + 8 + dlen, 0, ns);
	pkt[8 + dlen] = s0;
	pkt[9 + dlen] = s1;
	if (at <= now) {
		push_encoded(e, now, enc, emu_slip_encode(enc, pkt, n, 1, 1));
	} else if (split) {
		/* legacy stub: header leaves before the long operation runs (§12.3) */
		push_encoded(e, now, enc, emu_slip_encode(enc, pkt, 8, 1, 0));
		push_timed(e, at, enc, emu_slip_encode(enc, pkt + 8, n - 8, 0, 1));
	} else {
		push_timed(e, at, enc, emu_slip_encode(enc, pkt, n, 1, 1));
	}
	if (at > e->busy_until)
		e->busy_until = at;
out:
	free(pkt);
	free(enc);
}

void emu_set_after(struct emu *e, enum emu_after what, int64_t delay)
{
	e->after = what;
	e->after_at = delay;        /* counted from the moment the UART drains */
}

int64_t emu_program(struct emu *e, int64_t now, uint32_t addr, const uint8_t *data, uint32_t len)
{
	e->program_ops++;
	if (e->lies_left == 0 || len == 0)
		return emu_flash_program(&e->flash, addr, data, len);
	uint8_t *tmp = malloc(len);
	if (!tmp)
		return emu_flash_program(&e->flash, addr, data, len);
	memcpy(tmp, data, len);
	uint32_t pos = emu_rng_below(&e->rng_fault, len);
	unsigned bit = emu_rng_below(&e->rng_fault, 8);
	tmp[pos] ^= (uint8_t)(1u << bit);
	e->lies_left--;
	emu_logf(&e->log, now, "fault", "\"kind\":\"lie_write\",\"addr\":%u,\"bit\":%u,\"op_no\":%llu",
		 (addr + pos) & (e->flash.size - 1), bit, (unsigned long long)e->program_ops);
	int64_t t = emu_flash_program(&e->flash, addr, tmp, len);
	free(tmp);
	return t;
}

void emu_erase_mark(const struct emu *e, struct emu_erase_mark *m)
{
	m->sectors = e->flash.sector_erases;
	m->blocks = e->flash.block_erases;
	m->chips = e->flash.chip_erases;
}

void emu_log_erase(struct emu *e, int64_t now, uint8_t op, uint64_t off, uint64_t len,
		   const struct emu_erase_mark *m, int64_t busy)
{
	uint32_t stuck[EMU_MAX_STUCK];
	unsigned n = emu_flash_stuck_in(&e->flash, off, len, stuck, EMU_MAX_STUCK);
	char list[EMU_MAX_STUCK * 12 + 4] = "";
	size_t used = 0;

	if (n > EMU_MAX_STUCK)
		n = EMU_MAX_STUCK;
	for (unsigned i = 0; i < n; i++) {
		emu_logf(&e->log, now, "fault", "\"kind\":\"stuck_sector\",\"addr\":%u,\"by\":\"%s\"",
			 stuck[i], emu_op_name(op));
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%u", i ? "," : "", stuck[i]);
	}
	emu_logf(&e->log, now, "erase", "\"by\":\"%s\",\"offset\":%llu,\"size\":%llu,"
		 "\"sectors\":%llu,\"blocks\":%llu,\"chip\":%llu,\"busy_ms\":%.3f,\"stuck\":[%s]",
		 emu_op_name(op), (unsigned long long)off, (unsigned long long)len,
		 (unsigned long long)(e->flash.sector_erases - m->sectors),
		 (unsigned long long)(e->flash.block_erases - m->blocks),
		 (unsigned long long)(e->flash.chip_erases - m->chips), (double)busy / 1e6, list);
}

/* ---- power, reset, boot ---- */

static void drop_frames(struct emu *e)
{
	while (e->fq_n > 0) {
		free(e->fq[e->fq_head].data);
		e->fq_head = (e->fq_head + 1) % EMU_FRAMES;
		e->fq_n--;
	}
	for (unsigned i = 0; i < e->ntimed; i++)
		free(e->timed[i].data);
	e->ntimed = 0;
}

/* Everything in flight dies with a reset: UART FIFOs, buffers, sessions. */
static void clear_io(struct emu *e)
{
	emu_txq_clear(&e->txq);
	emu_rxq_clear(&e->rxq);
	emu_slip_reset(&e->slip);
	drop_frames(e);
	e->busy_until = 0;
	e->after = EMU_AFTER_NONE;
	e->mem.active = 0;
	emu_stub_reset(e);
	e->boot_at = 0;
	emu_fw_stop(e);
}

static unsigned rom_baud(const struct emu *e)
{
	/* the ESP8266 ROM sets a 115200 divider assuming a 40 MHz crystal (§1);
	 * ESP32-class ROMs run at 115200 (family §9) */
	if (e->def->esp32_class)
		return 115200u;
	return e->cfg.crystal_mhz == 40 ? 115200u : 74880u;
}

void emu_push_text(struct emu *e, int64_t now, const char *text, size_t n, unsigned baud)
{
	if (emu_txq_push(&e->txq, (const uint8_t *)text, n, baud, now) < 0)
		emu_logf(&e->log, now, "error", "\"what\":\"tx queue out of memory\"");
}

static void log_boot(struct emu *e, int64_t now, const struct emu_bootrec *b)
{
	char fw[32], detail[160] = "";

	if (b->result != EMU_BOOT_DOWNLOAD && b->result != EMU_BOOT_NO_IMAGE)
		snprintf(detail, sizeof detail, ",\"segments\":%u,\"flash_mode\":%u,\"garbled\":%s",
			 b->segments, b->mode, b->garbled ? "true" : "false");
	if (b->result == EMU_BOOT_APP || b->result == EMU_BOOT_BAD_CHECKSUM)
		snprintf(detail + strlen(detail), sizeof detail - strlen(detail),
			 ",\"checksum\":%u,\"stored\":%u%s", b->computed, b->stored,
			 b->sha_mismatch ? ",\"sha256\":\"mismatch\"" : "");
	if (b->result == EMU_BOOT_NO_IMAGE)
		snprintf(detail, sizeof detail, ",\"first_word\":%u", b->first_word);
	const char *result = emu_boot_result_name(b->result);
	if (b->result == EMU_BOOT_APP && e->cfg.firmware.kind == EMU_FW_BOOTLOOP)
		result = "bootloop";
	else if (b->result == EMU_BOOT_APP && e->cfg.firmware.kind == EMU_FW_EXCEPTION)
		result = "exception";
	emu_logf(&e->log, now, "boot", "\"result\":\"%s\",\"cause\":\"%s\",\"rst\":%u,"
		 "\"bytes\":%zu,\"baud\":%u%s%s%s%s", result, b->cause, b->rst, b->rom_bytes,
		 e->dev_baud, b->result == EMU_BOOT_APP ? ",\"firmware\":\"" : "",
		 b->result == EMU_BOOT_APP ? emu_firmware_name(&e->cfg.firmware, fw, sizeof fw) : "",
		 b->result == EMU_BOOT_APP ? "\"" : "", detail);
}

/* A reset: the ROM prints its banner (and, booting from flash, what it
 * loads) at its own rate, then whatever the flash holds runs. */
static void boot(struct emu *e, int64_t now, int download, const char *cause, int banner)
{
	char text[2048];
	struct emu_bootrec b;

	clear_io(e);
	e->rom_attached = 0;
	e->rom_flash_size = EMU_ROM32_DEFAULT_FLASH;
	if (download && e->cfg.faults.never_boot) {
		emu_logf(&e->log, now, "fault", "\"kind\":\"never_boot\"");
		download = 0;
	}
	e->dev_baud = rom_baud(e);
	e->last_value = 0;
	e->autobaud_armed = download;
	e->rx_bytes_boot = e->rx_bytes;
	/* ESP32 GPIO_STRAP: GPIO0 (0x10) low = download, as the ROM prints it */
	e->regs.strap = e->def->chip == EMU_ESP32 ? (download ? 0x03u : 0x13u) : 0;
	e->mode = download ? EMU_MODE_ROM : EMU_MODE_APP;
	emu_logf(&e->log, now, "reset", "\"cause\":\"%s\",\"boot\":\"%s\",\"baud\":%u", cause,
		 download ? "download" : "app", e->dev_baud);
	size_t n = emu_bootlog(e, cause, download, &b, text, sizeof text);
	if (!banner || !e->cfg.boot_banner)
		b.rom_bytes = 0;
	else
		push_encoded(e, now, (const uint8_t *)text, n);
	log_boot(e, now, &b);
	emu_fw_start(e, now, &b);
}

void emu_chip_power_on(struct emu *e, int64_t now, int download, const char *cause)
{
	download = download || e->cfg.faults.gpio0_held;
	e->latched_download = download && !e->cfg.faults.never_boot;
	boot(e, now, download, cause, 0);
}

void emu_chip_lines(struct emu *e, int64_t now, int dtr, int rts)
{
	e->dtr = !!dtr;
	e->rts = !!rts;
	if (e->cfg.wiring == EMU_WIRING_NONE) {
		emu_logf(&e->log, now, "lines", "\"dtr\":%d,\"rts\":%d,\"wired\":false", e->dtr, e->rts);
		return;
	}
	/* classic two-transistor auto-reset circuit (§13.1) */
	int en = !(e->rts && !e->dtr), gpio0 = !(e->dtr && !e->rts);
	emu_logf(&e->log, now, "lines", "\"dtr\":%d,\"rts\":%d,\"en\":%d,\"gpio0\":%d", e->dtr, e->rts,
		 en, gpio0);
	int was_en = e->en;
	e->en = en;
	e->gpio0 = gpio0;
	if (e->mode == EMU_MODE_OFF)
		return;
	if (was_en && !en) {
		clear_io(e);
		e->mode = EMU_MODE_RESET;
		emu_logf(&e->log, now, "reset", "\"cause\":\"en_low\"");
	} else if (!was_en && en) {
		/* the EN capacitor delays the rise, so that GPIO0 set in the next
		 * ioctl is already low when the chip samples its straps */
		e->boot_at = now + EMU_EN_RC_NS;
		e->boot_force_download = 0;
	}
}

void emu_chip_power_cycle(struct emu *e, int64_t now, int hold_gpio0)
{
	clear_io(e);
	e->mode = EMU_MODE_OFF;
	emu_logf(&e->log, now, "power", "\"state\":\"off\",\"hold_gpio0\":%d", !!hold_gpio0);
	e->boot_at = now + EMU_POWER_ON_NS;
	e->boot_force_download = !!hold_gpio0;
}

/* The adapter powers the board: pulling the cable removes power too. */
void emu_chip_power_off(struct emu *e, int64_t now)
{
	clear_io(e);
	e->mode = EMU_MODE_OFF;
	emu_logf(&e->log, now, "power", "\"state\":\"off\"");
}

void emu_chip_plug_in(struct emu *e, int64_t now)
{
	if (e->mode != EMU_MODE_OFF || e->boot_at)
		return;
	e->boot_at = now + EMU_POWER_ON_NS;
	e->boot_force_download = e->cfg.boot_download_at_start;
}

static void boot_due(struct emu *e, int64_t now)
{
	int from_power = e->mode == EMU_MODE_OFF;
	int download = e->boot_force_download;

	e->boot_at = 0;
	if (e->cfg.wiring == EMU_WIRING_AUTO) {
		if (!e->en) {           /* powered, but RTS holds EN low */
			e->mode = EMU_MODE_RESET;
			emu_logf(&e->log, now, "power", "\"state\":\"on\",\"held_in_reset\":true");
			return;
		}
		download = download || !e->gpio0;
	}
	download = download || e->cfg.faults.gpio0_held;
	e->latched_download = download && !e->cfg.faults.never_boot;
	boot(e, now, download, from_power ? "power" : "en", 1);
}

/* ---- after-drain actions ---- */

static int drained(const struct emu *e)
{
	return emu_bytes_len(&e->txq.b) == 0 && e->ntimed == 0;
}

static void run_after(struct emu *e, int64_t now)
{
	enum emu_after what = e->after;
	static const uint8_t ohai[4] = { 'O', 'H', 'A', 'I' };

	e->after = EMU_AFTER_NONE;
	switch (what) {
	case EMU_AFTER_NONE:
		break;
	case EMU_AFTER_START_STUB:
		if (e->stub_kind == EMU_STUBK_FOREIGN && e->cfg.stub_flavour == EMU_STUB_AUTO) {
			/* another chip's stub: nothing of this chip's runs there; the
			 * CPU faults and the chip resets into the mode it booted in */
			emu_logf(&e->log, now, "stub_crash", "\"entry\":%u,\"why\":\"foreign_entry\"",
				 e->stub_entry);
			emu_set_after(e, EMU_AFTER_SOFT_RESET, 30 * EMU_MS);
			break;
		}
		e->mode = EMU_MODE_STUB;
		emu_stub_reset(e);
		emu_logf(&e->log, now, "stub_start", "\"flavour\":\"%s\",\"entry\":%u,\"by\":\"%s\"",
			 e->flavour == EMU_STUB_LEGACY ? "legacy" : "new", e->stub_entry,
			 e->cfg.stub_flavour != EMU_STUB_AUTO ? "option" :
			 e->stub_kind == EMU_STUBK_UNKNOWN ? "unknown_entry" : "entry");
		emu_send_raw_frame(e, now, ohai, sizeof ohai);
		break;
	case EMU_AFTER_RUN_APP: {
		/* the ROM (or stub) jumps into the flash's code: no banner, the
		 * ROM's loading done quietly, then the firmware as after a boot */
		char scratch[2048];
		struct emu_text o;
		struct emu_bootrec b = { .cause = "run_user_code" };
		clear_io(e);
		e->mode = EMU_MODE_APP;
		e->dev_baud = rom_baud(e);
		emu_logf(&e->log, now, "reset", "\"cause\":\"run_user_code\",\"boot\":\"app\"");
		emu_text_init(&o, scratch, sizeof scratch);
		emu_romload(e, &o, &b);
		log_boot(e, now, &b);
		emu_fw_start(e, now, &b);
		break;
	}
	case EMU_AFTER_FW_RESET:
		/* watchdog or crash: straps stay latched, as for any software reset */
		boot(e, now, e->latched_download, e->after_cause, 1);
		break;
	case EMU_AFTER_SOFT_RESET:
		/* straps are latched: a software reset returns to the mode of the
		 * last hard boot (§13 "latched-strap caveat") */
		boot(e, now, e->latched_download, "soft", 1);
		break;
	case EMU_AFTER_BAUD:
		emu_logf(&e->log, now, "baud", "\"who\":\"device\",\"baud\":%u,\"old\":%u", e->after_baud,
			 e->dev_baud);
		e->dev_baud = e->after_baud;
		break;
	}
}

/* ---- UART -> CPU ---- */

static void queue_frame(struct emu *e, int64_t t)
{
	if (e->fq_n == EMU_FRAMES) {
		emu_logf(&e->log, t, "rx_overflow", "\"len\":%zu", e->slip.len);
		return;
	}
	uint8_t *copy = malloc(e->slip.len);
	if (!copy)
		return;
	memcpy(copy, e->slip.buf, e->slip.len);
	unsigned i = (e->fq_head + e->fq_n) % EMU_FRAMES;
	e->fq[i].data = copy;
	e->fq[i].len = e->slip.len;
	e->fq[i].t = t;
	e->fq_n++;
}

static void feed_rx(struct emu *e, int64_t now)
{
	size_t n = emu_rxq_arrived(&e->rxq, now);
	uint64_t head = emu_bytes_head(&e->rxq.b);
	int listening = e->mode == EMU_MODE_ROM || e->mode == EMU_MODE_STUB;

	for (size_t i = 0; listening && i < n; i++) {
		enum emu_slip_res r = emu_slip_feed(&e->slip, emu_bytes_at(&e->rxq.b, head + i));
		if (r == EMU_SLIP_FRAME)
			queue_frame(e, emu_rxq_arrival(&e->rxq, head + i));
		else if (r == EMU_SLIP_DROPPED)
			emu_logf(&e->log, now, "rx_frame_dropped", "\"len\":%zu", e->slip.len);
	}
	emu_rxq_consume(&e->rxq, n);
}

static int process_frames(struct emu *e, int64_t now)
{
	int did = 0;

	while (e->fq_n > 0 && e->after == EMU_AFTER_NONE) {
		struct emu_frame *f = &e->fq[e->fq_head];
		if (f->t > now || e->busy_until > now)
			break;
		struct emu_frame fr = *f;
		e->fq_head = (e->fq_head + 1) % EMU_FRAMES;
		e->fq_n--;
		if (e->mode == EMU_MODE_STUB && e->rd.active)
			emu_stub_read_ack(e, now, fr.data, fr.len);
		else if (e->mode == EMU_MODE_STUB)
			emu_stub_frame(e, now, fr.data, fr.len);
		else if (e->mode == EMU_MODE_ROM)
			emu_rom_frame(e, now, fr.data, fr.len);
		free(fr.data);
		did = 1;
	}
	return did;
}

void emu_chip_run(struct emu *e, int64_t now)
{
	for (int round = 0; round < 16; round++) {
		int did = 0;
		if (e->boot_at && now >= e->boot_at) {
			boot_due(e, now);
			did = 1;
		}
		while (e->ntimed > 0 && e->timed[0].t <= now) {
			push_encoded(e, e->timed[0].t, e->timed[0].data, e->timed[0].len);
			free(e->timed[0].data);
			memmove(&e->timed[0], &e->timed[1], (e->ntimed - 1) * sizeof e->timed[0]);
			e->ntimed--;
			did = 1;
		}
		feed_rx(e, now);
		did |= process_frames(e, now);
		if (e->after != EMU_AFTER_NONE && drained(e) &&
		    now >= e->txq.last_release + e->after_at) {
			run_after(e, now);
			did = 1;
		}
		if (e->mode == EMU_MODE_STUB && e->rd.active)
			emu_stub_read_pump(e, now);
		if (e->mode == EMU_MODE_APP && e->run.next && now >= e->run.next &&
		    e->after == EMU_AFTER_NONE) {
			const char *reset = emu_fw_tick(e, now);
			if (reset) {
				e->after_cause = reset;
				emu_set_after(e, EMU_AFTER_FW_RESET, 0);
			}
			did = 1;
		}
		if (!did)
			break;
	}
}

int64_t emu_chip_deadline(struct emu *e)
{
	int64_t d = INT64_MAX;

	if (e->boot_at && e->boot_at < d)
		d = e->boot_at;
	if (e->ntimed > 0 && e->timed[0].t < d)
		d = e->timed[0].t;
	if (e->fq_n > 0 && e->after == EMU_AFTER_NONE) {
		int64_t t = e->fq[e->fq_head].t;
		if (e->busy_until > t)
			t = e->busy_until;
		if (t < d)
			d = t;
	}
	if (e->after != EMU_AFTER_NONE && drained(e)) {
		int64_t t = e->txq.last_release + e->after_at;
		if (t < d)
			d = t;
	}
	if (e->mode == EMU_MODE_APP && e->run.next && e->after == EMU_AFTER_NONE && e->run.next < d)
		d = e->run.next;
	/* RX: wake when the next frame delimiter has arrived */
	uint64_t head = emu_bytes_head(&e->rxq.b), tail = emu_bytes_tail(&e->rxq.b);
	for (uint64_t i = head; i < tail; i++) {
		if (emu_bytes_at(&e->rxq.b, i) == EMU_SLIP_END) {
			int64_t t = emu_rxq_arrival(&e->rxq, i);
			if (t < d)
				d = t;
			break;
		}
	}
	return d;
}
