/* SPDX-License-Identifier: MIT */
/* --help texts of espstation and its sub-commands. */
#pragma once

#include <stdio.h>

void cli_help_main(FILE *f);
/* Full help of one sub-command; -1 if there is no such sub-command. */
int cli_help_command(const char *cmd, FILE *f);
