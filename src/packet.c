/*
 * packet: build Paris-style probes and parse the replies to them.
 *
 * Pure code: no I/O, no clock, no globals. Every multi-byte field is read
 * and written a byte at a time in network order, and every read is checked
 * against the length first, so no input can make a parser read past len.
 */
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include "hoptop/packet.h"

#define IP4_HDR          20
#define IP6_HDR          40
#define ICMP_HDR         8
#define UDP_HDR          8
#define TCP_HDR          20
#define QUOTE_L4         8   /* transport bytes a quote must hold (RFC 792) */
#define EXT_LEGACY       128 /* pre-RFC 4884 extension offset in the quote */
#define EXT_HDR          4
#define OBJ_HDR          4
#define IP6_MAX_EXT_HDRS 8

#define MPLS_CLASS 1
#define MPLS_CTYPE 1

/* Fixed filler after the fields that carry meaning. */
static const char pattern[] = "hoptop";

static int
fail(const char **why, const char *reason)
{
	if (why != NULL)
		*why = reason;
	return -1;
}

/* Adds 16-bit big-endian words (odd tail padded with zero), no folding. */
static uint64_t
sum_words(const uint8_t *p, size_t len, uint64_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += packet_get16(p + i);
	if (len & 1)
		sum += (uint64_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * The Internet checksum (RFC 1071) of data, starting from sum (a partial
 * sum such as packet_pseudo_sum()'s). The result is in host order: store
 * it with the high byte first. Over a segment that holds a correct
 * checksum the result is 0.
 */
uint16_t
packet_checksum(const void *data, size_t len, uint32_t sum)
{
	return (uint16_t)~fold(sum_words(data, len, sum));
}

/*
 * The partial sum of the IPv4 or IPv6 pseudo-header (family from src, or
 * from dst when src is unset; an unset address counts as zeros). Folded to
 * 16 bits so callers can keep adding.
 */
uint32_t
packet_pseudo_sum(const struct haddr *src, const struct haddr *dst,
    uint8_t proto, uint32_t len)
{
	int family = addr_is_set(src) ? src->family : dst->family;
	size_t alen = family == AF_INET6 ? 16 : 4;
	uint64_t sum = 0;

	if (addr_is_set(src) && src->family == family)
		sum = sum_words((const uint8_t *)&src->u, alen, sum);
	if (addr_is_set(dst) && dst->family == family)
		sum = sum_words((const uint8_t *)&dst->u, alen, sum);
	sum += proto;
	sum += (len >> 16) + (len & 0xffff);
	return fold(sum);
}

const char *
packet_proto_name(enum probe_proto p)
{
	switch (p) {
	case PROTO_ICMP:
		return "ICMP";
	case PROTO_UDP:
		return "UDP";
	case PROTO_TCP:
		return "TCP";
	}
	return "?";
}

/* ---- building ---------------------------------------------------------- */

static void
fill_pattern(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)pattern[i % (sizeof(pattern) - 1)];
}

/* The filler's first word, which the cookie is xor'd into. */
static uint32_t
pattern_word(void)
{
	return packet_get32((const uint8_t *)pattern);
}

/* Xors the cookie into the filler at p, if the probe (n bytes) holds it. */
static void
put_cookie(uint8_t *p, size_t n, size_t min, uint32_t cookie)
{
	if (n >= min)
		packet_put32(p, pattern_word() ^ cookie);
}

/* Reads the cookie back from filler at p of a probe n bytes long. */
static void
get_cookie(const uint8_t *p, size_t n, size_t min, struct pkt_reply *out)
{
	if (n < min)
		return;
	out->has_cookie = true;
	out->cookie = packet_get32(p) ^ pattern_word();
}

static size_t
ip_hdr_len(int family)
{
	return family == AF_INET6 ? IP6_HDR : IP4_HDR;
}

static uint8_t
l4_ipproto(const struct probe_spec *ps)
{
	if (ps->proto == PROTO_UDP)
		return IPPROTO_UDP;
	if (ps->proto == PROTO_TCP)
		return IPPROTO_TCP;
	return ps->family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
}

/*
 * Checks a probe spec and returns the transport-layer length it asks for,
 * or 0 if the spec is invalid.
 */
static size_t
spec_len(const struct probe_spec *ps)
{
	size_t n = ps->size != 0 ? ps->size : PACKET_DEFAULT_SIZE;
	size_t min = ps->proto == PROTO_UDP ? UDP_HDR + 2 : ICMP_HDR + 4;

	if (ps->family != AF_INET && ps->family != AF_INET6)
		return 0;
	if ((addr_is_set(&ps->src) && ps->src.family != ps->family) ||
	    (addr_is_set(&ps->dst) && ps->dst.family != ps->family))
		return 0;
	if (ps->seq == 0 || ps->seq > PACKET_SEQ_MAX)
		return 0;
	if (ps->proto == PROTO_TCP)
		n = min = TCP_HDR;
	else if (ps->proto != PROTO_ICMP && ps->proto != PROTO_UDP)
		return 0;
	if (ps->proto != PROTO_ICMP &&
	    (!addr_is_set(&ps->src) || !addr_is_set(&ps->dst)))
		return 0;
	if (n < min || n > PACKET_MAX - ip_hdr_len(ps->family))
		return 0;
	return n;
}

/*
 * ICMP(v6) Echo Request: id = ident, seq = seq, payload ~seq, flow,
 * pattern. seq + ~seq adds 0xffff (ones-complement zero), so the checksum
 * depends on the flow word only.
 */
static void
build_icmp(const struct probe_spec *ps, uint8_t *b, size_t n)
{
	uint16_t ck = 0;

	b[0] = ps->family == AF_INET6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	b[1] = 0;
	packet_put16(b + 4, ps->ident);
	packet_put16(b + 6, ps->seq);
	packet_put16(b + 8, (uint16_t)~ps->seq);
	packet_put16(b + 10, ps->flow);
	fill_pattern(b + 12, n - 12);
	put_cookie(b + 12, n, PACKET_COOKIE_MIN_ICMP, ps->cookie);
	if (ps->family == AF_INET)
		ck = packet_checksum(b, n, 0);
	else if (addr_is_set(&ps->src) && addr_is_set(&ps->dst))
		ck = packet_checksum(b, n,
		    packet_pseudo_sum(
		        &ps->src, &ps->dst, IPPROTO_ICMPV6, (uint32_t)n));
	packet_put16(b + 2, ck);
}

/*
 * UDP: the checksum must come out as seq. With the checksum field zero and
 * the first payload word W zero, let S be the ones-complement sum of the
 * pseudo-header and segment. Choosing W = ~(S + seq) makes the sum
 * S + W = ~seq, so the checksum, its complement, is seq (1..0xfffe, never
 * the 0 or 0xffff special values).
 */
static void
build_udp(const struct probe_spec *ps, uint8_t *b, size_t n)
{
	uint32_t pseudo;
	uint16_t s;

	packet_put16(b, (uint16_t)(ps->ident + ps->flow));
	packet_put16(b + 2, ps->dport);
	packet_put16(b + 4, (uint16_t)n);
	fill_pattern(b + UDP_HDR + 2, n - UDP_HDR - 2);
	put_cookie(b + UDP_HDR + 2, n, PACKET_COOKIE_MIN_UDP, ps->cookie);
	pseudo =
	    packet_pseudo_sum(&ps->src, &ps->dst, IPPROTO_UDP, (uint32_t)n);
	s = (uint16_t)~packet_checksum(b, n, pseudo);
	packet_put16(b + UDP_HDR, (uint16_t)~fold((uint32_t)s + ps->seq));
	packet_put16(b + 6, packet_checksum(b, n, pseudo));
}

/* TCP SYN, header only: seq number = seq << 16 | ident, no options. */
static void
build_tcp(const struct probe_spec *ps, uint8_t *b, size_t n)
{
	packet_put16(b, (uint16_t)(ps->ident + ps->flow));
	packet_put16(b + 2, ps->dport);
	packet_put32(b + 4, (uint32_t)ps->seq << 16 | ps->ident);
	b[12] = (TCP_HDR / 4) << 4;
	b[13] = TH_SYN;
	packet_put16(b + 14, 65535);
	packet_put16(b + 16, packet_checksum(b, n,
	                         packet_pseudo_sum(&ps->src, &ps->dst,
	                             IPPROTO_TCP, (uint32_t)n)));
}

/*
 * Needs: family AF_INET/AF_INET6 matching any address set; seq in
 * 1..PACKET_SEQ_MAX; src and dst for UDP and TCP; size (0 = default)
 * at least 12 (ICMP) or 10 (UDP) and small enough for PACKET_MAX with an IP
 * header. TCP ignores size: the probe is a bare 20-byte SYN.
 */
ssize_t
packet_build(const struct probe_spec *ps, uint8_t *buf, size_t cap)
{
	size_t n;

	if (ps == NULL || buf == NULL || (n = spec_len(ps)) == 0) {
		errno = EINVAL;
		return -1;
	}
	if (n > cap) {
		errno = ENOSPC;
		return -1;
	}
	memset(buf, 0, n);
	if (ps->proto == PROTO_UDP)
		build_udp(ps, buf, n);
	else if (ps->proto == PROTO_TCP)
		build_tcp(ps, buf, n);
	else
		build_icmp(ps, buf, n);
	return (ssize_t)n;
}

static void
build_ip4(const struct probe_spec *ps, uint8_t ttl, uint16_t ip_id, uint8_t *b,
    size_t l4len)
{
	memset(b, 0, IP4_HDR);
	b[0] = 0x45;
	b[1] = ps->tos;
	packet_put16(b + 2, (uint16_t)(IP4_HDR + l4len));
	packet_put16(b + 4, ip_id);
	b[8] = ttl;
	b[9] = l4_ipproto(ps);
	memcpy(b + 12, &ps->src.u.v4, 4);
	memcpy(b + 16, &ps->dst.u.v4, 4);
	packet_put16(b + 10, packet_checksum(b, IP4_HDR, 0));
}

static void
build_ip6(const struct probe_spec *ps, uint8_t ttl, uint8_t *b, size_t l4len)
{
	memset(b, 0, IP6_HDR);
	b[0] = (uint8_t)(0x60 | ps->tos >> 4);
	b[1] = (uint8_t)(ps->tos << 4);
	packet_put16(b + 4, (uint16_t)l4len);
	b[6] = l4_ipproto(ps);
	b[7] = ttl;
	memcpy(b + 8, &ps->src.u.v6, 16);
	memcpy(b + 24, &ps->dst.u.v6, 16);
}

/* As packet_build(), with an IP header first; needs src and dst set. */
ssize_t
packet_build_ip(const struct probe_spec *ps, uint8_t ttl, uint16_t ip_id,
    uint8_t *buf, size_t cap)
{
	size_t hl;
	ssize_t n;

	if (ps == NULL || buf == NULL || !addr_is_set(&ps->src) ||
	    !addr_is_set(&ps->dst)) {
		errno = EINVAL;
		return -1;
	}
	hl = ip_hdr_len(ps->family);
	if (cap < hl) {
		errno = spec_len(ps) == 0 ? EINVAL : ENOSPC;
		return -1;
	}
	n = packet_build(ps, buf + hl, cap - hl);
	if (n < 0)
		return -1;
	if (ps->family == AF_INET)
		build_ip4(ps, ttl, ip_id, buf, (size_t)n);
	else
		build_ip6(ps, ttl, buf, (size_t)n);
	return (ssize_t)hl + n;
}

/* ---- RFC 4884 / RFC 4950 extensions ------------------------------------ */

static void
add_mpls(struct pkt_reply *out, uint32_t e)
{
	struct mpls_label *l;

	if (out->mpls.n >= MPLS_MAX_LABELS)
		return;
	l = &out->mpls.l[out->mpls.n++];
	l->label = e >> 12;
	l->tc = (uint8_t)(e >> 9 & 7);
	l->s = (uint8_t)(e >> 8 & 1);
	l->ttl = (uint8_t)e;
}

/* One extension object at o (olen bytes, header included, checked). */
static int
parse_object(const uint8_t *o, size_t olen, struct pkt_reply *out)
{
	size_t i;

	if (o[2] == MPLS_CLASS && o[3] == MPLS_CTYPE) {
		if ((olen - OBJ_HDR) % 4 != 0)
			return -1;
		for (i = OBJ_HDR; i < olen; i += 4)
			add_mpls(out, packet_get32(o + i));
		return 0;
	}
	if (out->n_ext < ICMP_EXT_MAX_OBJ) {
		out->ext[out->n_ext].class_num = o[2];
		out->ext[out->n_ext].c_type = o[3];
		out->ext[out->n_ext].len = (uint16_t)olen;
		out->n_ext++;
	}
	return 0;
}

/* True if e (len bytes, at least EXT_HDR) starts a valid extension. */
static int
ext_header_ok(const uint8_t *e, size_t len)
{
	if (e[0] >> 4 != 2)
		return 0;
	return packet_get16(e + 2) == 0 || packet_checksum(e, len, 0) == 0;
}

/*
 * Parses the extension structure that follows the quoted datagram: at
 * length_words * 4 (IPv4) or * 8 (IPv6) bytes into quoted, or, when the
 * length is 0, at 128 bytes if a valid extension header is there. Labels
 * and objects parsed before a malformed one are kept.
 */
int
packet_parse_ext(const uint8_t *quoted, size_t len, unsigned length_words,
    int family, struct pkt_reply *out)
{
	size_t off, pos, olen;
	const uint8_t *e;

	off = (size_t)length_words * (family == AF_INET6 ? 8 : 4);
	if (length_words == 0) {
		if (len < EXT_LEGACY + EXT_HDR ||
		    !ext_header_ok(quoted + EXT_LEGACY, len - EXT_LEGACY))
			return 0;
		off = EXT_LEGACY;
	}
	if (off > len || len - off < EXT_HDR)
		return -1;
	e = quoted + off;
	len -= off;
	if (!ext_header_ok(e, len))
		return -1;
	for (pos = EXT_HDR; pos < len; pos += olen) {
		if (len - pos < OBJ_HDR)
			return -1;
		olen = packet_get16(e + pos);
		if (olen < OBJ_HDR || olen > len - pos)
			return -1;
		if (parse_object(e + pos, olen, out) < 0)
			return -1;
	}
	return 0;
}

/* ---- parsing ----------------------------------------------------------- */

static void
reply_init(struct pkt_reply *out)
{
	memset(out, 0, sizeof(*out));
	out->reply_ttl = -1;
	out->quoted_ttl = -1;
}

/*
 * The transport header t (tlen bytes, at least 8) of a quoted probe.
 * Returns 1 if it is one of our probe kinds (and fills proto/ident/seq/
 * dport, and the cookie when the quote holds it), 0 if not.
 */
static int
quoted_probe(uint8_t ipproto, uint8_t echo_type, const uint8_t *t, size_t tlen,
    struct pkt_reply *out)
{
	if (ipproto == IPPROTO_UDP) {
		out->proto = PROTO_UDP;
		out->ident = packet_get16(t);
		out->dport = packet_get16(t + 2);
		out->seq = packet_get16(t + 6);
		/* the UDP length says how long the probe was */
		if (tlen >= PACKET_COOKIE_MIN_UDP &&
		    packet_get16(t + 4) >= PACKET_COOKIE_MIN_UDP)
			get_cookie(
			    t + UDP_HDR + 2, tlen, PACKET_COOKIE_MIN_UDP, out);
	} else if (ipproto == IPPROTO_TCP) {
		out->proto = PROTO_TCP;
		out->ident = packet_get16(t);
		out->dport = packet_get16(t + 2);
		out->seq = (uint16_t)(packet_get32(t + 4) >> 16);
	} else if (ipproto == (echo_type == ICMP_ECHO ? IPPROTO_ICMP
	                                              : IPPROTO_ICMPV6) &&
	           t[0] == echo_type && t[1] == 0) {
		out->proto = PROTO_ICMP;
		out->ident = packet_get16(t + 4);
		out->seq = packet_get16(t + 6);
		get_cookie(t + 12, tlen, PACKET_COOKIE_MIN_ICMP, out);
	} else {
		return 0;
	}
	return 1;
}

/*
 * How much of the quoted probe's transport part is there: what is left of
 * the quote (have), but no more than the quoted IP header says the probe
 * was (ip_len, header hl included), so padding and RFC 4884 extensions
 * after it are never read as payload.
 */
static size_t
quoted_len(size_t have, size_t ip_len, size_t hl)
{
	if (ip_len < hl)
		return have;
	return ip_len - hl < have ? ip_len - hl : have;
}

/* The quoted IPv4 probe q (qlen bytes) of an ICMPv4 error. */
static int
parse_quote4(
    const uint8_t *q, size_t qlen, struct pkt_reply *out, const char **why)
{
	size_t ihl;

	if (qlen < IP4_HDR)
		return fail(why, "quoted IPv4 header truncated");
	ihl = (size_t)(q[0] & 0x0f) * 4;
	if (q[0] >> 4 != 4 || ihl < IP4_HDR)
		return fail(why, "quoted packet is not IPv4");
	if (qlen < ihl + QUOTE_L4)
		return fail(why, "quoted probe truncated");
	out->quoted_ttl = q[8];
	addr_from_bytes(&out->probe_dst, AF_INET, q + 16);
	/* A later fragment has no transport header: not a probe. */
	if ((packet_get16(q + 6) & 0x1fff) != 0)
		return 0;
	return quoted_probe(q[9], ICMP_ECHO, q + ihl,
	    quoted_len(qlen - ihl, packet_get16(q + 2), ihl), out);
}

/* The quoted IPv6 probe q (qlen bytes) of an ICMPv6 error. */
static int
parse_quote6(
    const uint8_t *q, size_t qlen, struct pkt_reply *out, const char **why)
{
	if (qlen < IP6_HDR)
		return fail(why, "quoted IPv6 header truncated");
	if (q[0] >> 4 != 6)
		return fail(why, "quoted packet is not IPv6");
	if (qlen < IP6_HDR + QUOTE_L4)
		return fail(why, "quoted probe truncated");
	out->quoted_ttl = q[7];
	addr_from_bytes(&out->probe_dst, AF_INET6, q + 24);
	return quoted_probe(q[6], ICMP6_ECHO_REQUEST, q + IP6_HDR,
	    quoted_len(qlen - IP6_HDR, packet_get16(q + 4) + IP6_HDR, IP6_HDR),
	    out);
}

/*
 * An ICMP error (Time Exceeded / Destination Unreachable) in m: the quote
 * starts at byte 8, the RFC 4884 length is m[len_byte]. Extension trouble
 * is not fatal: the reply still counts.
 */
static int
parse_icmp_error(int family, enum pkt_kind kind, const uint8_t *m, size_t len,
    struct pkt_reply *out, const char **why)
{
	int r;

	if (family == AF_INET)
		r = parse_quote4(m + ICMP_HDR, len - ICMP_HDR, out, why);
	else
		r = parse_quote6(m + ICMP_HDR, len - ICMP_HDR, out, why);
	if (r < 0)
		return -1;
	out->kind = r == 1 ? kind : PKT_OTHER;
	(void)packet_parse_ext(m + ICMP_HDR, len - ICMP_HDR,
	    m[family == AF_INET ? 5 : 4], family, out);
	return 0;
}

/* An ICMP (family AF_INET) or ICMPv6 message m of len bytes. */
static int
parse_icmp(int family, const uint8_t *m, size_t len, struct pkt_reply *out,
    const char **why)
{
	int v6 = family == AF_INET6;

	if (len < ICMP_HDR)
		return fail(why,
		    v6 ? "ICMPv6 header truncated" : "ICMP header truncated");
	out->type = m[0];
	out->code = m[1];
	out->kind = PKT_OTHER;
	if (m[0] == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY)) {
		out->kind = PKT_ECHO_REPLY;
		out->proto = PROTO_ICMP;
		out->ident = packet_get16(m + 4);
		out->seq = packet_get16(m + 6);
		out->probe_dst = out->src;
		get_cookie(m + 12, len, PACKET_COOKIE_MIN_ICMP, out);
		return 0;
	}
	if (m[0] == (v6 ? ICMP6_TIME_EXCEEDED : ICMP_TIME_EXCEEDED))
		return parse_icmp_error(
		    family, PKT_TIME_EXCEEDED, m, len, out, why);
	if (m[0] == (v6 ? ICMP6_DST_UNREACH : ICMP_DEST_UNREACH))
		return parse_icmp_error(family, PKT_UNREACH, m, len, out, why);
	return 0;
}

/* A TCP segment m: a SYN-ACK or RST-ACK answers a probe. */
static int
parse_tcp(const uint8_t *m, size_t len, struct pkt_reply *out, const char **why)
{
	size_t doff;
	uint8_t fl;

	if (len < TCP_HDR)
		return fail(why, "TCP header truncated");
	doff = (size_t)(m[12] >> 4) * 4;
	if (doff < TCP_HDR || doff > len)
		return fail(why, "bad TCP header length");
	fl = m[13];
	out->kind = PKT_OTHER;
	out->tcp_flags = fl;
	if (!(fl & TH_ACK) || ((fl & (TH_SYN | TH_RST)) != TH_SYN &&
	                          (fl & (TH_SYN | TH_RST)) != TH_RST))
		return 0;
	out->kind = PKT_TCP_REPLY;
	out->proto = PROTO_TCP;
	out->ident = packet_get16(m + 2);
	out->dport = packet_get16(m);
	out->seq = (uint16_t)((packet_get32(m + 8) - 1) >> 16);
	out->probe_dst = out->src;
	return 0;
}

/* Dispatches a transport-layer message of the given family. */
static int
parse_transport(int family, uint8_t ipproto, const uint8_t *m, size_t len,
    struct pkt_reply *out, const char **why)
{
	if (ipproto == IPPROTO_TCP)
		return parse_tcp(m, len, out, why);
	if (ipproto == (family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
		return parse_icmp(family, m, len, out, why);
	out->kind = PKT_OTHER;
	return 0;
}

static int
parse_ip4(const uint8_t *p, size_t len, struct pkt_reply *out, const char **why)
{
	size_t ihl, tot;

	if (len < IP4_HDR)
		return fail(why, "IPv4 header truncated");
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = packet_get16(p + 2);
	if (ihl < IP4_HDR || ihl > len)
		return fail(why, "bad IPv4 header length");
	if (tot < ihl)
		return fail(why, "bad IPv4 total length");
	if (tot > len)
		return fail(why, "IPv4 packet truncated");
	addr_from_bytes(&out->src, AF_INET, p + 12);
	out->reply_ttl = p[8];
	if ((packet_get16(p + 6) & 0x1fff) != 0) /* not the first fragment */
		return 0;
	return parse_transport(AF_INET, p[9], p + ihl, tot - ihl, out, why);
}

/*
 * Skips IPv6 extension headers from *nh at *off. Returns 1 when *nh is an
 * upper-layer protocol at *off, 0 for a packet we cannot read on (a later
 * fragment, too many headers), -1 if truncated.
 */
static int
skip_ext6(const uint8_t *p, size_t len, uint8_t *nh, size_t *off)
{
	size_t hl;
	int i;

	for (i = 0; i < IP6_MAX_EXT_HDRS; i++) {
		if (*nh != 0 && *nh != 43 && *nh != 44 && *nh != 60)
			return 1;
		if (len - *off < 8)
			return -1;
		hl = *nh == 44 ? 8 : ((size_t)p[*off + 1] + 1) * 8;
		if (*nh == 44 && (packet_get16(p + *off + 2) & 0xfff8) != 0)
			return 0;
		if (hl > len - *off)
			return -1;
		*nh = p[*off];
		*off += hl;
	}
	return 0;
}

static int
parse_ip6(const uint8_t *p, size_t len, struct pkt_reply *out, const char **why)
{
	size_t off = IP6_HDR;
	uint8_t nh;
	int r;

	if (len < IP6_HDR)
		return fail(why, "IPv6 header truncated");
	if (packet_get16(p + 4) > len - IP6_HDR)
		return fail(why, "IPv6 packet truncated");
	len = IP6_HDR + packet_get16(p + 4);
	addr_from_bytes(&out->src, AF_INET6, p + 8);
	out->reply_ttl = p[7];
	nh = p[6];
	r = skip_ext6(p, len, &nh, &off);
	if (r < 0)
		return fail(why, "IPv6 extension header truncated");
	if (r == 0)
		return 0;
	return parse_transport(AF_INET6, nh, p + off, len - off, out, why);
}

int
packet_parse_ip(
    const uint8_t *pkt, size_t len, struct pkt_reply *out, const char **why)
{
	reply_init(out);
	if (pkt == NULL || len < 1)
		return fail(why, "empty packet");
	if (pkt[0] >> 4 == 4)
		return parse_ip4(pkt, len, out, why);
	if (pkt[0] >> 4 == 6)
		return parse_ip6(pkt, len, out, why);
	return fail(why, "bad IP version");
}

int
packet_parse_l4(int family, int ipproto, const struct haddr *src,
    const struct haddr *dst, const uint8_t *msg, size_t len,
    struct pkt_reply *out, const char **why)
{
	(void)dst; /* nothing in a reply needs our own address (yet) */
	reply_init(out);
	if (family != AF_INET && family != AF_INET6)
		return fail(why, "bad address family");
	if (ipproto != IPPROTO_TCP &&
	    ipproto != (family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
		return fail(why, "not ICMP or TCP");
	if (msg == NULL)
		return fail(why, "empty packet");
	if (src != NULL)
		out->src = *src;
	return parse_transport(family, (uint8_t)ipproto, msg, len, out, why);
}

const char *
packet_mpls_text(const struct mpls_label *l, char *buf, size_t len)
{
	snprintf(buf, len, "[MPLS: Lbl %u TC %u S %u TTL %u]",
	    (unsigned)l->label, (unsigned)l->tc, (unsigned)l->s,
	    (unsigned)l->ttl);
	return buf;
}
