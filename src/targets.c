/* targets: the targets asked for, and their addresses. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hoptop/targets.h"
#include "hoptop/xmalloc.h"

int
targets_gather(
    struct targets *ts, const struct options *o, char *err, size_t errlen)
{
	size_t n = 0;

	tlist_init(&ts->tl);
	ts->file = o->target_file;
	if (o->target_file != NULL &&
	    tlist_load(&ts->tl, o->target_file, err, errlen) == -1)
		return -1;
	ts->want =
	    xcalloc((size_t)o->ntargets + ts->tl.n + 1, sizeof(*ts->want));
	if (o->demo)
		ts->want[n++] = (struct target_want){o->demo_file, 0};
	for (int i = 0; i < o->ntargets; i++)
		ts->want[n++] = (struct target_want){o->targets[i], 0};
	for (size_t i = 0; i < ts->tl.n; i++)
		ts->want[n++] =
		    (struct target_want){ts->tl.v[i].name, ts->tl.v[i].line};
	ts->n = n;
	return 0;
}

void
targets_reset(struct targets *ts)
{
	free(ts->want);
	tlist_reset(&ts->tl);
	memset(ts, 0, sizeof(*ts));
}

/* " (FILE:LINE)" for a target from -F, "" for one from the command line. */
static const char *
where(const struct targets *ts, const struct target_want *w, char *buf,
    size_t len)
{
	if (w->line == 0)
		return "";
	snprintf(buf, len, " (%s:%d)", ts->file, w->line);
	return buf;
}

/*
 * Resolves w into *out, of family (AF_UNSPEC: any); given: the family is
 * -4/-6's (else the first target's). Returns 0, or -1 with a message.
 */
static int
resolve_one(const struct targets *ts, const struct target_want *w, int family,
    bool given, struct haddr *out, targets_note_fn note, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	int rc, n = 0;
	char ip[ADDR_STRLEN], at[300], msg[512];
	struct haddr numeric;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo(w->name, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve '%s': %s%s%s", w->name,
		    gai_strerror(rc),
		    given                 ? " (for the family of -4/-6)"
		    : family != AF_UNSPEC ? " (for the family of the first "
		                            "target; -4/-6 choose one)"
		                          : "",
		    where(ts, w, at, sizeof(at)));
		return -1;
	}
	addr_from_sockaddr(res->ai_addr, out);
	for (ai = res; ai != NULL; ai = ai->ai_next)
		n++;
	freeaddrinfo(res);
	/* A name with several addresses: say which one is traced. */
	if (n > 1 && addr_parse(w->name, &numeric) != 0 && note != NULL) {
		snprintf(msg, sizeof(msg), "%s has %d addresses, tracing %s",
		    w->name, n, addr_str(out, ip, sizeof(ip)));
		note(msg);
	}
	return 0;
}

int
targets_resolve(const struct targets *ts, int family, struct haddr *addr,
    targets_note_fn note, char *err, size_t errlen)
{
	bool given = family != AF_UNSPEC;
	char ip[ADDR_STRLEN];

	for (size_t i = 0; i < ts->n; i++) {
		if (resolve_one(ts, &ts->want[i], family, given, &addr[i], note,
		        err, errlen) == -1)
			return -1;
		family = addr[0].family;
	}
	for (size_t i = 1; i < ts->n; i++)
		for (size_t j = 0; j < i; j++)
			if (addr_eq(&addr[i], &addr[j])) {
				snprintf(err, errlen,
				    "'%s' and '%s' are both %s (give each "
				    "target once)",
				    ts->want[j].name, ts->want[i].name,
				    addr_str(&addr[i], ip, sizeof(ip)));
				return -1;
			}
	return 0;
}
