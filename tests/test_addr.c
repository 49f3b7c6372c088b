/* addr: parsing, text form, sockaddr and raw-byte conversions, equality. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hoptop/addr.h"

static const struct {
	const char *text;
	int family;
	uint8_t bytes[16];
} cases[] = {
    {"10.201.4.2", AF_INET, {10, 201, 4, 2}},
    {"fd00:201:4::2", AF_INET6,
        {0xfd, 0, 0x02, 0x01, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}},
};

static void
test_addr_bytes_text_sockaddr_agree(void **state)
{
	char buf[ADDR_STRLEN];
	struct haddr a, b, c;
	struct sockaddr_storage ss;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(addr_parse(cases[i].text, &a), 0);
		assert_int_equal(a.family, cases[i].family);
		addr_from_bytes(&b, cases[i].family, cases[i].bytes);
		assert_true(addr_eq(&a, &b));
		assert_int_equal(addr_hash(&a), addr_hash(&b));
		assert_string_equal(
		    addr_str(&b, buf, sizeof(buf)), cases[i].text);
		assert_true(addr_to_sockaddr(&b, 33434, &ss) > 0);
		assert_int_equal(
		    addr_from_sockaddr((struct sockaddr *)&ss, &c), 0);
		assert_true(addr_eq(&b, &c));
	}
	assert_false(addr_eq(&a, &(struct haddr){.family = AF_INET}));
}

static void
test_addr_parse_rejects_junk(void **state)
{
	static const char *const bad[] = {"", "10.201.4", "10.201.4.256",
	    "fd00::201::1", "host", "10.201.4.2 "};
	struct haddr a;
	char buf[ADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(addr_parse(bad[i], &a), -1);
		assert_false(addr_is_set(&a));
		assert_string_equal(addr_str(&a, buf, sizeof(buf)), "???");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_bytes_text_sockaddr_agree),
	    cmocka_unit_test(test_addr_parse_rejects_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
