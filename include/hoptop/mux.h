/*
 * mux: several targets on one real transport's sockets. Each target gets
 * a virtual transport (what its engine talks to) and its own range of the
 * 16-bit sequence space; replies are routed to their target by the
 * sequence on the wire, and a reply whose probe was not going to that
 * target (or to the hop it pinged) is dropped.
 *
 * The engine of target i numbers its probes 1..mux_seq_slots(); its
 * virtual transport sends them as i * slots + seq, and hands replies back
 * renumbered. Kernel send stamps carry the wire sequence too, so they
 * find their target the same way.
 */
#ifndef HOPTOP_MUX_H
#define HOPTOP_MUX_H

#include <stddef.h>
#include <stdint.h>

#include "hoptop/transport.h"

struct mux;

/*
 * A mux for up to ntargets targets over real (borrowed: the caller frees
 * it after mux_free). real must have send_to, and any_target set in its
 * params. Returns NULL with errno EINVAL when ntargets is 0 or leaves
 * fewer than 2 sequences per target, EOPNOTSUPP without send_to.
 */
struct mux *mux_new(struct transport *real, size_t ntargets);
void mux_free(struct mux *m); /* frees the virtual transports too */
/* Sequences per target: the size of each engine's registry. */
unsigned mux_seq_slots(const struct mux *m);
/*
 * The virtual transport of the next target (index = targets added
 * before), owned by the mux (transport_free on it is a no-op). Its params
 * are real's with target set. Returns NULL when ntargets were added.
 */
struct transport *mux_add(struct mux *m, const struct haddr *target);
size_t mux_count(const struct mux *m);
/*
 * Reads what real has (up to a batch) and queues each reply on its
 * target's virtual transport. Returns how many were read (a full batch:
 * call again after the engines took theirs); the targets that got any
 * are mux_touched(m, 0 .. mux_ntouched(m) - 1), in order of arrival.
 */
unsigned mux_pump(struct mux *m, int64_t now_ns);
size_t mux_ntouched(const struct mux *m);
size_t mux_touched(const struct mux *m, size_t i);
/* Replies dropped: a sequence outside every range, or a probe that was
 * not going to the target of its range. */
uint64_t mux_foreign(const struct mux *m);

#endif
