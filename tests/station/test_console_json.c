/* SPDX-License-Identifier: MIT */
/* The console's JSON event stream (--events json, the web page's feed):
 * progress lines at most one a second per slot while a stage moves (the
 * first and last report always), with rate and ETA once known; a line when
 * the slot starts waiting for the operator, with the prompt, written after
 * the slot's state says so (the hub reads it as the line arrives); the end
 * of the wait shown at once; the plain log lines as before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/test.h"
#include "console.h"
#include "st_clock.h"

/* The JSON sink: every line kept, and the slot's waiting state at the
 * moment a "waiting" line is written. */
struct sink {
	char buf[64 * 1024];
	size_t len;
	const struct console *con;
	int idx;
	int waiting_when_written;  /* -1 until a waiting line came */
	char wait_text_when_written[64];
};

static ssize_t sink_write(void *cookie, const char *data, size_t n)
{
	struct sink *k = cookie;
	T_REQUIRE(k->len + n < sizeof k->buf);
	memcpy(k->buf + k->len, data, n);
	k->len += n;
	k->buf[k->len] = '\0';
	if (k->waiting_when_written < 0 && strstr(k->buf, "\"type\":\"waiting\"")) {
		k->waiting_when_written = k->con->s[k->idx].waiting;
		snprintf(k->wait_text_when_written, sizeof k->wait_text_when_written, "%s",
			 k->con->s[k->idx].wait_text);
	}
	return (ssize_t)n;
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The last line of the stream. */
static const char *last_line(const struct sink *k)
{
	const char *end = k->buf + k->len - 1, *p = end;
	while (p > k->buf && p[-1] != '\n')
		p--;
	return p;
}

static void send(struct console *c, int idx, enum st_ev_type type, uint64_t done, uint64_t total,
		 const char *text)
{
	struct st_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.stage = ST_STAGE_WRITE;
	ev.job_id = 7;
	ev.done = done;
	ev.total = total;
	snprintf(ev.text, sizeof ev.text, "%s", text ? text : "");
	console_event(c, idx, &ev);
}

int main(void)
{
	static struct sink k = {.waiting_when_written = -1};
	static struct console c;
	cookie_io_functions_t io = {.write = sink_write};
	FILE *json = fopencookie(&k, "w", io);
	char *plain_text = NULL;
	size_t plain_len = 0;
	FILE *plain = open_memstream(&plain_text, &plain_len);
	T_REQUIRE(json && plain);
	console_init(&c, plain, 1, json);
	k.con = &c;
	k.idx = console_attach(&c, "s0", "/dev/ttyUSB0", "cp2102");
	T_REQUIRE(k.idx >= 0);
	const uint64_t total = 1u << 20;
	send(&c, k.idx, ST_EV_JOB, 0, 0, NULL);
	send(&c, k.idx, ST_EV_STAGE, 0, 0, NULL);

	/* a burst of reports: one line for the first, then one a second at most */
	uint64_t t0 = st_mono_ms();
	send(&c, k.idx, ST_EV_PROGRESS, 0, total, NULL);
	for (uint64_t i = 1; i <= 2000; i++)
		send(&c, k.idx, ST_EV_PROGRESS, i * 100, total, NULL);
	uint64_t burst_ms = st_mono_ms() - t0;
	unsigned burst = count(k.buf, "\"type\":\"progress\"");
	t_set_case("burst of 2001 reports in %llu ms", (unsigned long long)burst_ms);
	T_CHECK(burst >= 1);
	T_CHECK(burst <= 1 + burst_ms / 1000);
	t_set_case("%s", "");

	/* a second later the next report is a line, with rate and ETA */
	usleep(1100 * 1000);
	send(&c, k.idx, ST_EV_PROGRESS, 500000, total, NULL);
	T_EQ_INT(count(k.buf, "\"type\":\"progress\""), burst + 1);
	const char *line = last_line(&k);
	T_HAS_STR(line, "\"type\":\"progress\"");
	T_HAS_STR(line, "\"done\":500000,\"total\":1048576");
	T_HAS_STR(line, "\"rate_bps\":");
	T_HAS_STR(line, "\"eta_s\":");

	/* waiting for the operator: one line with the prompt, the state set */
	send(&c, k.idx, ST_EV_WAITING, 0, 0, "hold GPIO0 and power-cycle");
	send(&c, k.idx, ST_EV_WAITING, 0, 0, "hold GPIO0 and power-cycle");
	T_EQ_INT(count(k.buf, "\"type\":\"waiting\""), 1);
	T_HAS_STR(last_line(&k), "\"job\":7,\"stage\":\"write\",\"text\":\"hold GPIO0 and power-cycle\"");
	T_EQ_INT(k.waiting_when_written, 1);
	T_EQ_STR(k.wait_text_when_written, "hold GPIO0 and power-cycle");

	/* the wait ends with the next report: shown at once, not a second later */
	send(&c, k.idx, ST_EV_PROGRESS, 600000, total, NULL);
	T_EQ_INT(count(k.buf, "\"type\":\"progress\""), burst + 2);
	/* the last report always */
	send(&c, k.idx, ST_EV_PROGRESS, total, total, NULL);
	T_EQ_INT(count(k.buf, "\"type\":\"progress\""), burst + 3);
	T_HAS_STR(last_line(&k), "\"done\":1048576,\"total\":1048576");

	/* the plain log: quarters and one operator line, no JSON */
	T_REQUIRE(fflush(plain) == 0);
	T_EQ_INT(count(plain_text, "needs the operator: hold GPIO0 and power-cycle"), 1);
	T_EQ_INT(count(plain_text, "write 25%"), 1);
	T_EQ_INT(count(plain_text, "write 100%"), 1);
	T_EQ_INT(count(plain_text, "\"type\""), 0);
	fclose(json);
	fclose(plain);
	free(plain_text);
	return t_done("test_console_json");
}
