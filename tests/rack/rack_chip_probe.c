/* SPDX-License-Identifier: MIT */
/* rack_chip_probe: which chip answers on each port, in raw protocol bytes
 * (written for the rack tests, independent of core/ and of the emulator's
 * own code).  For each PORT: classic DTR/RTS reset into the loader, SYNC at
 * 115200, READ_REG of the magic word 0x40001000; prints
 *   PORT magic=XXXXXXXX status_bytes=N
 * (N: 2 from an ESP8266 ROM, 4 from an ESP32-class ROM).  Exit 0 if every
 * port answered.
 *
 * usage: rack_chip_probe PORT... */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
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

static void send_cmd(int fd, uint8_t op, const uint8_t *d, size_t n)
{
	uint8_t pkt[64], out[140];
	size_t o = 0;
	pkt[0] = 0;
	pkt[1] = op;
	pkt[2] = (uint8_t)n;
	pkt[3] = 0;
	memset(pkt + 4, 0, 4);
	memcpy(pkt + 8, d, n);
	out[o++] = 0xC0;
	for (size_t i = 0; i < 8 + n; i++) {
		if (pkt[i] == 0xC0 || pkt[i] == 0xDB) {
			out[o++] = 0xDB;
			out[o++] = pkt[i] == 0xC0 ? 0xDC : 0xDD;
		} else {
			out[o++] = pkt[i];
		}
	}
	out[o++] = 0xC0;
	if (write(fd, out, o) != (ssize_t)o)
		return;
}

/* Next response frame for op within ms; its decoded length, or -1. */
static long read_resp(int fd, uint8_t op, uint8_t *f, size_t cap, int ms)
{
	size_t n = 0;
	int in = 0, esc = 0;
	for (int waited = 0; waited < ms; waited += 10) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 10) <= 0)
			continue;
		uint8_t buf[256];
		ssize_t r = read(fd, buf, sizeof buf);
		for (ssize_t i = 0; i < r; i++) {
			uint8_t b = buf[i];
			if (b == 0xC0) {
				if (in && n >= 8 && f[0] == 1 && f[1] == op)
					return (long)n;
				in = 1;
				n = 0;
			} else if (in && esc) {
				esc = 0;
				if (n < cap)
					f[n++] = b == 0xDC ? 0xC0 : 0xDB;
			} else if (in && b == 0xDB) {
				esc = 1;
			} else if (in && n < cap) {
				f[n++] = b;
			}
		}
	}
	return -1;
}

static int probe(const char *port)
{
	int fd = open(port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	struct termios t;
	uint8_t sync[36] = {0x07, 0x07, 0x12, 0x20}, reg[4] = {0x00, 0x10, 0x00, 0x40}, f[256];

	if (fd < 0 || tcgetattr(fd, &t) < 0) {
		fprintf(stderr, "%s: %s\n", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	cfmakeraw(&t);
	cfsetspeed(&t, B115200);
	(void)tcsetattr(fd, TCSANOW, &t);
	memset(sync + 4, 0x55, 32);
	lines(fd, 0, 1); /* EN low */
	sleep_ms(100);
	lines(fd, 1, 0); /* GPIO0 low, EN rises */
	sleep_ms(50);
	lines(fd, 0, 0);
	long n = -1;
	for (int i = 0; i < 5 && n < 0; i++) {
		(void)tcflush(fd, TCIFLUSH);
		send_cmd(fd, 0x08, sync, sizeof sync);
		n = read_resp(fd, 0x08, f, sizeof f, 300);
	}
	sleep_ms(50);
	(void)tcflush(fd, TCIFLUSH);
	send_cmd(fd, 0x0A, reg, sizeof reg);
	n = n < 0 ? -1 : read_resp(fd, 0x0A, f, sizeof f, 1000);
	close(fd);
	if (n < 0) {
		printf("%s no answer\n", port);
		return -1;
	}
	uint32_t magic = (uint32_t)f[4] | (uint32_t)f[5] << 8 | (uint32_t)f[6] << 16 |
			 (uint32_t)f[7] << 24;
	printf("%s magic=%08x status_bytes=%u\n", port, magic, (unsigned)(f[2] | f[3] << 8));
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;
	for (int i = 1; i < argc; i++)
		rc |= probe(argv[i]) < 0;
	return argc > 1 ? rc : 2;
}
