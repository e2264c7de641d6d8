/* SPDX-License-Identifier: MIT */
/* struct termios2 for TCGETS2/TCSETS2: <asm/termbits.h> clashes with
 * <termios.h>, so it is declared here (layout of the Linux UAPI). */
#pragma once

#include <asm/ioctls.h>
#include <termios.h>

struct termios2 {
	tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
	cc_t c_line;
	cc_t c_cc[19];
	speed_t c_ispeed, c_ospeed;
};

#ifndef BOTHER
#define BOTHER 0010000
#endif
