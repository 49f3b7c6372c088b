/*
 * tlist: the targets of -F FILE, one a line. A '#' starts a comment (to
 * the end of the line); blank lines are skipped; surrounding spaces and
 * tabs are trimmed. Each entry remembers its line, so a target that will
 * not resolve can be named as FILE:LINE.
 */
#ifndef HOPTOP_TLIST_H
#define HOPTOP_TLIST_H

#include <stddef.h>

#define TLIST_NAME_MAX 253 /* longest DNS name */

struct tlist_item {
	char *name;
	int line;
};

struct tlist {
	struct tlist_item *v;
	size_t n, cap;
};

void tlist_init(struct tlist *tl);
void tlist_reset(struct tlist *tl); /* frees the names; empty again */
/*
 * Parses text (len bytes; NULs are an error) from file into tl (appended).
 * Returns 0, or -1 with "FILE:LINE: problem (fix)" in err, tl unchanged
 * past what was added before. A line holding two words, a control
 * character or more than TLIST_NAME_MAX characters is an error.
 */
int tlist_parse(struct tlist *tl, const char *file, const char *text,
    size_t len, char *err, size_t errlen);
/*
 * Reads and parses file. Returns 0, or -1 with a message in err: the
 * file cannot be read, a bad line, or no target in it at all.
 */
int tlist_load(struct tlist *tl, const char *file, char *err, size_t errlen);

#endif
