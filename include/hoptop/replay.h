/*
 * replay: a recording (record.h, docs/RECORDING.md) played back as a
 * transport plus a clock, so the same engine, path and statistics run
 * again. send() gives back the recorded send time, recv() the recorded
 * replies (and kernel send stamps) once the replay clock reaches the time
 * they were read; the engine acts at the recorded times (engine_time) and
 * applies the recorded controls (reset, probes per hop, pause, ping).
 *
 * The file is read as the replay goes (memory stays small); a cut-off or
 * unreadable rest ends the records there (replay_problem says so).
 */
#ifndef HOPTOP_REPLAY_H
#define HOPTOP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hoptop/clock.h"
#include "hoptop/names.h"
#include "hoptop/record.h"
#include "hoptop/transport.h"

struct replay;

/*
 * Opens path and reads its header. Returns the replay, or NULL with a
 * one-line message in err: the file cannot be read, is not a recording,
 * or is of a newer format than RECORDING_FORMAT.
 */
struct replay *replay_open(const char *path, char *err, size_t errlen);
/* Also from a buffer (the fuzzer, tests); buf is copied. */
struct replay *replay_open_mem(
    const void *buf, size_t len, char *err, size_t errlen);
void replay_free(struct replay *rp); /* NULL is a no-op */

const struct recording_header *replay_header(const struct replay *rp);
/* The transport and the clock; rp owns them (transport_free is a no-op). */
struct transport *replay_transport(struct replay *rp);
const struct hclock *replay_clock(struct replay *rp);
/* The names (and AS numbers) recorded so far. */
struct namer replay_namer(struct replay *rp);
/* Called once when the records end (main stops the engine there). */
void replay_on_end(struct replay *rp, void (*fn)(void *ctx), void *ctx);

/*
 * Pace: speed 1 is the recorded pace, 2 twice as fast, ...; 0 as fast as
 * possible (reports). to_end: as fast as possible to the end, then the
 * recorded pace. paused: the clock stands still.
 */
void replay_set_speed(struct replay *rp, double speed);
double replay_speed(const struct replay *rp);
void replay_set_paused(struct replay *rp, bool paused);
bool replay_paused(const struct replay *rp);
void replay_to_end(struct replay *rp);
bool replay_at_end(const struct replay *rp);
/* Wall clock of the recording at the replay clock's now, seconds. */
int64_t replay_wall_s(const struct replay *rp);
/* Wall clock of the last recorded reset, seconds (0: none). */
int64_t replay_reset_wall_s(const struct replay *rp);
/* Records that did not fit what the engine did (0: an exact replay). */
unsigned long replay_diverged(const struct replay *rp);
/* Why the records ended early (cut off, bad line), or NULL. */
const char *replay_problem(const struct replay *rp);

#endif
