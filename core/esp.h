/* SPDX-License-Identifier: MIT */
/* espstation core: a client for the serial ROM loader and flasher stub of
 * the ESP8266, ESP32 and ESP32-C3.  One struct esp_session per port; no
 * global state, no threads, no printing.  Everything is reported through
 * return codes, the session's error record, and the log/progress callbacks.
 *
 * Typical use:
 *   esp_session_open(xport, &cfg, &s);
 *   esp_connect(s, &plan);          reset into the ROM loader and SYNC
 *   esp_detect(s, &info);           chip, MAC, flash id and size, security
 *   esp_stub_builtin_for(info.chip, &stub, &err);
 *   esp_stub_start(s, &stub);       upload the stub, raise the baud rate
 *   esp_flash_read / esp_flash_erase_* / esp_flash_write / esp_flash_md5
 *   esp_hard_reset(s);
 *   esp_session_close(s);
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_image.h"
#include "esp_reset.h"
#include "esp_stub.h"
#include "xport.h"

#define ESP_ROM_BAUD 115200u
#define ESP_DEFAULT_STUB_BAUD 921600u

enum esp_log_level { ESP_LOG_ERROR, ESP_LOG_WARNING, ESP_LOG_NOTICE, ESP_LOG_INFO, ESP_LOG_DEBUG, ESP_LOG_TRACE };

/* What a progress report is about. */
enum esp_op {
	ESP_OP_CONNECT,   /* done = ms waited, total = deadline ms */
	ESP_OP_WAIT_BOOT, /* reset "none": waiting for the operator (done/total in ms) */
	ESP_OP_STUB,      /* stub upload, bytes */
	ESP_OP_READ,      /* bytes */
	ESP_OP_ERASE,     /* bytes (0/total then total/total for one-shot erases) */
	ESP_OP_WRITE,     /* uncompressed bytes */
	ESP_OP_VERIFY,    /* bytes hashed by the chip */
};

typedef void esp_log_fn(void *user_data, enum esp_log_level level, const char *msg);
/* Non-zero return cancels the operation (ESP_E_CANCELLED) at the next block. */
typedef int esp_progress_fn(void *user_data, enum esp_op op, uint64_t done, uint64_t total);

struct esp_session_cfg {
	unsigned rom_baud;        /* baud for SYNC and the ROM; 0 -> 115200 */
	unsigned stub_baud;       /* baud after the stub starts; 0 -> keep rom_baud */
	unsigned connect_ms;      /* give up connecting after this; 0 -> 10 s (auto), 60 s (none) */
	int no_compress;          /* write uncompressed (FLASH_DATA) */
	esp_log_fn *log;          /* may be NULL */
	esp_progress_fn *progress;/* may be NULL */
	void *user_data;          /* passed to log and progress */
	const volatile int *cancel; /* optional flag checked between blocks */
};

struct esp_session;

enum esp_chip {
	ESP_CHIP_UNKNOWN = 0,
	ESP_CHIP_ESP8266EX,
	ESP_CHIP_ESP8285,
	ESP_CHIP_ESP32_FAMILY, /* other ESP32-class chips (S2, S3, C6, ...): named, refused */
	ESP_CHIP_ESP32,        /* ESP32 (D0WD, D0WDR2, PICO ...), magic 0x00F01D83 */
	ESP_CHIP_ESP32C3,      /* ESP32-C3 / ESP8685, GET_SECURITY_INFO chip_id 5 */
};

/* The image chip_id of an ESP32-class image header (esp32-family.md §7.1);
 * ESP8266 images have none. */
#define ESP_IMAGE_CHIP_ID_NONE 0xFFFFu

/* Security state read before anything is read or written (esp32-family.md §6).
 * All zero on ESP8266 units (they have none). */
struct esp_security {
	int known;               /* 1 when read from the chip (ESP32 class) */
	uint32_t flags;          /* GET_SECURITY_INFO flags (C3), 0 on ESP32 */
	uint8_t crypt_cnt;       /* SPI_BOOT_CRYPT_CNT (C3) / FLASH_CRYPT_CNT (ESP32) */
	int flash_encrypted;     /* odd popcount of crypt_cnt */
	int secure_boot;         /* secure boot enabled */
	int secure_download;     /* Secure Download Mode (C3): only a few commands work */
	int dl_encrypt_disabled; /* download-mode manual encryption disabled */
};

struct esp_chip_info {
	enum esp_chip chip;
	char name[40];          /* "ESP8266EX", "ESP8285H16", "ESP32-D0WD-V3", "ESP32-C3 (QFN32)" */
	char description[64];   /* name plus revision: "ESP32-D0WD-V3 (revision v3.1)" */
	uint32_t magic;         /* value of the chip-detect register (0 if not read) */
	uint16_t image_chip_id; /* ESP32 0, C3 5; ESP_IMAGE_CHIP_ID_NONE on ESP8266 */
	unsigned rev_major, rev_minor; /* ESP32 class; 0 on ESP8266 */
	struct esp_security security;
	uint32_t efuse[4];      /* ESP8266 eFuse words W0-W3 (0 on ESP32-class chips) */
	uint8_t mac[6];
	unsigned crystal_mhz;   /* 26 or 40; 0 when the link rate is unknown (TCP) */
	uint32_t flash_id;      /* JEDEC RDID, 24 bits */
	uint8_t flash_manuf;
	uint16_t flash_device;  /* type << 8 | capacity */
	uint32_t flash_size;    /* bytes, from RDID (or eFuse for ESP8285); 0 if unknown */
};

/* "esp8266", "esp32", "esp32c3": the chip family names used in configs,
 * the database and --chip options; NULL for unknown/unsupported. */
const char *esp_chip_family_name(enum esp_chip chip);

/* Takes ownership of x on success only; on failure the caller still owns
 * and must close it. */
enum esp_err esp_session_open(struct xport *x, const struct esp_session_cfg *cfg,
			      struct esp_session **ret);
/* Closes the session and its transport. Accepts NULL. */
void esp_session_close(struct esp_session *s);
const struct esp_error *esp_session_error(const struct esp_session *s);
struct xport *esp_session_xport(struct esp_session *s);
/* 1 once the stub runs. */
int esp_session_stub_running(const struct esp_session *s);
unsigned esp_session_baud(const struct esp_session *s);

/* Resets into the ROM loader (per plan) and synchronises.  ESP_E_NOSYNC
 * (with a message saying what to check) if the chip never answers;
 * ESP_E_NODEV if the port vanished. */
enum esp_err esp_connect(struct esp_session *s, const struct esp_reset_plan *plan);

/* Identifies the chip as esptool v5 does (GET_SECURITY_INFO, then the magic
 * word): ESP8266/ESP8285, ESP32, ESP32-C3 with name, revision, MAC, crystal,
 * flash id and size, and the security state (read before anything else).
 * On ESP32-class ROMs it also attaches the flash and sends SPI_SET_PARAMS
 * with the real size.  ret is filled on every outcome that names a chip:
 *   ESP_E_CHIP      other ESP32-class chips (S2, S3, C6 ...), unknown chips;
 *   ESP_E_SECURITY  an ESP32-C3 in Secure Download Mode (name and security
 *                   filled, MAC unknown): it cannot be backed up or checked;
 *   ESP_E_DEVICE    ESP32 MAC failing its eFuse CRC; flash not answering.
 * Flash encryption or secure boot is ESP_OK with ret->security filled; the
 * flash calls below then refuse what would harm such a unit. */
enum esp_err esp_detect(struct esp_session *s, struct esp_chip_info *ret);

/* The built-in stub for chip (ESP8266EX/ESP8285, ESP32, ESP32-C3), pinned
 * from esptool-js 0.7.0; ESP_E_CHIP for other chips.  Free with
 * esp_stub_free(). */
enum esp_err esp_stub_builtin_for(enum esp_chip chip, struct esp_stub_image *ret,
				  struct esp_error *err);

/* Uploads and starts the stub, waits for "OHAI", sends SPI_SET_PARAMS,
 * switches to stub_baud.  ESP_E_STUB if the stub is built for another
 * chip than the detected one; ESP_E_SECURITY in Secure Download Mode.  On
 * an ESP32-C3 with secure boot no stub may run (as in esptool): it returns
 * ESP_OK without one (esp_session_stub_running() stays 0), raising the
 * baud through the ROM; every flash call then uses the ROM paths. */
enum esp_err esp_stub_start(struct esp_session *s, const struct esp_stub_image *stub);

/* Switches the device and the host to a new baud rate: through the stub,
 * or an ESP32-class ROM (ESP32 with its clock correction); ESP_E_UNSUPPORTED
 * on the ESP8266 ROM. */
enum esp_err esp_change_baud(struct esp_session *s, unsigned baud);

/* Flash calls work through the stub or, without it, an ESP32-class ROM
 * (READ_FLASH_SLOW, ROM MD5, erase through FLASH_BEGIN, 1 KiB writes); the
 * ESP8266 ROM can only write (ESP_E_UNSUPPORTED otherwise).  In Secure
 * Download Mode all of them fail with ESP_E_SECURITY. */

/* Reads flash.  Checks frame sizes and the stub's digest (ROM: the ROM's MD5). */
enum esp_err esp_flash_read(struct esp_session *s, uint32_t addr, uint32_t len, uint8_t *buf);

/* Erases refuse with ESP_E_SECURITY when flash encryption or secure boot is
 * on (an erased locked chip boots nothing we can write). */
/* Erases the whole chip (flash_size 0: the detected size). */
enum esp_err esp_flash_erase_chip(struct esp_session *s, uint32_t flash_size);
/* Erases a 4 KiB aligned region. */
enum esp_err esp_flash_erase_region(struct esp_session *s, uint32_t addr, uint32_t len);
/* Erases sectors [first, last) whose bit is set in map (the layout of
 * esp_backup_result.sector_map), one ERASE_REGION per run of set bits (the
 * stub erases 64 KiB blocks where a run covers them).  *ret_bytes (may be
 * NULL) gets the bytes erased. */
enum esp_err esp_flash_erase_map(struct esp_session *s, const uint8_t *map, uint32_t first,
				 uint32_t last, uint64_t *ret_bytes);

/* Writes data at addr: compressed unless cfg.no_compress (stub or ESP32-class
 * ROM); with only the ESP8266 ROM, uncompressed with its erase-size
 * workaround.  ESP_E_SECURITY when the flash is encrypted: a plaintext
 * image must never go onto an encrypted unit. */
enum esp_err esp_flash_write(struct esp_session *s, uint32_t addr, const uint8_t *data,
			     uint32_t len);

/* What the flash holds now, so that a write can leave alone what matches. */
struct esp_write_plan {
	const uint8_t *sector_md5; /* 16 bytes per 4 KiB sector from sector 0, proven in this
				      session (a backup, then the erases since), or NULL */
	uint32_t sectors;          /* entries in sector_md5 */
	int ask_chip;              /* without sector_md5: skip 64 KiB blocks whose chip MD5
				      already equals the data (not on the ESP8266 ROM) */
};

struct esp_write_result {
	uint64_t sent;    /* bytes written */
	uint64_t skipped; /* bytes found already on the flash */
	unsigned runs;    /* separate writes */
};

/* esp_flash_write of only the parts of [addr, addr+len) that differ from
 * what the plan says the flash holds (compared padded with 0xFF to whole
 * sectors, as a write leaves them).  Without a usable plan, or at an address
 * that is not sector aligned, the whole range is written.  The caller
 * verifies the whole range afterwards.  ret may be NULL. */
enum esp_err esp_flash_write_less(struct esp_session *s, uint32_t addr, const uint8_t *data,
				  uint32_t len, const struct esp_write_plan *plan,
				  struct esp_write_result *ret);

/* The chip's own MD5 of a flash range (stub or ESP32-class ROM). */
enum esp_err esp_flash_md5(struct esp_session *s, uint32_t addr, uint32_t len,
			   uint8_t ret_md5[16]);

/* Compares the chip's MD5 of [addr, addr+len) with data; ESP_E_VERIFY with
 * both hashes in the message on mismatch. */
enum esp_err esp_flash_verify(struct esp_session *s, uint32_t addr, const uint8_t *data,
			      uint32_t len);

/* How a backup reads the flash. */
struct esp_backup_plan {
	unsigned retries;       /* re-reads of a chunk whose data does not match */
	int dense;              /* read every byte; ask no per-block MD5s first */
	const uint8_t *known;   /* earlier content of the range (this unit's verified
				   backup, or what was written to it), or NULL */
	int allow_ciphertext;   /* back up a unit with flash encryption on: the data is
				   ciphertext only that chip (that MAC) can use */
};

/* What a backup found. */
struct esp_backup_result {
	uint8_t chip_md5[16];   /* the chip's own MD5 of the whole range */
	uint64_t bytes_read;    /* sent over the wire */
	uint32_t sectors_data;  /* 4 KiB sectors that hold data (not all 0xFF) */
	uint8_t *sector_map;    /* optional, from the caller, (len/4096 + 7)/8 bytes:
				   bit i (byte i/8, bit i%8) set = sector i holds data */
};

/* Reads [addr, addr+len) (addr and len multiples of 64 KiB) into buf and
 * proves it against the chip's SPI_FLASH_MD5 of the whole range.  Unless
 * plan->dense, it first asks the chip for the MD5 of each 64 KiB block (and
 * of each 4 KiB sector of a mixed block) and reads only sectors that are
 * neither erased (filled in as 0xFF) nor equal to plan->known (copied).
 * Mismatching 64 KiB chunks are re-read up to plan->retries times (brown-out
 * reads).  ESP_E_READ if the data cannot be made to match; ESP_E_SECURITY
 * when the flash is encrypted and plan->allow_ciphertext is not set. */
enum esp_err esp_flash_backup(struct esp_session *s, uint32_t addr, uint32_t len, uint8_t *buf,
			      const struct esp_backup_plan *plan, struct esp_backup_result *ret);

/* Proves [addr, addr+len) erased by the chip's MD5 (sector multiples): one
 * MD5 for the whole range, narrowed down to the first sector that is not
 * when it fails (ESP_E_VERIFY, its address in *ret_bad and the message). */
enum esp_err esp_flash_check_erased(struct esp_session *s, uint32_t addr, uint32_t len,
				    uint32_t *ret_bad);

/* 1 if every byte of data[0..n) is 0xFF (erased flash). */
int esp_is_erased(const uint8_t *data, size_t n);

/* Leaves the loader: pulses EN over RTS when the port has lines, otherwise
 * asks the ESP8266 stub to run the firmware (still needs a power cycle) and
 * returns ESP_E_UNSUPPORTED saying to power-cycle; ESP32-class loaders
 * cannot run the firmware on request at all. */
enum esp_err esp_hard_reset(struct esp_session *s);

/* Formats a MAC as "aa:bb:cc:dd:ee:ff" into buf (18 bytes). */
const char *esp_mac_str(const uint8_t mac[6], char *buf);
