/* recopt: a recording's header and the options, both ways (recopt.h). */
#include <stdio.h>
#include <string.h>

#include "hoptop/recopt.h"

void
recopt_header(struct recording_header *h, const struct options *o,
    const struct transport *t, const char *target_name, const char *host)
{
	static const char *const modes[] = {"monitor", "report", "once"};

	memset(h, 0, sizeof(*h));
	h->format = RECORDING_FORMAT;
	snprintf(h->version, sizeof(h->version), "%s", HOPTOP_VERSION);
	snprintf(h->mode, sizeof(h->mode), "%s",
	    (unsigned)o->mode < 3 ? modes[o->mode] : "monitor");
	h->tp = t->params;
	snprintf(h->method, sizeof(h->method), "%s", t->ops->method(t));
	t->ops->source(t, &h->source);
	snprintf(h->host, sizeof(h->host), "%s", host);
	snprintf(h->target_name, sizeof(h->target_name), "%s", target_name);
	h->simulated = o->demo;
	h->first_ttl = o->first_ttl;
	h->max_ttl = o->max_ttl;
	h->probes = o->probes;
	h->interval_s = o->interval_s;
	h->timeout_s = o->timeout_s;
	h->count = o->count > 0 ? (unsigned)o->count : 0;
	h->started = (int64_t)time(NULL);
	h->show_mpls = o->show_mpls;
	h->show_asn = o->show_asn;
}

void
recopt_options(const struct recording_header *h, struct options *o)
{
	o->proto = h->tp.proto;
	o->port = h->tp.port;
	o->flows = h->tp.flows;
	o->family = h->tp.family;
	o->first_ttl = h->first_ttl;
	o->max_ttl = h->max_ttl;
	o->probes = h->probes;
	o->interval_s = h->interval_s;
	o->timeout_s = h->timeout_s;
	o->count = (long)h->count;
	o->show_mpls = o->show_mpls || h->show_mpls;
	o->ping_ttl = 0; /* a recorded control, re-applied from the file */
}

void
recopt_meta_times(const struct replay *rp, time_t *ended, time_t *reset)
{
	*ended = (time_t)replay_wall_s(rp);
	*reset = (time_t)replay_reset_wall_s(rp);
}
