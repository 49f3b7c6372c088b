/*
 * loop: the one select() loop. The only module that knows the engine, the
 * resolver and the UI together. Its timeout is the nearest deadline.
 */
#ifndef HOPTOP_LOOP_H
#define HOPTOP_LOOP_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/select.h>

#include "hoptop/clock.h"
#include "hoptop/dns.h"
#include "hoptop/engine.h"
#include "hoptop/fleet.h"
#include "hoptop/report.h"
#include "hoptop/ui.h"

/*
 * Another user of the loop's select() (the metrics server): its fds join
 * the sets, its deadline the timeout, and it runs after every wait.
 */
struct loop_hook {
	/* Adds fds to the sets; returns the largest fd, or maxfd. */
	int (*fds)(void *ctx, fd_set *r, fd_set *w, fd_set *e, int maxfd);
	int64_t (*deadline)(void *ctx, int64_t now_ns); /* CLOCK_NEVER: none */
	void (*process)(
	    void *ctx, const fd_set *r, const fd_set *w, const fd_set *e);
	void *ctx;
};

/*
 * A replay's part in the loop (playback.h): its keys come first, and it
 * amends the header (replay state, the recorded wall clock).
 */
struct loop_replay {
	/* Takes key action a (true) or leaves it to the loop (false). */
	bool (*key)(void *ctx, enum ui_action a, struct ui *u);
	void (*header)(void *ctx, struct ui_header *h);
	void *ctx;
};

/*
 * What the loop runs over, wired by the caller; the loop keeps its own
 * state (the selected target, the last draw, ...) inside loop_run.
 */
struct loop_parts {
	/* Every target; the first one is selected at the start. */
	struct fleet *fleet;
	struct dns *dns; /* NULL: no resolver */
	/* names without a resolver (--demo) or NULL; with several
	 * simulated paths, each target's namer (fleet_target.namer) */
	const struct namer *namer;
	struct ui *ui; /* NULL: no screen (report, --once) */
	const struct hclock *clk;
	/* The screen's redraw pace, if not clk's (a replay: real time). */
	const struct hclock *ui_clk;
	struct report_meta *meta; /* for the header and snapshots */
	const char *export_dir;   /* for s */
	bool dns_enabled;         /* false with -n until n turns names on */
	/* --once: print settled hops as they complete (NULL otherwise). */
	FILE *once_out;
	int once_probes;
	const struct report_view *once_view;
	int once_errno; /* out: why a --once line could not be written, or 0 */
	/* --log: every timeline event as one JSON line (NULL: none). */
	FILE *event_log;

	/* Other fds in the loop (the metrics server). */
	const struct loop_hook *hook;     /* NULL: none */
	const struct loop_replay *replay; /* --replay, or NULL */
};

/*
 * Sets handlers (they only set flags) for SIGWINCH and every signal whose
 * default action would end the process (INT, TERM, HUP, QUIT, USR1, USR2,
 * ALRM, ..., real-time): the loop ends and the terminal is restored.
 */
void loop_install_signals(void);
/* The signal that asked us to stop, or 0. */
int loop_stop_signal(void);
/*
 * Runs until the engine is done (count cycles), q, or a signal. Returns 0,
 * or 1 on a runtime failure (select error).
 */
int loop_run(struct loop_parts *lp);

#endif
