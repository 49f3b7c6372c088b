/*
 * stats: pure per-hop / per-responder numbers. Times are int64_t ns in,
 * doubles (ns) out; nothing is rounded to whole milliseconds internally.
 */
#ifndef HOPTOP_STATS_H
#define HOPTOP_STATS_H

#include <stdbool.h>
#include <stdint.h>

struct stats {
	uint32_t sent;     /* probes sent (includes in flight) */
	uint32_t received; /* replies */
	uint32_t lost;     /* timed out (or failed to send) */
	int64_t last_ns;   /* last RTT, -1 none */
	int64_t best_ns;   /* -1 none */
	int64_t worst_ns;  /* -1 none */
	double mean_ns;    /* Welford */
	double m2;         /* Welford sum of squared differences */
	double jsum_ns;    /* sum of |rtt_n - rtt_n-1| */
	double jint_ns;    /* RFC 3550 interarrival jitter */
	double jmax_ns;    /* largest |rtt_n - rtt_n-1| */
	double jlast_ns;   /* the latest |rtt_n - rtt_n-1| (mtr's Jttr) */
};

void stats_init(struct stats *s);
void stats_add_sent(struct stats *s);
/* A negative RTT (a clock step) counts as 0. */
void stats_add_reply(struct stats *s, int64_t rtt_ns);
void stats_add_loss(struct stats *s);
/* Probes whose fate is not known yet. */
uint32_t stats_pending(const struct stats *s);
/* lost / (received + lost) * 100; 0 when nothing is settled. */
double stats_loss_pct(const struct stats *s);
/* Mean RTT (ns); 0 with no replies. */
double stats_avg_ns(const struct stats *s);
/* Sample standard deviation (ns); 0 with fewer than two replies. */
double stats_stdev_ns(const struct stats *s);
/* Mean |RTT_n - RTT_n-1| (ns); 0 with fewer than two replies. */
double stats_jitter_ns(const struct stats *s);
/* RFC 3550 interarrival jitter estimate J (ns). */
double stats_jint_ns(const struct stats *s);

/* A ring of recent samples for the history view and --once. */
#define STATS_HISTORY 512

struct sample {
	int64_t t_ns;   /* send time (monotonic) */
	int64_t rtt_ns; /* -1 = lost */
	uint16_t seq;   /* probe sequence */
	uint8_t resp;   /* responder index at the hop, 0xff = none */
};

struct history {
	uint32_t head;  /* total samples ever added */
	uint32_t cap;   /* ring size: a power of 2, 8..STATS_HISTORY */
	uint32_t alloc; /* slots allocated so far (grown as samples come) */
	struct sample *s;
};

/* An empty ring of STATS_HISTORY samples; nothing allocated yet. */
void history_init(struct history *h);
/* The same with a smaller ring (len rounded up to a power of 2, 8..
 * STATS_HISTORY): a fleet of many targets keeps less history per hop. */
void history_init_len(struct history *h, uint32_t len);
/* Frees the samples; the ring is empty (and its size kept). */
void history_free(struct history *h);
void history_add(struct history *h, const struct sample *s);
/* Samples held (at most STATS_HISTORY). */
uint32_t history_len(const struct history *h);
/* The i-th most recent sample (0 = newest), or NULL past the end. */
const struct sample *history_get(const struct history *h, uint32_t i);

#endif
