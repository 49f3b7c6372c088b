/*
 * verdict: loss causes and the path verdict from the model's counts (the
 * rule and its formula are in verdict.h), and the text of timeline events.
 * Pure: no I/O, no clock.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hoptop/clock.h"
#include "hoptop/verdict.h"

#define ROUTE_WITH_DEST_NS (10 * NS_PER_S)

void
verdict_wilson(uint32_t k, uint32_t n, double z, double *low, double *high)
{
	double p, z2, den, centre, half;

	if (n == 0) {
		*low = 0;
		*high = 1;
		return;
	}
	p = (double)k / n;
	z2 = z * z;
	den = 1 + z2 / n;
	centre = (p + z2 / (2.0 * n)) / den;
	half = z / den * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
	*low = k == 0 ? 0 : fmax(0, centre - half);
	*high = k == n ? 1 : fmin(1, centre + half);
}

static bool
judged(const struct hop_verdict *h)
{
	return h->n >= VERDICT_MIN_N;
}

/* Loss the samples tell from zero. */
static bool
lossy(const struct hop_verdict *h)
{
	return judged(h) && h->lost >= VERDICT_MIN_LOST &&
	       h->low >= VERDICT_FLOOR;
}

/* The cause of a lossy hop at ttl, by the later hops and R. */
static enum loss_cause
lossy_cause(const struct verdict *v, int ttl)
{
	const struct hop_verdict *h = &v->hop[ttl];

	if (v->ref_ttl == 0 || ttl > v->ref_ttl)
		return CAUSE_UNKNOWN;
	for (int j = ttl + 1; j <= v->ref_ttl; j++)
		if (judged(&v->hop[j]) && v->hop[j].high < h->low)
			return CAUSE_REPLY;
	return lossy(&v->hop[v->ref_ttl]) ? CAUSE_FORWARD : CAUSE_UNKNOWN;
}

static void
path_kind(struct verdict *v)
{
	for (int ttl = v->first_ttl; ttl <= v->last_ttl; ttl++) {
		const struct hop_verdict *h = &v->hop[ttl];

		if (h->cause == CAUSE_REPLY)
			v->nreply++;
		if (h->cause == CAUSE_FORWARD && v->kind != VERDICT_FORWARD) {
			v->kind = VERDICT_FORWARD;
			v->from_ttl = ttl;
		}
	}
	/* What is lost on the way is what R loses (reply loss at the
	 * start hop adds nothing to it). */
	if (v->kind == VERDICT_FORWARD) {
		v->loss = v->hop[v->ref_ttl].loss;
		v->low = v->hop[v->ref_ttl].low;
		v->high = v->hop[v->ref_ttl].high;
	}
	if (v->kind == VERDICT_UNKNOWN && v->ref_ttl != 0 &&
	    v->hop[v->ref_ttl].cause == CAUSE_NONE)
		v->kind = VERDICT_NONE;
}

void
verdict_counts(struct verdict *v, int first, int last, int ref_ttl,
    const uint32_t *n, const uint32_t *k)
{
	memset(v, 0, sizeof(*v));
	if (first < 1)
		first = 1;
	if (last > PATH_MAX_TTL)
		last = PATH_MAX_TTL;
	v->first_ttl = first;
	v->last_ttl = last;
	v->ref_ttl = ref_ttl >= first && ref_ttl <= last ? ref_ttl : 0;
	for (int ttl = first; ttl <= last; ttl++) {
		struct hop_verdict *h = &v->hop[ttl];

		h->n = n[ttl];
		h->lost = k[ttl] < n[ttl] ? k[ttl] : n[ttl];
		h->loss = h->n > 0 ? (double)h->lost / h->n : 0;
		verdict_wilson(h->lost, h->n, VERDICT_Z, &h->low, &h->high);
		h->cause = !judged(h) ? CAUSE_UNKNOWN
		           : lossy(h) ? CAUSE_UNKNOWN
		                      : CAUSE_NONE;
	}
	for (int ttl = first; ttl <= last; ttl++)
		if (lossy(&v->hop[ttl]))
			v->hop[ttl].cause = lossy_cause(v, ttl);
	path_kind(v);
}

void
verdict_path(const struct path *p, struct verdict *v)
{
	uint32_t n[PATH_MAX_TTL + 1] = {0}, k[PATH_MAX_TTL + 1] = {0};
	int last = path_last_ttl(p), ref = p->dest_ttl;

	for (int ttl = p->first_ttl; ttl <= last; ttl++) {
		const struct hop *h = path_hop(p, ttl);

		n[ttl] = h->cur_received + h->cur_lost;
		k[ttl] = h->cur_lost;
		if (p->dest_ttl == 0 && h->st.received > 0)
			ref = ttl;
	}
	verdict_counts(v, p->first_ttl, last, ref, n, k);
}

double
verdict_forward_loss_ratio(const struct verdict *v)
{
	return v->kind == VERDICT_FORWARD ? v->loss : 0.0;
}

const char *
verdict_cause_name(enum loss_cause c)
{
	switch (c) {
	case CAUSE_NONE:
		return "none";
	case CAUSE_REPLY:
		return "reply";
	case CAUSE_FORWARD:
		return "forward";
	default:
		return "unknown";
	}
}

char
verdict_cause_letter(enum loss_cause c)
{
	switch (c) {
	case CAUSE_NONE:
		return ' ';
	case CAUSE_REPLY:
		return 'R';
	case CAUSE_FORWARD:
		return 'F';
	default:
		return '?';
	}
}

/* Appends printf text at the end of buf (truncating). */
static void append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* "; hop 4 limits its replies" / "; hops 4, 8 limit their replies". */
static void
append_reply_hops(const struct verdict *v, char *buf, size_t len)
{
	int shown = 0;

	if (v->nreply == 0)
		return;
	append(buf, len, "; hop%s", v->nreply > 1 ? "s" : "");
	for (int ttl = v->first_ttl; ttl <= v->last_ttl; ttl++) {
		if (v->hop[ttl].cause != CAUSE_REPLY)
			continue;
		append(buf, len, "%s %d", shown++ ? "," : "", ttl);
	}
	append(buf, len, " limit%s %s replies", v->nreply > 1 ? "" : "s",
	    v->nreply > 1 ? "their" : "its");
}

const char *
verdict_describe(
    const struct verdict *v, const struct path *p, char *buf, size_t len)
{
	const struct hop *h;
	const struct responder *r;
	char a[ADDR_STRLEN];

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (v->kind == VERDICT_UNKNOWN) {
		append(buf, len, "too few probes to tell yet");
		return buf;
	}
	if (v->kind == VERDICT_NONE) {
		append(buf, len, "no forwarding loss");
	} else {
		append(buf, len, "forwarding loss %.1f%% from hop %d",
		    v->loss * 100, v->from_ttl);
		h = path_hop(p, v->from_ttl);
		r = h != NULL ? hop_current_responder(h) : NULL;
		if (r != NULL)
			append(buf, len, " (%s)",
			    addr_str(&r->addr, a, sizeof(a)));
	}
	append_reply_hops(v, buf, len);
	return buf;
}

/* The judged hop after ttl (up to R) with the lowest upper bound. */
static int
least_later(const struct verdict *v, int ttl)
{
	int best = 0;

	for (int j = ttl + 1; j <= v->ref_ttl; j++)
		if (judged(&v->hop[j]) &&
		    (best == 0 || v->hop[j].high < v->hop[best].high))
			best = j;
	return best;
}

static void
append_numbers(const struct hop_verdict *h, char *buf, size_t len)
{
	append(buf, len, "%u of %u lost (%.1f%%, 99%% interval %.1f-%.1f%%)",
	    h->lost, h->n, h->loss * 100, h->low * 100, h->high * 100);
}

/* The words a hop's cause is explained with. */
static const char *
cause_words(enum loss_cause c)
{
	switch (c) {
	case CAUSE_NONE:
		return "no loss told from zero";
	case CAUSE_REPLY:
		return "reply loss";
	case CAUSE_FORWARD:
		return "forwarding loss";
	default:
		return "undecided";
	}
}

const char *
verdict_explain_hop(const struct verdict *v, int ttl, char *buf, size_t len)
{
	const struct hop_verdict *h;
	int j;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (ttl < v->first_ttl || ttl > v->last_ttl)
		return buf;
	h = &v->hop[ttl];
	append(buf, len, "%s: ", cause_words(h->cause));
	if (!judged(h)) {
		append(buf, len, "%u settled probes, %d needed", h->n,
		    VERDICT_MIN_N);
		return buf;
	}
	append_numbers(h, buf, len);
	j = least_later(v, ttl);
	if (h->cause == CAUSE_REPLY && j != 0)
		append(buf, len,
		    "; hop %d loses clearly less (at most %.1f%%): probes "
		    "pass, replies are lost",
		    j, v->hop[j].high * 100);
	else if (h->cause == CAUSE_FORWARD)
		append(buf, len,
		    "; no later hop loses clearly less: probes "
		    "are lost on the way");
	else if (h->cause == CAUSE_UNKNOWN && v->ref_ttl != 0)
		append(buf, len,
		    "; hop %d cannot tell forward from reply loss yet",
		    v->ref_ttl);
	return buf;
}

const char *
verdict_ping_text(const struct hop *h, bool brief, char *buf, size_t len)
{
	const struct stats *s = &h->ping;
	char a[ADDR_STRLEN], avg[32] = "-";

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (s->sent == 0)
		return buf;
	if (s->received > 0)
		snprintf(avg, sizeof(avg), "%.1f%s", stats_avg_ns(s) / 1e6,
		    brief ? "ms" : " ms");
	if (brief) {
		snprintf(buf, len, "[ping %.1f%% %s]", stats_loss_pct(s), avg);
		return buf;
	}
	snprintf(buf, len,
	    "ping %s: %.1f%% of %u lost, avg %s (Time Exceeded: %.1f%% lost)",
	    addr_str(&h->ping_addr, a, sizeof(a)), stats_loss_pct(s),
	    s->received + s->lost, avg, stats_loss_pct(&h->st));
	return buf;
}

const char *
verdict_event_kind_name(enum path_event_kind k)
{
	switch (k) {
	case EV_ROUTE_CHANGE:
		return "route_change";
	case EV_DEST_TTL:
		return "destination_change";
	case EV_LOSS_START:
		return "loss_start";
	case EV_LOSS_END:
		return "loss_end";
	default:
		return NULL;
	}
}

const char *
verdict_format_time(int64_t wall_ns, bool full, char *buf, size_t len)
{
	int64_t s = wall_ns / NS_PER_S, ms = wall_ns % NS_PER_S / NS_PER_MS;
	time_t t;
	struct tm tm;
	char day[32];

	if (ms < 0) {
		ms += 1000;
		s--;
	}
	t = (time_t)s;
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	if (!full) {
		strftime(buf, len, "%H:%M:%S", &tm);
		return buf;
	}
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", day, (int)ms);
	return buf;
}

void
verdict_event_from_to(
    const struct path_event *ev, char *from, char *to, size_t len)
{
	switch (ev->kind) {
	case EV_ROUTE_CHANGE:
		addr_str(&ev->old_addr, from, len);
		addr_str(&ev->addr, to, len);
		break;
	case EV_DEST_TTL:
		snprintf(from, len, "%d", ev->old_dest_ttl);
		snprintf(to, len, "%d", ev->new_dest_ttl);
		break;
	case EV_LOSS_START:
		snprintf(from, len, "reply");
		snprintf(to, len, "lost");
		break;
	default:
		snprintf(from, len, "lost");
		snprintf(to, len, "reply");
		break;
	}
}

const char *
verdict_event_line(
    const struct path *p, const struct path_event *ev, char *buf, size_t len)
{
	char t[40], from[ADDR_STRLEN], to[ADDR_STRLEN];
	const char *kind = verdict_event_kind_name(ev->kind);

	verdict_format_time(ev->t_ns + p->wall_offset_ns, true, t, sizeof(t));
	verdict_event_from_to(ev, from, to, sizeof(from));
	snprintf(buf, len, "%s %s ttl %d: %s -> %s", t,
	    kind != NULL ? kind : "raw", ev->ttl, from, to);
	return buf;
}

const char *
verdict_event_json(
    const struct path *p, const struct path_event *ev, char *buf, size_t len)
{
	char t[40], from[ADDR_STRLEN], to[ADDR_STRLEN];
	const char *kind = verdict_event_kind_name(ev->kind);
	const char *q = ev->kind == EV_DEST_TTL ? "" : "\"";

	verdict_format_time(ev->t_ns + p->wall_offset_ns, true, t, sizeof(t));
	verdict_event_from_to(ev, from, to, sizeof(from));
	snprintf(buf, len,
	    "{\"time\": \"%s\", \"kind\": \"%s\", \"ttl\": %d, "
	    "\"from\": %s%s%s, \"to\": %s%s%s}",
	    t, kind != NULL ? kind : "raw", ev->ttl, q, from, q, q, to, q);
	return buf;
}

/* "hop 4" or "hops 4-7": the route changes confirmed with ev. */
static void
changed_hops(const struct path *p, const struct path_event *ev, int *lo,
    int *hi, int64_t *t_ns)
{
	const struct path_event *e;

	*lo = *hi = ev->ttl;
	*t_ns = ev->t_ns;
	for (unsigned i = 0; (e = path_event(p, i)) != NULL; i++) {
		if (e->kind != EV_ROUTE_CHANGE || e->cycle != ev->cycle)
			continue;
		*lo = e->ttl < *lo ? e->ttl : *lo;
		*hi = e->ttl > *hi ? e->ttl : *hi;
		*t_ns = e->t_ns < *t_ns ? e->t_ns : *t_ns;
	}
}

/* The newest route change, or NULL. */
static const struct path_event *
last_route_change(const struct path *p)
{
	const struct path_event *e;

	for (unsigned i = 0; (e = path_event(p, i)) != NULL; i++)
		if (e->kind == EV_ROUTE_CHANGE)
			return e;
	return NULL;
}

/* "route changed 12:03:04 at hops 4-7". */
static void
route_words(
    const struct path *p, const struct path_event *ev, char *buf, size_t len)
{
	char t[40];
	int lo, hi;
	int64_t t_ns;

	changed_hops(p, ev, &lo, &hi, &t_ns);
	verdict_format_time(t_ns + p->wall_offset_ns, false, t, sizeof(t));
	if (lo == hi)
		snprintf(buf, len, "route changed %s at hop %d", t, lo);
	else
		snprintf(buf, len, "route changed %s at hops %d-%d", t, lo, hi);
}

/*
 * The newest timeline event in words. A destination change that comes
 * with a route change (within ROUTE_WITH_DEST_NS) names both, so the
 * route change is not hidden by the path growing a cycle later.
 */
const char *
verdict_latest_event(const struct path *p, char *buf, size_t len)
{
	const struct path_event *ev = path_last_timeline_event(p), *rc;
	char t[40];

	if (len > 0)
		buf[0] = '\0';
	if (ev == NULL || len == 0)
		return buf;
	verdict_format_time(ev->t_ns + p->wall_offset_ns, false, t, sizeof(t));
	if (ev->kind == EV_ROUTE_CHANGE) {
		route_words(p, ev, buf, len);
	} else if (ev->kind == EV_DEST_TTL) {
		rc = last_route_change(p);
		if (rc != NULL && ev->t_ns - rc->t_ns < ROUTE_WITH_DEST_NS) {
			route_words(p, rc, buf, len);
			append(buf, len, "; ");
		}
		append(buf, len, "path %s to %d hops at %s",
		    ev->new_dest_ttl > ev->old_dest_ttl ? "grew" : "shrank",
		    ev->new_dest_ttl, t);
	} else if (ev->kind == EV_LOSS_START) {
		snprintf(buf, len, "destination lost since %s", t);
	} else {
		snprintf(buf, len, "destination answers again since %s", t);
	}
	return buf;
}
