/*
 * tlist: reads -F FILE. The parser is pure (tlist_parse); tlist_load only
 * reads the file into memory first (at most TLIST_FILE_MAX bytes).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/tlist.h"
#include "hoptop/xmalloc.h"

#define TLIST_FILE_MAX (16u << 20)

void
tlist_init(struct tlist *tl)
{
	memset(tl, 0, sizeof(*tl));
}

void
tlist_reset(struct tlist *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		free(tl->v[i].name);
	free(tl->v);
	tlist_init(tl);
}

static void
add(struct tlist *tl, const char *name, size_t len, int line)
{
	if (tl->n == tl->cap) {
		tl->cap = tl->cap > 0 ? tl->cap * 2 : 16;
		tl->v = xreallocarray(tl->v, tl->cap, sizeof(*tl->v));
	}
	tl->v[tl->n].name = xmalloc(len + 1);
	memcpy(tl->v[tl->n].name, name, len);
	tl->v[tl->n].name[len] = '\0';
	tl->v[tl->n].line = line;
	tl->n++;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line (without its newline). Returns 0, or -1 with err set. */
static int
parse_line(struct tlist *tl, const char *file, int line, const char *s,
    size_t len, char *err, size_t errlen)
{
	const char *hash = memchr(s, '#', len);
	size_t a = 0, b;

	if (hash != NULL)
		len = (size_t)(hash - s);
	while (a < len && blank(s[a]))
		a++;
	b = len;
	while (b > a && blank(s[b - 1]))
		b--;
	if (a == b)
		return 0;
	for (size_t i = a; i < b; i++) {
		unsigned char c = (unsigned char)s[i];

		if (blank((char)c)) {
			snprintf(err, errlen,
			    "%s:%d: more than one target on the line (one "
			    "a line; # starts a comment)",
			    file, line);
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen,
			    "%s:%d: a control character in the target (give "
			    "a host name or an address)",
			    file, line);
			return -1;
		}
	}
	if (b - a > TLIST_NAME_MAX) {
		snprintf(err, errlen,
		    "%s:%d: the target is longer than %d characters (give a "
		    "host name or an address)",
		    file, line, TLIST_NAME_MAX);
		return -1;
	}
	add(tl, s + a, b - a, line);
	return 0;
}

int
tlist_parse(struct tlist *tl, const char *file, const char *text, size_t len,
    char *err, size_t errlen)
{
	size_t start = 0;
	int line = 1;

	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen,
		    "%s: a NUL byte: not a text file (give one target a line)",
		    file);
		return -1;
	}
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;

		if (parse_line(tl, file, line, text + start, end - start, err,
		        errlen) == -1)
			return -1;
		start = end + 1;
		line++;
	}
	return 0;
}

int
tlist_load(struct tlist *tl, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	char *buf;
	size_t len;
	size_t before = tl->n;
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "-F %s: %s (give a readable file)", file,
		    strerror(errno));
		return -1;
	}
	buf = xmalloc(TLIST_FILE_MAX + 1);
	len = fread(buf, 1, TLIST_FILE_MAX + 1, f);
	if (ferror(f) || len > TLIST_FILE_MAX) {
		snprintf(err, errlen, "-F %s: %s", file,
		    ferror(f) ? strerror(errno)
		              : "larger than 16 MB (give one target a line)");
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	rc = tlist_parse(tl, file, buf, len, err, errlen);
	free(buf);
	if (rc == 0 && tl->n == before) {
		snprintf(err, errlen,
		    "-F %s: no target in the file (one a line; # starts a "
		    "comment)",
		    file);
		return -1;
	}
	return rc;
}
