/*
 * Unit tests for loop: the one select() loop, run for real (real clock,
 * real select) over the in-process simulator with no screen, the way a
 * report run uses it: it ends when the engine is done, writes timeline
 * events as JSON lines to --log, lets another user of select() (the
 * metrics server) join the sets, and ends on a stop signal.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "hoptop/loop.h"
#include "hoptop/netsim.h"
#include "hoptop/sim.h"

#define IDENT 0x4242

/* 5 hops; after 100 ms hop 3 answers from another address. */
static const char moving_json[] =
    "{\"name\": \"moving\", \"seed\": 5,"
    " \"source\": {\"v4\": \"10.78.0.2\"}, \"target\": {\"v4\": \"10.78.9.1\"},"
    " \"hops\": [{\"addrs\": [\"10.78.1.1\"], \"delay_ms\": 1},"
    "  {\"addrs\": [\"10.78.2.1\"], \"delay_ms\": 1},"
    "  {\"addrs\": [\"10.78.3.1\"], \"delay_ms\": 1},"
    "  {\"addrs\": [\"10.78.4.1\"], \"delay_ms\": 1}, {\"delay_ms\": 1}],"
    " \"changes\": [{\"at_ms\": 100, \"hops\": ["
    "  {\"addrs\": [\"10.78.1.1\"], \"delay_ms\": 1},"
    "  {\"addrs\": [\"10.78.2.1\"], \"delay_ms\": 1},"
    "  {\"addrs\": [\"10.78.33.1\"], \"delay_ms\": 1},"
    "  {\"addrs\": [\"10.78.4.1\"], \"delay_ms\": 1}, {\"delay_ms\": 1}]}]}";

struct rig {
	struct netsim *ns;
	struct fleet *fleet; /* owns t, p, e */
	struct transport *t;
	struct path *p;
	struct engine *e;
	struct report_meta meta;
	struct loop_parts lp;
};

/* count cycles every interval_ms over ns (owned), probes lost after 50 ms */
static void
rig_start(struct rig *r, struct netsim *ns, unsigned count, int interval_ms)
{
	struct transport_params tp = {.family = AF_INET,
	    .proto = PROTO_ICMP,
	    .port = 33434,
	    .ident = IDENT,
	    .flows = 1};
	struct engine_config cfg = {.first_ttl = 1,
	    .max_ttl = 30,
	    .probes = 1,
	    .flows = 1,
	    .interval_ns = interval_ms * NS_PER_MS,
	    .timeout_ns = 50 * NS_PER_MS,
	    .count = count};
	struct fleet_target *ft;

	memset(r, 0, sizeof(*r));
	assert_non_null(ns);
	r->ns = ns;
	assert_int_equal(netsim_target(ns, AF_INET, &tp.target), 0);
	r->t = sim_new(ns, &tp, &clock_monotonic);
	assert_non_null(r->t);
	r->p = path_new(&tp.target, 1, 30);
	assert_non_null(r->p);
	r->e = engine_new(&cfg, r->t, r->p, &clock_monotonic);
	assert_non_null(r->e);
	r->fleet = fleet_new(1);
	ft = fleet_add(r->fleet, "moving");
	ft->t = r->t;
	ft->p = r->p;
	ft->e = r->e;
	r->lp = (struct loop_parts){
	    .fleet = r->fleet, .clk = &clock_monotonic, .meta = &r->meta};
}

static void
rig_free(struct rig *r)
{
	fleet_free(r->fleet);
	netsim_free(r->ns);
}

/* A report run: the loop returns 0 once count cycles have settled, on
 * the first target (the loop selects it), and keeps its state to itself:
 * the parts it was given come back byte for byte (once_errno still 0). */
static void
test_loop_run_ends_when_the_engine_is_done(void **state)
{
	struct rig r;
	struct loop_parts given;
	int64_t t0 = clock_mono_ns();

	(void)state;
	rig_start(&r, netsim_demo(), 3, 20);
	memcpy(&given, &r.lp, sizeof(given));
	assert_int_equal(loop_run(&r.lp), 0);
	assert_memory_equal(&r.lp, &given, sizeof(given));
	assert_true(engine_done(r.e));
	assert_int_equal(r.p->cycles, 3);
	assert_int_equal(r.p->dest_ttl, 10);
	for (int ttl = 1; ttl <= 10; ttl++)
		assert_int_equal(path_hop(r.p, ttl)->st.sent, 3);
	assert_int_equal(path_hop(r.p, 1)->st.received, 3);
	assert_int_equal(path_hop(r.p, 6)->st.received, 0); /* silent hop */
	assert_int_equal(path_hop(r.p, 10)->st.received, 3);
	/* 2 intervals and the last cycle's timeout, not whole seconds */
	assert_true(clock_mono_ns() - t0 < 2 * NS_PER_S);
	assert_int_equal(loop_stop_signal(), 0);
	rig_free(&r);
}

/* --log: the route change on hop 3 as one JSON line, nothing else. */
static void
test_loop_run_logs_timeline_events(void **state)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	struct rig r;
	json_t *ev;
	json_error_t je;

	(void)state;
	rig_start(&r, netsim_parse(moving_json, err, sizeof(err)), 12, 20);
	r.lp.event_log = open_memstream(&buf, &len);
	assert_non_null(r.lp.event_log);
	assert_int_equal(loop_run(&r.lp), 0);
	assert_int_equal(fclose(r.lp.event_log), 0);
	/* one line: one event */
	assert_true(len > 0 && strchr(buf, '\n') == buf + len - 1);
	ev = json_loads(buf, JSON_DISABLE_EOF_CHECK, &je);
	assert_non_null(ev);
	assert_string_equal(
	    json_string_value(json_object_get(ev, "kind")), "route_change");
	assert_int_equal(json_integer_value(json_object_get(ev, "ttl")), 3);
	assert_string_equal(
	    json_string_value(json_object_get(ev, "from")), "10.78.3.1");
	assert_string_equal(
	    json_string_value(json_object_get(ev, "to")), "10.78.33.1");
	json_decref(ev);
	free(buf);
	rig_free(&r);
}

/* ---- another user of select() ---- */

struct hook_state {
	int fd, wfd;          /* a pipe's read and write ends */
	const struct path *p; /* the second byte once it has 5 cycles */
	unsigned fds_calls;   /* times its fds were asked for */
	unsigned reads;       /* times it was readable in process */
	int raise_after;      /* reads: then raise SIGTERM (0: never) */
};

static int
hook_fds(void *ctx, fd_set *r, fd_set *w, fd_set *e, int maxfd)
{
	struct hook_state *hs = ctx;

	(void)w;
	(void)e;
	hs->fds_calls++;
	FD_SET(hs->fd, r);
	return hs->fd > maxfd ? hs->fd : maxfd;
}

static int64_t
hook_deadline(void *ctx, int64_t now_ns)
{
	(void)ctx;
	(void)now_ns;
	return CLOCK_NEVER;
}

static void
hook_process(void *ctx, const fd_set *r, const fd_set *w, const fd_set *e)
{
	struct hook_state *hs = ctx;
	char c;

	(void)w;
	(void)e;
	if (hs->wfd >= 0 && hs->p->cycles >= 5) {
		assert_int_equal(write(hs->wfd, "b", 1), 1);
		hs->wfd = -1;
	}
	if (!FD_ISSET(hs->fd, r))
		return;
	assert_int_equal(read(hs->fd, &c, 1), 1);
	hs->reads++;
	if (hs->raise_after > 0 && hs->reads == (unsigned)hs->raise_after)
		raise(SIGTERM);
}

/*
 * The hook's fd joins the sets: a byte written before the run is read by
 * the hook, once; a second one, written when 5 cycles have started, wakes
 * the select and is read too. Then a stop signal (SIGTERM from inside the
 * loop) ends the run early, long before its 1000 cycles.
 */
static void
test_loop_hook_joins_select_and_a_signal_stops(void **state)
{
	struct hook_state hs = {0};
	struct loop_hook hook = {hook_fds, hook_deadline, hook_process, &hs};
	int pfd[2];
	struct rig r;

	(void)state;
	loop_install_signals();
	assert_int_equal(pipe(pfd), 0);
	rig_start(&r, netsim_demo(), 1000, 20);
	hs.fd = pfd[0];
	hs.wfd = pfd[1];
	hs.p = r.p;
	hs.raise_after = 2;
	r.lp.hook = &hook;
	assert_int_equal(write(pfd[1], "a", 1), 1);
	assert_int_equal(loop_run(&r.lp), 0);
	assert_int_equal(loop_stop_signal(), SIGTERM);
	assert_int_equal(hs.reads, 2);
	assert_int_equal(hs.wfd, -1);
	assert_true(hs.fds_calls >= 2);
	assert_true(r.p->cycles >= 5 && r.p->cycles < 1000);
	assert_true(path_hop(r.p, 1)->st.received >= 4);
	close(pfd[0]);
	close(pfd[1]);
	rig_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loop_run_ends_when_the_engine_is_done),
	    cmocka_unit_test(test_loop_run_logs_timeline_events),
	    /* last: it leaves the stop flag set */
	    cmocka_unit_test(test_loop_hook_joins_select_and_a_signal_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
