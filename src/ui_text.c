/*
 * ui_text: text fitted to screen columns (ui_text.h), without curses; the
 * one sanitiser's rule (names_safe_char) decides what shows as '?'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "hoptop/names.h"
#include "ui_text.h"

/*
 * The display character at s: returns its byte length and sets its columns;
 * *bad when it must be shown as '?' (control, invalid, or not ASCII outside
 * a UTF-8 locale).
 */
static size_t
char_at(bool utf8, const char *s, int *cols, bool *bad)
{
	unsigned char c = (unsigned char)*s;
	mbstate_t st;
	wchar_t wc;
	size_t n;

	*cols = 1;
	*bad = names_safe_char(s) == 0; /* the one sanitiser's rule */
	if (c < 0x80)
		return 1;
	if (*bad || !utf8) {
		*bad = true;
		return 1;
	}
	*bad = true;
	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, s, strnlen(s, MB_CUR_MAX), &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0)
		return 1;
	if (wcwidth(wc) < 0)
		return n;
	*cols = wcwidth(wc);
	*bad = false;
	return n;
}

int
ui_text_width(bool utf8, const char *s)
{
	int w = 0, cw;
	bool bad;

	while (*s != '\0') {
		s += char_at(utf8, s, &cw, &bad);
		w += cw;
	}
	return w;
}

int
ui_text_fit(bool utf8, const char *s, int w, char *out)
{
	const char *ell = utf8 ? "\u2026" : "...";
	int ellw = utf8 ? 1 : 3, used = 0, cw;
	size_t o = 0, n;
	bool bad, cut = ui_text_width(utf8, s) > w;
	int room = cut ? w - ellw : w;

	while (*s != '\0') {
		n = char_at(utf8, s, &cw, &bad);
		if (used + cw > room || o + n + 4 >= TEXT_MAX)
			break;
		if (bad)
			out[o++] = '?';
		else {
			memcpy(out + o, s, n);
			o += n;
		}
		used += cw;
		s += n;
	}
	if (cut && room >= 0) {
		strcpy(out + o, ell);
		o += strlen(ell);
		used += ellw;
	}
	out[o] = '\0';
	return used;
}

void
ui_text_interval(double s, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%.2f", s);
	n = strlen(buf);
	if (n >= 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[n - 1] = '\0';
}
