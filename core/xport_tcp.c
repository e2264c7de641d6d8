/* SPDX-License-Identifier: MIT */
/* Raw TCP serial server (ser2net "raw" mode, the emulator's --tcp): bytes
 * only, no modem lines, no baud control. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xport_priv.h"

struct xport_tcp {
	struct xport base; /* must be first */
	int fd;
};

static struct xport_tcp *to_tcp(struct xport *x)
{
	return (struct xport_tcp *)x;
}

static enum esp_err tcp_read(struct xport *x, void *buf, size_t len, unsigned timeout_ms, size_t *ret_n)
{
	return xport_fdio_read(x, to_tcp(x)->fd, buf, len, timeout_ms, ret_n);
}

static enum esp_err tcp_write(struct xport *x, const void *buf, size_t len, unsigned timeout_ms)
{
	return xport_fdio_write(x, to_tcp(x)->fd, buf, len, timeout_ms);
}

static enum esp_err tcp_set_lines(struct xport *x, int dtr, int rts)
{
	(void)dtr;
	(void)rts;
	return esp_error_set(x->err, ESP_E_UNSUPPORTED, 0,
			     "%s is a TCP serial server without DTR/RTS: use --reset none", x->name);
}

static enum esp_err tcp_set_baud(struct xport *x, unsigned baud)
{
	(void)baud;
	return esp_error_set(x->err, ESP_E_UNSUPPORTED, 0,
			     "%s is a TCP serial server: its baud rate is set on the server", x->name);
}

static enum esp_err tcp_flush_input(struct xport *x)
{
	uint8_t junk[512];
	while (read(to_tcp(x)->fd, junk, sizeof junk) > 0)
		;
	return ESP_OK;
}

static void tcp_close(struct xport *x)
{
	struct xport_tcp *t = to_tcp(x);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static const struct xport_ops s_tcp_ops = {
	.name = "tcp",
	.read = tcp_read,
	.write = tcp_write,
	.set_lines = tcp_set_lines,
	.set_baud = tcp_set_baud,
	.flush_input = tcp_flush_input,
	.close = tcp_close,
};

enum esp_err xport_tcp_parse(const char *host_port, char host[XPORT_HOST_LEN],
			     char service[XPORT_SERVICE_LEN], struct esp_error *err)
{
	const char *h = host_port, *colon;
	size_t hlen;
	if (*h == '[') {
		/* [IPv6]:PORT, as in URLs: the address holds colons itself */
		const char *close = strchr(h, ']');
		if (!close || close == h + 1 || close[1] != ':')
			return esp_error_set(err, ESP_E_INVAL, 0,
					     "write an IPv6 address as socket://[IPV6]:PORT, e.g. "
					     "socket://[::1]:4000");
		h++;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(h, ':');
		if (!colon || colon == h)
			return esp_error_set(err, ESP_E_INVAL, 0,
					     "no TCP port in '%s': write socket://HOST:PORT", host_port);
		hlen = (size_t)(colon - h);
		if (memchr(h, ':', hlen))
			return esp_error_set(err, ESP_E_INVAL, 0,
					     "put an IPv6 address in brackets: socket://[::1]:4000");
	}
	if (hlen >= XPORT_HOST_LEN)
		return esp_error_set(err, ESP_E_INVAL, 0, "host name longer than %d characters",
				     XPORT_HOST_LEN - 1);
	/* digits only, 1..65535: getaddrinfo would take "70000" and wrap it */
	const char *p = colon + 1;
	size_t plen = strlen(p);
	unsigned long n = 0;
	size_t i;
	for (i = 0; i < plen && p[i] >= '0' && p[i] <= '9' && n <= 65535; i++)
		n = n * 10 + (unsigned long)(p[i] - '0');
	if (plen == 0 || (i < plen && (p[i] < '0' || p[i] > '9')))
		return esp_error_set(err, ESP_E_INVAL, 0,
				     "'%s' is not a TCP port number: use 1..65535 "
				     "(socket://HOST:PORT)", p);
	if (i < plen || n < 1 || n > 65535)
		return esp_error_set(err, ESP_E_INVAL, 0,
				     "TCP port %s is out of range: use 1..65535", p);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(service, XPORT_SERVICE_LEN, "%lu", n);
	return ESP_OK;
}

enum esp_err xport_tcp_open(const char *host_port, struct esp_error *err, struct xport **ret_x)
{
	char host[XPORT_HOST_LEN], service[XPORT_SERVICE_LEN];
	enum esp_err e = xport_tcp_parse(host_port, host, service, err);
	if (e)
		return e;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV}, *res = NULL;
	int r = getaddrinfo(host, service, &hints, &res);
	if (r != 0)
		return esp_error_set(err, ESP_E_NOPORT, 0, "cannot resolve %s: %s", host_port,
				     gai_strerror(r));
	int fd = -1, last = 0;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		last = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return esp_error_set(err, ESP_E_NOPORT, last,
				     "cannot connect to serial server %s: %s (is it running?)", host_port,
				     strerror(last));
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	struct xport_tcp *t = calloc(1, sizeof *t);
	if (!t) {
		close(fd);
		return esp_error_set(err, ESP_E_NOMEM, ENOMEM, "out of memory");
	}
	t->base.ops = &s_tcp_ops;
	t->base.err = err;
	t->base.caps = 0;
	snprintf(t->base.name, sizeof t->base.name, "socket://%s", host_port);
	t->fd = fd;
	*ret_x = &t->base;
	return ESP_OK;
}
