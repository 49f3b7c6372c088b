/*
 * report_private: what the report writers share (report.c: rows, host
 * text, cells, times; report_text.c, report_json.c, report_snapshot.c use
 * them). Not a public interface.
 */
#ifndef HOPTOP_REPORT_PRIVATE_H
#define HOPTOP_REPORT_PRIVATE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "hoptop/report.h"
#include "hoptop/verdict.h"

#define HOST_TEXT_LEN 320 /* a DNS name (255) plus " (address)" */
#define HOST_MIN_W    30
#define HOST_MAX_W    60
#define EXTRA_INDENT  4 /* "    |  `|-- " is 4 wider than "  1.|-- " */
#define ONCE_MAX      64
#define SNAP_TRIES    100

/* One line of a report: a hop, or an extra responder of the hop above. */
struct row {
	int ttl;
	const struct hop *h;
	const struct responder *r; /* NULL: the hop never answered */
	const struct stats *st;
	int index; /* 0 for the hop row, 1.. for its extra responders */
};

struct rows {
	const struct path *p;
	int ttl, last;
	int next; /* next resp[] index to look at; -1: the hop row is due */
	int index;
};

enum time_style {
	T_MTR,     /* 2026-11-22T02:00:00+0000, as mtr --report */
	T_RFC3339, /* 2026-11-22T02:00:00Z */
	T_HUMAN,   /* 2026-11-22 02:00:00 UTC */
	T_FILE,    /* 20261122-020000 */
};

void report_rows_start(struct rows *it, const struct path *p);
bool report_rows_next(struct rows *it, struct row *out);
char *report_clean(char *s, size_t len);
const char *report_host_text(const struct report_view *v,
    const struct responder *r, char *buf, size_t len);
bool report_host_name(const struct report_view *v, const struct responder *r,
    char *buf, size_t len);
const char *report_as_text(const struct report_view *v,
    const struct responder *r, char *buf, size_t len);
const struct report_view *report_view_or_default(const struct report_view *v);
const enum col_id *report_view_cols(const struct report_view *v, int *n);
bool report_row_has(enum col_id id, const struct row *rw);
const char *report_cell(
    enum col_id id, const struct row *rw, char *buf, size_t len);
const char *report_utc_time(
    time_t t, enum time_style style, char *buf, size_t len);
const char *report_target_ip(
    const struct path *p, const struct report_meta *m, char *buf, size_t len);
const char *report_str_or(const char *s, const char *dflt);
int report_finish(FILE *f);

#endif
