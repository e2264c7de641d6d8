/* SPDX-License-Identifier: MIT */
/* The shipper's state file: one flat JSON object (version 1), written whole
 * and renamed into place, read back by `espstation status`.  Flat keys so the
 * reader needs no JSON library: it only reads files this writer wrote. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"
#include "json_text.h"
#include "shipper_state.h"

static const char *const s_links[] = {"starting", "up", "down", "refused"};

const char *shipper_link_name(enum shipper_link l)
{
	return (unsigned)l < sizeof s_links / sizeof s_links[0] ? s_links[l] : "unknown";
}

const char *shipper_state_path(const char *database, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s.central-state", database);
	return buf;
}

static void put_backlog(FILE *f, const char *prefix, const struct central_backlog *b)
{
	fprintf(f, ",\"%sevents\":%lld,\"%sjobs\":%lld,\"%sbackups\":%lld,\"%sbackup_bytes\":%llu,"
		"\"%soldest_ms\":%lld", prefix, (long long)b->events, prefix, (long long)b->jobs,
		prefix, (long long)b->backups, prefix, (unsigned long long)b->backup_bytes, prefix,
		(long long)b->oldest_ms);
}

int shipper_state_save(const char *path, const struct shipper_state *s, char *err, size_t cap)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"version\":1,\"link\":\"%s\",\"connected\":%s,\"error\":",
		shipper_link_name(s->link), s->link == SHIPPER_UP ? "true" : "false");
	st_json_string(f, s->error);
	fprintf(f, ",\"down_since_ms\":%lld,\"failed_tries\":%lld,\"backlog_source\":\"%s\"",
		(long long)s->down_since_ms, (long long)s->failed_tries,
		s->backlog_local ? "local" : "server");
	put_backlog(f, "backlog_", &s->backlog);
	fprintf(f, ",\"server_backlog_at_ms\":%lld", (long long)s->backlog_at_ms);
	put_backlog(f, "server_backlog_", &s->backlog_server);
	fprintf(f, ",\"last_shipped_ms\":%lld,\"shipped_jobs\":%lld,\"shipped_backups\":%lld,"
		"\"shipped_bytes\":%llu,\"problem\":", (long long)s->last_shipped_ms,
		(long long)s->shipped_jobs, (long long)s->shipped_backups,
		(unsigned long long)s->shipped_bytes);
	st_json_string(f, s->problem);
	fprintf(f, ",\"updated_ms\":%lld}\n", (long long)s->updated_ms);
	if (fclose(f) != 0) {
		free(text);
		snprintf(err, cap, "%s: out of memory", path);
		return -1;
	}
	char ferr[FIO_ERR_LEN];
	int rc = fio_write_atomic(path, (const uint8_t *)text, len, 1, NULL, ferr);
	free(text);
	if (rc != 0)
		snprintf(err, cap, "%s", ferr);
	return rc == 0 ? 0 : -1;
}

/* The text after "key": in a flat object, NULL if absent. */
static const char *value_of(const char *json, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(json, pat);
	return p ? p + strlen(pat) : NULL;
}

static int64_t num(const char *json, const char *key)
{
	const char *v = value_of(json, key);
	return v ? strtoll(v, NULL, 10) : 0;
}

/* Reads a string this writer escaped: \" \\ \n \t \uXXXX (as '?' when not ASCII). */
static void str(const char *json, const char *key, char *out, size_t cap)
{
	const char *v = value_of(json, key);
	size_t n = 0;
	out[0] = '\0';
	if (!v || *v != '"')
		return;
	for (v++; *v && *v != '"' && n + 1 < cap; v++) {
		char c = *v;
		if (c == '\\' && v[1]) {
			v++;
			c = *v == 'n' ? '\n' : *v == 't' ? '\t' : *v;
			if (*v == 'u') {
				unsigned cp = 0;
				if (sscanf(v + 1, "%4x", &cp) == 1 && strlen(v) >= 5)
					v += 4;
				c = cp < 0x80 && cp >= 0x20 ? (char)cp : '?';
			}
		}
		out[n++] = c;
	}
	out[n] = '\0';
}

static void get_backlog(const char *json, const char *prefix, struct central_backlog *b)
{
	char k[64];
	snprintf(k, sizeof k, "%sevents", prefix);
	b->events = num(json, k);
	snprintf(k, sizeof k, "%sjobs", prefix);
	b->jobs = num(json, k);
	snprintf(k, sizeof k, "%sbackups", prefix);
	b->backups = num(json, k);
	snprintf(k, sizeof k, "%sbackup_bytes", prefix);
	b->backup_bytes = (uint64_t)num(json, k);
	snprintf(k, sizeof k, "%soldest_ms", prefix);
	b->oldest_ms = num(json, k);
}

int shipper_state_load(const char *path, struct shipper_state *ret)
{
	uint8_t *buf;
	size_t len;
	char err[FIO_ERR_LEN];
	if (!fio_exists(path))
		return -ENOENT;
	if (fio_read_all(path, 1, &buf, &len, err) != 0)
		return -ENOENT;
	buf[len] = '\0';
	const char *j = (const char *)buf;
	if (num(j, "version") != 1) {
		free(buf);
		return -EBADMSG;
	}
	memset(ret, 0, sizeof *ret);
	char link[16];
	str(j, "link", link, sizeof link);
	ret->link = SHIPPER_STARTING;
	for (unsigned i = 0; i < sizeof s_links / sizeof s_links[0]; i++)
		if (strcmp(link, s_links[i]) == 0)
			ret->link = (enum shipper_link)i;
	str(j, "error", ret->error, sizeof ret->error);
	ret->down_since_ms = num(j, "down_since_ms");
	ret->failed_tries = num(j, "failed_tries");
	char src[16];
	str(j, "backlog_source", src, sizeof src);
	ret->backlog_local = strcmp(src, "local") == 0;
	get_backlog(j, "backlog_", &ret->backlog);
	ret->backlog_at_ms = num(j, "server_backlog_at_ms");
	get_backlog(j, "server_backlog_", &ret->backlog_server);
	ret->last_shipped_ms = num(j, "last_shipped_ms");
	ret->shipped_jobs = num(j, "shipped_jobs");
	ret->shipped_backups = num(j, "shipped_backups");
	ret->shipped_bytes = (uint64_t)num(j, "shipped_bytes");
	str(j, "problem", ret->problem, sizeof ret->problem);
	ret->updated_ms = num(j, "updated_ms");
	free(buf);
	return 0;
}

const char *shipper_backlog_text(const struct central_backlog *b, char *buf, size_t cap)
{
	double mib = (double)b->backup_bytes / 1048576.0;
	int n = snprintf(buf, cap, "%lld job%s, %lld backup%s (%.1f MiB)", (long long)b->jobs,
			 b->jobs == 1 ? "" : "s", (long long)b->backups, b->backups == 1 ? "" : "s",
			 mib);
	if (b->events >= 0 && n > 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, ", %lld event%s", (long long)b->events,
			 b->events == 1 ? "" : "s");
	return buf;
}
