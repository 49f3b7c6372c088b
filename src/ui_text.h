/*
 * ui_text: text fitted to screen columns, curses-free (ui_text.c). The
 * screen's files draw what these return; tests/test_ui.c checks them
 * without a terminal. Not a public interface. Widths follow LC_CTYPE
 * (ui_open sets it) when utf8, else every byte is a column.
 */
#ifndef HOPTOP_UI_TEXT_H
#define HOPTOP_UI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#define TEXT_MAX 1024 /* the longest fitted text, with its '\0' */

/* Columns s takes on screen ('?' for what cannot be shown: 1). */
int ui_text_width(bool utf8, const char *s);
/*
 * Copies s into out (TEXT_MAX bytes) so that it takes at most w columns,
 * cut with an ellipsis ("\u2026" in UTF-8, "..." else) when longer, and
 * with '?' for each control byte, invalid sequence or (not utf8) non-ASCII
 * byte. Returns the columns used.
 */
int ui_text_fit(bool utf8, const char *s, int w, char *out);
/* "1.0", "0.25", "10.0": at least one decimal, no trailing zeros. */
void ui_text_interval(double s, char *buf, size_t len);

#endif
