/* SPDX-License-Identifier: MIT */
/* Common options, exit codes, error lines and session setup for the
 * single-port sub-commands. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_common.h"
#include "db.h"
#include "cli_help.h"
#include "cancel_signal.h"
#include "st_error.h"

enum {
	OPT_ROM_BAUD = 0x100,
	OPT_RESET,
	OPT_STUB,
	OPT_CONNECT_TIMEOUT,
	OPT_AFTER,
	OPT_HELP_LONG,
};

static const struct option s_common_opts[] = {
	{"port", required_argument, NULL, 'p'},
	{"baud", required_argument, NULL, 'b'},
	{"rom-baud", required_argument, NULL, OPT_ROM_BAUD},
	{"reset", required_argument, NULL, OPT_RESET},
	{"stub", required_argument, NULL, OPT_STUB},
	{"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
	{"after", required_argument, NULL, OPT_AFTER},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
};
#define N_COMMON (sizeof s_common_opts / sizeof s_common_opts[0])
#define MAX_EXTRA 16

int cli_fail(int code, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	st_error_vformat(line, sizeof line, fmt, ap);
	va_end(ap);
	st_error_print(line);
	return code;
}

int cli_parse_u32(const char *s, uint32_t *ret)
{
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	unsigned long long mult = 1;
	if (*end == 'k' || *end == 'K')
		mult = 1024;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024;
	if (mult > 1) {
		end++;
		if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
			end += strlen(end);
	}
	if (*end || v > UINT32_MAX / mult)
		return -1;
	*ret = (uint32_t)(v * mult);
	return 0;
}

int cli_parse_region(const char *s, uint32_t *ret_addr, uint32_t *ret_len)
{
	const char *colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) >= 32)
		return -1;
	char addr[32];
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	return cli_parse_u32(addr, ret_addr) < 0 || cli_parse_u32(colon + 1, ret_len) < 0 ? -1 : 0;
}

static int parse_baud(const char *cmd, const char *opt, const char *arg, unsigned *ret)
{
	uint32_t v;
	if (cli_parse_u32(arg, &v) < 0 || v < 300 || v > 12000000)
		return cli_fail(-1, "%s: %s wants a baud rate (300..12000000), not '%s'", cmd, opt, arg);
	*ret = v;
	return 0;
}

static int parse_seconds(const char *cmd, const char *arg, unsigned *ret_ms)
{
	char *end;
	errno = 0;
	double sec = strtod(arg, &end);
	if (errno || end == arg || *end || !(sec > 0) || sec > 86400)
		return cli_fail(-1, "%s: --connect-timeout wants seconds (e.g. 2 or 0.5), not '%s'",
				cmd, arg);
	*ret_ms = (unsigned)(sec * 1000 + 0.5);
	return 0;
}

static int is_common(int id)
{
	for (size_t i = 0; i < N_COMMON; i++)
		if (s_common_opts[i].val == id)
			return 1;
	return 0;
}

static int handle_common(const struct cli_parser *ps, struct cli_opts *o, int id, const char *arg)
{
	switch (id) {
	case 'p': o->port = arg; return 0;
	case 'b': return parse_baud(ps->cmd, "--baud", arg, &o->stub_baud);
	case OPT_ROM_BAUD: return parse_baud(ps->cmd, "--rom-baud", arg, &o->rom_baud);
	case OPT_RESET: {
		/* Checked now so that a typo fails before the port is touched. */
		struct esp_reset_plan plan;
		struct esp_error err = {0};
		if (esp_reset_plan_parse(arg, &plan, &err) != ESP_OK)
			return cli_fail(-1, "%s: bad --reset '%s': %s", ps->cmd, arg,
					err.msg[0] ? err.msg : "expected auto, none or a sequence");
		o->reset = arg;
		return 0;
	}
	case OPT_STUB: o->stub_path = arg; return 0;
	case OPT_CONNECT_TIMEOUT: return parse_seconds(ps->cmd, arg, &o->connect_ms);
	case OPT_AFTER:
		if (!strcmp(arg, "hard-reset") || !strcmp(arg, "hard_reset"))
			o->after = CLI_AFTER_HARD_RESET;
		else if (!strcmp(arg, "no-reset") || !strcmp(arg, "no_reset"))
			o->after = CLI_AFTER_NO_RESET;
		else
			return cli_fail(-1, "%s: --after wants hard-reset or no-reset, not '%s'",
					ps->cmd, arg);
		return 0;
	case 'v': o->verbose++; return 0;
	case 'q': o->quiet = 1; return 0;
	}
	return -1;
}

int cli_parse(const struct cli_parser *ps, int argc, char **argv, struct cli_opts *o,
	      int *ret_first)
{
	memset(o, 0, sizeof *o);
	o->rom_baud = ESP_ROM_BAUD;
	o->stub_baud = ESP_DEFAULT_STUB_BAUD;
	o->after = CLI_AFTER_HARD_RESET;

	struct option opts[N_COMMON + MAX_EXTRA + 1];
	size_t n = 0;
	for (; n < N_COMMON; n++)
		opts[n] = s_common_opts[n];
	for (size_t i = 0; ps->extra && ps->extra[i].name && n < N_COMMON + MAX_EXTRA; i++)
		opts[n++] = ps->extra[i];
	memset(&opts[n], 0, sizeof opts[n]);

	/* Leading ':' so a missing argument is told apart from an unknown option;
	 * opterr = 0 so the messages are ours and carry the sub-command name. */
	char shorts[32];
	snprintf(shorts, sizeof shorts, ":p:b:vqh%s", ps->short_opts ? ps->short_opts : "");
	opterr = 0;
	optind = 0;
	int c, idx;
	while ((c = getopt_long(argc, argv, shorts, opts, &idx)) != -1) {
		/* What to name in a message: the long option as typed, else -X. */
		char shortname[3] = {'-', (char)optopt, '\0'};
		const char *prev = argv[optind - 1];
		const char *bad = strncmp(prev, "--", 2) == 0 || !optopt ? prev : shortname;
		if (c == 'h') {
			cli_help_command(ps->cmd, stdout);
			return CLI_EXIT_OK;
		}
		if (c == '?')
			return cli_fail(CLI_EXIT_USAGE, "%s: unknown option '%s'; see 'espstation %s --help'",
					ps->cmd, bad, ps->cmd);
		if (c == ':')
			return cli_fail(CLI_EXIT_USAGE, "%s: option '%s' needs a value", ps->cmd, bad);
		int r = is_common(c) ? handle_common(ps, o, c, optarg)
				     : ps->handle(ps->user, c, optarg);
		if (r < 0)
			return CLI_EXIT_USAGE;
	}
	int npos = argc - optind;
	if (npos < ps->min_args || npos > ps->max_args) {
		if (ps->max_args == 0)
			return cli_fail(CLI_EXIT_USAGE, "%s: unexpected argument '%s'", ps->cmd,
					argv[optind]);
		return cli_fail(CLI_EXIT_USAGE, "%s: expected %s; see 'espstation %s --help'", ps->cmd,
				npos < ps->min_args ? "an IMAGE file" : "only one IMAGE file", ps->cmd);
	}
	if (ps->need_port && !o->port)
		return cli_fail(CLI_EXIT_USAGE, "%s: --port is required (e.g. --port /dev/ttyUSB0)",
				ps->cmd);
	*ret_first = optind;
	return -1;
}

void cli_run_init(struct cli_run *r)
{
	progress_init(&r->prog, stderr, r->opts.quiet, r->opts.verbose);
	r->cancel = st_cancel_flag();
	r->s = NULL;
	memset(&r->chip, 0, sizeof r->chip);
}

void cli_info(struct cli_run *r, const char *fmt, ...)
{
	if (r->opts.quiet || r->quiet_info)
		return;
	progress_break(&r->prog);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int fail_code(struct cli_run *r, enum esp_err e, const struct esp_error *err,
		     const char *what)
{
	progress_break(&r->prog);
	if (e == ESP_E_CANCELLED || (r->cancel && *r->cancel))
		return cli_fail(CLI_EXIT_CANCELLED, "%s: cancelled", what);
	const char *msg = err && err->code == e && err->msg[0] ? err->msg : esp_strerror(e);
	return cli_fail(job_exit_for(e, 0), "%s: %s", what, msg);
}

int cli_fail_session(struct cli_run *r, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	const struct esp_error *err = esp_session_error(r->s);
	enum esp_err e = err && err->code != ESP_OK ? err->code : ESP_E_IO;
	return fail_code(r, e, err, what);
}

/* Says why the link failed, in the words of the step it failed in. */
static int link_fail(struct cli_run *r)
{
	const struct job_link *l = &r->link;
	enum esp_err e = l->err.code;
	switch (l->step) {
	case JOB_LINK_STUB_LOAD:
		if (r->opts.stub_path)
			return cli_fail(CLI_EXIT_USAGE, "cannot load stub %s: %s", r->opts.stub_path,
					l->err.msg);
		return fail_code(r, e, &l->err, "cannot load the built-in stub");
	case JOB_LINK_RESET_PLAN:
		return cli_fail(CLI_EXIT_USAGE, "bad --reset '%s': %s", l->reset, l->err.msg);
	case JOB_LINK_OPEN:
		/* the port did not open: exit 2, but a malformed name is a usage error */
		return cli_fail(e == ESP_E_INVAL ? CLI_EXIT_USAGE : CLI_EXIT_PORT, "cannot open %s: %s",
				r->opts.port, l->err.msg);
	case JOB_LINK_SESSION:
		return fail_code(r, e, &l->err, "cannot start a session on the port");
	case JOB_LINK_CONNECT:
		/* the usual cause of silence is a unit not in download mode */
		return fail_code(r, e, &l->err, e == ESP_E_NOSYNC || e == ESP_E_TIMEOUT
			? "no answer from the unit (not in download mode?)" : "cannot connect to the unit");
	case JOB_LINK_DETECT:
		return fail_code(r, e, &l->err, e == ESP_E_CHIP ? "unsupported chip"
								: "cannot identify the chip");
	case JOB_LINK_STUB_START:
		return fail_code(r, e, &l->err, "cannot start the flasher stub");
	}
	return fail_code(r, e, &l->err, "cannot connect");
}

int cli_connect(struct cli_run *r, int want_stub)
{
	const struct job_link_cfg c = {
		.port = r->opts.port, .rom_baud = r->opts.rom_baud, .stub_baud = r->opts.stub_baud,
		.connect_ms = r->opts.connect_ms, .reset = r->opts.reset,
		.stub_path = r->opts.stub_path, .no_compress = r->no_compress,
		.log = progress_log, .progress = progress_report, .user = &r->prog,
		.cancel = r->cancel,
	};
	if (job_link_open(&r->link, &c, want_stub) != ESP_OK)
		return link_fail(r);
	r->s = r->link.s;
	cli_info(r, "Connecting to %s (reset %s, %u baud)...", r->opts.port, r->link.reset,
		 r->opts.rom_baud);
	if (job_link_connect(&r->link) != ESP_OK)
		return link_fail(r);
	r->chip = r->link.chip;
	/* probe prints all of this itself */
	if (want_stub) {
		char mac[18], size[16] = "unknown size";
		if (r->chip.flash_size)
			esp_flash_size_name(r->chip.flash_size, size, sizeof size);
		cli_info(r, "Detected %s, MAC %s, %s flash (id 0x%06x)", r->chip.name,
			 esp_mac_str(r->chip.mac, mac), size, (unsigned)r->chip.flash_id);
	}
	return 0;
}

int cli_start_stub(struct cli_run *r)
{
	cli_info(r, "Uploading the flasher stub...");
	if (job_link_start_stub(&r->link) != ESP_OK)
		return link_fail(r);
	/* The session's rate, not --baud: a TCP serial server cannot change it. */
	cli_info(r, "Flasher stub running, %u baud", esp_session_baud(r->s));
	return 0;
}

int cli_finish(struct cli_run *r, int code)
{
	progress_break(&r->prog);
	/* Only a unit that did what was asked gets restarted into its firmware;
	 * a failed one stays in the loader for the next attempt. */
	if (r->s && code == CLI_EXIT_OK && r->opts.after == CLI_AFTER_HARD_RESET) {
		enum esp_err e = esp_hard_reset(r->s);
		const struct esp_error *err = esp_session_error(r->s);
		const char *msg = err->code == e && err->msg[0] ? err->msg : esp_strerror(e);
		/* Without DTR/RTS the core cannot reset the chip and says how the
		 * operator can: an instruction, not a failure. */
		if (e == ESP_E_UNSUPPORTED && !r->opts.quiet)
			fprintf(stderr, "note: %s\n", msg);
		else if (e != ESP_OK && !r->opts.quiet)
			fprintf(stderr, "warning: could not restart the unit (power-cycle it): %s\n",
				msg);
	}
	job_link_close(&r->link);
	r->s = NULL;
	return code;
}

uint32_t cli_flash_size(const struct cli_run *r)
{
	return r->chip.flash_size;
}

int cli_open_db(const char *cmd, const char *db_path, const char *cfg_path, int read_only,
		struct st_config *cfg, struct db **ret)
{
	char err[1024];
	st_config_defaults(cfg);
	if (cfg_path && st_config_load(cfg_path, cfg, err, sizeof err) != 0)
		return cli_fail(CLI_EXIT_USAGE, "%s", err);
	if (!db_path)
		db_path = cfg->database;
	struct stat sb;
	if (stat(db_path, &sb) != 0)
		return cli_fail(CLI_EXIT_FILE, "%s: no database at %s: %s (name it with --db FILE or "
				"--config FILE)", cmd, db_path, strerror(errno));
	/* the message names the path, the cause and the fix */
	int r = read_only ? db_open_readonly(db_path, ret, err, sizeof err)
			  : db_open(db_path, ret, err, sizeof err);
	return r ? cli_fail(CLI_EXIT_FILE, "%s: %s", cmd, err) : 0;
}
