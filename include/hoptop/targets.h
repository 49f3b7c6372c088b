/*
 * targets: what a run was asked to probe, in order: with --demo its own
 * scenario first, then the command line's TARGETs, then -F FILE's; and,
 * for the network, their addresses. Never prints: messages come back as
 * text (a note through a callback).
 */
#ifndef HOPTOP_TARGETS_H
#define HOPTOP_TARGETS_H

#include <stddef.h>

#include "hoptop/addr.h"
#include "hoptop/cli.h"
#include "hoptop/tlist.h"

struct target_want {
	const char *name; /* a name, an address or a scenario file; NULL:
	                     --demo's built-in scenario */
	int line;         /* -F FILE: its line; 0: the command line */
};

struct targets {
	struct target_want *want;
	size_t n;
	struct tlist tl;  /* -F FILE's entries (want points into them) */
	const char *file; /* -F FILE, or NULL */
};

/*
 * Fills ts (zeroed, or reset) from the options: reads -F FILE. Names
 * point into o's strings and ts->tl. Returns 0, or -1 with a message in
 * err.
 */
int targets_gather(
    struct targets *ts, const struct options *o, char *err, size_t errlen);
/* Frees what targets_gather made; ts may then be gathered again. */
void targets_reset(struct targets *ts);

/* A line worth saying on the way (not an error), e.g. which address of
 * several is traced. */
typedef void (*targets_note_fn)(const char *msg);
/*
 * Resolves every target into addr[0 .. ts->n-1] (blocking lookups, before
 * the loop starts), all of one family: family (-4/-6), or AF_UNSPEC for
 * the first target's. A name with several addresses: the first of the
 * family is traced, and note says so. Returns 0, or -1 with a message in
 * err: a name that does not resolve (with FILE:LINE for -F's), or two
 * targets with the same address.
 */
int targets_resolve(const struct targets *ts, int family, struct haddr *addr,
    targets_note_fn note, char *err, size_t errlen);

#endif
