/*
 * engine: cycles, probe scheduling, timeouts, reply matching and
 * destination detection. It writes the path model and never calls a front.
 *
 * A cycle starts every interval. In it every TTL from first_ttl up to the
 * destination's TTL (max_ttl until that is known) gets `probes` probes on
 * each flow. Rounds go over all TTLs at once (TTL 1..N, then again for the
 * next probe), so the whole path answers about one destination round trip
 * after the cycle starts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/engine.h"
#include "hoptop/registry.h"
#include "hoptop/xmalloc.h"

/* Replies held in one read pass, waiting for a send stamp read after them. */
#define PENDING_MAX 64
/*
 * A kernel RTT this far from the monotonic one means the realtime clock
 * (both kernel stamps are on it) stepped between send and reply.
 */
#define CLOCK_STEP_NS (10 * NS_PER_MS)

/* Controls (keys) applied since the last pass, for a recording. */
#define NOTES_MAX 16

/* A reply matched to its probe, not yet booked into the model. */
struct pending {
	struct reply r;
	struct registry_entry ent;
};

struct engine {
	struct engine_config cfg;
	struct transport *t;
	struct path *p;
	const struct hclock *clk;
	struct registry *reg;
	bool paused, stopped;
	int probes_next;       /* applied when the next cycle starts */
	unsigned cycles;       /* cycles started */
	int64_t next_cycle_ns; /* 0: start at once */
	/* the cycle being sent */
	bool sending;
	int cur_ttl;
	int cur_round; /* 0 .. rounds-1 */
	int rounds;    /* probes * flows */
	int64_t next_send_ns;
	struct engine_counters cnt;
	unsigned npend;
	struct pending pend[PENDING_MAX];
	/* ping-the-hop (an extension: its own registry entries, flagged) */
	int ping_ttl;           /* 0: off */
	struct haddr ping_addr; /* what the last ping went to */
	/* controls not yet noted to the transport (a recording) */
	unsigned nnotes;
	struct transport_note notes[NOTES_MAX];
};

/*
 * A control for the transport's note (a recording), stamped with the time
 * of the next engine_expire: in the loop it follows the keys in the same
 * pass, and a replay applies it there again.
 */
static void
queue_note(struct engine *e, enum transport_note_kind kind, int value)
{
	if (e->t->ops->note == NULL)
		return;
	if (e->nnotes == NOTES_MAX) { /* a flood of keys: keep the newest */
		memmove(e->notes, e->notes + 1,
		    (NOTES_MAX - 1) * sizeof(e->notes[0]));
		e->nnotes--;
	}
	e->notes[e->nnotes].kind = kind;
	e->notes[e->nnotes].value = value;
	e->nnotes++;
}

/* The time the engine acts at: the clock's, or a replay's recorded one. */
static int64_t
act_time(struct engine *e, int64_t now_ns)
{
	if (e->t->ops->engine_time == NULL)
		return now_ns;
	return e->t->ops->engine_time(e->t, now_ns);
}

struct engine *
engine_new(const struct engine_config *cfg, struct transport *t, struct path *p,
    const struct hclock *clk)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	e->cfg = *cfg;
	if (e->cfg.flows < 1)
		e->cfg.flows = 1;
	if (e->cfg.probes < 1)
		e->cfg.probes = 1;
	e->t = t;
	e->p = p;
	e->p->wall_offset_ns = cfg->wall_offset_ns;
	e->clk = clk;
	e->reg = cfg->seq_slots > 0 ? registry_new_sized(cfg->seq_slots)
	                            : registry_new();
	e->probes_next = e->cfg.probes;
	if (cfg->start_delay_ns > 0)
		e->next_cycle_ns = clock_now(clk) + cfg->start_delay_ns;
	return e;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	registry_free(e->reg);
	free(e);
}

/* The last TTL this cycle should reach. */
static int
cycle_last_ttl(const struct engine *e)
{
	int dest = e->p->dest_ttl;

	if (dest > 0 && dest < e->cfg.max_ttl)
		return dest;
	return e->cfg.max_ttl;
}

static bool
cycles_left(const struct engine *e)
{
	if (e->stopped)
		return false;
	return e->cfg.count == 0 || e->cycles < e->cfg.count;
}

int64_t
engine_next_deadline(const struct engine *e)
{
	int64_t d = CLOCK_NEVER, oldest;

	if (!e->paused && e->sending)
		d = e->next_send_ns;
	else if (!e->paused && cycles_left(e))
		d = e->next_cycle_ns;
	oldest = registry_oldest(e->reg);
	if (oldest != CLOCK_NEVER)
		d = clock_min(d, oldest + e->cfg.timeout_ns);
	d = clock_min(d, e->t->ops->next_deadline(e->t));
	if (e->t->ops->engine_deadline != NULL)
		d = e->t->ops->engine_deadline(e->t, d);
	return d;
}

/*
 * The RTT of reply r to probe ent: from the kernel's send and receive
 * stamps (one clock, no conversion; *kernel set) when both exist and agree
 * with the monotonic times, else from the monotonic send stamp taken in
 * user space.
 */
static int64_t
reply_rtt(const struct reply *r, const struct registry_entry *ent, bool *kernel)
{
	int64_t user_ns = r->rx_ns - ent->sent_ns, k_ns;

	*kernel = false;
	if (ent->tx_real_ns == 0 || r->rx_real_ns == 0)
		return user_ns;
	k_ns = r->rx_real_ns - ent->tx_real_ns;
	if (k_ns < 0 || k_ns - user_ns > CLOCK_STEP_NS ||
	    user_ns - k_ns > CLOCK_STEP_NS)
		return user_ns;
	*kernel = true;
	return k_ns;
}

/* A ping-the-hop entry settled by an Echo Reply (within the timeout). */
static void
take_ping_reply(
    struct engine *e, const struct reply *r, const struct registry_entry *ent)
{
	int64_t rtt_ns = r->rx_ns - ent->sent_ns;

	if (rtt_ns < 0)
		rtt_ns = 0;
	if (rtt_ns > e->cfg.timeout_ns) {
		e->cnt.late++;
		path_ping_loss(e->p, ent->ttl);
		return;
	}
	e->cnt.matched++;
	path_ping_reply(e->p, ent->ttl, rtt_ns);
}

/*
 * Whether r may settle the live probe ent: TTL probes by replies about the
 * target, pings only by the Echo Reply of the address pinged.
 */
static bool
reply_fits(const struct engine *e, const struct reply *r,
    const struct registry_entry *ent)
{
	if (!ent->ping)
		return addr_eq(&r->probe_dst, &e->p->target);
	return r->kind == REPLY_DEST && addr_eq(&r->from, &e->ping_addr) &&
	       addr_eq(&r->probe_dst, &e->ping_addr);
}

/* Records one reply that matched a live probe. */
static void
take_reply(
    struct engine *e, const struct reply *r, const struct registry_entry *ent)
{
	bool kernel;
	int64_t rtt_ns = reply_rtt(r, ent, &kernel);

	/* A kernel stamp a hair before our send stamp is clock noise. */
	if (rtt_ns < 0)
		rtt_ns = 0;
	/* Answered, but after the timeout: lost, as the user defined it. */
	if (rtt_ns > e->cfg.timeout_ns) {
		e->cnt.late++;
		path_loss(e->p, ent->ttl, ent->sent_ns, ent->seq);
		return;
	}
	e->cnt.matched++;
	if (kernel)
		e->cnt.kernel_timed++;
	if (r->kind == REPLY_UNREACH && !addr_eq(&r->from, &e->p->target)) {
		path_reply_unreach(e->p, ent->ttl, &r->from, ent->sent_ns,
		    rtt_ns, ent->seq, ent->flow);
		return;
	}
	path_reply(e->p, ent->ttl, &r->from, ent->sent_ns, rtt_ns, ent->seq,
	    ent->flow, r->kind == REPLY_DEST, &r->mpls);
	path_send_clock(e->p, ent->ttl, kernel);
}

/* Books the held replies, in the order they came. */
static void
flush_pending(struct engine *e)
{
	for (unsigned i = 0; i < e->npend; i++)
		if (e->pend[i].ent.ping)
			take_ping_reply(e, &e->pend[i].r, &e->pend[i].ent);
		else
			take_reply(e, &e->pend[i].r, &e->pend[i].ent);
	e->npend = 0;
}

/*
 * A kernel send stamp: onto the live probe, or onto a reply to it held in
 * this pass (the stamp came after the reply).
 */
static void
take_tx_stamp(struct engine *e, const struct reply *r)
{
	e->cnt.tx_stamps++;
	if (registry_tx_stamp(e->reg, r->seq, r->tx_real_ns))
		return;
	for (unsigned i = 0; i < e->npend; i++) {
		if (e->pend[i].ent.seq == r->seq &&
		    e->pend[i].ent.tx_real_ns == 0) {
			e->pend[i].ent.tx_real_ns = r->tx_real_ns;
			return;
		}
	}
	e->cnt.tx_unmatched++;
}

/*
 * Replies are held until the pass ends, so a send stamp read after its
 * reply in the same pass still times it.
 */
void
engine_read_replies(struct engine *e)
{
	struct reply r;
	struct pending *pd;
	int64_t now = clock_now(e->clk);

	for (;;) {
		memset(&r, 0, sizeof(r));
		if (e->t->ops->recv(e->t, &r, now) != 1)
			break;
		if (r.kind == REPLY_TX_STAMP) {
			take_tx_stamp(e, &r);
			continue;
		}
		e->cnt.replies++;
		/* The quoted (or answering) destination must be our target
		 * (or, for a ping-the-hop entry, the address pinged). */
		if (!addr_eq(&r.probe_dst, &e->p->target) &&
		    (e->ping_ttl == 0 ||
		        !addr_eq(&r.probe_dst, &e->ping_addr))) {
			e->cnt.foreign++;
			continue;
		}
		if (registry_peek(e->reg, r.seq) != NULL &&
		    !reply_fits(e, &r, registry_peek(e->reg, r.seq))) {
			e->cnt.foreign++;
			continue;
		}
		if (e->npend == PENDING_MAX)
			flush_pending(e);
		pd = &e->pend[e->npend];
		if (!registry_take(e->reg, r.seq, &pd->ent)) {
			e->cnt.duplicates++;
			continue;
		}
		pd->r = r;
		e->npend++;
	}
	flush_pending(e);
}

/* A recorded control, applied again by a replay. */
static void
apply_control(struct engine *e, const struct transport_note *n)
{
	switch (n->kind) {
	case NOTE_RESET:
		engine_reset(e);
		break;
	case NOTE_PROBES:
		engine_set_probes(e, n->value);
		break;
	case NOTE_PAUSE:
		engine_pause(e, n->value != 0);
		break;
	case NOTE_PING:
		engine_ping_hop(e, n->value);
		break;
	default:
		break;
	}
}

/*
 * Also where controls meet the transport: a replay's recorded ones are
 * applied first, and the keys of this pass are noted for a recording.
 */
void
engine_expire(struct engine *e, int64_t now_ns)
{
	struct registry_entry ent;
	struct transport_note n;
	bool any = false;

	now_ns = act_time(e, now_ns);
	while (e->t->ops->control != NULL &&
	       e->t->ops->control(e->t, now_ns, &n) == 1)
		apply_control(e, &n);
	for (unsigned i = 0; i < e->nnotes; i++) {
		e->notes[i].now_ns = now_ns;
		e->t->ops->note(e->t, &e->notes[i]);
	}
	e->nnotes = 0;
	while (registry_expire_one(e->reg, now_ns - e->cfg.timeout_ns, &ent)) {
		any = true;
		if (ent.ping)
			path_ping_loss(e->p, ent.ttl);
		else
			path_loss(e->p, ent.ttl, ent.sent_ns, ent.seq);
	}
	if (any && e->t->ops->note != NULL) {
		n.kind = NOTE_TICK;
		n.value = 0;
		n.now_ns = now_ns;
		e->t->ops->note(e->t, &n);
	}
}

/*
 * Sends one probe. Returns false when the registry has no free sequence
 * (every slot holds a live probe): sending waits for the oldest to settle.
 */
static bool
send_one(struct engine *e, int ttl, uint16_t flow, int64_t now_ns)
{
	struct probe pr;
	struct registry_entry ent;
	int64_t sent_ns = now_ns;
	uint16_t seq = registry_claim(e->reg, (uint8_t)ttl, flow);

	if (seq == 0)
		return false;
	pr.seq = seq;
	pr.flow = flow;
	pr.ttl = (uint8_t)ttl;
	path_probe_sent(e->p, ttl);
	e->cnt.sent++;
	if (e->t->ops->send(e->t, &pr, &sent_ns) == -1) {
		/* ENOBUFS, EHOSTUNREACH...: the probe is lost, not an error. */
		e->cnt.send_errors++;
		registry_sent(e->reg, seq, now_ns);
		if (registry_take(e->reg, seq, &ent))
			path_loss(e->p, ttl, now_ns, seq);
		return true;
	}
	registry_sent(e->reg, seq, sent_ns);
	return true;
}

/*
 * Ping-the-hop: one Echo Request per cycle to the current responder of
 * hop ping_ttl (none until it has answered). A failed send is a lost ping.
 */
static void
send_ping(struct engine *e, int64_t now_ns)
{
	const struct hop *h = path_hop(e->p, e->ping_ttl);
	const struct responder *r = h != NULL ? hop_current_responder(h) : NULL;
	struct registry_entry ent;
	int64_t sent_ns = now_ns; /* the send overwrites it */
	uint16_t seq;

	if (r == NULL || e->t->ops->send_ping == NULL)
		return;
	seq = registry_claim(e->reg, (uint8_t)e->ping_ttl, 0);
	if (seq == 0)
		return;
	registry_mark_ping(e->reg, seq);
	e->ping_addr = r->addr;
	path_ping_sent(e->p, e->ping_ttl, &r->addr);
	e->cnt.sent++;
	if (e->t->ops->send_ping(e->t, &r->addr, seq, &sent_ns) == -1) {
		e->cnt.send_errors++;
		registry_sent(e->reg, seq, sent_ns);
		if (registry_take(e->reg, seq, &ent))
			path_ping_loss(e->p, e->ping_ttl);
		return;
	}
	registry_sent(e->reg, seq, sent_ns);
}

static void
start_cycle(struct engine *e, int64_t now_ns)
{
	e->cfg.probes = e->probes_next;
	e->cycles++;
	e->p->cycles++;
	e->p->dirty = true;
	e->sending = true;
	e->cur_ttl = e->cfg.first_ttl;
	e->cur_round = 0;
	e->rounds = e->cfg.probes * e->cfg.flows;
	e->next_send_ns = now_ns;
	/* Keep the cadence; if we fell a whole interval behind, restart it. */
	if (e->next_cycle_ns == 0 ||
	    now_ns - e->next_cycle_ns >= e->cfg.interval_ns)
		e->next_cycle_ns = now_ns;
	e->next_cycle_ns += e->cfg.interval_ns;
	if (e->ping_ttl != 0)
		send_ping(e, now_ns);
}

void
engine_send_due(struct engine *e, int64_t now_ns)
{
	now_ns = act_time(e, now_ns);
	if (e->paused)
		return;
	if (!e->sending && cycles_left(e) && now_ns >= e->next_cycle_ns)
		start_cycle(e, now_ns);
	while (e->sending && now_ns >= e->next_send_ns) {
		if (e->cur_ttl > cycle_last_ttl(e)) {
			e->cur_ttl = e->cfg.first_ttl;
			if (++e->cur_round >= e->rounds) {
				e->sending = false;
				break;
			}
		}
		if (!send_one(e, e->cur_ttl,
		        (uint16_t)(e->cur_round % e->cfg.flows), now_ns)) {
			e->next_send_ns =
			    registry_oldest(e->reg) + e->cfg.timeout_ns;
			break;
		}
		e->cur_ttl++;
		if (e->cfg.gap_ns > 0)
			e->next_send_ns = now_ns + e->cfg.gap_ns;
	}
}

void
engine_set_probes(struct engine *e, int probes)
{
	if (probes < 1)
		probes = 1;
	if (probes > 10)
		probes = 10;
	if (probes != e->probes_next)
		queue_note(e, NOTE_PROBES, probes);
	e->probes_next = probes;
}

int
engine_probes(const struct engine *e)
{
	return e->probes_next;
}

void
engine_pause(struct engine *e, bool paused)
{
	if (e->paused && !paused && !e->sending)
		e->next_cycle_ns = 0; /* resume with a cycle at once */
	if (paused != e->paused)
		queue_note(e, NOTE_PAUSE, paused);
	e->paused = paused;
}

bool
engine_paused(const struct engine *e)
{
	return e->paused;
}

void
engine_reset(struct engine *e)
{
	queue_note(e, NOTE_RESET, 0);
	registry_clear(e->reg);
	path_reset(e->p);
	e->sending = false;
	e->next_cycle_ns = 0;
	e->p->dirty = true;
}

bool
engine_done(const struct engine *e)
{
	if (cycles_left(e) || e->sending)
		return false;
	return registry_live(e->reg) == 0;
}

void
engine_stop(struct engine *e)
{
	e->stopped = true;
	e->sending = false;
}

int
engine_ping_hop(struct engine *e, int ttl)
{
	if (ttl != 0 && (ttl < e->cfg.first_ttl || ttl > e->cfg.max_ttl)) {
		errno = EINVAL;
		return -1;
	}
	if (ttl != 0 && (e->t->ops->send_ping == NULL ||
	                    e->t->params.proto != PROTO_ICMP)) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if (ttl != e->ping_ttl)
		queue_note(e, NOTE_PING, ttl);
	e->ping_ttl = ttl;
	return 0;
}

int
engine_ping_ttl(const struct engine *e)
{
	return e->ping_ttl;
}

void
engine_counters(const struct engine *e, struct engine_counters *out)
{
	*out = e->cnt;
}
