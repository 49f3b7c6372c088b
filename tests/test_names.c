/* names: the one sanitiser (names_safe_char, names_sanitize). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hoptop/names.h"

static const struct {
	const char *in, *out;
} cases[] = {
    {"plain.example", "plain.example"},
    {"", ""},
    {"\x1b]0;pwned\a\x1b[2J", "\\x1b]0;pwned\\x07\\x1b[2J"},
    {"tab\there\r\n", "tab\\x09here\\x0d\\x0a"},
    {"del\x7f", "del\\x7f"},
    {"csi\xc2\x9b"
     "2J",
        "csi\\xc2\\x9b2J"}, /* C1 CSI */
    {"c1 \xc2\x80 \xc2\x9f", "c1 \\xc2\\x80 \\xc2\\x9f"},
    {"nbsp\xc2\xa0ok", "nbsp\xc2\xa0ok"}, /* U+00A0 is printable */
    {"caf\xc3\xa9", "caf\xc3\xa9"},
    {"\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87"},
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
    {"bad \xff\xfe", "bad \\xff\\xfe"},
    {"cut \xc3", "cut \\xc3"}, /* truncated sequence */
    {"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
    {"overlong3 \xe0\x80\xaf", "overlong3 \\xe0\\x80\\xaf"},
    {"surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80"},
    {"too big \xf4\x90\x80\x80", "too big \\xf4\\x90\\x80\\x80"},
    {"lone cont \x80", "lone cont \\x80"},
};

static void
test_names_sanitize_table(void **state)
{
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		names_sanitize(cases[i].in, buf, sizeof(buf));
		if (strcmp(buf, cases[i].out) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, buf,
			    cases[i].out);
		/* sanitising twice changes nothing */
		char again[256];
		names_sanitize(buf, again, sizeof(again));
		assert_string_equal(again, buf);
	}
}

/* A short buffer cuts at a whole character or escape, never inside one. */
static void
test_names_sanitize_cuts_whole(void **state)
{
	char buf[8];

	(void)state;
	assert_string_equal(names_sanitize("ab\x1b"
	                                   "cd",
	                        buf, 6),
	    "ab");
	assert_string_equal(names_sanitize("ab\x1b"
	                                   "cd",
	                        buf, 7),
	    "ab\\x1b");
	assert_string_equal(names_sanitize("a\xe4\xb8\xad", buf, 4), "a");
	assert_string_equal(
	    names_sanitize("a\xe4\xb8\xad", buf, 5), "a\xe4\xb8\xad");
	buf[0] = 'x';
	names_sanitize("abc", buf, 1);
	assert_string_equal(buf, "");
}

static void
test_names_safe_char_lengths(void **state)
{
	(void)state;
	assert_int_equal(names_safe_char("a"), 1);
	assert_int_equal(names_safe_char("\x1b"), 0);
	assert_int_equal(names_safe_char("\xc2\x9b"), 0);
	assert_int_equal(names_safe_char("\xc2\xa0"), 2);
	assert_int_equal(names_safe_char("\xe2\x80\xa6"), 3);
	assert_int_equal(names_safe_char("\xf0\x9f\x98\x80"), 4);
	assert_int_equal(names_safe_char("\xf0\x9f\x98"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_sanitize_table),
	    cmocka_unit_test(test_names_sanitize_cuts_whole),
	    cmocka_unit_test(test_names_safe_char_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
