/* SPDX-License-Identifier: MIT */
/* The backup vault: every backup belongs to one MAC and is stored as
 * <vault>/<mac>/<UTC time>-<short sha256>.bin, never overwritten, files 0600
 * in 0700 directories, written atomically (temp, fsync, rename, fsync dir). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define VAULT_ERR_LEN 256

/* Stores data for mac ("aa:bb:cc:dd:ee:ff").  *ret_path gets the final path
 * (cap bytes).  Returns 0, -1 (reason in err: names the path and the cause,
 * e.g. a full disk) or -2 if cancelled before the rename (nothing left). */
int vault_store(const char *vault_dir, const char *mac, const uint8_t *data, size_t len,
		const volatile int *cancel, char *ret_path, size_t cap, char err[VAULT_ERR_LEN]);
