/* SPDX-License-Identifier: MIT */
/* A backup file out of the central store: its bytes fetched, hashed here
 * again (the store's CHECK hashed them on arrival, but a superuser, a
 * restore from a dump or a broken disk can change them since), and
 * written whole or not at all. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "central_priv.h"

int central_fetch_backup(struct central *c, const char *sha256, const char *dest_path, char *err,
			 size_t errlen)
{
	const char *p[1] = {sha256};
	char got[65];
	PGresult *res;
	size_t len;
	int r;

	if (!c)
		return -EINVAL;
	c->err[0] = '\0';
	if (!sha256 || strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64 ||
	    !dest_path || !*dest_path) {
		r = central_fail(c, -EINVAL, "fetch: a backup is named by its SHA-256 (64 lower-case "
				 "hex digits) and needs a destination");
		goto out;
	}
	r = central_alive(c);
	if (r)
		goto out;
	/* the bytes as they are stored, in binary */
	res = PQexecParams(c->pg, "SELECT data FROM blobs WHERE sha256 = $1", 1, NULL, p, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = central_fail_pg(c, res, "fetch a backup");
		goto out;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		r = central_fail(c, -ENOENT, "central store %s: no backup file with SHA-256 %s (its "
				 "station has not shipped it yet: see its backlog)", c->url, sha256);
		goto out;
	}
	len = (size_t)PQgetlength(res, 0, 0);
	central_sha256_hex(PQgetvalue(res, 0, 0), len, got);
	if (strcmp(got, sha256) != 0) {
		PQclear(res);
		r = central_fail(c, -EBADMSG, "central store %s: backup %s was altered in the store: "
				 "its %zu bytes hash to %s (refused: fetch it from its station's vault, "
				 "and find out who changed the store)", c->url, sha256, len, got);
		goto out;
	}
	r = central_write_file(dest_path, PQgetvalue(res, 0, 0), len);
	PQclear(res);
	if (r)
		r = central_fail(c, r, "fetch backup %s: write %s: %s", sha256, dest_path, strerror(-r));
out:
	if (err && errlen)
		snprintf(err, errlen, "%s", c->err);
	return r;
}
