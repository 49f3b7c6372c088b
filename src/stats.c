/*
 * stats: pure per-hop / per-responder numbers.
 *
 * Mean and variance use Welford's method (no catastrophic cancellation, no
 * drift over millions of samples). Jitter is the mean absolute difference of
 * consecutive RTTs; Jint is the RFC 3550 interarrival jitter estimate,
 * J += (|D| - J) / 16, where D is the difference of consecutive RTTs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/stats.h"
#include "hoptop/xmalloc.h"

void
stats_init(struct stats *s)
{
	memset(s, 0, sizeof(*s));
	s->last_ns = -1;
	s->best_ns = -1;
	s->worst_ns = -1;
}

void
stats_add_sent(struct stats *s)
{
	s->sent++;
}

/* Updates jitter figures from the previous RTT (s->last_ns, if any). */
static void
add_jitter(struct stats *s, int64_t rtt_ns)
{
	double d;

	if (s->received == 0 || s->last_ns < 0)
		return;
	d = (double)(rtt_ns > s->last_ns ? rtt_ns - s->last_ns
	                                 : s->last_ns - rtt_ns);
	s->jsum_ns += d;
	s->jlast_ns = d;
	s->jint_ns += (d - s->jint_ns) / 16.0;
	if (d > s->jmax_ns)
		s->jmax_ns = d;
}

void
stats_add_reply(struct stats *s, int64_t rtt_ns)
{
	double x, delta;

	if (rtt_ns < 0)
		rtt_ns = 0;
	x = (double)rtt_ns;
	add_jitter(s, rtt_ns);
	s->received++;
	delta = x - s->mean_ns;
	s->mean_ns += delta / s->received;
	s->m2 += delta * (x - s->mean_ns);
	s->last_ns = rtt_ns;
	if (s->best_ns < 0 || rtt_ns < s->best_ns)
		s->best_ns = rtt_ns;
	if (s->worst_ns < 0 || rtt_ns > s->worst_ns)
		s->worst_ns = rtt_ns;
}

void
stats_add_loss(struct stats *s)
{
	s->lost++;
}

uint32_t
stats_pending(const struct stats *s)
{
	uint32_t settled = s->received + s->lost;

	/* Responder stats count replies but no sends: nothing pending. */
	return s->sent > settled ? s->sent - settled : 0;
}

double
stats_loss_pct(const struct stats *s)
{
	double settled = (double)s->received + (double)s->lost;

	if (settled == 0)
		return 0.0;
	return (double)s->lost / settled * 100.0;
}

double
stats_avg_ns(const struct stats *s)
{
	return s->received > 0 ? s->mean_ns : 0.0;
}

double
stats_stdev_ns(const struct stats *s)
{
	if (s->received < 2 || s->m2 <= 0)
		return 0.0;
	return sqrt(s->m2 / (double)(s->received - 1));
}

double
stats_jitter_ns(const struct stats *s)
{
	if (s->received < 2)
		return 0.0;
	return s->jsum_ns / (double)(s->received - 1);
}

double
stats_jint_ns(const struct stats *s)
{
	return s->jint_ns;
}

void
history_init(struct history *h)
{
	history_init_len(h, STATS_HISTORY);
}

void
history_init_len(struct history *h, uint32_t len)
{
	uint32_t cap = 8;

	while (cap < len && cap < STATS_HISTORY)
		cap *= 2;
	memset(h, 0, sizeof(*h));
	h->cap = cap;
}

void
history_free(struct history *h)
{
	uint32_t cap = h->cap;

	free(h->s);
	memset(h, 0, sizeof(*h));
	h->cap = cap;
}

/*
 * The slots grow by doubling while the ring has not wrapped (head <
 * alloc <= cap), so samples 0..head-1 sit at their own index and stay put.
 */
void
history_add(struct history *h, const struct sample *s)
{
	if (h->cap == 0)
		h->cap = STATS_HISTORY;
	if (h->head < h->cap && h->head >= h->alloc) {
		h->alloc = h->alloc == 0 ? 8 : h->alloc * 2;
		if (h->alloc > h->cap)
			h->alloc = h->cap;
		h->s = xreallocarray(h->s, h->alloc, sizeof(*h->s));
	}
	h->s[h->head % h->cap] = *s;
	h->head++;
}

uint32_t
history_len(const struct history *h)
{
	return h->head < h->cap ? h->head : h->cap;
}

const struct sample *
history_get(const struct history *h, uint32_t i)
{
	if (i >= history_len(h))
		return NULL;
	/* head counts every sample; cap (a power of 2) divides 2^32, so
	 * the modulo stays continuous if head ever wraps. */
	return &h->s[(h->head - 1 - i) % h->cap];
}
