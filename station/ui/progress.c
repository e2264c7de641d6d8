/* SPDX-License-Identifier: MIT */
/* Progress display.  The core already throttles its reports (final ones
 * always come through); this file only decides how they look. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "st_clock.h"

#define PROGRESS_BAR_WIDTH 24
#define PROGRESS_REDRAW_MS 100   /* a terminal redraw faster than this only flickers */

static const char *const s_op_name[] = {
	[ESP_OP_CONNECT] = "connect", [ESP_OP_WAIT_BOOT] = "wait",  [ESP_OP_STUB] = "stub",
	[ESP_OP_READ] = "read",       [ESP_OP_ERASE] = "erase",     [ESP_OP_WRITE] = "write",
	[ESP_OP_VERIFY] = "verify",
};

static const char *const s_level_name[] = {
	[ESP_LOG_ERROR] = "error", [ESP_LOG_WARNING] = "warning", [ESP_LOG_NOTICE] = "notice",
	[ESP_LOG_INFO] = "info",   [ESP_LOG_DEBUG] = "debug",     [ESP_LOG_TRACE] = "trace",
};

void progress_init(struct progress *p, FILE *out, int quiet, int verbose)
{
	memset(p, 0, sizeof *p);
	p->out = out;
	p->tty = isatty(fileno(out));
	p->quiet = quiet;
	p->max_level = verbose >= 2 ? ESP_LOG_TRACE : verbose == 1 ? ESP_LOG_DEBUG : ESP_LOG_WARNING;
	p->op = -1;
}

void progress_break(struct progress *p)
{
	if (p->line_open) {
		fputc('\n', p->out);
		fflush(p->out);
		p->line_open = 0;
	}
}

/* "472 KiB", "1.0 MiB": integers below a MiB read better in a bar. */
static void fmt_bytes(char *buf, size_t cap, double n)
{
	if (n < 1024)
		snprintf(buf, cap, "%.0f B", n);
	else if (n < 1024.0 * 1024)
		snprintf(buf, cap, "%.0f KiB", n / 1024);
	else
		snprintf(buf, cap, "%.1f MiB", n / (1024.0 * 1024));
}

static void fmt_rate(char *buf, size_t cap, double bytes_per_s)
{
	if (bytes_per_s >= 1024.0 * 1024)
		snprintf(buf, cap, "%.1f MiB/s", bytes_per_s / (1024.0 * 1024));
	else
		snprintf(buf, cap, "%.1f KiB/s", bytes_per_s / 1024);
}

static void fmt_duration(char *buf, size_t cap, uint64_t s)
{
	if (s > 99u * 3600u)
		s = 99u * 3600u; /* an ETA beyond 99 h is noise: keep the field short */
	if (s >= 3600)
		snprintf(buf, cap, "%u:%02u:%02u", (unsigned)(s / 3600) % 100u,
			 (unsigned)(s / 60 % 60), (unsigned)(s % 60));
	else
		snprintf(buf, cap, "%u:%02u", (unsigned)(s / 60), (unsigned)(s % 60));
}

/* "45%  472 KiB/1.0 MiB  84.1 KiB/s  ETA 0:07" ("in 0:12" when done).  The
 * rate counts from the first report of the operation, which need not be 0. */
static void fmt_figures(char *buf, size_t cap, const struct progress *p, unsigned pct,
			uint64_t done, uint64_t total, uint64_t elapsed_ms)
{
	char d[24], t[24], r[24] = "", e[24] = "";
	fmt_bytes(d, sizeof d, (double)done);
	fmt_bytes(t, sizeof t, (double)total);
	double rate = elapsed_ms && done > p->done0
			      ? (double)(done - p->done0) * 1000.0 / (double)elapsed_ms : 0;
	if (rate > 0)
		fmt_rate(r, sizeof r, rate);
	char dur[16];
	if (done >= total) {
		fmt_duration(dur, sizeof dur, (elapsed_ms + 500) / 1000);
		snprintf(e, sizeof e, "in %s", dur);
	} else if (rate > 0) {
		fmt_duration(dur, sizeof dur, (uint64_t)((double)(total - done) / rate + 0.5));
		snprintf(e, sizeof e, "ETA %s", dur);
	}
	snprintf(buf, cap, "%3u%%  %s/%s%s%s%s%s", pct, d, t, r[0] ? "  " : "", r, e[0] ? "  " : "",
		 e);
}

static void show_boot_hint(struct progress *p)
{
	if (p->boot_hint_shown)
		return;
	p->boot_hint_shown = 1;
	progress_break(p);
	fputs("waiting for the unit: hold GPIO0 (the button) and power-cycle the unit\n", p->out);
	fflush(p->out);
}

/* A new operation (or the same one starting again) resets the clock. */
static void begin_op(struct progress *p, enum esp_op op, uint64_t done, uint64_t total)
{
	progress_break(p);
	p->op = (int)op;
	p->total = total;
	p->finished = 0;
	p->last_step = -1;
	p->t0_ms = st_mono_ms();
	p->last_draw_ms = 0;
	p->done0 = done;
}

int progress_report(void *user_data, enum esp_op op, uint64_t done, uint64_t total)
{
	struct progress *p = user_data;
	if (p->quiet)
		return 0;
	if (op == ESP_OP_WAIT_BOOT) {
		show_boot_hint(p);
		return 0;
	}
	/* Connecting has its own one-line message; a bar of milliseconds
	 * waited would only add noise. */
	if (op == ESP_OP_CONNECT || (unsigned)op >= sizeof s_op_name / sizeof s_op_name[0])
		return 0;
	if (p->op != (int)op || p->total != total || (p->finished && done < total))
		begin_op(p, op, done, total);
	else if (p->finished)
		return 0; /* a repeated final report */
	if (done > total)
		done = total;
	uint64_t t = st_mono_ms();
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
	int final = done >= total;
	char fig[96];
	fmt_figures(fig, sizeof fig, p, pct, done, total, t - p->t0_ms);
	if (p->tty) {
		if (!final && p->last_draw_ms && t - p->last_draw_ms < PROGRESS_REDRAW_MS)
			return 0;
		char bar[PROGRESS_BAR_WIDTH + 1];
		unsigned fill = total ? (unsigned)(done * PROGRESS_BAR_WIDTH / total) : PROGRESS_BAR_WIDTH;
		for (unsigned i = 0; i < PROGRESS_BAR_WIDTH; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[PROGRESS_BAR_WIDTH] = '\0';
		/* \033[K clears what a longer previous line left behind. */
		fprintf(p->out, "\r%-6s [%s] %s\033[K", s_op_name[op], bar, fig);
		p->line_open = 1;
		p->last_draw_ms = t;
	} else {
		/* journald: a line per tenth at most, and always the final one. */
		int step = (int)(pct / 10);
		if (step <= p->last_step && !final)
			return 0;
		fprintf(p->out, "%-6s %s\n", s_op_name[op], fig);
		p->last_step = step;
	}
	if (final) {
		p->finished = 1;
		progress_break(p);
	}
	fflush(p->out);
	return 0;
}

void progress_log(void *user_data, enum esp_log_level level, const char *msg)
{
	struct progress *p = user_data;
	/* Errors come back as return codes and are reported once by the caller. */
	if (p->quiet || level == ESP_LOG_ERROR || level > p->max_level)
		return;
	if (p->line_open) {
		fputs("\r\033[K", p->out);
		p->line_open = 0;
		p->last_draw_ms = 0; /* redraw the bar at the next report */
	}
	const char *name = (unsigned)level < sizeof s_level_name / sizeof s_level_name[0]
				   ? s_level_name[level] : "log";
	fprintf(p->out, "%s: %s\n", name, msg);
	fflush(p->out);
}
