/* Unit tests for column: every column's text and value for prepared stats. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hoptop/column.h"

#define US 1000LL

struct meta {
	enum col_id id;
	const char *key, *title;
	int width;
};

static const struct meta metas[] = {
    {COL_LOSS, "loss_pct", "Loss%", 6},
    {COL_SNT, "sent", "Snt", 5},
    {COL_RCV, "received", "Rcv", 5},
    {COL_LAST, "last_ms", "Last", 6},
    {COL_AVG, "avg_ms", "Avg", 6},
    {COL_BEST, "best_ms", "Best", 6},
    {COL_WRST, "worst_ms", "Wrst", 6},
    {COL_STDEV, "stdev_ms", "StDev", 6},
    {COL_JITTER, "jitter_ms", "Javg", 6},
    {COL_JINT, "jint_ms", "Jint", 6},
    {COL_JMAX, "jmax_ms", "Jmax", 6},
    {COL_JTTR, "jttr_ms", "Jttr", 6},
};

static void
test_column_get_table(void **state)
{
	(void)state;
	assert_int_equal(sizeof(metas) / sizeof(metas[0]), COL_COUNT);
	for (int i = 0; i < COL_COUNT; i++) {
		const struct column *c = column_get(metas[i].id);

		assert_non_null(c);
		assert_int_equal(c->id, metas[i].id);
		assert_string_equal(c->key, metas[i].key);
		assert_string_equal(c->title, metas[i].title);
		assert_int_equal(c->width, metas[i].width);
		assert_true((int)strlen(c->title) <= c->width);
	}
	assert_null(column_get(COL_COUNT));
	assert_null(column_get((enum col_id) - 1));
}

/*
 * RTTs 12.34, 15.00, 11.11 ms; 5 sent, 1 lost, 1 in flight.
 *   loss 1/4 = 25%; avg 38.45/3 = 12.8166.. ms;
 *   stdev sqrt(7.906866../2) = 1.9883242.. ms; jitter (2.66 + 3.89)/2 = 3.275;
 *   jint 2.66/16 = 0.16625, then + (3.89 - 0.16625)/16 = 0.3989843.. ms;
 *   jttr (the latest difference) |11.11 - 15.00| = 3.89 ms.
 */
static void
prepare(struct stats *s)
{
	static const int64_t rtt_us[] = {12340, 15000, 11110};

	stats_init(s);
	for (int i = 0; i < 5; i++)
		stats_add_sent(s);
	for (int i = 0; i < 3; i++)
		stats_add_reply(s, rtt_us[i] * US);
	stats_add_loss(s);
}

struct want {
	enum col_id id;
	const char *text;
	double value;
};

static const struct want prepared[] = {
    {COL_LOSS, "25.0%", 25.0},
    {COL_SNT, "5", 5},
    {COL_RCV, "3", 3},
    {COL_LAST, "11.1", 11.11},
    {COL_AVG, "12.8", 38.45 / 3},
    {COL_BEST, "11.1", 11.11},
    {COL_WRST, "15.0", 15.0},
    {COL_STDEV, "1.99", 1.988324252563785},
    {COL_JITTER, "3.27", 3.275},
    {COL_JINT, "0.399", 0.3989843750},
    {COL_JMAX, "3.89", 3.89},
    {COL_JTTR, "3.89", 3.89},
};

/* Sub-millisecond paths keep their digits; every text fits 6 columns. */
static void
test_column_format_ms_digits(void **state)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
	    {0.0, "0.000"},
	    {0.0177, "0.018"},
	    {0.5, "0.500"},
	    {0.9996, "1.00"},
	    {5.432, "5.43"},
	    {9.996, "10.0"},
	    {123.46, "123.5"},
	    {9999.94, "9999.9"},
	    {9999.96, "10000"},
	    {65432.1, "65432"},
	    {999999.0, "999999"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		column_format_ms(cases[i].v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
		assert_true(strlen(buf) <= 6);
	}
}

static void
test_column_format_prepared_stats(void **state)
{
	struct stats s;
	char buf[32];

	(void)state;
	prepare(&s);
	for (size_t i = 0; i < sizeof(prepared) / sizeof(prepared[0]); i++) {
		const struct want *w = &prepared[i];
		const struct column *c = column_get(w->id);
		double v = c->value(&s);

		assert_string_equal(
		    column_format(w->id, &s, buf, sizeof(buf)), w->text);
		if (fabs(v - w->value) > 1e-8)
			fail_msg(
			    "%s: value %.12f, want %.12f", c->key, v, w->value);
		assert_true(column_has_value(w->id, &s));
	}
}

static void
test_column_format_full_precision_value(void **state)
{
	struct stats s;

	(void)state;
	stats_init(&s);
	stats_add_reply(&s, 1001 * US);
	stats_add_reply(&s, 1002 * US);
	/* 1.0015 ms: the text rounds, the value keeps the microseconds. */
	assert_true(column_get(COL_AVG)->value(&s) == 1.0015);
	assert_true(column_get(COL_BEST)->value(&s) == 1.001);
}

struct empty_case {
	const char *name;
	int sent, received, lost;
	const char *loss, *snt, *rcv, *time;
	int has_loss, has_time;
};

static const struct empty_case empty_cases[] = {
    {"nothing sent", 0, 0, 0, "", "0", "0", "", 0, 0},
    {"in flight", 2, 0, 0, "", "2", "0", "", 0, 0},
    {"all lost", 3, 0, 3, "100.0%", "3", "0", "", 1, 0},
    {"one reply", 1, 1, 0, "0.0%", "1", "1", NULL, 1, 1},
};

static void
test_column_format_empty_stats(void **state)
{
	static const enum col_id times[] = {COL_LAST, COL_AVG, COL_BEST,
	    COL_WRST, COL_STDEV, COL_JITTER, COL_JINT, COL_JMAX, COL_JTTR};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(empty_cases) / sizeof(empty_cases[0]);
	     i++) {
		const struct empty_case *c = &empty_cases[i];
		struct stats s;

		stats_init(&s);
		for (int k = 0; k < c->sent; k++)
			stats_add_sent(&s);
		for (int k = 0; k < c->received; k++)
			stats_add_reply(&s, 7 * US);
		for (int k = 0; k < c->lost; k++)
			stats_add_loss(&s);
		assert_string_equal(
		    column_format(COL_LOSS, &s, buf, 32), c->loss);
		assert_string_equal(
		    column_format(COL_SNT, &s, buf, 32), c->snt);
		assert_string_equal(
		    column_format(COL_RCV, &s, buf, 32), c->rcv);
		assert_int_equal(column_has_value(COL_LOSS, &s), c->has_loss);
		assert_true(column_has_value(COL_SNT, &s));
		for (size_t k = 0; k < sizeof(times) / sizeof(times[0]); k++) {
			column_format(times[k], &s, buf, sizeof(buf));
			if (c->time != NULL)
				assert_string_equal(buf, c->time);
			else
				assert_true(buf[0] != '\0');
			assert_int_equal(
			    column_has_value(times[k], &s), c->has_time);
			if (!c->has_time)
				assert_true(
				    column_get(times[k])->value(&s) == 0.0);
		}
	}
}

static void
test_column_format_single_reply_spread_zero(void **state)
{
	struct stats s;
	char buf[16];

	(void)state;
	stats_init(&s);
	stats_add_reply(&s, 1234560 * US);
	assert_string_equal(column_format(COL_LAST, &s, buf, 16), "1234.6");
	assert_string_equal(column_format(COL_STDEV, &s, buf, 16), "0.000");
	assert_string_equal(column_format(COL_JITTER, &s, buf, 16), "0.000");
	assert_string_equal(column_format(COL_JMAX, &s, buf, 16), "0.000");
	assert_string_equal(column_format(COL_JTTR, &s, buf, 16), "0.000");
}

static void
test_column_format_bad_id_and_short_buffer(void **state)
{
	struct stats s;
	char buf[4] = "xyz";

	(void)state;
	prepare(&s);
	assert_string_equal(column_format(COL_COUNT, &s, buf, sizeof(buf)), "");
	assert_false(column_has_value(COL_COUNT, &s));
	/* Truncated, still terminated. */
	assert_string_equal(
	    column_format(COL_LOSS, &s, buf, sizeof(buf)), "25.");
}

static void
test_column_sets(void **state)
{
	static const enum col_id def[] = {COL_LOSS, COL_SNT, COL_LAST, COL_AVG,
	    COL_BEST, COL_WRST, COL_STDEV};
	static const enum col_id jit[] = {COL_LOSS, COL_SNT, COL_LAST, COL_JTTR,
	    COL_JITTER, COL_JMAX, COL_JINT};

	(void)state;
	assert_int_equal(column_set_default_n, 7);
	assert_memory_equal(column_set_default, def, sizeof(def));
	assert_int_equal(column_set_jitter_n, 7);
	assert_memory_equal(column_set_jitter, jit, sizeof(jit));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_column_get_table),
	    cmocka_unit_test(test_column_format_ms_digits),
	    cmocka_unit_test(test_column_format_prepared_stats),
	    cmocka_unit_test(test_column_format_full_precision_value),
	    cmocka_unit_test(test_column_format_empty_stats),
	    cmocka_unit_test(test_column_format_single_reply_spread_zero),
	    cmocka_unit_test(test_column_format_bad_id_and_short_buffer),
	    cmocka_unit_test(test_column_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
