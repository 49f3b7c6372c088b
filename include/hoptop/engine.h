/*
 * engine: cycles, probe scheduling, timeouts, reply matching, destination
 * detection. It writes the path model and never calls a front.
 */
#ifndef HOPTOP_ENGINE_H
#define HOPTOP_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "hoptop/clock.h"
#include "hoptop/path.h"
#include "hoptop/transport.h"

struct engine_config {
	int first_ttl, max_ttl;
	int probes;          /* per hop per cycle, 1..10 */
	int flows;           /* 1.. */
	int64_t interval_ns; /* between cycle starts */
	int64_t timeout_ns;  /* unanswered this long: lost */
	int64_t gap_ns;      /* between sends inside a cycle; 0 = at once */
	unsigned count;      /* cycles to run; 0 = until stopped */
	/* CLOCK_REALTIME minus the engine clock, for event wall-clock times
	 * (main: clock_real_ns() - clock_mono_ns(); tests: a fixed value). */
	int64_t wall_offset_ns;
	/* Sequences 1..seq_slots (at most that many probes in flight; a
	 * target of a fleet gets its share); 0: 1..PACKET_SEQ_MAX. */
	unsigned seq_slots;
	/* The first cycle starts this long after engine_new (a fleet spreads
	 * its targets' starts over the interval); 0: at once. */
	int64_t start_delay_ns;
};

struct engine;

struct engine *engine_new(const struct engine_config *cfg, struct transport *t,
    struct path *p, const struct hclock *clk);
void engine_free(struct engine *e);

/* The nearest time the engine needs to act (send, expire, transport). */
int64_t engine_next_deadline(const struct engine *e);
/* Drains the transport, matching replies to live probes. */
void engine_read_replies(struct engine *e);
/* Turns probes older than the timeout into loss. */
void engine_expire(struct engine *e, int64_t now_ns);
/* Starts cycles and sends the probes that are due. */
void engine_send_due(struct engine *e, int64_t now_ns);

void engine_set_probes(struct engine *e, int probes); /* from next cycle */
int engine_probes(const struct engine *e);
void engine_pause(struct engine *e, bool paused);
bool engine_paused(const struct engine *e);
/* Clears the statistics and forgets probes in flight. */
void engine_reset(struct engine *e);
/* True when count cycles were sent and every probe is settled. */
bool engine_done(const struct engine *e);
/* Stops starting cycles (Ctrl-C in report mode); in-flight ones may end. */
void engine_stop(struct engine *e);
/*
 * Ping-the-hop: from the next cycle on, also one ICMP Echo Request per
 * cycle to the current responder of hop ttl (0: stop), with its own
 * registry entries; the results go to that hop's ping statistics. Returns
 * 0, or -1 with errno EPROTONOSUPPORT (not an ICMP transport, or one
 * without send_ping) or EINVAL (ttl outside first..max).
 */
int engine_ping_hop(struct engine *e, int ttl);
int engine_ping_ttl(const struct engine *e); /* 0: off */
/* Counters for tests and benchmarks. */
struct engine_counters {
	uint64_t sent, replies, matched, foreign, duplicates, late, send_errors;
	/* kernel send stamps read; those whose probe was gone; replies
	 * timed from a kernel send stamp */
	uint64_t tx_stamps, tx_unmatched, kernel_timed;
};
void engine_counters(const struct engine *e, struct engine_counters *out);

#endif
