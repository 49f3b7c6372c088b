/* playback: a replay's keys and header in the monitor (playback.h). */
#include <stdio.h>

#include "hoptop/playback.h"

#define SPEED_MAX 64

/* The next pace up or down: x1/64 .. x64, then as fast as possible. */
static double
next_speed(double speed, bool faster)
{
	if (speed <= 0)
		return faster ? 0 : SPEED_MAX;
	if (faster)
		return speed >= SPEED_MAX ? 0 : speed * 2;
	return speed <= 1.0 / SPEED_MAX ? speed : speed / 2;
}

static const char *
speed_text(double speed, char *buf, size_t len)
{
	if (speed <= 0)
		snprintf(buf, len, "as fast as possible");
	else if (speed >= 1)
		snprintf(buf, len, "x%g", speed);
	else
		snprintf(buf, len, "x1/%g", 1 / speed);
	return buf;
}

static bool
pb_key(void *ctx, enum ui_action a, struct ui *u)
{
	struct playback *pb = ctx;
	char sp[32];

	switch (a) {
	case UI_PAUSE:
		replay_set_paused(pb->rp, !replay_paused(pb->rp));
		ui_message(u, "replay %s",
		    replay_paused(pb->rp) ? "paused" : "resumed");
		return true;
	case UI_FASTER:
	case UI_SLOWER:
		replay_set_speed(
		    pb->rp, next_speed(replay_speed(pb->rp), a == UI_FASTER));
		ui_message(u, "replay %s",
		    speed_text(replay_speed(pb->rp), sp, sizeof(sp)));
		return true;
	case UI_END:
		replay_to_end(pb->rp);
		ui_message(u, "replay to the end");
		return true;
	case UI_RESET:
	case UI_PROBES_UP:
	case UI_PROBES_DOWN:
	case UI_PING_HOP:
		ui_message(u, "a replay re-applies the recording's own keys "
		              "(r, + -, P) at their times");
		return true;
	default:
		return false;
	}
}

static void
pb_header(void *ctx, struct ui_header *h)
{
	struct playback *pb = ctx;
	char sp[32];

	h->now = (time_t)replay_wall_s(pb->rp);
	if (replay_at_end(pb->rp))
		snprintf(pb->state, sizeof(pb->state), "REPLAY ended");
	else if (replay_paused(pb->rp))
		snprintf(pb->state, sizeof(pb->state), "REPLAY paused");
	else
		snprintf(pb->state, sizeof(pb->state), "REPLAY %s",
		    speed_text(replay_speed(pb->rp), sp, sizeof(sp)));
	h->replay = pb->state;
}

const struct loop_replay *
playback_hooks(struct playback *pb, struct loop_replay *lr, struct replay *rp)
{
	pb->rp = rp;
	pb->state[0] = '\0';
	lr->key = pb_key;
	lr->header = pb_header;
	lr->ctx = pb;
	return lr;
}
