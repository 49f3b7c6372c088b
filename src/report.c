/*
 * report: snapshot writers (text, JSON, CSV, Markdown, classic traceroute
 * lines) to a FILE *. They read the model (const) and never change it.
 *
 * Rows: each TTL from path->first_ttl to path_last_ttl() gives one row for
 * the hop as a whole, named after its main responder (most replies; "???"
 * for a hop that never answered), with the hop's statistics. Every other
 * responder of that hop follows as an extra row with its own statistics
 * (text: an mtr-style "|  `|--" line; Markdown: "↳ " host; CSV: the
 * "responder" column counts 1, 2, ... while the hop row has 0). A responder
 * is not sent probes of its own, so extra rows leave Loss% and Snt empty.
 *
 * Host names come from the view's namer and are shown with control bytes
 * replaced by '?', so a hostile PTR record cannot drive the terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "hoptop/report.h"
#include "hoptop/verdict.h"

#define HOST_TEXT_LEN 320 /* a DNS name (255) plus " (address)" */
#define HOST_MIN_W    30
#define HOST_MAX_W    60
#define EXTRA_INDENT  4 /* "    |  `|-- " is 4 wider than "  1.|-- " */
#define ONCE_MAX      64
#define SNAP_TRIES    100

/* One line of a report: a hop, or an extra responder of the hop above. */
struct row {
	int ttl;
	const struct hop *h;
	const struct responder *r; /* NULL: the hop never answered */
	const struct stats *st;
	int index; /* 0 for the hop row, 1.. for its extra responders */
};

struct rows {
	const struct path *p;
	int ttl, last;
	int next; /* next resp[] index to look at; -1: the hop row is due */
	int index;
};

static void
rows_start(struct rows *it, const struct path *p)
{
	it->p = p;
	it->ttl = p->first_ttl;
	it->last = path_last_ttl(p);
	it->next = -1;
	it->index = 0;
}

/* Fills *out with the next row; false at the end. */
static bool
rows_next(struct rows *it, struct row *out)
{
	for (; it->ttl <= it->last; it->ttl++, it->next = -1) {
		const struct hop *h = path_hop(it->p, it->ttl);
		const struct responder *main_r;

		if (h == NULL)
			continue;
		main_r = hop_current_responder(h);
		if (it->next < 0) {
			*out = (struct row){it->ttl, h, main_r, &h->st, 0};
			it->next = 0;
			it->index = 0;
			return true;
		}
		while (it->next < h->nresp) {
			const struct responder *r = &h->resp[it->next++];

			if (r == main_r)
				continue;
			*out = (struct row){it->ttl, h, r, &r->st, ++it->index};
			return true;
		}
	}
	return false;
}

/*
 * Escapes in place (names_sanitize) what must not reach a terminal; s
 * holds len bytes.
 */
static char *
clean(char *s, size_t len)
{
	char raw[HOST_TEXT_LEN];

	snprintf(raw, sizeof(raw), "%s", s);
	return names_sanitize(raw, s, len);
}

static const char *
host_text(const struct report_view *v, const struct responder *r, char *buf,
    size_t len)
{
	if (r == NULL) {
		snprintf(buf, len, "???");
		return buf;
	}
	names_format(v->namer, v->mode, &r->addr, buf, len);
	return clean(buf, len);
}

/* The name from the namer regardless of the view's mode; false if none. */
static bool
host_name(const struct report_view *v, const struct responder *r, char *buf,
    size_t len)
{
	const struct namer *n = v->namer;

	if (r == NULL || n == NULL || n->name == NULL ||
	    n->name(n->ctx, &r->addr, buf, len) != 1)
		return false;
	buf[len - 1] = '\0';
	clean(buf, len);
	return true;
}

static const char *
as_text(const struct report_view *v, const struct responder *r, char *buf,
    size_t len)
{
	uint32_t asn;

	if (r != NULL && names_asn(v->namer, &r->addr, &asn) == 1)
		snprintf(buf, len, "AS%u", (unsigned)asn);
	else
		snprintf(buf, len, "AS???");
	return buf;
}

/* A NULL view: host names (none without a namer), default columns. */
static const struct report_view *
view_or_default(const struct report_view *v)
{
	static const struct report_view dflt = {NULL, NAMES_HOST, NULL, 0};

	return v != NULL ? v : &dflt;
}

/* The view's columns; the default set if it has none or an unknown one. */
static const enum col_id *
view_cols(const struct report_view *v, int *n)
{
	bool ok = v->cols != NULL && v->ncols > 0;

	for (int i = 0; ok && i < v->ncols; i++)
		ok = column_get(v->cols[i]) != NULL;
	if (!ok) {
		*n = column_set_default_n;
		return column_set_default;
	}
	*n = v->ncols;
	return v->cols;
}

/* A column's text for a row: Loss% and Snt mean nothing for a responder. */
static const char *
cell(enum col_id id, const struct row *rw, char *buf, size_t len)
{
	if (rw->index > 0 && (id == COL_LOSS || id == COL_SNT)) {
		buf[0] = '\0';
		return buf;
	}
	return column_format(id, rw->st, buf, len);
}

enum time_style {
	T_MTR,     /* 2026-11-22T02:00:00+0000, as mtr --report */
	T_RFC3339, /* 2026-11-22T02:00:00Z */
	T_HUMAN,   /* 2026-11-22 02:00:00 UTC */
	T_FILE,    /* 20261122-020000 */
};

/* UTC wall time in one of the styles above. */
static const char *
utc_time(time_t t, enum time_style style, char *buf, size_t len)
{
	struct tm tm;
	size_t n = 0;

	if (gmtime_r(&t, &tm) != NULL) {
		switch (style) {
		case T_MTR:
			n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
			break;
		case T_RFC3339:
			n = strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
			break;
		case T_HUMAN:
			n = strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
			break;
		case T_FILE:
			n = strftime(buf, len, "%Y%m%d-%H%M%S", &tm);
			break;
		}
	}
	if (n == 0)
		snprintf(buf, len, "?");
	return buf;
}

/* The target's address: from the meta, else the path's. */
static const char *
target_ip(
    const struct path *p, const struct report_meta *m, char *buf, size_t len)
{
	const struct haddr *a = &m->target_addr;

	if (!addr_is_set(a))
		a = &p->target;
	if (!addr_is_set(a))
		return NULL;
	return addr_str(a, buf, len);
}

static const char *
str_or(const char *s, const char *dflt)
{
	return s != NULL ? s : dflt;
}

/* Ends a writer: flushes, and turns a stream error into -1 with errno. */
static int
finish(FILE *f)
{
	if (fflush(f) != 0 || ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* ---- text ---- */

/*
 * The columns the character at s takes on a terminal, and its length in
 * *len. Text here is sanitised (valid UTF-8); widths are wcwidth's in a
 * UTF-8 locale whatever the process locale, 1 if there is none.
 */
static int
char_cols(const char *s, size_t *len)
{
	static locale_t utf8;
	locale_t old;
	mbstate_t st;
	wchar_t wc;
	int w = 1;

	*len = names_safe_char(s);
	if (*len <= 1) {
		*len = 1;
		return 1;
	}
	if (utf8 == (locale_t)0)
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (utf8 == (locale_t)0)
		return 1;
	old = uselocale(utf8);
	memset(&st, 0, sizeof(st));
	if (mbrtowc(&wc, s, *len, &st) == *len)
		w = wcwidth(wc);
	uselocale(old);
	return w < 0 ? 1 : w;
}

/* The columns s takes. */
static int
text_cols(const char *s)
{
	int w = 0;
	size_t n;

	for (; *s != '\0'; s += n)
		w += char_cols(s, &n);
	return w;
}

/* Cuts s to at most w columns, ending in "..." if cut (whole characters). */
static void
fit(char *s, int w)
{
	int used = 0, cw;
	size_t o = 0, n;

	if (text_cols(s) <= w)
		return;
	while (s[o] != '\0' && used + (cw = char_cols(s + o, &n)) <= w - 3) {
		used += cw;
		o += n;
	}
	memcpy(s + o, "...", 4);
}

/* s, then blanks up to w columns. */
static void
put_padded(FILE *f, const char *s, int w)
{
	fprintf(f, "%s%*s", s, w > text_cols(s) ? w - text_cols(s) : 0, "");
}

/* Host column width: fits the longest host, within the min and max. */
static int
text_host_width(const struct path *p, const struct report_view *v)
{
	char buf[HOST_TEXT_LEN];
	struct rows it;
	struct row rw;
	int w = HOST_MIN_W;

	rows_start(&it, p);
	while (rows_next(&it, &rw)) {
		int n = text_cols(host_text(v, rw.r, buf, sizeof(buf)));

		if (rw.index > 0)
			n += EXTRA_INDENT;
		if (n > w)
			w = n;
	}
	return w > HOST_MAX_W ? HOST_MAX_W : w;
}

static int
text_as_width(const struct path *p, const struct report_view *v)
{
	char buf[32];
	struct rows it;
	struct row rw;
	int w = 0;

	rows_start(&it, p);
	while (rows_next(&it, &rw)) {
		int n = (int)strlen(as_text(v, rw.r, buf, sizeof(buf)));

		if (n > w)
			w = n;
	}
	return w;
}

/* "ICMP (raw socket) to name (ip)": protocol, method and target. */
static void
text_what(FILE *f, const struct path *p, const struct report_meta *m)
{
	char ip[ADDR_STRLEN], tn[HOST_TEXT_LEN];
	const char *ips = target_ip(p, m, ip, sizeof(ip));
	const char *name = str_or(m->target_name, ips);

	if (name != NULL)
		name = names_sanitize(name, tn, sizeof(tn));

	fprintf(f, "%s", str_or(m->proto, "?"));
	if (m->port > 0 && m->proto != NULL && strcmp(m->proto, "ICMP") != 0)
		fprintf(f, " port %d", m->port);
	if (m->method != NULL)
		fprintf(f, " (%s)", m->method);
	fprintf(f, " to %s", str_or(name, "?"));
	if (ips != NULL && name != NULL && strcmp(ips, name) != 0)
		fprintf(f, " (%s)", ips);
}

static void
text_header(FILE *f, const struct path *p, const struct report_meta *m)
{
	char t[64];

	fprintf(f, "Start: %s\n", utc_time(m->started, T_MTR, t, sizeof(t)));
	if (m->reset != 0)
		fprintf(f, "Reset: %s (the numbers cover the time since)\n",
		    utc_time(m->reset, T_MTR, t, sizeof(t)));
	fprintf(f, "hoptop %s: ", str_or(m->version, "?"));
	text_what(f, p, m);
	fprintf(f, ", %d probe%s/hop", m->probes, m->probes == 1 ? "" : "s");
	if (m->flows > 1)
		fprintf(f, ", %d flows", m->flows);
	if (p->first_ttl != 1)
		fprintf(f, ", first TTL %d", p->first_ttl);
	fprintf(f, ", interval %g s, %u cycle%s\n", m->interval_s, p->cycles,
	    p->cycles == 1 ? "" : "s");
	if (m->simulated)
		fprintf(f, "Simulated path: no probe left this machine.\n");
}

static void
text_titles(FILE *f, const struct report_meta *m, const struct report_view *v,
    int hostw, int asw)
{
	char src[HOST_TEXT_LEN];
	const enum col_id *cols;
	int ncols, w = hostw + 2;

	if (m->show_asn)
		w += asw + 1;
	snprintf(src, sizeof(src), "%s", str_or(m->source_host, ""));
	fit(clean(src, sizeof(src)), w);
	fputs("HOST: ", f);
	put_padded(f, src, w);
	cols = view_cols(v, &ncols);
	for (int i = 0; i < ncols; i++) {
		const struct column *c = column_get(cols[i]);

		fprintf(f, " %*s", c->width, c->title);
	}
	fputc('\n', f);
}

static void
text_mpls(FILE *f, const struct row *rw)
{
	const struct mpls_stack *s = &rw->r->mpls;

	for (int i = 0; i < s->n && i < MPLS_MAX_LABELS; i++)
		fprintf(f, "%*s[MPLS: Lbl %u TC %u S %u TTL %u]\n",
		    rw->index > 0 ? 11 : 7, "", (unsigned)s->l[i].label,
		    (unsigned)s->l[i].tc, (unsigned)s->l[i].s,
		    (unsigned)s->l[i].ttl);
}

static void
text_row(FILE *f, const struct row *rw, const struct report_meta *m,
    const struct report_view *v, int hostw, int asw)
{
	char host[HOST_TEXT_LEN], as[32], val[64];
	int ncols, end = 0, w = rw->index > 0 ? hostw - EXTRA_INDENT : hostw;
	const enum col_id *cols = view_cols(v, &ncols);

	/* Empty cells at the end of the line are not written as blanks. */
	for (int i = 0; i < ncols; i++)
		if (*cell(cols[i], rw, val, sizeof(val)) != '\0')
			end = i + 1;

	if (rw->index > 0)
		fprintf(f, "    |  `|-- ");
	else
		fprintf(f, "%3d.|-- ", rw->ttl);
	if (m->show_asn)
		fprintf(f, "%-*s ", asw, as_text(v, rw->r, as, sizeof(as)));
	host_text(v, rw->r, host, sizeof(host));
	fit(host, w);
	put_padded(f, host, end > 0 ? w : 0);
	for (int i = 0; i < end; i++)
		fprintf(f, " %*s", column_get(cols[i])->width,
		    cell(cols[i], rw, val, sizeof(val)));
	fputc('\n', f);
	if (m->show_mpls && rw->r != NULL)
		text_mpls(f, rw);
}

/* The verdict lines shared by text and Markdown: the sentence, then each
 * hop whose cause is not none, with its numbers. prefix starts each. */
static void
verdict_lines(FILE *f, const struct path *p, const struct verdict *vd, bool md)
{
	char buf[VERDICT_TEXT_LEN];

	fprintf(f, "%s %s\n", md ? "**Loss verdict:**" : "Loss verdict:",
	    verdict_describe(vd, p, buf, sizeof(buf)));
	for (int ttl = vd->first_ttl; ttl <= vd->last_ttl; ttl++) {
		if (vd->hop[ttl].cause == CAUSE_NONE)
			continue;
		fprintf(f, "%shop %d %s\n", md ? "- " : "  ", ttl,
		    verdict_explain_hop(vd, ttl, buf, sizeof(buf)));
	}
	for (int ttl = vd->first_ttl; ttl <= vd->last_ttl; ttl++)
		if (path_hop(p, ttl)->ping.sent > 0)
			fprintf(f, "%shop %d %s\n", md ? "- " : "  ", ttl,
			    verdict_ping_text(
			        path_hop(p, ttl), false, buf, sizeof(buf)));
}

/* The timeline events the ring holds, oldest first; "none" if none. */
static void
event_lines(FILE *f, const struct path *p, bool md)
{
	char buf[VERDICT_TEXT_LEN];
	const struct path_event *ev;
	int n = 0;

	fputs(md ? "**Events:**" : "Events:", f);
	for (unsigned i = p->nevents; i-- > 0;) {
		ev = path_event(p, i);
		if (ev == NULL || !path_event_is_timeline(ev->kind))
			continue;
		fprintf(f, "\n%s%s", md ? "- " : "  ",
		    verdict_event_line(p, ev, buf, sizeof(buf)));
		n++;
	}
	fputs(n == 0 ? " none\n" : "\n", f);
}

static void
text_verdict(FILE *f, const struct path *p)
{
	struct verdict vd;

	verdict_path(p, &vd);
	fputc('\n', f);
	verdict_lines(f, p, &vd, false);
	event_lines(f, p, false);
}

int
report_write_text(FILE *f, const struct path *p, const struct report_meta *m,
    const struct report_view *v)
{
	struct rows it;
	struct row rw;
	int hostw, asw;

	v = view_or_default(v);
	hostw = text_host_width(p, v);
	asw = text_as_width(p, v);
	errno = 0;
	text_header(f, p, m);
	text_titles(f, m, v, hostw, asw);
	rows_start(&it, p);
	while (rows_next(&it, &rw))
		text_row(f, &rw, m, v, hostw, asw);
	text_verdict(f, p);
	return finish(f);
}

/* ---- JSON ---- */

/* Adds v under k; counts a failure (v NULL or no memory) in *bad. */
static void
put(json_t *o, const char *k, json_t *v, int *bad)
{
	if (v == NULL || json_object_set_new(o, k, v) != 0)
		(*bad)++;
}

static void
push(json_t *a, json_t *v, int *bad)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		(*bad)++;
}

/*
 * A JSON string, or null for NULL; sanitised (names_sanitize: controls and
 * bytes that are not UTF-8 become \xHH), so it is always valid UTF-8.
 */
static json_t *
jstr(const char *s)
{
	char buf[4 * HOST_TEXT_LEN];

	if (s == NULL)
		return json_null();
	return json_string(names_sanitize(s, buf, sizeof(buf)));
}

static json_t *
jms(bool have, double ns)
{
	return have ? json_real(ns / 1e6) : json_null();
}

static json_t *
jtime(time_t t)
{
	char buf[64];

	if (t == 0)
		return json_null();
	return jstr(utc_time(t, T_RFC3339, buf, sizeof(buf)));
}

/* The RTT fields of s: null when it has no reply. */
static void
json_times(json_t *o, const struct stats *s, bool jitter, int *bad)
{
	bool have = s->received > 0;

	put(o, "last_ms", jms(have, (double)s->last_ns), bad);
	put(o, "avg_ms", jms(have, stats_avg_ns(s)), bad);
	put(o, "best_ms", jms(have, (double)s->best_ns), bad);
	put(o, "worst_ms", jms(have, (double)s->worst_ns), bad);
	put(o, "stdev_ms", jms(have, stats_stdev_ns(s)), bad);
	if (!jitter)
		return;
	put(o, "jitter_ms", jms(have, stats_jitter_ns(s)), bad);
	put(o, "jint_ms", jms(have, stats_jint_ns(s)), bad);
}

/* ip, hostname, asn of r (all null for NULL). */
static void
json_ident(
    json_t *o, const struct responder *r, const struct report_view *v, int *bad)
{
	char ip[ADDR_STRLEN], name[HOST_TEXT_LEN];
	uint32_t asn;

	put(o, "ip", jstr(r ? addr_str(&r->addr, ip, sizeof(ip)) : NULL), bad);
	put(o, "hostname",
	    jstr(host_name(v, r, name, sizeof(name)) ? name : NULL), bad);
	put(o, "asn",
	    r != NULL && names_asn(v->namer, &r->addr, &asn) == 1
	        ? json_integer(asn)
	        : json_null(),
	    bad);
}

static json_t *
json_mpls(const struct mpls_stack *s, int *bad)
{
	json_t *a = json_array();

	for (int i = 0; a != NULL && i < s->n && i < MPLS_MAX_LABELS; i++) {
		json_t *l = json_object();

		if (l != NULL) {
			put(l, "label", json_integer(s->l[i].label), bad);
			put(l, "tc", json_integer(s->l[i].tc), bad);
			put(l, "s", json_integer(s->l[i].s), bad);
			put(l, "ttl", json_integer(s->l[i].ttl), bad);
		}
		push(a, l, bad);
	}
	return a;
}

static json_t *
json_responder(const struct hop *h, const struct responder *r,
    const struct report_view *v, int *bad)
{
	json_t *o = json_object(), *flows = json_array();

	if (o == NULL) {
		json_decref(flows);
		return NULL;
	}
	json_ident(o, r, v, bad);
	put(o, "received", json_integer(r->st.received), bad);
	put(o, "share_pct",
	    json_real(h->st.received > 0
	                  ? 100.0 * r->st.received / h->st.received
	                  : 0.0),
	    bad);
	json_times(o, &r->st, false, bad);
	for (int f = 0; flows != NULL && f < 64; f++)
		if (r->flows & (UINT64_C(1) << f))
			push(flows, json_integer(f), bad);
	put(o, "flows", flows, bad);
	put(o, "mpls", json_mpls(&r->mpls, bad), bad);
	return o;
}

/* Ping-the-hop: {"ip", "sent", "received", "loss_pct", times}. */
static json_t *
json_ping(const struct hop *h, int *bad)
{
	json_t *o = json_object();
	char ip[ADDR_STRLEN];

	if (o == NULL)
		return NULL;
	put(o, "ip", jstr(addr_str(&h->ping_addr, ip, sizeof(ip))), bad);
	put(o, "sent", json_integer(h->ping.sent), bad);
	put(o, "received", json_integer(h->ping.received), bad);
	put(o, "loss_pct", json_real(stats_loss_pct(&h->ping)), bad);
	json_times(o, &h->ping, false, bad);
	return o;
}

static json_t *
json_hop(const struct hop *h, const struct report_view *v,
    const struct verdict *vd, int *bad)
{
	json_t *o = json_object(), *resp = json_array();

	if (o == NULL) {
		json_decref(resp);
		return NULL;
	}
	put(o, "ttl", json_integer(h->ttl), bad);
	json_ident(o, hop_current_responder(h), v, bad);
	put(o, "loss_pct", json_real(stats_loss_pct(&h->st)), bad);
	put(o, "loss_cause", jstr(verdict_cause_name(vd->hop[h->ttl].cause)),
	    bad);
	put(o, "sent", json_integer(h->st.sent), bad);
	put(o, "received", json_integer(h->st.received), bad);
	put(o, "lost", json_integer(h->st.lost), bad);
	put(o, "in_flight", json_integer(stats_pending(&h->st)), bad);
	json_times(o, &h->st, true, bad);
	for (int i = 0; resp != NULL && i < h->nresp; i++)
		push(resp, json_responder(h, &h->resp[i], v, bad), bad);
	put(o, "responders", resp, bad);
	if (h->ping.sent > 0)
		put(o, "ping", json_ping(h, bad), bad);
	return o;
}

static json_t *
json_options(const struct report_meta *m, int *bad)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	put(o, "probes", json_integer(m->probes), bad);
	put(o, "first_ttl", json_integer(m->first_ttl), bad);
	put(o, "max_ttl", json_integer(m->max_ttl), bad);
	put(o, "interval_s", json_real(m->interval_s), bad);
	put(o, "timeout_s", json_real(m->timeout_s), bad);
	put(o, "cycles", json_integer(m->cycles), bad);
	/* ICMP has no port */
	put(o, "port",
	    m->proto != NULL && strcmp(m->proto, "ICMP") == 0
	        ? json_null()
	        : json_integer(m->port),
	    bad);
	put(o, "flows", json_integer(m->flows), bad);
	return o;
}

static void
json_run(json_t *o, const struct path *p, const struct report_meta *m, int *bad)
{
	char ip[ADDR_STRLEN];
	json_t *t = json_object();

	put(o, "schema", json_integer(REPORT_JSON_SCHEMA), bad);
	put(o, "hoptop", jstr(m->version), bad);
	put(o, "source", jstr(m->source_host), bad);
	if (t != NULL) {
		put(t, "name", jstr(m->target_name), bad);
		put(t, "ip", jstr(target_ip(p, m, ip, sizeof(ip))), bad);
	}
	put(o, "target", t, bad);
	put(o, "protocol", jstr(m->proto), bad);
	put(o, "method", jstr(m->method), bad);
	put(o, "simulated", json_boolean(m->simulated), bad);
	put(o, "started", jtime(m->started), bad);
	put(o, "ended", jtime(m->ended), bad);
	if (m->reset != 0) /* the statistics cover the time since */
		put(o, "reset", jtime(m->reset), bad);
	put(o, "options", json_options(m, bad), bad);
	put(o, "cycles_done", json_integer(p->cycles), bad);
	put(o, "destination_ttl",
	    p->dest_ttl > 0 ? json_integer(p->dest_ttl) : json_null(), bad);
	/* which send times the RTTs came from: kernel, user, mixed (null) */
	put(o, "send_clock", jstr(path_send_clock_name(p)), bad);
}

/* "forward_loss": null or {from_ttl, loss_pct, low_pct, high_pct}, and
 * "events": the timeline events the ring holds, oldest first. */
static void
json_verdict(
    json_t *root, const struct path *p, const struct verdict *vd, int *bad)
{
	json_t *fl = json_null(), *evs = json_array(), *e;
	char t[40], from[ADDR_STRLEN], to[ADDR_STRLEN];
	const struct path_event *ev;

	if (vd->kind == VERDICT_FORWARD && (fl = json_object()) != NULL) {
		put(fl, "from_ttl", json_integer(vd->from_ttl), bad);
		put(fl, "loss_pct", json_real(vd->loss * 100), bad);
		put(fl, "low_pct", json_real(vd->low * 100), bad);
		put(fl, "high_pct", json_real(vd->high * 100), bad);
	}
	put(root, "forward_loss", fl, bad);
	for (unsigned i = p->nevents; evs != NULL && i-- > 0;) {
		ev = path_event(p, i);
		if (ev == NULL || !path_event_is_timeline(ev->kind) ||
		    (e = json_object()) == NULL)
			continue;
		verdict_format_time(
		    ev->t_ns + p->wall_offset_ns, true, t, sizeof(t));
		verdict_event_from_to(ev, from, to, sizeof(from));
		put(e, "time", jstr(t), bad);
		put(e, "kind", jstr(verdict_event_kind_name(ev->kind)), bad);
		put(e, "ttl", json_integer(ev->ttl), bad);
		put(e, "from",
		    ev->kind == EV_DEST_TTL ? json_integer(ev->old_dest_ttl)
		                            : jstr(from),
		    bad);
		put(e, "to",
		    ev->kind == EV_DEST_TTL ? json_integer(ev->new_dest_ttl)
		                            : jstr(to),
		    bad);
		push(evs, e, bad);
	}
	put(root, "events", evs, bad);
}

/*
 * Times are ms as JSON reals, printed with 15 significant digits: exact for
 * any whole number of ns below 1e15 (and shortest: 0.1, not
 * 0.10000000000000001); loss and share are percent.
 */
/* The object of one target's report (NULL: out of memory). */
static json_t *
json_report(const struct path *p, const struct report_meta *m,
    const struct report_view *v)
{
	json_t *root = json_object(), *hops = json_array();
	int bad = 0, last = path_last_ttl(p);
	struct verdict vd;

	v = view_or_default(v);
	verdict_path(p, &vd);
	if (root == NULL || hops == NULL) {
		json_decref(root);
		json_decref(hops);
		return NULL;
	}
	json_run(root, p, m, &bad);
	for (int ttl = p->first_ttl; ttl <= last; ttl++)
		if (path_hop(p, ttl) != NULL)
			push(hops, json_hop(path_hop(p, ttl), v, &vd, &bad),
			    &bad);
	put(root, "hops", hops, &bad);
	json_verdict(root, p, &vd, &bad);
	if (bad > 0) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* Writes root (and frees it). */
static int
json_write(FILE *f, json_t *root)
{
	int rc;

	if (root == NULL) {
		errno = ENOMEM;
		return -1;
	}
	errno = 0;
	rc = json_dumpf(root, f,
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (rc == 0)
		fputc('\n', f);
	if (finish(f) != 0)
		return -1;
	if (rc != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
report_write_json(FILE *f, const struct path *p, const struct report_meta *m,
    const struct report_view *v)
{
	return json_write(f, json_report(p, m, v));
}

int
report_write_json_many(FILE *f, const struct report_target *t, size_t n)
{
	json_t *root = json_object(), *arr = json_array();
	int bad = 0;

	if (root == NULL || arr == NULL) {
		json_decref(root);
		json_decref(arr);
		errno = ENOMEM;
		return -1;
	}
	put(root, "schema", json_integer(REPORT_JSON_SCHEMA), &bad);
	for (size_t i = 0; i < n; i++)
		push(arr, json_report(t[i].p, t[i].m, t[i].v), &bad);
	put(root, "targets", arr, &bad);
	if (bad > 0) {
		json_decref(root);
		root = NULL;
	}
	return json_write(f, root);
}

/* ---- CSV ---- */

/* One RFC 4180 field: quoted if it holds a comma, quote, CR or LF. */
static void
csv_field(FILE *f, const char *s, bool first)
{
	if (!first)
		fputc(',', f);
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A number with up to 6 decimals (whole ns for ms), no trailing zeros. */
static const char *
csv_num(bool have, double x, char *buf, size_t len)
{
	char *e;

	if (!have) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, "%.6f", x);
	e = buf + strlen(buf) - 1;
	while (*e == '0' && e[-1] != '.')
		*e-- = '\0';
	return buf;
}

static const char *const csv_titles[] = {"ttl", "responder", "ip", "hostname",
    "asn", "loss_pct", "sent", "received", "last_ms", "avg_ms", "best_ms",
    "worst_ms", "stdev_ms", "jitter_ms", "jint_ms", "loss_cause", "method"};

/* ttl, responder, ip, hostname, asn. */
static void
csv_ident(FILE *f, const struct row *rw, const struct report_view *v)
{
	char buf[HOST_TEXT_LEN];
	uint32_t asn;

	fprintf(f, "%d,%d", rw->ttl, rw->index);
	csv_field(
	    f, rw->r ? addr_str(&rw->r->addr, buf, sizeof(buf)) : "", false);
	csv_field(f, host_name(v, rw->r, buf, sizeof(buf)) ? buf : "", false);
	if (rw->r != NULL && names_asn(v->namer, &rw->r->addr, &asn) == 1)
		fprintf(f, ",%u", (unsigned)asn);
	else
		fputc(',', f);
}

static void
csv_row(FILE *f, const struct row *rw, const struct report_view *v,
    const struct report_meta *m, const struct verdict *vd)
{
	const struct stats *s = rw->st;
	bool hop = rw->index == 0, have = s->received > 0;
	double vals[] = {(double)s->last_ns, stats_avg_ns(s),
	    (double)s->best_ns, (double)s->worst_ns, stats_stdev_ns(s),
	    stats_jitter_ns(s), stats_jint_ns(s)};
	char buf[64];

	csv_ident(f, rw, v);
	csv_field(f, csv_num(hop, stats_loss_pct(s), buf, sizeof(buf)), false);
	if (hop)
		fprintf(f, ",%u", (unsigned)s->sent);
	else
		fputc(',', f);
	fprintf(f, ",%u", (unsigned)s->received);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		csv_field(
		    f, csv_num(have, vals[i] / 1e6, buf, sizeof(buf)), false);
	csv_field(
	    f, hop ? verdict_cause_name(vd->hop[rw->ttl].cause) : "", false);
	/* "simulated" marks a simulated path on every row. */
	csv_field(f, m->method != NULL ? m->method : "", false);
	fputs("\r\n", f);
}

/*
 * One header row, then a row per hop (responder 0: the main responder
 * named, the hop's statistics) and a row per other responder (1, 2, ...:
 * its own replies; loss_pct and sent empty). Times in ms; empty = no reply.
 * The last column names the probing method ("simulated" on a simulated
 * path), as CSV has no place for a header note.
 */
static void
csv_table(FILE *f, const struct path *p, const struct report_meta *m,
    const struct report_view *v, bool named)
{
	struct rows it;
	struct row rw;
	struct verdict vd;

	v = view_or_default(v);
	verdict_path(p, &vd);
	rows_start(&it, p);
	while (rows_next(&it, &rw)) {
		if (named) {
			csv_field(f, str_or(m->target_name, ""), true);
			fputc(',', f);
		}
		csv_row(f, &rw, v, m, &vd);
	}
}

static void
csv_titles_row(FILE *f, bool named)
{
	if (named)
		fputs("target,", f);
	for (size_t i = 0; i < sizeof(csv_titles) / sizeof(csv_titles[0]); i++)
		csv_field(f, csv_titles[i], i == 0);
	fputs("\r\n", f);
}

int
report_write_csv(FILE *f, const struct path *p, const struct report_meta *m,
    const struct report_view *v)
{
	errno = 0;
	csv_titles_row(f, false);
	csv_table(f, p, m, v, false);
	return finish(f);
}

int
report_write_csv_many(FILE *f, const struct report_target *t, size_t n)
{
	errno = 0;
	csv_titles_row(f, true);
	for (size_t i = 0; i < n; i++)
		csv_table(f, t[i].p, t[i].m, t[i].v, true);
	return finish(f);
}

/* ---- Markdown ---- */

/*
 * Writes s sanitised, with the characters that would break a table cell
 * escaped.
 */
static void
md_text(FILE *f, const char *raw)
{
	char buf[HOST_TEXT_LEN];
	const char *s = names_sanitize(raw, buf, sizeof(buf));

	for (; *s != '\0'; s++) {
		if (*s == '|' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void
md_header(FILE *f, const struct path *p, const struct report_meta *m)
{
	char t[64];

	fputs("# hoptop report: ", f);
	md_text(f, str_or(m->target_name, "?"));
	fputs("\n\n- Path: ", f);
	text_what(f, p, m);
	fputs("\n- Source: ", f);
	md_text(f, str_or(m->source_host, "?"));
	fprintf(f, "\n- Probes: %d per hop, interval %g s, %u cycle%s",
	    m->probes, m->interval_s, p->cycles, p->cycles == 1 ? "" : "s");
	fprintf(
	    f, "\n- Started: %s", utc_time(m->started, T_HUMAN, t, sizeof(t)));
	if (m->ended != 0)
		fprintf(f, ", ended: %s",
		    utc_time(m->ended, T_HUMAN, t, sizeof(t)));
	if (m->reset != 0)
		fprintf(f, "\n- Reset: %s (the numbers cover the time since)",
		    utc_time(m->reset, T_HUMAN, t, sizeof(t)));
	if (m->simulated)
		fputs("\n- Simulated path: no probe left this machine.", f);
	fputs("\n\n", f);
}

static void
md_titles(FILE *f, const struct report_meta *m, const struct report_view *v)
{
	int ncols;
	const enum col_id *cols = view_cols(v, &ncols);

	fprintf(f, "| # |%s Host |", m->show_asn ? " AS |" : "");
	for (int i = 0; i < ncols; i++)
		fprintf(f, " %s |", column_get(cols[i])->title);
	fprintf(f, "\n|--:|%s:-----|", m->show_asn ? ":---|" : "");
	for (int i = 0; i < ncols; i++)
		fputs("----:|", f);
	fputc('\n', f);
}

static void
md_row(FILE *f, const struct row *rw, const struct report_meta *m,
    const struct report_view *v)
{
	char host[HOST_TEXT_LEN], val[64];
	int ncols;
	const enum col_id *cols = view_cols(v, &ncols);
	const struct mpls_stack *s = rw->r != NULL ? &rw->r->mpls : NULL;

	if (rw->index > 0)
		fputs("|   |", f);
	else
		fprintf(f, "| %d |", rw->ttl);
	if (m->show_asn)
		fprintf(f, " %s |", as_text(v, rw->r, val, sizeof(val)));
	fputs(rw->index > 0 ? " ↳ " : " ", f);
	md_text(f, host_text(v, rw->r, host, sizeof(host)));
	for (int i = 0; m->show_mpls && s != NULL && i < s->n; i++)
		fprintf(f, " [MPLS: Lbl %u TC %u S %u TTL %u]",
		    (unsigned)s->l[i].label, (unsigned)s->l[i].tc,
		    (unsigned)s->l[i].s, (unsigned)s->l[i].ttl);
	fputs(" |", f);
	for (int i = 0; i < ncols; i++)
		fprintf(f, " %s |", cell(cols[i], rw, val, sizeof(val)));
	fputc('\n', f);
}

static void
md_verdict(FILE *f, const struct path *p)
{
	struct verdict vd;

	verdict_path(p, &vd);
	fputc('\n', f);
	verdict_lines(f, p, &vd, true);
	fputc('\n', f);
	event_lines(f, p, true);
}

int
report_write_markdown(FILE *f, const struct path *p,
    const struct report_meta *m, const struct report_view *v)
{
	struct rows it;
	struct row rw;

	v = view_or_default(v);
	errno = 0;
	md_header(f, p, m);
	md_titles(f, m, v);
	rows_start(&it, p);
	while (rows_next(&it, &rw))
		md_row(f, &rw, m, v);
	md_verdict(f, p);
	return finish(f);
}

/* ---- --once ---- */

/*
 * Like traceroute: "traceroute to NAME (ADDR), 30 hops max, 56 byte packets".
 * The size is the whole IP packet that is sent (header plus the probe), as
 * traceroute counts it: 56 for ICMP and UDP over IPv4, 40 for a TCP SYN
 * (traceroute -T says 60: its SYN carries 20 bytes of options; ours none).
 */
int
report_once_header(FILE *f, const struct report_meta *m)
{
	char ip[ADDR_STRLEN], tn[HOST_TEXT_LEN];
	int iphdr = m->target_addr.family == AF_INET6 ? 40 : 20;
	/* a TCP probe is a bare SYN; ICMP and UDP carry the default payload */
	int body = m->proto != NULL && strcmp(m->proto, "TCP") == 0
	               ? 20
	               : PACKET_DEFAULT_SIZE;

	errno = 0;
	addr_str(&m->target_addr, ip, sizeof(ip));
	fprintf(f, "traceroute to %s (%s), %d hops max, %d byte packets%s\n",
	    names_sanitize(str_or(m->target_name, ip), tn, sizeof(tn)), ip,
	    m->max_ttl, iphdr + body, m->simulated ? " (simulated)" : "");
	return finish(f);
}

/* True if a was sent before b: by send time, then by sequence (wrapping). */
static bool
sent_before(const struct sample *a, const struct sample *b)
{
	if (a->t_ns != b->t_ns)
		return a->t_ns < b->t_ns;
	return (int16_t)(uint16_t)(a->seq - b->seq) < 0;
}

/* "name (ip)", "ip (ip)" without a name, "ip" with NAMES_ADDR. */
static void
once_host(FILE *f, const struct responder *r, const struct report_view *v)
{
	char ip[ADDR_STRLEN], name[HOST_TEXT_LEN];

	addr_str(&r->addr, ip, sizeof(ip));
	if (v->mode == NAMES_ADDR)
		fprintf(f, " %s", ip);
	else
		fprintf(f, " %s (%s)",
		    host_name(v, r, name, sizeof(name)) ? name : ip, ip);
}

/* The hop's newest n samples into s, oldest sent first; returns how many. */
static int
newest_samples(const struct hop *h, const struct sample **s, int n)
{
	int k = 0;

	for (; h != NULL && k < n; k++) {
		s[k] = history_get(&h->hist, (uint32_t)k);
		if (s[k] == NULL)
			break;
		for (int j = k; j > 0 && sent_before(s[j], s[j - 1]); j--) {
			const struct sample *t = s[j];

			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	}
	return k;
}

int
report_once_line(FILE *f, const struct path *p, int ttl, int nprobes,
    const struct report_view *v)
{
	const struct hop *h = path_hop(p, ttl);
	const struct sample *s[ONCE_MAX];
	int n, cur = -1;

	v = view_or_default(v);
	if (nprobes > ONCE_MAX)
		nprobes = ONCE_MAX;
	n = newest_samples(h, s, nprobes);
	errno = 0;
	fprintf(f, "%2d ", ttl);
	for (int i = 0; i < nprobes; i++) {
		if (i >= n || s[i]->rtt_ns < 0 || s[i]->resp >= h->nresp) {
			fputs(" *", f);
			continue;
		}
		if (s[i]->resp != cur)
			once_host(f, &h->resp[s[i]->resp], v);
		cur = s[i]->resp;
		fprintf(f, "  %.3f ms", (double)s[i]->rtt_ns / 1e6);
	}
	fputc('\n', f);
	return finish(f);
}

/* ---- snapshots ---- */

/* Only [A-Za-z0-9._-] of the target, others '_', at most len - 1 bytes. */
static void
safe_target(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s != NULL && s[i] != '\0' && i + 1 < len; i++) {
		char c = s[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		          c == '-';

		buf[i] = ok ? c : '_';
	}
	buf[i] = '\0';
	if (i == 0)
		snprintf(buf, len, "target");
}

/*
 * Creates a new temp file in dir with an unpredictable name (mkostemps:
 * O_CREAT | O_EXCL, so an existing name or symlink is never opened; name
 * into tmp), with the mode a plain 0666 create would get under the umask.
 * Returns its fd or -1.
 */
static int
open_temp(const char *dir, char *tmp, size_t len)
{
	int fd, n = snprintf(tmp, len, "%s/.hoptop-snapshot-XXXXXX.tmp", dir);
	mode_t mask;

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemps(tmp, 4, O_CLOEXEC);
	if (fd < 0)
		return -1;
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	return fd;
}

/* Renames from to to unless to exists (EEXIST). */
static int
rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	/* The file system cannot do it: link() does not replace either. */
	if (link(from, to) != 0)
		return -1;
	unlink(from);
	return 0;
}

/* Moves tmp to dir/base.txt, or base-1.txt, ... if taken; name into out. */
static int
place(const char *tmp, const char *dir, const char *base, char *out,
    size_t outlen)
{
	char name[PATH_MAX];

	for (int i = 0; i < SNAP_TRIES; i++) {
		int n = i == 0 ? snprintf(
		                     name, sizeof(name), "%s/%s.txt", dir, base)
		               : snprintf(name, sizeof(name), "%s/%s-%d.txt",
		                     dir, base, i);

		if (n < 0 || (size_t)n >= sizeof(name) ||
		    (out != NULL && (size_t)n >= outlen)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (rename_noreplace(tmp, name) == 0) {
			if (out != NULL)
				memcpy(out, name, (size_t)n + 1);
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

static int
write_snapshot(int fd, time_t when, const struct path *p,
    const struct report_meta *m, const struct report_view *v)
{
	char t[64], target[HOST_TEXT_LEN];
	FILE *f = fdopen(fd, "w");
	int rc, saved;

	if (f == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	snprintf(target, sizeof(target), "%s", str_or(m->target_name, "?"));
	clean(target, sizeof(target));
	errno = 0;
	fprintf(f, "hoptop snapshot of %s at %s\n\n", target,
	    utc_time(when, T_HUMAN, t, sizeof(t)));
	rc = report_write_text(f, p, m, v);
	if (rc == 0 && fsync(fd) != 0)
		rc = -1;
	saved = errno;
	if (fclose(f) != 0 && rc == 0)
		return -1;
	errno = saved;
	return rc;
}

int
report_snapshot(const char *dir, time_t when, const struct path *p,
    const struct report_meta *m, const struct report_view *v, char *out,
    size_t outlen)
{
	char tmp[PATH_MAX], base[128], target[65], t[32];
	int fd, saved, dfd;

	fd = open_temp(dir, tmp, sizeof(tmp));
	if (fd < 0)
		return -1;
	if (write_snapshot(fd, when, p, m, v) != 0)
		goto fail;
	safe_target(m->target_name, target, sizeof(target));
	snprintf(base, sizeof(base), "hoptop-%s-%s", target,
	    utc_time(when, T_FILE, t, sizeof(t)));
	if (place(tmp, dir, base, out, outlen) != 0)
		goto fail;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) { /* best effort: make the new name durable too */
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	saved = errno;
	unlink(tmp);
	errno = saved;
	return -1;
}
