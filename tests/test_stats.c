/* Unit tests for stats: golden numbers worked out by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hoptop/stats.h"

#define MS 1000000LL
#define US 1000LL

struct rtt_case {
	const char *name;
	int n;
	int64_t rtt_ns[8];
	double avg_ns, stdev_ns, jitter_ns, jint_ns, jmax_ns;
	int64_t best_ns, worst_ns, last_ns;
};

/*
 * Jint by hand (J += (|D| - J) / 16):
 *   {10,20,30,40} ms: D = 10,10,10 -> 0.625, 1.2109375, 1.76025390625 ms.
 *   {10,15,12} ms:    D = 5,3      -> 0.3125, 0.48046875 ms.
 *   {40,10} ms:       D = 30       -> 1.875 ms.
 */
static const struct rtt_case rtt_cases[] = {
    {"four", 4, {10 * MS, 20 * MS, 30 * MS, 40 * MS}, 25.0 * MS,
        12.909944487358056 * MS, 10.0 * MS, 1.76025390625 * MS, 10.0 * MS,
        10 * MS, 40 * MS, 40 * MS},
    {"uneven", 3, {10 * MS, 15 * MS, 12 * MS}, 37.0 / 3.0 * MS,
        2.516611478423583 * MS, 4.0 * MS, 0.48046875 * MS, 5.0 * MS, 10 * MS,
        15 * MS, 12 * MS},
    {"falling", 2, {40 * MS, 10 * MS}, 25.0 * MS, 21.213203435596427 * MS,
        30.0 * MS, 1.875 * MS, 30.0 * MS, 10 * MS, 40 * MS, 10 * MS},
    {"single", 1, {7 * MS}, 7.0 * MS, 0.0, 0.0, 0.0, 0.0, 7 * MS, 7 * MS,
        7 * MS},
    {"microseconds", 2, {1001 * US, 1002 * US}, 1001.5 * US, 707.1067811865476,
        1000.0, 62.5, 1000.0, 1001 * US, 1002 * US, 1002 * US},
    {"negative clamps to zero", 2, {-5, 10}, 5.0, 7.0710678118654755, 10.0,
        0.625, 10.0, 0, 10, 10},
};

static void
assert_close(double got, double want, const char *what, const char *name)
{
	double tol = fabs(want) * 1e-12 + 1e-9;

	if (fabs(got - want) > tol)
		fail_msg("%s: %s = %.17g, want %.17g", name, what, got, want);
}

static void
test_stats_add_reply_golden(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rtt_cases) / sizeof(rtt_cases[0]); i++) {
		const struct rtt_case *c = &rtt_cases[i];
		struct stats s;

		stats_init(&s);
		for (int k = 0; k < c->n; k++) {
			stats_add_sent(&s);
			stats_add_reply(&s, c->rtt_ns[k]);
		}
		assert_int_equal(s.sent, c->n);
		assert_int_equal(s.received, c->n);
		assert_close(stats_avg_ns(&s), c->avg_ns, "avg", c->name);
		assert_close(stats_stdev_ns(&s), c->stdev_ns, "stdev", c->name);
		assert_close(
		    stats_jitter_ns(&s), c->jitter_ns, "jitter", c->name);
		assert_close(stats_jint_ns(&s), c->jint_ns, "jint", c->name);
		assert_close(s.jmax_ns, c->jmax_ns, "jmax", c->name);
		assert_int_equal(s.best_ns, c->best_ns);
		assert_int_equal(s.worst_ns, c->worst_ns);
		assert_int_equal(s.last_ns, c->last_ns);
		assert_close(stats_loss_pct(&s), 0.0, "loss", c->name);
	}
}

static void
test_stats_add_reply_microsecond_mean_exact(void **state)
{
	struct stats s;

	(void)state;
	stats_init(&s);
	stats_add_reply(&s, 1001 * US);
	stats_add_reply(&s, 1002 * US);
	/* Exact: no rounding to whole ms or us anywhere. */
	assert_true(stats_avg_ns(&s) == 1001500.0);
}

struct loss_case {
	uint32_t sent, received, lost;
	double loss_pct;
	uint32_t pending;
};

static const struct loss_case loss_cases[] = {
    {10, 6, 2, 25.0, 2}, /* in-flight probes are not loss */
    {0, 0, 0, 0.0, 0},   /* nothing settled */
    {5, 0, 0, 0.0, 5},   /* all in flight */
    {4, 0, 4, 100.0, 0}, {3, 2, 1, 100.0 / 3.0, 0},
    {0, 3, 0, 0.0, 0}, /* a responder: replies but no sends */
};

static void
test_stats_loss_pct_counts_settled_only(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(loss_cases) / sizeof(loss_cases[0]);
	     i++) {
		const struct loss_case *c = &loss_cases[i];
		struct stats s;

		stats_init(&s);
		for (uint32_t k = 0; k < c->sent; k++)
			stats_add_sent(&s);
		for (uint32_t k = 0; k < c->received; k++)
			stats_add_reply(&s, 5 * MS);
		for (uint32_t k = 0; k < c->lost; k++)
			stats_add_loss(&s);
		assert_close(stats_loss_pct(&s), c->loss_pct, "loss", "table");
		assert_int_equal(stats_pending(&s), c->pending);
	}
}

static void
test_stats_init_no_samples(void **state)
{
	struct stats s;

	(void)state;
	stats_init(&s);
	assert_int_equal(s.sent, 0);
	assert_int_equal(s.received, 0);
	assert_int_equal(s.lost, 0);
	assert_int_equal(s.last_ns, -1);
	assert_int_equal(s.best_ns, -1);
	assert_int_equal(s.worst_ns, -1);
	assert_true(stats_avg_ns(&s) == 0.0);
	assert_true(stats_stdev_ns(&s) == 0.0);
	assert_true(stats_jitter_ns(&s) == 0.0);
	assert_true(stats_jint_ns(&s) == 0.0);
	assert_true(stats_loss_pct(&s) == 0.0);
	assert_int_equal(stats_pending(&s), 0);
}

static void
test_stats_add_loss_keeps_jitter_between_replies(void **state)
{
	struct stats s;

	(void)state;
	stats_init(&s);
	stats_add_reply(&s, 10 * MS);
	stats_add_loss(&s);
	stats_add_reply(&s, 14 * MS);
	/* Consecutive replies: the loss in between is skipped. */
	assert_close(stats_jitter_ns(&s), 4.0 * MS, "jitter", "loss");
	assert_int_equal(s.last_ns, 14 * MS);
	assert_close(stats_loss_pct(&s), 100.0 / 3.0, "loss", "loss");
}

static void
test_stats_add_reply_million_same_no_drift(void **state)
{
	struct stats s;

	(void)state;
	stats_init(&s);
	for (int i = 0; i < 1000000; i++)
		stats_add_reply(&s, 123456789);
	assert_int_equal(s.received, 1000000);
	assert_true(stats_avg_ns(&s) == 123456789.0);
	assert_true(stats_stdev_ns(&s) == 0.0);
	assert_true(stats_jitter_ns(&s) == 0.0);
}

static void
test_stats_add_reply_million_alternating(void **state)
{
	struct stats s;
	(void)state;
	stats_init(&s);
	for (int i = 0; i < 1000000; i++)
		stats_add_reply(&s, (i % 2) ? 3 * MS : 1 * MS);
	/* Population stdev is exactly 1 ms; sample stdev scales it. */
	assert_true(fabs(stats_avg_ns(&s) - 2.0 * MS) < 1e-6);
	assert_true(fabs(stats_stdev_ns(&s) - MS * 1.000000500000375) < 1e-3);
	assert_true(fabs(stats_jitter_ns(&s) - 2.0 * MS) < 1e-6);
	assert_true(fabs(stats_jint_ns(&s) - 2.0 * MS) < 1e-3);
}

static void
test_history_get_newest_first(void **state)
{
	struct history h;
	struct sample smp = {0};

	(void)state;
	history_init(&h);
	assert_int_equal(history_len(&h), 0);
	assert_null(history_get(&h, 0));
	for (int i = 0; i < 3; i++) {
		smp.seq = (uint16_t)(i + 1);
		smp.rtt_ns = i == 1 ? -1 : i * MS;
		history_add(&h, &smp);
	}
	assert_int_equal(history_len(&h), 3);
	assert_int_equal(history_get(&h, 0)->seq, 3);
	assert_int_equal(history_get(&h, 1)->seq, 2);
	assert_int_equal(history_get(&h, 1)->rtt_ns, -1);
	assert_int_equal(history_get(&h, 2)->seq, 1);
	assert_null(history_get(&h, 3));
	history_free(&h);
}

/* A short ring (fleets): rounded up to a power of 2, grown as it fills. */
static void
test_history_short_ring_wraps(void **state)
{
	struct history h;
	struct sample smp = {0};

	(void)state;
	history_init_len(&h, 50); /* 64 */
	assert_int_equal(h.cap, 64);
	assert_int_equal(h.alloc, 0);
	for (int i = 0; i < 9; i++) {
		smp.seq = (uint16_t)i;
		history_add(&h, &smp);
	}
	assert_int_equal(h.alloc, 16); /* 8, then 16 */
	assert_int_equal(history_get(&h, 8)->seq, 0);
	for (int i = 9; i < 200; i++) {
		smp.seq = (uint16_t)i;
		history_add(&h, &smp);
	}
	assert_int_equal(h.alloc, 64);
	assert_int_equal(history_len(&h), 64);
	assert_int_equal(history_get(&h, 0)->seq, 199);
	assert_int_equal(history_get(&h, 63)->seq, 136);
	assert_null(history_get(&h, 64));
	history_free(&h);
	assert_int_equal(history_len(&h), 0);
	assert_int_equal(h.cap, 64);
	history_init_len(&h, 1); /* at least 8 */
	assert_int_equal(h.cap, 8);
	history_init_len(&h, 100000); /* at most STATS_HISTORY */
	assert_int_equal(h.cap, STATS_HISTORY);
}

static void
test_history_add_wraps_ring(void **state)
{
	struct history h;
	struct sample smp = {0};

	(void)state;
	history_init(&h);
	for (int i = 0; i < STATS_HISTORY + 88; i++) {
		smp.seq = (uint16_t)i;
		history_add(&h, &smp);
	}
	assert_int_equal(history_len(&h), STATS_HISTORY);
	assert_int_equal(h.head, STATS_HISTORY + 88);
	assert_int_equal(history_get(&h, 0)->seq, STATS_HISTORY + 87);
	assert_int_equal(history_get(&h, STATS_HISTORY - 1)->seq, 88);
	assert_null(history_get(&h, STATS_HISTORY));
	history_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stats_add_reply_golden),
	    cmocka_unit_test(test_stats_add_reply_microsecond_mean_exact),
	    cmocka_unit_test(test_stats_loss_pct_counts_settled_only),
	    cmocka_unit_test(test_stats_init_no_samples),
	    cmocka_unit_test(test_stats_add_loss_keeps_jitter_between_replies),
	    cmocka_unit_test(test_stats_add_reply_million_same_no_drift),
	    cmocka_unit_test(test_stats_add_reply_million_alternating),
	    cmocka_unit_test(test_history_get_newest_first),
	    cmocka_unit_test(test_history_add_wraps_ring),
	    cmocka_unit_test(test_history_short_ring_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
