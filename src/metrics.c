/*
 * metrics: the Prometheus exposition of the path models, and the HTTP
 * server that answers /metrics from the loop's select().
 *
 * The writer is pure (a FILE * in, no clock): each family once, HELP and
 * TYPE first, then its samples for every target. Values come from the
 * column table where a column exists, so they are the numbers the screen
 * and the reports show (at full precision, in seconds and ratios).
 *
 * The server is libmicrohttpd without a thread of its own: its fds join
 * the loop's sets (MHD_get_fdset2), its timeout joins the loop's deadline
 * (MHD_get_timeout) and it runs after select() (MHD_run_from_select). Its
 * sockets are non-blocking, so a slow or hostile client waits in the
 * select() like any other fd and never holds up a probe.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hoptop/clock.h"
#include "hoptop/column.h"
#include "hoptop/metrics.h"
#include "hoptop/verdict.h"
#include "hoptop/xmalloc.h"

/*
 * libmicrohttpd is loaded when --metrics asks for it (dlopen), not linked:
 * it brings GnuTLS and its libraries along, about 2.4 MB of resident
 * memory that a run without --metrics does not need. The calls below go
 * through these pointers, typed from the library's own header.
 */
#ifndef HOPTOP_MHD_SONAME
#define HOPTOP_MHD_SONAME "libmicrohttpd.so.12"
#endif
static struct {
	void *lib;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_create_response_from_buffer)
	    *create_response_from_buffer;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_get_fdset2) *get_fdset2;
	__typeof__(MHD_get_timeout) *get_timeout;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_run_from_select) *run_from_select;
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
} mhd;

#define MHD_add_response_header         (*mhd.add_response_header)
#define MHD_create_response_from_buffer (*mhd.create_response_from_buffer)
#define MHD_destroy_response            (*mhd.destroy_response)
#define MHD_get_fdset2                  (*mhd.get_fdset2)
#define MHD_get_timeout                 (*mhd.get_timeout)
#define MHD_lookup_connection_value     (*mhd.lookup_connection_value)
#define MHD_queue_response              (*mhd.queue_response)
#define MHD_run_from_select             (*mhd.run_from_select)
#define MHD_start_daemon                (*mhd.start_daemon)
#define MHD_stop_daemon                 (*mhd.stop_daemon)

/* Loads the library once; 0, or -1 with a message naming the package. */
static int
load_mhd(char *err, size_t errlen)
{
	static const char *const names[] = {"MHD_add_response_header",
	    "MHD_create_response_from_buffer", "MHD_destroy_response",
	    "MHD_get_fdset2", "MHD_get_timeout", "MHD_lookup_connection_value",
	    "MHD_queue_response", "MHD_run_from_select", "MHD_start_daemon",
	    "MHD_stop_daemon"};
	void **slot[] = {(void **)&mhd.add_response_header,
	    (void **)&mhd.create_response_from_buffer,
	    (void **)&mhd.destroy_response, (void **)&mhd.get_fdset2,
	    (void **)&mhd.get_timeout, (void **)&mhd.lookup_connection_value,
	    (void **)&mhd.queue_response, (void **)&mhd.run_from_select,
	    (void **)&mhd.start_daemon, (void **)&mhd.stop_daemon};
	const char *why;

	if (mhd.lib != NULL)
		return 0;
	if ((mhd.lib = dlopen(HOPTOP_MHD_SONAME, RTLD_NOW | RTLD_LOCAL)) ==
	    NULL) {
		why = dlerror();
		snprintf(err, errlen,
		    "--metrics: cannot load %s (%s): install libmicrohttpd12",
		    HOPTOP_MHD_SONAME, why != NULL ? why : "not found");
		return -1;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((*slot[i] = dlsym(mhd.lib, names[i])) == NULL) {
			snprintf(err, errlen,
			    "--metrics: %s has no %s: install libmicrohttpd12",
			    HOPTOP_MHD_SONAME, names[i]);
			dlclose(mhd.lib);
			mhd.lib = NULL;
			return -1;
		}
	}
	return 0;
}

/* Limits of the HTTP server (a scrape is one small GET). */
#define CONN_LIMIT     64    /* connections at once */
#define PER_IP_LIMIT   8     /* from one address */
#define CONN_TIMEOUT_S 5     /* idle this long: closed */
#define CONN_MEMORY    16384 /* bytes per connection: request + headers */
#define LISTEN_BACKLOG 16

enum mtype { MT_COUNTER, MT_GAUGE, MT_INFO };

struct label {
	const char *name, *value;
};

/* Where the writer is. */
struct expo {
	FILE *f;
	enum metrics_format fmt;
};

struct family {
	const char *base; /* the OpenMetrics family name */
	enum mtype type;
	const char *help;
	void (*emit)(struct expo *e, const struct family *fm,
	    const struct metrics_target *t);
	int col;      /* emit_hop_column: the column */
	double scale; /* emit_hop_column: column value to metric unit */
};

/*
 * Writes s as a label value or HELP text: backslash, newline (and in a
 * label, or any OpenMetrics text, the double quote) escaped; other control
 * and non-ASCII bytes become '?', so the output is valid UTF-8 whatever a
 * name holds.
 */
static void
put_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '"' && quote)
			fputs("\\\"", f);
		else if (c < 0x20 || c >= 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

/* A sample's name suffix: counters end in _total, info in _info. */
static const char *
suffix(enum mtype t)
{
	return t == MT_COUNTER ? "_total" : t == MT_INFO ? "_info" : "";
}

static void
header(struct expo *e, const struct family *fm)
{
	static const char *const types[] = {"counter", "gauge", "info"};
	bool om = e->fmt == METRICS_OPENMETRICS;
	/* The text format has no info type: a gauge named ..._info. */
	const char *sfx = om ? "" : suffix(fm->type);
	const char *type =
	    om || fm->type != MT_INFO ? types[fm->type] : "gauge";

	fprintf(e->f, "# HELP %s%s ", fm->base, sfx);
	put_escaped(e->f, fm->help, om);
	fprintf(e->f, "\n# TYPE %s%s %s\n", fm->base, sfx, type);
}

/* Integers as integers, the rest with 10 significant digits. */
static void
put_value(FILE *f, double v)
{
	if (v == (double)(int64_t)v && v < 1e15 && v > -1e15)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "%.10g", v);
}

static void
sample(struct expo *e, const struct family *fm, const struct label *l, int nl,
    double v)
{
	fprintf(e->f, "%s%s", fm->base, suffix(fm->type));
	for (int i = 0; i < nl; i++) {
		fprintf(e->f, "%s%s=\"", i == 0 ? "{" : ",", l[i].name);
		put_escaped(e->f, l[i].value, true);
		fputc('"', e->f);
	}
	fputs(nl > 0 ? "} " : " ", e->f);
	put_value(e->f, v);
	fputc('\n', e->f);
}

/* The next hop with a probe sent after *ttl (start at first_ttl - 1). */
static const struct hop *
next_hop(const struct path *p, int *ttl)
{
	int last = path_last_ttl(p);

	while (++*ttl <= last) {
		const struct hop *h = path_hop(p, *ttl);

		if (h != NULL && h->st.sent > 0)
			return h;
	}
	return NULL;
}

/* Labels target and ttl into l[0..1]; the ttl text lives in buf. */
static void
hop_labels(struct label *l, const struct metrics_target *t, int ttl, char *buf,
    size_t len)
{
	snprintf(buf, len, "%d", ttl);
	l[0] = (struct label){"target", t->name};
	l[1] = (struct label){"ttl", buf};
}

static void
emit_target_info(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	char ip[ADDR_STRLEN];
	struct label l[3] = {{"target", t->name},
	    {"address", addr_str(&t->path->target, ip, sizeof(ip))},
	    {"protocol", t->proto != NULL ? t->proto : ""}};

	sample(e, fm, l, 3, 1);
}

static void
emit_cycles(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	struct label l = {"target", t->name};

	sample(e, fm, &l, 1, t->path->cycles);
}

static void
emit_dest_ttl(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	struct label l = {"target", t->name};

	if (t->path->dest_ttl > 0)
		sample(e, fm, &l, 1, t->path->dest_ttl);
}

/* Route changes on the timeline (with hysteresis): a flow's responder
 * changed, or the destination answers at another TTL; since start or the
 * last reset. */
static void
emit_route_changes(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	struct label l = {"target", t->name};

	sample(e, fm, &l, 1,
	    path_event_count(t->path, EV_ROUTE_CHANGE) +
	        path_event_count(t->path, EV_DEST_TTL));
}

/* The path verdict: forwarding loss (R's loss) or 0; always present so an
 * alert's "for:" does not restart when the verdict comes and goes. */
static void
emit_forward_loss(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	struct label l = {"target", t->name};
	struct verdict v;

	verdict_path(t->path, &v);
	sample(e, fm, &l, 1, verdict_forward_loss_ratio(&v));
}

/* Where forwarding loss begins (absent unless the verdict is forward). */
static void
emit_forward_from(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	struct label l = {"target", t->name};
	struct verdict v;

	verdict_path(t->path, &v);
	if (v.kind == VERDICT_FORWARD)
		sample(e, fm, &l, 1, v.from_ttl);
}

/* Each hop's loss cause, as a label (one series per hop). */
static void
emit_hop_cause(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	const struct hop *h;
	struct label l[3];
	char ttlbuf[12];
	struct verdict v;

	verdict_path(t->path, &v);
	for (int ttl = t->path->first_ttl - 1;
	     (h = next_hop(t->path, &ttl)) != NULL;) {
		if (ttl < v.first_ttl || ttl > v.last_ttl)
			continue;
		hop_labels(l, t, ttl, ttlbuf, sizeof(ttlbuf));
		l[2] = (struct label){
		    "cause", verdict_cause_name(v.hop[ttl].cause)};
		sample(e, fm, l, 3, 1);
	}
}

/* One column of the table per hop, scaled, where it has a value. */
static void
emit_hop_column(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	const struct column *c = column_get((enum col_id)fm->col);
	const struct hop *h;
	struct label l[2];
	char ttlbuf[12];

	for (int ttl = t->path->first_ttl - 1;
	     (h = next_hop(t->path, &ttl)) != NULL;) {
		if (!column_has_value(c->id, &h->st))
			continue;
		hop_labels(l, t, ttl, ttlbuf, sizeof(ttlbuf));
		sample(e, fm, l, 2, c->value(&h->st) * fm->scale);
	}
}

static void
emit_hop_losses(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	const struct hop *h;
	struct label l[2];
	char ttlbuf[12];

	for (int ttl = t->path->first_ttl - 1;
	     (h = next_hop(t->path, &ttl)) != NULL;) {
		hop_labels(l, t, ttl, ttlbuf, sizeof(ttlbuf));
		sample(e, fm, l, 2, h->st.lost);
	}
}

static void
emit_hop_rtt(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	static const struct {
		const char *stat;
		enum col_id col;
	} stats[] = {{"last", COL_LAST}, {"avg", COL_AVG}, {"best", COL_BEST},
	    {"worst", COL_WRST}, {"stdev", COL_STDEV}};
	const struct hop *h;
	struct label l[3];
	char ttlbuf[12];

	for (int ttl = t->path->first_ttl - 1;
	     (h = next_hop(t->path, &ttl)) != NULL;) {
		hop_labels(l, t, ttl, ttlbuf, sizeof(ttlbuf));
		for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
			const struct column *c = column_get(stats[i].col);

			if (!column_has_value(c->id, &h->st))
				continue;
			l[2] = (struct label){"stat", stats[i].stat};
			sample(e, fm, l, 3, c->value(&h->st) / 1e3); /* ms->s */
		}
	}
}

/*
 * The indexes of the (at most METRICS_MAX_RESPONDERS) responders of h with
 * the most replies, most first (the earlier one on a tie). Returns how many.
 */
static int
top_responders(const struct hop *h, int *idx)
{
	const int max = METRICS_MAX_RESPONDERS;
	int n = 0;

	for (int i = 0; i < h->nresp; i++) {
		uint32_t got = h->resp[i].st.received;
		int j;

		if (n < max)
			j = n++;
		else if (got <= h->resp[idx[max - 1]].st.received)
			continue;
		else
			j = max - 1; /* takes the place of the last kept */
		for (; j > 0 && h->resp[idx[j - 1]].st.received < got; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
	return n;
}

static void
emit_responders(
    struct expo *e, const struct family *fm, const struct metrics_target *t)
{
	const struct namer *nm = t->namer;
	const struct hop *h;
	int idx[METRICS_MAX_RESPONDERS];
	struct label l[4];
	char ttlbuf[12], ip[ADDR_STRLEN], name[256];

	for (int ttl = t->path->first_ttl - 1;
	     (h = next_hop(t->path, &ttl)) != NULL;) {
		int n = top_responders(h, idx);

		hop_labels(l, t, ttl, ttlbuf, sizeof(ttlbuf));
		for (int i = 0; i < n; i++) {
			const struct haddr *a = &h->resp[idx[i]].addr;
			bool named =
			    nm != NULL && nm->name != NULL &&
			    nm->name(nm->ctx, a, name, sizeof(name)) == 1;

			l[2] = (struct label){
			    "responder", addr_str(a, ip, sizeof(ip))};
			l[3] = (struct label){"name", name};
			sample(e, fm, l, named ? 4 : 3, 1);
		}
	}
}

static const struct family families[] = {
    {"hoptop_target", MT_INFO, "The target probed: its address and protocol.",
        emit_target_info, 0, 0},
    {"hoptop_cycles", MT_COUNTER, "Probe cycles started.", emit_cycles, 0, 0},
    {"hoptop_destination_ttl", MT_GAUGE,
        "TTL at which the target answers (absent until it does).",
        emit_dest_ttl, 0, 0},
    {"hoptop_route_changes", MT_COUNTER,
        "Route changes on the timeline: a flow's hop answers from another "
        "address, or the destination answers at another TTL.",
        emit_route_changes, 0, 0},
    {"hoptop_forward_loss_ratio", MT_GAUGE,
        "Forwarding loss on the way to the target (the loss verdict: the "
        "destination's loss when it begins at a hop and stays to the end), "
        "0-1; 0 when the verdict is not forwarding loss.",
        emit_forward_loss, 0, 0},
    {"hoptop_forward_loss_start_ttl", MT_GAUGE,
        "TTL of the hop where forwarding loss begins (absent unless there "
        "is forwarding loss).",
        emit_forward_from, 0, 0},
    {"hoptop_hop_probes_sent", MT_COUNTER,
        "Probes sent with this TTL (including those in flight).",
        emit_hop_column, COL_SNT, 1},
    {"hoptop_hop_replies", MT_COUNTER, "Replies to probes with this TTL.",
        emit_hop_column, COL_RCV, 1},
    {"hoptop_hop_losses", MT_COUNTER, "Probes with this TTL that timed out.",
        emit_hop_losses, 0, 0},
    {"hoptop_hop_loss_ratio", MT_GAUGE,
        "Lost / settled probes with this TTL (in-flight probes are not "
        "loss).",
        emit_hop_column, COL_LOSS, 0.01},
    {"hoptop_hop_rtt_seconds", MT_GAUGE,
        "Round-trip time of replies from this hop, by statistic.", emit_hop_rtt,
        0, 0},
    {"hoptop_hop_responder", MT_INFO,
        "An address answering at this hop (the 4 with most replies).",
        emit_responders, 0, 0},
    {"hoptop_hop_loss_cause", MT_INFO,
        "The loss verdict of this hop: none, reply (it limits its own "
        "replies), forward (loss that stays to the end), unknown.",
        emit_hop_cause, 0, 0},
};

int
metrics_write(FILE *f, const struct metrics_target *t, size_t n,
    enum metrics_format fmt, const char *version)
{
	static const struct family build = {"hoptop_build", MT_INFO,
	    "The hoptop version serving these metrics.", NULL, 0, 0};
	struct expo e = {f, fmt};
	struct label l = {"version", version != NULL ? version : ""};

	header(&e, &build);
	sample(&e, &build, &l, 1, 1);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		header(&e, &families[i]);
		for (size_t j = 0; j < n; j++)
			families[i].emit(&e, &families[i], &t[j]);
	}
	if (fmt == METRICS_OPENMETRICS)
		fputs("# EOF\n", f);
	if (ferror(f)) {
		errno = errno != 0 ? errno : EIO;
		return -1;
	}
	return 0;
}

/* The q parameter of one media range ("type/sub;a=b;q=0.5"): 1 if none. */
static double
range_q(const char *range, size_t len)
{
	const char *p = range;
	const char *end = range + len;

	while ((p = memchr(p, ';', (size_t)(end - p))) != NULL) {
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			return strtod(p + 2, NULL);
	}
	return 1.0;
}

/* Whether the media type of range (up to ';') is type. */
static bool
range_is(const char *range, size_t len, const char *type)
{
	size_t n = strcspn(range, ";,");

	while (n > 0 && (range[n - 1] == ' ' || range[n - 1] == '\t'))
		n--;
	return n <= len && n == strlen(type) &&
	       strncasecmp(range, type, n) == 0;
}

/*
 * OpenMetrics when the client rates it at least as high as plain text (as
 * Prometheus does: openmetrics q=1, text/plain q=0.5); text otherwise.
 */
enum metrics_format
metrics_negotiate(const char *accept)
{
	double om = 0, text = 0;

	for (const char *p = accept; p != NULL && *p != '\0';) {
		size_t len;

		p += strspn(p, " \t,");
		len = strcspn(p, ",");
		if (len == 0)
			break;
		if (range_is(p, len, "application/openmetrics-text"))
			om = range_q(p, len) > om ? range_q(p, len) : om;
		else if (range_is(p, len, "text/plain") ||
		         range_is(p, len, "text/*") || range_is(p, len, "*/*"))
			text = range_q(p, len) > text ? range_q(p, len) : text;
		p += len;
	}
	return om > 0 && om >= text ? METRICS_OPENMETRICS : METRICS_TEXT;
}

const char *
metrics_content_type(enum metrics_format fmt)
{
	return fmt == METRICS_OPENMETRICS
	           ? "application/openmetrics-text; version=1.0.0; "
	             "charset=utf-8"
	           : "text/plain; version=0.0.4; charset=utf-8";
}

struct metrics_server {
	struct MHD_Daemon *d;
	const struct metrics_target *t;
	size_t n;
	const char *version;
	unsigned port;
	uint64_t requests;
};

/* Queues a short text answer (404, 405, 500). */
static enum MHD_Result
answer_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(
	    strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(
	    r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Writes the exposition into a buffer and queues it (MHD frees it). */
static enum MHD_Result
answer_metrics(struct metrics_server *m, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	enum metrics_format fmt = metrics_negotiate(accept);
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return answer_text(
		    c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	rc = metrics_write(f, m->t, m->n, fmt, m->version);
	if (fclose(f) != 0 || rc == -1) {
		free(buf);
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "cannot write the metrics\n");
	}
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(
	    r, MHD_HTTP_HEADER_CONTENT_TYPE, metrics_content_type(fmt));
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	m->requests++;
	return ret;
}

/*
 * GET or HEAD /metrics; 405 for other methods, 404 for other paths. The
 * first call only sees the headers: answering then would make MHD close
 * the connection (as for a request whose body is not read), so a keep-alive
 * scraper is answered on the second call, once the request is complete.
 */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req)
{
	static int seen; /* *req of a request whose headers were seen */

	(void)version;
	(void)upload;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET and HEAD are served\n");
	if (*req == NULL) {
		*req = &seen;
		return MHD_YES;
	}
	if (*upload_size != 0) { /* a GET with a body: ignored */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return answer_text(c, MHD_HTTP_NOT_FOUND,
		    "not found: the metrics are at /metrics\n");
	return answer_metrics(cls, c);
}

/* A non-blocking listening socket on addr:port; -1 with errno. */
static int
listen_on(const struct haddr *addr, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(addr, port, &ss);
	int one = 1, fd, saved;

	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) == 0 &&
	    listen(fd, LISTEN_BACKLOG) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* The port a socket is bound to. */
static unsigned
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static struct MHD_Daemon *
start_daemon(struct metrics_server *m, int fd, int family)
{
	unsigned flags = family == AF_INET6 ? MHD_USE_IPv6 : 0;

	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, m,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_END);
}

struct metrics_server *
metrics_open(const struct haddr *addr, unsigned port, const char *version,
    char *err, size_t errlen)
{
	struct metrics_server *m;
	char ip[ADDR_STRLEN];
	int fd;

	if (load_mhd(err, errlen) == -1)
		return NULL;
	fd = listen_on(addr, port);
	addr_str(addr, ip, sizeof(ip));
	if (fd == -1) {
		snprintf(err, errlen,
		    "--metrics: cannot listen on %s%s%s:%u: %s%s",
		    addr->family == AF_INET6 ? "[" : "", ip,
		    addr->family == AF_INET6 ? "]" : "", port, strerror(errno),
		    errno == EADDRINUSE ? " (choose another port)" : "");
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->version = version;
	m->port = bound_port(fd);
	if ((m->d = start_daemon(m, fd, addr->family)) == NULL) {
		close(fd);
		free(m);
		snprintf(
		    err, errlen, "--metrics: the HTTP server did not start");
		return NULL;
	}
	return m;
}

void
metrics_close(struct metrics_server *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->d); /* closes the listening socket too */
	free(m);
}

unsigned
metrics_port(const struct metrics_server *m)
{
	return m->port;
}

void
metrics_set_targets(
    struct metrics_server *m, const struct metrics_target *t, size_t n)
{
	m->t = t;
	m->n = n;
}

int
metrics_fds(
    struct metrics_server *m, fd_set *r, fd_set *w, fd_set *e, int maxfd)
{
	MHD_socket max = maxfd;

	if (MHD_get_fdset2(m->d, r, w, e, &max, FD_SETSIZE) != MHD_YES)
		return maxfd;
	return max > maxfd ? max : maxfd;
}

int64_t
metrics_next_deadline(struct metrics_server *m, int64_t now_ns)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(m->d, &ms) != MHD_YES)
		return CLOCK_NEVER;
	if (ms > 3600 * 1000ULL)
		ms = 3600 * 1000ULL;
	return now_ns + (int64_t)ms * NS_PER_MS;
}

void
metrics_process(
    struct metrics_server *m, const fd_set *r, const fd_set *w, const fd_set *e)
{
	MHD_run_from_select(m->d, r, w, e);
}

uint64_t
metrics_requests(const struct metrics_server *m)
{
	return m->requests;
}
