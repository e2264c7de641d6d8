/* SPDX-License-Identifier: MIT */
/* The link to one unit: open the port, start a session, reset into the ROM
 * loader and sync, identify the chip, then upload the flasher stub and
 * raise the baud rate.  The one connect path of the station's workers and
 * of every single-port command.  It prints nothing: a failure leaves the
 * step it happened in and the core's one-line reason in the link. */
#pragma once

#include "esp.h"

struct job_link_cfg {
	const char *port;            /* /dev/ttyUSB0, socket://host:port */
	unsigned rom_baud, stub_baud;
	unsigned connect_ms;         /* 0: the core's default */
	const char *reset;           /* auto, none or a sequence; NULL/"": per port kind */
	const char *stub_path;       /* esptool JSON stub; NULL/"": the built-in stub */
	int no_compress;
	esp_log_fn *log;
	esp_progress_fn *progress;
	void *user;                  /* passed to log and progress */
	const volatile int *cancel;
};

/* Where a link failed: callers phrase their messages and exit codes by it. */
enum job_link_step {
	JOB_LINK_STUB_LOAD, JOB_LINK_OPEN, JOB_LINK_SESSION, JOB_LINK_RESET_PLAN,
	JOB_LINK_CONNECT, JOB_LINK_DETECT, JOB_LINK_STUB_START,
};

struct job_link {
	struct job_link_cfg cfg;
	struct esp_session *s;
	struct esp_chip_info chip;
	struct esp_reset_plan plan;
	const char *reset;           /* the plan's text as chosen */
	struct esp_stub_image stub;
	int have_stub;
	int want_stub;                  /* open was asked for a stub (built-in: per chip, at start) */
	enum job_link_step step;     /* of the last failure */
	struct esp_error err;        /* code and one-line reason of the last failure */
};

/* Loads the stub when want_stub (a bad stub file fails before the unit is
 * touched), opens the port and a session, and parses the reset plan. */
enum esp_err job_link_open(struct job_link *l, const struct job_link_cfg *c, int want_stub);
/* Resets into the loader, syncs and detects the chip (l->chip). */
enum esp_err job_link_connect(struct job_link *l);
/* Uploads the stub loaded by job_link_open and switches to stub_baud. */
enum esp_err job_link_start_stub(struct job_link *l);
/* Closes the session and frees the stub; the link may be opened again. */
void job_link_close(struct job_link *l);

/* The reset plan used when none is given: TCP serial servers have no modem
 * lines to wiggle. */
const char *job_link_default_reset(const char *port);
