/*
 * Record and replay on the simulator with a fake clock: a run is driven as
 * the loop drives it (read replies, keys, expire, send; the pass's own
 * clock a little later than the read), recorded through the record tee;
 * the recording is replayed through the replay transport and clock into a
 * second engine and path, driven by the same kind of pass. Every field of
 * the two path models must agree (hops, Snt, Rcv, lost, RTTs, deviation,
 * jitter, responders, events), with keys pressed during the run (probes
 * per hop, pause, resume, reset, ping-the-hop) re-applied from the file.
 * Then cut-off recordings, and headers that are not a recording's.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "hoptop/engine.h"
#include "hoptop/netsim.h"
#include "hoptop/record.h"
#include "hoptop/replay.h"
#include "hoptop/sim.h"

#define SCENARIOS HOPTOP_TEST_DATA "/scenarios"
#define T0        (5000 * NS_PER_S)
#define WALL0     (1700000000LL * NS_PER_S)
#define MAX_STEPS 400000
/* the loop's clock after reading replies: a few microseconds on */
#define PASS_NS (7 * NS_PER_US)

struct fake {
	struct hclock hc;
	int64_t now;
};

static int64_t
fake_now(const struct hclock *c)
{
	return ((const struct fake *)c->ctx)->now;
}

/* A key pressed at a time, as the loop would apply it. */
struct key {
	int64_t at_ns;
	char what; /* + - p r P */
};

static void
press(struct engine *e, char what)
{
	switch (what) {
	case '+':
		engine_set_probes(e, engine_probes(e) + 1);
		break;
	case '-':
		engine_set_probes(e, engine_probes(e) - 1);
		break;
	case 'p':
		engine_pause(e, !engine_paused(e));
		break;
	case 'r':
		engine_reset(e);
		break;
	case 'P':
		engine_ping_hop(e, engine_ping_ttl(e) == 0 ? 3 : 0);
		break;
	default:
		break;
	}
}

/*
 * The live run: passes at the nearest deadline (or key), replies read at
 * now, then keys, then expire and send at now + PASS_NS.
 */
static void
run_live(struct engine *e, struct transport *t, struct fake *f,
    const struct key *keys, int nkeys)
{
	int k = 0;

	for (int step = 0; step < MAX_STEPS && !engine_done(e); step++) {
		int64_t d = engine_next_deadline(e);

		if (k < nkeys && keys[k].at_ns < d)
			d = keys[k].at_ns;
		if (d > f->now)
			f->now = d;
		if (t->ops->next_deadline(t) <= f->now)
			engine_read_replies(e);
		while (k < nkeys && keys[k].at_ns <= f->now)
			press(e, keys[k++].what);
		f->now += PASS_NS;
		engine_expire(e, f->now);
		engine_send_due(e, f->now);
	}
	assert_true(engine_done(e));
}

/* The replay: the loop's pass over the replay clock, as fast as it goes. */
static void
run_replay(struct engine *e, struct replay *rp)
{
	const struct hclock *c = replay_clock(rp);
	struct transport *t = replay_transport(rp);
	int64_t now;

	for (int step = 0; step < MAX_STEPS; step++) {
		if (engine_done(e) && replay_at_end(rp))
			return;
		now = clock_now(c);
		c->wait(c, engine_next_deadline(e) - now > 0
		               ? engine_next_deadline(e) - now
		               : 0);
		now = clock_now(c);
		if (t->ops->next_deadline(t) <= now)
			engine_read_replies(e);
		engine_expire(e, now);
		engine_send_due(e, now);
	}
	fail_msg("the replay did not end in %d passes", MAX_STEPS);
}

static void
stats_equal(const struct stats *a, const struct stats *b, int ttl)
{
	if (a->sent != b->sent || a->received != b->received ||
	    a->lost != b->lost || a->last_ns != b->last_ns ||
	    a->best_ns != b->best_ns || a->worst_ns != b->worst_ns ||
	    a->mean_ns != b->mean_ns || a->m2 != b->m2 ||
	    a->jsum_ns != b->jsum_ns || a->jint_ns != b->jint_ns)
		fail_msg("hop %d: sent %u/%u received %u/%u lost %u/%u "
		         "mean %.0f/%.0f best %lld/%lld",
		    ttl, a->sent, b->sent, a->received, b->received, a->lost,
		    b->lost, a->mean_ns, b->mean_ns, (long long)a->best_ns,
		    (long long)b->best_ns);
}

/* Every field of two path models, hop by hop, responder by responder. */
static void
paths_equal(const struct path *a, const struct path *b)
{
	assert_int_equal(a->cycles, b->cycles);
	assert_int_equal(a->dest_ttl, b->dest_ttl);
	assert_int_equal(a->nresponders, b->nresponders);
	assert_int_equal(a->nevents, b->nevents);
	for (int ttl = a->first_ttl; ttl <= a->max_ttl; ttl++) {
		const struct hop *x = path_hop(a, ttl), *y = path_hop(b, ttl);

		stats_equal(&x->st, &y->st, ttl);
		stats_equal(&x->ping, &y->ping, ttl);
		assert_int_equal(x->nresp, y->nresp);
		for (int i = 0; i < x->nresp; i++) {
			assert_true(
			    addr_eq(&x->resp[i].addr, &y->resp[i].addr));
			stats_equal(&x->resp[i].st, &y->resp[i].st, ttl);
			assert_true(x->resp[i].flows == y->resp[i].flows);
			assert_int_equal(x->resp[i].mpls.n, y->resp[i].mpls.n);
		}
	}
	for (unsigned i = 0; i < a->nevents && i < PATH_MAX_EVENTS; i++) {
		const struct path_event *x = path_event(a, i);
		const struct path_event *y = path_event(b, i);

		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->ttl, y->ttl);
		assert_true(x->t_ns == y->t_ns);
		assert_int_equal(x->cycle, y->cycle);
	}
}

struct live {
	struct netsim *ns;
	struct fake f;
	struct path *p;
	struct engine *e;
	struct transport *t;
	struct engine_config c;
};

/* Records scenario `name` with the keys into file; keeps the live path. */
static void
record_run(struct live *L, const char *name, const char *file,
    enum probe_proto proto, int probes, int flows, const struct key *keys,
    int nkeys)
{
	char path[512], err[256];
	struct transport_params tp;
	struct recording_header h;

	memset(L, 0, sizeof(*L));
	snprintf(path, sizeof(path), "%s/%s.json", SCENARIOS, name);
	L->ns = netsim_load(path, err, sizeof(err));
	assert_non_null(L->ns);
	L->f.hc.now_ns = fake_now;
	L->f.hc.ctx = &L->f;
	L->f.now = T0;
	memset(&tp, 0, sizeof(tp));
	tp.family = AF_INET;
	tp.proto = proto;
	tp.port = 33434;
	tp.ident = 0x4321;
	tp.flows = (uint16_t)flows;
	tp.cookie = 0xfeedf00d;
	assert_int_equal(netsim_target(L->ns, AF_INET, &tp.target), 0);
	L->t = sim_new(L->ns, &tp, &L->f.hc);
	assert_non_null(L->t);
	memset(&h, 0, sizeof(h));
	h.format = RECORDING_FORMAT;
	snprintf(h.version, sizeof(h.version), "test");
	snprintf(h.mode, sizeof(h.mode), "report");
	h.tp = tp;
	snprintf(h.method, sizeof(h.method), "simulated");
	snprintf(h.host, sizeof(h.host), "testhost");
	snprintf(h.target_name, sizeof(h.target_name), "%s", name);
	h.simulated = true;
	h.first_ttl = 1;
	h.max_ttl = 30;
	h.probes = probes;
	h.interval_s = 0.5;
	h.timeout_s = 2;
	h.count = 20;
	h.start_ns = T0;
	h.wall_offset_ns = WALL0 - T0;
	h.started = WALL0 / NS_PER_S;
	L->t = record_new(L->t, file, &h, err, sizeof(err));
	assert_non_null(L->t);
	L->c.first_ttl = 1;
	L->c.max_ttl = 30;
	L->c.probes = probes;
	L->c.flows = flows;
	L->c.interval_ns = NS_PER_S / 2;
	L->c.timeout_ns = 2 * NS_PER_S;
	L->c.count = 20;
	L->c.wall_offset_ns = h.wall_offset_ns;
	L->p = path_new(&tp.target, 1, 30);
	L->e = engine_new(&L->c, L->t, L->p, &L->f.hc);
	run_live(L->e, L->t, &L->f, keys, nkeys);
	assert_int_equal(record_error(L->t), 0);
	transport_free(L->t); /* writes the end and closes the file */
	L->t = NULL;
}

static void
live_free(struct live *L)
{
	engine_free(L->e);
	path_free(L->p);
	netsim_free(L->ns);
}

static void
engine_stop_cb(void *ctx)
{
	engine_stop(ctx);
}

/* Replays file into a new engine and path; returns the path. */
static struct path *
replay_file(const char *file, struct replay **out_rp, struct engine **out_e)
{
	char err[256];
	struct replay *rp = replay_open(file, err, sizeof(err));
	const struct recording_header *h;
	struct engine_config c;
	struct path *p;

	if (rp == NULL)
		fail_msg("replay_open: %s", err);
	h = replay_header(rp);
	memset(&c, 0, sizeof(c));
	c.first_ttl = h->first_ttl;
	c.max_ttl = h->max_ttl;
	c.probes = h->probes;
	c.flows = h->tp.flows;
	c.interval_ns = (int64_t)(h->interval_s * NS_PER_S);
	c.timeout_ns = (int64_t)(h->timeout_s * NS_PER_S);
	c.count = h->count;
	c.wall_offset_ns = h->wall_offset_ns;
	p = path_new(&h->tp.target, h->first_ttl, h->max_ttl);
	replay_set_speed(rp, 0);
	*out_e = engine_new(&c, replay_transport(rp), p, replay_clock(rp));
	replay_on_end(rp, engine_stop_cb, *out_e);
	run_replay(*out_e, rp);
	*out_rp = rp;
	return p;
}

static char *
tmpname(char *buf, size_t len)
{
	int fd;

	snprintf(buf, len, "/tmp/hoptop-test-replay.XXXXXX");
	fd = mkstemp(buf);
	assert_true(fd >= 0);
	close(fd);
	return buf;
}

static void
check_roundtrip(const char *name, enum probe_proto proto, int probes, int flows,
    const struct key *keys, int nkeys)
{
	char file[64];
	struct live L;
	struct replay *rp;
	struct engine *e;
	struct path *p;

	tmpname(file, sizeof(file));
	record_run(&L, name, file, proto, probes, flows, keys, nkeys);
	p = replay_file(file, &rp, &e);
	paths_equal(L.p, p);
	assert_int_equal(replay_diverged(rp), 0);
	assert_null(replay_problem(rp));
	assert_true(replay_at_end(rp));
	engine_free(e);
	path_free(p);
	replay_free(rp);
	live_free(&L);
	unlink(file);
}

static void
test_replay_scenarios_equal(void **state)
{
	static const char *const names[] = {"lossy", "ecmp", "pathchange",
	    "mpls", "ratelimit", "silent", "fwdloss", "linkdown", "hostile"};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_roundtrip(names[i], PROTO_ICMP, 1, 1, NULL, 0);
	check_roundtrip("ecmp", PROTO_UDP, 2, 4, NULL, 0);
	check_roundtrip("lossy", PROTO_TCP, 1, 2, NULL, 0);
}

static void
test_replay_keys_reapplied(void **state)
{
	/* keys at odd moments: mid-cycle, right on cycle starts */
	static const struct key keys[] = {
	    {T0 + 700 * NS_PER_MS, '+'},
	    {T0 + 1500 * NS_PER_MS, 'P'},
	    {T0 + 2 * NS_PER_S + 1, '+'},
	    {T0 + 3200 * NS_PER_MS, 'p'},
	    {T0 + 4 * NS_PER_S, 'p'},
	    {T0 + 5300 * NS_PER_MS, 'r'},
	    {T0 + 6100 * NS_PER_MS, '-'},
	    {T0 + 6100 * NS_PER_MS, 'P'},
	};

	(void)state;
	check_roundtrip("lossy", PROTO_ICMP, 1, 1, keys,
	    (int)(sizeof(keys) / sizeof(keys[0])));
	check_roundtrip("pathchange", PROTO_ICMP, 2, 2, keys,
	    (int)(sizeof(keys) / sizeof(keys[0])));
}

/* Copies the first n bytes of src's text (decompressed) to dst, gzip'd. */
static void
cut_text(const char *src, const char *dst, size_t n)
{
	gzFile in = gzopen(src, "rb"), out = gzopen(dst, "wb");
	char buf[4096];
	int got;

	assert_non_null(in);
	assert_non_null(out);
	while (n > 0 && (got = gzread(in, buf, sizeof(buf))) > 0) {
		size_t k = (size_t)got < n ? (size_t)got : n;

		gzwrite(out, buf, (unsigned)k);
		n -= k;
	}
	gzclose(in);
	gzclose(out);
}

static void
test_replay_cut_off(void **state)
{
	char file[64], cut[64];
	struct live L;
	/* parts of the whole text, in per mille; the header is 1 line */
	static const size_t at[] = {90, 200, 333, 500, 777, 999};
	size_t total = 0;
	char buf[4096];
	gzFile gz;
	int got;

	(void)state;
	tmpname(file, sizeof(file));
	tmpname(cut, sizeof(cut));
	record_run(&L, "lossy", file, PROTO_ICMP, 1, 1, NULL, 0);
	gz = gzopen(file, "rb");
	while ((got = gzread(gz, buf, sizeof(buf))) > 0)
		total += (size_t)got;
	gzclose(gz);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct replay *rp;
		struct engine *e;
		struct path *p;

		cut_text(file, cut, total * at[i] / 1000);
		p = replay_file(cut, &rp, &e);
		assert_true(p->cycles <= L.p->cycles);
		assert_true(i == 5 || p->cycles < L.p->cycles);
		assert_true(engine_done(e));
		assert_non_null(replay_problem(rp)); /* it says it was cut */
		engine_free(e);
		path_free(p);
		replay_free(rp);
	}
	live_free(&L);
	unlink(file);
	unlink(cut);
}

static void
test_replay_refuses_non_recordings(void **state)
{
	static const char *const bad[] = {
	    "",
	    "hello\n",
	    "{\"name\":\"x\"}\n",
	    "{\"hoptop_recording\":0}\n",
	    "{\"hoptop_recording\":1}\n", /* no fields */
	    "[1,2,3]\n",
	};
	static const char newer[] = "{\"hoptop_recording\":2}\n";
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_null(
		    replay_open_mem(bad[i], strlen(bad[i]), err, sizeof(err)));
		assert_true(err[0] != '\0' && strchr(err, '\n') == NULL);
	}
	assert_null(replay_open_mem(newer, strlen(newer), err, sizeof(err)));
	assert_non_null(strstr(err, "newer"));
	assert_null(replay_open("/nonexistent/x.gz", err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replay_scenarios_equal),
	    cmocka_unit_test(test_replay_keys_reapplied),
	    cmocka_unit_test(test_replay_cut_off),
	    cmocka_unit_test(test_replay_refuses_non_recordings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
