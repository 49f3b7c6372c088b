/*
 * registry: probes in flight, in one table of 65536 entries indexed by
 * sequence (allocated once in registry_new, nothing per probe).
 *
 * Sequences are handed out in order 1..PACKET_SEQ_MAX and wrap to 1, so the
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

#define REGISTRY_SLOTS 65536

struct registry {
	uint16_t next; /* sequence the next claim gets */
	uint16_t tail; /* oldest live sequence (if live > 0) */
	unsigned live; /* live entries */
	struct registry_entry e[REGISTRY_SLOTS];
};

static uint16_t
seq_after(uint16_t seq)
{
	return seq >= PACKET_SEQ_MAX ? 1 : (uint16_t)(seq + 1);
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
		r->tail = seq_after(r->tail);
}

struct registry *
registry_new(void)
{
	struct registry *r = xcalloc(1, sizeof(*r));

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
	r->next = seq_after(seq);
	return seq;
}

void
registry_mark_ping(struct registry *r, uint16_t seq)
{
	if (r->e[seq].live)
		r->e[seq].ping = true;
}

const struct registry_entry *
registry_peek(const struct registry *r, uint16_t seq)
{
	return r->e[seq].live ? &r->e[seq] : NULL;
}

void
registry_sent(struct registry *r, uint16_t seq, int64_t sent_ns)
{
	if (r->e[seq].live)
		r->e[seq].sent_ns = sent_ns;
}

bool
registry_tx_stamp(struct registry *r, uint16_t seq, int64_t tx_real_ns)
{
	if (seq == 0 || seq > PACKET_SEQ_MAX || !r->e[seq].live)
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
	if (seq == 0 || seq > PACKET_SEQ_MAX || !r->e[seq].live)
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
	for (size_t i = 0; i < REGISTRY_SLOTS; i++)
		r->e[i].live = false;
	r->live = 0;
	/* next keeps counting: late replies to forgotten probes stay
	 * unmatched instead of hitting new probes with reused sequences. */
	r->tail = r->next;
}
