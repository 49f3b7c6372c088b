/*
 * net: real sockets. Raw sockets (CAP_NET_RAW), ICMP ping sockets and UDP
 * with IP_RECVERR, kernel receive timestamps, and the privilege drop.
 *
 * Order at start-up: net_prepare() opens every socket that needs privilege
 * (both families), net_drop_privileges() gives privilege up for good, then
 * the target is resolved and net_transport_new() keeps the sockets of its
 * family and closes the rest.
 */
#ifndef HOPTOP_NET_H
#define HOPTOP_NET_H

#include <stddef.h>

#include "hoptop/cli.h"
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
 * Returns to the real uid/gid if setuid, clears every capability (effective,
 * permitted, inheritable, ambient and, when allowed, the bounding set) and
 * sets no_new_privs. Run as root, the process keeps uid 0 but loses every
 * capability: sockets already open keep working, nothing privileged can be
 * opened afterwards. Returns 0, or -1 with a message.
 */
int net_drop_privileges(char *err, size_t errlen);

/*
 * The interval rule, as ping has it: below NET_USER_MIN_INTERVAL_S only
 * for root or a process holding CAP_NET_RAW (checked before the drop).
 * Returns 0, or -1 with a message naming the fix in err.
 */
#define NET_USER_MIN_INTERVAL_S 0.1
int net_check_interval(double interval_s, char *err, size_t errlen);
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
