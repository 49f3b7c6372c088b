/*
 * transport: the one reply checker (transport_check_reply), which the real
 * sockets (net) and the simulator (sim) both call, run over every reply
 * kind; the cookie rule; the random identity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hoptop/transport.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define TARGET4 "10.78.8.1"
#define TARGET6 "fd00:78:8::1"
#define ROUTER4 "10.78.3.1"
#define ROUTER6 "fd00:78:3::1"
#define OTHER4  "10.78.9.9"
#define OTHER6  "fd00:78:9::9"
#define IDENT   0x4a31
#define SPORT   41000
#define DPORT   33434
#define COOKIE  0x5eedc0deu

/* want: an enum reply_kind, DROP, or WRONG_PROTO (a UDP reply: dropped) */
#define DROP        (-2)
#define WRONG_PROTO (-3)

enum from { F_TARGET, F_ROUTER, F_OTHER };

struct check_case {
	const char *name;
	int family;
	enum probe_proto proto; /* the transport's */
	enum pkt_kind kind;
	uint8_t type, code;
	enum from from;   /* who sent it */
	enum from quoted; /* where the probe was going (F_TARGET: ours) */
	int ident_delta;  /* added to our ident / first source port */
	int dport_delta;  /* added to our destination port */
	int cookie;       /* 1 ours, 0 none, -1 another */
	bool any_ident;   /* a ping socket */
	int want;         /* enum reply_kind, or DROP */
};

static const struct check_case cases[] = {
    /* ICMP */
    {"echo reply", AF_INET, PROTO_ICMP, PKT_ECHO_REPLY, 0, 0, F_TARGET,
        F_TARGET, 0, 0, 1, false, REPLY_DEST},
    {"echo reply v6", AF_INET6, PROTO_ICMP, PKT_ECHO_REPLY, 129, 0, F_TARGET,
        F_TARGET, 0, 0, 1, false, REPLY_DEST},
    {"echo reply, other ident", AF_INET, PROTO_ICMP, PKT_ECHO_REPLY, 0, 0,
        F_TARGET, F_TARGET, 1, 0, 1, false, DROP},
    {"echo reply, other ident, ping socket", AF_INET, PROTO_ICMP,
        PKT_ECHO_REPLY, 0, 0, F_TARGET, F_TARGET, 7, 0, 1, true, REPLY_DEST},
    {"echo reply, other cookie", AF_INET, PROTO_ICMP, PKT_ECHO_REPLY, 0, 0,
        F_TARGET, F_TARGET, 0, 0, -1, false, DROP},
    {"echo reply, other cookie, ping socket", AF_INET6, PROTO_ICMP,
        PKT_ECHO_REPLY, 129, 0, F_TARGET, F_TARGET, 0, 0, -1, true, DROP},
    {"echo reply, no cookie", AF_INET, PROTO_ICMP, PKT_ECHO_REPLY, 0, 0,
        F_TARGET, F_TARGET, 0, 0, 0, false, DROP},
    {"echo reply from another host", AF_INET, PROTO_ICMP, PKT_ECHO_REPLY, 0, 0,
        F_OTHER, F_OTHER, 0, 0, 1, false, DROP},
    {"icmp time exceeded", AF_INET, PROTO_ICMP, PKT_TIME_EXCEEDED, 11, 0,
        F_ROUTER, F_TARGET, 0, 0, 1, false, REPLY_TIME_EXCEEDED},
    {"icmp time exceeded, short quote", AF_INET6, PROTO_ICMP, PKT_TIME_EXCEEDED,
        3, 0, F_ROUTER, F_TARGET, 0, 0, 0, false, REPLY_TIME_EXCEEDED},
    {"icmp time exceeded, other cookie", AF_INET, PROTO_ICMP, PKT_TIME_EXCEEDED,
        11, 0, F_ROUTER, F_TARGET, 0, 0, -1, false, DROP},
    {"icmp time exceeded, probe to another host", AF_INET, PROTO_ICMP,
        PKT_TIME_EXCEEDED, 11, 0, F_ROUTER, F_OTHER, 0, 0, 1, false, DROP},
    {"icmp time exceeded, other ident", AF_INET, PROTO_ICMP, PKT_TIME_EXCEEDED,
        11, 0, F_ROUTER, F_TARGET, -1, 0, 1, false, DROP},
    {"icmp host unreachable", AF_INET, PROTO_ICMP, PKT_UNREACH, 3, 1, F_ROUTER,
        F_TARGET, 0, 0, 1, false, REPLY_UNREACH},
    {"icmp probe, port unreachable from the target", AF_INET, PROTO_ICMP,
        PKT_UNREACH, 3, 3, F_TARGET, F_TARGET, 0, 0, 1, false, REPLY_UNREACH},
    {"not a probe kind", AF_INET, PROTO_ICMP, PKT_OTHER, 8, 0, F_TARGET,
        F_TARGET, 0, 0, 1, false, DROP},
    /* UDP */
    {"udp time exceeded", AF_INET, PROTO_UDP, PKT_TIME_EXCEEDED, 11, 0,
        F_ROUTER, F_TARGET, 0, 0, 1, false, REPLY_TIME_EXCEEDED},
    {"udp time exceeded, last flow", AF_INET, PROTO_UDP, PKT_TIME_EXCEEDED, 11,
        0, F_ROUTER, F_TARGET, 3, 0, 0, false, REPLY_TIME_EXCEEDED},
    {"udp time exceeded, port past the flows", AF_INET, PROTO_UDP,
        PKT_TIME_EXCEEDED, 11, 0, F_ROUTER, F_TARGET, 4, 0, 1, false, DROP},
    {"udp time exceeded, port below the flows", AF_INET6, PROTO_UDP,
        PKT_TIME_EXCEEDED, 3, 0, F_ROUTER, F_TARGET, -1, 0, 1, false, DROP},
    {"udp time exceeded, other destination port", AF_INET, PROTO_UDP,
        PKT_TIME_EXCEEDED, 11, 0, F_ROUTER, F_TARGET, 0, 1, 1, false, DROP},
    {"udp time exceeded, other cookie", AF_INET, PROTO_UDP, PKT_TIME_EXCEEDED,
        11, 0, F_ROUTER, F_TARGET, 0, 0, -1, false, DROP},
    {"udp port unreachable from the target", AF_INET, PROTO_UDP, PKT_UNREACH, 3,
        3, F_TARGET, F_TARGET, 0, 0, 1, false, REPLY_DEST},
    {"udp port unreachable from the target v6", AF_INET6, PROTO_UDP,
        PKT_UNREACH, 1, 4, F_TARGET, F_TARGET, 0, 0, 1, false, REPLY_DEST},
    {"udp port unreachable from a router", AF_INET, PROTO_UDP, PKT_UNREACH, 3,
        3, F_ROUTER, F_TARGET, 0, 0, 1, false, REPLY_UNREACH},
    {"udp port unreachable from a router v6", AF_INET6, PROTO_UDP, PKT_UNREACH,
        1, 4, F_ROUTER, F_TARGET, 0, 0, 0, false, REPLY_UNREACH},
    {"udp admin prohibited from the target", AF_INET, PROTO_UDP, PKT_UNREACH, 3,
        13, F_TARGET, F_TARGET, 0, 0, 1, false, REPLY_UNREACH},
    {"udp port unreachable, probe to another host", AF_INET, PROTO_UDP,
        PKT_UNREACH, 3, 3, F_OTHER, F_OTHER, 0, 0, 1, false, DROP},
    {"udp reply to an icmp transport", AF_INET, PROTO_ICMP, PKT_TIME_EXCEEDED,
        11, 0, F_ROUTER, F_TARGET, 0, 0, 1, false, WRONG_PROTO},
    /* TCP */
    {"tcp syn-ack", AF_INET, PROTO_TCP, PKT_TCP_REPLY, 0, 0, F_TARGET, F_TARGET,
        0, 0, 0, false, REPLY_DEST},
    {"tcp rst v6", AF_INET6, PROTO_TCP, PKT_TCP_REPLY, 0, 0, F_TARGET, F_TARGET,
        2, 0, 0, false, REPLY_DEST},
    {"tcp reply from another port", AF_INET, PROTO_TCP, PKT_TCP_REPLY, 0, 0,
        F_TARGET, F_TARGET, 0, 5, 0, false, DROP},
    {"tcp reply from another host", AF_INET, PROTO_TCP, PKT_TCP_REPLY, 0, 0,
        F_OTHER, F_OTHER, 0, 0, 0, false, DROP},
    {"tcp time exceeded", AF_INET, PROTO_TCP, PKT_TIME_EXCEEDED, 11, 0,
        F_ROUTER, F_TARGET, 1, 0, 0, false, REPLY_TIME_EXCEEDED},
    {"tcp admin prohibited", AF_INET6, PROTO_TCP, PKT_UNREACH, 1, 1, F_ROUTER,
        F_TARGET, 0, 0, 0, false, REPLY_UNREACH},
};

static struct haddr
ha(const char *s)
{
	struct haddr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static struct haddr
who(int family, enum from f)
{
	bool v6 = family == AF_INET6;

	if (f == F_TARGET)
		return ha(v6 ? TARGET6 : TARGET4);
	return ha(
	    f == F_ROUTER ? (v6 ? ROUTER6 : ROUTER4) : (v6 ? OTHER6 : OTHER4));
}

static void
params_for(const struct check_case *c, struct transport_params *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->family = c->family;
	tp->proto = c->proto;
	tp->target = who(c->family, F_TARGET);
	tp->port = c->proto == PROTO_ICMP ? 0 : DPORT;
	tp->ident = c->proto == PROTO_ICMP ? IDENT : SPORT;
	tp->flows = 4;
	tp->cookie = COOKIE;
}

/* The parsed packet a case describes, as packet_parse_* would give it. */
static void
reply_for(const struct check_case *c, const struct transport_params *tp,
    struct pkt_reply *pr)
{
	memset(pr, 0, sizeof(*pr));
	pr->kind = c->kind;
	pr->type = c->type;
	pr->code = c->code;
	pr->proto = c->want == WRONG_PROTO ? PROTO_UDP : c->proto;
	pr->ident = (uint16_t)(tp->ident + c->ident_delta);
	pr->dport = (uint16_t)(tp->port + c->dport_delta);
	pr->seq = 321;
	pr->src = who(c->family, c->from);
	pr->probe_dst = who(c->family, c->quoted);
	pr->reply_ttl = 61;
	pr->quoted_ttl = -1;
	pr->has_cookie = c->cookie != 0;
	pr->cookie = c->cookie > 0 ? COOKIE : ~COOKIE;
	pr->mpls.n = 1;
	pr->mpls.l[0].label = 16;
}

static void
test_transport_check_reply_every_kind(void **state)
{
	struct transport_params tp;
	struct pkt_reply pr;
	struct reply r;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct check_case *c = &cases[i];
		int want = c->want == WRONG_PROTO ? DROP : c->want;
		bool ok;

		params_for(c, &tp);
		reply_for(c, &tp, &pr);
		ok = transport_check_reply(&tp, &pr, c->any_ident, &r);
		if (ok != (want != DROP))
			fail_msg("%s: %s, want %s", c->name,
			    ok ? "kept" : "dropped", ok ? "dropped" : "kept");
		if (!ok)
			continue;
		if ((int)r.kind != want)
			fail_msg("%s: kind %d, want %d", c->name, r.kind, want);
		assert_int_equal(r.seq, 321);
		assert_true(addr_eq(&r.from, &pr.src));
		assert_true(addr_eq(&r.probe_dst, &tp.target));
		assert_int_equal(r.icmp_type, c->type);
		assert_int_equal(r.icmp_code, c->code);
		assert_int_equal(r.reply_ttl, 61);
		assert_int_equal(r.rx_ns, 0);
		assert_int_equal(r.mpls.n, 1);
		assert_int_equal(r.mpls.l[0].label, 16);
	}
}

/* A probe too short to hold the cookie: an Echo Reply without one is ours. */
static void
test_transport_cookie_ok_short_probes(void **state)
{
	struct transport_params tp;
	struct pkt_reply pr;

	(void)state;
	memset(&tp, 0, sizeof(tp));
	memset(&pr, 0, sizeof(pr));
	tp.cookie = COOKIE;
	pr.kind = PKT_ECHO_REPLY;
	assert_false(transport_cookie_ok(&tp, &pr)); /* default size holds it */
	tp.size = PACKET_COOKIE_MIN_ICMP - 1;
	assert_true(transport_cookie_ok(&tp, &pr));
	pr.has_cookie = true;
	pr.cookie = COOKIE ^ 1;
	assert_false(transport_cookie_ok(&tp, &pr));
	pr.cookie = COOKIE;
	assert_true(transport_cookie_ok(&tp, &pr));
	pr.kind = PKT_TIME_EXCEEDED;
	pr.has_cookie = false;
	tp.size = 0;
	assert_true(transport_cookie_ok(&tp, &pr)); /* a short quote */
}

/* Random identity: in range, and not the same every time. */
static void
test_transport_random_ident_in_range(void **state)
{
	uint16_t first_icmp = 0, first_udp = 0;
	bool icmp_varies = false, udp_varies = false, cookie_varies = false;
	uint32_t first_cookie = transport_random_cookie();

	(void)state;
	for (int i = 0; i < 200; i++) {
		uint16_t id = transport_random_ident(PROTO_ICMP, 1);
		uint16_t port = transport_random_ident(PROTO_UDP, 16);

		assert_int_not_equal(id, 0);
		assert_true(port >= TRANSPORT_PORT_LO);
		assert_true(port + 15 <= TRANSPORT_PORT_HI);
		if (i == 0) {
			first_icmp = id;
			first_udp = port;
		}
		icmp_varies |= id != first_icmp;
		udp_varies |= port != first_udp;
		cookie_varies |= transport_random_cookie() != first_cookie;
	}
	assert_true(icmp_varies);
	assert_true(udp_varies);
	assert_true(cookie_varies);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transport_check_reply_every_kind),
	    cmocka_unit_test(test_transport_cookie_ok_short_probes),
	    cmocka_unit_test(test_transport_random_ident_in_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
