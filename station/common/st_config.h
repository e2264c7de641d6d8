/* SPDX-License-Identifier: MIT */
/* The station's configuration (libconfig file) as plain, validated data.
 * st_config.c is the only file that includes <libconfig.h>. */
#pragma once

#include <stdint.h>

#define ST_CFG_MAX_SLOTS 64
#define ST_CFG_MAX_ADAPTERS 32
#define ST_CFG_STR 256

enum st_mode { ST_MODE_REFURBISH, ST_MODE_BACKUP, ST_MODE_RESTORE, ST_MODE_FLASH };

/* The chip families the station writes firmware for: one image set each. */
enum st_family { ST_FAMILY_ESP8266, ST_FAMILY_ESP32, ST_FAMILY_ESP32C3, ST_FAMILIES };

#define ST_CFG_MAX_PARTS 8

/* One family's firmware: one file at 0x0 (a merged factory image), or the
 * parts esptool users know ("0x1000 bootloader.bin 0x8000 partitions.bin
 * 0x10000 firmware.bin"), in ascending address order.  n_parts 0 = none. */
struct st_cfg_image {
	unsigned n_parts;
	struct {
		uint32_t addr;
		char file[ST_CFG_STR];
	} part[ST_CFG_MAX_PARTS];
};

struct st_cfg_adapter {
	unsigned vid, pid;
	char kind[32];            /* "cp2102", "ch340", "ft232r", ... */
	char reset[64];           /* "auto", "none" or a sequence; "" = the station default */
};

struct st_cfg_slot {
	char id_path[128];        /* udev ID_PATH of the hub port; "" for a remote port */
	char port[ST_CFG_STR];    /* a remote port instead of a USB one: "rfc2217://HOST:PORT"
				     or "socket://HOST:PORT" (a network serial server); "" = USB */
	char name[32];            /* slot name shown to the operator */
	char led[64];             /* /sys/class/leds/<led>; "" = none */
	char reset[64];           /* reset strategy of this slot's jig; "" = by adapter */
};

struct st_config {
	char path[ST_CFG_STR];    /* file it came from ("" = built-in defaults) */
	char station[65];
	char database[ST_CFG_STR];
	char backup_dir[ST_CFG_STR];
	enum st_mode mode;
	struct st_cfg_image image[ST_FAMILIES]; /* firmware per family (refurbish, flash) */
	char flash_mode[8];       /* keep|qio|qout|dio|dout */
	char flash_size[8];       /* detect|keep|1MB|... */
	char flash_freq[8];       /* keep|40m|26m|20m|80m */
	unsigned rom_baud, stub_baud, fallback_baud;
	char reset[64];           /* default reset strategy */
	unsigned connect_timeout_s;
	unsigned settle_ms;
	unsigned retries;         /* per stage, for transient wire errors */
	int allow_unmapped;       /* flash ports whose ID_PATH is not in slots */
	int after_reset;          /* hard-reset the unit after its job */
	int erase_chip;           /* erase = "chip": the whole chip, not only the sectors that held data */
	int backup_ciphertext;    /* back up flash-encrypted units (ciphertext, for that MAC only) */
	int boot_check;           /* after verify, reset into the firmware and judge its boot */
	unsigned boot_window_ms;  /* how long the firmware is listened to */
	unsigned boot_baud;       /* the firmware's log baud */
	unsigned n_quiet;         /* images known to say nothing at boot: file names, or
				     "restore" for restored backups (stock firmware) */
	char quiet[8][64];
	int wait_removal;         /* a fixed jig: wait until the unit is gone, then serve the next */
	char led_root[ST_CFG_STR];/* /sys/class/leds (tests point elsewhere) */
	char stub[ST_CFG_STR];    /* flasher stub, esptool JSON; "" = built in (run --stub overrides) */
	/* central = { url = "postgresql://station@db.example/espstation"; password_file = "..."; }:
	 * the shared PostgreSQL record the shipper sends the journal and backups to.
	 * url "" = none (the bench stands alone); never holds a password. */
	struct {
		char url[ST_CFG_STR];
		char password_file[ST_CFG_STR]; /* "" = libpq's own (PGPASSWORD, ~/.pgpass) */
	} central;
	/* http = { listen = "127.0.0.1:8080"; token_file = "..."; }: the read-only web
	 * page, API and metrics of `espstation run` (run --http overrides listen).
	 * listen "" = no web server.  A listen address other than loopback needs
	 * token_file (checked when the server starts). */
	struct {
		char listen[80];          /* "HOST:PORT", "[V6]:PORT"; port 0 = any free port */
		char token_file[ST_CFG_STR]; /* the bearer token on its first line (mode 0600) */
	} http;
	unsigned n_adapters;
	struct st_cfg_adapter adapter[ST_CFG_MAX_ADAPTERS];
	unsigned n_slots;
	struct st_cfg_slot slot[ST_CFG_MAX_SLOTS];
};

/* Built-in defaults: work without root for a first try (./espstation-data),
 * accept CP2102, CH340/CH9102, FT232R/FT231X and PL2303 adapters. */
void st_config_defaults(struct st_config *c);

/* Loads path over the defaults and validates everything once.  On error
 * returns -1 with one line in err naming file, line and the fix, e.g.
 * "station.cfg:12: unknown mode 'refurbsh': use refurbish, backup, restore or flash".
 * A setting it does not know, at the top or inside any group or list element,
 * is an error naming the nearest known one ("did you mean 'flash_mode'?").
 * Parsing only: no file other than path is looked at (see st_config_check). */
int st_config_load(const char *path, struct st_config *c, char *err, unsigned errlen);

/* One result of st_config_check: ok != 0 with a short note ("writable",
 * "will be created"), or ok == 0 with "cause (fix: ...)".  path may be "". */
typedef void st_config_check_fn(void *user, const char *setting, const char *path, int ok,
				const char *text);

/* Start-up checks of the path settings, in this order: backup_dir (not
 * empty, a directory or creatable, writable: a temp file is created and
 * removed, since root ignores mode bits), database (a regular file or
 * absent, its directory existing or creatable and writable), image
 * (readable, when the mode writes firmware), led_root (a directory holding
 * each slot's LED, when a slot has one), stub (loads, when set).  Calls
 * report once per setting; creates and changes nothing else.  Returns the
 * number of problems (0 = the paths are usable). */
int st_config_check(const struct st_config *c, st_config_check_fn *report, void *user);

const char *st_mode_name(enum st_mode m);
/* "esp8266", "esp32", "esp32c3" (the names of esp_chip_family_name). */
const char *st_family_name(enum st_family f);
/* The family of a name; -1 if unknown. */
int st_family_parse(const char *name);
/* Parses an image set: "FILE" (at 0x0) or "ADDR FILE [ADDR FILE ...]"
 * with ADDR in hex (0x...) or decimal, 4-byte aligned, ascending.  -1 with
 * the cause and the fix in err. */
int st_image_spec_parse(const char *text, struct st_cfg_image *out, char *err, size_t errlen);
/* "0x1000 bootloader.bin 0x8000 partitions.bin" or "firmware.bin": for
 * messages and the images table. */
const char *st_image_spec_format(const struct st_cfg_image *img, char *buf, size_t cap);
/* The reset strategy for a port: its slot's, else its adapter kind's, else
 * the default.  slot may be NULL. */
const char *st_config_reset_for(const struct st_config *c, const char *slot, unsigned vid,
				unsigned pid);
/* The adapter entry for vid:pid, NULL if the station does not accept it. */
const struct st_cfg_adapter *st_config_adapter(const struct st_config *c, unsigned vid, unsigned pid);
