/*
 * ui_private: what the screen's files share: ui.c (drawing text, the
 * table, the terminal), ui_header.c (the header and status lines),
 * ui_text.c (text fitted to columns, no curses), ui_panels.c (history
 * view, details, events, summary), ui_keys.c (the key table, actions,
 * help) and ui_targets.c (the target list). Not a public interface; only
 * these include it (and so curses; ui_text.c needs neither).
 */
#ifndef HOPTOP_UI_PRIVATE_H
#define HOPTOP_UI_PRIVATE_H

#define NCURSES_WIDECHAR 1

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "hoptop/clock.h"
#include "hoptop/column.h"
#include "hoptop/names.h"
#include "hoptop/ui.h"
#include "hoptop/verdict.h"
#include "ui_text.h"

#define MIN_COLS 50
#define MIN_ROWS 10
/* rows 0-2 header, 3 the loss verdict (several targets: the target list
 * first, u->list_rows of it) */
#define ROW_TABLE_HEAD (4 + u->list_rows)
#define ROW_TABLE      (5 + u->list_rows)
#define HOP_PREFIX     5 /* "%3d. " */
#define ASN_W          10
#define HOST_MIN       20
#define KEY_ESC        27
#define KEY_CTRL_L     12

enum pair { PAIR_YELLOW = 1, PAIR_RED, PAIR_CYAN };
enum panel { PANEL_NONE = 0, PANEL_DETAILS, PANEL_HELP, PANEL_EVENTS };

struct ui {
	bool open;  /* between ui_open and ui_close */
	bool ended; /* endwin() done by ui_emergency_restore */
	SCREEN *scr;
	FILE *in, *out;
	struct ui_config cfg;
	bool utf8, color;
	enum name_mode names;
	bool show_asn, show_mpls, jitter, history;
	enum panel panel;
	int sel_ttl;             /* selected hop, 0 = none */
	int first_ttl, last_ttl; /* hops shown by the last draw */
	char msg[256];
	bool drawn;
	int64_t drawn_ns;             /* monotonic, from ui_mark_drawn */
	time_t drawn_wall_s;          /* the clock shown by the last draw */
	struct verdict vd;            /* the loss verdict of the last draw */
	char event[VERDICT_TEXT_LEN]; /* its newest timeline event, or "" */
	/* several targets (ui_targets.c) */
	struct verdict vd_row; /* a target list line's */
	int list_rows;         /* the target list's rows, 0: none */
	bool several;          /* several targets (the last header) */
	size_t picked;         /* the target a number key named */
};

/* ---- the table ---- */

/* Where the table's fields go at this width. */
struct layout {
	int rows, cols;
	const enum col_id *ids;
	int n;               /* columns that fit */
	int colx[COL_COUNT]; /* x of each column's field */
	int hostx, hostw;
};

struct table {
	struct layout l;
	const struct path *p;
	const struct namer *n;
	int y, y_end;     /* next row; first row past the table */
	int skip;         /* lines still to scroll past */
	int above, below; /* hops scrolled away above / cut off below */
};

int ui_put_text(const struct ui *u, int y, int x, int w, const char *s);
int ui_put_attr(
    const struct ui *u, int y, int x, int w, const char *s, attr_t a);
/* Draws s right-aligned in the w columns starting at x. */
void ui_put_right(const struct ui *u, int y, int x, int w, const char *s);
/* ui_header.c: lines 0-2 from h. */
void ui_draw_header(const struct ui *u, const struct ui_header *h, int cols);
/* The last line: the message, or hints for what is on screen. */
void ui_draw_status(const struct ui *u, int rows, int cols);
/* Too small: a centred message, on three lines if one is too narrow;
 * it says that q still quits (no other key acts there). */
void ui_draw_too_small(const struct ui *u, int rows, int cols);
void ui_count_hidden(struct table *t, int y);
int ui_next_row(struct table *t);
void ui_draw_asn(
    const struct ui *u, const struct table *t, int y, const struct haddr *a);
int ui_sort_responders(const struct hop *h, int *idx);
void ui_draw_hop_name(const struct ui *u, struct table *t, int y, int ttl,
    const struct responder *m);
void ui_draw_history(const struct ui *u, struct table *t);
void ui_draw_details(const struct ui *u, const struct path *p,
    const struct namer *n, int rows, int cols);
void ui_draw_events(
    const struct ui *u, const struct path *p, int rows, int cols);
void ui_draw_summary(const struct ui *u, const struct path *p, int cols);
void ui_draw_help(const struct ui *u, int rows, int cols);
/* Rows the target list takes for n targets at this height (0: n < 2). */
int ui_list_rows(size_t n, int rows);
/* The target list (u->list_rows rows above the loss verdict line). */
void ui_draw_targets(struct ui *u, const struct ui_header *h, int cols);

#endif
