/*
 * sim: the in-process transport over netsim. send() builds the probe with
 * packet_build_ip() and hands it to the simulator; recv() takes the replies
 * that are due, parses them with packet_parse_ip() and keeps only ours, as
 * a raw socket plus the net transport's filter would. The receive time is
 * the reply's due time, exactly, so with a fake clock the RTTs the engine
 * measures are the scenario's delays to the nanosecond.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/sim.h"
#include "hoptop/xmalloc.h"

struct sim {
	struct transport base; /* first: a struct transport * is a sim */
	struct netsim *ns;     /* the caller's */
	const struct hclock *clk;
	struct haddr src;
	uint16_t ip_id;
	uint8_t buf[PACKET_MAX];
};

static int
sim_fd(struct transport *t)
{
	(void)t;
	return -1;
}

static int
sim_send(struct transport *t, const struct probe *p, int64_t *sent_ns)
{
	struct sim *s = (struct sim *)t;
	const struct transport_params *tp = &t->params;
	struct probe_spec ps = {
	    .family = tp->family,
	    .proto = tp->proto,
	    .src = s->src,
	    .dst = tp->target,
	    .ident = tp->ident,
	    .dport = tp->port,
	    .seq = p->seq,
	    .flow = p->flow,
	    .tos = tp->tos,
	    .size = tp->size,
	    .cookie = tp->cookie,
	};
	ssize_t n =
	    packet_build_ip(&ps, p->ttl, s->ip_id++, s->buf, sizeof(s->buf));

	*sent_ns = clock_now(s->clk);
	if (n < 0)
		return -1;
	return netsim_input(s->ns, s->buf, (size_t)n, *sent_ns);
}

/* Ping-the-hop: an Echo Request to dst with TTL 255 (ICMP only). */
static int
sim_send_ping(struct transport *t, const struct haddr *dst, uint16_t seq,
    int64_t *sent_ns)
{
	struct sim *s = (struct sim *)t;
	const struct transport_params *tp = &t->params;
	struct probe_spec ps = {.family = tp->family,
	    .proto = PROTO_ICMP,
	    .src = s->src,
	    .dst = *dst,
	    .ident = tp->ident,
	    .seq = seq,
	    .tos = tp->tos,
	    .cookie = tp->cookie};
	ssize_t n;

	*sent_ns = clock_now(s->clk);
	if (tp->proto != PROTO_ICMP || dst->family != tp->family) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	t->params.ping_to = *dst;
	n = packet_build_ip(&ps, 255, s->ip_id++, s->buf, sizeof(s->buf));
	if (n < 0)
		return -1;
	return netsim_input(s->ns, s->buf, (size_t)n, *sent_ns);
}

/*
 * Pops due replies until one is ours. Every pop removes a packet, so the
 * loop ends when the queue has nothing more due.
 */
static int
sim_recv(struct transport *t, struct reply *r, int64_t now_ns)
{
	struct sim *s = (struct sim *)t;
	struct pkt_reply pr;
	const char *why;

	for (;;) {
		int64_t due_ns = netsim_next_due(s->ns);
		ssize_t n;

		if (due_ns > now_ns)
			return 0;
		n = netsim_output(s->ns, now_ns, s->buf, sizeof(s->buf));
		if (n <= 0)
			return 0;
		if (packet_parse_ip(s->buf, (size_t)n, &pr, &why) < 0 ||
		    !transport_check_reply(&t->params, &pr, false, r))
			continue;
		r->rx_ns = due_ns;
		return 1;
	}
}

static int64_t
sim_next_deadline(struct transport *t)
{
	int64_t due_ns = netsim_next_due(((struct sim *)t)->ns);

	return due_ns == INT64_MAX ? CLOCK_NEVER : due_ns;
}

static const char *
sim_method(const struct transport *t)
{
	(void)t;
	return "simulated";
}

static void
sim_source(const struct transport *t, struct haddr *out)
{
	*out = ((const struct sim *)t)->src;
}

static void
sim_free(struct transport *t)
{
	free(t);
}

static const struct transport_ops sim_ops = {
    .fd = sim_fd,
    .send = sim_send,
    .recv = sim_recv,
    .next_deadline = sim_next_deadline,
    .method = sim_method,
    .source = sim_source,
    .free = sim_free,
    .send_ping = sim_send_ping,
};

/*
 * NULL with errno EAFNOSUPPORT if the scenario has no source for the
 * family, EINVAL on a bad family.
 */
struct transport *
sim_new(struct netsim *ns, const struct transport_params *tp,
    const struct hclock *clk)
{
	struct sim *s;
	struct haddr src;

	if (tp->family != AF_INET && tp->family != AF_INET6) {
		errno = EINVAL;
		return NULL;
	}
	if (netsim_source(ns, tp->family, &src) < 0)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->base.ops = &sim_ops;
	s->base.params = *tp;
	s->ns = ns;
	s->clk = clk;
	s->src = src;
	s->ip_id = 1;
	return &s->base;
}
