/* SPDX-License-Identifier: MIT */
/* libconfig -> struct st_config, validated once; every error names the file,
 * the line and the fix. */
#include <ctype.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esp_image.h"
#include "esp_reset.h"
#include "st_config.h"

static const char *const s_mode_names[] = {"refurbish", "backup", "restore", "flash"};

/* The settings of each level; anything else is a typo worth reporting,
 * because an ignored setting means a unit flashed with the defaults. */
static const char *const s_known[] = {
	"station", "database", "backup_dir", "mode", "image", "baud", "reset",
	"connect_timeout", "settle_ms", "retries", "allow_unmapped", "after_job",
	"led_root", "stub", "erase", "adapters", "slots", "images", "backup_ciphertext", "boot_check", "boot", "central", "http", NULL,
};
static const char *const s_central_known[] = {"url", "password_file", NULL};
static const char *const s_http_known[] = {"listen", "token_file", NULL};
static const char *const s_image_known[] = {"file", "flash_mode", "flash_size", "flash_freq", NULL};
static const char *const s_images_known[] = {"esp8266", "esp32", "esp32c3", NULL};
static const char *const s_boot_known[] = {"window_ms", "baud", "quiet", NULL};
static const char *const s_baud_known[] = {"rom", "stub", "fallback", NULL};
static const char *const s_after_known[] = {"reset", "wait_removal", NULL};
static const char *const s_adapter_known[] = {"vid", "pid", "kind", "reset", NULL};
static const char *const s_slot_known[] = {"id_path", "port", "name", "led", "reset", NULL};

const char *st_mode_name(enum st_mode m)
{
	return (unsigned)m < 4 ? s_mode_names[m] : "unknown";
}

static void add_adapter(struct st_config *c, unsigned vid, unsigned pid, const char *kind)
{
	struct st_cfg_adapter *a = &c->adapter[c->n_adapters++];
	a->vid = vid;
	a->pid = pid;
	snprintf(a->kind, sizeof a->kind, "%s", kind);
	a->reset[0] = '\0';
}

void st_config_defaults(struct st_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->station, sizeof c->station, "espstation");
	snprintf(c->database, sizeof c->database, "espstation-data/station.db");
	snprintf(c->backup_dir, sizeof c->backup_dir, "espstation-data/backups");
	c->mode = ST_MODE_REFURBISH;
	snprintf(c->flash_mode, sizeof c->flash_mode, "keep");
	snprintf(c->flash_size, sizeof c->flash_size, "detect");
	snprintf(c->flash_freq, sizeof c->flash_freq, "keep");
	c->rom_baud = 115200;
	c->stub_baud = 921600;
	c->fallback_baud = 460800;
	snprintf(c->reset, sizeof c->reset, "auto");
	c->connect_timeout_s = 60;
	c->settle_ms = 500;
	c->retries = 1;
	c->allow_unmapped = 1;
	c->after_reset = 1;
	c->wait_removal = 1;
	c->boot_check = 1;
	c->boot_window_ms = 2000;
	c->boot_baud = 115200;
	snprintf(c->led_root, sizeof c->led_root, "/sys/class/leds");
	add_adapter(c, 0x10c4, 0xea60, "cp2102");
	add_adapter(c, 0x1a86, 0x7523, "ch340");
	add_adapter(c, 0x1a86, 0x55d4, "ch9102");
	add_adapter(c, 0x0403, 0x6001, "ft232r");
	add_adapter(c, 0x0403, 0x6015, "ft231x");
	add_adapter(c, 0x067b, 0x2303, "pl2303");
}

struct loader {
	const char *file;
	char *err;
	unsigned errlen;
};

static int fail(struct loader *l, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct loader *l, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	unsigned line = s ? config_setting_source_line(s) : 0;
	if (line)
		snprintf(l->err, l->errlen, "%s:%u: %s", l->file, line, msg);
	else
		snprintf(l->err, l->errlen, "%s: %s", l->file, msg);
	return -1;
}

static int get_str(struct loader *l, const config_setting_t *parent, const char *name, char *dst,
		   size_t cap)
{
	const config_setting_t *s = config_setting_get_member(parent, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(l, s, "'%s' must be a string in double quotes", name);
	const char *v = config_setting_get_string(s);
	if (strlen(v) >= cap)
		return fail(l, s, "'%s' is longer than %zu characters", name, cap - 1);
	snprintf(dst, cap, "%s", v);
	return 0;
}

static int get_uint(struct loader *l, const config_setting_t *parent, const char *name,
		    unsigned *dst, unsigned lo, unsigned hi)
{
	const config_setting_t *s = config_setting_get_member(parent, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(l, s, "'%s' must be a whole number (no quotes)", name);
	long long v = config_setting_get_int64(s);
	if (v < (long long)lo || v > (long long)hi)
		return fail(l, s, "'%s' = %lld is out of range: use %u..%u", name, v, lo, hi);
	*dst = (unsigned)v;
	return 0;
}

static int get_bool(struct loader *l, const config_setting_t *parent, const char *name, int *dst)
{
	const config_setting_t *s = config_setting_get_member(parent, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(l, s, "'%s' must be true or false", name);
	*dst = config_setting_get_bool(s);
	return 0;
}

static int check_reset(struct loader *l, const config_setting_t *s, const char *v)
{
	struct esp_reset_plan plan;
	struct esp_error e;
	if (esp_reset_plan_parse(v, &plan, &e) != ESP_OK)
		return fail(l, s, "bad reset strategy '%s': use auto, none or a sequence (%s)", v, e.msg);
	return 0;
}

/* Edits (insert, delete, change, swap of neighbours) from a to b, ignoring
 * case.  Setting names are short: longer ones count as far apart. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 32 || m > 32)
		return UINT_MAX;
	unsigned d[33][33];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			unsigned v = d[i - 1][j - 1] + (ca != cb);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

/* The known name a typo most likely meant, or NULL when none is close: at
 * most one edit per three characters, so 'x' does not become 'vid'. */
static const char *nearest(const char *name, const char *const *known)
{
	const char *best = NULL;
	unsigned best_d = UINT_MAX;
	for (const char *const *k = known; *k; k++) {
		unsigned d = edit_distance(name, *k), limit = (unsigned)strlen(*k) / 3;
		if (d <= (limit ? limit : 1) && d < best_d) {
			best = *k;
			best_d = d;
		}
	}
	return best;
}

/* Every member of group must be in known; where names the group in the
 * message ("" for the top level). */
static int check_unknown(struct loader *l, const config_setting_t *group, const char *const *known,
			 const char *where)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		int ok = 0;
		for (const char *const *k = known; *k && name; k++)
			ok |= strcmp(name, *k) == 0;
		if (ok)
			continue;
		char list[256] = "";
		for (const char *const *k = known; *k; k++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				 k == known ? "" : ", ", *k);
		const char *near = name ? nearest(name, known) : NULL;
		char hint[80] = "";
		if (near)
			snprintf(hint, sizeof hint, "did you mean '%s'? ", near);
		return fail(l, s, "unknown setting '%s'%s%s (a typo?): %s%s: %s", name ? name : "?",
			    where[0] ? " in " : "", where, hint,
			    where[0] ? "known there" : "known settings", list);
	}
	return 0;
}

/* One family's image set from the string setting name of parent. */
static int get_image(struct loader *l, const config_setting_t *parent, const char *name,
		     enum st_family f, struct st_config *c)
{
	char text[4 * ST_CFG_STR], why[320];
	const config_setting_t *s = config_setting_get_member(parent, name);
	if (!s)
		return 0;
	if (c->image[f].n_parts)
		return fail(l, s, "the %s image is set twice (image = and images.%s): keep one",
			    st_family_name(f), st_family_name(f));
	if (get_str(l, parent, name, text, sizeof text))
		return -1;
	if (st_image_spec_parse(text, &c->image[f], why, sizeof why) != 0)
		return fail(l, s, "%s image: %s", st_family_name(f), why);
	return 0;
}

/* image = "fw.bin" (or a group with file and the header settings): the
 * ESP8266 firmware; images = { esp32 = "..."; esp32c3 = "..."; }: the
 * others. */
static int load_image(struct loader *l, const config_setting_t *root, struct st_config *c)
{
	const config_setting_t *img = config_setting_get_member(root, "image");
	const config_setting_t *set = config_setting_get_member(root, "images");
	if (img && config_setting_type(img) == CONFIG_TYPE_STRING) {
		if (get_image(l, root, "image", ST_FAMILY_ESP8266, c))
			return -1;
	} else if (img && config_setting_type(img) != CONFIG_TYPE_GROUP) {
		return fail(l, img, "'image' must be a file name or a group { file = \"...\"; ... }");
	} else if (img) {
		if (check_unknown(l, img, s_image_known, "image") ||
		    get_image(l, img, "file", ST_FAMILY_ESP8266, c) ||
		    get_str(l, img, "flash_mode", c->flash_mode, sizeof c->flash_mode) ||
		    get_str(l, img, "flash_size", c->flash_size, sizeof c->flash_size) ||
		    get_str(l, img, "flash_freq", c->flash_freq, sizeof c->flash_freq))
			return -1;
		if (esp_flash_mode_parse(c->flash_mode) == -2)
			return fail(l, img, "unknown flash_mode '%s': use keep, qio, qout, dio or dout",
				    c->flash_mode);
		if (strcmp(c->flash_size, "detect") && strcmp(c->flash_size, "keep") &&
		    esp_flash_size_parse(c->flash_size) == 0)
			return fail(l, img, "unknown flash_size '%s': use detect, keep, 512KB, 1MB, 2MB, "
				    "4MB, 8MB or 16MB", c->flash_size);
		if (esp_flash_freq_parse(c->flash_freq) == -2)
			return fail(l, img, "unknown flash_freq '%s': use keep, 40m, 26m, 20m or 80m",
				    c->flash_freq);
	}
	if (!set)
		return 0;
	if (config_setting_type(set) != CONFIG_TYPE_GROUP)
		return fail(l, set, "'images' must be a group: images = { esp32 = \"0x1000 "
			    "bootloader.bin 0x8000 partitions.bin 0x10000 firmware.bin\"; esp32c3 = "
			    "\"factory.bin\"; }");
	if (check_unknown(l, set, s_images_known, "images"))
		return -1;
	for (int f = 0; f < ST_FAMILIES; f++)
		if (get_image(l, set, st_family_name((enum st_family)f), (enum st_family)f, c))
			return -1;
	return 0;
}

/* boot = { window_ms = 2000; baud = 115200; quiet = ( "stock.bin", "restore" ); }; */
static int load_boot(struct loader *l, const config_setting_t *root, struct st_config *c)
{
	const config_setting_t *b = config_setting_get_member(root, "boot");
	if (!b)
		return 0;
	if (config_setting_type(b) != CONFIG_TYPE_GROUP)
		return fail(l, b, "'boot' must be a group: boot = { window_ms = 2000; baud = 115200; "
			    "quiet = ( \"stock.bin\" ); }");
	if (check_unknown(l, b, s_boot_known, "boot") ||
	    get_uint(l, b, "window_ms", &c->boot_window_ms, 200, 60000) ||
	    get_uint(l, b, "baud", &c->boot_baud, 9600, 4000000))
		return -1;
	const config_setting_t *q = config_setting_get_member(b, "quiet");
	if (!q)
		return 0;
	if (config_setting_type(q) != CONFIG_TYPE_LIST && config_setting_type(q) != CONFIG_TYPE_ARRAY)
		return fail(l, q, "'quiet' must be a list of image file names: quiet = ( \"stock.bin\", "
			    "\"restore\" );");
	int n = config_setting_length(q);
	if (n > 8)
		return fail(l, q, "'quiet' lists %d images, at most 8", n);
	for (int i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(q, i);
		if (!v || !v[0] || strlen(v) >= sizeof c->quiet[0] || strchr(v, '/'))
			return fail(l, q, "'quiet' entry %d must be an image's file name without its "
				    "directory (up to %zu characters), or \"restore\"", i + 1,
				    sizeof c->quiet[0] - 1);
		snprintf(c->quiet[i], sizeof c->quiet[i], "%s", v);
	}
	c->n_quiet = (unsigned)n;
	return 0;
}

static int load_baud(struct loader *l, const config_setting_t *root, struct st_config *c)
{
	const config_setting_t *b = config_setting_get_member(root, "baud");
	if (!b)
		return 0;
	if (config_setting_type(b) != CONFIG_TYPE_GROUP)
		return fail(l, b, "'baud' must be a group: baud = { rom = 115200; stub = 921600; }");
	return check_unknown(l, b, s_baud_known, "baud") ||
	       get_uint(l, b, "rom", &c->rom_baud, 9600, 1500000) ||
	       get_uint(l, b, "stub", &c->stub_baud, 9600, 4000000) ||
	       get_uint(l, b, "fallback", &c->fallback_baud, 9600, 4000000);
}

static int load_after(struct loader *l, const config_setting_t *root, struct st_config *c)
{
	const config_setting_t *a = config_setting_get_member(root, "after_job");
	if (!a)
		return 0;
	if (config_setting_type(a) != CONFIG_TYPE_GROUP)
		return fail(l, a, "'after_job' must be a group: after_job = { reset = true; "
			    "wait_removal = true; }");
	return check_unknown(l, a, s_after_known, "after_job") ||
	       get_bool(l, a, "reset", &c->after_reset) ||
	       get_bool(l, a, "wait_removal", &c->wait_removal);
}

static int load_adapters(struct loader *l, const config_setting_t *root, struct st_config *c)
{
	const config_setting_t *list = config_setting_get_member(root, "adapters");
	if (!list)
		return 0;
	if (!config_setting_is_list(list) && !config_setting_is_array(list))
		return fail(l, list, "'adapters' must be a list: adapters = ( { vid = 0x10c4; "
			    "pid = 0xea60; kind = \"cp2102\"; } );");
	unsigned n = (unsigned)config_setting_length(list);
	if (n > ST_CFG_MAX_ADAPTERS)
		return fail(l, list, "at most %d adapter kinds", ST_CFG_MAX_ADAPTERS);
	c->n_adapters = 0;
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		struct st_cfg_adapter *a = &c->adapter[c->n_adapters];
		memset(a, 0, sizeof *a);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			return fail(l, e, "each adapter is a group { vid = ...; pid = ...; }");
		if (check_unknown(l, e, s_adapter_known, "an adapter"))
			return -1;
		if (!config_setting_get_member(e, "vid") || !config_setting_get_member(e, "pid"))
			return fail(l, e, "adapter needs both vid and pid (e.g. vid = 0x1a86; pid = 0x7523;)");
		if (get_uint(l, e, "vid", &a->vid, 0, 0xFFFF) || get_uint(l, e, "pid", &a->pid, 0, 0xFFFF) ||
		    get_str(l, e, "kind", a->kind, sizeof a->kind) ||
		    get_str(l, e, "reset", a->reset, sizeof a->reset))
			return -1;
		if (a->reset[0] && check_reset(l, e, a->reset))
			return -1;
		c->n_adapters++;
	}
	return 0;
}

/* central = { url = "postgresql://station@db/espstation"; password_file = "/etc/..."; };
 * a password inside the url would end up in logs and `ps`: refused. */
static int load_central(struct loader *l, const config_setting_t *root, struct st_config *c)
{
	const config_setting_t *g = config_setting_get_member(root, "central");
	if (!g)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(l, g, "'central' must be a group: central = { url = "
			    "\"postgresql://USER@HOST/DB\"; password_file = \"/etc/espstation/central.pass\"; }");
	if (check_unknown(l, g, s_central_known, "central") ||
	    get_str(l, g, "url", c->central.url, sizeof c->central.url) ||
	    get_str(l, g, "password_file", c->central.password_file, sizeof c->central.password_file))
		return -1;
	const char *u = c->central.url;
	if (!u[0])
		return fail(l, g, "central needs url = \"postgresql://USER@HOST/DB\"");
	if (strncmp(u, "postgresql://", 13) != 0 && strncmp(u, "postgres://", 11) != 0)
		return fail(l, g, "central url must start with postgresql:// (e.g. "
			    "\"postgresql://station@db.example/espstation\")");
	const char *auth = strchr(u, '/') + 2, *at = strchr(auth, '@'), *slash = strchr(auth, '/');
	const char *colon = strchr(auth, ':');
	if ((at && colon && colon < at && (!slash || at < slash)) || strstr(u, "password="))
		return fail(l, g, "central url holds a password: remove it and put it in "
			    "password_file (mode 0600), or in PGPASSWORD / ~/.pgpass");
	return 0;
}

/* http = { listen = "127.0.0.1:8080"; token_file = "/etc/espstation/http.token"; };
 * the group alone turns the web page on at the default address.  Only the
 * form is checked here; the address itself when the server binds. */
static int load_http(struct loader *l, const config_setting_t *root, struct st_config *c)
{
	const config_setting_t *g = config_setting_get_member(root, "http");
	if (!g)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(l, g, "'http' must be a group: http = { listen = \"127.0.0.1:8080\"; }");
	snprintf(c->http.listen, sizeof c->http.listen, "127.0.0.1:8080");
	if (check_unknown(l, g, s_http_known, "http") ||
	    get_str(l, g, "listen", c->http.listen, sizeof c->http.listen) ||
	    get_str(l, g, "token_file", c->http.token_file, sizeof c->http.token_file))
		return -1;
	const char *colon = strrchr(c->http.listen, ':');
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || colon == c->http.listen || !colon[1] || *end || port < 0 || port > 65535)
		return fail(l, g, "http listen '%s' is not HOST:PORT (e.g. \"127.0.0.1:8080\", "
			    "\"0.0.0.0:8080\" with token_file, \"[::1]:8080\")", c->http.listen);
	return 0;
}

static int load_slots(struct loader *l, const config_setting_t *root, struct st_config *c)
{
	const config_setting_t *list = config_setting_get_member(root, "slots");
	if (!list)
		return 0;
	if (!config_setting_is_list(list))
		return fail(l, list, "'slots' must be a list: slots = ( { id_path = \"...\"; "
			    "name = \"1\"; } );");
	unsigned n = (unsigned)config_setting_length(list);
	if (n > ST_CFG_MAX_SLOTS)
		return fail(l, list, "at most %d slots", ST_CFG_MAX_SLOTS);
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		struct st_cfg_slot *s = &c->slot[i];
		memset(s, 0, sizeof *s);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			return fail(l, e, "each slot is a group { id_path = \"...\"; name = \"...\"; }");
		if (check_unknown(l, e, s_slot_known, "a slot"))
			return -1;
		if (get_str(l, e, "id_path", s->id_path, sizeof s->id_path) ||
		    get_str(l, e, "port", s->port, sizeof s->port) ||
		    get_str(l, e, "name", s->name, sizeof s->name) ||
		    get_str(l, e, "led", s->led, sizeof s->led) ||
		    get_str(l, e, "reset", s->reset, sizeof s->reset))
			return -1;
		if (s->reset[0] && check_reset(l, e, s->reset))
			return -1;
		if (s->id_path[0] && s->port[0])
			return fail(l, e, "slot '%s' has both id_path and port: give id_path for a USB "
				    "adapter, port = \"rfc2217://HOST:PORT\" for a network one", s->name);
		if (strlen(s->port) > 63)
			return fail(l, e, "slot port '%.40s...' is longer than 63 characters: give the "
				    "server by IP address or a short host name", s->port);
		if (s->port[0] && strncmp(s->port, "rfc2217://", 10) != 0 &&
		    strncmp(s->port, "socket://", 9) != 0)
			return fail(l, e, "slot port '%s' is not a network port: use "
				    "\"rfc2217://HOST:PORT\" or \"socket://HOST:PORT\" (USB slots use "
				    "id_path)", s->port);
		if ((!s->id_path[0] && !s->port[0]) || !s->name[0])
			return fail(l, e, "slot needs id_path (or port) and name (find ID_PATH with: "
				    "udevadm info -q property -n /dev/ttyUSB0 | grep ID_PATH=)");
		for (unsigned k = 0; k < i; k++) {
			if (s->id_path[0] && strcmp(c->slot[k].id_path, s->id_path) == 0)
				return fail(l, e, "ID_PATH %s is mapped twice (slots %s and %s)", s->id_path,
					    c->slot[k].name, s->name);
			if (s->port[0] && strcmp(c->slot[k].port, s->port) == 0)
				return fail(l, e, "port %s is mapped twice (slots %s and %s)", s->port,
					    c->slot[k].name, s->name);
			if (strcmp(c->slot[k].name, s->name) == 0)
				return fail(l, e, "slot name '%s' is used twice", s->name);
		}
		c->n_slots = i + 1;
	}
	return 0;
}

static int load_root(struct loader *l, const config_setting_t *root, struct st_config *c)
{
	char mode[32] = "", erase[16] = "";
	if (check_unknown(l, root, s_known, "") || get_str(l, root, "station", c->station, sizeof c->station) ||
	    get_str(l, root, "database", c->database, sizeof c->database) ||
	    get_str(l, root, "backup_dir", c->backup_dir, sizeof c->backup_dir) ||
	    get_str(l, root, "mode", mode, sizeof mode) || get_str(l, root, "reset", c->reset, sizeof c->reset) ||
	    get_str(l, root, "led_root", c->led_root, sizeof c->led_root) ||
	    get_str(l, root, "stub", c->stub, sizeof c->stub) ||
	    get_str(l, root, "erase", erase, sizeof erase) ||
	    get_uint(l, root, "connect_timeout", &c->connect_timeout_s, 1, 3600) ||
	    get_uint(l, root, "settle_ms", &c->settle_ms, 0, 60000) ||
	    get_uint(l, root, "retries", &c->retries, 0, 10) ||
	    get_bool(l, root, "allow_unmapped", &c->allow_unmapped) ||
	    get_bool(l, root, "backup_ciphertext", &c->backup_ciphertext) ||
	    get_bool(l, root, "boot_check", &c->boot_check) || load_boot(l, root, c) ||
	    load_image(l, root, c) ||
	    load_baud(l, root, c) || load_after(l, root, c) || load_adapters(l, root, c) ||
	    load_slots(l, root, c) || load_central(l, root, c) || load_http(l, root, c))
		return -1;
	if (mode[0]) {
		unsigned m;
		for (m = 0; m < 4 && strcasecmp(mode, s_mode_names[m]); m++)
			;
		if (m == 4)
			return fail(l, config_setting_get_member(root, "mode"),
				    "unknown mode '%s': use refurbish, backup, restore or flash", mode);
		c->mode = (enum st_mode)m;
	}
	if (erase[0] && strcmp(erase, "chip") && strcmp(erase, "targeted"))
		return fail(l, config_setting_get_member(root, "erase"),
			    "unknown erase '%s': use targeted (only sectors that held data) or chip",
			    erase);
	if (erase[0])
		c->erase_chip = strcmp(erase, "chip") == 0;
	if (check_reset(l, config_setting_get_member(root, "reset"), c->reset))
		return -1;
	unsigned images = 0;
	for (int f = 0; f < ST_FAMILIES; f++)
		images += c->image[f].n_parts > 0;
	if ((c->mode == ST_MODE_REFURBISH || c->mode == ST_MODE_FLASH) && !images)
		return fail(l, NULL, "mode %s writes firmware but no image is set: add image = "
			    "\"firmware.bin\"; for ESP8266 units or images = { esp32 = \"...\"; } "
			    "(or use mode = \"backup\")", st_mode_name(c->mode));
	if (!c->station[0])
		return fail(l, config_setting_get_member(root, "station"), "station name is empty");
	return 0;
}

int st_config_load(const char *path, struct st_config *c, char *err, unsigned errlen)
{
	struct loader l = {.file = path, .err = err, .errlen = errlen};
	config_t cf;
	config_init(&cf);
	if (!config_read_file(&cf, path)) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read the config file: check the path and "
				 "permissions (start from station/station.cfg.example)", path);
		else
			snprintf(err, errlen, "%s:%d: %s: fix the syntax (strings go in double quotes, "
				 "groups in { }, lists in ( ))", config_error_file(&cf) ? config_error_file(&cf) : path,
				 config_error_line(&cf), config_error_text(&cf));
		config_destroy(&cf);
		return -1;
	}
	int rc = load_root(&l, config_root_setting(&cf), c);
	if (rc == 0)
		snprintf(c->path, sizeof c->path, "%s", path);
	config_destroy(&cf);
	return rc;
}

const struct st_cfg_adapter *st_config_adapter(const struct st_config *c, unsigned vid, unsigned pid)
{
	for (unsigned i = 0; i < c->n_adapters; i++)
		if (c->adapter[i].vid == vid && c->adapter[i].pid == pid)
			return &c->adapter[i];
	return NULL;
}

const char *st_config_reset_for(const struct st_config *c, const char *slot, unsigned vid,
				unsigned pid)
{
	for (unsigned i = 0; slot && i < c->n_slots; i++)
		if (strcmp(c->slot[i].name, slot) == 0 && c->slot[i].reset[0])
			return c->slot[i].reset;
	const struct st_cfg_adapter *a = st_config_adapter(c, vid, pid);
	return a && a->reset[0] ? a->reset : c->reset;
}
