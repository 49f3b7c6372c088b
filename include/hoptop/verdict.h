/*
 * verdict: what the loss numbers mean. Pure: reads the path model (const),
 * does no I/O, reads no clock. UI, reports, --log and metrics call it.
 *
 * The counts. For each hop, n = probes settled on the current path
 * (hop.cur_received + hop.cur_lost: in-flight probes are not counted, and
 * after a route change at or before a hop its counts restart, so the
 * verdict is taken on the current path) and k = those lost.
 *
 * The interval. Wilson score interval at 99% (z = 2.576), p = k / n:
 *
 *   centre = (p + z^2 / 2n) / (1 + z^2 / n)
 *   half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)
 *   [L, H] = [max(0, centre - half), min(1, centre + half)]
 *
 * The reference row R is the destination (dest_ttl), or while that is not
 * known the highest TTL that ever answered. Hops with n < VERDICT_MIN_N
 * take no part in the comparisons. "j is clearly less than i": H_j < L_i.
 *
 * A hop's cause:
 *   unknown  n < VERDICT_MIN_N (10): too few settled probes;
 *   none     no loss the samples tell from zero: k < VERDICT_MIN_LOST (2)
 *            or L < VERDICT_FLOOR (0.5%) (one lost probe is never a call);
 *   reply    some later hop or R loses clearly less: probes pass this hop,
 *            its own replies are lost (rate limit, control-plane policy);
 *   forward  no later hop and not R loses clearly less, and R itself has
 *            loss (not none): what is lost here stays lost to the end;
 *   unknown  otherwise (lossy, but R's numbers cannot tell which yet).
 * R itself, when lossy, is forward (loss at the last link or the target).
 *
 * The path verdict: forward from the first hop whose cause is forward
 * ("forwarding loss begins at TTL N, between hop N-1 and hop N"), at the
 * loss and interval of R (what is lost on the way to the end; a start hop
 * that also drops its own replies does not inflate it); none when R has n >=
 * VERDICT_MIN_N and no loss; unknown otherwise. A rate-limited hop downstream
 * of forwarding loss loses clearly more than R, so it is reply and does not
 * move the start.
 */
#ifndef HOPTOP_VERDICT_H
#define HOPTOP_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hoptop/path.h"

#define VERDICT_Z        2.576 /* 99%, two-sided */
#define VERDICT_MIN_N    10
#define VERDICT_MIN_LOST 2
#define VERDICT_FLOOR    0.005
#define VERDICT_TEXT_LEN 256 /* enough for any sentence below */

enum loss_cause { CAUSE_UNKNOWN = 0, CAUSE_NONE, CAUSE_REPLY, CAUSE_FORWARD };
enum verdict_kind { VERDICT_UNKNOWN = 0, VERDICT_NONE, VERDICT_FORWARD };

struct hop_verdict {
	enum loss_cause cause;
	uint32_t n, lost;       /* settled on the current path, of them lost */
	double loss, low, high; /* fractions 0..1: k / n and its interval */
};

struct verdict {
	enum verdict_kind kind;
	int first_ttl, last_ttl; /* rows judged */
	int ref_ttl;             /* R; 0 when nothing answered */
	int from_ttl;            /* forward: where loss begins */
	double loss, low, high;  /* forward: R's loss and interval */
	int nreply;              /* hops whose cause is reply */
	struct hop_verdict hop[PATH_MAX_TTL + 1]; /* by TTL */
};

/* The Wilson interval for k lost of n at z; [0, 1] when n is 0. */
void verdict_wilson(
    uint32_t k, uint32_t n, double z, double *low, double *high);
/*
 * The verdict on counts: n[ttl] settled and k[ttl] lost for ttl in
 * first..last (arrays indexed by TTL), R = ref_ttl (0: none). The pure
 * core, for tables of counts.
 */
void verdict_counts(struct verdict *v, int first, int last, int ref_ttl,
    const uint32_t *n, const uint32_t *k);
/* The verdict on a path's current counts, rows first_ttl..last shown. */
void verdict_path(const struct path *p, struct verdict *v);
/* The forwarding loss as a ratio 0..1 (R's loss), 0 unless the verdict is
 * VERDICT_FORWARD: e.g. a forward_loss_ratio gauge. */
double verdict_forward_loss_ratio(const struct verdict *v);

/* "none", "reply", "forward", "unknown" (the JSON / CSV words). */
const char *verdict_cause_name(enum loss_cause c);
/* The one-letter screen marker: ' ' none, 'R', 'F', '?'. */
char verdict_cause_letter(enum loss_cause c);
/*
 * The path verdict in words, into buf (always terminated):
 * "forwarding loss 19.8% from hop 6 (10.78.6.1)", "no forwarding loss;
 * hop 4 limits its replies", "too few probes to tell yet".
 * Returns buf.
 */
const char *verdict_describe(
    const struct verdict *v, const struct path *p, char *buf, size_t len);
/* One hop's verdict with its numbers, for the details panel; returns buf. */
const char *verdict_explain_hop(
    const struct verdict *v, int ttl, char *buf, size_t len);

/*
 * Ping-the-hop beside the TTL probes, "" when the hop was not pinged:
 * long: "ping 10.78.3.1: 0.0% of 28 lost, avg 8.0 ms (Time Exceeded:
 * 91.2% lost)"; short (for the table): "[ping 0.0% 8.0ms]". Returns buf.
 */
const char *verdict_ping_text(
    const struct hop *h, bool brief, char *buf, size_t len);

/* Event text. Wall-clock times: t_ns + p->wall_offset_ns. */

/* "route_change", "destination_change", "loss_start", "loss_end"; NULL
 * for the raw kinds. */
const char *verdict_event_kind_name(enum path_event_kind k);
/* RFC 3339 UTC, "2026-12-02T07:31:02.123Z" (with_ms) or "07:31:02"
 * (time of day only); returns buf. */
const char *verdict_format_time(
    int64_t wall_ns, bool full, char *buf, size_t len);
/* ev's from and to as text (addresses, TTLs, "reply"/"lost"). */
void verdict_event_from_to(
    const struct path_event *ev, char *from, char *to, size_t len);
/* One line for the events panel and the text report:
 * "2026-12-02T07:31:02.123Z route_change ttl 4: 10.78.4.1 -> 10.78.34.1" */
const char *verdict_event_line(
    const struct path *p, const struct path_event *ev, char *buf, size_t len);
/* The event as one JSON object (no newline), the same fields as the JSON
 * report: {"time","kind","ttl","from","to"}; returns buf. */
const char *verdict_event_json(
    const struct path *p, const struct path_event *ev, char *buf, size_t len);
/* The status line for the newest timeline event, "" if none: "route
 * changed 12:03:04 at hops 4-7", "loss at the destination since 12:03:04",
 * ...; returns buf. */
const char *verdict_latest_event(const struct path *p, char *buf, size_t len);

#endif
