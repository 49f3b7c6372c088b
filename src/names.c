/* names: display form of a host through an optional namer. */
#include <stdio.h>

#include "hoptop/names.h"

const char *
names_format(const struct namer *n, enum name_mode mode, const struct haddr *a,
    char *buf, size_t len)
{
	char ip[ADDR_STRLEN], name[256];
	int have = 0;

	addr_str(a, ip, sizeof(ip));
	if (mode != NAMES_ADDR && n != NULL && n->name != NULL)
		have = n->name(n->ctx, a, name, sizeof(name));
	if (!have || mode == NAMES_ADDR)
		snprintf(buf, len, "%s", ip);
	else if (mode == NAMES_BOTH)
		snprintf(buf, len, "%s (%s)", name, ip);
	else
		snprintf(buf, len, "%s", name);
	return buf;
}

int
names_asn(const struct namer *n, const struct haddr *a, uint32_t *asn)
{
	if (n == NULL || n->asn == NULL)
		return 0;
	return n->asn(n->ctx, a, asn);
}
