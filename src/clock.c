/* clock: monotonic time, and kernel realtime stamps moved onto it. */
#include "hoptop/clock.h"

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS_PER_S + ts->tv_nsec;
}

int64_t
clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

int64_t
clock_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return ts_ns(&ts);
}

int64_t
clock_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts_ns(&ts);
}

static int64_t
monotonic_now(const struct hclock *c)
{
	(void)c;
	return clock_mono_ns();
}

const struct hclock clock_monotonic = {monotonic_now, NULL, NULL};

static int64_t
wall_now(const struct hclock *c)
{
	(void)c;
	return clock_wall_ns();
}

const struct hclock clock_wall = {wall_now, NULL, NULL};
