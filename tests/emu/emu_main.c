/* SPDX-License-Identifier: MIT */
/*
 * esp8266-emu: serves one emulated ESP8266 on a pty, on 127.0.0.1:PORT, or
 * behind an RFC 2217 server on 127.0.0.1:PORT.  The main thread only waits
 * for signals, control-FIFO lines, (TCP) connections and the RFC 2217
 * server's traffic; the device runs in the library's thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu.h"
#include "emu_cli.h"
#include "emu_rfc2217.h"

struct server {
	struct emu_cli o;
	struct emu *e;
	struct emu_rfc2217 *rfc;
	int listen_fd, conn_fd, ctl_fd, sig_fd;
	char ctl_buf[512];
	size_t ctl_len;
	int quit;
};

static int save_flash(struct emu *e, const char *path)
{
	char tmp[4096];
	uint32_t size = emu_flash_size(e);
	uint8_t *buf = malloc(size);
	int ok = 0;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (buf && fd >= 0 && emu_get_flash(e, buf, size) == 0)
		ok = write(fd, buf, size) == (ssize_t)size && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	free(buf);
	if (!ok || rename(tmp, path) < 0) {
		fprintf(stderr, "esp8266-emu: cannot save flash to %s\n", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int serve_pty(struct server *s)
{
	char path[128];
	int m, r = emu_open_pty(&m, path, sizeof path, s->o.pty_link);

	if (r < 0 || (r = emu_start(s->e, m, 1)) < 0) {
		fprintf(stderr, "esp8266-emu: pty: %s\n", strerror(-r));
		return -1;
	}
	s->conn_fd = m;
	printf("%s\n", path);
	fflush(stdout);
	return 0;
}

static int listen_tcp(struct server *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->o.tcp_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int one = 1;

	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0 || setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(s->listen_fd, 1) < 0 ||
	    getsockname(s->listen_fd, (struct sockaddr *)&a, &len) < 0) {
		perror("esp8266-emu: tcp");
		return -1;
	}
	printf("%u\n", ntohs(a.sin_port));
	fflush(stdout);
	return 0;
}

static void control_line(struct server *s, char *line)
{
	int dtr, rts;
	unsigned long long n;
	char arg[4096];

	if (sscanf(line, "lines %d %d", &dtr, &rts) == 2)
		emu_set_lines(s->e, dtr, rts);
	else if (strncmp(line, "power-cycle", 11) == 0)
		emu_power_cycle(s->e, strstr(line, "gpio0-low") != NULL);
	else if (strcmp(line, "unplug") == 0 && s->rfc)
		emu_rfc2217_unplug(s->rfc);
	else if (strcmp(line, "unplug") == 0)
		emu_unplug(s->e);
	else if (strcmp(line, "replug") == 0 && s->rfc) {
		if (emu_rfc2217_replug(s->rfc) < 0)
			fprintf(stderr, "esp8266-emu: replug: cannot serve the device again\n");
	} else if (sscanf(line, "drop-after %llu", &n) == 1 && s->rfc)
		emu_rfc2217_set_drop_after(s->rfc, n);
	else if (strcmp(line, "replug") == 0 && s->o.pty_link && emu_host_gone(s->e)) {
		emu_stop(s->e);
		if (serve_pty(s) < 0)
			s->quit = 1;
	} else if (sscanf(line, "save-flash %4095s", arg) == 1)
		(void)save_flash(s->e, arg);
	else if (strcmp(line, "quit") == 0)
		s->quit = 1;
	else if (line[0])
		fprintf(stderr, "esp8266-emu: unknown control line '%s'\n", line);
}

static void read_control(struct server *s)
{
	ssize_t n = read(s->ctl_fd, s->ctl_buf + s->ctl_len, sizeof s->ctl_buf - 1 - s->ctl_len);
	if (n <= 0)
		return;
	s->ctl_len += (size_t)n;
	char *nl;
	while ((nl = memchr(s->ctl_buf, '\n', s->ctl_len))) {
		*nl = 0;
		control_line(s, s->ctl_buf);
		s->ctl_len -= (size_t)(nl + 1 - s->ctl_buf);
		memmove(s->ctl_buf, nl + 1, s->ctl_len);
	}
	if (s->ctl_len == sizeof s->ctl_buf - 1)
		s->ctl_len = 0;         /* overlong line: drop it */
}

/* TCP: accept a connection when idle, retire it when the peer has left. */
static void tcp_step(struct server *s, int listen_ready)
{
	if (s->conn_fd >= 0 && emu_host_gone(s->e)) {
		int unplugged = emu_is_unplugged(s->e);
		emu_stop(s->e);
		if (!unplugged)
			close(s->conn_fd);
		s->conn_fd = -1;
	}
	if (s->conn_fd < 0 && listen_ready) {
		int c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0 && emu_start(s->e, c, 0) == 0)
			s->conn_fd = c;
		else if (c >= 0)
			close(c);
	}
}

int main(int argc, char **argv)
{
	struct server s = { .listen_fd = -1, .conn_fd = -1, .ctl_fd = -1 };
	char err[256];
	sigset_t sigs;

	int r = emu_cli_parse(&s.o, argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	s.sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	s.e = emu_new(&s.o.cfg, err, sizeof err);
	if (!s.e) {
		fprintf(stderr, "esp8266-emu: %s\n", err);
		return 1;
	}
	if (s.o.control) {
		if (mkfifo(s.o.control, 0600) < 0 && errno != EEXIST)
			perror("esp8266-emu: mkfifo");
		/* O_RDWR: we are a writer too, so the FIFO never reads EOF */
		s.ctl_fd = open(s.o.control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	}
	if (s.o.rfc2217_port >= 0) {
		s.rfc = emu_rfc2217_new(s.e, (unsigned)s.o.rfc2217_port, s.o.rfc2217_drop_after, err,
					sizeof err);
		if (!s.rfc) {
			fprintf(stderr, "esp8266-emu: %s\n", err);
			emu_free(s.e);
			return 1;
		}
		printf("%u\n", emu_rfc2217_port(s.rfc));
		fflush(stdout);
	} else if (s.o.pty_link ? serve_pty(&s) : listen_tcp(&s)) {
		emu_free(s.e);
		return 1;
	}
	while (!s.quit) {
		struct pollfd p[3 + EMU_RFC2217_POLLFDS] = {
			{ .fd = s.sig_fd, .events = POLLIN }, { .fd = s.ctl_fd, .events = POLLIN },
			{ .fd = s.conn_fd < 0 && !s.rfc ? s.listen_fd : -1, .events = POLLIN } };
		int n = 3 + (s.rfc ? emu_rfc2217_pollfds(s.rfc, p + 3) : 0);
		int timeout = s.o.pty_link || s.rfc ? -1 : 100;
		if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			s.quit = 1;
		if (s.rfc)
			emu_rfc2217_step(s.rfc, p + 3, n - 3);
		if (p[1].revents & POLLIN)
			read_control(&s);
		if (!s.o.pty_link && !s.rfc)
			tcp_step(&s, p[2].revents & POLLIN);
	}
	emu_rfc2217_free(s.rfc);
	emu_stop(s.e);
	if (s.o.save_flash)
		r = save_flash(s.e, s.o.save_flash) < 0;
	if (s.conn_fd >= 0 && !emu_is_unplugged(s.e))
		close(s.conn_fd);
	if (s.o.pty_link)
		unlink(s.o.pty_link);
	emu_free(s.e);
	return r;
}
