/*
 * test_packet: golden probe bytes, the Paris invariants, replies built the
 * way a router or target builds them and parsed back, RFC 4884/4950
 * extensions, every truncation of every reply, foreign and broken packets,
 * and the captured packets in tests/data/packets/.
 *
 * Checksums are verified with the test's own ones-complement code (t_sum,
 * t_pseudo), not with packet_checksum(), so a bug there cannot hide itself.
 *
 * HOPTOP_UPDATE_PACKETS=1 rewrites the .bin files in tests/data/packets
 * from the builders here instead of comparing against them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/packet.h"

#define US4     "10.201.0.1"
#define TARGET4 "10.201.0.2"
#define ROUTER4 "10.201.7.1"
#define US6     "fd00:201::1"
#define TARGET6 "fd00:201::2"
#define ROUTER6 "fd00:201:7::1"

#define TTL_ROUTER 250 /* TTL of replies from the router */
#define TTL_TARGET 57  /* TTL of replies from the target */

#define BUF 2048

/* ---- independent helpers ----------------------------------------------- */

static struct haddr
ha(const char *s)
{
	struct haddr a;

	if (addr_parse(s, &a) != 0)
		fail_msg("bad address %s", s);
	return a;
}

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
g32(const uint8_t *p)
{
	return (uint32_t)g16(p) << 16 | g16(p + 2);
}

static void
p16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
p32(uint8_t *p, uint32_t v)
{
	p16(p, v >> 16);
	p16(p + 2, v & 0xffff);
}

static uint32_t
t_sum(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static uint16_t
t_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Sum of the pseudo-header laid out byte by byte (RFC 768, RFC 8200). */
static uint32_t
t_pseudo(
    const struct haddr *src, const struct haddr *dst, uint8_t proto, size_t len)
{
	uint8_t b[40] = {0};

	if (src == NULL)
		return 0;
	if (src->family == AF_INET) {
		memcpy(b, &src->u.v4, 4);
		memcpy(b + 4, &dst->u.v4, 4);
		b[9] = proto;
		p16(b + 10, (unsigned)len);
		return t_sum(b, 12, 0);
	}
	memcpy(b, &src->u.v6, 16);
	memcpy(b + 16, &dst->u.v6, 16);
	p32(b + 32, (uint32_t)len);
	b[39] = proto;
	return t_sum(b, 40, 0);
}

/* True if seg's checksum verifies (src NULL: no pseudo-header, ICMPv4). */
static bool
t_verifies(const struct haddr *src, const struct haddr *dst, uint8_t proto,
    const uint8_t *seg, size_t len)
{
	return t_fold(t_sum(seg, len, t_pseudo(src, dst, proto, len))) ==
	       0xffff;
}

static void
t_set_cksum(const struct haddr *src, const struct haddr *dst, uint8_t proto,
    uint8_t *seg, size_t len, size_t off)
{
	p16(seg + off, 0);
	p16(seg + off,
	    (uint16_t)~t_fold(t_sum(seg, len, t_pseudo(src, dst, proto, len))));
}

static size_t
hdr_len(int family)
{
	return family == AF_INET ? 20 : 40;
}

/* Wraps l4 in an IPv4 or IPv6 header as a sender would; returns length. */
static size_t
t_ip(uint8_t *out, const struct haddr *src, const struct haddr *dst,
    uint8_t proto, uint8_t ttl, const uint8_t *l4, size_t l4len)
{
	size_t hl = hdr_len(src->family);

	memset(out, 0, hl);
	if (src->family == AF_INET) {
		out[0] = 0x45;
		p16(out + 2, (unsigned)(hl + l4len));
		p16(out + 4, 0x4242);
		out[8] = ttl;
		out[9] = proto;
		memcpy(out + 12, &src->u.v4, 4);
		memcpy(out + 16, &dst->u.v4, 4);
		t_set_cksum(NULL, NULL, 0, out, 20, 10);
	} else {
		out[0] = 0x60;
		p16(out + 4, (unsigned)l4len);
		out[6] = proto;
		out[7] = ttl;
		memcpy(out + 8, &src->u.v6, 16);
		memcpy(out + 24, &dst->u.v6, 16);
	}
	memcpy(out + hl, l4, l4len);
	return hl + l4len;
}

static uint8_t
icmp_proto(int family)
{
	return family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
}

/*
 * An ICMP error from `from` to `to` quoting the probe (a whole IP packet),
 * zero-padded to pad_to bytes, then ext (ext_len bytes), with RFC 4884
 * length field len_field.
 */
static size_t
t_icmp_error(uint8_t *out, const struct haddr *from, const struct haddr *to,
    uint8_t type, uint8_t code, const uint8_t *probe, size_t probe_len,
    size_t pad_to, uint8_t len_field, const uint8_t *ext, size_t ext_len,
    uint8_t ttl)
{
	uint8_t m[BUF] = {0};
	size_t q = probe_len > pad_to ? probe_len : pad_to;
	int v4 = from->family == AF_INET;

	m[0] = type;
	m[1] = code;
	m[v4 ? 5 : 4] = len_field;
	memcpy(m + 8, probe, probe_len);
	if (ext_len > 0)
		memcpy(m + 8 + q, ext, ext_len);
	t_set_cksum(v4 ? NULL : from, to, icmp_proto(from->family), m,
	    8 + q + ext_len, 2);
	return t_ip(
	    out, from, to, icmp_proto(from->family), ttl, m, 8 + q + ext_len);
}

/* The target's Echo Reply to the probe's ICMP part. */
static size_t
t_echo_reply(
    uint8_t *out, const struct probe_spec *ps, const uint8_t *l4, size_t len)
{
	uint8_t m[BUF];
	int v4 = ps->family == AF_INET;

	memcpy(m, l4, len);
	m[0] = v4 ? 0 : 129;
	t_set_cksum(
	    v4 ? NULL : &ps->dst, &ps->src, icmp_proto(ps->family), m, len, 2);
	return t_ip(out, &ps->dst, &ps->src, icmp_proto(ps->family), TTL_TARGET,
	    m, len);
}

/* The target's SYN-ACK (with an MSS option) or RST-ACK to a TCP SYN. */
static size_t
t_tcp_answer(uint8_t *out, const struct probe_spec *ps, const uint8_t *syn,
    uint8_t flags)
{
	uint8_t m[24] = {0};
	size_t len = (flags & 0x02) ? 24 : 20;

	p16(m, g16(syn + 2));
	p16(m + 2, g16(syn));
	p32(m + 4, (flags & 0x02) ? 0xdeadbeef : 0);
	p32(m + 8, g32(syn + 4) + 1);
	m[12] = (uint8_t)((len / 4) << 4);
	m[13] = flags;
	p16(m + 14, (flags & 0x02) ? 29200 : 0);
	if (len == 24) {
		m[20] = 2;
		m[21] = 4;
		p16(m + 22, 1460);
	}
	t_set_cksum(&ps->dst, &ps->src, IPPROTO_TCP, m, len, 16);
	return t_ip(out, &ps->dst, &ps->src, IPPROTO_TCP, TTL_TARGET, m, len);
}

static struct probe_spec
spec(int family, enum probe_proto proto, uint16_t seq, uint16_t flow)
{
	struct probe_spec ps;

	memset(&ps, 0, sizeof(ps));
	ps.family = family;
	ps.proto = proto;
	ps.src = ha(family == AF_INET ? US4 : US6);
	ps.dst = ha(family == AF_INET ? TARGET4 : TARGET6);
	ps.ident = proto == PROTO_ICMP ? 0x1234 : 33000;
	ps.dport = proto == PROTO_TCP ? 80 : 33434;
	ps.seq = seq;
	ps.flow = flow;
	return ps;
}

static size_t
build_ip_ok(const struct probe_spec *ps, uint8_t ttl, uint8_t *buf)
{
	ssize_t n = packet_build_ip(ps, ttl, 0x7777, buf, BUF);

	assert_true(n > 0);
	return (size_t)n;
}

/* ---- golden probes ----------------------------------------------------- */

/* clang-format off */
static const uint8_t gold_icmp4[] = {
	0x08, 0x00, 0xc4, 0x7a, 0x12, 0x34, 0x00, 0x01, /* type code ck id seq */
	0xff, 0xfe, 0x00, 0x00, 0x68, 0x6f, 0x70, 0x74, /* ~seq flow "hopt" */
	0x6f, 0x70, 0x68, 0x6f, 0x70, 0x74, 0x6f, 0x70, /* "ophoptop" */
	0x68, 0x6f, 0x70, 0x74, 0x6f, 0x70, 0x68, 0x6f, /* "hoptopho" */
	0x70, 0x74, 0x6f, 0x70,                         /* "ptop" */
};
static const uint8_t gold_icmp6[] = {
	0x80, 0x00, 0xa1, 0x57, 0xbe, 0xef, 0x02, 0x03, /* 128 0 ck id seq */
	0xfd, 0xfc, 0x00, 0x02, 0x68, 0x6f, 0x70, 0x74, /* ~seq flow=2 */
	0x6f, 0x70, 0x68, 0x6f, 0x70, 0x74, 0x6f, 0x70,
	0x68, 0x6f, 0x70, 0x74, 0x6f, 0x70, 0x68, 0x6f,
	0x70, 0x74, 0x6f, 0x70,
};
static const uint8_t gold_udp4[] = {
	0x80, 0xe9, 0x82, 0x9a, 0x00, 0x24, 0x01, 0x02, /* 33001 33434 36 seq */
	0x5b, 0xcb, 0x68, 0x6f, 0x70, 0x74, 0x6f, 0x70, /* compensation word */
	0x68, 0x6f, 0x70, 0x74, 0x6f, 0x70, 0x68, 0x6f,
	0x70, 0x74, 0x6f, 0x70, 0x68, 0x6f, 0x70, 0x74,
	0x6f, 0x70, 0x68, 0x6f,
};
static const uint8_t gold_udp6[] = {
	0x80, 0xe8, 0x82, 0x9a, 0x00, 0x28, 0xff, 0xfe, /* 33000 33434 40 seq */
	0x94, 0x70, 0x68, 0x6f, 0x70, 0x74, 0x6f, 0x70, /* compensation word */
	0x68, 0x6f, 0x70, 0x74, 0x6f, 0x70, 0x68, 0x6f,
	0x70, 0x74, 0x6f, 0x70, 0x68, 0x6f, 0x70, 0x74,
	0x6f, 0x70, 0x68, 0x6f, 0x70, 0x74, 0x6f, 0x70,
};
static const uint8_t gold_tcp4[] = {
	0x40, 0x03, 0x00, 0x50, 0x00, 0x05, 0x40, 0x00, /* ports, seq<<16|id */
	0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff, /* ack, doff 5, SYN */
	0x19, 0xf6, 0x00, 0x00,                         /* checksum, urg */
};
/* clang-format on */

struct golden {
	const char *name;
	int family;
	enum probe_proto proto;
	uint16_t ident, dport, seq, flow;
	size_t size;
	uint8_t ipproto;
	const uint8_t *bytes;
	size_t len;
};

#define G(b) b, sizeof(b)
static const struct golden goldens[] = {
    {"icmp4", AF_INET, PROTO_ICMP, 0x1234, 0, 1, 0, 0, IPPROTO_ICMP,
        G(gold_icmp4)},
    {"icmp6", AF_INET6, PROTO_ICMP, 0xbeef, 0, 0x0203, 2, 0, IPPROTO_ICMPV6,
        G(gold_icmp6)},
    {"udp4", AF_INET, PROTO_UDP, 33000, 33434, 0x0102, 1, 0, IPPROTO_UDP,
        G(gold_udp4)},
    {"udp6", AF_INET6, PROTO_UDP, 33000, 33434, 0xfffe, 0, 40, IPPROTO_UDP,
        G(gold_udp6)},
    {"tcp4", AF_INET, PROTO_TCP, 0x4000, 80, 5, 3, 0, IPPROTO_TCP,
        G(gold_tcp4)},
};

static void
test_packet_build_golden_bytes(void **state)
{
	uint8_t buf[BUF];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		const struct golden *g = &goldens[i];
		struct probe_spec ps =
		    spec(g->family, g->proto, g->seq, g->flow);
		ssize_t n;

		ps.ident = g->ident;
		ps.dport = g->dport;
		ps.size = g->size;
		n = packet_build(&ps, buf, sizeof(buf));
		assert_int_equal(n, (ssize_t)g->len);
		assert_memory_equal(buf, g->bytes, g->len);
		/* ICMPv4 has no pseudo-header. */
		assert_true(
		    t_verifies(g->ipproto == IPPROTO_ICMP ? NULL : &ps.src,
		        &ps.dst, g->ipproto, buf, g->len));
	}
}

static void
test_packet_build_ip_headers(void **state)
{
	static const uint8_t ip4[] = {0x45, 0xb8, 0x00, 0x38, 0xab, 0xcd, 0x00,
	    0x00, 0x07, 0x01, 0xf1, 0xab, 0x0a, 0xc9, 0x00, 0x01, 0x0a, 0xc9,
	    0x00, 0x02};
	static const uint8_t ip6[] = {
	    0x6b, 0x80, 0x00, 0x00, 0x00, 0x24, 0x3a, 0x07};
	struct probe_spec ps = spec(AF_INET, PROTO_ICMP, 1, 0);
	uint8_t buf[BUF], l4[BUF];

	(void)state;
	ps.tos = 0xb8;
	assert_int_equal(packet_build_ip(&ps, 7, 0xabcd, buf, sizeof(buf)), 56);
	assert_memory_equal(buf, ip4, sizeof(ip4));
	assert_true(t_verifies(NULL, NULL, 0, buf, 20));
	assert_int_equal(packet_build(&ps, l4, sizeof(l4)), 36);
	assert_memory_equal(buf + 20, l4, 36);

	ps = spec(AF_INET6, PROTO_ICMP, 1, 0);
	ps.tos = 0xb8;
	assert_int_equal(packet_build_ip(&ps, 7, 0xabcd, buf, sizeof(buf)), 76);
	assert_memory_equal(buf, ip6, sizeof(ip6));
	assert_memory_equal(buf + 8, &ps.src.u.v6, 16);
	assert_memory_equal(buf + 24, &ps.dst.u.v6, 16);
	assert_int_equal(packet_build(&ps, l4, sizeof(l4)), 36);
	assert_memory_equal(buf + 40, l4, 36);
	assert_true(t_verifies(&ps.src, &ps.dst, IPPROTO_ICMPV6, buf + 40, 36));
}

struct build_err {
	const char *name;
	int family;
	enum probe_proto proto;
	uint16_t seq;
	size_t size, cap;
	int drop; /* 1: unset src, 2: unset dst, 3: dst of the other family */
	ssize_t want;
	int want_errno;
};

static void
test_packet_build_rejects_bad_specs(void **state)
{
	static const struct build_err cases[] = {
	    {"seq 0", AF_INET, PROTO_ICMP, 0, 0, BUF, 0, -1, EINVAL},
	    {"seq ffff", AF_INET, PROTO_UDP, 0xffff, 0, BUF, 0, -1, EINVAL},
	    {"seq max", AF_INET, PROTO_UDP, 0xfffe, 0, BUF, 0, 36, 0},
	    {"bad family", AF_UNIX, PROTO_ICMP, 1, 0, BUF, 0, -1, EINVAL},
	    {"bad proto", AF_INET, (enum probe_proto)7, 1, 0, BUF, 0, -1,
	        EINVAL},
	    {"udp no src", AF_INET, PROTO_UDP, 1, 0, BUF, 1, -1, EINVAL},
	    {"tcp no dst", AF_INET6, PROTO_TCP, 1, 0, BUF, 2, -1, EINVAL},
	    {"mixed family", AF_INET, PROTO_ICMP, 1, 0, BUF, 3, -1, EINVAL},
	    {"icmp4 no addrs", AF_INET, PROTO_ICMP, 1, 0, BUF, 1, 36, 0},
	    {"icmp too small", AF_INET, PROTO_ICMP, 1, 11, BUF, 0, -1, EINVAL},
	    {"icmp smallest", AF_INET, PROTO_ICMP, 1, 12, BUF, 0, 12, 0},
	    {"udp too small", AF_INET, PROTO_UDP, 1, 9, BUF, 0, -1, EINVAL},
	    {"udp smallest", AF_INET6, PROTO_UDP, 1, 10, BUF, 0, 10, 0},
	    {"v4 largest", AF_INET, PROTO_UDP, 1, 1480, BUF, 0, 1480, 0},
	    {"v4 too large", AF_INET, PROTO_UDP, 1, 1481, BUF, 0, -1, EINVAL},
	    {"v6 too large", AF_INET6, PROTO_ICMP, 1, 1461, BUF, 0, -1, EINVAL},
	    {"tcp ignores size", AF_INET, PROTO_TCP, 1, 100, BUF, 0, 20, 0},
	    {"no room", AF_INET, PROTO_ICMP, 1, 0, 35, 0, -1, ENOSPC},
	    {"exact room", AF_INET, PROTO_ICMP, 1, 0, 36, 0, 36, 0},
	};
	uint8_t buf[BUF];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct build_err *c = &cases[i];
		struct probe_spec ps =
		    spec(c->family == AF_INET6 ? AF_INET6 : AF_INET, c->proto,
		        c->seq, 0);
		ssize_t n;

		ps.family = c->family;
		ps.size = c->size;
		if (c->drop == 1)
			ps.src.family = AF_UNSPEC;
		if (c->drop == 2)
			ps.dst.family = AF_UNSPEC;
		if (c->drop == 3)
			ps.dst = ha(TARGET6);
		errno = 0;
		n = packet_build(&ps, buf, c->cap);
		if (n != c->want || (n < 0 && errno != c->want_errno))
			fail_msg("%s: got %zd errno %d", c->name, n, errno);
	}
}

static void
test_packet_build_icmp6_without_src_has_zero_checksum(void **state)
{
	struct probe_spec ps = spec(AF_INET6, PROTO_ICMP, 9, 0);
	uint8_t buf[BUF];

	(void)state;
	ps.src.family = AF_UNSPEC;
	assert_int_equal(packet_build(&ps, buf, sizeof(buf)), 36);
	assert_int_equal(g16(buf + 2), 0);
	assert_int_equal(g16(buf + 6), 9);
	/* packet_build_ip needs both addresses. */
	assert_int_equal(packet_build_ip(&ps, 1, 0, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

/* ---- Paris invariants -------------------------------------------------- */

static uint16_t
nth_seq(int i)
{
	/* 200 sequences spread over 1..0xfffe, including both ends. */
	if (i == 0)
		return 1;
	if (i == 199)
		return PACKET_SEQ_MAX;
	return (uint16_t)(1 + (uint32_t)i * 32749u % PACKET_SEQ_MAX);
}

static void
check_icmp_flows(int family)
{
	uint8_t first[4][4], buf[BUF];
	uint8_t ipp = icmp_proto(family);
	int flow, i, j;

	for (flow = 0; flow < 4; flow++) {
		for (i = 0; i < 200; i++) {
			struct probe_spec ps = spec(
			    family, PROTO_ICMP, nth_seq(i), (uint16_t)flow);

			assert_int_equal(
			    packet_build(&ps, buf, sizeof(buf)), 36);
			assert_int_equal(g16(buf + 4), 0x1234);
			assert_int_equal(g16(buf + 6), nth_seq(i));
			assert_true(
			    t_verifies(family == AF_INET ? NULL : &ps.src,
			        &ps.dst, ipp, buf, 36));
			if (i == 0)
				memcpy(first[flow], buf, 4);
			else
				assert_memory_equal(buf, first[flow], 4);
		}
	}
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			assert_int_not_equal(
			    g16(first[i] + 2), g16(first[j] + 2));
}

static void
test_packet_build_icmp_checksum_constant_per_flow(void **state)
{
	(void)state;
	check_icmp_flows(AF_INET);
	check_icmp_flows(AF_INET6);
}

static void
check_udp_flows(int family)
{
	uint8_t first[BUF], buf[BUF];
	int flow, i;

	for (flow = 0; flow < 4; flow++) {
		for (i = 0; i < 200; i++) {
			struct probe_spec ps =
			    spec(family, PROTO_UDP, nth_seq(i), (uint16_t)flow);

			ps.size = 64;
			assert_int_equal(
			    packet_build(&ps, buf, sizeof(buf)), 64);
			assert_int_equal(g16(buf), 33000 + flow);
			assert_int_equal(g16(buf + 2), 33434);
			assert_int_equal(g16(buf + 4), 64);
			assert_int_equal(g16(buf + 6), nth_seq(i));
			assert_true(
			    t_verifies(&ps.src, &ps.dst, IPPROTO_UDP, buf, 64));
			if (i == 0)
				memcpy(first, buf, 64);
			/* Only the checksum and the word that sets it move. */
			assert_memory_equal(buf, first, 6);
			assert_memory_equal(buf + 10, first + 10, 54);
		}
	}
}

static void
test_packet_build_udp_checksum_is_seq(void **state)
{
	(void)state;
	check_udp_flows(AF_INET);
	check_udp_flows(AF_INET6);
}

static void
test_packet_build_tcp_seq_number_carries_seq(void **state)
{
	uint8_t buf[BUF];
	int fam, flow, i;

	(void)state;
	for (fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;

		for (flow = 0; flow < 4; flow++) {
			for (i = 0; i < 200; i++) {
				struct probe_spec ps = spec(family, PROTO_TCP,
				    nth_seq(i), (uint16_t)flow);

				assert_int_equal(
				    packet_build(&ps, buf, sizeof(buf)), 20);
				assert_int_equal(g16(buf), 33000 + flow);
				assert_int_equal(g16(buf + 2), 80);
				assert_int_equal(
				    g32(buf + 4) >> 16, nth_seq(i));
				assert_int_equal(g32(buf + 4) & 0xffff, 33000);
				assert_int_equal(buf[13], 0x02);
				assert_true(t_verifies(
				    &ps.src, &ps.dst, IPPROTO_TCP, buf, 20));
			}
		}
	}
}

static void
test_packet_checksum_matches_reference(void **state)
{
	static const uint8_t rfc1071[] = {
	    0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	struct haddr s = ha(US6), d = ha(TARGET6);

	(void)state;
	/* RFC 1071's example: the sum is ddf2, the checksum its complement. */
	assert_int_equal(
	    packet_checksum(rfc1071, sizeof(rfc1071), 0), (uint16_t)~0xddf2);
	/* Odd length pads with a zero byte; the partial sum carries on. */
	assert_int_equal(packet_checksum(rfc1071, 7, 0),
	    (uint16_t)~t_fold(t_sum(rfc1071, 7, 0)));
	assert_int_equal(packet_checksum(rfc1071, 2, 0x10000), 0xfffd);
	assert_int_equal(t_fold(packet_pseudo_sum(&s, &d, 17, 40)),
	    t_fold(t_pseudo(&s, &d, 17, 40)));
	s = ha(US4);
	d = ha(TARGET4);
	assert_int_equal(t_fold(packet_pseudo_sum(&s, &d, 6, 20)),
	    t_fold(t_pseudo(&s, &d, 6, 20)));
}

static void
test_packet_proto_name_names_each_proto(void **state)
{
	(void)state;
	assert_string_equal(packet_proto_name(PROTO_ICMP), "ICMP");
	assert_string_equal(packet_proto_name(PROTO_UDP), "UDP");
	assert_string_equal(packet_proto_name(PROTO_TCP), "TCP");
	assert_string_equal(packet_proto_name((enum probe_proto)9), "?");
}

/* ---- round trips ------------------------------------------------------- */

enum answer { ANS_TE, ANS_UNREACH, ANS_ECHO, ANS_SYNACK, ANS_RST };

struct rt_case {
	const char *name;
	int family;
	enum probe_proto proto;
	enum answer ans;
	uint8_t type, code;
	bool from_router;
	enum pkt_kind kind;
};

static const struct rt_case rt_cases[] = {
    {"v4 icmp te", AF_INET, PROTO_ICMP, ANS_TE, 11, 0, true, PKT_TIME_EXCEEDED},
    {"v4 icmp host unreach", AF_INET, PROTO_ICMP, ANS_UNREACH, 3, 1, true,
        PKT_UNREACH},
    {"v4 icmp echo reply", AF_INET, PROTO_ICMP, ANS_ECHO, 0, 0, false,
        PKT_ECHO_REPLY},
    {"v4 udp te", AF_INET, PROTO_UDP, ANS_TE, 11, 0, true, PKT_TIME_EXCEEDED},
    {"v4 udp port unreach", AF_INET, PROTO_UDP, ANS_UNREACH, 3, 3, false,
        PKT_UNREACH},
    {"v4 tcp te", AF_INET, PROTO_TCP, ANS_TE, 11, 0, true, PKT_TIME_EXCEEDED},
    {"v4 tcp admin prohib", AF_INET, PROTO_TCP, ANS_UNREACH, 3, 13, true,
        PKT_UNREACH},
    {"v4 tcp syn-ack", AF_INET, PROTO_TCP, ANS_SYNACK, 0, 0, false,
        PKT_TCP_REPLY},
    {"v4 tcp rst", AF_INET, PROTO_TCP, ANS_RST, 0, 0, false, PKT_TCP_REPLY},
    {"v6 icmp te", AF_INET6, PROTO_ICMP, ANS_TE, 3, 0, true, PKT_TIME_EXCEEDED},
    {"v6 icmp no route", AF_INET6, PROTO_ICMP, ANS_UNREACH, 1, 0, true,
        PKT_UNREACH},
    {"v6 icmp echo reply", AF_INET6, PROTO_ICMP, ANS_ECHO, 129, 0, false,
        PKT_ECHO_REPLY},
    {"v6 udp te", AF_INET6, PROTO_UDP, ANS_TE, 3, 0, true, PKT_TIME_EXCEEDED},
    {"v6 udp port unreach", AF_INET6, PROTO_UDP, ANS_UNREACH, 1, 4, false,
        PKT_UNREACH},
    {"v6 tcp te", AF_INET6, PROTO_TCP, ANS_TE, 3, 0, true, PKT_TIME_EXCEEDED},
    {"v6 tcp syn-ack", AF_INET6, PROTO_TCP, ANS_SYNACK, 0, 0, false,
        PKT_TCP_REPLY},
    {"v6 tcp rst", AF_INET6, PROTO_TCP, ANS_RST, 0, 0, false, PKT_TCP_REPLY},
};
#define N_RT (sizeof(rt_cases) / sizeof(rt_cases[0]))

static struct probe_spec
rt_spec(size_t i)
{
	return spec(rt_cases[i].family, rt_cases[i].proto,
	    (uint16_t)(1000 + 17 * i), (uint16_t)(i % 4));
}

static uint8_t
rt_probe_ttl(const struct rt_case *c)
{
	return c->ans == ANS_TE ? 1 : 9;
}

/* The answer to rt_cases[i]'s probe, as a whole IP packet. */
static size_t
rt_answer(size_t i, uint8_t *out)
{
	const struct rt_case *c = &rt_cases[i];
	struct probe_spec ps = rt_spec(i);
	struct haddr router = ha(c->family == AF_INET ? ROUTER4 : ROUTER6);
	uint8_t probe[BUF];
	size_t n = build_ip_ok(&ps, rt_probe_ttl(c), probe);
	size_t hl = hdr_len(c->family);

	switch (c->ans) {
	case ANS_TE:
	case ANS_UNREACH:
		return t_icmp_error(out, c->from_router ? &router : &ps.dst,
		    &ps.src, c->type, c->code, probe, n, 0, 0, NULL, 0,
		    c->from_router ? TTL_ROUTER : TTL_TARGET);
	case ANS_ECHO:
		return t_echo_reply(out, &ps, probe + hl, n - hl);
	case ANS_SYNACK:
		return t_tcp_answer(out, &ps, probe + hl, 0x12);
	case ANS_RST:
		return t_tcp_answer(out, &ps, probe + hl, 0x14);
	}
	return 0;
}

static void
check_rt(size_t i, const struct pkt_reply *r, bool have_ip)
{
	const struct rt_case *c = &rt_cases[i];
	struct probe_spec ps = rt_spec(i);
	struct haddr router = ha(c->family == AF_INET ? ROUTER4 : ROUTER6);
	bool quotes = c->ans == ANS_TE || c->ans == ANS_UNREACH;
	uint8_t flags = 0;

	assert_int_equal(r->kind, c->kind);
	assert_int_equal(r->type, c->type);
	assert_int_equal(r->code, c->code);
	assert_int_equal(r->proto, c->proto);
	assert_int_equal(
	    r->ident, c->proto == PROTO_ICMP ? ps.ident : ps.ident + ps.flow);
	assert_int_equal(r->dport, c->proto == PROTO_ICMP ? 0 : ps.dport);
	assert_int_equal(r->seq, ps.seq);
	assert_true(addr_eq(&r->probe_dst, &ps.dst));
	assert_true(addr_eq(&r->src, c->from_router ? &router : &ps.dst));
	if (!have_ip)
		assert_int_equal(r->reply_ttl, -1);
	else
		assert_int_equal(
		    r->reply_ttl, c->from_router ? TTL_ROUTER : TTL_TARGET);
	assert_int_equal(r->quoted_ttl, quotes ? rt_probe_ttl(c) : -1);
	if (c->ans == ANS_SYNACK)
		flags = 0x12;
	else if (c->ans == ANS_RST)
		flags = 0x14;
	assert_int_equal(r->tcp_flags, flags);
	assert_int_equal(r->mpls.n, 0);
	assert_int_equal(r->n_ext, 0);
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the payload cookie ------------------------------------------------ */

struct cookie_case {
	const char *name;
	int family;
	enum probe_proto proto;
	enum answer ans;
	size_t size;     /* probe size (0 = default) */
	size_t quote_l4; /* transport bytes a router quotes (0 = all) */
	size_t pad_to;   /* quote padded with zeros to this (RFC 4884) */
	bool has_cookie; /* what the parser must find */
};

static const struct cookie_case cookie_cases[] = {
    {"v4 echo reply", AF_INET, PROTO_ICMP, ANS_ECHO, 0, 0, 0, true},
    {"v6 echo reply", AF_INET6, PROTO_ICMP, ANS_ECHO, 0, 0, 0, true},
    {"v4 echo reply, 12-byte probe", AF_INET, PROTO_ICMP, ANS_ECHO, 12, 0, 0,
        false},
    {"v4 icmp te, whole quote", AF_INET, PROTO_ICMP, ANS_TE, 0, 0, 0, true},
    {"v6 icmp te, whole quote", AF_INET6, PROTO_ICMP, ANS_TE, 0, 0, 0, true},
    {"v4 icmp te, 8-byte quote", AF_INET, PROTO_ICMP, ANS_TE, 0, 8, 0, false},
    {"v4 icmp te, 12-byte probe padded to 128", AF_INET, PROTO_ICMP, ANS_TE, 12,
        0, 128, false},
    {"v4 udp te, whole quote", AF_INET, PROTO_UDP, ANS_TE, 0, 0, 0, true},
    {"v6 udp port unreach, whole quote", AF_INET6, PROTO_UDP, ANS_UNREACH, 0, 0,
        0, true},
    {"v4 udp te, 8-byte quote", AF_INET, PROTO_UDP, ANS_TE, 0, 8, 0, false},
    {"v4 udp te, 10-byte probe padded to 128", AF_INET, PROTO_UDP, ANS_TE, 10,
        0, 128, false},
    {"v4 tcp te: no payload", AF_INET, PROTO_TCP, ANS_TE, 0, 0, 0, false},
};

/* The answer to a cookie case's probe (cookie c), as a whole IP packet. */
static size_t
cookie_answer(const struct cookie_case *c, uint32_t cookie, uint8_t *out)
{
	struct probe_spec ps = spec(c->family, c->proto, 77, 1);
	struct haddr router = ha(c->family == AF_INET ? ROUTER4 : ROUTER6);
	uint8_t probe[BUF];
	size_t n, hl = hdr_len(c->family);

	ps.size = c->size;
	ps.cookie = cookie;
	n = build_ip_ok(&ps, c->ans == ANS_ECHO ? 9 : 1, probe);
	if (c->ans == ANS_ECHO)
		return t_echo_reply(out, &ps, probe + hl, n - hl);
	if (c->quote_l4 != 0)
		n = hl + c->quote_l4;
	return t_icmp_error(out, c->ans == ANS_TE ? &router : &ps.dst, &ps.src,
	    c->ans == ANS_TE ? (c->family == AF_INET ? 11 : 3)
	                     : (c->family == AF_INET ? 3 : 1),
	    c->ans == ANS_TE ? 0 : (c->family == AF_INET ? 3 : 4), probe, n,
	    c->pad_to, 0, NULL, 0, TTL_ROUTER);
}

static void
test_packet_parse_reads_the_cookie_back(void **state)
{
	static const uint32_t cookies[] = {0, 0xdeadbeef, 0x01020304};
	uint8_t pkt[BUF];
	struct pkt_reply r;
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cookie_cases); i++) {
		const struct cookie_case *c = &cookie_cases[i];

		for (size_t k = 0; k < ARRAY_LEN(cookies); k++) {
			size_t n = cookie_answer(c, cookies[k], pkt);

			if (packet_parse_ip(pkt, n, &r, &why) != 0)
				fail_msg("%s: %s", c->name, why);
			assert_int_not_equal(r.kind, PKT_OTHER);
			if (r.has_cookie != c->has_cookie)
				fail_msg(
				    "%s: has_cookie %d", c->name, r.has_cookie);
			if (c->has_cookie && r.cookie != cookies[k])
				fail_msg("%s: cookie %08x, want %08x", c->name,
				    r.cookie, cookies[k]);
		}
	}
}

/* Cookie 0 leaves the probe as it always was (the golden bytes hold). */
static void
test_packet_build_cookie_is_xored_into_filler(void **state)
{
	struct probe_spec ps = spec(AF_INET, PROTO_ICMP, 5, 0);
	uint8_t a[BUF], b[BUF];
	ssize_t na, nb;

	(void)state;
	na = packet_build(&ps, a, sizeof(a));
	ps.cookie = 0x11223344;
	nb = packet_build(&ps, b, sizeof(b));
	assert_int_equal(na, nb);
	assert_memory_equal(a + 4, b + 4, 8); /* id, seq, ~seq, flow */
	assert_int_equal(
	    packet_get32(b + 12) ^ packet_get32(a + 12), 0x11223344);
	assert_memory_equal(a + 16, b + 16, (size_t)na - 16);
	/* the checksum still verifies */
	assert_int_equal(packet_checksum(b, (size_t)nb, 0), 0);
}

static void
test_packet_parse_ip_round_trips(void **state)
{
	uint8_t pkt[BUF];
	struct pkt_reply r;
	const char *why = NULL;
	size_t i, n;

	(void)state;
	for (i = 0; i < N_RT; i++) {
		n = rt_answer(i, pkt);
		if (packet_parse_ip(pkt, n, &r, &why) != 0)
			fail_msg("%s: %s", rt_cases[i].name, why);
		check_rt(i, &r, true);
	}
}

/* As a raw IPv6 (or ping) socket delivers it: no IP header. */
static void
test_packet_parse_l4_round_trips(void **state)
{
	uint8_t pkt[BUF];
	struct pkt_reply r;
	const char *why = NULL;
	size_t i, n, hl;

	(void)state;
	for (i = 0; i < N_RT; i++) {
		const struct rt_case *c = &rt_cases[i];
		struct probe_spec ps = rt_spec(i);
		struct haddr from =
		    c->from_router
		        ? ha(c->family == AF_INET ? ROUTER4 : ROUTER6)
		        : ps.dst;
		bool tcp = c->ans == ANS_SYNACK || c->ans == ANS_RST;
		int ipp = tcp ? IPPROTO_TCP : icmp_proto(c->family);

		n = rt_answer(i, pkt);
		hl = hdr_len(c->family);
		if (packet_parse_l4(c->family, ipp, &from,
		        i % 2 ? &ps.src : NULL, pkt + hl, n - hl, &r,
		        &why) != 0)
			fail_msg("%s: %s", c->name, why);
		check_rt(i, &r, false);
	}
}

/* Replies behind IPv6 extension headers are still read. */
static void
test_packet_parse_ip_skips_ipv6_extension_headers(void **state)
{
	uint8_t pkt[BUF], ext[BUF];
	struct pkt_reply r;
	const char *why = NULL;
	size_t n = rt_answer(11, pkt); /* v6 echo reply */

	(void)state;
	assert_int_equal(rt_cases[11].ans, ANS_ECHO);
	/* Hop-by-hop (8 bytes of PadN) then destination options. */
	memcpy(ext, pkt, 40);
	ext[6] = 0;
	memset(ext + 40, 0, 16);
	ext[40] = 60;
	ext[42] = 1;
	ext[43] = 4;
	ext[48] = 58;
	ext[50] = 1;
	ext[51] = 4;
	memcpy(ext + 56, pkt + 40, n - 40);
	p16(ext + 4, (unsigned)(n - 40 + 16));
	assert_int_equal(packet_parse_ip(ext, n + 16, &r, &why), 0);
	check_rt(11, &r, true);
	/* A fragment header that is not the first fragment: other. */
	ext[6] = 44;
	memset(ext + 40, 0, 8);
	ext[40] = 58;
	p16(ext + 42, 0x00a8);
	assert_int_equal(packet_parse_ip(ext, n + 16, &r, &why), 0);
	assert_int_equal(r.kind, PKT_OTHER);
	/* ... and one that is: parsed. */
	p16(ext + 42, 0x0001);
	memcpy(ext + 48, pkt + 40, n - 40);
	p16(ext + 4, (unsigned)(n - 40 + 8));
	assert_int_equal(packet_parse_ip(ext, n + 8, &r, &why), 0);
	check_rt(11, &r, true);
}

/* A quoted IPv4 header with options: the quote's own IHL is used. */
static void
test_packet_parse_ip_quote_with_ip_options(void **state)
{
	struct probe_spec ps = spec(AF_INET, PROTO_UDP, 4242, 2);
	struct haddr router = ha(ROUTER4);
	uint8_t probe[BUF], opt[BUF], pkt[BUF];
	struct pkt_reply r;
	const char *why = NULL;
	size_t n = build_ip_ok(&ps, 1, probe);

	(void)state;
	memcpy(opt, probe, 20);
	memcpy(
	    opt + 20, (const uint8_t[]){1, 1, 1, 0}, 4); /* NOP NOP NOP EOL */
	memcpy(opt + 24, probe + 20, n - 20);
	opt[0] = 0x46;
	p16(opt + 2, (unsigned)(n + 4));
	t_set_cksum(NULL, NULL, 0, opt, 24, 10);
	n = t_icmp_error(pkt, &router, &ps.src, 11, 0, opt, n + 4, 0, 0, NULL,
	    0, TTL_ROUTER);
	assert_int_equal(packet_parse_ip(pkt, n, &r, &why), 0);
	assert_int_equal(r.kind, PKT_TIME_EXCEEDED);
	assert_int_equal(r.proto, PROTO_UDP);
	assert_int_equal(r.seq, 4242);
	assert_int_equal(r.ident, 33002);
	assert_int_equal(r.dport, 33434);
	assert_true(addr_eq(&r.probe_dst, &ps.dst));
	/* The quote must still hold 8 transport bytes past the options. */
	assert_int_equal(packet_parse_ip(pkt, n - 1, &r, &why), -1);
	p16(pkt + 2, (unsigned)(n - 1));
	assert_int_equal(packet_parse_ip(pkt, n - 1, &r, &why), 0);
	p16(pkt + 2, (unsigned)(20 + 8 + 24 + 7));
	assert_int_equal(packet_parse_ip(pkt, 20 + 8 + 24 + 7, &r, &why), -1);
}

/* ---- RFC 4884 / RFC 4950 ----------------------------------------------- */

/* One label stack entry, bytes in wire order. */
#define LSE(l, tc, s, ttl)                         \
	(uint8_t)((l) >> 12), (uint8_t)((l) >> 4), \
	    (uint8_t)(((l)&0xf) << 4 | (tc) << 1 | (s)), (uint8_t)(ttl)
#define MPLS1(a)    0x00, 0x08, 0x01, 0x01, a
#define MPLS2(a, b) 0x00, 0x0c, 0x01, 0x01, a, b

enum ext_ck { CK_GOOD, CK_ZERO, CK_BAD };

struct ext_case {
	const char *name;
	int family;
	bool legacy; /* RFC 4884 length 0: extension at 128 bytes */
	uint8_t version;
	enum ext_ck ck;
	uint8_t obj[96];
	size_t obj_len;
	int ext_rc;
	uint8_t n_labels;
	struct mpls_label labels[MPLS_MAX_LABELS];
	uint8_t n_ext;
	struct icmp_ext_obj ext;
};

#define OBJ(...) {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})
#define L_16005                \
	{                      \
		16005, 0, 1, 1 \
	}
#define L_24001                  \
	{                        \
		24001, 5, 0, 254 \
	}
#define L_16                \
	{                   \
		16, 0, 1, 1 \
	}
#define LSE_24001 LSE(24001, 5, 0, 254)
#define LSE_16    LSE(16, 0, 1, 1)

static const struct ext_case ext_cases[] = {
    /* 16005 = 0x03e85: 03 e8 5 | tc 0 | S 1 = 0x51, TTL 1, by hand. */
    {"v4 one label", AF_INET, false, 2, CK_GOOD,
        OBJ(0x00, 0x08, 0x01, 0x01, 0x03, 0xe8, 0x51, 0x01), 0, 1, {L_16005}, 0,
        {0}},
    {"v4 two labels", AF_INET, false, 2, CK_GOOD, OBJ(MPLS2(LSE_24001, LSE_16)),
        0, 2, {L_24001, L_16}, 0, {0}},
    {"v4 two labels legacy", AF_INET, true, 2, CK_GOOD,
        OBJ(MPLS2(LSE_24001, LSE_16)), 0, 2, {L_24001, L_16}, 0, {0}},
    {"v4 one label legacy", AF_INET, true, 2, CK_GOOD,
        OBJ(MPLS1(LSE(16005, 0, 1, 1))), 0, 1, {L_16005}, 0, {0}},
    {"v6 one label", AF_INET6, false, 2, CK_GOOD,
        OBJ(MPLS1(LSE(16005, 0, 1, 1))), 0, 1, {L_16005}, 0, {0}},
    {"v6 two labels", AF_INET6, false, 2, CK_GOOD,
        OBJ(MPLS2(LSE_24001, LSE_16)), 0, 2, {L_24001, L_16}, 0, {0}},
    {"v6 two labels legacy", AF_INET6, true, 2, CK_GOOD,
        OBJ(MPLS2(LSE_24001, LSE_16)), 0, 2, {L_24001, L_16}, 0, {0}},
    {"zero checksum", AF_INET, false, 2, CK_ZERO,
        OBJ(MPLS1(LSE(16005, 0, 1, 1))), 0, 1, {L_16005}, 0, {0}},
    {"unknown object kept", AF_INET, false, 2, CK_GOOD,
        OBJ(0x00, 0x0c, 0x02, 0x0f, 1, 2, 3, 4, 5, 6, 7, 8,
            MPLS1(LSE(16005, 0, 1, 1))),
        0, 1, {L_16005}, 1, {2, 0x0f, 12}},
    {"object length 2", AF_INET, false, 2, CK_GOOD,
        OBJ(MPLS1(LSE(16005, 0, 1, 1)), 0x00, 0x02, 0x01, 0x01), -1, 1,
        {L_16005}, 0, {0}},
    {"object length 0", AF_INET6, false, 2, CK_GOOD,
        OBJ(MPLS1(LSE(16005, 0, 1, 1)), 0x00, 0x00, 0x01, 0x01), -1, 1,
        {L_16005}, 0, {0}},
    {"object past the end", AF_INET, false, 2, CK_GOOD,
        OBJ(MPLS1(LSE(16005, 0, 1, 1)), 0x00, 0x40, 0x01, 0x01, 0, 0, 0, 0), -1,
        1, {L_16005}, 0, {0}},
    {"mpls length not x4", AF_INET, false, 2, CK_GOOD,
        OBJ(0x00, 0x0a, 0x01, 0x01, LSE_16, 0, 0), -1, 0, {{0}}, 0, {0}},
    {"trailing bytes", AF_INET6, false, 2, CK_GOOD,
        OBJ(MPLS1(LSE(16005, 0, 1, 1)), 0, 0), -1, 1, {L_16005}, 0, {0}},
    {"bad version", AF_INET, false, 1, CK_GOOD, OBJ(MPLS1(LSE(16005, 0, 1, 1))),
        -1, 0, {{0}}, 0, {0}},
    {"bad version legacy", AF_INET, true, 1, CK_GOOD,
        OBJ(MPLS1(LSE(16005, 0, 1, 1))), 0, 0, {{0}}, 0, {0}},
    {"bad checksum", AF_INET6, false, 2, CK_BAD,
        OBJ(MPLS1(LSE(16005, 0, 1, 1))), -1, 0, {{0}}, 0, {0}},
    {"bad checksum legacy", AF_INET, true, 2, CK_BAD,
        OBJ(MPLS1(LSE(16005, 0, 1, 1))), 0, 0, {{0}}, 0, {0}},
    {"ten labels, eight kept", AF_INET, false, 2, CK_GOOD,
        OBJ(0x00, 0x2c, 0x01, 0x01, LSE(100, 0, 0, 9), LSE(101, 0, 0, 9),
            LSE(102, 0, 0, 9), LSE(103, 0, 0, 9), LSE(104, 0, 0, 9),
            LSE(105, 0, 0, 9), LSE(106, 0, 0, 9), LSE(107, 0, 0, 9),
            LSE(108, 0, 0, 9), LSE(109, 7, 1, 9)),
        0, 8,
        {{100, 0, 0, 9}, {101, 0, 0, 9}, {102, 0, 0, 9}, {103, 0, 0, 9},
            {104, 0, 0, 9}, {105, 0, 0, 9}, {106, 0, 0, 9}, {107, 0, 0, 9}},
        0, {0}},
};
#define N_EXT (sizeof(ext_cases) / sizeof(ext_cases[0]))

static struct probe_spec
ext_spec(size_t i)
{
	return spec(ext_cases[i].family, PROTO_UDP, (uint16_t)(500 + i), 1);
}

/* A Time Exceeded for a UDP probe: 128-byte quote, then the extension. */
static size_t
ext_answer(size_t i, uint8_t *out)
{
	const struct ext_case *c = &ext_cases[i];
	struct probe_spec ps = ext_spec(i);
	struct haddr router = ha(c->family == AF_INET ? ROUTER4 : ROUTER6);
	uint8_t probe[BUF], ext[128] = {0};
	size_t n = build_ip_ok(&ps, 1, probe);
	uint8_t len_field = c->legacy ? 0 : c->family == AF_INET ? 32 : 16;

	ext[0] = (uint8_t)(c->version << 4);
	memcpy(ext + 4, c->obj, c->obj_len);
	if (c->ck != CK_ZERO)
		t_set_cksum(NULL, NULL, 0, ext, 4 + c->obj_len, 2);
	if (c->ck == CK_BAD)
		ext[3] ^= 0x55;
	return t_icmp_error(out, &router, &ps.src,
	    c->family == AF_INET ? 11 : 3, 0, probe, n, 128, len_field, ext,
	    4 + c->obj_len, TTL_ROUTER);
}

static void
check_labels(const struct ext_case *c, const struct pkt_reply *r)
{
	int k;

	assert_int_equal(r->mpls.n, c->n_labels);
	for (k = 0; k < c->n_labels; k++) {
		assert_int_equal(r->mpls.l[k].label, c->labels[k].label);
		assert_int_equal(r->mpls.l[k].tc, c->labels[k].tc);
		assert_int_equal(r->mpls.l[k].s, c->labels[k].s);
		assert_int_equal(r->mpls.l[k].ttl, c->labels[k].ttl);
	}
	assert_int_equal(r->n_ext, c->n_ext);
	if (c->n_ext > 0) {
		assert_int_equal(r->ext[0].class_num, c->ext.class_num);
		assert_int_equal(r->ext[0].c_type, c->ext.c_type);
		assert_int_equal(r->ext[0].len, c->ext.len);
	}
}

static void
test_packet_parse_ext_mpls_and_objects(void **state)
{
	uint8_t pkt[BUF];
	struct pkt_reply r, r2;
	const char *why = NULL;
	size_t i, n, hl;

	(void)state;
	for (i = 0; i < N_EXT; i++) {
		const struct ext_case *c = &ext_cases[i];
		struct probe_spec ps = ext_spec(i);

		n = ext_answer(i, pkt);
		hl = hdr_len(c->family);
		/* Extension trouble never costs the reply itself. */
		if (packet_parse_ip(pkt, n, &r, &why) != 0)
			fail_msg("%s: %s", c->name, why);
		assert_int_equal(r.kind, PKT_TIME_EXCEEDED);
		assert_int_equal(r.proto, PROTO_UDP);
		assert_int_equal(r.seq, ps.seq);
		assert_int_equal(r.ident, ps.ident + 1);
		assert_int_equal(r.quoted_ttl, 1);
		check_labels(c, &r);
		/* The same through the direct entry point, with its verdict. */
		memset(&r2, 0, sizeof(r2));
		if (packet_parse_ext(pkt + hl + 8, n - hl - 8,
		        pkt[hl + (c->family == AF_INET ? 5 : 4)], c->family,
		        &r2) != c->ext_rc)
			fail_msg("%s: packet_parse_ext verdict", c->name);
		check_labels(c, &r2);
	}
}

/* A quote longer than 128 bytes with no extension is just a quote. */
static void
test_packet_parse_ext_long_quote_without_extension(void **state)
{
	struct probe_spec ps = spec(AF_INET, PROTO_ICMP, 77, 0);
	struct haddr router = ha(ROUTER4);
	uint8_t probe[BUF], pkt[BUF];
	struct pkt_reply r;
	const char *why = NULL;
	size_t n, len;

	(void)state;
	ps.size = 400;
	n = build_ip_ok(&ps, 1, probe);
	len = t_icmp_error(
	    pkt, &router, &ps.src, 11, 0, probe, n, 0, 0, NULL, 0, TTL_ROUTER);
	assert_int_equal(packet_parse_ip(pkt, len, &r, &why), 0);
	assert_int_equal(r.kind, PKT_TIME_EXCEEDED);
	assert_int_equal(r.seq, 77);
	assert_int_equal(r.mpls.n, 0);
	assert_int_equal(r.n_ext, 0);
	/* A length field pointing past the message: reply kept, no ext. */
	pkt[20 + 5] = 200;
	assert_int_equal(packet_parse_ip(pkt, len, &r, &why), 0);
	assert_int_equal(r.kind, PKT_TIME_EXCEEDED);
	assert_int_equal(r.mpls.n, 0);
	assert_int_equal(
	    packet_parse_ext(pkt + 28, len - 28, 200, AF_INET, &r), -1);
}

/* ---- truncation, foreign and broken packets ---------------------------- */

/* Parses a heap copy of exactly len bytes, so ASan sees any over-read. */
static int
parse_copy(const uint8_t *p, size_t len, int family, int ipproto,
    const struct haddr *src, struct pkt_reply *r, const char **why)
{
	uint8_t *c = malloc(len ? len : 1);
	int rc;

	assert_non_null(c);
	memcpy(c, p, len);
	if (family == AF_UNSPEC)
		rc = packet_parse_ip(c, len, r, why);
	else
		rc =
		    packet_parse_l4(family, ipproto, src, NULL, c, len, r, why);
	free(c);
	return rc;
}

static void
check_prefixes(const uint8_t *pkt, size_t n, const char *name)
{
	struct pkt_reply full, full4, r;
	const char *why;
	size_t len, hl = hdr_len(pkt[0] >> 4 == 4 ? AF_INET : AF_INET6);
	int family = pkt[0] >> 4 == 4 ? AF_INET : AF_INET6;
	int ipp = pkt[family == AF_INET ? 9 : 6];

	assert_int_equal(
	    parse_copy(pkt, n, AF_UNSPEC, 0, NULL, &full, &why), 0);
	assert_int_equal(
	    parse_copy(pkt + hl, n - hl, family, ipp, &full.src, &full4, &why),
	    0);
	for (len = 0; len < n; len++) {
		why = NULL;
		/* The IP header's length says more: always truncated. */
		if (parse_copy(pkt, len, AF_UNSPEC, 0, NULL, &r, &why) != -1 ||
		    why == NULL)
			fail_msg("%s: IP prefix %zu parsed", name, len);
		if (len < hl)
			continue;
		if (parse_copy(pkt + hl, len - hl, family, ipp, &full.src, &r,
		        &why) != 0) {
			assert_non_null(why);
			continue;
		}
		if (r.kind != full4.kind || r.seq != full4.seq ||
		    r.ident != full4.ident || r.mpls.n > full4.mpls.n)
			fail_msg(
			    "%s: prefix %zu parsed inconsistently", name, len);
	}
}

static void
test_packet_parse_every_prefix_is_safe(void **state)
{
	uint8_t pkt[BUF + 16];
	struct pkt_reply r, full;
	const char *why;
	size_t i, n;

	(void)state;
	for (i = 0; i < N_RT + N_EXT; i++) {
		n = i < N_RT ? rt_answer(i, pkt) : ext_answer(i - N_RT, pkt);
		check_prefixes(pkt, n,
		    i < N_RT ? rt_cases[i].name : ext_cases[i - N_RT].name);
		/* Link-layer padding after the packet is ignored. */
		assert_int_equal(packet_parse_ip(pkt, n, &full, &why), 0);
		memset(pkt + n, 0xee, 16);
		assert_int_equal(packet_parse_ip(pkt, n + 16, &r, &why), 0);
		assert_int_equal(r.kind, full.kind);
		assert_int_equal(r.seq, full.seq);
		assert_int_equal(r.mpls.n, full.mpls.n);
	}
}

/* A packet that is not an answer to any probe: 0 and PKT_OTHER. */
static void
expect_other(const uint8_t *pkt, size_t n, const char *name, uint8_t type)
{
	struct pkt_reply r;
	const char *why = NULL;

	if (packet_parse_ip(pkt, n, &r, &why) != 0)
		fail_msg("%s: %s", name, why);
	if (r.kind != PKT_OTHER || r.type != type)
		fail_msg("%s: kind %d type %d", name, r.kind, r.type);
}

static size_t
t_icmp_plain(uint8_t *out, int family, uint8_t type, uint8_t code)
{
	struct haddr from = ha(family == AF_INET ? ROUTER4 : ROUTER6);
	struct haddr to = ha(family == AF_INET ? US4 : US6);
	uint8_t m[24] = {type, code};

	t_set_cksum(family == AF_INET ? NULL : &from, &to, icmp_proto(family),
	    m, sizeof(m), 2);
	return t_ip(out, &from, &to, icmp_proto(family), 255, m, sizeof(m));
}

static void
test_packet_parse_ip_foreign_packets_are_other(void **state)
{
	struct probe_spec ps;
	struct haddr router = ha(ROUTER4);
	uint8_t probe[BUF], pkt[BUF];
	size_t n;

	(void)state;
	ps = spec(AF_INET, PROTO_ICMP, 3, 0); /* someone's Echo Request */
	expect_other(probe, build_ip_ok(&ps, 64, probe), "echo req", 8);
	ps = spec(AF_INET6, PROTO_ICMP, 3, 0);
	expect_other(probe, build_ip_ok(&ps, 64, probe), "echo6 req", 128);
	ps = spec(AF_INET, PROTO_TCP, 3, 0); /* a SYN, not an answer */
	expect_other(probe, build_ip_ok(&ps, 64, probe), "syn", 0);
	ps = spec(AF_INET, PROTO_UDP, 3, 0);
	expect_other(probe, build_ip_ok(&ps, 64, probe), "udp", 0);
	expect_other(pkt, t_icmp_plain(pkt, AF_INET6, 134, 0), "RA", 134);
	expect_other(pkt, t_icmp_plain(pkt, AF_INET6, 135, 0), "NS", 135);
	expect_other(pkt, t_icmp_plain(pkt, AF_INET, 5, 1), "redirect", 5);
	expect_other(pkt, t_icmp_plain(pkt, AF_INET, 13, 0), "tstamp", 13);
	/* Time Exceeded quoting something that is not one of our probes. */
	ps = spec(AF_INET, PROTO_ICMP, 3, 0);
	n = build_ip_ok(&ps, 1, probe);
	probe[20] = 0; /* a quoted Echo Reply */
	expect_other(pkt,
	    t_icmp_error(
	        pkt, &router, &ps.src, 11, 0, probe, n, 0, 0, NULL, 0, 9),
	    "te quoting reply", 11);
	probe[9] = 47; /* GRE */
	expect_other(pkt,
	    t_icmp_error(
	        pkt, &router, &ps.src, 11, 0, probe, n, 0, 0, NULL, 0, 9),
	    "te quoting gre", 11);
	/* TCP: bare ACK, RST without ACK, SYN+RST+ACK. */
	ps = spec(AF_INET, PROTO_TCP, 3, 0);
	n = build_ip_ok(&ps, 1, probe);
	expect_other(pkt, t_tcp_answer(pkt, &ps, probe + 20, 0x10), "ack", 0);
	expect_other(pkt, t_tcp_answer(pkt, &ps, probe + 20, 0x04), "rst", 0);
	expect_other(pkt, t_tcp_answer(pkt, &ps, probe + 20, 0x16), "sra", 0);
	/* A later IPv4 fragment of an Echo Reply. */
	n = rt_answer(2, pkt);
	p16(pkt + 6, 0x0010);
	t_set_cksum(NULL, NULL, 0, pkt, 20, 10);
	expect_other(pkt, n, "fragment", 0);
}

struct bad_case {
	const char *name;
	size_t rt;    /* rt_cases index to start from */
	size_t off;   /* byte to change */
	uint8_t val;  /* its new value */
	size_t keep;  /* nonzero: bytes kept after the IP header */
	int l4_proto; /* 0: packet_parse_ip; else packet_parse_l4 */
	int l4_family;
};

static void
test_packet_parse_rejects_broken_packets(void **state)
{
	static const struct bad_case cases[] = {
	    {"ip version 5", 0, 0, 0x55, 0, 0, 0},
	    {"ip version 0", 0, 0, 0x05, 0, 0, 0},
	    {"ihl 4", 0, 0, 0x44, 0, 0, 0},
	    {"ihl past end", 2, 0, 0x4f, 0, 0, 0},
	    {"total < ihl", 0, 3, 0x10, 0, 0, 0},
	    {"total > len", 0, 3, 0xff, 0, 0, 0},
	    {"quote not ipv4", 3, 28, 0x65, 0, 0, 0},
	    {"quote ihl 3", 3, 28, 0x43, 0, 0, 0},
	    {"quote ihl past quote", 3, 28, 0x4f, 0, 0, 0},
	    {"quote6 not ipv6", 12, 48, 0x45, 0, 0, 0},
	    {"v6 payload > len", 12, 5, 0xff, 0, 0, 0},
	    {"quote too short", 3, 0, 0, 8 + 27, IPPROTO_ICMP, AF_INET},
	    {"icmp too short", 3, 0, 0, 7, IPPROTO_ICMP, AF_INET},
	    {"tcp too short", 7, 0, 0, 19, IPPROTO_TCP, AF_INET},
	    {"tcp doff 4", 7, 32, 0x40, 0, 0, 0},
	    {"tcp doff past end", 7, 32, 0xf0, 0, 0, 0},
	    {"l4 udp", 3, 0, 0, 0, IPPROTO_UDP, AF_INET},
	    {"l4 icmpv6 on v4", 3, 0, 0, 0, IPPROTO_ICMPV6, AF_INET},
	    {"l4 bad family", 3, 0, 0, 0, IPPROTO_ICMP, AF_UNIX},
	};
	uint8_t pkt[BUF];
	struct pkt_reply r;
	struct haddr from = ha(ROUTER4);
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		const char *why = NULL;
		int rc;

		n = rt_answer(c->rt, pkt);
		if (c->keep != 0)
			n = 20 + c->keep;
		if (c->off != 0 || c->val != 0)
			pkt[c->off] = c->val;
		if (c->l4_proto == 0)
			rc = packet_parse_ip(pkt, n, &r, &why);
		else
			rc = packet_parse_l4(c->l4_family, c->l4_proto, &from,
			    NULL, pkt + 20, n - 20, &r, &why);
		if (rc != -1 || why == NULL)
			fail_msg("%s: rc %d", c->name, rc);
	}
	/* A zero-length packet and a NULL why pointer are fine too. */
	assert_int_equal(packet_parse_ip(pkt, 0, &r, NULL), -1);
	assert_int_equal(r.reply_ttl, -1);
}

/* ---- captured packets -------------------------------------------------- */

struct file_case {
	const char *file;
	int rt;  /* rt_cases index, or -1 */
	int ext; /* ext_cases index, or -1 */
};

static const struct file_case files[] = {
    {"v4_te_icmp.bin", 0, -1},
    {"v4_echo_reply.bin", 2, -1},
    {"v4_te_udp.bin", 3, -1},
    {"v4_unreach_port.bin", 4, -1},
    {"v4_tcp_synack.bin", 7, -1},
    {"v6_te_icmp.bin", 9, -1},
    {"v6_echo_reply.bin", 11, -1},
    {"v6_unreach_port.bin", 13, -1},
    {"v6_tcp_rst.bin", 16, -1},
    {"v4_te_mpls2.bin", -1, 1},
    {"v4_te_mpls2_legacy.bin", -1, 2},
    {"v6_te_mpls2.bin", -1, 5},
    {"v4_te_mpls_unknown_obj.bin", -1, 8},
    {"v4_te_ext_bad_len.bin", -1, 11},
};

static size_t
read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void
write_file(const char *path, const uint8_t *buf, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(buf, 1, n, f) != n || fclose(f) != 0)
		fail_msg("cannot write %s", path);
}

static void
test_packet_parse_ip_captured_packets(void **state)
{
	uint8_t want[BUF], got[BUF];
	char path[512];
	struct pkt_reply r;
	const char *why = NULL;
	size_t i, n, m;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const struct file_case *f = &files[i];

		snprintf(path, sizeof(path), "%s/packets/%s", HOPTOP_TEST_DATA,
		    f->file);
		n = f->rt >= 0 ? rt_answer((size_t)f->rt, want)
		               : ext_answer((size_t)f->ext, want);
		if (getenv("HOPTOP_UPDATE_PACKETS") != NULL)
			write_file(path, want, n);
		m = read_file(path, got, sizeof(got));
		assert_int_equal(m, n);
		assert_memory_equal(got, want, n);
		if (packet_parse_ip(got, m, &r, &why) != 0)
			fail_msg("%s: %s", f->file, why);
		if (f->rt >= 0) {
			check_rt((size_t)f->rt, &r, true);
		} else {
			assert_int_equal(r.seq, ext_spec((size_t)f->ext).seq);
			check_labels(&ext_cases[f->ext], &r);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_packet_build_golden_bytes),
	    cmocka_unit_test(test_packet_build_cookie_is_xored_into_filler),
	    cmocka_unit_test(test_packet_parse_reads_the_cookie_back),
	    cmocka_unit_test(test_packet_build_ip_headers),
	    cmocka_unit_test(test_packet_build_rejects_bad_specs),
	    cmocka_unit_test(
	        test_packet_build_icmp6_without_src_has_zero_checksum),
	    cmocka_unit_test(test_packet_build_icmp_checksum_constant_per_flow),
	    cmocka_unit_test(test_packet_build_udp_checksum_is_seq),
	    cmocka_unit_test(test_packet_build_tcp_seq_number_carries_seq),
	    cmocka_unit_test(test_packet_checksum_matches_reference),
	    cmocka_unit_test(test_packet_proto_name_names_each_proto),
	    cmocka_unit_test(test_packet_parse_ip_round_trips),
	    cmocka_unit_test(test_packet_parse_l4_round_trips),
	    cmocka_unit_test(test_packet_parse_ip_skips_ipv6_extension_headers),
	    cmocka_unit_test(test_packet_parse_ip_quote_with_ip_options),
	    cmocka_unit_test(test_packet_parse_ext_mpls_and_objects),
	    cmocka_unit_test(
	        test_packet_parse_ext_long_quote_without_extension),
	    cmocka_unit_test(test_packet_parse_every_prefix_is_safe),
	    cmocka_unit_test(test_packet_parse_ip_foreign_packets_are_other),
	    cmocka_unit_test(test_packet_parse_rejects_broken_packets),
	    cmocka_unit_test(test_packet_parse_ip_captured_packets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
