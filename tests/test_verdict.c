/*
 * Unit tests for verdict: Wilson intervals worked out independently (a
 * short Python script: the formula in verdict.h), tables of counts with
 * the causes they must give, and the words fronts show.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hoptop/verdict.h"

#define MS 1000000LL

struct wilson_case {
	uint32_t k, n;
	double low, high;
};

static const struct wilson_case wilson_cases[] = {
    {0, 10, 0.0, 0.3988858710},
    {10, 10, 0.6011141290, 1.0},
    {5, 10, 0.1842129392, 0.8157870608},
    {1, 10, 0.0118502538, 0.5072584430},
    {20, 100, 0.1171546786, 0.3201823742},
    {3, 100, 0.0076115661, 0.1108831500},
    {2, 100, 0.0039145273, 0.0958247572},
    {1, 20, 0.0058971295, 0.3183200437},
    {40, 50, 0.6234924438, 0.9062080763},
    {0, 0, 0.0, 1.0},
};

static void
test_verdict_wilson_golden(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(wilson_cases) / sizeof(wilson_cases[0]);
	     i++) {
		const struct wilson_case *c = &wilson_cases[i];
		double lo, hi;

		verdict_wilson(c->k, c->n, VERDICT_Z, &lo, &hi);
		if (fabs(lo - c->low) > 1e-9 || fabs(hi - c->high) > 1e-9)
			fail_msg("%u/%u: [%.10f, %.10f], want [%.10f, %.10f]",
			    c->k, c->n, lo, hi, c->low, c->high);
	}
}

/* Six hops, TTL 1..6; R = 6 unless ref says otherwise. */
struct count_case {
	const char *name;
	uint32_t n[7], k[7];
	int ref;
	const char *causes; /* per TTL 1..6: ' ' none, R, F, ? */
	enum verdict_kind kind;
	int from_ttl;
	int nreply;
};

#define N100                                    \
	{                                       \
		0, 100, 100, 100, 100, 100, 100 \
	}

static const struct count_case count_cases[] = {
    {"clean path", N100, {0}, 6, "      ", VERDICT_NONE, 0, 0},
    {"rate-limited hop 3", N100, {0, 0, 0, 40, 0, 0, 0}, 6, "  R   ",
        VERDICT_NONE, 0, 1},
    {"hop 3 drops 40% of its replies, 50 probes", {0, 50, 50, 50, 50, 50, 50},
        {0, 0, 0, 20, 0, 0, 0}, 6, "  R   ", VERDICT_NONE, 0, 1},
    {"forward loss from hop 4", N100, {0, 0, 0, 0, 20, 21, 19}, 6, "   FFF",
        VERDICT_FORWARD, 4, 0},
    {"forward loss, rate-limited hop 5 downstream", N100,
        {0, 0, 0, 0, 20, 60, 19}, 6, "   FRF", VERDICT_FORWARD, 4, 1},
    {"rate-limited hop 2 before forward loss", N100, {0, 0, 30, 0, 20, 20, 21},
        6, " R FFF", VERDICT_FORWARD, 4, 1},
    {"silent hop 3", N100, {0, 0, 0, 100, 0, 0, 0}, 6, "  R   ", VERDICT_NONE,
        0, 1},
    {"too few probes", {0, 5, 5, 5, 5, 5, 5}, {0, 0, 0, 3, 0, 0, 2}, 6,
        "??????", VERDICT_UNKNOWN, 0, 0},
    {"one lost probe is none", N100, {0, 0, 0, 0, 0, 0, 1}, 6, "      ",
        VERDICT_NONE, 0, 0},
    {"one of 20 is none", {0, 20, 20, 20, 20, 20, 20}, {0, 0, 0, 1, 0, 0, 1}, 6,
        "      ", VERDICT_NONE, 0, 0},
    {"loss too small to call", N100, {0, 0, 0, 1, 1, 0, 2}, 6, "      ",
        VERDICT_NONE, 0, 0},
    {"loss on the last link only", N100, {0, 0, 0, 0, 0, 0, 15}, 6, "     F",
        VERDICT_FORWARD, 6, 0},
    {"hop with too few is skipped", {0, 100, 100, 5, 100, 100, 100},
        {0, 0, 0, 5, 20, 20, 20}, 6, "  ?FFF", VERDICT_FORWARD, 4, 0},
    {"a clean hop after a lossy one: reply", N100, {0, 0, 0, 20, 0, 20, 20}, 6,
        "  R FF", VERDICT_FORWARD, 5, 1},
    {"no reference: lossy hops unknown", N100, {0, 0, 0, 20, 0, 0, 0}, 0,
        "  ?   ", VERDICT_UNKNOWN, 0, 0},
    {"reference with too few", {0, 100, 100, 100, 100, 100, 4},
        {0, 0, 0, 20, 0, 0, 0}, 6, "  R  ?", VERDICT_UNKNOWN, 0, 1},
    {"destination clean with 10 probes", {0, 100, 100, 100, 100, 100, 10},
        {0, 0, 0, 0, 0, 0, 0}, 6, "      ", VERDICT_NONE, 0, 0},
    {"lossy destination, undecided: not clearly less, R lossy",
        {0, 20, 20, 20, 20, 20, 20}, {0, 0, 0, 0, 0, 6, 2}, 6, "    FF",
        VERDICT_FORWARD, 5, 0},
    {"lossy hop 5, destination clean with few: unknown",
        {0, 20, 20, 20, 20, 20, 10}, {0, 0, 0, 0, 0, 6, 0}, 6, "    ? ",
        VERDICT_NONE, 0, 0},
};

static void
check_case(const struct count_case *c, const struct verdict *v)
{
	char got[8] = "";

	for (int ttl = 1; ttl <= 6; ttl++)
		got[ttl - 1] = verdict_cause_letter(v->hop[ttl].cause);
	if (strcmp(got, c->causes) != 0)
		fail_msg(
		    "%s: causes \"%s\", want \"%s\"", c->name, got, c->causes);
	if (v->kind != c->kind || v->from_ttl != c->from_ttl ||
	    v->nreply != c->nreply)
		fail_msg("%s: kind %d from %d reply %d, want %d %d %d", c->name,
		    v->kind, v->from_ttl, v->nreply, c->kind, c->from_ttl,
		    c->nreply);
}

static void
test_verdict_counts_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]);
	     i++) {
		const struct count_case *c = &count_cases[i];
		struct verdict v;

		verdict_counts(&v, 1, 6, c->ref, c->n, c->k);
		check_case(c, &v);
	}
}

/* The forward verdict carries R's numbers, not the start hop's. */
static void
test_verdict_counts_forward_numbers(void **state)
{
	static const uint32_t n[7] = N100, k[7] = {0, 0, 0, 0, 30, 20, 20};
	struct verdict v;

	(void)state;
	verdict_counts(&v, 1, 6, 6, n, k);
	assert_int_equal(v.kind, VERDICT_FORWARD);
	assert_int_equal(v.from_ttl, 4);
	assert_true(fabs(v.loss - 0.20) < 1e-12);
	assert_true(fabs(v.low - 0.1171546786) < 1e-9);
	assert_true(fabs(v.high - 0.3201823742) < 1e-9);
	assert_true(fabs(v.hop[4].loss - 0.30) < 1e-12);
	assert_true(verdict_forward_loss_ratio(&v) == v.loss);
	v.kind = VERDICT_NONE;
	assert_true(verdict_forward_loss_ratio(&v) == 0.0);
}

/* A path built by path writers: hop k answers, rtt 1 ms. */
static struct path *
make_path(int hops, const int *lost_of_100, int cycles)
{
	struct haddr t, r;
	struct path *p;
	char a[32];

	addr_parse("10.78.9.1", &t);
	p = path_new(&t, 1, 30);
	for (int c = 0; c < cycles; c++) {
		for (int ttl = 1; ttl <= hops; ttl++) {
			bool dest = ttl == hops;

			snprintf(a, sizeof(a), "10.78.%d.1", ttl);
			addr_parse(a, &r);
			path_probe_sent(p, ttl);
			if (c % 100 < lost_of_100[ttl])
				path_loss(p, ttl, c * 1000 * MS, 1);
			else
				path_reply(p, ttl, dest ? &t : &r,
				    c * 1000 * MS, MS, 1, 0, dest, NULL);
		}
	}
	return p;
}

static void
test_verdict_path_describe(void **state)
{
	static const int fwd[7] = {0, 0, 0, 0, 0, 0, 0};
	static const int lim[7] = {0, 0, 0, 0, 40, 0, 0};
	static const int both[7] = {0, 0, 0, 20, 20, 60, 20};
	struct verdict v;
	struct path *p;
	char buf[160];

	(void)state;
	p = make_path(6, fwd, 100);
	verdict_path(p, &v);
	assert_string_equal(
	    verdict_describe(&v, p, buf, sizeof(buf)), "no forwarding loss");
	path_free(p);
	p = make_path(6, lim, 100);
	verdict_path(p, &v);
	assert_string_equal(verdict_describe(&v, p, buf, sizeof(buf)),
	    "no forwarding loss; hop 4 limits its replies");
	assert_string_equal(verdict_explain_hop(&v, 4, buf, sizeof(buf)),
	    "reply loss: 40 of 100 lost (40.0%, 99% interval 28.4-52.9%); hop "
	    "5 "
	    "loses clearly less (at most 6.2%): probes pass, replies are "
	    "lost");
	path_free(p);
	p = make_path(6, both, 100);
	verdict_path(p, &v);
	assert_string_equal(verdict_describe(&v, p, buf, sizeof(buf)),
	    "forwarding loss 20.0% from hop 3 (10.78.3.1); hop 5 limits its "
	    "replies");
	path_free(p);
	p = make_path(6, both, 5);
	verdict_path(p, &v);
	assert_string_equal(verdict_describe(&v, p, buf, sizeof(buf)),
	    "too few probes to tell yet");
	assert_string_equal(verdict_explain_hop(&v, 3, buf, sizeof(buf)),
	    "undecided: 5 settled probes, 10 needed");
	path_free(p);
}

/* In-flight probes are not counted; the destination unknown: R is the
 * last hop that answered. */
static void
test_verdict_path_pending_and_no_dest(void **state)
{
	struct haddr t, r;
	struct path *p;
	struct verdict v;

	(void)state;
	addr_parse("10.78.9.1", &t);
	addr_parse("10.78.1.1", &r);
	p = path_new(&t, 1, 30);
	for (int c = 0; c < 50; c++) {
		path_probe_sent(p, 1);
		path_probe_sent(p, 1); /* never settled */
		path_reply(p, 1, &r, c * MS, MS, 1, 0, false, NULL);
		path_probe_sent(p, 2);
		path_loss(p, 2, c * MS, 2);
	}
	verdict_path(p, &v);
	assert_int_equal(v.hop[1].n, 50);
	assert_int_equal(v.hop[1].lost, 0);
	assert_int_equal(v.ref_ttl, 1);
	assert_int_equal(v.last_ttl, 2);
	assert_int_equal(v.hop[1].cause, CAUSE_NONE);
	assert_int_equal(v.hop[2].cause, CAUSE_UNKNOWN); /* past R */
	assert_int_equal(v.kind, VERDICT_NONE);
	path_free(p);
}

static void
test_verdict_event_text(void **state)
{
	struct haddr t, a, b;
	struct path *p;
	const struct path_event *ev;
	char buf[200];

	(void)state;
	addr_parse("10.78.9.1", &t);
	addr_parse("10.78.4.1", &a);
	addr_parse("10.78.34.1", &b);
	p = path_new(&t, 1, 30);
	/* 2026-12-02T12:03:04.5Z at monotonic 0 */
	p->wall_offset_ns = 1796212984500LL * MS;
	for (unsigned c = 1; c <= 6; c++) {
		p->cycles = c;
		path_reply(p, 4, c <= 3 ? &a : &b, c * 1000 * MS, MS, 1, 0,
		    false, NULL);
		path_reply(p, 5, c <= 3 ? &a : &t, c * 1000 * MS, 2 * MS, 1, 0,
		    false, NULL);
	}
	ev = path_last_timeline_event(p);
	assert_non_null(ev);
	assert_string_equal(verdict_event_line(p, ev, buf, sizeof(buf)),
	    "2026-12-02T12:03:08.502Z route_change ttl 5: 10.78.4.1 -> "
	    "10.78.9.1");
	assert_string_equal(
	    verdict_event_json(p, path_event(p, 1), buf, sizeof(buf)),
	    "{\"time\": \"2026-12-02T12:03:08.501Z\", \"kind\": "
	    "\"route_change\", \"ttl\": 4, \"from\": \"10.78.4.1\", \"to\": "
	    "\"10.78.34.1\"}");
	assert_string_equal(verdict_latest_event(p, buf, sizeof(buf)),
	    "route changed 12:03:08 at hops 4-5");
	path_free(p);
}

static void
test_verdict_format_time(void **state)
{
	char buf[40];

	(void)state;
	assert_string_equal(verdict_format_time(0, true, buf, sizeof(buf)),
	    "1970-01-01T00:00:00.000Z");
	assert_string_equal(
	    verdict_format_time(-1 * MS, true, buf, sizeof(buf)),
	    "1969-12-31T23:59:59.999Z");
	assert_string_equal(
	    verdict_format_time(3723004 * MS, false, buf, sizeof(buf)),
	    "01:02:03");
}

static void
test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(verdict_cause_name(CAUSE_NONE), "none");
	assert_string_equal(verdict_cause_name(CAUSE_REPLY), "reply");
	assert_string_equal(verdict_cause_name(CAUSE_FORWARD), "forward");
	assert_string_equal(verdict_cause_name(CAUSE_UNKNOWN), "unknown");
	assert_string_equal(
	    verdict_event_kind_name(EV_DEST_TTL), "destination_change");
	assert_string_equal(verdict_event_kind_name(EV_LOSS_END), "loss_end");
	assert_null(verdict_event_kind_name(EV_NEW_RESPONDER));
}

/* The status line: a path that grew names the route change with it; loss
 * episodes say since when. */
static void
test_verdict_latest_event_words(void **state)
{
	struct haddr t, a, b, r4;
	struct path *p;
	char buf[200];

	(void)state;
	addr_parse("10.78.9.1", &t);
	addr_parse("10.78.3.1", &a);
	addr_parse("10.78.33.1", &b);
	addr_parse("10.78.4.1", &r4);
	p = path_new(&t, 1, 30);
	p->wall_offset_ns = 1796212984500LL * MS; /* 12:03:04.5 at 0 */
	assert_string_equal(verdict_latest_event(p, buf, sizeof(buf)), "");
	for (unsigned c = 1; c <= 8; c++) {
		int64_t at = c * 1000 * MS;

		p->cycles = c;
		path_reply(p, 3, c <= 3 ? &a : &b, at, MS, 1, 0, false, NULL);
		if (c <= 4)
			path_reply(p, 4, &t, at, 2 * MS, 1, 0, true, NULL);
		else if (c == 5) /* the old target TTL now expires: grew */
			path_reply(p, 4, &r4, at, 2 * MS, 1, 0, false, NULL);
		else
			path_reply(p, 5, &t, at, 3 * MS, 1, 0, true, NULL);
	}
	assert_string_equal(verdict_latest_event(p, buf, sizeof(buf)),
	    "route changed 12:03:08 at hop 3; path grew to 5 hops at "
	    "12:03:10");
	for (int i = 9; i < 14; i++)
		path_loss(p, 5, i * 1000 * MS, 1);
	assert_string_equal(verdict_latest_event(p, buf, sizeof(buf)),
	    "destination lost since 12:03:13");
	for (int i = 14; i < 17; i++)
		path_reply(p, 5, &t, i * 1000 * MS, 3 * MS, 1, 0, true, NULL);
	assert_string_equal(verdict_latest_event(p, buf, sizeof(buf)),
	    "destination answers again since 12:03:18");
	assert_string_equal(verdict_event_line(p, path_last_timeline_event(p),
	                        buf, sizeof(buf)),
	    "2026-12-02T12:03:18.503Z loss_end ttl 5: lost -> reply");
	path_free(p);
}

static void
test_verdict_ping_text(void **state)
{
	struct haddr t, a;
	struct path *p;
	char buf[200];

	(void)state;
	addr_parse("10.78.9.1", &t);
	addr_parse("10.78.3.1", &a);
	p = path_new(&t, 1, 30);
	assert_string_equal(
	    verdict_ping_text(path_hop(p, 3), true, buf, sizeof(buf)), "");
	path_probe_sent(p, 3);
	path_loss(p, 3, 0, 1);
	for (int i = 0; i < 4; i++)
		path_ping_sent(p, 3, &a);
	path_ping_loss(p, 3);
	path_ping_reply(p, 3, 8 * MS);
	assert_string_equal(
	    verdict_ping_text(path_hop(p, 3), true, buf, sizeof(buf)),
	    "[ping 50.0% 8.0ms]");
	assert_string_equal(
	    verdict_ping_text(path_hop(p, 3), false, buf, sizeof(buf)),
	    "ping 10.78.3.1: 50.0% of 2 lost, avg 8.0 ms (Time Exceeded: "
	    "100.0% lost)");
	path_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verdict_wilson_golden),
	    cmocka_unit_test(test_verdict_counts_table),
	    cmocka_unit_test(test_verdict_counts_forward_numbers),
	    cmocka_unit_test(test_verdict_path_describe),
	    cmocka_unit_test(test_verdict_path_pending_and_no_dest),
	    cmocka_unit_test(test_verdict_event_text),
	    cmocka_unit_test(test_verdict_format_time),
	    cmocka_unit_test(test_verdict_names),
	    cmocka_unit_test(test_verdict_latest_event_words),
	    cmocka_unit_test(test_verdict_ping_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
