/*
 * report_json: the JSON report (one target, or {"targets": [...]}).
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

#include "report_private.h"

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
jtime(time_t t)
{
	char buf[64];

	if (t == 0)
		return json_null();
	return jstr(report_utc_time(t, T_RFC3339, buf, sizeof(buf)));
}

/*
 * Puts the columns from..to (enum order) of s that carry the bit out, under
 * their keys: counts as integers, the rest as reals, null where
 * column_has_number() says so. The hand-written fields of an object go
 * between such spans, so the whole table is covered in its order.
 */
static void
json_cols(json_t *o, const struct stats *s, unsigned out, enum col_id from,
    enum col_id to, int *bad)
{
	for (int id = from; id <= (int)to; id++) {
		const struct column *c = column_get(id);

		if (!(c->out & out))
			continue;
		if (c->kind == COL_KIND_COUNT)
			put(o, c->key, json_integer((json_int_t)c->value(s)),
			    bad);
		else if (column_has_number(id, s))
			put(o, c->key, json_real(c->value(s)), bad);
		else
			put(o, c->key, json_null(), bad);
	}
}

#define TABLE_END (COL_COUNT - 1)

/* ip, hostname, asn of r (all null for NULL). */
static void
json_ident(
    json_t *o, const struct responder *r, const struct report_view *v, int *bad)
{
	char ip[ADDR_STRLEN], name[HOST_TEXT_LEN];
	uint32_t asn;

	put(o, "ip", jstr(r ? addr_str(&r->addr, ip, sizeof(ip)) : NULL), bad);
	put(o, "hostname",
	    jstr(report_host_name(v, r, name, sizeof(name)) ? name : NULL),
	    bad);
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
	json_cols(o, &r->st, COL_OUT_RESP, COL_LOSS, COL_RCV, bad);
	put(o, "share_pct", json_real(hop_share_pct(h, r)), bad);
	json_cols(o, &r->st, COL_OUT_RESP, COL_LAST, TABLE_END, bad);
	for (int f = 0; flows != NULL && f < 64; f++)
		if (r->flows & (UINT64_C(1) << f))
			push(flows, json_integer(f), bad);
	put(o, "flows", flows, bad);
	put(o, "mpls", json_mpls(&r->mpls, bad), bad);
	return o;
}

/* Ping-the-hop: {"ip", "sent", "received", "loss_pct", times} (schema 1:
 * the loss after the counts). */
static json_t *
json_ping(const struct hop *h, int *bad)
{
	json_t *o = json_object();
	char ip[ADDR_STRLEN];

	if (o == NULL)
		return NULL;
	put(o, "ip", jstr(addr_str(&h->ping_addr, ip, sizeof(ip))), bad);
	json_cols(o, &h->ping, COL_OUT_PING, COL_SNT, COL_RCV, bad);
	json_cols(o, &h->ping, COL_OUT_PING, COL_LOSS, COL_LOSS, bad);
	json_cols(o, &h->ping, COL_OUT_PING, COL_LAST, TABLE_END, bad);
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
	json_cols(o, &h->st, COL_OUT_HOP, COL_LOSS, COL_LOSS, bad);
	put(o, "loss_cause", jstr(verdict_cause_name(vd->hop[h->ttl].cause)),
	    bad);
	json_cols(o, &h->st, COL_OUT_HOP, COL_SNT, COL_RCV, bad);
	put(o, "lost", json_integer(h->st.lost), bad);
	put(o, "in_flight", json_integer(stats_pending(&h->st)), bad);
	json_cols(o, &h->st, COL_OUT_HOP, COL_LAST, TABLE_END, bad);
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
		put(t, "ip", jstr(report_target_ip(p, m, ip, sizeof(ip))), bad);
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

	v = report_view_or_default(v);
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
	if (report_finish(f) != 0)
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
