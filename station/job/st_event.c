/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sys/socket.h>

#include "st_event.h"

const char *st_stage_name(enum st_stage s)
{
	static const char *const names[ST_STAGE_MAX] = {
		"idle", "detect", "backup", "erase", "write", "verify", "reset", "wait-removal",
	};
	return (unsigned)s < ST_STAGE_MAX ? names[s] : "?";
}

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
