/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "led.h"

const char *led_state_name(enum led_state st)
{
	static const char *const names[] = {"idle", "busy", "pass", "fail", "needs-operator"};
	return (unsigned)st < 5 ? names[st] : "?";
}

static int write_attr(const char *root, const char *name, const char *attr, const char *val)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s/%s", root, name, attr);
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, val, strlen(val));
	int e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}

/* the "timer" trigger creates delay_on/delay_off once it is selected */
static int blink(const char *root, const char *name, const char *on_ms, const char *off_ms)
{
	int e = write_attr(root, name, "trigger", "timer");
	if (!e)
		e = write_attr(root, name, "delay_on", on_ms);
	if (!e)
		e = write_attr(root, name, "delay_off", off_ms);
	return e;
}

int led_set(const char *root, const char *name, enum led_state st)
{
	if (!name || !name[0])
		return 0;
	switch (st) {
	case LED_IDLE: {
		int e = write_attr(root, name, "trigger", "none");
		return e ? e : write_attr(root, name, "brightness", "0");
	}
	case LED_PASS: {
		int e = write_attr(root, name, "trigger", "none");
		return e ? e : write_attr(root, name, "brightness", "255");
	}
	case LED_BUSY: return blink(root, name, "250", "250");
	case LED_FAIL: return blink(root, name, "60", "60");
	case LED_OPERATOR: return blink(root, name, "1000", "1000");
	}
	return -EINVAL;
}
