/*
 * ui_targets: the target list of a run with several targets, above the
 * selected target's hop table. One line per target: number, name, hops,
 * the destination's Loss% and Avg, and the loss verdict; a window of the
 * list that keeps the selected target in view.
 */
#include <stdio.h>
#include <string.h>

#include "ui_private.h"

#define LIST_MAX_ROWS 12

int
ui_list_rows(size_t n, int rows)
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

static int
name_width(int cols)
{
	return cols / 4 < 16 ? 16 : cols / 4;
}

/* One target: number, name, hops, destination Loss% and Avg, verdict. */
static void
draw_line(struct ui *u, int y, int cols, size_t i, const struct ui_target *t,
    bool sel)
{
	const struct path *p = t->path;
	int last = path_last_ttl(p), namew = name_width(cols), x;
	const struct hop *h = path_hop(p, p->dest_ttl > 0 ? p->dest_ttl : last);
	char buf[64], num[64], v[VERDICT_TEXT_LEN];
	const char *known = p->dest_ttl > 0 ? " " : "?";

	verdict_path(p, &u->vd_row);
	verdict_describe(&u->vd_row, p, v, sizeof(v));
	snprintf(buf, sizeof(buf), "%c%4zu ", sel ? '>' : ' ', i + 1);
	ui_put_attr(u, y, 0, cols, buf, sel ? A_REVERSE : 0);
	ui_put_attr(u, y, 6, namew, t->name, sel ? A_REVERSE | A_BOLD : A_BOLD);
	x = 6 + namew;
	if (h != NULL && h->st.received > 0)
		snprintf(num, sizeof(num), " %3d%s %6.1f%% %7.1f  ", last,
		    known, stats_loss_pct(&h->st), stats_avg_ns(&h->st) / 1e6);
	else if (h != NULL && h->st.sent > 0)
		snprintf(num, sizeof(num), " %3d%s %6.1f%% %7s  ", last, known,
		    stats_loss_pct(&h->st), "-");
	else
		snprintf(num, sizeof(num), " %4s %7s %7s  ", "-", "-", "-");
	if (x < cols)
		x += ui_put_text(u, y, x, cols - x, num);
	if (x < cols)
		ui_put_attr(u, y, x, cols - x, v,
		    u->vd_row.kind == VERDICT_FORWARD ? A_BOLD : 0);
}

void
ui_draw_targets(struct ui *u, const struct ui_header *h, int cols)
{
	int shown = u->list_rows - 1, y = ROW_TABLE_HEAD - 1 - u->list_rows;
	int namew = name_width(cols), w;
	size_t first = 0, n = h->ntargets, sel = h->sel_target;
	char buf[160];

	if (sel >= (size_t)shown / 2)
		first = sel - (size_t)shown / 2;
	if (first + (size_t)shown > n)
		first = n - (size_t)shown;
	snprintf(buf, sizeof(buf), "  # %-*s", namew, "Target");
	ui_put_attr(u, y, 0, cols, buf, A_BOLD);
	if (6 + namew < cols)
		ui_put_attr(u, y, 6 + namew, cols - 6 - namew,
		    " Hops   Loss%     Avg  Loss verdict", A_BOLD);
	for (int k = 0; k < shown; k++)
		draw_line(u, y + 1 + k, cols, first + (size_t)k,
		    &h->targets[first + (size_t)k], first + (size_t)k == sel);
	if (n > (size_t)shown) {
		snprintf(buf, sizeof(buf), "%zu-%zu of %zu (Tab, S-Tab)",
		    first + 1, first + (size_t)shown, n);
		w = (int)strlen(buf);
		if (w < cols)
			ui_put_attr(u, y, cols - w - 1, w, buf, 0);
	}
}
