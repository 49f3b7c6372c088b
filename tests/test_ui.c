/*
 * ui tests: the screen is drawn into a real ncurses screen on a pty of a
 * fixed size, then read back from curses itself (mvinnwstr, mvinch) and
 * asserted as text. Keys are written to the pty's master side.
 * HOPTOP_UI_DUMP=1 in the environment prints every drawn screen to stderr.
 */
#define NCURSES_WIDECHAR 1

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <cmocka.h>

#include <curses.h>

#include "hoptop/clock.h"
#include "hoptop/column.h"
#include "hoptop/ui.h"

#define LONG_NAME                                                       \
	"a-very-long-host-name-that-will-never-fit-in-the-host-column." \
	"example.net"
#define UTF8  "C.UTF-8"
#define ASCII "C"

/* ---- a pty with a curses screen on its slave side ---- */

struct term {
	int master, slave;
	FILE *in, *out;
	struct ui *u;
};

static struct term T;
static struct path *P; /* the test's path, freed by teardown */

/* Reads what curses wrote, so the slave never blocks on a full pty. */
static void
drain(void)
{
	char buf[8192];

	while (read(T.master, buf, sizeof(buf)) > 0)
		;
}

static void
term_size(int cols, int rows)
{
	struct winsize ws = {
	    .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};

	assert_int_equal(ioctl(T.master, TIOCSWINSZ, &ws), 0);
}

/* Opens a pty pair of the given size (no ui yet). */
static void
pty_open(int cols, int rows)
{
	T.master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(T.master >= 0);
	assert_int_equal(grantpt(T.master), 0);
	assert_int_equal(unlockpt(T.master), 0);
	T.slave = open(ptsname(T.master), O_RDWR | O_NOCTTY);
	assert_true(T.slave >= 0);
	assert_int_equal(fcntl(T.master, F_SETFL, O_NONBLOCK), 0);
	term_size(cols, rows);
	T.in = fdopen(T.slave, "r");
	T.out = fdopen(dup(T.slave), "w");
	assert_non_null(T.in);
	assert_non_null(T.out);
}

static void
pty_close(void)
{
	drain();
	fclose(T.in);
	fclose(T.out);
	close(T.master);
	memset(&T, 0, sizeof(T));
}

static struct ui_config
config(enum name_mode mode, bool color)
{
	struct ui_config c = {mode, color, false, false, 100, NULL};

	return c;
}

/* A screen of cols x rows in the given locale. */
static struct ui *
term_open(int cols, int rows, const char *locale, const struct ui_config *c)
{
	char err[256] = "";

	pty_open(cols, rows);
	setenv("LC_ALL", locale, 1);
	T.u = ui_open(c, T.in, T.out, "xterm-256color", err, sizeof(err));
	if (T.u == NULL)
		fail_msg("ui_open: %s", err);
	drain();
	return T.u;
}

static void
term_close(void)
{
	ui_close(T.u);
	pty_close();
}

/* Writes seq as typed keys and reads one key back through the ui. */
static enum ui_action
press(const char *seq)
{
	struct pollfd pfd = {.fd = T.slave, .events = POLLIN};
	enum ui_action a;

	assert_int_equal(
	    write(T.master, seq, strlen(seq)), (ssize_t)strlen(seq));
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	a = ui_read_key(T.u);
	assert_int_equal(ui_read_key(T.u), UI_NONE); /* one key, no more */
	return a;
}

/*
 * Screen row y as UTF-8 (or ASCII) text, trailing blanks cut. The buffer
 * is reused after 8 calls: copy it to keep it longer.
 */
static const char *
row(int y)
{
	static char bufs[8][2048];
	static int k;
	char *b = bufs[k++ % 8], mb[MB_LEN_MAX];
	wchar_t w[600];
	size_t o = 0, n;
	mbstate_t st;
	int i;

	memset(w, 0, sizeof(w));
	if (mvinnwstr(y, 0, w, COLS) == ERR)
		return "";
	for (i = 0; w[i] != 0 && o + MB_LEN_MAX < sizeof(bufs[0]); i++) {
		memset(&st, 0, sizeof(st));
		n = wcrtomb(mb, w[i], &st);
		if (n == (size_t)-1)
			b[o++] = '?';
		else {
			memcpy(b + o, mb, n);
			o += n;
		}
	}
	while (o > 0 && b[o - 1] == ' ')
		o--;
	b[o] = '\0';
	return b;
}

/* The first row that contains s, or -1. */
static int
find(const char *s)
{
	int y;

	for (y = 0; y < LINES; y++)
		if (strstr(row(y), s) != NULL)
			return y;
	return -1;
}

/* The first row that starts with s, or -1. */
static int
find_start(const char *s)
{
	int y;

	for (y = 0; y < LINES; y++)
		if (strncmp(row(y), s, strlen(s)) == 0)
			return y;
	return -1;
}

/* The column where s starts in row y (s must be there). */
static int
col_of(int y, const char *s)
{
	const char *r = row(y), *at = strstr(r, s);

	assert_non_null(at);
	return (int)(at - r);
}

static void
dump_screen(void)
{
	int y;

	for (y = 0; y < LINES; y++)
		fprintf(stderr, "%2d|%s\n", y, row(y));
}

#define assert_row(s)                                         \
	do {                                                  \
		if (find(s) < 0) {                            \
			dump_screen();                        \
			fail_msg("not on screen: \"%s\"", s); \
		}                                             \
	} while (0)

#define assert_no_row(s)                                  \
	do {                                              \
		if (find(s) >= 0) {                       \
			dump_screen();                    \
			fail_msg("on screen: \"%s\"", s); \
		}                                         \
	} while (0)

/* ---- the model ---- */

struct name_entry {
	const char *addr, *name;
	uint32_t asn;
};

static const struct name_entry name_tab[] = {
    {"10.78.0.1", "gw.example.net", 64512},
    {"10.78.1.1", "core1.example.net", 64513},
    {"10.78.9.9", LONG_NAME, 0},
};

static const struct name_entry *
lookup(const struct haddr *a)
{
	char s[ADDR_STRLEN];
	size_t i;

	addr_str(a, s, sizeof(s));
	for (i = 0; i < sizeof(name_tab) / sizeof(name_tab[0]); i++)
		if (strcmp(name_tab[i].addr, s) == 0)
			return &name_tab[i];
	return NULL;
}

static int
tab_name(void *ctx, const struct haddr *a, char *buf, size_t len)
{
	const struct name_entry *e = lookup(a);

	(void)ctx;
	if (e == NULL)
		return 0;
	snprintf(buf, len, "%s", e->name);
	return 1;
}

static int
tab_asn(void *ctx, const struct haddr *a, uint32_t *asn)
{
	const struct name_entry *e = lookup(a);

	(void)ctx;
	if (e == NULL || e->asn == 0)
		return 0;
	*asn = e->asn;
	return 1;
}

static const struct namer namer = {tab_name, tab_asn, NULL};

static struct haddr
ip(const char *s)
{
	struct haddr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

/*
 * Hop 1: 10.78.0.1, 1 ms. Hop 2: 10.78.1.1 (6 replies, 5 ms) and
 * 10.78.7.2 (3 replies, 10 ms, an MPLS label), one loss. Hop 3: silent.
 * Hop 4: the target, 10 ms.
 */
static struct path *
sample_path(void)
{
	struct haddr t = ip("10.78.9.9"), a1 = ip("10.78.0.1"),
	             a2 = ip("10.78.1.1"), a3 = ip("10.78.7.2");
	struct mpls_stack m = {1, {{24001, 0, 1, 254}}};
	struct path *p = P = path_new(&t, 1, 30);
	uint16_t seq = 0;
	int i, ttl;

	for (i = 0; i < 10; i++) {
		int64_t t0 = (i + 1) * NS_PER_S;

		for (ttl = 1; ttl <= 4; ttl++)
			path_probe_sent(p, ttl);
		path_reply(p, 1, &a1, t0, 1 * NS_PER_MS, seq++, 0, false, NULL);
		if (i == 9)
			path_loss(p, 2, t0, seq++);
		else if (i % 3 == 2)
			path_reply(p, 2, &a3, t0, 10 * NS_PER_MS, seq++,
			    (uint16_t)(i % 2), false, &m);
		else
			path_reply(p, 2, &a2, t0, 5 * NS_PER_MS, seq++,
			    (uint16_t)(i % 2), false, NULL);
		path_loss(p, 3, t0, seq++);
		path_reply(p, 4, &t, t0, 10 * NS_PER_MS, seq++, 0, true, NULL);
	}
	return p;
}

static struct ui_header
header(void)
{
	struct ui_header h = {.version = "0.1.0",
	    .source = "hostA",
	    .target_name = "target.example",
	    .proto = "ICMP",
	    .method = "raw socket",
	    .probes = 1,
	    .interval_s = 1.0,
	    .cycles = 12,
	    .now = 13 * 3600 + 14 * 60 + 15};

	h.target_addr = ip("10.78.9.9");
	return h;
}

static void
draw(const struct path *p, const struct ui_header *h)
{
	ui_draw(T.u, p, h, &namer);
	drain();
	if (getenv("HOPTOP_UI_DUMP") != NULL) { /* to see every screen */
		fprintf(stderr, "---- %dx%d\n", COLS, LINES);
		dump_screen();
	}
}

/* The text of column `title` in row r, right-aligned under the title. */
static void
assert_cell(
    const char *head, const char *r, const char *title, const char *want)
{
	const char *t = strstr(strstr(head, "Host"), title);
	size_t end, n = strlen(want);

	assert_non_null(t);
	end = (size_t)(t - head) + strlen(title);
	assert_true(strlen(r) >= end);
	if (strncmp(r + end - n, want, n) != 0 ||
	    (end > n && r[end - n - 1] != ' '))
		fail_msg("column %s: want \"%s\" in \"%s\"", title, want, r);
}

/* ---- tests ---- */

static void
test_ui_open_fails_without_terminal(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	char err[256];
	FILE *in, *out;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	in = fdopen(fds[0], "r");
	out = fdopen(fds[1], "w");
	assert_null(ui_open(&c, in, out, "xterm", err, sizeof(err)));
	assert_non_null(strstr(err, "not a terminal"));
	assert_non_null(strstr(err, "use --report for a text report"));
	fclose(out);

	pty_open(80, 24);
	assert_null(ui_open(&c, in, T.out, "xterm", err, sizeof(err)));
	assert_string_equal(err, "the live monitor needs a terminal "
	                         "(the input is not a terminal); use "
	                         "--report for a text report");
	assert_int_equal(errno, ENOTTY);
	assert_null(ui_open(&c, T.in, T.out, "dumb", err, sizeof(err)));
	assert_string_equal(err, "the live monitor needs a terminal "
	                         "(TERM=dumb); use --report for a text report");
	assert_null(
	    ui_open(&c, T.in, T.out, "no-such-term-hoptop", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown terminal type"));
	unsetenv("TERM");
	assert_null(ui_open(&c, T.in, T.out, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "TERM is not set"));
	pty_close();
	fclose(in);
}

static void
test_ui_open_once_and_close_twice(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	char err[256];

	(void)state;
	term_open(80, 24, ASCII, &c);
	assert_int_equal(ui_fd(T.u), T.slave);
	assert_null(ui_open(&c, T.in, T.out, "xterm", err, sizeof(err)));
	ui_emergency_restore();
	ui_emergency_restore();
	ui_close(T.u);
	ui_close(T.u);
	ui_close(NULL);
	/* and it opens again */
	T.u = ui_open(&c, T.in, T.out, "xterm", err, sizeof(err));
	assert_non_null(T.u);
	term_close();
}

static void
test_ui_draw_header(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	assert_int_equal(find_start("hoptop 0.1.0"), 0);
	assert_non_null(strstr(row(0), "13:14:15"));
	assert_int_equal(strlen(row(0)), 99); /* the clock ends at col 99 */
	assert_null(strstr(row(0), "SIMULATED"));
	assert_string_equal(row(1), "hostA -> target.example (10.78.9.9)");
	assert_string_equal(row(2), "ICMP (raw socket) | 1 probe/hop | "
	                            "interval 1.0 s | cycle 12 | Running");
	h.simulated = true;
	h.method = "simulated";
	h.paused = true;
	h.probes = 3;
	h.interval_s = 0.25;
	h.cycles = 7;
	draw(p, &h);
	assert_int_equal(find(" SIMULATED "), 0);
	assert_true(mvinch(0, col_of(0, "SIMULATED")) & A_REVERSE);
	assert_string_equal(row(2), "ICMP (simulated) | 3 probes/hop | "
	                            "interval 0.25 s | cycle 7 | Paused");
	term_close();
}

static void
test_ui_draw_header_utf8(void **state)
{
	struct ui_config c = config(NAMES_ADDR, true);
	struct ui_header h = header();
	struct path *p = P = sample_path();

	(void)state;
	term_open(100, 30, UTF8, &c);
	draw(p, &h);
	assert_string_equal(row(2), "ICMP (raw socket) \u00b7 1 probe/hop "
	                            "\u00b7 interval 1.0 s \u00b7 cycle 12 "
	                            "\u00b7 Running");
	assert_row("\u2191\u2193 select");
	term_close();
}

/* A problem with names (a dead resolver) shows in the title line. */
static void
test_ui_draw_header_note(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();

	(void)state;
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	assert_null(strstr(row(0), "names:"));
	h.note = "the DNS server does not answer";
	draw(p, &h);
	assert_non_null(
	    strstr(row(0), "names: the DNS server does not answer"));
	assert_non_null(strstr(row(0), "hoptop "));
	term_close();
}

/* Rows, the silent hop, the second responder and aligned columns. */
static void
test_ui_draw_table_rows(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();
	const struct hop *h2 = path_hop(p, 2);
	char want[64], head[2048], r[2048];
	int i;

	(void)state;
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	snprintf(head, sizeof(head), "%s", row(4));
	assert_int_equal(strncmp(head, "  #  Host", 9), 0);
	assert_int_equal(strlen(head), 100);
	assert_string_equal(head + 100 - 5, "StDev");
	assert_int_equal(find_start("  1. 10.78.0.1"), 5);
	assert_int_equal(find_start("  2. 10.78.1.1"), 6);
	assert_int_equal(find_start("     `- 10.78.7.2  (33%)"), 7);
	assert_int_equal(find_start("  3. ???"), 8);
	assert_int_equal(find_start("  4. 10.78.9.9"), 9);
	assert_string_equal(row(10), "");
	snprintf(r, sizeof(r), "%s", row(6));
	for (i = 0; i < column_set_default_n; i++) {
		const struct column *col = column_get(column_set_default[i]);

		column_format(col->id, &h2->st, want, sizeof(want));
		assert_cell(head, r, col->title, want);
	}
	assert_cell(head, r, "Loss%", "10.0%");
	assert_cell(head, r, "Snt", "10");
	assert_cell(head, r, "Avg", "6.67");
	assert_cell(head, row(8), "Loss%", "100.0%");
	/* the responder line: its own numbers, no Snt or Loss% */
	column_format(COL_AVG, &h2->resp[1].st, want, sizeof(want));
	assert_cell(head, row(7), "Avg", want);
	assert_cell(head, row(7), "Avg", "10.0");
	assert_null(strstr(row(7), "%  "));
	assert_row("q quit  n names  +/- probes  p pause");
	assert_int_equal(find("q quit"), 29);
	assert_string_equal(row(29) + strlen(row(29)) - 8, "  ? help");
	term_close();
}

static void
test_ui_draw_responder_utf8(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();

	(void)state;
	term_open(100, 30, UTF8, &c);
	draw(p, &h);
	assert_int_equal(find_start("     \u21b3 10.78.7.2  (33%)"), 7);
	term_close();
}

static void
test_ui_draw_loss_colours(void **state)
{
	struct ui_config c = config(NAMES_ADDR, true);
	struct ui_header h = header();
	struct path *p = P = sample_path();
	short fg, bg;
	int x;

	(void)state;
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	x = col_of(4, "Loss%") + 4;
	assert_int_equal(mvinch(6, x) & A_CHARTEXT, '%');
	assert_int_not_equal(PAIR_NUMBER(mvinch(6, x) & A_COLOR), 0);
	pair_content((short)PAIR_NUMBER(mvinch(6, x) & A_COLOR), &fg, &bg);
	assert_int_equal(fg, COLOR_YELLOW);
	/* Hop 3 never answers but hop 4 does: reply loss, cyan, 'R'. Hop 2
	 * lost one probe: not told from zero, coloured by amount, no mark. */
	pair_content((short)PAIR_NUMBER(mvinch(8, x) & A_COLOR), &fg, &bg);
	assert_int_equal(fg, COLOR_CYAN);
	assert_int_equal(mvinch(8, x + 1) & A_CHARTEXT, 'R');
	assert_int_equal(mvinch(6, x + 1) & A_CHARTEXT, ' ');
	assert_int_equal(PAIR_NUMBER(mvinch(5, x) & A_COLOR), 0);
	assert_true(mvinch(4, 2) & A_BOLD); /* the table header */
	term_close();

	c = config(NAMES_ADDR, false); /* NO_COLOR */
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	assert_int_equal(PAIR_NUMBER(mvinch(6, x) & A_COLOR), 0);
	assert_int_equal(PAIR_NUMBER(mvinch(8, x) & A_COLOR), 0);
	assert_true(mvinch(8, x) & A_BOLD);
	assert_int_equal(mvinch(8, x + 1) & A_CHARTEXT, 'R'); /* the marker */
	term_close();
}

/*
 * 60 cycles: hop 2 moves from 10.78.1.1 to 10.78.1.2 at cycle 10, hop 3
 * loses 2 of every 5 of its replies, hop 4 is the target.
 */
static struct path *
verdict_path_sample(void)
{
	struct haddr t = ip("10.78.9.9"), a1 = ip("10.78.0.1"),
	             a2 = ip("10.78.1.1"), b2 = ip("10.78.1.2"),
	             a3 = ip("10.78.7.2");
	struct path *p = P = path_new(&t, 1, 30);
	uint16_t seq = 0;

	/* monotonic 0 = 2026-12-02T12:03:04.500Z */
	p->wall_offset_ns = 1796212984500LL * NS_PER_MS;
	for (int i = 0; i < 60; i++) {
		int64_t t0 = (i + 1) * NS_PER_S;

		p->cycles = (unsigned)i + 1;
		for (int ttl = 1; ttl <= 4; ttl++)
			path_probe_sent(p, ttl);
		path_reply(p, 1, &a1, t0, NS_PER_MS, seq++, 0, false, NULL);
		path_reply(p, 2, i < 10 ? &a2 : &b2, t0, 2 * NS_PER_MS, seq++,
		    0, false, NULL);
		if (i % 5 < 2)
			path_loss(p, 3, t0, seq++);
		else
			path_reply(p, 3, &a3, t0, 3 * NS_PER_MS, seq++, 0,
			    false, NULL);
		path_reply(p, 4, &t, t0, 4 * NS_PER_MS, seq++, 0, true, NULL);
	}
	return p;
}

static void
test_ui_draw_verdict_and_events(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = verdict_path_sample();
	int y;

	(void)state;
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	assert_string_equal(
	    row(3), "Loss: no forwarding loss; hop 3 limits its replies");
	/* The row shows the current responder; the old one stays below. */
	assert_int_equal(find_start("  2. 10.78.1.2"), 6);
	assert_int_equal(find_start("     `- 10.78.1.1"), 7);
	y = find_start("  3. 10.78.7.2");
	assert_true(y > 0);
	assert_non_null(strstr(row(y), "40.0%R"));
	/* The status line says the latest event (cycle 11 at 12:03:15.502). */
	assert_int_equal(
	    find_start("route changed 12:03:15 at hop 2   l events  ? help"),
	    29);
	assert_int_equal(press("l"), UI_REDRAW);
	draw(p, &h);
	assert_row(" Events ");
	assert_row("Loss: no forwarding loss; hop 3 limits its replies");
	assert_row("2026-12-02T12:03:15.502Z route_change ttl 2: 10.78.1.1 -> "
	           "10.78.1.2");
	assert_row("Esc/Enter/q/l close");
	assert_int_equal(press("l"), UI_REDRAW);
	draw(p, &h);
	assert_no_row(" Events ");
	/* The details panel explains the hop's verdict with its numbers. */
	ui_handle_key(T.u, KEY_DOWN);
	ui_handle_key(T.u, KEY_DOWN);
	ui_handle_key(T.u, KEY_DOWN);
	assert_int_equal(press("\n"), UI_REDRAW);
	draw(p, &h);
	assert_row(" Hop 3 ");
	assert_row(
	    "reply loss: 18 of 48 lost (37.5%, 99% interval 22.1-56.0%)");
	term_close();
}

static void
test_ui_read_key_names_cycle(void **state)
{
	struct ui_config c = config(NAMES_HOST, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();
	struct report_view v;

	(void)state;
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	assert_int_equal(find_start("  1. gw.example.net"), 5);
	assert_int_equal(find_start("     `- 10.78.7.2  (33%)"), 7);
	assert_int_equal(press("n"), UI_NAMES);
	assert_int_equal(ui_name_mode(T.u), NAMES_ADDR);
	draw(p, &h);
	assert_int_equal(find_start("  1. 10.78.0.1"), 5);
	assert_int_equal(press("n"), UI_NAMES);
	assert_int_equal(ui_name_mode(T.u), NAMES_BOTH);
	draw(p, &h);
	assert_int_equal(find_start("  1. gw.example.net (10.78.0.1)"), 5);
	ui_view(T.u, &v);
	assert_int_equal(v.mode, NAMES_BOTH);
	assert_null(v.namer);
	assert_int_equal(press("n"), UI_NAMES);
	assert_int_equal(ui_name_mode(T.u), NAMES_HOST);
	term_close();
}

static void
test_ui_draw_long_name_cut(void **state)
{
	struct ui_config c = config(NAMES_HOST, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();
	const char *r;

	(void)state;
	term_open(60, 20, ASCII, &c);
	draw(p, &h);
	r = row(9);
	assert_int_equal(strncmp(r, "  4. a-very-long-host", 21), 0);
	/* narrow: the state and the help hint still show */
	assert_string_equal(row(2), "ICMP | 1 probe/hop | interval 1.0 s | "
	                            "cycle 12 | Running");
	assert_string_equal(row(19) + strlen(row(19)) - 8, "  ? help");
	r = row(9);
	assert_null(strstr(r, LONG_NAME));
	assert_non_null(strstr(r, "... "));
	assert_int_equal(find_start("  3. ???"), 8);
	assert_string_equal(row(10), ""); /* nothing wrapped */
	term_close();

	term_open(60, 20, UTF8, &c);
	draw(p, &h);
	r = row(9);
	assert_non_null(strstr(r, "\u2026 "));
	assert_null(strstr(r, "..."));
	term_close();
}

static void
test_ui_read_key_jitter_columns(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();
	struct report_view v;
	int i;

	(void)state;
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	assert_non_null(strstr(row(4), "Loss%"));
	assert_int_equal(press("j"), UI_REDRAW);
	draw(p, &h);
	for (i = 0; i < column_set_jitter_n; i++)
		assert_non_null(
		    strstr(row(4), column_get(column_set_jitter[i])->title));
	/* The jitter view keeps the loss in view, drops Avg/StDev. */
	assert_non_null(strstr(row(4), "Loss%"));
	assert_non_null(strstr(row(4), "Snt"));
	assert_non_null(strstr(row(4), "Javg"));
	assert_non_null(strstr(row(4), "Jmax"));
	assert_null(strstr(row(4), "StDev"));
	ui_view(T.u, &v);
	assert_ptr_equal(v.cols, column_set_jitter);
	assert_int_equal(v.ncols, column_set_jitter_n);
	assert_int_equal(press("j"), UI_REDRAW);
	draw(p, &h);
	assert_non_null(strstr(row(4), "StDev"));
	ui_view(T.u, &v);
	assert_ptr_equal(v.cols, column_set_default);
	term_close();
}

static void
test_ui_read_key_asn_and_mpls(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();

	(void)state;
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	assert_no_row("MPLS");
	assert_int_equal(press("e"), UI_REDRAW);
	draw(p, &h);
	assert_int_equal(
	    find_start("       [MPLS: Lbl 24001 TC 0 S 1 TTL 254]"), 8);
	assert_int_equal(find_start("  3. ???"), 9);
	assert_int_equal(press("z"), UI_ASN);
	draw(p, &h);
	assert_int_equal(strncmp(row(4), "  #  AS        Host", 19), 0);
	assert_int_equal(find_start("  1. AS64512   10.78.0.1"), 5);
	assert_int_equal(find_start("  2. AS64513   10.78.1.1"), 6);
	assert_int_equal(find_start("     AS???     `- 10.78.7.2  (33%)"), 7);
	assert_int_equal(find_start("  3. AS???     ???"), 9);
	term_close();
}

static void
test_ui_draw_too_small(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();

	(void)state;
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	assert_int_equal(find_start("  1. 10.78.0.1"), 5);
	term_size(30, 8);
	ui_resize(T.u);
	draw(p, &h);
	assert_int_equal(COLS, 30);
	assert_int_equal(LINES, 8);
	assert_row("terminal too small");
	assert_row("need 50x10, have 30x8");
	assert_row("q quits");
	assert_no_row("10.78");
	/* there, only q acts: d, h, Down, Enter change nothing */
	assert_int_equal(press("d"), UI_NONE);
	assert_int_equal(press("h"), UI_NONE);
	assert_int_equal(press("\033OB"), UI_NONE);
	assert_int_equal(press("\r"), UI_NONE);
	assert_int_equal(press("q"), UI_QUIT);
	term_size(60, 20);
	ui_resize(T.u);
	draw(p, &h);
	assert_int_equal(find_start("  1. 10.78.0.1"), 5);
	assert_no_row(" Hop 1 ");               /* no details panel opened */
	assert_false(mvinch(5, 0) & A_REVERSE); /* nothing selected */
	assert_no_row("History");
	assert_no_row("hoptop keys");
	term_size(56, 8);
	ui_resize(T.u);
	draw(p, &h);
	assert_string_equal(
	    row(4), "  terminal too small: need 50x10, have 56x8 (q quits)");
	term_size(60, 20);
	ui_resize(T.u);
	draw(p, &h);
	assert_int_equal(find_start("  1. 10.78.0.1"), 5);
	term_close();
}

static void
test_ui_read_key_help_screen(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();

	(void)state;
	term_open(100, 30, ASCII, &c);
	assert_int_equal(press("h"), UI_REDRAW);
	draw(p, &h);
	assert_int_equal(find_start("hoptop keys"), 0);
	assert_row("r       reset statistics");
	assert_row("Ctrl-L  repaint");
	assert_row("h ?     this help");
	assert_no_row("10.78.0.1");
	assert_int_equal(press("q"), UI_REDRAW); /* closes help, no quit */
	draw(p, &h);
	assert_no_row("hoptop keys");
	assert_int_equal(find_start("  1. 10.78.0.1"), 5);
	assert_int_equal(press("?"), UI_REDRAW);
	term_size(50, 10); /* two columns of keys */
	ui_resize(T.u);
	draw(p, &h);
	assert_row("r       reset statistics");
	assert_row("Ctrl-L  repaint");
	assert_int_equal(press("x"), UI_REDRAW);
	draw(p, &h);
	assert_no_row("hoptop keys");
	term_close();
}

static void
test_ui_read_key_details_panel(void **state)
{
	struct ui_config c = config(NAMES_HOST, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();
	const char *r;
	int y;

	(void)state;
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	assert_false(mvinch(6, 0) & A_REVERSE);
	assert_int_equal(press("\033OB"), UI_REDRAW); /* Down: hop 1 */
	assert_int_equal(press("\033OB"), UI_REDRAW); /* hop 2 */
	draw(p, &h);
	assert_true(mvinch(6, 0) & A_REVERSE);
	assert_true(mvinch(6, 99) & A_REVERSE);
	assert_false(mvinch(5, 0) & A_REVERSE);
	assert_int_equal(press("\r"), UI_REDRAW);
	draw(p, &h);
	assert_row(" Hop 2 ");
	assert_row("Snt 10  Rcv 9  Lost 1  in flight 0  Loss 10.0% (1/10)  "
	           "2 responders");
	assert_no_row("Send clock");
	path_send_clock(p, 2, true);
	path_send_clock(p, 2, true);
	path_send_clock(p, 2, false);
	draw(p, &h);
	assert_row("Send clock mixed: 2 from kernel stamps, 1 from user space");
	y = find("core1.example.net (10.78.1.1)");
	assert_true(y > 0);
	r = row(y);
	assert_non_null(strstr(r, "    6 "));
	assert_non_null(strstr(r, " 66.7% "));
	assert_non_null(strstr(row(y + 1), "flows 0,1  AS64513"));
	y = find("10.78.7.2");
	assert_true(y > 0);
	r = row(y);
	assert_non_null(strstr(r, "    3 "));
	assert_non_null(strstr(r, " 33.3% "));
	assert_non_null(strstr(r, "10.0"));
	assert_non_null(strstr(row(y + 1), "flows 0,1"));
	assert_null(strstr(row(y + 1), "AS"));
	assert_non_null(
	    strstr(row(y + 2), "[MPLS: Lbl 24001 TC 0 S 1 TTL 254]"));
	assert_row("Rcv  Share   Last    Avg   Best   Wrst  StDev Host");
	assert_row("Esc/Enter/q close");
	term_close();
}

/* Up/Down change the hop in the panel; q, Esc, Enter close it. */
static void
test_ui_read_key_details_close(void **state)
{
	struct ui_config c = config(NAMES_HOST, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();

	(void)state;
	term_open(100, 30, ASCII, &c);
	draw(p, &h);
	ui_handle_key(T.u, KEY_DOWN);
	ui_handle_key(T.u, KEY_DOWN);
	assert_int_equal(press("\n"), UI_REDRAW);
	draw(p, &h);
	assert_row(" Hop 2 ");
	assert_int_equal(press("\033OA"), UI_REDRAW); /* Up: hop 1 */
	draw(p, &h);
	assert_row(" Hop 1 ");
	assert_row("gw.example.net (10.78.0.1)");
	/* q closes the panel, not the program */
	assert_int_equal(press("q"), UI_REDRAW);
	draw(p, &h);
	assert_no_row(" Hop 1 ");
	assert_true(mvinch(5, 0) & A_REVERSE);
	assert_int_equal(press("\r"), UI_REDRAW);
	assert_int_equal(press("\033"), UI_REDRAW); /* Esc closes too */
	draw(p, &h);
	assert_no_row(" Hop 1 ");
	assert_int_equal(press("\033"), UI_REDRAW); /* Esc: no selection */
	draw(p, &h);
	assert_false(mvinch(5, 0) & A_REVERSE);
	assert_int_equal(press("q"), UI_QUIT);
	/* a silent hop */
	ui_handle_key(T.u, KEY_DOWN);
	ui_handle_key(T.u, KEY_DOWN);
	ui_handle_key(T.u, KEY_DOWN);
	ui_handle_key(T.u, KEY_ENTER);
	draw(p, &h);
	assert_row(" Hop 3 ");
	assert_row("Snt 10  Rcv 0  Lost 10  in flight 0  Loss 100.0% (10/10)  "
	           "0 responders");
	assert_row("no reply from this hop yet");
	term_close();
}

static void
test_ui_draw_history_strip(void **state)
{
	struct ui_config c = config(NAMES_ADDR, true);
	struct ui_header h = header();
	struct path *p = P = sample_path();
	const char *r;
	short fg, bg;
	size_t n;

	(void)state;
	term_open(100, 30, ASCII, &c);
	assert_int_equal(press("d"), UI_REDRAW);
	draw(p, &h);
	assert_non_null(strstr(row(4), "History, newest right: 1.0-10.0 ms"));
	assert_null(strstr(row(4), "Loss%"));
	/* Strips start right after the host field (5 + 30 + 1 = 36),
	 * oldest first, and end at the newest of the longest history. */
	r = row(5);
	assert_int_equal(strncmp(r, "  1. 10.78.0.1", 14), 0);
	n = strlen(r);
	assert_int_equal(n, 46);
	assert_string_equal(r + 36, "0000000000");
	r = row(6);
	assert_string_equal(r + 36, "449449449?");
	r = row(7);
	assert_int_equal(strncmp(r, "  3. ???", 8), 0);
	assert_string_equal(r + 36, "??????????");
	r = row(8);
	assert_string_equal(r + 36, "9999999999");
	assert_int_equal(mvinch(6, 45) & A_CHARTEXT, '?');
	assert_true(mvinch(6, 45) & A_BOLD);
	pair_content((short)PAIR_NUMBER(mvinch(6, 45) & A_COLOR), &fg, &bg);
	assert_int_equal(fg, COLOR_RED);
	assert_int_equal(press("d"), UI_REDRAW);
	draw(p, &h);
	assert_non_null(strstr(row(4), "Loss%"));
	term_close();

	term_open(100, 30, UTF8, &c);
	ui_handle_key(T.u, 'd');
	draw(p, &h);
	assert_string_equal(row(5) + 36,
	    "\u2581\u2581\u2581\u2581\u2581\u2581\u2581\u2581\u2581\u2581");
	r = row(6);
	assert_string_equal(
	    r + 36, "\u2584\u2584\u2588\u2584\u2584\u2588\u2584\u2584\u2588?");
	term_close();
}

static void
test_ui_draw_selection_scrolls(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct haddr t = ip("10.78.9.9"), a;
	struct path *p = P = path_new(&t, 1, 30);
	char s[32];
	int ttl;

	(void)state;
	for (ttl = 1; ttl <= 20; ttl++) {
		snprintf(s, sizeof(s), "10.78.%d.1", ttl);
		a = ip(s);
		path_probe_sent(p, ttl);
		path_reply(
		    p, ttl, &a, NS_PER_S, ttl * NS_PER_MS, 0, 0, false, NULL);
	}
	/* 21 rows, 6 lines: 5 hops and a line that says what is hidden */
	term_open(60, 12, ASCII, &c);
	draw(p, &h);
	assert_int_equal(find_start("  1. 10.78.1.1"), 5);
	assert_int_equal(find_start("  5. 10.78.5.1"), 9);
	assert_int_equal(find_start("^ 0 more hops above, v 16 below"), 10);
	assert_int_equal(press("\033OA"), UI_REDRAW); /* Up: the last hop */
	draw(p, &h);
	assert_int_equal(find_start(" 21. ???"), 9);
	assert_true(mvinch(9, 0) & A_REVERSE);
	assert_int_equal(find_start(" 17. 10.78.17.1"), 5);
	assert_int_equal(find_start("^ 16 more hops above, v 0 below"), 10);
	assert_int_equal(find("q quit"), 11);
	term_close();
}

static void
test_ui_message_until_next_key(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();

	(void)state;
	term_open(100, 30, ASCII, &c);
	ui_message(T.u, "snapshot saved to %s", "/tmp/x.txt");
	draw(p, &h);
	assert_string_equal(row(29), "snapshot saved to /tmp/x.txt");
	assert_int_equal(press("x"), UI_REDRAW); /* unknown: still a redraw */
	draw(p, &h);
	assert_int_equal(strncmp(row(29), "q quit", 6), 0);
	term_close();
}

/* Leaves no terminal open and no path behind, even after a failure. */
static int
teardown(void **state)
{
	(void)state;
	if (T.u != NULL)
		ui_close(T.u);
	if (T.master > 0)
		pty_close();
	path_free(P);
	P = NULL;
	return 0;
}

struct key_case {
	int key;
	enum ui_action want;
	int close; /* a key that closes what this one opened, or 0 */
};

/* The key table: every key maps to its action. */
static void
test_ui_handle_key_table(void **state)
{
	static const struct key_case cases[] = {
	    {'q', UI_QUIT, 0},
	    {'n', UI_NAMES, 0},
	    {'+', UI_PROBES_UP, 0},
	    {'=', UI_PROBES_UP, 0},
	    {'-', UI_PROBES_DOWN, 0},
	    {'p', UI_PAUSE, 0},
	    {' ', UI_PAUSE, 0},
	    {'r', UI_RESET, 0},
	    {'s', UI_SNAPSHOT, 0},
	    {'d', UI_REDRAW, 'd'},
	    {'j', UI_REDRAW, 'j'},
	    {'z', UI_ASN, 'z'},
	    {'e', UI_REDRAW, 'e'},
	    {KEY_UP, UI_REDRAW, 0},
	    {KEY_DOWN, UI_REDRAW, 0},
	    {'\n', UI_REDRAW, 27},
	    {'\r', UI_REDRAW, 'q'},
	    {KEY_ENTER, UI_REDRAW, KEY_ENTER},
	    {27, UI_REDRAW, 0},
	    {'h', UI_REDRAW, 'q'},
	    {'?', UI_REDRAW, 'x'},
	    {KEY_RESIZE, UI_REDRAW, 0},
	    {12, UI_REDRAW, 0}, /* Ctrl-L */
	    {'x', UI_REDRAW, 0},
	};
	struct ui_config c = config(NAMES_ADDR, false);
	size_t i;

	(void)state;
	term_open(80, 24, ASCII, &c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ui_action a = ui_handle_key(T.u, cases[i].key);

		if (a != cases[i].want)
			fail_msg("key %d: action %d, want %d", cases[i].key, a,
			    cases[i].want);
		if (cases[i].close != 0)
			assert_int_equal(ui_handle_key(T.u, cases[i].close),
			    cases[i].want == UI_ASN ? UI_ASN : UI_REDRAW);
		/* nothing left open: q quits again */
		assert_int_equal(ui_handle_key(T.u, 'q'), UI_QUIT);
	}
	/* the same through the terminal */
	assert_int_equal(press("q"), UI_QUIT);
	assert_int_equal(press("+"), UI_PROBES_UP);
	assert_int_equal(press(" "), UI_PAUSE);
	assert_int_equal(press("s"), UI_SNAPSHOT);
	assert_int_equal(press("\014"), UI_REDRAW);
	assert_int_equal(ui_read_key(T.u), UI_NONE);
	term_close();
}

/* A fake wall clock: the ns in ctx, moved by hand. */
static int64_t
fake_wall_now(const struct hclock *c)
{
	return *(const int64_t *)c->ctx;
}

static void
test_ui_next_redraw_limits_rate(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	int64_t t0 = 1000 * NS_PER_S;
	int64_t wall = 1700000000 * NS_PER_S + 300 * NS_PER_MS;
	struct hclock fake = {fake_wall_now, &wall, NULL};

	(void)state;
	c.wall = &fake;
	term_open(80, 24, ASCII, &c);
	assert_int_equal(ui_next_redraw(T.u, true, t0), t0); /* never drawn */
	h.now = 0; /* a clock long gone: due at once (after the minimum) */
	draw(NULL, &h);
	ui_mark_drawn(T.u, t0);
	assert_int_equal(ui_next_redraw(T.u, true, t0 + 10 * NS_PER_MS),
	    t0 + 100 * NS_PER_MS);
	assert_int_equal(ui_next_redraw(T.u, true, t0 + 150 * NS_PER_MS),
	    t0 + 150 * NS_PER_MS);
	assert_int_equal(ui_next_redraw(T.u, false, t0 + 10 * NS_PER_MS),
	    t0 + 100 * NS_PER_MS);
	assert_int_equal(ui_next_redraw(T.u, false, t0 + 200 * NS_PER_MS),
	    t0 + 200 * NS_PER_MS);
	/* clean, the clock drawn is current (x.300 s): 1 ms past the next
	 * second, 700 ms on */
	h.now = (time_t)(wall / NS_PER_S);
	draw(NULL, &h);
	ui_mark_drawn(T.u, t0);
	assert_int_equal(ui_next_redraw(T.u, false, t0 + 200 * NS_PER_MS),
	    t0 + 901 * NS_PER_MS);
	/* dirty: the minimum gap only, whatever the clock */
	assert_int_equal(ui_next_redraw(T.u, true, t0 + 50 * NS_PER_MS),
	    t0 + 100 * NS_PER_MS);
	/* a tick before the second: due 1 ns + 1 ms on */
	wall = 1700000000 * NS_PER_S + NS_PER_S - 1;
	assert_int_equal(ui_next_redraw(T.u, false, t0 + 200 * NS_PER_MS),
	    t0 + 200 * NS_PER_MS + 1 + NS_PER_MS);
	/* the second moved on from the one drawn: due as if dirty */
	wall = 1700000001 * NS_PER_S;
	assert_int_equal(ui_next_redraw(T.u, false, t0 + 50 * NS_PER_MS),
	    t0 + 100 * NS_PER_MS);
	assert_int_equal(ui_next_redraw(T.u, false, t0 + 200 * NS_PER_MS),
	    t0 + 200 * NS_PER_MS);
	term_close();
}

/* P passes the ping action with the selected hop; a pinged hop's row and
 * details show its ping loss and RTT beside its Time Exceeded loss. */
static void
test_ui_ping_hop_key_and_tag(void **state)
{
	struct ui_config c = config(NAMES_ADDR, false);
	struct ui_header h = header();
	struct path *p = P = sample_path();
	struct haddr a2 = ip("10.78.1.1");

	(void)state;
	for (int i = 0; i < 4; i++)
		path_ping_sent(p, 2, &a2);
	for (int i = 0; i < 3; i++)
		path_ping_reply(p, 2, 4 * NS_PER_MS);
	path_ping_loss(p, 2);
	term_open(100, 30, ASCII, &c);
	assert_int_equal(ui_selected_ttl(T.u), 0);
	assert_int_equal(press("P"), UI_PING_HOP);
	draw(p, &h);
	ui_handle_key(T.u, KEY_DOWN);
	ui_handle_key(T.u, KEY_DOWN);
	assert_int_equal(ui_selected_ttl(T.u), 2);
	draw(p, &h);
	assert_non_null(strstr(row(6), "10.78.1.1"));
	assert_non_null(strstr(row(6), "[ping 25.0% 4.0ms]   10.0%"));
	assert_null(strstr(row(5), "[ping"));
	assert_int_equal(press("\n"), UI_REDRAW);
	draw(p, &h);
	assert_row(
	    "ping 10.78.1.1: 25.0% of 4 lost, avg 4.0 ms (Time Exceeded: "
	    "10.0% lost)");
	term_close();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(
	        test_ui_open_fails_without_terminal, teardown),
	    cmocka_unit_test_teardown(
	        test_ui_open_once_and_close_twice, teardown),
	    cmocka_unit_test_teardown(test_ui_draw_header, teardown),
	    cmocka_unit_test_teardown(test_ui_draw_header_utf8, teardown),
	    cmocka_unit_test_teardown(test_ui_draw_header_note, teardown),
	    cmocka_unit_test_teardown(test_ui_draw_table_rows, teardown),
	    cmocka_unit_test_teardown(test_ui_draw_responder_utf8, teardown),
	    cmocka_unit_test_teardown(test_ui_draw_loss_colours, teardown),
	    cmocka_unit_test_teardown(
	        test_ui_draw_verdict_and_events, teardown),
	    cmocka_unit_test_teardown(test_ui_ping_hop_key_and_tag, teardown),
	    cmocka_unit_test_teardown(test_ui_read_key_names_cycle, teardown),
	    cmocka_unit_test_teardown(test_ui_draw_long_name_cut, teardown),
	    cmocka_unit_test_teardown(
	        test_ui_read_key_jitter_columns, teardown),
	    cmocka_unit_test_teardown(test_ui_read_key_asn_and_mpls, teardown),
	    cmocka_unit_test_teardown(test_ui_draw_too_small, teardown),
	    cmocka_unit_test_teardown(test_ui_read_key_help_screen, teardown),
	    cmocka_unit_test_teardown(test_ui_read_key_details_panel, teardown),
	    cmocka_unit_test_teardown(test_ui_read_key_details_close, teardown),
	    cmocka_unit_test_teardown(test_ui_draw_history_strip, teardown),
	    cmocka_unit_test_teardown(test_ui_draw_selection_scrolls, teardown),
	    cmocka_unit_test_teardown(test_ui_message_until_next_key, teardown),
	    cmocka_unit_test_teardown(test_ui_handle_key_table, teardown),
	    cmocka_unit_test_teardown(
	        test_ui_next_redraw_limits_rate, teardown),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	unsetenv("LINES");
	unsetenv("COLUMNS");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
