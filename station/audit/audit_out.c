/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit_out.h"
#include "json_text.h"

#define HASH_SHORT 16

void out_init(struct out_table *t, FILE *f, enum out_fmt fmt, const struct out_col *cols,
	      size_t ncols)
{
	memset(t, 0, sizeof *t);
	t->f = f;
	t->fmt = fmt;
	t->cols = cols;
	t->ncols = ncols;
}

void out_table_moves(struct out_table *t, const struct out_move *moves, size_t nmoves)
{
	t->moves = moves;
	t->nmoves = nmoves;
}

/* The column moved after another one in the table form, or NULL. */
static const char *moved_after(const struct out_table *t, const char *name)
{
	for (size_t i = 0; i < t->nmoves; i++)
		if (!strcmp(t->moves[i].name, name))
			return t->moves[i].after;
	return NULL;
}

/* The table form's column order: each column in its place, except that a
 * moved one follows the column it names, which must not be moved itself;
 * columns without a title are left out.  Returns how many are shown
 * (order: ncols entries). */
static size_t table_order(const struct out_table *t, size_t *order)
{
	size_t n = 0, shown = 0;

	for (size_t c = 0; c < t->ncols; c++) {
		const char *after = moved_after(t, t->cols[c].name);
		int known = 0;

		for (size_t k = 0; after && k < t->ncols; k++)
			known |= !strcmp(t->cols[k].name, after);
		if (after && known)
			continue;
		order[n++] = c;
		for (size_t m = 0; m < t->ncols; m++) {
			after = moved_after(t, t->cols[m].name);
			if (after && !strcmp(after, t->cols[c].name))
				order[n++] = m;
		}
	}
	/* a move after a moved column would drop columns: keep the plain order */
	if (n != t->ncols)
		for (size_t c = 0; c < t->ncols; c++)
			order[c] = c;
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[order[i]].title)
			order[shown++] = order[i];
	return shown;
}

int out_row(struct out_table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;
		char **n = realloc(t->cells, cap * t->ncols * sizeof *n);
		if (!n) {
			t->oom = 1;
			return -1;
		}
		t->cells = n;
		t->cap = cap;
	}
	char **row = t->cells + t->nrows * t->ncols;
	for (size_t i = 0; i < t->ncols; i++) {
		row[i] = strdup(cells[i] ? cells[i] : "");
		if (!row[i]) {
			for (size_t k = 0; k < i; k++)
				free(row[k]);
			t->oom = 1;
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

void out_free(struct out_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

const char *out_cell(const struct out_table *t, size_t r, const char *name)
{
	if (r >= t->nrows)
		return NULL;
	for (size_t c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c].name, name))
			return t->cells[r * t->ncols + c];
	return NULL;
}

const char *out_printable(const char *s, char *buf, size_t cap)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int c = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
		size_t need = c < 0x20 || c == 0x7f ? 4 : 1;

		if (n + need >= cap)
			break;
		if (need == 1)
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", c);
	}
	buf[n] = '\0';
	return buf;
}

/* What a cell shows in the table form. */
static const char *table_text(const struct out_col *c, const char *v, char *buf, size_t cap)
{
	if (!*v)
		return "-";
	switch (c->type) {
	case OUT_BOOL:
		return strcmp(v, "0") ? "yes" : "no";
	case OUT_MS:
		snprintf(buf, cap, "%.2fs", (double)strtoll(v, NULL, 10) / 1000.0);
		return buf;
	case OUT_HASH:
		snprintf(buf, cap, "%.*s", HASH_SHORT, v);
		return buf;
	case OUT_TEXT:
	case OUT_INT:
		break;
	}
	/* one line per row, no terminal controls, whatever a message contains */
	return out_printable(v, buf, cap);
}

static void print_table(struct out_table *t)
{
	size_t *w = calloc(t->ncols, sizeof *w), *order = calloc(t->ncols, sizeof *order);
	char buf[1024];
	if (!w || !order) {
		free(w);
		free(order);
		t->oom = 1;
		return;
	}
	size_t shown = table_order(t, order);
	for (size_t c = 0; c < t->ncols; c++) {
		if (!t->cols[c].title)
			continue;
		w[c] = strlen(t->cols[c].title);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t n = strlen(table_text(&t->cols[c], t->cells[r * t->ncols + c], buf,
						     sizeof buf));
			if (n > w[c])
				w[c] = n;
		}
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t i = 0; i < shown; i++) {
			size_t c = order[i];
			const char *v = r == 0 ? t->cols[c].title
					       : table_text(&t->cols[c], t->cells[(r - 1) * t->ncols + c],
							    buf, sizeof buf);
			if (i + 1 == shown)
				fprintf(t->f, "%s\n", v);   /* no trailing blanks */
			else
				fprintf(t->f, "%-*s  ", (int)w[c], v);
		}
	}
	if (t->nrows == 0)
		fputs("(none)\n", t->f);
	free(w);
	free(order);
}

static void json_object(struct out_table *t, size_t r)
{
	fputc('{', t->f);
	for (size_t c = 0; c < t->ncols; c++) {
		const char *v = t->cells[r * t->ncols + c];
		if (c)
			fputs(", ", t->f);
		st_json_string(t->f, t->cols[c].name);
		fputs(": ", t->f);
		if (!*v && t->cols[c].type != OUT_TEXT && t->cols[c].type != OUT_HASH)
			fputs("null", t->f);
		else if (t->cols[c].type == OUT_BOOL)
			fputs(strcmp(v, "0") ? "true" : "false", t->f);
		else if (t->cols[c].type == OUT_INT || t->cols[c].type == OUT_MS)
			fputs(v, t->f);
		else
			st_json_string(t->f, v);
	}
	fputc('}', t->f);
}

static void print_json(struct out_table *t)
{
	fputc('[', t->f);
	for (size_t r = 0; r < t->nrows; r++) {
		fputs(r ? ",\n " : "\n ", t->f);
		json_object(t, r);
	}
	fputs(t->nrows ? "\n]" : "]", t->f);
}

int out_print_object(struct out_table *t)
{
	if (t->nrows)
		json_object(t, 0);
	else
		fputs("null", t->f);
	return t->oom || ferror(t->f) ? -1 : 0;
}

/* RFC 4180: quote a field holding a comma, quote, CR or LF; double quotes. */
static void csv_field(FILE *f, const char *v)
{
	if (!strpbrk(v, ",\"\r\n")) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static void print_csv(struct out_table *t)
{
	for (size_t c = 0; c < t->ncols; c++) {
		if (c)
			fputc(',', t->f);
		csv_field(t->f, t->cols[c].name);
	}
	fputs("\r\n", t->f);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', t->f);
			csv_field(t->f, t->cells[r * t->ncols + c]);
		}
		fputs("\r\n", t->f);
	}
}

int out_print(struct out_table *t)
{
	if (t->fmt == OUT_JSON)
		print_json(t);
	else if (t->fmt == OUT_CSV)
		print_csv(t);
	else
		print_table(t);
	return t->oom || ferror(t->f) ? -1 : 0;
}
