/*
 * record: a transport that wraps another and tees what it sends and
 * receives, with the engine's times and notes (expiries, keys), to a
 * gzip-compressed file of JSON lines (docs/RECORDING.md). The wrapped
 * transport does the work; the engine does not know it is recorded.
 */
#ifndef HOPTOP_RECORD_H
#define HOPTOP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hoptop/names.h"
#include "hoptop/transport.h"

/* The format version this build writes, and the newest it reads. */
#define RECORDING_FORMAT 1

/* Everything a replay needs to start the engine as the run started. */
struct recording_header {
	int format;
	char version[32];           /* hoptop's */
	char mode[16];              /* "monitor", "report", "once" */
	struct transport_params tp; /* family, proto, target, ident, ... */
	char method[64];            /* "raw socket", "simulated", ... */
	struct haddr source;        /* may be unset */
	char host[256];             /* the local host name */
	char target_name[256];      /* as given, or the scenario's name */
	bool simulated;
	int first_ttl, max_ttl, probes;
	double interval_s, timeout_s;
	unsigned count;           /* cycles asked for; 0 = until quit */
	int64_t start_ns;         /* the engine clock at the start */
	int64_t wall_offset_ns;   /* CLOCK_REALTIME - engine clock */
	int64_t started;          /* wall clock, seconds */
	bool show_mpls, show_asn; /* -e, -z */
};

/*
 * Wraps inner (which it then owns) and writes h at once to path (created
 * or truncated). Returns the recording transport, or NULL with a message
 * in err (inner is then left to the caller). The file is flushed
 * (Z_SYNC_FLUSH) at least once per interval, so a kill loses at most the
 * last cycle; freeing the transport writes the end record and closes it.
 */
struct transport *record_new(struct transport *inner, const char *path,
    const struct recording_header *h, char *err, size_t errlen);
/* The names (and AS numbers) to record for responders as they are known;
 * n is copied; NULL: none. */
void record_set_namer(struct transport *t, const struct namer *n);
/* 0, or -1 with errno if a write to the file failed so far. */
int record_error(const struct transport *t);

#endif
