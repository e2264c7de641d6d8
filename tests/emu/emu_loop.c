/* SPDX-License-Identifier: MIT */
/*
 * Device lifecycle and its thread.  The thread sleeps in poll() until the
 * next absolute CLOCK_MONOTONIC deadline (timerfd, TFD_TIMER_ABSTIME), input,
 * or a control call (eventfd); then, under the lock, it reads, lets the chip
 * run and writes whatever the wire schedule says is due.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "emu_priv.h"
#include "emu_termios2.h"

/* wire time per write() while sending: ~1 ms keeps syscalls low and the
 * timing exact (the last byte of a frame is always released on time) */
#define TX_CHUNK_NS (1 * EMU_MS)

void emu_config_defaults(struct emu_config *c)
{
	memset(c, 0, sizeof *c);
	emu_config_chip(c, EMU_ESP8266EX);
	c->flash_manuf = 0xEF;
	c->stub_flavour = EMU_STUB_AUTO;
	c->wiring = EMU_WIRING_AUTO;
	c->boot_download_at_start = 1;
	c->boot_banner = 1;
	c->firmware.kind = EMU_FW_CHATTY;
	c->firmware.period_ms = 300;
	c->firmware.baud = 115200;
	c->flash_modes = EMU_FLASH_MODES_ALL;
}

int emu_firmware_parse(const char *s, struct emu_firmware *fw)
{
	static const char *const names[] = { "chatty", "quiet", "bootloop", "exception" };
	char *end;

	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = strlen(names[i]);
		if (strncmp(s, names[i], n) != 0)
			continue;
		if (i == EMU_FW_BOOTLOOP && s[n] == ':') {
			unsigned long ms = strtoul(s + n + 1, &end, 10);
			if (end == s + n + 1 || *end || ms < 50 || ms > 60000)
				return -1;
			fw->period_ms = (unsigned)ms;
		} else if (s[n]) {
			return -1;
		}
		fw->kind = (enum emu_fw_kind)i;
		return 0;
	}
	return -1;
}

const char *emu_firmware_name(const struct emu_firmware *fw, char *buf, size_t cap)
{
	static const char *const names[] = { "chatty", "quiet", "bootloop", "exception" };
	const char *n = (unsigned)fw->kind < 4 ? names[fw->kind] : "?";

	if (fw->kind == EMU_FW_BOOTLOOP)
		snprintf(buf, cap, "%s:%u", n, fw->period_ms);
	else
		snprintf(buf, cap, "%s", n);
	return buf;
}

int emu_flash_modes_parse(const char *s, unsigned *mask)
{
	static const char *const names[] = { "qio", "qout", "dio", "dout" };
	unsigned m = 0;

	if (strcasecmp(s, "all") == 0) {
		*mask = EMU_FLASH_MODES_ALL;
		return 0;
	}
	while (*s) {
		size_t n = strcspn(s, ",");
		unsigned i = 0;
		while (i < 4 && (strlen(names[i]) != n || strncasecmp(s, names[i], n) != 0))
			i++;
		if (i == 4)
			return -1;
		m |= 1u << i;
		s += n;
		if (*s == ',' && *++s == 0)
			return -1;
	}
	if (!m)
		return -1;
	*mask = m;
	return 0;
}

static int load_image(struct emu *e, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rbe");
	if (!f) {
		snprintf(err, errlen, "flash image %s: %s", path, strerror(errno));
		return -1;
	}
	size_t n = fread(e->flash.mem, 1, e->flash.size, f);
	int extra = fgetc(f) != EOF;
	int bad = ferror(f);
	fclose(f);
	if (bad || extra) {
		snprintf(err, errlen, "flash image %s: %s", path,
			 bad ? "read error" : "larger than the flash");
		return -1;
	}
	(void)n;                    /* the rest stays 0xFF */
	return 0;
}

static void log_stuck(struct emu *e, int64_t now)
{
	char list[EMU_MAX_STUCK * 12 + 4] = "";
	size_t used = 0;

	for (unsigned i = 0; i < e->flash.nstuck; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%u", i ? "," : "",
					 e->flash.stuck[i]);
	if (e->flash.nstuck)
		emu_logf(&e->log, now, "stuck_sectors", "\"sectors\":[%s]", list);
}

static void pick_brownouts(struct emu *e)
{
	unsigned want = e->cfg.faults.brownout_reads;

	memset(e->brownout_set, 0, sizeof e->brownout_set);
	e->read_pkts = 0;

	if (want >= 256) {
		memset(e->brownout_set, 0xFF, sizeof e->brownout_set);
		return;
	}
	for (unsigned k = 0; k < want;) {
		uint32_t i = emu_rng_below(&e->rng_fault, 256);
		if (e->brownout_set[i / 64] >> (i % 64) & 1)
			continue;
		e->brownout_set[i / 64] |= 1ull << (i % 64);
		k++;
	}
}

static void seed_faults(struct emu *e)
{
	uint64_t seed = e->cfg.faults.seed;

	emu_rng_seed(&e->rng_tx, seed, 1);
	emu_rng_seed(&e->rng_rx, seed, 2);
	emu_rng_seed(&e->rng_garble, seed, 3);
	emu_rng_seed(&e->rng_fault, seed, 4);
	pick_brownouts(e);
	e->lies_left = e->cfg.faults.lie_writes;
}

/* Identity and security knobs must fit the chip (emu.h). */
static int check_chip(const struct emu_config *c, char *err, size_t errlen)
{
	const struct emu_security *s = &c->security;
	int any = s->flash_encrypted || s->secure_boot || s->dl_encrypt_disabled || s->secure_download;
	unsigned max_minor = c->chip == EMU_ESP32 ? 3 : 15;

	if (!emu_chipdef(c->chip)->esp32_class) {
		if (any) {
			snprintf(err, errlen, "an %s has no security eFuses: drop the security options",
				 c->chip == EMU_ESP8285 ? "ESP8285" : "ESP8266");
			return -1;
		}
		return 0;
	}
	if (c->crystal_mhz != 40) {
		snprintf(err, errlen, "ESP32-class units are modelled with a 40 MHz crystal, not %u",
			 c->crystal_mhz);
		return -1;
	}
	if (c->pkg > 7 || c->rev_major > 3 || c->rev_minor > max_minor) {
		snprintf(err, errlen, "package %u revision v%u.%u does not fit an %s (package 0..7, "
			 "major 0..3, minor 0..%u)", c->pkg, c->rev_major, c->rev_minor,
			 c->chip == EMU_ESP32 ? "ESP32" : "ESP32-C3", max_minor);
		return -1;
	}
	if (c->chip == EMU_ESP32 && s->secure_download) {
		snprintf(err, errlen, "the ESP32 has no Secure Download Mode (ESP32-C3 and later)");
		return -1;
	}
	return 0;
}

static int check_config(const struct emu_config *c, char *err, size_t errlen)
{
	if (c->flash_size < (256u << 10) || c->flash_size > (16u << 20) ||
	    (c->flash_size & (c->flash_size - 1))) {
		snprintf(err, errlen, "flash size %u is not a power of two in 256 KiB..16 MiB",
			 c->flash_size);
		return -1;
	}
	if (c->crystal_mhz != 26 && c->crystal_mhz != 40) {
		snprintf(err, errlen, "crystal must be 26 or 40 MHz, not %u", c->crystal_mhz);
		return -1;
	}
	if ((unsigned)c->chip > EMU_ESP32C3) {
		snprintf(err, errlen, "unknown chip %d", (int)c->chip);
		return -1;
	}
	if (check_chip(c, err, errlen) < 0)
		return -1;
	if ((unsigned)c->firmware.kind > EMU_FW_EXCEPTION || c->firmware.period_ms < 50 ||
	    c->firmware.period_ms > 60000 || c->firmware.baud < 300 || c->firmware.baud > 5000000) {
		snprintf(err, errlen, "firmware: a boot loop period of 50..60000 ms and an application "
			 "baud of 300..5000000, not %u ms and %u", c->firmware.period_ms,
			 c->firmware.baud);
		return -1;
	}
	if (c->flash_modes == 0 || c->flash_modes > EMU_FLASH_MODES_ALL) {
		snprintf(err, errlen, "flash modes 0x%x: give at least one of QIO, QOUT, DIO, DOUT",
			 c->flash_modes);
		return -1;
	}
	if ((unsigned)c->layout > EMU_LAYOUT_BLANK) {
		snprintf(err, errlen, "unknown layout %d", (int)c->layout);
		return -1;
	}
	if (c->faults.n_stuck > EMU_MAX_STUCK) {
		snprintf(err, errlen, "at most %d stuck sectors", EMU_MAX_STUCK);
		return -1;
	}
	for (unsigned i = 0; i < c->faults.n_stuck; i++) {
		uint32_t a = c->faults.stuck_sectors[i];
		if (a % EMU_SECTOR || a >= c->flash_size) {
			snprintf(err, errlen, "stuck sector 0x%X is not a 4 KiB sector address below "
				 "the flash size 0x%X", a, c->flash_size);
			return -1;
		}
	}
	return 0;
}

static void log_layout(struct emu *e, int64_t now, const char *name)
{
	char buf[EMU_MAX_REGIONS * 80 + 8];
	size_t used = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < e->nregions && used < sizeof buf; i++) {
		const struct emu_region *r = &e->regions[i];
		used += (size_t)snprintf(buf + used, sizeof buf - used,
					 "%s{\"name\":\"%s\",\"offset\":%u,\"size\":%u,\"data\":%u}",
					 i ? "," : "", r->name, r->offset, r->size, r->data);
	}
	uint32_t erased = 0;
	for (uint32_t a = 0; a < e->flash.size; a += EMU_SECTOR) {
		const uint8_t *p = e->flash.mem + a;
		uint32_t k = 0;
		while (k < EMU_SECTOR && p[k] == 0xFF)
			k++;
		erased += k == EMU_SECTOR;
	}
	emu_logf(&e->log, now, "layout", "\"name\":\"%s\",\"erased_sectors\":%u,\"sectors\":%u,"
		 "\"regions\":[%s]", name, erased, e->flash.size / EMU_SECTOR, buf);
}

struct emu *emu_new(const struct emu_config *c, char *err, size_t errlen)
{
	if (check_config(c, err, errlen) < 0)
		return NULL;
	struct emu *e = calloc(1, sizeof *e);
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->cfg = *c;
	e->def = emu_chipdef(c->chip);
	e->cfg.flash_image = NULL;  /* not kept: the caller owns the strings */
	e->cfg.log_path = NULL;
	e->fd = -1;
	e->wake_fd = e->timer_fd = -1;
	e->t0 = emu_now();
	pthread_mutex_init(&e->lock, NULL);
	e->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (e->wake_fd < 0 || e->timer_fd < 0) {
		snprintf(err, errlen, "eventfd/timerfd: %s", strerror(errno));
		goto fail;
	}
	int r = emu_log_open(&e->log, c->log_path, e->t0);
	if (r < 0) {
		snprintf(err, errlen, "log %s: %s", c->log_path, strerror(-r));
		goto fail;
	}
	if (emu_flash_init(&e->flash, c->flash_size, c->fast_flash) < 0) {
		snprintf(err, errlen, "out of memory for flash");
		goto fail;
	}
	if (c->flash_image) {
		if (load_image(e, c->flash_image, err, errlen) < 0)
			goto fail;
	} else {
		e->nregions = emu_layout_fill(e->flash.mem, c, e->regions, EMU_MAX_REGIONS);
	}
	emu_flash_set_stuck(&e->flash, c->faults.stuck_sectors, c->faults.n_stuck);
	emu_regs_init(&e->regs, c);
	seed_faults(e);
	e->flavour = c->stub_flavour == EMU_STUB_LEGACY ? EMU_STUB_LEGACY : EMU_STUB_NEW;
	emu_slip_reset(&e->slip);
	e->en = e->gpio0 = 1;       /* lines idle: EN and GPIO0 pulled high */
	e->timer_armed_at = -1;
	char desc[64], fw[32];
	const struct emu_security *sec = &c->security;
	emu_chip_description(c, desc, sizeof desc);
	emu_logf(&e->log, e->t0, "config", "\"chip\":\"%s\",\"description\":\"%s\","
		 "\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\",\"pkg\":%u,\"revision\":\"v%u.%u\","
		 "\"security\":{\"flash_encrypted\":%s,\"secure_boot\":%s,\"dl_encrypt_disabled\":%s,"
		 "\"secure_download\":%s},\"flash_size\":%u,\"jedec\":%u,"
		 "\"crystal\":%u,\"stub\":\"%s\",\"wiring\":\"%s\",\"seed\":%llu,\"timing\":\"%s\","
		 "\"layout\":\"%s\",\"firmware\":\"%s\",\"app_baud\":%u,\"flash_modes\":%u,"
		 "\"gpio0_held\":%s",
		 emu_chip_name(c->chip), desc, c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4],
		 c->mac[5], c->pkg, c->rev_major, c->rev_minor,
		 sec->flash_encrypted ? "true" : "false", sec->secure_boot ? "true" : "false",
		 sec->dl_encrypt_disabled ? "true" : "false", sec->secure_download ? "true" : "false",
		 c->flash_size, e->regs.jedec,
		 c->crystal_mhz, c->stub_flavour == EMU_STUB_LEGACY ? "legacy" :
		 c->stub_flavour == EMU_STUB_AUTO ? "auto" : "new",
		 c->wiring == EMU_WIRING_NONE ? "none" : "auto", (unsigned long long)c->faults.seed,
		 c->fast_flash ? "fast" : "real", c->flash_image ? "image" : emu_layout_name(c->layout),
		 emu_firmware_name(&c->firmware, fw, sizeof fw), c->firmware.baud, c->flash_modes,
		 c->faults.gpio0_held ? "true" : "false");
	log_layout(e, e->t0, c->flash_image ? "image" : emu_layout_name(c->layout));
	log_stuck(e, e->t0);
	emu_chip_power_on(e, e->t0, c->boot_download_at_start, "power");
	return e;
fail:
	emu_free(e);
	return NULL;
}

void emu_free(struct emu *e)
{
	if (!e)
		return;
	emu_stop(e);
	emu_stub_write_close(e);
	for (unsigned i = 0; i < EMU_FRAMES; i++)
		if (i < e->fq_n)
			free(e->fq[(e->fq_head + i) % EMU_FRAMES].data);
	for (unsigned i = 0; i < e->ntimed; i++)
		free(e->timed[i].data);
	emu_bytes_free(&e->txq.b);
	emu_bytes_free(&e->rxq.b);
	emu_flash_free(&e->flash);
	emu_log_close(&e->log);
	if (e->wake_fd >= 0)
		close(e->wake_fd);
	if (e->timer_fd >= 0)
		close(e->timer_fd);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static void wake(struct emu *e)
{
	uint64_t one = 1;
	ssize_t r = write(e->wake_fd, &one, sizeof one);
	(void)r;                    /* a full counter already means "wake up" */
}

static void arm_timer(struct emu *e, int64_t at)
{
	struct itimerspec its;

	if (at == e->timer_armed_at)
		return;
	memset(&its, 0, sizeof its);
	if (at != INT64_MAX) {
		if (at <= 0)
			at = 1;
		its.it_value.tv_sec = at / 1000000000ll;
		its.it_value.tv_nsec = at % 1000000000ll;
	}
	timerfd_settime(e->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
	e->timer_armed_at = at;
}

static int64_t next_deadline(struct emu *e)
{
	int64_t d = emu_chip_deadline(e);

	if (!e->tx_blocked) {
		int64_t t = emu_txq_deadline(&e->txq, TX_CHUNK_NS);
		if (t < d)
			d = t;
	}
	if (e->is_pty && e->fd >= 0 && !e->host_present && e->host_check_at < d)
		d = e->host_check_at;
	if ((e->garbled_tx || e->garbled_rx) && e->garble_logged_at + 300 * EMU_MS < d)
		d = e->garble_logged_at + 300 * EMU_MS;
	return d;
}

static void *thread_main(void *arg)
{
	struct emu *e = arg;
	struct pollfd p[3];

	prctl(PR_SET_TIMERSLACK, 10000UL);   /* 10 us: wake close to the deadlines */
	pthread_mutex_lock(&e->lock);
	while (!e->stop_req) {
		int64_t now = emu_now();
		emu_wire_check_host(e, now);
		emu_wire_read(e, now);
		emu_chip_run(e, now);
		emu_wire_write(e, now);
		emu_chip_run(e, now);       /* e.g. READ_FLASH refills as the UART drains */
		emu_wire_flush_garble_log(e, now, 0);
		arm_timer(e, next_deadline(e));

		int n = 0;
		p[n++] = (struct pollfd){ .fd = e->wake_fd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = e->timer_fd, .events = POLLIN };
		int fd_slot = -1;
		if (e->fd >= 0 && e->host_present) {
			fd_slot = n;
			p[n++] = (struct pollfd){ .fd = e->fd,
				.events = (short)(POLLIN | (e->tx_blocked ? POLLOUT : 0)) };
		}
		pthread_mutex_unlock(&e->lock);
		int r = poll(p, (nfds_t)n, -1);
		pthread_mutex_lock(&e->lock);
		if (r < 0)
			continue;
		uint64_t v;
		if (p[0].revents & POLLIN && read(e->wake_fd, &v, sizeof v) < 0)
			v = 0;
		if (p[1].revents & POLLIN) {
			if (read(e->timer_fd, &v, sizeof v) < 0)
				v = 0;
			e->timer_armed_at = -1;
		}
		if (fd_slot >= 0 && e->fd >= 0) {
			short rev = p[fd_slot].revents;
			now = emu_now();
			if (rev & POLLOUT && e->tx_blocked) {
				e->tx_blocked = 0;
				emu_txq_reanchor(&e->txq, now);
			}
			if (rev & (POLLHUP | POLLERR)) {
				/* read what is left; a pty then reads EIO (host closed) */
				emu_wire_read(e, now);
				if (e->host_present && e->is_pty) {
					e->host_present = 0;
					e->tx_blocked = 0;
					e->host_check_at = now + 5 * EMU_MS;
					emu_logf(&e->log, now, "host", "\"state\":\"closed\"");
				}
			}
		}
	}
	emu_wire_flush_garble_log(e, emu_now(), 1);
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

int emu_start(struct emu *e, int fd, int fd_is_pty_master)
{
	int r = 0;

	pthread_mutex_lock(&e->lock);
	if (e->running) {
		r = -EBUSY;
		goto out;
	}
	e->fd_saved_flags = fcntl(fd, F_GETFL);
	if (e->fd_saved_flags < 0 || fcntl(fd, F_SETFL, e->fd_saved_flags | O_NONBLOCK) < 0) {
		r = -errno;
		goto out;
	}
	e->fd = fd;
	e->is_pty = !!fd_is_pty_master;
	e->unplugged = e->host_gone = 0;
	e->unplug_base = e->bytes_total;    /* unplug_after: per connection */
	e->tx_blocked = 0;
	e->host_baud = 0;
	e->pkt_mode = 0;
	e->tcp_nodelay = 0;
	if (e->is_pty) {
		/* packet mode + EXTPROC: every host tcsetattr() becomes a
		 * TIOCPKT_IOCTL event on the master (umockdev-notes.md) */
		struct termios2 t2;
		int one = 1;
		if (ioctl(fd, TIOCGPKT, &e->fd_saved_pkt) < 0)
			e->fd_saved_pkt = 0;
		if (ioctl(fd, TCGETS2, &t2) == 0) {
			t2.c_lflag |= EXTPROC;
			(void)ioctl(fd, TCSETS2, &t2);
		}
		if (ioctl(fd, TIOCPKT, &one) == 0)
			e->pkt_mode = 1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		e->host_present = poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
		e->host_check_at = 0;
		emu_wire_refresh_host_baud(e, emu_now());
	} else {
		/* Frames leave in ~1 ms chunks; with Nagle the chunk that ends a
		 * frame would wait for the host's delayed ACK (up to 40 ms on
		 * Linux).  Not a TCP socket (e.g. AF_UNIX): nothing to do. */
		int one = 1;
		e->tcp_nodelay = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0;
		e->host_present = 1;
	}
	emu_chip_plug_in(e, emu_now());    /* after an unplug: power returns */
	e->stop_req = 0;
	r = -pthread_create(&e->thread, NULL, thread_main, e);
	if (r == 0) {
		e->running = 1;
		emu_logf(&e->log, emu_now(), "start", "\"pty\":%d,\"host_present\":%d,\"tcp_nodelay\":%d",
			 e->is_pty, e->host_present, e->tcp_nodelay);
	} else {
		e->fd = -1;
	}
out:
	pthread_mutex_unlock(&e->lock);
	return r;
}

void emu_stop(struct emu *e)
{
	pthread_mutex_lock(&e->lock);
	if (!e->running) {
		pthread_mutex_unlock(&e->lock);
		return;
	}
	e->stop_req = 1;
	wake(e);
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->thread, NULL);
	pthread_mutex_lock(&e->lock);
	e->running = 0;
	if (e->fd >= 0) {
		if (e->is_pty) {
			int pkt = e->fd_saved_pkt;
			(void)ioctl(e->fd, TIOCPKT, &pkt);
		}
		(void)fcntl(e->fd, F_SETFL, e->fd_saved_flags);
	}
	e->fd = -1;
	emu_logf(&e->log, emu_now(), "stop", "\"fd_closed\":%s", e->unplugged ? "true" : "false");
	pthread_mutex_unlock(&e->lock);
}

void emu_set_lines(struct emu *e, int dtr, int rts)
{
	pthread_mutex_lock(&e->lock);
	emu_chip_lines(e, emu_now(), dtr, rts);
	wake(e);
	pthread_mutex_unlock(&e->lock);
}

void emu_power_cycle(struct emu *e, int hold_gpio0)
{
	pthread_mutex_lock(&e->lock);
	emu_chip_power_cycle(e, emu_now(), hold_gpio0);
	wake(e);
	pthread_mutex_unlock(&e->lock);
}

void emu_set_faults(struct emu *e, const struct emu_faults *f)
{
	pthread_mutex_lock(&e->lock);
	e->cfg.faults = *f;
	e->unplug_base = e->bytes_total;
	seed_faults(e);
	emu_flash_set_stuck(&e->flash, f->stuck_sectors, f->n_stuck);
	emu_logf(&e->log, emu_now(), "faults", "\"seed\":%llu,\"never_boot\":%d,\"drop_ppm\":%u,"
		 "\"flip_ppm\":%u,\"rx_drop_ppm\":%u,\"rx_flip_ppm\":%u,\"brownout_reads\":%u,"
		 "\"lie_writes\":%u,\"unplug_after\":%llu", (unsigned long long)f->seed, f->never_boot,
		 f->drop_ppm, f->flip_ppm, f->rx_drop_ppm, f->rx_flip_ppm, f->brownout_reads,
		 f->lie_writes, (unsigned long long)f->unplug_after);
	log_stuck(e, emu_now());
	wake(e);
	pthread_mutex_unlock(&e->lock);
}

void emu_unplug(struct emu *e)
{
	pthread_mutex_lock(&e->lock);
	if (e->fd >= 0)
		emu_wire_hangup(e, emu_now(), "control");
	wake(e);
	pthread_mutex_unlock(&e->lock);
}

int emu_get_flash(struct emu *e, uint8_t *buf, uint32_t len)
{
	int r = 0;

	pthread_mutex_lock(&e->lock);
	if (len > e->flash.size)
		r = -EINVAL;
	else
		memcpy(buf, e->flash.mem, len);
	pthread_mutex_unlock(&e->lock);
	return r;
}

int emu_set_flash(struct emu *e, uint32_t off, const uint8_t *buf, uint32_t len)
{
	int r = 0;

	pthread_mutex_lock(&e->lock);
	if (off > e->flash.size || len > e->flash.size - off)
		r = -EINVAL;
	else
		memcpy(e->flash.mem + off, buf, len);
	pthread_mutex_unlock(&e->lock);
	return r;
}

unsigned emu_device_baud(struct emu *e)
{
	pthread_mutex_lock(&e->lock);
	unsigned b = e->dev_baud;
	pthread_mutex_unlock(&e->lock);
	return b;
}

int emu_in_stub(struct emu *e)
{
	pthread_mutex_lock(&e->lock);
	int r = e->mode == EMU_MODE_STUB;
	pthread_mutex_unlock(&e->lock);
	return r;
}

int emu_in_download_mode(struct emu *e)
{
	pthread_mutex_lock(&e->lock);
	int r = e->mode == EMU_MODE_STUB || e->mode == EMU_MODE_ROM;
	pthread_mutex_unlock(&e->lock);
	return r;
}

uint32_t emu_flash_size(struct emu *e)
{
	return e->cfg.flash_size;   /* immutable after emu_new */
}

unsigned emu_layout_regions(struct emu *e, struct emu_region *out, unsigned cap)
{
	/* immutable after emu_new */
	for (unsigned i = 0; i < e->nregions && i < cap; i++)
		out[i] = e->regions[i];
	return e->nregions;
}

int emu_is_unplugged(struct emu *e)
{
	pthread_mutex_lock(&e->lock);
	int r = e->unplugged;
	pthread_mutex_unlock(&e->lock);
	return r;
}

int emu_host_gone(struct emu *e)
{
	pthread_mutex_lock(&e->lock);
	int r = e->host_gone || e->unplugged;
	pthread_mutex_unlock(&e->lock);
	return r;
}

void emu_get_activity(struct emu *e, struct emu_activity *a)
{
	pthread_mutex_lock(&e->lock);
	int64_t now = emu_now(), last = e->last_rx;
	if (e->txq.last_release > last)
		last = e->txq.last_release;
	if (e->busy_until > last)
		last = e->busy_until;
	int busy = emu_bytes_len(&e->txq.b) || emu_bytes_len(&e->rxq.b) || e->ntimed ||
		   e->fq_n || e->busy_until > now;
	a->download = e->mode == EMU_MODE_STUB || e->mode == EMU_MODE_ROM;
	a->host_bytes = e->rx_bytes - e->rx_bytes_boot;
	a->quiet_ms = busy || last > now ? 0 : (now - last) / EMU_MS;
	pthread_mutex_unlock(&e->lock);
}

uint64_t emu_bytes_total(struct emu *e)
{
	pthread_mutex_lock(&e->lock);
	uint64_t r = e->bytes_total;
	pthread_mutex_unlock(&e->lock);
	return r;
}

void emu_note(struct emu *e, const char *ev, const char *fields_fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fields_fmt);
	vsnprintf(buf, sizeof buf, fields_fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&e->lock);
	emu_logf(&e->log, emu_now(), ev, "%s", buf);
	pthread_mutex_unlock(&e->lock);
}
