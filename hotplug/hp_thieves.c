/* SPDX-License-Identifier: MIT */
/* Start-up check for "port thieves": brltty's udev rules, which hand common
 * USB-UART chips to the braille daemon (the CH340 is listed as a Baum
 * NLS eReader Zoomax, so the tty vanishes seconds after the plug), and
 * ModemManager, which sends AT probes into any new serial port.  Reads rules
 * files and /proc only; no libudev. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hotplug.h"

/* The adapters of the jig.  manufacturer: the string genuine parts report,
 * so a rule that also requires another manufacturer (brltty's FT232R rule
 * for ATTRS{manufacturer}=="Hedo Reha Technik GmbH") is not counted; NULL = unknown, any manufacturer condition may match. */
static const struct hp_victim {
	unsigned vid, pid;
	const char *name;
	const char *manufacturer;
} victims[] = {
	{0x1a86, 0x7523, "CH340", NULL},
	{0x10c4, 0xea60, "CP210x", "Silicon Labs"},
	{0x0403, 0x6001, "FT232R", "FTDI"},
};
#define N_VICTIMS (sizeof(victims) / sizeof(victims[0]))

#define MM_RULES_FILE "80-mm-candidate.rules"

/* What one udev rule (a logical line) says that matters here. */
#define HP_RULE_VAL 256 /* longer values are cut; no USB id pattern comes near it */

struct hp_rule {
	char product[HP_RULE_VAL];      /* ENV{PRODUCT}=="vid/pid/bcd" (hex, no leading zeros) */
	char vendor_id[HP_RULE_VAL];    /* ATTRS{idVendor}, ATTR{idVendor}, ENV{ID_VENDOR_ID} */
	char model_id[HP_RULE_VAL];     /* ATTRS{idProduct}, ATTR{idProduct}, ENV{ID_MODEL_ID} */
	char manufacturer[HP_RULE_VAL]; /* ATTRS{manufacturer}, ATTR{manufacturer} */
	int mm_ignore;            /* assigns ENV{ID_MM_DEVICE_IGNORE}="1" */
};

struct hp_scan {
	const char *const *dirs;
	hp_warn_fn *warn;
	void *user;
	int findings;
	int mm_ignored;           /* a rules file of the station's keeps ModemManager away */
	char mm_rules[PATH_MAX];  /* ModemManager's candidate rules, if installed */
};

static int is_key(const char *key, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(key, *names))
			return 1;
	return 0;
}

static void set_field(char dst[HP_RULE_VAL], const char *v)
{
	size_t n = strnlen(v, HP_RULE_VAL - 1);

	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* Parses `KEY{attr}OP"value", ...`.  Only == conditions and assignments are
 * kept; returns -1 if the line is not a rule (then it is ignored, as udev
 * would ignore it too). */
static int parse_rule(const char *s, struct hp_rule *r)
{
	static const char *const product_keys[] = {"ENV{PRODUCT}", NULL};
	static const char *const vendor_keys[] = {"ATTRS{idVendor}", "ATTR{idVendor}",
						  "SYSFS{idVendor}", "ENV{ID_VENDOR_ID}", NULL};
	static const char *const model_keys[] = {"ATTRS{idProduct}", "ATTR{idProduct}",
						 "SYSFS{idProduct}", "ENV{ID_MODEL_ID}", NULL};
	static const char *const manuf_keys[] = {"ATTRS{manufacturer}", "ATTR{manufacturer}",
						 NULL};
	int pairs = 0;

	memset(r, 0, sizeof(*r));
	for (;;) {
		char key[64], op[3], val[HP_RULE_VAL];
		size_t k = 0, o = 0, v = 0;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			break;
		while (*s && (isalnum((unsigned char)*s) || *s == '_') && k + 1 < sizeof(key))
			key[k++] = *s++;
		if (*s == '{') {
			while (*s && *s != '}' && k + 1 < sizeof(key))
				key[k++] = *s++;
			if (*s != '}' || k + 1 >= sizeof(key))
				return -1;
			key[k++] = *s++;
		}
		key[k] = '\0';
		if (!k)
			return -1;
		while (*s == ' ' || *s == '\t')
			s++;
		while (*s && strchr("=!+-:", *s) && o < 2)
			op[o++] = *s++;
		op[o] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (!o || *s != '"')
			return -1;
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			if (v + 1 < sizeof(val))
				val[v++] = *s;
		}
		if (*s != '"')
			return -1;
		s++;
		val[v] = '\0';
		pairs++;

		if (!strcmp(op, "==")) {
			if (is_key(key, product_keys))
				set_field(r->product, val);
			else if (is_key(key, vendor_keys))
				set_field(r->vendor_id, val);
			else if (is_key(key, model_keys))
				set_field(r->model_id, val);
			else if (is_key(key, manuf_keys))
				set_field(r->manufacturer, val);
		} else if ((!strcmp(op, "=") || !strcmp(op, ":=")) &&
			   !strcmp(key, "ENV{ID_MM_DEVICE_IGNORE}") && !strcmp(val, "1")) {
			r->mm_ignore = 1;
		}
	}
	return pairs ? 0 : -1;
}

/* The length of one alternative of a pattern that is compared: all of it,
 * or (ENV{PRODUCT}) what comes before its second '/'. */
typedef size_t alt_len_fn(const char *alt, size_t n);

/* udev's pattern: shell glob, '|' between alternatives, against s; each
 * alternative is cut to len(alt, n) first (NULL: whole). */
static int pattern_matches_cut(const char *pattern, const char *s, alt_len_fn *len)
{
	char alt[256];
	const char *p = pattern;

	for (;;) {
		size_t n = strcspn(p, "|");
		size_t h = len ? len(p, n) : n;

		if (h < sizeof(alt)) {
			memcpy(alt, p, h);
			alt[h] = '\0';
			if (fnmatch(alt, s, FNM_CASEFOLD) == 0)
				return 1;
		}
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static int pattern_matches(const char *pattern, const char *s)
{
	return pattern_matches_cut(pattern, s, NULL);
}

/* "vid/pid/bcd" -> "vid/pid": the adapter's revision is unknown here. */
static size_t up_to_product(const char *alt, size_t n)
{
	const char *slash = memchr(alt, '/', n);
	const char *second = slash ? memchr(slash + 1, '/', n - (size_t)(slash + 1 - alt)) : NULL;

	return second ? (size_t)(second - alt) : n;
}

/* ENV{PRODUCT} is "vid/pid/bcdDevice" in hex without leading zeros; the
 * pattern is cut after the product id. */
static int product_matches(const char *pattern, unsigned vid, unsigned pid)
{
	char want[16];

	snprintf(want, sizeof(want), "%x/%x", vid, pid);
	return pattern_matches_cut(pattern, want, up_to_product);
}

static int rule_claims(const struct hp_rule *r, const struct hp_victim *v)
{
	char vid[8], pid[8];
	int hit = 0;

	snprintf(vid, sizeof(vid), "%04x", v->vid);
	snprintf(pid, sizeof(pid), "%04x", v->pid);
	if (r->product[0] && product_matches(r->product, v->vid, v->pid))
		hit = 1;
	if (r->vendor_id[0] && pattern_matches(r->vendor_id, vid) &&
	    (!r->model_id[0] || pattern_matches(r->model_id, pid)))
		hit = 1;
	if (hit && r->manufacturer[0] && v->manufacturer &&
	    !pattern_matches(r->manufacturer, v->manufacturer))
		hit = 0; /* meant for another maker's device with the same chip */
	return hit;
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return 0;
}

static void report(struct hp_scan *sc, const char *msg)
{
	sc->findings++;
	if (sc->warn)
		sc->warn(sc->user, msg);
}

static void report_brltty(struct hp_scan *sc, const char *dir, const char *name, unsigned line,
			  const struct hp_victim *v)
{
	char msg[PATH_MAX + 512];
	const char *admin = sc->dirs[0];

	if (!strcmp(dir, admin))
		snprintf(msg, sizeof(msg),
			 "brltty's udev rule %s/%s:%u claims %s adapters (%04x:%04x) and steals the "
			 "port: remove brltty (apt purge brltty) or comment out that line, then "
			 "udevadm control --reload",
			 dir, name, line, v->name, v->vid, v->pid);
	else
		snprintf(msg, sizeof(msg),
			 "brltty's udev rule %s/%s:%u claims %s adapters (%04x:%04x) and steals the "
			 "port: remove brltty (apt purge brltty) or mask the rule (ln -s /dev/null "
			 "%s/%s), then udevadm control --reload",
			 dir, name, line, v->name, v->vid, v->pid, admin, name);
	report(sc, msg);
}

/* Reads one effective rules file. */
static int scan_file(struct hp_scan *sc, const char *dir, const char *name)
{
	char path[PATH_MAX];
	char *raw = NULL, *logical = NULL;
	size_t rawcap = 0, len = 0, cap = 0;
	unsigned lineno = 0, start = 0, hit_line[N_VICTIMS] = {0};
	int brltty_file = contains_ci(name, "brltty");
	int station_file = contains_ci(name, "espstation");
	int mm_file = !strcmp(name, MM_RULES_FILE), rules = 0, r = 0;
	ssize_t n;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	while ((n = getline(&raw, &rawcap, f)) >= 0) {
		int more;
		struct hp_rule rule;

		lineno++;
		while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
			raw[--n] = '\0';
		more = n > 0 && raw[n - 1] == '\\'; /* continued on the next line */
		if (more)
			raw[--n] = '\0';
		if (!len)
			start = lineno;
		if (len + (size_t)n + 1 > cap) {
			size_t ncap = (len + (size_t)n + 1) * 2;
			char *p = realloc(logical, ncap);

			if (!p) {
				r = -ENOMEM;
				break;
			}
			logical = p;
			cap = ncap;
		}
		memcpy(logical + len, raw, (size_t)n + 1);
		len += (size_t)n;
		if (more)
			continue;
		len = 0;

		const char *s = logical;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#' || parse_rule(s, &rule) < 0)
			continue;
		rules++;
		if (station_file && rule.mm_ignore)
			sc->mm_ignored = 1;
		if (!brltty_file && !contains_ci(s, "brltty"))
			continue; /* our own rule names the CH340 too */
		for (size_t i = 0; i < N_VICTIMS; i++)
			if (!hit_line[i] && rule_claims(&rule, &victims[i]))
				hit_line[i] = start;
	}
	free(raw);
	free(logical);
	fclose(f);
	if (r < 0)
		return r;
	if (mm_file && rules && !sc->mm_rules[0])
		snprintf(sc->mm_rules, sizeof(sc->mm_rules), "%s", path);
	for (size_t i = 0; i < N_VICTIMS; i++)
		if (hit_line[i])
			report_brltty(sc, dir, name, hit_line[i], &victims[i]);
	return 0;
}

static int rules_file(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 6 && !strcmp(de->d_name + n - 6, ".rules");
}

/* A file of the same name in a directory that comes first wins (or masks). */
static int shadowed(const struct hp_scan *sc, size_t upto, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < upto; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", sc->dirs[i], name) >= (int)sizeof(path))
			continue;
		if (lstat(path, &st) == 0)
			return 1;
	}
	return 0;
}

static int scan_rules(struct hp_scan *sc)
{
	int r = 0;

	for (size_t d = 0; sc->dirs[d] && r >= 0; d++) {
		struct dirent **list;
		int n;

		/* /lib is /usr/lib on merged-/usr systems: read it once */
		int dup = 0;
		for (size_t e = 0; e < d; e++) {
			struct stat a, b;

			if (stat(sc->dirs[e], &a) == 0 && stat(sc->dirs[d], &b) == 0 &&
			    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
				dup = 1;
		}
		if (dup)
			continue;
		errno = 0;
		n = scandir(sc->dirs[d], &list, rules_file, alphasort);
		if (n < 0) {
			if (errno == ENOMEM)
				r = -ENOMEM;
			continue; /* missing or unreadable: nothing to find there */
		}
		for (int i = 0; i < n; i++) {
			if (r >= 0 && !shadowed(sc, d, list[i]->d_name))
				r = scan_file(sc, sc->dirs[d], list[i]->d_name);
			free(list[i]);
		}
		free(list);
	}
	return r;
}

/* The pid of a running ModemManager, or 0. */
static long find_modemmanager(const char *proc_root)
{
	DIR *d = opendir(proc_root);
	struct dirent *de;
	long found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char path[PATH_MAX], comm[64];
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		FILE *f;

		if (*end || pid <= 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/comm", proc_root, de->d_name) >=
		    (int)sizeof(path))
			continue;
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f)) {
			comm[strcspn(comm, "\n")] = '\0';
			if (!strcmp(comm, "ModemManager"))
				found = pid;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

int hp_check_port_thieves(const char *const *rules_dirs, const char *proc_root, hp_warn_fn *warn,
			  void *user)
{
	static const char *const default_dirs[] = HP_RULES_DIRS_DEFAULT;
	struct hp_scan sc = {
		.dirs = rules_dirs ? rules_dirs : default_dirs,
		.warn = warn,
		.user = user,
	};
	char msg[PATH_MAX + 512];
	long mm_pid;
	int r;

	if (!sc.dirs[0])
		sc.dirs = default_dirs;
	r = scan_rules(&sc);
	if (r < 0)
		return r;
	mm_pid = find_modemmanager(proc_root ? proc_root : "/proc");
	if (sc.mm_ignored)
		return sc.findings;
	if (mm_pid) {
		snprintf(msg, sizeof(msg),
			 "ModemManager is running (pid %ld) and probes new serial ports with AT "
			 "commands, which upsets the ESP8266 bootloader: install the station's udev "
			 "rule (it sets ENV{ID_MM_DEVICE_IGNORE}=\"1\") or stop it (systemctl disable "
			 "--now ModemManager)",
			 mm_pid);
		report(&sc, msg);
	} else if (sc.mm_rules[0]) {
		snprintf(msg, sizeof(msg),
			 "ModemManager is installed (%s) and, once started, probes new serial ports "
			 "with AT commands, which upsets the ESP8266 bootloader: install the station's "
			 "udev rule (it sets ENV{ID_MM_DEVICE_IGNORE}=\"1\") or remove it (apt purge "
			 "modemmanager)",
			 sc.mm_rules);
		report(&sc, msg);
	}
	return sc.findings;
}
