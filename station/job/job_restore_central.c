/* SPDX-License-Identifier: MIT */
/* Restore's second source: when the local database has no backup to
 * restore, the central store may hold one another bench took.  It is
 * fetched into the local vault (re-hashed on the way: an altered copy is
 * refused and nothing reaches the unit), recorded as an "imported" backup
 * through the same code as `vault import`, and then chosen and checked by
 * the unchanged local rules (job_restore.c).  A central store that is
 * down, or has nothing either, leaves the local refusal as it was, with a
 * note saying so. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "central.h"
#include "file_io.h"
#include "job.h"
#include "vault_import.h"

/* Appends "; <note>" to why (cap bytes), cut to fit. */
static void __attribute__((format(printf, 3, 4))) add_note(char *why, size_t cap,
							    const char *fmt, ...)
{
	size_t len = strlen(why);
	if (len + 3 >= cap)
		return;
	memcpy(why + len, "; ", 3);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why + len + 2, cap - len - 2, fmt, ap);
	va_end(ap);
}

/* Fetches cb into the vault and records it: 0; 1 when the store did not
 * deliver it (why gets the note); -1 when the job failed (*ret_e). */
static int fetch_and_record(struct job *j, struct central *c, const char *store,
			    const struct central_backup *cb, char *why, size_t cap,
			    enum esp_err *ret_e)
{
	const struct db_backup_row *b = &cb->b;
	char path[600], verr[VAULT_ERR_LEN], err[512], ferr[FIO_ERR_LEN];
	if (!j->spec->backup_dir || !*j->spec->backup_dir) {
		*ret_e = job_fail_local(j, ESP_E_IO, "no backup vault to fetch the central store's "
					"backup into (set backup_dir in the config)");
		return -1;
	}
	if (vault_import_path(j->spec->backup_dir, b->mac, cb->station, b->sha256, path, sizeof path,
			      verr) != 0) {
		*ret_e = job_fail_local(j, ESP_E_IO, "vault: %s", verr);
		return -1;
	}
	int r = central_fetch_backup(c, b->sha256, path, err, sizeof err);
	if (r == -EBADMSG) {
		/* err names the store, the hashes and the cause */
		*ret_e = job_fail(j, ESP_E_IMAGE, "backup of %s from station %s refused, nothing "
				  "written to the unit: %s", b->mac, cb->station, err);
		return -1;
	}
	if (r) {
		add_note(why, cap, "central store unreachable: %s", err);
		return 1;
	}
	uint8_t *data;
	size_t len;
	if (fio_read_all(path, 0, &data, &len, ferr) != 0) {
		*ret_e = job_fail_local(j, ESP_E_IO, "backup fetched from the central store: %s",
					ferr);
		return -1;
	}
	/* imported_by holds at most 64 bytes, imported_from 1023: a longer station
	 * name or path is cut there */
	char by[65], from[1024], sha[65];
	snprintf(by, sizeof by, "central:%.56s", cb->station);
	snprintf(from, sizeof from, "%s:%.950s", cb->station, b->path);
	const struct vault_import im = {
		.mac = b->mac, .path = path, .data = data, .len = len, .imported_by = by,
		.imported_from = from, .chip_md5 = b->chip_md5, .ciphertext = b->ciphertext,
	};
	int64_t id;
	r = vault_import_record(j->db, &im, &id, sha);
	free(data);
	if (r) {
		(void)unlink(path); /* unrecorded, it would only puzzle verify-vault */
		*ret_e = job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
		return -1;
	}
	job_log(j, ESP_LOG_NOTICE, "fetched backup %" PRId64 " of %s (station %s) from the central "
		"store %s into %s: recorded here as backup %" PRId64, b->id, b->mac, cb->station,
		store, path, id);
	return 0;
}

enum esp_err job_restore_from_central(struct job *j, const char *mac, char *why, size_t cap,
				      int *ret_fetched)
{
	const struct job_restore_pick *p = &j->spec->restore;
	char store[300], err[512];
	struct central *c = NULL;
	*ret_fetched = 0;
	central_url_redacted(p->central_url, store, sizeof store);
	if (central_open_readonly(p->central_url, p->central_password_file, &c, err, sizeof err) != 0) {
		add_note(why, cap, "central store unreachable: %s", err);
		return ESP_OK;
	}
	struct central_backup *cb = calloc(1, sizeof *cb);
	char cwhy[512] = "";
	int r = cb ? central_restore_choice(c, mac, j->mac, cb, cwhy, sizeof cwhy) : -ENOMEM;
	enum esp_err e = ESP_OK;
	if (r == -ENOENT) {
		add_note(why, cap, "the central store %s has none either: %s", store, cwhy);
	} else if (r) {
		add_note(why, cap, "central store unreachable: %s",
			 cb ? central_errmsg(c) : "out of memory");
	} else {
		job_log(j, ESP_LOG_NOTICE, "the local database has none; the central store %s offers "
			"%s", store, cwhy);
		*ret_fetched = fetch_and_record(j, c, store, cb, why, cap, &e) == 0;
	}
	free(cb);
	central_close(c);
	return e;
}
