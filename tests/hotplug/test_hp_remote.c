/* SPDX-License-Identifier: MIT */
/* Remote ports (hotplug/hp_remote.c) on a clock of our own against real
 * loopback sockets: a refused server is not reported and is probed again
 * only after its back-off; a listening one is reported plugged once; its
 * worker ending reports the remove and a later probe finds it again; a host
 * name is looked up when the port is added (the probe itself never looks
 * up); malformed URLs are refused. */
#include "../unit/test.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hp_remote.h"

#define MS(x) ((uint64_t)(x) * 1000000u)

/* A listening loopback socket and its port; the port of a closed one when
 * listening is 0 (bound, closed again: nothing accepts there). */
static int open_port(int listening, unsigned *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	T_REQUIRE(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
	T_REQUIRE(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	*port = ntohs(a.sin_port);
	if (listening) {
		T_REQUIRE(listen(fd, 4) == 0);
		return fd;
	}
	close(fd);
	return -1;
}

/* Pops until an event comes or the probe in flight has had time to finish
 * (a loopback connect answers at once; the wait is bounded by poll). */
static int pop_settled(struct hp_remote_set *s, uint64_t now, struct hp_event *ev)
{
	for (int i = 0; i < 200; i++) {
		if (hp_remote_pop(s, now, ev))
			return 1;
		int busy = 0;
		for (unsigned k = 0; k < s->n; k++)
			busy |= s->r[k].state == HP_REMOTE_PROBING;
		if (!busy)
			return 0;
		poll(NULL, 0, 5);
	}
	return 0;
}

static void refused_then_listening(void)
{
	t_set_case("a refused server backs off, a listening one is plugged once");
	struct hp_remote_set s;
	struct hp_event ev;
	unsigned port;
	char url[64];
	hp_remote_init(&s);
	open_port(0, &port);
	snprintf(url, sizeof url, "rfc2217://127.0.0.1:%u", port);
	T_EQ_INT(hp_remote_add(&s, url, 0), 0);
	T_EQ_INT(hp_remote_add(&s, url, 0), 0); /* known: no second entry */
	T_EQ_INT((int)s.n, 1);
	T_EQ_INT(pop_settled(&s, 0, &ev), 0);
	T_EQ_INT(s.r[0].state, HP_REMOTE_PROBE_DUE);
	T_CHECK(s.r[0].due_ns >= MS(HP_REMOTE_BACKOFF_MIN_MS)); /* not asked again at once */
	T_EQ_INT(hp_remote_timeout_ms(&s, 0), (int)HP_REMOTE_BACKOFF_MIN_MS);

	/* the server comes up on the same port */
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	T_REQUIRE(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(lfd, 4) == 0);
	T_EQ_INT(pop_settled(&s, MS(HP_REMOTE_BACKOFF_MIN_MS) - 1, &ev), 0); /* not due yet */
	T_EQ_INT(pop_settled(&s, MS(HP_REMOTE_BACKOFF_MIN_MS), &ev), 1);
	T_EQ_INT(ev.action, HP_ADD);
	T_EQ_STR(ev.devnode, url);
	T_EQ_STR(ev.id_path, url);
	T_EQ_STR(ev.driver, "rfc2217");
	T_EQ_INT(pop_settled(&s, MS(5000), &ev), 0); /* plugged: reported once */

	/* its worker ends: the remove, then a probe after the back-off */
	T_EQ_INT(hp_remote_ended(&s, url, MS(6000)), 1);
	T_EQ_INT(pop_settled(&s, MS(6000), &ev), 1);
	T_EQ_INT(ev.action, HP_REMOVE);
	T_EQ_INT(pop_settled(&s, MS(6000), &ev), 0);
	T_EQ_INT(pop_settled(&s, MS(6000 + 60000), &ev), 1);
	T_EQ_INT(ev.action, HP_ADD);
	close(lfd);
	hp_remote_free(&s);
}

static void names_and_bad_urls(void)
{
	t_set_case("a host name is looked up when added; malformed URLs refused");
	struct hp_remote_set s;
	struct hp_event ev;
	unsigned port;
	char url[64];
	hp_remote_init(&s);
	int lfd = open_port(1, &port);
	snprintf(url, sizeof url, "socket://localhost:%u", port);
	T_EQ_INT(hp_remote_add(&s, url, 0), 0);
	T_CHECK(s.r[0].addr_len > 0); /* resolved at add, not in the probe */
	T_EQ_INT(pop_settled(&s, 0, &ev), 1);
	T_EQ_INT(ev.action, HP_ADD);
	T_EQ_STR(ev.driver, "socket");
	T_EQ_INT(hp_remote_add(&s, "rfc2217://nohostport", 0), -EINVAL);
	T_EQ_INT(hp_remote_add(&s, "rfc2217://:4000", 0), -EINVAL);
	T_EQ_INT(hp_remote_add(&s, "rfc2217://[::1]4000", 0), -EINVAL);
	T_EQ_INT(hp_remote_add(&s, "rfc2217://a-very-long-host-name-that-does-not-fit.example.org:4000", 0),
		 -ENAMETOOLONG);
	close(lfd);
	hp_remote_free(&s);
}

int main(void)
{
	refused_then_listening();
	names_and_bad_urls();
	return t_done("test_hp_remote");
}
