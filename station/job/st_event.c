/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sys/socket.h>

#include "st_event.h"

void st_event_send(int fd, const struct st_event *ev)
{
	if (fd < 0)
		return;
	while (send(fd, ev, sizeof *ev, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

int st_event_recv(int fd, struct st_event *ev)
{
	for (;;) {
		ssize_t n = recv(fd, ev, sizeof *ev, MSG_DONTWAIT);
		if (n == (ssize_t)sizeof *ev)
			return 1;
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return -1;
	}
}
