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
#define PATH_MAX_FLOWS     16 /* flows tracked for route changes */
/* Hysteresis: a flow's new responder at a hop must answer in this many
 * cycles (without its old one answering in between) to be a route change. */
#define PATH_ROUTE_CYCLES 3
/* Destination loss episodes: this many probes in a row (by send time) lost
 * start one; this many answered in a row end it. */
#define PATH_LOSS_RUN  5
#define PATH_REPLY_RUN 3
/* This many last hops answering from one address fold into the first. */
#define PATH_FOLD_RUN 3

struct responder {
	struct haddr addr;
	struct stats st;        /* replies from this address (sent = 0) */
	uint64_t flows;         /* bit f set: flow f reached it (f < 64) */
	struct mpls_stack mpls; /* last label stack seen */
};

/* Per (hop, flow): the confirmed responder and a candidate replacing it. */
struct flow_track {
	uint8_t cur, cand;   /* responder indexes; 0xff = none */
	uint8_t cand_cycles; /* cycles the candidate answered in, in a row */
	unsigned cand_cycle; /* p->cycles when it last counted */
	int64_t cand_ns;     /* its first reply (the change's time) */
};

struct hop {
	int ttl;
	struct stats st; /* the hop as a whole */
	struct history hist;
	int nresp;
	struct responder
	    *resp; /* nresp of them (grown to HOP_MAX_RESPONDERS) */
	int resp_cap;
	/* replies timed from the kernel's send stamp / the user-space one */
	unsigned tx_kernel, tx_user;
	/* The current path: settled probes since the last route change at or
	 * before this hop (what the verdict reads). */
	uint32_t cur_received, cur_lost;
	struct flow_track ft[PATH_MAX_FLOWS];
	/* Ping-the-hop: Echo Requests to the hop's own address. */
	struct stats ping;
	struct haddr ping_addr; /* the address last pinged */
};

/*
 * Raw events (EV_NEW_RESPONDER, EV_DEST_CHANGED) record what one reply
 * showed; the timeline events (EV_ROUTE_CHANGE and after) have hysteresis
 * and are what fronts show (path_event_is_timeline()).
 */
enum path_event_kind {
	EV_NEW_RESPONDER, /* a hop that had answered shows another address */
	EV_DEST_CHANGED,  /* the destination TTL changed or was lost */
	/* timeline: */
	EV_ROUTE_CHANGE, /* a flow's responder at ttl: old_addr -> addr */
	EV_DEST_TTL,   /* destination (re)learned at another TTL: old -> new */
	EV_LOSS_START, /* PATH_LOSS_RUN probes in a row lost at the target */
	EV_LOSS_END,   /* PATH_REPLY_RUN answered in a row after that */
	EV_KINDS
};

struct path_event {
	enum path_event_kind kind;
	int64_t t_ns; /* monotonic; + path.wall_offset_ns = wall clock */
	int ttl;
	struct haddr addr;     /* EV_ROUTE_CHANGE: the new responder */
	struct haddr old_addr; /* EV_ROUTE_CHANGE: the one it replaced */
	int old_dest_ttl, new_dest_ttl;
	unsigned cycle; /* the cycle it happened in (groups route changes) */
};

struct path {
	struct haddr target;
	int first_ttl, max_ttl;
	int dest_ttl;      /* 0 until the destination answered */
	unsigned cycles;   /* cycles started */
	bool dirty;        /* set by writers; cleared by the front */
	struct hop *hops;  /* hops[ttl], ttl in 1..max_ttl */
	unsigned hist_len; /* samples each hop keeps (path_set_history_len) */
	unsigned nevents;  /* total ever; ring of PATH_MAX_EVENTS */
	/* Kept by the writers so fronts need not walk the hops to notice: */
	unsigned nresponders;   /* responders added since the last reset */
	unsigned answered_hops; /* hops with at least one reply */
	/* Timeline state (kept by the writers): */
	int64_t
	    wall_offset_ns; /* CLOCK_REALTIME - monotonic, set by the engine */
	unsigned nkind[EV_KINDS]; /* events ever, per kind (past the ring) */
	int known_dest_ttl;       /* last confirmed dest_ttl (0: none yet) */
	int64_t dest_set_ns;      /* when dest_ttl took its value */
	bool dest_fresh;     /* dest_ttl was lowered to a TTL that had never
	                        answered before: discovery, not a change */
	bool dest_losing;    /* in a loss episode at the destination */
	int dest_run;        /* >0: answered in a row; <0: lost in a row */
	int64_t dest_run_ns; /* when the current run began */
	int64_t dest_last_sent_ns; /* newest probe counted into the run */
	struct path_event events[PATH_MAX_EVENTS];
};

/* A path to target (NULL: none yet) with hops 1..max_ttl. Returns NULL
 * with errno EINVAL unless 1 <= first_ttl <= max_ttl <= PATH_MAX_TTL. */
struct path *path_new(const struct haddr *target, int first_ttl, int max_ttl);
void path_free(struct path *p);
/*
 * Each hop keeps the newest len samples (rounded up to a power of 2,
 * 8..STATS_HISTORY; the default is STATS_HISTORY). Resets the path: call
 * it before the first probe. A fleet of many targets keeps less.
 */
void path_set_history_len(struct path *p, unsigned len);
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
/*
 * A Destination Unreachable from a router (not the target) for the probe
 * sent at sent_ns: counted as a reply from it at the hop, but it is no
 * sign of a longer path (dest_ttl stays), no route change, and at the
 * destination TTL it is an unanswered probe for loss episodes (a link
 * down answered by "network unreachable").
 */
void path_reply_unreach(struct path *p, int ttl, const struct haddr *from,
    int64_t sent_ns, int64_t rtt_ns, uint16_t seq, uint16_t flow);
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
 * row). A device answering for every TTL from some hop on (the same one
 * address at PATH_FOLD_RUN or more hops up to the last answer) folds into
 * its first row: the last TTL is that. Writers of classic traceroute
 * output that want every TTL up to
 * max_ttl while the destination is unknown should loop to max_ttl instead.
 */
int path_last_ttl(const struct path *p);
const struct hop *path_hop(const struct path *p, int ttl);
/* The responder with the most replies at a hop (the first on a tie), or
 * NULL if none. */
const struct responder *hop_main_responder(const struct hop *h);
/* r's share of the hop's replies, in percent (0 when the hop has none). */
double hop_share_pct(const struct hop *h, const struct responder *r);
/* The i-th most recent event (0 = newest), or NULL past the
 * min(nevents, PATH_MAX_EVENTS) the ring holds. Events new since a reader
 * last saw n of them: i in 0 .. nevents - n - 1. */
const struct path_event *path_event(const struct path *p, unsigned i);
/* Ping-the-hop results at hop ttl (kept apart from its TTL probes). */
void path_ping_sent(struct path *p, int ttl, const struct haddr *to);
void path_ping_reply(struct path *p, int ttl, int64_t rtt_ns);
void path_ping_loss(struct path *p, int ttl);
/* True for the kinds fronts show: route change, destination change, loss
 * start and end. */
bool path_event_is_timeline(enum path_event_kind kind);
/* Events of kind ever recorded since the last reset (not limited by the
 * ring): e.g. a route_changes_total counter. */
unsigned path_event_count(const struct path *p, enum path_event_kind kind);
/* The newest timeline event, or NULL. */
const struct path_event *path_last_timeline_event(const struct path *p);
/*
 * The responder a hop row shows: the confirmed current responder of the
 * lowest flow that has one (so a route change moves the row at once and
 * ECMP does not make it flicker); the main responder if none.
 */
const struct responder *hop_current_responder(const struct hop *h);

#endif
