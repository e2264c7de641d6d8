/* SPDX-License-Identifier: MIT */
/* espstation: dispatches to a sub-command.  Adding one is a row in
 * s_commands plus its help page in cli_help.c. */
#include <stdio.h>
#include <string.h>

#include "cli_cmds.h"
#include "cli_common.h"
#include "cli_help.h"

#ifndef ST_VERSION
#define ST_VERSION "unknown"
#endif

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct cli_command s_commands[] = {
	{"run", cmd_run},
	{"probe", cmd_probe},
	{"backup", cmd_backup},
	{"erase", cmd_erase},
	{"write", cmd_write},
	{"verify", cmd_verify},
	{"restore", cmd_restore},
	{"audit", cmd_audit},
	{"vault", cmd_vault},
	{"status", cmd_status},
};

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
		if (strcmp(s_commands[i].name, name) == 0)
			return &s_commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cli_help_main(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *arg = argv[1];
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
		cli_help_main(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
		printf("espstation %s\n", ST_VERSION);
		return CLI_EXIT_OK;
	}
	/* "espstation help write" reads as well as "espstation write --help". */
	if (!strcmp(arg, "help")) {
		if (argc < 3) {
			cli_help_main(stdout);
			return CLI_EXIT_OK;
		}
		if (cli_help_command(argv[2], stdout) == 0)
			return CLI_EXIT_OK;
		return cli_fail(CLI_EXIT_USAGE, "no such command '%s'; see 'espstation --help'",
				argv[2]);
	}
	const struct cli_command *c = find_command(arg);
	if (!c)
		return cli_fail(CLI_EXIT_USAGE, "no such command '%s'; see 'espstation --help'", arg);
	return c->run(argc - 1, argv + 1);
}
