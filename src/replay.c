/*
 * replay: a recording played back as a transport and a clock.
 *
 * The records are consumed strictly in the order they were written, one
 * line of lookahead (the "front"): a reply by recv, a send by send, a
 * control by control, an expiry mark by engine_time. Names and method
 * lines are applied as they reach the front. The clock never runs past
 * the front record's time, and the engine acts only at recorded times,
 * so its calls meet the records as they met the network: the same
 * replies, in the same order, between the same expiries and sends.
 *
 * A record still at the front after a whole pass at its time did not
 * fit (the engine did something else): it is dropped and counted
 * (replay_diverged), so a replay never hangs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "hoptop/replay.h"
#include "hoptop/xmalloc.h"

#define LINE_MAX_LEN (64 * 1024)
#define NAMES_MAX    4096
/* Bounds that keep every sum of times far from overflow. */
#define TIME_MAX  (1LL << 61)
#define STEP_MAX  (1LL << 50) /* ~13 days between two lines */
#define DELTA_MAX (1LL << 50)

enum rec_type { R_NONE = 0, R_SEND, R_PING, R_RECV, R_NOTE, R_END };

struct rec {
	enum rec_type type;
	int64_t t; /* engine time of the line */
	struct probe probe;
	struct haddr dst; /* R_PING */
	int64_t sent_ns;
	int err;
	struct reply reply;
	struct transport_note note;
};

struct name_ent {
	struct haddr addr;
	char name[256];
	bool has_asn;
	uint32_t asn;
};

struct replay {
	struct transport base; /* first */
	struct hclock clk;
	struct recording_header h;
	gzFile gz;
	char *line;
	unsigned long lineno;
	int64_t last_t; /* time of the last line read */
	struct rec front;
	bool eof; /* no more lines */
	char problem[256];
	char method[64];
	unsigned nnames;
	struct name_ent *names;
	/* the clock */
	int64_t cur, act;
	int64_t target, wait_real_ns;
	bool fresh, ran;
	double speed; /* 0: as fast as possible */
	bool paused, to_end;
	int64_t reset_wall_s;
	unsigned long diverged;
	void (*on_end)(void *ctx);
	void *on_end_ctx;
	bool ended;
};

/* ---- reading ---- */

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

/* Moves the next timed record to the front (or marks the end). */
static void
advance(struct replay *rp)
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

/* The front, or NULL at the end (R_END counts as the end). */
static struct rec *
front(struct replay *rp)
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

/* The first line: returns 0, or -1 with the message. */
static int
read_header(struct replay *rp, const char *path, char *err, size_t errlen)
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

/* ---- the transport ---- */

static int
rp_fd(struct transport *t)
{
	(void)t;
	return -1;
}

/* A record the engine did not ask for, or asked for differently. */
static void
diverge(struct replay *rp)
{
	rp->diverged++;
}

static int
rp_send(struct transport *t, const struct probe *p, int64_t *sent_ns)
{
	struct replay *rp = (struct replay *)t;
	struct rec *f = front(rp);

	if (f == NULL || f->type != R_SEND) {
		if (f != NULL)
			diverge(rp);
		errno = ENOBUFS; /* a probe the recording never sent: lost */
		return -1;
	}
	if (f->probe.seq != p->seq || f->probe.ttl != p->ttl ||
	    f->probe.flow != p->flow)
		diverge(rp);
	*sent_ns = f->sent_ns;
	errno = f->err;
	advance(rp);
	return errno != 0 ? -1 : 0;
}

static int
rp_send_ping(struct transport *t, const struct haddr *dst, uint16_t seq,
    int64_t *sent_ns)
{
	struct replay *rp = (struct replay *)t;
	struct rec *f = front(rp);

	t->params.ping_to = *dst;
	if (f == NULL || f->type != R_PING) {
		if (f != NULL)
			diverge(rp);
		errno = ENOBUFS;
		return -1;
	}
	if (f->probe.seq != seq || !addr_eq(&f->dst, dst))
		diverge(rp);
	*sent_ns = f->sent_ns;
	errno = f->err;
	advance(rp);
	return errno != 0 ? -1 : 0;
}

static int
rp_recv(struct transport *t, struct reply *r, int64_t now_ns)
{
	struct replay *rp = (struct replay *)t;
	struct rec *f = front(rp);

	if (f == NULL || f->type != R_RECV || f->t > now_ns)
		return 0;
	*r = f->reply;
	advance(rp);
	return 1;
}

static int64_t
rp_next_deadline(struct transport *t)
{
	struct rec *f = front((struct replay *)t);

	return f != NULL ? f->t : CLOCK_NEVER;
}

static const char *
rp_method(const struct transport *t)
{
	return ((const struct replay *)t)->method;
}

static void
rp_source(const struct transport *t, struct haddr *out)
{
	*out = ((const struct replay *)t)->h.source;
}

static void
rp_free(struct transport *t)
{
	(void)t; /* the replay owns it */
}

static int
rp_control(struct transport *t, int64_t now_ns, struct transport_note *n)
{
	struct replay *rp = (struct replay *)t;
	struct rec *f = front(rp);

	if (f == NULL || f->type != R_NOTE || f->note.kind == NOTE_TICK ||
	    f->t > now_ns)
		return 0;
	*n = f->note;
	if (n->kind == NOTE_RESET)
		rp->reset_wall_s = (f->t + rp->h.wall_offset_ns) / NS_PER_S;
	advance(rp);
	return 1;
}

/*
 * The engine acts at the time of the front record when that is an engine
 * record that is due; expiry marks are taken here. Otherwise at the time
 * of the last engine record. After the end: the clock's own time.
 */
static int64_t
rp_engine_time(struct transport *t, int64_t now_ns)
{
	struct replay *rp = (struct replay *)t;
	struct rec *f;

	while ((f = front(rp)) != NULL && f->t <= now_ns) {
		if (f->type == R_RECV)
			break;
		rp->act = f->t;
		if (f->type != R_NOTE || f->note.kind != NOTE_TICK)
			break;
		advance(rp);
	}
	return front(rp) == NULL ? now_ns : rp->act;
}

static int64_t
rp_engine_deadline(struct transport *t, int64_t engine_ns)
{
	struct rec *f = front((struct replay *)t);

	return f != NULL ? f->t : engine_ns;
}

static const struct transport_ops replay_ops = {
    .fd = rp_fd,
    .send = rp_send,
    .recv = rp_recv,
    .next_deadline = rp_next_deadline,
    .method = rp_method,
    .source = rp_source,
    .free = rp_free,
    .send_ping = rp_send_ping,
    .control = rp_control,
    .engine_time = rp_engine_time,
    .engine_deadline = rp_engine_deadline,
};

/* ---- the clock ---- */

static int64_t
rp_now(const struct hclock *c)
{
	struct replay *rp = c->ctx;
	int64_t el;

	if (!rp->fresh)
		return rp->cur;
	rp->fresh = false;
	rp->ran = true;
	el = clock_mono_ns() - rp->wait_real_ns;
	if (rp->speed > 0 && !rp->paused && !rp->to_end && el > 0) {
		double v = (double)el * rp->speed;

		rp->cur = v >= (double)(rp->target - rp->cur)
		              ? rp->target
		              : rp->cur + (int64_t)v;
	}
	return rp->cur;
}

static void
ended(struct replay *rp)
{
	if (rp->ended)
		return;
	rp->ended = true;
	rp->to_end = false;
	if (rp->on_end != NULL)
		rp->on_end(rp->on_end_ctx);
}

/*
 * The loop would wait wait_ns: a record still at the front after a pass
 * at its time is dropped; then the clock is set to move to the front
 * record (after the end: wait_ns on), at once when as fast as possible,
 * else at the pace (on the next read), never past the front record.
 * Returns the real wait.
 */
static int64_t
rp_wait(const struct hclock *c, int64_t wait_ns)
{
	struct replay *rp = c->ctx;
	struct rec *f;
	bool fast;

	rp_now(c);
	while (rp->ran && (f = front(rp)) != NULL && f->t <= rp->cur) {
		diverge(rp);
		advance(rp);
	}
	if ((f = front(rp)) == NULL)
		ended(rp);
	if (wait_ns > 3600 * NS_PER_S)
		wait_ns = 3600 * NS_PER_S;
	fast = rp->speed <= 0 || rp->to_end;
	rp->fresh = true;
	rp->wait_real_ns = clock_mono_ns();
	rp->target = f != NULL ? f->t : rp->cur + wait_ns;
	if (fast) {
		if (rp->target > rp->cur) {
			rp->cur = rp->target;
			rp->ran = false;
		}
		return 0;
	}
	if (rp->target > rp->cur + wait_ns)
		rp->target = rp->cur + wait_ns;
	if (rp->paused)
		return wait_ns;
	return (int64_t)((double)(rp->target - rp->cur) / rp->speed);
}

/* ---- opening ---- */

static struct replay *
open_gz(gzFile gz, const char *path, char *err, size_t errlen)
{
	struct replay *rp = xcalloc(1, sizeof(*rp));

	rp->gz = gz;
	rp->line = xmalloc(LINE_MAX_LEN);
	if (read_header(rp, path, err, errlen) == -1) {
		replay_free(rp);
		return NULL;
	}
	rp->names = xcalloc(NAMES_MAX, sizeof(*rp->names));
	rp->base.ops = &replay_ops;
	rp->base.params = rp->h.tp;
	rp->clk.now_ns = rp_now;
	rp->clk.wait = rp_wait;
	rp->clk.ctx = rp;
	rp->last_t = rp->h.start_ns;
	rp->speed = 1;
	snprintf(rp->method, sizeof(rp->method), "%s", rp->h.method);
	advance(rp);
	/* The engine's first act is the first record's: start there. */
	rp->cur = rp->act = front(rp) != NULL ? front(rp)->t : rp->h.start_ns;
	return rp;
}

struct replay *
replay_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	gzFile gz;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
		    "--replay %s is a directory (give a file made with "
		    "--record)",
		    path);
		return NULL;
	}
	gz = gzopen(path, "rb");
	if (gz == NULL) {
		snprintf(err, errlen,
		    "--replay %s: %s (give a file made with "
		    "--record)",
		    path, strerror(errno != 0 ? errno : EIO));
		return NULL;
	}
	gzbuffer(gz, 64 * 1024);
	return open_gz(gz, path, err, errlen);
}

struct replay *
replay_open_mem(const void *buf, size_t len, char *err, size_t errlen)
{
	int fd = memfd_create("hoptop-replay", MFD_CLOEXEC);
	gzFile gz;

	if (fd == -1 || write(fd, buf, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) != 0 || (gz = gzdopen(fd, "rb")) == NULL) {
		snprintf(
		    err, errlen, "cannot open the buffer: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	return open_gz(gz, "(buffer)", err, errlen);
}

void
replay_free(struct replay *rp)
{
	if (rp == NULL)
		return;
	gzclose(rp->gz);
	free(rp->line);
	free(rp->names);
	free(rp);
}

/* ---- the rest of the interface ---- */

const struct recording_header *
replay_header(const struct replay *rp)
{
	return &rp->h;
}

struct transport *
replay_transport(struct replay *rp)
{
	return &rp->base;
}

const struct hclock *
replay_clock(struct replay *rp)
{
	return &rp->clk;
}

static const struct name_ent *
find_name(struct replay *rp, const struct haddr *a)
{
	for (unsigned i = 0; i < rp->nnames; i++)
		if (addr_eq(&rp->names[i].addr, a))
			return &rp->names[i];
	return NULL;
}

static int
name_of(void *ctx, const struct haddr *a, char *buf, size_t len)
{
	const struct name_ent *n = find_name(ctx, a);

	if (n == NULL || n->name[0] == '\0')
		return 0;
	snprintf(buf, len, "%s", n->name);
	return 1;
}

static int
asn_of(void *ctx, const struct haddr *a, uint32_t *asn)
{
	const struct name_ent *n = find_name(ctx, a);

	if (n == NULL || !n->has_asn)
		return 0;
	*asn = n->asn;
	return 1;
}

struct namer
replay_namer(struct replay *rp)
{
	struct namer n = {name_of, asn_of, rp};

	return n;
}

void
replay_on_end(struct replay *rp, void (*fn)(void *ctx), void *ctx)
{
	rp->on_end = fn;
	rp->on_end_ctx = ctx;
}

void
replay_set_speed(struct replay *rp, double speed)
{
	rp_now(&rp->clk); /* the time so far at the old pace */
	rp->speed = speed < 0 ? 0 : speed;
}

double
replay_speed(const struct replay *rp)
{
	return rp->speed;
}

void
replay_set_paused(struct replay *rp, bool paused)
{
	rp_now(&rp->clk);
	rp->paused = paused;
}

bool
replay_paused(const struct replay *rp)
{
	return rp->paused;
}

void
replay_to_end(struct replay *rp)
{
	if (!rp->ended)
		rp->to_end = true;
	rp->paused = false;
}

bool
replay_at_end(const struct replay *rp)
{
	return rp->ended;
}

int64_t
replay_wall_s(const struct replay *rp)
{
	return (rp->cur + rp->h.wall_offset_ns) / NS_PER_S;
}

int64_t
replay_reset_wall_s(const struct replay *rp)
{
	return rp->reset_wall_s;
}

unsigned long
replay_diverged(const struct replay *rp)
{
	return rp->diverged;
}

const char *
replay_problem(const struct replay *rp)
{
	return rp->problem[0] != '\0' ? rp->problem : NULL;
}
