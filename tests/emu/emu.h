/* SPDX-License-Identifier: MIT */
/*
 * Espressif device emulator (ESP8266, ESP8285, ESP32, ESP32-C3): ROM serial
 * loader + flasher stub behind a paced virtual UART.  Written from
 * docs/esp-serial-protocol.md and docs/esp32-family.md only, independently
 * of core/, so that a protocol misunderstanding cannot hide on both sides.
 *
 * One struct emu is one chip.  emu_start() serves it on an fd in a thread of
 * its own; every other function is thread-safe and may be called at any time.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum emu_chip { EMU_ESP8266EX, EMU_ESP8285, EMU_ESP32, EMU_ESP32C3 };
/* esp-flasher-stub ("new") vs legacy esptool stub (protocol doc §3.3, §11).
 * EMU_STUB_AUTO (the default) plays whatever was uploaded, judged by the
 * MEM_END entry address: 0x4010D004 = legacy, anything else (the new stub's
 * 0x4010C504) = new.  NEW/LEGACY force a flavour whatever the entry. */
enum emu_stub_flavour { EMU_STUB_NEW, EMU_STUB_LEGACY, EMU_STUB_AUTO };
/* classic DTR/RTS auto-reset circuit, or a bare adapter (operator button) */
enum emu_wiring { EMU_WIRING_AUTO, EMU_WIRING_NONE };
/* Initial flash contents when no image file is given (emu_layout.c):
 * SIMPLE (the default): an image header at 0, ~256 KiB of code-like bytes,
 *   256 bytes + the MAC 16 KiB before the end; derived from the MAC only.
 * STOCK: a NONOS-SDK OTA unit as shipped: boot loader at 0, user1 at
 *   0x1000, an erased user2 slot, the app's cloud-identity sectors, the SDK's
 *   RF-cal / init-data / Wi-Fi parameter sectors at the end, the rest erased
 *   (about 60 % of a 1 MB unit).  Firmware from the seed, identity from the
 *   seed and the MAC.
 * BLANK: all 0xFF. */
enum emu_layout { EMU_LAYOUT_SIMPLE, EMU_LAYOUT_STOCK, EMU_LAYOUT_BLANK };
/* What the unit's firmware does once the ROM has loaded a valid image
 * (emu_firmware.c; README "Booting what the flash holds"):
 * CHATTY (the default): a few log lines over the first ~500 ms;
 * QUIET: nothing after the ROM's own lines;
 * BOOTLOOP: like CHATTY, but a watchdog resets the chip period_ms after
 *   every boot (repeated banners with the watchdog's reset cause);
 * EXCEPTION: starts, then prints an exception dump and restarts. */
enum emu_fw_kind { EMU_FW_CHATTY, EMU_FW_QUIET, EMU_FW_BOOTLOOP, EMU_FW_EXCEPTION };

struct emu_firmware {
	enum emu_fw_kind kind;
	unsigned period_ms;         /* BOOTLOOP: reset this long after each reset (50..60000) */
	unsigned baud;              /* the application's UART rate (default 115200) */
};

/* header flash mode byte m (0 QIO, 1 QOUT, 2 DIO, 3 DOUT) -> bit m */
#define EMU_FLASH_MODES_ALL 0x0Fu
#define EMU_FLASH_MODES_DOUT 0x08u

#define EMU_MAX_STUCK 8

struct emu_faults {
	uint64_t seed;              /* all randomness comes from PRNGs seeded by this */
	int never_boot;             /* GPIO0 strap ignored: every reset boots the application */
	int gpio0_held;             /* GPIO0 reads low at every hard reset and power-on (a stuck
	                             * boot button, or the operator still holding it): download */
	unsigned drop_ppm;          /* per device->host byte: probability (ppm) it is lost */
	unsigned flip_ppm;          /* per device->host byte: probability (ppm) one bit flips */
	unsigned rx_drop_ppm, rx_flip_ppm;  /* the same for host->device bytes */
	unsigned brownout_reads;    /* READ_FLASH data packets (picked by the seed among the first
	                             * 256 of the device's life) that carry a corrupted byte; the
	                             * digest frame and SPI_FLASH_MD5 stay truthful */
	unsigned lie_writes;        /* the first N flash program operations corrupt one byte
	                             * (position and bit picked by the seed) yet report success */
	uint64_t unplug_after;      /* hang up after this many bytes (both directions) counted from
	                             * emu_start / emu_set_faults; 0 = never */
	/* 4 KiB sectors that will not erase: every erase (chip, block, sector,
	 * the implicit erase of a write) leaves their content; programming
	 * still clears bits, SPI_FLASH_MD5 and READ_FLASH tell the truth.
	 * Addresses are sector-aligned and below the flash size. */
	uint32_t stuck_sectors[EMU_MAX_STUCK];
	unsigned n_stuck;
};

/* Security eFuses of an ESP32-class unit (esp32-family.md §6).  Each sets
 * the eFuse bits a real unit has; GET_SECURITY_INFO (C3) is derived from
 * the same words, so every path agrees.  The ESP8266 has none of them. */
struct emu_security {
	int flash_encrypted;        /* crypt count odd; flash holds "ciphertext" (stored as is) */
	int secure_boot;            /* ESP32: ABS_DONE_1 (v3+) or ABS_DONE_0; C3: SECURE_BOOT_EN */
	int dl_encrypt_disabled;    /* ESP32: DISABLE_DL_ENCRYPT; C3: DIS_DOWNLOAD_MANUAL_ENCRYPT */
	int secure_download;        /* C3 only: Secure Download Mode (ENABLE_SECURITY_DOWNLOAD) */
};

struct emu_config {
	enum emu_chip chip;         /* set with emu_config_chip() to get its defaults */
	uint8_t mac[6];
	uint32_t flash_size;        /* bytes, power of two, 256 KiB .. 16 MiB */
	uint8_t flash_manuf;        /* JEDEC manufacturer byte, e.g. 0xEF, 0xC8, 0x20 */
	unsigned crystal_mhz;       /* 26 or 40 */
	enum emu_stub_flavour stub_flavour;
	enum emu_wiring wiring;
	int boot_download_at_start; /* power-on state: 1 = ROM download mode, 0 = application */
	int fast_flash;             /* 1: erase/program/MD5 take no time */
	int boot_banner;            /* print the ROM banner (at the ROM's own baud) after a reset */
	const char *flash_image;    /* preloaded into flash (rest 0xFF); NULL = the layout below */
	const char *log_path;       /* JSON-lines log (see emu_log.c); NULL = none */
	struct emu_faults faults;
	enum emu_layout layout;     /* initial flash without flash_image (seeded by faults.seed) */
	/* ESP32-class identity (ignored for the ESP8266): package number as in
	 * eFuse (ESP32 0..7, 1 = D0WD(-V3); C3 0..3, 0 = QFN32) and revision
	 * major.minor (ESP32 major 0..3, minor 0..3; C3 major 0..3, minor 0..15) */
	unsigned pkg, rev_major, rev_minor;
	/* ESP32 only: RTCCALICFG1 calibration (bits 7..31), from which the ROM
	 * estimates its clock for CHANGE_BAUDRATE (BASE §9): 1024 = exactly
	 * 40 MHz with CK8M 100; 973 = 38 MHz, 5 % low */
	unsigned rtc_cali;
	struct emu_security security;
	struct emu_firmware firmware;
	/* The header flash modes the unit boots with (bit m = mode m): a flash
	 * wired for DOUT only (some Sonoff chips) is EMU_FLASH_MODES_DOUT; with
	 * another mode in the header the ROM reads the image as garbage. */
	unsigned flash_modes;
};

/* Defaults: ESP8266EX, MAC 18:fe:34:12:34:56, 1 MiB Winbond (0xEF), 26 MHz,
 * stub flavour auto, auto wiring, power-on into download mode, realistic timing,
 * banner on, no image, layout simple, no log, no faults, chatty firmware at
 * 115200, every flash mode boots. */
void emu_config_defaults(struct emu_config *c);
/* Sets the chip and what goes with it: ESP8266EX/ESP8285 as above;
 * ESP32: MAC 24:0a:c4:12:34:56, 4 MiB, 40 MHz, pkg 1 rev 3.1
 * ("ESP32-D0WD-V3 (revision v3.1)"); ESP32-C3: MAC 58:cf:79:12:34:56,
 * 4 MiB, 40 MHz, pkg 0 rev 0.4 ("ESP32-C3 (QFN32) (revision v0.4)"). */
void emu_config_chip(struct emu_config *c, enum emu_chip chip);
/* "esp8266ex" (also "esp8266"), "esp8285", "esp32", "esp32c3" (also
 * "esp32-c3") <-> enum emu_chip; parse returns 0 or -1. */
const char *emu_chip_name(enum emu_chip chip);
int emu_chip_parse(const char *s, enum emu_chip *ret);
/* ESP32 or ESP32-C3: 4-status-byte ROM, security eFuses, 4 MB default. */
int emu_chip_esp32_class(enum emu_chip chip);
/* What esptool would print for c: "ESP32-D0WD-V3 (revision v3.1)",
 * "ESP32-C3 (QFN32) (revision v0.4)", "ESP8266EX", "ESP8285". */
void emu_chip_description(const struct emu_config *c, char *buf, size_t cap);

/* "chatty", "quiet", "bootloop:MS" (MS 50..60000), "exception" <-> struct
 * emu_firmware (kind and period; baud untouched); parse returns 0 or -1.
 * name writes e.g. "bootloop:300" into buf. */
int emu_firmware_parse(const char *s, struct emu_firmware *fw);
const char *emu_firmware_name(const struct emu_firmware *fw, char *buf, size_t cap);
/* "qio,qout,dio,dout" (any non-empty comma list) or "all" -> bit mask; 0 or -1. */
int emu_flash_modes_parse(const char *s, unsigned *mask);

/* "simple", "stock", "blank" <-> enum emu_layout; parse returns 0 or -1. */
const char *emu_layout_name(enum emu_layout l);
int emu_layout_parse(const char *s, enum emu_layout *ret);

/* One named area of a layout: [offset, offset + size); its first `data`
 * bytes were written by the layout, the rest of it is erased (0xFF). */
struct emu_region {
	char name[16];
	uint32_t offset, size, data;
};
#define EMU_MAX_REGIONS 12

/* Validates c and builds a device (flash loaded, log opened).  On failure
 * returns NULL with a message in err.  The strings in c are not kept. */
struct emu *emu_new(const struct emu_config *c, char *err, size_t errlen);
void emu_free(struct emu *e);               /* stops first if needed; NULL is fine */

/* Serves the device on fd (pty master or connected stream socket) in a new
 * thread.  The fd is switched to non-blocking; on a pty master, packet mode
 * and EXTPROC are enabled to hear the host's termios changes; on a TCP
 * socket, TCP_NODELAY is set (and left set).  A socket has no host baud:
 * the ROM takes the host to be at 115200.  Returns 0, or -errno.  Fails
 * with -EBUSY if already serving. */
int emu_start(struct emu *e, int fd, int fd_is_pty_master);
/* Stops and joins the thread; restores the fd's flags; does not close fd. */
void emu_stop(struct emu *e);

/* Thread-safe controls. */
void emu_set_lines(struct emu *e, int dtr, int rts);   /* 1 = asserted (pin low) */
void emu_power_cycle(struct emu *e, int hold_gpio0);   /* operator: off, on (button held?) */
/* Hang up now: closes the served fd (the host reads EOF/EIO) and, as the
 * adapter powers the board, switches the chip off; a later emu_start
 * powers it on again in its configured power-on state. */
void emu_unplug(struct emu *e);
int emu_get_flash(struct emu *e, uint8_t *buf, uint32_t len);   /* 0, or -EINVAL if len > size */
int emu_set_flash(struct emu *e, uint32_t off, const uint8_t *buf, uint32_t len);
unsigned emu_device_baud(struct emu *e);
int emu_in_stub(struct emu *e);

/* Replaces the fault settings from now on (reseeds the PRNG streams, picks
 * new brown-out packets among the next 256, restarts the lie counter). */
void emu_set_faults(struct emu *e, const struct emu_faults *f);

/* Extra queries, mainly for tests and the rack. */
uint32_t emu_flash_size(struct emu *e);
/* The areas of the unit's initial layout (also in the log's "layout" event);
 * returns how many (0 for a flash image), at most cap are stored. */
unsigned emu_layout_regions(struct emu *e, struct emu_region *out, unsigned cap);
int emu_in_download_mode(struct emu *e);     /* ROM loader or stub running */
int emu_is_unplugged(struct emu *e);         /* fd closed by emu_unplug or unplug_after */
int emu_host_gone(struct emu *e);            /* unplugged, or the socket peer closed */
uint64_t emu_bytes_total(struct emu *e);     /* bytes moved, both directions */
/* One line {"t":..,"ev":"<ev>",<fields>} in the device's log (if any), for
 * what serves the device (e.g. the RFC 2217 server); fields is JSON
 * members without braces, or "". */
void emu_note(struct emu *e, const char *ev, const char *fields_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* What an operator at the bench could tell: the unit sits in its loader
 * (ROM or stub), the host has sent it this many bytes since its last
 * reset, and the line has been quiet (no byte either way, nothing queued,
 * the CPU idle) for quiet_ms. */
struct emu_activity {
	int download;
	uint64_t host_bytes;
	int64_t quiet_ms;
};
void emu_get_activity(struct emu *e, struct emu_activity *a);

/* Creates a pty pair in raw mode at 115200 8N1 with EXTPROC set, closes the
 * slave (so the master reports POLLHUP until a host opens it) and returns the
 * master fd and the slave path.  With link_path, also (atomically) makes
 * link_path a symlink to the slave.  Returns 0 or -errno. */
int emu_open_pty(int *ret_master, char *slave_path, size_t cap, const char *link_path);
