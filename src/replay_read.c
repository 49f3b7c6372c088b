/*
 * replay_read: reading a recording (docs/RECORDING.md): the header line,
 * then the records one at a time into the lookahead (the "front"), each
 * checked against its bounds; names and method lines applied as they come.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "replay_private.h"
#include "hoptop/xmalloc.h"

/* Bounds that keep every sum of times far from overflow. */
#define TIME_MAX  (1LL << 61)
#define STEP_MAX  (1LL << 50) /* ~13 days between two lines */
#define DELTA_MAX (1LL << 50)

/* ---- the records ---- */

static bool
get_int(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return false;
	*out = json_integer_value(v);
	return true;
}

/* An optional integer: absent is def. */
static bool
opt_int(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t def,
    int64_t *out)
{
	if (json_object_get(o, key) == NULL) {
		*out = def;
		return true;
	}
	return get_int(o, key, lo, hi, out);
}

static bool
get_addr(json_t *o, const char *key, struct haddr *out)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && addr_parse(s, out) == 0;
}

static void
add_name(struct replay *rp, json_t *o)
{
	struct haddr a;
	struct name_ent *n = NULL;
	const char *name = json_string_value(json_object_get(o, "name"));
	int64_t asn;

	if (!get_addr(o, "n", &a))
		return;
	for (unsigned i = 0; i < rp->nnames && n == NULL; i++)
		if (addr_eq(&rp->names[i].addr, &a))
			n = &rp->names[i];
	if (n == NULL && rp->nnames == NAMES_MAX)
		return;
	if (n == NULL) {
		n = &rp->names[rp->nnames++];
		memset(n, 0, sizeof(*n));
		n->addr = a;
	}
	if (name != NULL) /* shown through names_sanitize, like any name */
		names_sanitize(name, n->name, sizeof(n->name));
	if (get_int(o, "as", 0, UINT32_MAX, &asn)) {
		n->has_asn = true;
		n->asn = (uint32_t)asn;
	}
}

static bool
parse_mpls(json_t *arr, struct mpls_stack *m)
{
	size_t i;
	json_t *e;

	if (arr == NULL)
		return true;
	if (!json_is_array(arr) || json_array_size(arr) > MPLS_MAX_LABELS)
		return false;
	json_array_foreach(arr, i, e)
	{
		int64_t v[4];
		static const int64_t hi[4] = {0xfffff, 7, 1, 255};

		if (!json_is_array(e) || json_array_size(e) != 4)
			return false;
		for (size_t k = 0; k < 4; k++) {
			json_t *x = json_array_get(e, k);

			if (!json_is_integer(x) || json_integer_value(x) < 0 ||
			    json_integer_value(x) > hi[k])
				return false;
			v[k] = json_integer_value(x);
		}
		m->l[i].label = (uint32_t)v[0];
		m->l[i].tc = (uint8_t)v[1];
		m->l[i].s = (uint8_t)v[2];
		m->l[i].ttl = (uint8_t)v[3];
	}
	m->n = (uint8_t)json_array_size(arr);
	return true;
}

static bool
parse_reply(struct replay *rp, json_t *o, struct rec *r)
{
	struct reply *y = &r->reply;
	int64_t kind, seq, v, ty, co, tl;

	memset(y, 0, sizeof(*y));
	if (!get_int(o, "r", 0, REPLY_TX_STAMP, &kind) ||
	    !get_int(o, "q", 0, UINT16_MAX, &seq))
		return false;
	y->kind = (enum reply_kind)kind;
	y->seq = (uint16_t)seq;
	if (kind == REPLY_TX_STAMP) {
		if (!get_int(o, "tr", -DELTA_MAX, DELTA_MAX, &v))
			return false;
		y->tx_real_ns = v + r->t + rp->h.wall_offset_ns;
		return true;
	}
	if (!get_addr(o, "a", &y->from) || !get_int(o, "ty", 0, 255, &ty) ||
	    !get_int(o, "co", 0, 255, &co) || !get_int(o, "tl", -1, 255, &tl) ||
	    !get_int(o, "rx", -DELTA_MAX, DELTA_MAX, &v))
		return false;
	y->icmp_type = (uint8_t)ty;
	y->icmp_code = (uint8_t)co;
	y->reply_ttl = (int)tl;
	y->rx_ns = r->t + v;
	y->probe_dst = rp->h.tp.target;
	if (json_object_get(o, "pd") != NULL &&
	    !get_addr(o, "pd", &y->probe_dst))
		return false;
	if (!opt_int(o, "rr", -DELTA_MAX, DELTA_MAX, 0, &v))
		return false;
	if (json_object_get(o, "rr") != NULL)
		y->rx_real_ns = v + r->t + rp->h.wall_offset_ns;
	return parse_mpls(json_object_get(o, "mp"), &y->mpls);
}

static bool
parse_send(json_t *o, struct rec *r, bool ping)
{
	int64_t seq, ttl = 0, flow = 0, x, e;

	if (!get_int(o, ping ? "p" : "s", 1, UINT16_MAX, &seq) ||
	    !opt_int(o, "x", -DELTA_MAX, DELTA_MAX, 0, &x) ||
	    !opt_int(o, "e", 0, 4095, 0, &e))
		return false;
	if (ping && !get_addr(o, "a", &r->dst))
		return false;
	if (!ping && (!get_int(o, "l", 1, 255, &ttl) ||
	                 !get_int(o, "f", 0, UINT16_MAX, &flow)))
		return false;
	r->type = ping ? R_PING : R_SEND;
	r->probe.seq = (uint16_t)seq;
	r->probe.ttl = (uint8_t)ttl;
	r->probe.flow = (uint16_t)flow;
	r->sent_ns = r->t + x;
	r->err = (int)e;
	return true;
}

static bool
parse_note(json_t *o, struct rec *r)
{
	static const struct {
		const char *name;
		enum transport_note_kind kind;
		int lo, hi;
	} notes[] = {
	    {"t", NOTE_TICK, 0, 0},
	    {"reset", NOTE_RESET, 0, 0},
	    {"probes", NOTE_PROBES, 1, 10},
	    {"pause", NOTE_PAUSE, 0, 1},
	    {"ping", NOTE_PING, 0, 255},
	};
	const char *k = json_string_value(json_object_get(o, "k"));
	int64_t v;

	for (size_t i = 0; k != NULL && i < sizeof(notes) / sizeof(notes[0]);
	     i++) {
		if (strcmp(k, notes[i].name) != 0)
			continue;
		if (!opt_int(o, "v", notes[i].lo, notes[i].hi, 0, &v))
			return false;
		r->type = R_NOTE;
		r->note.kind = notes[i].kind;
		r->note.value = (int)v;
		r->note.now_ns = r->t;
		return true;
	}
	return false;
}

/*
 * One event line into *r (R_NONE for a name or method line, applied at
 * once). Returns false if the line is not a record of this format.
 */
static bool
parse_event(struct replay *rp, const char *line, struct rec *r)
{
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	int64_t d = 0;
	bool ok = false;
	const char *m;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		goto out;
	if (json_object_get(o, "n") != NULL) { /* a name: no time */
		add_name(rp, o);
		ok = true;
		goto out;
	}
	if (!opt_int(o, "d", 0, STEP_MAX, 0, &d) || rp->last_t > TIME_MAX - d)
		goto out;
	r->t = rp->last_t + d;
	if ((m = json_string_value(json_object_get(o, "m"))) != NULL) {
		names_sanitize(m, rp->method, sizeof(rp->method));
		ok = true;
	} else if (json_object_get(o, "end") != NULL) {
		r->type = R_END;
		ok = true;
	} else if (json_object_get(o, "s") != NULL) {
		ok = parse_send(o, r, false);
	} else if (json_object_get(o, "p") != NULL) {
		ok = parse_send(o, r, true);
	} else if (json_object_get(o, "r") != NULL) {
		r->type = R_RECV;
		ok = parse_reply(rp, o, r);
	} else if (json_object_get(o, "k") != NULL) {
		ok = parse_note(o, r);
	}
	if (ok)
		rp->last_t = r->t;
out:
	json_decref(o);
	return ok;
}

/*
 * Reads the next line into buf; returns 1, 0 at the end, or -1 when the
 * rest cannot be read (a cut-off gzip stream) or a line is too long.
 * A last line without its newline is a cut-off record: the end.
 */
static int
read_line(struct replay *rp)
{
	size_t n;

	if (gzgets(rp->gz, rp->line, LINE_MAX_LEN) == NULL) {
		int zerr;

		gzerror(rp->gz, &zerr);
		return zerr == Z_OK || zerr == Z_BUF_ERROR ? 0 : -1;
	}
	rp->lineno++;
	n = strlen(rp->line);
	if (n == 0 || rp->line[n - 1] != '\n')
		return gzeof(rp->gz) ? 0 : -1;
	rp->line[n - 1] = '\0';
	return 1;
}

void
replay_advance(struct replay *rp)
{
	int rc;

	rp->front.type = R_NONE;
	while (!rp->eof) {
		rc = read_line(rp);
		if (rc == 1 && rp->line[0] == '\0')
			continue;
		if (rc == 1 && parse_event(rp, rp->line, &rp->front)) {
			if (rp->front.type == R_END)
				rp->eof = true;
			if (rp->front.type != R_NONE)
				return;
			continue;
		}
		rp->eof = true;
		rp->front.type = R_NONE;
		if (rc == 1)
			snprintf(rp->problem, sizeof(rp->problem),
			    "line %lu is not a record of format %d; the replay "
			    "stops there",
			    rp->lineno, RECORDING_FORMAT);
		else if (rc == -1)
			snprintf(rp->problem, sizeof(rp->problem),
			    "the recording is cut off after line %lu; the "
			    "replay stops there",
			    rp->lineno);
		else if (gzeof(rp->gz) && rp->lineno > 0 &&
		         rp->problem[0] == '\0')
			snprintf(rp->problem, sizeof(rp->problem),
			    "the recording ends without its end record (cut "
			    "off, or the run was killed) after line %lu",
			    rp->lineno);
	}
}

struct rec *
replay_front(struct replay *rp)
{
	if (rp->front.type == R_NONE || rp->front.type == R_END)
		return NULL;
	return &rp->front;
}

/* ---- the header ---- */

static bool
get_num(json_t *o, const char *key, double lo, double hi, double *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v) || json_number_value(v) < lo ||
	    json_number_value(v) > hi)
		return false;
	*out = json_number_value(v);
	return true;
}

static bool
get_str(json_t *o, const char *key, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s == NULL)
		return false;
	names_sanitize(s, buf, len);
	return true;
}

static bool
header_proto(json_t *o, struct transport_params *tp)
{
	const char *p = json_string_value(json_object_get(o, "proto"));

	if (p == NULL)
		return false;
	if (strcmp(p, "ICMP") == 0)
		tp->proto = PROTO_ICMP;
	else if (strcmp(p, "UDP") == 0)
		tp->proto = PROTO_UDP;
	else if (strcmp(p, "TCP") == 0)
		tp->proto = PROTO_TCP;
	else
		return false;
	return true;
}

static bool
header_fields(json_t *o, struct recording_header *h)
{
	struct transport_params *tp = &h->tp;
	int64_t fam, v[12];
	json_t *sim = json_object_get(o, "simulated");
	char src[ADDR_STRLEN + 1] = "";

	if (!get_str(o, "version", h->version, sizeof(h->version)) ||
	    !get_str(o, "mode", h->mode, sizeof(h->mode)) ||
	    !get_str(
	        o, "target_name", h->target_name, sizeof(h->target_name)) ||
	    !get_str(o, "host", h->host, sizeof(h->host)) ||
	    !get_str(o, "method", h->method, sizeof(h->method)) ||
	    !get_addr(o, "target", &tp->target) || !header_proto(o, tp) ||
	    !get_int(o, "family", 4, 6, &fam) || (fam != 4 && fam != 6) ||
	    !get_int(o, "port", 0, 65535, &v[0]) ||
	    !get_int(o, "ident", 0, 65535, &v[1]) ||
	    !get_int(o, "flows", 1, 16, &v[2]) ||
	    !get_int(o, "tos", 0, 255, &v[3]) ||
	    !get_int(o, "size", 0, 65535, &v[4]) ||
	    !get_int(o, "cookie", 0, UINT32_MAX, &v[5]) ||
	    !get_int(o, "first_ttl", 1, 255, &v[6]) ||
	    !get_int(o, "max_ttl", v[6], 255, &v[7]) ||
	    !get_int(o, "probes", 1, 10, &v[8]) ||
	    !get_num(o, "interval", 0.001, 3600, &h->interval_s) ||
	    !get_num(o, "timeout", 0.01, 60, &h->timeout_s) ||
	    !get_int(o, "count", 0, 1000000, &v[9]) ||
	    !get_int(o, "start_ns", -TIME_MAX, TIME_MAX, &h->start_ns) ||
	    !get_int(
	        o, "wall_offset_ns", -TIME_MAX, TIME_MAX, &h->wall_offset_ns) ||
	    !get_int(o, "started", 0, INT32_MAX * 16LL, &h->started) ||
	    !json_is_boolean(sim))
		return false;
	tp->family = fam == 6 ? AF_INET6 : AF_INET;
	if (tp->target.family != tp->family)
		return false;
	tp->port = (uint16_t)v[0];
	tp->ident = (uint16_t)v[1];
	tp->flows = (uint16_t)v[2];
	tp->tos = (uint8_t)v[3];
	tp->size = (size_t)v[4];
	tp->cookie = (uint32_t)v[5];
	h->first_ttl = (int)v[6];
	h->max_ttl = (int)v[7];
	h->probes = (int)v[8];
	h->count = (unsigned)v[9];
	h->simulated = json_is_true(sim);
	h->show_mpls = json_is_true(json_object_get(o, "show_mpls"));
	h->show_asn = json_is_true(json_object_get(o, "show_asn"));
	if (get_str(o, "source", src, sizeof(src)) && src[0] != '\0' &&
	    addr_parse(src, &h->source) != 0)
		return false;
	return true;
}

int
replay_read_header(
    struct replay *rp, const char *path, char *err, size_t errlen)
{
	json_t *o = NULL, *fmt;
	int rc = read_line(rp);

	if (rc == 1)
		o = json_loads(rp->line, 0, NULL);
	fmt = json_object_get(o, "hoptop_recording");
	if (!json_is_integer(fmt) || json_integer_value(fmt) < 1) {
		snprintf(err, errlen,
		    "--replay %s: not a hoptop recording (make one with "
		    "--record FILE)",
		    path);
		json_decref(o);
		return -1;
	}
	if (json_integer_value(fmt) > RECORDING_FORMAT) {
		snprintf(err, errlen,
		    "--replay %s: recording format %lld is newer than this "
		    "hoptop reads (%d); replay it with a newer hoptop",
		    path, (long long)json_integer_value(fmt), RECORDING_FORMAT);
		json_decref(o);
		return -1;
	}
	rp->h.format = (int)json_integer_value(fmt);
	if (!header_fields(o, &rp->h)) {
		snprintf(err, errlen,
		    "--replay %s: the recording's header is damaged (a field "
		    "is missing or out of range)",
		    path);
		json_decref(o);
		return -1;
	}
	json_decref(o);
	return 0;
}
