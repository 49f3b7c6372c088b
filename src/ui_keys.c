/*
 * ui_keys: the key table (one list for the screen, the help panel and
 * --help), the view actions it maps keys to, and the help panel.
 */
#include "ui_private.h"

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
    /* several targets (on the help screen only then: shown_key) */
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

/* The replay keys' line: in --help, and on the help screen where it fits
 * without another column. */
#define REPLAY_KEYS_LABEL "> < G"

/* The target keys' line is on the help screen only with several targets
 * (with one, the screen is what it always was); --help has it always. */
static bool
shown_key(const struct ui *u, const struct key_binding *k)
{
	return k->pass != UI_TARGET_NEXT || u->several;
}
#define REPLAY_KEYS_HELP "replay: faster/slower/end"

/*
 * The help screen: the key table in as many columns as the height needs;
 * the title goes when leaving it out saves a column.
 */
void
ui_draw_help(const struct ui *u, int rows, int cols)
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
		ui_put_attr(u, 0, 0, cols, "hoptop keys", A_BOLD);
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
		ui_put_text(u, top + k % per, (k / per) * colw, colw - 1, buf);
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
