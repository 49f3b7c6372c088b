/*
 * fleet: the targets of one run, each with its own engine, path and
 * (virtual or own) transport, probed in the same loop. With a mux they
 * share one real transport's sockets; without (one target, or simulated
 * paths) each target has its own transport.
 *
 * The fleet keeps each engine's next deadline so a loop pass touches only
 * the engines that are due: with 1,000 targets a pass costs a scan of
 * 1,000 numbers, not 3,000 engine calls.
 */
#ifndef HOPTOP_FLEET_H
#define HOPTOP_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/select.h>

#include "hoptop/engine.h"
#include "hoptop/mux.h"
#include "hoptop/names.h"
#include "hoptop/path.h"
#include "hoptop/report.h"
#include "hoptop/transport.h"

struct fleet_target {
	char name[256]; /* as given, sanitised */
	struct transport *t;
	struct path *p;
	struct engine *e;
	struct report_meta meta;
	const struct namer *namer; /* a simulated path's names, or NULL */
	/* the loop's bookkeeping of this target's path */
	unsigned named_resp, named_cycle, logged_events;
};

struct fleet;

/*
 * Above this many targets, probes are timed from the user-space send
 * time: kernel send stamps would double what the shared socket reads.
 */
#define FLEET_TX_STAMPS_MAX 100

/*
 * When target i of n starts its first cycle, in ns after the run's start:
 * slot i * slots / n of the interval, up to FLEET_SLOTS slots at least
 * FLEET_SLOT_MIN_NS apart. Starts are spread, but 1,000 targets wake the
 * loop 100 times a cycle, not 1,000.
 */
#define FLEET_SLOTS       100
#define FLEET_SLOT_MIN_NS (5 * NS_PER_MS)
int64_t fleet_start_delay(int64_t interval_ns, size_t i, size_t n);
/*
 * The history ring's length for each of n targets' paths (lean: 1,000
 * targets fit in 64 MB), or 0 for one target (the path's default).
 */
unsigned fleet_history_len(size_t n);

/* A fleet for up to cap targets. */
struct fleet *fleet_new(size_t cap);
/* Frees every engine, path and transport it holds, the mux, then real. */
void fleet_free(struct fleet *f);
/*
 * The sockets the targets share: the fleet owns real and m from now on
 * (fleet_free frees them).
 */
void fleet_set_shared(struct fleet *f, struct transport *real, struct mux *m);
struct mux *fleet_mux(const struct fleet *f);
/*
 * The next target's slot (zeroed, name set), or NULL when cap are held.
 * Fill in t, p and e (the fleet owns them from then on), and meta.
 */
struct fleet_target *fleet_add(struct fleet *f, const char *name);
size_t fleet_count(const struct fleet *f);
struct fleet_target *fleet_target(const struct fleet *f, size_t i);

/* The nearest time any engine (or a transport) needs to act. */
int64_t fleet_next_deadline(struct fleet *f);
/* Adds the transports' fds to r; returns the largest fd, or maxfd. */
int fleet_fds(const struct fleet *f, fd_set *r, int maxfd);
/* Whether replies may wait: a readable fd in r, or a transport due. */
bool fleet_replies_due(const struct fleet *f, const fd_set *r, int64_t now);
/* Reads the replies that wait, each into its target's engine. */
void fleet_read_replies(struct fleet *f, int64_t now);
/* engine_expire and engine_send_due on every engine that is due. */
void fleet_run_due(struct fleet *f, int64_t now);
/* After an engine was changed from outside (keys): its deadline anew. */
void fleet_touch(struct fleet *f, size_t i);
/* True when every engine is done. */
bool fleet_done(struct fleet *f);
void fleet_stop(struct fleet *f);
/*
 * The selected target (the screen's): its path's dirty flag is left to the
 * loop; every other path's is folded into the fleet's as its engine runs.
 */
void fleet_select(struct fleet *f, size_t i);
/* Whether any path changed (the selected one's flag, or the others');
 * fleet_clean clears both. */
bool fleet_dirty(const struct fleet *f);
void fleet_clean(struct fleet *f);

#endif
