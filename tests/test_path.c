/* Unit tests for path: tables of probe / reply / loss sequences. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hoptop/path.h"

#define MS 1000000LL

enum op { END = 0, SENT, REPLY, DEST, LOSS };

struct step {
	enum op op;
	int ttl;
	const char *from; /* REPLY / DEST */
};

struct dest_case {
	const char *name;
	struct step steps[12];
	int dest_ttl;
	unsigned nevents;   /* EV_DEST_CHANGED events */
	int ev_old, ev_new; /* the newest of them, if any */
	int last_ttl;
};

#define R(t, a)             \
	{                   \
		REPLY, t, a \
	}
#define D(t)                          \
	{                             \
		DEST, t, "192.0.2.99" \
	}

static const struct dest_case dest_cases[] = {
    {"learn", {R(1, "10.0.0.1"), R(2, "10.0.0.2"), D(3)}, 3, 0, 0, 0, 3},
    {"learn out of order", {D(3), R(1, "10.0.0.1")}, 3, 0, 0, 0, 3},
    {"lower", {D(5), D(4)}, 4, 1, 5, 4, 4},
    {"higher is ignored", {D(4), D(6), D(5)}, 4, 0, 0, 0, 4},
    {"same is no event", {D(4), D(4), R(3, "10.0.0.3")}, 4, 0, 0, 0, 4},
    {"forget on time exceeded at dest ttl", {D(4), R(4, "10.0.0.4")}, 0, 1, 4,
        0, 5},
    {"forget on time exceeded beyond", {D(4), R(6, "10.0.0.6")}, 0, 1, 4, 0, 7},
    {"below dest keeps it", {D(4), R(3, "10.0.0.3")}, 4, 0, 0, 0, 4},
    {"relearn after forget", {D(4), R(5, "10.0.0.5"), D(6)}, 6, 1, 4, 0, 6},
    {"forget then lower", {D(4), R(4, "10.0.0.4"), D(6), D(5)}, 5, 2, 6, 5, 5},
    {"nothing answered", {{SENT, 1, NULL}, {SENT, 2, NULL}, {LOSS, 1, NULL}}, 0,
        0, 0, 0, 1},
    {"no dest: last answer plus one", {R(1, "10.0.0.1"), R(3, "10.0.0.3")}, 0,
        0, 0, 0, 4},
    {"no dest: answer at max ttl", {R(10, "10.0.0.10")}, 0, 0, 0, 0, 10},
    {"no dest: one device at every ttl from 3 folds",
        {R(1, "10.0.0.1"), R(3, "10.0.0.9"), R(4, "10.0.0.9"), R(5, "10.0.0.9"),
            R(6, "10.0.0.9")},
        0, 0, 0, 0, 3},
    {"no dest: two alike at the end do not fold",
        {R(1, "10.0.0.1"), R(3, "10.0.0.9"), R(4, "10.0.0.9")}, 0, 0, 0, 0, 5},
    {"no dest: a gap breaks the run",
        {R(3, "10.0.0.9"), R(5, "10.0.0.9"), R(6, "10.0.0.9")}, 0, 0, 0, 0, 7},
    {"ttl out of range ignored", {R(0, "10.0.0.1"), R(11, "10.0.0.1")}, 0, 0, 0,
        0, 1},
};

static struct haddr
A(const char *s) {
	struct haddr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static void
run_steps(struct path *p, const struct step *st)
{
	for (int i = 0; st[i].op != END; i++) {
		struct haddr from;

		switch (st[i].op) {
		case SENT:
			path_probe_sent(p, st[i].ttl);
			break;
		case REPLY:
		case DEST:
			from = A(st[i].from);
			path_reply(p, st[i].ttl, &from, i * MS, 5 * MS,
			    (uint16_t)(i + 1), 0, st[i].op == DEST, NULL);
			break;
		case LOSS:
			path_loss(p, st[i].ttl, i * MS, (uint16_t)(i + 1));
			break;
		case END:
			break;
		}
	}
}

static void
test_path_reply_dest_table(void **state)
{
	struct haddr target = A("192.0.2.99");

	(void)state;
	for (size_t i = 0; i < sizeof(dest_cases) / sizeof(dest_cases[0]);
	     i++) {
		const struct dest_case *c = &dest_cases[i];
		struct path *p = path_new(&target, 1, 10);
		const struct path_event *ev = NULL;
		unsigned n = 0;

		run_steps(p, c->steps);
		for (unsigned k = 0; path_event(p, k) != NULL; k++) {
			if (path_event(p, k)->kind != EV_DEST_CHANGED)
				continue;
			if (n++ == 0)
				ev = path_event(p, k);
		}
		if (p->dest_ttl != c->dest_ttl || n != c->nevents ||
		    path_last_ttl(p) != c->last_ttl)
			fail_msg("%s: dest %d events %u last %d, want %d %u %d",
			    c->name, p->dest_ttl, n, path_last_ttl(p),
			    c->dest_ttl, c->nevents, c->last_ttl);
		if (c->nevents > 0) {
			assert_non_null(ev);
			assert_int_equal(ev->kind, EV_DEST_CHANGED);
			assert_int_equal(ev->old_dest_ttl, c->ev_old);
			assert_int_equal(ev->new_dest_ttl, c->ev_new);
		} else {
			assert_null(ev);
		}
		path_free(p);
	}
}

static void
test_path_new_rejects_bad_ttls(void **state)
{
	static const int bad[][2] = {{0, 10}, {5, 4}, {1, 0}, {1, 256}};
	struct path *p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(path_new(NULL, bad[i][0], bad[i][1]));
		assert_int_equal(errno, EINVAL);
	}
	p = path_new(NULL, 255, 255);
	assert_non_null(p);
	assert_int_equal(p->hops[255].ttl, 255);
	assert_int_equal(p->target.family, AF_UNSPEC);
	path_free(p);
	path_free(NULL);
}

static void
test_path_last_ttl_first_ttl_floor(void **state)
{
	struct path *p = path_new(NULL, 5, 30);
	struct haddr a = A("10.0.0.7");

	(void)state;
	assert_int_equal(path_last_ttl(p), 5);
	path_reply(p, 7, &a, 0, MS, 1, 0, false, NULL);
	assert_int_equal(path_last_ttl(p), 8);
	path_free(p);
}

static void
test_path_reply_multiple_responders(void **state)
{
	struct path *p = path_new(NULL, 1, 10);
	struct haddr a = A("10.0.0.1"), b = A("10.0.0.2");
	const struct hop *h;
	const struct path_event *ev;
	char buf[ADDR_STRLEN];

	(void)state;
	path_probe_sent(p, 2);
	path_reply(p, 2, &a, 100 * MS, 10 * MS, 1, 0, false, NULL);
	path_probe_sent(p, 2);
	path_reply(p, 2, &a, 200 * MS, 20 * MS, 2, 3, false, NULL);
	path_probe_sent(p, 2);
	path_reply(p, 2, &b, 300 * MS, 30 * MS, 3, 1, false, NULL);
	path_reply(p, 2, &b, 400 * MS, 40 * MS, 4, 1, false, NULL);
	path_reply(p, 2, &b, 500 * MS, 50 * MS, 5, 1, false, NULL);
	h = path_hop(p, 2);
	assert_int_equal(h->nresp, 2);
	assert_int_equal(h->st.sent, 3);
	assert_int_equal(h->st.received, 5);
	assert_int_equal(h->resp[0].st.received, 2);
	assert_int_equal(h->resp[0].st.sent, 0);
	assert_int_equal(h->resp[0].flows, (1u << 0) | (1u << 3));
	/* each responder's own RTTs: a's 10 and 20 ms, b's 30, 40, 50 */
	assert_int_equal(h->resp[0].st.best_ns, 10 * MS);
	assert_int_equal(h->resp[0].st.worst_ns, 20 * MS);
	assert_int_equal(h->resp[0].st.last_ns, 20 * MS);
	assert_int_equal(h->resp[1].st.received, 3);
	assert_int_equal(h->resp[1].st.best_ns, 30 * MS);
	assert_int_equal(h->resp[1].st.last_ns, 50 * MS);
	assert_true(h->resp[0].st.mean_ns == 15.0 * MS);
	assert_int_equal(h->resp[1].flows, 1u << 1);
	assert_string_equal(
	    addr_str(&hop_main_responder(h)->addr, buf, sizeof(buf)),
	    "10.0.0.2");
	/* One event: the second address at a hop that had answered. */
	assert_int_equal(p->nevents, 1);
	ev = path_event(p, 0);
	assert_int_equal(ev->kind, EV_NEW_RESPONDER);
	assert_int_equal(ev->ttl, 2);
	assert_int_equal(ev->t_ns, 330 * MS);
	assert_true(addr_eq(&ev->addr, &b));
	/* History: newest first, with responder index. */
	assert_int_equal(history_len(&h->hist), 5);
	assert_int_equal(history_get(&h->hist, 0)->seq, 5);
	assert_int_equal(history_get(&h->hist, 0)->resp, 1);
	assert_int_equal(history_get(&h->hist, 0)->t_ns, 500 * MS);
	assert_int_equal(history_get(&h->hist, 0)->rtt_ns, 50 * MS);
	assert_int_equal(history_get(&h->hist, 4)->resp, 0);
	path_free(p);
}

static void
test_path_reply_seventeenth_responder(void **state)
{
	struct path *p = path_new(NULL, 1, 3);
	const struct hop *h;
	char s[32];

	(void)state;
	for (int i = 0; i < HOP_MAX_RESPONDERS + 1; i++) {
		struct haddr a;

		snprintf(s, sizeof(s), "10.1.0.%d", i + 1);
		a = A(s);
		path_reply(
		    p, 1, &a, i * MS, MS, (uint16_t)(i + 1), 0, false, NULL);
	}
	h = path_hop(p, 1);
	assert_int_equal(h->nresp, HOP_MAX_RESPONDERS);
	assert_int_equal(h->st.received, HOP_MAX_RESPONDERS + 1);
	assert_int_equal(history_get(&h->hist, 0)->resp, 0xff);
	assert_int_equal(history_get(&h->hist, 1)->resp, 15);
	/* New-responder events for the 2nd..16th addresses only. */
	assert_int_equal(p->nevents, HOP_MAX_RESPONDERS - 1);
	for (int i = 0; i < HOP_MAX_RESPONDERS; i++)
		assert_int_equal(h->resp[i].st.received, 1);
	path_free(p);
}

static void
test_path_loss_adds_lost_sample(void **state)
{
	struct path *p = path_new(NULL, 1, 5);
	const struct hop *h;

	(void)state;
	path_probe_sent(p, 3);
	path_probe_sent(p, 3);
	path_loss(p, 3, 42 * MS, 7);
	h = path_hop(p, 3);
	assert_int_equal(h->st.sent, 2);
	assert_int_equal(h->st.lost, 1);
	assert_int_equal(stats_pending(&h->st), 1);
	assert_true(stats_loss_pct(&h->st) == 100.0);
	assert_int_equal(history_get(&h->hist, 0)->rtt_ns, -1);
	assert_int_equal(history_get(&h->hist, 0)->seq, 7);
	assert_int_equal(history_get(&h->hist, 0)->t_ns, 42 * MS);
	assert_int_equal(history_get(&h->hist, 0)->resp, 0xff);
	assert_null(hop_main_responder(h));
	path_free(p);
}

static void
test_path_reply_mpls_copied(void **state)
{
	struct path *p = path_new(NULL, 1, 5);
	struct haddr a = A("2001:db8::1");
	struct mpls_stack m = {.n = 2};
	const struct responder *r;

	(void)state;
	m.l[0].label = 12345;
	m.l[1].label = 67;
	m.l[1].s = 1;
	path_reply(p, 1, &a, 0, MS, 1, 0, false, &m);
	r = &path_hop(p, 1)->resp[0];
	assert_int_equal(r->mpls.n, 2);
	assert_int_equal(r->mpls.l[0].label, 12345);
	assert_int_equal(r->mpls.l[1].s, 1);
	path_reply(p, 1, &a, 0, MS, 2, 0, false, NULL);
	assert_int_equal(r->mpls.n, 0);
	path_free(p);
}

static void
test_path_reset_clears_all(void **state)
{
	struct haddr target = A("192.0.2.99");
	struct path *p = path_new(&target, 2, 8);
	struct haddr a = A("10.0.0.2"), b = A("10.0.0.3");

	(void)state;
	p->cycles = 5;
	path_probe_sent(p, 2);
	path_reply(p, 2, &a, 0, MS, 1, 0, false, NULL);
	path_reply(p, 2, &b, 0, MS, 2, 0, false, NULL);
	path_loss(p, 3, 0, 3);
	path_reply(p, 4, &target, 0, MS, 4, 0, true, NULL);
	path_reply(p, 3, &target, 0, MS, 5, 0, true, NULL);
	assert_int_equal(p->dest_ttl, 3);
	assert_int_equal(p->nevents, 2);
	p->dirty = false;
	path_reset(p);
	assert_true(p->dirty);
	assert_int_equal(p->dest_ttl, 0);
	assert_int_equal(p->cycles, 0);
	assert_int_equal(p->nevents, 0);
	assert_null(path_event(p, 0));
	for (int ttl = 1; ttl <= 8; ttl++) {
		const struct hop *h = path_hop(p, ttl);

		assert_int_equal(h->ttl, ttl);
		assert_int_equal(h->nresp, 0);
		assert_int_equal(h->st.sent + h->st.received + h->st.lost, 0);
		assert_int_equal(h->st.last_ns, -1);
		assert_int_equal(history_len(&h->hist), 0);
	}
	assert_true(addr_eq(&p->target, &target));
	assert_int_equal(p->first_ttl, 2);
	assert_int_equal(p->max_ttl, 8);
	assert_int_equal(path_last_ttl(p), 2);
	path_free(p);
}

static void
test_path_writers_set_dirty(void **state)
{
	struct path *p = path_new(NULL, 1, 5);
	struct haddr a = A("10.0.0.1");

	(void)state;
	assert_true(p->dirty);
	p->dirty = false;
	path_probe_sent(p, 1);
	assert_true(p->dirty);
	p->dirty = false;
	path_reply(p, 1, &a, 0, MS, 1, 0, false, NULL);
	assert_true(p->dirty);
	p->dirty = false;
	path_loss(p, 1, 0, 2);
	assert_true(p->dirty);
	p->dirty = false;
	/* Readers and out-of-range writes leave it alone. */
	path_probe_sent(p, 6);
	(void)path_last_ttl(p);
	(void)path_hop(p, 1);
	assert_false(p->dirty);
	assert_null(path_hop(p, 0));
	assert_null(path_hop(p, 6));
	path_free(p);
}

static void
test_hop_main_responder_tie_first(void **state)
{
	struct path *p = path_new(NULL, 1, 5);
	struct haddr a = A("10.0.0.1"), b = A("10.0.0.2");

	(void)state;
	assert_null(hop_main_responder(path_hop(p, 1)));
	path_reply(p, 1, &a, 0, MS, 1, 0, false, NULL);
	path_reply(p, 1, &b, 0, MS, 2, 0, false, NULL);
	assert_true(addr_eq(&hop_main_responder(path_hop(p, 1))->addr, &a));
	path_reply(p, 1, &b, 0, MS, 3, 0, false, NULL);
	assert_true(addr_eq(&hop_main_responder(path_hop(p, 1))->addr, &b));
	path_free(p);
}

static void
test_path_event_ring_newest_first(void **state)
{
	struct path *p = path_new(NULL, 1, 5);
	struct haddr target = A("192.0.2.99"), r = A("10.0.0.9");

	(void)state;
	for (int i = 0; i < 40; i++) {
		path_reply(p, 5, &target, 0, MS, 1, 0, true, NULL);
		path_reply(p, 4, &target, i * MS, MS, 2, 0, true, NULL);
		path_reply(p, 4, &r, 0, MS, 3, 0, false, NULL);
	}
	/* Each pass: learn 5 (no event: unknown before), lower to 4, forget.
	 * The first pass also sees a new responder at hop 4. No answer to a
	 * probe sent after a TTL was set confirms one: no EV_DEST_TTL. */
	assert_int_equal(p->nevents, 81);
	assert_int_equal(path_event(p, 0)->new_dest_ttl, 0);
	assert_int_equal(path_event(p, 1)->new_dest_ttl, 4);
	assert_int_equal(path_event(p, 1)->t_ns, 40 * MS);
	assert_int_equal(path_event(p, 3)->t_ns, 39 * MS);
	assert_int_equal(p->nkind[EV_DEST_TTL], 0);
	assert_non_null(path_event(p, PATH_MAX_EVENTS - 1));
	assert_null(path_event(p, PATH_MAX_EVENTS));
	path_free(p);
}

/* The counters the fronts read instead of walking the hops. */
static void
test_path_counts_responders_and_answered_hops(void **state)
{
	struct haddr t = A("10.0.0.9"), a = A("10.0.0.1"), b = A("10.0.1.1");
	struct path *p = path_new(&t, 1, 10);

	(void)state;
	assert_int_equal(p->nresponders, 0);
	assert_int_equal(p->answered_hops, 0);
	path_reply(p, 1, &a, 0, MS, 1, 0, false, NULL);
	path_reply(p, 1, &a, 0, MS, 2, 0, false, NULL); /* same responder */
	assert_int_equal(p->nresponders, 1);
	assert_int_equal(p->answered_hops, 1);
	path_reply(p, 1, &b, 0, MS, 3, 0, false, NULL); /* ECMP: same hop */
	assert_int_equal(p->nresponders, 2);
	assert_int_equal(p->answered_hops, 1);
	path_loss(p, 2, 0, 4); /* a loss answers nothing */
	assert_int_equal(p->answered_hops, 1);
	path_reply(p, 3, &t, 0, MS, 5, 0, true, NULL);
	assert_int_equal(p->nresponders, 3);
	assert_int_equal(p->answered_hops, 2);
	path_reset(p);
	assert_int_equal(p->nresponders, 0);
	assert_int_equal(p->answered_hops, 0);
	path_free(p);
}

/* ---- route changes and loss episodes (timeline, with hysteresis) ---- */

struct route_case {
	const char *name;
	const char
	    *flows[3]; /* per flow: hop 3's responder per cycle; '.' lost */
	unsigned changes;
	char cur;      /* the row's responder at the end */
	int at_cycle;  /* cycle of the newest change's first reply; -1 none */
	char from, to; /* the newest change */
};

static const struct route_case route_cases[] = {
    {"steady", {"AAAAAA"}, 0, 'A', -1, 0, 0},
    {"one stray reply", {"AAABAAAA"}, 0, 'A', -1, 0, 0},
    {"two strays", {"AABBAAAA"}, 0, 'A', -1, 0, 0},
    {"change holds 3 cycles", {"AAABBB"}, 1, 'B', 3, 'A', 'B'},
    {"a loss in between", {"AAAB.BB"}, 1, 'B', 3, 'A', 'B'},
    {"change and back", {"AAABBBBAAA"}, 2, 'A', 7, 'B', 'A'},
    {"per-packet flapping", {"ABABABAB"}, 0, 'A', -1, 0, 0},
    {"ECMP: flows apart", {"AAAAAA", "BBBBBB", "CCCCCC"}, 0, 'A', -1, 0, 0},
    {"one flow moves", {"AAAAAA", "BBBCCC"}, 1, 'A', 3, 'B', 'C'},
    {"new path before any", {"...BBB"}, 0, 'B', -1, 0, 0},
};

static struct haddr
letter_addr(char c)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "10.0.3.%d", c == '.' ? 99 : c - 'A' + 1);
	return A(buf);
}

/* Runs one case: hop 3 of a path whose target is at TTL 5. */
static struct path *
run_route_case(const struct route_case *c)
{
	struct haddr target = A("192.0.2.99");
	struct path *p = path_new(&target, 1, 8);
	size_t len = strlen(c->flows[0]);

	for (size_t cy = 0; cy < len; cy++) {
		p->cycles = (unsigned)cy + 1;
		for (int f = 0; f < 3 && c->flows[f] != NULL; f++) {
			int64_t t = (int64_t)cy * 1000 * MS;
			struct haddr a = letter_addr(c->flows[f][cy]);

			path_probe_sent(p, 3);
			if (c->flows[f][cy] == '.')
				path_loss(p, 3, t, 1);
			else
				path_reply(p, 3, &a, t, MS, 1, (uint16_t)f,
				    false, NULL);
		}
	}
	return p;
}

static void
test_path_route_change_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]);
	     i++) {
		const struct route_case *c = &route_cases[i];
		struct path *p = run_route_case(c);
		const struct path_event *ev = path_last_timeline_event(p);
		const struct hop *h = path_hop(p, 3);
		struct haddr cur = letter_addr(c->cur);

		assert_int_equal(path_event_count(p, EV_ROUTE_CHANGE),
		    p->nkind[EV_ROUTE_CHANGE]);
		if (p->nkind[EV_ROUTE_CHANGE] != c->changes)
			fail_msg("%s: %u changes, want %u", c->name,
			    p->nkind[EV_ROUTE_CHANGE], c->changes);
		if (!addr_eq(&hop_current_responder(h)->addr, &cur))
			fail_msg("%s: wrong current responder", c->name);
		if (c->at_cycle < 0) {
			assert_null(ev);
		} else {
			struct haddr from = letter_addr(c->from),
			             to = letter_addr(c->to);

			assert_non_null(ev);
			assert_int_equal(ev->kind, EV_ROUTE_CHANGE);
			assert_int_equal(ev->ttl, 3);
			assert_int_equal(
			    ev->t_ns, (int64_t)c->at_cycle * 1000 * MS + MS);
			/* Stamped with the cycle that confirmed it. */
			assert_true(ev->cycle >=
			            (unsigned)c->at_cycle + PATH_ROUTE_CYCLES);
			if (!addr_eq(&ev->old_addr, &from) ||
			    !addr_eq(&ev->addr, &to))
				fail_msg("%s: wrong from/to", c->name);
		}
		path_free(p);
	}
}

/* A confirmed change restarts the current-path counts from its hop on. */
static void
test_path_route_change_restarts_counts(void **state)
{
	struct haddr target = A("192.0.2.99");
	struct path *p = path_new(&target, 1, 8);
	struct haddr a = A("10.0.0.1"), b = A("10.0.0.2"), c = A("10.0.0.3");

	(void)state;
	for (unsigned cy = 1; cy <= 6; cy++) {
		p->cycles = cy;
		path_reply(p, 1, &a, cy * MS, MS, 1, 0, false, NULL);
		path_reply(
		    p, 2, cy <= 3 ? &b : &c, cy * MS, MS, 2, 0, false, NULL);
		path_loss(p, 3, cy * MS, 3);
	}
	assert_int_equal(p->nkind[EV_ROUTE_CHANGE], 1);
	assert_int_equal(path_hop(p, 1)->cur_received, 6);
	/* Confirmed in cycle 6: hop 2 counts from there; hop 3's loss of
	 * cycle 6 came after. */
	assert_int_equal(path_hop(p, 2)->cur_received, 0);
	assert_int_equal(path_hop(p, 2)->st.received, 6);
	assert_int_equal(path_hop(p, 3)->cur_lost, 1);
	assert_int_equal(path_hop(p, 3)->st.lost, 6);
	path_free(p);
}

struct episode_case {
	const char *name;
	const char *dest;  /* per cycle at the target: r answered, x lost */
	const char *kinds; /* S = loss start, E = loss end, in order */
	int at[4];         /* cycle of each event */
};

static const struct episode_case episode_cases[] = {
    {"no loss", "rrrrrr", "", {0}},
    {"four lost are not an episode", "rrxxxxrrr", "", {0}},
    {"five lost start one", "rrxxxxxrrr", "SE", {2, 7}},
    {"not ended by two replies", "rxxxxxrrxrrr", "SE", {1, 9}},
    {"still losing", "rxxxxxxxxx", "S", {1}},
    {"two episodes", "xxxxxrrrxxxxxrrr", "SESE", {0, 5, 8, 13}},
};

static void
run_episode(struct path *p, const char *dest)
{
	struct haddr target = p->target, r1 = A("10.0.0.1");

	for (size_t cy = 0; dest[cy] != '\0'; cy++) {
		int64_t t = (int64_t)cy * 1000 * MS;

		p->cycles = (unsigned)cy + 1;
		path_reply(p, 1, &r1, t, MS, 1, 0, false, NULL);
		if (dest[cy] == 'r')
			path_reply(p, 2, &target, t, MS, 2, 0, true, NULL);
		else
			path_loss(p, 2, t, 2);
	}
}

static void
test_path_loss_episode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(episode_cases) / sizeof(episode_cases[0]);
	     i++) {
		const struct episode_case *c = &episode_cases[i];
		struct haddr target = A("192.0.2.99");
		struct path *p = path_new(&target, 1, 8);
		size_t n = strlen(c->kinds), k = 0;

		/* The destination must be known first. */
		path_reply(p, 2, &target, -5000 * MS, MS, 9, 0, true, NULL);
		run_episode(p, c->dest);
		for (unsigned j = p->nevents; j-- > 0;) {
			const struct path_event *ev = path_event(p, j);
			int64_t t;

			if (ev->kind != EV_LOSS_START &&
			    ev->kind != EV_LOSS_END)
				continue;
			if (k >= n ||
			    ev->kind != (c->kinds[k] == 'S' ? EV_LOSS_START
			                                    : EV_LOSS_END))
				fail_msg("%s: event %zu wrong", c->name, k);
			/* Start: the first lost probe's send time; end: the
			 * first answer's arrival. */
			t = (int64_t)c->at[k] * 1000 * MS +
			    (ev->kind == EV_LOSS_END ? MS : 0);
			if (ev->t_ns != t || ev->ttl != 2)
				fail_msg("%s: event %zu at %lld ttl %d",
				    c->name, k, (long long)ev->t_ns, ev->ttl);
			k++;
		}
		if (k != n)
			fail_msg("%s: %zu events, want %zu", c->name, k, n);
		path_free(p);
	}
}

/* A timeout settling an older probe after newer answers is not counted
 * into their run: the end of an episode is not undone by it. */
static void
test_path_loss_episode_send_order(void **state)
{
	struct haddr target = A("192.0.2.99");
	struct path *p = path_new(&target, 1, 8);

	(void)state;
	path_reply(p, 2, &target, 0, MS, 1, 0, true, NULL);
	for (int i = 1; i <= 5; i++)
		path_loss(p, 2, i * 1000 * MS, 2);
	assert_true(p->dest_losing);
	path_reply(p, 2, &target, 7000 * MS, MS, 3, 0, true, NULL);
	path_reply(p, 2, &target, 8000 * MS, MS, 4, 0, true, NULL);
	path_loss(p, 2, 6000 * MS, 5); /* sent before them, settled now */
	path_reply(p, 2, &target, 9000 * MS, MS, 6, 0, true, NULL);
	assert_false(p->dest_losing);
	assert_int_equal(p->nkind[EV_LOSS_END], 1);
	assert_int_equal(path_last_timeline_event(p)->t_ns, 7001 * MS);
	path_free(p);
}

/* The path grows from 2 to 4 hops: a destination_change 2 -> 4 once a
 * probe sent after it was learned confirms it; not a loss episode. */
static void
test_path_dest_ttl_event(void **state)
{
	struct haddr target = A("192.0.2.99"), r3 = A("10.0.0.3");
	struct path *p = path_new(&target, 1, 8);
	const struct path_event *ev;

	(void)state;
	path_reply(p, 3, &target, 0, MS, 1, 0, true, NULL);
	/* Refined by a probe of the same round: no event. */
	path_reply(p, 2, &target, 0, 2 * MS, 1, 0, true, NULL);
	assert_int_equal(p->dest_ttl, 2);
	path_reply(p, 2, &target, 500 * MS, MS, 1, 0, true, NULL);
	assert_int_equal(p->known_dest_ttl, 2); /* confirmed */
	path_reply(p, 3, &target, 700 * MS, MS, 1, 0, true, NULL);
	path_reply(p, 2, &r3, 800 * MS, MS, 1, 0, false, NULL);
	path_reply(p, 3, &r3, 1000 * MS, MS, 2, 0, false, NULL);
	assert_int_equal(p->dest_ttl, 0);
	assert_null(path_last_timeline_event(p)); /* forgotten: no news yet */
	path_reply(p, 4, &target, 2000 * MS, MS, 3, 0, true, NULL);
	assert_null(path_last_timeline_event(p)); /* not confirmed yet */
	path_reply(p, 4, &target, 2500 * MS, MS, 3, 0, true, NULL);
	ev = path_last_timeline_event(p);
	assert_non_null(ev);
	assert_int_equal(ev->kind, EV_DEST_TTL);
	assert_int_equal(ev->old_dest_ttl, 2);
	assert_int_equal(ev->new_dest_ttl, 4);
	assert_int_equal(ev->t_ns, 2001 * MS);
	assert_int_equal(p->nkind[EV_LOSS_START], 0);
	/* Relearning the same TTL is no event. */
	path_reply(p, 4, &r3, 3000 * MS, MS, 4, 0, false, NULL);
	path_reply(p, 4, &target, 4000 * MS, MS, 5, 0, true, NULL);
	assert_int_equal(p->nkind[EV_DEST_TTL], 1);
	path_free(p);
}

/*
 * Loss on the way: the target first answers at TTL 8 (its TTL 7 probes
 * lost), confirmed; then TTL 7 answers for the first time ever, as the
 * target. Discovery, not a change: no event, no restart of the current
 * path. But TTL 7 answering as a router first and then as the target is
 * a shorter path: an event.
 */
static void
test_path_dest_lowered_to_a_silent_ttl_is_no_change(void **state)
{
	struct haddr target = A("192.0.2.99"), r7 = A("10.0.0.7");
	struct path *p = path_new(&target, 1, 30);

	(void)state;
	for (int c = 0; c < 2; c++) {
		path_probe_sent(p, 1);
		path_reply(p, 1, &r7, c * 1000 * MS, MS, 1, 0, false, NULL);
		path_loss(p, 7, c * 1000 * MS, 2);
		path_reply(p, 8, &target, c * 1000 * MS, MS, 3, 0, true, NULL);
	}
	assert_int_equal(p->known_dest_ttl, 8);
	path_reply(p, 7, &target, 2000 * MS, MS, 4, 0, true, NULL);
	path_reply(p, 7, &target, 3000 * MS, MS, 5, 0, true, NULL);
	assert_int_equal(p->dest_ttl, 7);
	assert_int_equal(p->known_dest_ttl, 7);
	assert_int_equal(p->nkind[EV_DEST_TTL], 0);
	assert_int_equal(path_hop(p, 1)->cur_received, 2); /* no restart */
	assert_int_equal(path_hop(p, 7)->cur_lost, 2);
	path_free(p);

	p = path_new(&target, 1, 30);
	for (int c = 0; c < 2; c++) {
		path_reply(p, 7, &r7, c * 1000 * MS, MS, 2, 0, false, NULL);
		path_reply(p, 8, &target, c * 1000 * MS, MS, 3, 0, true, NULL);
	}
	path_reply(p, 7, &target, 2000 * MS, MS, 4, 0, true, NULL);
	path_reply(p, 7, &target, 3000 * MS, MS, 5, 0, true, NULL);
	assert_int_equal(p->known_dest_ttl, 7);
	assert_int_equal(p->nkind[EV_DEST_TTL], 1);
	path_free(p);
}

/* A link down answered by "network unreachable" from a router: the hop
 * counts the reply, the destination TTL stays, and at the target's TTL it
 * is an unanswered probe: a loss episode, which ends with the answers. */
static void
test_path_unreach_is_a_loss_episode(void **state)
{
	struct haddr target = A("192.0.2.99"), r2 = A("10.0.0.2");
	struct path *p = path_new(&target, 1, 8);

	(void)state;
	for (int i = 0; i < 3; i++)
		path_reply(p, 4, &target, i * 1000 * MS, MS, 1, 0, true, NULL);
	for (int i = 3; i < 9; i++)
		path_reply_unreach(p, 4, &r2, i * 1000 * MS, MS, 1, 0);
	assert_int_equal(p->dest_ttl, 4);
	assert_int_equal(path_hop(p, 4)->st.received, 9);
	assert_int_equal(path_hop(p, 4)->nresp, 2);
	assert_true(
	    addr_eq(&hop_current_responder(path_hop(p, 4))->addr, &target));
	assert_int_equal(p->nkind[EV_LOSS_START], 1);
	assert_int_equal(path_last_timeline_event(p)->t_ns, 3000 * MS);
	for (int i = 9; i < 12; i++)
		path_reply(p, 4, &target, i * 1000 * MS, MS, 1, 0, true, NULL);
	assert_int_equal(p->nkind[EV_LOSS_END], 1);
	assert_int_equal(p->nkind[EV_ROUTE_CHANGE], 0);
	assert_int_equal(p->nkind[EV_DEST_TTL], 0);
	path_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_reply_dest_table),
	    cmocka_unit_test(test_path_new_rejects_bad_ttls),
	    cmocka_unit_test(test_path_last_ttl_first_ttl_floor),
	    cmocka_unit_test(test_path_reply_multiple_responders),
	    cmocka_unit_test(test_path_reply_seventeenth_responder),
	    cmocka_unit_test(test_path_loss_adds_lost_sample),
	    cmocka_unit_test(test_path_reply_mpls_copied),
	    cmocka_unit_test(test_path_reset_clears_all),
	    cmocka_unit_test(test_path_writers_set_dirty),
	    cmocka_unit_test(test_hop_main_responder_tie_first),
	    cmocka_unit_test(test_path_event_ring_newest_first),
	    cmocka_unit_test(test_path_counts_responders_and_answered_hops),
	    cmocka_unit_test(test_path_route_change_table),
	    cmocka_unit_test(test_path_route_change_restarts_counts),
	    cmocka_unit_test(test_path_loss_episode_table),
	    cmocka_unit_test(test_path_loss_episode_send_order),
	    cmocka_unit_test(test_path_dest_ttl_event),
	    cmocka_unit_test(
	        test_path_dest_lowered_to_a_silent_ttl_is_no_change),
	    cmocka_unit_test(test_path_unreach_is_a_loss_episode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
