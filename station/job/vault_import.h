/* SPDX-License-Identifier: MIT */
/* A backup made elsewhere, recorded as a backup of one unit: the one code
 * path of `espstation vault import` (a hand-made read) and of restore's
 * fetch from the central store (another bench's backup).  Both record it
 * as provenance "imported", with who imported it and from where. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "vault.h"

struct vault_import {
	const char *mac;            /* the unit it belongs to (canonical) */
	const char *path;           /* where the vault holds the file now */
	const uint8_t *data;        /* its bytes (hashed here) */
	size_t len;
	const char *imported_by;    /* the operator, or "central:<station>" (1..64 bytes) */
	const char *imported_from;  /* the file's name, or "<station>:<path>" (1..1023) */
	const char *chip_md5;       /* the MD5 a chip reported for it on another bench
				     * (keeps that proof); NULL or "" = none */
	int ciphertext;             /* read from a flash-encrypted unit: that MAC only */
};

/* Records im: the unit's row (created as "unknown" when the database has
 * never seen the MAC) and the backup row.  0 with *ret_id and ret_sha256
 * (64 hex digits) set, or a negative errno-style code with db_errmsg(db)
 * saying why (the file then stays in the vault, unrecorded). */
int vault_import_record(struct db *db, const struct vault_import *im, int64_t *ret_id,
			char ret_sha256[65]) __attribute__((warn_unused_result));

/* The vault path for a backup of mac brought from origin (a station
 * name): <vault>/<mac>/<UTC time>-central-<origin>-<short sha256>.bin,
 * beside the vault's own files, its directory made (0700).  Characters
 * of origin other than [A-Za-z0-9._-] become '_'.  0, or -1 with err. */
int vault_import_path(const char *vault_dir, const char *mac, const char *origin,
		      const char *sha256, char *ret, size_t cap, char err[VAULT_ERR_LEN])
	__attribute__((warn_unused_result));
