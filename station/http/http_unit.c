/* SPDX-License-Identifier: MIT */
/* /api/units/MAC: one unit as `audit mac MAC --json` shows it - {"device",
 * "jobs", "boot", "backups", "restore"} - written by the audit itself
 * (audit_mac into this answer's body), so that the two cannot drift apart.
 * Backup files are re-hashed as the audit does, but never served. */
#include <stdio.h>

#include "audit.h"
#include "http_priv.h"

int api_unit(const struct api_ctx *a, const char *mac, FILE *f)
{
	char err[512];
	/* quiet_errors: the station's log is not the place for a visitor's
	 * unknown MAC; the cause goes into the answer */
	struct audit_ctx ac = {.db_path = a->cfg->database, .fmt = OUT_JSON, .arg = mac, .out = f,
			       .quiet_errors = 1};
	if (db_open_readonly(a->cfg->database, &ac.db, err, sizeof err) != 0) {
		api_error(f, "%s", err);
		return 503;
	}
	int rc = audit_mac(&ac);
	db_close(ac.db);
	if (rc == 0)
		return 200;
	api_error(f, "%s", ac.err);
	return rc == AUDIT_EXIT_DATA ? 404 : 500;
}
