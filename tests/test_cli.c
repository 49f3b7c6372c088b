/* Unit tests for cli: tables of argv vectors -> options or error text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "hoptop/cli.h"

#define MAXARGS 16

/* Runs cli_parse on "hoptop" + words (NULL-terminated). */
static int
parse(const char *const *words, struct options *o, char *err, size_t len)
{
	char *argv[MAXARGS + 2];
	int argc = 0;

	argv[argc++] = (char *)"hoptop";
	for (int i = 0; words[i] != NULL && i < MAXARGS; i++)
		argv[argc++] = (char *)words[i];
	argv[argc] = NULL;
	return cli_parse(argc, argv, o, err, len);
}

/* The documented defaults (DESIGN.md's option table). */
static void
expected_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_MONITOR;
	o->format = FMT_TEXT;
	o->max_ttl = 30;
	o->first_ttl = 1;
	o->timeout_s = 2.0;
	o->probes = 0;
	o->interval_s = 1.0;
	o->count = -1;
	o->family = AF_UNSPEC;
	o->proto = PROTO_ICMP;
	o->port = 0;
	o->flows = 1;
	o->method = METHOD_AUTO;
}

static int
pick(const char *v, const char *const *names)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	fail_msg("bad value '%s' in test table", v);
	return -1;
}

/* Applies one "key=value" of a test row to the expected options. */
static void
expect_one(struct options *o, const char *key, const char *v)
{
	static const char *const modes[] = {"monitor", "report", "once", NULL};
	static const char *const fmts[] = {
	    "text", "json", "csv", "markdown", NULL};
	static const char *const protos[] = {"icmp", "udp", "tcp", NULL};
	const char *s = strcmp(v, "NULL") == 0 ? NULL : v;

	if (strcmp(key, "mode") == 0)
		o->mode = (enum run_mode)pick(v, modes);
	else if (strcmp(key, "format") == 0)
		o->format = (enum report_format)pick(v, fmts);
	else if (strcmp(key, "proto") == 0)
		o->proto = (enum probe_proto)pick(v, protos);
	else if (strcmp(key, "max") == 0)
		o->max_ttl = atoi(v);
	else if (strcmp(key, "first") == 0)
		o->first_ttl = atoi(v);
	else if (strcmp(key, "timeout") == 0)
		o->timeout_s = atof(v);
	else if (strcmp(key, "interval") == 0)
		o->interval_s = atof(v);
	else if (strcmp(key, "probes") == 0)
		o->probes = atoi(v);
	else if (strcmp(key, "count") == 0)
		o->count = atol(v);
	else if (strcmp(key, "family") == 0)
		o->family = atoi(v) == 4 ? AF_INET : AF_INET6;
	else if (strcmp(key, "port") == 0)
		o->port = atoi(v);
	else if (strcmp(key, "flows") == 0)
		o->flows = atoi(v);
	else if (strcmp(key, "target") == 0)
		o->target = s;
	else if (strcmp(key, "demo_file") == 0)
		o->demo_file = s;
	else if (strcmp(key, "zone") == 0)
		o->asn_zone = s;
	else if (strcmp(key, "export") == 0)
		o->export_dir = s;
	else if (strcmp(key, "log") == 0)
		o->log_file = s;
	else if (strcmp(key, "ping") == 0)
		o->ping_ttl = atoi(v);
	else if (strcmp(key, "demo") == 0)
		o->demo = true;
	else if (strcmp(key, "no_dns") == 0)
		o->no_dns = true;
	else if (strcmp(key, "asn") == 0)
		o->show_asn = true;
	else if (strcmp(key, "mpls") == 0)
		o->show_mpls = true;
	else if (strcmp(key, "unpriv") == 0)
		o->method = METHOD_UNPRIV;
	else if (strcmp(key, "help") == 0)
		o->help = true;
	else if (strcmp(key, "version") == 0)
		o->version = true;
	else
		fail_msg("bad key '%s' in test table", key);
}

/* Expected options: the defaults plus "key=value key ..." from a row.
 * Strings in *o point into a static buffer, valid until the next call. */
static void
expect(struct options *o, const char *spec)
{
	static char buf[256];
	char *tok, *save = NULL;

	expected_defaults(o);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');

		if (eq != NULL)
			*eq++ = '\0';
		expect_one(o, tok, eq != NULL ? eq : "");
	}
}

static void
assert_str_or_null(const char *got, const char *want, const char *what, int row)
{
	if (got == NULL && want == NULL)
		return;
	if (got == NULL || want == NULL || strcmp(got, want) != 0)
		fail_msg("row %d: %s is '%s', want '%s'", row, what,
		    got ? got : "NULL", want ? want : "NULL");
}

static void
assert_options(const struct options *g, const struct options *w, int row)
{
	if (g->mode != w->mode || g->format != w->format ||
	    g->max_ttl != w->max_ttl || g->first_ttl != w->first_ttl ||
	    g->timeout_s != w->timeout_s || g->probes != w->probes ||
	    g->no_dns != w->no_dns || g->interval_s != w->interval_s ||
	    g->count != w->count || g->family != w->family ||
	    g->proto != w->proto || g->port != w->port || g->demo != w->demo ||
	    g->show_asn != w->show_asn || g->show_mpls != w->show_mpls ||
	    g->flows != w->flows || g->method != w->method ||
	    g->help != w->help || g->version != w->version ||
	    g->ping_ttl != w->ping_ttl)
		fail_msg("row %d: mode %d fmt %d m %d f %d w %g q %d n %d "
		         "i %g c %ld fam %d proto %d P %d demo %d z %d e %d "
		         "flows %d method %d h %d V %d",
		    row, g->mode, g->format, g->max_ttl, g->first_ttl,
		    g->timeout_s, g->probes, g->no_dns, g->interval_s, g->count,
		    g->family, g->proto, g->port, g->demo, g->show_asn,
		    g->show_mpls, g->flows, g->method, g->help, g->version);
	assert_str_or_null(g->target, w->target, "target", row);
	assert_str_or_null(g->demo_file, w->demo_file, "demo_file", row);
	assert_str_or_null(g->asn_zone, w->asn_zone, "asn_zone", row);
	assert_str_or_null(g->export_dir, w->export_dir, "export_dir", row);
	assert_str_or_null(g->log_file, w->log_file, "log_file", row);
}

struct ok_case {
	const char *argv[MAXARGS + 1];
	const char *want;
};

static const struct ok_case ok_cases[] = {
    {{"192.0.2.1"}, "target=192.0.2.1"},
    {{"-n", "-m", "20", "-q", "3", "-w", "0.5", "-i", "2.5", "-c", "7", "host"},
        "target=host no_dns max=20 probes=3 timeout=0.5 interval=2.5 "
        "count=7"},
    {{"--no-dns", "--max-hops", "20", "--probes=3", "--timeout", "0.5",
         "--interval=2.5", "--count", "7", "host"},
        "target=host no_dns max=20 probes=3 timeout=0.5 interval=2.5 "
        "count=7"},
    {{"host", "-r"}, "target=host mode=report"},
    {{"-r", "-c", "1000000", "host"}, "target=host mode=report count=1000000"},
    {{"-j", "host"}, "target=host mode=report format=json"},
    {{"--json", "-r", "host"}, "target=host mode=report format=json"},
    {{"-C", "host"}, "target=host mode=report format=csv"},
    {{"host", "--csv"}, "target=host mode=report format=csv"},
    {{"--markdown", "host"}, "target=host mode=report format=markdown"},
    {{"-j", "-j", "host"}, "target=host mode=report format=json"},
    {{"--once", "host"}, "target=host mode=once"},
    {{"-u", "-P", "53", "host"}, "target=host proto=udp port=53"},
    {{"--tcp", "--port=443", "host"}, "target=host proto=tcp port=443"},
    {{"-T", "-P", "65535", "host"}, "target=host proto=tcp port=65535"},
    {{"-I", "-I", "host"}, "target=host proto=icmp"},
    {{"-4", "host"}, "target=host family=4"},
    {{"-6", "host"}, "target=host family=6"},
    {{"-f", "5", "-m", "5", "host"}, "target=host first=5 max=5"},
    {{"--first-ttl=3", "host"}, "target=host first=3"},
    {{"-m", "255", "-m", "10", "host"}, "target=host max=10"},
    {{"-w", "60", "-i", "0.01", "host"},
        "target=host timeout=60 interval=0.01"},
    {{"-w", "0.01", "-i", "3600", "host"},
        "target=host timeout=0.01 interval=3600"},
    {{"-nr", "host"}, "target=host no_dns mode=report"},
    {{"-nm5", "host"}, "target=host no_dns max=5"},
    {{"--max=9", "host"}, "target=host max=9"},
    {{"--", "host"}, "target=host"},
    {{"--demo"}, "demo"},
    {{"--demo=x.json"}, "demo demo_file=x.json"},
    {{"--demo", "tests/data/scenarios/ecmp.json"},
        "demo demo_file=tests/data/scenarios/ecmp.json"},
    {{"--demo", "-n"}, "demo no_dns"},
    {{"--demo", "-r", "-c", "3"}, "demo mode=report count=3"},
    {{"-z", "-e", "--flows", "16", "--unprivileged", "-o", "/tmp/snaps",
         "host"},
        "target=host asn mpls flows=16 unpriv export=/tmp/snaps"},
    {{"--aslookup", "--mpls", "--flows=1", "--export-dir=d", "host"},
        "target=host asn mpls flows=1 export=d"},
    {{"--as-zone", "asn.example", "host"}, "target=host asn zone=asn.example"},
    {{"--log", "ev.jsonl", "host"}, "target=host log=ev.jsonl"},
    {{"--log=/tmp/e.log", "--demo"}, "demo log=/tmp/e.log"},
    {{"--ping-hop", "4", "host"}, "target=host ping=4"},
    {{"-h"}, "help"},
    {{"--help", "a", "b"}, "help target=a"},
    {{"-V"}, "version"},
    {{"--version"}, "version"},
};

static void
test_cli_parse_ok_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		struct options got, want;
		char err[256] = "junk";

		if (parse(ok_cases[i].argv, &got, err, sizeof(err)) != 0)
			fail_msg("row %zu: unexpected error: %s", i, err);
		assert_string_equal(err, "");
		expect(&want, ok_cases[i].want);
		assert_options(&got, &want, (int)i);
	}
}

struct err_case {
	const char *argv[MAXARGS + 1];
	const char *want; /* the whole message */
};

#define NUM_C "(expected a whole number from 1 to 1000000)"

static const struct err_case err_cases[] = {
    {{"-c", "abc", "h"}, "-c: 'abc' is not a number " NUM_C},
    {{"-c", "1x", "h"}, "-c: '1x' is not a number " NUM_C},
    {{"-c", "1.5", "h"}, "-c: '1.5' is not a whole number " NUM_C},
    {{"-c", "", "h"}, "-c: '' is not a number " NUM_C},
    {{"-c", "0", "h"}, "-c: 0 is out of range (1-1000000)"},
    {{"-c", "1000001", "h"}, "-c: 1000001 is out of range (1-1000000)"},
    {{"-c", "99999999999999999999999", "h"},
        "-c: 99999999999999999999999 is out of range (1-1000000)"},
    {{"--count=-5", "h"}, "--count: -5 is out of range (1-1000000)"},
    {{"-m", "0", "h"}, "-m: 0 is out of range (1-255)"},
    {{"-m", "300", "h"}, "-m: 300 is out of range (1-255)"},
    {{"--max-hops", "300", "h"}, "--max-hops: 300 is out of range (1-255)"},
    {{"-q", "11", "h"}, "-q: 11 is out of range (1-10)"},
    {{"-q", "0", "h"}, "-q: 0 is out of range (1-10)"},
    {{"-w", "-1", "h"}, "-w: -1 is out of range (0.01-60)"},
    {{"-w", "60.5", "h"}, "-w: 60.5 is out of range (0.01-60)"},
    {{"-w", "inf", "h"},
        "-w: 'inf' is not a number (expected a number from 0.01 to 60)"},
    {{"-w", "nan", "h"},
        "-w: 'nan' is not a number (expected a number from 0.01 to 60)"},
    {{"-w", "0x10", "h"},
        "-w: '0x10' is not a number (expected a number from 0.01 to 60)"},
    {{"-w", "1e1", "h"},
        "-w: '1e1' is not a number (expected a number from 0.01 to 60)"},
    {{"-w", " 1", "h"},
        "-w: ' 1' is not a number (expected a number from 0.01 to 60)"},
    {{"-w", "1.2.3", "h"},
        "-w: '1.2.3' is not a number (expected a number from 0.01 to 60)"},
    {{"-i", "0", "h"}, "-i: 0 is out of range (0.001-3600)"},
    {{"-i", "0.0009", "h"}, "-i: 0.0009 is out of range (0.001-3600)"},
    {{"-i", "3601", "h"}, "-i: 3601 is out of range (0.001-3600)"},
    {{"-P", "70000", "h"}, "-P: 70000 is out of range (1-65535)"},
    {{"-P", "0", "h"}, "-P: 0 is out of range (1-65535)"},
    {{"-f", "0", "h"}, "-f: 0 is out of range (1-255)"},
    {{"--flows", "17", "h"}, "--flows: 17 is out of range (1-16)"},
    {{"--flows=0", "h"}, "--flows: 0 is out of range (1-16)"},
    {{"--foo", "h"}, "unknown option '--foo' (see hoptop --help)"},
    {{"--foo=bar", "h"}, "unknown option '--foo' (see hoptop --help)"},
    {{"-x", "h"}, "unknown option '-x' (see hoptop --help)"},
    {{"--json", "-nx", "h"}, "unknown option '-x' (see hoptop --help)"},
    {{"--json", "-xn", "h"}, "unknown option '-x' (see hoptop --help)"},
    {{"-9", "h"}, "unknown option '-9' (see hoptop --help)"},
    {{"--m", "h"}, "ambiguous option '--m' (see hoptop --help)"},
    {{"--report=yes", "h"}, "--report takes no value"},
    {{"-m"}, "-m needs a value (see hoptop --help)"},
    {{"h", "-nm"}, "-m needs a value (see hoptop --help)"},
    {{"--max-hops"}, "--max-hops needs a value (see hoptop --help)"},
    {{"--as-zone"}, "--as-zone needs a value (see hoptop --help)"},
    {{NULL}, "missing TARGET (try: hoptop HOST, or hoptop --demo)"},
    {{"-n", "-r"}, "missing TARGET (try: hoptop HOST, or hoptop --demo)"},
    {{"--demo", "a", "b"},
        "--demo takes no TARGET: 'a' (the simulated path has its own; a "
        "scenario file is --demo=FILE)"},
    {{"--demo", "a.json", "b.json", "c"},
        "--demo takes no TARGET: 'c' (the simulated path has its own; a "
        "scenario file is --demo=FILE)"},
    {{"a", "", "b"}, "empty TARGET (give a host name or an address)"},
    {{"-F", "", "b"}, "-F: the value is empty"},
    {{"a", "-F"}, "-F needs a value (see hoptop --help)"},
    {{"--file"}, "--file needs a value (see hoptop --help)"},
    {{"--demo", "host"},
        "--demo takes no TARGET: 'host' (the simulated path has its own; a "
        "scenario file is --demo=FILE)"},
    {{"--demo", "a.json", "host"},
        "--demo takes no TARGET: 'host' (the simulated path has its own; a "
        "scenario file is --demo=FILE)"},
    {{"host", "--demo", "a.json"},
        "--demo takes no TARGET: 'host' (the simulated path has its own; a "
        "scenario file is --demo=FILE)"},
    {{""}, "empty TARGET (give a host name or an address)"},
    {{"-r", "--", ""}, "empty TARGET (give a host name or an address)"},
    {{"--once", "-c", "5", "h"},
        "--once runs one cycle: -c does not apply (drop -c, or use -r -c N)"},
    {{"-c", "1", "--once", "h"},
        "--once runs one cycle: -c does not apply (drop -c, or use -r -c N)"},
    {{"--demo", "x.json", "a", "b"},
        "--demo takes no TARGET: 'a' (the simulated path has its own; a "
        "scenario file is --demo=FILE)"},
    {{"-f", "40", "h"},
        "-f: first TTL 40 is above max hops 30 (lower -f or raise -m)"},
    {{"-f", "10", "-m", "5", "h"},
        "-f: first TTL 10 is above max hops 5 (lower -f or raise -m)"},
    {{"--once", "-r", "h"},
        "--once and -r conflict (choose one mode: --once, or -r with a "
        "format)"},
    {{"-r", "--once", "h"},
        "--once and -r conflict (choose one mode: --once, or -r with a "
        "format)"},
    {{"--once", "--json", "h"},
        "--once and --json conflict (choose one mode: --once, or -r with a "
        "format)"},
    {{"-j", "-C", "h"}, "-j and -C conflict (choose one format)"},
    {{"--csv", "--markdown", "h"},
        "--csv and --markdown conflict (choose one format)"},
    {{"-u", "-T", "h"}, "-u and -T conflict (choose one protocol)"},
    {{"-I", "--udp", "h"}, "-I and --udp conflict (choose one protocol)"},
    {{"-4", "-6", "h"}, "-4 and -6 conflict (choose one address family)"},
    {{"--demo=", "h"}, "--demo: the value is empty"},
    {{"-o", "", "h"}, "-o: the value is empty"},
    {{"--log", "", "h"}, "--log: the value is empty"},
    {{"h", "--log"}, "--log needs a value (see hoptop --help)"},
};

static void
test_cli_parse_error_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		struct options o;
		char err[256] = "";

		if (parse(err_cases[i].argv, &o, err, sizeof(err)) != -1)
			fail_msg("row %zu: no error, want '%s'", i,
			    err_cases[i].want);
		if (strcmp(err, err_cases[i].want) != 0)
			fail_msg("row %zu: error '%s', want '%s'", i, err,
			    err_cases[i].want);
		assert_null(strchr(err, '\n'));
	}
}

/* Several TARGETs, in order; -F FILE with or without them. */
static void
test_cli_parse_several_targets(void **state)
{
	static const char *const words[] = {
	    "a", "-n", "b", "-r", "--", "c", NULL};
	static const char *const file[] = {"-F", "list.txt", "-n", NULL};
	static const char *const both[] = {"x", "--file=l", NULL};
	static const char *const demo[] = {
	    "--demo", "a.json", "b.json", "c.json", NULL};
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(words, &o, err, sizeof(err)), 0);
	assert_int_equal(o.ntargets, 3);
	assert_string_equal(o.targets[0], "a");
	assert_string_equal(o.targets[1], "b");
	assert_string_equal(o.targets[2], "c");
	assert_string_equal(o.target, "a");
	assert_true(o.no_dns);
	assert_int_equal(o.mode, MODE_REPORT);
	assert_null(o.target_file);
	/* -F alone needs no TARGET */
	assert_int_equal(parse(file, &o, err, sizeof(err)), 0);
	assert_int_equal(o.ntargets, 0);
	assert_null(o.target);
	assert_string_equal(o.target_file, "list.txt");
	assert_int_equal(parse(both, &o, err, sizeof(err)), 0);
	assert_int_equal(o.ntargets, 1);
	assert_string_equal(o.target_file, "l");
	/* --demo: more scenario files after its own */
	assert_int_equal(parse(demo, &o, err, sizeof(err)), 0);
	assert_string_equal(o.demo_file, "a.json");
	assert_int_equal(o.ntargets, 2);
	assert_string_equal(o.targets[1], "c.json");
}

/* More TARGETs than CLI_MAX_TARGETS: an error that points to -F. */
static void
test_cli_parse_too_many_targets(void **state)
{
	char *argv[CLI_MAX_TARGETS + 3];
	char names[CLI_MAX_TARGETS + 1][8];
	struct options o;
	char err[256];
	int argc = 0;

	(void)state;
	argv[argc++] = (char *)"hoptop";
	for (int i = 0; i <= CLI_MAX_TARGETS; i++) {
		snprintf(names[i], sizeof(names[i]), "h%d", i);
		argv[argc++] = names[i];
	}
	argv[argc] = NULL;
	assert_int_equal(cli_parse(argc, argv, &o, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "too many targets: 'h64' is past 64 (put them in a file: -F "
	    "FILE)");
	assert_int_equal(cli_parse(argc - 1, argv, &o, err, sizeof(err)), 0);
	assert_int_equal(o.ntargets, CLI_MAX_TARGETS);
}

static void
test_cli_parse_after_error_starts_fresh(void **state)
{
	static const char *const bad[] = {"--json", "-xnr", "h", NULL};
	static const char *const good[] = {"-n", "h", NULL};
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(bad, &o, err, sizeof(err)), -1);
	/* getopt's half-read bundle must not leak into the next parse. */
	assert_int_equal(parse(good, &o, err, sizeof(err)), 0);
	assert_true(o.no_dns);
	assert_int_equal(o.mode, MODE_MONITOR);
	assert_string_equal(o.target, "h");
}

static void
test_cli_parse_ignores_posixly_correct(void **state)
{
	static const char *const words[] = {"host", "-r", "-c", "2", NULL};
	struct options o;
	char err[256];
	int rc;

	(void)state;
	setenv("POSIXLY_CORRECT", "1", 1);
	rc = parse(words, &o, err, sizeof(err));
	unsetenv("POSIXLY_CORRECT");
	/* Options after the TARGET still count, as the usage shows. */
	assert_int_equal(rc, 0);
	assert_int_equal(o.mode, MODE_REPORT);
	assert_int_equal(o.count, 2);
	assert_string_equal(o.target, "host");
}

static void
test_cli_parse_short_error_buffer(void **state)
{
	static const char *const bad[] = {"-m", "300", "h", NULL};
	struct options o;
	char err[8];

	(void)state;
	assert_int_equal(parse(bad, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "-m: 300");
}

struct num_case {
	const char *s;
	double min, max;
	bool integer;
	int rc;
	double want;
};

static const struct num_case num_cases[] = {
    {"2.5", 0, 10, false, 0, 2.5},
    {"+3", 0, 10, true, 0, 3},
    {"007", 0, 10, true, 0, 7},
    {"-0.5", -1, 1, false, 0, -0.5},
    {".5", 0, 1, false, 0, 0.5},
    {"5.", 0, 10, false, 0, 5},
    {"10", 0, 10, true, 0, 10},
    {"0", 0, 10, true, 0, 0},
    {"-", 0, 10, false, -1, 0},
    {".", 0, 10, false, -1, 0},
    {"+", 0, 10, true, -1, 0},
    {"1 ", 0, 10, true, -1, 0},
    {"10.0001", 0, 10, false, -1, 0},
    {"1e400", 0, 1e9, false, -1, 0},
};

static void
test_cli_number_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(num_cases) / sizeof(num_cases[0]); i++) {
		const struct num_case *c = &num_cases[i];
		double v = -99;
		char err[128] = "";
		int rc = cli_number("-x", c->s, c->min, c->max, c->integer, &v,
		    err, sizeof(err));

		if (rc != c->rc)
			fail_msg(
			    "'%s': rc %d (%s), want %d", c->s, rc, err, c->rc);
		if (rc == 0 && v != c->want)
			fail_msg("'%s': %g, want %g", c->s, v, c->want);
		if (rc == -1) {
			assert_true(v == -99); /* untouched on error */
			assert_memory_equal(err, "-x: ", 4);
		}
	}
}

static void
test_cli_number_null(void **state)
{
	double v;
	char err[128];

	(void)state;
	assert_int_equal(
	    cli_number("-c", NULL, 1, 5, true, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "-c: '' is not a number (expected a whole "
	                         "number from 1 to 5)");
}

/* --metrics [ADDR:]PORT: loopback by default, IPv6 in brackets. */
static void
test_cli_parse_metrics_table(void **state)
{
	static const struct {
		const char *arg, *addr; /* addr NULL: an error */
		unsigned port;
	} cases[] = {
	    {"9100", "127.0.0.1", 9100},
	    {"0", "127.0.0.1", 0},
	    {"0.0.0.0:9100", "0.0.0.0", 9100},
	    {"10.201.0.1:80", "10.201.0.1", 80},
	    {"[::1]:9100", "::1", 9100},
	    {"[::]:65535", "::", 65535},
	    {"::1:9100", NULL, 0},
	    {"[::1]9100", NULL, 0},
	    {"[127.0.0.1]:9100", NULL, 0},
	    {"localhost:9100", NULL, 0},
	    {"9100x", NULL, 0},
	    {"65536", NULL, 0},
	    {":9100", NULL, 0},
	    {"1.2.3.4:", NULL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[] = {"--metrics", cases[i].arg, "h", NULL};
		struct options o;
		struct haddr want;
		char err[256] = "";
		int rc = parse(argv, &o, err, sizeof(err));

		if (cases[i].addr == NULL) {
			if (rc != -1 || strncmp(err, "--metrics: ", 11) != 0)
				fail_msg("%s: want an error, got '%s'",
				    cases[i].arg, err);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: %s", cases[i].arg, err);
		assert_int_equal(addr_parse(cases[i].addr, &want), 0);
		assert_true(addr_eq(&o.metrics_addr, &want));
		assert_int_equal(o.metrics_port, cases[i].port);
		assert_string_equal(o.metrics, cases[i].arg);
	}
}

/* The defaults the mode decides, and --ping-hop's checks. */
static void
test_cli_settle_table(void **state)
{
	static const struct {
		const char *words[8];
		int rc, probes;
		long count;
		const char *err; /* the start of the message, rc -1 */
	} cases[] = {
	    {{"h", NULL}, 0, 1, 0, NULL},
	    {{"-r", "h", NULL}, 0, 1, 10, NULL},
	    {{"--once", "h", NULL}, 0, 3, 1, NULL},
	    {{"--once", "-q", "2", "h", NULL}, 0, 2, 1, NULL},
	    {{"-r", "-c", "4", "-q", "5", "h", NULL}, 0, 5, 4, NULL},
	    {{"-m", "8", "h", NULL}, 0, 1, 0, NULL},
	    {{"--ping-hop", "3", "h", NULL}, 0, 1, 0, NULL},
	    {{"--ping-hop", "3", "-u", "h", NULL}, -1, 0, 0,
	        "--ping-hop: pings are ICMP"},
	    {{"--ping-hop", "31", "h", NULL}, -1, 0, 0,
	        "--ping-hop: TTL 31 is outside -f 1 .. -m 30"},
	    {{"--ping-hop", "2", "-f", "3", "h", NULL}, -1, 0, 0,
	        "--ping-hop: TTL 2 is outside -f 3 .. -m 30"},
	};
	struct options o;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    parse(cases[i].words, &o, err, sizeof(err)), 0);
		assert_null(o.export_dir);
		assert_int_equal(cli_settle(&o, err, sizeof(err)), cases[i].rc);
		if (cases[i].rc == -1) {
			assert_memory_equal(
			    err, cases[i].err, strlen(cases[i].err));
			continue;
		}
		assert_int_equal(o.probes, cases[i].probes);
		assert_int_equal(o.count, cases[i].count);
		assert_string_equal(o.export_dir, ".");
	}
}

static void
test_cli_usage_lists_every_option(void **state)
{
	static const char *const opts[] = {"-m, --max-hops", "-w, --timeout",
	    "-q, --probes", "-n, --no-dns", "-i, --interval", "-c, --count",
	    "-r, --report", "-j, --json", "-C, --csv", "--markdown", "--once",
	    "-4", "-6", "-I, --icmp", "-u, --udp", "-T, --tcp", "-P, --port",
	    "-f, --first-ttl", "-o, --export-dir", "--demo [FILE]",
	    "-z, --aslookup", "--as-zone ZONE", "-e, --mpls", "--flows N",
	    "--unprivileged", "--log FILE", "--ping-hop TTL",
	    "--metrics [ADDR:]PORT", "-h, --help", "-V, --version",
	    "usage: hoptop [options] TARGET"};
	const char *u = cli_usage();
	const char *line = u;

	(void)state;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (strstr(u, opts[i]) == NULL)
			fail_msg("usage lacks '%s'", opts[i]);
	/* Fits an 80-column terminal. */
	while (*line != '\0') {
		size_t n = strcspn(line, "\n");

		assert_true(n <= 79);
		line += n + (line[n] == '\n');
	}
	assert_int_equal(u[strlen(u) - 1], '\n');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cli_parse_ok_table),
	    cmocka_unit_test(test_cli_parse_error_table),
	    cmocka_unit_test(test_cli_parse_after_error_starts_fresh),
	    cmocka_unit_test(test_cli_parse_several_targets),
	    cmocka_unit_test(test_cli_parse_too_many_targets),
	    cmocka_unit_test(test_cli_parse_ignores_posixly_correct),
	    cmocka_unit_test(test_cli_parse_short_error_buffer),
	    cmocka_unit_test(test_cli_number_table),
	    cmocka_unit_test(test_cli_number_null),
	    cmocka_unit_test(test_cli_parse_metrics_table),
	    cmocka_unit_test(test_cli_settle_table),
	    cmocka_unit_test(test_cli_usage_lists_every_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
