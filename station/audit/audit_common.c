/* SPDX-License-Identifier: MIT */
/* What the audit's queries share, whoever asks (the command or the web
 * surface): the one error line, times as ISO-8601 UTC, --since, and a
 * table printed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "st_error.h"

int audit_fail(struct audit_ctx *a, int code, const char *fmt, ...)
{
	char line[sizeof a->err];
	va_list ap;
	va_start(ap, fmt);
	st_error_vformat(line, sizeof line, fmt, ap);
	va_end(ap);
	if (a)
		memcpy(a->err, line, sizeof a->err);
	if (!a || !a->quiet_errors)
		st_error_print(line);
	return code;
}

const char *audit_time(int64_t ms, char buf[32])
{
	if (!ms) {
		buf[0] = '\0';
		return buf;
	}
	return db_time_utc(ms, buf, 32);
}

int audit_print(struct audit_ctx *a, struct out_table *t)
{
	if (out_print(t) != 0)
		return audit_fail(a, CLI_EXIT_FILE, "audit: cannot write the output: %s",
				  t->oom ? "out of memory" : strerror(errno));
	if (t->fmt == OUT_JSON)
		fputc('\n', t->f);
	fflush(t->f);
	return 0;
}

int audit_parse_since(const char *s, int64_t now_ms, int64_t *ret_ms)
{
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (!errno && end != s && n >= 0 && end[0] && !end[1] && *s != '-' && *s != '+') {
		long long unit = 0;
		switch (end[0]) {
		case 's': unit = 1000; break;
		case 'm': unit = 60 * 1000; break;
		case 'h': unit = 3600 * 1000; break;
		case 'd': unit = 86400 * 1000; break;
		case 'w': unit = 7 * 86400 * 1000LL; break;
		}
		if (unit && n <= 100LL * 366 * 86400 * 1000 / unit) {
			*ret_ms = now_ms - n * unit;
			return 0;
		}
	}
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *p = strptime(s, "%Y-%m-%d", &tm);
	if (!p)
		return -1;
	if (*p == 'T' || *p == ' ') {
		const char *q = strptime(p + 1, "%H:%M:%S", &tm);
		if (!q)
			q = strptime(p + 1, "%H:%M", &tm);
		if (!q)
			return -1;
		p = q;
	}
	if (*p == 'Z')
		p++;
	if (*p)
		return -1;
	/* strptime takes any day 1..31 in any month and timegm rolls it over
	 * (2026-02-30 would be 2026-03-02): refuse a date that does not exist. */
	int year = tm.tm_year, mon = tm.tm_mon, mday = tm.tm_mday;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_year != year || tm.tm_mon != mon || tm.tm_mday != mday)
		return -1;
	*ret_ms = (int64_t)t * 1000;
	return 0;
}
