/*
 * Unit tests for metrics: the exposition writer against golden files
 * (text 0.0.4 and OpenMetrics) from a model built by hand, label escaping,
 * the responder cap, Accept negotiation, and the HTTP server driven by a
 * select() loop in this process (GET, HEAD, 404, 405, a port in use).
 *
 * The model (build_path), 10 cycles to 10.201.0.5:
 *   1  gw.lab        10/10, RTT 1.0, 1.1, ... 1.9 ms
 *   2  (silent)      0/10 (all lost)
 *   3  core-1.lab    6 replies of 3.0 ms; we,"ird"\host 4 replies of 4.0
 *   4  10.201.0.4    7/10 (loss 0.3), no name
 *   5  target.lab    10/10 destination; an 11th probe in flight
 * Expected by hand: hop 1 avg 1.45 ms, stdev 0.30277 ms; hop 4 avg
 * 40.5 / 7 = 5.7857 ms; hop 5 sent 11, loss 0.
 *
 * Regenerate the golden files after a deliberate change of format with
 *   HOPTOP_UPDATE_GOLDEN=1 ./test_metrics
 * and read the diff line by line before keeping it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hoptop/clock.h"
#include "hoptop/metrics.h"

#define MS          1000000LL
#define GOLDEN_DIR  HOPTOP_SOURCE_DIR "/tests/golden/"
#define WEIRD_NAME  "we,\"ird\"\\host\nlab"
#define TARGET_ADDR "10.201.0.5"

/* ---- the namer: a table ---- */

static const char *const names_table[][2] = {
    {"10.201.0.1", "gw.lab"},
    {"10.201.0.3", "core-1.lab"},
    {"10.201.1.9", WEIRD_NAME},
    {TARGET_ADDR, "target.lab"},
};

static int
table_name(void *ctx, const struct haddr *a, char *buf, size_t len)
{
	char ip[ADDR_STRLEN];

	(void)ctx;
	addr_str(a, ip, sizeof(ip));
	for (size_t i = 0; i < sizeof(names_table) / sizeof(names_table[0]);
	     i++)
		if (strcmp(names_table[i][0], ip) == 0) {
			snprintf(buf, len, "%s", names_table[i][1]);
			return 1;
		}
	return 0;
}

static const struct namer table_namer = {table_name, NULL, NULL};

/* ---- the model ---- */

static struct haddr
ip(const char *s)
{
	struct haddr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static void
reply(struct path *p, int cycle, int ttl, const char *from, double rtt_ms)
{
	struct haddr a = ip(from);

	path_reply(p, ttl, &a, (int64_t)cycle * 1000 * MS,
	    (int64_t)(rtt_ms * MS + 0.5), (uint16_t)(cycle * 10 + ttl), 0,
	    strcmp(from, TARGET_ADDR) == 0, NULL);
}

static void
lose(struct path *p, int cycle, int ttl)
{
	path_loss(
	    p, ttl, (int64_t)cycle * 1000 * MS, (uint16_t)(cycle * 10 + ttl));
}

static const double hop4_rtt_ms[10] = {
    5.0, 6.0, -1, 5.5, 7.0, -1, 5.0, 6.5, -1, 5.5};

static struct path *
build_path(void)
{
	struct haddr t = ip(TARGET_ADDR);
	struct path *p = path_new(&t, 1, 30);

	assert_non_null(p);
	for (int c = 0; c < 10; c++) {
		for (int ttl = 1; ttl <= 5; ttl++)
			path_probe_sent(p, ttl);
		reply(p, c, 1, "10.201.0.1", 1.0 + 0.1 * c);
		lose(p, c, 2);
		reply(p, c, 3,
		    c % 2 == 0 || c == 9 ? "10.201.0.3" : "10.201.1.9",
		    c % 2 == 0 || c == 9 ? 3.0 : 4.0);
		if (hop4_rtt_ms[c] >= 0)
			reply(p, c, 4, "10.201.0.4", hop4_rtt_ms[c]);
		else
			lose(p, c, 4);
		reply(p, c, 5, TARGET_ADDR, c % 2 ? 8.25 : 8.0);
	}
	path_probe_sent(p, 5); /* still in flight */
	p->cycles = 10;
	return p;
}

static struct metrics_target
target_of(const struct path *p, const char *name)
{
	struct metrics_target t = {p, name, "ICMP", &table_namer};

	return t;
}

/* ---- output ---- */

static char *
render(const struct metrics_target *t, size_t n, enum metrics_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(metrics_write(f, t, n, fmt, "test"), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Compares got with tests/golden/name, or writes it there on request. */
static void
check_golden(const char *name, const char *got)
{
	char path[512];
	const char *update = getenv("HOPTOP_UPDATE_GOLDEN");
	char *want;

	snprintf(path, sizeof(path), "%s%s", GOLDEN_DIR, name);
	if (update != NULL && strcmp(update, "1") == 0) {
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		assert_true(fputs(got, f) >= 0);
		assert_int_equal(fclose(f), 0);
		return;
	}
	want = read_file(path);
	if (want == NULL)
		fail_msg("%s missing (HOPTOP_UPDATE_GOLDEN=1 makes it)", path);
	if (strcmp(want, got) != 0)
		fprintf(stderr, "differs from %s:\n%s", path, got);
	assert_string_equal(got, want);
	free(want);
}

/* The value of the sample line that starts with prefix (name{labels}). */
static double
value_of(const char *text, const char *prefix)
{
	char key[512];
	const char *at;

	snprintf(key, sizeof(key), "\n%s ", prefix);
	at = strstr(text, key);
	if (at == NULL)
		fail_msg("no sample %s", prefix);
	return strtod(at + strlen(key), NULL);
}

static int
setup_path(void **state)
{
	*state = build_path();
	return 0;
}

static int
teardown_path(void **state)
{
	path_free(*state);
	return 0;
}

/* ---- the writer ---- */

static void
test_metrics_write_text_golden(void **state)
{
	struct metrics_target t = target_of(*state, "target.lab");
	char *out = render(&t, 1, METRICS_TEXT);

	check_golden("metrics.txt", out);
	free(out);
}

static void
test_metrics_write_openmetrics_golden(void **state)
{
	struct metrics_target t = target_of(*state, "target.lab");
	char *out = render(&t, 1, METRICS_OPENMETRICS);

	check_golden("metrics.om", out);
	free(out);
}

/* The numbers, worked by hand, in seconds and ratios. */
static void
test_metrics_write_values(void **state)
{
	struct metrics_target t = target_of(*state, "target.lab");
	char *out = render(&t, 1, METRICS_TEXT);

	assert_float_equal(value_of(out, "hoptop_hop_probes_sent_total{target="
	                                 "\"target.lab\",ttl=\"5\"}"),
	    11, 0);
	assert_float_equal(value_of(out, "hoptop_hop_replies_total{target="
	                                 "\"target.lab\",ttl=\"4\"}"),
	    7, 0);
	assert_float_equal(value_of(out, "hoptop_hop_losses_total{target="
	                                 "\"target.lab\",ttl=\"2\"}"),
	    10, 0);
	assert_float_equal(value_of(out, "hoptop_hop_loss_ratio{target="
	                                 "\"target.lab\",ttl=\"4\"}"),
	    0.3, 1e-12);
	assert_float_equal(value_of(out, "hoptop_hop_loss_ratio{target="
	                                 "\"target.lab\",ttl=\"5\"}"),
	    0, 0);
	assert_float_equal(
	    value_of(out, "hoptop_hop_rtt_seconds{target=\"target.lab\","
	                  "ttl=\"1\",stat=\"avg\"}"),
	    1.45e-3, 1e-12);
	assert_float_equal(
	    value_of(out, "hoptop_hop_rtt_seconds{target=\"target.lab\","
	                  "ttl=\"1\",stat=\"stdev\"}"),
	    0.302765035e-3, 1e-12);
	assert_float_equal(
	    value_of(out, "hoptop_hop_rtt_seconds{target=\"target.lab\","
	                  "ttl=\"4\",stat=\"avg\"}"),
	    40.5e-3 / 7, 1e-12);
	assert_float_equal(
	    value_of(out, "hoptop_hop_rtt_seconds{target=\"target.lab\","
	                  "ttl=\"4\",stat=\"worst\"}"),
	    7e-3, 1e-12);
	assert_float_equal(
	    value_of(out, "hoptop_destination_ttl{target=\"target.lab\"}"), 5,
	    0);
	assert_float_equal(
	    value_of(out, "hoptop_cycles_total{target=\"target.lab\"}"), 10, 0);
	/* Unknown is absent, not 0: the silent hop has no RTT. */
	assert_null(strstr(out, "ttl=\"2\",stat="));
	/* Hops past the destination are not shown. */
	assert_null(strstr(out, "ttl=\"6\""));
	free(out);
}

/*
 * Two targets. "fwd": forwarding loss from hop 3, every 5th probe at TTL
 * 3..5 lost (8 of 40 = 0.2 at the destination), hops 1-2 clean. "moved":
 * no loss, hop 1 answers from a new address from cycle 20 on (one route
 * change on the timeline, after PATH_ROUTE_CYCLES cycles).
 */
static struct path *
verdict_path_of(bool moved)
{
	struct haddr ta = ip(TARGET_ADDR);
	struct path *p = path_new(&ta, 1, 30);

	assert_non_null(p);
	for (int c = 0; c < 40; c++) {
		p->cycles = (unsigned)c + 1;
		for (int ttl = 1; ttl <= 5; ttl++)
			path_probe_sent(p, ttl);
		reply(p, c, 1, moved && c >= 20 ? "10.201.9.1" : "10.201.0.1",
		    1.0);
		reply(p, c, 2, "10.201.0.2", 2.0);
		for (int ttl = 3; ttl <= 5; ttl++)
			if (!moved && c % 5 == 4)
				lose(p, c, ttl);
			else
				reply(p, c, ttl,
				    ttl == 5 ? TARGET_ADDR : "10.201.0.9", 3.0);
	}
	return p;
}

static void
test_metrics_write_verdict_and_route_change(void **state)
{
	struct path *fwd = verdict_path_of(false);
	struct path *moved = verdict_path_of(true);
	struct metrics_target t[2] = {
	    target_of(fwd, "fwd"), target_of(moved, "moved")};
	char *out = render(t, 2, METRICS_TEXT);

	(void)state;
	assert_float_equal(
	    value_of(out, "hoptop_forward_loss_ratio{target=\"fwd\"}"), 0.2,
	    1e-12);
	assert_float_equal(
	    value_of(out, "hoptop_forward_loss_start_ttl{target=\"fwd\"}"), 3,
	    0);
	assert_float_equal(
	    value_of(out, "hoptop_route_changes_total{target=\"fwd\"}"), 0, 0);
	assert_non_null(strstr(out, "\nhoptop_hop_loss_cause_info{target="
	                            "\"fwd\",ttl=\"3\",cause=\"forward\"} 1"));
	assert_non_null(strstr(out, "\nhoptop_hop_loss_cause_info{target="
	                            "\"fwd\",ttl=\"2\",cause=\"none\"} 1"));
	assert_float_equal(
	    value_of(out, "hoptop_forward_loss_ratio{target=\"moved\"}"), 0, 0);
	assert_null(
	    strstr(out, "hoptop_forward_loss_start_ttl{target=\"moved"));
	assert_float_equal(
	    value_of(out, "hoptop_route_changes_total{target=\"moved\"}"), 1,
	    0);
	free(out);
	path_free(fwd);
	path_free(moved);
}

/* Backslash, quote and newline escaped in labels; control bytes '?'. */
static void
test_metrics_write_label_escaping(void **state)
{
	struct metrics_target t = target_of(*state, "a\\b\"c\nd\te\xc3\xa9");
	char *out = render(&t, 1, METRICS_TEXT);

	assert_non_null(strstr(out, "\nhoptop_cycles_total{target=\"a\\\\b\\\"c"
	                            "\\nd?e??\"} 10\n"));
	/* The responder's name, escaped the same way. */
	assert_non_null(strstr(out, "responder=\"10.201.1.9\",name=\"we,"
	                            "\\\"ird\\\"\\\\host\\nlab\"} 1\n"));
	free(out);
}

/* Several targets: each family once, its samples for every target. */
static void
test_metrics_write_two_targets_grouped(void **state)
{
	struct metrics_target t[2] = {
	    target_of(*state, "one"), target_of(*state, "two")};
	char *out = render(t, 2, METRICS_TEXT);
	const char *a = strstr(out, "# TYPE hoptop_cycles_total counter\n");

	assert_non_null(a);
	assert_non_null(strstr(a, "\nhoptop_cycles_total{target=\"one\"} 10\n"
	                          "hoptop_cycles_total{target=\"two\"} 10\n"));
	assert_null(strstr(a + 1, "# TYPE hoptop_cycles_total"));
	free(out);
}

/* The 4 responders with most replies, most first; the rest left out. */
static void
test_metrics_write_responders_capped(void **state)
{
	struct haddr t = ip(TARGET_ADDR);
	struct path *p = path_new(&t, 1, 3);
	struct metrics_target mt = {p, "cap", "ICMP", NULL};
	/* replies per responder 10.0.0.1 .. 10.0.0.6 */
	static const int replies[6] = {1, 5, 2, 5, 3, 4};
	char *out, *at[6];

	(void)state;
	for (int r = 0; r < 6; r++)
		for (int i = 0; i < replies[r]; i++) {
			char a[32];

			snprintf(a, sizeof(a), "10.0.0.%d", r + 1);
			path_probe_sent(p, 1);
			reply(p, i, 1, a, 1.0);
		}
	out = render(&mt, 1, METRICS_TEXT);
	for (int r = 0; r < 6; r++) {
		char key[96];

		snprintf(key, sizeof(key),
		    "hoptop_hop_responder_info{target=\"cap\",ttl=\"1\","
		    "responder=\"10.0.0.%d\"} 1\n",
		    r + 1);
		at[r] = strstr(out, key);
	}
	/* Kept: 2 and 4 (5 each, 2 first on the tie), 6 (4), 5 (3). */
	assert_non_null(at[1]);
	assert_non_null(at[3]);
	assert_non_null(at[5]);
	assert_non_null(at[4]);
	assert_null(at[0]);
	assert_null(at[2]);
	assert_true(at[1] < at[3] && at[3] < at[5] && at[5] < at[4]);
	free(out);
	path_free(p);
}

/* OpenMetrics: family names without _total/_info, info type, # EOF. */
static void
test_metrics_write_openmetrics_naming(void **state)
{
	struct metrics_target t = target_of(*state, "x");
	char *out = render(&t, 1, METRICS_OPENMETRICS);
	size_t n = strlen(out);

	assert_non_null(strstr(out, "# TYPE hoptop_hop_probes_sent counter\n"));
	assert_non_null(strstr(out, "\nhoptop_hop_probes_sent_total{"));
	assert_non_null(strstr(out, "# TYPE hoptop_hop_responder info\n"));
	assert_non_null(strstr(out, "\nhoptop_hop_responder_info{"));
	assert_null(strstr(out, "# TYPE hoptop_hop_probes_sent_total"));
	assert_true(n > 6 && strcmp(out + n - 6, "# EOF\n") == 0);
	free(out);
	out = render(&t, 1, METRICS_TEXT);
	assert_non_null(
	    strstr(out, "# TYPE hoptop_hop_responder_info gauge\n"));
	assert_null(strstr(out, "# EOF"));
	free(out);
}

static void
test_metrics_negotiate_table(void **state)
{
	static const struct {
		const char *accept;
		enum metrics_format want;
	} cases[] = {
	    {NULL, METRICS_TEXT},
	    {"", METRICS_TEXT},
	    {"*/*", METRICS_TEXT},
	    {"text/plain", METRICS_TEXT},
	    /* what Prometheus 2.42 sends */
	    {"application/openmetrics-text;version=1.0.0,application/"
	     "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
	     "q=0.5,*/*;q=0.1",
	        METRICS_OPENMETRICS},
	    {"application/openmetrics-text", METRICS_OPENMETRICS},
	    {"Application/OpenMetrics-Text; version=1.0.0",
	        METRICS_OPENMETRICS},
	    {"text/plain;q=1, application/openmetrics-text;q=0.5",
	        METRICS_TEXT},
	    {"application/openmetrics-text;q=0", METRICS_TEXT},
	    {"application/openmetrics-textile", METRICS_TEXT},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (metrics_negotiate(cases[i].accept) != cases[i].want)
			fail_msg("Accept: %s", cases[i].accept);
}

/* ---- the server, on a select() loop in this process ---- */

/* Sends req to the server, runs both sides until the server closes; the
 * answer is in buf. Bounded: 5 s. */
static void
exchange(struct metrics_server *m, const char *req, char *buf, size_t len)
{
	struct haddr lo = ip("127.0.0.1");
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(&lo, metrics_port(m), &ss);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	size_t got = 0, sent = 0;
	int64_t end = clock_mono_ns() + 5 * NS_PER_S;

	assert_true(fd >= 0);
	assert_true(connect(fd, (struct sockaddr *)&ss, sl) == 0 ||
	            errno == EINPROGRESS);
	while (clock_mono_ns() < end) {
		fd_set r, w, e;
		struct timeval tv = {0, 10000};
		int maxfd = fd;
		ssize_t n;

		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_ZERO(&e);
		FD_SET(fd, &r);
		if (sent < strlen(req))
			FD_SET(fd, &w);
		maxfd = metrics_fds(m, &r, &w, &e, maxfd);
		assert_true(select(maxfd + 1, &r, &w, &e, &tv) >= 0);
		metrics_process(m, &r, &w, &e);
		if (FD_ISSET(fd, &w)) {
			n = send(fd, req + sent, strlen(req) - sent, 0);
			sent += n > 0 ? (size_t)n : 0;
		}
		if (FD_ISSET(fd, &r)) {
			n = recv(fd, buf + got, len - 1 - got, 0);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
	}
	buf[got] = '\0';
	close(fd);
}

static void
test_metrics_server_answers(void **state)
{
	struct haddr lo = ip("127.0.0.1");
	struct metrics_target t = target_of(*state, "target.lab");
	char err[256], buf[32768];
	struct metrics_server *m =
	    metrics_open(&lo, 0, "test", err, sizeof(err));

	assert_non_null(m);
	assert_true(metrics_port(m) > 0);
	metrics_set_targets(m, &t, 1);
	exchange(m, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.0 200", 12) == 0 ||
	            strncmp(buf, "HTTP/1.1 200", 12) == 0);
	assert_non_null(strstr(buf, "text/plain; version=0.0.4"));
	assert_non_null(strstr(buf, "\r\n\r\n# HELP hoptop_build_info "));
	assert_non_null(strstr(buf, "hoptop_cycles_total{target=\"target.lab\"}"
	                            " 10\n"));
	exchange(m,
	    "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	    "Accept: application/openmetrics-text\r\n\r\n",
	    buf, sizeof(buf));
	assert_non_null(strstr(buf, "application/openmetrics-text; "
	                            "version=1.0.0"));
	assert_non_null(strstr(buf, "# EOF\n"));
	/* Keep-alive: two requests on one connection, both answered. */
	exchange(m,
	    "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\n"
	    "Host: x\r\nConnection: close\r\n\r\n",
	    buf, sizeof(buf));
	assert_non_null(
	    strstr(strstr(buf, "HTTP/1.1 200") + 1, "HTTP/1.1 200"));
	exchange(m, "HEAD /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 200 "));
	assert_null(strstr(buf, "# HELP"));
	exchange(m, "GET / HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 404 "));
	exchange(m, "POST /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 405 "));
	assert_non_null(strstr(buf, "Allow: GET, HEAD\r\n"));
	exchange(m, "garbage\r\n\r\n", buf, sizeof(buf));
	assert_null(strstr(buf, " 200 "));
	assert_int_equal(metrics_requests(m), 5);
	metrics_close(m);
}

static void
test_metrics_open_port_in_use(void **state)
{
	struct haddr lo = ip("127.0.0.1");
	char err[256];
	struct metrics_server *a = metrics_open(&lo, 0, "t", err, sizeof(err));
	struct metrics_server *b;

	(void)state;
	assert_non_null(a);
	b = metrics_open(&lo, metrics_port(a), "t", err, sizeof(err));
	assert_null(b);
	assert_non_null(strstr(err, "--metrics: cannot listen on 127.0.0.1:"));
	assert_non_null(strstr(err, "choose another port"));
	metrics_close(a);
	metrics_close(NULL);
}

/* No connection: no deadline, so an idle hoptop sleeps. */
static void
test_metrics_idle_has_no_deadline(void **state)
{
	struct haddr lo = ip("127.0.0.1");
	char err[256];
	struct metrics_server *m = metrics_open(&lo, 0, "t", err, sizeof(err));

	(void)state;
	assert_non_null(m);
	assert_int_equal(metrics_next_deadline(m, 1000), CLOCK_NEVER);
	metrics_close(m);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_path, teardown_path)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_metrics_write_text_golden),
	    T(test_metrics_write_openmetrics_golden),
	    cmocka_unit_test(test_metrics_write_verdict_and_route_change),
	    T(test_metrics_write_values),
	    T(test_metrics_write_label_escaping),
	    T(test_metrics_write_two_targets_grouped),
	    cmocka_unit_test(test_metrics_write_responders_capped),
	    T(test_metrics_write_openmetrics_naming),
	    cmocka_unit_test(test_metrics_negotiate_table),
	    T(test_metrics_server_answers),
	    cmocka_unit_test(test_metrics_open_port_in_use),
	    cmocka_unit_test(test_metrics_idle_has_no_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
