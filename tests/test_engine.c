/*
 * Engine tests on a scripted fake transport and a fake clock: what is sent
 * when, how replies are matched, what becomes loss. The scenario-driven
 * tests on the simulator live in test_sim.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hoptop/engine.h"

#define MAX_SENT 4096
#define MAX_Q    64

struct fake {
	struct transport base;
	int64_t now;
	struct hclock clk;
	struct probe sent[MAX_SENT];
	int64_t sent_at[MAX_SENT];
	int nsent;
	struct reply q[MAX_Q];
	int nq;
	int fail_sends; /* fail this many sends with ENOBUFS */
};

static int64_t
fake_now(const struct hclock *c)
{
	return ((const struct fake *)c->ctx)->now;
}

static int
f_fd(struct transport *t)
{
	(void)t;
	return -1;
}

static int
f_send(struct transport *t, const struct probe *p, int64_t *sent_ns)
{
	struct fake *f = (struct fake *)t;

	if (f->fail_sends > 0) {
		f->fail_sends--;
		return -1;
	}
	assert_true(f->nsent < MAX_SENT);
	f->sent[f->nsent] = *p;
	f->sent_at[f->nsent++] = f->now;
	*sent_ns = f->now;
	return 0;
}

static int
f_recv(struct transport *t, struct reply *r, int64_t now_ns)
{
	struct fake *f = (struct fake *)t;

	(void)now_ns;
	if (f->nq == 0)
		return 0;
	*r = f->q[0];
	memmove(f->q, f->q + 1, (size_t)(f->nq - 1) * sizeof(f->q[0]));
	f->nq--;
	return 1;
}

static int64_t
f_deadline(struct transport *t)
{
	(void)t;
	return CLOCK_NEVER;
}

static const char *
f_method(const struct transport *t)
{
	(void)t;
	return "fake";
}

static void
f_source(const struct transport *t, struct haddr *out)
{
	(void)t;
	memset(out, 0, sizeof(*out));
}

static void
f_free(struct transport *t)
{
	(void)t;
}

static const struct transport_ops fake_ops = {
    .fd = f_fd,
    .send = f_send,
    .recv = f_recv,
    .next_deadline = f_deadline,
    .method = f_method,
    .source = f_source,
    .free = f_free,
};

static struct haddr
ip4(const char *s)
{
	struct haddr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

/* Hop k answers from 10.201.k.1; the target is 10.201.0.99. */
static struct haddr
hop_addr(int ttl)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "10.201.%d.1", ttl);
	return ip4(buf);
}

struct env {
	struct fake f;
	struct path *p;
	struct engine *e;
	struct haddr target;
};

static void
env_init(struct env *v, int max_ttl, int probes, unsigned count)
{
	struct engine_config c = {.first_ttl = 1,
	    .max_ttl = max_ttl,
	    .probes = probes,
	    .flows = 1,
	    .interval_ns = NS_PER_S,
	    .timeout_ns = 2 * NS_PER_S,
	    .count = count};

	memset(v, 0, sizeof(*v));
	v->f.base.ops = &fake_ops;
	v->f.now = 1000 * NS_PER_S;
	v->f.clk.now_ns = fake_now;
	v->f.clk.ctx = &v->f;
	v->target = ip4("10.201.0.99");
	v->p = path_new(&v->target, 1, max_ttl);
	v->e = engine_new(&c, &v->f.base, v->p, &v->f.clk);
}

static void
env_free(struct env *v)
{
	engine_free(v->e);
	path_free(v->p);
}

/* Queues the answer a path of dest_ttl hops gives to sent probe i. */
static void
answer(struct env *v, int i, int dest_ttl, int64_t rtt_ns)
{
	struct reply *r = &v->f.q[v->f.nq++];
	const struct probe *pr = &v->f.sent[i];

	memset(r, 0, sizeof(*r));
	r->seq = pr->seq;
	r->probe_dst = v->target;
	r->rx_ns = v->f.sent_at[i] + rtt_ns;
	r->reply_ttl = -1;
	if (pr->ttl >= dest_ttl) {
		r->kind = REPLY_DEST;
		r->from = v->target;
	} else {
		r->kind = REPLY_TIME_EXCEEDED;
		r->from = hop_addr(pr->ttl);
	}
}

static void
step(struct env *v, int64_t advance_ns)
{
	v->f.now += advance_ns;
	engine_read_replies(v->e);
	engine_expire(v->e, v->f.now);
	engine_send_due(v->e, v->f.now);
}

static void
test_engine_first_cycle_sends_every_ttl_at_once(void **state)
{
	struct env v;

	(void)state;
	env_init(&v, 30, 1, 0);
	step(&v, 0);
	assert_int_equal(v.f.nsent, 30);
	for (int i = 0; i < 30; i++) {
		assert_int_equal(v.f.sent[i].ttl, i + 1);
		assert_int_equal(v.f.sent_at[i], v.f.sent_at[0]);
	}
	/* Nothing more until the next interval. */
	assert_int_equal(engine_next_deadline(v.e), v.f.now + NS_PER_S);
	step(&v, NS_PER_S / 2);
	assert_int_equal(v.f.nsent, 30);
	env_free(&v);
}

static void
test_engine_destination_caps_later_cycles(void **state)
{
	struct env v;

	(void)state;
	env_init(&v, 30, 1, 0);
	step(&v, 0);
	for (int i = 0; i < 30; i++)
		answer(&v, i, 5, (i + 1) * NS_PER_MS);
	step(&v, 50 * NS_PER_MS);
	assert_int_equal(v.p->dest_ttl, 5);
	for (int ttl = 1; ttl <= 5; ttl++) {
		const struct hop *h = path_hop(v.p, ttl);

		assert_int_equal(h->st.received, 1);
		assert_int_equal(h->st.last_ns, ttl * NS_PER_MS);
	}
	step(&v, NS_PER_S);
	assert_int_equal(v.f.nsent, 35); /* TTL 1..5 only */
	assert_int_equal(v.f.sent[34].ttl, 5);
	env_free(&v);
}

static void
test_engine_timeout_is_loss_in_flight_is_not(void **state)
{
	struct env v;
	const struct hop *h;

	(void)state;
	env_init(&v, 3, 1, 0);
	step(&v, 0);
	answer(&v, 0, 3, NS_PER_MS); /* hop 1 answers, 2 and 3 silent */
	step(&v, NS_PER_S);          /* cycle 2 sent, cycle 1 in flight */
	h = path_hop(v.p, 2);
	assert_int_equal(h->st.sent, 2);
	assert_int_equal(h->st.lost, 0);
	assert_true(stats_loss_pct(&h->st) == 0.0);
	step(&v, NS_PER_S); /* cycle 1 is 2 s old: lost */
	assert_int_equal(h->st.lost, 1);
	assert_true(stats_loss_pct(&h->st) == 100.0);
	assert_int_equal(path_hop(v.p, 1)->st.lost, 0);
	env_free(&v);
}

static void
test_engine_drops_duplicates_foreign_and_late(void **state)
{
	struct env v;
	struct engine_counters c;
	const struct hop *h;

	(void)state;
	env_init(&v, 2, 1, 0);
	step(&v, 0);
	answer(&v, 0, 2, NS_PER_MS);
	answer(&v, 0, 2, NS_PER_MS);    /* duplicate */
	answer(&v, 1, 2, 3 * NS_PER_S); /* after the timeout */
	v.f.q[v.f.nq] = v.f.q[0];       /* forged: other target */
	v.f.q[v.f.nq++].probe_dst = ip4("10.201.9.9");
	step(&v, 10 * NS_PER_MS);
	engine_counters(v.e, &c);
	assert_int_equal(c.matched, 1);
	assert_int_equal(c.duplicates, 1);
	assert_int_equal(c.foreign, 1);
	assert_int_equal(c.late, 1);
	h = path_hop(v.p, 1);
	assert_int_equal(h->st.received, 1);
	h = path_hop(v.p, 2);
	assert_int_equal(h->st.received, 0);
	assert_int_equal(h->st.lost, 1);
	env_free(&v);
}

static void
test_engine_probes_change_from_next_cycle(void **state)
{
	struct env v;

	(void)state;
	env_init(&v, 4, 1, 0);
	step(&v, 0);
	engine_set_probes(v.e, 3);
	assert_int_equal(v.f.nsent, 4);
	step(&v, NS_PER_S);
	assert_int_equal(v.f.nsent, 4 + 12);
	/* Rounds go over all TTLs: 1 2 3 4 1 2 3 4 ... */
	assert_int_equal(v.f.sent[4].ttl, 1);
	assert_int_equal(v.f.sent[8].ttl, 1);
	engine_set_probes(v.e, 11);
	assert_int_equal(engine_probes(v.e), 10);
	env_free(&v);
}

static void
test_engine_pause_resume_and_reset(void **state)
{
	struct env v;

	(void)state;
	env_init(&v, 3, 1, 0);
	step(&v, 0);
	engine_pause(v.e, true);
	step(&v, 5 * NS_PER_S);
	assert_int_equal(v.f.nsent, 3);
	assert_int_equal(path_hop(v.p, 1)->st.lost, 1); /* still expires */
	engine_pause(v.e, false);
	step(&v, 0);
	assert_int_equal(v.f.nsent, 6);
	engine_reset(v.e);
	assert_int_equal(path_hop(v.p, 1)->st.sent, 0);
	answer(&v, 3, 3, NS_PER_MS); /* reply to a forgotten probe */
	step(&v, 0);
	assert_int_equal(path_hop(v.p, 1)->st.received, 0);
	assert_int_equal(path_hop(v.p, 1)->st.sent, 1); /* new cycle */
	env_free(&v);
}

static void
test_engine_done_after_count_cycles_settle(void **state)
{
	struct env v;
	int cycles = 0;

	(void)state;
	env_init(&v, 3, 2, 2);
	for (int i = 0; i < 100 && !engine_done(v.e); i++) {
		int before = v.f.nsent;

		step(&v, i == 0 ? 0 : 100 * NS_PER_MS);
		for (int k = before; k < v.f.nsent; k++)
			answer(&v, k, 3, 7 * NS_PER_MS);
		if (v.f.nsent > before)
			cycles++;
	}
	assert_true(engine_done(v.e));
	assert_int_equal(cycles, 2);
	assert_int_equal(v.p->cycles, 2);
	for (int ttl = 1; ttl <= 3; ttl++) {
		const struct hop *h = path_hop(v.p, ttl);

		assert_int_equal(h->st.sent, 4);
		assert_int_equal(h->st.received, 4);
		assert_true(stats_avg_ns(&h->st) == 7.0 * NS_PER_MS);
	}
	env_free(&v);
}

static void
test_engine_send_failure_is_loss(void **state)
{
	struct env v;
	struct engine_counters c;

	(void)state;
	env_init(&v, 2, 1, 0);
	v.f.fail_sends = 1;
	step(&v, 0);
	engine_counters(v.e, &c);
	assert_int_equal(c.send_errors, 1);
	assert_int_equal(path_hop(v.p, 1)->st.lost, 1);
	assert_int_equal(path_hop(v.p, 2)->st.lost, 0);
	env_free(&v);
}

static void
test_engine_path_growth_forgets_destination(void **state)
{
	struct env v;

	(void)state;
	env_init(&v, 10, 1, 0);
	step(&v, 0);
	for (int i = 0; i < 10; i++)
		answer(&v, i, 3, NS_PER_MS);
	step(&v, NS_PER_S); /* learns 3; cycle 2 goes to TTL 3 */
	assert_int_equal(v.p->dest_ttl, 3);
	assert_int_equal(v.f.nsent, 13);
	/* The path grew to 4 hops: TTL 3 now expires in transit. */
	for (int i = 10; i < 13; i++)
		answer(&v, i, 4, NS_PER_MS);
	step(&v, NS_PER_S);
	assert_int_equal(v.f.nsent, 23); /* back to max_ttl */
	for (int i = 13; i < 23; i++)
		answer(&v, i, 4, NS_PER_MS);
	step(&v, 10 * NS_PER_MS);
	assert_int_equal(v.p->dest_ttl, 4);
	env_free(&v);
}

/* The realtime clock of the kernel stamps: the fake's clock plus this. */
#define REAL_OFS (1700000000 * NS_PER_S)

/* Queues the kernel's send stamp of sent probe i, late_ns after sending. */
static void
tx_stamp(struct env *v, int i, int64_t late_ns)
{
	struct reply *r = &v->f.q[v->f.nq++];

	memset(r, 0, sizeof(*r));
	r->kind = REPLY_TX_STAMP;
	r->seq = v->f.sent[i].seq;
	r->tx_real_ns = v->f.sent_at[i] + REAL_OFS + late_ns;
}

/* The last queued reply also carries a kernel receive stamp. */
static void
rx_stamp(struct env *v, int64_t real_ns)
{
	v->f.q[v->f.nq - 1].rx_real_ns = real_ns;
}

/*
 * Probe 0 left the kernel 40 us after its user-space stamp; its reply's
 * kernel stamp is 1 ms after that: the RTT is 1 ms whether the send stamp
 * came before the reply or after it in the same read pass.
 */
static void
test_engine_tx_stamp_before_or_after_reply(void **state)
{
	struct env v;
	struct engine_counters c;
	int64_t tx = 40 * NS_PER_US;

	(void)state;
	env_init(&v, 2, 1, 0);
	step(&v, 0);
	tx_stamp(&v, 0, tx);
	answer(&v, 0, 2, NS_PER_MS + tx + 5 * NS_PER_US);
	rx_stamp(&v, v.f.sent_at[0] + REAL_OFS + tx + NS_PER_MS);
	answer(&v, 1, 2, 2 * NS_PER_MS + tx);
	rx_stamp(&v, v.f.sent_at[1] + REAL_OFS + tx + 2 * NS_PER_MS);
	tx_stamp(&v, 1, tx); /* after its reply */
	step(&v, 10 * NS_PER_MS);
	assert_int_equal(path_hop(v.p, 1)->st.last_ns, NS_PER_MS);
	assert_int_equal(path_hop(v.p, 2)->st.last_ns, 2 * NS_PER_MS);
	assert_string_equal(hop_send_clock(path_hop(v.p, 1)), "kernel");
	assert_string_equal(path_send_clock_name(v.p), "kernel");
	engine_counters(v.e, &c);
	assert_int_equal(c.tx_stamps, 2);
	assert_int_equal(c.tx_unmatched, 0);
	assert_int_equal(c.kernel_timed, 2);
	env_free(&v);
}

/*
 * No send stamp, one only in a later pass, a clock step between the
 * stamps: the user-space send time, and the clock says so.
 */
static void
test_engine_user_send_time_without_good_stamp(void **state)
{
	struct env v;
	struct engine_counters c;
	int64_t k = REAL_OFS + NS_PER_MS;

	(void)state;
	env_init(&v, 3, 1, 0);
	step(&v, 0);
	answer(&v, 0, 3, 3 * NS_PER_MS); /* no stamp at all */
	rx_stamp(&v, v.f.sent_at[0] + k);
	answer(&v, 1, 3, 3 * NS_PER_MS); /* stamp comes a pass late */
	rx_stamp(&v, v.f.sent_at[1] + k);
	tx_stamp(&v, 2, 0); /* realtime stepped back 1 s before the reply */
	answer(&v, 2, 3, 3 * NS_PER_MS);
	rx_stamp(&v, v.f.sent_at[2] + k - NS_PER_S);
	step(&v, 10 * NS_PER_MS);
	tx_stamp(&v, 1, 0);
	step(&v, NS_PER_MS);
	for (int ttl = 1; ttl <= 3; ttl++) {
		assert_int_equal(path_hop(v.p, ttl)->st.last_ns, 3 * NS_PER_MS);
		assert_string_equal(hop_send_clock(path_hop(v.p, ttl)), "user");
	}
	engine_counters(v.e, &c);
	assert_int_equal(c.tx_unmatched, 1);
	assert_int_equal(c.kernel_timed, 0);
	assert_int_equal(c.replies, 3);
	env_free(&v);
}

/* Some replies timed by the kernel, some not: "mixed"; none yet: NULL. */
static void
test_engine_send_clock_mixed(void **state)
{
	struct env v;

	(void)state;
	env_init(&v, 2, 1, 0);
	assert_null(path_send_clock_name(v.p));
	step(&v, 0);
	tx_stamp(&v, 0, 0);
	answer(&v, 0, 2, NS_PER_MS);
	rx_stamp(&v, v.f.sent_at[0] + REAL_OFS + NS_PER_MS);
	answer(&v, 1, 2, NS_PER_MS);
	step(&v, 10 * NS_PER_MS);
	assert_string_equal(path_send_clock_name(v.p), "mixed");
	assert_int_equal(path_hop(v.p, 1)->tx_kernel, 1);
	assert_int_equal(path_hop(v.p, 2)->tx_user, 1);
	env_free(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_engine_first_cycle_sends_every_ttl_at_once),
	    cmocka_unit_test(test_engine_destination_caps_later_cycles),
	    cmocka_unit_test(test_engine_timeout_is_loss_in_flight_is_not),
	    cmocka_unit_test(test_engine_drops_duplicates_foreign_and_late),
	    cmocka_unit_test(test_engine_probes_change_from_next_cycle),
	    cmocka_unit_test(test_engine_pause_resume_and_reset),
	    cmocka_unit_test(test_engine_done_after_count_cycles_settle),
	    cmocka_unit_test(test_engine_send_failure_is_loss),
	    cmocka_unit_test(test_engine_path_growth_forgets_destination),
	    cmocka_unit_test(test_engine_tx_stamp_before_or_after_reply),
	    cmocka_unit_test(test_engine_user_send_time_without_good_stamp),
	    cmocka_unit_test(test_engine_send_clock_mixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
