/* SPDX-License-Identifier: MIT */
/* vrack's command line and --help. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rack_cli.h"

/* clang-format off */
static const char s_help[] =
"usage: umockdev-wrapper vrack [OPTIONS] [--] COMMAND [ARGS...]\n"
"\n"
"Runs COMMAND inside a virtual rack: fake USB-UART adapters (umockdev: sysfs, udev\n"
"events, /dev/ttyUSBn or ttyACMn) each wired to an emulated ESP8266, ESP8285, ESP32\n"
"or ESP32-C3 unit (tests/emu); one rack may mix them.  COMMAND\n"
"sees them through libudev and libserialport as real adapters: DTR/RTS reach the\n"
"unit through the classic auto-reset circuit, baud changes reach its UART, and\n"
"unplugging hangs up the tty.  vrack exits with COMMAND's status.\n"
"(Started without umockdev-wrapper, vrack restarts itself under it.)\n"
"\n"
"Options:\n"
"  -s, --slot 'N KEY=VALUE ...'  define slot N (0..63); repeatable.  Without any\n"
"                        slot definition there is one: '0 kind=cp2102'.\n"
"  -S, --slots FILE      slot definitions, one per line ('#' comments)\n"
"  -t, --timeline FILE   plug/unplug/swap/power-cycle events (format below).  Without\n"
"                        one, every slot is plugged in before COMMAND starts.\n"
"  -w, --workdir DIR     where the logs go (created if missing).  Default: a\n"
"                        temporary directory, removed at the end (see --keep).\n"
"      --keep            keep the temporary workdir (its path is printed)\n"
"      --wait-ready      start the timeline when COMMAND writes a byte to the file\n"
"                        descriptor in $VRACK_READY_FD (e.g. after its udev monitor\n"
"                        is listening) instead of when it starts\n"
"      --baud-fast       adapters take any baud rate.  Default: like their Linux\n"
"                        drivers, they silently clamp to the chip's maximum\n"
"                        (CP2102 1000000, CP2102N 3000000, CH340 2000000, CH9102\n"
"                        4000000, FT232R 3000000), after\n"
"                        which host and unit disagree and the unit hears garbage.\n"
"      --dump-flash      at the end, write each slot's flash to slotN.flash.bin\n"
"      --timeout SEC     stop COMMAND after SEC seconds (exit status 124)\n"
"  -q, --quiet           do not copy rack.log to stderr\n"
"  -h, --help            this text\n"
"\n"
"Slot keys (all optional):\n"
"  kind=cp2102|cp2102n|ch340|ch9102|ft232r|noreset   the adapter (default cp2102):\n"
"        cp2102   10c4:ea60 Silicon Labs, serial 0001 (as every CP2102 ships)\n"
"        cp2102n  10c4:ea60 \"CP2102N USB to UART Bridge Controller\", a unique\n"
"                 32-hex-digit serial, cp210x, up to 3 Mbaud\n"
"        ch340    1a86:7523, no serial number: slots differ only by ID_PATH\n"
"        ch9102   1a86:55d4 \"USB Single Serial\", CDC-ACM: cdc_acm, /dev/ttyACMn\n"
"                 (Debian 12's kernel has no ch341 entry for it), up to 4 Mbaud\n"
"        ft232r   0403:6001 FTDI, serial A50285Bn\n"
"        noreset  an FT232R breakout with TX/RX only: no auto-reset wiring; a\n"
"                 simulated operator power-cycles the unit with the button held\n"
"  serial=STR|none     USB serial number\n"
"  mac=aa:bb:cc:dd:ee:ff   the unit's MAC (default 5c:cf:7f:c0:N:00; esp32\n"
"                      24:0a:c4:c0:N:00; esp32c3 58:cf:79:c0:N:00); each swap\n"
"                      counts the last three bytes up by one\n"
"  chip=esp8266ex|esp8285|esp32|esp32c3   flash=256KB..16MB (default 1MB; esp32 and\n"
"                      esp32c3 4MB, 40 MHz)   manuf=0xEF (JEDEC)\n"
"  pkg=N revision=vX.Y esp32/esp32c3 eFuse package and revision (esp32: 1, v3.1 =\n"
"                      ESP32-D0WD-V3; esp32c3: 0, v0.4 = ESP32-C3 (QFN32))\n"
"  rtc_cali=N          esp32: the ROM's clock calibration for CHANGE_BAUDRATE\n"
"                      (1024 = exact; 973 = 5% slow: uncorrected rates miss)\n"
"  security=LIST       esp32/esp32c3 eFuses, comma-separated: fe (flash encrypted),\n"
"                      sb (secure boot), dldis (download encryption disabled),\n"
"                      sdm (Secure Download Mode, esp32c3 only), none\n"
"  crystal=26|40       stub=new|legacy|auto (which flasher stub the unit plays)\n"
"  wiring=auto|none    override the adapter's wiring\n"
"  boot=app|download   first power-on state (default app: the unit boots what its\n"
"                      flash holds; later resets follow GPIO0)\n"
"  timing=real|fast    fast: erase/write/MD5 take no time (default real: sector\n"
"                      45 ms, 64 KB block 150 ms, chip 4 s/MB, MD5 8 MB/s)\n"
"  banner=on|off       ROM boot banner after a reset (default on; ESP8266 at 74880,\n"
"                      esp32/esp32c3 the boot log at 115200)\n"
"  image=FILE          initial flash content (the whole flash; rest 0xFF)\n"
"  layout=simple|stock|blank   initial flash without image= (default simple: ~256 KB\n"
"                      of code-like bytes; stock: boot loader, user1 app, erased\n"
"                      user2, cloud-identity and Wi-Fi sectors, ~60% of 1MB erased;\n"
"                      blank: all 0xFF); from seed= and the MAC.  esp32/esp32c3\n"
"                      stock: boot loader (0x1000/0x0), partition table, NVS with\n"
"                      the identity, otadata, app at 0x10000, the rest erased\n"
"  button=SEC|never    wiring none: the operator presses SEC after the plug (1.0)\n"
"  cycle=SEC|never     wiring none: once per plug, when the unit has sat in its\n"
"                      loader, talked to and then SEC quiet (the station waiting\n"
"                      to see it boot), the operator power-cycles it without the\n"
"                      button (never)\n"
"  firmware=chatty|quiet|bootloop:MS|exception   what a valid image does after\n"
"                      the ROM (chatty: a few log lines over ~500 ms; quiet:\n"
"                      nothing; bootloop:MS: a watchdog reset MS after each\n"
"                      boot; exception: a crash dump and a restart) (chatty)\n"
"  app_baud=N          the firmware's UART rate (115200)\n"
"  flash_modes=LIST    header flash modes the unit boots with: qio,qout,dio,dout\n"
"                      or all; dout = a DOUT-only flash: other modes read as\n"
"                      garbage and the ROM reports a checksum error (all)\n"
"  seed=N              seeds every random fault and the stock layout (default N+1)\n"
"  faults=LIST         comma-separated: never_boot, gpio0_held (GPIO0 low at\n"
"                      every hard reset: the button still held), drop_ppm=N, flip_ppm=N,\n"
"                      rx_drop_ppm=N, rx_flip_ppm=N, brownout_reads=N, lie_writes=N,\n"
"                      unplug_after=BYTES (the unit hangs up after that many bytes;\n"
"                      vrack then unplugs the adapter), stuck_sector=ADDR (that 4 KB\n"
"                      sector keeps its content through every erase; up to 8)\n"
"  e.g. --slot '1 kind=ch340 flash=4MB mac=60:01:94:00:00:01 timing=fast'\n"
"\n"
"The command also gets $VRACK_CONTROL, a FIFO taking the same actions at a moment it\n"
"chooses: echo 'unplug 0' >\"$VRACK_CONTROL\" (plug|unplug|swap|reseat|power-cycle N [button]).\n"
"\n"
"Timeline file (one event per line, '#' comments; line 1 may be '# vrack-timeline v1'):\n"
"  TIME plug|unplug|swap|reseat|power-cycle SLOT [button]\n"
"  TIME is seconds (decimals allowed) after COMMAND starts (with --wait-ready: after\n"
"  it is ready).  Events at 0 happen before COMMAND starts.  A slot whose first\n"
"  event is 'plug' starts unplugged; every other slot starts plugged in.\n"
"  plug          the adapter appears: a new /dev/ttyUSBn (the next free number, as\n"
"                the kernel would give), same ID_PATH, the unit as it was\n"
"  unplug        the tty hangs up, then remove uevents, leaf first\n"
"  swap          the operator replaces the unit: unplug, new unit (next MAC,\n"
"                factory flash), plug\n"
"  reseat        a fixed jig: the adapter stays, the operator puts the next unit\n"
"                (next MAC, factory flash) in; the host's tty stays open\n"
"  power-cycle   the unit loses power briefly; 'button' holds GPIO0 meanwhile\n"
"\n"
"Slot N sits on USB hub N/8+1, port N%8+1: ID_PATH pci-0000:00:14.0-usb-0:H.P:1.0.\n"
"\n"
"Files in the workdir:\n"
"  rack.log            what vrack did, when (seconds on the rack clock)\n"
"  slotN.lines         every DTR/RTS change the adapter saw (with EN/GPIO0), opens,\n"
"                      closes, baud requests, plugs, operator actions\n"
"  slotN.emu.log       the unit's own JSON-lines log (commands, resets, baud\n"
"                      changes, faults); slotN.emu.M.log for its Mth plug\n"
"  slotN.flash.bin     with --dump-flash\n"
"\n"
"COMMAND's environment: UMOCKDEV_DIR and LD_PRELOAD (the testbed), VRACK_WORKDIR,\n"
"VRACK_PORTS (the /dev nodes plugged in when it started), VRACK_READY_FD.\n"
"\n"
"Exit status: COMMAND's (128+N if killed by signal N); 124 --timeout; 125 vrack\n"
"failed; 126 COMMAND cannot be run; 127 COMMAND not found.\n"
"\n"
"Example:\n"
"  umockdev-wrapper vrack --slot '0 kind=cp2102 timing=fast' -- \\\n"
"      espstation probe --port /dev/ttyUSB0\n";
/* clang-format on */

enum {
	OPT_KEEP = 0x100,
	OPT_WAIT_READY,
	OPT_BAUD_FAST,
	OPT_DUMP_FLASH,
	OPT_TIMEOUT,
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("vrack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; see 'vrack --help'\n", stderr);
	return RACK_EXIT_INTERNAL;
}

int rack_cli_parse(int argc, char **argv, struct rack_opts *o, struct rack_slot *slots)
{
	static const struct option opts[] = {
		{"slot", required_argument, NULL, 's'},
		{"slots", required_argument, NULL, 'S'},
		{"timeline", required_argument, NULL, 't'},
		{"workdir", required_argument, NULL, 'w'},
		{"keep", no_argument, NULL, OPT_KEEP},
		{"wait-ready", no_argument, NULL, OPT_WAIT_READY},
		{"baud-fast", no_argument, NULL, OPT_BAUD_FAST},
		{"dump-flash", no_argument, NULL, OPT_DUMP_FLASH},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char err[512];
	int c;
	memset(o, 0, sizeof *o);
	opterr = 0;
	/* '+': stop at COMMAND, whose own options are not ours */
	while ((c = getopt_long(argc, argv, "+:s:S:t:w:qh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (rack_slot_parse(optarg, slots, err, sizeof err) < 0)
				return usage_error("--slot: %s", err);
			break;
		case 'S':
			if (o->slots_file)
				return usage_error("--slots given twice (%s)", optarg);
			o->slots_file = optarg;
			if (rack_slots_load(optarg, slots, err, sizeof err) < 0)
				return usage_error("%s", err);
			break;
		case 't': o->timeline_file = optarg; break;
		case 'w': o->workdir = optarg; break;
		case OPT_KEEP: o->keep = 1; break;
		case OPT_WAIT_READY: o->wait_ready = 1; break;
		case OPT_BAUD_FAST: o->baud_fast = 1; break;
		case OPT_DUMP_FLASH: o->dump_flash = 1; break;
		case OPT_TIMEOUT: {
			char *end;
			o->timeout_s = strtod(optarg, &end);
			if (end == optarg || *end || !(o->timeout_s > 0))
				return usage_error("--timeout wants seconds, not '%s'", optarg);
			break;
		}
		case 'q': o->quiet = 1; break;
		case 'h': fputs(s_help, stdout); return 0;
		case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no command: vrack [OPTIONS] -- COMMAND [ARGS...]");
	o->argv = argv + optind;
	int any = 0;
	for (unsigned i = 0; i < RACK_MAX_SLOTS; i++)
		any |= slots[i].defined;
	if (!any && rack_slot_parse("0 kind=cp2102", slots, err, sizeof err) < 0)
		return usage_error("%s", err);
	return -1;
}
