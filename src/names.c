/* names: display form of a host through an optional namer. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

/* True if the n bytes after s[0] are UTF-8 continuation bytes. */
static bool
continued(const unsigned char *s, size_t n)
{
	for (size_t i = 1; i <= n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return false;
	return true;
}

size_t
names_safe_char(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;

	if (s[0] < 0x20 || s[0] == 0x7f)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf && continued(s, 1)) {
		cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return cp >= 0xa0 ? 2 : 0; /* U+0080-U+009F: C1 controls */
	}
	if (s[0] >= 0xe0 && s[0] <= 0xef && continued(s, 2)) {
		cp = (uint32_t)(s[0] & 0x0f) << 12 |
		     (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff) ? 3 : 0;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4 && continued(s, 3)) {
		cp = (uint32_t)(s[0] & 0x07) << 18 |
		     (uint32_t)(s[1] & 0x3f) << 12 |
		     (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		return cp >= 0x10000 && cp <= 0x10ffff ? 4 : 0;
	}
	return 0;
}

char *
names_sanitize(const char *s, char *buf, size_t len)
{
	size_t o = 0, n;

	if (len == 0)
		return buf;
	for (; *s != '\0'; s += n ? n : 1) {
		n = names_safe_char(s);
		if (o + (n ? n : 4) >= len)
			break;
		if (n != 0)
			memcpy(buf + o, s, n);
		else
			snprintf(buf + o, 5, "\\x%02x", (unsigned char)*s);
		o += n ? n : 4;
	}
	buf[o] = '\0';
	return buf;
}
