/*
 * cli: the command line. getopt_long, silenced (opterr = 0), with our own
 * one-line messages that name the option and the fix. Pure: no I/O.
 * Strings in struct options point into argv.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hoptop/cli.h"

#define MAX_TTL 255

enum {
	OPT_MARKDOWN = 256,
	OPT_ONCE,
	OPT_DEMO,
	OPT_AS_ZONE,
	OPT_FLOWS,
	OPT_UNPRIV,
	OPT_METRICS,
	OPT_LOG,
	OPT_PING_HOP,
	OPT_RECORD,
	OPT_REPLAY,
};

/*
 * '-': words that are not options come back in order as 1 (so argv is not
 * permuted and POSIXLY_CORRECT changes nothing); ':': a missing value comes
 * back as ':', not '?'.
 */
static const char shortopts[] = "-:m:w:q:ni:c:rjC46IuTP:f:o:zehVF:";

static const struct option longopts[] = {
    {"max-hops", required_argument, NULL, 'm'},
    {"timeout", required_argument, NULL, 'w'},
    {"probes", required_argument, NULL, 'q'},
    {"no-dns", no_argument, NULL, 'n'},
    {"interval", required_argument, NULL, 'i'},
    {"count", required_argument, NULL, 'c'},
    {"report", no_argument, NULL, 'r'},
    {"json", no_argument, NULL, 'j'},
    {"csv", no_argument, NULL, 'C'},
    {"markdown", no_argument, NULL, OPT_MARKDOWN},
    {"once", no_argument, NULL, OPT_ONCE},
    {"icmp", no_argument, NULL, 'I'},
    {"udp", no_argument, NULL, 'u'},
    {"tcp", no_argument, NULL, 'T'},
    {"port", required_argument, NULL, 'P'},
    {"first-ttl", required_argument, NULL, 'f'},
    {"export-dir", required_argument, NULL, 'o'},
    {"demo", optional_argument, NULL, OPT_DEMO},
    {"aslookup", no_argument, NULL, 'z'},
    {"as-zone", required_argument, NULL, OPT_AS_ZONE},
    {"mpls", no_argument, NULL, 'e'},
    {"flows", required_argument, NULL, OPT_FLOWS},
    {"unprivileged", no_argument, NULL, OPT_UNPRIV},
    {"metrics", required_argument, NULL, OPT_METRICS},
    {"log", required_argument, NULL, OPT_LOG},
    {"ping-hop", required_argument, NULL, OPT_PING_HOP},
    {"record", required_argument, NULL, OPT_RECORD},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"file", required_argument, NULL, 'F'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* One of several exclusive choices (format, protocol, family, mode). */
struct choice {
	int value;
	char name[24]; /* the option as typed; "" = not chosen */
};

struct parse {
	struct options *o;
	int argc;
	char **argv;
	char name[24]; /* the current option as typed: "-m", "--max-hops" */
	struct choice format, proto, family, once, report;
	char probe_opt[24]; /* the first option that shapes probes, if any */
	int nwords;         /* words that are not options */
	const char *extra;  /* the first past CLI_MAX_TARGETS, if any */
	char *err;
	size_t errlen;
};

static const char usage_text[] =
    "usage: hoptop [options] TARGET...     full-screen live monitor\n"
    "       hoptop -r [-c N] [--json|--csv|--markdown] TARGET...\n"
    "                                      report after N cycles\n"
    "       hoptop --once TARGET...        classic traceroute output, "
    "one cycle\n"
    "       hoptop --demo [FILE...]        the monitor on a simulated path\n"
    "                                      (no root, no network)\n"
    "       hoptop -F FILE [options]       every target in FILE, one a line\n"
    "\n"
    "Probing:\n"
    "  -I, --icmp             ICMP Echo probes (default)\n"
    "  -u, --udp              UDP probes (port 33434 unless -P)\n"
    "  -T, --tcp              TCP SYN probes (port 80 unless -P)\n"
    "  -P, --port N           destination port for -u/-T, 1-65535\n"
    "  -4, -6                 IPv4 / IPv6 only (default: what TARGET\n"
    "                         resolves to first)\n"
    "  -f, --first-ttl N      first TTL probed (default 1)\n"
    "  -m, --max-hops N       largest TTL probed, 1-255 (default 30)\n"
    "  -q, --probes N         probes per hop per cycle, 1-10 (default 1;\n"
    "                         --once: 3)\n"
    "  -i, --interval SECS    time between cycles (default 1; below 0.1\n"
    "                         needs root or cap_net_raw)\n"
    "  -w, --timeout SECS     a probe unanswered this long is lost,\n"
    "                         0.01-60 (default 2)\n"
    "  -c, --count N          stop after N cycles (report: 10; monitor:\n"
    "                         until quit)\n"
    "      --flows N          Paris flows per hop, 1-16 (default 1)\n"
    "      --unprivileged     ICMP ping / UDP sockets, no raw socket\n"
    "      --ping-hop TTL     also ping that hop's own address each cycle\n"
    "                         (ICMP only; the P key in the monitor)\n"
    "  -F, --file FILE        targets from FILE, one a line (# comments),\n"
    "                         besides those on the command line\n"
    "\n"
    "Output:\n"
    "  -r, --report           no screen; print a report at the end\n"
    "  -j, --json             report as JSON (implies -r)\n"
    "  -C, --csv              report as CSV (implies -r)\n"
    "      --markdown         report as a Markdown table (implies -r)\n"
    "      --once             one cycle, classic traceroute output\n"
    "  -n, --no-dns           show addresses, resolve nothing\n"
    "  -z, --aslookup         show each hop's AS number\n"
    "      --as-zone ZONE     DNS zone for AS lookups (implies -z)\n"
    "  -e, --mpls             show MPLS labels\n"
    "  -o, --export-dir DIR   where 's' writes snapshots (default: the\n"
    "                         current directory)\n"
    "      --demo [FILE]      simulated path: built in, or a .json "
    "scenario\n"
    "      --metrics [ADDR:]PORT  serve Prometheus metrics at /metrics\n"
    "                         (ADDR default 127.0.0.1; [::1]:PORT for\n"
    "                         IPv6); without a terminal, runs headless\n"
    "      --log FILE         append each event (route change, loss) as a\n"
    "                         JSON line to FILE as it happens\n"
    "      --record FILE      record the run (probes, replies, keys) to\n"
    "                         FILE (gzip JSON lines, docs/RECORDING.md)\n"
    "      --replay FILE      play a recording back: the monitor at the\n"
    "                         recorded pace, or a report with -r\n"
    "  -h, --help             this help\n"
    "  -V, --version          the version\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 usage error.\n";

const char *
cli_usage(void)
{
	return usage_text;
}

static void
defaults(struct options *o)
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
	o->flows = 1;
	o->method = METHOD_AUTO;
}

/* Writes a range bound without trailing zeros or exponents: 0.01, 1000000. */
static const char *
bound(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.15g", v);
	return buf;
}

/* Whether s is [+-]digits[.digits] (no spaces, hex, exponents, inf, nan).
 * *dot says whether it has a decimal point. */
static bool
plain_number(const char *s, bool *dot)
{
	int digits = 0;

	*dot = false;
	if (*s == '+' || *s == '-')
		s++;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s == '.' && !*dot)
			*dot = true;
		else
			return false;
	}
	return digits > 0;
}

int
cli_number(const char *opt, const char *s, double min, double max, bool integer,
    double *out, char *err, size_t errlen)
{
	const char *what = integer ? "a whole number" : "a number";
	char lo[32], hi[32];
	bool dot = false;
	bool num = s != NULL && plain_number(s, &dot);
	double v;

	bound(min, lo, sizeof(lo));
	bound(max, hi, sizeof(hi));
	if (!num || (integer && dot)) {
		/* "1.5" for a count is a number, just not a whole one. */
		snprintf(err, errlen,
		    "%s: '%.40s' is not %s (expected %s from %s to %s)", opt,
		    s != NULL ? s : "", num ? "a whole number" : "a number",
		    what, lo, hi);
		return -1;
	}
	errno = 0;
	v = integer ? (double)strtoll(s, NULL, 10) : strtod(s, NULL);
	if (errno == ERANGE || v < min || v > max) {
		snprintf(err, errlen, "%s: %.40s is out of range (%s-%s)", opt,
		    s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* cli_number for the current option, into an int. */
static int
int_arg(struct parse *ps, const char *arg, int min, int max, int *out)
{
	double v;

	if (cli_number(
	        ps->name, arg, min, max, true, &v, ps->err, ps->errlen) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

static int
choose(struct parse *ps, struct choice *c, int value, const char *what)
{
	if (c->name[0] != '\0' && c->value != value) {
		snprintf(ps->err, ps->errlen,
		    "%s and %s conflict (choose one %s)", c->name, ps->name,
		    what);
		return -1;
	}
	c->value = value;
	snprintf(c->name, sizeof(c->name), "%s", ps->name);
	return 0;
}

static int
text_arg(struct parse *ps, const char *arg, const char **out)
{
	if (arg == NULL || *arg == '\0') {
		snprintf(
		    ps->err, ps->errlen, "%s: the value is empty", ps->name);
		return -1;
	}
	*out = arg;
	return 0;
}

/*
 * --demo takes an optional FILE: "--demo=FILE", or "--demo FILE" when the
 * next word does not start with '-' and ends in ".json" (anything else
 * there is the TARGET).
 */
static int
demo_arg(struct parse *ps, const char *arg)
{
	const char *next;
	size_t n;

	ps->o->demo = true;
	if (arg != NULL)
		return text_arg(ps, arg, &ps->o->demo_file);
	if (optind >= ps->argc)
		return 0;
	next = ps->argv[optind];
	n = strlen(next);
	if (next[0] != '-' && n > 5 && strcmp(next + n - 5, ".json") == 0) {
		ps->o->demo_file = next;
		optind++;
	}
	return 0;
}

/* Numbers with decimals: -w and -i. */
static int
seconds_arg(
    struct parse *ps, const char *arg, double min, double max, double *out)
{
	return cli_number(
	    ps->name, arg, min, max, false, out, ps->err, ps->errlen);
}

/* Splits [ADDR]:PORT or ADDR:PORT; host "" when only a port is given.
 * Returns the port text, or NULL if the form is wrong. */
static const char *
split_listen(const char *arg, char *host, size_t len)
{
	const char *colon = strrchr(arg, ':'), *close;

	host[0] = '\0';
	if (arg[0] == '[') {
		close = strchr(arg, ']');
		if (close == NULL || close[1] != ':')
			return NULL;
		snprintf(host, len, "%.*s", (int)(close - arg - 1), arg + 1);
		return close + 2;
	}
	if (colon == NULL)
		return arg;
	if (strchr(arg, ':') != colon) /* IPv6 without brackets */
		return NULL;
	snprintf(host, len, "%.*s", (int)(colon - arg), arg);
	return colon + 1;
}

/*
 * --metrics [ADDR:]PORT: PORT alone listens on 127.0.0.1 (loopback: the
 * metrics are not for the world unless asked); [ADDR]:PORT for IPv6.
 */
static int
metrics_arg(struct parse *ps, const char *arg)
{
	struct options *o = ps->o;
	char host[64];
	const char *port = split_listen(arg, host, sizeof(host));
	double v;

	if (port == NULL || (port != arg && host[0] == '\0') ||
	    addr_parse(
	        host[0] != '\0' ? host : "127.0.0.1", &o->metrics_addr) != 0 ||
	    (arg[0] == '[') != (o->metrics_addr.family == AF_INET6)) {
		snprintf(ps->err, ps->errlen,
		    "%s: '%.40s' is not PORT, ADDR:PORT or [ADDR]:PORT with "
		    "a numeric address (e.g. 9100, 127.0.0.1:9100, "
		    "[::1]:9100)",
		    ps->name, arg);
		return -1;
	}
	if (cli_number(
	        ps->name, port, 0, 65535, true, &v, ps->err, ps->errlen) == -1)
		return -1;
	o->metrics = arg;
	o->metrics_port = (unsigned)v;
	return 0;
}

/* Applies one option c (with argument arg) to ps->o. */
static int
apply(struct parse *ps, int c, char *arg)
{
	struct options *o = ps->o;
	double v;

	switch (c) {
	case 'm':
		return int_arg(ps, arg, 1, MAX_TTL, &o->max_ttl);
	case 'f':
		return int_arg(ps, arg, 1, MAX_TTL, &o->first_ttl);
	case 'q':
		return int_arg(ps, arg, 1, 10, &o->probes);
	case 'P':
		return int_arg(ps, arg, 1, 65535, &o->port);
	case OPT_FLOWS:
		return int_arg(ps, arg, 1, 16, &o->flows);
	case 'c':
		if (cli_number(ps->name, arg, 1, 1000000, true, &v, ps->err,
		        ps->errlen) == -1)
			return -1;
		o->count = (long)v;
		return 0;
	case 'w':
		return seconds_arg(ps, arg, 0.01, 60, &o->timeout_s);
	case 'i':
		return seconds_arg(ps, arg, 0.001, 3600, &o->interval_s);
	case 'n':
		o->no_dns = true;
		return 0;
	case 'r':
		return choose(ps, &ps->report, 1, "mode");
	case 'j':
		return choose(ps, &ps->format, FMT_JSON, "format");
	case 'C':
		return choose(ps, &ps->format, FMT_CSV, "format");
	case OPT_MARKDOWN:
		return choose(ps, &ps->format, FMT_MARKDOWN, "format");
	case OPT_ONCE:
		return choose(ps, &ps->once, 1, "mode");
	case '4':
		return choose(ps, &ps->family, AF_INET, "address family");
	case '6':
		return choose(ps, &ps->family, AF_INET6, "address family");
	case 'I':
		return choose(ps, &ps->proto, PROTO_ICMP, "protocol");
	case 'u':
		return choose(ps, &ps->proto, PROTO_UDP, "protocol");
	case 'T':
		return choose(ps, &ps->proto, PROTO_TCP, "protocol");
	case 'o':
		return text_arg(ps, arg, &o->export_dir);
	case OPT_DEMO:
		return demo_arg(ps, arg);
	case 'z':
		o->show_asn = true;
		return 0;
	case OPT_AS_ZONE:
		o->show_asn = true;
		return text_arg(ps, arg, &o->asn_zone);
	case 'e':
		o->show_mpls = true;
		return 0;
	case OPT_UNPRIV:
		o->method = METHOD_UNPRIV;
		return 0;
	case OPT_METRICS:
		return metrics_arg(ps, arg);
	case OPT_LOG:
		return text_arg(ps, arg, &o->log_file);
	case OPT_PING_HOP:
		return int_arg(ps, arg, 1, MAX_TTL, &o->ping_ttl);
	case OPT_RECORD:
		return text_arg(ps, arg, &o->record_file);
	case OPT_REPLAY:
		return text_arg(ps, arg, &o->replay_file);
	case 'F':
		return text_arg(ps, arg, &o->target_file);
	case 'h':
		o->help = true;
		return 0;
	case 'V':
		o->version = true;
		return 0;
	}
	return -1;
}

/* The option word as typed in argv (up to any '='), into buf. */
static void
typed_word(const char *word, char *buf, size_t len)
{
	size_t n = strcspn(word, "=");

	snprintf(buf, len, "%.*s", (int)(n < 40 ? n : 40), word);
}

/* Counts long options that begin with prefix (after the "--"). */
static int
long_matches(const char *prefix)
{
	size_t n = strcspn(prefix, "=");
	int count = 0;

	for (const struct option *lo = longopts; lo->name != NULL; lo++)
		if (strncmp(lo->name, prefix, n) == 0)
			count++;
	return count;
}

/* Whether v is the value of one of our options. */
static bool
known(int v)
{
	return v >= OPT_MARKDOWN ||
	       (v > 0 && v != ':' && v != '-' && strchr(shortopts, v) != NULL);
}

/*
 * Explains a getopt failure: c is '?' (unknown option, or a value given to
 * a long option that takes none) or ':' (value missing). word is
 * argv[optind - 1]: for long options and missing values, the word holding
 * the option; for an unknown short option in a bundle, maybe not.
 */
static void
getopt_error(struct parse *ps, int c, const char *word)
{
	char name[48];
	bool is_long = (c == ':' || optopt == 0 || known(optopt)) &&
	               word != NULL && strncmp(word, "--", 2) == 0;

	if (is_long)
		typed_word(word, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "-%c", optopt);
	if (c == ':')
		snprintf(ps->err, ps->errlen,
		    "%s needs a value (see hoptop --help)", name);
	else if (is_long && optopt == 0 && long_matches(word + 2) > 1)
		snprintf(ps->err, ps->errlen,
		    "ambiguous option '%s' (see hoptop --help)", name);
	else if (is_long && known(optopt))
		snprintf(ps->err, ps->errlen, "%s takes no value", name);
	else
		snprintf(ps->err, ps->errlen,
		    "unknown option '%s' (see hoptop --help)", name);
}

/* Settles the mode from --once, -r and the formats (which imply -r). */
static int
settle_mode(struct parse *ps)
{
	const char *other =
	    ps->report.name[0] ? ps->report.name : ps->format.name;

	if (ps->once.name[0] != '\0' && other[0] != '\0') {
		snprintf(ps->err, ps->errlen,
		    "%s and %s conflict (choose one mode: --once, or -r with "
		    "a format)",
		    ps->once.name, other);
		return -1;
	}
	if (ps->once.name[0] != '\0')
		ps->o->mode = MODE_ONCE;
	else if (other[0] != '\0')
		ps->o->mode = MODE_REPORT;
	ps->o->format = (enum report_format)ps->format.value;
	return 0;
}

/* A word that is not an option: a TARGET, or one too many. */
static void
add_word(struct parse *ps, const char *word)
{
	if (ps->nwords == 0)
		ps->o->target = word;
	if (ps->nwords < CLI_MAX_TARGETS)
		ps->o->targets[ps->o->ntargets++] = word;
	else if (ps->extra == NULL)
		ps->extra = word;
	ps->nwords++;
}

/* Whether word names a scenario file (ends in ".json"). */
static bool
is_scenario(const char *word)
{
	size_t n = strlen(word);

	return n > 5 && strcmp(word + n - 5, ".json") == 0;
}

/* An empty TARGET, or (with --demo) one that is no scenario file. */
static int
check_targets(struct parse *ps)
{
	const struct options *o = ps->o;

	for (int i = 0; i < o->ntargets; i++) {
		if (o->demo && !is_scenario(o->targets[i])) {
			snprintf(ps->err, ps->errlen,
			    "--demo takes no TARGET: '%.40s' (the simulated "
			    "path has its own; a scenario file is "
			    "--demo=FILE)",
			    o->targets[i]);
			return -1;
		}
		if (o->targets[i][0] == '\0') {
			snprintf(ps->err, ps->errlen,
			    "empty TARGET (give a host name or an address)");
			return -1;
		}
	}
	return 0;
}

/* Arguments that would be silently ignored, and an empty TARGET. */
static int
finish_ignored(struct parse *ps)
{
	const struct options *o = ps->o;

	if (check_targets(ps) == -1)
		return -1;
	if (o->mode == MODE_ONCE && o->count >= 0) {
		snprintf(ps->err, ps->errlen,
		    "--once runs one cycle: -c does not apply (drop -c, or "
		    "use -r -c N)");
		return -1;
	}
	return 0;
}

/*
 * --replay: the recording holds the target and every option that shaped
 * the probes; giving one again is an error, not silently ignored.
 */
static int
finish_replay(struct parse *ps)
{
	const struct options *o = ps->o;

	if (o->replay_file == NULL)
		return 0;
	if (o->target != NULL) {
		snprintf(ps->err, ps->errlen,
		    "--replay takes no TARGET: '%.40s' (the recording has its "
		    "own)",
		    o->target);
		return -1;
	}
	if (ps->probe_opt[0] != '\0') {
		snprintf(ps->err, ps->errlen,
		    "%s does not apply to --replay (the recording holds the "
		    "options it was made with; use -r and a format for a "
		    "report)",
		    ps->probe_opt);
		return -1;
	}
	return 0;
}

/* Checks what only the whole command line shows; fills the choices in. */
static int
finish(struct parse *ps)
{
	struct options *o = ps->o;

	if (settle_mode(ps) == -1)
		return -1;
	o->proto = (enum probe_proto)ps->proto.value;
	o->proto_given = ps->proto.name[0] != '\0';
	o->family = ps->family.value;
	if (o->first_ttl > o->max_ttl) {
		snprintf(ps->err, ps->errlen,
		    "-f: first TTL %d is above max hops %d (lower -f or "
		    "raise -m)",
		    o->first_ttl, o->max_ttl);
		return -1;
	}
	if (o->help || o->version)
		return 0;
	if (ps->extra != NULL) {
		snprintf(ps->err, ps->errlen,
		    "too many targets: '%.40s' is past %d (put them in a "
		    "file: -F FILE)",
		    ps->extra, CLI_MAX_TARGETS);
		return -1;
	}
	if (o->replay_file != NULL)
		return finish_replay(ps);
	if (o->target == NULL && !o->demo && o->target_file == NULL) {
		snprintf(ps->err, ps->errlen,
		    "missing TARGET (try: hoptop HOST, or hoptop "
		    "--demo)");
		return -1;
	}
	return finish_ignored(ps);
}

/* Options a recording holds (or that make no sense on one): not with
 * --replay. */
static bool
shapes_probes(int c)
{
	switch (c) {
	case OPT_FLOWS:
	case OPT_UNPRIV:
	case OPT_PING_HOP:
	case OPT_DEMO:
	case OPT_RECORD:
	case OPT_ONCE:
	case OPT_AS_ZONE:
		return true;
	default:
		return c < 256 && c > 0 && strchr("mfqPcwi46IuTF", c) != NULL;
	}
}

/*
 * getopt_long runs afresh on every call (optind = 0 resets GNU getopt,
 * half-read bundles included), so tests can call this many times.
 */
int
cli_parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
	struct parse ps;
	int c, li;

	memset(&ps, 0, sizeof(ps));
	ps.o = o;
	ps.argc = argc;
	ps.argv = argv;
	ps.err = err;
	ps.errlen = errlen;
	ps.family.value = AF_UNSPEC;
	defaults(o);
	if (errlen > 0)
		err[0] = '\0';
	opterr = 0;
	optind = 0;
	while ((li = -1, c = getopt_long(
	                     argc, argv, shortopts, longopts, &li)) != -1) {
		if (c == '?' || c == ':') {
			getopt_error(&ps, c,
			    optind > 0 && optind <= argc ? argv[optind - 1]
			                                 : NULL);
			return -1;
		}
		if (c == 1) {
			add_word(&ps, optarg);
			continue;
		}
		if (li >= 0)
			snprintf(ps.name, sizeof(ps.name), "--%s",
			    longopts[li].name);
		else
			snprintf(ps.name, sizeof(ps.name), "-%c", c);
		if (apply(&ps, c, optarg) == -1)
			return -1;
		if (ps.probe_opt[0] == '\0' && shapes_probes(c))
			snprintf(
			    ps.probe_opt, sizeof(ps.probe_opt), "%s", ps.name);
	}
	for (; optind < argc; optind++) /* the words after "--" */
		add_word(&ps, argv[optind]);
	return finish(&ps);
}

int
cli_settle(struct options *o, char *err, size_t errlen)
{
	if (o->probes == 0)
		o->probes = o->mode == MODE_ONCE ? 3 : 1;
	if (o->count < 0)
		o->count = o->mode == MODE_REPORT ? 10 : 0;
	if (o->mode == MODE_ONCE)
		o->count = 1;
	if (o->export_dir == NULL)
		o->export_dir = ".";
	if (o->ping_ttl != 0 && o->proto != PROTO_ICMP) {
		snprintf(err, errlen,
		    "--ping-hop: pings are ICMP Echo Requests; use it with "
		    "ICMP probes (-I), not -u or -T");
		return -1;
	}
	if (o->ping_ttl != 0 &&
	    (o->ping_ttl < o->first_ttl || o->ping_ttl > o->max_ttl)) {
		snprintf(err, errlen,
		    "--ping-hop: TTL %d is outside -f %d .. "
		    "-m %d",
		    o->ping_ttl, o->first_ttl, o->max_ttl);
		return -1;
	}
	return 0;
}
