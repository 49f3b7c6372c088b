/*
 * hoptop: argv -> options -> objects -> loop -> teardown in reverse order.
 * Wiring only; every decision lives in a module.
 */
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hoptop/cli.h"
#include "hoptop/dns.h"
#include "hoptop/engine.h"
#include "hoptop/fleet.h"
#include "hoptop/loop.h"
#include "hoptop/names.h"
#include "hoptop/metrics.h"
#include "hoptop/mux.h"
#include "hoptop/net.h"
#include "hoptop/priv.h"
#include "hoptop/netsim.h"
#include "hoptop/path.h"
#include "hoptop/playback.h"
#include "hoptop/recopt.h"
#include "hoptop/record.h"
#include "hoptop/replay.h"
#include "hoptop/report.h"
#include "hoptop/sim.h"
#include "hoptop/targets.h"
#include "hoptop/ui.h"
#include "hoptop/xmalloc.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

struct run {
	struct options o;
	struct targets tg;       /* the targets asked for, in order */
	struct netsim **ns;      /* --demo: one scenario per target */
	struct namer *sim_namer; /* --demo: each scenario's own names */
	struct net_prep *np;
	struct fleet *fleet;
	struct haddr *addr; /* each target's address */
	struct dns *dns;
	struct ui *ui;
	struct transport_params tp;
	struct metrics_server *metrics; /* --metrics, or NULL */
	struct metrics_target *mt;
	struct loop_hook metrics_hook;
	bool headless; /* --metrics without a terminal: no screen */
	char host[256];
	FILE *log; /* --log */
	/* --record / --replay (docs/RECORDING.md) */
	const struct hclock *clk; /* the engines' and the loop's */
	int64_t start_ns, wall_offset_ns;
	struct replay *rp;
	struct namer replay_names;
	struct playback pb;
	struct loop_replay lr;
};

/*
 * warnx(3) of a message that may echo what the user or a file gave, so
 * sanitised; returns status for the caller.
 */
static int __attribute__((format(printf, 2, 3)))
fail(int status, const char *fmt, ...)
{
	char msg[1024], safe[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warnx("%s", names_sanitize(msg, safe, sizeof(safe)));
	return status;
}

/* warn(3), errno e: "hoptop: WHAT: strerror(e)"; returns EXIT_RUNTIME. */
static int
fail_errno(const char *what, int e)
{
	errno = e;
	warn("%s", what);
	return EXIT_RUNTIME;
}

/* A note from the targets' resolution (it may echo a name). */
static void
note(const char *msg)
{
	fail(0, "%s", msg);
}

/* Protocol, port, flows and identity of the probes, from the options. */
static void
probe_params(struct run *r)
{
	transport_params_init(
	    &r->tp, r->o.proto, (unsigned)r->o.port, (unsigned)r->o.flows);
}

/*
 * The sockets for the probes. ICMP by default, where neither raw nor ping
 * sockets are allowed (net.ipv4.ping_group_range closed, no capability):
 * UDP with IP_RECVERR works for every user, so take it and say so (the
 * header and the reports name the method too). -I asks for ICMP and gets
 * the error instead.
 */
static int
prepare_sockets(struct run *r, char *err, size_t errlen)
{
	r->np = net_prepare(r->o.proto, r->o.method, err, errlen);
	if (r->np != NULL || errno != EACCES || r->o.proto != PROTO_ICMP ||
	    r->o.proto_given)
		return r->np != NULL ? 0 : -1;
	r->np = net_prepare(PROTO_UDP, METHOD_UNPRIV, err, errlen);
	if (r->np == NULL)
		return -1;
	warnx("no raw or ping sockets for this user (sysctl "
	      "net.ipv4.ping_group_range): probing with UDP");
	r->o.proto = PROTO_UDP;
	probe_params(r);
	return 0;
}

/* --demo: scenario i (0: --demo's own, built in or FILE), on the fleet. */
static int
open_scenario(struct run *r, size_t i, char *err, size_t errlen)
{
	struct transport_params tp = r->tp;
	const char *file = r->tg.want[i].name;
	struct fleet_target *t;
	char name[256];

	r->ns[i] =
	    file != NULL ? netsim_load(file, err, errlen) : netsim_demo();
	if (r->ns[i] == NULL)
		return -1;
	/* without -4/-6: the scenario's IPv4 path, else its IPv6 one */
	tp.family = r->o.family != AF_UNSPEC ? r->o.family : AF_INET;
	if (r->o.family == AF_UNSPEC &&
	    netsim_target(r->ns[i], AF_INET, &tp.target) != 0)
		tp.family = AF_INET6;
	if (netsim_target(r->ns[i], tp.family, &tp.target) != 0) {
		snprintf(err, errlen, "%s%sthe scenario has no IPv%c path",
		    r->tg.n > 1 && file != NULL ? file : "",
		    r->tg.n > 1 && file != NULL ? ": " : "",
		    tp.family == AF_INET6 ? '6' : '4');
		return -1;
	}
	names_sanitize(netsim_name(r->ns[i]), name, sizeof(name));
	r->addr[i] = tp.target;
	t = fleet_add(r->fleet, name);
	t->t = sim_new(r->ns[i], &tp, &clock_monotonic);
	if (r->tg.n > 1) /* one namer per path; else the loop's own */
		t->namer = &r->sim_namer[i];
	return 0;
}

static int scenario_name(
    void *ctx, const struct haddr *a, char *buf, size_t len);

/* --demo: every scenario its own simulator (no shared sockets). */
static int
open_demo(struct run *r, char *err, size_t errlen)
{
	r->ns = xcalloc(r->tg.n, sizeof(*r->ns));
	r->addr = xcalloc(r->tg.n, sizeof(*r->addr));
	r->sim_namer = xcalloc(r->tg.n, sizeof(*r->sim_namer));
	for (size_t i = 0; i < r->tg.n; i++) {
		r->sim_namer[i] = (struct namer){scenario_name, NULL, NULL};
		if (open_scenario(r, i, err, errlen) == -1)
			return -1;
		r->sim_namer[i].ctx = r->ns[i];
	}
	return 0;
}

/*
 * Several targets on one set of sockets: a mux over the real transport,
 * one virtual transport per target. Returns 0, or -1 with a message.
 */
static int
open_shared(struct run *r, struct transport *real, char *err, size_t errlen)
{
	unsigned need = (unsigned)((r->o.max_ttl - r->o.first_ttl + 1) *
	                           r->o.probes * r->o.flows);
	struct mux *m;

	if (!net_transport_shareable(real)) {
		transport_free(real);
		snprintf(err, errlen,
		    "several targets need sockets they can share: UDP "
		    "without privilege has one per target (use ICMP, or run "
		    "as root / with cap_net_raw)");
		return -1;
	}
	m = mux_new(real, r->tg.n);
	if (m == NULL || mux_seq_slots(m) < need) {
		snprintf(err, errlen,
		    "%zu targets leave %u probe sequences each, fewer than "
		    "one cycle sends (%u): give fewer targets, or lower -m, "
		    "-q or --flows",
		    r->tg.n, m != NULL ? mux_seq_slots(m) : 0, need);
		mux_free(m);
		transport_free(real);
		return -1;
	}
	fleet_set_shared(r->fleet, real, m);
	for (size_t i = 0; i < r->tg.n; i++) {
		char name[256];

		names_sanitize(r->tg.want[i].name, name, sizeof(name));
		fleet_add(r->fleet, name)->t = mux_add(m, &r->addr[i]);
	}
	return 0;
}

/* Opens the network or the simulator and makes the transports. */
static int
open_transport(struct run *r, char *err, size_t errlen)
{
	struct transport_params *tp = &r->tp;
	struct transport *t;
	char name[256];

	probe_params(r);
	r->fleet = fleet_new(r->tg.n);
	if (r->o.demo)
		return open_demo(r, err, errlen);
	if (prepare_sockets(r, err, errlen) == -1 ||
	    priv_drop(err, errlen) == -1)
		return -1;
	r->addr = xcalloc(r->tg.n, sizeof(*r->addr));
	if (targets_resolve(&r->tg, r->o.family, r->addr, note, err, errlen) ==
	    -1)
		return -1;
	tp->target = r->addr[0];
	tp->family = r->addr[0].family;
	tp->any_target = r->tg.n > 1;
	tp->no_tx_stamps = r->tg.n > FLEET_TX_STAMPS_MAX;
	t = net_transport_new(r->np, tp, err, errlen);
	if (t == NULL)
		return -1;
	if (r->tg.n > 1)
		return open_shared(r, t, err, errlen);
	names_sanitize(r->tg.want[0].name, name, sizeof(name));
	fleet_add(r->fleet, name)->t = t;
	return 0;
}

/*
 * --replay FILE: the recording's options, target and identity replace the
 * command line's (cli refused the ones that would conflict); its
 * transport and clock replace the network and the real clock.
 */
static int
open_replay(struct run *r, char *err, size_t errlen)
{
	const struct recording_header *h;
	struct options *o = &r->o;

	r->rp = replay_open(o->replay_file, err, errlen);
	if (r->rp == NULL)
		return -1;
	h = replay_header(r->rp);
	recopt_options(h, o);
	r->tp = h->tp;
	r->fleet = fleet_new(1);
	r->addr = xcalloc(1, sizeof(*r->addr));
	r->addr[0] = h->tp.target;
	fleet_add(r->fleet, h->target_name)->t = replay_transport(r->rp);
	r->clk = replay_clock(r->rp);
	r->start_ns = h->start_ns;
	r->wall_offset_ns = h->wall_offset_ns;
	if (o->mode != MODE_MONITOR) /* reports: as fast as possible */
		replay_set_speed(r->rp, 0);
	return 0;
}

/*
 * --record FILE: wraps the (one) target's transport in the recording
 * tee, with the header a replay needs (options, identity, start time).
 */
static int
open_record(struct run *r, char *err, size_t errlen)
{
	struct fleet_target *t = fleet_target(r->fleet, 0);
	struct recording_header h;
	struct transport *rt;
	char host[256] = "";

	if (fleet_count(r->fleet) != 1) {
		snprintf(err, errlen,
		    "--record records one target (give one TARGET, or "
		    "one --demo scenario)");
		return -1;
	}
	gethostname(host, sizeof(host) - 1);
	names_sanitize(host, r->host, sizeof(r->host));
	recopt_header(&h, &r->o, t->t, t->name, r->host);
	h.start_ns = r->start_ns;
	h.wall_offset_ns = r->wall_offset_ns;
	rt = record_new(t->t, r->o.record_file, &h, err, errlen);
	if (rt == NULL)
		return -1;
	t->t = rt;
	return 0;
}

/* The stop at the end of a recording: no cycle the run did not send. */
static void
stop_engine(void *ctx)
{
	engine_stop(ctx);
}

static void
fill_meta(struct run *r, struct fleet_target *t, const struct haddr *addr)
{
	struct report_meta *m = &t->meta;

	m->version = HOPTOP_VERSION;
	m->source_host = r->host;
	m->target_name = t->name;
	m->target_addr = *addr;
	m->proto = packet_proto_name(r->o.proto);
	m->method = t->t->ops->method(t->t);
	m->simulated = r->o.demo;
	m->started = time(NULL);
	m->probes = r->o.probes;
	m->first_ttl = r->o.first_ttl;
	m->max_ttl = r->o.max_ttl;
	m->port = r->tp.port;
	m->flows = r->o.flows;
	m->interval_s = r->o.interval_s;
	m->timeout_s = r->o.timeout_s;
	m->cycles = r->o.count > 0 ? (unsigned)r->o.count : 0;
	m->show_mpls = r->o.show_mpls;
	m->show_asn = r->o.show_asn;
	if (r->rp != NULL) {
		m->started = (time_t)replay_header(r->rp)->started;
		m->simulated = replay_header(r->rp)->simulated;
	}
}

/*
 * Each target's path and engine. With several, their first cycles are
 * spread over the interval (no burst of every target's probes at once),
 * and with shared sockets each engine numbers its probes in its share.
 */
static void
make_engines(struct run *r)
{
	struct engine_config c;
	size_t n = fleet_count(r->fleet);
	struct mux *m = fleet_mux(r->fleet);
	char host[sizeof(r->host)] = "";

	gethostname(host, sizeof(host) - 1);
	names_sanitize(host, r->host, sizeof(r->host));
	if (r->rp != NULL) /* the host the run was recorded on */
		snprintf(
		    r->host, sizeof(r->host), "%s", replay_header(r->rp)->host);
	memset(&c, 0, sizeof(c));
	c.first_ttl = r->o.first_ttl;
	c.max_ttl = r->o.max_ttl;
	c.probes = r->o.probes;
	c.flows = r->o.flows;
	c.interval_ns = (int64_t)(r->o.interval_s * NS_PER_S);
	c.timeout_ns = (int64_t)(r->o.timeout_s * NS_PER_S);
	c.count = r->o.count > 0 ? (unsigned)r->o.count : 0;
	c.wall_offset_ns = r->wall_offset_ns;
	c.seq_slots = m != NULL ? mux_seq_slots(m) : 0;
	for (size_t i = 0; i < n; i++) {
		struct fleet_target *t = fleet_target(r->fleet, i);

		fill_meta(r, t, &r->addr[i]);
		c.start_delay_ns = fleet_start_delay(c.interval_ns, i, n);
		t->p = path_new(&r->addr[i], r->o.first_ttl, r->o.max_ttl);
		if (fleet_history_len(n) != 0)
			path_set_history_len(t->p, fleet_history_len(n));
		t->e = engine_new(&c, t->t, t->p, r->clk);
		if (r->o.ping_ttl != 0)
			engine_ping_hop(t->e, r->o.ping_ttl);
	}
}

/*
 * The resolver, with the AS zone always set so the z key can turn AS
 * lookups on later; they start off unless -z. Names are turned on or off
 * by the loop (lp.dns_enabled). -n without -z: none in report modes.
 */
static struct dns *
open_dns(const struct options *o)
{
	char err[256];
	struct dns *d;

	if (o->demo || o->replay_file != NULL ||
	    (o->no_dns && !o->show_asn && o->mode != MODE_MONITOR))
		return NULL;
	d = dns_new(&clock_monotonic,
	    o->asn_zone != NULL ? o->asn_zone : DNS_AS_ZONE, NULL, err,
	    sizeof(err));
	if (d == NULL)
		fail(0, "names are off: %s", err);
	else
		dns_enable_asn(d, o->show_asn);
	return d;
}

static int
write_one(struct run *r, struct fleet_target *t, const struct report_view *v)
{
	t->meta.ended = time(NULL);
	t->meta.method = t->t->ops->method(t->t); /* it may have changed */
	if (r->rp != NULL)                        /* the recorded times */
		recopt_meta_times(r->rp, &t->meta.ended, &t->meta.reset);
	switch (r->o.format) {
	case FMT_JSON:
		return report_write_json(stdout, t->p, &t->meta, v);
	case FMT_CSV:
		return report_write_csv(stdout, t->p, &t->meta, v);
	case FMT_MARKDOWN:
		return report_write_markdown(stdout, t->p, &t->meta, v);
	default:
		return report_write_text(stdout, t->p, &t->meta, v);
	}
}

/*
 * Several targets: JSON one object with "targets", CSV one table with a
 * target column, text and Markdown one section per target.
 */
static int
write_many(struct run *r, const struct report_view *v)
{
	size_t n = fleet_count(r->fleet);
	struct report_target *rt = xcalloc(n, sizeof(*rt));
	struct report_view *views = xcalloc(n, sizeof(*views));
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct fleet_target *t = fleet_target(r->fleet, i);

		t->meta.ended = time(NULL);
		t->meta.method = t->t->ops->method(t->t);
		views[i] = *v;
		if (t->namer != NULL)
			views[i].namer = t->namer;
		rt[i] = (struct report_target){t->p, &t->meta, &views[i]};
	}
	if (r->o.format == FMT_JSON)
		rc = report_write_json_many(stdout, rt, n);
	else if (r->o.format == FMT_CSV)
		rc = report_write_csv_many(stdout, rt, n);
	for (size_t i = 0; r->o.format != FMT_JSON && r->o.format != FMT_CSV &&
	                   i < n && rc == 0;
	     i++) {
		if (i > 0 && fputc('\n', stdout) == EOF)
			rc = -1;
		else
			rc = write_one(r, fleet_target(r->fleet, i), &views[i]);
	}
	free(rt);
	free(views);
	return rc;
}

static int
write_report(struct run *r, const struct report_view *v)
{
	int rc;

	if (fleet_count(r->fleet) == 1)
		rc = write_one(r, fleet_target(r->fleet, 0), v);
	else
		rc = write_many(r, v);
	if (rc == -1 || fflush(stdout) == EOF)
		return fail_errno("cannot write the report", errno);
	return 0;
}

static int
open_ui(struct run *r)
{
	struct ui_config uc;
	char err[256];

	memset(&uc, 0, sizeof(uc));
	uc.names = r->o.no_dns || (r->o.demo && r->rp == NULL) ? NAMES_ADDR
	                                                       : NAMES_HOST;
	uc.color = getenv("NO_COLOR") == NULL || *getenv("NO_COLOR") == '\0';
	uc.show_asn = r->o.show_asn;
	uc.show_mpls = r->o.show_mpls;
	uc.min_redraw_ms = 100;
	uc.wall = &clock_wall;
	r->ui = ui_open(&uc, stdin, stdout, NULL, err, sizeof(err));
	if (r->ui == NULL) /* no terminal: the wrong mode, use --report */
		return fail(
		    errno == ENOTTY ? EXIT_USAGE : EXIT_RUNTIME, "%s", err);
	xmalloc_set_fatal_hook(ui_emergency_restore);
	return 0;
}

/* A scenario's host name, sanitised like every string from a file. */
static int
scenario_name(void *ctx, const struct haddr *a, char *buf, size_t len)
{
	char raw[256];

	if (netsim_host_name(ctx, a, raw, sizeof(raw)) != 1)
		return 0;
	names_sanitize(raw, buf, len);
	return 1;
}

static int
hook_fds(void *ctx, fd_set *r, fd_set *w, fd_set *e, int maxfd)
{
	return metrics_fds(ctx, r, w, e, maxfd);
}

static int64_t
hook_deadline(void *ctx, int64_t now_ns)
{
	return metrics_next_deadline(ctx, now_ns);
}

static void
hook_process(void *ctx, const fd_set *r, const fd_set *w, const fd_set *e)
{
	metrics_process(ctx, r, w, e);
}

/* --metrics: listens (after the privilege drop); says where on stderr. */
static int
open_metrics(struct run *r)
{
	char err[512], ip[ADDR_STRLEN];
	const struct haddr *a = &r->o.metrics_addr;

	r->metrics = metrics_open(
	    a, r->o.metrics_port, HOPTOP_VERSION, err, sizeof(err));
	if (r->metrics == NULL)
		return fail(EXIT_RUNTIME, "%s", err);
	addr_str(a, ip, sizeof(ip));
	warnx("metrics at http://%s%s%s:%u/metrics",
	    a->family == AF_INET6 ? "[" : "", ip,
	    a->family == AF_INET6 ? "]" : "", metrics_port(r->metrics));
	r->headless = r->o.mode == MODE_MONITOR && !isatty(STDIN_FILENO);
	return 0;
}

/* Lets the loop run the metrics server and, headless, log events. */
static void
wire_metrics(struct run *r, struct loop_parts *lp, const struct namer *names)
{
	size_t n = fleet_count(r->fleet);

	if (r->metrics == NULL)
		return;
	r->mt = xcalloc(n, sizeof(*r->mt));
	for (size_t i = 0; i < n; i++) {
		struct fleet_target *t = fleet_target(r->fleet, i);

		r->mt[i].path = t->p;
		r->mt[i].name = t->name;
		r->mt[i].proto = t->meta.proto;
		r->mt[i].namer = r->o.no_dns        ? NULL
		                 : t->namer != NULL ? t->namer
		                                    : names;
	}
	metrics_set_targets(r->metrics, r->mt, n);
	r->metrics_hook = (struct loop_hook){
	    hook_fds, hook_deadline, hook_process, r->metrics};
	lp->hook = &r->metrics_hook;
	if (r->headless && lp->event_log == NULL)
		lp->event_log = stderr; /* unless --log names a file */
}

/* A replay that did not end cleanly says so (on stderr; stdout stays the
 * report's). */
static void
replay_warnings(struct run *r)
{
	if (r->rp == NULL)
		return;
	if (replay_problem(r->rp) != NULL)
		fail(0, "--replay %s: %s", r->o.replay_file,
		    replay_problem(r->rp));
	if (replay_diverged(r->rp) > 0)
		fail(0,
		    "--replay %s: %lu records did not match what the engine "
		    "did (the statistics may differ from the run's)",
		    r->o.replay_file, replay_diverged(r->rp));
}

/* Runs the loop in the chosen mode; returns the exit status. */
static int
run(struct run *r)
{
	struct loop_parts lp;
	struct report_view v;
	struct namer n;
	struct fleet_target *t0 = fleet_target(r->fleet, 0);
	int rc, sig;

	memset(&lp, 0, sizeof(lp));
	memset(&v, 0, sizeof(v));
	if (r->rp != NULL) { /* the names as recorded */
		r->replay_names = replay_namer(r->rp);
		v.namer = &r->replay_names;
		lp.namer = v.namer;
		lp.replay = playback_hooks(&r->pb, &r->lr, r->rp);
		lp.ui_clk = &clock_monotonic; /* the screen's pace is real */
	} else if (r->dns != NULL) {
		n = dns_namer(r->dns);
		v.namer = &n;
	} else if (r->ns != NULL) {
		v.namer = &r->sim_namer[0];
		lp.namer = v.namer;
	}
	/* One rule for every report format: names where any are known
	 * (the resolver's, or a simulated path's own), unless -n. */
	v.mode = r->o.no_dns || v.namer == NULL ? NAMES_ADDR : NAMES_HOST;
	lp.fleet = r->fleet;
	lp.dns = r->dns;
	lp.ui = r->ui;
	lp.clk = r->clk;
	lp.meta = &t0->meta;
	lp.export_dir = r->o.export_dir;
	lp.dns_enabled = r->dns != NULL && !r->o.no_dns;
	lp.event_log = r->log;
	if (r->o.mode == MODE_ONCE) {
		lp.once_out = stdout;
		lp.once_probes = r->o.probes;
		lp.once_view = &v;
		if (report_once_header(stdout, &t0->meta) != 0)
			return fail_errno("cannot write the output", errno);
	}
	wire_metrics(r, &lp, v.namer);
	if (r->o.record_file != NULL)
		record_set_namer(t0->t, v.namer);
	rc = loop_run(&lp);
	replay_warnings(r);
	sig = loop_stop_signal();
	ui_close(r->ui);
	r->ui = NULL;
	if (rc != 0)
		return fail_errno("select failed", errno);
	if (lp.once_errno != 0)
		return fail_errno("cannot write the output", lp.once_errno);
	if (r->o.mode == MODE_REPORT && write_report(r, &v) != 0)
		return EXIT_RUNTIME;
	if (r->headless) /* a service stopped the usual way */
		return sig == SIGHUP ? EXIT_RUNTIME : 0;
	return sig != 0 && sig != SIGINT ? EXIT_RUNTIME : 0;
}

static void
teardown(struct run *r)
{
	ui_close(r->ui);
	metrics_close(r->metrics);
	free(r->mt);
	dns_free(r->dns);
	fleet_free(r->fleet);
	replay_free(r->rp);
	net_prep_free(r->np);
	for (size_t i = 0; r->ns != NULL && i < r->tg.n; i++)
		netsim_free(r->ns[i]);
	free(r->ns);
	free(r->sim_namer);
	free(r->addr);
	targets_reset(&r->tg);
	if (r->log != NULL)
		fclose(r->log);
}

/* --log FILE: opened for appending, line-buffered (safe to tail -f). */
static int
open_log(struct run *r)
{
	if (r->o.log_file == NULL)
		return 0;
	r->log = fopen(r->o.log_file, "a");
	if (r->log == NULL)
		return fail(EXIT_RUNTIME,
		    "--log %s: %s (check the path and its permissions)",
		    r->o.log_file, strerror(errno));
	setvbuf(r->log, NULL, _IOLBF, 0);
	return 0;
}

/*
 * -o as given: an existing directory this user can write into (checked
 * at start, with privileges already dropped, not when s is pressed).
 * Returns 0, or -1 with a message.
 */
static int
check_export_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		snprintf(err, errlen, "-o: %s: %s (give an existing directory)",
		    dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		snprintf(err, errlen,
		    "-o: %s is not a directory (give a directory)", dir);
	else if (access(dir, W_OK | X_OK) != 0)
		snprintf(err, errlen,
		    "-o: %s: %s (give a directory you can write)", dir,
		    strerror(errno));
	else
		return 0;
	return -1;
}

/* 0, or 1 after saying why, if anything written to stdout was lost. */
static int
check_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		return fail_errno(
		    "cannot write the output", errno != 0 ? errno : EIO);
	return 0;
}

/* --help or --version. */
static int
print_info(const struct options *o)
{
	errno = 0;
	if (o->help) {
		fputs(cli_usage(), stdout);
		fputc('\n', stdout);
		ui_write_keys(stdout);
	} else {
		printf("hoptop %s\n", HOPTOP_VERSION);
	}
	return check_stdout();
}

/*
 * Every path but the network one (o == NULL: a bad command line) gives up
 * privilege before it opens, parses or resolves anything; the network path
 * opens its raw sockets first and drops then (open_transport). Returns 0,
 * or -1 after saying why.
 */
static int
drop_early(const struct options *o)
{
	char err[256];

	if (o != NULL && !o->demo && !o->help && !o->version &&
	    o->replay_file == NULL)
		return 0;
	if (priv_drop(err, sizeof(err)) == -1) {
		warnx("%s", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct run r;
	char err[512] = "";
	bool export_given;
	int status;

	status = cli_parse(argc, argv, &r.o, err, sizeof(err));
	if (drop_early(status == -1 ? NULL : &r.o) == -1)
		return EXIT_RUNTIME;
	if (status == -1)
		return fail(EXIT_USAGE, "%s", err);
	if (r.o.help || r.o.version)
		return print_info(&r.o);
	export_given = r.o.export_dir != NULL;
	r.clk = &clock_monotonic;
	r.start_ns = clock_mono_ns();
	r.wall_offset_ns = clock_real_ns() - r.start_ns;
	if (r.o.replay_file != NULL && open_replay(&r, err, sizeof(err)) == -1)
		return fail(EXIT_RUNTIME, "%s", err);
	if ((r.o.replay_file == NULL && /* a replay's pace is the run's */
	        priv_check_interval(r.o.interval_s, err, sizeof(err)) == -1) ||
	    cli_settle(&r.o, err, sizeof(err)) == -1) {
		teardown(&r);
		return fail(EXIT_USAGE, "%s", err);
	}
	if (targets_gather(&r.tg, &r.o, err, sizeof(err)) == -1) {
		teardown(&r);
		return fail(EXIT_USAGE, "%s", err);
	}
	loop_install_signals();
	if (r.rp == NULL && open_transport(&r, err, sizeof(err)) == -1) {
		teardown(&r);
		return fail(EXIT_RUNTIME, "%s", err);
	}
	if (export_given &&
	    check_export_dir(r.o.export_dir, err, sizeof(err)) == -1) {
		teardown(&r);
		return fail(EXIT_USAGE, "%s", err);
	}
	if (open_log(&r) != 0) {
		teardown(&r);
		return EXIT_RUNTIME;
	}
	if (r.o.record_file != NULL &&
	    open_record(&r, err, sizeof(err)) == -1) {
		teardown(&r);
		return fail(EXIT_RUNTIME, "%s", err);
	}
	make_engines(&r);
	if (r.rp != NULL)
		replay_on_end(r.rp, stop_engine, fleet_target(r.fleet, 0)->e);
	r.dns = open_dns(&r.o);
	if (r.o.metrics != NULL && open_metrics(&r) != 0) {
		teardown(&r);
		return EXIT_RUNTIME;
	}
	if (r.o.mode == MODE_MONITOR && !r.headless &&
	    (status = open_ui(&r)) != 0) {
		teardown(&r);
		return status;
	}
	status = run(&r);
	if (status == 0 && r.o.record_file != NULL &&
	    record_error(fleet_target(r.fleet, 0)->t) != 0)
		status = fail(EXIT_RUNTIME,
		    "--record %s: %s (the recording is incomplete)",
		    r.o.record_file, strerror(errno));
	teardown(&r);
	return status == 0 ? check_stdout() : status;
}
