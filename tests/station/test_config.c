/* SPDX-License-Identifier: MIT */
/* Config loading: the example loads, and each mistake gets one line naming
 * file, line and fix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "st_config.h"

static int failures;

static const char *write_cfg(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/st-config-test-%d.cfg", (int)getpid());
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	return path;
}

static void expect_error(const char *text, const char *line, const char *needle)
{
	struct st_config c;
	st_config_defaults(&c);
	char err[512] = "";
	const char *p = write_cfg(text);
	int rc = st_config_load(p, &c, err, sizeof err);
	char want_line[32];
	snprintf(want_line, sizeof want_line, ".cfg:%s:", line);
	if (rc != -1 || !strstr(err, needle) || (line[0] && !strstr(err, want_line)) ||
	    strchr(err, '\n')) {
		fprintf(stderr, "FAIL: config\n%s\nexpected error at line %s with '%s', got rc=%d '%s'\n",
			text, line, needle, rc, err);
		failures++;
	}
	unlink(p);
}

int main(int argc, char **argv)
{
	struct st_config c;
	char err[512];
	/* the shipped example must load */
	st_config_defaults(&c);
	if (argc > 1 && st_config_load(argv[1], &c, err, sizeof err) != 0) {
		fprintf(stderr, "FAIL: example config: %s\n", err);
		failures++;
	} else if (argc > 1 && (c.n_slots != 2 || c.mode != ST_MODE_REFURBISH ||
				strcmp(c.flash_mode, "dout") || c.stub_baud != 921600 ||
				strcmp(st_config_reset_for(&c, NULL, 0x0403, 0x6001), "none") ||
				strcmp(st_config_reset_for(&c, "2", 0x10c4, 0xea60), "auto") ||
				strcmp(st_config_reset_for(&c, "1", 0x10c4, 0xea60), "none"))) {
		fprintf(stderr, "FAIL: example config values\n");
		failures++;
	}
	/* defaults accept the usual adapters and need no file */
	st_config_defaults(&c);
	if (!st_config_adapter(&c, 0x1a86, 0x7523) || st_config_adapter(&c, 0x1234, 0x5678) ||
	    c.stub[0]) {
		fprintf(stderr, "FAIL: default adapters or stub\n");
		failures++;
	}
	/* a custom stub is a path (checked at start-up, not while parsing) */
	st_config_defaults(&c);
	const char *p = write_cfg("mode = \"backup\";\nstub = \"/opt/stubs/esp8266.json\";\n"
				  "baud = { stub = 460800; };\n");
	if (st_config_load(p, &c, err, sizeof err) != 0 || strcmp(c.stub, "/opt/stubs/esp8266.json") ||
	    c.stub_baud != 460800) {
		fprintf(stderr, "FAIL: stub setting: '%s' '%s'\n", err, c.stub);
		failures++;
	}
	unlink(p);
	/* erase: targeted by default, "chip" on request, anything else refused */
	st_config_defaults(&c);
	p = write_cfg("mode = \"backup\";\nerase = \"chip\";\n");
	if (c.erase_chip || st_config_load(p, &c, err, sizeof err) != 0 || !c.erase_chip) {
		fprintf(stderr, "FAIL: erase setting: '%s'\n", err);
		failures++;
	}
	unlink(p);
	expect_error("mode = \"backup\";\nerase = \"all\";\n", "2",
		     "unknown erase 'all': use targeted (only sectors that held data) or chip");
	expect_error("mode = \"backup\";\nstaton = \"x\";\n", "2",
		     "unknown setting 'staton' (a typo?): did you mean 'station'?");
	/* a typo inside a group or list element must not fall back to the default */
	expect_error("mode = \"flash\";\nimage = { file = \"a.bin\";\n flash_mod = \"dout\"; };\n", "3",
		     "unknown setting 'flash_mod' in image (a typo?): did you mean 'flash_mode'?");
	expect_error("mode = \"backup\";\nbaud = { rom = 115200;\n\n stubb = 921600; };\n", "4",
		     "unknown setting 'stubb' in baud (a typo?): did you mean 'stub'?");
	expect_error("mode = \"backup\";\nafter_job = { wait_remove = false; };\n", "2",
		     "in after_job (a typo?): did you mean 'wait_removal'?");
	expect_error("mode = \"backup\";\nadapters = ( { vid = 0x10c4; pid = 0xea60; kind = \"cp2102\"; },\n"
		     " { vid = 0x1a86; pid = 0x7523; kidn = \"ch340\"; } );\n", "3",
		     "unknown setting 'kidn' in an adapter (a typo?): did you mean 'kind'?");
	expect_error("mode = \"backup\";\nslots = ( { id_path = \"p1\"; nmae = \"1\"; } );\n", "2",
		     "unknown setting 'nmae' in a slot (a typo?): did you mean 'name'?");
	expect_error("mode = \"backup\";\nslots = ( { id_path = \"p1\"; name = \"1\";\n LED = \"x\"; } );\n",
		     "3", "did you mean 'led'?");
	/* nothing close: no guess, but the names that are known there */
	expect_error("mode = \"backup\";\nbaud = { xyzzy = 1; };\n", "2",
		     "unknown setting 'xyzzy' in baud (a typo?): known there: rom, stub, fallback");
	expect_error("mode = \"backup\";\nstub = 5;\n", "2", "'stub' must be a string");
	expect_error("mode = \"refurbsh\";\n", "1", "unknown mode 'refurbsh'");
	expect_error("mode = \"refurbish\";\n", "", "no image is set");
	expect_error("mode = \"backup\";\nstation = x\";\n", "2", "fix the syntax");
	expect_error("mode = \"backup\";\nbaud = { rom = 115200; stub = 99; };\n", "2", "out of range");
	expect_error("mode = \"backup\";\nbaud = { stub = \"921600\"; };\n", "2", "whole number");
	expect_error("mode = \"flash\";\nimage = { file = \"a.bin\";\n flash_mode = \"quad\"; };\n", "2",
		     "unknown flash_mode 'quad'");
	expect_error("mode = \"backup\";\nreset = \"D0|X1\";\n", "2", "bad reset strategy");
	expect_error("mode = \"backup\";\nslots = ( { id_path = \"p1\"; name = \"1\"; },\n"
		     " { id_path = \"p1\"; name = \"2\"; } );\n", "3", "mapped twice");
	expect_error("mode = \"backup\";\nadapters = ( { vid = 0x10c4; } );\n", "2", "needs both vid and pid");
	/* one image set per chip family: a file at 0x0, or esptool's ADDR FILE pairs */
	st_config_defaults(&c);
	p = write_cfg("mode = \"refurbish\";\nimage = \"e8266.bin\";\nimages = {\n"
		      " esp32 = \"0x1000 boot.bin 0x8000 part.bin 65536 app.bin\";\n"
		      " esp32c3 = \"c3.bin\"; };\nbackup_ciphertext = true;\n");
	char spec[256];
	if (st_config_load(p, &c, err, sizeof err) != 0 || c.image[ST_FAMILY_ESP8266].n_parts != 1 ||
	    c.image[ST_FAMILY_ESP32].n_parts != 3 || c.image[ST_FAMILY_ESP32].part[2].addr != 0x10000 ||
	    strcmp(c.image[ST_FAMILY_ESP32].part[1].file, "part.bin") ||
	    c.image[ST_FAMILY_ESP32C3].part[0].addr != 0 || !c.backup_ciphertext ||
	    strcmp(st_image_spec_format(&c.image[ST_FAMILY_ESP32], spec, sizeof spec),
		   "0x1000 boot.bin 0x8000 part.bin 0x10000 app.bin")) {
		fprintf(stderr, "FAIL: image sets: '%s'\n", err);
		failures++;
	}
	unlink(p);
	/* an ESP32-only station needs no ESP8266 image */
	st_config_defaults(&c);
	p = write_cfg("mode = \"flash\";\nimages = { esp32 = \"f.bin\"; };\n");
	if (st_config_load(p, &c, err, sizeof err) != 0 || c.image[ST_FAMILY_ESP8266].n_parts) {
		fprintf(stderr, "FAIL: esp32-only station: '%s'\n", err);
		failures++;
	}
	unlink(p);
	expect_error("mode = \"flash\";\nimage = \"a.bin\";\nimages = { esp8266 = \"b.bin\"; };\n", "3",
		     "the esp8266 image is set twice");
	expect_error("mode = \"flash\";\nimages = {\n esp23 = \"b.bin\"; };\n", "3",
		     "did you mean 'esp32'?");
	expect_error("mode = \"flash\";\nimages = { esp32 = \"0x8000 p.bin 0x1000 b.bin\"; };\n", "2",
		     "not above 0x8000: list the parts in ascending address order");
	expect_error("mode = \"flash\";\nimages = { esp32 = \"0x1000 b.bin 0x8000\"; };\n", "2",
		     "address 0x8000 has no file after it");
	expect_error("mode = \"flash\";\nimages = { esp32 = \"0x1002 b.bin\"; };\n", "2",
		     "not 4-byte aligned");
	expect_error("mode = \"flash\";\nimages = { esp32 = \"boot.bin 0x8000 p.bin\"; };\n", "2",
		     "'boot.bin' is not an address");
	expect_error("mode = \"flash\";\nimages = { esp32 = \"\"; };\n", "2", "empty image");
	expect_error("mode = \"flash\";\nimages = ( \"a\" );\n", "2", "'images' must be a group");
	/* the boot check: on by default, tunable, and off on request */
	st_config_defaults(&c);
	if (!c.boot_check || c.boot_window_ms != 2000 || c.boot_baud != 115200 || c.n_quiet) {
		fprintf(stderr, "FAIL: boot check defaults\n");
		failures++;
	}
	p = write_cfg("mode = \"backup\";\nboot_check = false;\nboot = { window_ms = 800; baud = 74880;\n"
		      " quiet = ( \"stock.bin\", \"restore\" ); };\n");
	if (st_config_load(p, &c, err, sizeof err) != 0 || c.boot_check || c.boot_window_ms != 800 ||
	    c.boot_baud != 74880 || c.n_quiet != 2 || strcmp(c.quiet[1], "restore")) {
		fprintf(stderr, "FAIL: boot settings: '%s'\n", err);
		failures++;
	}
	unlink(p);
	expect_error("mode = \"backup\";\nboot = { window = 5; };\n", "2", "did you mean 'window_ms'?");
	expect_error("mode = \"backup\";\nboot = { quiet = ( \"/opt/fw/stock.bin\" ); };\n", "2",
		     "without its directory");
	expect_error("mode = \"backup\";\nboot_check = 1;\n", "2", "'boot_check' must be true or false");
	if (st_config_load("/nonexistent/espstation.cfg", &c, err, sizeof err) != -1 ||
	    !strstr(err, "cannot read")) {
		fprintf(stderr, "FAIL: missing file: %s\n", err);
		failures++;
	}
	if (failures)
		return 1;
	printf("config: all checks passed\n");
	return 0;
}
