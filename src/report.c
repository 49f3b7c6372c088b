/*
 * report: snapshot writers (text, JSON, CSV, Markdown, classic traceroute
 * lines) to a FILE *. They read the model (const) and never change it.
 * This file: the rows, host text and cells every writer shares
 * (report_private.h), and the CSV writer; text, Markdown and --once lines
 * are in report_text.c, JSON in report_json.c, snapshot files in
 * report_snapshot.c.
 *
 * Rows: each TTL from path->first_ttl to path_last_ttl() gives one row for
 * the hop as a whole, named after its main responder (most replies; "???"
 * for a hop that never answered), with the hop's statistics. Every other
 * responder of that hop follows as an extra row with its own statistics
 * (text: an mtr-style "|  `|--" line; Markdown: "↳ " host; CSV: the
 * "responder" column counts 1, 2, ... while the hop row has 0). A responder
 * is not sent probes of its own, so extra rows leave Loss% and Snt empty.
 *
 * Host names come from the view's namer and are shown with control bytes
 * replaced by '?', so a hostile PTR record cannot drive the terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "hoptop/report.h"
#include "hoptop/verdict.h"

#include "report_private.h"

void
report_rows_start(struct rows *it, const struct path *p)
{
	it->p = p;
	it->ttl = p->first_ttl;
	it->last = path_last_ttl(p);
	it->next = -1;
	it->index = 0;
}

/* Fills *out with the next row; false at the end. */
bool
report_rows_next(struct rows *it, struct row *out)
{
	for (; it->ttl <= it->last; it->ttl++, it->next = -1) {
		const struct hop *h = path_hop(it->p, it->ttl);
		const struct responder *main_r;

		if (h == NULL)
			continue;
		main_r = hop_current_responder(h);
		if (it->next < 0) {
			*out = (struct row){it->ttl, h, main_r, &h->st, 0};
			it->next = 0;
			it->index = 0;
			return true;
		}
		while (it->next < h->nresp) {
			const struct responder *r = &h->resp[it->next++];

			if (r == main_r)
				continue;
			*out = (struct row){it->ttl, h, r, &r->st, ++it->index};
			return true;
		}
	}
	return false;
}

/*
 * Escapes in place (names_sanitize) what must not reach a terminal; s
 * holds len bytes.
 */
char *
report_clean(char *s, size_t len)
{
	char raw[HOST_TEXT_LEN];

	snprintf(raw, sizeof(raw), "%s", s);
	return names_sanitize(raw, s, len);
}

const char *
report_host_text(const struct report_view *v, const struct responder *r,
    char *buf, size_t len)
{
	if (r == NULL) {
		snprintf(buf, len, "???");
		return buf;
	}
	names_format(v->namer, v->mode, &r->addr, buf, len);
	return report_clean(buf, len);
}

/* The name from the namer regardless of the view's mode; false if none. */
bool
report_host_name(const struct report_view *v, const struct responder *r,
    char *buf, size_t len)
{
	const struct namer *n = v->namer;

	if (r == NULL || n == NULL || n->name == NULL ||
	    n->name(n->ctx, &r->addr, buf, len) != 1)
		return false;
	buf[len - 1] = '\0';
	report_clean(buf, len);
	return true;
}

const char *
report_as_text(const struct report_view *v, const struct responder *r,
    char *buf, size_t len)
{
	uint32_t asn;

	if (r != NULL && names_asn(v->namer, &r->addr, &asn) == 1)
		snprintf(buf, len, "AS%u", (unsigned)asn);
	else
		snprintf(buf, len, "AS???");
	return buf;
}

/* A NULL view: host names (none without a namer), default columns. */
const struct report_view *
report_view_or_default(const struct report_view *v)
{
	static const struct report_view dflt = {NULL, NAMES_HOST, NULL, 0};

	return v != NULL ? v : &dflt;
}

/* The view's columns; the default set if it has none or an unknown one. */
const enum col_id *
report_view_cols(const struct report_view *v, int *n)
{
	bool ok = v->cols != NULL && v->ncols > 0;

	for (int i = 0; ok && i < v->ncols; i++)
		ok = column_get(v->cols[i]) != NULL;
	if (!ok) {
		*n = column_set_default_n;
		return column_set_default;
	}
	*n = v->ncols;
	return v->cols;
}

/* Whether a row has the column: Loss% and Snt mean nothing for a
 * responder's row (it is sent no probes of its own). */
bool
report_row_has(enum col_id id, const struct row *rw)
{
	return rw->index == 0 || (id != COL_LOSS && id != COL_SNT);
}

/* A column's text for a row ("" where the row has no such column). */
const char *
report_cell(enum col_id id, const struct row *rw, char *buf, size_t len)
{
	if (!report_row_has(id, rw)) {
		buf[0] = '\0';
		return buf;
	}
	return column_format(id, rw->st, buf, len);
}

/* UTC wall time in one of the styles above. */
const char *
report_utc_time(time_t t, enum time_style style, char *buf, size_t len)
{
	struct tm tm;
	size_t n = 0;

	if (gmtime_r(&t, &tm) != NULL) {
		switch (style) {
		case T_MTR:
			n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
			break;
		case T_RFC3339:
			n = strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
			break;
		case T_HUMAN:
			n = strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
			break;
		case T_FILE:
			n = strftime(buf, len, "%Y%m%d-%H%M%S", &tm);
			break;
		}
	}
	if (n == 0)
		snprintf(buf, len, "?");
	return buf;
}

/* The target's address: from the meta, else the path's. */
const char *
report_target_ip(
    const struct path *p, const struct report_meta *m, char *buf, size_t len)
{
	const struct haddr *a = &m->target_addr;

	if (!addr_is_set(a))
		a = &p->target;
	if (!addr_is_set(a))
		return NULL;
	return addr_str(a, buf, len);
}

const char *
report_str_or(const char *s, const char *dflt)
{
	return s != NULL ? s : dflt;
}

/* Ends a writer: flushes, and turns a stream error into -1 with errno. */
int
report_finish(FILE *f)
{
	if (fflush(f) != 0 || ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* ---- CSV ---- */

/* One RFC 4180 field: quoted if it holds a comma, quote, CR or LF. */
static void
csv_field(FILE *f, const char *s, bool first)
{
	if (!first)
		fputc(',', f);
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/*
 * A column's number for a row: a count as "%u", else up to 6 decimals
 * (whole ns for ms) without trailing zeros; "" where the row has no number.
 */
static const char *
csv_num(enum col_id id, const struct row *rw, char *buf, size_t len)
{
	const struct column *c = column_get(id);
	char *e;

	buf[0] = '\0';
	if (!report_row_has(id, rw) || !column_has_number(id, rw->st))
		return buf;
	if (c->kind == COL_KIND_COUNT) {
		snprintf(buf, len, "%u", (unsigned)c->value(rw->st));
		return buf;
	}
	snprintf(buf, len, "%.6f", c->value(rw->st));
	e = buf + strlen(buf) - 1;
	while (*e == '0' && e[-1] != '.')
		*e-- = '\0';
	return buf;
}

/* Around the statistics, which are the table's COL_OUT_HOP columns. */
static const char *const csv_before[] = {
    "ttl", "responder", "ip", "hostname", "asn"};
static const char *const csv_after[] = {"loss_cause", "method"};

/* ttl, responder, ip, hostname, asn. */
static void
csv_ident(FILE *f, const struct row *rw, const struct report_view *v)
{
	char buf[HOST_TEXT_LEN];
	uint32_t asn;

	fprintf(f, "%d,%d", rw->ttl, rw->index);
	csv_field(
	    f, rw->r ? addr_str(&rw->r->addr, buf, sizeof(buf)) : "", false);
	csv_field(
	    f, report_host_name(v, rw->r, buf, sizeof(buf)) ? buf : "", false);
	if (rw->r != NULL && names_asn(v->namer, &rw->r->addr, &asn) == 1)
		fprintf(f, ",%u", (unsigned)asn);
	else
		fputc(',', f);
}

static void
csv_row(FILE *f, const struct row *rw, const struct report_view *v,
    const struct report_meta *m, const struct verdict *vd)
{
	char buf[64];

	csv_ident(f, rw, v);
	for (int id = 0; id < COL_COUNT; id++)
		if (column_get(id)->out & COL_OUT_HOP)
			csv_field(f, csv_num(id, rw, buf, sizeof(buf)), false);
	csv_field(f,
	    rw->index == 0 ? verdict_cause_name(vd->hop[rw->ttl].cause) : "",
	    false);
	/* "simulated" marks a simulated path on every row. */
	csv_field(f, m->method != NULL ? m->method : "", false);
	fputs("\r\n", f);
}

/*
 * One header row, then a row per hop (responder 0: the main responder
 * named, the hop's statistics) and a row per other responder (1, 2, ...:
 * its own replies; loss_pct and sent empty). The statistics are the
 * column table's COL_OUT_HOP columns in its order, under their keys (csv_num
 * writes them). Times in ms; empty = no reply.
 * The last column names the probing method ("simulated" on a simulated
 * path), as CSV has no place for a header note.
 */
static void
csv_table(FILE *f, const struct path *p, const struct report_meta *m,
    const struct report_view *v, bool named)
{
	struct rows it;
	struct row rw;
	struct verdict vd;

	v = report_view_or_default(v);
	verdict_path(p, &vd);
	report_rows_start(&it, p);
	while (report_rows_next(&it, &rw)) {
		if (named) {
			csv_field(f, report_str_or(m->target_name, ""), true);
			fputc(',', f);
		}
		csv_row(f, &rw, v, m, &vd);
	}
}

static void
csv_titles_row(FILE *f, bool named)
{
	if (named)
		fputs("target,", f);
	for (size_t i = 0; i < sizeof(csv_before) / sizeof(csv_before[0]); i++)
		csv_field(f, csv_before[i], i == 0);
	for (int id = 0; id < COL_COUNT; id++)
		if (column_get(id)->out & COL_OUT_HOP)
			csv_field(f, column_get(id)->key, false);
	for (size_t i = 0; i < sizeof(csv_after) / sizeof(csv_after[0]); i++)
		csv_field(f, csv_after[i], false);
	fputs("\r\n", f);
}

int
report_write_csv(FILE *f, const struct path *p, const struct report_meta *m,
    const struct report_view *v)
{
	errno = 0;
	csv_titles_row(f, false);
	csv_table(f, p, m, v, false);
	return report_finish(f);
}

int
report_write_csv_many(FILE *f, const struct report_target *t, size_t n)
{
	errno = 0;
	csv_titles_row(f, true);
	for (size_t i = 0; i < n; i++)
		csv_table(f, t[i].p, t[i].m, t[i].v, true);
	return report_finish(f);
}
