/*
 * mux: virtual transports over one real one. A pump reads a batch of
 * replies from the real transport into one fixed array and threads each
 * onto its target's queue (a list through the array); each engine then
 * drains its own virtual transport. Nothing is allocated per packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/mux.h"
#include "hoptop/xmalloc.h"

#define MUX_BATCH 256
#define NO_SLOT   (-1)

struct vt {
	struct transport base; /* first: a struct transport * is a vt */
	struct mux *m;
	size_t index;
	uint16_t first_seq;    /* wire sequence of the engine's seq 1 */
	struct haddr ping_dst; /* the hop last pinged (unset: none) */
	int head, tail;        /* its queued replies in m->batch */
};

struct queued {
	struct reply r;
	int next;
};

struct mux {
	struct transport *real;
	size_t cap, n;
	unsigned slots;
	struct vt *vt;
	struct queued batch[MUX_BATCH];
	unsigned nbatch;
	size_t ntouched;
	size_t *touched;
	uint64_t foreign;
};

static int
vt_fd(struct transport *t)
{
	struct vt *v = (struct vt *)t;

	return v->m->real->ops->fd(v->m->real);
}

static int
vt_send(struct transport *t, const struct probe *p, int64_t *sent_ns)
{
	struct vt *v = (struct vt *)t;
	struct transport *real = v->m->real;
	struct probe wire = *p;

	if (p->seq == 0 || p->seq > v->m->slots) {
		errno = EINVAL;
		return -1;
	}
	wire.seq = (uint16_t)(v->first_seq + p->seq - 1);
	return real->ops->send_to(real, &wire, &t->params.target, sent_ns);
}

static int
vt_send_ping(struct transport *t, const struct haddr *dst, uint16_t seq,
    int64_t *sent_ns)
{
	struct vt *v = (struct vt *)t;
	struct transport *real = v->m->real;

	if (real->ops->send_ping == NULL || seq == 0 || seq > v->m->slots) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	v->ping_dst = *dst;
	return real->ops->send_ping(
	    real, dst, (uint16_t)(v->first_seq + seq - 1), sent_ns);
}

static int
vt_recv(struct transport *t, struct reply *r, int64_t now_ns)
{
	struct vt *v = (struct vt *)t;
	struct queued *q;

	(void)now_ns;
	if (v->head == NO_SLOT)
		return 0;
	q = &v->m->batch[v->head];
	*r = q->r;
	r->seq = (uint16_t)(r->seq - v->first_seq + 1);
	v->head = q->next;
	if (v->head == NO_SLOT)
		v->tail = NO_SLOT;
	return 1;
}

static int64_t
vt_next_deadline(struct transport *t)
{
	struct vt *v = (struct vt *)t;

	return v->m->real->ops->next_deadline(v->m->real);
}

static const char *
vt_method(const struct transport *t)
{
	const struct vt *v = (const struct vt *)t;

	return v->m->real->ops->method(v->m->real);
}

static void
vt_source(const struct transport *t, struct haddr *out)
{
	const struct vt *v = (const struct vt *)t;

	v->m->real->ops->source(v->m->real, out);
}

static void
vt_free(struct transport *t)
{
	(void)t; /* the mux owns it */
}

static const struct transport_ops vt_ops = {
    .fd = vt_fd,
    .send = vt_send,
    .recv = vt_recv,
    .next_deadline = vt_next_deadline,
    .method = vt_method,
    .source = vt_source,
    .free = vt_free,
    .send_ping = vt_send_ping,
};

struct mux *
mux_new(struct transport *real, size_t ntargets)
{
	struct mux *m;

	if (real->ops->send_to == NULL) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (ntargets == 0 || PACKET_SEQ_MAX / ntargets < 2) {
		errno = EINVAL;
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->real = real;
	m->cap = ntargets;
	m->slots = (unsigned)(PACKET_SEQ_MAX / ntargets);
	m->vt = xcalloc(ntargets, sizeof(*m->vt));
	m->touched = xcalloc(ntargets, sizeof(*m->touched));
	return m;
}

void
mux_free(struct mux *m)
{
	if (m == NULL)
		return;
	free(m->vt);
	free(m->touched);
	free(m);
}

unsigned
mux_seq_slots(const struct mux *m)
{
	return m->slots;
}

size_t
mux_count(const struct mux *m)
{
	return m->n;
}

struct transport *
mux_add(struct mux *m, const struct haddr *target)
{
	struct vt *v;

	if (m->n >= m->cap)
		return NULL;
	v = &m->vt[m->n];
	v->base.ops = &vt_ops;
	v->base.params = m->real->params;
	v->base.params.target = *target;
	v->base.params.any_target = false;
	v->m = m;
	v->index = m->n;
	v->first_seq = (uint16_t)(m->n * m->slots + 1);
	v->head = v->tail = NO_SLOT;
	m->n++;
	return &v->base;
}

/* The target whose range holds wire sequence seq, or NULL. */
static struct vt *
owner(struct mux *m, uint16_t seq)
{
	size_t i;

	if (seq == 0)
		return NULL;
	i = (size_t)(seq - 1) / m->slots;
	return i < m->n ? &m->vt[i] : NULL;
}

/* Whether r answers a probe v sent: to its target, or its ping. */
static bool
fits(const struct vt *v, const struct reply *r)
{
	if (r->kind == REPLY_TX_STAMP)
		return true;
	return addr_eq(&r->probe_dst, &v->base.params.target) ||
	       (addr_is_set(&v->ping_dst) &&
	           addr_eq(&r->probe_dst, &v->ping_dst));
}

static void
enqueue(struct mux *m, struct vt *v, const struct reply *r)
{
	int k = (int)m->nbatch++;

	m->batch[k].r = *r;
	m->batch[k].next = NO_SLOT;
	if (v->tail == NO_SLOT) {
		v->head = k;
		m->touched[m->ntouched++] = v->index;
	} else {
		m->batch[v->tail].next = k;
	}
	v->tail = k;
}

unsigned
mux_pump(struct mux *m, int64_t now_ns)
{
	struct reply r;
	struct vt *v;
	unsigned read = 0;

	/* what the engines did not take of the last batch is dropped */
	for (size_t i = 0; i < m->ntouched; i++)
		m->vt[m->touched[i]].head = m->vt[m->touched[i]].tail = NO_SLOT;
	m->nbatch = 0;
	m->ntouched = 0;
	while (read < MUX_BATCH) {
		memset(&r, 0, sizeof(r));
		if (m->real->ops->recv(m->real, &r, now_ns) != 1)
			break;
		read++;
		v = owner(m, r.seq);
		if (v == NULL || !fits(v, &r)) {
			m->foreign++;
			continue;
		}
		enqueue(m, v, &r);
	}
	return read;
}

size_t
mux_ntouched(const struct mux *m)
{
	return m->ntouched;
}

size_t
mux_touched(const struct mux *m, size_t i)
{
	return m->touched[i];
}

uint64_t
mux_foreign(const struct mux *m)
{
	return m->foreign;
}
