/* clock: the time source seam. All times are int64_t nanoseconds. */
#ifndef HOPTOP_CLOCK_H
#define HOPTOP_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_US   1000LL
#define NS_PER_MS   1000000LL
#define NS_PER_S    1000000000LL
#define CLOCK_NEVER INT64_MAX

/*
 * A clock returns monotonic nanoseconds. The engine, the DNS cache and the
 * UI take one, so tests can pass a fake whose time they advance by hand.
 */
struct hclock {
	int64_t (*now_ns)(const struct hclock *c);
	void *ctx;
	/*
	 * Optional (NULL: real time). A clock of its own pace (a replay's):
	 * told that the loop would wait wait_ns on it, moves as it likes and
	 * returns how long to really wait, in ns.
	 */
	int64_t (*wait)(const struct hclock *c, int64_t wait_ns);
};

/* The real CLOCK_MONOTONIC clock. */
extern const struct hclock clock_monotonic;
/* The real wall clock, clock_wall_ns (not monotonic: for what is shown). */
extern const struct hclock clock_wall;

static inline int64_t
clock_now(const struct hclock *c)
{
	return c->now_ns(c);
}

/* CLOCK_MONOTONIC in ns, read directly. */
int64_t clock_mono_ns(void);
/* CLOCK_REALTIME in ns. */
int64_t clock_real_ns(void);
/* The wall clock time(NULL) reads (CLOCK_REALTIME_COARSE), in ns: its
 * seconds always agree with time(NULL)'s, which CLOCK_REALTIME's can lead
 * by up to a tick near a second boundary. */
int64_t clock_wall_ns(void);
/* Nearest of two deadlines (CLOCK_NEVER = none). */
static inline int64_t
clock_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

#endif
