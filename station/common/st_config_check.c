/* SPDX-License-Identifier: MIT */
/* Start-up checks of the config's path settings, so that an unusable
 * backup_dir, database, image, LED or stub is found before a unit is
 * touched (not after a whole flash was read), each as one line naming the
 * setting, the path, the cause and the fix. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esp_stub.h"
#include "st_config.h"

struct checker {
	st_config_check_fn *report;
	void *user;
	int problems;
};

static void say(struct checker *k, const char *setting, const char *path, int ok, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));

static void say(struct checker *k, const char *setting, const char *path, int ok, const char *fmt,
		...)
{
	char text[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	k->problems += !ok;
	k->report(k->user, setting, path, ok, text);
}

/* Creates and removes a file in dir: the only honest writability test, as
 * root passes access(W_OK) even on a directory it may not write (0500, or
 * a read-only mount).  Returns 0 or an errno. */
static int probe_write(const char *dir)
{
	char tmp[ST_CFG_STR + 32];
	snprintf(tmp, sizeof tmp, "%s/.espstation-check-XXXXXX", dir);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return errno;
	close(fd);
	return unlink(tmp) == 0 ? 0 : errno;
}

/* The deepest existing ancestor of path ("." for a relative path with no
 * existing part): where a missing directory would be created. */
static void existing_ancestor(const char *path, char *out, size_t cap)
{
	snprintf(out, cap, "%s", path);
	for (;;) {
		char *slash = strrchr(out, '/');
		while (slash && slash > out && slash[1] == '\0') { /* trailing '/' */
			*slash = '\0';
			slash = strrchr(out, '/');
		}
		if (!slash) {
			snprintf(out, cap, ".");
			return;
		}
		if (slash == out) {
			out[1] = '\0';
			return;
		}
		*slash = '\0';
		struct stat st;
		if (stat(out, &st) == 0 || errno != ENOENT)
			return;
	}
}

/* A directory the station writes into: dir exists and is writable, or is
 * missing and can be created (mkdir -p) under a writable ancestor.
 * Returns 1 if usable; else 0 with "cause (fix: ...)" in why. */
static int dir_usable(const char *setting, const char *dir, char *note, size_t ncap, char *why,
		      size_t wcap)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(why, wcap, "exists but is not a directory (fix: move the file away, or set "
				 "%s to a directory)", setting);
			return 0;
		}
		int e = probe_write(dir);
		if (e) {
			snprintf(why, wcap, "cannot create a file in it: %s (fix: give the station's user "
				 "write access, e.g. chown, or set %s elsewhere)", strerror(e), setting);
			return 0;
		}
		snprintf(note, ncap, "a writable directory");
		return 1;
	}
	if (errno != ENOENT) {
		snprintf(why, wcap, "cannot be used: %s (fix: check the path and the permissions of "
			 "its parents)", strerror(errno));
		return 0;
	}
	char anc[ST_CFG_STR];
	existing_ancestor(dir, anc, sizeof anc);
	if (stat(anc, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, wcap, "cannot be created: %s is not a directory (fix: set %s to a "
			 "path under a directory)", anc, setting);
		return 0;
	}
	int e = probe_write(anc);
	if (e) {
		snprintf(why, wcap, "does not exist and cannot be created in %s: %s (fix: mkdir -p %s "
			 "and give it to the station's user)", anc, strerror(e), dir);
		return 0;
	}
	snprintf(note, ncap, "will be created in %s (writable)", anc);
	return 1;
}

static void check_backup_dir(struct checker *k, const struct st_config *c)
{
	char note[ST_CFG_STR + 64], why[ST_CFG_STR + 160];
	if (!c->backup_dir[0])
		say(k, "backup_dir", "", 0, "is empty, so backups would go to /<mac>/ (fix: set "
		    "backup_dir = \"/var/lib/espstation/backups\"; or another directory)");
	else if (dir_usable("backup_dir", c->backup_dir, note, sizeof note, why, sizeof why))
		say(k, "backup_dir", c->backup_dir, 1, "%s", note);
	else
		say(k, "backup_dir", c->backup_dir, 0, "%s", why);
}

/* SQLite writes the file and, beside it, its -wal and -shm files. */
static void check_database(struct checker *k, const struct st_config *c)
{
	const char *db = c->database;
	if (!db[0]) {
		say(k, "database", "", 0, "is empty (fix: set database = "
		    "\"/var/lib/espstation/station.db\";)");
		return;
	}
	struct stat st;
	if (stat(db, &st) == 0 && !S_ISREG(st.st_mode)) {
		say(k, "database", db, 0, "is not a regular file (fix: name a file, e.g. database = "
		    "\"%s/station.db\";)", S_ISDIR(st.st_mode) ? db : "/var/lib/espstation");
		return;
	}
	int exists = stat(db, &st) == 0;
	char dir[ST_CFG_STR], note[ST_CFG_STR + 64], why[ST_CFG_STR + 160];
	snprintf(dir, sizeof dir, "%s", db);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		slash[slash == dir] = '\0'; /* "/x.db" -> "/" */
	if (!dir_usable("database", dir, note, sizeof note, why, sizeof why)) {
		say(k, "database", db, 0, "directory %s %s", dir, why);
		return;
	}
	if (exists) {
		int fd = open(db, O_RDWR | O_CLOEXEC); /* opens only: changes nothing */
		if (fd < 0) {
			say(k, "database", db, 0, "cannot be opened for writing: %s (fix: give the "
			    "station's user write access to it)", strerror(errno));
			return;
		}
		close(fd);
		say(k, "database", db, 1, "exists, writable; directory %s: %s", dir, note);
	} else {
		say(k, "database", db, 1, "will be created; directory %s: %s", dir, note);
	}
}

/* One file of an image set: readable and a regular file. */
static void check_image_file(struct checker *k, const char *setting, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say(k, setting, path, 0, "cannot be read: %s (fix: check %s = \"...\" in the "
		    "config, or copy the firmware there)", strerror(errno), setting);
		return;
	}
	int reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	if (!reg)
		say(k, setting, path, 0, "is not a regular file (fix: point %s at the firmware file)",
		    setting);
	else
		say(k, setting, path, 1, "readable, %lld bytes", (long long)st.st_size);
}

static void check_image(struct checker *k, const struct st_config *c)
{
	int writes = c->mode == ST_MODE_REFURBISH || c->mode == ST_MODE_FLASH, any = 0;
	for (int f = 0; f < ST_FAMILIES; f++)
		any |= c->image[f].n_parts > 0;
	if (!any && !writes)
		say(k, "image", "", 1, "not used in %s mode", st_mode_name(c->mode));
	for (int f = 0; f < ST_FAMILIES; f++) {
		const struct st_cfg_image *img = &c->image[f];
		char setting[32];
		snprintf(setting, sizeof setting, f == ST_FAMILY_ESP8266 ? "image" : "images.%s",
			 st_family_name((enum st_family)f));
		for (unsigned i = 0; i < img->n_parts; i++) {
			if (!writes)
				say(k, setting, img->part[i].file, 1, "not used in %s mode",
				    st_mode_name(c->mode));
			else
				check_image_file(k, setting, img->part[i].file);
		}
	}
}

/* LEDs are written as <led_root>/<led>/{trigger,brightness,...}. */
static void check_leds(struct checker *k, const struct st_config *c)
{
	unsigned used = 0;
	for (unsigned i = 0; i < c->n_slots; i++)
		used += c->slot[i].led[0] != '\0';
	if (!used) {
		say(k, "led_root", c->led_root, 1, "no slot has an LED");
		return;
	}
	struct stat st;
	const char *why = NULL;
	if (!c->led_root[0])
		why = "is empty";
	else if (stat(c->led_root, &st) != 0)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "is not a directory";
	if (why) {
		say(k, "led_root", c->led_root, 0, "%s, but %u slot(s) have an LED (fix: set led_root "
		    "to the LED class directory, normally /sys/class/leds, or remove led from the "
		    "slots)", why, used);
		return;
	}
	for (unsigned i = 0; i < c->n_slots; i++) {
		const struct st_cfg_slot *s = &c->slot[i];
		if (!s->led[0])
			continue;
		char attr[2 * ST_CFG_STR];
		snprintf(attr, sizeof attr, "%s/%s/brightness", c->led_root, s->led);
		int fd = open(attr, O_WRONLY | O_CLOEXEC); /* opens only: the LED does not change */
		if (fd < 0) {
			say(k, "led_root", attr, 0, "LED '%s' of slot %s cannot be written: %s (fix: "
			    "check the slot's led name against ls %s, and the permissions)", s->led,
			    s->name, strerror(errno), c->led_root);
			return;
		}
		close(fd);
	}
	say(k, "led_root", c->led_root, 1, "%u slot LED(s) writable", used);
}

static void check_stub(struct checker *k, const struct st_config *c)
{
	if (!c->stub[0]) {
		say(k, "stub", "", 1, "the built-in esp-flasher-stub");
		return;
	}
	struct esp_stub_image img;
	struct esp_error e;
	memset(&e, 0, sizeof e);
	if (esp_stub_load_file(c->stub, &img, &e) != ESP_OK) {
		say(k, "stub", c->stub, 0, "does not load: %s (fix: give a stub file in esptool's "
		    "JSON format, or drop stub = / --stub to use the built-in one)", e.msg);
		return;
	}
	say(k, "stub", c->stub, 1, "loads: entry 0x%08x, text %zu bytes, data %zu bytes", img.entry,
	    img.text_len, img.data_len);
	esp_stub_free(&img);
}

int st_config_check(const struct st_config *c, st_config_check_fn *report, void *user)
{
	struct checker k = {.report = report, .user = user};
	check_backup_dir(&k, c);
	check_database(&k, c);
	check_image(&k, c);
	check_leds(&k, c);
	check_stub(&k, c);
	return k.problems;
}
