/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the emulator's files.  One struct emu is one chip; all
 * of it is guarded by e->lock (the device thread holds it except while
 * sleeping in poll, controls take it briefly).
 */
#pragma once

#include <pthread.h>
#include <stdint.h>
#include <zlib.h>
#include <nettle/md5.h>

#include "emu.h"
#include "emu_chipdef.h"
#include "emu_flash.h"
#include "emu_log.h"
#include "emu_queue.h"
#include "emu_regs.h"
#include "emu_rng.h"
#include "emu_slip.h"
#include "emu_text.h"

#define EMU_MS 1000000ll
#define EMU_US 1000ll

/* opcodes (protocol doc §4) */
enum {
	EMU_OP_FLASH_BEGIN = 0x02, EMU_OP_FLASH_DATA = 0x03, EMU_OP_FLASH_END = 0x04,
	EMU_OP_MEM_BEGIN = 0x05, EMU_OP_MEM_END = 0x06, EMU_OP_MEM_DATA = 0x07,
	EMU_OP_SYNC = 0x08, EMU_OP_WRITE_REG = 0x09, EMU_OP_READ_REG = 0x0A,
	EMU_OP_SPI_SET_PARAMS = 0x0B, EMU_OP_SPI_ATTACH = 0x0D, EMU_OP_READ_FLASH_SLOW = 0x0E,
	EMU_OP_CHANGE_BAUDRATE = 0x0F, EMU_OP_FLASH_DEFL_BEGIN = 0x10,
	EMU_OP_FLASH_DEFL_DATA = 0x11, EMU_OP_FLASH_DEFL_END = 0x12, EMU_OP_SPI_FLASH_MD5 = 0x13,
	EMU_OP_GET_SECURITY_INFO = 0x14, EMU_OP_ERASE_FLASH = 0xD0, EMU_OP_ERASE_REGION = 0xD1,
	EMU_OP_READ_FLASH = 0xD2, EMU_OP_RUN_USER_CODE = 0xD3,
};

/* stub error codes (§3.5) */
enum {
	EMU_ST_OK = 0x00, EMU_ST_BAD_DATA_LEN = 0xC0, EMU_ST_BAD_CHECKSUM = 0xC1,
	EMU_ST_BAD_BLOCKSIZE = 0xC2, EMU_ST_INVALID_COMMAND = 0xC3,
	EMU_ST_NOT_IN_FLASH_MODE = 0xC6, EMU_ST_INFLATE_ERROR = 0xC7,
	EMU_ST_NOT_ENOUGH_DATA = 0xC8, EMU_ST_TOO_MUCH_DATA = 0xC9,
	EMU_ST_NOT_IMPLEMENTED = 0xFF,
};

/* ROM error codes (second status byte, §3.4) */
enum {
	EMU_ROM_BAD_PARAM = 0x01, EMU_ROM_BAD_FORMAT = 0x05, EMU_ROM_EXEC_FAIL = 0x06,
	EMU_ROM_BAD_CHECKSUM = 0x07, EMU_ROM_FLASH_READ = 0x09, EMU_ROM_DEFLATE = 0x0B,
	EMU_ROM_ADLER = 0x0C,
};

#define EMU_CHECKSUM_SEED 0xEF
#define EMU_ROM_BAUD_MIN 9600u      /* ROM autobaud range accepted on SYNC */
#define EMU_ROM_BAUD_MAX 1500000u
#define EMU_EN_RC_NS (5 * EMU_MS)   /* EN capacitor: boot this long after EN rises */
#define EMU_POWER_ON_NS (50 * EMU_MS)
#define EMU_BAUD_SWITCH_NS (10 * EMU_MS)
#define EMU_APP_BAUD 115200u
/* A socket carries no baud: the ROM's autobaud assumes the host's usual
 * 115200 (esptool's ESP_ROM_BAUD, §1) on the first SYNC. */
#define EMU_SOCKET_HOST_BAUD 115200u
/* ESP32-class ROMs assume a 2 MB chip until SPI_SET_PARAMS (family §3.2) */
#define EMU_ROM32_DEFAULT_FLASH (2u << 20)
/* the ROM's READ_FLASH_SLOW reply always carries this much (BASE §11.2) */
#define EMU_ROM32_SLOW_READ 64u
#define EMU_FRAMES 8                /* frames the UART driver can hold for the CPU */
#define EMU_TIMED 8

enum emu_mode { EMU_MODE_OFF, EMU_MODE_RESET, EMU_MODE_ROM, EMU_MODE_STUB, EMU_MODE_APP };

/* What to do once the TX queue has drained (a reply must leave first). */
enum emu_after {
	EMU_AFTER_NONE, EMU_AFTER_START_STUB, EMU_AFTER_RUN_APP, EMU_AFTER_SOFT_RESET,
	EMU_AFTER_BAUD, EMU_AFTER_FW_RESET,
};

/* What the ROM did at one reset (emu_bootlog.c, emu_romload.c). */
enum emu_boot_result {
	EMU_BOOT_APP,               /* a valid image: its firmware runs */
	EMU_BOOT_DOWNLOAD,          /* the straps chose the UART loader */
	EMU_BOOT_NO_IMAGE,          /* no 0xE9 at the boot loader offset */
	EMU_BOOT_BAD_CHECKSUM,      /* the segments do not add up to the stored checksum */
	EMU_BOOT_BAD_LENGTH,        /* a segment runs past the flash: the ROM stops at its load line */
};

struct emu_bootrec {
	const char *cause;          /* power, en, soft, wdt, exception, rtcwdt, run_user_code */
	unsigned rst;               /* the reset code the ROM printed */
	enum emu_boot_result result;
	uint8_t mode, size_freq;    /* image header bytes 2 and 3 */
	uint32_t entry, first_word;
	unsigned segments;          /* segment headers the ROM read */
	uint8_t computed, stored;   /* checksums (when it got that far) */
	int garbled;                /* the unit cannot read its flash in the header's mode */
	int sha_mismatch;           /* C3: a wrong appended SHA-256, reported and ignored */
	size_t rom_bytes;           /* what the ROM printed */
};

/* What runs after the ROM (emu_firmware.c). */
enum emu_run { EMU_RUN_NONE, EMU_RUN_APP, EMU_RUN_ROM_RETRY };

struct emu_frame {
	uint8_t *data;
	size_t len;
	int64_t t;                  /* when its last byte arrived */
};

struct emu_timed {
	int64_t t;
	uint8_t *data;              /* already SLIP-encoded */
	size_t len;
};

/* A ROM or stub flash-write session (FLASH_BEGIN / FLASH_DEFL_BEGIN). */
struct emu_wsess {
	int active, deflate;
	uint32_t offset, size, blocks, bsize;
	uint32_t written;           /* uncompressed bytes programmed (stub) */
	uint32_t erased_to;         /* stub: sectors below this address are erased */
	int64_t erase_ns;           /* stub: erase time within the current data block */
	uint32_t next_seq;
	uint64_t in_total;          /* compressed bytes received */
	z_stream z;
	int z_init, z_done;
	int z_bad_check;            /* the stream ended with a wrong Adler-32 */
	uint8_t sticky;             /* legacy stub: last write/inflate error */
};

struct emu_rsess {
	int active;
	uint32_t offset, length, psize, max_inflight;
	uint32_t sent, acked;
	struct md5_ctx md5;         /* over the true flash bytes sent */
};

struct emu {
	struct emu_config cfg;
	const struct emu_chipdef *def;  /* what this chip is (emu_chipdef.c) */
	pthread_mutex_t lock;
	pthread_t thread;
	int running, stop_req;
	int wake_fd, timer_fd;

	/* transport */
	int fd, is_pty, host_present, host_gone, unplugged;
	int fd_saved_flags, fd_saved_pkt, pkt_mode;
	unsigned host_baud;         /* from TCGETS2; 0 = no baud (socket) */
	int tcp_nodelay;            /* socket: TCP_NODELAY was set on it */
	uint64_t bytes_total;
	uint64_t unplug_base;       /* unplug_after counts from here (start, set_faults) */
	int tx_blocked;
	int64_t host_check_at;

	int64_t t0;
	struct emu_log log;
	struct emu_flash flash;
	struct emu_regs regs;
	struct emu_rng rng_tx, rng_rx, rng_garble, rng_fault;
	uint64_t brownout_set[4];   /* bitmap over READ_FLASH packets 0..255 */
	uint64_t read_pkts;
	unsigned lies_left;
	uint64_t program_ops;

	/* garbling statistics, logged in batches */
	uint64_t garbled_tx, garbled_rx;
	uint64_t garble_acc_tx, garble_acc_rx;  /* fractional junk-byte accumulators */
	int64_t garble_logged_at;
	int64_t timer_armed_at;

	/* wire */
	struct emu_txq txq;
	struct emu_rxq rxq;
	struct emu_slip_dec slip;
	unsigned dev_baud;
	struct emu_frame fq[EMU_FRAMES];
	unsigned fq_head, fq_n;
	struct emu_timed timed[EMU_TIMED];
	unsigned ntimed;

	/* chip */
	int dtr, rts, en, gpio0;
	int64_t boot_at;            /* pending boot (EN rose / power on), 0 = none */
	int boot_force_download;    /* power-on with the button held */
	enum emu_mode mode;
	int latched_download;       /* strap value sampled at the last hard boot */
	int autobaud_armed;
	int64_t busy_until;
	uint32_t last_value;
	struct {
		enum emu_run what;
		int flavour;            /* emu_firmware.c: which firmware family the flash holds */
		unsigned step;
		int64_t t0;             /* the reset */
		int64_t next;           /* absolute time of the next step, 0 = none */
		struct emu_bootrec boot;
	} run;
	const char *after_cause;    /* EMU_AFTER_FW_RESET */
	uint64_t rx_bytes;          /* host bytes received, ever */
	uint64_t rx_bytes_boot;     /* ... at the last reset */
	int64_t last_rx;            /* when host bytes last arrived */
	enum emu_after after;
	int64_t after_at;           /* earliest time for the after-drain action */
	unsigned after_baud;
	uint32_t stub_entry;
	enum emu_stub_kind stub_kind;   /* whose stub the last MEM_END jumped into */
	/* ESP32-class ROM flash state (reset by every boot) */
	int rom_attached;           /* SPI_ATTACH seen */
	uint32_t rom_flash_size;    /* 2 MB until SPI_SET_PARAMS */

	struct {
		int active;
		uint32_t size, blocks, bsize, addr, next_seq, got;
	} mem;
	enum emu_stub_flavour flavour;  /* resolved: NEW or LEGACY */
	struct emu_wsess w;
	struct emu_rsess rd;
	uint8_t pending_err;        /* new stub: deferred error for the next command */

	struct emu_region regions[EMU_MAX_REGIONS];  /* the initial layout's areas */
	unsigned nregions;
};

/* time */
int64_t emu_now(void);

/* emu_chip.c: boot, modes, replies, frame dispatch */
void emu_chip_power_on(struct emu *e, int64_t now, int download, const char *cause);
void emu_chip_lines(struct emu *e, int64_t now, int dtr, int rts);
void emu_chip_power_cycle(struct emu *e, int64_t now, int hold_gpio0);
void emu_chip_power_off(struct emu *e, int64_t now);
void emu_chip_plug_in(struct emu *e, int64_t now);
void emu_chip_run(struct emu *e, int64_t now);
int64_t emu_chip_deadline(struct emu *e);
const char *emu_mode_name(enum emu_mode m);
const char *emu_op_name(uint8_t op);
void emu_send_raw_frame(struct emu *e, int64_t now, const uint8_t *data, size_t n);
/* Builds a response: [1, op, size, value] data... status; sends it at
 * time at (now or later).  The status is [s0, s1], followed by two zero
 * bytes from an ESP32-class ROM (4 status bytes, BASE §3.3).  split:
 * legacy long operations send the header (everything before data) at now
 * and the rest at at. */
void emu_reply(struct emu *e, int64_t now, int64_t at, uint8_t op, uint32_t value,
	       const uint8_t *data, size_t dlen, uint8_t s0, uint8_t s1, int split);
void emu_set_after(struct emu *e, enum emu_after what, int64_t not_before);
void emu_log_cmd(struct emu *e, int64_t now, uint8_t op, uint8_t s0, uint8_t s1, int replied,
		 const char *fmt, ...) __attribute__((format(printf, 7, 8)));
int64_t emu_program(struct emu *e, int64_t now, uint32_t addr, const uint8_t *data, uint32_t len);
/* Erase accounting for the log: take a mark, erase, then log one "erase"
 * event for the range [off, off + len) with the sector/block/chip erases
 * done since the mark, the busy time, and the stuck sectors it met (each
 * also as a "fault" event). */
struct emu_erase_mark {
	uint64_t sectors, blocks, chips;
};
void emu_erase_mark(const struct emu *e, struct emu_erase_mark *m);
void emu_log_erase(struct emu *e, int64_t now, uint8_t op, uint64_t off, uint64_t len,
		   const struct emu_erase_mark *m, int64_t busy);
uint8_t emu_data_checksum(const uint8_t *p, size_t n);

/* emu_layout.c: fills mem (c->flash_size bytes, already 0xFF) with c's
 * layout and describes it */
unsigned emu_layout_fill(uint8_t *mem, const struct emu_config *c, struct emu_region *regions,
			 unsigned cap);
/* emu_layout32.c: the ESP32 / ESP32-C3 "stock" layout */
unsigned emu_layout32_stock(uint8_t *mem, const struct emu_config *c, struct emu_region *out,
			    unsigned cap);
/* Flash encryption model: an address-keyed XOR stream (its own inverse);
 * the key comes from the unit's seed and MAC. */
uint64_t emu_fe_key(const struct emu_config *c);
void emu_fe_crypt(uint64_t key, uint32_t addr, uint8_t *p, uint32_t n);

/* emu_bootlog.c: what the ROM prints after a reset (BASE §21.1, family §8.4,
 * README "What a unit prints when it boots"); fills b (cause, rst, result). */
size_t emu_bootlog(struct emu *e, const char *cause, int download, struct emu_bootrec *b,
		   char *buf, size_t cap);
/* emu_romload.c: the ROM's flash boot: parses the image at the boot loader
 * offset as the ROM does, prints its load lines into o, fills b. */
void emu_romload(struct emu *e, struct emu_text *o, struct emu_bootrec *b);
const char *emu_boot_result_name(enum emu_boot_result r);
/* emu_firmware.c: starts what runs after the ROM (firmware, the ROM's retry
 * loop, or nothing); emu_fw_tick does the due step and returns a reset
 * cause when the firmware (or the ROM's watchdog) resets the chip. */
void emu_fw_start(struct emu *e, int64_t now, const struct emu_bootrec *b);
const char *emu_fw_tick(struct emu *e, int64_t now);
void emu_fw_stop(struct emu *e);
/* pushes text at baud (its own rate, whatever the device's) */
void emu_push_text(struct emu *e, int64_t now, const char *text, size_t n, unsigned baud);
/* Flash as the CPU reads it: decrypted when flash encryption is on. */
void emu_cpu_flash_read(struct emu *e, uint32_t addr, uint8_t *p, uint32_t n);

/* emu_rom.c / emu_rom32.c / emu_stub*.c */
void emu_rom_frame(struct emu *e, int64_t now, const uint8_t *f, size_t n);
void emu_rom_ok(struct emu *e, int64_t now, int64_t at, uint8_t op);
void emu_rom_fail(struct emu *e, int64_t now, uint8_t op, uint8_t err);
/* MEM_DATA / FLASH_DATA sub-header and checksum checks; replies on failure. */
int emu_rom_data_checks(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n,
			uint32_t checksum, uint32_t expect_seq, int active);
/* ESP32-class ROM: handles op (1) or leaves it to the common ROM code (0). */
int emu_rom32_frame(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n,
		    uint32_t checksum);
/* GET_SECURITY_INFO payload from the eFuse words (C3), for ROM and stub. */
void emu_security_info(const struct emu *e, uint8_t out[20]);
void emu_stub_frame(struct emu *e, int64_t now, const uint8_t *f, size_t n);
void emu_stub_reset(struct emu *e);
void emu_stub_pick_flavour(struct emu *e, uint32_t entry);
/* emu_stub_write.c (the write session is shared with the ESP32-class ROM) */
uint8_t emu_wsess_open(struct emu *e, int deflate, uint32_t size, uint32_t blocks, uint32_t bsize,
		       uint32_t offset);
/* Inflates n compressed bytes and programs the output; *err gets a stub code. */
int64_t emu_wsess_inflate(struct emu *e, int64_t now, const uint8_t *p, uint32_t n, uint8_t *err);
uint8_t emu_stub_write_begin(struct emu *e, int deflate, const uint8_t *d, size_t n);
void emu_stub_write_data(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n,
			 uint32_t checksum);
void emu_stub_write_end(struct emu *e, int64_t now, uint8_t op, const uint8_t *d, size_t n);
void emu_stub_write_close(struct emu *e);
/* emu_stub_read.c */
void emu_stub_read_start(struct emu *e, int64_t now, const uint8_t *d, size_t n);
void emu_stub_read_ack(struct emu *e, int64_t now, const uint8_t *f, size_t n);
void emu_stub_read_pump(struct emu *e, int64_t now);

/* emu_wire.c */
void emu_wire_refresh_host_baud(struct emu *e, int64_t now);
int emu_wire_mismatch(const struct emu *e, unsigned dev_baud);
void emu_wire_read(struct emu *e, int64_t now);
void emu_wire_write(struct emu *e, int64_t now);
void emu_wire_hangup(struct emu *e, int64_t now, const char *why);
void emu_wire_check_host(struct emu *e, int64_t now);
void emu_wire_flush_garble_log(struct emu *e, int64_t now, int force);
