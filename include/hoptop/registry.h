/*
 * registry: probes in flight. A fixed table indexed by sequence; nothing is
 * allocated per probe. Sequences are handed out in order (1..PACKET_SEQ_MAX,
 * wrapping), so the oldest live probe is found by walking from the tail.
 */
#ifndef HOPTOP_REGISTRY_H
#define HOPTOP_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

struct registry_entry {
	int64_t sent_ns;
	int64_t tx_real_ns; /* kernel send stamp (CLOCK_REALTIME), 0 if none */
	uint16_t seq;
	uint16_t flow;
	uint8_t ttl;
	bool live;
	bool ping; /* ping-the-hop: an Echo Request to the hop at ttl */
};

struct registry;

struct registry *registry_new(void); /* sequences 1..PACKET_SEQ_MAX */
/*
 * A smaller table: sequences 1..max_seq (1..PACKET_SEQ_MAX; out of range:
 * PACKET_SEQ_MAX), so at most max_seq probes live at once. Sequences
 * outside it are unknown to every call.
 */
struct registry *registry_new_sized(unsigned max_seq);
void registry_free(struct registry *r);
/*
 * Claims the next sequence for a probe about to be sent. Returns it (1..),
 * or 0 when that slot still holds a live probe (table full: try later).
 */
uint16_t registry_claim(struct registry *r, uint8_t ttl, uint16_t flow);
/* Marks a claimed sequence as a ping-the-hop probe (claim clears it). */
void registry_mark_ping(struct registry *r, uint16_t seq);
/* The live entry of seq, or NULL (nothing is removed). */
const struct registry_entry *registry_peek(
    const struct registry *r, uint16_t seq);
/* Records the send time of a claimed sequence. */
void registry_sent(struct registry *r, uint16_t seq, int64_t sent_ns);
/*
 * Records the kernel's send stamp of a live probe. Returns false for a
 * sequence that is not live (answered, expired, never claimed).
 */
bool registry_tx_stamp(struct registry *r, uint16_t seq, int64_t tx_real_ns);
/*
 * Removes a live probe by sequence, copying it to *out. Returns false for
 * unknown, already answered (duplicates) or expired sequences.
 */
bool registry_take(
    struct registry *r, uint16_t seq, struct registry_entry *out);
/*
 * Removes the oldest live probe if it was sent at or before cutoff_ns,
 * copying it to *out. Returns false when there is none. A claimed probe
 * whose registry_sent has not been called yet has sent_ns CLOCK_NEVER and
 * never expires (and, being oldest, holds back the ones after it): call
 * registry_sent, or registry_take it if the send failed.
 */
bool registry_expire_one(
    struct registry *r, int64_t cutoff_ns, struct registry_entry *out);
/* Send time of the oldest live probe, or CLOCK_NEVER. */
int64_t registry_oldest(const struct registry *r);
unsigned registry_live(const struct registry *r);
/* Forgets every live probe; sequences keep counting from where they were. */
void registry_clear(struct registry *r);

#endif
