/* SPDX-License-Identifier: MIT */
/* Adapter kinds and slot specs: "N kind=cp2102 mac=... flash=1MB ..." → one
 * struct rack_slot (adapter identity + the unit clipped onto it). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rack.h"

/* The adapters refurbishers use.  Strings are what the chips report; the
 * baud limits are the Linux drivers' (cp210x: 1 Mbaud for CP2102, 3 Mbaud
 * for CP2102N; ch341: 2 Mbaud; ftdi_sio: 3 Mbaud for FT232R), which clamp
 * higher requests.  The CH9102 is a CDC-ACM device: Debian 12's kernel
 * (6.1) has no ch341 entry for 1a86:55d4, so cdc_acm takes it (/dev/ttyACMn)
 * and passes any rate on; the chip's own limit is 4 Mbaud. */
static const struct rack_kind s_kinds[] = {
	{"cp2102", "10c4", "ea60", "cp210x", "Silicon Labs", "CP2102 USB to UART Bridge Controller",
	 "0100", "00", 1, 1000000, EMU_WIRING_AUTO, 0},
	{"cp2102n", "10c4", "ea60", "cp210x", "Silicon Labs",
	 "CP2102N USB to UART Bridge Controller", "0100", "00", 1, 3000000, EMU_WIRING_AUTO, 0},
	{"ch9102", "1a86", "55d4", "cdc_acm", NULL, "USB Single Serial", "0442", "02", 1, 4000000,
	 EMU_WIRING_AUTO, 1},
	{"ch340", "1a86", "7523", "ch341", NULL, "USB Serial", "0264", "ff", 0, 2000000,
	 EMU_WIRING_AUTO, 0},
	{"ft232r", "0403", "6001", "ftdi_sio", "FTDI", "FT232R USB UART", "0600", "00", 1, 3000000,
	 EMU_WIRING_AUTO, 0},
	/* a bare FT232R breakout: TX/RX/GND only, the operator holds the button */
	{"noreset", "0403", "6001", "ftdi_sio", "FTDI", "FT232R USB UART", "0600", "00", 1, 3000000,
	 EMU_WIRING_NONE, 0},
};
#define KIND_NAMES "cp2102, cp2102n, ch340, ch9102, ft232r, noreset"

#define SLOT_KEYS                                                                      \
	"kind, serial, mac, chip, pkg, revision, rtc_cali, security, flash, manuf, crystal, " \
	"stub, wiring, boot, timing, banner, image, layout, button, cycle, seed, faults, firmware, " \
	"app_baud, flash_modes"
#define SECURITY_KEYS "fe (flash encrypted), sb (secure boot), dldis (download encryption " \
	"disabled), sdm (Secure Download Mode, esp32c3), none"
#define FAULT_KEYS                                                           \
	"never_boot, gpio0_held, drop_ppm=N, flip_ppm=N, rx_drop_ppm=N, rx_flip_ppm=N, " \
	"brownout_reads=N, lie_writes=N, unplug_after=BYTES, stuck_sector=ADDR"

const struct rack_kind *rack_kind_find(const char *name)
{
	for (size_t i = 0; i < sizeof s_kinds / sizeof s_kinds[0]; i++)
		if (strcmp(s_kinds[i].name, name) == 0)
			return &s_kinds[i];
	return NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Decimal or 0x hex, optional K/M (binary) suffix with optional "B"/"iB". */
static int parse_u64(const char *s, uint64_t *ret)
{
	if (!*s || *s == '-')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	uint64_t mult = 1;
	if (*end == 'k' || *end == 'K')
		mult = 1024;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024;
	if (mult > 1) {
		end++;
		if (!strcmp(end, "B") || !strcmp(end, "iB"))
			end += strlen(end);
	}
	if (*end || v > UINT64_MAX / mult)
		return -1;
	*ret = v * mult;
	return 0;
}

static int parse_u32(const char *s, unsigned *ret)
{
	uint64_t v;
	if (parse_u64(s, &v) < 0 || v > UINT32_MAX)
		return -1;
	*ret = (unsigned)v;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* What changes with the chip: MAC (24:0a:c4:c0:NN:00 ESP32,
 * 58:cf:79:c0:NN:00 C3, else 5c:cf:7f:c0:NN:00), 1 MB (ESP8266) or 4 MB,
 * crystal, package, revision. */
static void chip_defaults(struct rack_slot *s, unsigned index, enum emu_chip chip)
{
	struct emu_config *c = &s->unit.emu;
	uint8_t oui[3] = {0x5c, 0xcf, 0x7f};

	emu_config_chip(c, chip);
	if (chip == EMU_ESP32)
		memcpy(oui, (const uint8_t[]){0x24, 0x0a, 0xc4}, 3);
	else if (chip == EMU_ESP32C3)
		memcpy(oui, (const uint8_t[]){0x58, 0xcf, 0x79}, 3);
	const uint8_t mac[6] = {oui[0], oui[1], oui[2], 0xc0, (uint8_t)index, 0x00};
	memcpy(c->mac, mac, sizeof mac);
	if (!emu_chip_esp32_class(chip))
		c->flash_size = 1u << 20;
}

static void slot_defaults(struct rack_slot *s, unsigned index, const struct rack_kind *k)
{
	memset(s, 0, sizeof *s);
	s->defined = 1;
	s->index = index;
	s->kind = k;
	if (k->has_serial && !strcmp(k->name, "cp2102n")) /* unique, programmed at the factory */
		snprintf(s->serial, sizeof s->serial, "%08x%08x%08x%08x", 0x7a3c91e4u + index,
			 0x1bd2ec11u, 0x9f4a0b5eu ^ index, 0x54c3d2a1u);
	else if (k->has_serial && !strcmp(k->driver, "cp210x"))
		snprintf(s->serial, sizeof s->serial,
			 "0001"); /* every CP2102 leaves the factory so */
	else if (k->has_serial && k->acm)
		snprintf(s->serial, sizeof s->serial, "54%08u", 34004711u + index);
	else if (k->has_serial)
		snprintf(s->serial, sizeof s->serial, "A%07X", 0x50285B0u + index);
	struct emu_config *c = &s->unit.emu;
	emu_config_defaults(c);
	chip_defaults(s, index, EMU_ESP8266EX);
	c->wiring = k->wiring;
	c->boot_download_at_start = 0; /* a unit on power-up runs its firmware */
	c->faults.seed = index + 1;
	s->unit.button_s = 1.0;
	s->unit.cycle_s = -1;
}

static int apply_fault(struct emu_faults *f, const char *item, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
	} counters[] = {
		{"drop_ppm", offsetof(struct emu_faults, drop_ppm)},
		{"flip_ppm", offsetof(struct emu_faults, flip_ppm)},
		{"rx_drop_ppm", offsetof(struct emu_faults, rx_drop_ppm)},
		{"rx_flip_ppm", offsetof(struct emu_faults, rx_flip_ppm)},
		{"brownout_reads", offsetof(struct emu_faults, brownout_reads)},
		{"lie_writes", offsetof(struct emu_faults, lie_writes)},
	};
	if (!strcmp(item, "never_boot")) {
		f->never_boot = 1;
		return 0;
	}
	if (!strcmp(item, "gpio0_held")) {
		f->gpio0_held = 1;
		return 0;
	}
	const char *eq = strchr(item, '=');
	size_t klen = eq ? (size_t)(eq - item) : strlen(item);
	if (eq && klen == 12 && !strncmp(item, "unplug_after", 12)) {
		if (parse_u64(eq + 1, &f->unplug_after) < 0 || !f->unplug_after)
			return fail(err, errlen,
				    "faults: unplug_after wants a byte count (e.g. 64K), not '%s'",
				    eq + 1);
		return 0;
	}
	if (eq && klen == 12 && !strncmp(item, "stuck_sector", 12)) {
		uint64_t a;
		if (parse_u64(eq + 1, &a) < 0 || a % 4096 || a >= 16u * 1024 * 1024)
			return fail(err, errlen,
				    "faults: stuck_sector wants a 4 KiB sector address (e.g. 0xFB000), "
				    "not '%s'",
				    eq + 1);
		if (f->n_stuck == EMU_MAX_STUCK)
			return fail(err, errlen, "faults: at most %d stuck_sector entries",
				    EMU_MAX_STUCK);
		f->stuck_sectors[f->n_stuck++] = (uint32_t)a;
		return 0;
	}
	for (size_t i = 0; eq && i < sizeof counters / sizeof counters[0]; i++) {
		if (strlen(counters[i].name) != klen || strncmp(item, counters[i].name, klen))
			continue;
		unsigned *v = (unsigned *)(void *)((char *)f + counters[i].off);
		if (parse_u32(eq + 1, v) < 0)
			return fail(err, errlen, "faults: %s wants a number, not '%s'",
				    counters[i].name, eq + 1);
		return 0;
	}
	return fail(err, errlen, "unknown fault '%s' (faults: %s)", item, FAULT_KEYS);
}

/* security=fe,sb,dldis,sdm (or none) */
static int apply_security(struct emu_security *sec, const char *list, char *err, size_t errlen)
{
	char buf[128];
	if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf)
		return fail(err, errlen, "security list too long");
	memset(sec, 0, sizeof *sec);
	char *save = NULL;
	for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
		if (!strcmp(it, "fe"))
			sec->flash_encrypted = 1;
		else if (!strcmp(it, "sb"))
			sec->secure_boot = 1;
		else if (!strcmp(it, "dldis"))
			sec->dl_encrypt_disabled = 1;
		else if (!strcmp(it, "sdm"))
			sec->secure_download = 1;
		else if (strcmp(it, "none"))
			return fail(err, errlen, "unknown security item '%s' (security: %s)", it,
				    SECURITY_KEYS);
	}
	return 0;
}

static int apply_faults(struct emu_faults *f, const char *list, char *err, size_t errlen)
{
	char buf[512];
	if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf)
		return fail(err, errlen, "faults list too long");
	char *save = NULL;
	for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save))
		if (apply_fault(f, it, err, errlen) < 0)
			return -1;
	return 0;
}

/* One key=value onto a slot whose kind is already applied. */
static int apply_key(struct rack_slot *s, const char *key, const char *val, char *err,
		     size_t errlen)
{
	struct emu_config *c = &s->unit.emu;
	uint64_t u;
	if (!strcmp(key, "kind")) {
		return 0; /* applied first, by the caller */
	} else if (!strcmp(key, "serial")) {
		if (!strcmp(val, "none"))
			s->serial[0] = '\0';
		else if (snprintf(s->serial, sizeof s->serial, "%s", val) >= (int)sizeof s->serial)
			return fail(err, errlen, "serial: at most %zu characters",
				    sizeof s->serial - 1);
	} else if (!strcmp(key, "mac")) {
		if (parse_mac(val, c->mac) < 0)
			return fail(err, errlen, "mac wants aa:bb:cc:dd:ee:ff, not '%s'", val);
		s->unit.mac_given = 1;
	} else if (!strcmp(key, "chip")) {
		return 0; /* applied first, by the caller */
	} else if (!strcmp(key, "pkg")) {
		unsigned v;
		if (parse_u32(val, &v) < 0 || v > 7)
			return fail(err, errlen, "pkg wants the eFuse package number 0..7, not '%s'", val);
		c->pkg = v;
	} else if (!strcmp(key, "revision")) {
		unsigned major, minor;
		char tail;
		if (sscanf(val, "v%u.%u%c", &major, &minor, &tail) != 2 &&
		    sscanf(val, "%u.%u%c", &major, &minor, &tail) != 2)
			return fail(err, errlen, "revision wants vMAJOR.MINOR (e.g. v3.1), not '%s'",
				    val);
		c->rev_major = major;
		c->rev_minor = minor;
	} else if (!strcmp(key, "rtc_cali")) {
		unsigned v;
		if (parse_u32(val, &v) < 0 || v == 0 || v >= (1u << 25))
			return fail(err, errlen,
				    "rtc_cali wants the RTCCALICFG1 calibration (1024 = exact), "
				    "not '%s'",
				    val);
		c->rtc_cali = v;
	} else if (!strcmp(key, "security")) {
		return apply_security(&c->security, val, err, errlen);
	} else if (!strcmp(key, "flash")) {
		if (parse_u64(val, &u) < 0 || u < 256 * 1024 || u > 16 * 1024 * 1024 ||
		    (u & (u - 1)))
			return fail(err, errlen,
				    "flash wants a power of two from 256KB to 16MB (e.g. 1MB, "
				    "4MB), not '%s'",
				    val);
		c->flash_size = (uint32_t)u;
	} else if (!strcmp(key, "manuf")) {
		if (parse_u64(val, &u) < 0 || u > 0xff)
			return fail(err, errlen,
				    "manuf wants a JEDEC manufacturer byte (e.g. 0xEF), not '%s'",
				    val);
		c->flash_manuf = (uint8_t)u;
	} else if (!strcmp(key, "crystal")) {
		if (strcmp(val, "26") && strcmp(val, "40"))
			return fail(err, errlen, "crystal wants 26 or 40, not '%s'", val);
		c->crystal_mhz = (unsigned)atoi(val);
	} else if (!strcmp(key, "stub")) {
		if (!strcmp(val, "new"))
			c->stub_flavour = EMU_STUB_NEW;
		else if (!strcmp(val, "legacy"))
			c->stub_flavour = EMU_STUB_LEGACY;
		else if (!strcmp(val, "auto"))
			c->stub_flavour = EMU_STUB_AUTO;
		else
			return fail(err, errlen, "stub wants new, legacy or auto, not '%s'", val);
	} else if (!strcmp(key, "wiring")) {
		if (!strcmp(val, "auto"))
			c->wiring = EMU_WIRING_AUTO;
		else if (!strcmp(val, "none"))
			c->wiring = EMU_WIRING_NONE;
		else
			return fail(err, errlen, "wiring wants auto or none, not '%s'", val);
	} else if (!strcmp(key, "boot")) {
		if (strcmp(val, "app") && strcmp(val, "download"))
			return fail(err, errlen, "boot wants app or download, not '%s'", val);
		c->boot_download_at_start = !strcmp(val, "download");
	} else if (!strcmp(key, "timing")) {
		if (strcmp(val, "real") && strcmp(val, "fast"))
			return fail(err, errlen, "timing wants real or fast, not '%s'", val);
		c->fast_flash = !strcmp(val, "fast");
	} else if (!strcmp(key, "banner")) {
		if (strcmp(val, "on") && strcmp(val, "off"))
			return fail(err, errlen, "banner wants on or off, not '%s'", val);
		c->boot_banner = !strcmp(val, "on");
	} else if (!strcmp(key, "image")) {
		free(s->unit.image);
		s->unit.image = strdup(val);
		if (!s->unit.image)
			return fail(err, errlen, "out of memory");
	} else if (!strcmp(key, "layout")) {
		if (emu_layout_parse(val, &c->layout) < 0)
			return fail(err, errlen, "layout wants simple, stock or blank, not '%s'", val);
		s->unit.layout_given = 1;
	} else if (!strcmp(key, "button")) {
		char *end;
		double v = strtod(val, &end);
		if (!strcmp(val, "never"))
			s->unit.button_s = -1;
		else if (end != val && !*end && v >= 0 && v <= 3600)
			s->unit.button_s = v;
		else
			return fail(err, errlen,
				    "button wants seconds after the plug (e.g. 0.5) or never, "
				    "not '%s'",
				    val);
	} else if (!strcmp(key, "cycle")) {
		char *end;
		double v = strtod(val, &end);
		if (!strcmp(val, "never"))
			s->unit.cycle_s = -1;
		else if (end != val && !*end && v >= 0.1 && v <= 3600)
			s->unit.cycle_s = v;
		else
			return fail(err, errlen,
				    "cycle wants the seconds the line must stay quiet before the "
				    "operator power-cycles (e.g. 1.5; at least 0.1) or never, not '%s'",
				    val);
	} else if (!strcmp(key, "firmware")) {
		if (emu_firmware_parse(val, &c->firmware) < 0)
			return fail(err, errlen,
				    "firmware wants chatty, quiet, bootloop:MS (MS 50..60000) or "
				    "exception, not '%s'",
				    val);
	} else if (!strcmp(key, "app_baud")) {
		unsigned v;
		if (parse_u32(val, &v) < 0 || v < 300 || v > 5000000)
			return fail(err, errlen, "app_baud wants the firmware's UART rate (e.g. 115200, "
						 "74880), not '%s'", val);
		c->firmware.baud = v;
	} else if (!strcmp(key, "flash_modes")) {
		if (emu_flash_modes_parse(val, &c->flash_modes) < 0)
			return fail(err, errlen, "flash_modes wants a comma list of qio, qout, dio, dout "
						 "(e.g. dout) or all, not '%s'", val);
	} else if (!strcmp(key, "seed")) {
		if (parse_u64(val, &c->faults.seed) < 0)
			return fail(err, errlen, "seed wants a number, not '%s'", val);
	} else if (!strcmp(key, "faults")) {
		return apply_faults(&c->faults, val, err, errlen);
	} else {
		return fail(err, errlen, "unknown key '%s' (keys: %s)", key, SLOT_KEYS);
	}
	return 0;
}

/* Identity and security keys that do not fit the chip, refused by name. */
static int check_chip_keys(const struct emu_config *c, char *err, size_t errlen)
{
	const struct emu_security *s = &c->security;
	int any = s->flash_encrypted || s->secure_boot || s->dl_encrypt_disabled || s->secure_download;

	if (!emu_chip_esp32_class(c->chip)) {
		if (any)
			return fail(err, errlen, "security is for chip=esp32 or esp32c3 (an ESP8266 "
					       "has no security eFuses)");
		return 0;
	}
	if (c->crystal_mhz != 40)
		return fail(err, errlen, "crystal: ESP32-class units run on 40 MHz here");
	if (s->secure_download && c->chip != EMU_ESP32C3)
		return fail(err, errlen, "security=sdm needs chip=esp32c3 (the ESP32 has no Secure "
				       "Download Mode)");
	unsigned max_minor = c->chip == EMU_ESP32 ? 3 : 15;
	if (c->rev_major > 3 || c->rev_minor > max_minor)
		return fail(err, errlen, "revision v%u.%u does not exist on this chip (major 0..3, "
				       "minor 0..%u)", c->rev_major, c->rev_minor, max_minor);
	return 0;
}

int rack_slot_parse(const char *spec, struct rack_slot *slots, char *err, size_t errlen)
{
	char buf[1024];
	if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf)
		return fail(err, errlen, "slot spec too long");
	char *toks[64];
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == sizeof toks / sizeof toks[0])
			return fail(err, errlen, "too many words in slot spec");
		toks[n++] = t;
	}
	char *end;
	unsigned long idx = n ? strtoul(toks[0], &end, 10) : 0;
	if (!n || !isdigit((unsigned char)toks[0][0]) || *end || idx >= RACK_MAX_SLOTS)
		return fail(err, errlen,
			    "a slot spec starts with the slot number 0..%d, e.g. "
			    "'0 kind=cp2102 flash=1MB'",
			    RACK_MAX_SLOTS - 1);
	struct rack_slot *s = &slots[idx];
	if (s->defined)
		return fail(err, errlen, "slot %lu is defined twice", idx);
	const struct rack_kind *k = rack_kind_find("cp2102");
	for (size_t i = 1; i < n; i++) {
		if (strncmp(toks[i], "kind=", 5))
			continue;
		k = rack_kind_find(toks[i] + 5);
		if (!k)
			return fail(err, errlen, "unknown adapter kind '%s' (kinds: " KIND_NAMES ")",
				    toks[i] + 5);
	}
	/* the chip first too: its defaults must not override explicit keys */
	enum emu_chip chip = EMU_ESP8266EX;
	for (size_t i = 1; i < n; i++) {
		if (strncmp(toks[i], "chip=", 5))
			continue;
		if (emu_chip_parse(toks[i] + 5, &chip) < 0)
			return fail(err, errlen,
				    "chip wants esp8266ex, esp8285, esp32 or esp32c3, not '%s'",
				    toks[i] + 5);
	}
	struct rack_slot tmp;
	slot_defaults(&tmp, (unsigned)idx, k);
	chip_defaults(&tmp, (unsigned)idx, chip);
	for (size_t i = 1; i < n; i++) {
		char *eq = strchr(toks[i], '=');
		if (!eq || eq == toks[i] || !eq[1]) {
			rack_slot_free(&tmp);
			return fail(err, errlen, "'%s' is not key=value (keys: %s)", toks[i],
				    SLOT_KEYS);
		}
		*eq = '\0';
		if (apply_key(&tmp, toks[i], eq + 1, err, errlen) < 0) {
			rack_slot_free(&tmp);
			return -1;
		}
	}
	if (tmp.unit.emu.chip == EMU_ESP8285 && tmp.unit.emu.flash_size > (2u << 20)) {
		rack_slot_free(&tmp);
		return fail(err, errlen,
			    "an ESP8285 has 1MB or 2MB of flash in the package, not more");
	}
	if (check_chip_keys(&tmp.unit.emu, err, errlen) < 0) {
		rack_slot_free(&tmp);
		return -1;
	}
	if (tmp.unit.image && tmp.unit.layout_given) {
		rack_slot_free(&tmp);
		return fail(err, errlen,
			    "image and layout exclude each other (the image is the whole flash)");
	}
	for (unsigned i = 0; i < tmp.unit.emu.faults.n_stuck; i++) {
		if (tmp.unit.emu.faults.stuck_sectors[i] >= tmp.unit.emu.flash_size) {
			uint32_t a = tmp.unit.emu.faults.stuck_sectors[i];
			rack_slot_free(&tmp);
			return fail(err, errlen, "faults: stuck_sector=0x%X is beyond the %u KB flash",
				    a, tmp.unit.emu.flash_size / 1024);
		}
	}
	*s = tmp;
	return 0;
}

int rack_slots_load(const char *path, struct rack_slot *slots, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return fail(err, errlen, "cannot read slots file %s: %s", path, strerror(errno));
	char line[1024], msg[512];
	unsigned lineno = 0;
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (rack_slot_parse(line, slots, msg, sizeof msg) < 0)
			rc = fail(err, errlen, "%s:%u: %s", path, lineno, msg);
	}
	fclose(f);
	return rc;
}

void rack_slot_mac(const struct rack_slot *s, uint8_t ret_mac[6])
{
	memcpy(ret_mac, s->unit.emu.mac, 6);
	/* a swapped-in unit is the next one off the line: count up in the
	 * device-specific half, as consecutive units do */
	uint32_t low = ((uint32_t)ret_mac[3] << 16 | (uint32_t)ret_mac[4] << 8 | ret_mac[5]) +
		       s->generation;
	ret_mac[3] = (uint8_t)(low >> 16);
	ret_mac[4] = (uint8_t)(low >> 8);
	ret_mac[5] = (uint8_t)low;
}

void rack_slot_free(struct rack_slot *s)
{
	free(s->unit.image);
	s->unit.image = NULL;
	free(s->flash);
	s->flash = NULL;
}

const char *rack_mac_str(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}
