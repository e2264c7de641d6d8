/* SPDX-License-Identifier: MIT */
/* audit verify-vault: every recorded backup file, re-hashed.  The database
 * row and the file must agree; a missing or altered file is named with its
 * cause and makes the exit status 5. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "esp_hash.h"
#include "file_io.h"

enum audit_file audit_file_check(const struct db_backup_row *b, int hash, char *why, size_t cap)
{
	struct stat sb;
	if (stat(b->path, &sb) != 0) {
		if (errno == ENOENT) {
			snprintf(why, cap, "missing");
			return AUDIT_FILE_MISSING;
		}
		snprintf(why, cap, "unreadable: %s", strerror(errno));
		return AUDIT_FILE_UNREADABLE;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, cap, "altered: not a regular file");
		return AUDIT_FILE_ALTERED;
	}
	if ((uint64_t)sb.st_size != b->size) {
		snprintf(why, cap, "altered: %lld bytes, recorded %" PRIu64, (long long)sb.st_size,
			 b->size);
		return AUDIT_FILE_ALTERED;
	}
	if (!hash) {
		snprintf(why, cap, "present");
		return AUDIT_FILE_OK;
	}
	char err[FIO_ERR_LEN];
	uint8_t *buf;
	size_t len;
	if (fio_read_all(b->path, 0, &buf, &len, err) != 0) {
		snprintf(why, cap, "unreadable: %s", err);
		return AUDIT_FILE_UNREADABLE;
	}
	uint8_t sha[ESP_SHA256_LEN];
	char hex[2 * ESP_SHA256_LEN + 1];
	esp_sha256(buf, len, sha);
	free(buf);
	esp_hex(sha, sizeof sha, hex);
	if (len != b->size || strcmp(hex, b->sha256) != 0) {
		snprintf(why, cap, "altered: SHA-256 is %.16s..., recorded %.16s...", hex, b->sha256);
		return AUDIT_FILE_ALTERED;
	}
	snprintf(why, cap, "ok");
	return AUDIT_FILE_OK;
}

static const struct out_col s_cols[] = {
	{"backup_id", "BACKUP", OUT_INT},
	{"mac", "MAC", OUT_TEXT},
	{"created", "CREATED", OUT_TEXT},
	{"size", "SIZE", OUT_INT},
	{"sha256", "SHA256", OUT_HASH},
	{"status", "STATUS", OUT_TEXT},
	{"path", "PATH", OUT_TEXT},
};

struct vault_walk {
	struct audit_ctx *a;
	struct out_table t;
	unsigned long n, ok, missing, altered, unreadable;
};

static int vault_row(void *user, const struct db_audit_backup *row)
{
	struct vault_walk *v = user;
	const struct db_backup_row *b = &row->b;
	char why[160];
	enum audit_file st = audit_file_check(b, 1, why, sizeof why);
	v->n++;
	if (st == AUDIT_FILE_OK)
		v->ok++;
	else if (st == AUDIT_FILE_MISSING)
		v->missing++;
	else if (st == AUDIT_FILE_ALTERED)
		v->altered++;
	else
		v->unreadable++;
	if (st == AUDIT_FILE_OK && !v->a->all)
		return 0;
	char id[24], size[24];
	snprintf(id, sizeof id, "%" PRId64, b->id);
	snprintf(size, sizeof size, "%" PRIu64, b->size);
	const char *cells[] = {id, b->mac, b->created_utc, size, b->sha256, why, b->path};
	return out_row(&v->t, cells) ? -ENOMEM : 0;
}

int audit_verify_vault(struct audit_ctx *a)
{
	struct vault_walk v = {.a = a};
	out_init(&v.t, a->out, a->fmt, s_cols, sizeof s_cols / sizeof s_cols[0]);
	int r = db_audit_backups(a->db, &a->f, vault_row, &v);
	if (r) {
		out_free(&v.t);
		return audit_fail(a, CLI_EXIT_FILE, "audit verify-vault: %s",
				  r == -ENOMEM ? "out of memory" : db_errmsg(a->db));
	}
	/* a clean vault in table form is its verdict line alone */
	int rc = a->fmt == OUT_TABLE && v.t.nrows == 0 ? 0 : audit_print(a, &v.t);
	out_free(&v.t);
	unsigned long bad = v.missing + v.altered + v.unreadable;
	/* the verdict goes to stderr for --json and --csv, so stdout stays data */
	FILE *f = a->fmt == OUT_TABLE ? a->out : stderr;
	fprintf(f, "%lu backup file%s checked: %lu intact, %lu missing, %lu altered, %lu unreadable\n",
		v.n, v.n == 1 ? "" : "s", v.ok, v.missing, v.altered, v.unreadable);
	fflush(a->out);
	if (rc)
		return rc;
	return bad ? AUDIT_EXIT_DATA : CLI_EXIT_OK;
}
