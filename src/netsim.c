/*
 * netsim: a seeded, simulated network (its runtime; the scenario loader is
 * netsim_scenario.c).
 *
 * A scenario (JSON, see tests/data/scenarios/README.md) is a path of hops.
 * Each outgoing probe is walked along it to the hop where its TTL runs out
 * (or to the target), and the answer that hop would send (Time Exceeded,
 * Echo Reply, Port Unreachable, RST / SYN-ACK) is built as a whole IP packet
 * with correct checksums and queued until its due time. All randomness
 * (loss, jitter) comes from one splitmix64 stream seeded by the scenario and
 * drawn in a fixed order, so the same probes at the same times always get
 * the same replies. ECMP choices are a hash of the flow, not random.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/netsim.h"
#include "hoptop/packet.h"
#include "hoptop/xmalloc.h"

#include "netsim_private.h"

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static int
family_index(int family)
{
	return family == AF_INET ? 0 : family == AF_INET6 ? 1 : -1;
}

static size_t
ip_hdr_len(int family)
{
	return family == AF_INET ? IP4_HDR : IP6_HDR;
}

static uint8_t
icmp_proto(int family)
{
	return family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
}

/* ---- randomness ---- */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64: the next value of the scenario's stream. */
static uint64_t
next_rand(struct netsim *ns)
{
	ns->rng += 0x9e3779b97f4a7c15ULL;
	return mix64(ns->rng);
}

/* Uniform in [0, 1). */
static double
uniform(struct netsim *ns)
{
	return (double)(next_rand(ns) >> 11) * 0x1.0p-53;
}

/* True with probability p; draws nothing when p is 0. */
static bool
chance(struct netsim *ns, double p)
{
	return p > 0 && uniform(ns) < p;
}

static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- reply queue ---- */

static bool
key_less(const struct qkey *a, const struct qkey *b)
{
	if (a->due_ns != b->due_ns)
		return a->due_ns < b->due_ns;
	return a->order < b->order;
}

/* Doubles the queue (amortized: nothing is allocated per packet). */
static bool
queue_grow(struct netsim *ns)
{
	size_t ncap = ns->cap ? ns->cap * 2 : QUEUE_START;

	if (ncap > QUEUE_MAX)
		return false;
	ns->heap = xreallocarray(ns->heap, ncap, sizeof(*ns->heap));
	ns->slots = xreallocarray(ns->slots, ncap, sizeof(*ns->slots));
	ns->free_slots =
	    xreallocarray(ns->free_slots, ncap, sizeof(*ns->free_slots));
	for (size_t i = ncap; i > ns->cap; i--)
		ns->free_slots[ns->n_free++] = (uint32_t)(i - 1);
	ns->cap = ncap;
	return true;
}

/* Queues len bytes due at due_ns; false if the queue is full. */
static bool
queue_push(struct netsim *ns, int64_t due_ns, const uint8_t *p, size_t len)
{
	struct qkey k;
	size_t i;

	if (ns->n_free == 0 && !queue_grow(ns))
		return false;
	k.due_ns = due_ns;
	k.order = ns->order++;
	k.slot = ns->free_slots[--ns->n_free];
	memcpy(ns->slots[k.slot].data, p, len);
	ns->slots[k.slot].len = (uint16_t)len;
	for (i = ns->n_queued++; i > 0; i = (i - 1) / 2) {
		if (!key_less(&k, &ns->heap[(i - 1) / 2]))
			break;
		ns->heap[i] = ns->heap[(i - 1) / 2];
	}
	ns->heap[i] = k;
	return true;
}

/* Removes the earliest key; its slot stays readable until the next push. */
static struct qkey
queue_pop(struct netsim *ns)
{
	struct qkey top = ns->heap[0];
	struct qkey last = ns->heap[--ns->n_queued];
	size_t i = 0, c, n = ns->n_queued;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && key_less(&ns->heap[c + 1], &ns->heap[c]))
			c++;
		if (!key_less(&ns->heap[c], &last))
			break;
		ns->heap[i] = ns->heap[c];
		i = c;
	}
	if (n > 0)
		ns->heap[i] = last;
	ns->free_slots[ns->n_free++] = top.slot;
	return top;
}

/* ---- reading probes ---- */

static int
read_ip4(const uint8_t *p, size_t len, struct probe_in *pi)
{
	size_t ihl = (size_t)(p[0] & 0x0f) * 4, tot;

	if (len < IP4_HDR)
		return -1;
	tot = packet_get16(p + 2);
	if (ihl < IP4_HDR || tot < ihl || tot > len)
		return -1;
	if (packet_get16(p + 6) & 0x3fff)
		return 1; /* a fragment: never one of our probes */
	pi->family = AF_INET;
	pi->fi = 0;
	pi->ttl = p[8];
	pi->proto = p[9];
	addr_from_bytes(&pi->src, AF_INET, p + 12);
	addr_from_bytes(&pi->dst, AF_INET, p + 16);
	pi->len = tot;
	pi->iphl = ihl;
	return 0;
}

static int
read_ip6(const uint8_t *p, size_t len, struct probe_in *pi)
{
	size_t tot;

	if (len < IP6_HDR)
		return -1;
	tot = IP6_HDR + (size_t)packet_get16(p + 4);
	if (tot > len)
		return -1;
	pi->family = AF_INET6;
	pi->fi = 1;
	pi->proto = p[6];
	pi->ttl = p[7];
	addr_from_bytes(&pi->src, AF_INET6, p + 8);
	addr_from_bytes(&pi->dst, AF_INET6, p + 24);
	pi->len = tot;
	pi->iphl = IP6_HDR;
	return 0;
}

/* Is the transport part a probe: Echo Request, UDP, or a bare TCP SYN? */
static int
check_l4(const struct probe_in *pi)
{
	const uint8_t *l4 = pi->pkt + pi->iphl;
	size_t n = pi->len - pi->iphl;

	switch (pi->proto) {
	case IPPROTO_UDP:
		return n < UDP_HDR ? -1 : 0;
	case IPPROTO_TCP:
		if (n < TCP_HDR)
			return -1;
		/* not a SYN-ACK, RST or data a kernel sends through TUN */
		return (l4[13] & TCP_FLAGS) == TH_SYN ? 0 : 1;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (pi->proto != icmp_proto(pi->family))
			return 1;
		if (n < ICMP_HDR)
			return -1;
		return l4[0] == (pi->fi ? ICMP6_ECHO_REQUEST : ICMP_ECHO) ? 0
		                                                          : 1;
	default:
		return 1;
	}
}

/*
 * Reads an outgoing packet: 0 a probe (pi filled), 1 a packet that is not
 * a probe (ignored), -1 not a parsable IP packet.
 */
static int
read_probe(const uint8_t *p, size_t len, struct probe_in *pi)
{
	int rc;

	memset(pi, 0, sizeof(*pi));
	if (len == 0)
		return -1;
	if (p[0] >> 4 == 4)
		rc = read_ip4(p, len, pi);
	else if (p[0] >> 4 == 6)
		rc = read_ip6(p, len, pi);
	else
		return -1;
	if (rc != 0)
		return rc;
	if (pi->len > PACKET_MAX)
		return 1; /* larger than the simulated MTU */
	pi->pkt = p;
	return check_l4(pi);
}

/* ---- building replies ---- */

/* Writes the IP header in front of the l4len bytes already after it. */
static void
put_ip(struct netsim *ns, uint8_t *b, int family, const struct haddr *src,
    const struct haddr *dst, uint8_t proto, uint8_t ttl, size_t l4len)
{
	if (family == AF_INET) {
		memset(b, 0, IP4_HDR);
		b[0] = 0x45;
		packet_put16(b + 2, (uint16_t)(IP4_HDR + l4len));
		packet_put16(b + 4, ns->ip_id++);
		b[8] = ttl;
		b[9] = proto;
		memcpy(b + 12, &src->u.v4, 4);
		memcpy(b + 16, &dst->u.v4, 4);
		packet_put16(b + 10, packet_checksum(b, IP4_HDR, 0));
		return;
	}
	memset(b, 0, IP6_HDR);
	b[0] = 0x60;
	packet_put16(b + 4, (uint16_t)l4len);
	b[6] = proto;
	b[7] = ttl;
	memcpy(b + 8, &src->u.v6, 16);
	memcpy(b + 24, &dst->u.v6, 16);
}

/* Sets the checksum at off of an ICMP, ICMPv6 or TCP message. */
static void
put_l4_sum(uint8_t *m, size_t len, size_t off, uint8_t proto,
    const struct haddr *src, const struct haddr *dst)
{
	uint32_t sum = 0;

	if (proto != IPPROTO_ICMP)
		sum = packet_pseudo_sum(src, dst, proto, (uint32_t)len);
	m[off] = m[off + 1] = 0;
	packet_put16(m + off, packet_checksum(m, len, sum));
}

/*
 * Copies the probe as a router quotes it into q: IPv4 its header + 8 bytes
 * (RFC 792), IPv6 as much as fits in 1280 bytes, or with extensions exactly
 * 128 bytes (zero-padded, RFC 4884). The TTL is the one it arrived with.
 * Returns the quote's length.
 */
static size_t
put_quote(const struct probe_in *pi, uint8_t qttl, bool ext, uint8_t *q)
{
	size_t n;

	if (ext)
		n = min_size(pi->len, EXT_QUOTE);
	else if (pi->family == AF_INET)
		n = min_size(pi->len, pi->iphl + 8);
	else
		n = min_size(pi->len, V6_MIN_MTU - IP6_HDR - ICMP_HDR);
	memcpy(q, pi->pkt, n);
	if (ext && n < EXT_QUOTE)
		memset(q + n, 0, EXT_QUOTE - n);
	if (pi->family == AF_INET) {
		q[8] = qttl;
		q[10] = q[11] = 0;
		packet_put16(q + 10, packet_checksum(q, pi->iphl, 0));
	} else {
		q[7] = qttl;
	}
	return ext ? EXT_QUOTE : n;
}

/* RFC 4884 extension structure with one RFC 4950 MPLS object. */
static size_t
put_ext(const struct mpls_stack *m, uint8_t *e)
{
	size_t olen = 4 + 4 * (size_t)m->n;

	memset(e, 0, 4 + olen);
	e[0] = 0x20; /* version 2 */
	packet_put16(e + 4, (uint16_t)olen);
	e[6] = 1; /* class: MPLS label stack */
	e[7] = 1; /* c-type: incoming stack */
	for (size_t i = 0; i < m->n; i++) {
		const struct mpls_label *l = &m->l[i];

		packet_put32(e + 8 + 4 * i, l->label << 12 |
		                                (uint32_t)l->tc << 9 |
		                                (uint32_t)l->s << 8 | l->ttl);
	}
	packet_put16(e + 2, packet_checksum(e, 4 + olen, 0));
	return 4 + olen;
}

/* Time Exceeded or Destination Unreachable from `from`, quoting pi. */
static void
build_icmp_err(struct netsim *ns, const struct probe_in *pi,
    const struct haddr *from, const struct icmp_err *ie, uint8_t rttl,
    struct pbuf *r)
{
	size_t off = ip_hdr_len(pi->family), qlen, len;
	uint8_t *m = r->b + off;
	bool ext = ie->mpls != NULL && ie->mpls->n > 0;

	memset(m, 0, ICMP_HDR);
	m[0] = ie->type;
	m[1] = ie->code;
	qlen = put_quote(pi, ie->qttl, ext, m + ICMP_HDR);
	len = ICMP_HDR + qlen;
	if (ext) {
		/* RFC 4884 length: 32-bit words (IPv4), 64-bit (IPv6). */
		if (pi->family == AF_INET)
			m[5] = (uint8_t)(qlen / 4);
		else
			m[4] = (uint8_t)(qlen / 8);
		len += put_ext(ie->mpls, m + len);
	}
	put_l4_sum(m, len, 2, icmp_proto(pi->family), from, &pi->src);
	put_ip(ns, r->b, pi->family, from, &pi->src, icmp_proto(pi->family),
	    rttl, len);
	r->len = off + len;
}

static void
build_echo_reply(struct netsim *ns, const struct probe_in *pi,
    const struct haddr *from, uint8_t rttl, struct pbuf *r)
{
	size_t off = ip_hdr_len(pi->family), len = pi->len - pi->iphl;
	uint8_t *m = r->b + off;

	memcpy(m, pi->pkt + pi->iphl, len);
	m[0] = pi->fi ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY;
	m[1] = 0;
	put_l4_sum(m, len, 2, icmp_proto(pi->family), from, &pi->src);
	put_ip(ns, r->b, pi->family, from, &pi->src, icmp_proto(pi->family),
	    rttl, len);
	r->len = off + len;
}

/* RST|ACK for a closed port, SYN|ACK for an open one (ack = seq + 1). */
static void
build_tcp_reply(struct netsim *ns, const struct probe_in *pi,
    const struct haddr *from, bool open, uint8_t rttl, struct pbuf *r)
{
	const uint8_t *t = pi->pkt + pi->iphl;
	size_t off = ip_hdr_len(pi->family);
	uint8_t *m = r->b + off;

	memset(m, 0, TCP_HDR);
	memcpy(m, t + 2, 2);
	memcpy(m + 2, t, 2);
	packet_put32(
	    m + 4, open ? (uint32_t)mix64(ns->seed ^ packet_get32(t + 4)) : 0);
	packet_put32(m + 8, packet_get32(t + 4) + 1);
	m[12] = 5 << 4;
	m[13] = open ? TH_SYN | TH_ACK : TH_RST | TH_ACK;
	packet_put16(m + 14, open ? 65535 : 0);
	put_l4_sum(m, TCP_HDR, 16, IPPROTO_TCP, from, &pi->src);
	put_ip(
	    ns, r->b, pi->family, from, &pi->src, IPPROTO_TCP, rttl, TCP_HDR);
	r->len = off + TCP_HDR;
}

/* What the target answers: Echo Reply, Port Unreachable, RST / SYN-ACK. */
static void
build_dest_reply(struct netsim *ns, const struct hop *h,
    const struct probe_in *pi, uint8_t qttl, uint8_t rttl, struct pbuf *r)
{
	const struct haddr *from = &ns->dst[pi->fi];
	struct icmp_err ie = {ICMP_DEST_UNREACH, 3, qttl, NULL};

	if (pi->proto == IPPROTO_TCP) {
		build_tcp_reply(ns, pi, from, h->tcp_open, rttl, r);
	} else if (pi->proto == IPPROTO_UDP) {
		if (pi->fi) {
			ie.type = ICMP6_DST_UNREACH;
			ie.code = 4;
		}
		build_icmp_err(ns, pi, from, &ie, rttl, r);
	} else {
		build_echo_reply(ns, pi, from, rttl, r);
	}
}

/* ---- the walk ---- */

static struct route *
route_at(struct netsim *ns, int64_t now_ns)
{
	int i = 0;

	while (i + 1 < ns->n_routes &&
	       now_ns - ns->start_ns >= ns->routes[i + 1].at_ns)
		i++;
	return &ns->routes[i];
}

/*
 * The ECMP hash of hop k: source, destination, protocol and the first four
 * bytes of the transport header (ports; ICMP type, code and checksum).
 */
static uint64_t
flow_hash(const struct netsim *ns, int k, const struct probe_in *pi)
{
	size_t alen = pi->family == AF_INET ? 4 : 16;
	uint8_t head[9];
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < 8; i++)
		head[i] = (uint8_t)(ns->seed >> (8 * i));
	head[8] = (uint8_t)k;
	h = fnv(h, head, sizeof(head));
	h = fnv(h, (const uint8_t *)&pi->src.u, alen);
	h = fnv(h, (const uint8_t *)&pi->dst.u, alen);
	h = fnv(h, &pi->proto, 1);
	h = fnv(h, pi->pkt + pi->iphl, 4);
	return mix64(h);
}

/* The address hop k answers pi from, or NULL if it has none. */
static const struct haddr *
hop_addr(const struct netsim *ns, const struct hop *h, int k,
    const struct probe_in *pi)
{
	const struct haddr *c[MAX_ECMP];
	size_t n = 0;

	for (int i = 0; i < h->n_addrs; i++)
		if (h->addrs[i].family == pi->family)
			c[n++] = &h->addrs[i];
	if (n == 0)
		return NULL;
	return c[n == 1 ? 0 : flow_hash(ns, k, pi) % n];
}

/* True if a token was there to take (always, without a limit). */
static bool
bucket_take(struct bucket *b, int64_t now_ns)
{
	if (b->pps <= 0)
		return true;
	if (!b->primed) {
		b->tokens = b->burst;
		b->last_ns = now_ns;
		b->primed = true;
	}
	if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) * b->pps / 1e9;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ns = now_ns;
	}
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

static uint8_t
reply_ttl(const struct hop *h, int k, bool dest)
{
	int ttl = (dest ? HOST_TTL : ROUTER_TTL) - (k - 1);

	if (h->reply_ttl > 0)
		return (uint8_t)h->reply_ttl;
	return (uint8_t)(ttl < 1 ? 1 : ttl);
}

/*
 * Walks the probe to the hop where it ends (its TTL runs out, or the
 * target): *k is that hop (1-based), *delay_ns its reply's round trip.
 * Returns -1 if a hop before it dropped the probe (forward_loss).
 */
static int
walk_to(struct netsim *ns, const struct route *rt, int end, int64_t *delay_ns)
{
	int64_t d = 0;

	for (int i = 0; i < end; i++) {
		const struct hop *h = &rt->hops[i];

		d += h->delay_ns;
		if (h->jitter_ns > 0)
			d +=
			    (int64_t)(uniform(ns) * (double)(h->jitter_ns + 1));
		if (i + 1 < end && chance(ns, h->fwd_loss))
			return -1;
	}
	*delay_ns = d;
	return 0;
}

static int
walk(struct netsim *ns, const struct route *rt, const struct probe_in *pi,
    int *k, int64_t *delay_ns)
{
	*k = pi->ttl < rt->n_hops ? pi->ttl : rt->n_hops;
	return walk_to(ns, rt, *k, delay_ns);
}

/* The router (1-based, before the target) that owns address a, or 0. */
static int
router_with(const struct route *rt, const struct haddr *a)
{
	for (int k = 1; k < rt->n_hops; k++)
		for (int i = 0; i < rt->hops[k - 1].n_addrs; i++)
			if (addr_eq(&rt->hops[k - 1].addrs[i], a))
				return k;
	return 0;
}

/*
 * An Echo Request to router k's own address that reaches it (TTL enough):
 * it crosses hops 1..k-1 (their forward loss) and k answers from that
 * address unless silent or its own loss says no. Its rate limit is for
 * the ICMP errors it generates (as Linux's icmp_ratelimit), not for Echo
 * Replies. Not in netsim_counts (those count probes by TTL). True if the
 * packet was such a ping (answered or not).
 */
static bool
ping_router(struct netsim *ns, const struct route *rt,
    const struct probe_in *pi, int64_t now_ns)
{
	int k = router_with(rt, &pi->dst);
	const struct hop *h;
	int64_t delay_ns;
	struct pbuf r;

	if (k == 0 || pi->ttl < k || pi->proto != icmp_proto(pi->family) ||
	    pi->pkt[pi->iphl] != (pi->fi ? ICMP6_ECHO_REQUEST : ICMP_ECHO))
		return false;
	h = &rt->hops[k - 1];
	if (walk_to(ns, rt, k, &delay_ns) < 0 || h->silent ||
	    chance(ns, h->loss))
		return true;
	build_echo_reply(ns, pi, &pi->dst, reply_ttl(h, k, false), &r);
	queue_push(ns, now_ns + delay_ns, r.b, r.len);
	return true;
}

/*
 * Builds the reply hop k would send to pi into r, with its source in *from.
 * False if there is none: no address of the family, or a probe for another
 * destination reaching the end of the path.
 */
static bool
build_answer(struct netsim *ns, const struct route *rt, int k,
    const struct probe_in *pi, struct pbuf *r, const struct haddr **from)
{
	const struct hop *h = &rt->hops[k - 1];
	bool dest = k == rt->n_hops;
	uint8_t qttl = (uint8_t)(pi->ttl - (k - 1));
	struct icmp_err ie = {pi->fi ? ICMP6_TIME_EXCEEDED : ICMP_TIME_EXCEEDED,
	    0, qttl, &h->mpls};

	if (dest) {
		*from = &ns->dst[pi->fi];
		if (!addr_eq(*from, &pi->dst))
			return false;
		build_dest_reply(ns, h, pi, qttl, reply_ttl(h, k, true), r);
		return true;
	}
	*from = hop_addr(ns, h, k, pi);
	if (*from == NULL)
		return false;
	build_icmp_err(ns, pi, *from, &ie, reply_ttl(h, k, false), r);
	return true;
}

/* ---- hostile hops ---- */

enum forge { FORGE_IDENT, FORGE_DST, FORGE_EXT };

/* The reply cut after 4 bytes of ICMP/TCP (IP length still says all). */
static void
junk_truncated(const struct probe_in *pi, const struct pbuf *r, struct pbuf *j)
{
	j->len = ip_hdr_len(pi->family) + 4;
	memcpy(j->b, r->b, j->len);
}

/* The whole reply, but its IP header claims 100 bytes more. */
static void
junk_bad_length(const struct probe_in *pi, const struct pbuf *r, struct pbuf *j)
{
	memcpy(j->b, r->b, r->len);
	j->len = r->len;
	if (pi->family == AF_INET) {
		packet_put16(j->b + 2, (uint16_t)(r->len + 100));
		packet_put16(j->b + 10, 0);
		packet_put16(j->b + 10, packet_checksum(j->b, IP4_HDR, 0));
	} else {
		packet_put16(j->b + 4, (uint16_t)(r->len - IP6_HDR + 100));
	}
}

/*
 * A Time Exceeded from `from` quoting a probe that is not ours: another
 * ident (or source port), another destination, or another ident with an
 * RFC 4884 length far beyond the packet.
 */
static void
junk_foreign(struct netsim *ns, const struct probe_in *pi,
    const struct haddr *from, enum forge how, struct pbuf *j)
{
	static const struct mpls_stack one = {1, {{16, 0, 1, 1}}};
	uint8_t copy[PACKET_MAX], *id = copy + pi->iphl;
	struct probe_in fp = *pi;
	struct icmp_err ie = {pi->fi ? ICMP6_TIME_EXCEEDED : ICMP_TIME_EXCEEDED,
	    0, 1, how == FORGE_EXT ? &one : NULL};
	size_t off = ip_hdr_len(pi->family);

	memcpy(copy, pi->pkt, pi->len);
	fp.pkt = copy;
	if (how == FORGE_DST) {
		copy[pi->fi ? IP6_HDR - 1 : IP4_HDR - 1] ^= 0xff;
	} else {
		if (pi->proto == IPPROTO_ICMP || pi->proto == IPPROTO_ICMPV6)
			id += 4;
		packet_put16(id, packet_get16(id) ^ FOREIGN);
	}
	build_icmp_err(ns, &fp, from, &ie, ROUTER_TTL, j);
	if (how == FORGE_EXT) {
		j->b[off + (pi->fi ? 4 : 5)] = 0xff;
		put_l4_sum(j->b + off, j->len - off, 2, icmp_proto(pi->family),
		    from, &pi->src);
	}
}

/* An Echo Request from the hop to the prober: unrelated to any probe. */
static void
junk_echo_request(struct netsim *ns, const struct probe_in *pi,
    const struct haddr *from, struct pbuf *j)
{
	size_t off = ip_hdr_len(pi->family), len = ICMP_HDR + 8;
	uint8_t *m = j->b + off;

	memset(m, 0, len);
	m[0] = pi->fi ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	packet_put16(m + 4, FOREIGN);
	packet_put16(m + 6, 1);
	memcpy(m + 8, "netsim!!", 8);
	put_l4_sum(m, len, 2, icmp_proto(pi->family), from, &pi->src);
	put_ip(ns, j->b, pi->family, from, &pi->src, icmp_proto(pi->family),
	    ROUTER_TTL, len);
	j->len = off + len;
}

/*
 * A hostile hop's extra packets for one probe, all due with its reply:
 * malformed copies of the reply, errors quoting probes that are not ours,
 * an unrelated Echo Request; and if the real reply went out, a duplicate
 * and a copy LATE_NS later.
 */
static void
emit_junk(struct netsim *ns, const struct probe_in *pi,
    const struct haddr *from, const struct pbuf *r, bool sent, int64_t due_ns)
{
	struct pbuf j;

	junk_truncated(pi, r, &j);
	queue_push(ns, due_ns, j.b, j.len);
	junk_bad_length(pi, r, &j);
	queue_push(ns, due_ns, j.b, j.len);
	for (int how = FORGE_IDENT; how <= FORGE_EXT; how++) {
		junk_foreign(ns, pi, from, (enum forge)how, &j);
		queue_push(ns, due_ns, j.b, j.len);
	}
	junk_echo_request(ns, pi, from, &j);
	queue_push(ns, due_ns, j.b, j.len);
	if (sent) {
		queue_push(ns, due_ns, r->b, r->len);
		queue_push(ns, due_ns + LATE_NS, r->b, r->len);
	}
}

/*
 * Hop k's part: count the probe, and queue its reply unless the hop is
 * silent, out of tokens, or loses it. Order: silent, rate limit, loss.
 */
static void
answer(struct netsim *ns, struct route *rt, int k, const struct probe_in *pi,
    int64_t now_ns, int64_t delay_ns)
{
	struct hop *h = &rt->hops[k - 1];
	struct netsim_counts *c = &ns->counts[pi->ttl];
	const struct haddr *from = NULL;
	struct pbuf r;
	bool have, sent = false;

	c->probes++;
	have = (!h->silent || h->hostile) &&
	       build_answer(ns, rt, k, pi, &r, &from);
	if (have && !h->silent && bucket_take(&h->rl, now_ns) &&
	    !chance(ns, h->loss))
		sent = queue_push(ns, now_ns + delay_ns, r.b, r.len);
	if (sent) {
		c->answered++;
		c->hold_ns += (uint64_t)delay_ns;
	} else {
		c->dropped++;
	}
	if (have && h->hostile)
		emit_junk(ns, pi, from, &r, sent, now_ns + delay_ns);
}

/* ---- public: running ---- */

int
netsim_input(struct netsim *ns, const uint8_t *pkt, size_t len, int64_t now_ns)
{
	struct probe_in pi;
	struct route *rt;
	int64_t delay_ns;
	int k, rc;

	rc = read_probe(pkt, len, &pi);
	if (rc < 0) {
		errno = EINVAL;
		return -1;
	}
	if (rc > 0 || pi.ttl == 0)
		return 0;
	if (!ns->started) {
		ns->started = true;
		ns->start_ns = now_ns;
	}
	rt = route_at(ns, now_ns);
	if (ping_router(ns, rt, &pi, now_ns))
		return 0;
	if (walk(ns, rt, &pi, &k, &delay_ns) < 0) {
		ns->counts[pi.ttl].fwd_lost++;
		return 0;
	}
	answer(ns, rt, k, &pi, now_ns, delay_ns);
	return 0;
}

int64_t
netsim_next_due(const struct netsim *ns)
{
	return ns->n_queued > 0 ? ns->heap[0].due_ns : INT64_MAX;
}

ssize_t
netsim_output(struct netsim *ns, int64_t now_ns, uint8_t *buf, size_t cap)
{
	struct qkey k;
	size_t n;

	if (ns->n_queued == 0 || ns->heap[0].due_ns > now_ns)
		return 0;
	k = queue_pop(ns);
	n = min_size(ns->slots[k.slot].len, cap);
	memcpy(buf, ns->slots[k.slot].data, n);
	return (ssize_t)n;
}

void
netsim_counts(const struct netsim *ns, int ttl, struct netsim_counts *out)
{
	if (ttl < 1 || ttl > 255) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = ns->counts[ttl];
}

const char *
netsim_name(const struct netsim *ns)
{
	return ns->name;
}

int
netsim_hop_count(const struct netsim *ns)
{
	return ns->routes[0].n_hops;
}

static int
family_addr(const struct haddr pair[2], int family, struct haddr *out)
{
	int fi = family_index(family);

	memset(out, 0, sizeof(*out));
	out->family = AF_UNSPEC;
	if (fi < 0 || !addr_is_set(&pair[fi])) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	*out = pair[fi];
	return 0;
}

int
netsim_target(const struct netsim *ns, int family, struct haddr *out)
{
	return family_addr(ns->dst, family, out);
}

int
netsim_source(const struct netsim *ns, int family, struct haddr *out)
{
	return family_addr(ns->src, family, out);
}

void
netsim_free(struct netsim *ns)
{
	if (ns == NULL)
		return;
	for (int i = 0; i < ns->n_routes; i++)
		free(ns->routes[i].hops);
	free(ns->names);
	free(ns->heap);
	free(ns->slots);
	free(ns->free_slots);
	free(ns);
}

int
netsim_host_name(
    const struct netsim *ns, const struct haddr *a, char *buf, size_t len)
{
	for (size_t i = 0; i < ns->n_names; i++) {
		if (addr_eq(&ns->names[i].addr, a)) {
			snprintf(buf, len, "%s", ns->names[i].name);
			return 1;
		}
	}
	return 0;
}
