/*
 * report: snapshot writers to a FILE *. They read the model (const) and
 * never change it. The text report and the screen use the same columns.
 */
#ifndef HOPTOP_REPORT_H
#define HOPTOP_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "hoptop/column.h"
#include "hoptop/names.h"
#include "hoptop/path.h"

#define REPORT_JSON_SCHEMA 1

/* What a report says about the run besides the path. */
struct report_meta {
	const char *version;     /* "0.1.0" */
	const char *source_host; /* local host name */
	const char *target_name; /* as given on the command line */
	struct haddr target_addr;
	const char *proto;  /* "ICMP", "UDP", "TCP" */
	const char *method; /* "raw socket", "simulated", ... */
	bool simulated;
	time_t started, ended; /* wall clock */
	time_t reset;          /* the last r (statistics since then), or 0 */
	/* the options used */
	int probes, first_ttl, max_ttl, port, flows;
	double interval_s, timeout_s;
	unsigned cycles; /* cycles asked for (0 = until quit) */
	bool show_mpls, show_asn;
};

/* Each returns 0, or -1 with errno if writing failed. */
int report_write_text(FILE *f, const struct path *p,
    const struct report_meta *m, const struct report_view *v);
int report_write_json(FILE *f, const struct path *p,
    const struct report_meta *m, const struct report_view *v);
int report_write_csv(FILE *f, const struct path *p, const struct report_meta *m,
    const struct report_view *v);
int report_write_markdown(FILE *f, const struct path *p,
    const struct report_meta *m, const struct report_view *v);

/* One target of several (fleet): its path, meta and view. */
struct report_target {
	const struct path *p;
	const struct report_meta *m;
	const struct report_view *v;
};

/*
 * Several targets: one JSON object {"schema": 1, "targets": [...]} whose
 * elements are each the object report_write_json writes for one; one CSV
 * table with a first column "target" (the name as given).
 */
int report_write_json_many(FILE *f, const struct report_target *t, size_t n);
int report_write_csv_many(FILE *f, const struct report_target *t, size_t n);

/* Classic traceroute output (--once). */
int report_once_header(FILE *f, const struct report_meta *m);
/*
 * One line for a hop whose probes are all settled, e.g.
 * " 1  router.lan (192.168.1.1)  4.012 ms  3.871 ms  5.104 ms", with "*"
 * per lost probe. Uses the hop's newest nprobes samples in send order.
 */
int report_once_line(FILE *f, const struct path *p, int ttl, int nprobes,
    const struct report_view *v);

/*
 * Writes a text snapshot to DIR/hoptop-TARGET-YYYYmmdd-HHMMSS.txt with a
 * header saying when and what. Returns 0 with the path in out, or -1 with
 * errno (and nothing left behind).
 */
int report_snapshot(const char *dir, time_t when, const struct path *p,
    const struct report_meta *m, const struct report_view *v, char *out,
    size_t outlen);

#endif
