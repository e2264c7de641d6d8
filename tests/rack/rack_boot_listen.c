/* SPDX-License-Identifier: MIT */
/* rack_boot_listen: what a unit prints when it boots, heard the way the
 * boot check hears it (written for the rack tests, independent of core/
 * and of the emulator's code).  Resets the unit into its application
 * (RTS pulse with DTR released: EN low 100 ms, GPIO0 high) or, on a bare
 * adapter, talks to the loader first (SYNC at 115200 until it answers,
 * as a station does) and then waits for someone to power-cycle the unit;
 * listens at the ROM's rate until the ROM's text ends, then at the
 * firmware's rate.  Prints
 *   rom: <each line heard at the ROM's rate>
 *   app: <each line heard at the firmware's rate>
 * with non-printable bytes as '.'.  Exit 0 if a banner was heard.
 *
 * usage: rack_boot_listen PORT [--reset rts|none] [--sync] [--wait-ms N]
 *        [--rom-baud N] [--rom-until TEXT] [--rom-ms N] [--app-baud N] [--app-ms N] */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <asm/termbits.h>

struct opts {
	const char *port, *rom_until;
	int reset_rts, sync;
	unsigned rom_baud, app_baud;
	int wait_ms, rom_ms, app_ms;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Raw 8N1 at any rate (BOTHER), as a station sets 74880. */
static int set_baud(int fd, unsigned baud)
{
	struct termios2 t;
	if (ioctl(fd, TCGETS2, &t) < 0)
		return -1;
	t.c_iflag = 0;
	t.c_oflag = 0;
	t.c_lflag = 0;
	t.c_cflag = (t.c_cflag & ~(tcflag_t)(CBAUD | CSIZE | PARENB | CSTOPB | CRTSCTS)) | CS8 |
		    CREAD | CLOCAL | BOTHER;
	t.c_ispeed = t.c_ospeed = baud;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	return ioctl(fd, TCSETS2, &t);
}

static void lines(int fd, int dtr, int rts)
{
	int m = 0;
	if (ioctl(fd, TIOCMGET, &m) < 0)
		m = 0;
	m = dtr ? m | TIOCM_DTR : m & ~TIOCM_DTR;
	m = rts ? m | TIOCM_RTS : m & ~TIOCM_RTS;
	(void)ioctl(fd, TIOCMSET, &m);
}

struct text {
	char buf[65536];
	size_t len;
};

static void hear(int fd, struct text *t, int ms, const char *until)
{
	double end = now_ms() + ms;
	while (t->len + 1 < sizeof t->buf) {
		t->buf[t->len] = 0;
		if (until && strstr(t->buf, until) && memchr(strstr(t->buf, until), '\n',
							     t->len - (size_t)(strstr(t->buf, until) - t->buf)))
			return;     /* the whole line of `until` has come */
		int left = (int)(end - now_ms());
		if (left <= 0)
			return;
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, left < 10 ? left : 10) <= 0)
			continue;
		ssize_t r = read(fd, t->buf + t->len, sizeof t->buf - 1 - t->len);
		if (r > 0) {
			/* junk (wrong rate) may hold NULs: keep the text searchable */
			for (ssize_t i = 0; i < r; i++)
				if (t->buf[t->len + (size_t)i] == 0)
					t->buf[t->len + (size_t)i] = '.';
			t->len += (size_t)r;
		}
	}
}

static void show(const char *tag, const struct text *t)
{
	size_t start = 0;
	for (size_t i = 0; i <= t->len; i++) {
		if (i < t->len && t->buf[i] != '\n')
			continue;
		printf("%s: ", tag);
		for (size_t k = start; k < i; k++) {
			unsigned char c = (unsigned char)t->buf[k];
			if (c != '\r')
				putchar(c >= 0x20 && c < 0x7F ? c : '.');
		}
		putchar('\n');
		start = i + 1;
	}
}

static void send_sync(int fd)
{
	static const uint8_t frame[] = {0xC0, 0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12,
					0x20, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
					0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
					0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
					0x55, 0x55, 0x55, 0xC0};
	if (write(fd, frame, sizeof frame) != (ssize_t)sizeof frame)
		return;
}

/* The loader answers SYNC with frames starting c0 01 08. */
static int talk_to_loader(int fd, int ms)
{
	uint8_t buf[512];
	double end = now_ms() + ms;
	if (set_baud(fd, 115200) < 0)
		return -1;
	while (now_ms() < end) {
		send_sync(fd);
		sleep_ms(100);
		ssize_t r = read(fd, buf, sizeof buf);
		for (ssize_t i = 0; i + 2 < r; i++)
			if (buf[i] == 0xC0 && buf[i + 1] == 0x01 && buf[i + 2] == 0x08)
				return 0;
	}
	return -1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.rom_baud = 74880, .app_baud = 115200, .wait_ms = 100, .rom_ms = 90,
			   .app_ms = 700, .reset_rts = 1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--sync")) {
			o->sync = 1;
			continue;
		}
		if (a[0] != '-') {
			o->port = a;
			continue;
		}
		if (!v)
			return -1;
		i++;
		if (!strcmp(a, "--reset"))
			o->reset_rts = !strcmp(v, "rts");
		else if (!strcmp(a, "--wait-ms"))
			o->wait_ms = atoi(v);
		else if (!strcmp(a, "--rom-baud"))
			o->rom_baud = (unsigned)atoi(v);
		else if (!strcmp(a, "--rom-until"))
			o->rom_until = v;
		else if (!strcmp(a, "--rom-ms"))
			o->rom_ms = atoi(v);
		else if (!strcmp(a, "--app-baud"))
			o->app_baud = (unsigned)atoi(v);
		else if (!strcmp(a, "--app-ms"))
			o->app_ms = atoi(v);
		else
			return -1;
	}
	return o->port ? 0 : -1;
}

int main(int argc, char **argv)
{
	static struct text rom, app;
	struct opts o;

	if (parse(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: rack_boot_listen PORT [--reset rts|none] [--sync] [--wait-ms N] "
				"[--rom-baud N] [--rom-until TEXT] [--rom-ms N] [--app-baud N] "
				"[--app-ms N]\n");
		return 2;
	}
	int fd = open(o.port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", o.port, strerror(errno));
		return 1;
	}
	lines(fd, 0, 0);
	if (o.sync && talk_to_loader(fd, 5000) < 0)
		fprintf(stderr, "%s: the loader never answered SYNC\n", o.port);
	if (set_baud(fd, o.rom_baud) < 0) {
		fprintf(stderr, "%s: cannot set %u baud: %s\n", o.port, o.rom_baud, strerror(errno));
		return 1;
	}
	(void)ioctl(fd, TCFLSH, TCIFLUSH);
	if (o.reset_rts) {
		lines(fd, 0, 1); /* EN low, GPIO0 high */
		sleep_ms(100);
		lines(fd, 0, 0); /* EN rises: the unit boots what its flash holds */
	}
	/* until the first byte of the banner (a bare adapter: until the
	 * operator power-cycles the unit), then the ROM's text */
	hear(fd, &rom, o.wait_ms, "\n");
	hear(fd, &rom, o.rom_ms, o.rom_until);
	if (set_baud(fd, o.app_baud) < 0)
		return 1;
	hear(fd, &app, o.app_ms, NULL);
	close(fd);
	show("rom", &rom);
	show("app", &app);
	return strstr(rom.buf, "ets ") || strstr(rom.buf, "ESP-ROM") ? 0 : 1;
}
