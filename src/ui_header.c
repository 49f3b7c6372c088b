/*
 * ui_header: the screen's first three lines (version, tags and clock; the
 * route; protocol, pace and state), its last line (a message, the newest
 * event or key hints) and the "terminal too small" screen. It draws the
 * ui_header it is given: the clock is h->now, read by the caller.
 */
#include "ui_private.h"

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
	x = ui_put_attr(u, 0, 0, cols - 10, buf, A_BOLD) + 2;
	if (h->simulated)
		x += ui_put_attr(
		         u, 0, x, cols - 10 - x, " SIMULATED ", tag_attr(u)) +
		     2;
	if (h->note != NULL && x < cols - 10) {
		snprintf(buf, sizeof(buf), "names: %s", h->note);
		ui_put_attr(u, 0, x, cols - 10 - x, buf,
		    u->color ? COLOR_PAIR(PAIR_YELLOW) : A_BOLD);
	}
	if (localtime_r(&h->now, &tm) != NULL &&
	    strftime(clk, sizeof(clk), "%H:%M:%S", &tm) > 0)
		ui_put_right(u, 0, cols - 9, 8, clk);
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
	ui_put_text(u, 1, 0, cols, buf);
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

	ui_text_interval(h->interval_s, iv, sizeof(iv));
	snprintf(rest, sizeof(rest),
	    "%s%d probe%s/hop%sinterval %s s%scycle %u%s", sep, h->probes,
	    h->probes == 1 ? "" : "s", sep, iv, sep, h->cycles, sep);
	snprintf(buf, sizeof(buf), "%s (%s)%s", h->proto ? h->proto : "",
	    h->method ? h->method : "", rest);
	if (ui_text_width(u->utf8, buf) > room)
		snprintf(
		    buf, sizeof(buf), "%s%s", h->proto ? h->proto : "", rest);
	x = ui_put_text(u, 2, 0, room, buf);
	ui_put_attr(u, 2, x, cols - x, state,
	    h->paused || h->replay != NULL ? A_BOLD | A_REVERSE : 0);
}

void
ui_draw_header(const struct ui *u, const struct ui_header *h, int cols)
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
		if (ui_text_width(u->utf8, buf) +
		        ui_text_width(u->utf8, hint[i]) + 2 +
		        (int)strlen(help) >
		    w)
			break;
		o +=
		    (size_t)snprintf(buf + o, sizeof(buf) - o, "%s  ", hint[i]);
	}
	snprintf(buf + o, sizeof(buf) - o, "%s", help);
	ui_put_text(u, y, 0, w, buf);
}

/* The newest event in words, then the keys to see more. */
static void
draw_event_status(const struct ui *u, int y, int w)
{
	int x = ui_put_attr(u, y, 0, w, u->event, A_BOLD);

	ui_put_text(u, y, x, w - x, "   l events  ? help");
}

void
ui_draw_status(const struct ui *u, int rows, int cols)
{
	if (u->msg[0] != '\0')
		ui_put_attr(u, rows - 1, 0, cols - 1, u->msg, A_BOLD);
	else if (u->panel == PANEL_NONE && u->event[0] != '\0')
		draw_event_status(u, rows - 1, cols - 1);
	else if (u->panel == PANEL_EVENTS)
		ui_put_text(u, rows - 1, 0, cols - 1,
		    u->utf8 ? "Esc/\u23ce/q/l close" : "Esc/Enter/q/l close");
	else if (u->panel == PANEL_HELP)
		ui_put_text(u, rows - 1, 0, cols - 1,
		    "press any key to close the help");
	else if (u->panel == PANEL_DETAILS)
		ui_put_text(u, rows - 1, 0, cols - 1,
		    u->utf8 ? "Esc/\u23ce/q close  \u2191\u2193 other hop"
		            : "Esc/Enter/q close  Up/Down other hop");
	else
		draw_hints(u, rows - 1, cols - 1);
}

void
ui_draw_too_small(const struct ui *u, int rows, int cols)
{
	char need[64], full[128];
	const char *line[3];
	int y = rows / 2, w, i;

	snprintf(need, sizeof(need), "need %dx%d, have %dx%d", MIN_COLS,
	    MIN_ROWS, cols, rows);
	snprintf(full, sizeof(full), "terminal too small: %s (q quits)", need);
	w = (int)strlen(full);
	if (w <= cols) {
		ui_put_text(u, y, (cols - w) / 2, cols, full);
		return;
	}
	line[0] = "terminal too small";
	line[1] = need;
	line[2] = "q quits";
	for (i = 0; i < 3; i++) {
		w = (int)strlen(line[i]);
		if (y - 1 + i >= 0 && y - 1 + i < rows)
			ui_put_text(u, y - 1 + i, w < cols ? (cols - w) / 2 : 0,
			    cols, line[i]);
	}
}
