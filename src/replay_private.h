/*
 * replay_private: what replay's files share: replay.c (the transport, the
 * clock, opening and the interface) and replay_read.c (reading the file:
 * the header, then one record of lookahead). Not a public interface.
 */
#ifndef HOPTOP_REPLAY_PRIVATE_H
#define HOPTOP_REPLAY_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <zlib.h>

#include "hoptop/replay.h"

#define LINE_MAX_LEN (64 * 1024)
#define NAMES_MAX    4096

enum rec_type { R_NONE = 0, R_SEND, R_PING, R_RECV, R_NOTE, R_END };

struct rec {
	enum rec_type type;
	int64_t t; /* engine time of the line */
	struct probe probe;
	struct haddr dst; /* R_PING */
	int64_t sent_ns;
	int err;
	struct reply reply;
	struct transport_note note;
};

struct name_ent {
	struct haddr addr;
	char name[256];
	bool has_asn;
	uint32_t asn;
};

struct replay {
	struct transport base; /* first */
	struct hclock clk;
	struct recording_header h;
	gzFile gz;
	char *line;
	unsigned long lineno;
	int64_t last_t; /* time of the last line read */
	struct rec front;
	bool eof; /* no more lines */
	char problem[256];
	char method[64];
	unsigned nnames;
	struct name_ent *names;
	/* the clock */
	int64_t cur, act;
	int64_t target, wait_real_ns;
	bool fresh, ran;
	double speed; /* 0: as fast as possible */
	bool paused, to_end;
	int64_t reset_wall_s;
	unsigned long diverged;
	void (*on_end)(void *ctx);
	void *on_end_ctx;
	bool ended;
};

/* The first line into rp->h: returns 0, or -1 with the message (naming
 * path) in err. */
int replay_read_header(
    struct replay *rp, const char *path, char *err, size_t errlen);
/* Moves the next timed record to the front (or marks the end). */
void replay_advance(struct replay *rp);
/* The front, or NULL at the end (R_END counts as the end). */
struct rec *replay_front(struct replay *rp);

#endif
