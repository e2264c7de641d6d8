/* SPDX-License-Identifier: MIT */
/* The listen address: "HOST:PORT" or "[V6]:PORT" with a numeric host (or
 * localhost), bound here so that port 0 can be reported as the real port
 * and the loopback rule is checked on the address itself. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_priv.h"

int http_listen_parse(const char *listen, struct sockaddr_storage *sa, unsigned *salen,
		      int *loopback, char *err, size_t cap)
{
	char host[80];
	const char *colon = strrchr(listen, ':');
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || !colon[1] || *end || port < 0 || port > 65535 ||
	    (size_t)(colon - listen) >= sizeof host) {
		snprintf(err, cap, "http listen '%s' is not HOST:PORT (fix: e.g. 127.0.0.1:8080, "
			 "[::1]:8080, or 0.0.0.0:8080 with a token_file)", listen);
		return -1;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
	memset(sa, 0, sizeof *sa);
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			goto bad_host;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*salen = sizeof *s6;
		*loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		goto bad_host;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*salen = sizeof *s4;
	*loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	return 0;
bad_host:
	snprintf(err, cap, "http listen '%s': '%s' is not a numeric address (fix: an IPv4 "
		 "address, localhost, or an IPv6 address in brackets such as [::1])", listen, host);
	return -1;
}

int http_listen_bind(const struct sockaddr_storage *sa, unsigned salen, char *bound,
		     size_t bcap, char *err, size_t cap)
{
	int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd >= 0 && sa->ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	struct sockaddr_storage got;
	socklen_t gl = sizeof got;
	if (fd < 0 || bind(fd, (const struct sockaddr *)sa, salen) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &gl) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, cap, "http: cannot listen: %s (fix: %s)", strerror(e),
			 e == EADDRINUSE ? "another program has that port: choose another in "
					   "--http or http.listen"
			 : e == EACCES ? "ports below 1024 need root: use 8080 or so"
			 : e == EADDRNOTAVAIL ? "that address is not on this machine"
					      : "check the address");
		return -1;
	}
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port;
	if (got.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&got;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
		port = ntohs(s6->sin6_port);
		snprintf(bound, bcap, "[%s]:%u", a, port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&got;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
		port = ntohs(s4->sin_port);
		snprintf(bound, bcap, "%s:%u", a, port);
	}
	return fd;
}
