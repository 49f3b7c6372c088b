/*
 * Deterministic engine tests on the simulator: the engine drives the sim
 * transport over netsim with a fake clock, as the real loop does (now =
 * the nearest deadline; read replies, expire, send), and the path model it
 * builds is compared with the scenario (read from its JSON with jansson,
 * not copied here) and with what the simulator counted it did. No root, no
 * network, no real time.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "hoptop/engine.h"
#include "hoptop/netsim.h"
#include "hoptop/sim.h"
#include "hoptop/verdict.h"

#define SCENARIOS  HOPTOP_TEST_DATA "/scenarios"
#define T0         (1000 * NS_PER_S) /* an arbitrary monotonic start */
#define IDENT      0x4242
#define MAX_TTL    30
#define MAX_STEPS  200000
#define MAX_HOPS   64
#define MAX_ROUTES 8
#define TIMEOUT_NS (2 * NS_PER_S)

/* ---- what the scenario says (read from its JSON) ---- */

/* One hop of a route, for one family. */
struct xhop {
	struct haddr addrs[16]; /* this family's; the target for the last */
	int naddrs;
	int64_t cum_ns;        /* sum of delay_ms of hops 1..k */
	int64_t cum_jitter_ns; /* sum of jitter_ms of hops 1..k */
	double loss, fwd_loss;
	bool fwd_lossy_before; /* a hop before it has forward_loss */
	bool silent, hostile;
	double pps, burst; /* rate limit; pps 0 = none */
	struct mpls_stack mpls;
};

struct xroute {
	int64_t at_ns;               /* after the first probe */
	int n;                       /* hops; hop n is the target */
	struct xhop h[MAX_HOPS + 1]; /* h[k], k = 1..n */
};

struct xscen {
	int family;
	struct haddr target;
	bool hostile; /* some hop is */
	int nroutes;
	struct xroute r[MAX_ROUTES];
};

static double
num(const json_t *o, const char *key, double dflt)
{
	const json_t *v = json_object_get(o, key);

	return v != NULL ? json_number_value(v) : dflt;
}

static bool
flag(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* The label stack with the README's defaults (tc 0, ttl 1, s on last). */
static void
read_mpls(const json_t *a, struct mpls_stack *m)
{
	const json_t *l;
	size_t i;

	memset(m, 0, sizeof(*m));
	json_array_foreach(a, i, l)
	{
		struct mpls_label *x = &m->l[m->n++];

		x->label = (uint32_t)num(l, "label", 0);
		x->tc = (uint8_t)num(l, "tc", 0);
		x->s = (uint8_t)num(l, "s", i + 1 == json_array_size(a));
		x->ttl = (uint8_t)num(l, "ttl", 1);
	}
}

static void
read_hop(const json_t *o, int family, const struct xhop *prev, struct xhop *x)
{
	const json_t *rl = json_object_get(o, "rate_limit"), *v;
	size_t i;

	memset(x, 0, sizeof(*x));
	json_array_foreach(json_object_get(o, "addrs"), i, v)
	{
		struct haddr a;

		assert_int_equal(addr_parse(json_string_value(v), &a), 0);
		if (a.family == family)
			x->addrs[x->naddrs++] = a;
	}
	x->cum_ns = prev->cum_ns + llround(num(o, "delay_ms", 0) * NS_PER_MS);
	x->cum_jitter_ns =
	    prev->cum_jitter_ns + llround(num(o, "jitter_ms", 0) * NS_PER_MS);
	x->loss = num(o, "loss", 0);
	x->fwd_loss = num(o, "forward_loss", 0);
	x->fwd_lossy_before = prev->fwd_lossy_before || prev->fwd_loss > 0;
	x->silent = flag(o, "silent");
	x->hostile = flag(o, "hostile");
	x->pps = num(rl, "pps", 0);
	x->burst = num(rl, "burst", 0);
	read_mpls(json_object_get(o, "mpls"), &x->mpls);
}

static void
read_route(struct xscen *xs, const json_t *hops, int64_t at_ns)
{
	struct xroute *rt = &xs->r[xs->nroutes++];
	const json_t *o;
	size_t i;

	assert_true(json_array_size(hops) <= MAX_HOPS);
	rt->at_ns = at_ns;
	rt->n = (int)json_array_size(hops);
	json_array_foreach(hops, i, o)
	{
		read_hop(o, xs->family, &rt->h[i], &rt->h[i + 1]);
		xs->hostile |= rt->h[i + 1].hostile;
	}
	/* The last hop answers from the target. */
	rt->h[rt->n].addrs[0] = xs->target;
	rt->h[rt->n].naddrs = 1;
}

/* The scenario for a family, or NULL if it has no target of that family. */
static struct xscen *
xscen_read(const json_t *root, int family)
{
	const json_t *t = json_object_get(root, "target"), *c;
	const char *key = family == AF_INET ? "v4" : "v6";
	struct xscen *xs;
	size_t i;

	if (json_object_get(t, key) == NULL)
		return NULL;
	xs = calloc(1, sizeof(*xs));
	assert_non_null(xs);
	xs->family = family;
	assert_int_equal(
	    addr_parse(json_string_value(json_object_get(t, key)), &xs->target),
	    0);
	read_route(xs, json_object_get(root, "hops"), 0);
	json_array_foreach(json_object_get(root, "changes"), i, c)
	{
		assert_true(xs->nroutes < MAX_ROUTES);
		read_route(xs, json_object_get(c, "hops"),
		    llround(num(c, "at_ms", 0) * NS_PER_MS));
	}
	return xs;
}

static json_t *
load_json(const char *name)
{
	char path[512];
	json_error_t je;
	json_t *root;

	snprintf(path, sizeof(path), "%s/%s", SCENARIOS, name);
	root = json_load_file(path, 0, &je);
	if (root == NULL)
		fail_msg("%s:%d: %s", path, je.line, je.text);
	return root;
}

/* Hop k of route rt that answers a probe with this TTL. */
static const struct xhop *
xhop_for(const struct xroute *rt, int ttl)
{
	return &rt->h[ttl < rt->n ? ttl : rt->n];
}

static bool
xhop_has(const struct xhop *x, const struct haddr *a)
{
	for (int i = 0; i < x->naddrs; i++)
		if (addr_eq(&x->addrs[i], a))
			return true;
	return false;
}

/* ---- running the engine as the loop does ---- */

struct fclock {
	int64_t now;
	struct hclock hc;
};

static int64_t
fake_now(const struct hclock *c)
{
	return ((const struct fclock *)c->ctx)->now;
}

struct opts {
	int family;
	enum probe_proto proto;
	int probes, flows;
	unsigned count;
	int64_t interval_ns; /* 0 = 1 s */
	int64_t gap_ns;      /* between sends */
	int first_ttl;       /* 0 = 1 */
	int max_ttl;         /* 0 = MAX_TTL */
	int64_t timeout_ns;  /* 0 = TIMEOUT_NS */
};

struct run {
	struct opts o;
	struct fclock c;
	struct netsim *ns; /* owned */
	struct transport *t;
	struct path *p;
	struct engine *e;
	long steps;
	int64_t quantum_ns; /* > 0: wake only on multiples of it after T0 */
};

static void
run_start(struct run *r, struct netsim *ns, const struct opts *o)
{
	struct transport_params tp = {.family = o->family,
	    .proto = o->proto,
	    .port = o->proto == PROTO_TCP ? 80 : 33434,
	    .ident = IDENT,
	    .flows = (uint16_t)o->flows};
	struct engine_config cfg = {
	    .first_ttl = o->first_ttl ? o->first_ttl : 1,
	    .max_ttl = o->max_ttl ? o->max_ttl : MAX_TTL,
	    .probes = o->probes,
	    .flows = o->flows,
	    .interval_ns = o->interval_ns ? o->interval_ns : NS_PER_S,
	    .timeout_ns = o->timeout_ns ? o->timeout_ns : TIMEOUT_NS,
	    .gap_ns = o->gap_ns,
	    .count = o->count};

	memset(r, 0, sizeof(*r));
	assert_non_null(ns);
	r->o = *o;
	r->o.interval_ns = cfg.interval_ns;
	r->o.timeout_ns = cfg.timeout_ns;
	r->o.first_ttl = cfg.first_ttl;
	r->o.max_ttl = cfg.max_ttl;
	r->ns = ns;
	r->c.now = T0;
	r->c.hc.now_ns = fake_now;
	r->c.hc.ctx = &r->c;
	assert_int_equal(netsim_target(ns, o->family, &tp.target), 0);
	r->t = sim_new(ns, &tp, &r->c.hc);
	assert_non_null(r->t);
	r->p = path_new(&tp.target, cfg.first_ttl, cfg.max_ttl);
	assert_non_null(r->p);
	r->e = engine_new(&cfg, r->t, r->p, &r->c.hc);
	assert_non_null(r->e);
}

/*
 * One loop pass per deadline until the engine is done or the fake clock
 * reaches end_ns. Fails if it neither settles nor gets there in
 * MAX_STEPS passes (a deadline that never moves on).
 */
static void
run_until(struct run *r, int64_t end_ns)
{
	for (int i = 0; i < MAX_STEPS; i++) {
		int64_t d;

		if (engine_done(r->e) || r->c.now >= end_ns)
			return;
		d = clock_min(engine_next_deadline(r->e), end_ns);
		if (r->quantum_ns > 0 && d < end_ns)
			d = T0 + (d - T0 + r->quantum_ns - 1) / r->quantum_ns *
			             r->quantum_ns;
		if (d > r->c.now)
			r->c.now = d;
		engine_read_replies(r->e);
		engine_expire(r->e, r->c.now);
		engine_send_due(r->e, r->c.now);
		r->steps++;
	}
	fail_msg("engine not settled after %d steps at t=%lld ns", MAX_STEPS,
	    (long long)(r->c.now - T0));
}

/* Runs count cycles to the end; asserts that the engine says done then. */
static void
run_all(struct run *r)
{
	int64_t last_start = T0 + (int64_t)(r->o.count - 1) * r->o.interval_ns;

	run_until(r, last_start + r->o.timeout_ns + NS_PER_S);
	assert_true(engine_done(r->e));
	assert_int_equal(r->p->cycles, r->o.count);
	/* Done as soon as the last cycle settled: at most one timeout on. */
	assert_true(
	    r->c.now <= last_start + r->o.timeout_ns + 2 * r->quantum_ns);
}

static void
run_free(struct run *r)
{
	engine_free(r->e);
	path_free(r->p);
	transport_free(r->t);
	netsim_free(r->ns);
}

static struct netsim *
load_netsim(const char *name)
{
	char path[512], err[256] = "";
	struct netsim *ns;

	snprintf(path, sizeof(path), "%s/%s", SCENARIOS, name);
	ns = netsim_load(path, err, sizeof(err));
	if (ns == NULL)
		fail_msg("%s: %s", path, err);
	return ns;
}

/* ---- checks ---- */

/* Sum of the RTTs in a hop's history (-1 if the ring wrapped). */
static int64_t
history_rtt_sum(const struct hop *h)
{
	int64_t sum = 0;

	if (h->hist.head > STATS_HISTORY)
		return -1;
	for (uint32_t i = 0; i < history_len(&h->hist); i++) {
		const struct sample *s = history_get(&h->hist, i);

		if (s->rtt_ns >= 0)
			sum += s->rtt_ns;
	}
	return sum;
}

/*
 * Every TTL against the simulator's own counts, once all settled: each
 * probe sent reached netsim; Rcv = answered; lost = dropped + fwd_lost;
 * the RTTs the engine measured add up to the hold times netsim used.
 */
static void
check_counts(const struct run *r, bool hostile)
{
	struct engine_counters ec;
	uint64_t sent = 0, rcv = 0;

	for (int ttl = 1; ttl <= r->p->max_ttl; ttl++) {
		const struct hop *h = path_hop(r->p, ttl);
		struct netsim_counts c;
		int64_t sum = history_rtt_sum(h);

		netsim_counts(r->ns, ttl, &c);
		assert_int_equal(h->st.sent, c.probes + c.fwd_lost);
		assert_int_equal(h->st.received, c.answered);
		assert_int_equal(h->st.lost, c.dropped + c.fwd_lost);
		assert_int_equal(stats_pending(&h->st), 0);
		if (sum >= 0)
			assert_int_equal(sum, c.hold_ns);
		sent += h->st.sent;
		rcv += h->st.received;
	}
	engine_counters(r->e, &ec);
	assert_int_equal(ec.sent, sent);
	assert_int_equal(ec.matched, rcv);
	assert_int_equal(ec.late, 0);
	assert_int_equal(ec.send_errors, 0);
	if (!hostile) {
		assert_int_equal(ec.foreign, 0);
		assert_int_equal(ec.duplicates, 0);
		assert_int_equal(ec.replies, ec.matched);
	}
}

/*
 * Snt: count x probes x flows from first_ttl up to the target (or max_ttl
 * if it is beyond); TTLs past the target only in the cycles that started
 * before its first answer came (one, unless the interval is shorter than
 * the target's RTT).
 */
static void
check_sent(const struct run *r, const struct xroute *rt)
{
	int64_t blind =
	    (rt->h[rt->n].cum_ns + r->o.interval_ns - 1) / r->o.interval_ns;
	uint32_t per = (uint32_t)(r->o.probes * r->o.flows);
	bool reached = rt->n <= r->o.max_ttl;

	assert_int_equal(r->p->dest_ttl, reached ? rt->n : 0);
	for (int ttl = 1; ttl <= r->p->max_ttl; ttl++) {
		const struct hop *h = path_hop(r->p, ttl);

		if (ttl < r->o.first_ttl)
			assert_int_equal(h->st.sent, 0);
		else if (ttl <= rt->n)
			assert_int_equal(h->st.sent, r->o.count * per);
		else
			assert_int_equal(h->st.sent, per * (blind ? blind : 1));
	}
}

/* Best/Wrst/Avg/StDev of s against the configured delays of x. */
static void
check_rtt(const struct stats *s, const struct xhop *x)
{
	if (s->received == 0)
		return;
	assert_true(s->best_ns >= x->cum_ns);
	assert_true(s->worst_ns <= x->cum_ns + x->cum_jitter_ns);
	assert_true(s->last_ns >= s->best_ns && s->last_ns <= s->worst_ns);
	if (x->cum_jitter_ns > 0)
		return;
	assert_int_equal(s->best_ns, x->cum_ns);
	assert_int_equal(s->worst_ns, x->cum_ns);
	assert_true(stats_avg_ns(s) == (double)x->cum_ns);
	assert_true(stats_stdev_ns(s) == 0.0);
}

static void
check_mpls(const struct mpls_stack *got, const struct mpls_stack *want)
{
	assert_int_equal(got->n, want->n);
	for (int i = 0; i < want->n; i++) {
		assert_int_equal(got->l[i].label, want->l[i].label);
		assert_int_equal(got->l[i].tc, want->l[i].tc);
		assert_int_equal(got->l[i].s, want->l[i].s);
		assert_int_equal(got->l[i].ttl, want->l[i].ttl);
	}
}

/*
 * Who answered each TTL: only the scenario's addresses for that hop (the
 * target from its hop on), one per hop with one flow, none at a silent
 * hop; their label stacks and RTTs as configured.
 */
static void
check_responders(const struct run *r, const struct xroute *rt)
{
	for (int ttl = 1; ttl <= r->p->max_ttl; ttl++) {
		const struct hop *h = path_hop(r->p, ttl);
		const struct xhop *x = xhop_for(rt, ttl);
		uint32_t sum = 0;

		if (x->silent && ttl < rt->n)
			assert_int_equal(h->st.received, 0);
		assert_int_equal(h->nresp > 0, h->st.received > 0);
		if (r->o.flows == 1)
			assert_true(h->nresp <= 1);
		for (int i = 0; i < h->nresp; i++) {
			assert_true(xhop_has(x, &h->resp[i].addr));
			check_mpls(&h->resp[i].mpls, &x->mpls);
			check_rtt(&h->resp[i].st, x);
			sum += h->resp[i].st.received;
		}
		assert_int_equal(sum, h->st.received);
		check_rtt(&h->st, x);
		if (ttl >= rt->n && h->st.received > 0)
			assert_true(addr_eq(&hop_main_responder(h)->addr,
			    &rt->h[rt->n].addrs[0]));
	}
}

/*
 * Loss only where the scenario puts it: a hop drops its own replies only
 * if it is lossy, silent or rate-limited; probes vanish on the way only
 * behind a forward_loss hop. Loss% is the simulator's dropped / probes.
 */
static void
check_loss(const struct run *r, const struct xroute *rt)
{
	for (int ttl = 1; ttl <= r->p->max_ttl; ttl++) {
		const struct hop *h = path_hop(r->p, ttl);
		const struct xhop *x = xhop_for(rt, ttl);
		struct netsim_counts c;

		netsim_counts(r->ns, ttl, &c);
		if (x->loss == 0 && !x->silent && x->pps == 0)
			assert_int_equal(c.dropped, 0);
		if (!x->fwd_lossy_before)
			assert_int_equal(c.fwd_lost, 0);
		if (x->silent && h->st.sent > 0)
			assert_true(stats_loss_pct(&h->st) == 100.0);
		if (c.fwd_lost == 0 && c.probes > 0)
			assert_true(
			    stats_loss_pct(&h->st) ==
			    (double)c.dropped / (double)c.probes * 100.0);
	}
}

/* Everything that holds for a run on a scenario without path changes. */
static void
check_all(const struct run *r, const struct xscen *xs)
{
	check_counts(r, xs->hostile);
	check_sent(r, &xs->r[0]);
	check_responders(r, &xs->r[0]);
	check_loss(r, &xs->r[0]);
}

/* ---- scenario x family x protocol: the table ---- */

struct scase {
	const char *name; /* test name */
	const char *file;
	int family;
	enum probe_proto proto;
	int probes;
	unsigned count;
};

static const struct scase cases[] = {
    {"test_sim_chain16_icmp_v4", "chain16.json", AF_INET, PROTO_ICMP, 1, 10},
    {"test_sim_chain16_icmp_v6", "chain16.json", AF_INET6, PROTO_ICMP, 1, 10},
    {"test_sim_chain16_udp_v4", "chain16.json", AF_INET, PROTO_UDP, 1, 10},
    {"test_sim_chain16_udp_v6", "chain16.json", AF_INET6, PROTO_UDP, 1, 10},
    {"test_sim_chain16_tcp_v4", "chain16.json", AF_INET, PROTO_TCP, 1, 10},
    {"test_sim_chain16_tcp_v6", "chain16.json", AF_INET6, PROTO_TCP, 1, 10},
    {"test_sim_demo_icmp_v4", "demo.json", AF_INET, PROTO_ICMP, 3, 10},
    {"test_sim_demo_icmp_v6", "demo.json", AF_INET6, PROTO_ICMP, 3, 10},
    {"test_sim_demo_udp_v4", "demo.json", AF_INET, PROTO_UDP, 3, 10},
    {"test_sim_demo_udp_v6", "demo.json", AF_INET6, PROTO_UDP, 3, 10},
    {"test_sim_demo_tcp_v4", "demo.json", AF_INET, PROTO_TCP, 3, 10},
    {"test_sim_demo_tcp_v6", "demo.json", AF_INET6, PROTO_TCP, 3, 10},
    {"test_sim_lossy_icmp_v4", "lossy.json", AF_INET, PROTO_ICMP, 3, 10},
    {"test_sim_lossy_icmp_v6", "lossy.json", AF_INET6, PROTO_ICMP, 3, 10},
    {"test_sim_lossy_udp_v4", "lossy.json", AF_INET, PROTO_UDP, 3, 10},
    {"test_sim_silent_icmp_v4", "silent.json", AF_INET, PROTO_ICMP, 2, 10},
    {"test_sim_silent_icmp_v6", "silent.json", AF_INET6, PROTO_ICMP, 2, 10},
    {"test_sim_silent_tcp_v4", "silent.json", AF_INET, PROTO_TCP, 2, 10},
    {"test_sim_ecmp_icmp_v4", "ecmp.json", AF_INET, PROTO_ICMP, 3, 10},
    {"test_sim_ecmp_icmp_v6", "ecmp.json", AF_INET6, PROTO_ICMP, 3, 10},
    {"test_sim_ecmp_udp_v4", "ecmp.json", AF_INET, PROTO_UDP, 3, 10},
    {"test_sim_ecmp_tcp_v6", "ecmp.json", AF_INET6, PROTO_TCP, 3, 10},
    {"test_sim_mpls_icmp_v4", "mpls.json", AF_INET, PROTO_ICMP, 1, 5},
    {"test_sim_mpls_icmp_v6", "mpls.json", AF_INET6, PROTO_ICMP, 1, 5},
    {"test_sim_mpls_udp_v4", "mpls.json", AF_INET, PROTO_UDP, 1, 5},
    {"test_sim_mpls_udp_v6", "mpls.json", AF_INET6, PROTO_UDP, 1, 5},
    {"test_sim_ratelimit_icmp_v4", "ratelimit.json", AF_INET, PROTO_ICMP, 3,
        10},
    {"test_sim_ratelimit_icmp_v6", "ratelimit.json", AF_INET6, PROTO_ICMP, 3,
        10},
    {"test_sim_pathchange_before_icmp_v4", "pathchange.json", AF_INET,
        PROTO_ICMP, 2, 5},
    {"test_sim_hostile_icmp_v4", "hostile.json", AF_INET, PROTO_ICMP, 2, 10},
    {"test_sim_hostile_icmp_v6", "hostile.json", AF_INET6, PROTO_ICMP, 2, 10},
    {"test_sim_hostile_udp_v4", "hostile.json", AF_INET, PROTO_UDP, 2, 10},
    {"test_sim_hostile_tcp_v6", "hostile.json", AF_INET6, PROTO_TCP, 2, 10},
    {"test_sim_v6_icmp_v6", "v6.json", AF_INET6, PROTO_ICMP, 3, 10},
    {"test_sim_v6_udp_v6", "v6.json", AF_INET6, PROTO_UDP, 3, 10},
    {"test_sim_v6_tcp_v6", "v6.json", AF_INET6, PROTO_TCP, 3, 10},
};

/* One table row: run the scenario, check everything check_all knows. */
static void
test_sim_scenario(void **state)
{
	const struct scase *sc = *state;
	struct opts o = {.family = sc->family,
	    .proto = sc->proto,
	    .probes = sc->probes,
	    .flows = 1,
	    .count = sc->count};
	json_t *root = load_json(sc->file);
	struct xscen *xs = xscen_read(root, sc->family);
	struct run r;

	assert_non_null(xs);
	run_start(&r, load_netsim(sc->file), &o);
	run_all(&r);
	check_all(&r, xs);
	run_free(&r);
	free(xs);
	json_decref(root);
}

/* ---- scenario-specific expectations ---- */

/* Runs file (waking every quantum_ns if > 0); xs gets its expectations. */
static void
run_file_q(struct run *r, const char *file, const struct opts *o,
    int64_t quantum_ns, struct xscen **xs)
{
	json_t *root = load_json(file);

	*xs = xscen_read(root, o->family);
	assert_non_null(*xs);
	json_decref(root);
	run_start(r, load_netsim(file), o);
	r->quantum_ns = quantum_ns;
	run_all(r);
}

static void
run_file(
    struct run *r, const char *file, const struct opts *o, struct xscen **xs)
{
	run_file_q(r, file, o, 0, xs);
}

static void
test_sim_chain16_rtt_is_the_configured_delay(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 2,
	    .flows = 1,
	    .count = 5};
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "chain16.json", &o, &xs);
	check_all(&r, xs);
	for (int ttl = 1; ttl <= 16; ttl++) {
		const struct hop *h = path_hop(r.p, ttl);

		assert_int_equal(xs->r[0].h[ttl].cum_ns, ttl * 10 * NS_PER_MS);
		assert_int_equal(h->st.received, 10);
		assert_int_equal(h->st.best_ns, ttl * 10 * NS_PER_MS);
		assert_int_equal(h->st.worst_ns, ttl * 10 * NS_PER_MS);
		assert_true(stats_avg_ns(&h->st) == ttl * 10.0 * NS_PER_MS);
		assert_true(stats_stdev_ns(&h->st) == 0.0);
		assert_true(stats_loss_pct(&h->st) == 0.0);
	}
	/* No loss: done the moment the last reply (TTL 16) came in. */
	assert_int_equal(r.c.now, T0 + 4 * NS_PER_S + 160 * NS_PER_MS);
	run_free(&r);
	free(xs);
}

/*
 * A loop that wakes late (here only every 7 ms) still measures the
 * configured delays to the nanosecond: the receive time is the reply's
 * stamp, not the moment it was read. Loss and counts stay exact too.
 */
static void
test_sim_late_wakeups_keep_exact_rtts(void **state)
{
	static const char *const files[] = {
	    "chain16.json", "demo.json", "lossy.json", "ecmp.json"};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct opts o = {.family = AF_INET,
		    .proto = PROTO_UDP,
		    .probes = 2,
		    .flows = 1,
		    .count = 5};
		struct xscen *xs;
		struct run r;

		run_file_q(&r, files[i], &o, 7 * NS_PER_MS, &xs);
		check_all(&r, xs);
		run_free(&r);
		free(xs);
	}
}

/* Probes spaced by a send gap: the same exact counts and RTTs. */
static void
test_sim_gap_spaced_sends_stay_exact(void **state)
{
	struct opts o = {.family = AF_INET6,
	    .proto = PROTO_UDP,
	    .probes = 2,
	    .flows = 1,
	    .count = 5,
	    .gap_ns = NS_PER_MS};
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "chain16.json", &o, &xs);
	check_all(&r, xs);
	run_free(&r);
	free(xs);
}

/*
 * first_ttl 3, max_ttl 10 on a 16-hop path: TTLs 1-2 never probed, the
 * target never reached, every cycle goes to TTL 10 and no further.
 */
static void
test_sim_ttl_window_short_of_target(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 2,
	    .flows = 1,
	    .count = 5,
	    .first_ttl = 3,
	    .max_ttl = 10};
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "chain16.json", &o, &xs);
	check_all(&r, xs);
	assert_int_equal(r.p->dest_ttl, 0);
	assert_int_equal(path_last_ttl(r.p), 10);
	assert_int_equal(path_hop(r.p, 2)->st.sent, 0);
	assert_int_equal(path_hop(r.p, 3)->st.received, 10);
	assert_int_equal(path_hop(r.p, 10)->st.received, 10);
	run_free(&r);
	free(xs);
}

/* More probes than there are sequences: matching survives the wrap. */
static void
test_sim_sequences_wrap_and_still_match(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 10,
	    .flows = 1,
	    .count = 450,
	    .interval_ns = NS_PER_S / 10};
	struct engine_counters ec;
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "chain16.json", &o, &xs);
	check_all(&r, xs);
	engine_counters(r.e, &ec);
	assert_true(ec.sent > PACKET_SEQ_MAX);
	assert_int_equal(ec.matched, ec.sent);
	run_free(&r);
	free(xs);
}

/* A 3-hop path whose hop 2 answers exactly at the 2 s timeout. */
static const char edge_json[] =
    "{\"name\": \"edge\", \"seed\": 1,"
    " \"source\": {\"v4\": \"10.78.0.2\"},"
    " \"target\": {\"v4\": \"10.78.3.1\"},"
    " \"hops\": [{\"addrs\": [\"10.78.1.1\"], \"delay_ms\": 1000},"
    " {\"addrs\": [\"10.78.2.1\"], \"delay_ms\": 1000},"
    " {\"delay_ms\": 0.001}]}";

/*
 * A reply due exactly at the timeout counts (the loop reads before it
 * expires); one a microsecond later is loss, and its reply, when it
 * comes, is no longer matched.
 */
static void
test_sim_reply_at_timeout_counts_later_is_loss(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 1,
	    .flows = 1,
	    .count = 4,
	    .max_ttl = 4};
	char err[256] = "";
	struct engine_counters ec;
	struct run r;

	(void)state;
	run_start(&r, netsim_parse(edge_json, err, sizeof(err)), &o);
	run_all(&r);
	assert_int_equal(path_hop(r.p, 2)->st.received, 4);
	assert_int_equal(path_hop(r.p, 2)->st.worst_ns, TIMEOUT_NS);
	for (int ttl = 3; ttl <= 4; ttl++) {
		assert_int_equal(path_hop(r.p, ttl)->st.received, 0);
		assert_int_equal(path_hop(r.p, ttl)->st.lost, 4);
	}
	assert_int_equal(r.p->dest_ttl, 0);
	engine_counters(r.e, &ec);
	assert_int_equal(ec.matched, 8);
	run_free(&r);
}

static void
test_sim_lossy_reply_loss_stays_at_its_hop(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 3,
	    .flows = 1,
	    .count = 20};
	struct netsim_counts c;
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "lossy.json", &o, &xs);
	check_all(&r, xs);
	assert_true(xs->r[0].h[3].loss > 0 && xs->r[0].h[5].fwd_loss > 0);
	netsim_counts(r.ns, 3, &c);
	assert_true(c.dropped > 0);
	assert_true(stats_loss_pct(&path_hop(r.p, 3)->st) ==
	            (double)c.dropped / (double)c.probes * 100.0);
	/* Reply loss at 3 does not continue; forward loss at 5 does. */
	assert_int_equal(path_hop(r.p, 4)->st.lost, 0);
	assert_int_equal(path_hop(r.p, 5)->st.lost, 0);
	for (int ttl = 6; ttl <= 8; ttl++) {
		const struct hop *h = path_hop(r.p, ttl);

		netsim_counts(r.ns, ttl, &c);
		assert_true(c.fwd_lost > 0);
		assert_int_equal(h->st.lost, c.fwd_lost + c.dropped);
		assert_true(stats_loss_pct(&h->st) > 0.0);
	}
	run_free(&r);
	free(xs);
}

static void
test_sim_silent_hops_lose_all_later_hops_none(void **state)
{
	struct opts o = {.family = AF_INET6,
	    .proto = PROTO_ICMP,
	    .probes = 2,
	    .flows = 1,
	    .count = 10};
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "silent.json", &o, &xs);
	check_all(&r, xs);
	for (int ttl = 1; ttl <= 5; ttl++) {
		const struct hop *h = path_hop(r.p, ttl);
		bool silent = xs->r[0].h[ttl].silent;

		assert_int_equal(silent, ttl == 2 || ttl == 3);
		assert_int_equal(h->st.sent, 20);
		assert_int_equal(h->nresp, silent ? 0 : 1);
		if (silent)
			assert_null(hop_main_responder(h));
		assert_true(stats_loss_pct(&h->st) == (silent ? 100.0 : 0.0));
	}
	assert_true(addr_eq(&hop_main_responder(path_hop(r.p, 4))->addr,
	    &xs->r[0].h[4].addrs[0]));
	run_free(&r);
	free(xs);
}

/*
 * Replies a token bucket (full at the start, refilled at pps, capped at
 * burst) lets through when `per` probes arrive together every interval.
 */
static uint64_t
bucket_passes(const struct xhop *x, int per, unsigned cycles, int64_t iv_ns)
{
	double tokens = x->burst;
	uint64_t ok = 0;

	for (unsigned c = 0; c < cycles; c++) {
		if (c > 0)
			tokens += (double)iv_ns * x->pps / 1e9;
		if (tokens > x->burst)
			tokens = x->burst;
		for (int i = 0; i < per; i++) {
			if (tokens >= 1.0) {
				tokens -= 1.0;
				ok++;
			}
		}
	}
	return ok;
}

static void
test_sim_ratelimit_loss_does_not_continue(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 10,
	    .flows = 1,
	    .count = 20,
	    .interval_ns = NS_PER_S / 2};
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "ratelimit.json", &o, &xs);
	check_all(&r, xs);
	for (int ttl = 1; ttl <= 5; ttl++) {
		const struct hop *h = path_hop(r.p, ttl);
		const struct xhop *x = &xs->r[0].h[ttl];

		assert_int_equal(h->st.sent, 200);
		if (x->pps == 0) {
			assert_int_equal(h->st.lost, 0);
			continue;
		}
		assert_int_equal(
		    h->st.received, bucket_passes(x, 10, 20, o.interval_ns));
		assert_true(h->st.lost > 0);
	}
	/* 10/s after a burst of 10 at 20/s: 10 + 19 x 5; 1/s: every other. */
	assert_int_equal(path_hop(r.p, 2)->st.received, 105);
	assert_int_equal(path_hop(r.p, 4)->st.received, 10);
	run_free(&r);
	free(xs);
}

/*
 * ECMP with 4 flows: each flow meets exactly one router at every hop
 * (Paris), a single-address hop shows one, and the ECMP hops show several
 * (which routers the 4 flows hash to is the simulator's business; with 2-4
 * choices at least two of the three hops split them, for every protocol
 * and family here).
 */
static void
check_flows_spread(const struct run *r, const struct xroute *rt)
{
	int split = 0;

	for (int ttl = 1; ttl <= rt->n; ttl++) {
		const struct hop *h = path_hop(r->p, ttl);
		uint64_t seen = 0;

		for (int i = 0; i < h->nresp; i++) {
			assert_int_equal(seen & h->resp[i].flows, 0);
			seen |= h->resp[i].flows;
		}
		assert_int_equal(seen, 0xf);
		if (rt->h[ttl].naddrs == 1)
			assert_int_equal(h->nresp, 1);
		else
			split += h->nresp >= 2;
	}
	assert_true(split >= 2);
}

static void
test_sim_ecmp_four_flows_show_several_responders(void **state)
{
	static const enum probe_proto protos[] = {
	    PROTO_ICMP, PROTO_UDP, PROTO_TCP};

	(void)state;
	for (int fam = 0; fam < 2; fam++) {
		for (size_t i = 0; i < 3; i++) {
			struct opts o = {.family = fam ? AF_INET6 : AF_INET,
			    .proto = protos[i],
			    .probes = 2,
			    .flows = 4,
			    .count = 10};
			struct xscen *xs;
			struct run r;

			run_file(&r, "ecmp.json", &o, &xs);
			check_all(&r, xs);
			check_flows_spread(&r, &xs->r[0]);
			run_free(&r);
			free(xs);
		}
	}
}

static void
test_sim_mpls_stack_is_the_scenarios(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 1,
	    .flows = 1,
	    .count = 3};
	struct xscen *xs;
	struct run r;
	int with = 0;

	(void)state;
	run_file(&r, "mpls.json", &o, &xs);
	check_all(&r, xs);
	for (int ttl = 1; ttl <= xs->r[0].n; ttl++) {
		const struct responder *m =
		    hop_main_responder(path_hop(r.p, ttl));

		assert_non_null(m);
		check_mpls(&m->mpls, &xs->r[0].h[ttl].mpls);
		with += m->mpls.n > 0;
	}
	assert_int_equal(with, 3);
	/* Hop 2's stack as written: s given as 0 then 1. */
	assert_int_equal(xs->r[0].h[2].mpls.n, 2);
	assert_int_equal(xs->r[0].h[2].mpls.l[0].label, 16002);
	assert_int_equal(xs->r[0].h[4].mpls.l[0].tc, 5);
	run_free(&r);
	free(xs);
}

/* ---- path change ---- */

/* The route in force for a probe sent at t (from the first probe). */
static const struct xroute *
route_at(const struct xscen *xs, int64_t t_ns)
{
	int i = 0;

	while (i + 1 < xs->nroutes && t_ns >= xs->r[i + 1].at_ns)
		i++;
	return &xs->r[i];
}

/*
 * Per responder at TTLs up to the shortest route's target (probed in
 * every cycle): as many replies as cycles whose route has it there, with
 * that route's RTT.
 */
static void
check_route_responders(const struct run *r, const struct xscen *xs, int ttl)
{
	const struct hop *h = path_hop(r->p, ttl);

	for (int i = 0; i < h->nresp; i++) {
		const struct responder *rs = &h->resp[i];
		uint32_t want = 0;

		for (unsigned c = 0; c < r->o.count; c++) {
			const struct xhop *x =
			    xhop_for(route_at(xs, c * r->o.interval_ns), ttl);

			if (!addr_eq(&x->addrs[0], &rs->addr))
				continue;
			want++;
			assert_int_equal(rs->st.best_ns, x->cum_ns);
			assert_int_equal(rs->st.worst_ns, x->cum_ns);
		}
		assert_int_equal(rs->st.received, want);
	}
}

/* Finds the event of kind at ttl (any ttl if 0) among all held. */
static const struct path_event *
find_event(const struct path *p, enum path_event_kind kind, int ttl, int skip)
{
	for (unsigned i = p->nevents; i-- > 0;) {
		const struct path_event *ev = path_event(p, i);

		if (ev == NULL || ev->kind != kind || (ttl && ev->ttl != ttl))
			continue;
		if (skip-- == 0)
			return ev;
	}
	return NULL;
}

static void
check_new_responders(const struct run *r, const struct xscen *xs)
{
	const struct xroute *moved = &xs->r[1];
	int64_t at = T0 + moved->at_ns;
	unsigned n = 0;

	for (int ttl = 1; ttl < moved->n; ttl++) {
		const struct path_event *ev =
		    find_event(r->p, EV_NEW_RESPONDER, ttl, 0);

		if (xhop_has(&xs->r[0].h[ttl < xs->r[0].n ? ttl : xs->r[0].n],
		        &moved->h[ttl].addrs[0])) {
			assert_null(ev);
			continue;
		}
		n++;
		assert_non_null(ev);
		assert_true(addr_eq(&ev->addr, &moved->h[ttl].addrs[0]));
		assert_true(ev->t_ns >= at && ev->t_ns < at + NS_PER_S);
		assert_null(find_event(r->p, EV_NEW_RESPONDER, ttl, 1));
	}
	assert_int_equal(n, 3);
	assert_null(find_event(r->p, EV_NEW_RESPONDER, 0, (int)n));
}

static void
check_dest_changes(const struct run *r, const struct xscen *xs)
{
	const struct path_event *grew, *back;

	grew = find_event(r->p, EV_DEST_CHANGED, 0, 0);
	back = find_event(r->p, EV_DEST_CHANGED, 0, 1);
	assert_non_null(grew);
	assert_non_null(back);
	assert_null(find_event(r->p, EV_DEST_CHANGED, 0, 2));
	/* At the move the old target's TTL expires in transit: forgotten. */
	assert_int_equal(grew->old_dest_ttl, xs->r[0].n);
	assert_int_equal(grew->new_dest_ttl, 0);
	assert_true(grew->t_ns >= T0 + xs->r[1].at_ns &&
	            grew->t_ns < T0 + xs->r[1].at_ns + NS_PER_S);
	/* Moving back, the shorter path is learned at once. */
	assert_int_equal(back->old_dest_ttl, xs->r[1].n);
	assert_int_equal(back->new_dest_ttl, xs->r[2].n);
	assert_true(back->t_ns >= T0 + xs->r[2].at_ns &&
	            back->t_ns < T0 + xs->r[2].at_ns + NS_PER_S);
	assert_int_equal(r->p->dest_ttl, xs->r[2].n);
}

static void
test_sim_pathchange_new_hops_show_up(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 1,
	    .flows = 1,
	    .count = 20};
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "pathchange.json", &o, &xs);
	assert_int_equal(xs->nroutes, 3);
	check_counts(&r, false);
	for (int ttl = 1; ttl <= r.p->max_ttl; ttl++) {
		const struct hop *h = path_hop(r.p, ttl);

		for (int i = 0; i < h->nresp; i++) {
			bool known = false;

			for (int k = 0; k < xs->nroutes; k++)
				known |= xhop_has(
				    xhop_for(&xs->r[k], ttl), &h->resp[i].addr);
			assert_true(known);
		}
		assert_int_equal(h->st.lost, 0);
	}
	for (int ttl = 1; ttl <= xs->r[0].n; ttl++)
		check_route_responders(&r, xs, ttl);
	for (int ttl = 3; ttl <= 5; ttl++)
		assert_int_equal(path_hop(r.p, ttl)->nresp, 2);
	check_new_responders(&r, xs);
	check_dest_changes(&r, xs);
	run_free(&r);
	free(xs);
}

/* ---- hostile ---- */

/* The scenario's JSON text with every "hostile" removed (free() it). */
static char *
without_hostile(const json_t *root)
{
	json_t *copy = json_deep_copy(root), *h;
	char *text;
	size_t i;

	assert_non_null(copy);
	json_array_foreach(json_object_get(copy, "hops"), i, h)
	    json_object_del(h, "hostile");
	text = json_dumps(copy, 0);
	assert_non_null(text);
	json_decref(copy);
	return text;
}

static void
check_same_stats(const struct stats *a, const struct stats *b)
{
	assert_int_equal(a->sent, b->sent);
	assert_int_equal(a->received, b->received);
	assert_int_equal(a->lost, b->lost);
	assert_int_equal(a->last_ns, b->last_ns);
	assert_int_equal(a->best_ns, b->best_ns);
	assert_int_equal(a->worst_ns, b->worst_ns);
	assert_true(a->mean_ns == b->mean_ns);
	assert_true(a->m2 == b->m2);
	assert_true(a->jsum_ns == b->jsum_ns);
}

/* Two paths hold the same numbers at every hop and responder. */
static void
check_same_path(const struct path *a, const struct path *b)
{
	assert_int_equal(a->dest_ttl, b->dest_ttl);
	assert_int_equal(a->nevents, b->nevents);
	for (int ttl = 1; ttl <= a->max_ttl; ttl++) {
		const struct hop *ha = path_hop(a, ttl), *hb = path_hop(b, ttl);

		check_same_stats(&ha->st, &hb->st);
		assert_int_equal(ha->hist.head, hb->hist.head);
		assert_int_equal(ha->nresp, hb->nresp);
		for (int i = 0; i < ha->nresp; i++) {
			assert_true(
			    addr_eq(&ha->resp[i].addr, &hb->resp[i].addr));
			check_same_stats(&ha->resp[i].st, &hb->resp[i].st);
		}
	}
}

static void
hostile_vs_clean(const struct opts *o)
{
	json_t *root = load_json("hostile.json");
	char *clean = without_hostile(root), err[256] = "";
	struct xscen *xs = xscen_read(root, o->family);
	struct engine_counters ch, cc;
	struct run h, c;

	assert_true(xs->hostile);
	run_start(&h, load_netsim("hostile.json"), o);
	run_all(&h);
	run_start(&c, netsim_parse(clean, err, sizeof(err)), o);
	run_all(&c);
	check_all(&h, xs);
	check_same_path(h.p, c.p);
	engine_counters(h.e, &ch);
	engine_counters(c.e, &cc);
	assert_int_equal(ch.sent, cc.sent);
	assert_int_equal(ch.matched, cc.matched);
	/*
	 * Duplicates reach the engine and are thrown away there; quotes of a
	 * probe to another destination never get past the reply checker
	 * (transport_check_reply, as on real sockets).
	 */
	assert_true(ch.duplicates > 0);
	assert_int_equal(ch.foreign, 0);
	assert_int_equal(cc.duplicates + cc.foreign, 0);
	run_free(&h);
	run_free(&c);
	free(xs);
	free(clean);
	json_decref(root);
}

static void
test_sim_hostile_hop_changes_no_statistic(void **state)
{
	static const enum probe_proto protos[] = {
	    PROTO_ICMP, PROTO_UDP, PROTO_TCP};

	(void)state;
	for (int fam = 0; fam < 2; fam++) {
		for (size_t i = 0; i < 3; i++) {
			struct opts o = {.family = fam ? AF_INET6 : AF_INET,
			    .proto = protos[i],
			    .probes = 2,
			    .flows = 1,
			    .count = 10};

			hostile_vs_clean(&o);
		}
	}
}

/* ---- the built-in demo ---- */

static void
test_sim_demo_twenty_cycles_match_counts(void **state)
{
	json_error_t je;
	json_t *root = json_loads(netsim_demo_json(), 0, &je);

	(void)state;
	assert_non_null(root);
	for (int fam = 0; fam < 2; fam++) {
		struct opts o = {.family = fam ? AF_INET6 : AF_INET,
		    .proto = PROTO_ICMP,
		    .probes = 1,
		    .flows = 1,
		    .count = 20};
		struct xscen *xs = xscen_read(root, o.family);
		struct run r;

		assert_non_null(xs);
		run_start(&r, netsim_demo(), &o);
		assert_int_equal(netsim_hop_count(r.ns), xs->r[0].n);
		run_all(&r);
		check_all(&r, xs);
		run_free(&r);
		free(xs);
	}
	json_decref(root);
}

/* ---- loss verdicts and the timeline ---- */

/* causes: one letter per TTL first..dest (' ' none, R, F, ?). */
static void
check_verdict(const struct run *r, const char *causes, enum verdict_kind kind,
    int from_ttl)
{
	struct verdict v;
	char got[PATH_MAX_TTL + 1] = "";
	int n = 0;

	verdict_path(r->p, &v);
	for (int ttl = v.first_ttl; ttl <= v.last_ttl; ttl++)
		got[n++] = verdict_cause_letter(v.hop[ttl].cause);
	if (strcmp(got, causes) != 0 || v.kind != kind ||
	    v.from_ttl != from_ttl)
		fail_msg("causes \"%s\" kind %d from %d, want \"%s\" %d %d",
		    got, v.kind, v.from_ttl, causes, kind, from_ttl);
}

static unsigned
timeline_events(const struct path *p)
{
	return p->nkind[EV_ROUTE_CHANGE] + p->nkind[EV_DEST_TTL] +
	       p->nkind[EV_LOSS_START] + p->nkind[EV_LOSS_END];
}

static void
test_sim_verdict_reply_loss_only(void **state)
{
	static const int fams[] = {AF_INET, AF_INET6};
	static const enum probe_proto protos[] = {PROTO_ICMP, PROTO_UDP};

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct opts o = {.family = fams[i],
		    .proto = protos[i],
		    .probes = 1,
		    .flows = 1,
		    .count = 100};
		struct xscen *xs;
		struct run r;

		run_file(&r, "replyloss.json", &o, &xs);
		check_counts(&r, false);
		/* Hop 3 (rate limit) and hop 5 (40% of its replies). */
		check_verdict(&r, "  R R  ", VERDICT_NONE, 0);
		assert_int_equal(path_hop(r.p, 7)->st.lost, 0);
		assert_int_equal(timeline_events(r.p), 0);
		run_free(&r);
		free(xs);
	}
}

static void
test_sim_verdict_forward_loss_with_ratelimit_downstream(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 1,
	    .flows = 1,
	    .count = 100};
	struct xscen *xs;
	struct verdict v;
	struct run r;
	const struct hop *dest;
	double lo, hi;

	(void)state;
	run_file(&r, "fwdloss.json", &o, &xs);
	check_counts(&r, false);
	/* Hop 5 drops what it forwards: loss begins at TTL 6; hop 7's rate
	 * limit on top is reply loss and does not move the start. */
	check_verdict(&r, "     FRFF", VERDICT_FORWARD, 6);
	verdict_path(r.p, &v);
	dest = path_hop(r.p, 9);
	/* At the target's numbers, whose interval holds the scenario's 20%. */
	assert_true(fabs(v.loss - (double)dest->st.lost / 100) < 1e-12);
	verdict_wilson(dest->st.lost, 100, VERDICT_Z, &lo, &hi);
	assert_true(v.low == lo && v.high == hi);
	assert_true(v.low < 0.2 && v.high > 0.2);
	assert_int_equal(timeline_events(r.p), 0);
	run_free(&r);
	free(xs);
}

static void
test_sim_verdict_small_loss_not_called(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 1,
	    .flows = 1,
	    .count = 60};
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "smallloss.json", &o, &xs);
	check_counts(&r, false);
	/* The run did lose a probe beyond hop 3 (so the case is real). */
	assert_true(path_hop(r.p, 6)->st.lost >= 1);
	check_verdict(&r, "      ", VERDICT_NONE, 0);
	run_free(&r);
	free(xs);
}

/* The skip-th oldest event of kind at ttl (any if 0); asserts its time is
 * in [from, from + width) after T0 (width 0: 1 s). */
static void
check_timeline_in(const struct run *r, enum path_event_kind kind, int ttl,
    int skip, int64_t from_ns, int64_t width_ns)
{
	const struct path_event *ev = find_event(r->p, kind, ttl, skip);

	if (ev == NULL)
		fail_msg("no event %d at ttl %d (#%d)", kind, ttl, skip);
	if (ev->t_ns < T0 + from_ns || ev->t_ns >= T0 + from_ns + width_ns)
		fail_msg("event %d at ttl %d: t %lld", kind, ttl,
		    (long long)(ev->t_ns - T0));
}

static void
check_timeline_at(const struct run *r, enum path_event_kind kind, int ttl,
    int skip, int64_t from_ns)
{
	check_timeline_in(r, kind, ttl, skip, from_ns, NS_PER_S);
}

static void
test_sim_pathchange_timeline(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 1,
	    .flows = 1,
	    .count = 40};
	struct xscen *xs;
	struct run r;
	const struct path_event *ev;

	(void)state;
	run_file(&r, "pathchange.json", &o, &xs);
	/* Out at 5 s (hops 3-5 move, the target 5 -> 6), back at 15 s. */
	assert_int_equal(r.p->nkind[EV_ROUTE_CHANGE], 6);
	for (int ttl = 3; ttl <= 5; ttl++) {
		check_timeline_at(&r, EV_ROUTE_CHANGE, ttl, 0, 5 * NS_PER_S);
		check_timeline_at(&r, EV_ROUTE_CHANGE, ttl, 1, 15 * NS_PER_S);
	}
	ev = find_event(r.p, EV_ROUTE_CHANGE, 5, 0);
	assert_true(addr_eq(&ev->old_addr, &xs->target));
	assert_true(addr_eq(&ev->addr, &xs->r[1].h[5].addrs[0]));
	assert_int_equal(r.p->nkind[EV_DEST_TTL], 2);
	/* At 5 s the old target's TTL times out in transit (forgotten); the
	 * next cycle probes on and learns 6. */
	check_timeline_in(&r, EV_DEST_TTL, 0, 0, 5 * NS_PER_S, 2 * NS_PER_S);
	ev = find_event(r.p, EV_DEST_TTL, 0, 0);
	assert_int_equal(ev->old_dest_ttl, 5);
	assert_int_equal(ev->new_dest_ttl, 6);
	check_timeline_in(&r, EV_DEST_TTL, 0, 1, 15 * NS_PER_S, 2 * NS_PER_S);
	/* A route change is not loss: none anywhere, no loss episode, and
	 * the verdict on the current path is clean. */
	for (int ttl = 1; ttl <= r.p->max_ttl; ttl++)
		assert_int_equal(path_hop(r.p, ttl)->st.lost, 0);
	assert_int_equal(r.p->nkind[EV_LOSS_START], 0);
	check_verdict(&r, "     ", VERDICT_NONE, 0);
	/* The rows show the current responders. */
	assert_true(addr_eq(&hop_current_responder(path_hop(r.p, 3))->addr,
	    &xs->r[2].h[3].addrs[0]));
	run_free(&r);
	free(xs);
}

static void
test_sim_ecmp_flows_are_no_route_change(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 1,
	    .flows = 4,
	    .count = 30};
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "ecmp.json", &o, &xs);
	assert_true(path_hop(r.p, 5)->nresp > 1);
	assert_true(r.p->nkind[EV_NEW_RESPONDER] > 0);
	assert_int_equal(timeline_events(r.p), 0);
	check_verdict(&r, "      ", VERDICT_NONE, 0);
	run_free(&r);
	free(xs);
}

static void
test_sim_linkdown_loss_episode(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 1,
	    .flows = 1,
	    .count = 30};
	struct xscen *xs;
	struct run r;

	(void)state;
	run_file(&r, "linkdown.json", &o, &xs);
	assert_int_equal(path_hop(r.p, 5)->st.lost, 10);
	assert_int_equal(r.p->dest_ttl, 5);
	assert_int_equal(r.p->nkind[EV_LOSS_START], 1);
	assert_int_equal(r.p->nkind[EV_LOSS_END], 1);
	/* Stamped with the first lost probe and the first answer. */
	check_timeline_at(&r, EV_LOSS_START, 5, 0, 10 * NS_PER_S);
	check_timeline_at(&r, EV_LOSS_END, 5, 0, 20 * NS_PER_S);
	assert_int_equal(r.p->nkind[EV_ROUTE_CHANGE], 0);
	assert_false(r.p->dest_losing);
	run_free(&r);
	free(xs);
}

/*
 * Ping-the-hop on the reply-loss path: hop 3 limits the Time Exceeded it
 * sends, not its Echo Replies (as Linux's icmp_ratelimit), so its pings
 * all come back, at its RTT, while its TTL probes mostly go unanswered.
 * The TTL probes' numbers are the same as without the pings.
 */
static void
test_sim_ping_hop_beside_ttl_probes(void **state)
{
	struct opts o = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .probes = 1,
	    .flows = 1,
	    .count = 30};
	struct xscen *xs;
	struct run r, plain;
	const struct hop *h;
	struct engine_counters ec;

	(void)state;
	json_decref(load_json("replyloss.json"));
	run_start(&r, load_netsim("replyloss.json"), &o);
	assert_int_equal(engine_ping_hop(r.e, 3), 0);
	assert_int_equal(engine_ping_ttl(r.e), 3);
	run_all(&r);
	h = path_hop(r.p, 3);
	/* The first cycle has no responder to ping yet. */
	assert_true(h->ping.sent >= 28 && h->ping.sent <= 29);
	assert_int_equal(h->ping.received, h->ping.sent);
	assert_int_equal(h->ping.best_ns, 8 * NS_PER_MS);
	assert_int_equal(h->ping.worst_ns, 8 * NS_PER_MS);
	assert_true(stats_loss_pct(&h->st) > 30.0);
	assert_int_equal(path_hop(r.p, 2)->ping.sent, 0);
	engine_counters(r.e, &ec);
	assert_int_equal(ec.foreign, 0);
	assert_int_equal(ec.duplicates, 0);
	run_file(&plain, "replyloss.json", &o, &xs);
	for (int ttl = 1; ttl <= 7; ttl++)
		check_same_stats(
		    &path_hop(r.p, ttl)->st, &path_hop(plain.p, ttl)->st);
	run_free(&plain);
	run_free(&r);
	free(xs);
}

/* Hop 5 drops 40% of its own replies: its pings too; off again with 0. */
static void
test_sim_ping_hop_lossy_and_off(void **state)
{
	struct opts o = {.family = AF_INET6,
	    .proto = PROTO_ICMP,
	    .probes = 1,
	    .flows = 1,
	    .count = 100};
	struct run r;
	const struct hop *h;

	(void)state;
	run_start(&r, load_netsim("replyloss.json"), &o);
	assert_int_equal(engine_ping_hop(r.e, 5), 0);
	run_all(&r);
	h = path_hop(r.p, 5);
	assert_true(h->ping.sent >= 98);
	assert_int_equal(stats_pending(&h->ping), 0);
	assert_true(
	    stats_loss_pct(&h->ping) > 25.0 && stats_loss_pct(&h->ping) < 55.0);
	assert_int_equal(engine_ping_hop(r.e, 0), 0);
	assert_int_equal(engine_ping_hop(r.e, 31), -1);
	run_free(&r);
	o.proto = PROTO_UDP;
	run_start(&r, load_netsim("replyloss.json"), &o);
	assert_int_equal(engine_ping_hop(r.e, 3), -1); /* ICMP only */
	run_free(&r);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_sim_chain16_rtt_is_the_configured_delay),
	    cmocka_unit_test(test_sim_late_wakeups_keep_exact_rtts),
	    cmocka_unit_test(test_sim_gap_spaced_sends_stay_exact),
	    cmocka_unit_test(test_sim_ttl_window_short_of_target),
	    cmocka_unit_test(test_sim_sequences_wrap_and_still_match),
	    cmocka_unit_test(test_sim_reply_at_timeout_counts_later_is_loss),
	    cmocka_unit_test(test_sim_lossy_reply_loss_stays_at_its_hop),
	    cmocka_unit_test(test_sim_silent_hops_lose_all_later_hops_none),
	    cmocka_unit_test(test_sim_ratelimit_loss_does_not_continue),
	    cmocka_unit_test(test_sim_ecmp_four_flows_show_several_responders),
	    cmocka_unit_test(test_sim_mpls_stack_is_the_scenarios),
	    cmocka_unit_test(test_sim_pathchange_new_hops_show_up),
	    cmocka_unit_test(test_sim_hostile_hop_changes_no_statistic),
	    cmocka_unit_test(test_sim_demo_twenty_cycles_match_counts),
	    cmocka_unit_test(test_sim_verdict_reply_loss_only),
	    cmocka_unit_test(
	        test_sim_verdict_forward_loss_with_ratelimit_downstream),
	    cmocka_unit_test(test_sim_verdict_small_loss_not_called),
	    cmocka_unit_test(test_sim_pathchange_timeline),
	    cmocka_unit_test(test_sim_ecmp_flows_are_no_route_change),
	    cmocka_unit_test(test_sim_linkdown_loss_episode),
	    cmocka_unit_test(test_sim_ping_hop_beside_ttl_probes),
	    cmocka_unit_test(test_sim_ping_hop_lossy_and_off),
	};
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) +
	                        sizeof(fixed) / sizeof(fixed[0])];

	for (size_t i = 0; i < ncases; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = test_sim_scenario;
		tests[i].initial_state = (void *)&cases[i];
	}
	memcpy(tests + ncases, fixed, sizeof(fixed));
	return _cmocka_run_group_tests(
	    "sim", tests, ncases + nfixed, NULL, NULL);
}
