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
#include <time.h>
#include <unistd.h>

#include "hoptop/cli.h"
#include "hoptop/dns.h"
#include "hoptop/engine.h"
#include "hoptop/loop.h"
#include "hoptop/net.h"
#include "hoptop/netsim.h"
#include "hoptop/path.h"
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
	char host[256];
	char target_name[256];
	FILE *log; /* --log */
};

/* Prints "hoptop: MESSAGE" on stderr; returns status for the caller. */
static int __attribute__((format(printf, 2, 3)))
fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("hoptop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
		fprintf(stderr, "hoptop: %s has %d addresses, tracing %s\n",
		    r->o.target, n, addr_str(&r->tp.target, ip, sizeof(ip)));
	return 0;
}

/* Opens the network or the simulator and makes the transport. */
static int
open_transport(struct run *r, char *err, size_t errlen)
{
	struct transport_params *tp = &r->tp;

	tp->proto = r->o.proto;
	tp->port = (uint16_t)(r->o.port != 0            ? r->o.port
	                      : r->o.proto == PROTO_TCP ? 80
	                                                : 33434);
	tp->flows = (uint16_t)r->o.flows;
	tp->ident = (uint16_t)(getpid() & 0xffff);
	if (r->o.proto != PROTO_ICMP)
		tp->ident = (uint16_t)(33000 + getpid() % 16000);
	if (r->o.demo) {
		r->ns = r->o.demo_file != NULL
		            ? netsim_load(r->o.demo_file, err, errlen)
		            : netsim_demo();
		if (r->ns == NULL)
			return -1;
		tp->family = r->o.family == AF_INET6 ? AF_INET6 : AF_INET;
		if (netsim_target(r->ns, tp->family, &tp->target) != 0) {
			snprintf(err, errlen, "the scenario has no IPv%c path",
			    tp->family == AF_INET6 ? '6' : '4');
			return -1;
		}
		snprintf(r->target_name, sizeof(r->target_name), "%s",
		    netsim_name(r->ns));
		r->t = sim_new(r->ns, tp, &clock_monotonic);
		return 0;
	}
	r->np = net_prepare(r->o.proto, r->o.method, err, errlen);
	if (r->np == NULL || net_drop_privileges(err, errlen) == -1)
		return -1;
	if (resolve_target(r, err, errlen) == -1)
		return -1;
	tp->family = r->tp.target.family;
	snprintf(r->target_name, sizeof(r->target_name), "%s", r->o.target);
	r->t = net_transport_new(r->np, tp, err, errlen);
	return r->t == NULL ? -1 : 0;
}

static void
fill_meta(struct run *r)
{
	struct report_meta *m = &r->meta;

	gethostname(r->host, sizeof(r->host) - 1);
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
	c.wall_offset_ns = clock_real_ns() - clock_mono_ns();
	r->p = path_new(&r->tp.target, r->o.first_ttl, r->o.max_ttl);
	r->e = engine_new(&c, r->t, r->p, &clock_monotonic);
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
	if (o->interval_s < 0.1 && getuid() != 0) {
		snprintf(err, errlen,
		    "-i: intervals below 0.1 s need root "
		    "(use -i 0.1 or more)");
		return -1;
	}
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

	if (o->demo || (o->no_dns && !o->show_asn && o->mode != MODE_MONITOR))
		return NULL;
	d = dns_new(&clock_monotonic,
	    o->asn_zone != NULL ? o->asn_zone : "origin.asn.cymru.com", NULL,
	    err, sizeof(err));
	if (d == NULL)
		fprintf(stderr, "hoptop: names are off: %s\n", err);
	else
		dns_enable_asn(d, o->show_asn);
	return d;
}

static int
write_report(struct run *r, const struct report_view *v)
{
	int rc;

	r->meta.ended = time(NULL);
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
	uc.names = r->o.no_dns || r->o.demo ? NAMES_ADDR : NAMES_HOST;
	uc.color = getenv("NO_COLOR") == NULL || *getenv("NO_COLOR") == '\0';
	uc.show_asn = r->o.show_asn;
	uc.show_mpls = r->o.show_mpls;
	uc.min_redraw_ms = 100;
	r->ui = ui_open(&uc, stdin, stdout, NULL, err, sizeof(err));
	if (r->ui == NULL)
		return fail(EXIT_RUNTIME, "%s", err);
	xmalloc_set_fatal_hook(ui_emergency_restore);
	return 0;
}

static int
scenario_name(void *ctx, const struct haddr *a, char *buf, size_t len)
{
	return netsim_host_name(ctx, a, buf, len);
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
	if (r->dns != NULL) {
		n = dns_namer(r->dns);
		v.namer = &n;
	} else if (r->ns != NULL) {
		r->sim_namer = (struct namer){scenario_name, NULL, r->ns};
		v.namer = &r->sim_namer;
		lp.namer = v.namer;
	}
	v.mode = r->o.no_dns || r->dns == NULL ? NAMES_ADDR : NAMES_HOST;
	lp.engine = r->e;
	lp.path = r->p;
	lp.transport = r->t;
	lp.dns = r->dns;
	lp.ui = r->ui;
	lp.clk = &clock_monotonic;
	lp.meta = &r->meta;
	lp.export_dir = r->o.export_dir;
	lp.dns_enabled = r->dns != NULL && !r->o.no_dns;
	lp.event_log = r->log;
	if (r->o.mode == MODE_ONCE) {
		lp.once_out = stdout;
		lp.once_probes = r->o.probes;
		lp.once_view = &v;
		report_once_header(stdout, &r->meta);
		fflush(stdout);
	}
	rc = loop_run(&lp);
	sig = loop_stop_signal();
	ui_close(r->ui);
	r->ui = NULL;
	if (rc != 0)
		return fail(EXIT_RUNTIME, "select failed: %s", strerror(errno));
	if (r->o.mode == MODE_REPORT && write_report(r, &v) != 0)
		return EXIT_RUNTIME;
	return sig == SIGTERM || sig == SIGHUP ? EXIT_RUNTIME : 0;
}

static void
teardown(struct run *r)
{
	ui_close(r->ui);
	dns_free(r->dns);
	engine_free(r->e);
	path_free(r->p);
	transport_free(r->t);
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

int
main(int argc, char **argv)
{
	static struct run r;
	char err[512] = "";
	int status;

	if (cli_parse(argc, argv, &r.o, err, sizeof(err)) == -1)
		return fail(EXIT_USAGE, "%s", err);
	if (r.o.help) {
		fputs(cli_usage(), stdout);
		return 0;
	}
	if (r.o.version) {
		printf("hoptop %s\n", HOPTOP_VERSION);
		return 0;
	}
	if (settle_options(&r.o, err, sizeof(err)) == -1)
		return fail(EXIT_USAGE, "%s", err);
	loop_install_signals();
	if (open_transport(&r, err, sizeof(err)) == -1) {
		teardown(&r);
		return fail(EXIT_RUNTIME, "%s", err);
	}
	if (open_log(&r) != 0) {
		teardown(&r);
		return EXIT_RUNTIME;
	}
	fill_meta(&r);
	make_engine(&r);
	r.dns = open_dns(&r.o);
	if (r.o.mode == MODE_MONITOR && open_ui(&r) != 0) {
		teardown(&r);
		return EXIT_RUNTIME;
	}
	status = run(&r);
	teardown(&r);
	return status;
}
