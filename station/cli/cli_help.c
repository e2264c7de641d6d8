/* SPDX-License-Identifier: MIT */
/* Help texts, written as a man page would be: an operator at the station
 * should not need anything else.  Each sub-command's page is its own text
 * plus the shared sections (common options, ports, exit status). */
#include <string.h>

#include "cli_help.h"

static const char s_main[] =
"Usage: espstation COMMAND [OPTIONS] ...\n"
"       espstation COMMAND --help\n"
"       espstation --help | --version\n"
"\n"
"Production flashing station for ESP8266 (Sonoff) devices.\n"
"\n"
"Station:\n"
"  run      the station: every USB-UART adapter that appears gets a worker that runs\n"
"           detect, backup, erase, write, verify and records everything in SQLite\n"
"\n"
"Single-port commands (like esptool; use them to debug a slot):\n"
"  probe    identify the chip, its MAC and its flash\n"
"  backup   read the whole flash into a file (proved against the chip's MD5)\n"
"  erase    erase the whole flash, or one region\n"
"  write    write a firmware image (patching its header like esptool), then verify\n"
"  verify   compare the flash with an image (chip MD5)\n"
"  restore  write a recorded backup back (the unit's own, unless forced), verify\n"
"\n"
"Records:\n"
"  audit    what the database knows: a unit (mac), backups, jobs, summary per\n"
"           slot and adapter, and verify-vault (re-hash every backup file)\n"
"  vault    vault import: a backup made by hand, for one MAC\n"
"  status   the station's jobs per slot and what waits for the central store\n"
"\n"
"Run 'espstation COMMAND --help' for the options of a command.\n";

static const char s_common[] =
"Common options:\n"
"  -p, --port DEV           serial port: /dev/ttyUSB0, /dev/serial/by-path/...,\n"
"                           rfc2217://HOST:PORT for a network serial server with\n"
"                           baud and DTR/RTS control (ser2net, esp_rfc2217_server),\n"
"                           or socket://HOST:PORT for a raw TCP one. Required.\n"
"  -b, --baud N             baud rate once the flasher stub runs (default 921600).\n"
"                           Lower it (460800, 230400, 115200) on long or noisy cables.\n"
"      --rom-baud N         baud rate for the ROM loader and SYNC (default 115200).\n"
"      --reset MODE         how to put the unit into download mode (default auto;\n"
"                           none for socket:// ports):\n"
"                             auto  esptool's DTR/RTS reset sequences, in turn;\n"
"                             none  no line changes: the operator holds GPIO0 (the\n"
"                                   button) and power-cycles the unit;\n"
"                             SEQ   a custom sequence in esptool's form, e.g.\n"
"                                   D0|R1|W0.1|D1|R0|W0.05|D0 (D/R set DTR/RTS,\n"
"                                   U<dtr>,<rts> sets both, W waits seconds).\n"
"      --stub FILE.json     flasher stub in esptool's JSON format (default: the\n"
"                           built-in esp-flasher-stub from esptool-js).\n"
"      --connect-timeout SEC  give up connecting after SEC seconds (default 10 with\n"
"                           a reset sequence, 60 with --reset none).\n"
"      --after ACTION       what to do after success: hard-reset (default: restart\n"
"                           the unit into its firmware) or no-reset (stay in the\n"
"                           loader).  A failed run always leaves the unit in the loader.\n"
"  -v, --verbose            log protocol steps to stderr; twice: also raw bytes.\n"
"  -q, --quiet              no progress and no messages; results and errors only.\n"
"  -h, --help               show this help and exit.\n";

static const char s_vault[] =
"Usage: espstation vault import --mac MAC [--db FILE | --config FILE] FILE\n"
"\n"
"Takes a backup made by hand (esptool's read_flash, e.g. the tutorial's\n"
"image1M.bin) into the vault for the unit whose eFuse MAC is MAC.  The file must\n"
"be a whole flash: a power of two from 256 KiB to 16 MiB, and not blank (exit 6\n"
"otherwise); without a valid ESP8266 boot image at 0x0 it is stored with a\n"
"warning.  It is stored like every backup (<backup_dir>/<mac>/, mode 0600,\n"
"written atomically) and recorded with provenance 'imported', the operator and\n"
"the file's name.  restore writes a unit's newest 'original' backup, else its\n"
"newest 'imported' one, and only onto that MAC unless --force-clone.\n"
"\n"
"Options:\n"
"      --mac MAC            the unit the file was read from (any spelling:\n"
"                           5c:cf:7f:01:02:03, 5C-CF-7F-01-02-03, 5ccf7f010203).\n"
"      --db FILE            the station database (default: the config's).\n"
"      --config FILE        the station config: its database and backup_dir.\n"
"\n"
"Exit status: 0 imported, 1 usage, 6 the file is no whole flash or is blank,\n"
"7 the file, the vault or the database cannot be used.\n"
"\n"
"Example:\n"
"  espstation vault import --mac 5c:cf:7f:01:02:03 --config station.cfg image1M.bin\n";

static const char s_notes[] =
"Ports and wiring:\n"
"  A USB-UART with DTR/RTS wired to EN/GPIO0 (NodeMCU-style auto-reset) needs\n"
"  nothing more.  A bare USB-UART adapter, as used on Sonoff units, cannot\n"
"  reset the chip: use --reset none, hold the button (GPIO0) and power-cycle the\n"
"  unit when asked.  rfc2217://HOST:PORT reaches an adapter on another machine\n"
"  through an RFC 2217 server (ser2net 'telnet(rfc2217)', esptool's\n"
"  esp_rfc2217_server): baud changes and the DTR/RTS reset work as on a local\n"
"  port (one line per command, so the classic reset is used); options after '?':\n"
"  timeout=SEC for the server's answers (default 3).  A closed connection is an\n"
"  unplug (exit 4).  socket://HOST:PORT talks raw TCP to a serial server such as\n"
"  ser2net; it has no modem lines and no baud control, so the reset defaults to\n"
"  none and the server's port must already run at the baud rate in use.\n"
"\n"
"Output:\n"
"  Results go to stdout.  Progress goes to stderr: one redrawn line on a terminal,\n"
"  plain lines every 10% otherwise (journald).  A failure is one line on stderr:\n"
"  'espstation: <what failed>: <cause and what to do>'.  SIGINT or SIGTERM stops\n"
"  between blocks (a second one kills at once).\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  usage or configuration error (bad option, bad --stub file)\n"
"  2  the port cannot be opened (no such port, permission denied, in use)\n"
"  3  no answer from the unit (not in download mode, wiring, wrong baud rate)\n"
"  4  the port vanished or failed mid-operation (unit unplugged)\n"
"  5  device or flash failure (erase or write failed, verify mismatch, flash reads\n"
"     that do not match the chip's MD5)\n"
"  6  refused: unsupported chip, image larger than the flash, invalid image\n"
"  7  local file error (cannot read the image, cannot write the backup, backup\n"
"     file exists, disk full, out of memory)\n"
"  8  cancelled (SIGINT, SIGTERM)\n";

static const char s_probe[] =
"Usage: espstation probe --port DEV [--json] [OPTIONS]\n"
"\n"
"Connects to the ROM loader and prints the chip (ESP8266EX, ESP8285, or an\n"
"ESP32 / ESP32-C3 with its variant and revision, e.g. \"ESP32-D0WD-V3 (revision\n"
"v3.1)\"), its MAC address, its security state (ESP32 class: flash encryption,\n"
"secure boot), the crystal frequency, the SPI flash JEDEC id (manufacturer,\n"
"device) and the real flash size read from the flash chip.  The flasher stub is\n"
"not needed.  Other ESP32-family chips (S2, S3, C6 ...) are named and refused\n"
"(exit 6); so is a unit in Secure Download Mode, with that reason.\n"
"\n"
"Options:\n"
"      --json               print one JSON object instead of text, with the keys\n"
"                           port, chip, mac, family (esp8266, esp32, esp32c3),\n"
"                           description, revision and security (ESP32 class),\n"
"                           crystal_mhz, flash_id (\"0x1640ef\"),\n"
"                           flash_manufacturer (\"0xef\"), flash_device (\"0x4016\"),\n"
"                           flash_size (bytes) and flash_size_name (\"1MB\");\n"
"                           null when unknown (the crystal cannot be measured\n"
"                           through a socket:// port).\n"
"\n"
"Examples:\n"
"  espstation probe --port /dev/ttyUSB0\n"
"  espstation probe --port /dev/ttyUSB0 --reset none --json\n"
"  espstation probe --port socket://192.168.1.50:4000\n";

static const char s_backup[] =
"Usage: espstation backup --port DEV -o FILE [--force] [OPTIONS]\n"
"\n"
"Reads the whole flash, as large as the flash chip really is (never a size given\n"
"by hand), and proves the data against the chip's own MD5 of every 64 KiB chunk,\n"
"re-reading chunks that do not match (brown-out reads).  The file is written\n"
"atomically: a temporary file in the same directory, fsync, rename, fsync of the\n"
"directory.  It gets mode 0600 because stock firmware holds the unit's cloud\n"
"credentials.  Prints the size, MD5 and SHA-256.  An interrupted backup leaves no\n"
"file behind.\n"
"\n"
"Options:\n"
"  -o, --output FILE        where to write the backup.  Required.\n"
"      --force              replace FILE if it exists (default: refuse, exit 7).\n"
"                           Only a regular file is replaced: a directory, device\n"
"                           node, FIFO or symlink is refused, forced or not.\n"
"FILE is checked before the port is opened: it must not be empty or a directory,\n"
"and its directory must exist and take a new file.\n"
"\n"
"Examples:\n"
"  espstation backup --port /dev/ttyUSB0 -o sonoff-stock.bin\n"
"  espstation backup --port /dev/ttyUSB0 --reset none --baud 460800 -o unit7.bin\n";

static const char s_erase[] =
"Usage: espstation erase --port DEV [--region ADDR:LEN] [OPTIONS]\n"
"\n"
"Erases the whole flash (the default), or one region.  Needs the flasher stub,\n"
"which espstation uploads.  A whole-chip erase takes up to two minutes on large\n"
"flash chips.\n"
"\n"
"Options:\n"
"      --region ADDR:LEN    erase LEN bytes from ADDR instead of the whole chip;\n"
"                           both multiples of 4 KiB (0x1000), inside the flash.\n"
"                           Numbers may be hex (0x...) and take K or M suffixes.\n"
"\n"
"Examples:\n"
"  espstation erase --port /dev/ttyUSB0\n"
"  espstation erase --port /dev/ttyUSB0 --region 0xfc000:16K   (SDK settings area)\n";

static const char s_flash_params[] =
"      --address ADDR       flash address to write at (default 0x0); a multiple of\n"
"                           4 KiB.\n"
"      --flash-mode MODE    keep (default), qio, qout, dio or dout: the SPI mode in\n"
"                           the image header.  Most Sonoff units need dout.\n"
"      --flash-size SIZE    detect (default: the size of the detected flash chip),\n"
"                           keep, or 256KB, 512KB, 1MB, 2MB, 4MB, 8MB, 16MB.\n"
"      --flash-freq FREQ    keep (default), 40m, 26m, 20m or 80m.\n"
"                           These three only change a valid ESP8266 image written at\n"
"                           0x0, like esptool: bytes 2 and 3 of the header.  A size\n"
"                           larger than the detected flash is refused (exit 6).\n"
"      --force-size         accept a --flash-size larger than the detected flash\n"
"                           (only when the chip's JEDEC id is known to be wrong).\n"
"      --raw                accept a file at 0x0 that does not start like an ESP8266\n"
"                           image (first byte 0xe9), and write it unchanged; without\n"
"                           it such a file is refused (exit 6): the unit would not\n"
"                           boot it.\n";

static const char s_write[] =
"Usage: espstation write --port DEV [OPTIONS] IMAGE\n"
"\n"
"Writes IMAGE to the flash and verifies it.  An image that does not fit the\n"
"detected flash at ADDR is refused (exit 6) before anything is erased, and so is\n"
"a file at 0x0 that is damaged or no ESP8266 image at all (see --raw), and an\n"
"empty file.  The image is\n"
"padded with 0xFF to a multiple of 4 bytes and its header is patched like\n"
"esptool does (see --flash-*); 'Flash parameters set to 0xMMSF' says when it was.\n"
"The data goes compressed through the flasher stub, then the chip's MD5 of the\n"
"written range is compared with the image.  Prints the SHA-256 of the file and of\n"
"what was written.\n"
"\n"
"Options:\n"
"%s"
"      --no-compress        send the data uncompressed (slower; for debugging).\n"
"      --no-verify          skip the MD5 verification after writing.\n"
"\n"
"Examples:\n"
"  espstation write --port /dev/ttyUSB0 --flash-mode dout --flash-size 1MB sonoff.bin\n"
"      the classic Sonoff flash: DOUT, 1 MB (header bytes 2..3 become 03 20)\n"
"  espstation write --port /dev/ttyUSB0 --reset none tasmota.bin\n"
"      bare USB-UART: hold the button and power-cycle the unit when asked\n"
"  espstation write --port /dev/ttyUSB0 --address 0xfb000 blank.bin\n";

static const char s_verify[] =
"Usage: espstation verify --port DEV [OPTIONS] IMAGE\n"
"\n"
"Compares the flash with IMAGE using the chip's own MD5 of the range.  The image\n"
"is padded and patched exactly as 'write' would with the same options, so verify\n"
"with the options used to write.  A mismatch exits with 5.\n"
"\n"
"Options:\n"
"%s"
"\n"
"Examples:\n"
"  espstation verify --port /dev/ttyUSB0 --flash-mode dout --flash-size 1MB sonoff.bin\n";

static const char s_run[] =
"Usage: espstation run [--config FILE] [--stub FILE.json] [--plain]\n"
"                      [--events json[:FILE]] [--ready-fd N]\n"
"       espstation run --check [--config FILE] [--stub FILE.json]\n"
"\n"
"Runs the station.  It watches udev for the USB-UART adapters listed in the\n"
"config (CP2102, CH340, FT232R, ... by VID:PID) and gives each port that\n"
"appears its own worker process, which runs the job the mode selects on the\n"
"unit behind it:\n"
"  refurbish  detect, backup, erase, write, verify, boot (the default with an\n"
"             image)\n"
"  backup     detect, backup (the default without a config)\n"
"  restore    write the unit's original firmware back, verify, boot\n"
"  flash      detect, erase, write, verify, boot - no backup; must be asked for\n"
"The boot stage (boot_check = true, the default) resets the unit into its\n"
"firmware and fails it unless it boots: see espstation.cfg(5).\n"
"Nothing is erased before the unit's backup is on disk, proved against the\n"
"chip's own MD5 and committed to the database.  Every fact (adapter, unit,\n"
"MAC, flash, hashes, backup file, stage timings, outcome) goes into SQLite.\n"
"Unplugging a port stops its worker at once and closes its job as\n"
"'unplugged'; a crashed worker's job is closed as 'crashed'; jobs left open\n"
"by a killed station are closed as 'interrupted' at the next start.\n"
"\n"
"Options:\n"
"  -c, --config FILE    libconfig file (see station.cfg.example); without it:\n"
"                       backup mode, database espstation-data/station.db and\n"
"                       backups in espstation-data/backups/<mac>/.\n"
"      --stub FILE.json flasher stub in esptool's JSON format for every worker;\n"
"                       overrides the config's stub = \"...\"; (default: the\n"
"                       built-in esp-flasher-stub).  It must load at start-up.\n"
"      --check          check everything and exit instead of running: the\n"
"                       config, backup_dir, database (opened when present),\n"
"                       image, led_root, stub, and the adapters present now.\n"
"                       One line per check on stdout: 'ok SETTING PATH: ...' or\n"
"                       'FAIL SETTING PATH: cause (fix: ...)'; 'warn' lines do\n"
"                       not fail.  Exit 0 when the station would run, else 1.\n"
"      --plain          plain log lines even on a terminal (one per event, each\n"
"                       naming slot and port; journald-friendly)\n"
"      --events json    one JSON object per event on stdout (the console goes to\n"
"                       stderr); json:FILE appends them to FILE instead\n"
"      --ready-fd N     write one byte to fd N once udev is being watched (for\n"
"                       service managers and the virtual rack's --wait-ready)\n"
"  -h, --help           this text\n"
"\n"
"The console shows one line per slot: slot, port, adapter, stage, progress,\n"
"size, rate, MAC, and the result with a short cause (e.g. 'check the jig: hold\n"
"GPIO0 and power-cycle', 'verify failed - reject unit').  SIGTERM or Ctrl-C\n"
"stops the station cleanly: workers stop between blocks and close their jobs.\n"
"\n"
"Every start checks the path settings before any unit is touched: backup_dir\n"
"(not empty, a directory or creatable, writable), the database's directory,\n"
"the image (refurbish, flash), each slot's LED under led_root, and the stub.\n"
"A setting the config does not know, at the top or inside a group (image,\n"
"baud, after_job, an adapter, a slot), is an error naming the nearest known\n"
"one.\n"
"\n"
"Exit status: 0 after a clean stop (--check: the station would run); 1\n"
"configuration or set-up error, a stub that does not load (--check: any FAIL);\n"
"6 the image is corrupt; 7 a path setting cannot be used or the data directory\n"
"cannot be created (each message names the setting or file, the line or path,\n"
"and the fix).\n";

static const char s_restore[] =
"Usage: espstation restore --port DEV [--backup FILE | --mac MAC] [--force-clone]\n"
"                          [--force-size] [--db FILE | --config FILE] [OPTIONS]\n"
"\n"
"Writes a backup recorded in the station database back onto the unit on DEV,\n"
"verifies it with the chip's MD5, and records the whole run as a 'restore' job\n"
"(slot empty, the port named): the unit, the backup written, donor and target\n"
"MAC, the bytes written and the stage timings.  Which backup:\n"
"  (default)        the detected unit's own firmware: its newest verified\n"
"                   backup of provenance 'original' (taken before any\n"
"                   espstation job erased or wrote it), else its newest\n"
"                   'imported' one (espstation vault import); never 'ours'\n"
"                   (taken after the station erased or wrote it) or 'blank';\n"
"                   none: refused, saying what the vault holds;\n"
"  --mac MAC        the backup the default would choose for MAC (any spelling:\n"
"                   5c:cf:7f:01:02:03, 5C-CF-7F-01-02-03, 5ccf7f010203);\n"
"  --backup FILE    that file, which must be a backup the database recorded\n"
"                   (found by its path, else by its SHA-256).  A file the\n"
"                   database does not know is refused, forced or not: every\n"
"                   restore names its donor.  Use 'espstation write' for images.\n"
"                   An 'ours' or 'blank' backup named so is written, and the\n"
"                   job's journal records it.\n"
"Before anything is written the file is re-hashed: a file whose size or SHA-256\n"
"differs from the recorded ones is refused (exit 6), a missing one is exit 7.\n"
"Only backups proved against their chip's MD5 (or imports, proved by their\n"
"recorded SHA-256) are written.  'espstation audit mac' shows each backup's\n"
"provenance and which one restore would choose, and why.\n"
"\n"
"Refused unless forced (exit 6, the job recorded as 'refused'):\n"
"  another unit's backup: stock Sonoff firmware holds the unit's own cloud\n"
"  identity, and two units with one identity fight over it.  --force-clone\n"
"  writes it anyway; the database records donor and target (restores.forced).\n"
"  a backup of another flash size (a 1 MB backup on a 4 MB unit, or the\n"
"  reverse): --force-size writes it anyway (a larger backup: only the part that\n"
"  fits), and the job's journal gets a 'restore.size_forced' event.\n"
"\n"
"Options:\n"
"      --backup FILE        restore this recorded backup file.\n"
"      --mac MAC            restore the newest verified backup of MAC.\n"
"      --force-clone        allow another unit's backup (recorded as forced).\n"
"      --force-size         allow a backup whose size differs from the flash.\n"
"      --db FILE            the station database (default: the one of --config,\n"
"                           else espstation-data/station.db).  It must exist.\n"
"      --config FILE        take the database and station name from a station\n"
"                           config (see 'espstation run --help').\n"
"      --station NAME       station name recorded with the job (default: the\n"
"                           config's, else 'espstation').\n"
"\n"
"Examples:\n"
"  espstation restore --port /dev/ttyUSB0 --config /etc/espstation/station.cfg\n"
"      put the unit's own stock firmware back\n"
"  espstation restore --port /dev/ttyUSB0 --backup espstation-data/backups/5ccf7f010203/20261123T100000.123Z-0a1b2c3d4e5f.bin\n"
"  espstation restore --port /dev/ttyUSB0 --mac 5ccf7f010203 --force-clone\n"
"      clone unit 5c:cf:7f:01:02:03 onto this one (both will share one identity)\n";

static const char s_audit[] =
"Usage: espstation audit mac MAC                                [COMMON]\n"
"       espstation audit backups [--since T] [--station S] [--slot N] [--mac MAC]\n"
"                                [--family F]                   [COMMON]\n"
"       espstation audit jobs [--slot N] [--since T] [--result R] [--station S]\n"
"                             [--mac MAC] [--family F]          [COMMON]\n"
"       espstation audit summary [--since T] [--station S] [--family F] [COMMON]\n"
"       espstation audit verify-vault [--all] [--mac MAC] [--station S]\n"
"COMMON: [--db FILE | --config FILE] [--json | --csv]\n"
"\n"
"Answers from the station database; reads only (never creates a database).\n"
"\n"
"  mac MAC        the unit as first seen (chip family, variant and revision,\n"
"                 security state, flash ID and size, first and last seen), then\n"
"                 every job that touched it, its newest boot check (verdict,\n"
"                 reset cause, the first lines heard), and every backup of it,\n"
"                 newest first: provenance, hashes, where each file lives, and\n"
"                 whether it is still there and intact (re-hashed now).\n"
"  backups        the backup inventory, newest first; FILE says 'present',\n"
"                 'missing' or 'altered: N bytes, recorded M' (size only: use\n"
"                 verify-vault to re-hash).\n"
"  jobs           what happened where, newest first: station, slot, port,\n"
"                 adapter, mode, unit, result, stage reached, cycle time, each\n"
"                 stage's duration, image, what was written or restored (with\n"
"                 donor), the clean proof, the boot check's verdict (BOOT), the\n"
"                 backup taken, and the cause of a failure.\n"
"  summary        per slot and per adapter (VID:PID and USB serial, or ID_PATH\n"
"                 when the adapter has none): jobs, passed, failed, still open,\n"
"                 mean cycle time of the passed jobs, top three failure causes;\n"
"                 also per chip family and per boot-check verdict.\n"
"  verify-vault   re-hashes every recorded backup file and lists each one that\n"
"                 is missing, altered (size or SHA-256) or unreadable, then one\n"
"                 verdict line.  Exit 5 if any is.\n"
"\n"
"Options:\n"
"      --db FILE       the database (default: the one of --config, else\n"
"                      espstation-data/station.db).\n"
"      --config FILE   take the database from a station config.\n"
"      --json          one JSON array of objects ('audit mac': one object with\n"
"                      device, jobs and backups), every hash whole.\n"
"      --csv           RFC 4180 CSV with a header line (not for 'audit mac': use\n"
"                      'audit jobs --mac MAC --csv' and 'audit backups --mac MAC\n"
"                      --csv').\n"
"      --since T       only jobs started, backups taken, at or after T: a UTC\n"
"                      date or time (2026-11-23, 2026-11-23T10:00, ...T10:00:05Z)\n"
"                      or a span back from now (90m, 24h, 7d, 2w).\n"
"      --station S     only station S (the config's 'station' name).\n"
"      --slot N        only slot N ('' = the single-port commands' jobs).\n"
"      --result R      only jobs that ended so: passed, failed, unplugged,\n"
"                      crashed, interrupted, refused, cancelled.\n"
"      --mac MAC       only this unit (any spelling, as for 'audit mac').\n"
"      --family F      only units of chip family F: esp8266, esp32, esp32c3.\n"
"      --all           verify-vault: list the intact files too.\n"
"  -h, --help          this text\n"
"\n"
"The table (the default, on a terminal or not) has aligned columns, '-' for\n"
"empty cells, hashes shortened to 16 digits and times in seconds; --json and\n"
"--csv give hashes whole, times as ISO-8601 UTC and durations in ms (*_ms).\n"
"Backup paths are checked relative to the current directory when they are\n"
"relative (as the station recorded them): run audit where the station runs.\n"
"\n"
"Examples:\n"
"  espstation audit mac 5C-CF-7F-01-02-03 --config /etc/espstation/station.cfg\n"
"  espstation audit jobs --slot 3 --since 24h --result failed\n"
"  espstation audit summary --since 2026-11-23 --csv > day.csv\n"
"  espstation audit verify-vault || echo 'the vault and the database disagree'\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  usage error (bad option, MAC, time or result name; a bad --config)\n"
"  5  verify-vault: a recorded file is missing, altered or unreadable;\n"
"     mac: the database has never seen this MAC\n"
"  7  the database does not exist or cannot be read; the output cannot be\n"
"     written\n";

static const char s_status[] =
"Usage: espstation status [--config FILE] [--json]\n"
"\n"
"The station at a glance: its jobs (total, passed, failed, still open) per slot\n"
"from the local database, read only, and, when the config has a central store\n"
"(central = { url; password_file; }), what the station has not delivered there\n"
"yet: jobs, backups (and their bytes) and journal events.  The backlog is asked\n"
"of the central server itself; when it cannot be reached, the one the running\n"
"station's shipper last knew is shown (from <database>.central-state: counted\n"
"locally while the server is down), with the error and since when.  The\n"
"password is never printed.\n"
"\n"
"Options:\n"
"      --config FILE   the station config: its database and central store (default:\n"
"                      espstation-data/station.db, no central store).\n"
"      --json          one JSON object: station, database, jobs, slots, central\n"
"                      (null without one: url, reachable, error, backlog_source\n"
"                      \"server\" or \"shipper\", backlog, shipper); times ISO-8601 UTC.\n"
"  -h, --help          this text\n"
"\n"
"Examples:\n"
"  espstation status --config /etc/espstation/station.cfg\n"
"  espstation status --config station.cfg --json | jq .central.backlog.jobs\n"
"\n"
"Exit status:\n"
"  0  success (also without a central store)\n"
"  1  usage error (bad option, a bad --config)\n"
"  3  the central store is configured but does not answer (the last known\n"
"     backlog is shown)\n"
"  7  the database does not exist or cannot be read\n";

struct help_page {
	const char *cmd;
	const char *text;
};

static const struct help_page s_pages[] = {
	{"probe", s_probe}, {"backup", s_backup}, {"erase", s_erase},
	{"write", s_write}, {"verify", s_verify}, {"restore", s_restore},
};

void cli_help_main(FILE *f)
{
	fputs(s_main, f);
	fputc('\n', f);
	fputs(s_common, f);
	fputc('\n', f);
	fputs(s_notes, f);
}

int cli_help_command(const char *cmd, FILE *f)
{
	if (strcmp(cmd, "audit") == 0) {
		fputs(s_audit, f); /* no port: the database only */
		return 0;
	}
	if (strcmp(cmd, "vault") == 0) {
		fputs(s_vault, f); /* no port: the vault and the database only */
		return 0;
	}
	if (strcmp(cmd, "status") == 0) {
		fputs(s_status, f); /* no port: the database and the central store */
		return 0;
	}
	if (strcmp(cmd, "run") == 0) {
		fputs(s_run, f); /* no port options: the station finds its ports */
		return 0;
	}
	for (size_t i = 0; i < sizeof s_pages / sizeof s_pages[0]; i++) {
		if (strcmp(cmd, s_pages[i].cmd) != 0)
			continue;
		/* write and verify share the flash-parameter options. */
		const char *t = s_pages[i].text;
		const char *mark = strstr(t, "%s");
		if (mark) {
			fwrite(t, 1, (size_t)(mark - t), f);
			fputs(s_flash_params, f);
			fputs(mark + 2, f);
		} else {
			fputs(t, f);
		}
		fputc('\n', f);
		fputs(s_common, f);
		fputc('\n', f);
		fputs(s_notes, f);
		return 0;
	}
	return -1;
}
