/* transport: the engine's view of a network. */
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hoptop/transport.h"

void
transport_free(struct transport *t)
{
	if (t != NULL)
		t->ops->free(t);
}

/*
 * len random bytes from the kernel; should getrandom fail (very old
 * kernel, seccomp), a mix of the clock and the pid, better than nothing.
 */
static void
random_bytes(void *buf, size_t len)
{
	struct timespec ts;
	unsigned char *b = buf;
	uint64_t x;

	if (getrandom(buf, len, GRND_NONBLOCK) == (ssize_t)len)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec ^
	    (uint64_t)getpid() << 32;
	for (size_t i = 0; i < len; i++) {
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ULL;
		b[i] = (unsigned char)(x >> 56);
	}
}

uint16_t
transport_random_ident(enum probe_proto proto, unsigned flows)
{
	unsigned span = TRANSPORT_PORT_HI - TRANSPORT_PORT_LO + 1;
	uint16_t r;

	do
		random_bytes(&r, sizeof(r));
	while (proto == PROTO_ICMP && r == 0);
	if (proto == PROTO_ICMP)
		return r;
	if (flows < 1)
		flows = 1;
	return (uint16_t)(TRANSPORT_PORT_LO + r % (span - flows + 1));
}

uint32_t
transport_random_cookie(void)
{
	uint32_t c;

	random_bytes(&c, sizeof(c));
	return c;
}

void
transport_params_init(struct transport_params *tp, enum probe_proto proto,
    unsigned port, unsigned flows)
{
	memset(tp, 0, sizeof(*tp));
	tp->proto = proto;
	tp->port = (uint16_t)(port != 0            ? port
	                      : proto == PROTO_TCP ? TRANSPORT_TCP_PORT
	                                           : TRANSPORT_UDP_PORT);
	tp->flows = (uint16_t)flows;
	tp->ident = transport_random_ident(proto, tp->flows);
	tp->cookie = transport_random_cookie();
}

bool
transport_cookie_ok(
    const struct transport_params *tp, const struct pkt_reply *pr)
{
	size_t size = tp->size != 0 ? tp->size : PACKET_DEFAULT_SIZE;

	if (pr->has_cookie)
		return pr->cookie == tp->cookie;
	return pr->kind != PKT_ECHO_REPLY || size < PACKET_COOKIE_MIN_ICMP;
}

/* The identifier or source port range and destination port are ours. */
static bool
ident_ours(const struct transport_params *tp, const struct pkt_reply *pr,
    bool any_ident)
{
	unsigned flows = tp->flows > 0 ? tp->flows : 1;

	if (tp->proto == PROTO_ICMP)
		return any_ident || pr->ident == tp->ident;
	return (uint16_t)(pr->ident - tp->ident) < flows &&
	       pr->dport == tp->port;
}

static bool
is_port_unreach(int family, const struct pkt_reply *pr)
{
	if (family == AF_INET6)
		return pr->type == 1 && pr->code == 4;
	return pr->type == 3 && pr->code == 3;
}

/*
 * What a reply of ours says. A Port Unreachable ends a UDP path only when
 * the target itself sent it; another host quoting our probe with one is
 * an ordinary unreachable, not the destination.
 */
static enum reply_kind
kind_of(const struct transport_params *tp, const struct pkt_reply *pr)
{
	switch (pr->kind) {
	case PKT_TIME_EXCEEDED:
		return REPLY_TIME_EXCEEDED;
	case PKT_UNREACH:
		if (tp->proto == PROTO_UDP && is_port_unreach(tp->family, pr) &&
		    addr_eq(&pr->src,
		        tp->any_target ? &pr->probe_dst : &tp->target))
			return REPLY_DEST;
		return REPLY_UNREACH;
	default: /* Echo Reply, SYN-ACK / RST: their probe_dst is the sender */
		return REPLY_DEST;
	}
}

/* An Echo Reply from the hop that send_ping pinged. */
static bool
is_ping_reply(const struct transport_params *tp, const struct pkt_reply *pr)
{
	return pr->kind == PKT_ECHO_REPLY && addr_is_set(&tp->ping_to) &&
	       addr_eq(&pr->probe_dst, &tp->ping_to);
}

bool
transport_check_reply(const struct transport_params *tp,
    const struct pkt_reply *pr, bool any_ident, struct reply *r)
{
	if (pr->kind == PKT_OTHER || pr->proto != tp->proto ||
	    !ident_ours(tp, pr, any_ident) ||
	    !(tp->any_target || addr_eq(&pr->probe_dst, &tp->target) ||
	        is_ping_reply(tp, pr)) ||
	    !transport_cookie_ok(tp, pr))
		return false;
	memset(r, 0, sizeof(*r));
	r->kind = kind_of(tp, pr);
	r->seq = pr->seq;
	r->from = pr->src;
	r->probe_dst = pr->probe_dst;
	r->icmp_type = pr->type;
	r->icmp_code = pr->code;
	r->reply_ttl = pr->reply_ttl;
	r->mpls = pr->mpls;
	return true;
}
