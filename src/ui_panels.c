/*
 * ui_panels: the history view (one glyph per sample) and the panels over
 * the table: a hop's details, the events, the loss summary line.
 */
#include "ui_private.h"

static const char *const bars_utf8[] = {"\u2581", "\u2582", "\u2583", "\u2584",
    "\u2585", "\u2586", "\u2587", "\u2588"};
static const char *const bars_ascii[] = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

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
void
ui_draw_history(const struct ui *u, struct table *t)
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
	ui_put_attr(u, ROW_TABLE_HEAD, s.x, s.w, buf, A_BOLD);
	for (ttl = t->p->first_ttl; ttl <= path_last_ttl(t->p); ttl++) {
		if ((y = ui_next_row(t)) < 0) {
			ui_count_hidden(t, y);
			continue;
		}
		h = path_hop(t->p, ttl);
		m = h ? hop_main_responder(h) : NULL;
		ui_draw_hop_name(u, t, y, ttl, m);
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
	ui_put_attr(u, b->top, b->left + 2, b->w - 4, title, A_BOLD);
}

/* A line of text inside the box; nothing once the box is full. */
static void
box_line(const struct ui *u, struct box *b, const char *s, attr_t a)
{
	if (b->y >= b->top + b->h - 1)
		return;
	ui_put_attr(u, b->y++, b->left + 2, b->w - 4, s, a);
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
			snprintf(
			    cell, sizeof(cell), "%.1f%%", hop_share_pct(h, r));
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
	char mp[PACKET_MPLS_TEXT];
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
		snprintf(buf, sizeof(buf), "      %s",
		    packet_mpls_text(l, mp, sizeof(mp)));
		box_line(u, b, buf, 0);
	}
}

/* The details panel over the table: every responder of the selected hop. */
void
ui_draw_details(const struct ui *u, const struct path *p, const struct namer *n,
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
	nr = ui_sort_responders(h, idx);
	for (i = 0; i < nr; i++)
		detail_responder(u, &b, n, h, &h->resp[idx[i]]);
}

/* The events panel: the verdict, then the timeline, newest first. */
void
ui_draw_events(const struct ui *u, const struct path *p, int rows, int cols)
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
void
ui_draw_summary(const struct ui *u, const struct path *p, int cols)
{
	char buf[VERDICT_TEXT_LEN + 8] = "Loss: ";
	attr_t a = u->vd.kind != VERDICT_FORWARD ? 0
	           : u->color                    ? COLOR_PAIR(PAIR_RED) | A_BOLD
	                                         : A_BOLD;

	verdict_describe(&u->vd, p, buf + 6, sizeof(buf) - 6);
	ui_put_attr(u, ROW_TABLE_HEAD - 1, 0, cols, buf, a);
}
