/*
 * net: real sockets. Raw sockets (CAP_NET_RAW), ICMP ping sockets and UDP
 * with IP_RECVERR, kernel receive and send timestamps.
 *
 * Order at start-up: net_prepare() opens every socket that needs privilege
 * (both families), priv_drop() (priv.h) gives privilege up for good, then
 * the target is resolved and net_transport_new() keeps the sockets of its
 * family and closes the rest.
 */
#ifndef HOPTOP_NET_H
#define HOPTOP_NET_H

#include <stddef.h>

#include "hoptop/transport.h"

struct net_prep;

/*
 * Opens what the method needs (METHOD_AUTO: raw sockets if allowed, else the
 * unprivileged kinds). Returns NULL with a one-line message naming the fix
 * (e.g. "setcap cap_net_raw+ep") when nothing usable can be opened.
 */
struct net_prep *net_prepare(
    enum probe_proto proto, enum net_method method, char *err, size_t errlen);
/* (net_prepare returns NULL with errno EACCES when ICMP had neither raw nor
 * ping sockets allowed: UDP with IP_RECVERR still works for any user.) */
void net_prep_free(struct net_prep *np);
/*
 * A transport toward tp->target over the prepared sockets of tp->family;
 * takes them out of np (and closes the other family's). Its fd is the one
 * receive socket, or an epoll fd over several (raw TCP: ICMP + TCP; UDP
 * sockets: one per flow). Method names: "raw socket", "ping socket",
 * "UDP socket (IP_RECVERR)". Returns NULL with a message in err.
 */
struct transport *net_transport_new(struct net_prep *np,
    const struct transport_params *tp, char *err, size_t errlen);
/*
 * Whether several targets can share t's sockets (send_to): raw and ping
 * sockets can; unprivileged UDP's are connected to the one target.
 */
bool net_transport_shareable(const struct transport *t);

#endif
