/*
 * registry: probes in flight, in one table indexed by sequence (65536
 * entries, or as many as registry_new_sized asks for; allocated once,
 * nothing per probe).
 *
 * Sequences are handed out in order 1..max (PACKET_SEQ_MAX, or the size
 * asked for) and wrap to 1, so the
 * live entries always lie in the window [tail, next) in sequence order, and
 * the oldest is at tail. Takes leave holes; tail is moved forward over them
 * as soon as the entry at tail goes, so it always names a live entry (when
 * there is one). Each slot is passed at most once per claim: amortised O(1).
 */
#include <stdlib.h>

#include "hoptop/clock.h"
#include "hoptop/packet.h"
#include "hoptop/registry.h"
#include "hoptop/xmalloc.h"

struct registry {
	uint16_t next;    /* sequence the next claim gets */
	uint16_t tail;    /* oldest live sequence (if live > 0) */
	uint16_t max_seq; /* sequences are 1..max_seq */
	unsigned live;    /* live entries */
	struct registry_entry e[];
};

static uint16_t
seq_after(const struct registry *r, uint16_t seq)
{
	return seq >= r->max_seq ? 1 : (uint16_t)(seq + 1);
}

/* Whether seq may index the table (1..max_seq). */
static bool
in_range(const struct registry *r, uint16_t seq)
{
	return seq != 0 && seq <= r->max_seq;
}

/* Moves tail over the holes to the oldest live entry. */
static void
advance_tail(struct registry *r)
{
	if (r->live == 0) {
		r->tail = r->next;
		return;
	}
	while (!r->e[r->tail].live)
		r->tail = seq_after(r, r->tail);
}

struct registry *
registry_new(void)
{
	return registry_new_sized(PACKET_SEQ_MAX);
}

struct registry *
registry_new_sized(unsigned max_seq)
{
	struct registry *r;

	if (max_seq < 1 || max_seq > PACKET_SEQ_MAX)
		max_seq = PACKET_SEQ_MAX;
	r = xcalloc(1, sizeof(*r) + ((size_t)max_seq + 1) * sizeof(r->e[0]));
	r->max_seq = (uint16_t)max_seq;
	r->next = 1;
	r->tail = 1;
	return r;
}

void
registry_free(struct registry *r)
{
	free(r);
}

uint16_t
registry_claim(struct registry *r, uint8_t ttl, uint16_t flow)
{
	uint16_t seq = r->next;
	struct registry_entry *e = &r->e[seq];

	if (e->live)
		return 0;
	e->sent_ns = CLOCK_NEVER;
	e->tx_real_ns = 0;
	e->seq = seq;
	e->flow = flow;
	e->ttl = ttl;
	e->live = true;
	e->ping = false;
	if (r->live++ == 0)
		r->tail = seq;
	r->next = seq_after(r, seq);
	return seq;
}

void
registry_mark_ping(struct registry *r, uint16_t seq)
{
	if (in_range(r, seq) && r->e[seq].live)
		r->e[seq].ping = true;
}

const struct registry_entry *
registry_peek(const struct registry *r, uint16_t seq)
{
	return in_range(r, seq) && r->e[seq].live ? &r->e[seq] : NULL;
}

void
registry_sent(struct registry *r, uint16_t seq, int64_t sent_ns)
{
	if (in_range(r, seq) && r->e[seq].live)
		r->e[seq].sent_ns = sent_ns;
}

bool
registry_tx_stamp(struct registry *r, uint16_t seq, int64_t tx_real_ns)
{
	if (!in_range(r, seq) || !r->e[seq].live)
		return false;
	r->e[seq].tx_real_ns = tx_real_ns;
	return true;
}

/* Removes live entry seq, copying it to *out (if not NULL). */
static void
remove_entry(struct registry *r, uint16_t seq, struct registry_entry *out)
{
	if (out != NULL)
		*out = r->e[seq];
	r->e[seq].live = false;
	r->live--;
	if (seq == r->tail)
		advance_tail(r);
}

bool
registry_take(struct registry *r, uint16_t seq, struct registry_entry *out)
{
	if (!in_range(r, seq) || !r->e[seq].live)
		return false;
	remove_entry(r, seq, out);
	return true;
}

bool
registry_expire_one(
    struct registry *r, int64_t cutoff_ns, struct registry_entry *out)
{
	const struct registry_entry *e = &r->e[r->tail];

	/* A claimed probe not yet sent (CLOCK_NEVER) cannot expire. */
	if (r->live == 0 || e->sent_ns == CLOCK_NEVER || e->sent_ns > cutoff_ns)
		return false;
	remove_entry(r, r->tail, out);
	return true;
}

int64_t
registry_oldest(const struct registry *r)
{
	return r->live > 0 ? r->e[r->tail].sent_ns : CLOCK_NEVER;
}

unsigned
registry_live(const struct registry *r)
{
	return r->live;
}

void
registry_clear(struct registry *r)
{
	for (size_t i = 0; i <= r->max_seq; i++)
		r->e[i].live = false;
	r->live = 0;
	/* next keeps counting: late replies to forgotten probes stay
	 * unmatched instead of hitting new probes with reused sequences. */
	r->tail = r->next;
}
