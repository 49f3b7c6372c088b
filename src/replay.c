/*
 * replay: a recording played back as a transport and a clock.
 *
 * The records are consumed strictly in the order they were written, one
 * line of lookahead (the "front"): a reply by recv, a send by send, a
 * control by control, an expiry mark by engine_time. Names and method
 * lines are applied as they reach the front. The clock never runs past
 * the front record's time, and the engine acts only at recorded times,
 * so its calls meet the records as they met the network: the same
 * replies, in the same order, between the same expiries and sends.
 *
 * A record still at the front after a whole pass at its time did not
 * fit (the engine did something else): it is dropped and counted
 * (replay_diverged), so a replay never hangs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay_private.h"
#include "hoptop/xmalloc.h"

/* ---- the transport ---- */

static int
rp_fd(struct transport *t)
{
	(void)t;
	return -1;
}

/* A record the engine did not ask for, or asked for differently. */
static void
diverge(struct replay *rp)
{
	rp->diverged++;
}

static int
rp_send(struct transport *t, const struct probe *p, int64_t *sent_ns)
{
	struct replay *rp = (struct replay *)t;
	struct rec *f = replay_front(rp);

	if (f == NULL || f->type != R_SEND) {
		if (f != NULL)
			diverge(rp);
		errno = ENOBUFS; /* a probe the recording never sent: lost */
		return -1;
	}
	if (f->probe.seq != p->seq || f->probe.ttl != p->ttl ||
	    f->probe.flow != p->flow)
		diverge(rp);
	*sent_ns = f->sent_ns;
	errno = f->err;
	replay_advance(rp);
	return errno != 0 ? -1 : 0;
}

static int
rp_send_ping(struct transport *t, const struct haddr *dst, uint16_t seq,
    int64_t *sent_ns)
{
	struct replay *rp = (struct replay *)t;
	struct rec *f = replay_front(rp);

	t->params.ping_to = *dst;
	if (f == NULL || f->type != R_PING) {
		if (f != NULL)
			diverge(rp);
		errno = ENOBUFS;
		return -1;
	}
	if (f->probe.seq != seq || !addr_eq(&f->dst, dst))
		diverge(rp);
	*sent_ns = f->sent_ns;
	errno = f->err;
	replay_advance(rp);
	return errno != 0 ? -1 : 0;
}

static int
rp_recv(struct transport *t, struct reply *r, int64_t now_ns)
{
	struct replay *rp = (struct replay *)t;
	struct rec *f = replay_front(rp);

	if (f == NULL || f->type != R_RECV || f->t > now_ns)
		return 0;
	*r = f->reply;
	replay_advance(rp);
	return 1;
}

static int64_t
rp_next_deadline(struct transport *t)
{
	struct rec *f = replay_front((struct replay *)t);

	return f != NULL ? f->t : CLOCK_NEVER;
}

static const char *
rp_method(const struct transport *t)
{
	return ((const struct replay *)t)->method;
}

static void
rp_source(const struct transport *t, struct haddr *out)
{
	*out = ((const struct replay *)t)->h.source;
}

static void
rp_free(struct transport *t)
{
	(void)t; /* the replay owns it */
}

static int
rp_control(struct transport *t, int64_t now_ns, struct transport_note *n)
{
	struct replay *rp = (struct replay *)t;
	struct rec *f = replay_front(rp);

	if (f == NULL || f->type != R_NOTE || f->note.kind == NOTE_TICK ||
	    f->t > now_ns)
		return 0;
	*n = f->note;
	if (n->kind == NOTE_RESET)
		rp->reset_wall_s = (f->t + rp->h.wall_offset_ns) / NS_PER_S;
	replay_advance(rp);
	return 1;
}

/*
 * The engine acts at the time of the front record when that is an engine
 * record that is due; expiry marks are taken here. Otherwise at the time
 * of the last engine record. After the end: the clock's own time.
 */
static int64_t
rp_engine_time(struct transport *t, int64_t now_ns)
{
	struct replay *rp = (struct replay *)t;
	struct rec *f;

	while ((f = replay_front(rp)) != NULL && f->t <= now_ns) {
		if (f->type == R_RECV)
			break;
		rp->act = f->t;
		if (f->type != R_NOTE || f->note.kind != NOTE_TICK)
			break;
		replay_advance(rp);
	}
	return replay_front(rp) == NULL ? now_ns : rp->act;
}

static int64_t
rp_engine_deadline(struct transport *t, int64_t engine_ns)
{
	struct rec *f = replay_front((struct replay *)t);

	return f != NULL ? f->t : engine_ns;
}

static const struct transport_ops replay_ops = {
    .fd = rp_fd,
    .send = rp_send,
    .recv = rp_recv,
    .next_deadline = rp_next_deadline,
    .method = rp_method,
    .source = rp_source,
    .free = rp_free,
    .send_ping = rp_send_ping,
    .control = rp_control,
    .engine_time = rp_engine_time,
    .engine_deadline = rp_engine_deadline,
};

/* ---- the clock ---- */

static int64_t
rp_now(const struct hclock *c)
{
	struct replay *rp = c->ctx;
	int64_t el;

	if (!rp->fresh)
		return rp->cur;
	rp->fresh = false;
	rp->ran = true;
	el = clock_mono_ns() - rp->wait_real_ns;
	if (rp->speed > 0 && !rp->paused && !rp->to_end && el > 0) {
		double v = (double)el * rp->speed;

		rp->cur = v >= (double)(rp->target - rp->cur)
		              ? rp->target
		              : rp->cur + (int64_t)v;
	}
	return rp->cur;
}

static void
ended(struct replay *rp)
{
	if (rp->ended)
		return;
	rp->ended = true;
	rp->to_end = false;
	if (rp->on_end != NULL)
		rp->on_end(rp->on_end_ctx);
}

/*
 * The loop would wait wait_ns: a record still at the front after a pass
 * at its time is dropped; then the clock is set to move to the front
 * record (after the end: wait_ns on), at once when as fast as possible,
 * else at the pace (on the next read), never past the front record.
 * Returns the real wait.
 */
static int64_t
rp_wait(const struct hclock *c, int64_t wait_ns)
{
	struct replay *rp = c->ctx;
	struct rec *f;
	bool fast;

	rp_now(c);
	while (rp->ran && (f = replay_front(rp)) != NULL && f->t <= rp->cur) {
		diverge(rp);
		replay_advance(rp);
	}
	if ((f = replay_front(rp)) == NULL)
		ended(rp);
	if (wait_ns > 3600 * NS_PER_S)
		wait_ns = 3600 * NS_PER_S;
	fast = rp->speed <= 0 || rp->to_end;
	rp->fresh = true;
	rp->wait_real_ns = clock_mono_ns();
	rp->target = f != NULL ? f->t : rp->cur + wait_ns;
	if (fast) {
		if (rp->target > rp->cur) {
			rp->cur = rp->target;
			rp->ran = false;
		}
		return 0;
	}
	if (rp->target > rp->cur + wait_ns)
		rp->target = rp->cur + wait_ns;
	if (rp->paused)
		return wait_ns;
	return (int64_t)((double)(rp->target - rp->cur) / rp->speed);
}

/* ---- opening ---- */

static struct replay *
open_gz(gzFile gz, const char *path, char *err, size_t errlen)
{
	struct replay *rp = xcalloc(1, sizeof(*rp));

	rp->gz = gz;
	rp->line = xmalloc(LINE_MAX_LEN);
	if (replay_read_header(rp, path, err, errlen) == -1) {
		replay_free(rp);
		return NULL;
	}
	rp->names = xcalloc(NAMES_MAX, sizeof(*rp->names));
	rp->base.ops = &replay_ops;
	rp->base.params = rp->h.tp;
	rp->clk.now_ns = rp_now;
	rp->clk.wait = rp_wait;
	rp->clk.ctx = rp;
	rp->last_t = rp->h.start_ns;
	rp->speed = 1;
	snprintf(rp->method, sizeof(rp->method), "%s", rp->h.method);
	replay_advance(rp);
	/* The engine's first act is the first record's: start there. */
	rp->cur = rp->act =
	    replay_front(rp) != NULL ? replay_front(rp)->t : rp->h.start_ns;
	return rp;
}

struct replay *
replay_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	gzFile gz;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
		    "--replay %s is a directory (give a file made with "
		    "--record)",
		    path);
		return NULL;
	}
	gz = gzopen(path, "rb");
	if (gz == NULL) {
		snprintf(err, errlen,
		    "--replay %s: %s (give a file made with "
		    "--record)",
		    path, strerror(errno != 0 ? errno : EIO));
		return NULL;
	}
	gzbuffer(gz, 64 * 1024);
	return open_gz(gz, path, err, errlen);
}

struct replay *
replay_open_mem(const void *buf, size_t len, char *err, size_t errlen)
{
	int fd = memfd_create("hoptop-replay", MFD_CLOEXEC);
	gzFile gz;

	if (fd == -1 || write(fd, buf, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) != 0 || (gz = gzdopen(fd, "rb")) == NULL) {
		snprintf(
		    err, errlen, "cannot open the buffer: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	return open_gz(gz, "(buffer)", err, errlen);
}

void
replay_free(struct replay *rp)
{
	if (rp == NULL)
		return;
	gzclose(rp->gz);
	free(rp->line);
	free(rp->names);
	free(rp);
}

/* ---- the rest of the interface ---- */

const struct recording_header *
replay_header(const struct replay *rp)
{
	return &rp->h;
}

struct transport *
replay_transport(struct replay *rp)
{
	return &rp->base;
}

const struct hclock *
replay_clock(struct replay *rp)
{
	return &rp->clk;
}

static const struct name_ent *
find_name(struct replay *rp, const struct haddr *a)
{
	for (unsigned i = 0; i < rp->nnames; i++)
		if (addr_eq(&rp->names[i].addr, a))
			return &rp->names[i];
	return NULL;
}

static int
name_of(void *ctx, const struct haddr *a, char *buf, size_t len)
{
	const struct name_ent *n = find_name(ctx, a);

	if (n == NULL || n->name[0] == '\0')
		return 0;
	snprintf(buf, len, "%s", n->name);
	return 1;
}

static int
asn_of(void *ctx, const struct haddr *a, uint32_t *asn)
{
	const struct name_ent *n = find_name(ctx, a);

	if (n == NULL || !n->has_asn)
		return 0;
	*asn = n->asn;
	return 1;
}

struct namer
replay_namer(struct replay *rp)
{
	struct namer n = {name_of, asn_of, rp};

	return n;
}

void
replay_on_end(struct replay *rp, void (*fn)(void *ctx), void *ctx)
{
	rp->on_end = fn;
	rp->on_end_ctx = ctx;
}

void
replay_set_speed(struct replay *rp, double speed)
{
	rp_now(&rp->clk); /* the time so far at the old pace */
	rp->speed = speed < 0 ? 0 : speed;
}

double
replay_speed(const struct replay *rp)
{
	return rp->speed;
}

void
replay_set_paused(struct replay *rp, bool paused)
{
	rp_now(&rp->clk);
	rp->paused = paused;
}

bool
replay_paused(const struct replay *rp)
{
	return rp->paused;
}

void
replay_to_end(struct replay *rp)
{
	if (!rp->ended)
		rp->to_end = true;
	rp->paused = false;
}

bool
replay_at_end(const struct replay *rp)
{
	return rp->ended;
}

int64_t
replay_wall_s(const struct replay *rp)
{
	return (rp->cur + rp->h.wall_offset_ns) / NS_PER_S;
}

int64_t
replay_reset_wall_s(const struct replay *rp)
{
	return rp->reset_wall_s;
}

unsigned long
replay_diverged(const struct replay *rp)
{
	return rp->diverged;
}

const char *
replay_problem(const struct replay *rp)
{
	return rp->problem[0] != '\0' ? rp->problem : NULL;
}
