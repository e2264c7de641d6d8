/* SPDX-License-Identifier: MIT */
/* Command line of the esp8266-emu program. */
#pragma once

#include "emu.h"

struct emu_cli {
	struct emu_config cfg;
	const char *pty_link;       /* --pty LINK */
	int tcp_port;               /* --tcp PORT (-1 = not given) */
	int rfc2217_port;           /* --rfc2217 PORT (-1 = not given) */
	unsigned long long rfc2217_drop_after;  /* --rfc2217-drop-after N (0 = never) */
	const char *save_flash;
	const char *control;
	int layout_given;           /* --layout (refused together with --flash-image) */
};

/* Parses argv into o.  Returns 0 to run, 1 if --help was printed, -1 on a
 * usage error (message already on stderr). */
int emu_cli_parse(struct emu_cli *o, int argc, char **argv);
