/*
 * fleet: the list of targets and the shared sockets. Only the engines
 * write the models; the fleet decides which engine runs when.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/fleet.h"
#include "hoptop/xmalloc.h"

/* Pump rounds per read pass: a flood cannot hold the loop. */
#define PUMP_ROUNDS 64

struct fleet {
	size_t n, cap;
	struct fleet_target *tg;
	int64_t *due; /* each engine's next deadline, kept up to date */
	struct transport *real; /* shared, or NULL */
	struct mux *mux;
	size_t sel;       /* the selected target: its path's dirty flag is the
	                     loop's; the others' fold into dirty */
	bool dirty;       /* a path other than the selected one changed */
	size_t done_upto; /* engines 0..done_upto-1 are done */
};

int64_t
fleet_start_delay(int64_t interval_ns, size_t i, size_t n)
{
	size_t slots = n < FLEET_SLOTS ? n : FLEET_SLOTS;

	while (slots > 1 && interval_ns / (int64_t)slots < FLEET_SLOT_MIN_NS)
		slots--;
	return (int64_t)(i * slots / n) * (interval_ns / (int64_t)slots);
}

unsigned
fleet_history_len(size_t n)
{
	return n <= 1 ? 0 : n > 100 ? 32 : 256;
}

struct fleet *
fleet_new(size_t cap)
{
	struct fleet *f = xcalloc(1, sizeof(*f));

	f->cap = cap > 0 ? cap : 1;
	f->tg = xcalloc(f->cap, sizeof(*f->tg));
	f->due = xcalloc(f->cap, sizeof(*f->due));
	return f;
}

void
fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++) {
		engine_free(f->tg[i].e);
		path_free(f->tg[i].p);
		transport_free(f->tg[i].t);
	}
	mux_free(f->mux);
	transport_free(f->real);
	free(f->tg);
	free(f->due);
	free(f);
}

void
fleet_set_shared(struct fleet *f, struct transport *real, struct mux *m)
{
	f->real = real;
	f->mux = m;
}

struct mux *
fleet_mux(const struct fleet *f)
{
	return f->mux;
}

struct fleet_target *
fleet_add(struct fleet *f, const char *name)
{
	struct fleet_target *t;

	if (f->n >= f->cap)
		return NULL;
	t = &f->tg[f->n];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	f->due[f->n] = 0; /* asked at the first pass */
	f->n++;
	return t;
}

size_t
fleet_count(const struct fleet *f)
{
	return f->n;
}

struct fleet_target *
fleet_target(const struct fleet *f, size_t i)
{
	return i < f->n ? &f->tg[i] : NULL;
}

/*
 * After engine i ran: its next deadline, and (but for the selected path,
 * whose flag the loop reads) its path's dirty flag folded into the fleet's,
 * so no pass has to look at every path.
 */
void
fleet_touch(struct fleet *f, size_t i)
{
	if (i >= f->n || f->tg[i].e == NULL)
		return;
	f->due[i] = engine_next_deadline(f->tg[i].e);
	if (i < f->done_upto && !engine_done(f->tg[i].e))
		f->done_upto = i; /* reset: not done after all */
	if (i != f->sel && f->tg[i].p->dirty) {
		f->tg[i].p->dirty = false;
		f->dirty = true;
	}
}

void
fleet_select(struct fleet *f, size_t i)
{
	if (i < f->n)
		f->sel = i;
}

int64_t
fleet_next_deadline(struct fleet *f)
{
	int64_t d = CLOCK_NEVER;

	for (size_t i = 0; i < f->n; i++)
		d = clock_min(d, f->due[i]);
	if (f->real != NULL)
		d = clock_min(d, f->real->ops->next_deadline(f->real));
	return d;
}

/* The transports that own sockets: the shared one, or each target's. */
static struct transport *
owned(const struct fleet *f, size_t i)
{
	if (f->real != NULL)
		return i == 0 ? f->real : NULL;
	return f->tg[i].t;
}

int
fleet_fds(const struct fleet *f, fd_set *r, int maxfd)
{
	struct transport *t;
	int fd;

	for (size_t i = 0; i < f->n; i++) {
		if ((t = owned(f, i)) == NULL)
			break;
		if ((fd = t->ops->fd(t)) >= 0) {
			FD_SET(fd, r);
			maxfd = fd > maxfd ? fd : maxfd;
		}
	}
	return maxfd;
}

static bool
transport_due(struct transport *t, const fd_set *r, int64_t now)
{
	int fd = t->ops->fd(t);

	if (fd >= 0 && FD_ISSET(fd, r))
		return true;
	return t->ops->next_deadline(t) <= now;
}

bool
fleet_replies_due(const struct fleet *f, const fd_set *r, int64_t now)
{
	struct transport *t;

	for (size_t i = 0; i < f->n; i++) {
		if ((t = owned(f, i)) == NULL)
			break;
		if (transport_due(t, r, now))
			return true;
	}
	return false;
}

/* Shared sockets: pump a batch, let each engine that got some take it. */
static void
read_shared(struct fleet *f, int64_t now)
{
	size_t k;

	for (int round = 0; round < PUMP_ROUNDS; round++) {
		unsigned got = mux_pump(f->mux, now);

		for (size_t i = 0; i < mux_ntouched(f->mux); i++) {
			k = mux_touched(f->mux, i);
			engine_read_replies(f->tg[k].e);
			fleet_touch(f, k);
		}
		if (got < 256)
			break;
	}
}

void
fleet_read_replies(struct fleet *f, int64_t now)
{
	if (f->mux != NULL) {
		read_shared(f, now);
		return;
	}
	for (size_t i = 0; i < f->n; i++) {
		engine_read_replies(f->tg[i].e);
		fleet_touch(f, i);
	}
}

/* Probes target i has sent so far. */
static uint64_t
sent_count(const struct fleet *f, size_t i)
{
	struct engine_counters c;

	engine_counters(f->tg[i].e, &c);
	return c.sent;
}

/*
 * Probes sent on shared sockets before their replies (and kernel send
 * stamps) are read: when many targets are due in one pass (a start slot,
 * or the loop fell behind), their bursts back to back would overrun the
 * socket's receive buffer.
 */
#define READ_EVERY 64

void
fleet_run_due(struct fleet *f, int64_t now)
{
	uint64_t before, unread = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (f->due[i] > now)
			continue;
		before = f->mux != NULL ? sent_count(f, i) : 0;
		engine_expire(f->tg[i].e, now);
		engine_send_due(f->tg[i].e, now);
		fleet_touch(f, i);
		if (f->mux == NULL)
			continue;
		unread += sent_count(f, i) - before;
		if (unread >= READ_EVERY) {
			read_shared(f, now);
			unread = 0;
		}
	}
}

/* Done engines stay done (unless reset: fleet_touch), so each is asked
 * until it is, not on every pass. */
bool
fleet_done(struct fleet *f)
{
	while (f->done_upto < f->n && engine_done(f->tg[f->done_upto].e))
		f->done_upto++;
	return f->done_upto == f->n;
}

void
fleet_stop(struct fleet *f)
{
	for (size_t i = 0; i < f->n; i++) {
		engine_stop(f->tg[i].e);
		fleet_touch(f, i);
	}
}

bool
fleet_dirty(const struct fleet *f)
{
	return f->dirty || (f->sel < f->n && f->tg[f->sel].p != NULL &&
	                       f->tg[f->sel].p->dirty);
}

void
fleet_clean(struct fleet *f)
{
	f->dirty = false;
	if (f->sel < f->n && f->tg[f->sel].p != NULL)
		f->tg[f->sel].p->dirty = false;
}
