/* Unit tests for tlist: -F FILE text -> targets with lines, or errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hoptop/tlist.h"

static void
test_tlist_parse_comments_blanks_and_spaces(void **state)
{
	static const char text[] = "# routers\n"
	                           "\n"
	                           "  10.202.0.1  \n"
	                           "host.example\t# the web server\n"
	                           "\t\r\n"
	                           "fd00:201::1\r\n"
	                           "last";
	struct tlist tl;
	char err[256] = "";

	(void)state;
	tlist_init(&tl);
	assert_int_equal(
	    tlist_parse(&tl, "t.txt", text, strlen(text), err, sizeof(err)), 0);
	assert_int_equal(tl.n, 4);
	assert_string_equal(tl.v[0].name, "10.202.0.1");
	assert_int_equal(tl.v[0].line, 3);
	assert_string_equal(tl.v[1].name, "host.example");
	assert_int_equal(tl.v[1].line, 4);
	assert_string_equal(tl.v[2].name, "fd00:201::1");
	assert_int_equal(tl.v[2].line, 6);
	assert_string_equal(tl.v[3].name, "last");
	assert_int_equal(tl.v[3].line, 7);
	tlist_reset(&tl);
	assert_int_equal(tl.n, 0);
}

static const struct {
	const char *text;
	size_t len; /* 0: strlen */
	const char *want;
} bad[] = {
    {"a\nb c\n", 0,
        "f.txt:2: more than one target on the line (one a line; # starts "
        "a comment)"},
    {"ok\n\nx\x01y\n", 0,
        "f.txt:3: a control character in the target (give a host name or "
        "an address)"},
    {"a\0b\n", 4,
        "f.txt: a NUL byte: not a text file (give one target a "
        "line)"},
    {"x\x1b[2Jy", 0,
        "f.txt:1: a control character in the target (give a host name or "
        "an address)"},
};

static void
test_tlist_parse_bad_lines_name_file_and_line(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tlist tl;
		char err[256] = "";
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);

		tlist_init(&tl);
		assert_int_equal(tlist_parse(&tl, "f.txt", bad[i].text, len,
		                     err, sizeof(err)),
		    -1);
		if (strcmp(err, bad[i].want) != 0)
			fail_msg(
			    "row %zu: '%s', want '%s'", i, err, bad[i].want);
		tlist_reset(&tl);
	}
}

static void
test_tlist_parse_long_name(void **state)
{
	char text[TLIST_NAME_MAX + 3];
	struct tlist tl;
	char err[256] = "";

	(void)state;
	memset(text, 'a', sizeof(text));
	tlist_init(&tl);
	/* exactly the longest: fine */
	assert_int_equal(
	    tlist_parse(&tl, "f", text, TLIST_NAME_MAX, err, sizeof(err)), 0);
	assert_int_equal(strlen(tl.v[0].name), TLIST_NAME_MAX);
	assert_int_equal(
	    tlist_parse(&tl, "f", text, TLIST_NAME_MAX + 1, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "f:1: the target is longer than 253 "
	                         "characters (give a host name or an address)");
	tlist_reset(&tl);
}

static void
test_tlist_load_missing_empty_and_comments_only(void **state)
{
	char dir[] = "/tmp/test_tlist.XXXXXX", path[64], err[256];
	struct tlist tl;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/none", dir);
	tlist_init(&tl);
	assert_int_equal(tlist_load(&tl, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory (give a "
	                            "readable file)"));
	snprintf(path, sizeof(path), "%s/empty", dir);
	f = fopen(path, "w");
	fclose(f);
	assert_int_equal(tlist_load(&tl, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no target in the file"));
	f = fopen(path, "w");
	fputs("# only a comment\n\n   # another\n", f);
	fclose(f);
	assert_int_equal(tlist_load(&tl, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no target in the file"));
	f = fopen(path, "w");
	fputs("# two\n10.202.0.1\n10.202.0.2 # b\n", f);
	fclose(f);
	assert_int_equal(tlist_load(&tl, path, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 2);
	assert_int_equal(tl.v[1].line, 3);
	tlist_reset(&tl);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tlist_parse_comments_blanks_and_spaces),
	    cmocka_unit_test(test_tlist_parse_bad_lines_name_file_and_line),
	    cmocka_unit_test(test_tlist_parse_long_name),
	    cmocka_unit_test(test_tlist_load_missing_empty_and_comments_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
