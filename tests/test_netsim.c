/*
 * Unit tests for netsim: probes built with packet_build_ip() go in, reply
 * bytes come out and are read back with packet_parse_ip(). Checksums are
 * verified here independently of packet.c. Scenarios are written inline
 * with single quotes (see sq()) or loaded from tests/data/scenarios.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "hoptop/netsim.h"
#include "hoptop/packet.h"

#define IDENT       0x4242
#define MS          1000000LL
#define SEC         1000000000LL
#define T0          (1000 * SEC) /* an arbitrary monotonic start */
#define SCENARIOS   HOPTOP_TEST_DATA "/scenarios"
#define MAX_REPLIES 64

/* 4 hops, RTT 1, 3.5, 6.5, 10.5 ms; both families. */
static const char chain4[] =
    "{'name': 'chain4', 'seed': 1,"
    " 'source': {'v4': '10.78.0.2', 'v6': 'fd00:78::2'},"
    " 'target': {'v4': '10.78.4.1', 'v6': 'fd00:78:4::1'},"
    " 'hops': ["
    "  {'addrs': ['10.78.1.1', 'fd00:78:1::1'], 'delay_ms': 1},"
    "  {'addrs': ['10.78.2.1', 'fd00:78:2::1'], 'delay_ms': 2.5},"
    "  {'addrs': ['10.78.3.1', 'fd00:78:3::1'], 'delay_ms': 3},"
    "  {'delay_ms': 4}]}";
static const int64_t chain4_rtt_ns[] = {0, 1 * MS, 3500000, 6500000, 10500000};

/* A reply popped from the simulator. */
struct out {
	uint8_t b[PACKET_MAX];
	size_t len;
	int64_t due_ns;
	int rc; /* packet_parse_ip */
	struct pkt_reply pr;
};

/* Single quotes to double quotes (JSON in C strings stays readable). */
static char *
sq(const char *s)
{
	char *j = strdup(s);

	assert_non_null(j);
	for (char *p = j; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return j;
}

static struct netsim *
scenario(const char *single_quoted)
{
	char err[256] = "";
	char *json = sq(single_quoted);
	struct netsim *ns = netsim_parse(json, err, sizeof(err));

	free(json);
	if (ns == NULL)
		fail_msg("scenario did not parse: %s", err);
	return ns;
}

static struct haddr
addr(const char *s)
{
	struct haddr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static struct haddr
target(const struct netsim *ns, int family)
{
	struct haddr a;

	assert_int_equal(netsim_target(ns, family, &a), 0);
	return a;
}

static uint16_t
probe_ident(enum probe_proto proto, uint16_t flow)
{
	return proto == PROTO_ICMP ? IDENT : (uint16_t)(IDENT + flow);
}

static void
send_to(struct netsim *ns, int family, enum probe_proto proto,
    const struct haddr *dst, uint16_t seq, uint16_t flow, uint8_t ttl,
    int64_t now_ns)
{
	struct probe_spec ps;
	uint8_t buf[PACKET_MAX];
	ssize_t n;

	memset(&ps, 0, sizeof(ps));
	ps.family = family;
	ps.proto = proto;
	assert_int_equal(netsim_source(ns, family, &ps.src), 0);
	ps.dst = *dst;
	ps.ident = IDENT;
	ps.dport = proto == PROTO_TCP ? 80 : 33434;
	ps.seq = seq;
	ps.flow = flow;
	n = packet_build_ip(&ps, ttl, seq, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(netsim_input(ns, buf, (size_t)n, now_ns), 0);
}

static void
send_probe(struct netsim *ns, int family, enum probe_proto proto, uint16_t seq,
    uint16_t flow, uint8_t ttl, int64_t now_ns)
{
	struct haddr dst = target(ns, family);

	send_to(ns, family, proto, &dst, seq, flow, ttl, now_ns);
}

/* Pops the next reply due by now_ns; false if there is none. */
static bool
pop(struct netsim *ns, int64_t now_ns, struct out *o)
{
	const char *why;
	ssize_t n;

	o->due_ns = netsim_next_due(ns);
	n = netsim_output(ns, now_ns, o->b, sizeof(o->b));
	assert_true(n >= 0);
	if (n == 0)
		return false;
	assert_true(o->due_ns <= now_ns);
	o->len = (size_t)n;
	o->rc = packet_parse_ip(o->b, o->len, &o->pr, &why);
	return true;
}

/* Pops exactly one reply due by now_ns and checks it parses. */
static void
pop_one(struct netsim *ns, int64_t now_ns, struct out *o)
{
	struct out extra;

	assert_true(pop(ns, now_ns, o));
	assert_int_equal(o->rc, 0);
	assert_false(pop(ns, now_ns, &extra));
}

/* ---- independent checksum check (RFC 1071, big-endian words) ---- */

static uint32_t
sum_be(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold16(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void
assert_checksums(const uint8_t *p, size_t len)
{
	bool v4 = p[0] >> 4 == 4;
	size_t hl = v4 ? (size_t)(p[0] & 0xf) * 4 : 40;
	uint8_t proto = v4 ? p[9] : p[6];
	size_t l4 = len - hl;
	uint32_t s = 0;

	if (v4)
		assert_int_equal(fold16(sum_be(p, hl, 0)), 0xffff);
	if (proto != IPPROTO_ICMP) { /* pseudo-header */
		s = sum_be(p + (v4 ? 12 : 8), v4 ? 8 : 32, 0);
		s += proto + (uint32_t)l4;
	}
	assert_int_equal(fold16(sum_be(p + hl, l4, s)), 0xffff);
}

/* ---- the built-in scenario and the shipped files ---- */

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_netsim_demo_json_equals_demo_file(void **state)
{
	char *file = read_file(SCENARIOS "/demo.json");
	struct netsim *ns = netsim_demo();
	struct haddr t;
	char buf[ADDR_STRLEN];

	(void)state;
	assert_string_equal(netsim_demo_json(), file);
	assert_non_null(ns);
	assert_string_equal(netsim_name(ns), "demo");
	assert_int_equal(netsim_hop_count(ns), 10);
	assert_int_equal(netsim_target(ns, AF_INET, &t), 0);
	assert_string_equal(addr_str(&t, buf, sizeof(buf)), "10.78.10.1");
	assert_int_equal(netsim_target(ns, AF_INET6, &t), 0);
	assert_string_equal(addr_str(&t, buf, sizeof(buf)), "fd00:78:10::1");
	netsim_free(ns);
	free(file);
}

/* Every address string in a scenario is in 10.78/16 or fd00:78::/32. */
static void
assert_addrs_in_range(json_t *v, const char *file)
{
	const char *key;
	json_t *child;
	size_t i;
	struct haddr a;

	if (json_is_object(v)) {
		json_object_foreach(v, key, child)
		{
			assert_addrs_in_range(child, file);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
		{
			assert_addrs_in_range(child, file);
		}
	} else if (json_is_string(v) &&
	           addr_parse(json_string_value(v), &a) == 0) {
		const uint8_t *b = (const uint8_t *)&a.u;
		bool ok = a.family == AF_INET ? b[0] == 10 && b[1] == 78
		                              : b[0] == 0xfd && b[1] == 0 &&
		                                    b[2] == 0 && b[3] == 0x78;
		if (!ok)
			fail_msg("%s: %s is outside the test ranges", file,
			    json_string_value(v));
	}
}

static void
test_netsim_load_every_shipped_scenario(void **state)
{
	DIR *d = opendir(SCENARIOS);
	struct dirent *e;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		char path[1024], err[256] = "";
		struct netsim *ns;
		json_t *root;

		if (l < 5 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", SCENARIOS, e->d_name);
		ns = netsim_load(path, err, sizeof(err));
		if (ns == NULL)
			fail_msg("%s", err);
		assert_true(netsim_hop_count(ns) >= 1);
		netsim_free(ns);
		root = json_load_file(path, 0, NULL);
		assert_non_null(root);
		assert_addrs_in_range(root, e->d_name);
		json_decref(root);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

/* ---- what each hop answers ---- */

struct kind_case {
	int family;
	enum probe_proto proto;
	enum pkt_kind dest_kind;
	uint8_t dest_type, dest_code; /* for ICMP kinds */
};

static const struct kind_case kind_cases[] = {
    {AF_INET, PROTO_ICMP, PKT_ECHO_REPLY, 0, 0},
    {AF_INET, PROTO_UDP, PKT_UNREACH, 3, 3},
    {AF_INET, PROTO_TCP, PKT_TCP_REPLY, 0, 0},
    {AF_INET6, PROTO_ICMP, PKT_ECHO_REPLY, 129, 0},
    {AF_INET6, PROTO_UDP, PKT_UNREACH, 1, 4},
    {AF_INET6, PROTO_TCP, PKT_TCP_REPLY, 0, 0},
};

static void
check_time_exceeded(const struct kind_case *c, const struct out *o, int ttl,
    uint16_t seq, const struct haddr *dst)
{
	char want[32];
	struct haddr w;

	snprintf(want, sizeof(want),
	    c->family == AF_INET ? "10.78.%d.1" : "fd00:78:%d::1", ttl);
	assert_int_equal(o->pr.kind, PKT_TIME_EXCEEDED);
	assert_int_equal(o->pr.type, c->family == AF_INET ? 11 : 3);
	w = addr(want);
	assert_true(addr_eq(&o->pr.src, &w));
	assert_int_equal(o->pr.proto, c->proto);
	assert_int_equal(o->pr.ident, probe_ident(c->proto, 0));
	assert_int_equal(o->pr.seq, seq);
	assert_int_equal(o->pr.quoted_ttl, 1);
	assert_int_equal(o->pr.reply_ttl, 256 - ttl);
	assert_true(addr_eq(&o->pr.probe_dst, dst));
	assert_int_equal(o->pr.mpls.n, 0);
}

static void
check_dest(const struct kind_case *c, const struct out *o, uint16_t seq,
    const struct haddr *dst, int ttl)
{
	assert_int_equal(o->pr.kind, c->dest_kind);
	assert_true(addr_eq(&o->pr.src, dst));
	assert_int_equal(o->pr.proto, c->proto);
	assert_int_equal(o->pr.ident, probe_ident(c->proto, 0));
	assert_int_equal(o->pr.seq, seq);
	assert_int_equal(o->pr.reply_ttl, 64 - 3);
	if (c->dest_kind == PKT_TCP_REPLY) {
		assert_int_equal(o->pr.tcp_flags, 0x14); /* RST|ACK */
		return;
	}
	assert_int_equal(o->pr.type, c->dest_type);
	assert_int_equal(o->pr.code, c->dest_code);
	if (c->dest_kind == PKT_UNREACH) /* arrived after 3 routers */
		assert_int_equal(o->pr.quoted_ttl, ttl - 3);
}

static void
test_netsim_input_answers_each_ttl(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kind_cases) / sizeof(kind_cases[0]);
	     i++) {
		const struct kind_case *c = &kind_cases[i];
		struct netsim *ns = scenario(chain4);
		struct haddr dst = target(ns, c->family);
		struct out o;

		for (int ttl = 1; ttl <= 6; ttl++) {
			uint16_t seq = (uint16_t)(100 + ttl);
			int64_t now = T0 + ttl * SEC;
			int hop = ttl < 4 ? ttl : 4;

			send_probe(
			    ns, c->family, c->proto, seq, 0, (uint8_t)ttl, now);
			assert_int_equal(
			    netsim_next_due(ns), now + chain4_rtt_ns[hop]);
			assert_false(pop(ns, now + chain4_rtt_ns[hop] - 1, &o));
			pop_one(ns, now + chain4_rtt_ns[hop], &o);
			assert_int_equal(o.due_ns, now + chain4_rtt_ns[hop]);
			assert_checksums(o.b, o.len);
			if (ttl < 4)
				check_time_exceeded(c, &o, ttl, seq, &dst);
			else
				check_dest(c, &o, seq, &dst, ttl);
		}
		netsim_free(ns);
	}
}

static void
test_netsim_input_tcp_open_gives_syn_ack(void **state)
{
	struct netsim *ns = scenario(
	    "{'name': 't', 'source': {'v6': 'fd00:78::2'},"
	    " 'target': {'v6': 'fd00:78:9::1'},"
	    " 'hops': [{'addrs': ['fd00:78:1::1']},"
	    "          {'delay_ms': 2, 'tcp_open': true, 'reply_ttl': 50}]}");
	struct haddr dst = target(ns, AF_INET6);
	struct out o;

	(void)state;
	send_probe(ns, AF_INET6, PROTO_TCP, 77, 3, 9, T0);
	pop_one(ns, T0 + 2 * MS, &o);
	assert_checksums(o.b, o.len);
	assert_int_equal(o.pr.kind, PKT_TCP_REPLY);
	assert_int_equal(o.pr.tcp_flags, 0x12); /* SYN|ACK */
	assert_int_equal(o.pr.seq, 77);
	assert_int_equal(o.pr.ident, IDENT + 3);
	assert_int_equal(o.pr.dport, 80);
	assert_int_equal(o.pr.reply_ttl, 50);
	assert_true(addr_eq(&o.pr.src, &dst));
	netsim_free(ns);
}

/* ---- ECMP ---- */

static const char ecmp3[] =
    "{'name': 'e', 'source': {'v4': '10.78.0.2', 'v6': 'fd00:78::2'},"
    " 'target': {'v4': '10.78.9.1', 'v6': 'fd00:78:9::1'},"
    " 'hops': [{'addrs': ['10.78.1.1', 'fd00:78:1::1']},"
    "  {'addrs': ['10.78.2.1', '10.78.2.2', '10.78.2.3',"
    "             'fd00:78:2::1', 'fd00:78:2::2', 'fd00:78:2::3']},"
    "  {'delay_ms': 1}]}";

/* The responder of hop 2 for (proto, flow): the same for every seq. */
static struct haddr
ecmp_responder(struct netsim *ns, int family, enum probe_proto proto,
    uint16_t flow, uint16_t *seq)
{
	struct haddr first = {0};
	struct out o;

	for (int i = 0; i < 20; i++) {
		send_probe(ns, family, proto, ++*seq, flow, 2, T0);
		pop_one(ns, T0, &o);
		assert_int_equal(o.pr.kind, PKT_TIME_EXCEEDED);
		assert_int_equal(o.pr.seq, *seq);
		if (i == 0)
			first = o.pr.src;
		assert_true(addr_eq(&o.pr.src, &first));
	}
	return first;
}

static void
test_netsim_ecmp_stable_per_flow_spread_across_flows(void **state)
{
	static const enum probe_proto protos[] = {
	    PROTO_ICMP, PROTO_UDP, PROTO_TCP};
	static const int families[] = {AF_INET, AF_INET6};

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		for (size_t p = 0; p < 3; p++) {
			struct netsim *ns = scenario(ecmp3);
			struct haddr seen[3];
			int n_seen = 0;
			uint16_t seq = 0;

			for (uint16_t flow = 0; flow < 16; flow++) {
				struct haddr a = ecmp_responder(
				    ns, families[f], protos[p], flow, &seq);
				int j = 0;

				while (j < n_seen && !addr_eq(&seen[j], &a))
					j++;
				if (j == n_seen)
					seen[n_seen++] = a;
			}
			assert_true(n_seen >= 2);
			netsim_free(ns);
		}
	}
}

/* ---- MPLS ---- */

static void
test_netsim_mpls_labels_come_back(void **state)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct out o;

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		struct netsim *ns = scenario(
		    "{'name': 'm', 'source': {'v4': '10.78.0.2', 'v6': "
		    "'fd00:78::2'}, 'target': {'v4': '10.78.9.1', 'v6': "
		    "'fd00:78:9::1'}, 'hops': [{'addrs': ['10.78.1.1', "
		    "'fd00:78:1::1'], 'mpls': [{'label': 16004, 'tc': 5, "
		    "'ttl': 1}, {'label': 1048575, 'ttl': 7}]}, {}]}");

		for (int p = PROTO_ICMP; p <= PROTO_TCP; p++) {
			send_probe(
			    ns, families[f], (enum probe_proto)p, 9, 0, 1, T0);
			pop_one(ns, T0, &o);
			assert_checksums(o.b, o.len);
			assert_int_equal(o.pr.kind, PKT_TIME_EXCEEDED);
			assert_int_equal(o.pr.seq, 9);
			assert_int_equal(o.pr.mpls.n, 2);
			assert_int_equal(o.pr.mpls.l[0].label, 16004);
			assert_int_equal(o.pr.mpls.l[0].tc, 5);
			assert_int_equal(o.pr.mpls.l[0].s, 0);
			assert_int_equal(o.pr.mpls.l[0].ttl, 1);
			assert_int_equal(o.pr.mpls.l[1].label, 1048575);
			assert_int_equal(o.pr.mpls.l[1].s, 1);
			assert_int_equal(o.pr.mpls.l[1].ttl, 7);
			/* RFC 4884 length: 128 bytes in 32/64-bit words */
			if (families[f] == AF_INET)
				assert_int_equal(o.b[20 + 5], 128 / 4);
			else
				assert_int_equal(o.b[40 + 4], 128 / 8);
			/* 128-byte quote + ext header + object + 2 entries */
			assert_int_equal(
			    o.len, (families[f] == AF_INET ? 20 : 40) + 8 +
			               128 + 4 + 4 + 8);
		}
		netsim_free(ns);
	}
}

/* ---- rate limit, loss, replay ---- */

static int
drain(struct netsim *ns, int64_t now_ns)
{
	struct out o;
	int n = 0;

	while (pop(ns, now_ns, &o))
		n++;
	return n;
}

static void
assert_counts(const struct netsim *ns, int ttl, uint64_t probes,
    uint64_t answered, uint64_t dropped)
{
	struct netsim_counts c;

	netsim_counts(ns, ttl, &c);
	assert_int_equal(c.probes, probes);
	assert_int_equal(c.answered, answered);
	assert_int_equal(c.dropped, dropped);
}

static void
test_netsim_rate_limit_answers_burst_then_pps(void **state)
{
	struct netsim *ns =
	    scenario("{'name': 'r', 'source': {'v4': '10.78.0.2'},"
	             " 'target': {'v4': '10.78.9.1'},"
	             " 'hops': [{'addrs': ['10.78.1.1'], 'delay_ms': 1},"
	             "  {'addrs': ['10.78.2.1'], 'delay_ms': 1,"
	             "   'rate_limit': {'pps': 10, 'burst': 10}}, {}]}");
	struct netsim_counts c;
	uint16_t seq = 0;

	(void)state;
	for (int i = 0; i < 100; i++)
		send_probe(ns, AF_INET, PROTO_ICMP, ++seq, 0, 2, T0);
	assert_int_equal(drain(ns, T0 + SEC / 2), 10);
	assert_counts(ns, 2, 100, 10, 90);
	netsim_counts(ns, 2, &c);
	assert_int_equal(c.hold_ns, 10 * 2 * MS);
	/* 1 s later the bucket is full again (10), 0.2 s after that: 2. */
	for (int i = 0; i < 100; i++)
		send_probe(ns, AF_INET, PROTO_ICMP, ++seq, 0, 2, T0 + SEC);
	for (int i = 0; i < 100; i++)
		send_probe(
		    ns, AF_INET, PROTO_ICMP, ++seq, 0, 2, T0 + SEC + SEC / 5);
	assert_int_equal(drain(ns, T0 + 2 * SEC), 12);
	assert_counts(ns, 2, 300, 22, 278);
	/* Hop 1 has no limit. */
	for (int i = 0; i < 100; i++)
		send_probe(ns, AF_INET, PROTO_ICMP, ++seq, 0, 1, T0 + 2 * SEC);
	assert_int_equal(drain(ns, T0 + 3 * SEC), 100);
	assert_counts(ns, 1, 100, 100, 0);
	netsim_free(ns);
}

static const char lossy[] =
    "{'name': 'l', 'seed': %d, 'source': {'v4': '10.78.0.2'},"
    " 'target': {'v4': '10.78.9.1'},"
    " 'hops': [{'addrs': ['10.78.1.1'], 'delay_ms': 1, 'jitter_ms': 2},"
    "  {'addrs': ['10.78.2.1'], 'delay_ms': 1, 'loss': 0.3},"
    "  {'addrs': ['10.78.3.1'], 'delay_ms': 1, 'forward_loss': 0.2},"
    "  {'delay_ms': 1}]}";

/* Runs 2000 probes over TTLs 1-4; returns a trace of (due, bytes). */
static uint64_t
lossy_run(int seed, struct netsim_counts counts[5])
{
	char json[1024];
	struct netsim *ns;
	struct out o;
	uint64_t trace = 0xcbf29ce484222325ULL;

	memset(counts, 0, 5 * sizeof(counts[0]));
	snprintf(json, sizeof(json), lossy, seed);
	ns = scenario(json);
	for (int i = 0; i < 2000; i++) {
		int64_t now = T0 + i * MS;

		send_probe(ns, AF_INET, PROTO_UDP, (uint16_t)(i + 1), 0,
		    (uint8_t)(1 + i % 4), now);
		while (pop(ns, now, &o)) {
			trace = (trace ^ (uint64_t)o.due_ns) * 0x100000001b3;
			for (size_t k = 0; k < o.len; k++)
				trace = (trace ^ o.b[k]) * 0x100000001b3;
		}
	}
	for (int t = 1; t <= 4; t++)
		netsim_counts(ns, t, &counts[t]);
	netsim_free(ns);
	return trace;
}

static void
test_netsim_loss_replays_identically(void **state)
{
	struct netsim_counts a[5], b[5], c[5];
	uint64_t ta = lossy_run(42, a), tb = lossy_run(42, b);
	uint64_t tc = lossy_run(43, c);

	(void)state;
	assert_true(ta == tb);
	assert_memory_equal(a, b, sizeof(a));
	assert_true(ta != tc);
	/* Reply loss 0.3 at hop 2 only; forward loss 0.2 at hop 3. */
	assert_int_equal(a[1].answered, 500);
	assert_int_equal(a[2].probes, 500);
	assert_true(a[2].dropped > 110 && a[2].dropped < 190);
	assert_int_equal(a[2].answered + a[2].dropped, 500);
	assert_int_equal(a[3].answered, 500);
	assert_int_equal(a[3].fwd_lost, 0);
	assert_true(a[4].fwd_lost > 60 && a[4].fwd_lost < 140);
	assert_int_equal(a[4].probes + a[4].fwd_lost, 500);
	assert_int_equal(a[4].answered, a[4].probes);
}

static void
test_netsim_jitter_stays_in_bounds(void **state)
{
	char json[1024];
	struct netsim *ns;
	struct netsim_counts c;
	int64_t lo = INT64_MAX, hi = 0, sum = 0;
	struct out o;

	(void)state;
	snprintf(json, sizeof(json), lossy, 1);
	ns = scenario(json);
	for (int i = 0; i < 200; i++) {
		send_probe(
		    ns, AF_INET, PROTO_ICMP, (uint16_t)(i + 1), 0, 1, T0);
		pop_one(ns, T0 + SEC, &o);
		lo = o.due_ns - T0 < lo ? o.due_ns - T0 : lo;
		hi = o.due_ns - T0 > hi ? o.due_ns - T0 : hi;
		sum += o.due_ns - T0;
	}
	assert_true(lo >= 1 * MS && hi <= 3 * MS && hi - lo > MS);
	netsim_counts(ns, 1, &c);
	assert_int_equal(c.hold_ns, sum);
	netsim_free(ns);
}

/* ---- silent, forward loss, path change ---- */

static void
test_netsim_silent_hop_counts_dropped(void **state)
{
	char path[1024], err[256];
	struct netsim *ns;
	struct out o;

	(void)state;
	snprintf(path, sizeof(path), "%s/silent.json", SCENARIOS);
	ns = netsim_load(path, err, sizeof(err));
	assert_non_null(ns);
	for (int i = 0; i < 10; i++) {
		send_probe(
		    ns, AF_INET, PROTO_ICMP, (uint16_t)(i + 1), 0, 2, T0);
		send_probe(
		    ns, AF_INET6, PROTO_UDP, (uint16_t)(i + 1), 0, 3, T0);
	}
	assert_int_equal(netsim_next_due(ns), INT64_MAX);
	assert_counts(ns, 2, 10, 0, 10);
	assert_counts(ns, 3, 10, 0, 10);
	send_probe(ns, AF_INET, PROTO_ICMP, 99, 0, 4, T0);
	pop_one(ns, T0 + SEC, &o);
	assert_int_equal(o.pr.kind, PKT_TIME_EXCEEDED);
	assert_int_equal(o.due_ns, T0 + 16 * MS);
	assert_counts(ns, 4, 1, 1, 0);
	netsim_free(ns);
}

static void
test_netsim_forward_loss_drops_later_hops_only(void **state)
{
	struct netsim *ns =
	    scenario("{'name': 'f', 'source': {'v4': '10.78.0.2'},"
	             " 'target': {'v4': '10.78.9.1'},"
	             " 'hops': [{'addrs': ['10.78.1.1']},"
	             "  {'addrs': ['10.78.2.1'], 'forward_loss': 1},"
	             "  {'addrs': ['10.78.3.1']}, {}]}");
	struct netsim_counts c;

	(void)state;
	for (int i = 0; i < 5; i++)
		for (int ttl = 1; ttl <= 4; ttl++)
			send_probe(ns, AF_INET, PROTO_ICMP,
			    (uint16_t)(i * 4 + ttl), 0, (uint8_t)ttl, T0);
	assert_int_equal(drain(ns, T0), 10);
	assert_counts(ns, 2, 5, 5, 0);
	assert_counts(ns, 3, 0, 0, 0);
	netsim_counts(ns, 4, &c);
	assert_int_equal(c.fwd_lost, 5);
	netsim_free(ns);
}

/* Hop `ttl`'s responder (or the target) for one ICMP probe at now_ns. */
static struct haddr
responder_at(struct netsim *ns, uint8_t ttl, int64_t now_ns, uint16_t seq)
{
	struct out o;

	send_probe(ns, AF_INET, PROTO_ICMP, seq, 0, ttl, now_ns);
	pop_one(ns, now_ns + SEC, &o);
	return o.pr.src;
}

static void
test_netsim_path_change_at_time(void **state)
{
	char path[1024], err[256];
	struct netsim *ns;
	struct haddr h3 = addr("10.78.3.1"), h33 = addr("10.78.33.1");
	struct haddr dst = addr("10.78.9.1"), h35 = addr("10.78.35.1");
	struct haddr a;

	(void)state;
	snprintf(path, sizeof(path), "%s/pathchange.json", SCENARIOS);
	ns = netsim_load(path, err, sizeof(err));
	assert_non_null(ns);
	/* Times count from the first probe, T0. */
	a = responder_at(ns, 3, T0, 1);
	assert_true(addr_eq(&a, &h3));
	a = responder_at(ns, 5, T0 + 4999 * MS, 2);
	assert_true(addr_eq(&a, &dst));
	a = responder_at(ns, 3, T0 + 5000 * MS, 3);
	assert_true(addr_eq(&a, &h33));
	a = responder_at(ns, 5, T0 + 6000 * MS, 4);
	assert_true(addr_eq(&a, &h35));
	a = responder_at(ns, 3, T0 + 15000 * MS, 5);
	assert_true(addr_eq(&a, &h3));
	netsim_free(ns);
}

/* ---- hostile ---- */

struct tally {
	int total, at_due, late;
};

/*
 * Sends one probe to hostile hop `ttl` and sorts every packet that comes
 * out: a packet "matches" if it parses as this probe's real answer.
 */
static void
hostile_probe(struct netsim *ns, int family, enum probe_proto proto,
    uint8_t ttl, uint16_t seq, struct tally *t)
{
	struct haddr dst = target(ns, family);
	char hop_s[32];
	struct haddr hop;
	struct out o;
	int64_t due = T0 + (1 + 5 + 5) * MS;

	snprintf(hop_s, sizeof(hop_s),
	    family == AF_INET ? "10.78.%d.1" : "fd00:78:%d::1", ttl);
	hop = addr(hop_s);
	memset(t, 0, sizeof(*t));
	send_probe(ns, family, proto, seq, 0, ttl, T0);
	while (pop(ns, T0 + 60 * SEC, &o)) {
		bool match =
		    o.rc == 0 && o.pr.kind == PKT_TIME_EXCEEDED &&
		    o.pr.proto == proto &&
		    o.pr.ident == probe_ident(proto, 0) && o.pr.seq == seq &&
		    addr_eq(&o.pr.probe_dst, &dst) && addr_eq(&o.pr.src, &hop);
		t->total++;
		if (match && o.due_ns == due)
			t->at_due++;
		else if (match && o.due_ns == due + 5 * SEC)
			t->late++;
		else if (match)
			fail_msg("a match at an odd time");
		if (match)
			assert_checksums(o.b, o.len);
	}
}

static void
test_netsim_hostile_junk_never_matches(void **state)
{
	static const int families[] = {AF_INET, AF_INET6};
	char path[1024], err[256];
	struct tally t;

	(void)state;
	snprintf(path, sizeof(path), "%s/hostile.json", SCENARIOS);
	for (size_t f = 0; f < 2; f++) {
		for (int p = PROTO_ICMP; p <= PROTO_TCP; p++) {
			struct netsim *ns = netsim_load(path, err, sizeof(err));

			assert_non_null(ns);
			/* Hop 3: real reply + duplicate, a late copy. */
			hostile_probe(
			    ns, families[f], (enum probe_proto)p, 3, 7, &t);
			assert_int_equal(t.total, 9);
			assert_int_equal(t.at_due, 2);
			assert_int_equal(t.late, 1);
			assert_counts(ns, 3, 1, 1, 0);
			/* Hop 5 (silent + hostile): only junk. */
			hostile_probe(
			    ns, families[f], (enum probe_proto)p, 5, 8, &t);
			assert_int_equal(t.total, 6);
			assert_int_equal(t.at_due + t.late, 0);
			assert_counts(ns, 5, 1, 0, 1);
			netsim_free(ns);
		}
	}
}

/* ---- accuracy, ordering, odd input ---- */

static void
test_netsim_chain16_hold_times_exact(void **state)
{
	char path[1024], err[256];
	struct netsim *ns;
	struct netsim_counts c;
	struct out o;

	(void)state;
	snprintf(path, sizeof(path), "%s/chain16.json", SCENARIOS);
	ns = netsim_load(path, err, sizeof(err));
	assert_non_null(ns);
	for (int round = 0; round < 3; round++)
		for (int ttl = 16; ttl >= 1; ttl--)
			send_probe(ns, AF_INET, PROTO_UDP,
			    (uint16_t)(round * 16 + ttl), 0, (uint8_t)ttl,
			    T0 + round * SEC);
	/* They leave in due order, whatever the order they went in. */
	for (int round = 0; round < 3; round++) {
		for (int ttl = 1; ttl <= 16; ttl++) {
			pop_one(ns, T0 + round * SEC + ttl * 10 * MS, &o);
			assert_int_equal(o.pr.seq, round * 16 + ttl);
			assert_int_equal(o.pr.kind,
			    ttl < 16 ? PKT_TIME_EXCEEDED : PKT_UNREACH);
		}
	}
	for (int ttl = 1; ttl <= 16; ttl++) {
		netsim_counts(ns, ttl, &c);
		assert_int_equal(c.answered, 3);
		assert_int_equal(c.hold_ns, 3 * ttl * 10 * MS);
	}
	netsim_free(ns);
}

static void
test_netsim_input_ignores_non_probes(void **state)
{
	struct netsim *ns = scenario(chain4);
	static const uint8_t garbage[] = {0x45, 0, 0, 99};
	uint8_t buf[PACKET_MAX];
	struct out o;
	struct netsim_counts c;
	struct haddr other = addr("10.78.77.7");

	(void)state;
	assert_int_equal(netsim_input(ns, garbage, sizeof(garbage), T0), -1);
	assert_int_equal(netsim_input(ns, buf, 0, T0), -1);
	/* An Echo Reply is not a probe: ignored, not an error. */
	send_probe(ns, AF_INET, PROTO_ICMP, 5, 0, 4, T0);
	pop_one(ns, T0 + SEC, &o);
	assert_int_equal(netsim_input(ns, o.b, o.len, T0), 0);
	assert_int_equal(netsim_next_due(ns), INT64_MAX);
	/* Truncated: the IP length says more than there is. */
	send_probe(ns, AF_INET, PROTO_UDP, 6, 0, 1, T0);
	pop_one(ns, T0 + SEC, &o);
	assert_int_equal(netsim_input(ns, o.b + 28, o.len - 28 - 4, T0), -1);
	/* A probe to another address: hops answer, the end does not. */
	send_to(ns, AF_INET, PROTO_ICMP, &other, 7, 0, 2, T0);
	send_to(ns, AF_INET, PROTO_ICMP, &other, 8, 0, 9, T0);
	assert_int_equal(drain(ns, T0 + SEC), 1);
	netsim_counts(ns, 9, &c);
	assert_int_equal(c.dropped, 1);
	/* TTL 0 never leaves the host. */
	send_probe(ns, AF_INET, PROTO_ICMP, 9, 0, 0, T0);
	assert_int_equal(netsim_next_due(ns), INT64_MAX);
	netsim_free(ns);
}

static void
test_netsim_queue_full_drops(void **state)
{
	struct netsim *ns = scenario(chain4);
	struct netsim_counts c;
	int n = 20000;

	(void)state;
	for (int i = 0; i < n; i++)
		send_probe(ns, AF_INET, PROTO_ICMP,
		    (uint16_t)(i % PACKET_SEQ_MAX + 1), 0, 1, T0);
	netsim_counts(ns, 1, &c);
	assert_int_equal(c.probes, n);
	assert_int_equal(c.answered, 16384);
	assert_int_equal(c.dropped, n - 16384);
	assert_int_equal(drain(ns, T0 + SEC), 16384);
	netsim_free(ns);
}

/* ---- scenario errors ---- */

struct err_case {
	const char *json; /* single-quoted */
	const char *want;
};

#define SRC "'source': {'v4': '10.78.0.2'}, 'target': {'v4': '10.78.9.1'}, "

static const struct err_case err_cases[] = {
    {"{}", "scenario: name: missing"},
    {"[]", "scenario: (top level): expected an object"},
    {"{'name': 'x', 'source': {'v4': '10.78.0.2'}, 'target': {'v4': "
     "'10.78.9.1'}}",
        "scenario: hops: missing"},
    {"{'name': 'x', 'colour': 1, " SRC "'hops': [{}]}",
        "scenario: colour: unknown key"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['10.78.1.1'], 'dleay_ms': 1}"
     ", {}]}",
        "scenario: hops[0].dleay_ms: unknown key"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['10.78.1.1']},"
     " {'addrs': ['10.78.2.1'], 'delay_ms': 'x'}, {}]}",
        "scenario: hops[1].delay_ms: expected a number"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['10.78.1.1'], 'loss': 1.5},"
     " {}]}",
        "scenario: hops[0].loss: 1.5 is out of range (0 to 1)"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['10.78.1.1', '10.78.1']},"
     " {}]}",
        "scenario: hops[0].addrs[1]: \"10.78.1\" is not an IP address"},
    {"{'name': 'x', " SRC "'hops': [{'delay_ms': 1}, {}]}",
        "scenario: hops[0].addrs: missing"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['fd00:78:1::1']}, {}]}",
        "scenario: hops[0].addrs: no IPv4 address (the target has one)"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['10.78.9.1']}]}",
        "scenario: hops[0].addrs: the last hop is the target: leave addrs "
        "out"},
    {"{'name': 'x', 'source': {'v4': 'fd00:78::2'}, 'target': {'v4': "
     "'10.78.9.1'}, 'hops': [{}]}",
        "scenario: source.v4: \"fd00:78::2\" is not an IPv4 address"},
    {"{'name': 'x', 'source': {'v6': 'fd00:78::2'}, 'target': {'v4': "
     "'10.78.9.1'}, 'hops': [{}]}",
        "scenario: source: no \"v4\" address (the target has one)"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['10.78.1.1'], 'silent': "
     "'yes'}, {}]}",
        "scenario: hops[0].silent: expected true or false"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['10.78.1.1'], 'rate_limit':"
     " {'pps': 10}}, {}]}",
        "scenario: hops[0].rate_limit.burst: missing"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['10.78.1.1'], 'mpls':"
     " [{'label': 1048576}]}, {}]}",
        "scenario: hops[0].mpls[0].label: 1048576 is out of range (0 to "
        "1048575)"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['10.78.1.1'], 'reply_ttl':"
     " 1.5}, {}]}",
        "scenario: hops[0].reply_ttl: expected an integer"},
    {"{'name': 'x', " SRC "'hops': [{'addrs': ['10.78.1.1'], 'tcp_open':"
     " true}, {}]}",
        "scenario: hops[0].tcp_open: only on the last hop (the target)"},
    {"{'name': 'x', " SRC "'hops': [{}], 'changes': [{'at_ms': 5, 'hops':"
     " [{}]}, {'at_ms': 5, 'hops': [{}]}]}",
        "scenario: changes[1].at_ms: must be later than the change before it"},
    {"{'name': 'x', " SRC "'hops': [{}], 'changes': [{'at_ms': 5, 'hops':"
     " [{'addrs': ['10.78.1.1'], 'silent': 1}, {}]}]}",
        "scenario: changes[0].hops[0].silent: expected true or false"},
    {"{'name': 'x', " SRC "'hops': [{}], 'changes': [{'hops': [{}]}]}",
        "scenario: changes[0].at_ms: missing"},
    {"{'name': 'x', " SRC "'hops': []}",
        "scenario: hops: expected an array of 1 to 255 hops"},
    {"{'name': 'x', 'name': 'y', " SRC "'hops': [{}]}",
        "scenario:1:20: duplicate object key near '\"name\"'"},
};

static void
test_netsim_parse_bad_scenarios_one_line(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		char err[256] = "";
		char *json = sq(err_cases[i].json);
		struct netsim *ns = netsim_parse(json, err, sizeof(err));

		if (ns != NULL)
			fail_msg("case %zu parsed", i);
		assert_string_equal(err, err_cases[i].want);
		assert_null(strchr(err, '\n'));
		free(json);
	}
	/* No error buffer at all is fine. */
	assert_null(netsim_parse("{", NULL, 0));
}

/*
 * Messages that quote the file stay one line: jansson's "near ..." text
 * and keys may hold line breaks (found by fuzz_scenario).
 */
static void
test_netsim_parse_quoted_line_breaks_stay_one_line(void **state)
{
	static const char *const inputs[] = {
	    "{\n \"description\": [\n    {\"addrs!: 5}\\\n}\n",
	    "{\"name\": \"x\", \"source\": {\"v4\": \"10.78.0.2\"}, "
	    "\"target\": {\"v4\": \"10.78.9.1\"}, \"hops\": [{}], "
	    "\"names\": {\"a\\nb\": \"h\"}}",
	    "{\"na\\rme\": 1}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		char err[256] = "";

		assert_null(netsim_parse(inputs[i], err, sizeof(err)));
		assert_true(err[0] != '\0');
		if (strpbrk(err, "\n\r\v\f") != NULL)
			fail_msg("case %zu: a line break in '%s'", i, err);
	}
}

static void
test_netsim_load_names_the_file(void **state)
{
	char path[] = "/tmp/netsim-test-XXXXXX";
	char err[512] = "", want[600];
	int fd = mkstemp(path);
	static const char bad[] = "{\"name\": \"x\", \"source\": {\"v4\": "
	                          "\"10.78.0.2\"}, \"target\": {\"v4\": "
	                          "\"10.78.9.1\"}, \"hops\": [{\"addrs\": "
	                          "[\"10.78.1.1\"], \"delay_ms\": true}, {}]}";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bad, sizeof(bad) - 1), sizeof(bad) - 1);
	close(fd);
	assert_null(netsim_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: hops[0].delay_ms: expected a number",
	    path);
	assert_string_equal(err, want);
	unlink(path);
	assert_null(netsim_load(path, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
}

/* A scenario of exactly n bytes: a valid one padded with blanks. */
static void
write_padded(const char *path, size_t n)
{
	static const char ok[] =
	    "{\"name\": \"x\", \"source\": {\"v4\": \"10.78.0.2\"}, "
	    "\"target\": {\"v4\": \"10.78.9.1\"}, \"hops\": [{\"addrs\": "
	    "[\"10.78.1.1\"]}, {}]}";
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(ok, 1, sizeof(ok) - 1, f), sizeof(ok) - 1);
	for (size_t i = sizeof(ok) - 1; i < n; i++)
		fputc(' ', f);
	assert_int_equal(fclose(f), 0);
}

/*
 * A scenario file is capped at NETSIM_MAX_FILE bytes, read with a bounded
 * read: one byte more (or an endless /dev/zero) is refused by name.
 */
static void
test_netsim_load_caps_the_file_size(void **state)
{
	char path[] = "/tmp/netsim-test-XXXXXX";
	char err[512] = "", want[600];
	struct netsim *ns;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_padded(path, NETSIM_MAX_FILE);
	ns = netsim_load(path, err, sizeof(err));
	assert_non_null(ns);
	netsim_free(ns);
	write_padded(path, NETSIM_MAX_FILE + 1);
	errno = 0;
	assert_null(netsim_load(path, err, sizeof(err)));
	assert_int_equal(errno, EFBIG);
	snprintf(want, sizeof(want),
	    "%s: too big (over 1024 KiB; a scenario is a small JSON file)",
	    path);
	assert_string_equal(err, want);
	unlink(path);
	assert_null(netsim_load("/dev/zero", err, sizeof(err)));
	assert_int_equal(errno, EFBIG);
}

/* ---- the demo path behaves as described ---- */

static void
test_netsim_demo_path_features(void **state)
{
	struct netsim *ns = netsim_demo();
	struct netsim_counts c;
	struct out o;
	uint16_t seq = 0;
	int mpls = 0, dest = 0;

	(void)state;
	for (int cycle = 0; cycle < 200; cycle++) {
		int64_t now = T0 + cycle * SEC;

		for (int ttl = 1; ttl <= 12; ttl++)
			send_probe(ns, AF_INET, PROTO_ICMP, ++seq,
			    (uint16_t)(cycle % 4), (uint8_t)ttl, now);
		while (pop(ns, now + SEC, &o)) {
			assert_int_equal(o.rc, 0);
			mpls += o.pr.mpls.n == 2;
			dest += o.pr.kind == PKT_ECHO_REPLY;
		}
	}
	assert_int_equal(mpls, 200);
	assert_int_equal(dest, 3 * 200);
	netsim_counts(ns, 6, &c);
	assert_int_equal(c.answered, 0);
	assert_int_equal(c.dropped, 200);
	netsim_counts(ns, 4, &c);
	assert_true(c.dropped > 20 && c.dropped < 60);
	netsim_counts(ns, 10, &c);
	assert_int_equal(c.answered, 200);
	netsim_free(ns);
}

static void
test_netsim_host_name_from_names_map(void **state)
{
	struct netsim *ns = netsim_demo();
	static const struct {
		const char *addr, *name; /* name NULL: none */
	} cases[] = {
	    {"10.78.0.1", "gw.home.sim"},
	    {"fd00:78::1", "gw.home.sim"},
	    {"10.78.6.3", "ecmp-c.transit.sim"},
	    {"10.78.10.1", "demo-target.far.sim"},
	    {"10.78.5.1", NULL}, /* the silent hop has no name */
	    {"10.78.99.1", NULL},
	};
	char buf[64], err[256];
	struct haddr a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(addr_parse(cases[i].addr, &a), 0);
		memset(buf, 0, sizeof(buf));
		if (cases[i].name == NULL) {
			assert_int_equal(
			    netsim_host_name(ns, &a, buf, sizeof(buf)), 0);
			continue;
		}
		assert_int_equal(netsim_host_name(ns, &a, buf, sizeof(buf)), 1);
		assert_string_equal(buf, cases[i].name);
	}
	netsim_free(ns);
	/* A key that is not an address is a one-line error naming it. */
	ns =
	    netsim_parse("{\"name\": \"x\", \"source\": {\"v4\": "
	                 "\"10.78.0.2\"}, \"target\": {\"v4\": \"10.78.1.1\"}, "
	                 "\"hops\": [{\"delay_ms\": 1}], "
	                 "\"names\": {\"gw\": \"x.sim\"}}",
	        err, sizeof(err));
	assert_null(ns);
	assert_non_null(strstr(err, "names.gw"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netsim_demo_json_equals_demo_file),
	    cmocka_unit_test(test_netsim_load_every_shipped_scenario),
	    cmocka_unit_test(test_netsim_load_caps_the_file_size),
	    cmocka_unit_test(
	        test_netsim_parse_quoted_line_breaks_stay_one_line),
	    cmocka_unit_test(test_netsim_input_answers_each_ttl),
	    cmocka_unit_test(test_netsim_input_tcp_open_gives_syn_ack),
	    cmocka_unit_test(
	        test_netsim_ecmp_stable_per_flow_spread_across_flows),
	    cmocka_unit_test(test_netsim_mpls_labels_come_back),
	    cmocka_unit_test(test_netsim_rate_limit_answers_burst_then_pps),
	    cmocka_unit_test(test_netsim_loss_replays_identically),
	    cmocka_unit_test(test_netsim_jitter_stays_in_bounds),
	    cmocka_unit_test(test_netsim_silent_hop_counts_dropped),
	    cmocka_unit_test(test_netsim_forward_loss_drops_later_hops_only),
	    cmocka_unit_test(test_netsim_path_change_at_time),
	    cmocka_unit_test(test_netsim_hostile_junk_never_matches),
	    cmocka_unit_test(test_netsim_chain16_hold_times_exact),
	    cmocka_unit_test(test_netsim_input_ignores_non_probes),
	    cmocka_unit_test(test_netsim_queue_full_drops),
	    cmocka_unit_test(test_netsim_parse_bad_scenarios_one_line),
	    cmocka_unit_test(test_netsim_load_names_the_file),
	    cmocka_unit_test(test_netsim_demo_path_features),
	    cmocka_unit_test(test_netsim_host_name_from_names_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
