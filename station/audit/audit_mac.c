/* SPDX-License-Identifier: MIT */
/* audit mac MAC: one unit - as first seen, every job that touched it and
 * every backup of it, newest first, each backup file re-hashed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "audit_priv.h"
#include "cli_common.h"
#include "esp_image.h"

static const struct out_col s_dev_cols[] = {
	{"mac", "MAC", OUT_TEXT},
	{"chip", "CHIP", OUT_TEXT},
	{"flash_id", "FLASH_ID", OUT_TEXT},
	{"flash_size", "FLASH_SIZE", OUT_INT},
	{"first_seen", "FIRST_SEEN", OUT_TEXT},
	{"last_seen", "LAST_SEEN", OUT_TEXT},
};

int audit_mac(struct audit_ctx *a)
{
	struct db_audit_device d;
	int r = db_audit_device(a->db, a->arg, &d);
	if (r)
		return cli_fail(r == -ENOENT ? AUDIT_EXIT_DATA : CLI_EXIT_FILE, "audit mac: %s",
				db_errmsg(a->db));
	struct db_audit_filter f = {.mac = d.mac};
	struct out_table dev, jobs, backups;
	out_init(&jobs, stdout, a->fmt, NULL, 0);
	out_init(&backups, stdout, a->fmt, NULL, 0);
	char fid[16], size[24], first[32], last[32];
	snprintf(fid, sizeof fid, "0x%06x", (unsigned)d.flash_id);
	snprintf(size, sizeof size, "%" PRIu32, d.flash_size);
	const char *cells[] = {d.mac, d.chip, fid, size, audit_time(d.first_seen_ms, first),
			       audit_time(d.last_seen_ms, last)};
	out_init(&dev, stdout, a->fmt, s_dev_cols, sizeof s_dev_cols / sizeof s_dev_cols[0]);
	int rc = out_row(&dev, cells) ? cli_fail(CLI_EXIT_FILE, "audit: out of memory") : 0;
	if (rc == 0)
		rc = audit_jobs_table(a, &f, &jobs);
	if (rc == 0)
		rc = audit_backups_table(a, &f, 1, &backups);
	if (rc == 0 && a->fmt == OUT_JSON) {
		/* one object: {"device": {...}, "jobs": [...], "backups": [...]} */
		fputs("{\"device\": ", stdout);
		rc = out_print_object(&dev);
		fputs(",\n\"jobs\": ", stdout);
		if (rc == 0)
			rc = out_print(&jobs);
		fputs(",\n\"backups\": ", stdout);
		if (rc == 0)
			rc = out_print(&backups);
		fputs("}\n", stdout);
		fflush(stdout);
		if (rc)
			rc = cli_fail(CLI_EXIT_FILE, "audit mac: cannot write the output");
	} else if (rc == 0) {
		char name[16];
		printf("Unit %s: %s, flash 0x%06x, %s\n\n", d.mac, d.chip, (unsigned)d.flash_id,
		       d.flash_size ? esp_flash_size_name(d.flash_size, name, sizeof name) : "size unknown");
		rc = audit_print(&dev);
		printf("\nJobs, newest first:\n");
		if (rc == 0)
			rc = audit_print(&jobs);
		printf("\nBackups, newest first (FILE: the file re-hashed now):\n");
		if (rc == 0)
			rc = audit_print(&backups);
	}
	out_free(&dev);
	out_free(&jobs);
	out_free(&backups);
	return rc;
}
