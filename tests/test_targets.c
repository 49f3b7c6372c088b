/* Unit tests for targets: which targets a run has, and their addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "hoptop/targets.h"

/* --demo first (built in: NULL), the command line's, then -F's lines. */
static void
test_targets_gather_order_and_lines(void **state)
{
	char file[] = "/tmp/test_targets_XXXXXX";
	static const char text[] = "10.0.0.3\n# a comment\n\n10.0.0.4\n";
	struct options o;
	struct targets ts;
	char err[256] = "";
	int fd = mkstemp(file);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	memset(&o, 0, sizeof(o));
	memset(&ts, 0, sizeof(ts));
	o.demo = true;
	o.targets[0] = "10.0.0.1";
	o.targets[1] = "10.0.0.2";
	o.ntargets = 2;
	o.target_file = file;
	assert_int_equal(targets_gather(&ts, &o, err, sizeof(err)), 0);
	unlink(file);
	assert_int_equal(ts.n, 5);
	assert_null(ts.want[0].name);
	assert_string_equal(ts.want[1].name, "10.0.0.1");
	assert_string_equal(ts.want[2].name, "10.0.0.2");
	assert_int_equal(ts.want[2].line, 0);
	assert_string_equal(ts.want[3].name, "10.0.0.3");
	assert_int_equal(ts.want[3].line, 1);
	assert_string_equal(ts.want[4].name, "10.0.0.4");
	assert_int_equal(ts.want[4].line, 4);
	targets_reset(&ts);
	assert_int_equal(ts.n, 0);
	/* an unreadable -F FILE is an error naming it */
	o.target_file = file;
	assert_int_equal(targets_gather(&ts, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, file));
	targets_reset(&ts);
}

static struct targets
of(struct target_want *w, size_t n)
{
	struct targets ts;

	memset(&ts, 0, sizeof(ts));
	ts.want = w;
	ts.n = n;
	ts.file = "list.txt";
	return ts;
}

static void
test_targets_resolve_numeric(void **state)
{
	struct target_want w[] = {{"10.0.0.1", 0}, {"10.0.0.2", 3}};
	struct targets ts = of(w, 2);
	struct haddr a[2], want;
	char err[256] = "";

	(void)state;
	assert_int_equal(
	    targets_resolve(&ts, AF_UNSPEC, a, NULL, err, sizeof(err)), 0);
	assert_int_equal(addr_parse("10.0.0.1", &want), 0);
	assert_true(addr_eq(&a[0], &want));
	assert_int_equal(addr_parse("10.0.0.2", &want), 0);
	assert_true(addr_eq(&a[1], &want));
}

/* The messages: a second target of another family, -4/-6, a duplicate. */
static void
test_targets_resolve_errors(void **state)
{
	struct target_want mixed[] = {{"10.0.0.1", 0}, {"fd00:201::1", 7}};
	struct target_want v4[] = {{"10.0.0.1", 0}};
	struct target_want dup[] = {{"10.0.0.1", 0}, {"10.0.0.01", 0}};
	struct targets ts;
	struct haddr a[2];
	char err[256] = "";
	const char *tail;

	(void)state;
	ts = of(mixed, 2);
	assert_int_equal(
	    targets_resolve(&ts, AF_UNSPEC, a, NULL, err, sizeof(err)), -1);
	assert_memory_equal(err, "cannot resolve 'fd00:201::1': ", 30);
	tail = " (for the family of the first target; -4/-6 choose one) "
	       "(list.txt:7)";
	assert_true(strlen(err) > strlen(tail));
	assert_string_equal(err + strlen(err) - strlen(tail), tail);

	ts = of(v4, 1);
	assert_int_equal(
	    targets_resolve(&ts, AF_INET6, a, NULL, err, sizeof(err)), -1);
	tail = " (for the family of -4/-6)";
	assert_string_equal(err + strlen(err) - strlen(tail), tail);

	ts = of(dup, 2);
	if (targets_resolve(&ts, AF_UNSPEC, a, NULL, err, sizeof(err)) == 0)
		skip(); /* this libc does not read "10.0.0.01" as 10.0.0.1 */
	assert_string_equal(err, "'10.0.0.1' and '10.0.0.01' are both "
	                         "10.0.0.1 (give each target once)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_targets_gather_order_and_lines),
	    cmocka_unit_test(test_targets_resolve_numeric),
	    cmocka_unit_test(test_targets_resolve_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
