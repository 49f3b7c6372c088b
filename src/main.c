/*
 * hoptop: argv -> options -> objects -> loop -> teardown in reverse order.
 * Wiring only; every decision lives in a module.
 */
#include <errno.h>
#include <netdb.h>
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
#include "hoptop/loop.h"
#include "hoptop/names.h"
#include "hoptop/metrics.h"
#include "hoptop/net.h"
#include "hoptop/netsim.h"
#include "hoptop/path.h"
#include "hoptop/playback.h"
#include "hoptop/record.h"
#include "hoptop/replay.h"
#include "hoptop/report.h"
#include "hoptop/sim.h"
#include "hoptop/ui.h"
#include "hoptop/xmalloc.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

struct run {
	struct options o;
	struct netsim *ns;
	struct net_prep *np;
	struct transport *t;
	struct path *p;
	struct engine *e;
	struct dns *dns;
	struct ui *ui;
	struct report_meta meta;
	struct namer sim_namer; /* --demo: the scenario's own host names */
	struct transport_params tp;
	struct metrics_server *metrics; /* --metrics, or NULL */
	struct metrics_target mt;
	struct loop_hook metrics_hook;
	bool headless; /* --metrics without a terminal: no screen */
	char host[256];
	char target_name[256];
	FILE *log; /* --log */
	/* --record / --replay (docs/RECORDING.md) */
	const struct hclock *clk; /* the engine's and the loop's */
	int64_t start_ns, wall_offset_ns;
	struct replay *rp;
	struct namer replay_names;
	struct playback pb;
	struct loop_replay lr;
};

/*
 * Prints "hoptop: MESSAGE" on stderr, sanitised (it may echo what the user
 * or a file gave); returns status for the caller.
 */
static int __attribute__((format(printf, 2, 3)))
fail(int status, const char *fmt, ...)
{
	char msg[1024], safe[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(
	    stderr, "hoptop: %s\n", names_sanitize(msg, safe, sizeof(safe)));
	return status;
}

/*
 * Resolves the target (a blocking lookup, before the loop starts). Returns
 * 0, or -1 with a message in err. Several addresses: the first of the
 * family asked for is traced, and stderr says so.
 */
static int
resolve_target(struct run *r, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	int rc, n = 0;
	char ip[ADDR_STRLEN];
	struct haddr numeric;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = r->o.family;
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo(r->o.target, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve '%s': %s%s", r->o.target,
		    gai_strerror(rc),
		    r->o.family != AF_UNSPEC ? " (for the family of -4/-6)"
		                             : "");
		return -1;
	}
	addr_from_sockaddr(res->ai_addr, &r->tp.target);
	for (ai = res; ai != NULL; ai = ai->ai_next)
		n++;
	freeaddrinfo(res);
	/* A name with several addresses: say which one is traced. */
	if (n > 1 && addr_parse(r->o.target, &numeric) != 0)
		fail(0, "%s has %d addresses, tracing %s", r->o.target, n,
		    addr_str(&r->tp.target, ip, sizeof(ip)));
	return 0;
}

/* Opens the network or the simulator and makes the transport. */
/* Protocol, port, flows and identifier of the probes, from the options. */
static void
probe_params(struct run *r)
{
	struct transport_params *tp = &r->tp;

	tp->proto = r->o.proto;
	tp->port = (uint16_t)(r->o.port != 0            ? r->o.port
	                      : r->o.proto == PROTO_TCP ? 80
	                                                : 33434);
	tp->flows = (uint16_t)r->o.flows;
	tp->ident = transport_random_ident(r->o.proto, tp->flows);
	tp->cookie = transport_random_cookie();
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
	fail(0, "no raw or ping sockets for this user (sysctl "
	        "net.ipv4.ping_group_range): probing with UDP");
	r->o.proto = PROTO_UDP;
	probe_params(r);
	return 0;
}

static int
open_transport(struct run *r, char *err, size_t errlen)
{
	struct transport_params *tp = &r->tp;

	probe_params(r);
	if (r->o.demo) {
		r->ns = r->o.demo_file != NULL
		            ? netsim_load(r->o.demo_file, err, errlen)
		            : netsim_demo();
		if (r->ns == NULL)
			return -1;
		/* without -4/-6: the scenario's IPv4 path, else its IPv6 one */
		tp->family = r->o.family != AF_UNSPEC ? r->o.family : AF_INET;
		if (r->o.family == AF_UNSPEC &&
		    netsim_target(r->ns, AF_INET, &tp->target) != 0)
			tp->family = AF_INET6;
		if (netsim_target(r->ns, tp->family, &tp->target) != 0) {
			snprintf(err, errlen, "the scenario has no IPv%c path",
			    tp->family == AF_INET6 ? '6' : '4');
			return -1;
		}
		names_sanitize(
		    netsim_name(r->ns), r->target_name, sizeof(r->target_name));
		r->t = sim_new(r->ns, tp, &clock_monotonic);
		return 0;
	}
	if (prepare_sockets(r, err, errlen) == -1 ||
	    net_drop_privileges(err, errlen) == -1)
		return -1;
	if (resolve_target(r, err, errlen) == -1)
		return -1;
	tp->family = r->tp.target.family;
	names_sanitize(r->o.target, r->target_name, sizeof(r->target_name));
	r->t = net_transport_new(r->np, tp, err, errlen);
	return r->t == NULL ? -1 : 0;
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
	r->tp = h->tp;
	o->proto = h->tp.proto;
	o->port = h->tp.port;
	o->flows = h->tp.flows;
	o->first_ttl = h->first_ttl;
	o->max_ttl = h->max_ttl;
	o->probes = h->probes;
	o->interval_s = h->interval_s;
	o->timeout_s = h->timeout_s;
	o->count = (long)h->count;
	o->show_mpls = o->show_mpls || h->show_mpls;
	o->demo = h->simulated;
	snprintf(r->target_name, sizeof(r->target_name), "%s", h->target_name);
	r->t = replay_transport(r->rp);
	r->clk = replay_clock(r->rp);
	r->start_ns = h->start_ns;
	r->wall_offset_ns = h->wall_offset_ns;
	if (o->mode != MODE_MONITOR) /* reports: as fast as possible */
		replay_set_speed(r->rp, 0);
	return 0;
}

/*
 * --record FILE: wraps the transport in the recording tee, with the
 * header a replay needs (options, identity, start time).
 */
static int
open_record(struct run *r, char *err, size_t errlen)
{
	static const char *const modes[] = {"monitor", "report", "once"};
	struct recording_header h;
	struct transport *t;

	memset(&h, 0, sizeof(h));
	h.format = RECORDING_FORMAT;
	snprintf(h.version, sizeof(h.version), "%s", HOPTOP_VERSION);
	snprintf(h.mode, sizeof(h.mode), "%s", modes[r->o.mode]);
	h.tp = r->t->params;
	snprintf(h.method, sizeof(h.method), "%s", r->t->ops->method(r->t));
	r->t->ops->source(r->t, &h.source);
	snprintf(h.host, sizeof(h.host), "%s", r->host);
	snprintf(h.target_name, sizeof(h.target_name), "%s", r->target_name);
	h.simulated = r->o.demo;
	h.first_ttl = r->o.first_ttl;
	h.max_ttl = r->o.max_ttl;
	h.probes = r->o.probes;
	h.interval_s = r->o.interval_s;
	h.timeout_s = r->o.timeout_s;
	h.count = r->o.count > 0 ? (unsigned)r->o.count : 0;
	h.start_ns = r->start_ns;
	h.wall_offset_ns = r->wall_offset_ns;
	h.started = (int64_t)r->meta.started;
	h.show_mpls = r->o.show_mpls;
	h.show_asn = r->o.show_asn;
	t = record_new(r->t, r->o.record_file, &h, err, errlen);
	if (t == NULL)
		return -1;
	r->t = t;
	return 0;
}

/* The stop at the end of a recording: no cycle the run did not send. */
static void
stop_engine(void *ctx)
{
	engine_stop(ctx);
}

static void
fill_meta(struct run *r)
{
	struct report_meta *m = &r->meta;
	char host[sizeof(r->host)] = "";

	gethostname(host, sizeof(host) - 1);
	names_sanitize(host, r->host, sizeof(r->host));
	if (r->rp != NULL) /* the host the run was recorded on */
		snprintf(
		    r->host, sizeof(r->host), "%s", replay_header(r->rp)->host);
	m->version = HOPTOP_VERSION;
	m->source_host = r->host;
	m->target_name = r->target_name;
	m->target_addr = r->tp.target;
	m->proto = packet_proto_name(r->o.proto);
	m->method = r->t->ops->method(r->t);
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

static void
make_engine(struct run *r)
{
	struct engine_config c;

	memset(&c, 0, sizeof(c));
	c.first_ttl = r->o.first_ttl;
	c.max_ttl = r->o.max_ttl;
	c.probes = r->o.probes;
	c.flows = r->o.flows;
	c.interval_ns = (int64_t)(r->o.interval_s * NS_PER_S);
	c.timeout_ns = (int64_t)(r->o.timeout_s * NS_PER_S);
	c.count = r->o.count > 0 ? (unsigned)r->o.count : 0;
	c.wall_offset_ns = r->wall_offset_ns;
	r->p = path_new(&r->tp.target, r->o.first_ttl, r->o.max_ttl);
	r->e = engine_new(&c, r->t, r->p, r->clk);
	if (r->o.ping_ttl != 0)
		engine_ping_hop(r->e, r->o.ping_ttl);
}

/* Mode defaults the command line leaves open. */
static int
settle_options(struct options *o, char *err, size_t errlen)
{
	if (o->probes == 0)
		o->probes = o->mode == MODE_ONCE ? 3 : 1;
	if (o->count < 0)
		o->count = o->mode == MODE_REPORT ? 10 : 0;
	if (o->mode == MODE_ONCE)
		o->count = 1;
	if (o->replay_file == NULL &&
	    net_check_interval(o->interval_s, err, errlen) == -1)
		return -1;
	if (o->export_dir == NULL)
		o->export_dir = ".";
	if (o->ping_ttl != 0 && o->proto != PROTO_ICMP) {
		snprintf(err, errlen,
		    "--ping-hop: pings are ICMP Echo Requests; use it with "
		    "ICMP probes (-I), not -u or -T");
		return -1;
	}
	if (o->ping_ttl != 0 &&
	    (o->ping_ttl < o->first_ttl || o->ping_ttl > o->max_ttl)) {
		snprintf(err, errlen,
		    "--ping-hop: TTL %d is outside -f %d .. "
		    "-m %d",
		    o->ping_ttl, o->first_ttl, o->max_ttl);
		return -1;
	}
	return 0;
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
	    o->asn_zone != NULL ? o->asn_zone : "origin.asn.cymru.com", NULL,
	    err, sizeof(err));
	if (d == NULL)
		fail(0, "names are off: %s", err);
	else
		dns_enable_asn(d, o->show_asn);
	return d;
}

static int
write_report(struct run *r, const struct report_view *v)
{
	int rc;

	r->meta.ended =
	    r->rp != NULL ? (time_t)replay_wall_s(r->rp) : time(NULL);
	if (r->rp != NULL)
		r->meta.reset = (time_t)replay_reset_wall_s(r->rp);
	r->meta.method = r->t->ops->method(r->t); /* it may have changed */
	switch (r->o.format) {
	case FMT_JSON:
		rc = report_write_json(stdout, r->p, &r->meta, v);
		break;
	case FMT_CSV:
		rc = report_write_csv(stdout, r->p, &r->meta, v);
		break;
	case FMT_MARKDOWN:
		rc = report_write_markdown(stdout, r->p, &r->meta, v);
		break;
	default:
		rc = report_write_text(stdout, r->p, &r->meta, v);
		break;
	}
	if (rc == -1 || fflush(stdout) == EOF)
		return fail(EXIT_RUNTIME, "cannot write the report: %s",
		    strerror(errno));
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
	fprintf(stderr, "hoptop: metrics at http://%s%s%s:%u/metrics\n",
	    a->family == AF_INET6 ? "[" : "", ip,
	    a->family == AF_INET6 ? "]" : "", metrics_port(r->metrics));
	r->headless = r->o.mode == MODE_MONITOR && !isatty(STDIN_FILENO);
	return 0;
}

/* Lets the loop run the metrics server and, headless, log events. */
static void
wire_metrics(struct run *r, struct loop_parts *lp, const struct namer *names)
{
	if (r->metrics == NULL)
		return;
	r->mt.path = r->p;
	r->mt.name = r->target_name;
	r->mt.proto = r->meta.proto;
	r->mt.namer = r->o.no_dns ? NULL : names;
	metrics_set_targets(r->metrics, &r->mt, 1);
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
	int rc, sig;

	memset(&lp, 0, sizeof(lp));
	memset(&v, 0, sizeof(v));
	if (r->rp != NULL) { /* the names as recorded */
		r->replay_names = replay_namer(r->rp);
		v.namer = &r->replay_names;
		lp.namer = v.namer;
		lp.replay = playback_hooks(&r->pb, &r->lr, r->rp);
		lp.ui_clk = &clock_monotonic;
	} else if (r->dns != NULL) {
		n = dns_namer(r->dns);
		v.namer = &n;
	} else if (r->ns != NULL) {
		r->sim_namer = (struct namer){scenario_name, NULL, r->ns};
		v.namer = &r->sim_namer;
		lp.namer = v.namer;
	}
	/* One rule for every report format: names where any are known
	 * (the resolver's, or a simulated path's own), unless -n. */
	v.mode = r->o.no_dns || v.namer == NULL ? NAMES_ADDR : NAMES_HOST;
	lp.engine = r->e;
	lp.path = r->p;
	lp.transport = r->t;
	lp.dns = r->dns;
	lp.ui = r->ui;
	lp.clk = r->clk;
	lp.meta = &r->meta;
	lp.export_dir = r->o.export_dir;
	lp.dns_enabled = r->dns != NULL && !r->o.no_dns;
	lp.event_log = r->log;
	if (r->o.mode == MODE_ONCE) {
		lp.once_out = stdout;
		lp.once_probes = r->o.probes;
		lp.once_view = &v;
		if (report_once_header(stdout, &r->meta) != 0)
			return fail(EXIT_RUNTIME, "cannot write the output: %s",
			    strerror(errno));
	}
	wire_metrics(r, &lp, v.namer);
	if (r->o.record_file != NULL)
		record_set_namer(r->t, v.namer);
	rc = loop_run(&lp);
	replay_warnings(r);
	sig = loop_stop_signal();
	ui_close(r->ui);
	r->ui = NULL;
	if (rc != 0)
		return fail(EXIT_RUNTIME, "select failed: %s", strerror(errno));
	if (lp.once_errno != 0)
		return fail(EXIT_RUNTIME, "cannot write the output: %s",
		    strerror(lp.once_errno));
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
	dns_free(r->dns);
	engine_free(r->e);
	path_free(r->p);
	transport_free(r->t);
	replay_free(r->rp);
	net_prep_free(r->np);
	netsim_free(r->ns);
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
		return fail(EXIT_RUNTIME, "cannot write the output: %s",
		    strerror(errno != 0 ? errno : EIO));
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
	if (net_drop_privileges(err, sizeof(err)) == -1) {
		fail(EXIT_RUNTIME, "%s", err);
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
	if (settle_options(&r.o, err, sizeof(err)) == -1) {
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
	fill_meta(&r);
	if (r.o.record_file != NULL &&
	    open_record(&r, err, sizeof(err)) == -1) {
		teardown(&r);
		return fail(EXIT_RUNTIME, "%s", err);
	}
	make_engine(&r);
	if (r.rp != NULL)
		replay_on_end(r.rp, stop_engine, r.e);
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
	if (status == 0 && r.o.record_file != NULL && record_error(r.t) != 0)
		status = fail(EXIT_RUNTIME,
		    "--record %s: %s (the recording is "
		    "incomplete)",
		    r.o.record_file, strerror(errno));
	teardown(&r);
	return status == 0 ? check_stdout() : status;
}
