/*
 * Unit tests for report: every writer against golden files in tests/golden/,
 * plus values read back (JSON), quoting (CSV), --once lines and snapshots.
 *
 * The model (build_path) is 10 cycles, 1 probe per hop, to 10.201.0.5:
 *   1  gw.lab        10/10, RTT 1.0, 1.1, ... 1.9 ms
 *   2  (silent)      0/10
 *   3  core-1.lab    6 replies of 3.0 ms (cycles 0 2 4 6 8 9, flow 0)
 *      we,"ird"|host 4 replies of 4.0 ms (cycles 1 3 5 7, flow 1)
 *   4  10.201.0.4    7/10 (lost 2 5 8), MPLS 24001/16, RTTs below
 *   5  target.lab    10/10 destination, 8.0 / 8.25 ms; an 11th in flight
 * Expected numbers, worked by hand:
 *   1: avg 1.45, stdev sqrt(0.825 / 9) = 0.30277, jitter 0.1,
 *      jint 0.1 * (1 - (15/16)^9) = 0.0440575.
 *   3: avg (6 * 3 + 4 * 4) / 10 = 3.4, stdev sqrt(2.4 / 9) = 0.5164.
 *   4: avg 40.5 / 7 = 5.7857, loss 30%.
 *   5: avg 8.125, sent 11, loss 0% (the probe in flight is not loss).
 *
 * To regenerate the golden files after a deliberate change of format:
 *   HOPTOP_UPDATE_GOLDEN=1 ./test_report
 * then read the diff (git diff tests/golden) line by line before keeping it.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hoptop/report.h"

#define MS          1000000LL
#define GOLDEN_DIR  HOPTOP_SOURCE_DIR "/tests/golden/"
#define T_STARTED   1795392000 /* 2026-11-23 00:00:00 UTC */
#define WEIRD_NAME  "we,\"ird\"|host.lab"
#define TARGET_ADDR "10.201.0.5"

/* ---- the namer: a static table ---- */

struct name_entry {
	const char *ip, *name;
	uint32_t asn; /* 0: unknown */
};

static const struct name_entry names_table[] = {
    {"10.201.0.1", "gw.lab", 64500},
    {"10.201.0.3", "core-1.lab", 64510},
    {"10.201.1.9", WEIRD_NAME, 0},
    {"10.201.0.4", NULL, 64510},
    {TARGET_ADDR, "target.lab", 64501},
};

static const struct name_entry *
lookup(const struct haddr *a)
{
	char ip[ADDR_STRLEN];

	addr_str(a, ip, sizeof(ip));
	for (size_t i = 0; i < sizeof(names_table) / sizeof(names_table[0]);
	     i++)
		if (strcmp(names_table[i].ip, ip) == 0)
			return &names_table[i];
	return NULL;
}

static int
table_name(void *ctx, const struct haddr *a, char *buf, size_t len)
{
	const struct name_entry *e = lookup(a);

	(void)ctx;
	if (e == NULL || e->name == NULL)
		return 0;
	snprintf(buf, len, "%s", e->name);
	return 1;
}

static int
table_asn(void *ctx, const struct haddr *a, uint32_t *asn)
{
	const struct name_entry *e = lookup(a);

	(void)ctx;
	if (e == NULL || e->asn == 0)
		return 0;
	*asn = e->asn;
	return 1;
}

static const struct namer table_namer = {table_name, table_asn, NULL};

/* ---- the model ---- */

static struct haddr
ip(const char *s)
{
	struct haddr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static int64_t
sent_at(int cycle, int ttl)
{
	return (int64_t)cycle * 1000 * MS + ttl * 1000;
}

static uint16_t
seq_of(int cycle, int ttl)
{
	return (uint16_t)(cycle * 10 + ttl);
}

static void
reply(struct path *p, int cycle, int ttl, const char *from, double rtt_ms,
    uint16_t flow, const struct mpls_stack *mpls)
{
	struct haddr a = ip(from);

	path_reply(p, ttl, &a, sent_at(cycle, ttl),
	    (int64_t)(rtt_ms * MS + 0.5), seq_of(cycle, ttl), flow,
	    strcmp(from, TARGET_ADDR) == 0, mpls);
}

static void
lose(struct path *p, int cycle, int ttl)
{
	path_loss(p, ttl, sent_at(cycle, ttl), seq_of(cycle, ttl));
}

static const struct mpls_stack hop4_mpls = {
    2, {{24001, 0, 0, 254}, {16, 0, 1, 254}}};

/* Hop 4: RTT per cycle, < 0 = lost. */
static const double hop4_rtt_ms[10] = {
    5.0, 6.0, -1, 5.5, 7.0, -1, 5.0, 6.5, -1, 5.5};

static void
feed_cycle(struct path *p, int c)
{
	for (int ttl = 1; ttl <= 5; ttl++)
		path_probe_sent(p, ttl);
	reply(p, c, 1, "10.201.0.1", 1.0 + 0.1 * c, 0, NULL);
	if (c % 2 == 0 || c == 9)
		reply(p, c, 3, "10.201.0.3", 3.0, 0, NULL);
	else
		reply(p, c, 3, "10.201.1.9", 4.0, 1, NULL);
	if (hop4_rtt_ms[c] >= 0)
		reply(p, c, 4, "10.201.0.4", hop4_rtt_ms[c], 0, &hop4_mpls);
	reply(p, c, 5, TARGET_ADDR, c % 2 ? 8.25 : 8.0, 0, NULL);
	/* Losses are known a timeout later: after the next cycle's replies. */
	if (c > 0)
		lose(p, c - 1, 2);
	if (c > 0 && hop4_rtt_ms[c - 1] < 0)
		lose(p, c - 1, 4);
}

static struct path *
build_path(void)
{
	struct haddr t = ip(TARGET_ADDR);
	struct path *p = path_new(&t, 1, 30);

	assert_non_null(p);
	for (int c = 0; c < 10; c++)
		feed_cycle(p, c);
	lose(p, 9, 2);
	path_probe_sent(p, 5); /* cycle 10, still in flight */
	p->cycles = 10;
	return p;
}

static struct report_meta
test_meta(void)
{
	struct report_meta m = {
	    .version = "0.1.0",
	    .source_host = "testhost",
	    .target_name = "target.lab",
	    .target_addr = ip(TARGET_ADDR),
	    .proto = "ICMP",
	    .method = "raw socket",
	    .simulated = false,
	    .started = T_STARTED,
	    .ended = T_STARTED + 10,
	    .probes = 1,
	    .first_ttl = 1,
	    .max_ttl = 30,
	    .port = 0,
	    .flows = 1,
	    .interval_s = 1.0,
	    .timeout_s = 2.0,
	    .cycles = 10,
	    .show_mpls = true,
	    .show_asn = false,
	};
	return m;
}

static struct report_view
test_view(enum name_mode mode)
{
	struct report_view v = {&table_namer, mode, NULL, 0};

	return v;
}

/* ---- output capture and golden files ---- */

struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static FILE *
capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

/* Closes the stream; the text stays in c->buf (free it). */
static char *
capture_close(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	return c->buf;
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
		assert_int_equal(fputs(got, f) >= 0, 1);
		assert_int_equal(fclose(f), 0);
		return;
	}
	want = read_file(path);
	if (want == NULL)
		fail_msg("%s missing (HOPTOP_UPDATE_GOLDEN=1 makes it)", path);
	if (strcmp(want, got) != 0) {
		FILE *f = fopen(name, "wb"); /* in the build dir, for diff */

		if (f != NULL) {
			fputs(got, f);
			fclose(f);
		}
		fprintf(
		    stderr, "differs from %s: diff it with ./%s\n", path, name);
	}
	assert_string_equal(got, want);
	free(want);
}

typedef int (*writer_fn)(FILE *, const struct path *,
    const struct report_meta *, const struct report_view *);

static char *
run_writer(writer_fn w, const struct path *p, const struct report_meta *m,
    const struct report_view *v)
{
	struct capture c;

	assert_int_equal(w(capture_open(&c), p, m, v), 0);
	return capture_close(&c);
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

/* ---- golden files ---- */

struct golden_case {
	const char *file;
	writer_fn writer;
	enum name_mode mode;
	bool variant; /* simulated, AS column, jitter columns, no MPLS */
};

static const struct golden_case golden_cases[] = {
    {"report.txt", report_write_text, NAMES_HOST, false},
    {"report-both-asn.txt", report_write_text, NAMES_BOTH, true},
    {"report.json", report_write_json, NAMES_ADDR, false},
    {"report.csv", report_write_csv, NAMES_HOST, false},
    {"report.md", report_write_markdown, NAMES_HOST, false},
    {"report-both-asn.md", report_write_markdown, NAMES_BOTH, true},
};

static void
test_report_writers_golden(void **state)
{
	const struct path *p = *state;

	for (size_t i = 0; i < sizeof(golden_cases) / sizeof(golden_cases[0]);
	     i++) {
		const struct golden_case *gc = &golden_cases[i];
		struct report_meta m = test_meta();
		struct report_view v = test_view(gc->mode);
		char *out;

		if (gc->variant) {
			m.simulated = true;
			m.method = "simulated";
			m.show_asn = true;
			m.show_mpls = false;
			v.cols = column_set_jitter;
			v.ncols = column_set_jitter_n;
		}
		out = run_writer(gc->writer, p, &m, &v);
		check_golden(gc->file, out);
		free(out);
	}
}

/* A silent hop: "???", Loss% and Snt, nothing after (no trailing blanks). */
static void
test_report_write_text_silent_hop(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);
	char *out = run_writer(report_write_text, *state, &m, &v);
	char want[256], loss[32];
	char *line = strstr(out, "\n  2.|-- ???");

	assert_non_null(line);
	line++;
	*strchr(line, '\n') = '\0';
	column_format(COL_LOSS, &path_hop(*state, 2)->st, loss, sizeof(loss));
	assert_string_equal(loss, "100.0%");
	snprintf(want, sizeof(want), "  2.|-- %-30s %*s %*s", "???",
	    column_get(COL_LOSS)->width, loss, column_get(COL_SNT)->width,
	    "10");
	assert_string_equal(line, want);
	free(out);
}

/* An extra responder: the mtr-style branch, its own numbers. */
static void
test_report_write_text_extra_responder(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_ADDR);
	char *out = run_writer(report_write_text, *state, &m, &v);
	char *line = strstr(out, "\n    |  `|-- 10.201.1.9 ");

	assert_non_null(line);
	line++;
	*strchr(line, '\n') = '\0';
	/* Loss% and Snt empty, then Last Avg Best Wrst StDev of 4 x 4.00 ms. */
	assert_non_null(strstr(line, "4.00   4.00   4.00   4.00  0.000"));
	assert_null(strstr(line, "%"));
	free(out);
}

/* A namer that gives every address the same name (its ctx). */
static int
same_name(void *ctx, const struct haddr *a, char *buf, size_t len)
{
	(void)a;
	snprintf(buf, len, "%s", (const char *)ctx);
	return 1;
}

static void
test_report_write_text_no_view(void **state)
{
	struct report_meta m = test_meta();
	char *out = run_writer(report_write_text, *state, &m, NULL);

	assert_non_null(strstr(out, "\n  1.|-- 10.201.0.1 "));
	assert_non_null(strstr(out, "\n    |  `|-- 10.201.1.9 "));
	free(out);
}

/* Beyond 60 columns a host is cut with "..."; the columns stay aligned. */
static void
test_report_write_text_cuts_long_host(void **state)
{
	char name[80], want[80], *out, *l1, *l2;
	struct namer n = {same_name, NULL, name};
	struct report_meta m = test_meta();
	struct report_view v = {&n, NAMES_HOST, NULL, 0};

	memset(name, 'a', 70);
	name[70] = '\0';
	out = run_writer(report_write_text, *state, &m, &v);
	snprintf(want, sizeof(want), "  1.|-- %.57s... ", name);
	l1 = strstr(out, want);
	assert_non_null(l1);
	snprintf(want, sizeof(want), "    |  `|-- %.53s... ", name);
	l2 = strstr(out, want);
	assert_non_null(l2);
	/* Both end their host cell at column 8 + 60. */
	assert_int_equal(strchr(l1, '\n') - l1, strchr(l2, '\n') - l2);
	free(out);
}

/* Names of 1- and 2-column characters, by the address's last byte. */
static const char *const wide_names[] = {"plain.example",
    "caf\xc3\xa9.\xc3\xa9t\xc3\xa9.example",
    "\xe4\xb8\xad\xe6\x96\x87.example"};
static const int wide_cols[] = {13, 16, 12};

static int
wide_name(void *ctx, const struct haddr *a, char *buf, size_t len)
{
	const uint8_t *b = (const uint8_t *)&a->u.v4;

	(void)ctx;
	snprintf(buf, len, "%s", wide_names[b[3] % 3]);
	return 1;
}

/*
 * Multi-byte host names are padded by the columns they take, not their
 * bytes: every row's Loss% column starts at the same display column.
 */
static void
test_report_write_text_pads_by_display_width(void **state)
{
	struct namer n = {wide_name, NULL, NULL};
	struct report_meta m = test_meta();
	struct report_view v = {&n, NAMES_HOST, NULL, 0};
	char *out = run_writer(report_write_text, *state, &m, &v), *line;
	int want = -1, rows = 0;

	for (line = strtok(out, "\n"); line != NULL;
	     line = strtok(NULL, "\n")) {
		const char *pct = strchr(line, '%');
		int col, extra = 0;

		if (strstr(line, ".|-- ") == NULL || pct == NULL)
			continue;
		for (size_t k = 0; k < 3; k++)
			if (strstr(line, wide_names[k]) != NULL)
				extra =
				    (int)strlen(wide_names[k]) - wide_cols[k];
		col = (int)(pct - line) - extra;
		if (want < 0)
			want = col;
		if (col != want)
			fail_msg(
			    "'%s': %% at column %d, want %d", line, col, want);
		rows++;
	}
	assert_true(rows >= 3);
	free(out);
}

/*
 * Control bytes in a name (a hostile PTR record) or in the target never
 * reach the output: C0, DEL, C1 (U+009B is CSI) and invalid UTF-8 come out
 * as \xHH (JSON then escapes the backslash); a valid "é" stays.
 */
static void
test_report_writers_clean_control_bytes(void **state)
{
	static const struct {
		writer_fn fn;
		const char *want;
	} writers[] = {
	    {report_write_text,
	        "evil\\x1b[2J\\x0dn\\xc2\\x9b\\x7f\\xff\xc3\xa9"},
	    {report_write_markdown,
	        "evil\\\\x1b[2J\\\\x0dn\\\\xc2\\\\x9b\\\\x7f\\\\xff\xc3\xa9"},
	    {report_write_csv,
	        "evil\\x1b[2J\\x0dn\\xc2\\x9b\\x7f\\xff\xc3\xa9"},
	    {report_write_json,
	        "evil\\\\x1b[2J\\\\x0dn\\\\xc2\\\\x9b\\\\x7f\\\\xff\xc3\xa9"},
	};
	const char *bad = "evil\x1b[2J\rn\xc2\x9b\x7f\xff\xc3\xa9";
	struct namer n = {same_name, NULL, (void *)bad};
	struct report_meta m = test_meta();
	struct report_view v = {&n, NAMES_HOST, NULL, 0};

	m.target_name = bad;
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		char *out = run_writer(writers[i].fn, *state, &m, &v);

		assert_null(strchr(out, 0x1b));
		assert_null(strstr(out, "\rn")); /* CSV ends lines with CR LF */
		assert_null(strstr(out, "\xc2\x9b"));
		if (strchr(out, 0x7f) != NULL)
			fail_msg("writer %zu: DEL in:\n%s", i, out);
		assert_null(strchr(out, (char)0xff));
		if (strstr(out, writers[i].want) == NULL)
			fail_msg("writer %zu: no '%s' in:\n%s", i,
			    writers[i].want, out);
		free(out);
	}
}

/* ---- JSON read back ---- */

static json_t *
hop_at(json_t *root, size_t i)
{
	json_t *h = json_array_get(json_object_get(root, "hops"), i);

	assert_non_null(h);
	return h;
}

static double
num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		fail_msg("%s is not a number", key);
	return json_number_value(v);
}

static void
assert_close(double got, double want)
{
	if (got - want > 1e-9 || want - got > 1e-9) /* no libm here */
		fail_msg("got %.17g, want %.17g", got, want);
}

/* The JSON of the test path, parsed back (json_decref it). */
static json_t *
json_of(const struct path *p)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_ADDR);
	char *out = run_writer(report_write_json, p, &m, &v);
	json_error_t err;
	json_t *root = json_loads(out, 0, &err);

	if (root == NULL)
		fail_msg(
		    "JSON does not parse: %s (line %d)", err.text, err.line);
	free(out);
	return root;
}

static void
test_report_write_json_run(void **state)
{
	json_t *root = json_of(*state);

	assert_int_equal(num(root, "schema"), REPORT_JSON_SCHEMA);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(root, "target"), "ip")),
	    TARGET_ADDR);
	assert_string_equal(json_string_value(json_object_get(root, "started")),
	    "2026-11-23T00:00:00Z");
	assert_true(json_is_false(json_object_get(root, "simulated")));
	assert_true(num(json_object_get(root, "options"), "timeout_s") == 2.0);
	assert_int_equal(num(root, "destination_ttl"), 5);
	assert_int_equal(json_array_size(json_object_get(root, "hops")), 5);
	json_decref(root);
}

static void
test_report_write_json_hops(void **state)
{
	json_t *root = json_of(*state), *h;

	/* Hop 1: exact ms from whole ns; the name even with NAMES_ADDR. */
	h = hop_at(root, 0);
	assert_true(num(h, "last_ms") == 1.9);
	assert_true(num(h, "best_ms") == 1.0);
	assert_close(num(h, "avg_ms"), 1.45);
	assert_close(num(h, "stdev_ms"), 0.30276503540974914);
	assert_close(num(h, "jitter_ms"), 0.1);
	assert_close(num(h, "jint_ms"), 0.04405754932813579);
	assert_string_equal(
	    json_string_value(json_object_get(h, "hostname")), "gw.lab");
	assert_int_equal(num(h, "asn"), 64500);
	/* Hop 2: silent. */
	h = hop_at(root, 1);
	assert_true(json_is_null(json_object_get(h, "ip")));
	assert_true(json_is_null(json_object_get(h, "avg_ms")));
	assert_true(num(h, "loss_pct") == 100.0);
	assert_int_equal(num(h, "sent"), 10);
	assert_int_equal(json_array_size(json_object_get(h, "responders")), 0);
	/* Hop 4: loss. Hop 5: the probe in flight is sent, not lost. */
	h = hop_at(root, 3);
	assert_true(num(h, "loss_pct") == 30.0);
	assert_close(num(h, "avg_ms"), 40.5 / 7);
	h = hop_at(root, 4);
	assert_int_equal(num(h, "sent"), 11);
	assert_int_equal(num(h, "received"), 10);
	assert_true(num(h, "loss_pct") == 0.0);
	assert_close(num(h, "avg_ms"), 8.125);
	json_decref(root);
}

static void
test_report_write_json_responders(void **state)
{
	json_t *root = json_of(*state), *h, *r, *flows;

	h = hop_at(root, 2);
	assert_close(num(h, "avg_ms"), 3.4);
	assert_close(num(h, "stdev_ms"), 0.5163977794943222);
	assert_string_equal(
	    json_string_value(json_object_get(h, "ip")), "10.201.0.3");
	r = json_array_get(json_object_get(h, "responders"), 1);
	assert_string_equal(
	    json_string_value(json_object_get(r, "hostname")), WEIRD_NAME);
	assert_true(json_is_null(json_object_get(r, "asn")));
	assert_true(num(r, "share_pct") == 40.0);
	assert_int_equal(num(r, "received"), 4);
	assert_true(num(r, "avg_ms") == 4.0);
	flows = json_object_get(r, "flows");
	assert_int_equal(json_array_size(flows), 1);
	assert_int_equal(json_integer_value(json_array_get(flows, 0)), 1);
	/* MPLS at hop 4. */
	r = json_array_get(json_object_get(hop_at(root, 3), "responders"), 0);
	r = json_array_get(json_object_get(r, "mpls"), 0);
	assert_int_equal(num(r, "label"), 24001);
	assert_int_equal(num(r, "s"), 0);
	assert_int_equal(num(r, "ttl"), 254);
	json_decref(root);
}

/* ---- CSV ---- */

static void
test_report_write_csv_quoting(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);
	char *out = run_writer(report_write_csv, *state, &m, &v);

	const char *head = "ttl,responder,ip,hostname,asn,loss_pct,sent,"
	                   "received,last_ms,avg_ms,best_ms,worst_ms,stdev_ms,"
	                   "jitter_ms,jint_ms,loss_cause,method\r\n";

	assert_true(strncmp(out, head, strlen(head)) == 0);
	/* The quoted name, and a responder row: no asn, loss or sent. */
	assert_non_null(
	    strstr(out, "\r\n3,1,10.201.1.9,"
	                "\"we,\"\"ird\"\"|host.lab\",,,,4,"
	                "4.0,4.0,4.0,4.0,0.0,0.0,0.0,,raw socket\r\n"));
	assert_non_null(
	    strstr(out, "\r\n2,0,,,,100.0,10,0,,,,,,,,reply,raw socket\r\n"));
	assert_non_null(strstr(out, "\r\n1,0,10.201.0.1,gw.lab,64500,0.0,10,"
	                            "10,1.9,1.45,1.0,1.9,0.302765,0.1,"
	                            "0.044058,none,raw socket\r\n"));
	/* No bare LF: every line ends in CRLF. */
	for (char *c = strchr(out, '\n'); c != NULL; c = strchr(c + 1, '\n'))
		assert_int_equal(c[-1], '\r');
	free(out);
}

static void
test_report_write_markdown_escapes_pipe(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);
	char *out = run_writer(report_write_markdown, *state, &m, &v);

	assert_non_null(strstr(out, "|   | ↳ we,\"ird\"\\|host.lab |"));
	assert_non_null(strstr(out, "\n| 2 | ??? | 100.0% | 10 |"));
	free(out);
}

/* ---- --once ---- */

static char *
once_line(const struct path *p, int ttl, int nprobes, enum name_mode mode)
{
	struct report_view v = test_view(mode);
	struct capture c;

	assert_int_equal(
	    report_once_line(capture_open(&c), p, ttl, nprobes, &v), 0);
	return capture_close(&c);
}

struct once_case {
	int ttl, nprobes;
	enum name_mode mode;
	const char *want;
};

static const struct once_case once_cases[] = {
    {1, 3, NAMES_HOST,
        " 1  gw.lab (10.201.0.1)  1.700 ms  1.800 ms  1.900 ms\n"},
    {1, 3, NAMES_BOTH,
        " 1  gw.lab (10.201.0.1)  1.700 ms  1.800 ms  1.900 ms\n"},
    {1, 2, NAMES_ADDR, " 1  10.201.0.1  1.800 ms  1.900 ms\n"},
    {2, 3, NAMES_HOST, " 2  * * *\n"},
    {2, 1, NAMES_ADDR, " 2  *\n"},
    {3, 3, NAMES_HOST,
        " 3  we,\"ird\"|host.lab (10.201.1.9)  4.000 ms core-1.lab "
        "(10.201.0.3)  3.000 ms  3.000 ms\n"},
    {3, 4, NAMES_ADDR,
        " 3  10.201.0.3  3.000 ms 10.201.1.9  4.000 ms 10.201.0.3  3.000 ms  "
        "3.000 ms\n"},
    /* Replies 7 and 9, loss 8 noted last: shown in send order. */
    {4, 3, NAMES_HOST, " 4  10.201.0.4 (10.201.0.4)  6.500 ms *  5.500 ms\n"},
    {4, 3, NAMES_ADDR, " 4  10.201.0.4  6.500 ms *  5.500 ms\n"},
    {5, 1, NAMES_HOST, " 5  target.lab (10.201.0.5)  8.250 ms\n"},
    /* Never probed: every probe a star. */
    {9, 3, NAMES_HOST, " 9  * * *\n"},
};

static void
test_report_once_line_cases(void **state)
{
	for (size_t i = 0; i < sizeof(once_cases) / sizeof(once_cases[0]);
	     i++) {
		const struct once_case *oc = &once_cases[i];
		char *got = once_line(*state, oc->ttl, oc->nprobes, oc->mode);

		if (strcmp(got, oc->want) != 0)
			fail_msg("case %zu:\n got  [%s]\n want [%s]", i, got,
			    oc->want);
		free(got);
	}
}

static void
test_report_once_golden(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);
	struct capture c;
	FILE *f = capture_open(&c);
	char *out;

	m.probes = 3;
	assert_int_equal(report_once_header(f, &m), 0);
	for (int ttl = 1; ttl <= path_last_ttl(*state); ttl++)
		assert_int_equal(report_once_line(f, *state, ttl, 3, &v), 0);
	out = capture_close(&c);
	check_golden("once.txt", out);
	free(out);
}

static void
test_report_once_header_simulated_v6(void **state)
{
	struct report_meta m = test_meta();
	struct capture c;
	char *out;

	(void)state;
	m.simulated = true;
	m.target_name = "demo";
	m.target_addr = ip("fd00:201::5");
	m.max_ttl = 12;
	assert_int_equal(report_once_header(capture_open(&c), &m), 0);
	out = capture_close(&c);
	assert_string_equal(out, "traceroute to demo (fd00:201::5), 12 hops "
	                         "max, 76 byte packets (simulated)\n");
	free(out);
}

/* The size is what is sent: a TCP probe is a bare 20-byte SYN. */
static void
test_report_once_header_tcp_size(void **state)
{
	static const struct {
		const char *proto, *addr;
		int bytes;
	} cases[] = {
	    {"ICMP", "10.201.0.5", 56},
	    {"UDP", "10.201.0.5", 56},
	    {"TCP", "10.201.0.5", 40},
	    {"TCP", "fd00:201::5", 60},
	};
	char want[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report_meta m = test_meta();
		struct capture c;
		char *out;

		m.proto = cases[i].proto;
		m.target_addr = ip(cases[i].addr);
		assert_int_equal(report_once_header(capture_open(&c), &m), 0);
		out = capture_close(&c);
		snprintf(want, sizeof(want),
		    "traceroute to target.lab (%s), 30 hops max, %d byte "
		    "packets\n",
		    cases[i].addr, cases[i].bytes);
		assert_string_equal(out, want);
		free(out);
	}
}

/* After r, the reports say when the numbers start, beside the start. */
static void
test_report_reset_time_shown(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_ADDR);
	char *out;

	m.reset = T_STARTED + 5;
	out = run_writer(report_write_text, *state, &m, &v);
	assert_non_null(strstr(out, "Start: 2026-11-23T00:00:00+0000\n"
	                            "Reset: 2026-11-23T00:00:05+0000 (the "
	                            "numbers cover the time since)\n"));
	free(out);
	out = run_writer(report_write_markdown, *state, &m, &v);
	assert_non_null(strstr(out, "- Reset: "));
	free(out);
	out = run_writer(report_write_json, *state, &m, &v);
	assert_non_null(strstr(out, "\"reset\": \"2026-11-23T00:00:05"));
	free(out);
	m.reset = 0;
	out = run_writer(report_write_text, *state, &m, &v);
	assert_null(strstr(out, "Reset:"));
	free(out);
}

/* ---- write errors ---- */

static void
test_report_writers_fail_on_full_disk(void **state)
{
	writer_fn writers[] = {report_write_text, report_write_json,
	    report_write_csv, report_write_markdown};
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);

	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		FILE *f = fopen("/dev/full", "w");

		if (f == NULL)
			skip();
		errno = 0;
		assert_int_equal(writers[i](f, *state, &m, &v), -1);
		assert_int_equal(errno, ENOSPC);
		fclose(f);
	}
}

/* ---- snapshots ---- */

static char *
make_temp_dir(void)
{
	char *d = strdup("/tmp/hoptop-report-test-XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

/* Entries in dir other than . and .. (names into a static list). */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
remove_dir(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_report_snapshot_writes_file(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);
	char *dir = make_temp_dir(), out[512], want[512];
	char *text = run_writer(report_write_text, *state, &m, &v), *got;
	time_t when = T_STARTED + 3723; /* 01:02:03 */
	const char *head =
	    "hoptop snapshot of target.lab at 2026-11-23 01:02:03 UTC\n\n";

	assert_int_equal(
	    report_snapshot(dir, when, *state, &m, &v, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/hoptop-target.lab-20261123-010203.txt",
	    dir);
	assert_string_equal(out, want);
	got = read_file(out);
	assert_non_null(got);
	assert_true(strncmp(got, head, strlen(head)) == 0);
	assert_string_equal(got + strlen(head), text);
	free(got);
	/* The same second again: a suffix, never an overwrite. */
	assert_int_equal(
	    report_snapshot(dir, when, *state, &m, &v, out, sizeof(out)), 0);
	snprintf(want, sizeof(want),
	    "%s/hoptop-target.lab-20261123-010203-1.txt", dir);
	assert_string_equal(out, want);
	assert_int_equal(count_entries(dir), 2); /* no temp file left */
	remove_dir(dir);
	free(dir);
	free(text);
}

static void
test_report_snapshot_sanitizes_target(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);
	char *dir = make_temp_dir(), out[512], want[512];

	m.target_name = "fe80::1%eth0/../x y";
	assert_int_equal(
	    report_snapshot(dir, T_STARTED, *state, &m, &v, out, sizeof(out)),
	    0);
	snprintf(want, sizeof(want),
	    "%s/hoptop-fe80__1_eth0_.._x_y-20261123-000000.txt", dir);
	assert_string_equal(out, want);
	assert_int_equal(count_entries(dir), 1);
	remove_dir(dir);
	free(dir);
}

/*
 * In a child without write access (as nobody if we are root): -1 with
 * EACCES, and nothing left in the directory.
 */
static void
test_report_snapshot_unwritable_dir(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);
	char *dir = make_temp_dir(), out[512];
	int status;
	pid_t pid;

	assert_int_equal(chmod(dir, 0500), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc;

		if (geteuid() == 0 &&
		    (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
		        setuid(65534) != 0))
			_exit(3);
		errno = 0;
		rc = report_snapshot(
		    dir, T_STARTED, *state, &m, &v, out, sizeof(out));
		_exit(rc == -1 && (errno == EACCES || errno == ENOENT) ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_entries(dir), 0);
	assert_int_equal(chmod(dir, 0700), 0);
	remove_dir(dir);
	free(dir);
}

static void
test_report_snapshot_missing_dir(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);
	char *dir = make_temp_dir(), sub[512], out[512];

	snprintf(sub, sizeof(sub), "%s/nope", dir);
	errno = 0;
	assert_int_equal(
	    report_snapshot(sub, T_STARTED, *state, &m, &v, out, sizeof(out)),
	    -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(count_entries(dir), 0);
	remove_dir(dir);
	free(dir);
}

/*
 * Someone who can write the directory pre-creates every temp name the old
 * scheme would try (.hoptop-snapshot-PID-0..99.tmp, some as symlinks to a
 * file of theirs): s still works, follows no link, and leaves those alone.
 */
static void
test_report_snapshot_predictable_temp_names_taken(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);
	char *dir = make_temp_dir(), out[512], name[600], victim[600];
	struct stat st;
	FILE *f;

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	f = fopen(victim, "w");
	assert_non_null(f);
	fclose(f);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "%s/.hoptop-snapshot-%ld-%d.tmp",
		    dir, (long)getpid(), i);
		if (i % 2 == 0)
			assert_int_equal(symlink(victim, name), 0);
		else
			assert_int_equal(mkdir(name, 0700), 0);
	}
	assert_int_equal(
	    report_snapshot(dir, T_STARTED, *state, &m, &v, out, sizeof(out)),
	    0);
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 0); /* never written through a link */
	assert_int_equal(count_entries(dir), 102); /* + the snapshot only */
	assert_int_equal(stat(out, &st), 0);
	assert_true(st.st_size > 0);
	remove_dir(dir);
	free(dir);
}

/* The name does not fit the caller's buffer: -1, and nothing left. */
static void
test_report_snapshot_out_too_small(void **state)
{
	struct report_meta m = test_meta();
	struct report_view v = test_view(NAMES_HOST);
	char *dir = make_temp_dir(), out[16];

	errno = 0;
	assert_int_equal(
	    report_snapshot(dir, T_STARTED, *state, &m, &v, out, sizeof(out)),
	    -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(count_entries(dir), 0);
	remove_dir(dir);
	free(dir);
}

#define PATH_TEST(fn) \
	cmocka_unit_test_setup_teardown(fn, setup_path, teardown_path)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    PATH_TEST(test_report_writers_golden),
	    PATH_TEST(test_report_write_text_silent_hop),
	    PATH_TEST(test_report_write_text_extra_responder),
	    PATH_TEST(test_report_write_text_no_view),
	    PATH_TEST(test_report_write_text_cuts_long_host),
	    PATH_TEST(test_report_write_text_pads_by_display_width),
	    PATH_TEST(test_report_writers_clean_control_bytes),
	    PATH_TEST(test_report_write_json_run),
	    PATH_TEST(test_report_write_json_hops),
	    PATH_TEST(test_report_write_json_responders),
	    PATH_TEST(test_report_write_csv_quoting),
	    PATH_TEST(test_report_write_markdown_escapes_pipe),
	    PATH_TEST(test_report_once_line_cases),
	    PATH_TEST(test_report_once_golden),
	    PATH_TEST(test_report_once_header_simulated_v6),
	    PATH_TEST(test_report_once_header_tcp_size),
	    PATH_TEST(test_report_reset_time_shown),
	    PATH_TEST(test_report_writers_fail_on_full_disk),
	    PATH_TEST(test_report_snapshot_writes_file),
	    PATH_TEST(test_report_snapshot_sanitizes_target),
	    PATH_TEST(test_report_snapshot_unwritable_dir),
	    PATH_TEST(test_report_snapshot_missing_dir),
	    PATH_TEST(test_report_snapshot_out_too_small),
	    PATH_TEST(test_report_snapshot_predictable_temp_names_taken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
