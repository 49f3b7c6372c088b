/*
 * column: the field table shared by the screen and the reports.
 *
 * Display text: counts as "%u"; Loss% as "%.1f%%"; times in milliseconds
 * with the digits a sub-millisecond path needs (see column_format_ms). A time
 * column of a row without a reply, and Loss% of a row where no probe has
 * settled yet, is "" (not "0.0": nothing is known yet). value() gives the
 * full-precision number (ms, %, count), 0 where the text is "";
 * column_has_value() tells the two apart; column_has_number() is the same
 * for JSON and CSV, which write Loss% as 0 before a probe settles.
 *
 * kind and out say how JSON and CSV write a column and in which objects
 * (column.h); the reports take every statistic from this table.
 */
#include <stdio.h>

#include "hoptop/column.h"

static double
ms(double ns)
{
	return ns / 1e6;
}

static bool
has_settled(const struct stats *s)
{
	return s->received + s->lost > 0;
}

static bool
has_reply(const struct stats *s)
{
	return s->received > 0;
}

static bool
always(const struct stats *s)
{
	(void)s;
	return true;
}

static void
empty(char *buf, size_t len)
{
	if (len > 0)
		buf[0] = '\0';
}

static double
v_loss(const struct stats *s)
{
	return stats_loss_pct(s);
}

static double
v_snt(const struct stats *s)
{
	return s->sent;
}

static double
v_rcv(const struct stats *s)
{
	return s->received;
}

static double
v_last(const struct stats *s)
{
	return has_reply(s) ? ms((double)s->last_ns) : 0.0;
}

static double
v_avg(const struct stats *s)
{
	return ms(stats_avg_ns(s));
}

static double
v_best(const struct stats *s)
{
	return has_reply(s) ? ms((double)s->best_ns) : 0.0;
}

static double
v_wrst(const struct stats *s)
{
	return has_reply(s) ? ms((double)s->worst_ns) : 0.0;
}

static double
v_stdev(const struct stats *s)
{
	return ms(stats_stdev_ns(s));
}

static double
v_jitter(const struct stats *s)
{
	return ms(stats_jitter_ns(s));
}

static double
v_jint(const struct stats *s)
{
	return ms(stats_jint_ns(s));
}

static double
v_jmax(const struct stats *s)
{
	return ms(s->jmax_ns);
}

static double
v_jttr(const struct stats *s)
{
	return ms(s->jlast_ns);
}

static void
f_loss(const struct stats *s, char *buf, size_t len)
{
	if (has_settled(s))
		snprintf(buf, len, "%.1f%%", stats_loss_pct(s));
	else
		empty(buf, len);
}

static void
f_count(const struct stats *s, char *buf, size_t len, double v)
{
	(void)s;
	snprintf(buf, len, "%u", (unsigned)v);
}

static void
f_snt(const struct stats *s, char *buf, size_t len)
{
	f_count(s, buf, len, v_snt(s));
}

static void
f_rcv(const struct stats *s, char *buf, size_t len)
{
	f_count(s, buf, len, v_rcv(s));
}

void
column_format_ms(double v_ms, char *buf, size_t len)
{
	if (v_ms < 0.9995)
		snprintf(buf, len, "%.3f", v_ms);
	else if (v_ms < 9.995)
		snprintf(buf, len, "%.2f", v_ms);
	else if (v_ms < 9999.95)
		snprintf(buf, len, "%.1f", v_ms);
	else
		snprintf(buf, len, "%.0f", v_ms);
}

/* Defines f_NAME: v_NAME in ms (column_format_ms), "" without a reply. */
#define TIME_FORMATTER(name)                                               \
	static void f_##name(const struct stats *s, char *buf, size_t len) \
	{                                                                  \
		if (has_reply(s))                                          \
			column_format_ms(v_##name(s), buf, len);           \
		else                                                       \
			empty(buf, len);                                   \
	}

TIME_FORMATTER(last)
TIME_FORMATTER(avg)
TIME_FORMATTER(best)
TIME_FORMATTER(wrst)
TIME_FORMATTER(stdev)
TIME_FORMATTER(jitter)
TIME_FORMATTER(jint)
TIME_FORMATTER(jmax)
TIME_FORMATTER(jttr)

#define HOP_RESP_PING (COL_OUT_HOP | COL_OUT_RESP | COL_OUT_PING)

/* Jmax and Jttr stay out of JSON and CSV: schema 1 does not carry them. */
static const struct column columns[COL_COUNT] = {
    {COL_LOSS, "loss_pct", "Loss%", 6, f_loss, v_loss, COL_KIND_PCT,
        COL_OUT_HOP | COL_OUT_PING},
    {COL_SNT, "sent", "Snt", 5, f_snt, v_snt, COL_KIND_COUNT,
        COL_OUT_HOP | COL_OUT_PING},
    {COL_RCV, "received", "Rcv", 5, f_rcv, v_rcv, COL_KIND_COUNT,
        HOP_RESP_PING},
    {COL_LAST, "last_ms", "Last", 6, f_last, v_last, COL_KIND_MS,
        HOP_RESP_PING},
    {COL_AVG, "avg_ms", "Avg", 6, f_avg, v_avg, COL_KIND_MS, HOP_RESP_PING},
    {COL_BEST, "best_ms", "Best", 6, f_best, v_best, COL_KIND_MS,
        HOP_RESP_PING},
    {COL_WRST, "worst_ms", "Wrst", 6, f_wrst, v_wrst, COL_KIND_MS,
        HOP_RESP_PING},
    {COL_STDEV, "stdev_ms", "StDev", 6, f_stdev, v_stdev, COL_KIND_MS,
        HOP_RESP_PING},
    {COL_JITTER, "jitter_ms", "Javg", 6, f_jitter, v_jitter, COL_KIND_MS,
        COL_OUT_HOP},
    {COL_JINT, "jint_ms", "Jint", 6, f_jint, v_jint, COL_KIND_MS, COL_OUT_HOP},
    {COL_JMAX, "jmax_ms", "Jmax", 6, f_jmax, v_jmax, COL_KIND_MS, 0},
    {COL_JTTR, "jttr_ms", "Jttr", 6, f_jttr, v_jttr, COL_KIND_MS, 0},
};

static bool (*const present[COL_COUNT])(const struct stats *) = {
    [COL_LOSS] = has_settled,
    [COL_SNT] = always,
    [COL_RCV] = always,
    [COL_LAST] = has_reply,
    [COL_AVG] = has_reply,
    [COL_BEST] = has_reply,
    [COL_WRST] = has_reply,
    [COL_STDEV] = has_reply,
    [COL_JITTER] = has_reply,
    [COL_JINT] = has_reply,
    [COL_JMAX] = has_reply,
    [COL_JTTR] = has_reply,
};

const enum col_id column_set_default[] = {
    COL_LOSS, COL_SNT, COL_LAST, COL_AVG, COL_BEST, COL_WRST, COL_STDEV};
const int column_set_default_n =
    (int)(sizeof(column_set_default) / sizeof(column_set_default[0]));

const enum col_id column_set_jitter[] = {
    COL_LOSS, COL_SNT, COL_LAST, COL_JTTR, COL_JITTER, COL_JMAX, COL_JINT};
const int column_set_jitter_n =
    (int)(sizeof(column_set_jitter) / sizeof(column_set_jitter[0]));

const struct column *
column_get(enum col_id id)
{
	if ((int)id < 0 || id >= COL_COUNT)
		return NULL;
	return &columns[id];
}

const char *
column_format(enum col_id id, const struct stats *s, char *buf, size_t len)
{
	const struct column *c = column_get(id);

	if (len == 0)
		return buf;
	if (c == NULL)
		buf[0] = '\0';
	else
		c->format(s, buf, len);
	return buf;
}

bool
column_has_value(enum col_id id, const struct stats *s)
{
	const struct column *c = column_get(id);

	return c != NULL && present[id](s);
}

bool
column_has_number(enum col_id id, const struct stats *s)
{
	const struct column *c = column_get(id);

	return c != NULL && (c->kind != COL_KIND_MS || present[id](s));
}
