/*
 * ui_text tests: text fitted to screen columns, without a terminal (the
 * module's curses-free part, src/ui_text.h).
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ui_text.h"

#define UTF8 "C.UTF-8"

/* Widths: a column per ASCII byte, wide and combined characters by
 * wcwidth in UTF-8, '?' (one column) for what cannot be shown. */
static void
test_ui_text_width_columns(void **state)
{
	(void)state;
	assert_non_null(setlocale(LC_CTYPE, UTF8));
	assert_int_equal(ui_text_width(false, ""), 0);
	assert_int_equal(ui_text_width(false, "abc"), 3);
	assert_int_equal(ui_text_width(true, "caf\u00e9"), 4);
	assert_int_equal(ui_text_width(false, "caf\u00e9"), 5); /* 2 x '?' */
	assert_int_equal(ui_text_width(true, "\u65e5\u672c"), 4);
	assert_int_equal(ui_text_width(true, "a\x1b[31mb"), 7);
	assert_int_equal(ui_text_width(true, "\xff\xfe"), 2); /* invalid */
	assert_non_null(setlocale(LC_CTYPE, "C"));
}

/* Fitting: whole when it fits, else cut with an ellipsis that counts in
 * the width; control bytes and undrawable bytes become '?'. */
static void
test_ui_text_fit_cuts_and_sanitises(void **state)
{
	static const struct {
		bool utf8;
		const char *in;
		int w;
		const char *want;
		int used;
	} cases[] = {
	    {false, "abc", 3, "abc", 3},
	    {false, "abc", 10, "abc", 3},
	    {false, "hello world", 8, "hello...", 8},
	    {true, "hello world", 8, "hello w\u2026", 8},
	    {false, "abcdef", 2, "", 0}, /* no room for "..." */
	    {true, "abcdef", 1, "\u2026", 1},
	    {false, "a\x1b[2Jb", 10, "a?[2Jb", 6},
	    {true, "a\tb\r\n", 10, "a?b??", 5},
	    {false, "caf\u00e9", 10, "caf??", 5},
	    {true, "caf\u00e9", 10, "caf\u00e9", 4},
	    {true, "\u65e5\u672c\u8a9e", 5, "\u65e5\u672c\u2026", 5},
	    {true, "\u65e5\u672c\u8a9e", 4, "\u65e5\u2026", 3},
	    {true, "\xff!", 5, "?!", 2},
	};
	char out[TEXT_MAX];

	(void)state;
	assert_non_null(setlocale(LC_CTYPE, UTF8));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		assert_int_equal(
		    ui_text_fit(cases[i].utf8, cases[i].in, cases[i].w, out),
		    cases[i].used);
		assert_string_equal(out, cases[i].want);
	}
	assert_non_null(setlocale(LC_CTYPE, "C"));
}

/* A text longer than TEXT_MAX stops short of it, still terminated. */
static void
test_ui_text_fit_bounded(void **state)
{
	char in[3 * TEXT_MAX], out[TEXT_MAX];
	int used;

	(void)state;
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	used = ui_text_fit(false, in, (int)sizeof(in), out);
	assert_true(strlen(out) < TEXT_MAX);
	assert_int_equal(used, (int)strlen(out));
	assert_int_equal(used, TEXT_MAX - 5);
}

static void
test_ui_text_interval_decimals(void **state)
{
	static const struct {
		double s;
		const char *want;
	} cases[] = {
	    {1.0, "1.0"},
	    {0.25, "0.25"},
	    {10.0, "10.0"},
	    {0.5, "0.5"},
	    {0.05, "0.05"},
	    {2.1, "2.1"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ui_text_interval(cases[i].s, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ui_text_width_columns),
	    cmocka_unit_test(test_ui_text_fit_cuts_and_sanitises),
	    cmocka_unit_test(test_ui_text_fit_bounded),
	    cmocka_unit_test(test_ui_text_interval_decimals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
