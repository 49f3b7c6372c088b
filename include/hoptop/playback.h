/*
 * playback: a replay's keys and header words in the monitor. p / space
 * pause the replay (not the engine), > and < change its pace, G runs it
 * to the end; the keys that changed what was measured (r, + and -, P) are
 * the recording's, re-applied at their recorded times.
 */
#ifndef HOPTOP_PLAYBACK_H
#define HOPTOP_PLAYBACK_H

#include "hoptop/loop.h"
#include "hoptop/replay.h"

struct playback {
	struct replay *rp;
	char state[64]; /* "REPLAY x2", for the header */
};

/* Fills pb and lr for rp; returns lr for loop_parts.replay. */
const struct loop_replay *playback_hooks(
    struct playback *pb, struct loop_replay *lr, struct replay *rp);

#endif
