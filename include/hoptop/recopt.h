/*
 * recopt: a recording's header and the command line's options, both ways.
 * What --record writes down of a run, and what --replay takes back from
 * it (record.h, replay.h, docs/RECORDING.md). Pure: no I/O.
 */
#ifndef HOPTOP_RECOPT_H
#define HOPTOP_RECOPT_H

#include <time.h>

#include "hoptop/cli.h"
#include "hoptop/record.h"
#include "hoptop/replay.h"
#include "hoptop/transport.h"

/*
 * The header for a run of o on transport t (its params, method and
 * source), to target_name from host. start_ns and wall_offset_ns are the
 * caller's to fill in.
 */
void recopt_header(struct recording_header *h, const struct options *o,
    const struct transport *t, const char *target_name, const char *host);
/* The options that shaped the recorded run, onto o. */
void recopt_options(const struct recording_header *h, struct options *o);
/* A report's end and reset times, from the recording (wall clock). */
void recopt_meta_times(const struct replay *rp, time_t *ended, time_t *reset);

#endif
