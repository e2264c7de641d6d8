/* SPDX-License-Identifier: MIT */
/* Option parsing for esp8266-emu: one option per emu_config field.  --chip
 * is applied first, wherever it stands, so that its defaults (MAC, flash
 * size, crystal, package, revision) never override an explicit option. */
#include "emu_cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage[] =
	"Usage: esp8266-emu (--pty LINK | --tcp PORT | --rfc2217 PORT) [options]\n"
	"Emulates one ESP8266, ESP8285, ESP32 or ESP32-C3 (ROM serial loader + flasher\n"
	"stub) behind a paced UART.\n"
	"\n"
	"Transport:\n"
	"  --pty LINK            create a pty, symlink its slave to LINK, print the slave path\n"
	"                        on stdout line 1; the host's termios baud is honoured\n"
	"  --tcp PORT            listen on 127.0.0.1:PORT (0 = any; the port is printed on\n"
	"                        stdout line 1), serve one connection at a time (TCP_NODELAY;\n"
	"                        no baud on a socket: the ROM takes the host to be at 115200)\n"
	"  --rfc2217 PORT        an RFC 2217 (Telnet COM-PORT-OPTION) server on 127.0.0.1:PORT\n"
	"                        (0 = any; printed on stdout line 1), one client at a time:\n"
	"                        SET-BAUDRATE sets the host baud (mismatch = garbage, as on\n"
	"                        a pty), SET-CONTROL DTR/RTS drive the auto-reset circuit\n"
	"  --rfc2217-drop-after N   close each RFC 2217 connection after N device-to-host\n"
	"                        payload bytes (a network link lost mid-read)\n"
	"Device:\n"
	"  --chip esp8266ex|esp8285|esp32|esp32c3   the chip (default esp8266ex); esp32 and\n"
	"                        esp32c3 default to 4MB, 40 MHz and the MACs below\n"
	"  --mac aa:bb:cc:dd:ee:ff    MAC in the eFuses (default 18:fe:34:12:34:56; esp32\n"
	"                        24:0a:c4:12:34:56; esp32c3 58:cf:79:12:34:56)\n"
	"  --pkg N               ESP32-class package number in eFuse (esp32 default 1 =\n"
	"                        D0WD(-V3); 0 D0WDQ6, 2 D2WD, 4 U4WDH, 5 PICO-D4/V3, 6 PICO-V3-02,\n"
	"                        7 D0WDR2-V3; esp32c3 default 0 = QFN32, 1 ESP8685, 2 AZ, 3 ESP8686)\n"
	"  --revision vX.Y       chip revision (esp32 default v3.1, esp32c3 v0.4)\n"
	"  --rtc-cali N          esp32: RTCCALICFG1 calibration the ROM estimates its clock\n"
	"                        from for CHANGE_BAUDRATE (default 1024 = exact; 973 = 5 % slow)\n"
	"  --flash-encrypted     esp32/esp32c3: flash encryption on (crypt count odd)\n"
	"  --secure-boot         esp32/esp32c3: secure boot enabled\n"
	"  --dl-encrypt-disabled esp32/esp32c3: download-mode encryption disabled\n"
	"  --secure-download     esp32c3: Secure Download Mode\n"
	"  --flash-size SIZE     256KB|512KB|1MB|2MB|4MB|8MB|16MB or bytes (default 1MB;\n"
	"                        esp32/esp32c3 4MB)\n"
	"  --flash-manuf BYTE    JEDEC manufacturer id, e.g. 0xEF, 0xC8, 0x20 (default 0xEF)\n"
	"  --flash-image FILE    preload flash from FILE (rest 0xFF; replaces --layout)\n"
	"  --layout simple|stock|blank   initial flash without an image (default simple:\n"
	"                        ~256 KiB of code-like bytes + the MAC; stock: boot loader,\n"
	"                        user1 app, erased user2, cloud identity and Wi-Fi sectors,\n"
	"                        ~60 % of 1 MB erased, from --seed and --mac; esp32/esp32c3\n"
	"                        stock: boot loader at 0x1000/0x0, partition table, NVS with\n"
	"                        the identity, otadata, app at 0x10000; blank: 0xFF)\n"
	"  --crystal 26|40       crystal MHz; sets the ESP8266 ROM's own baud 74880|115200\n"
	"                        (default 26; esp32/esp32c3: 40 only, their ROM runs at 115200)\n"
	"  --stub-flavour auto|new|legacy   stub to play after MEM_END (default auto: the\n"
	"                        uploaded one, by its entry address; new|legacy force it)\n"
	"  --wiring auto|none    DTR/RTS auto-reset circuit, or bare adapter (default auto)\n"
	"  --boot download|app   power-on state (default download)\n"
	"  --fast-flash          erase/program/MD5 take no time (default: sector erase 45 ms,\n"
	"                        64 KiB block 150 ms, chip 4 s per MiB, MD5 8 MiB/s)\n"
	"  --no-banner           no ROM boot banner / boot log after a reset\n"
	"  --firmware chatty|quiet|bootloop:MS|exception   what a valid image does once the\n"
	"                        ROM has loaded it (default chatty: a few log lines over\n"
	"                        ~500 ms; quiet: nothing; bootloop:MS: a watchdog reset MS\n"
	"                        (50..60000) after every boot; exception: a crash dump and a\n"
	"                        restart, again and again)\n"
	"  --app-baud N          the firmware's UART rate (default 115200; a NONOS SDK app\n"
	"                        that never sets one stays at 74880)\n"
	"  --flash-modes LIST    the header flash modes the unit boots with, e.g. dout (a\n"
	"                        flash wired for DOUT only: another mode reads as garbage,\n"
	"                        the ROM reports a checksum error); default all\n"
	"  --log FILE            JSON-lines command/event log\n"
	"  --save-flash FILE     write the flash contents to FILE on exit (atomically)\n"
	"  --control FIFO        create FIFO and accept lines: 'lines <dtr> <rts>',\n"
	"                        'power-cycle [gpio0-low]', 'unplug', 'replug' (pty and\n"
	"                        rfc2217), 'drop-after N' (rfc2217), 'save-flash FILE', 'quit'\n"
	"Faults (all seeded):\n"
	"  --seed N              PRNG seed for faults and the stock layout (default 0)\n"
	"  --never-boot          ignore the GPIO0 strap: always boot the application\n"
	"  --gpio0-held          GPIO0 reads low at every hard reset and power-on (a stuck\n"
	"                        boot button, or the operator still holding it)\n"
	"  --drop-ppm N          lose device->host bytes with probability N per million\n"
	"  --flip-ppm N          flip one bit of device->host bytes, N per million\n"
	"  --rx-drop-ppm N       the same for host->device bytes\n"
	"  --rx-flip-ppm N\n"
	"  --brownout-reads N    corrupt N READ_FLASH packets (among the first 256); the\n"
	"                        digest frame and SPI_FLASH_MD5 stay truthful\n"
	"  --lie-writes N        the first N flash program operations corrupt one byte\n"
	"  --unplug-after N      hang up after N bytes (both directions)\n"
	"  --stuck-sector ADDR   the 4 KiB sector at ADDR (e.g. 0xFB000) will not erase: it\n"
	"                        keeps its content through every erase (up to 8 of them)\n"
	"  -h, --help            this text\n"
	"SIGTERM/SIGINT end the program cleanly (saving flash if asked).\n";

static int parse_u64(const char *s, unsigned long long *v)
{
	char *end;

	*v = strtoull(s, &end, 0);
	return *s && !*end ? 0 : -1;
}

static int parse_size(const char *s, uint32_t *v)
{
	static const struct {
		const char *name;
		uint32_t size;
	} t[] = { { "256KB", 256u << 10 }, { "512KB", 512u << 10 }, { "1MB", 1u << 20 },
		  { "2MB", 2u << 20 }, { "4MB", 4u << 20 }, { "8MB", 8u << 20 },
		  { "16MB", 16u << 20 } };
	unsigned long long n;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (strcasecmp(s, t[i].name) == 0) {
			*v = t[i].size;
			return 0;
		}
	}
	if (parse_u64(s, &n) < 0 || n > UINT32_MAX)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xFF)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

enum {
	O_PTY = 256, O_TCP, O_CHIP, O_MAC, O_FSIZE, O_MANUF, O_IMAGE, O_CRYSTAL, O_FLAVOUR,
	O_WIRING, O_BOOT, O_FAST, O_NOBANNER, O_LOG, O_SEED, O_NEVER, O_DROP, O_FLIP, O_RXDROP,
	O_RXFLIP, O_BROWN, O_LIE, O_UNPLUG, O_SAVE, O_CONTROL, O_LAYOUT, O_STUCK, O_PKG, O_REV,
	O_CALI, O_FE, O_SB, O_DLDIS, O_SDM, O_FIRMWARE, O_APPBAUD, O_FMODES, O_HELD, O_RFC2217,
	O_RFCDROP,
};

static const struct option opts[] = {
	{ "pty", required_argument, NULL, O_PTY }, { "tcp", required_argument, NULL, O_TCP },
	{ "rfc2217", required_argument, NULL, O_RFC2217 },
	{ "rfc2217-drop-after", required_argument, NULL, O_RFCDROP },
	{ "chip", required_argument, NULL, O_CHIP }, { "mac", required_argument, NULL, O_MAC },
	{ "flash-size", required_argument, NULL, O_FSIZE },
	{ "flash-manuf", required_argument, NULL, O_MANUF },
	{ "flash-image", required_argument, NULL, O_IMAGE },
	{ "crystal", required_argument, NULL, O_CRYSTAL },
	{ "stub-flavour", required_argument, NULL, O_FLAVOUR },
	{ "wiring", required_argument, NULL, O_WIRING }, { "boot", required_argument, NULL, O_BOOT },
	{ "fast-flash", no_argument, NULL, O_FAST }, { "no-banner", no_argument, NULL, O_NOBANNER },
	{ "log", required_argument, NULL, O_LOG }, { "seed", required_argument, NULL, O_SEED },
	{ "never-boot", no_argument, NULL, O_NEVER }, { "drop-ppm", required_argument, NULL, O_DROP },
	{ "flip-ppm", required_argument, NULL, O_FLIP },
	{ "rx-drop-ppm", required_argument, NULL, O_RXDROP },
	{ "rx-flip-ppm", required_argument, NULL, O_RXFLIP },
	{ "brownout-reads", required_argument, NULL, O_BROWN },
	{ "lie-writes", required_argument, NULL, O_LIE },
	{ "unplug-after", required_argument, NULL, O_UNPLUG },
	{ "save-flash", required_argument, NULL, O_SAVE },
	{ "control", required_argument, NULL, O_CONTROL },
	{ "layout", required_argument, NULL, O_LAYOUT },
	{ "stuck-sector", required_argument, NULL, O_STUCK },
	{ "pkg", required_argument, NULL, O_PKG }, { "revision", required_argument, NULL, O_REV },
	{ "rtc-cali", required_argument, NULL, O_CALI },
	{ "flash-encrypted", no_argument, NULL, O_FE }, { "secure-boot", no_argument, NULL, O_SB },
	{ "dl-encrypt-disabled", no_argument, NULL, O_DLDIS },
	{ "secure-download", no_argument, NULL, O_SDM },
	{ "firmware", required_argument, NULL, O_FIRMWARE },
	{ "app-baud", required_argument, NULL, O_APPBAUD },
	{ "flash-modes", required_argument, NULL, O_FMODES },
	{ "gpio0-held", no_argument, NULL, O_HELD }, { "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option's value into the config; -1 if it does not parse. */
static int apply(struct emu_cli *o, int c, const char *a)
{
	struct emu_config *cfg = &o->cfg;
	unsigned long long n = 0;
	int num = c == O_TCP || c == O_MANUF || c == O_CRYSTAL || c == O_SEED || c == O_DROP ||
		  c == O_FLIP || c == O_RXDROP || c == O_RXFLIP || c == O_BROWN || c == O_LIE ||
		  c == O_UNPLUG || c == O_STUCK || c == O_PKG || c == O_CALI || c == O_APPBAUD ||
		  c == O_RFC2217 || c == O_RFCDROP;
	int wide = c == O_SEED || c == O_UNPLUG || c == O_RFCDROP;

	if (num && (parse_u64(a, &n) < 0 || (!wide && n > UINT32_MAX)))
		return -1;
	switch (c) {
	case O_PTY: o->pty_link = a; return 0;
	case O_TCP: o->tcp_port = (int)n; return n <= 65535 ? 0 : -1;
	case O_RFC2217: o->rfc2217_port = (int)n; return n <= 65535 ? 0 : -1;
	case O_RFCDROP: o->rfc2217_drop_after = n; return 0;
	case O_CHIP:
		return 0;               /* applied before every other option */
	case O_MAC: return parse_mac(a, cfg->mac);
	case O_FSIZE: return parse_size(a, &cfg->flash_size);
	case O_MANUF: cfg->flash_manuf = (uint8_t)n; return n <= 0xFF ? 0 : -1;
	case O_IMAGE: cfg->flash_image = a; return 0;
	case O_CRYSTAL: cfg->crystal_mhz = (unsigned)n; return 0;
	case O_FLAVOUR:
		if (strcmp(a, "new") == 0)
			cfg->stub_flavour = EMU_STUB_NEW;
		else if (strcmp(a, "legacy") == 0)
			cfg->stub_flavour = EMU_STUB_LEGACY;
		else if (strcmp(a, "auto") == 0)
			cfg->stub_flavour = EMU_STUB_AUTO;
		else
			return -1;
		return 0;
	case O_WIRING:
		if (strcmp(a, "auto") != 0 && strcmp(a, "none") != 0)
			return -1;
		cfg->wiring = strcmp(a, "none") == 0 ? EMU_WIRING_NONE : EMU_WIRING_AUTO;
		return 0;
	case O_BOOT:
		if (strcmp(a, "download") != 0 && strcmp(a, "app") != 0)
			return -1;
		cfg->boot_download_at_start = strcmp(a, "download") == 0;
		return 0;
	case O_FAST: cfg->fast_flash = 1; return 0;
	case O_NOBANNER: cfg->boot_banner = 0; return 0;
	case O_LOG: cfg->log_path = a; return 0;
	case O_SEED: cfg->faults.seed = n; return 0;
	case O_NEVER: cfg->faults.never_boot = 1; return 0;
	case O_DROP: cfg->faults.drop_ppm = (unsigned)n; return 0;
	case O_FLIP: cfg->faults.flip_ppm = (unsigned)n; return 0;
	case O_RXDROP: cfg->faults.rx_drop_ppm = (unsigned)n; return 0;
	case O_RXFLIP: cfg->faults.rx_flip_ppm = (unsigned)n; return 0;
	case O_BROWN: cfg->faults.brownout_reads = (unsigned)n; return 0;
	case O_LIE: cfg->faults.lie_writes = (unsigned)n; return 0;
	case O_UNPLUG: cfg->faults.unplug_after = n; return 0;
	case O_SAVE: o->save_flash = a; return 0;
	case O_CONTROL: o->control = a; return 0;
	case O_LAYOUT: o->layout_given = 1; return emu_layout_parse(a, &cfg->layout);
	case O_STUCK:
		/* alignment and range are checked by emu_new, with the flash size */
		if (cfg->faults.n_stuck == EMU_MAX_STUCK)
			return -1;
		cfg->faults.stuck_sectors[cfg->faults.n_stuck++] = (uint32_t)n;
		return 0;
	case O_PKG: cfg->pkg = (unsigned)n; return 0;
	case O_REV: {
		unsigned major, minor;
		char tail;
		if (sscanf(a, "v%u.%u%c", &major, &minor, &tail) != 2 &&
		    sscanf(a, "%u.%u%c", &major, &minor, &tail) != 2)
			return -1;
		cfg->rev_major = major;
		cfg->rev_minor = minor;
		return 0;
	}
	case O_CALI: cfg->rtc_cali = (unsigned)n; return n > 0 && n < (1u << 25) ? 0 : -1;
	case O_FE: cfg->security.flash_encrypted = 1; return 0;
	case O_SB: cfg->security.secure_boot = 1; return 0;
	case O_DLDIS: cfg->security.dl_encrypt_disabled = 1; return 0;
	case O_SDM: cfg->security.secure_download = 1; return 0;
	case O_FIRMWARE: return emu_firmware_parse(a, &cfg->firmware);
	case O_APPBAUD: cfg->firmware.baud = (unsigned)n; return n >= 300 && n <= 5000000 ? 0 : -1;
	case O_FMODES: return emu_flash_modes_parse(a, &cfg->flash_modes);
	case O_HELD: cfg->faults.gpio0_held = 1; return 0;
	default: return -1;
	}
}

static const char *opt_name(int c)
{
	for (const struct option *p = opts; p->name; p++)
		if (p->val == c)
			return p->name;
	return "?";
}

/* First pass: only --chip (the last one wins), quietly; errors come later. */
static int find_chip(int argc, char **argv, enum emu_chip *chip)
{
	int c;

	opterr = 0;
	optind = 0;                 /* 0: glibc starts the scan afresh */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == O_CHIP && emu_chip_parse(optarg, chip) < 0) {
			fprintf(stderr, "esp8266-emu: bad value '%s' for --chip (esp8266ex, esp8285, "
				"esp32, esp32c3)\n", optarg);
			opterr = 1;
			return -1;
		}
	}
	opterr = 1;
	return 0;
}

int emu_cli_parse(struct emu_cli *o, int argc, char **argv)
{
	enum emu_chip chip = EMU_ESP8266EX;
	int c;

	memset(o, 0, sizeof *o);
	emu_config_defaults(&o->cfg);
	if (find_chip(argc, argv, &chip) < 0)
		return -1;
	emu_config_chip(&o->cfg, chip);
	o->tcp_port = -1;
	o->rfc2217_port = -1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (c == '?' || apply(o, c, optarg) < 0) {
			if (c != '?')
				fprintf(stderr, "esp8266-emu: bad value '%s' for --%s\n", optarg,
					opt_name(c));
			fputs("Try --help.\n", stderr);
			return -1;
		}
	}
	if (o->layout_given && o->cfg.flash_image) {
		fputs("esp8266-emu: --flash-image and --layout exclude each other\n", stderr);
		return -1;
	}
	if (optind < argc || !!o->pty_link + (o->tcp_port >= 0) + (o->rfc2217_port >= 0) != 1) {
		fputs("esp8266-emu: give exactly one of --pty LINK, --tcp PORT or --rfc2217 PORT "
		      "(try --help)\n", stderr);
		return -1;
	}
	return 0;
}
