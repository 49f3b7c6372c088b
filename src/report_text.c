/*
 * report_text: the text and Markdown reports, and classic traceroute
 * lines (--once).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "hoptop/report.h"
#include "hoptop/verdict.h"

#include "report_private.h"

/* ---- text ---- */

/*
 * The columns the character at s takes on a terminal, and its length in
 * *len. Text here is sanitised (valid UTF-8); widths are wcwidth's in a
 * UTF-8 locale whatever the process locale, 1 if there is none.
 */
static int
char_cols(const char *s, size_t *len)
{
	static locale_t utf8;
	locale_t old;
	mbstate_t st;
	wchar_t wc;
	int w = 1;

	*len = names_safe_char(s);
	if (*len <= 1) {
		*len = 1;
		return 1;
	}
	if (utf8 == (locale_t)0)
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (utf8 == (locale_t)0)
		return 1;
	old = uselocale(utf8);
	memset(&st, 0, sizeof(st));
	if (mbrtowc(&wc, s, *len, &st) == *len)
		w = wcwidth(wc);
	uselocale(old);
	return w < 0 ? 1 : w;
}

/* The columns s takes. */
static int
text_cols(const char *s)
{
	int w = 0;
	size_t n;

	for (; *s != '\0'; s += n)
		w += char_cols(s, &n);
	return w;
}

/* Cuts s to at most w columns, ending in "..." if cut (whole characters). */
static void
fit(char *s, int w)
{
	int used = 0, cw;
	size_t o = 0, n;

	if (text_cols(s) <= w)
		return;
	while (s[o] != '\0' && used + (cw = char_cols(s + o, &n)) <= w - 3) {
		used += cw;
		o += n;
	}
	memcpy(s + o, "...", 4);
}

/* s, then blanks up to w columns. */
static void
put_padded(FILE *f, const char *s, int w)
{
	fprintf(f, "%s%*s", s, w > text_cols(s) ? w - text_cols(s) : 0, "");
}

/* Host column width: fits the longest host, within the min and max. */
static int
text_host_width(const struct path *p, const struct report_view *v)
{
	char buf[HOST_TEXT_LEN];
	struct rows it;
	struct row rw;
	int w = HOST_MIN_W;

	report_rows_start(&it, p);
	while (report_rows_next(&it, &rw)) {
		int n = text_cols(report_host_text(v, rw.r, buf, sizeof(buf)));

		if (rw.index > 0)
			n += EXTRA_INDENT;
		if (n > w)
			w = n;
	}
	return w > HOST_MAX_W ? HOST_MAX_W : w;
}

static int
text_as_width(const struct path *p, const struct report_view *v)
{
	char buf[32];
	struct rows it;
	struct row rw;
	int w = 0;

	report_rows_start(&it, p);
	while (report_rows_next(&it, &rw)) {
		int n = (int)strlen(report_as_text(v, rw.r, buf, sizeof(buf)));

		if (n > w)
			w = n;
	}
	return w;
}

/* "ICMP (raw socket) to name (ip)": protocol, method and target. */
static void
text_what(FILE *f, const struct path *p, const struct report_meta *m)
{
	char ip[ADDR_STRLEN], tn[HOST_TEXT_LEN];
	const char *ips = report_target_ip(p, m, ip, sizeof(ip));
	const char *name = report_str_or(m->target_name, ips);

	if (name != NULL)
		name = names_sanitize(name, tn, sizeof(tn));

	fprintf(f, "%s", report_str_or(m->proto, "?"));
	if (m->port > 0 && m->proto != NULL && strcmp(m->proto, "ICMP") != 0)
		fprintf(f, " port %d", m->port);
	if (m->method != NULL)
		fprintf(f, " (%s)", m->method);
	fprintf(f, " to %s", report_str_or(name, "?"));
	if (ips != NULL && name != NULL && strcmp(ips, name) != 0)
		fprintf(f, " (%s)", ips);
}

static void
text_header(FILE *f, const struct path *p, const struct report_meta *m)
{
	char t[64];

	fprintf(
	    f, "Start: %s\n", report_utc_time(m->started, T_MTR, t, sizeof(t)));
	if (m->reset != 0)
		fprintf(f, "Reset: %s (the numbers cover the time since)\n",
		    report_utc_time(m->reset, T_MTR, t, sizeof(t)));
	fprintf(f, "hoptop %s: ", report_str_or(m->version, "?"));
	text_what(f, p, m);
	fprintf(f, ", %d probe%s/hop", m->probes, m->probes == 1 ? "" : "s");
	if (m->flows > 1)
		fprintf(f, ", %d flows", m->flows);
	if (p->first_ttl != 1)
		fprintf(f, ", first TTL %d", p->first_ttl);
	fprintf(f, ", interval %g s, %u cycle%s\n", m->interval_s, p->cycles,
	    p->cycles == 1 ? "" : "s");
	if (m->simulated)
		fprintf(f, "Simulated path: no probe left this machine.\n");
}

static void
text_titles(FILE *f, const struct report_meta *m, const struct report_view *v,
    int hostw, int asw)
{
	char src[HOST_TEXT_LEN];
	const enum col_id *cols;
	int ncols, w = hostw + 2;

	if (m->show_asn)
		w += asw + 1;
	snprintf(src, sizeof(src), "%s", report_str_or(m->source_host, ""));
	fit(report_clean(src, sizeof(src)), w);
	fputs("HOST: ", f);
	put_padded(f, src, w);
	cols = report_view_cols(v, &ncols);
	for (int i = 0; i < ncols; i++) {
		const struct column *c = column_get(cols[i]);

		fprintf(f, " %*s", c->width, c->title);
	}
	fputc('\n', f);
}

static void
text_mpls(FILE *f, const struct row *rw)
{
	const struct mpls_stack *s = &rw->r->mpls;

	char buf[PACKET_MPLS_TEXT];

	for (int i = 0; i < s->n && i < MPLS_MAX_LABELS; i++)
		fprintf(f, "%*s%s\n", rw->index > 0 ? 11 : 7, "",
		    packet_mpls_text(&s->l[i], buf, sizeof(buf)));
}

static void
text_row(FILE *f, const struct row *rw, const struct report_meta *m,
    const struct report_view *v, int hostw, int asw)
{
	char host[HOST_TEXT_LEN], as[32], val[64];
	int ncols, end = 0, w = rw->index > 0 ? hostw - EXTRA_INDENT : hostw;
	const enum col_id *cols = report_view_cols(v, &ncols);

	/* Empty cells at the end of the line are not written as blanks. */
	for (int i = 0; i < ncols; i++)
		if (*report_cell(cols[i], rw, val, sizeof(val)) != '\0')
			end = i + 1;

	if (rw->index > 0)
		fprintf(f, "    |  `|-- ");
	else
		fprintf(f, "%3d.|-- ", rw->ttl);
	if (m->show_asn)
		fprintf(
		    f, "%-*s ", asw, report_as_text(v, rw->r, as, sizeof(as)));
	report_host_text(v, rw->r, host, sizeof(host));
	fit(host, w);
	put_padded(f, host, end > 0 ? w : 0);
	for (int i = 0; i < end; i++)
		fprintf(f, " %*s", column_get(cols[i])->width,
		    report_cell(cols[i], rw, val, sizeof(val)));
	fputc('\n', f);
	if (m->show_mpls && rw->r != NULL)
		text_mpls(f, rw);
}

/* The verdict lines shared by text and Markdown: the sentence, then each
 * hop whose cause is not none, with its numbers. prefix starts each. */
static void
verdict_lines(FILE *f, const struct path *p, const struct verdict *vd, bool md)
{
	char buf[VERDICT_TEXT_LEN];

	fprintf(f, "%s %s\n", md ? "**Loss verdict:**" : "Loss verdict:",
	    verdict_describe(vd, p, buf, sizeof(buf)));
	for (int ttl = vd->first_ttl; ttl <= vd->last_ttl; ttl++) {
		if (vd->hop[ttl].cause == CAUSE_NONE)
			continue;
		fprintf(f, "%shop %d %s\n", md ? "- " : "  ", ttl,
		    verdict_explain_hop(vd, ttl, buf, sizeof(buf)));
	}
	for (int ttl = vd->first_ttl; ttl <= vd->last_ttl; ttl++)
		if (path_hop(p, ttl)->ping.sent > 0)
			fprintf(f, "%shop %d %s\n", md ? "- " : "  ", ttl,
			    verdict_ping_text(
			        path_hop(p, ttl), false, buf, sizeof(buf)));
}

/* The timeline events the ring holds, oldest first; "none" if none. */
static void
event_lines(FILE *f, const struct path *p, bool md)
{
	char buf[VERDICT_TEXT_LEN];
	const struct path_event *ev;
	int n = 0;

	fputs(md ? "**Events:**" : "Events:", f);
	for (unsigned i = p->nevents; i-- > 0;) {
		ev = path_event(p, i);
		if (ev == NULL || !path_event_is_timeline(ev->kind))
			continue;
		fprintf(f, "\n%s%s", md ? "- " : "  ",
		    verdict_event_line(p, ev, buf, sizeof(buf)));
		n++;
	}
	fputs(n == 0 ? " none\n" : "\n", f);
}

static void
text_verdict(FILE *f, const struct path *p)
{
	struct verdict vd;

	verdict_path(p, &vd);
	fputc('\n', f);
	verdict_lines(f, p, &vd, false);
	event_lines(f, p, false);
}

int
report_write_text(FILE *f, const struct path *p, const struct report_meta *m,
    const struct report_view *v)
{
	struct rows it;
	struct row rw;
	int hostw, asw;

	v = report_view_or_default(v);
	hostw = text_host_width(p, v);
	asw = text_as_width(p, v);
	errno = 0;
	text_header(f, p, m);
	text_titles(f, m, v, hostw, asw);
	report_rows_start(&it, p);
	while (report_rows_next(&it, &rw))
		text_row(f, &rw, m, v, hostw, asw);
	text_verdict(f, p);
	return report_finish(f);
}

/* ---- Markdown ---- */

/*
 * Writes s sanitised, with the characters that would break a table cell
 * escaped.
 */
static void
md_text(FILE *f, const char *raw)
{
	char buf[HOST_TEXT_LEN];
	const char *s = names_sanitize(raw, buf, sizeof(buf));

	for (; *s != '\0'; s++) {
		if (*s == '|' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void
md_header(FILE *f, const struct path *p, const struct report_meta *m)
{
	char t[64];

	fputs("# hoptop report: ", f);
	md_text(f, report_str_or(m->target_name, "?"));
	fputs("\n\n- Path: ", f);
	text_what(f, p, m);
	fputs("\n- Source: ", f);
	md_text(f, report_str_or(m->source_host, "?"));
	fprintf(f, "\n- Probes: %d per hop, interval %g s, %u cycle%s",
	    m->probes, m->interval_s, p->cycles, p->cycles == 1 ? "" : "s");
	fprintf(f, "\n- Started: %s",
	    report_utc_time(m->started, T_HUMAN, t, sizeof(t)));
	if (m->ended != 0)
		fprintf(f, ", ended: %s",
		    report_utc_time(m->ended, T_HUMAN, t, sizeof(t)));
	if (m->reset != 0)
		fprintf(f, "\n- Reset: %s (the numbers cover the time since)",
		    report_utc_time(m->reset, T_HUMAN, t, sizeof(t)));
	if (m->simulated)
		fputs("\n- Simulated path: no probe left this machine.", f);
	fputs("\n\n", f);
}

static void
md_titles(FILE *f, const struct report_meta *m, const struct report_view *v)
{
	int ncols;
	const enum col_id *cols = report_view_cols(v, &ncols);

	fprintf(f, "| # |%s Host |", m->show_asn ? " AS |" : "");
	for (int i = 0; i < ncols; i++)
		fprintf(f, " %s |", column_get(cols[i])->title);
	fprintf(f, "\n|--:|%s:-----|", m->show_asn ? ":---|" : "");
	for (int i = 0; i < ncols; i++)
		fputs("----:|", f);
	fputc('\n', f);
}

static void
md_row(FILE *f, const struct row *rw, const struct report_meta *m,
    const struct report_view *v)
{
	char host[HOST_TEXT_LEN], val[64];
	int ncols;
	const enum col_id *cols = report_view_cols(v, &ncols);
	const struct mpls_stack *s = rw->r != NULL ? &rw->r->mpls : NULL;

	if (rw->index > 0)
		fputs("|   |", f);
	else
		fprintf(f, "| %d |", rw->ttl);
	if (m->show_asn)
		fprintf(f, " %s |", report_as_text(v, rw->r, val, sizeof(val)));
	fputs(rw->index > 0 ? " ↳ " : " ", f);
	md_text(f, report_host_text(v, rw->r, host, sizeof(host)));
	for (int i = 0; m->show_mpls && s != NULL && i < s->n; i++)
		fprintf(f, " %s", packet_mpls_text(&s->l[i], val, sizeof(val)));
	fputs(" |", f);
	for (int i = 0; i < ncols; i++)
		fprintf(f, " %s |", report_cell(cols[i], rw, val, sizeof(val)));
	fputc('\n', f);
}

static void
md_verdict(FILE *f, const struct path *p)
{
	struct verdict vd;

	verdict_path(p, &vd);
	fputc('\n', f);
	verdict_lines(f, p, &vd, true);
	fputc('\n', f);
	event_lines(f, p, true);
}

int
report_write_markdown(FILE *f, const struct path *p,
    const struct report_meta *m, const struct report_view *v)
{
	struct rows it;
	struct row rw;

	v = report_view_or_default(v);
	errno = 0;
	md_header(f, p, m);
	md_titles(f, m, v);
	report_rows_start(&it, p);
	while (report_rows_next(&it, &rw))
		md_row(f, &rw, m, v);
	md_verdict(f, p);
	return report_finish(f);
}

/* ---- --once ---- */

/*
 * Like traceroute: "traceroute to NAME (ADDR), 30 hops max, 56 byte packets".
 * The size is the whole IP packet that is sent (header plus the probe), as
 * traceroute counts it: 56 for ICMP and UDP over IPv4, 40 for a TCP SYN
 * (traceroute -T says 60: its SYN carries 20 bytes of options; ours none).
 */
int
report_once_header(FILE *f, const struct report_meta *m)
{
	char ip[ADDR_STRLEN], tn[HOST_TEXT_LEN];
	int iphdr = m->target_addr.family == AF_INET6 ? 40 : 20;
	/* a TCP probe is a bare SYN; ICMP and UDP carry the default payload */
	int body = m->proto != NULL && strcmp(m->proto, "TCP") == 0
	               ? 20
	               : PACKET_DEFAULT_SIZE;

	errno = 0;
	addr_str(&m->target_addr, ip, sizeof(ip));
	fprintf(f, "traceroute to %s (%s), %d hops max, %d byte packets%s\n",
	    names_sanitize(report_str_or(m->target_name, ip), tn, sizeof(tn)),
	    ip, m->max_ttl, iphdr + body, m->simulated ? " (simulated)" : "");
	return report_finish(f);
}

/* True if a was sent before b: by send time, then by sequence (wrapping). */
static bool
sent_before(const struct sample *a, const struct sample *b)
{
	if (a->t_ns != b->t_ns)
		return a->t_ns < b->t_ns;
	return (int16_t)(uint16_t)(a->seq - b->seq) < 0;
}

/* "name (ip)", "ip (ip)" without a name, "ip" with NAMES_ADDR. */
static void
once_host(FILE *f, const struct responder *r, const struct report_view *v)
{
	char ip[ADDR_STRLEN], name[HOST_TEXT_LEN];

	addr_str(&r->addr, ip, sizeof(ip));
	if (v->mode == NAMES_ADDR)
		fprintf(f, " %s", ip);
	else
		fprintf(f, " %s (%s)",
		    report_host_name(v, r, name, sizeof(name)) ? name : ip, ip);
}

/* The hop's newest n samples into s, oldest sent first; returns how many. */
static int
newest_samples(const struct hop *h, const struct sample **s, int n)
{
	int k = 0;

	for (; h != NULL && k < n; k++) {
		s[k] = history_get(&h->hist, (uint32_t)k);
		if (s[k] == NULL)
			break;
		for (int j = k; j > 0 && sent_before(s[j], s[j - 1]); j--) {
			const struct sample *t = s[j];

			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	}
	return k;
}

int
report_once_line(FILE *f, const struct path *p, int ttl, int nprobes,
    const struct report_view *v)
{
	const struct hop *h = path_hop(p, ttl);
	const struct sample *s[ONCE_MAX];
	int n, cur = -1;

	v = report_view_or_default(v);
	if (nprobes > ONCE_MAX)
		nprobes = ONCE_MAX;
	n = newest_samples(h, s, nprobes);
	errno = 0;
	fprintf(f, "%2d ", ttl);
	for (int i = 0; i < nprobes; i++) {
		if (i >= n || s[i]->rtt_ns < 0 || s[i]->resp >= h->nresp) {
			fputs(" *", f);
			continue;
		}
		if (s[i]->resp != cur)
			once_host(f, &h->resp[s[i]->resp], v);
		cur = s[i]->resp;
		fprintf(f, "  %.3f ms", (double)s[i]->rtt_ns / 1e6);
	}
	fputc('\n', f);
	return report_finish(f);
}
