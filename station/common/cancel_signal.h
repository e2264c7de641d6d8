/* SPDX-License-Identifier: MIT */
/* SIGINT/SIGTERM -> the session's cancel flag. */
#pragma once

/* Installs the handlers (once) and returns the flag they set, to be passed
 * as esp_session_cfg.cancel.  The first signal asks for a clean stop between
 * blocks; a second one of the same kind terminates at once. */
const volatile int *st_cancel_flag(void);
