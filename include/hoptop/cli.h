/* cli: the command line. Pure: no I/O; errors come back as text. */
#ifndef HOPTOP_CLI_H
#define HOPTOP_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "hoptop/packet.h"
#include "hoptop/transport.h"

/* TARGETs on the command line; more go in a file (-F). */
#define CLI_MAX_TARGETS 64

enum run_mode { MODE_MONITOR = 0, MODE_REPORT, MODE_ONCE };
enum report_format { FMT_TEXT = 0, FMT_JSON, FMT_CSV, FMT_MARKDOWN };

struct options {
	enum run_mode mode;
	enum report_format format;
	int max_ttl;       /* -m, 1..255 */
	int first_ttl;     /* -f */
	double timeout_s;  /* -w */
	int probes;        /* -q, 1..10; 0 = mode default */
	bool no_dns;       /* -n */
	double interval_s; /* -i */
	long count;        /* -c; -1 = mode default */
	int family;        /* AF_UNSPEC, AF_INET, AF_INET6 */
	enum probe_proto proto;
	bool proto_given;       /* -I, -u or -T was given (not the default) */
	int port;               /* -P; 0 = protocol default */
	const char *export_dir; /* -o */
	bool demo;
	const char *demo_file;  /* --demo FILE, or NULL for the built-in */
	bool show_asn;          /* -z */
	const char *asn_zone;   /* --as-zone */
	bool show_mpls;         /* -e */
	int flows;              /* --flows, 1..16 */
	enum net_method method; /* --unprivileged */
	const char *log_file;   /* --log FILE: events as JSON lines */
	int ping_ttl;           /* --ping-hop TTL; 0 = none */
	bool help, version;
	const char *target; /* the first TARGET (NULL: none) */
	/* Every TARGET given, in order (with --demo: more scenario files). */
	const char *targets[CLI_MAX_TARGETS];
	int ntargets;
	const char *target_file; /* -F FILE: more targets, one a line */
	/* --metrics [ADDR:]PORT: serve /metrics (NULL: not asked for). */
	const char *metrics;
	struct haddr metrics_addr; /* 127.0.0.1 when only a port is given */
	unsigned metrics_port;     /* 0: any free port */
	const char *record_file;   /* --record FILE, or NULL */
	const char *replay_file;   /* --replay FILE, or NULL */
};

/*
 * Parses argv into *o (defaults first). Returns 0, or -1 with a one-line
 * message in err (the caller prints it and exits 2). Strings in *o point
 * into argv; argv is not reordered. Safe to call repeatedly.
 *
 * Defaults: monitor, text, -m 30, -f 1, -w 2, -q 0 (the mode decides),
 * -i 1, -c -1 (the mode decides), AF_UNSPEC, ICMP, port 0, flows 1,
 * export_dir NULL (current directory), asn_zone NULL (built-in zone).
 * --json/--csv/--markdown imply -r; --once with -r or a format, two
 * formats, two protocols or -4 with -6 are errors; --as-zone implies -z;
 * -f above -m is an error. --demo FILE: "--demo=FILE", or the next word if
 * it does not start with '-' and ends in ".json"; with --demo, TARGET is
 * optional. With -h or -V, TARGET is not required (nor checked).
 * The "-i below 0.1 needs root" rule is priv's (priv_check_interval).
 * --metrics takes PORT (on 127.0.0.1), ADDR:PORT (numeric IPv4) or
 * [ADDR]:PORT (numeric IPv6), PORT 0-65535.
 * --replay FILE takes no TARGET and none of the options that shape the
 * probes (the recording holds them): those are errors.
 */
int cli_parse(
    int argc, char **argv, struct options *o, char *err, size_t errlen);
/*
 * The defaults the mode decides, once the options are final (after
 * --replay put the recording's in): -q 3 for --once, else 1; -c 10 for
 * -r, 1 for --once, else 0 (run until quit); -o the current directory.
 * --ping-hop needs ICMP probes and a TTL within -f .. -m. Returns 0, or -1
 * with a message in err.
 */
int cli_settle(struct options *o, char *err, size_t errlen);
/*
 * The one checked number parser: the whole string must be a number in
 * [min, max]. Returns 0, or -1 with a message naming opt in err (and *out
 * untouched). Accepted: [+-]digits[.digits] (".5" and "5." too); no spaces,
 * exponents, hex, inf or nan; with integer, no decimal point.
 */
int cli_number(const char *opt, const char *s, double min, double max,
    bool integer, double *out, char *err, size_t errlen);
/* The --help text. */
const char *cli_usage(void);

#endif
