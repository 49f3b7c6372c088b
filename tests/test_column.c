/*
 * Unit tests for column: every column's text and value for prepared stats,
 * and that every writer (JSON, CSV, Markdown, text) takes its statistics
 * from this table: each column shows under its key or title with its
 * value(), so a row added to the table is checked in every output at once.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "hoptop/column.h"
#include "hoptop/report.h"

#define US 1000LL

struct meta {
	enum col_id id;
	const char *key, *title;
	int width;
	enum col_kind kind;
	unsigned out;
};

#define HOP  COL_OUT_HOP
#define RESP COL_OUT_RESP
#define PING COL_OUT_PING
#define ALL  (HOP | RESP | PING)

/* JSON schema 1 and the CSV header: Jmax and Jttr are on the screen only. */
static const struct meta metas[] = {
    {COL_LOSS, "loss_pct", "Loss%", 6, COL_KIND_PCT, HOP | PING},
    {COL_SNT, "sent", "Snt", 5, COL_KIND_COUNT, HOP | PING},
    {COL_RCV, "received", "Rcv", 5, COL_KIND_COUNT, ALL},
    {COL_LAST, "last_ms", "Last", 6, COL_KIND_MS, ALL},
    {COL_AVG, "avg_ms", "Avg", 6, COL_KIND_MS, ALL},
    {COL_BEST, "best_ms", "Best", 6, COL_KIND_MS, ALL},
    {COL_WRST, "worst_ms", "Wrst", 6, COL_KIND_MS, ALL},
    {COL_STDEV, "stdev_ms", "StDev", 6, COL_KIND_MS, ALL},
    {COL_JITTER, "jitter_ms", "Javg", 6, COL_KIND_MS, HOP},
    {COL_JINT, "jint_ms", "Jint", 6, COL_KIND_MS, HOP},
    {COL_JMAX, "jmax_ms", "Jmax", 6, COL_KIND_MS, 0},
    {COL_JTTR, "jttr_ms", "Jttr", 6, COL_KIND_MS, 0},
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
		assert_int_equal(c->kind, metas[i].kind);
		assert_int_equal(c->out, metas[i].out);
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

/* ---- every writer takes the table ---- */

#define MS 1000000LL

/* A reply from address from (the target: 10.201.0.3) at ttl. */
static void
answer(struct path *p, int ttl, const char *from, int64_t rtt_us, int seq)
{
	struct haddr a;

	assert_int_equal(addr_parse(from, &a), 0);
	path_probe_sent(p, ttl);
	path_reply(p, ttl, &a, seq * MS, rtt_us * US, (uint16_t)seq, 0,
	    strcmp(from, "10.201.0.3") == 0, NULL);
}

/*
 * Hop 1: two responders (1.5, 2.25 ms; 3 ms), one loss, one in flight, and
 * a ping of its own (0.7, 0.9 ms, one lost). Hop 2: two probes, none
 * settled (Loss% unknown, no times). Hop 3: the target, four replies.
 */
static struct path *
writers_path(void)
{
	static const int64_t dest_us[] = {5000, 5500, 6000, 7250};
	struct haddr t, h1;
	struct path *p;

	assert_int_equal(addr_parse("10.201.0.3", &t), 0);
	assert_int_equal(addr_parse("10.201.0.1", &h1), 0);
	p = path_new(&t, 1, 30);
	assert_non_null(p);
	answer(p, 1, "10.201.0.1", 1500, 1);
	answer(p, 1, "10.201.0.1", 2250, 2);
	answer(p, 1, "10.201.1.1", 3000, 3);
	path_probe_sent(p, 1);
	path_loss(p, 1, 4 * MS, 4);
	path_probe_sent(p, 1);
	for (int i = 0; i < 3; i++)
		path_ping_sent(p, 1, &h1);
	path_ping_reply(p, 1, 700 * US);
	path_ping_reply(p, 1, 900 * US);
	path_ping_loss(p, 1);
	path_probe_sent(p, 2);
	path_probe_sent(p, 2);
	for (int i = 0; i < 4; i++)
		answer(p, 3, "10.201.0.3", dest_us[i], 10 + i);
	p->cycles = 4;
	return p;
}

static char *
write_report(int (*w)(FILE *, const struct path *, const struct report_meta *,
                 const struct report_view *),
    const struct path *p, const struct report_view *v)
{
	struct report_meta m = {.version = "0.1.0",
	    .proto = "ICMP",
	    .method = "raw socket",
	    .probes = 1,
	    .interval_s = 1.0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(w(f, p, &m, v), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static int
count_out(unsigned out)
{
	int n = 0;

	for (int id = 0; id < COL_COUNT; id++)
		n += (column_get(id)->out & out) != 0;
	return n;
}

/* o has, of the statistics, exactly the columns with bit out, each with
 * its value() (null where column_has_number() is false). */
static void
check_json_cols(const json_t *o, const struct stats *s, unsigned out)
{
	for (int id = 0; id < COL_COUNT; id++) {
		const struct column *c = column_get(id);
		json_t *v = json_object_get(o, c->key);

		if (!(c->out & out)) {
			if (v != NULL)
				fail_msg("%s where it does not belong", c->key);
			continue;
		}
		if (v == NULL)
			fail_msg("no %s", c->key);
		if (!column_has_number(id, s))
			assert_true(json_is_null(v));
		else if (c->kind == COL_KIND_COUNT)
			assert_int_equal(json_integer_value(v), c->value(s));
		else if (!json_is_real(v) ||
		         fabs(json_real_value(v) - c->value(s)) > 1e-12)
			fail_msg("%s: %.17g, want %.17g", c->key,
			    json_number_value(v), c->value(s));
	}
}

static void
test_column_drives_json(void **state)
{
	struct path *p = writers_path();
	char *out = write_report(report_write_json, p, NULL);
	json_t *root = json_loads(out, 0, NULL), *hops, *h, *r;

	(void)state;
	assert_non_null(root);
	hops = json_object_get(root, "hops");
	assert_int_equal(json_array_size(hops), 3);
	for (int ttl = 1; ttl <= 3; ttl++) {
		const struct hop *hp = path_hop(p, ttl);
		json_t *resp;

		h = json_array_get(hops, (size_t)ttl - 1);
		check_json_cols(h, &hp->st, COL_OUT_HOP);
		/* ttl ip hostname asn loss_cause lost in_flight responders */
		assert_int_equal(json_object_size(h),
		    8 + count_out(COL_OUT_HOP) + (hp->ping.sent > 0));
		resp = json_object_get(h, "responders");
		assert_int_equal(json_array_size(resp), hp->nresp);
		for (int i = 0; i < hp->nresp; i++) {
			r = json_array_get(resp, (size_t)i);
			check_json_cols(r, &hp->resp[i].st, COL_OUT_RESP);
			/* ip hostname asn share_pct flows mpls */
			assert_int_equal(
			    json_object_size(r), 6 + count_out(COL_OUT_RESP));
		}
	}
	h = json_array_get(hops, 0);
	r = json_object_get(h, "ping");
	check_json_cols(r, &path_hop(p, 1)->ping, COL_OUT_PING);
	assert_int_equal(json_object_size(r), 1 + count_out(COL_OUT_PING));
	/* The numbers themselves, worked by hand. */
	assert_true(json_real_value(json_object_get(h, "loss_pct")) == 25.0);
	assert_int_equal(json_integer_value(json_object_get(h, "sent")), 5);
	assert_true(json_real_value(json_object_get(h, "avg_ms")) == 2.25);
	assert_true(json_real_value(json_object_get(r, "avg_ms")) == 0.8);
	/* Hop 2: nothing settled: Loss% 0 (schema 1), no times. */
	h = json_array_get(hops, 1);
	assert_true(json_is_real(json_object_get(h, "loss_pct")));
	assert_true(json_real_value(json_object_get(h, "loss_pct")) == 0.0);
	assert_true(json_is_null(json_object_get(h, "best_ms")));
	json_decref(root);
	free(out);
	path_free(p);
}

/* Splits line at ',' into f (no quoting in this path's fields). */
static int
split(char *line, char **f, int max)
{
	int n = 0;
	char *c = line;

	while (n < max) {
		f[n++] = c;
		c = strchr(c, ',');
		if (c == NULL)
			break;
		*c++ = '\0';
	}
	return n;
}

static const struct stats *
row_stats(const struct path *p, int ttl, int index, const char *addr)
{
	const struct hop *h = path_hop(p, ttl);
	char buf[ADDR_STRLEN];

	if (index == 0)
		return &h->st;
	for (int i = 0; i < h->nresp; i++)
		if (strcmp(addr_str(&h->resp[i].addr, buf, sizeof(buf)),
		        addr) == 0)
			return &h->resp[i].st;
	fail_msg("no responder %s at hop %d", addr, ttl);
	return NULL;
}

static void
check_csv_row(const struct path *p, char **f)
{
	int k = 5, index = atoi(f[1]);
	const struct stats *s = row_stats(p, atoi(f[0]), index, f[2]);
	char want[64];

	for (int id = 0; id < COL_COUNT; id++) {
		const struct column *c = column_get(id);

		if (!(c->out & COL_OUT_HOP))
			continue;
		if ((index > 0 && (id == COL_LOSS || id == COL_SNT)) ||
		    !column_has_number(id, s))
			assert_string_equal(f[k], "");
		else if (c->kind == COL_KIND_COUNT) {
			snprintf(
			    want, sizeof(want), "%u", (unsigned)c->value(s));
			assert_string_equal(f[k], want);
		} else if (fabs(strtod(f[k], NULL) - c->value(s)) > 5e-7)
			fail_msg(
			    "%s: %s, want %.9f", c->key, f[k], c->value(s));
		k++;
	}
}

static void
test_column_drives_csv(void **state)
{
	struct path *p = writers_path();
	char *out = write_report(report_write_csv, p, NULL), *line, *f[40];
	int n, rows = 0, k = 5;

	(void)state;
	/* By hand: hop 1 (RTTs 1.5 2.25 3), hop 2 (Loss% 0 as in JSON). */
	assert_non_null(strstr(out, "\n1,0,10.201.0.1,,,25.0,5,3,3.0,2.25,1.5,"
	                            "3.0,0.75,0.75,0.09082,"));
	assert_non_null(strstr(out, "\n2,0,,,,0.0,2,0,,,,,,,,"));
	line = strtok(out, "\r\n");
	n = split(line, f, 40);
	assert_int_equal(n, 5 + count_out(COL_OUT_HOP) + 2);
	assert_string_equal(f[4], "asn");
	for (int id = 0; id < COL_COUNT; id++)
		if (column_get(id)->out & COL_OUT_HOP)
			assert_string_equal(f[k++], column_get(id)->key);
	assert_string_equal(f[k], "loss_cause");
	while ((line = strtok(NULL, "\r\n")) != NULL) {
		assert_int_equal(split(line, f, 40), n);
		check_csv_row(p, f);
		rows++;
	}
	assert_int_equal(rows, 4); /* hop 1 and its second responder, 2, 3 */
	free(out);
	path_free(p);
}

/* Markdown and text, with every column of the table in view. */
static void
test_column_drives_markdown_and_text(void **state)
{
	static enum col_id all[COL_COUNT];
	struct report_view v = {NULL, NAMES_ADDR, all, COL_COUNT};
	struct path *p = writers_path();
	char *md, *txt, head[512] = "| # | Host |", tt[512] = "",
	                cells[512] = "";
	char buf[32];

	(void)state;
	for (int id = 0; id < COL_COUNT; id++) {
		const struct column *c = column_get(id);
		size_t n = strlen(head), m = strlen(tt), o = strlen(cells);

		all[id] = (enum col_id)id;
		snprintf(head + n, sizeof(head) - n, " %s |", c->title);
		snprintf(tt + m, sizeof(tt) - m, " %*s", c->width, c->title);
		snprintf(cells + o, sizeof(cells) - o, " %s |",
		    column_format(
		        c->id, &path_hop(p, 3)->st, buf, sizeof(buf)));
	}
	md = write_report(report_write_markdown, p, &v);
	txt = write_report(report_write_text, p, &v);
	assert_non_null(strstr(md, head));
	assert_non_null(strstr(md, cells));
	assert_non_null(strstr(txt, tt));
	free(md);
	free(txt);
	path_free(p);
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
	    cmocka_unit_test(test_column_drives_json),
	    cmocka_unit_test(test_column_drives_csv),
	    cmocka_unit_test(test_column_drives_markdown_and_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
