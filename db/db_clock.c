/* SPDX-License-Identifier: MIT */
/* Time as the rows see it: the connection's clock (replaceable for tests
 * and replay), Unix ms rendered as ISO-8601 UTC, and binding "now" into a
 * journal statement.  One reader of the system clocks for all of db/. */
#include <stdio.h>

#include "db_priv.h"

int64_t db_clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t db_now_ms(const struct db *db)
{
	if (db && db->clock)
		return db->clock(db->clock_user);
	return db_clock_ms(CLOCK_REALTIME);
}

void db_set_clock(struct db *db, db_clock_fn *fn, void *user_data)
{
	db->clock = fn;
	db->clock_user = user_data;
}

const char *db_time_utc(int64_t ms, char *buf, size_t cap)
{
	int64_t ms_part = ms % 1000;
	time_t secs;
	struct tm tm;
	int n;

	if (ms_part < 0)
		ms_part += 1000;
	secs = (time_t)((ms - ms_part) / 1000);
	if (!cap)
		return buf;
	/* four-digit years only; anything else is a broken clock, shown raw */
	if (!gmtime_r(&secs, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		n = snprintf(buf, cap, "@%lld", (long long)ms);
	else
		n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			     (int)ms_part);
	if (n < 0)
		buf[0] = '\0';
	return buf;
}

void db_bind_now(struct db *db, sqlite3_stmt *st, int ms_idx, int utc_idx)
{
	char utc[40];
	int64_t now = db_now_ms(db);

	sqlite3_bind_int64(st, ms_idx, now);
	sqlite3_bind_text(st, utc_idx, db_time_utc(now, utc, sizeof utc), -1, SQLITE_TRANSIENT);
}
