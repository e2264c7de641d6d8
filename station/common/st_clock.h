/* SPDX-License-Identifier: MIT */
/* The station's clocks, in one place: wall time for records (Unix ms, the
 * database's unit), monotonic time for intervals and deadlines. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int64_t st_wall_ms(void);          /* CLOCK_REALTIME, Unix ms */
uint64_t st_mono_ms(void);         /* CLOCK_MONOTONIC, ms */
/* "2026-12-07T10:11:12.345Z" for a Unix ms time; returns buf. */
const char *st_utc_iso(int64_t ms, char *buf, size_t cap);
