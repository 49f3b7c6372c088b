/*
 * Unit tests for mux (and the fleet over it): sequences on the wire fall
 * in each target's range, replies reach the target whose range holds
 * their sequence, and replies that fit no target are dropped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hoptop/fleet.h"
#include "hoptop/mux.h"

#define MAX_SENT 512
#define MAX_Q    512

/* A real transport stand-in: records send_to, hands out queued replies. */
struct fake {
	struct transport base;
	int64_t now;
	struct hclock clk;
	struct probe sent[MAX_SENT];
	struct haddr sent_to[MAX_SENT];
	int nsent;
	struct reply q[MAX_Q];
	int nq, qpos;
	bool echo; /* answer each probe at once as its destination would */
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
	(void)t;
	(void)p;
	(void)sent_ns;
	fail_msg("the mux must send with send_to");
	return -1;
}

static void
queue(struct fake *f, enum reply_kind kind, uint16_t seq, const char *dst)
{
	struct reply *r = &f->q[f->nq++];

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->seq = seq;
	assert_int_equal(addr_parse(dst, &r->probe_dst), 0);
	r->from = r->probe_dst;
	r->rx_ns = f->now + 1000;
}

static int
f_send_to(struct transport *t, const struct probe *p, const struct haddr *dst,
    int64_t *sent_ns)
{
	struct fake *f = (struct fake *)t;
	char ip[ADDR_STRLEN];

	assert_true(f->nsent < MAX_SENT);
	f->sent[f->nsent] = *p;
	f->sent_to[f->nsent++] = *dst;
	*sent_ns = f->now;
	if (f->echo && f->nq < MAX_Q)
		queue(f, REPLY_DEST, p->seq, addr_str(dst, ip, sizeof(ip)));
	return 0;
}

static int
f_recv(struct transport *t, struct reply *r, int64_t now_ns)
{
	struct fake *f = (struct fake *)t;

	(void)now_ns;
	if (f->qpos == f->nq) {
		f->qpos = f->nq = 0;
		return 0;
	}
	*r = f->q[f->qpos++];
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
    .send_to = f_send_to,
};

static void
fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->base.ops = &fake_ops;
	f->base.params.family = AF_INET;
	f->base.params.proto = PROTO_ICMP;
	f->base.params.any_target = true;
	f->clk.now_ns = fake_now;
	f->clk.ctx = f;
	f->now = 1000000000;
}

static struct haddr
ip4(const char *s)
{
	struct haddr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static void
test_mux_ranges_split_the_sequence_space(void **state)
{
	struct fake f;
	struct mux *m;

	(void)state;
	fake_init(&f);
	m = mux_new(&f.base, 1000);
	assert_non_null(m);
	assert_int_equal(mux_seq_slots(m), PACKET_SEQ_MAX / 1000);
	mux_free(m);
	/* every target must get at least 2 sequences */
	errno = 0;
	assert_null(mux_new(&f.base, PACKET_SEQ_MAX));
	assert_int_equal(errno, EINVAL);
	assert_null(mux_new(&f.base, 0));
	/* a transport that cannot send anywhere cannot be shared */
	static const struct transport_ops no_send_to = {
	    .fd = f_fd, .send = f_send, .recv = f_recv};
	struct transport t = {.ops = &no_send_to};
	errno = 0;
	assert_null(mux_new(&t, 2));
	assert_int_equal(errno, EOPNOTSUPP);
}

static void
test_mux_send_maps_sequences_and_destinations(void **state)
{
	struct fake f;
	struct mux *m;
	struct transport *a, *b;
	struct haddr ta = ip4("10.202.0.1"), tb = ip4("10.202.0.2");
	struct probe p = {.seq = 1, .flow = 0, .ttl = 3};
	int64_t sent;
	unsigned slots;

	(void)state;
	fake_init(&f);
	m = mux_new(&f.base, 2);
	slots = mux_seq_slots(m);
	a = mux_add(m, &ta);
	b = mux_add(m, &tb);
	assert_null(mux_add(m, &ta)); /* full */
	assert_true(addr_eq(&a->params.target, &ta));
	assert_false(a->params.any_target);
	assert_string_equal(b->ops->method(b), "fake");
	assert_int_equal(a->ops->send(a, &p, &sent), 0);
	assert_int_equal(b->ops->send(b, &p, &sent), 0);
	p.seq = (uint16_t)slots;
	assert_int_equal(b->ops->send(b, &p, &sent), 0);
	assert_int_equal(f.nsent, 3);
	assert_int_equal(f.sent[0].seq, 1);
	assert_true(addr_eq(&f.sent_to[0], &ta));
	assert_int_equal(f.sent[1].seq, slots + 1);
	assert_true(addr_eq(&f.sent_to[1], &tb));
	assert_int_equal(f.sent[1].ttl, 3);
	assert_int_equal(f.sent[2].seq, 2 * slots);
	/* past its range: refused, nothing sent */
	p.seq = (uint16_t)(slots + 1);
	assert_int_equal(b->ops->send(b, &p, &sent), -1);
	assert_int_equal(f.nsent, 3);
	transport_free(a); /* the mux's: a no-op */
	mux_free(m);
}

static void
test_mux_routes_replies_to_their_target(void **state)
{
	struct fake f;
	struct mux *m;
	struct transport *a, *b;
	struct haddr ta = ip4("10.202.0.1"), tb = ip4("10.202.0.2");
	struct reply r;
	unsigned slots;

	(void)state;
	fake_init(&f);
	m = mux_new(&f.base, 2);
	slots = mux_seq_slots(m);
	a = mux_add(m, &ta);
	b = mux_add(m, &tb);
	queue(&f, REPLY_TIME_EXCEEDED, (uint16_t)(slots + 3), "10.202.0.2");
	queue(&f, REPLY_DEST, 5, "10.202.0.1");
	queue(&f, REPLY_TX_STAMP, (uint16_t)(slots + 4), "0.0.0.0");
	queue(&f, REPLY_DEST, (uint16_t)(slots + 3), "10.202.0.2");
	assert_int_equal(mux_pump(m, f.now), 4);
	assert_int_equal(mux_ntouched(m), 2);
	assert_int_equal(mux_touched(m, 0), 1); /* in order of arrival */
	assert_int_equal(mux_touched(m, 1), 0);
	assert_int_equal(a->ops->recv(a, &r, f.now), 1);
	assert_int_equal(r.seq, 5);
	assert_int_equal(r.kind, REPLY_DEST);
	assert_int_equal(a->ops->recv(a, &r, f.now), 0);
	assert_int_equal(b->ops->recv(b, &r, f.now), 1);
	assert_int_equal(r.seq, 3);
	assert_int_equal(r.kind, REPLY_TIME_EXCEEDED);
	assert_int_equal(b->ops->recv(b, &r, f.now), 1);
	assert_int_equal(r.kind, REPLY_TX_STAMP); /* found by its seq */
	assert_int_equal(r.seq, 4);
	assert_int_equal(b->ops->recv(b, &r, f.now), 1);
	assert_int_equal(r.seq, 3);
	assert_int_equal(b->ops->recv(b, &r, f.now), 0);
	assert_int_equal(mux_foreign(m), 0);
	/* the next pump starts empty */
	assert_int_equal(mux_pump(m, f.now), 0);
	assert_int_equal(mux_ntouched(m), 0);
	assert_int_equal(b->ops->recv(b, &r, f.now), 0);
	mux_free(m);
}

static void
test_mux_drops_foreign_sequences(void **state)
{
	struct fake f;
	struct mux *m;
	struct transport *a, *b;
	struct haddr ta = ip4("10.202.0.1"), tb = ip4("10.202.0.2");
	struct reply r;
	unsigned slots;

	(void)state;
	fake_init(&f);
	m = mux_new(&f.base, 3); /* room for 3; 2 added */
	slots = mux_seq_slots(m);
	a = mux_add(m, &ta);
	b = mux_add(m, &tb);
	/* a's range, but a probe to b's target: crosstalk, dropped */
	queue(&f, REPLY_DEST, 7, "10.202.0.2");
	/* the unused third range, past every range, and 0 */
	queue(&f, REPLY_DEST, (uint16_t)(2 * slots + 1), "10.202.0.1");
	queue(&f, REPLY_DEST, 0xffff, "10.202.0.1");
	queue(&f, REPLY_DEST, 0, "10.202.0.1");
	/* a probe to a third address in b's range */
	queue(&f, REPLY_TIME_EXCEEDED, (uint16_t)(slots + 1), "10.202.0.9");
	assert_int_equal(mux_pump(m, f.now), 5);
	assert_int_equal(mux_foreign(m), 5);
	assert_int_equal(mux_ntouched(m), 0);
	assert_int_equal(a->ops->recv(a, &r, f.now), 0);
	assert_int_equal(b->ops->recv(b, &r, f.now), 0);
	mux_free(m);
}

/* Pings: an Echo Reply from the hop a target pinged reaches it. */
static void
test_mux_ping_replies_reach_the_pinger(void **state)
{
	struct fake f;
	struct mux *m;
	struct transport *a, *b;
	struct haddr ta = ip4("10.202.0.1"), tb = ip4("10.202.0.2");
	struct haddr hop = ip4("10.201.3.2");
	struct reply r;
	int64_t sent;

	(void)state;
	fake_init(&f);
	m = mux_new(&f.base, 2);
	a = mux_add(m, &ta);
	b = mux_add(m, &tb);
	/* no send_ping on the fake: refused, but the address is kept only
	 * when the ping went out */
	assert_int_equal(b->ops->send_ping(b, &hop, 2, &sent), -1);
	queue(&f, REPLY_DEST, (uint16_t)(mux_seq_slots(m) + 2), "10.201.3.2");
	mux_pump(m, f.now);
	assert_int_equal(mux_foreign(m), 1);
	assert_int_equal(b->ops->recv(b, &r, f.now), 0);
	(void)a;
	mux_free(m);
}

/*
 * First cycles spread over the interval in at most FLEET_SLOTS slots, none
 * shorter than FLEET_SLOT_MIN_NS; a large fleet keeps a shorter history.
 */
static void
test_fleet_start_delay_table(void **state)
{
	static const struct {
		int64_t interval_ms;
		size_t i, n;
		int64_t want_ms;
	} cases[] = {
	    {1000, 0, 1, 0},
	    {1000, 1, 4, 250},
	    {1000, 3, 4, 750},
	    {1000, 9, 1000, 0}, /* 100 slots of 10 ms */
	    {1000, 10, 1000, 10},
	    {1000, 999, 1000, 990},
	    {100, 50, 1000, 5}, /* 20 slots of 5 ms */
	    {100, 999, 1000, 95},
	    {10, 1, 3, 0}, /* 2 slots of 5 ms */
	    {10, 2, 3, 5},
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		assert_int_equal(
		    fleet_start_delay(cases[k].interval_ms * NS_PER_MS,
		        cases[k].i, cases[k].n),
		    cases[k].want_ms * NS_PER_MS);
	assert_int_equal(fleet_history_len(1), 0);
	assert_int_equal(fleet_history_len(2), 256);
	assert_int_equal(fleet_history_len(100), 256);
	assert_int_equal(fleet_history_len(101), 32);
}

/*
 * A fleet of 20 targets over one mux: each engine's first cycle is spread
 * over the interval; every probe is answered by its own destination; each
 * path learns its own destination at TTL 1 and counts only its replies.
 */
static void
test_fleet_over_mux_no_crosstalk(void **state)
{
	enum { N = 20 };
	struct fake f;
	struct fleet *fl = fleet_new(N);
	struct mux *m;
	struct engine_config c;
	char ip[32];
	int64_t start;

	(void)state;
	fake_init(&f);
	f.echo = true;
	m = mux_new(&f.base, N);
	fleet_set_shared(fl, NULL, m);
	memset(&c, 0, sizeof(c));
	c.first_ttl = 1;
	c.max_ttl = 4;
	c.probes = 1;
	c.flows = 1;
	c.interval_ns = NS_PER_S;
	c.timeout_ns = 2 * NS_PER_S;
	c.count = 3;
	c.seq_slots = mux_seq_slots(m);
	start = f.now;
	for (int i = 0; i < N; i++) {
		struct fleet_target *t;
		struct haddr a;

		snprintf(ip, sizeof(ip), "10.202.0.%d", i + 1);
		a = ip4(ip);
		t = fleet_add(fl, ip);
		t->t = mux_add(m, &a);
		t->p = path_new(&a, 1, 4);
		c.start_delay_ns = i * (NS_PER_S / N);
		t->e = engine_new(&c, t->t, t->p, &f.clk);
	}
	/* run 4 s in 1 ms steps */
	for (int step = 0; step < 4000 && !fleet_done(fl); step++) {
		fleet_run_due(fl, f.now);
		fleet_read_replies(fl, f.now);
		if (step < 1000 && f.nsent > 0 && step % 50 == 0) {
			/* by t = step ms, only the targets whose start was due
			 */
			int started = 0;

			for (int i = 0; i < N; i++)
				started += fleet_target(fl, i)->p->cycles > 0;
			assert_int_equal(started, step / 50 + 1);
		}
		f.now += NS_PER_MS;
	}
	assert_true(fleet_done(fl));
	assert_true(f.now - start < 4 * NS_PER_S);
	assert_int_equal(mux_foreign(m), 0);
	for (int i = 0; i < N; i++) {
		const struct path *p = fleet_target(fl, i)->p;
		const struct hop *h = path_hop(p, 1);

		snprintf(ip, sizeof(ip), "10.202.0.%d", i + 1);
		assert_int_equal(p->dest_ttl, 1);
		assert_int_equal(h->st.received, 3);
		assert_int_equal(h->nresp, 1);
		assert_true(addr_eq(&h->resp[0].addr, &p->target));
		assert_string_equal(fleet_target(fl, i)->name, ip);
	}
	fleet_free(fl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mux_ranges_split_the_sequence_space),
	    cmocka_unit_test(test_mux_send_maps_sequences_and_destinations),
	    cmocka_unit_test(test_mux_routes_replies_to_their_target),
	    cmocka_unit_test(test_mux_drops_foreign_sequences),
	    cmocka_unit_test(test_mux_ping_replies_reach_the_pinger),
	    cmocka_unit_test(test_fleet_over_mux_no_crosstalk),
	    cmocka_unit_test(test_fleet_start_delay_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
