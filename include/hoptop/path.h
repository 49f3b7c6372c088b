/*
 * path: the model. Hops by TTL, responders per hop, the destination TTL and
 * route-change events. The engine writes it; UI and report read it (const).
 */
#ifndef HOPTOP_PATH_H
#define HOPTOP_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "hoptop/addr.h"
#include "hoptop/packet.h"
#include "hoptop/stats.h"

#define PATH_MAX_TTL       255
#define HOP_MAX_RESPONDERS 16
#define PATH_MAX_EVENTS    64

struct responder {
	struct haddr addr;
	struct stats st;           /* replies from this address (sent = 0) */
	uint64_t flows;            /* bit f set: flow f reached it (f < 64) */
	struct mpls_stack mpls;    /* last label stack seen */
	int64_t first_ns, last_ns; /* reply times (sent_ns + rtt_ns) */
};

struct hop {
	int ttl;
	struct stats st; /* the hop as a whole */
	struct history hist;
	int nresp;
	struct responder resp[HOP_MAX_RESPONDERS];
	/* replies timed from the kernel's send stamp / the user-space one */
	unsigned tx_kernel, tx_user;
};

enum path_event_kind {
	EV_NEW_RESPONDER, /* a hop that had answered shows another address */
	EV_DEST_CHANGED,  /* the destination TTL changed or was lost */
};

struct path_event {
	enum path_event_kind kind;
	int64_t t_ns;
	int ttl;
	struct haddr addr;
	int old_dest_ttl, new_dest_ttl;
};

struct path {
	struct haddr target;
	int first_ttl, max_ttl;
	int dest_ttl;     /* 0 until the destination answered */
	unsigned cycles;  /* cycles started */
	bool dirty;       /* set by writers; cleared by the front */
	struct hop *hops; /* hops[ttl], ttl in 1..max_ttl */
	unsigned nevents; /* total ever; ring of PATH_MAX_EVENTS */
	/* Kept by the writers so fronts need not walk the hops to notice: */
	unsigned nresponders;   /* responders added since the last reset */
	unsigned answered_hops; /* hops with at least one reply */
	struct path_event events[PATH_MAX_EVENTS];
};

/* A path to target (NULL: none yet) with hops 1..max_ttl. Returns NULL
 * with errno EINVAL unless 1 <= first_ttl <= max_ttl <= PATH_MAX_TTL. */
struct path *path_new(const struct haddr *target, int first_ttl, int max_ttl);
void path_free(struct path *p);
/* Clears every statistic, responder, history, event, dest_ttl and cycles;
 * keeps target and TTLs. */
void path_reset(struct path *p);

void path_probe_sent(struct path *p, int ttl);
/*
 * A reply to the probe sent at sent_ns with TTL ttl. is_dest: it came from
 * the target as a destination answer (learns / lowers dest_ttl). A Time
 * Exceeded at ttl >= dest_ttl means the path grew: dest_ttl is forgotten.
 * The reply counts into the hop and into its responder (a 17th address at
 * one hop counts into the hop only, history resp 0xff). Events are stamped
 * with the reply time, sent_ns + rtt_ns. TTLs outside 1..max_ttl are ignored.
 */
void path_reply(struct path *p, int ttl, const struct haddr *from,
    int64_t sent_ns, int64_t rtt_ns, uint16_t seq, uint16_t flow, bool is_dest,
    const struct mpls_stack *mpls);
void path_loss(struct path *p, int ttl, int64_t sent_ns, uint16_t seq);
/* Counts which send clock timed a reply at ttl (kernel stamp or user). */
void path_send_clock(struct path *p, int ttl, bool kernel);
/*
 * "kernel", "user" or "mixed": the send clock of the replies at h (NULL: at
 * every hop of p), or NULL when no reply was timed yet.
 */
const char *hop_send_clock(const struct hop *h);
const char *path_send_clock_name(const struct path *p);

/*
 * Last TTL to show. dest_ttl when known. Until then (like mtr): the highest
 * TTL that answered plus one row (capped at max_ttl), so the screen shows
 * where the answers stop without thirty rows of "???" for a silent target;
 * never less than first_ttl (so a path where nothing answers yet shows one
 * row). Writers of classic traceroute output that want every TTL up to
 * max_ttl while the destination is unknown should loop to max_ttl instead.
 */
int path_last_ttl(const struct path *p);
const struct hop *path_hop(const struct path *p, int ttl);
/* The responder with the most replies at a hop (the first on a tie), or
 * NULL if none. */
const struct responder *hop_main_responder(const struct hop *h);
/* The i-th most recent event (0 = newest), or NULL past the
 * min(nevents, PATH_MAX_EVENTS) the ring holds. Events new since a reader
 * last saw n of them: i in 0 .. nevents - n - 1. */
const struct path_event *path_event(const struct path *p, unsigned i);

#endif
