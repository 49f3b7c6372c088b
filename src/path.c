/*
 * path: the model. hops[ttl] for ttl 1..max_ttl (hops[0] unused), each with
 * its statistics, history ring and up to HOP_MAX_RESPONDERS responders.
 * Every writer sets p->dirty; the front clears it after drawing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/path.h"
#include "hoptop/xmalloc.h"

#define RESP_NONE 0xff

static void
hop_init(struct hop *h, int ttl)
{
	memset(h, 0, sizeof(*h));
	h->ttl = ttl;
	stats_init(&h->st);
	history_init(&h->hist);
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
	path_reset(p);
	return p;
}

void
path_free(struct path *p)
{
	if (p == NULL)
		return;
	free(p->hops);
	free(p);
}

void
path_reset(struct path *p)
{
	for (int ttl = 0; ttl <= p->max_ttl; ttl++)
		hop_init(&p->hops[ttl], ttl);
	p->dest_ttl = 0;
	p->cycles = 0;
	p->nevents = 0;
	memset(p->events, 0, sizeof(p->events));
	p->nresponders = 0;
	p->answered_hops = 0;
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

static void
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
	p->nevents++;
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
	if (h->nresp > 0)
		add_event(p, EV_NEW_RESPONDER, now_ns, h->ttl, from,
		    p->dest_ttl, p->dest_ttl);
	r = &h->resp[h->nresp];
	memset(r, 0, sizeof(*r));
	r->addr = *from;
	stats_init(&r->st);
	r->first_ns = now_ns;
	p->nresponders++;
	return h->nresp++;
}

static void
update_responder(struct responder *r, int64_t rtt_ns, int64_t now_ns,
    uint16_t flow, const struct mpls_stack *mpls)
{
	stats_add_reply(&r->st, rtt_ns);
	if (flow < 64)
		r->flows |= UINT64_C(1) << flow;
	if (mpls != NULL)
		r->mpls = *mpls;
	else
		memset(&r->mpls, 0, sizeof(r->mpls));
	r->last_ns = now_ns;
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
}

void
path_reply(struct path *p, int ttl, const struct haddr *from, int64_t sent_ns,
    int64_t rtt_ns, uint16_t seq, uint16_t flow, bool is_dest,
    const struct mpls_stack *mpls)
{
	struct hop *h = hop_at(p, ttl);
	int64_t now_ns = sent_ns + rtt_ns;
	struct sample smp = {sent_ns, rtt_ns, seq, RESP_NONE};
	int ri;

	if (h == NULL)
		return;
	if (h->st.received == 0)
		p->answered_hops++;
	stats_add_reply(&h->st, rtt_ns);
	ri = find_responder(p, h, from, now_ns);
	if (ri != RESP_NONE) {
		update_responder(&h->resp[ri], rtt_ns, now_ns, flow, mpls);
		smp.resp = (uint8_t)ri;
	}
	history_add(&h->hist, &smp);
	update_dest(p, ttl, is_dest, now_ns, from);
	p->dirty = true;
}

void
path_loss(struct path *p, int ttl, int64_t sent_ns, uint16_t seq)
{
	struct hop *h = hop_at(p, ttl);
	struct sample smp = {sent_ns, -1, seq, RESP_NONE};

	if (h == NULL)
		return;
	stats_add_loss(&h->st);
	history_add(&h->hist, &smp);
	p->dirty = true;
}

int
path_last_ttl(const struct path *p)
{
	int last = 0;

	if (p->dest_ttl > 0)
		return p->dest_ttl;
	for (int ttl = p->max_ttl; ttl >= 1; ttl--) {
		if (p->hops[ttl].st.received > 0) {
			last = ttl;
			break;
		}
	}
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
