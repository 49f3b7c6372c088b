/*
 * column: the field table shared by the screen and every report (text,
 * Markdown, JSON, CSV), so they agree. Each column has a key (JSON and CSV),
 * a title (screen, text, Markdown), a width, a formatter and a value; a row
 * added to the table shows in every output that its out bits name.
 */
#ifndef HOPTOP_COLUMN_H
#define HOPTOP_COLUMN_H

#include <stdbool.h>
#include <stddef.h>

#include "hoptop/names.h"
#include "hoptop/stats.h"

enum col_id {
	COL_LOSS = 0,
	COL_SNT,
	COL_RCV,
	COL_LAST,
	COL_AVG,
	COL_BEST,
	COL_WRST,
	COL_STDEV,
	COL_JITTER,
	COL_JINT,
	COL_JMAX,
	COL_JTTR,
	COL_COUNT
};

/* How JSON and CSV write a column's value(). */
enum col_kind {
	COL_KIND_COUNT, /* an integer, always known */
	COL_KIND_PCT,   /* a real, always known (0 before a probe settles) */
	COL_KIND_MS, /* a real; unknown (JSON null, CSV empty) without a reply
	              */
};

/* Which machine outputs carry a column (struct column.out, or-ed). */
enum col_out {
	COL_OUT_HOP = 1 << 0,  /* a JSON hop object; every CSV row */
	COL_OUT_RESP = 1 << 1, /* a JSON responder object */
	COL_OUT_PING = 1 << 2, /* a JSON hop's "ping" object */
};

struct column {
	enum col_id id;
	const char *key;   /* machine name: "loss_pct", "sent", "avg_ms" ... */
	const char *title; /* "Loss%", "Snt", "Avg" ... */
	int width;         /* right-aligned display width */
	/* Writes the display text ("12.3", "0.0%", "" when no data). */
	void (*format)(const struct stats *s, char *buf, size_t len);
	/* The value as a number (ms for times, % for loss), for JSON/CSV. */
	double (*value)(const struct stats *s);
	enum col_kind kind;
	unsigned out; /* enum col_out bits; 0 = the screen and text only */
};

const struct column *column_get(enum col_id id);

/* The default set: Loss% Snt Last Avg Best Wrst StDev. */
extern const enum col_id column_set_default[];
extern const int column_set_default_n;
/* The jitter set: Loss% Snt Last Jttr Javg Jmax Jint (the loss stays in
 * view, so a lossy hop still looks lossy). */
extern const enum col_id column_set_jitter[];
extern const int column_set_jitter_n;

/*
 * Display text rules: counts "%u"; Loss% "%.1f%%"; times in ms with as many
 * decimals as a LAN needs and a 6-wide column holds: "0.018" below 1 ms,
 * "5.43" below 10 ms, "12.3" below 10 s, "12345" above. Times of a row with no
 * reply, and Loss% of a row where no probe has settled (all in flight or none
 * sent), are "" (unknown, not zero). value() returns 0 there;
 * column_has_value() tells which.
 */
/* A time in ms as a column shows it (the rule above). */
void column_format_ms(double v_ms, char *buf, size_t len);

/* Formats one column of s into buf; returns buf ("" for a bad id). */
const char *column_format(
    enum col_id id, const struct stats *s, char *buf, size_t len);

/* Whether the column has a known value for s (its text is not ""). Lets
 * JSON write null instead of 0 for a hop that never answered. */
bool column_has_value(enum col_id id, const struct stats *s);

/* Whether JSON and CSV write a number for the column (else null / an
 * empty field): counts and Loss% always (Loss% 0 before a probe settles,
 * as JSON schema 1 has it), times only with a reply. */
bool column_has_number(enum col_id id, const struct stats *s);

/*
 * What a front shows (the screen, a report, a snapshot): how hosts are
 * named and which columns, in order.
 */
struct report_view {
	const struct namer *namer; /* may be NULL */
	enum name_mode mode;
	const enum col_id *cols; /* NULL = column_set_default */
	int ncols;
};

#endif
