/*
 * ui: ncurses drawing and key handling; the only file that includes curses.
 * It reads the model (const) and never changes it; keys that concern the
 * engine come back to the loop as actions.
 */
#ifndef HOPTOP_UI_H
#define HOPTOP_UI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "hoptop/clock.h"
#include "hoptop/names.h"
#include "hoptop/path.h"
#include "hoptop/column.h"

enum ui_action {
	UI_NONE = 0,    /* no key was waiting: stop calling ui_read_key */
	UI_REDRAW,      /* view state changed: draw again now */
	UI_QUIT,        /* q */
	UI_PROBES_UP,   /* + */
	UI_PROBES_DOWN, /* - */
	UI_PAUSE,       /* p or space: toggle */
	UI_RESET,       /* r */
	UI_SNAPSHOT,    /* s */
	UI_NAMES,       /* n: the name mode changed (the loop may start DNS) */
	UI_ASN,         /* z: AS column toggled */
	UI_PING_HOP, /* P: ping the selected hop (ui_selected_ttl), or stop */
	UI_FASTER,   /* >: a replay faster */
	UI_SLOWER,   /* <: a replay slower */
	UI_END,      /* G: a replay to its end */
	/* several targets: */
	UI_TARGET_NEXT, /* Tab, Right */
	UI_TARGET_PREV, /* Shift-Tab, Left */
	UI_TARGET_PICK, /* 1-9: target ui_picked_target() */
};

/* One line of the target list (several targets). */
struct ui_target {
	const char *name; /* as given, sanitised */
	const struct path *path;
};

/* What the header shows besides the path. */
struct ui_header {
	const char *version;
	const char *source; /* local host name */
	const char *target_name;
	struct haddr target_addr;
	const char *proto;  /* "ICMP" */
	const char *method; /* "raw socket", "simulated" */
	bool simulated;
	int probes;
	double interval_s;
	unsigned cycles;
	bool paused;
	time_t now;
	const char *note; /* a problem to show (names not coming), or NULL */
	/* A replay: shown in place of Running / Paused ("REPLAY x2"), and
	 * now is the recorded wall clock. NULL: live. */
	const char *replay;
	/* Several targets: the list above the selected one's hop table
	 * (ntargets < 2: no list, the screen as with one target). */
	const struct ui_target *targets;
	size_t ntargets, sel_target;
};

struct ui_config {
	enum name_mode names; /* start mode (-n: NAMES_ADDR) */
	bool color;           /* false with NO_COLOR */
	bool show_asn;        /* -z */
	bool show_mpls;       /* -e */
	int min_redraw_ms;    /* 100 */
	/* The wall clock whose seconds the header's clock (ui_header.now)
	 * shows, in ns; NULL: clock_wall. Tests pass a fake. */
	const struct hclock *wall;
};

struct ui;

/*
 * Opens the terminal on the given streams with newterm() (term NULL: $TERM).
 * Returns NULL with a message in err when there is no usable terminal
 * (not a tty, TERM=dumb or unknown): the message suggests --report and has
 * no "hoptop: " prefix. There is one terminal per process: a second
 * ui_open before ui_close fails (EBUSY). Sets LC_CTYPE from the
 * environment (only LC_CTYPE, so numbers keep their '.'); without a UTF-8
 * locale the screen uses ASCII only.
 */
struct ui *ui_open(const struct ui_config *cfg, FILE *in, FILE *out,
    const char *term, char *err, size_t errlen);
/*
 * Restores the terminal (endwin, delscreen). NULL is a no-op. Safe to call
 * twice and after ui_emergency_restore. The streams stay open (caller's).
 */
void ui_close(struct ui *u);
/* Restores the terminal from a fatal path (xmalloc hook); idempotent. */
void ui_emergency_restore(void);
/* The fd to select() for keys. */
int ui_fd(const struct ui *u);
/*
 * Reads one pending key without blocking; handles view keys itself.
 * Returns UI_NONE only when no key was waiting, so the loop calls it until
 * UI_NONE. Any key read returns another action: UI_REDRAW for keys the UI
 * handled itself (and for unknown keys, since the status message goes).
 * In the details panel q, Esc and Enter close the panel (q does not quit);
 * in the help screen any key closes it.
 */
enum ui_action ui_read_key(struct ui *u);
/*
 * Applies one key code (a character or a curses KEY_* code) as if read;
 * ui_read_key's work after reading. The key table lives in ui.c.
 */
enum ui_action ui_handle_key(struct ui *u, int key);
/*
 * The terminal was resized (SIGWINCH): reads the size from the output fd
 * and reflows on the next draw. Call it from the loop, not a handler.
 */
void ui_resize(struct ui *u);
/*
 * Draws the whole screen from the model (erase, draw, one doupdate), or a
 * "terminal too small" message below 50x10.
 */
void ui_draw(struct ui *u, const struct path *p, const struct ui_header *h,
    const struct namer *n);
/*
 * When the next draw is due (monotonic ns, never before now_ns): now before
 * the first draw; if dirty, min_redraw_ms after the last draw; if clean,
 * just after the next second of cfg->wall (the one after h->now drawn
 * last), so the clock in the header moves: at most ~1 s away. CLOCK_NEVER only
 * when u is NULL or closed. ui_mark_drawn(u, now) after each ui_draw.
 */
int64_t ui_next_redraw(const struct ui *u, bool dirty, int64_t now_ns);
void ui_mark_drawn(struct ui *u, int64_t now_ns);
/*
 * Writes the key table ("Keys in the monitor:", then "  LABEL  what it does"
 * a line) to f: --help prints it, the help screen draws the same table, and
 * tests/e2e/test_docs.sh checks the man page and the README against it.
 */
void ui_write_keys(FILE *f);
/* Shows a message on the status line until the next key (drawn next). */
void ui_message(struct ui *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * The current view (names, columns) for a snapshot that matches the screen.
 * namer is left NULL: the loop sets it.
 */
void ui_view(const struct ui *u, struct report_view *out);
enum name_mode ui_name_mode(const struct ui *u);
/* The selected hop's TTL, 0 if none. */
int ui_selected_ttl(const struct ui *u);
/* After UI_TARGET_PICK: the target the number key named (0-based). */
size_t ui_picked_target(const struct ui *u);

#endif
