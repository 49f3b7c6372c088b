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

/*
 * The one sanitiser for text hoptop did not write itself (a target as
 * typed, a scenario's strings, host names, the host's own name) before it
 * reaches any output. names_safe_char: the byte length of the character
 * at s if it may be shown as it is (printable ASCII, or well-formed UTF-8
 * that is not a C1 control, U+0080-U+009F), or 0 if the byte at s must be
 * escaped (C0 controls, DEL, C1 controls, invalid or overlong UTF-8,
 * surrogates). names_sanitize copies s into buf (len bytes, always
 * terminated, cut at a whole character or escape) with each such byte
 * written as \xHH. Returns buf.
 */
size_t names_safe_char(const char *s);
char *names_sanitize(const char *s, char *buf, size_t len);

#endif
