/* SPDX-License-Identifier: MIT */
/* vrack's command line. */
#pragma once

#include "rack.h"

/* Fills o and the slot table from argv.  Returns -1 to go on, or an exit
 * status: 0 after --help, RACK_EXIT_INTERNAL after a usage error (printed).
 * Without any --slot/--slots, defines slot 0 as a CP2102. */
int rack_cli_parse(int argc, char **argv, struct rack_opts *o, struct rack_slot *slots);
