/* SPDX-License-Identifier: MIT */
/* What every single-port sub-command shares: the common options, the exit
 * codes, the one-line error report, and session setup (open the port,
 * connect, detect, start the stub) and teardown (reset, close). */
#pragma once

#include <getopt.h>
#include <stdint.h>

#include "esp.h"
#include "job_link.h"
#include "job_outcome.h"
#include "progress.h"
#include "st_config.h"

enum cli_after { CLI_AFTER_HARD_RESET, CLI_AFTER_NO_RESET };

/* The options every sub-command takes. */
struct cli_opts {
	const char *port;
	unsigned stub_baud;      /* --baud */
	unsigned rom_baud;       /* --rom-baud */
	const char *reset;       /* --reset, NULL: auto (none for socket://) */
	const char *stub_path;   /* --stub, NULL: built in */
	unsigned connect_ms;     /* --connect-timeout, 0: core default */
	enum cli_after after;
	int verbose;             /* -v, repeatable */
	int quiet;               /* -q */
};

/* A sub-command's own options: getopt_long entries with `val` at least
 * CLI_OPT_CMD_BASE (or a letter listed in short_opts), handled by `handle`,
 * which returns 0, or -1 after printing a usage error. */
#define CLI_OPT_CMD_BASE 0x200

struct cli_parser {
	const char *cmd;                  /* "write": help lookup and messages */
	const struct option *extra;       /* terminated by a zero entry; may be NULL */
	const char *short_opts;           /* e.g. "o:", may be NULL */
	int (*handle)(void *user, int id, const char *arg);
	void *user;
	int min_args, max_args;           /* positional arguments */
	int need_port;
};

/* Parses argv (argv[0] is the sub-command name).  Returns -1 to go on, or an
 * exit code: 0 after --help, CLI_EXIT_USAGE after printing the error.  The
 * positional arguments are left in argv[*ret_first .. argc). */
int cli_parse(const struct cli_parser *ps, int argc, char **argv, struct cli_opts *o,
	      int *ret_first);

/* Shared number parsers for option values; return 0 or -1. */
int cli_parse_u32(const char *s, uint32_t *ret);       /* 0x.., decimal, K/M suffix */
int cli_parse_region(const char *s, uint32_t *ret_addr, uint32_t *ret_len); /* ADDR:LEN */

/* Prints "espstation: <fmt...>" as one line on stderr and returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One run of a sub-command against one port. */
struct cli_run {
	struct cli_opts opts;
	struct progress prog;
	const volatile int *cancel;
	struct job_link link;    /* the engine's connect path */
	struct esp_session *s;   /* link.s once connected */
	struct esp_chip_info chip; /* link.chip once detected */
	int quiet_info;          /* suppress chatter on stdout (e.g. --json) */
	int no_compress;         /* write: --no-compress */
};

/* Parsing done: sets up progress and the cancel flag. */
void cli_run_init(struct cli_run *r);

/* Loads the stub when want_stub (so a bad --stub fails before the unit is
 * touched), opens the port, connects and detects the chip.  Returns 0 or the
 * exit code after reporting. */
int cli_connect(struct cli_run *r, int want_stub) __attribute__((warn_unused_result));

/* Starts the stub loaded by cli_connect and switches to --baud.  Separate
 * so that commands can refuse work (image too large) before uploading it. */
int cli_start_stub(struct cli_run *r) __attribute__((warn_unused_result));

/* Reports the session's last error as "espstation: <what>: <core message>"
 * and returns its exit code (a cancelled run reports as cancelled). */
int cli_fail_session(struct cli_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resets the unit per --after when code is 0 (a failed reset is only a
 * warning: the work is done), closes the session, and returns code. */
int cli_finish(struct cli_run *r, int code);

/* Informational line on stdout, unless -q or quiet_info. */
void cli_info(struct cli_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Flash size to check images against: the detected one, else 0. */
uint32_t cli_flash_size(const struct cli_run *r);

struct db;
/* The station database a single-port command reads: --db FILE (db_path),
 * else the `database` of the config at cfg_path, else the default.  *cfg
 * gets that config (or the defaults).  It must exist: these commands never
 * create one; read_only opens it so (audit).  Returns 0, or the exit code
 * after one line naming the command, the path, the cause and the fix. */
int cli_open_db(const char *cmd, const char *db_path, const char *cfg_path, int read_only,
		struct st_config *cfg, struct db **ret) __attribute__((warn_unused_result));
