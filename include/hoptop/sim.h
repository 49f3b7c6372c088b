/* sim: an in-process transport over netsim: no root, no kernel. */
#ifndef HOPTOP_SIM_H
#define HOPTOP_SIM_H

#include "hoptop/clock.h"
#include "hoptop/netsim.h"
#include "hoptop/transport.h"

/*
 * A transport that hands probes (built with packet_build_ip) to ns and gives
 * back its replies when their time comes on clk. ns stays the caller's.
 */
struct transport *sim_new(struct netsim *ns, const struct transport_params *tp,
    const struct hclock *clk);

#endif
