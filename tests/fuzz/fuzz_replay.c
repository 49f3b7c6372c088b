/*
 * fuzz_replay: libFuzzer target for the recording reader (replay_open_mem,
 * the code behind --replay FILE). The input is a recording: gzip'd or
 * plain JSON lines. One that opens is then replayed into an engine and a
 * path, as fast as the replay clock goes, for a bounded number of passes.
 * Besides ASan/UBSan, the target aborts when a result breaks an
 * invariant: a refused input names the problem in one non-empty line; an
 * opened one has a header within the options' ranges, never reaches a
 * pass count that would mean a hang, and leaves a path whose counts add
 * up (received + lost <= sent, per hop).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/engine.h"
#include "hoptop/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PASSES 20000

static void
stop(void *ctx)
{
	engine_stop(ctx);
}

static void
check_header(const struct recording_header *h)
{
	if (h->first_ttl < 1 || h->max_ttl < h->first_ttl || h->max_ttl > 255 ||
	    h->probes < 1 || h->probes > 10 || h->tp.flows < 1 ||
	    h->tp.flows > 16 || h->interval_s < 0.001 || h->timeout_s < 0.01)
		abort();
}

static void
replay_some(struct replay *rp)
{
	const struct recording_header *h = replay_header(rp);
	const struct hclock *c = replay_clock(rp);
	struct transport *t = replay_transport(rp);
	struct engine_config cfg;
	struct engine *e;
	struct path *p;
	int64_t now, d;
	int pass;

	memset(&cfg, 0, sizeof(cfg));
	/* a smaller path than the header may ask for: passes stay fast */
	cfg.first_ttl = h->first_ttl < 16 ? h->first_ttl : 16;
	cfg.max_ttl =
	    h->max_ttl < cfg.first_ttl + 15 ? h->max_ttl : cfg.first_ttl + 15;
	cfg.probes = h->probes < 3 ? h->probes : 3;
	cfg.flows = h->tp.flows < 2 ? h->tp.flows : 2;
	cfg.interval_ns = (int64_t)(h->interval_s * NS_PER_S);
	cfg.timeout_ns = (int64_t)(h->timeout_s * NS_PER_S);
	cfg.count = h->count < 50 ? h->count : 50;
	cfg.wall_offset_ns = h->wall_offset_ns;
	p = path_new(&h->tp.target, cfg.first_ttl, cfg.max_ttl);
	replay_set_speed(rp, 0);
	e = engine_new(&cfg, t, p, c);
	replay_on_end(rp, stop, e);
	for (pass = 0; pass < MAX_PASSES; pass++) {
		if (engine_done(e) && replay_at_end(rp))
			break;
		now = clock_now(c);
		d = engine_next_deadline(e) - now;
		c->wait(c, d > 0 ? d : 0);
		now = clock_now(c);
		if (t->ops->next_deadline(t) <= now)
			engine_read_replies(e);
		engine_expire(e, now);
		engine_send_due(e, now);
	}
	for (int ttl = cfg.first_ttl; ttl <= cfg.max_ttl; ttl++) {
		const struct hop *hp = path_hop(p, ttl);

		if (hp->st.received + hp->st.lost > hp->st.sent)
			abort();
	}
	engine_free(e);
	path_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	struct replay *rp = replay_open_mem(data, size, err, sizeof(err));

	if (rp == NULL) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		return 0;
	}
	check_header(replay_header(rp));
	replay_some(rp);
	replay_free(rp);
	return 0;
}
