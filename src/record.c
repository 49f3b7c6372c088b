/*
 * record: tees a transport to a recording (docs/RECORDING.md). One JSON
 * object a line, gzip-compressed: the header first, then one line per
 * probe sent, reply (or kernel send stamp) taken, and engine note, in the
 * order the engine saw them. Times are nanoseconds on the engine clock,
 * each line's "d" the step from the line before, so lines stay short.
 * Event lines are formatted by hand (numbers and addresses only); lines
 * with text from outside (names, the header) go through jansson.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zlib.h>

#include "hoptop/clock.h"
#include "hoptop/record.h"
#include "hoptop/xmalloc.h"

/* Responders waiting for a name, and how many flushes they may wait. */
#define NAMES_MAX  1024
#define NAME_TRIES 120

struct seen {
	struct haddr addr;
	int tries; /* flushes left to ask; 0: done */
	bool named, has_asn;
};

struct record {
	struct transport base; /* first */
	struct transport *in;
	gzFile gz;
	int err;              /* errno of the first failed write, or 0 */
	int64_t last_ns;      /* time of the last line written */
	int64_t flushed_ns;   /* time of the last flush */
	int64_t flush_gap_ns; /* at least once per cycle, and per second */
	int64_t wall_offset_ns;
	char method[64]; /* the method last written */
	bool have_namer;
	struct namer namer;
	unsigned nseen;
	struct seen seen[NAMES_MAX];
};

static void
put(struct record *r, const char *line)
{
	if (r->err == 0 && gzputs(r->gz, line) < 0)
		r->err = EIO;
}

/* A JSON value as one line (jansson escapes the text in it). */
static void
put_json(struct record *r, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (s == NULL) {
		r->err = r->err != 0 ? r->err : ENOMEM;
		return;
	}
	put(r, s);
	put(r, "\n");
	free(s);
}

/* The "d" of a line at now_ns: the step from the line before (>= 0). */
static int64_t
step(struct record *r, int64_t now_ns)
{
	int64_t d = now_ns - r->last_ns;

	if (d < 0) /* never: the engine clock is monotonic */
		d = 0;
	r->last_ns += d;
	return d;
}

/* Names and AS numbers that became known since the last flush. */
static void
write_names(struct record *r)
{
	char name[256], ip[ADDR_STRLEN];
	uint32_t asn;
	json_t *j;

	for (unsigned i = 0; r->have_namer && i < r->nseen; i++) {
		struct seen *s = &r->seen[i];
		bool new_name = false, new_asn = false;

		if (s->tries == 0)
			continue;
		s->tries--;
		if (!s->named && r->namer.name(r->namer.ctx, &s->addr, name,
		                     sizeof(name)) == 1)
			new_name = s->named = true;
		if (!s->has_asn && r->namer.asn != NULL &&
		    r->namer.asn(r->namer.ctx, &s->addr, &asn) == 1)
			new_asn = s->has_asn = true;
		if (s->named && s->has_asn)
			s->tries = 0;
		if (!new_name && !new_asn)
			continue;
		j = json_pack("{ss}", "n", addr_str(&s->addr, ip, sizeof(ip)));
		if (new_name)
			json_object_set_new(j, "name", json_string(name));
		if (new_asn)
			json_object_set_new(j, "as", json_integer(asn));
		put_json(r, j);
	}
}

/* The method, when the wrapped transport changed it (UDP fallbacks). */
static void
write_method(struct record *r)
{
	const char *m = r->in->ops->method(r->in);

	if (strcmp(m, r->method) == 0)
		return;
	snprintf(r->method, sizeof(r->method), "%s", m);
	put_json(r, json_pack("{sIss}", "d", (json_int_t)0, "m", r->method));
}

/*
 * Before a line at now_ns: once a cycle (and a second) has passed since
 * the last flush, the names learned, and a sync flush, so that what was
 * written can be read even if the process is killed.
 */
static void
maybe_flush(struct record *r, int64_t now_ns)
{
	if (now_ns - r->flushed_ns < r->flush_gap_ns)
		return;
	write_names(r);
	write_method(r);
	if (r->err == 0 && gzflush(r->gz, Z_SYNC_FLUSH) != Z_OK)
		r->err = EIO;
	r->flushed_ns = now_ns;
}

/* Remembers a responder whose name is to be recorded. */
static void
saw(struct record *r, const struct haddr *a)
{
	for (unsigned i = 0; i < r->nseen; i++)
		if (addr_eq(&r->seen[i].addr, a))
			return;
	if (r->nseen == NAMES_MAX || !addr_is_set(a))
		return;
	r->seen[r->nseen].addr = *a;
	r->seen[r->nseen].tries = NAME_TRIES;
	r->nseen++;
}

static int
rec_fd(struct transport *t)
{
	struct record *r = (struct record *)t;

	return r->in->ops->fd(r->in);
}

static void
put_send(struct record *r, const char *key, unsigned seq, int ttl,
    const struct haddr *dst, int flow, int64_t now_ns, int64_t sent_ns, int rc)
{
	char line[256], ip[ADDR_STRLEN];
	int n;

	maybe_flush(r, now_ns);
	n = snprintf(line, sizeof(line), "{\"d\":%" PRId64 ",\"%s\":%u",
	    step(r, now_ns), key, seq);
	if (dst != NULL)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    ",\"a\":\"%s\"", addr_str(dst, ip, sizeof(ip)));
	else
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    ",\"l\":%d,\"f\":%d", ttl, flow);
	if (sent_ns != now_ns)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    ",\"x\":%" PRId64, sent_ns - now_ns);
	if (rc != 0)
		n += snprintf(
		    line + n, sizeof(line) - (size_t)n, ",\"e\":%d", rc);
	snprintf(line + n, sizeof(line) - (size_t)n, "}\n");
	put(r, line);
}

/* *sent_ns holds the engine's now on the way in (engine.c send_one). */
static int
rec_send(struct transport *t, const struct probe *p, int64_t *sent_ns)
{
	struct record *r = (struct record *)t;
	int64_t now_ns = *sent_ns;
	int rc = r->in->ops->send(r->in, p, sent_ns);

	put_send(r, "s", p->seq, p->ttl, NULL, p->flow, now_ns, *sent_ns,
	    rc == -1 ? (errno != 0 ? errno : EIO) : 0);
	if (rc == -1 && errno == 0)
		errno = EIO;
	return rc;
}

static int
rec_send_ping(struct transport *t, const struct haddr *dst, uint16_t seq,
    int64_t *sent_ns)
{
	struct record *r = (struct record *)t;
	int64_t now_ns = *sent_ns; /* the engine's now, as for send */
	int rc, saved;

	rc = r->in->ops->send_ping(r->in, dst, seq, sent_ns);
	saved = errno;
	t->params.ping_to = r->in->params.ping_to;
	put_send(r, "p", seq, 0, dst, 0, now_ns, *sent_ns,
	    rc == -1 ? (saved != 0 ? saved : EIO) : 0);
	errno = saved;
	return rc;
}

/* Offsets of a realtime stamp from the engine time of the line. */
static int64_t
real_off(const struct record *r, int64_t real_ns, int64_t now_ns)
{
	return real_ns - (now_ns + r->wall_offset_ns);
}

static void
put_reply(struct record *r, const struct reply *rp, int64_t now_ns)
{
	char line[512], ip[ADDR_STRLEN];
	size_t n;

	maybe_flush(r, now_ns);
	n = (size_t)snprintf(line, sizeof(line),
	    "{\"d\":%" PRId64 ",\"r\":%d,\"q\":%u", step(r, now_ns),
	    (int)rp->kind, rp->seq);
	if (rp->kind == REPLY_TX_STAMP) {
		snprintf(line + n, sizeof(line) - n, ",\"tr\":%" PRId64 "}\n",
		    real_off(r, rp->tx_real_ns, now_ns));
		put(r, line);
		return;
	}
	n += (size_t)snprintf(line + n, sizeof(line) - n,
	    ",\"a\":\"%s\",\"ty\":%u,\"co\":%u,\"tl\":%d,\"rx\":%" PRId64,
	    addr_str(&rp->from, ip, sizeof(ip)), rp->icmp_type, rp->icmp_code,
	    rp->reply_ttl, rp->rx_ns - now_ns);
	if (!addr_eq(&rp->probe_dst, &r->base.params.target))
		n += (size_t)snprintf(line + n, sizeof(line) - n,
		    ",\"pd\":\"%s\"", addr_str(&rp->probe_dst, ip, sizeof(ip)));
	if (rp->rx_real_ns != 0)
		n += (size_t)snprintf(line + n, sizeof(line) - n,
		    ",\"rr\":%" PRId64, real_off(r, rp->rx_real_ns, now_ns));
	for (unsigned i = 0; i < rp->mpls.n && i < MPLS_MAX_LABELS; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n,
		    "%s[%u,%u,%u,%u]", i == 0 ? ",\"mp\":[" : ",",
		    rp->mpls.l[i].label, rp->mpls.l[i].tc, rp->mpls.l[i].s,
		    rp->mpls.l[i].ttl);
	snprintf(
	    line + n, sizeof(line) - n, "%s}\n", rp->mpls.n > 0 ? "]" : "");
	put(r, line);
	saw(r, &rp->from);
}

static int
rec_recv(struct transport *t, struct reply *rp, int64_t now_ns)
{
	struct record *r = (struct record *)t;
	int rc = r->in->ops->recv(r->in, rp, now_ns);

	if (rc == 1)
		put_reply(r, rp, now_ns);
	return rc;
}

static int64_t
rec_next_deadline(struct transport *t)
{
	struct record *r = (struct record *)t;

	return r->in->ops->next_deadline(r->in);
}

static const char *
rec_method(const struct transport *t)
{
	const struct record *r = (const struct record *)t;

	return r->in->ops->method(r->in);
}

static void
rec_source(const struct transport *t, struct haddr *out)
{
	const struct record *r = (const struct record *)t;

	r->in->ops->source(r->in, out);
}

static const char *const note_names[] = {
    [NOTE_TICK] = "t",
    [NOTE_RESET] = "reset",
    [NOTE_PROBES] = "probes",
    [NOTE_PAUSE] = "pause",
    [NOTE_PING] = "ping",
};

static void
rec_note(struct transport *t, const struct transport_note *n)
{
	struct record *r = (struct record *)t;
	char line[128];

	if ((unsigned)n->kind >= sizeof(note_names) / sizeof(note_names[0]))
		return;
	maybe_flush(r, n->now_ns);
	if (n->kind == NOTE_TICK || n->kind == NOTE_RESET)
		snprintf(line, sizeof(line),
		    "{\"d\":%" PRId64 ",\"k\":\"%s\"}\n", step(r, n->now_ns),
		    note_names[n->kind]);
	else
		snprintf(line, sizeof(line),
		    "{\"d\":%" PRId64 ",\"k\":\"%s\",\"v\":%d}\n",
		    step(r, n->now_ns), note_names[n->kind], n->value);
	put(r, line);
}

static void
rec_free(struct transport *t)
{
	struct record *r = (struct record *)t;

	write_names(r);
	write_method(r);
	put(r, "{\"d\":0,\"end\":true}\n");
	if (gzclose(r->gz) != Z_OK && r->err == 0)
		r->err = EIO;
	transport_free(r->in);
	free(r);
}

static const struct transport_ops record_ops = {
    .fd = rec_fd,
    .send = rec_send,
    .recv = rec_recv,
    .next_deadline = rec_next_deadline,
    .method = rec_method,
    .source = rec_source,
    .free = rec_free,
    .send_ping = rec_send_ping,
    .note = rec_note,
};

/* Without send_ping in the wrapped transport, none here either. */
static const struct transport_ops record_ops_noping = {
    .fd = rec_fd,
    .send = rec_send,
    .recv = rec_recv,
    .next_deadline = rec_next_deadline,
    .method = rec_method,
    .source = rec_source,
    .free = rec_free,
    .note = rec_note,
};

static json_t *
header_json(const struct recording_header *h)
{
	char target[ADDR_STRLEN], source[ADDR_STRLEN] = "";
	const struct transport_params *tp = &h->tp;

	addr_str(&tp->target, target, sizeof(target));
	if (addr_is_set(&h->source))
		addr_str(&h->source, source, sizeof(source));
	return json_pack("{si ss ss ss ss ss ss ss si ss sb"
	                 " si si si si si sI"
	                 " si si si sf sf si sI sI sI sb sb}",
	    "hoptop_recording", h->format, "version", h->version, "mode",
	    h->mode, "target", target, "target_name", h->target_name, "source",
	    source, "host", h->host, "method", h->method, "family",
	    tp->family == AF_INET6 ? 6 : 4, "proto",
	    packet_proto_name(tp->proto), "simulated", h->simulated, "port",
	    tp->port, "ident", tp->ident, "flows", tp->flows, "tos", tp->tos,
	    "size", (int)tp->size, "cookie", (json_int_t)tp->cookie,
	    "first_ttl", h->first_ttl, "max_ttl", h->max_ttl, "probes",
	    h->probes, "interval", h->interval_s, "timeout", h->timeout_s,
	    "count", (int)h->count, "start_ns", (json_int_t)h->start_ns,
	    "wall_offset_ns", (json_int_t)h->wall_offset_ns, "started",
	    (json_int_t)h->started, "show_mpls", h->show_mpls, "show_asn",
	    h->show_asn);
}

struct transport *
record_new(struct transport *inner, const char *path,
    const struct recording_header *h, char *err, size_t errlen)
{
	struct record *r;
	gzFile gz = gzopen(path, "wb6");
	json_t *j;

	if (gz == NULL) {
		snprintf(err, errlen,
		    "--record %s: %s (check the path and its "
		    "permissions)",
		    path, strerror(errno != 0 ? errno : EIO));
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->base.ops =
	    inner->ops->send_ping != NULL ? &record_ops : &record_ops_noping;
	r->base.params = inner->params;
	r->in = inner;
	r->gz = gz;
	r->last_ns = r->flushed_ns = h->start_ns;
	r->wall_offset_ns = h->wall_offset_ns;
	r->flush_gap_ns = (int64_t)(h->interval_s * 1e9);
	if (r->flush_gap_ns > NS_PER_S || r->flush_gap_ns <= 0)
		r->flush_gap_ns = NS_PER_S;
	snprintf(r->method, sizeof(r->method), "%s", h->method);
	j = header_json(h);
	if (j == NULL) {
		gzclose(gz);
		free(r);
		snprintf(
		    err, errlen, "--record %s: cannot encode the header", path);
		return NULL;
	}
	put_json(r, j);
	if (r->err == 0 && gzflush(gz, Z_SYNC_FLUSH) != Z_OK)
		r->err = EIO;
	if (r->err != 0) {
		snprintf(
		    err, errlen, "--record %s: %s", path, strerror(r->err));
		gzclose(gz);
		free(r);
		return NULL;
	}
	return &r->base;
}

void
record_set_namer(struct transport *t, const struct namer *n)
{
	struct record *r = (struct record *)t;

	r->have_namer = n != NULL && n->name != NULL;
	if (r->have_namer)
		r->namer = *n;
}

int
record_error(const struct transport *t)
{
	const struct record *r = (const struct record *)t;

	if (r->err == 0)
		return 0;
	errno = r->err;
	return -1;
}
