/* Unit tests for registry: sequences, wrap-around, duplicates, expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hoptop/clock.h"
#include "hoptop/packet.h"
#include "hoptop/registry.h"

static int
setup(void **state)
{
	*state = registry_new();
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	registry_free(*state);
	return 0;
}

/* Claims and records a send time; returns the sequence. */
static uint16_t
send_one(struct registry *r, uint8_t ttl, int64_t sent_ns)
{
	uint16_t seq = registry_claim(r, ttl, (uint16_t)(ttl % 3));

	assert_int_not_equal(seq, 0);
	registry_sent(r, seq, sent_ns);
	return seq;
}

static void
test_registry_claim_in_order_with_fields(void **state)
{
	struct registry *r = *state;
	struct registry_entry e;

	assert_int_equal(registry_live(r), 0);
	assert_int_equal(registry_claim(r, 7, 2), 1);
	assert_int_equal(registry_claim(r, 8, 3), 2);
	registry_sent(r, 2, 5000);
	assert_int_equal(registry_live(r), 2);
	assert_true(registry_take(r, 2, &e));
	assert_int_equal(e.seq, 2);
	assert_int_equal(e.ttl, 8);
	assert_int_equal(e.flow, 3);
	assert_int_equal(e.sent_ns, 5000);
	assert_int_equal(registry_live(r), 1);
}

static void
test_registry_claim_wraps_past_seq_max(void **state)
{
	struct registry *r = *state;
	uint16_t seq = 0;

	for (unsigned i = 0; i < PACKET_SEQ_MAX; i++) {
		seq = registry_claim(r, 1, 0);
		assert_int_equal(seq, i + 1);
		assert_true(registry_take(r, seq, NULL));
	}
	assert_int_equal(seq, 0xfffe);
	/* 0xffff and 0 are never handed out. */
	assert_int_equal(registry_claim(r, 1, 0), 1);
	assert_int_equal(registry_claim(r, 1, 0), 2);
	assert_false(registry_take(r, 0, NULL));
	assert_false(registry_take(r, 0xffff, NULL));
}

static void
test_registry_claim_full_returns_zero(void **state)
{
	struct registry *r = *state;

	for (unsigned i = 0; i < PACKET_SEQ_MAX; i++)
		assert_int_equal(registry_claim(r, 1, 0), i + 1);
	assert_int_equal(registry_live(r), PACKET_SEQ_MAX);
	assert_int_equal(registry_claim(r, 1, 0), 0);
	assert_int_equal(registry_claim(r, 1, 0), 0);
	/* Freeing the next slot makes room for exactly that sequence. */
	assert_true(registry_take(r, 1, NULL));
	assert_int_equal(registry_claim(r, 1, 0), 1);
	assert_int_equal(registry_claim(r, 1, 0), 0);
}

static void
test_registry_take_duplicate_and_unknown(void **state)
{
	struct registry *r = *state;
	uint16_t seq = send_one(r, 3, 100);

	assert_true(registry_take(r, seq, NULL));
	assert_false(registry_take(r, seq, NULL)); /* duplicate reply */
	assert_false(registry_take(r, 500, NULL)); /* never claimed */
	assert_int_equal(registry_live(r), 0);
}

static void
test_registry_take_after_expiry_is_stale(void **state)
{
	struct registry *r = *state;
	struct registry_entry e;
	uint16_t seq = send_one(r, 4, 100);

	assert_true(registry_expire_one(r, 100, &e)); /* cutoff inclusive */
	assert_int_equal(e.seq, seq);
	assert_int_equal(e.ttl, 4);
	assert_false(registry_take(r, seq, &e));
	assert_false(registry_expire_one(r, 1000, &e));
}

static void
test_registry_expire_one_oldest_first_over_holes(void **state)
{
	struct registry *r = *state;
	struct registry_entry e;
	static const int64_t want[] = {20, 40, 50};

	for (int i = 1; i <= 5; i++)
		send_one(r, (uint8_t)i, i * 10);
	assert_true(registry_take(r, 1, NULL));
	assert_true(registry_take(r, 3, NULL));
	assert_int_equal(registry_oldest(r), 20);
	for (int i = 0; i < 3; i++) {
		assert_true(registry_expire_one(r, 100, &e));
		assert_int_equal(e.sent_ns, want[i]);
		assert_int_equal(e.ttl, want[i] / 10);
	}
	assert_false(registry_expire_one(r, 100, &e));
	assert_int_equal(registry_oldest(r), CLOCK_NEVER);
}

static void
test_registry_expire_one_respects_cutoff(void **state)
{
	struct registry *r = *state;
	struct registry_entry e;

	send_one(r, 1, 10);
	send_one(r, 2, 20);
	assert_false(registry_expire_one(r, 9, &e));
	assert_true(registry_expire_one(r, 15, &e));
	assert_int_equal(e.seq, 1);
	assert_false(registry_expire_one(r, 15, &e));
	assert_int_equal(registry_oldest(r), 20);
	assert_int_equal(registry_live(r), 1);
}

static void
test_registry_expire_one_skips_unsent(void **state)
{
	struct registry *r = *state;
	struct registry_entry e;
	uint16_t seq = registry_claim(r, 1, 0);

	assert_int_equal(registry_oldest(r), CLOCK_NEVER);
	assert_false(registry_expire_one(r, INT64_MAX - 1, &e));
	registry_sent(r, seq, 30);
	assert_int_equal(registry_oldest(r), 30);
	assert_true(registry_expire_one(r, 30, &e));
}

static void
test_registry_expire_one_across_wrap(void **state)
{
	struct registry *r = *state;
	struct registry_entry e;
	static const uint16_t want[] = {0xfffd, 0xfffe, 1, 2};

	for (unsigned i = 1; i <= PACKET_SEQ_MAX - 2; i++)
		assert_true(registry_take(r, registry_claim(r, 1, 0), NULL));
	for (int i = 0; i < 4; i++)
		assert_int_equal(send_one(r, 1, 100 + i), want[i]);
	for (int i = 0; i < 4; i++) {
		assert_true(registry_expire_one(r, 1000, &e));
		assert_int_equal(e.seq, want[i]);
		assert_int_equal(e.sent_ns, 100 + i);
	}
	assert_int_equal(registry_live(r), 0);
}

static void
test_registry_take_many_holes_then_expire(void **state)
{
	struct registry *r = *state;
	struct registry_entry e;

	for (int i = 1; i <= 1000; i++)
		send_one(r, 1, i);
	for (int i = 1000; i >= 2; i--)
		assert_true(registry_take(r, (uint16_t)i, NULL));
	assert_int_equal(registry_oldest(r), 1);
	assert_true(registry_take(r, 1, NULL));
	assert_int_equal(registry_oldest(r), CLOCK_NEVER);
	assert_false(registry_expire_one(r, 5000, &e));
	/* The table is empty: the next probe is the oldest again. */
	assert_int_equal(send_one(r, 9, 6000), 1001);
	assert_true(registry_expire_one(r, 6000, &e));
	assert_int_equal(e.ttl, 9);
}

static void
test_registry_clear_forgets_all(void **state)
{
	struct registry *r = *state;
	struct registry_entry e;

	send_one(r, 1, 10);
	send_one(r, 2, 20);
	send_one(r, 3, 30);
	registry_clear(r);
	assert_int_equal(registry_live(r), 0);
	assert_int_equal(registry_oldest(r), CLOCK_NEVER);
	assert_false(registry_take(r, 2, &e));
	assert_false(registry_expire_one(r, 100, &e));
	/* Sequences keep counting, so late replies stay unmatched. */
	assert_int_equal(send_one(r, 4, 40), 4);
	assert_int_equal(registry_oldest(r), 40);
}

static void
test_registry_free_null_is_noop(void **state)
{
	(void)state;
	registry_free(NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static void
test_registry_tx_stamp_only_live(void **state)
{
	struct registry *r = registry_new();
	struct registry_entry e;
	uint16_t a = registry_claim(r, 1, 0);

	(void)state;
	registry_sent(r, a, 100);
	assert_false(registry_tx_stamp(r, (uint16_t)(a + 1), 5));
	assert_false(registry_tx_stamp(r, 0, 5));
	assert_true(registry_tx_stamp(r, a, 170));
	assert_true(registry_take(r, a, &e));
	assert_int_equal(e.tx_real_ns, 170);
	assert_false(registry_tx_stamp(r, a, 180)); /* answered */
	a = registry_claim(r, 2, 0);
	assert_true(registry_take(r, a, &e));
	assert_int_equal(e.tx_real_ns, 0); /* a new claim has none */
	registry_free(r);
}

/* A small table: sequences 1..4 wrap, and nothing past 4 is known. */
static void
test_registry_sized_wraps_in_its_range(void **state)
{
	struct registry *r = registry_new_sized(4);
	struct registry_entry e;

	(void)state;
	for (int i = 1; i <= 4; i++)
		assert_int_equal(registry_claim(r, (uint8_t)i, 0), i);
	assert_int_equal(registry_claim(r, 5, 0), 0); /* full */
	assert_null(registry_peek(r, 5));
	assert_false(registry_take(r, 5, &e));
	assert_false(registry_take(r, 0xffff, &e));
	assert_false(registry_tx_stamp(r, 9, 1));
	registry_sent(r, 77, 1); /* ignored, no crash */
	assert_true(registry_take(r, 1, &e));
	assert_int_equal(e.ttl, 1);
	assert_int_equal(registry_claim(r, 9, 0), 1); /* wrapped to 1 */
	assert_int_equal(registry_live(r), 4);
	registry_clear(r);
	assert_int_equal(registry_live(r), 0);
	assert_int_equal(registry_claim(r, 1, 0), 2);
	registry_free(r);
	/* out of range sizes: the full space */
	r = registry_new_sized(0);
	for (int i = 0; i < 5; i++)
		registry_claim(r, 1, 0);
	assert_non_null(registry_peek(r, 5));
	registry_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry_sized_wraps_in_its_range),
	    T(test_registry_claim_in_order_with_fields),
	    T(test_registry_claim_wraps_past_seq_max),
	    T(test_registry_claim_full_returns_zero),
	    T(test_registry_take_duplicate_and_unknown),
	    T(test_registry_take_after_expiry_is_stale),
	    T(test_registry_expire_one_oldest_first_over_holes),
	    T(test_registry_expire_one_respects_cutoff),
	    T(test_registry_expire_one_skips_unsent),
	    T(test_registry_expire_one_across_wrap),
	    T(test_registry_take_many_holes_then_expire),
	    T(test_registry_clear_forgets_all),
	    cmocka_unit_test(test_registry_free_null_is_noop),
	    cmocka_unit_test(test_registry_tx_stamp_only_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
