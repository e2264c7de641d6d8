/* SPDX-License-Identifier: MIT */
/* The rack: a umockdev testbed, slots, and what happens to them (plug,
 * unplug, swap, power-cycle, the operator's button), logged to rack.log. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <umockdev.h>

#include "rack.h"

#define RACK_FAULT_POLL_MS 10 /* how often to look for units that hung up by themselves */
#define RACK_OPERATOR_POLL_MS 50 /* how often the operator looks at a unit they may power-cycle */

int64_t rack_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t rack_now(const struct rack *r)
{
	return rack_mono_ns() - r->t0;
}

void rack_logf(struct rack *r, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	double t = (double)rack_now(r) / 1e9;
	if (r->log) {
		fprintf(r->log, "%.3f %s\n", t, line);
		fflush(r->log);
	}
	if (!r->opts->quiet)
		fprintf(stderr, "[vrack %.3f] %s\n", t, line);
}

static int make_workdir(struct rack *r)
{
	const char *dir = r->opts->workdir;
	if (dir) {
		if (g_mkdir_with_parents(dir, 0755) < 0) {
			fprintf(stderr, "vrack: cannot create workdir %s: %s\n", dir,
				strerror(errno));
			return -1;
		}
		snprintf(r->workdir, sizeof r->workdir, "%s", dir);
		return 0;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(r->workdir, sizeof r->workdir, "%s/vrack.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(r->workdir)) {
		fprintf(stderr, "vrack: cannot create a temporary workdir: %s\n", strerror(errno));
		return -1;
	}
	r->own_workdir = 1;
	return 0;
}

/* The descriptors vrack was started with belong to whoever started it and
 * pass on to the command; every other one is vrack's own. */
static void note_inherited_fds(struct rack *r)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int self = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && fd != self &&
		    fd < (int)(8 * sizeof r->inherited_fds))
			r->inherited_fds[fd / 8] |= (unsigned char)(1u << (fd % 8));
	}
	closedir(d);
}

void rack_cloexec_own_fds(struct rack *r, int keep)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int self = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		int fd = atoi(de->d_name);
		if (fd <= 2 || fd == self || fd == keep)
			continue;
		if (fd < (int)(8 * sizeof r->inherited_fds) &&
		    (r->inherited_fds[fd / 8] & (1u << (fd % 8))))
			continue;
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
	closedir(d);
}

int rack_open(struct rack *r, const struct rack_opts *o)
{
	r->opts = o;
	note_inherited_fds(r);
	r->t0 = rack_mono_ns();
	r->next_devnum = 2; /* 1 is the root hub */
	if (make_workdir(r) < 0)
		return -1;
	char path[4200];
	snprintf(path, sizeof path, "%s/rack.log", r->workdir);
	r->log = fopen(path, "we");
	if (!r->log) {
		fprintf(stderr, "vrack: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* Never ask umockdev_in_mock_environment() before this: 0.17.16 caches
	 * the answer, and a cached "no" silently drops every add uevent. */
	r->tb = umockdev_testbed_new();
	if (!umockdev_in_mock_environment()) {
		fprintf(stderr, "vrack: not running under umockdev's preload library: start it as "
				"'umockdev-wrapper vrack ...'\n");
		return -1;
	}
	rack_sysfs_shadow_real_ttys(r);
	gchar *root = umockdev_testbed_get_root_dir(r->tb);
	rack_logf(r, "rack: testbed %s, workdir %s%s", root, r->workdir,
		  r->opts->baud_fast ? ", adapters take any baud rate (--baud-fast)" : "");
	g_free(root);
	for (unsigned i = 0; i < r->nshadows; i++)
		rack_logf(r, "rack: this machine has a real /dev/%s; the command cannot see it",
			  r->shadows[i]);
	return 0;
}

/* One file per slot for the whole run: the first plug starts it afresh
 * (a reused workdir keeps nothing from an earlier run), replugs append. */
static FILE *open_lines(struct rack *r, const struct rack_slot *s)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/slot%u.lines", r->workdir, s->index);
	FILE *f = fopen(path, s->plugs ? "ae" : "we");
	if (f && !s->plugs) {
		fprintf(f,
			"# vrack-lines v1, slot %u: TIME(s, rack clock) PORT EVENT ... (DTR/RTS "
			"1 = asserted; EN/GPIO0 through the classic auto-reset circuit)\n",
			s->index);
		fflush(f);
	}
	return f;
}

const char *rack_unit_chip_str(const struct emu_config *c, char *buf, size_t cap)
{
	const struct emu_security *s = &c->security;

	emu_chip_description(c, buf, cap);
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s%s%s%s", s->flash_encrypted ? ", flash encrypted" : "",
		 s->secure_boot ? ", secure boot" : "",
		 s->dl_encrypt_disabled ? ", download encryption disabled" : "",
		 s->secure_download ? ", Secure Download Mode" : "");
	return buf;
}

int rack_plug(struct rack *r, unsigned n)
{
	struct rack_slot *s = &r->slots[n];
	if (s->port) {
		rack_logf(r, "slot %u: already plugged in as %s, nothing to do", n,
			  s->port->devnode);
		return 0;
	}
	/* A unit that hung up by itself freed its pty; umockdev would trip
	 * over the old one's leftovers if the new adapter got the same pty
	 * before that unplug is done (see rack_sysfs_unplug). */
	(void)rack_tick(r);
	int acm = s->kind->acm;
	struct rack_port *p = rack_port_new(r, n, acm ? r->next_acm++ : r->next_tty++, acm);
	p->next = r->ports;
	r->ports = p;
	p->max_baud = r->opts->baud_fast ? 0 : s->kind->max_baud;
	p->wired = s->unit.emu.wiring == EMU_WIRING_AUTO;
	p->lines = open_lines(r, s);

	/* The unit: its own log per plug, its flash as it was at the unplug. */
	struct emu_config c = s->unit.emu;
	rack_slot_mac(s, c.mac);
	char log_path[4200], err[256];
	if (s->plugs == 0)
		snprintf(log_path, sizeof log_path, "%s/slot%u.emu.log", r->workdir, n);
	else
		snprintf(log_path, sizeof log_path, "%s/slot%u.emu.%u.log", r->workdir, n,
			 s->plugs + 1);
	c.log_path = log_path;
	c.flash_image = s->flash ? NULL : s->unit.image;
	double emu_t0 = (double)rack_now(r) / 1e9; /* the log's "t" counts from emu_new() */
	struct emu *e = emu_new(&c, err, sizeof err);
	if (!e) {
		rack_logf(r, "slot %u: the emulator refused the unit: %s", n, err);
		return -1;
	}
	if (s->flash && emu_set_flash(e, 0, s->flash, s->flash_len) != 0) {
		emu_free(e);
		rack_logf(r, "slot %u: cannot restore the unit's flash", n);
		return -1;
	}
	pthread_mutex_lock(&p->lock);
	p->emu = e;
	pthread_mutex_unlock(&p->lock);

	/* The handler must be attached before the node exists, or the
	 * command's open() binds to umockdev's default handler. */
	GError *gerr = NULL;
	rack_sysfs_unshadow(r, p->name);
	if (!umockdev_testbed_attach_ioctl(r->tb, p->devnode, p->handler, &gerr)) {
		rack_logf(r, "slot %u: umockdev cannot attach the ioctl handler: %s", n,
			  gerr->message);
		g_error_free(gerr);
		return -1;
	}
	if (rack_sysfs_plug(r, p, s, err, sizeof err) < 0) {
		rack_logf(r, "slot %u: %s", n, err);
		return -1;
	}
	p->master = umockdev_testbed_get_dev_fd(r->tb, p->devnode);
	/* umockdev opens the master without O_CLOEXEC: a command spawned later
	 * would hold a copy, and closing ours would then never hang up the tty */
	if (p->master >= 0) {
		(void)fcntl(p->master, F_SETFD, FD_CLOEXEC);
		if (ptsname_r(p->master, p->pts, sizeof p->pts) != 0)
			p->pts[0] = '\0';
	}
	int rc = p->master < 0 ? -ENODEV : emu_start(e, p->master, 1);
	if (rc < 0) {
		rack_logf(r, "slot %u: cannot start the emulator on %s: %s", n, p->devnode,
			  strerror(-rc));
		return -1;
	}
	s->port = p;
	s->plugs++;
	char mac[18], id_path[64], flash[48], stuck[EMU_MAX_STUCK * 10 + 32] = "", chip[160];
	char fw[32], boot[96];
	rack_sysfs_id_path(n, id_path, sizeof id_path);
	snprintf(flash, sizeof flash, "%s", s->flash ? "flash as unplugged" :
		 s->unit.image ? "flash from image" : "flash layout ");
	if (!s->flash && !s->unit.image)
		snprintf(flash + strlen(flash), sizeof flash - strlen(flash), "%s",
			 emu_layout_name(c.layout));
	for (unsigned i = 0; i < c.faults.n_stuck; i++)
		snprintf(stuck + strlen(stuck), sizeof stuck - strlen(stuck), "%s0x%X",
			 i ? "," : ", stuck sectors ", c.faults.stuck_sectors[i]);
	snprintf(boot, sizeof boot, ", firmware %s at %u%s%s", emu_firmware_name(&c.firmware, fw, sizeof fw),
		 c.firmware.baud, c.flash_modes == EMU_FLASH_MODES_ALL ? "" :
		 c.flash_modes == EMU_FLASH_MODES_DOUT ? ", flash boots DOUT only" : ", flash modes limited",
		 c.faults.gpio0_held ? ", GPIO0 held low" : "");
	rack_logf(r,
		  "slot %u: plug %s (%s %s:%s, serial %s, ID_PATH %s) unit MAC %s %s, %uKB "
		  "wiring %s, %s, timing %s%s%s%s%s, log %s (its t=0 at %.4f)",
		  n, p->devnode, s->kind->name, s->kind->vid, s->kind->pid,
		  s->serial[0] ? s->serial : "(none)", id_path, rack_mac_str(c.mac, mac),
		  rack_unit_chip_str(&c, chip, sizeof chip), c.flash_size / 1024, p->wired ? "auto" : "none", flash,
		  c.fast_flash ? "fast" : "real",
		  c.faults.never_boot ? ", never boots the loader" : "",
		  c.faults.unplug_after ? ", hangs up after unplug_after bytes" : "", stuck, boot,
		  strrchr(log_path, '/') + 1, emu_t0);
	rack_port_note(p, "plug (unit MAC %s)", mac);
	if (!p->wired && s->unit.button_s >= 0)
		s->button_at = rack_now(r) + (int64_t)(s->unit.button_s * 1e9);
	s->cycle_armed = !p->wired && s->unit.cycle_s >= 0;
	return 0;
}

/* Keeps the unit's flash for its next plug, then lets the emulator go. */
static void retire_unit(struct rack_slot *s, struct rack_port *p, struct emu *e)
{
	uint32_t size = emu_flash_size(e);
	uint8_t *buf = malloc(size);
	if (buf && emu_get_flash(e, buf, size) == 0) {
		free(s->flash);
		s->flash = buf;
		s->flash_len = size;
	} else {
		free(buf);
	}
	emu_stop(e);
	emu_free(e);
	p->master = -1; /* the emulator closed it (emu_unplug / unplug_after) */
}

int rack_unplug(struct rack *r, unsigned n, const char *why)
{
	struct rack_slot *s = &r->slots[n];
	struct rack_port *p = s->port;
	if (!p) {
		rack_logf(r, "slot %u: not plugged in (%s), nothing to unplug", n, why);
		return 0;
	}
	/* The kernel's order: the tty hangs up (every later ioctl is EIO, reads
	 * see EOF), then the devices go, leaf first, each with a remove uevent. */
	pthread_mutex_lock(&p->lock);
	struct emu *e = p->emu;
	p->emu = NULL;
	pthread_mutex_unlock(&p->lock);
	emu_unplug(e);
	rack_sysfs_unplug(r, p);
	retire_unit(s, p, e);
	p->unplugged = 1;
	s->port = NULL;
	s->button_at = 0;
	s->cycle_armed = 0;
	rack_port_note(p, "unplug (%s)", why);
	rack_logf(r, "slot %u: unplug %s (%s)", n, p->devnode, why);
	return 0;
}

int rack_swap(struct rack *r, unsigned n)
{
	struct rack_slot *s = &r->slots[n];
	int was_plugged = s->port != NULL;
	if (was_plugged && rack_unplug(r, n, "swap") < 0)
		return -1;
	free(s->flash);
	s->flash = NULL; /* a new unit, fresh from the factory */
	s->generation++;
	uint8_t mac[6];
	char buf[18];
	rack_slot_mac(s, mac);
	rack_logf(r, "slot %u: swap: unit #%u (MAC %s) goes in", n, s->generation + 1,
		  rack_mac_str(mac, buf));
	return was_plugged ? rack_plug(r, n) : 0;
}

int rack_reseat(struct rack *r, unsigned n)
{
	struct rack_slot *s = &r->slots[n];
	struct rack_port *p = s->port;
	if (!p) {
		rack_logf(r, "slot %u: not plugged in, no unit to reseat", n);
		return 0;
	}
	pthread_mutex_lock(&p->lock);
	struct emu *old = p->emu;
	p->emu = NULL;
	pthread_mutex_unlock(&p->lock);
	emu_stop(old); /* leaves the master open: the adapter stays */
	emu_free(old);
	free(s->flash);
	s->flash = NULL;
	s->generation++;
	struct emu_config c = s->unit.emu;
	rack_slot_mac(s, c.mac);
	char log_path[4200], err[256], mac[18];
	snprintf(log_path, sizeof log_path, "%s/slot%u.emu.unit%u.log", r->workdir, n,
		 s->generation + 1);
	c.log_path = log_path;
	c.flash_image = s->unit.image;
	struct emu *e = emu_new(&c, err, sizeof err);
	if (!e) {
		rack_logf(r, "slot %u: the emulator refused the new unit: %s", n, err);
		return -1;
	}
	pthread_mutex_lock(&p->lock);
	p->emu = e;
	pthread_mutex_unlock(&p->lock);
	int rc = emu_start(e, p->master, 1);
	if (rc < 0) {
		rack_logf(r, "slot %u: cannot start the new unit: %s", n, strerror(-rc));
		return -1;
	}
	rack_port_note(p, "reseat (unit MAC %s)", rack_mac_str(c.mac, mac));
	rack_logf(r, "slot %u: reseat: unit #%u (MAC %s) in the jig on %s, log %s", n,
		  s->generation + 1, mac, p->devnode, strrchr(log_path, '/') + 1);
	return 0;
}

int rack_power_cycle(struct rack *r, unsigned n, int button)
{
	struct rack_slot *s = &r->slots[n];
	if (!s->port) {
		rack_logf(r, "slot %u: not plugged in, cannot power-cycle its unit", n);
		return 0;
	}
	struct rack_port *p = s->port;
	pthread_mutex_lock(&p->lock);
	if (p->emu)
		emu_power_cycle(p->emu, button);
	pthread_mutex_unlock(&p->lock);
	rack_port_note(p, "operator: power-cycle%s", button ? " holding GPIO0 (the button)" : "");
	rack_logf(r, "slot %u: power-cycle%s", n, button ? " with GPIO0 held (download mode)" : "");
	return 0;
}

int rack_do(struct rack *r, const struct rack_event *ev)
{
	switch (ev->action) {
	case RACK_PLUG: return rack_plug(r, ev->slot);
	case RACK_UNPLUG: return rack_unplug(r, ev->slot, "timeline");
	case RACK_SWAP: return rack_swap(r, ev->slot);
	case RACK_POWER_CYCLE: return rack_power_cycle(r, ev->slot, ev->button);
	case RACK_RESEAT: return rack_reseat(r, ev->slot);
	}
	return -1;
}

/* A bare adapter: the station has worked with the unit in its loader and
 * now waits, the line quiet (it asked for a power-cycle to see the unit
 * boot).  The operator does it once per plug, without the button.
 * Returns 1 once done, 0 while still watching. */
static int operator_cycle(struct rack *r, struct rack_slot *s)
{
	struct rack_port *p = s->port;
	struct emu_activity a = {0};
	pthread_mutex_lock(&p->lock);
	if (p->emu)
		emu_get_activity(p->emu, &a);
	pthread_mutex_unlock(&p->lock);
	if (!a.download || a.host_bytes == 0 || a.quiet_ms < (int64_t)(s->unit.cycle_s * 1000))
		return 0;
	s->cycle_armed = 0;
	rack_logf(r,
		  "slot %u: the line has been quiet for %.1f s with the unit in its loader: the "
		  "operator power-cycles it without the button",
		  s->index, (double)a.quiet_ms / 1000);
	(void)rack_power_cycle(r, s->index, 0);
	return 1;
}

int rack_tick(struct rack *r)
{
	int64_t now = rack_now(r), wait_ns = -1;
	for (unsigned n = 0; n < RACK_MAX_SLOTS; n++) {
		struct rack_slot *s = &r->slots[n];
		if (!s->port)
			continue;
		if (s->button_at && now >= s->button_at) {
			s->button_at = 0;
			rack_logf(
				r,
				"slot %u: the operator holds the button and power-cycles the unit",
				n);
			(void)rack_power_cycle(r, n, 1);
		}
		if (s->button_at && (wait_ns < 0 || s->button_at - now < wait_ns))
			wait_ns = s->button_at - now;
		if (s->cycle_armed && operator_cycle(r, s) == 0 &&
		    (wait_ns < 0 || wait_ns > RACK_OPERATOR_POLL_MS * 1000000ll))
			wait_ns = RACK_OPERATOR_POLL_MS * 1000000ll;
		if (!s->unit.emu.faults.unplug_after)
			continue;
		struct rack_port *p = s->port;
		pthread_mutex_lock(&p->lock);
		int gone = p->emu && emu_is_unplugged(p->emu);
		pthread_mutex_unlock(&p->lock);
		if (gone) {
			(void)rack_unplug(r, n, "the unit hung up: unplug_after fault");
			continue;
		}
		if (wait_ns < 0 || wait_ns > RACK_FAULT_POLL_MS * 1000000ll)
			wait_ns = RACK_FAULT_POLL_MS * 1000000ll;
	}
	return wait_ns < 0 ? -1 : (int)((wait_ns + 999999) / 1000000);
}

static void dump_flash(struct rack *r, struct rack_slot *s, struct emu *e)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/slot%u.flash.bin", r->workdir, s->index);
	uint32_t size = e ? emu_flash_size(e) : s->flash_len;
	uint8_t *buf = e ? malloc(size) : s->flash;
	if (!buf || (e && emu_get_flash(e, buf, size) != 0)) {
		if (e)
			free(buf);
		return;
	}
	FILE *f = fopen(path, "we");
	if (f) {
		size_t w = fwrite(buf, 1, size, f);
		if (fclose(f) != 0 || w != size)
			rack_logf(r, "slot %u: cannot write %s", s->index, path);
	}
	if (e)
		free(buf);
}

/* vrack's own temporary workdir holds plain files only. */
static void remove_workdir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char path[4400];
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		(void)unlink(path);
	}
	closedir(d);
	(void)rmdir(dir);
}

void rack_close(struct rack *r)
{
	for (unsigned n = 0; n < RACK_MAX_SLOTS; n++) {
		struct rack_slot *s = &r->slots[n];
		struct rack_port *p = s->port;
		struct emu *e = NULL;
		if (p) {
			pthread_mutex_lock(&p->lock);
			e = p->emu;
			p->emu = NULL;
			pthread_mutex_unlock(&p->lock);
		}
		if (r->opts->dump_flash && s->defined && (e || s->flash))
			dump_flash(r, s, e);
		if (e) {
			emu_stop(e);
			emu_free(e);
			if (p->master >= 0)
				close(p->master);
			p->master = -1;
		}
		s->port = NULL;
		rack_slot_free(s);
	}
	while (r->ports) {
		struct rack_port *p = r->ports;
		r->ports = p->next;
		pthread_mutex_lock(&p->lock);
		if (p->emu) { /* a plug that failed half-way */
			emu_free(p->emu);
			p->emu = NULL;
		}
		if (p->lines)
			fclose(p->lines);
		p->lines = NULL;
		pthread_mutex_unlock(&p->lock);
		if (p->master >= 0 && !p->unplugged)
			close(p->master);
		p->master = -1;
		rack_port_unref(p);
	}
	if (r->tb) {
		rack_logf(r, "rack: removing the testbed");
		/* removes /tmp/umockdev.XXXXXX and unsets UMOCKDEV_DIR */
		g_object_unref(r->tb);
		r->tb = NULL;
	}
	if (r->log)
		fclose(r->log);
	r->log = NULL;
	if (r->own_workdir && !r->opts->keep)
		remove_workdir(r->workdir);
}
