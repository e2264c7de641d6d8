/* SPDX-License-Identifier: MIT */
/* The one piece of file-scope mutable state in the program: a signal
 * handler receives no user data, so the flag it sets must be static.  It is
 * only ever read through the pointer handed to the core. */
#include <signal.h>
#include <string.h>

#include "cancel_signal.h"

/* The core takes `const volatile int *`; writing it from a handler is only
 * async-signal-safe because sig_atomic_t is int on our targets. */
_Static_assert(_Generic((sig_atomic_t)0, int: 1, default: 0), "sig_atomic_t must be int");

static volatile sig_atomic_t s_cancel;

static void on_signal(int sig)
{
	(void)sig;
	s_cancel = 1;
}

const volatile int *st_cancel_flag(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked poll() should return so the core can look at
	 * the flag.  SA_RESETHAND: an operator who presses Ctrl-C twice means it. */
	sa.sa_flags = SA_RESETHAND;
	/* A shell without job control starts background commands with SIGINT
	 * ignored, so that Ctrl-C meant for the foreground spares them; keep
	 * that (nohup does the same).  SIGTERM is always honoured. */
	struct sigaction old;
	if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	return &s_cancel;
}
