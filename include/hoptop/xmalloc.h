/* xmalloc: allocation that dies cleanly (terminal restored first). */
#ifndef HOPTOP_XMALLOC_H
#define HOPTOP_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/*
 * Called once before an allocation failure exits (status 1); the UI sets it
 * to restore the terminal. NULL clears it.
 */
void xmalloc_set_fatal_hook(void (*hook)(void));
/* Runs the hook, then errx(3): "hoptop: MSG" on stderr, exit status 1. */
void xfatal(const char *msg) __attribute__((noreturn));

#endif
