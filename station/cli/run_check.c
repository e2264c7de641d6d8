/* SPDX-License-Identifier: MIT */
/* `espstation run --check` and the path checks of every start: a shift
 * learns before the first unit whether the station will run, one line per
 * check, each failure naming the setting, the path, the cause and the fix. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_common.h"
#include "db.h"
#include "hotplug.h"
#include "run_check.h"
#include "worker.h"

struct report {
	const struct st_config *cfg;
	int failed;      /* run --check: any FAIL line */
	int exit_code;   /* a start: the first problem's exit code */
};

static void line(struct report *r, int ok, const char *setting, const char *path, const char *fmt,
		 ...) __attribute__((format(printf, 5, 6)));

static void line(struct report *r, int ok, const char *setting, const char *path, const char *fmt,
		 ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	r->failed |= !ok;
	/* an empty path is shown, so that `backup_dir = ""` reads as such */
	if (path[0] || !ok)
		printf("%s %s %s: %s\n", ok ? "ok" : "FAIL", setting, path[0] ? path : "\"\"", text);
	else
		printf("%s %s: %s\n", ok ? "ok" : "FAIL", setting, text);
}

static void on_start_path(void *user, const char *setting, const char *path, int ok,
			  const char *text)
{
	struct report *r = user;
	if (ok)
		return;
	fprintf(stderr, "espstation: %s %s: %s\n", setting, path[0] ? path : "\"\"", text);
	if (!r->exit_code)
		r->exit_code = strcmp(setting, "stub") == 0 ? CLI_EXIT_USAGE : CLI_EXIT_FILE;
}

int run_check_paths(const struct st_config *cfg)
{
	struct report r = {.cfg = cfg};
	(void)st_config_check(cfg, on_start_path, &r);
	return r.exit_code;
}

/* The firmware is loaded as every worker loads it: each family's set,
 * once its files were found readable. */
static void check_image_contents(struct report *r)
{
	struct job_image_opts opts;
	struct esp_error err = {0};
	if (r->cfg->mode != ST_MODE_REFURBISH && r->cfg->mode != ST_MODE_FLASH)
		return;
	if (job_image_opts_parse(&opts, r->cfg->flash_mode, r->cfg->flash_size, r->cfg->flash_freq,
				 &err) != 0) {
		line(r, 0, "image", "", "refused: %s", err.msg);
		return;
	}
	for (int f = 0; f < ST_FAMILIES; f++) {
		const struct st_cfg_image *set = &r->cfg->image[f];
		struct job_image img;
		char name[1024], what[64];
		if (!set->n_parts)
			continue;
		st_image_spec_format(set, name, sizeof name);
		snprintf(what, sizeof what, "%s firmware", st_family_name((enum st_family)f));
		memset(&err, 0, sizeof err);
		if (job_image_load(&img, set, f, &opts, &err) != ESP_OK)
			line(r, 0, "image", name, "refused: %s", err.msg);
		else if (img.is_image)
			line(r, 1, "image", name, "%s, %s image, %u segment(s), %zu bytes", what,
			     img.info.extended ? "an ESP32-class" : "an ESP8266",
			     (unsigned)img.info.segments, img.file_len);
		else
			line(r, 1, "image", name, "%s, %zu bytes", what, img.file_len);
		job_image_free(&img);
	}
}

/* An existing database must open: not foreign, not newer than us. */
static void check_db_open(struct report *r, const char *path, const char *text)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		line(r, 1, "database", path, "%s", text);
		return;
	}
	if (st.st_size == 0) { /* as a missing one: the station writes the schema */
		line(r, 1, "database", path, "%s; empty: the schema is created at start", text);
		return;
	}
	struct db *db = NULL;
	char err[512] = "";
	/* read-only: a check never creates, migrates or writes the database */
	if (db_open_readonly(path, &db, err, sizeof err) != 0) {
		size_t n = strlen(path);
		const char *why = strncmp(err, path, n) == 0 && err[n] == ':' ? err + n + 1 : err;
		line(r, 0, "database", path, "cannot be opened:%s%s", *why == ' ' ? "" : " ", why);
		return;
	}
	line(r, 1, "database", path, "%s; schema v%d", text, db_schema_version_at_open(db));
	db_close(db);
}

static void on_check_path(void *user, const char *setting, const char *path, int ok,
			  const char *text)
{
	struct report *r = user;
	if (ok && strcmp(setting, "database") == 0)
		check_db_open(r, path, text);
	else
		line(r, ok, setting, path, "%s", text);
}

static void on_thief(void *user, const char *msg)
{
	(void)user;
	printf("warn ports: %s\n", msg);
}

/* The adapters present now, as the station would take them; none is fine
 * (they are served as they are plugged in). */
static void check_adapters(struct report *r)
{
	const struct st_config *c = r->cfg;
	struct hp_filter f = {0};
	for (unsigned i = 0; i < c->n_adapters && f.n < HP_FILTER_MAX; i++)
		f.id[f.n++] = (struct hp_usb_id){c->adapter[i].vid, c->adapter[i].pid};
	struct slot_map map = {0};
	for (unsigned i = 0; i < c->n_slots && map.n < SLOT_MAP_MAX; i++, map.n++) {
		snprintf(map.e[map.n].id_path, sizeof map.e[map.n].id_path, "%s", c->slot[i].id_path);
		snprintf(map.e[map.n].slot, sizeof map.e[map.n].slot, "%s", c->slot[i].name);
	}
	struct hp_monitor *m = NULL;
	/* no settle delay and no wait for udev: this is a look, not a start */
	int rc = hp_monitor_new(&f, 0, &m);
	if (rc == 0) {
		hp_monitor_set_init_wait_ms(m, 0);
		rc = hp_monitor_enumerate(m);
	}
	if (rc != 0) {
		line(r, 0, "adapters", "", "cannot watch udev for adapters: %s (fix: run the station "
		     "where udev runs, with /sys and /run/udev visible)", strerror(-rc));
		hp_monitor_free(m);
		return;
	}
	struct hp_event ev;
	unsigned n = 0;
	while (hp_monitor_next(m, &ev) == 1) {
		if (ev.action != HP_ADD)
			continue;
		const char *slot = slot_resolve(&map, &ev);
		const struct st_cfg_adapter *a = st_config_adapter(c, ev.vid, ev.pid);
		n++;
		if (!slot[0] && !c->allow_unmapped)
			printf("warn adapter %s: %04x:%04x, ID_PATH %s is not in slots and allow_unmapped "
			       "is false: it will be ignored (fix: add it to slots)\n", ev.devnode, ev.vid,
			       ev.pid, ev.id_path[0] ? ev.id_path : "(none)");
		else
			printf("ok adapter %s: %04x:%04x %s, slot %s\n", ev.devnode, ev.vid, ev.pid,
			       a && a->kind[0] ? a->kind : "usb-uart", slot[0] ? slot : "(unmapped)");
	}
	hp_monitor_free(m);
	if (hp_check_port_thieves(NULL, NULL, on_thief, NULL) < 0)
		printf("warn ports: could not check for programs that take serial ports\n");
	if (n)
		line(r, 1, "adapters", "", "%u present now", n);
	else
		line(r, 1, "adapters", "", "none present now (each is served when it is plugged in)");
}

int run_check(const struct st_config *cfg, const char *cfg_path, const char *load_err)
{
	struct report r = {.cfg = cfg};
	if (load_err) {
		printf("FAIL config: %s\n", load_err); /* names the file and line */
		printf("the station would not start: fix the FAIL lines\n");
		return 1; /* nothing below means anything without the config */
	}
	if (cfg_path)
		line(&r, 1, "config", cfg_path, "station %s, mode %s, %u slot(s), %u adapter kind(s)",
		     cfg->station, st_mode_name(cfg->mode), cfg->n_slots, cfg->n_adapters);
	else
		line(&r, 1, "config", "", "none given: built-in defaults, mode %s",
		     st_mode_name(cfg->mode));
	int failed = r.failed;
	(void)st_config_check(cfg, on_check_path, &r);
	if (r.failed == failed)
		check_image_contents(&r);
	check_adapters(&r);
	printf("%s\n", r.failed ? "the station would not start: fix the FAIL lines"
				: "the station would run");
	return r.failed ? 1 : 0;
}
