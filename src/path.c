/*
 * path: the model. hops[ttl] for ttl 1..max_ttl (hops[0] unused), each with
 * its statistics, history ring and up to HOP_MAX_RESPONDERS responders
 * (both allocated as they fill, so a hop nobody answers costs ~500 bytes).
 * Every writer sets p->dirty; the front clears it after drawing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/path.h"
#include "hoptop/xmalloc.h"

#define RESP_NONE 0xff

static void
hop_free(struct hop *h)
{
	free(h->resp);
	history_free(&h->hist);
}

static void
hop_init(struct hop *h, int ttl, unsigned hist_len)
{
	hop_free(h);
	memset(h, 0, sizeof(*h));
	h->ttl = ttl;
	stats_init(&h->st);
	stats_init(&h->ping);
	history_init_len(&h->hist, hist_len);
	for (int f = 0; f < PATH_MAX_FLOWS; f++) {
		h->ft[f].cur = RESP_NONE;
		h->ft[f].cand = RESP_NONE;
	}
}

struct path *
path_new(const struct haddr *target, int first_ttl, int max_ttl)
{
	struct path *p;

	if (max_ttl < 1 || max_ttl > PATH_MAX_TTL || first_ttl < 1 ||
	    first_ttl > max_ttl) {
		errno = EINVAL;
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	if (target != NULL)
		p->target = *target;
	else
		p->target.family = AF_UNSPEC;
	p->first_ttl = first_ttl;
	p->max_ttl = max_ttl;
	p->hops = xcalloc((size_t)max_ttl + 1, sizeof(*p->hops));
	p->hist_len = STATS_HISTORY;
	path_reset(p);
	return p;
}

void
path_free(struct path *p)
{
	if (p == NULL)
		return;
	for (int ttl = 0; ttl <= p->max_ttl; ttl++)
		hop_free(&p->hops[ttl]);
	free(p->hops);
	free(p);
}

void
path_set_history_len(struct path *p, unsigned len)
{
	p->hist_len = len;
	path_reset(p);
}

void
path_reset(struct path *p)
{
	for (int ttl = 0; ttl <= p->max_ttl; ttl++)
		hop_init(&p->hops[ttl], ttl, p->hist_len);
	p->dest_ttl = 0;
	p->cycles = 0;
	p->nevents = 0;
	memset(p->events, 0, sizeof(p->events));
	p->nresponders = 0;
	p->answered_hops = 0;
	memset(p->nkind, 0, sizeof(p->nkind));
	p->known_dest_ttl = 0;
	p->dest_set_ns = 0;
	p->dest_fresh = false;
	p->dest_losing = false;
	p->dest_run = 0;
	p->dest_run_ns = 0;
	p->dest_last_sent_ns = INT64_MIN;
	p->dirty = true;
}

static struct hop *
hop_at(struct path *p, int ttl)
{
	if (ttl < 1 || ttl > p->max_ttl)
		return NULL;
	return &p->hops[ttl];
}

void
path_probe_sent(struct path *p, int ttl)
{
	struct hop *h = hop_at(p, ttl);

	if (h == NULL)
		return;
	stats_add_sent(&h->st);
	p->dirty = true;
}

static struct path_event *
add_event(struct path *p, enum path_event_kind kind, int64_t t_ns, int ttl,
    const struct haddr *addr, int old_dest, int new_dest)
{
	struct path_event *ev = &p->events[p->nevents % PATH_MAX_EVENTS];

	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->t_ns = t_ns;
	ev->ttl = ttl;
	if (addr != NULL)
		ev->addr = *addr;
	ev->old_dest_ttl = old_dest;
	ev->new_dest_ttl = new_dest;
	ev->cycle = p->cycles;
	p->nevents++;
	p->nkind[kind]++;
	return ev;
}

/* The current path starts again at ttl: counts from there on restart. */
static void
restart_from(struct path *p, int ttl)
{
	if (ttl < 1)
		ttl = 1;
	for (; ttl <= p->max_ttl; ttl++) {
		p->hops[ttl].cur_received = 0;
		p->hops[ttl].cur_lost = 0;
	}
}

/*
 * Route-change hysteresis for one reply of flow at hop h from responder
 * ri: a different responder must answer that flow in PATH_ROUTE_CYCLES
 * cycles, with no reply from the current one in between.
 */
static void
track_flow(struct path *p, struct hop *h, uint16_t flow, int ri, int64_t t_ns)
{
	struct flow_track *ft;
	struct path_event *ev;

	if (flow >= PATH_MAX_FLOWS || ri == RESP_NONE)
		return;
	ft = &h->ft[flow];
	if (ft->cur == RESP_NONE || ft->cur == ri) {
		ft->cur = (uint8_t)ri;
		ft->cand = RESP_NONE;
		return;
	}
	if (ft->cand != ri) {
		ft->cand = (uint8_t)ri;
		ft->cand_cycles = 0;
		ft->cand_cycle = p->cycles - 1;
		ft->cand_ns = t_ns;
	}
	if (ft->cand_cycle != p->cycles) {
		ft->cand_cycle = p->cycles;
		ft->cand_cycles++;
	}
	if (ft->cand_cycles < PATH_ROUTE_CYCLES)
		return;
	ev = add_event(p, EV_ROUTE_CHANGE, ft->cand_ns, h->ttl,
	    &h->resp[ri].addr, p->dest_ttl, p->dest_ttl);
	ev->old_addr = h->resp[ft->cur].addr;
	ft->cur = (uint8_t)ri;
	ft->cand = RESP_NONE;
	restart_from(p, h->ttl);
}

/*
 * Finds the responder with address from at hop h, adding it if there is
 * room (and recording EV_NEW_RESPONDER if the hop had answered before).
 * Returns its index, or RESP_NONE when the hop already holds the maximum.
 */
static int
find_responder(
    struct path *p, struct hop *h, const struct haddr *from, int64_t now_ns)
{
	struct responder *r;

	for (int i = 0; i < h->nresp; i++)
		if (addr_eq(&h->resp[i].addr, from))
			return i;
	if (h->nresp >= HOP_MAX_RESPONDERS)
		return RESP_NONE;
	if (h->nresp == h->resp_cap) { /* 1, 2, 4, ... HOP_MAX_RESPONDERS */
		h->resp_cap = h->resp_cap == 0 ? 1 : h->resp_cap * 2;
		h->resp = xreallocarray(
		    h->resp, (size_t)h->resp_cap, sizeof(*h->resp));
	}
	if (h->nresp > 0)
		add_event(p, EV_NEW_RESPONDER, now_ns, h->ttl, from,
		    p->dest_ttl, p->dest_ttl);
	r = &h->resp[h->nresp];
	memset(r, 0, sizeof(*r));
	r->addr = *from;
	stats_init(&r->st);
	p->nresponders++;
	return h->nresp++;
}

static void
update_responder(struct responder *r, int64_t rtt_ns, uint16_t flow,
    const struct mpls_stack *mpls)
{
	stats_add_reply(&r->st, rtt_ns);
	if (flow < 64)
		r->flows |= UINT64_C(1) << flow;
	if (mpls != NULL)
		r->mpls = *mpls;
	else
		memset(&r->mpls, 0, sizeof(r->mpls));
}

/* Learns, lowers or forgets the destination TTL after a reply at ttl. */
static void
update_dest(struct path *p, int ttl, bool is_dest, int64_t now_ns,
    const struct haddr *from)
{
	int old = p->dest_ttl;

	if (is_dest && (old == 0 || ttl < old))
		p->dest_ttl = ttl;
	else if (!is_dest && old != 0 && ttl >= old)
		p->dest_ttl = 0; /* a router beyond the end: the path grew */
	if (old != 0 && p->dest_ttl != old)
		add_event(
		    p, EV_DEST_CHANGED, now_ns, ttl, from, old, p->dest_ttl);
	if (p->dest_ttl == old || p->dest_ttl == 0)
		return;
	p->dest_set_ns = now_ns;
	/* this reply is the first the TTL ever had: its probes were lost so
	 * far (loss before the target), the path did not shrink */
	p->dest_fresh =
	    p->dest_ttl < old && p->hops[p->dest_ttl].st.received == 1;
	if (p->dest_ttl != p->known_dest_ttl) {
		p->dest_run = 0;
		p->dest_last_sent_ns = INT64_MIN;
	}
}

/*
 * A destination TTL is confirmed by an answer from it to a probe sent
 * after it was set: replies of one cycle that reach the target at several
 * TTLs (sent while it was unknown) only refine it. A confirmed TTL other
 * than the last confirmed one is a destination_change, stamped when it
 * was set; the current path restarts from the lower of the two. A lower
 * TTL that had never answered before it reached the target (its probes
 * lost until then: loss on the way) is discovery, not a change.
 */
static void
confirm_dest(struct path *p, int ttl, bool is_dest, int64_t sent_ns,
    const struct haddr *from)
{
	int known = p->known_dest_ttl;

	if (!is_dest || ttl != p->dest_ttl || sent_ns < p->dest_set_ns ||
	    ttl == known)
		return;
	if (known != 0 && !(ttl < known && p->dest_fresh)) {
		add_event(
		    p, EV_DEST_TTL, p->dest_set_ns, ttl, from, known, ttl);
		restart_from(p, ttl < known ? ttl : known);
	}
	p->known_dest_ttl = ttl;
}

/*
 * Loss episodes at the destination, by send order (a timeout that settles
 * an older probe after newer replies does not break their run).
 */
static void
track_dest(
    struct path *p, int ttl, bool answered, int64_t sent_ns, int64_t t_ns)
{
	if (p->dest_ttl == 0 || ttl != p->dest_ttl ||
	    sent_ns < p->dest_last_sent_ns)
		return;
	p->dest_last_sent_ns = sent_ns;
	if (answered != (p->dest_run > 0) || p->dest_run == 0) {
		p->dest_run = 0;
		p->dest_run_ns = t_ns;
	}
	p->dest_run += answered ? 1 : -1;
	if (!p->dest_losing && p->dest_run <= -PATH_LOSS_RUN) {
		p->dest_losing = true;
		add_event(p, EV_LOSS_START, p->dest_run_ns, ttl, &p->target,
		    p->dest_ttl, p->dest_ttl);
	} else if (p->dest_losing && p->dest_run >= PATH_REPLY_RUN) {
		p->dest_losing = false;
		add_event(p, EV_LOSS_END, p->dest_run_ns, ttl, &p->target,
		    p->dest_ttl, p->dest_ttl);
	}
}

/* Counts one reply into hop h and its responder; returns the responder's
 * index (RESP_NONE past HOP_MAX_RESPONDERS). */
static int
record_reply(struct path *p, struct hop *h, const struct haddr *from,
    int64_t sent_ns, int64_t rtt_ns, uint16_t seq, uint16_t flow,
    const struct mpls_stack *mpls)
{
	int64_t now_ns = sent_ns + rtt_ns;
	struct sample smp = {sent_ns, rtt_ns, seq, RESP_NONE};
	int ri;

	if (h->st.received == 0)
		p->answered_hops++;
	stats_add_reply(&h->st, rtt_ns);
	h->cur_received++;
	ri = find_responder(p, h, from, now_ns);
	if (ri != RESP_NONE) {
		update_responder(&h->resp[ri], rtt_ns, flow, mpls);
		smp.resp = (uint8_t)ri;
	}
	history_add(&h->hist, &smp);
	p->dirty = true;
	return ri;
}

void
path_reply(struct path *p, int ttl, const struct haddr *from, int64_t sent_ns,
    int64_t rtt_ns, uint16_t seq, uint16_t flow, bool is_dest,
    const struct mpls_stack *mpls)
{
	struct hop *h = hop_at(p, ttl);
	int64_t now_ns = sent_ns + rtt_ns;
	int ri;

	if (h == NULL)
		return;
	ri = record_reply(p, h, from, sent_ns, rtt_ns, seq, flow, mpls);
	update_dest(p, ttl, is_dest, now_ns, from);
	confirm_dest(p, ttl, is_dest, sent_ns, from);
	track_flow(p, h, flow, ri, now_ns);
	track_dest(p, ttl, is_dest, sent_ns, now_ns);
}

void
path_reply_unreach(struct path *p, int ttl, const struct haddr *from,
    int64_t sent_ns, int64_t rtt_ns, uint16_t seq, uint16_t flow)
{
	struct hop *h = hop_at(p, ttl);

	if (h == NULL)
		return;
	record_reply(p, h, from, sent_ns, rtt_ns, seq, flow, NULL);
	track_dest(p, ttl, false, sent_ns, sent_ns);
}

void
path_loss(struct path *p, int ttl, int64_t sent_ns, uint16_t seq)
{
	struct hop *h = hop_at(p, ttl);
	struct sample smp = {sent_ns, -1, seq, RESP_NONE};

	if (h == NULL)
		return;
	stats_add_loss(&h->st);
	h->cur_lost++;
	history_add(&h->hist, &smp);
	track_dest(p, ttl, false, sent_ns, sent_ns);
	p->dirty = true;
}

/* Hop ttl answered from exactly one address, the same as hop other's. */
static bool
same_single(const struct path *p, int ttl, int other)
{
	const struct hop *a = &p->hops[ttl], *b = &p->hops[other];

	return a->nresp == 1 && b->nresp == 1 &&
	       addr_eq(&a->resp[0].addr, &b->resp[0].addr);
}

/*
 * The first TTL of a run of at least PATH_FOLD_RUN hops ending at last
 * that all answered from one and the same address (a device answering for
 * every TTL: the end of the path as far as probing can see), or 0.
 */
static int
folded_end(const struct path *p, int last)
{
	int first = last;

	while (first - 1 >= p->first_ttl && same_single(p, first - 1, last))
		first--;
	return last - first + 1 >= PATH_FOLD_RUN ? first : 0;
}

int
path_last_ttl(const struct path *p)
{
	int last = 0, fold;

	if (p->dest_ttl > 0)
		return p->dest_ttl;
	for (int ttl = p->max_ttl; ttl >= 1; ttl--) {
		if (p->hops[ttl].st.received > 0) {
			last = ttl;
			break;
		}
	}
	if (last > 0 && (fold = folded_end(p, last)) != 0)
		return fold;
	/* One row past the last answer shows that probing goes on. */
	if (last > 0 && last < p->max_ttl)
		last++;
	return last < p->first_ttl ? p->first_ttl : last;
}

const struct hop *
path_hop(const struct path *p, int ttl)
{
	if (ttl < 1 || ttl > p->max_ttl)
		return NULL;
	return &p->hops[ttl];
}

double
hop_share_pct(const struct hop *h, const struct responder *r)
{
	return h->st.received > 0 ? 100.0 * r->st.received / h->st.received
	                          : 0.0;
}

const struct responder *
hop_main_responder(const struct hop *h)
{
	const struct responder *best = NULL;

	for (int i = 0; i < h->nresp; i++)
		if (best == NULL || h->resp[i].st.received > best->st.received)
			best = &h->resp[i];
	return best;
}

const struct path_event *
path_event(const struct path *p, unsigned i)
{
	unsigned held =
	    p->nevents < PATH_MAX_EVENTS ? p->nevents : PATH_MAX_EVENTS;

	if (i >= held)
		return NULL;
	return &p->events[(p->nevents - 1 - i) % PATH_MAX_EVENTS];
}

void
path_send_clock(struct path *p, int ttl, bool kernel)
{
	struct hop *h = hop_at(p, ttl);

	if (h == NULL)
		return;
	if (kernel)
		h->tx_kernel++;
	else
		h->tx_user++;
}

static const char *
clock_name(unsigned kernel, unsigned user)
{
	if (kernel == 0 && user == 0)
		return NULL;
	if (user == 0)
		return "kernel";
	return kernel == 0 ? "user" : "mixed";
}

const char *
hop_send_clock(const struct hop *h)
{
	return clock_name(h->tx_kernel, h->tx_user);
}

const char *
path_send_clock_name(const struct path *p)
{
	unsigned k = 0, u = 0;

	for (int ttl = 1; ttl <= p->max_ttl; ttl++) {
		k += p->hops[ttl].tx_kernel;
		u += p->hops[ttl].tx_user;
	}
	return clock_name(k, u);
}

void
path_ping_sent(struct path *p, int ttl, const struct haddr *to)
{
	struct hop *h = hop_at(p, ttl);

	if (h == NULL)
		return;
	stats_add_sent(&h->ping);
	h->ping_addr = *to;
	p->dirty = true;
}

void
path_ping_reply(struct path *p, int ttl, int64_t rtt_ns)
{
	struct hop *h = hop_at(p, ttl);

	if (h == NULL)
		return;
	stats_add_reply(&h->ping, rtt_ns);
	p->dirty = true;
}

void
path_ping_loss(struct path *p, int ttl)
{
	struct hop *h = hop_at(p, ttl);

	if (h == NULL)
		return;
	stats_add_loss(&h->ping);
	p->dirty = true;
}

bool
path_event_is_timeline(enum path_event_kind kind)
{
	return kind >= EV_ROUTE_CHANGE && kind < EV_KINDS;
}

unsigned
path_event_count(const struct path *p, enum path_event_kind kind)
{
	return kind >= 0 && kind < EV_KINDS ? p->nkind[kind] : 0;
}

const struct path_event *
path_last_timeline_event(const struct path *p)
{
	const struct path_event *ev;

	for (unsigned i = 0; (ev = path_event(p, i)) != NULL; i++)
		if (path_event_is_timeline(ev->kind))
			return ev;
	return NULL;
}

const struct responder *
hop_current_responder(const struct hop *h)
{
	for (int f = 0; f < PATH_MAX_FLOWS; f++)
		if (h->ft[f].cur < h->nresp)
			return &h->resp[h->ft[f].cur];
	return hop_main_responder(h);
}
