/*
 * ui: the full-screen front end on ncursesw; with the other ui_*.c files
 * (ui_private.h) the only ones that include curses. It reads the model
 * (const) and draws it; keys that change only the view are handled here, the
 * others go back to the loop as actions.
 *
 * Screen: three header lines (ui_header.c), a blank line, the table header, the
 * table (one line per hop, plus lines for further responders and MPLS labels),
 * and a status line. Everything goes through ui_put_text(), which clips to a
 * width (never wraps) and replaces control bytes (ui_text_fit, in
 * ui_text.c), so names from the network cannot move the cursor.
 */
#include "ui_private.h"

/* One terminal per process: the fatal hook needs to find it anyway. */
static struct ui the_ui;

/* ---- text ---- */

/* Draws s at (y, x) clipped to w columns; returns the columns used. */
int
ui_put_text(const struct ui *u, int y, int x, int w, const char *s)
{
	char buf[TEXT_MAX];
	int used;

	if (w <= 0)
		return 0;
	used = ui_text_fit(u->utf8, s, w, buf);
	mvaddstr(y, x, buf);
	return used;
}

/* Draws s right-aligned in the w columns starting at x. */
void
ui_put_right(const struct ui *u, int y, int x, int w, const char *s)
{
	char buf[TEXT_MAX];
	int used;

	if (w <= 0)
		return;
	used = ui_text_fit(u->utf8, s, w, buf);
	mvaddstr(y, x + w - used, buf);
}

/* put_text with attributes. */
int
ui_put_attr(const struct ui *u, int y, int x, int w, const char *s, attr_t a)
{
	int used;

	attron(a);
	used = ui_put_text(u, y, x, w, s);
	attroff(a);
	return used;
}

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

/* Counts a hop whose first line did not fit (y < 0) as above or below. */
void
ui_count_hidden(struct table *t, int y)
{
	if (y >= 0)
		return;
	if (t->y >= t->y_end)
		t->below++;
	else
		t->above++;
}

/* The row for the next table line, or -1 (scrolled away or no room). */
int
ui_next_row(struct table *t)
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
		ui_put_right(u, y, l->colx[i], c->width, buf);
		attroff(a);
	}
}

/* "AS64512" in the AS field when shown and known. */
void
ui_draw_asn(
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
	ui_put_text(u, y, HOP_PREFIX, ASN_W - 1, buf);
}

/* One line per MPLS label, under its responder. */
static void
draw_mpls(const struct ui *u, struct table *t, const struct mpls_stack *m)
{
	char buf[96];
	int i, y;

	for (i = 0; u->show_mpls && i < m->n && i < MPLS_MAX_LABELS; i++) {
		y = ui_next_row(t);
		if (y < 0)
			continue;
		ui_put_text(u, y, t->l.hostx + 2, t->l.hostw - 2,
		    packet_mpls_text(&m->l[i], buf, sizeof(buf)));
	}
}

/* Indices of h's responders, most replies first. */
int
ui_sort_responders(const struct hop *h, int *idx)
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

	snprintf(share, sizeof(share), "  (%.0f%%)", hop_share_pct(h, r));
	names_format(t->n, u->names, &r->addr, host, sizeof(host));
	ui_draw_asn(u, t, y, &r->addr);
	x += ui_put_text(u, y, x, t->l.hostw, u->utf8 ? "\u21b3 " : "`- ");
	sw = (int)strlen(share);
	x += ui_put_text(u, y, x, t->l.hostx + t->l.hostw - x - sw, host);
	ui_put_text(u, y, x, t->l.hostx + t->l.hostw - x, share);
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
	ui_put_attr(u, y, l->colx[i] + w, 1, mark, A_BOLD);
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
	ui_put_attr(u, y, l->hostx + l->hostw - w - 1, w + 1, tag, A_BOLD);
}

/* Row y's "NN." and host field: responder m's name or address, or "???". */
void
ui_draw_hop_name(const struct ui *u, struct table *t, int y, int ttl,
    const struct responder *m)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%3d.", ttl);
	mvaddstr(y, 0, buf);
	ui_draw_asn(u, t, y, m ? &m->addr : NULL);
	if (m != NULL)
		names_format(t->n, u->names, &m->addr, buf, sizeof(buf));
	ui_put_text(u, y, t->l.hostx, t->l.hostw, m ? buf : "???");
}

/* A hop: its line, its MPLS labels, then its other responders. */
static void
draw_hop(const struct ui *u, struct table *t, int ttl)
{
	const struct hop *h = path_hop(t->p, ttl);
	const struct responder *m = h ? hop_current_responder(h) : NULL;
	int idx[HOP_MAX_RESPONDERS], i, n, y = ui_next_row(t);

	ui_count_hidden(t, y);
	if (y >= 0) {
		ui_draw_hop_name(u, t, y, ttl, m);
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
	n = ui_sort_responders(h, idx);
	for (i = 0; i < n; i++) {
		if (&h->resp[idx[i]] == m)
			continue;
		y = ui_next_row(t);
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
		ui_put_text(u, ROW_TABLE_HEAD, HOP_PREFIX, ASN_W, "AS");
	ui_put_text(u, ROW_TABLE_HEAD, l->hostx, l->hostw, "Host");
	for (i = 0; !u->history && i < l->n; i++) {
		c = column_get(l->ids[i]);
		ui_put_right(u, ROW_TABLE_HEAD, l->colx[i], c->width, c->title);
	}
	attroff(A_BOLD);
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
	ui_put_attr(u, t->y_end, 0, cols - 1, buf, A_DIM);
}

/* Header, table (or history), details panel, status line. */
static void
draw_main(struct ui *u, const struct path *p, const struct ui_header *h,
    const struct namer *n, int rows, int cols)
{
	struct table t;
	int ttl;

	u->event[0] = '\0';
	u->list_rows = h != NULL && h->targets != NULL
	                   ? ui_list_rows(h->ntargets, rows)
	                   : 0;
	if (u->list_rows > 0)
		ui_draw_targets(u, h, cols);
	if (p != NULL) {
		verdict_path(p, &u->vd);
		verdict_latest_event(p, u->event, sizeof(u->event));
	}
	if (h != NULL)
		ui_draw_header(u, h, cols);
	ui_draw_status(u, rows, cols);
	if (p == NULL)
		return;
	ui_draw_summary(u, p, cols);
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
		ui_draw_history(u, &t);
	for (ttl = p->first_ttl; !u->history && ttl <= u->last_ttl; ttl++)
		draw_hop(u, &t, ttl);
	draw_more(u, &t, cols);
	if (u->panel == PANEL_DETAILS)
		ui_draw_details(u, p, n, rows, cols);
	if (u->panel == PANEL_EVENTS)
		ui_draw_events(u, p, rows, cols);
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
		ui_draw_too_small(u, rows, cols);
	else if (u->panel == PANEL_HELP) {
		ui_draw_help(u, rows, cols);
		ui_draw_status(u, rows, cols);
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
	    NAMES_HOST, true, false, false, 100, NULL};
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
	/* the clock the header shows: the same seconds */
	real = clock_now(u->cfg.wall != NULL ? u->cfg.wall : &clock_wall);
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
