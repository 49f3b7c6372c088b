/*
 * names: how fronts ask for a responder's host name and AS number without
 * knowing the resolver. dns implements it; tests pass tables.
 */
#ifndef HOPTOP_NAMES_H
#define HOPTOP_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "hoptop/addr.h"

enum name_mode {
	NAMES_HOST = 0, /* host name (address while unknown) */
	NAMES_ADDR,     /* address only */
	NAMES_BOTH,     /* "name (address)" */
};

struct namer {
	/* Copies the name into buf and returns 1, or returns 0 if none. */
	int (*name)(void *ctx, const struct haddr *a, char *buf, size_t len);
	/* Sets *asn and returns 1, or returns 0 if unknown. May be NULL. */
	int (*asn)(void *ctx, const struct haddr *a, uint32_t *asn);
	void *ctx;
};

/*
 * Formats a host for display by mode: name, address, or both. With no
 * namer (NULL) or no name, the address. Returns buf.
 */
const char *names_format(const struct namer *n, enum name_mode mode,
    const struct haddr *a, char *buf, size_t len);
/* 1 and *asn if the namer knows the AS, else 0. */
int names_asn(const struct namer *n, const struct haddr *a, uint32_t *asn);

#endif
