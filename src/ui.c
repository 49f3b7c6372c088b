/*
 * ui: the full-screen front end on ncursesw; the only file that includes
 * curses. It reads the model (const) and draws it; keys that change only
 * the view are handled here, the others go back to the loop as actions.
 *
 * Screen: three header lines, a blank line, the table header, the table
 * (one line per hop, plus lines for further responders and MPLS labels),
 * and a status line. Everything goes through put_text(), which clips to a
 * width (never wraps) and replaces control bytes, so names from the
 * network cannot move the cursor.
 */
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

#define MIN_COLS 50
#define MIN_ROWS 10
/* rows 0-2 header, 3 the loss verdict (several targets: the target list
 * first, u->list_rows of it) */
#define ROW_TABLE_HEAD (4 + u->list_rows)
#define ROW_TABLE      (5 + u->list_rows)
#define LIST_MAX_ROWS  12
#define HOP_PREFIX     5 /* "%3d. " */
#define ASN_W          10
#define HOST_MIN       20
#define TEXT_MAX       1024
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
	struct verdict vd_row;        /* a target list line's */
	int list_rows;                /* the target list's, 0: none */
	bool several;                 /* several targets (the last header) */
	size_t picked;                /* the target a number key named */
	char event[VERDICT_TEXT_LEN]; /* its newest timeline event, or "" */
};

/* One terminal per process: the fatal hook needs to find it anyway. */
static struct ui the_ui;

static const char *const bars_utf8[] = {"\u2581", "\u2582", "\u2583", "\u2584",
    "\u2585", "\u2586", "\u2587", "\u2588"};
static const char *const bars_ascii[] = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

/* ---- text ---- */

/*
 * The display character at s: returns its byte length and sets its columns;
 * *bad when it must be shown as '?' (control, invalid, or not ASCII outside
 * a UTF-8 locale).
 */
static size_t
char_at(const struct ui *u, const char *s, int *cols, bool *bad)
{
	unsigned char c = (unsigned char)*s;
	mbstate_t st;
	wchar_t wc;
	size_t n;

	*cols = 1;
	*bad = names_safe_char(s) == 0; /* the one sanitiser's rule */
	if (c < 0x80)
		return 1;
	if (*bad || !u->utf8) {
		*bad = true;
		return 1;
	}
	*bad = true;
	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, s, strnlen(s, MB_CUR_MAX), &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0)
		return 1;
	if (wcwidth(wc) < 0)
		return n;
	*cols = wcwidth(wc);
	*bad = false;
	return n;
}

/* Columns s takes on screen. */
static int
text_width(const struct ui *u, const char *s)
{
	int w = 0, cw;
	bool bad;

	while (*s != '\0') {
		s += char_at(u, s, &cw, &bad);
		w += cw;
	}
	return w;
}

/*
 * Copies s into out (TEXT_MAX bytes) so that it takes at most w columns,
 * cut with an ellipsis when longer. Returns the columns used.
 */
static int
fit_text(const struct ui *u, const char *s, int w, char *out)
{
	const char *ell = u->utf8 ? "\u2026" : "...";
	int ellw = u->utf8 ? 1 : 3, used = 0, cw;
	size_t o = 0, n;
	bool bad, cut = text_width(u, s) > w;
	int room = cut ? w - ellw : w;

	while (*s != '\0') {
		n = char_at(u, s, &cw, &bad);
		if (used + cw > room || o + n + 4 >= TEXT_MAX)
			break;
		if (bad)
			out[o++] = '?';
		else {
			memcpy(out + o, s, n);
			o += n;
		}
		used += cw;
		s += n;
	}
	if (cut && room >= 0) {
		strcpy(out + o, ell);
		o += strlen(ell);
		used += ellw;
	}
	out[o] = '\0';
	return used;
}

/* Draws s at (y, x) clipped to w columns; returns the columns used. */
static int
put_text(const struct ui *u, int y, int x, int w, const char *s)
{
	char buf[TEXT_MAX];
	int used;

	if (w <= 0)
		return 0;
	used = fit_text(u, s, w, buf);
	mvaddstr(y, x, buf);
	return used;
}

/* Draws s right-aligned in the w columns starting at x. */
static void
put_right(const struct ui *u, int y, int x, int w, const char *s)
{
	char buf[TEXT_MAX];
	int used;

	if (w <= 0)
		return;
	used = fit_text(u, s, w, buf);
	mvaddstr(y, x + w - used, buf);
}

/* put_text with attributes. */
static int
put_attr(const struct ui *u, int y, int x, int w, const char *s, attr_t a)
{
	int used;

	attron(a);
	used = put_text(u, y, x, w, s);
	attroff(a);
	return used;
}

/* ---- header and status ---- */

/* "1.0", "0.25", "10.0": at least one decimal, no trailing zeros. */
static void
format_interval(double s, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%.2f", s);
	n = strlen(buf);
	if (n >= 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[n - 1] = '\0';
}

static attr_t
tag_attr(const struct ui *u)
{
	return A_REVERSE | A_BOLD | (u->color ? COLOR_PAIR(PAIR_YELLOW) : 0);
}

/* Line 0: version, SIMULATED tag, clock. */
static void
draw_title(const struct ui *u, const struct ui_header *h, int cols)
{
	char buf[128], clk[16];
	struct tm tm;
	int x;

	snprintf(buf, sizeof(buf), "hoptop %s", h->version ? h->version : "");
	x = put_attr(u, 0, 0, cols - 10, buf, A_BOLD) + 2;
	if (h->simulated)
		x += put_attr(
		         u, 0, x, cols - 10 - x, " SIMULATED ", tag_attr(u)) +
		     2;
	if (h->note != NULL && x < cols - 10) {
		snprintf(buf, sizeof(buf), "names: %s", h->note);
		put_attr(u, 0, x, cols - 10 - x, buf,
		    u->color ? COLOR_PAIR(PAIR_YELLOW) : A_BOLD);
	}
	if (localtime_r(&h->now, &tm) != NULL &&
	    strftime(clk, sizeof(clk), "%H:%M:%S", &tm) > 0)
		put_right(u, 0, cols - 9, 8, clk);
}

/* Line 1: "source -> target (address)". */
static void
draw_route(const struct ui *u, const struct ui_header *h, int cols)
{
	const char *tn = h->target_name ? h->target_name : "";
	const char *src = h->source ? h->source : "";
	char addr[ADDR_STRLEN] = "", buf[TEXT_MAX];

	if (addr_is_set(&h->target_addr))
		addr_str(&h->target_addr, addr, sizeof(addr));
	if (addr[0] != '\0' && strcmp(addr, tn) != 0)
		snprintf(buf, sizeof(buf), "%s -> %s (%s)", src, tn, addr);
	else
		snprintf(buf, sizeof(buf), "%s -> %s", src, tn[0] ? tn : addr);
	put_text(u, 1, 0, cols, buf);
}

/*
 * Line 2: protocol, probes, interval, cycle, then Running / Paused, which
 * always shows: on a narrow screen the method goes first, then the rest is
 * cut.
 */
static void
draw_mode(const struct ui *u, const struct ui_header *h, int cols)
{
	const char *sep = u->utf8 ? " \u00b7 " : " | ";
	const char *state = h->replay != NULL ? h->replay
	                    : h->paused       ? "Paused"
	                                      : "Running";
	char iv[32], rest[256], buf[TEXT_MAX];
	int x, room = cols - (int)strlen(state);

	format_interval(h->interval_s, iv, sizeof(iv));
	snprintf(rest, sizeof(rest),
	    "%s%d probe%s/hop%sinterval %s s%scycle %u%s", sep, h->probes,
	    h->probes == 1 ? "" : "s", sep, iv, sep, h->cycles, sep);
	snprintf(buf, sizeof(buf), "%s (%s)%s", h->proto ? h->proto : "",
	    h->method ? h->method : "", rest);
	if (text_width(u, buf) > room)
		snprintf(
		    buf, sizeof(buf), "%s%s", h->proto ? h->proto : "", rest);
	x = put_text(u, 2, 0, room, buf);
	put_attr(u, 2, x, cols - x, state,
	    h->paused || h->replay != NULL ? A_BOLD | A_REVERSE : 0);
}

static void
draw_header(const struct ui *u, const struct ui_header *h, int cols)
{
	draw_title(u, h, cols);
	draw_route(u, h, cols);
	draw_mode(u, h, cols);
}

/* Key hints that fit, always ending with the one for help. */
static void
draw_hints(const struct ui *u, int y, int w)
{
	static const char *const ascii[] = {"q quit", "n names", "+/- probes",
	    "p pause", "r reset", "s save", "d display", "j jitter",
	    "Up/Dn select", "Enter details"};
	static const char *const utf8[] = {"q quit", "n names", "+/- probes",
	    "p pause", "r reset", "s save", "d display", "j jitter",
	    "\u2191\u2193 select", "\u23ce details"};
	const char *const *hint = u->utf8 ? utf8 : ascii;
	const char *help = "? help";
	char buf[TEXT_MAX] = "";
	size_t i, o = 0;

	for (i = 0; i < sizeof(ascii) / sizeof(ascii[0]); i++) {
		if (text_width(u, buf) + text_width(u, hint[i]) + 2 +
		        (int)strlen(help) >
		    w)
			break;
		o +=
		    (size_t)snprintf(buf + o, sizeof(buf) - o, "%s  ", hint[i]);
	}
	snprintf(buf + o, sizeof(buf) - o, "%s", help);
	put_text(u, y, 0, w, buf);
}

/* The newest event in words, then the keys to see more. */
static void
draw_event_status(const struct ui *u, int y, int w)
{
	int x = put_attr(u, y, 0, w, u->event, A_BOLD);

	put_text(u, y, x, w - x, "   l events  ? help");
}

/* The last line: the message, or hints for what is on screen. */
static void
draw_status(const struct ui *u, int rows, int cols)
{
	if (u->msg[0] != '\0')
		put_attr(u, rows - 1, 0, cols - 1, u->msg, A_BOLD);
	else if (u->panel == PANEL_NONE && u->event[0] != '\0')
		draw_event_status(u, rows - 1, cols - 1);
	else if (u->panel == PANEL_EVENTS)
		put_text(u, rows - 1, 0, cols - 1,
		    u->utf8 ? "Esc/\u23ce/q/l close" : "Esc/Enter/q/l close");
	else if (u->panel == PANEL_HELP)
		put_text(u, rows - 1, 0, cols - 1,
		    "press any key to close the help");
	else if (u->panel == PANEL_DETAILS)
		put_text(u, rows - 1, 0, cols - 1,
		    u->utf8 ? "Esc/\u23ce/q close  \u2191\u2193 other hop"
		            : "Esc/Enter/q close  Up/Down other hop");
	else
		draw_hints(u, rows - 1, cols - 1);
}

/* Too small: a centred message, on three lines if one is too narrow;
 * it says that q still quits (no other key acts there). */
static void
draw_too_small(const struct ui *u, int rows, int cols)
{
	char need[64], full[128];
	const char *line[3];
	int y = rows / 2, w, i;

	snprintf(need, sizeof(need), "need %dx%d, have %dx%d", MIN_COLS,
	    MIN_ROWS, cols, rows);
	snprintf(full, sizeof(full), "terminal too small: %s (q quits)", need);
	w = (int)strlen(full);
	if (w <= cols) {
		put_text(u, y, (cols - w) / 2, cols, full);
		return;
	}
	line[0] = "terminal too small";
	line[1] = need;
	line[2] = "q quits";
	for (i = 0; i < 3; i++) {
		w = (int)strlen(line[i]);
		if (y - 1 + i >= 0 && y - 1 + i < rows)
			put_text(u, y - 1 + i, w < cols ? (cols - w) / 2 : 0,
			    cols, line[i]);
	}
}

/* ---- the table ---- */

/* Where the table's fields go at this width. */
struct layout {
	int rows, cols;
	const enum col_id *ids;
	int n;               /* columns that fit */
	int colx[COL_COUNT]; /* x of each column's field */
	int hostx, hostw;
};

/* Drops columns from the right until the host field has HOST_MIN. */
static void
layout_table(const struct ui *u, struct layout *l)
{
	int i, need, right;

	getmaxyx(stdscr, l->rows, l->cols);
	l->ids = u->jitter ? column_set_jitter : column_set_default;
	l->n = u->jitter ? column_set_jitter_n : column_set_default_n;
	if (l->n > COL_COUNT)
		l->n = COL_COUNT;
	l->hostx = HOP_PREFIX + (u->show_asn ? ASN_W : 0);
	for (;;) {
		need = 0;
		for (i = 0; i < l->n; i++)
			need += column_get(l->ids[i])->width + 1;
		l->hostw = l->cols - l->hostx - need;
		if (l->hostw >= HOST_MIN || l->n == 0)
			break;
		l->n--;
	}
	if (u->history) {
		/* no columns: the host gets a third, the samples the rest */
		l->n = 0;
		l->hostw = l->cols / 3 < 10   ? 10
		           : l->cols / 3 > 30 ? 30
		                              : l->cols / 3;
	}
	right = l->cols;
	for (i = l->n - 1; i >= 0; i--) {
		right -= column_get(l->ids[i])->width + 1;
		l->colx[i] = right + 1;
	}
}

struct table {
	struct layout l;
	const struct path *p;
	const struct namer *n;
	int y, y_end;     /* next row; first row past the table */
	int skip;         /* lines still to scroll past */
	int above, below; /* hops scrolled away above / cut off below */
};

/* Counts a hop whose first line did not fit (y < 0) as above or below. */
static void
count_hidden(struct table *t, int y)
{
	if (y >= 0)
		return;
	if (t->y >= t->y_end)
		t->below++;
	else
		t->above++;
}

/* The row for the next table line, or -1 (scrolled away or no room). */
static int
next_row(struct table *t)
{
	if (t->skip > 0) {
		t->skip--;
		return -1;
	}
	if (t->y >= t->y_end)
		return -1;
	return t->y++;
}

/* Lines a hop takes in the table. */
static int
hop_lines(const struct ui *u, const struct hop *h)
{
	int i, n = 1;

	if (u->history || h == NULL)
		return 1;
	if (h->nresp > 1)
		n += h->nresp - 1;
	for (i = 0; u->show_mpls && i < h->nresp; i++)
		n += h->resp[i].mpls.n;
	return n;
}

/* Lines to scroll past so that the selected hop is visible. */
static int
table_skip(const struct ui *u, const struct path *p, int visible)
{
	int ttl, before = 0, sel;

	if (u->sel_ttl < p->first_ttl || u->sel_ttl > path_last_ttl(p))
		return 0;
	for (ttl = p->first_ttl; ttl < u->sel_ttl; ttl++)
		before += hop_lines(u, path_hop(p, ttl));
	sel = hop_lines(u, path_hop(p, u->sel_ttl));
	if (sel > visible)
		sel = visible;
	return before + sel > visible ? before + sel - visible : 0;
}

/* Loss colour: yellow for some, red for all; bold without colours. */
static attr_t
loss_attr(const struct ui *u, const struct stats *st)
{
	double pct = stats_loss_pct(st);

	if (st->received + st->lost == 0 || pct <= 0.0)
		return 0;
	if (!u->color)
		return A_BOLD;
	return pct >= 100.0 ? COLOR_PAIR(PAIR_RED) | A_BOLD
	                    : COLOR_PAIR(PAIR_YELLOW);
}

/* The statistics columns of one line; a responder has no Loss% or Snt. */
static void
draw_cells(const struct ui *u, const struct layout *l, int y,
    const struct stats *st, bool responder)
{
	const struct column *c;
	char buf[64];
	attr_t a;
	int i;

	for (i = 0; i < l->n; i++) {
		c = column_get(l->ids[i]);
		if (responder && (c->id == COL_LOSS || c->id == COL_SNT))
			continue;
		column_format(c->id, st, buf, sizeof(buf));
		a = c->id == COL_LOSS ? loss_attr(u, st) : 0;
		attron(a);
		put_right(u, y, l->colx[i], c->width, buf);
		attroff(a);
	}
}

/* "AS64512" in the AS field when shown and known. */
static void
draw_asn(
    const struct ui *u, const struct table *t, int y, const struct haddr *a)
{
	char buf[32];
	uint32_t asn;

	if (!u->show_asn)
		return;
	if (a != NULL && names_asn(t->n, a, &asn))
		snprintf(buf, sizeof(buf), "AS%u", asn);
	else
		snprintf(buf, sizeof(buf), "AS???");
	put_text(u, y, HOP_PREFIX, ASN_W - 1, buf);
}

/* One line per MPLS label, under its responder. */
static void
draw_mpls(const struct ui *u, struct table *t, const struct mpls_stack *m)
{
	char buf[96];
	int i, y;

	for (i = 0; u->show_mpls && i < m->n && i < MPLS_MAX_LABELS; i++) {
		y = next_row(t);
		if (y < 0)
			continue;
		snprintf(buf, sizeof(buf), "[MPLS: Lbl %u TC %u S %u TTL %u]",
		    m->l[i].label, m->l[i].tc, m->l[i].s, m->l[i].ttl);
		put_text(u, y, t->l.hostx + 2, t->l.hostw - 2, buf);
	}
}

/* Indices of h's responders, most replies first. */
static int
sort_responders(const struct hop *h, int *idx)
{
	int i, j,
	    n = h->nresp < HOP_MAX_RESPONDERS ? h->nresp : HOP_MAX_RESPONDERS;

	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && h->resp[idx[j - 1]].st.received <
		                         h->resp[i].st.received;
		     j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
	return n;
}

/* "   ↳ 10.78.7.2  (35%)" and the responder's own numbers. */
static void
draw_responder(const struct ui *u, struct table *t, int y, const struct hop *h,
    const struct responder *r)
{
	char host[512], share[16];
	int x = t->l.hostx, sw;

	snprintf(share, sizeof(share), "  (%.0f%%)",
	    h->st.received ? 100.0 * r->st.received / h->st.received : 0.0);
	names_format(t->n, u->names, &r->addr, host, sizeof(host));
	draw_asn(u, t, y, &r->addr);
	x += put_text(u, y, x, t->l.hostw, u->utf8 ? "\u21b3 " : "`- ");
	sw = (int)strlen(share);
	x += put_text(u, y, x, t->l.hostx + t->l.hostw - x - sw, host);
	put_text(u, y, x, t->l.hostx + t->l.hostw - x, share);
	draw_cells(u, &t->l, y, &r->st, true);
}

/*
 * The hop's loss cause: its letter just right of the Loss% field, and the
 * field coloured by it (reply cyan, forward red; none and unknown keep the
 * colour by amount). Without colours the letter says it. No '?' on a hop
 * that lost nothing yet.
 */
static void
draw_loss_mark(const struct ui *u, const struct layout *l, int y, int ttl)
{
	enum loss_cause c = u->vd.hop[ttl].cause;
	char mark[2] = {verdict_cause_letter(c), '\0'};
	int i, w;

	if (ttl < u->vd.first_ttl || ttl > u->vd.last_ttl)
		return;
	/* "?" only where there is loss to wonder about. */
	if (c == CAUSE_UNKNOWN && u->vd.hop[ttl].lost == 0)
		mark[0] = ' ';
	for (i = 0; i < l->n && l->ids[i] != COL_LOSS; i++)
		;
	if (i == l->n)
		return;
	w = column_get(COL_LOSS)->width;
	put_attr(u, y, l->colx[i] + w, 1, mark, A_BOLD);
	if (!u->color || (c != CAUSE_REPLY && c != CAUSE_FORWARD))
		return;
	mvchgat(y, l->colx[i], w + 1, c == CAUSE_FORWARD ? A_BOLD : A_NORMAL,
	    c == CAUSE_FORWARD ? PAIR_RED : PAIR_CYAN, NULL);
}

/* "[ping 0.0% 8.0ms]" at the right end of the host field of a pinged hop. */
static void
draw_ping_tag(
    const struct ui *u, const struct layout *l, int y, const struct hop *h)
{
	char tag[64];
	int w;

	verdict_ping_text(h, true, tag, sizeof(tag));
	w = (int)strlen(tag);
	if (w == 0 || w + 2 > l->hostw)
		return;
	put_attr(u, y, l->hostx + l->hostw - w - 1, w + 1, tag, A_BOLD);
}

/* A hop: its line, its MPLS labels, then its other responders. */
static void
draw_hop(const struct ui *u, struct table *t, int ttl)
{
	const struct hop *h = path_hop(t->p, ttl);
	const struct responder *m = h ? hop_current_responder(h) : NULL;
	int idx[HOP_MAX_RESPONDERS], i, n, y = next_row(t);
	char buf[512];

	count_hidden(t, y);
	if (y >= 0) {
		snprintf(buf, sizeof(buf), "%3d.", ttl);
		mvaddstr(y, 0, buf);
		draw_asn(u, t, y, m ? &m->addr : NULL);
		if (m != NULL)
			names_format(
			    t->n, u->names, &m->addr, buf, sizeof(buf));
		put_text(u, y, t->l.hostx, t->l.hostw, m ? buf : "???");
		if (h != NULL)
			draw_cells(u, &t->l, y, &h->st, false);
		if (h != NULL)
			draw_loss_mark(u, &t->l, y, ttl);
		if (h != NULL)
			draw_ping_tag(u, &t->l, y, h);
		if (ttl == u->sel_ttl)
			mvchgat(y, 0, -1, A_REVERSE, 0, NULL);
	}
	if (m == NULL)
		return;
	draw_mpls(u, t, &m->mpls);
	n = sort_responders(h, idx);
	for (i = 0; i < n; i++) {
		if (&h->resp[idx[i]] == m)
			continue;
		y = next_row(t);
		if (y >= 0)
			draw_responder(u, t, y, h, &h->resp[idx[i]]);
		draw_mpls(u, t, &h->resp[idx[i]].mpls);
	}
}

/* "  #  Host" and the column titles. */
static void
draw_table_head(const struct ui *u, const struct layout *l)
{
	const struct column *c;
	int i;

	attron(A_BOLD);
	mvaddstr(ROW_TABLE_HEAD, 0, "  #");
	if (u->show_asn)
		put_text(u, ROW_TABLE_HEAD, HOP_PREFIX, ASN_W, "AS");
	put_text(u, ROW_TABLE_HEAD, l->hostx, l->hostw, "Host");
	for (i = 0; !u->history && i < l->n; i++) {
		c = column_get(l->ids[i]);
		put_right(u, ROW_TABLE_HEAD, l->colx[i], c->width, c->title);
	}
	attroff(A_BOLD);
}

/* ---- history view ---- */

struct strip {
	int x, w;               /* where the samples go */
	int n;                  /* samples of the longest visible history */
	int64_t min_ns, max_ns; /* RTT range of the visible samples */
};

/* The strip geometry and the RTT range over every visible sample. */
static void
strip_scale(const struct path *p, const struct layout *l, struct strip *s)
{
	const struct sample *sm;
	const struct hop *h;
	int ttl, i;

	s->x = l->hostx + l->hostw + 1;
	s->w = l->cols - s->x;
	s->min_ns = -1;
	s->max_ns = -1;
	s->n = 0;
	for (ttl = p->first_ttl; ttl <= path_last_ttl(p); ttl++) {
		h = path_hop(p, ttl);
		if (h != NULL && (int)history_len(&h->hist) > s->n)
			s->n = (int)history_len(&h->hist);
		for (i = 0; h != NULL && i < s->w; i++) {
			sm = history_get(&h->hist, (uint32_t)i);
			if (sm == NULL)
				break;
			if (sm->rtt_ns < 0)
				continue;
			if (s->min_ns < 0 || sm->rtt_ns < s->min_ns)
				s->min_ns = sm->rtt_ns;
			if (sm->rtt_ns > s->max_ns)
				s->max_ns = sm->rtt_ns;
		}
	}
	if (s->n > s->w)
		s->n = s->w;
}

/* The glyph for one sample (NULL: none); *lost for a lost probe. */
static const char *
sample_glyph(const struct ui *u, const struct strip *s, const struct sample *sm,
    bool *lost)
{
	int levels = u->utf8 ? 8 : 10, lv = 0;
	int64_t range = s->max_ns - s->min_ns;

	*lost = false;
	if (sm == NULL)
		return u->utf8 ? " " : ".";
	if (sm->rtt_ns < 0) {
		*lost = true;
		return "?";
	}
	if (range > 0)
		lv = (int)(((double)(sm->rtt_ns - s->min_ns) * (levels - 1)) /
		               (double)range +
		           0.5);
	if (lv < 0 || lv >= levels)
		lv = lv < 0 ? 0 : levels - 1;
	return u->utf8 ? bars_utf8[lv] : bars_ascii[lv];
}

/*
 * One hop's samples from the left edge of the strip, oldest first, so a
 * short history sits next to its host; every hop's newest sample is in the
 * same column (s->n, the longest history on screen), so columns line up in
 * time. Lost ones stand out.
 */
static void
draw_strip(
    const struct ui *u, const struct strip *s, int y, const struct hop *h)
{
	const struct sample *sm;
	const char *g;
	bool lost;
	int i, x;

	for (i = 0; i < s->n; i++) {
		sm = h ? history_get(&h->hist, (uint32_t)i) : NULL;
		x = s->x + s->n - 1 - i;
		g = sample_glyph(u, s, sm, &lost);
		mvaddstr(y, x, g);
		if (lost)
			mvchgat(y, x, 1, A_BOLD, u->color ? PAIR_RED : 0, NULL);
	}
}

/* The history view: one line per hop, host then its sample strip. */
static void
draw_history(const struct ui *u, struct table *t)
{
	const struct hop *h;
	const struct responder *m;
	struct strip s;
	char buf[512];
	int ttl, y;

	strip_scale(t->p, &t->l, &s);
	snprintf(buf, sizeof(buf), "History, newest right: %.1f-%.1f ms",
	    s.min_ns < 0 ? 0.0 : (double)s.min_ns / NS_PER_MS,
	    s.max_ns < 0 ? 0.0 : (double)s.max_ns / NS_PER_MS);
	put_attr(u, ROW_TABLE_HEAD, s.x, s.w, buf, A_BOLD);
	for (ttl = t->p->first_ttl; ttl <= path_last_ttl(t->p); ttl++) {
		if ((y = next_row(t)) < 0) {
			count_hidden(t, y);
			continue;
		}
		h = path_hop(t->p, ttl);
		m = h ? hop_main_responder(h) : NULL;
		snprintf(buf, sizeof(buf), "%3d.", ttl);
		mvaddstr(y, 0, buf);
		draw_asn(u, t, y, m ? &m->addr : NULL);
		if (m != NULL)
			names_format(
			    t->n, u->names, &m->addr, buf, sizeof(buf));
		put_text(u, y, t->l.hostx, t->l.hostw, m ? buf : "???");
		draw_strip(u, &s, y, h);
		if (ttl == u->sel_ttl)
			mvchgat(
			    y, 0, t->l.hostx + t->l.hostw, A_REVERSE, 0, NULL);
	}
}

/* ---- details panel ---- */

struct box {
	int top, left, h, w; /* outer size */
	int y;               /* next content row */
};

/* Blanks the box area and draws its border and title. */
static void
draw_box(const struct ui *u, const struct box *b, const char *title)
{
	int y;

	for (y = b->top; y < b->top + b->h; y++)
		mvhline(y, b->left, ' ', b->w);
	mvhline(b->top, b->left + 1, ACS_HLINE, b->w - 2);
	mvhline(b->top + b->h - 1, b->left + 1, ACS_HLINE, b->w - 2);
	mvvline(b->top + 1, b->left, ACS_VLINE, b->h - 2);
	mvvline(b->top + 1, b->left + b->w - 1, ACS_VLINE, b->h - 2);
	mvaddch(b->top, b->left, ACS_ULCORNER);
	mvaddch(b->top, b->left + b->w - 1, ACS_URCORNER);
	mvaddch(b->top + b->h - 1, b->left, ACS_LLCORNER);
	mvaddch(b->top + b->h - 1, b->left + b->w - 1, ACS_LRCORNER);
	put_attr(u, b->top, b->left + 2, b->w - 4, title, A_BOLD);
}

/* A line of text inside the box; nothing once the box is full. */
static void
box_line(const struct ui *u, struct box *b, const char *s, attr_t a)
{
	if (b->y >= b->top + b->h - 1)
		return;
	put_attr(u, b->y++, b->left + 2, b->w - 4, s, a);
}

static const enum col_id detail_cols[] = {
    COL_RCV, COL_LAST, COL_AVG, COL_BEST, COL_WRST, COL_STDEV};
#define DETAIL_NCOLS ((int)(sizeof(detail_cols) / sizeof(detail_cols[0])))

/*
 * The numbers of responder r at hop h, aligned under the titles that the
 * same call writes when r is NULL: Rcv, Share, Last, Avg, Best, Wrst, StDev.
 */
static void
detail_numbers(
    const struct hop *h, const struct responder *r, char *buf, size_t len)
{
	const struct column *c;
	char cell[32];
	size_t o = 0;
	int i, w;

	buf[0] = '\0';
	for (i = 0; i < DETAIL_NCOLS && o < len; i++) {
		c = column_get(detail_cols[i]);
		w = (int)strlen(c->title) > c->width ? (int)strlen(c->title)
		                                     : c->width;
		if (r != NULL)
			column_format(c->id, &r->st, cell, sizeof(cell));
		o += (size_t)snprintf(
		    buf + o, len - o, "%*s ", w, r ? cell : c->title);
		if (i != 0 || o >= len)
			continue;
		if (r != NULL)
			snprintf(cell, sizeof(cell), "%.1f%%",
			    h->st.received
			        ? 100.0 * r->st.received / h->st.received
			        : 0.0);
		o += (size_t)snprintf(
		    buf + o, len - o, "%6s ", r ? cell : "Share");
	}
}

/* "0,1,5": the flows set in the bitmask, "-" for none. */
static void
format_flows(uint64_t flows, char *buf, size_t len)
{
	size_t o = 0;
	int f;

	buf[0] = '\0';
	for (f = 0; f < 64 && o + 4 < len; f++)
		if (flows & (UINT64_C(1) << f))
			o += (size_t)snprintf(
			    buf + o, len - o, "%s%d", o ? "," : "", f);
	if (o == 0)
		snprintf(buf, len, "-");
}

/* One responder in the panel: numbers and name, flows and AS, labels. */
static void
detail_responder(const struct ui *u, struct box *b, const struct namer *n,
    const struct hop *h, const struct responder *r)
{
	char buf[TEXT_MAX], host[512], flows[256], as[32] = "";
	const struct mpls_label *l;
	uint32_t asn;
	int i;

	detail_numbers(h, r, buf, sizeof(buf) / 2);
	names_format(n, NAMES_BOTH, &r->addr, host, sizeof(host));
	strcat(buf, host);
	box_line(u, b, buf, 0);
	format_flows(r->flows, flows, sizeof(flows));
	if (names_asn(n, &r->addr, &asn))
		snprintf(as, sizeof(as), "  AS%u", asn);
	snprintf(buf, sizeof(buf), "      flows %s%s", flows, as);
	box_line(u, b, buf, 0);
	for (i = 0; i < r->mpls.n && i < MPLS_MAX_LABELS; i++) {
		l = &r->mpls.l[i];
		snprintf(buf, sizeof(buf),
		    "      [MPLS: Lbl %u TC %u S %u TTL %u]", l->label, l->tc,
		    l->s, l->ttl);
		box_line(u, b, buf, 0);
	}
}

/* The details panel over the table: every responder of the selected hop. */
static void
draw_details(const struct ui *u, const struct path *p, const struct namer *n,
    int rows, int cols)
{
	const struct hop *h = path_hop(p, u->sel_ttl);
	struct box b = {
	    ROW_TABLE_HEAD - 1, 0, rows - ROW_TABLE_HEAD, cols, ROW_TABLE_HEAD};
	int idx[HOP_MAX_RESPONDERS], i, nr;
	char buf[TEXT_MAX];

	snprintf(buf, sizeof(buf), " Hop %d ", u->sel_ttl);
	draw_box(u, &b, buf);
	if (h == NULL)
		return;
	/* Loss% counts settled probes only: show the arithmetic. */
	snprintf(buf, sizeof(buf),
	    "Snt %u  Rcv %u  Lost %u  in flight %u  Loss %.1f%% (%u/%u)  "
	    "%d responder%s",
	    h->st.sent, h->st.received, h->st.lost, stats_pending(&h->st),
	    stats_loss_pct(&h->st), h->st.lost, h->st.received + h->st.lost,
	    h->nresp, h->nresp == 1 ? "" : "s");
	box_line(u, &b, buf, 0);
	if (hop_send_clock(h) != NULL) {
		snprintf(buf, sizeof(buf),
		    "Send clock %s: %u from kernel stamps, %u from user space",
		    hop_send_clock(h), h->tx_kernel, h->tx_user);
		box_line(u, &b, buf, 0);
	}
	box_line(u, &b,
	    verdict_explain_hop(&u->vd, u->sel_ttl, buf, sizeof(buf)), 0);
	if (h->ping.sent > 0)
		box_line(
		    u, &b, verdict_ping_text(h, false, buf, sizeof(buf)), 0);
	if (h->nresp == 0) {
		box_line(u, &b, "no reply from this hop yet", 0);
		return;
	}
	detail_numbers(h, NULL, buf, sizeof(buf) / 2);
	strcat(buf, "Host");
	box_line(u, &b, buf, A_BOLD);
	nr = sort_responders(h, idx);
	for (i = 0; i < nr; i++)
		detail_responder(u, &b, n, h, &h->resp[idx[i]]);
}

/* The events panel: the verdict, then the timeline, newest first. */
static void
draw_events(const struct ui *u, const struct path *p, int rows, int cols)
{
	struct box b = {
	    ROW_TABLE_HEAD - 1, 0, rows - ROW_TABLE_HEAD, cols, ROW_TABLE_HEAD};
	const struct path_event *ev;
	char buf[TEXT_MAX];
	int n = 0;

	draw_box(u, &b, " Events ");
	snprintf(buf, sizeof(buf), "Loss: ");
	verdict_describe(&u->vd, p, buf + 6, sizeof(buf) - 6);
	box_line(u, &b, buf, A_BOLD);
	for (unsigned i = 0; (ev = path_event(p, i)) != NULL; i++) {
		if (!path_event_is_timeline(ev->kind))
			continue;
		box_line(u, &b, verdict_event_line(p, ev, buf, sizeof(buf)), 0);
		n++;
	}
	if (n == 0)
		box_line(u, &b, "no route changes or loss episodes yet", 0);
}

/* Row 3: the path verdict in words (red and bold for forwarding loss). */
static void
draw_summary(const struct ui *u, const struct path *p, int cols)
{
	char buf[VERDICT_TEXT_LEN + 8] = "Loss: ";
	attr_t a = u->vd.kind != VERDICT_FORWARD ? 0
	           : u->color                    ? COLOR_PAIR(PAIR_RED) | A_BOLD
	                                         : A_BOLD;

	verdict_describe(&u->vd, p, buf + 6, sizeof(buf) - 6);
	put_attr(u, ROW_TABLE_HEAD - 1, 0, cols, buf, a);
}

/* ---- keys ---- */

static enum ui_action
act_names(struct ui *u)
{
	u->names = u->names == NAMES_HOST   ? NAMES_ADDR
	           : u->names == NAMES_ADDR ? NAMES_BOTH
	                                    : NAMES_HOST;
	return UI_NAMES;
}

static enum ui_action
act_display(struct ui *u)
{
	u->history = !u->history;
	return UI_REDRAW;
}

static enum ui_action
act_jitter(struct ui *u)
{
	u->jitter = !u->jitter;
	return UI_REDRAW;
}

static enum ui_action
act_asn(struct ui *u)
{
	u->show_asn = !u->show_asn;
	return UI_ASN;
}

static enum ui_action
act_mpls(struct ui *u)
{
	u->show_mpls = !u->show_mpls;
	return UI_REDRAW;
}

/* Up: from no selection to the last hop, then towards the first. */
static enum ui_action
act_up(struct ui *u)
{
	if (u->sel_ttl == 0 || u->sel_ttl > u->last_ttl)
		u->sel_ttl = u->last_ttl;
	else if (u->sel_ttl > u->first_ttl)
		u->sel_ttl--;
	return UI_REDRAW;
}

/* Down: from no selection to the first hop, then towards the last. */
static enum ui_action
act_down(struct ui *u)
{
	if (u->sel_ttl == 0 || u->sel_ttl < u->first_ttl)
		u->sel_ttl = u->first_ttl;
	else if (u->sel_ttl < u->last_ttl)
		u->sel_ttl++;
	return UI_REDRAW;
}

static enum ui_action
act_details(struct ui *u)
{
	if (u->sel_ttl == 0)
		u->sel_ttl = u->first_ttl;
	u->panel = PANEL_DETAILS;
	return UI_REDRAW;
}

static enum ui_action
act_events(struct ui *u)
{
	u->panel = u->panel == PANEL_EVENTS ? PANEL_NONE : PANEL_EVENTS;
	return UI_REDRAW;
}

static enum ui_action
act_help(struct ui *u)
{
	u->panel = PANEL_HELP;
	return UI_REDRAW;
}

static enum ui_action
act_unselect(struct ui *u)
{
	u->sel_ttl = 0;
	return UI_REDRAW;
}

/* KEY_RESIZE: curses has the new size already; just draw. */
static enum ui_action
act_resized(struct ui *u)
{
	(void)u;
	return UI_REDRAW;
}

static enum ui_action
act_repaint(struct ui *u)
{
	(void)u;
	clearok(curscr, TRUE);
	return UI_REDRAW;
}

/*
 * A key either changes the view (fn) or is passed to the loop as it is
 * (fn NULL: the action for the engine: quit, probes, pause, reset, save).
 */
struct key_binding {
	int key;
	enum ui_action (*fn)(struct ui *u);
	enum ui_action pass;
	const char *label; /* for the help; NULL: an alias of the line above */
	const char *help;
};

/* The key table (the help screen is drawn from it). */
static const struct key_binding keys[] = {
    {'q', NULL, UI_QUIT, "q", "quit (in a panel: close it)"},
    {'n', act_names, UI_NONE, "n", "names: host/address/both"},
    {'+', NULL, UI_PROBES_UP, "+ =", "more probes per hop"},
    {'=', NULL, UI_PROBES_UP, NULL, NULL},
    {'-', NULL, UI_PROBES_DOWN, "-", "fewer probes per hop"},
    {'p', NULL, UI_PAUSE, "p space", "pause / resume"},
    {' ', NULL, UI_PAUSE, NULL, NULL},
    {'r', NULL, UI_RESET, "r", "reset statistics"},
    {'s', NULL, UI_SNAPSHOT, "s", "save a snapshot"},
    {'d', act_display, UI_NONE, "d", "statistics / history"},
    {'j', act_jitter, UI_NONE, "j", "jitter columns"},
    {'z', act_asn, UI_NONE, "z", "AS numbers"},
    {'e', act_mpls, UI_NONE, "e", "MPLS labels"},
    {KEY_UP, act_up, UI_NONE, "Up Down", "select a hop"},
    {KEY_DOWN, act_down, UI_NONE, NULL, NULL},
    {'\n', act_details, UI_NONE, "Enter", "hop details"},
    {'l', act_events, UI_NONE, "l", "events: route changes, loss"},
    {'P', NULL, UI_PING_HOP, "P", "ping the selected hop (again: stop)"},
    /* several targets (TARGET_KEYS: on the help screen only then) */
    {'\t', NULL, UI_TARGET_NEXT, "Tab 1-9",
        "target: next, 1-9 (S-Tab, Left, Right)"},
    {KEY_RIGHT, NULL, UI_TARGET_NEXT, NULL, NULL},
    {KEY_BTAB, NULL, UI_TARGET_PREV, NULL, NULL},
    {KEY_LEFT, NULL, UI_TARGET_PREV, NULL, NULL},
    {'1', NULL, UI_TARGET_PICK, NULL, NULL},
    {'2', NULL, UI_TARGET_PICK, NULL, NULL},
    {'3', NULL, UI_TARGET_PICK, NULL, NULL},
    {'4', NULL, UI_TARGET_PICK, NULL, NULL},
    {'5', NULL, UI_TARGET_PICK, NULL, NULL},
    {'6', NULL, UI_TARGET_PICK, NULL, NULL},
    {'7', NULL, UI_TARGET_PICK, NULL, NULL},
    {'8', NULL, UI_TARGET_PICK, NULL, NULL},
    {'9', NULL, UI_TARGET_PICK, NULL, NULL},
    /* a replay's (REPLAY_KEYS below) */
    {'>', NULL, UI_FASTER, NULL, NULL},
    {'<', NULL, UI_SLOWER, NULL, NULL},
    {'G', NULL, UI_END, NULL, NULL},
    {'\r', act_details, UI_NONE, NULL, NULL},
    {KEY_ENTER, act_details, UI_NONE, NULL, NULL},
    {KEY_ESC, act_unselect, UI_NONE, "Esc", "clear selection"},
    {'h', act_help, UI_NONE, "h ?", "this help"},
    {'?', act_help, UI_NONE, NULL, NULL},
    {KEY_CTRL_L, act_repaint, UI_NONE, "Ctrl-L", "repaint"},
    {KEY_RESIZE, act_resized, UI_NONE, NULL, NULL},
};
#define NKEYS ((int)(sizeof(keys) / sizeof(keys[0])))
/* Columns for n lines on per rows, or per + 1 without the title. */
static int
help_cols(int n, int per)
{
	int a = (n + per - 1) / per, b = (n + per) / (per + 1);

	return a < b ? a : b;
}

/* The target keys' line is on the help screen only with several targets
 * (with one, the screen is what it always was); --help has it always. */
static bool
shown_key(const struct ui *u, const struct key_binding *k)
{
	return k->pass != UI_TARGET_NEXT || u->several;
}

/* The replay keys' line: in --help, and on the help screen where it fits
 * without another column. */
#define REPLAY_KEYS_LABEL "> < G"
#define REPLAY_KEYS_HELP  "replay: faster/slower/end"

/*
 * The help screen: the key table in as many columns as the height needs;
 * the title goes when leaving it out saves a column.
 */
static void
draw_help(const struct ui *u, int rows, int cols)
{
	int i, k = 0, n = 0, per = rows - 2, ncol, colw, top = 1;
	char buf[160];

	bool replay_line;

	for (i = 0; i < NKEYS; i++)
		n += keys[i].label != NULL && shown_key(u, &keys[i]);
	replay_line = help_cols(n + 1, per) == help_cols(n, per);
	n += replay_line;
	if ((n + per - 1) / per > (n + per) / (per + 1)) {
		per++;
		top = 0;
	} else {
		put_attr(u, 0, 0, cols, "hoptop keys", A_BOLD);
	}
	ncol = (n + per - 1) / per;
	colw = cols / (ncol > 0 ? ncol : 1);
	for (i = 0; i <= NKEYS; i++) {
		if (i == NKEYS && replay_line)
			snprintf(buf, sizeof(buf), "%-7s %s", REPLAY_KEYS_LABEL,
			    REPLAY_KEYS_HELP);
		else if (i == NKEYS || keys[i].label == NULL ||
		         !shown_key(u, &keys[i]))
			continue;
		else
			snprintf(buf, sizeof(buf), "%-7s %s", keys[i].label,
			    keys[i].help);
		put_text(u, top + k % per, (k / per) * colw, colw - 1, buf);
		k++;
	}
}

/* The screen is below MIN_COLS x MIN_ROWS (the "too small" message). */
static bool
too_small(const struct ui *u)
{
	int rows, cols;

	if (!u->open || u->ended)
		return false;
	getmaxyx(stdscr, rows, cols);
	return cols < MIN_COLS || rows < MIN_ROWS;
}

void
ui_write_keys(FILE *f)
{
	fputs("Keys in the monitor:\n", f);
	for (int i = 0; i < NKEYS; i++)
		if (keys[i].label != NULL)
			fprintf(f, "  %-8s %s\n", keys[i].label, keys[i].help);
	fprintf(f, "  %-8s %s\n", REPLAY_KEYS_LABEL, REPLAY_KEYS_HELP);
}

static bool
is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

enum ui_action
ui_handle_key(struct ui *u, int key)
{
	int i;

	if (u == NULL)
		return UI_NONE;
	if (too_small(u) && key != KEY_RESIZE) /* only q acts there */
		return key == 'q' ? UI_QUIT : UI_NONE;
	u->msg[0] = '\0';
	if (key != KEY_RESIZE && u->panel == PANEL_HELP) {
		u->panel = PANEL_NONE;
		return UI_REDRAW;
	}
	if ((u->panel == PANEL_DETAILS || u->panel == PANEL_EVENTS) &&
	    (key == 'q' || key == KEY_ESC || is_enter(key))) {
		u->panel = PANEL_NONE;
		return UI_REDRAW;
	}
	if (key >= '1' && key <= '9')
		u->picked = (size_t)(key - '1');
	for (i = 0; i < NKEYS; i++)
		if (keys[i].key == key)
			return keys[i].fn != NULL ? keys[i].fn(u)
			                          : keys[i].pass;
	return UI_REDRAW;
}

enum ui_action
ui_read_key(struct ui *u)
{
	int key;

	if (u == NULL || !u->open || u->ended)
		return UI_NONE;
	key = wgetch(stdscr);
	if (key == ERR)
		return UI_NONE;
	return ui_handle_key(u, key);
}

/* ---- drawing ---- */

/* Lines the whole table needs. */
static int
table_lines(const struct ui *u, const struct path *p)
{
	int ttl, n = 0;

	for (ttl = p->first_ttl; ttl <= path_last_ttl(p); ttl++)
		n += hop_lines(u, path_hop(p, ttl));
	return n;
}

/* Under a table that does not fit: how many hops are out of view. */
static void
draw_more(const struct ui *u, const struct table *t, int cols)
{
	char buf[128];

	if (t->above == 0 && t->below == 0)
		return;
	snprintf(buf, sizeof(buf),
	    "%s%d more hop%s above, %s%d below "
	    "(Up/Down scrolls)",
	    u->utf8 ? "\u25b2 " : "^ ", t->above, t->above == 1 ? "" : "s",
	    u->utf8 ? "\u25bc " : "v ", t->below);
	put_attr(u, t->y_end, 0, cols - 1, buf, A_DIM);
}

/* Rows of the target list at this height: a title and up to
 * LIST_MAX_ROWS - 1 targets, a third of the screen at most. */
static int
list_rows(size_t n, int rows)
{
	int r = (rows - 10) / 3;

	if (n < 2)
		return 0;
	if (r > LIST_MAX_ROWS)
		r = LIST_MAX_ROWS;
	if (r > (int)n + 1)
		r = (int)n + 1;
	return r < 2 ? 2 : r;
}

/* One target: number, name, hops, destination Loss% and Avg, verdict. */
static void
draw_target_line(struct ui *u, int y, int cols, size_t i,
    const struct ui_target *t, bool sel)
{
	const struct path *p = t->path;
	int last = path_last_ttl(p), namew = cols / 4 < 16 ? 16 : cols / 4;
	const struct hop *h = path_hop(p, p->dest_ttl > 0 ? p->dest_ttl : last);
	char buf[VERDICT_TEXT_LEN + 64], num[48], v[VERDICT_TEXT_LEN];
	int x;

	verdict_path(p, &u->vd_row);
	verdict_describe(&u->vd_row, p, v, sizeof(v));
	snprintf(buf, sizeof(buf), "%c%4zu ", sel ? '>' : ' ', i + 1);
	x = put_attr(u, y, 0, cols, buf, sel ? A_REVERSE : 0);
	x += put_attr(
	    u, y, x, namew, t->name, sel ? A_REVERSE | A_BOLD : A_BOLD);
	x = 6 + namew;
	if (h != NULL && h->st.received > 0)
		snprintf(num, sizeof(num), " %3d%s %6.1f%% %7.1f  ", last,
		    p->dest_ttl > 0 ? " " : "?", stats_loss_pct(&h->st),
		    stats_avg_ns(&h->st) / 1e6);
	else if (h != NULL && h->st.sent > 0)
		snprintf(num, sizeof(num), " %3d%s %6.1f%% %7s  ", last,
		    p->dest_ttl > 0 ? " " : "?", stats_loss_pct(&h->st), "-");
	else
		snprintf(num, sizeof(num), " %4s %7s %7s  ", "-", "-", "-");
	if (x < cols)
		x += put_text(u, y, x, cols - x, num);
	if (x < cols)
		put_attr(u, y, x, cols - x, v,
		    u->vd_row.kind == VERDICT_FORWARD ? A_BOLD : 0);
}

/* The target list: a title, then a window of targets holding sel. */
static void
draw_targets(struct ui *u, const struct ui_header *h, int cols)
{
	int shown = u->list_rows - 1, y = ROW_TABLE_HEAD - 1 - u->list_rows;
	size_t first = 0, n = h->ntargets, sel = h->sel_target;
	char title[160];
	int namew = cols / 4 < 16 ? 16 : cols / 4, x;

	if (sel >= (size_t)shown / 2)
		first = sel - (size_t)shown / 2;
	if (first + (size_t)shown > n)
		first = n - (size_t)shown;
	snprintf(title, sizeof(title), "  # %-*s", namew, "Target");
	x = put_attr(u, y, 0, cols, title, A_BOLD);
	snprintf(title, sizeof(title), " Hops   Loss%%     Avg  Loss verdict");
	if (6 + namew < cols)
		put_attr(u, y, 6 + namew, cols - 6 - namew, title, A_BOLD);
	(void)x;
	for (int k = 0; k < shown; k++)
		draw_target_line(u, y + 1 + k, cols, first + (size_t)k,
		    &h->targets[first + (size_t)k], first + (size_t)k == sel);
	if (n > (size_t)shown) {
		snprintf(title, sizeof(title), "%zu-%zu of %zu (Tab, S-Tab)",
		    first + 1, first + (size_t)shown, n);
		put_right(u, y, cols - (int)strlen(title) - 1,
		    (int)strlen(title), title);
	}
}

/* Header, table (or history), details panel, status line. */
static void
draw_main(struct ui *u, const struct path *p, const struct ui_header *h,
    const struct namer *n, int rows, int cols)
{
	struct table t;
	int ttl;

	u->event[0] = '\0';
	u->list_rows =
	    h != NULL && h->targets != NULL ? list_rows(h->ntargets, rows) : 0;
	if (u->list_rows > 0)
		draw_targets(u, h, cols);
	if (p != NULL) {
		verdict_path(p, &u->vd);
		verdict_latest_event(p, u->event, sizeof(u->event));
	}
	if (h != NULL)
		draw_header(u, h, cols);
	draw_status(u, rows, cols);
	if (p == NULL)
		return;
	draw_summary(u, p, cols);
	u->first_ttl = p->first_ttl;
	u->last_ttl = path_last_ttl(p);
	if (u->sel_ttl != 0 && u->sel_ttl < u->first_ttl)
		u->sel_ttl = u->first_ttl;
	if (u->sel_ttl > u->last_ttl)
		u->sel_ttl = u->last_ttl;
	memset(&t, 0, sizeof(t));
	layout_table(u, &t.l);
	t.p = p;
	t.n = n;
	t.y = ROW_TABLE;
	t.y_end = rows - 1;
	if (table_lines(u, p) > t.y_end - t.y)
		t.y_end--; /* room for the "more" line */
	t.skip = table_skip(u, p, t.y_end - t.y);
	draw_table_head(u, &t.l);
	if (u->history)
		draw_history(u, &t);
	for (ttl = p->first_ttl; !u->history && ttl <= u->last_ttl; ttl++)
		draw_hop(u, &t, ttl);
	draw_more(u, &t, cols);
	if (u->panel == PANEL_DETAILS)
		draw_details(u, p, n, rows, cols);
	if (u->panel == PANEL_EVENTS)
		draw_events(u, p, rows, cols);
}

void
ui_draw(struct ui *u, const struct path *p, const struct ui_header *h,
    const struct namer *n)
{
	int rows, cols;

	if (u == NULL || !u->open || u->ended)
		return;
	getmaxyx(stdscr, rows, cols);
	erase();
	if (h != NULL) {
		u->drawn_wall_s = h->now;
		u->several = h->ntargets > 1;
	}
	if (cols < MIN_COLS || rows < MIN_ROWS)
		draw_too_small(u, rows, cols);
	else if (u->panel == PANEL_HELP) {
		draw_help(u, rows, cols);
		draw_status(u, rows, cols);
	} else
		draw_main(u, p, h, n, rows, cols);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- the terminal ---- */

/* Why this terminal cannot be used (into why), or false if it can. */
static bool
unusable(FILE *in, FILE *out, const char *term, char *why, size_t len)
{
	if (out == NULL || !isatty(fileno(out)))
		snprintf(why, len, "the output is not a terminal");
	else if (in == NULL || !isatty(fileno(in)))
		snprintf(why, len, "the input is not a terminal");
	else if (term == NULL || term[0] == '\0')
		snprintf(why, len, "TERM is not set");
	else if (strcmp(term, "dumb") == 0)
		snprintf(why, len, "TERM=dumb");
	else
		return false;
	return true;
}

/* Modes, colours and the view's starting state. */
static void
setup_screen(struct ui *u, const struct ui_config *cfg)
{
	short bg;

	u->cfg = *cfg;
	if (u->cfg.min_redraw_ms <= 0)
		u->cfg.min_redraw_ms = 100;
	u->names = cfg->names;
	u->show_asn = cfg->show_asn;
	u->show_mpls = cfg->show_mpls;
	u->first_ttl = u->last_ttl = 1;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	u->color = cfg->color && has_colors() && start_color() == OK;
	if (u->color) {
		bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
		init_pair(PAIR_YELLOW, COLOR_YELLOW, bg);
		init_pair(PAIR_RED, COLOR_RED, bg);
		init_pair(PAIR_CYAN, COLOR_CYAN, bg);
	}
}

/*
 * Whether terminfo knows term and it can address the cursor. Asked with
 * setupterm() first because a failing newterm() leaks inside ncurses.
 */
static bool
term_known(const char *term, int fd, char *why, size_t len)
{
	const char *cup;
	int err = 0;
	bool ok;

	if (setupterm(term, fd, &err) != OK) {
		snprintf(why, len, "unknown terminal type TERM=%s", term);
		return false;
	}
	cup = tigetstr("cup");
	ok = cup != NULL && cup != (char *)-1;
	if (!ok)
		snprintf(why, len, "TERM=%s cannot move the cursor", term);
	del_curterm(cur_term);
	return ok;
}

/* The terminal on (in, out), or NULL with why filled in. */
static SCREEN *
open_screen(
    struct ui *u, FILE *in, FILE *out, const char *term, char *why, size_t len)
{
	SCREEN *scr;

	if (unusable(in, out, term, why, len) ||
	    !term_known(term, fileno(out), why, len))
		return NULL;
	setlocale(LC_CTYPE, "");
	u->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	scr = newterm(term, out, in);
	if (scr == NULL)
		snprintf(why, len, "cannot open the terminal TERM=%s", term);
	return scr;
}

struct ui *
ui_open(const struct ui_config *cfg, FILE *in, FILE *out, const char *term,
    char *err, size_t errlen)
{
	static const struct ui_config defaults = {
	    NAMES_HOST, true, false, false, 100};
	struct ui *u = &the_ui;
	char why[128];

	if (u->open) {
		snprintf(err, errlen, "the terminal is already open");
		errno = EBUSY;
		return NULL;
	}
	memset(u, 0, sizeof(*u));
	u->scr = open_screen(
	    u, in, out, term ? term : getenv("TERM"), why, sizeof(why));
	if (u->scr == NULL) {
		snprintf(err, errlen,
		    "the live monitor needs a terminal (%s); use --report for "
		    "a text report",
		    why);
		errno = ENOTTY;
		return NULL;
	}
	u->in = in;
	u->out = out;
	setup_screen(u, cfg ? cfg : &defaults);
	u->open = true;
	return u;
}

void
ui_close(struct ui *u)
{
	if (u == NULL || !u->open)
		return;
	if (!u->ended)
		endwin();
	delscreen(u->scr);
	u->scr = NULL;
	u->open = false;
	u->ended = false;
}

void
ui_emergency_restore(void)
{
	if (the_ui.open && !the_ui.ended) {
		endwin();
		the_ui.ended = true;
	}
}

int
ui_fd(const struct ui *u)
{
	return u != NULL && u->in != NULL ? fileno(u->in) : -1;
}

/* Asks the output fd for the size; curses reflows on the next draw. */
void
ui_resize(struct ui *u)
{
	struct winsize ws;

	if (u == NULL || !u->open || u->ended)
		return;
	if (ioctl(fileno(u->out), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

/*
 * Dirty: min_redraw_ms after the last draw (or now). Clean: when the wall
 * clock's second moves on from the one drawn, so the header clock ticks.
 */
int64_t
ui_next_redraw(const struct ui *u, bool dirty, int64_t now_ns)
{
	int64_t soon, real, due;

	if (u == NULL || !u->open)
		return CLOCK_NEVER;
	if (!u->drawn)
		return now_ns;
	soon = u->drawn_ns + (int64_t)u->cfg.min_redraw_ms * NS_PER_MS;
	real = clock_real_ns();
	if (dirty || real / NS_PER_S != (int64_t)u->drawn_wall_s)
		due = soon;
	else
		due = now_ns + (NS_PER_S - real % NS_PER_S) + NS_PER_MS;
	return due < now_ns ? now_ns : due;
}

void
ui_mark_drawn(struct ui *u, int64_t now_ns)
{
	if (u == NULL)
		return;
	u->drawn = true;
	u->drawn_ns = now_ns;
}

void
ui_message(struct ui *u, const char *fmt, ...)
{
	va_list ap;

	if (u == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(u->msg, sizeof(u->msg), fmt, ap);
	va_end(ap);
}

void
ui_view(const struct ui *u, struct report_view *out)
{
	out->namer = NULL;
	out->mode = u ? u->names : NAMES_HOST;
	out->cols = u && u->jitter ? column_set_jitter : column_set_default;
	out->ncols =
	    u && u->jitter ? column_set_jitter_n : column_set_default_n;
}

enum name_mode
ui_name_mode(const struct ui *u)
{
	return u ? u->names : NAMES_HOST;
}

int
ui_selected_ttl(const struct ui *u)
{
	return u != NULL ? u->sel_ttl : 0;
}

size_t
ui_picked_target(const struct ui *u)
{
	return u != NULL ? u->picked : 0;
}
