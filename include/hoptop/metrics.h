/*
 * metrics: a front for Prometheus. It reads the path models (const) and
 * serves them at /metrics over HTTP from the one select() loop (GNU
 * libmicrohttpd with an external select: no thread, non-blocking sockets),
 * in the text exposition format 0.0.4, or OpenMetrics 1.0.0 when the Accept
 * header asks for it.
 *
 * Series (labels target, and ttl for hop series):
 *   hoptop_build_info{version}                         1
 *   hoptop_target_info{target,address,protocol}        1
 *   hoptop_cycles_total{target}                        cycles started
 *   hoptop_destination_ttl{target}                     only once known
 *   hoptop_route_changes_total{target}                 path events
 *   hoptop_hop_probes_sent_total{target,ttl}           includes in flight
 *   hoptop_hop_replies_total{target,ttl}
 *   hoptop_hop_losses_total{target,ttl}                probes timed out
 *   hoptop_hop_loss_ratio{target,ttl}                  0..1; only once a
 *                                                      probe settled
 *   hoptop_hop_rtt_seconds{target,ttl,stat}            stat: last avg best
 *                                                      worst stdev; only
 *                                                      once a reply came
 *   hoptop_hop_responder_info{target,ttl,responder[,name]}  1, for the
 *                                      METRICS_MAX_RESPONDERS responders
 *                                      with the most replies at the hop
 * Hops are first_ttl .. path_last_ttl(); a hop with nothing sent has none.
 */
#ifndef HOPTOP_METRICS_H
#define HOPTOP_METRICS_H

#include <stdint.h>
#include <stdio.h>
#include <sys/select.h>

#include "hoptop/addr.h"
#include "hoptop/names.h"
#include "hoptop/path.h"

/* Responders per hop with an info series (bounds the number of series). */
#define METRICS_MAX_RESPONDERS 4

struct metrics_target {
	const struct path *path;
	const char *name;          /* label "target": as given by the user */
	const char *proto;         /* "ICMP", "UDP", "TCP" */
	const struct namer *namer; /* responder names, or NULL (none) */
};

enum metrics_format {
	METRICS_TEXT = 0,    /* text/plain; version=0.0.4 */
	METRICS_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

/*
 * Writes the exposition of n targets to f, each family once (HELP, TYPE,
 * then its samples for every target). version: the build_info label.
 * Returns 0, or -1 with errno if writing failed.
 */
int metrics_write(FILE *f, const struct metrics_target *t, size_t n,
    enum metrics_format fmt, const char *version);
/* The format an Accept header value asks for (NULL: none, text). */
enum metrics_format metrics_negotiate(const char *accept);
/* The Content-Type of a format. */
const char *metrics_content_type(enum metrics_format fmt);

struct metrics_server;

/*
 * Listens on addr:port (port 0: any free one, see metrics_port). Returns
 * the server, or NULL with a one-line message in err. The targets are read
 * at each scrape: set them with metrics_set_targets before the loop runs.
 */
struct metrics_server *metrics_open(const struct haddr *addr, unsigned port,
    const char *version, char *err, size_t errlen);
void metrics_close(struct metrics_server *m); /* NULL: no-op */
/* The port listened on. */
unsigned metrics_port(const struct metrics_server *m);
/* t (n of them) stays the caller's and must live while m serves. */
void metrics_set_targets(
    struct metrics_server *m, const struct metrics_target *t, size_t n);

/* Adds the server's fds to the sets; returns the largest fd, or maxfd. */
int metrics_fds(
    struct metrics_server *m, fd_set *r, fd_set *w, fd_set *e, int maxfd);
/* When the server must run again at the latest (CLOCK_NEVER: no need). */
int64_t metrics_next_deadline(struct metrics_server *m, int64_t now_ns);
/* Reads, answers and times out connections: never blocks. */
void metrics_process(struct metrics_server *m, const fd_set *r, const fd_set *w,
    const fd_set *e);
/* Requests answered so far (for tests). */
uint64_t metrics_requests(const struct metrics_server *m);

#endif
