/*
 * loop: the one select() loop over the probe socket, stdin and the
 * resolver's sockets. Its timeout is the nearest deadline of the engine, the
 * resolver and the screen; it never polls and never sleeps in a loop.
 *
 * Signals are blocked except inside pselect(), so a signal can never slip
 * in between the check of the flags and the wait.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <time.h>

#include "hoptop/loop.h"
#include "hoptop/xmalloc.h"
#include "hoptop/verdict.h"

/*
 * The loop's state: the caller's parts (a copy) and what the loop keeps
 * between passes, which no caller sees.
 */
struct loop {
	struct loop_parts c;
	/* the selected target (c.fleet's) and its engine and path */
	size_t sel;
	struct engine *engine;
	struct path *path;
	bool dns_enabled;    /* from c.dns_enabled, then n turns names on */
	int once_errno;      /* copied out to the caller's once_errno */
	size_t once_target;  /* --once: the target being printed */
	int64_t done_ns;     /* when the engine finished */
	int64_t drawn_ns;    /* the last draw */
	unsigned drawn_hops; /* hops with a reply at the last draw */
	bool keys_off;       /* stdin at end of file */
	/* the target list's lines (several targets, a screen) */
	struct ui_target *ui_targets;
};

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t winch;
static sigset_t wait_mask; /* what pselect() lets through */

static void
on_signal(int sig)
{
	if (sig == SIGWINCH)
		winch = 1;
	else
		stop_signal = sig;
}

/*
 * Every signal we catch: SIGWINCH, and each one whose default action ends
 * the process and that is sent rather than raised by a fault (so not
 * SEGV, BUS, FPE, ILL, TRAP, SYS), real-time ones and ABRT included: the
 * loop ends and the terminal is restored instead.
 */
static const int stop_sigs[] = {
    SIGINT,
    SIGTERM,
    SIGHUP,
    SIGQUIT,
    SIGUSR1,
    SIGUSR2,
    SIGALRM,
    SIGVTALRM,
    SIGPROF,
    SIGXCPU,
    SIGXFSZ,
    SIGIO,
    SIGPWR,
    SIGABRT, /* as kill sends it; abort() itself still ends the process */
#ifdef SIGSTKFLT
    SIGSTKFLT,
#endif
};

static void
caught_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGWINCH);
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sigaddset(set, stop_sigs[i]);
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigaddset(set, s);
}

void
loop_install_signals(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	caught_set(&block);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&block, s) == 1)
			sigaction(s, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&block, s) == 1)
			sigdelset(&wait_mask, s);
}

int
loop_stop_signal(void)
{
	return stop_signal;
}

/* Asks the resolver for every responder on a path (cheap when known). */
static void
want_path_names(struct loop *lp, const struct path *p)
{
	int last = path_last_ttl(p);

	for (int ttl = p->first_ttl; ttl <= last; ttl++) {
		const struct hop *h = path_hop(p, ttl);

		for (int i = 0; h != NULL && i < h->nresp; i++)
			dns_want(lp->c.dns, &h->resp[i].addr);
	}
}

static void
want_names(struct loop *lp)
{
	for (size_t i = 0; i < fleet_count(lp->c.fleet); i++)
		want_path_names(lp, fleet_target(lp->c.fleet, i)->p);
}

/*
 * Names are asked for when a responder appears, and once a cycle so that
 * expired cache entries are asked again; not on every reply.
 */
static void
want_due_names(struct loop *lp)
{
	for (size_t i = 0; i < fleet_count(lp->c.fleet); i++) {
		struct fleet_target *t = fleet_target(lp->c.fleet, i);
		const struct path *p = t->p;

		if (p->nresponders == t->named_resp &&
		    p->cycles == t->named_cycle)
			continue;
		t->named_resp = p->nresponders;
		t->named_cycle = p->cycles;
		want_path_names(lp, p);
	}
}

static void
fill_header(const struct loop *lp, struct ui_header *h)
{
	const struct report_meta *m = lp->c.meta;
	const struct fleet_target *t = fleet_target(lp->c.fleet, lp->sel);

	memset(h, 0, sizeof(*h));
	if (lp->ui_targets != NULL) {
		h->targets = lp->ui_targets;
		h->ntargets = fleet_count(lp->c.fleet);
		h->sel_target = lp->sel;
	}
	h->version = m->version;
	h->source = m->source_host;
	h->target_name = m->target_name;
	h->target_addr = m->target_addr;
	h->proto = m->proto;
	/* the method can change on the way (UDP: a socket per probe) */
	h->method = t->t->ops->method(t->t);
	h->simulated = m->simulated;
	h->probes = engine_probes(lp->engine);
	h->interval_s = m->interval_s;
	h->cycles = lp->path->cycles;
	h->paused = engine_paused(lp->engine);
	h->now = time(NULL);
	if (lp->dns_enabled && dns_problem(lp->c.dns) != NULL)
		h->note = dns_problem(lp->c.dns);
	if (lp->c.replay != NULL)
		lp->c.replay->header(lp->c.replay->ctx, h);
}

/*
 * The names the fronts show: the resolver's (names only where looked up),
 * else the fixed namer (a simulated path's own names), else none.
 */
static const struct namer *
current_namer(const struct loop *lp, struct namer *buf)
{
	const struct fleet_target *t = fleet_target(lp->c.fleet, lp->sel);

	if (lp->c.dns == NULL)
		return t->namer != NULL ? t->namer : lp->c.namer;
	*buf = dns_namer(lp->c.dns);
	return buf;
}

/* s with several targets: a snapshot of each, one file per target. */
static void
snapshot_all(struct loop *lp, struct report_view *v, time_t when)
{
	struct namer n;
	char out[4096];
	size_t saved = 0, nt = fleet_count(lp->c.fleet);

	for (size_t i = 0; i < nt; i++) {
		struct fleet_target *t = fleet_target(lp->c.fleet, i);

		if (lp->c.dns != NULL) {
			n = dns_namer(lp->c.dns);
			v->namer = &n;
		} else {
			v->namer = t->namer != NULL ? t->namer : lp->c.namer;
		}
		t->meta.probes = engine_probes(t->e);
		if (report_snapshot(lp->c.export_dir, when, t->p, &t->meta, v,
		        out, sizeof(out)) != 0) {
			ui_message(lp->c.ui,
			    "snapshot of %s failed: %s: %s (try -o DIR)",
			    t->name, lp->c.export_dir, strerror(errno));
			return;
		}
		saved++;
	}
	ui_message(
	    lp->c.ui, "%zu snapshots saved in %s", saved, lp->c.export_dir);
}

static void
snapshot(struct loop *lp)
{
	struct report_view v;
	struct ui_header h;
	struct namer n;
	char out[4096];

	ui_view(lp->c.ui, &v);
	v.namer = current_namer(lp, &n);
	/* The header of the file says what the screen says (a replay: the
	 * recorded time). */
	lp->c.meta->probes = engine_probes(lp->engine);
	fill_header(lp, &h);
	if (fleet_count(lp->c.fleet) > 1) {
		snapshot_all(lp, &v, h.now);
		return;
	}
	if (report_snapshot(lp->c.export_dir, h.now, lp->path, lp->c.meta, &v,
	        out, sizeof(out)) == 0)
		ui_message(lp->c.ui, "snapshot saved to %s", out);
	else
		ui_message(lp->c.ui, "snapshot failed: %s: %s (try -o DIR)",
		    lp->c.export_dir, strerror(errno));
}

/* Makes target i the selected one: the screen and every key act on it. */
static void
select_target(struct loop *lp, size_t i)
{
	size_t n = fleet_count(lp->c.fleet);
	struct fleet_target *t;

	if (n < 2)
		return;
	i %= n;
	t = fleet_target(lp->c.fleet, i);
	lp->sel = i;
	lp->engine = t->e;
	lp->path = t->p;
	lp->c.meta = &t->meta;
	fleet_select(lp->c.fleet, i);
	lp->drawn_hops = t->p->answered_hops;
	t->p->dirty = true;
	ui_message(lp->c.ui, "target %zu of %zu: %s", i + 1, n, t->name);
}

/* Says which host display n switched to, and why names may not show. */
static void
names_message(struct loop *lp)
{
	static const char *const mode[] = {
	    "host names", "addresses", "names and addresses"};
	enum name_mode m = ui_name_mode(lp->c.ui);

	if (m != NAMES_ADDR && lp->c.dns == NULL && lp->c.namer == NULL)
		ui_message(lp->c.ui,
		    "showing %s (no resolver%s: addresses shown)", mode[m],
		    lp->c.meta->simulated ? " on a simulated path" : "");
	else
		ui_message(lp->c.ui, "showing %s%s", mode[m],
		    lp->c.replay != NULL && m != NAMES_ADDR ? " (as recorded)"
		                                            : "");
}

/* P: pings the selected hop beside its TTL probes; P on it again stops. */
static void
ping_hop(struct loop *lp)
{
	int ttl = ui_selected_ttl(lp->c.ui);

	if (ttl == 0) {
		ui_message(lp->c.ui, "select a hop first (Up/Down), then P");
		return;
	}
	if (engine_ping_ttl(lp->engine) == ttl)
		ttl = 0;
	if (engine_ping_hop(lp->engine, ttl) == -1)
		ui_message(lp->c.ui, "cannot ping hops: that needs ICMP probes "
		                     "(-I), and a socket that can send them");
	else if (ttl == 0)
		ui_message(lp->c.ui, "stopped pinging the hop");
	else
		ui_message(lp->c.ui, "pinging hop %d from the next cycle", ttl);
}

/* + / -: one probe per hop more or fewer, or says the limit is reached. */
static void
probes_message(struct loop *lp, int step)
{
	int was = engine_probes(lp->engine), now;

	engine_set_probes(lp->engine, was + step);
	now = engine_probes(lp->engine);
	if (now == was)
		ui_message(lp->c.ui, "%d probe%s per hop is the %s (%s)", now,
		    now == 1 ? "" : "s", step > 0 ? "most" : "fewest",
		    step > 0 ? "- for fewer" : "+ for more");
	else
		ui_message(lp->c.ui, "%d probe%s per hop from the next cycle",
		    now, now == 1 ? "" : "s");
}

/* Applies one key action. Returns false to quit. */
static bool
apply(struct loop *lp, enum ui_action a)
{
	struct engine *e = lp->engine;

	if (lp->c.replay != NULL &&
	    lp->c.replay->key(lp->c.replay->ctx, a, lp->c.ui))
		return true;
	switch (a) {
	case UI_QUIT:
		return false;
	case UI_FASTER:
	case UI_SLOWER:
	case UI_END:
		ui_message(
		    lp->c.ui, "that key is for a replay (--replay FILE)");
		break;
	case UI_PROBES_UP:
	case UI_PROBES_DOWN:
		probes_message(lp, a == UI_PROBES_UP ? 1 : -1);
		break;
	case UI_PAUSE:
		engine_pause(e, !engine_paused(e));
		break;
	case UI_RESET:
		engine_reset(e);
		lp->c.meta->reset = time(NULL);
		ui_message(lp->c.ui, "statistics reset");
		break;
	case UI_SNAPSHOT:
		snapshot(lp);
		break;
	case UI_NAMES:
		names_message(lp);
		if (ui_name_mode(lp->c.ui) != NAMES_ADDR && lp->c.dns != NULL &&
		    !lp->dns_enabled) {
			lp->dns_enabled = true;
			dns_enable_names(lp->c.dns, true);
			want_names(lp);
		}
		break;
	case UI_PING_HOP:
		ping_hop(lp);
		break;
	case UI_TARGET_NEXT:
		select_target(lp, lp->sel + 1);
		break;
	case UI_TARGET_PREV:
		select_target(lp, lp->sel + fleet_count(lp->c.fleet) - 1);
		break;
	case UI_TARGET_PICK:
		if (ui_picked_target(lp->c.ui) < fleet_count(lp->c.fleet))
			select_target(lp, ui_picked_target(lp->c.ui));
		break;
	case UI_ASN: /* once on, AS lookups stay on (the cache stays warm) */
		if (lp->c.dns != NULL && dns_enable_asn(lp->c.dns, true) == 0)
			want_names(lp);
		else if (lp->c.dns == NULL)
			ui_message(lp->c.ui, "AS numbers need DNS lookups: %s",
			    lp->c.meta->simulated ? "a simulated path has none"
			                          : "there is no resolver");
		break;
	default:
		break;
	}
	return true;
}

/*
 * The terminal hung up: its fd stays readable but gives no key. Without
 * this the loop would spin, and pselect() (never interrupted while an fd is
 * ready) would hold back SIGHUP/SIGTERM for good.
 */
static bool
terminal_gone(const struct loop *lp)
{
	struct pollfd pfd = {.fd = ui_fd(lp->c.ui), .events = POLLIN};

	return poll(&pfd, 1, 0) == 1 &&
	       (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/*
 * stdin at end of file without a hang-up: still readable once every key
 * was taken, with nothing to read. Watching it would spin; the monitor
 * then runs on until a signal.
 */
static bool
terminal_at_eof(const struct loop *lp)
{
	struct pollfd pfd = {.fd = ui_fd(lp->c.ui), .events = POLLIN};
	int n = -1;

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) != 0 &&
	       ioctl(pfd.fd, FIONREAD, &n) == 0 && n == 0;
}

/* Reads every waiting key. Returns false to quit (q, or a hang-up). */
static bool
read_keys(struct loop *lp)
{
	enum ui_action a;
	int keys = 0;

	while ((a = ui_read_key(lp->c.ui)) != UI_NONE) {
		if (!apply(lp, a))
			return false;
		fleet_touch(lp->c.fleet, lp->sel); /* its deadlines may move */
		lp->path->dirty = true; /* the screen answers a key at once */
		keys++;
	}
	if (keys == 0 && terminal_gone(lp)) {
		stop_signal = SIGHUP; /* as if the hang-up signal came */
		return false;
	}
	if (keys == 0 && terminal_at_eof(lp))
		lp->keys_off = true;
	return true;
}

/*
 * A report waits for names still being resolved when its last probe
 * settled, but never more than DNS_GRACE_NS after that.
 */
#define DNS_GRACE_NS (3 * NS_PER_S)

/*
 * --once: true while a responder of h still waits for its name (bounded by
 * the resolver's own timeout, and by DNS_GRACE_NS after the engine is done).
 */
static bool
hop_names_pending(struct loop *lp, const struct hop *h, int64_t now)
{
	if (lp->c.dns == NULL || !lp->dns_enabled ||
	    (lp->done_ns != 0 && now - lp->done_ns >= DNS_GRACE_NS))
		return false;
	for (int i = 0; i < h->nresp; i++) {
		dns_want(lp->c.dns, &h->resp[i].addr); /* asked, if not yet */
		if (dns_state(lp->c.dns, &h->resp[i].addr) == DNS_STATE_PENDING)
			return true;
	}
	return false;
}

/*
 * --once: prints each hop as soon as it and every hop before it settled
 * (probes and names).
 */
static bool
print_settled(struct loop *lp, int *next_ttl, int64_t now)
{
	const struct path *p = lp->path;

	while (*next_ttl <= p->max_ttl) {
		const struct hop *h = path_hop(p, *next_ttl);

		if (h->st.sent < (uint32_t)lp->c.once_probes ||
		    stats_pending(&h->st) > 0 || hop_names_pending(lp, h, now))
			return false;
		if (report_once_line(lp->c.once_out, p, *next_ttl,
		        lp->c.once_probes, lp->c.once_view) != 0 ||
		    fflush(lp->c.once_out) != 0) {
			lp->once_errno = errno != 0 ? errno : EIO;
			return true; /* nothing more can be said */
		}
		if (p->dest_ttl > 0 && *next_ttl >= p->dest_ttl)
			return true;
		(*next_ttl)++;
	}
	return true;
}

static bool
names_pending(struct loop *lp, int64_t now)
{
	if (lp->c.dns == NULL || dns_next_deadline(lp->c.dns) == CLOCK_NEVER)
		return false;
	if (lp->done_ns == 0)
		lp->done_ns = now;
	return now - lp->done_ns < DNS_GRACE_NS;
}

/*
 * A hop answering for the first time is drawn at once (at most every
 * FIRST_SIGHT_GAP_NS), so the whole path shows about one round trip after
 * start; number updates stay at the UI's own pace (~10 a second).
 */
#define FIRST_SIGHT_GAP_NS (10 * NS_PER_MS)

static int64_t
redraw_due(struct loop *lp, int64_t now)
{
	int64_t due = ui_next_redraw(lp->c.ui, fleet_dirty(lp->c.fleet), now);

	if (lp->path->dirty && lp->path->answered_hops != lp->drawn_hops)
		due = clock_min(due, lp->drawn_ns + FIRST_SIGHT_GAP_NS);
	return due;
}

/* The screen's time: its own clock (a replay's screen paces in real
 * time), else the loop's. */
static int64_t
ui_now(const struct loop *lp)
{
	return clock_now(lp->c.ui_clk != NULL ? lp->c.ui_clk : lp->c.clk);
}

static int64_t
nearest_deadline(struct loop *lp, int64_t now)
{
	int64_t d = fleet_next_deadline(lp->c.fleet);

	if (lp->c.dns != NULL)
		d = clock_min(d, dns_next_deadline(lp->c.dns));
	if (lp->c.ui != NULL && lp->c.ui_clk == NULL)
		d = clock_min(d, redraw_due(lp, now));
	if (lp->c.hook != NULL)
		d = clock_min(d, lp->c.hook->deadline(lp->c.hook->ctx, now));
	return d;
}

/*
 * pselect() returns at once while an fd is ready without delivering a
 * pending signal, so an fd that never stops being readable (a flood of
 * foreign ICMP) could hold back Ctrl-C for good. Every BUSY_SIGNAL_CHECK
 * passes in a row that found an fd ready, look for one by hand.
 */
#define BUSY_SIGNAL_CHECK 64

static void
take_pending_signal(void)
{
	static const struct timespec zero = {0, 0};
	sigset_t ours;
	int sig;

	caught_set(&ours);
	sig = sigtimedwait(&ours, NULL, &zero); /* dequeues it, if any */
	if (sig == SIGWINCH)
		winch = 1;
	else if (sig > 0)
		stop_signal = sig;
}

/* Waits for the nearest deadline or an fd; returns -1 on a real error. */
static int
wait_events(struct loop *lp, fd_set *r, fd_set *w, fd_set *e)
{
	static unsigned busy; /* passes in a row that found an fd ready */
	int64_t now = clock_now(lp->c.clk), wait_ns;
	int maxfd = -1, fd, n;
	struct timespec ts;

	FD_ZERO(r);
	FD_ZERO(w);
	FD_ZERO(e);
	maxfd = fleet_fds(lp->c.fleet, r, maxfd);
	if (lp->c.ui != NULL && !lp->keys_off) {
		fd = ui_fd(lp->c.ui);
		FD_SET(fd, r);
		maxfd = fd > maxfd ? fd : maxfd;
	}
	if (lp->c.dns != NULL && (fd = dns_fds(lp->c.dns, r, w)) > maxfd)
		maxfd = fd;
	if (lp->c.hook != NULL)
		maxfd = lp->c.hook->fds(lp->c.hook->ctx, r, w, e, maxfd);
	wait_ns = nearest_deadline(lp, now) - now;
	if (wait_ns < 0)
		wait_ns = 0;
	if (lp->c.clk->wait != NULL) /* a replay's clock keeps its own pace */
		wait_ns = lp->c.clk->wait(lp->c.clk, wait_ns);
	if (lp->c.ui != NULL && lp->c.ui_clk != NULL) /* the screen's, real */
		wait_ns =
		    clock_min(wait_ns, redraw_due(lp, ui_now(lp)) - ui_now(lp));
	if (wait_ns < 0)
		wait_ns = 0;
	if (wait_ns > 3600 * NS_PER_S)
		wait_ns = 3600 * NS_PER_S;
	ts.tv_sec = wait_ns / NS_PER_S;
	ts.tv_nsec = wait_ns % NS_PER_S;
	n = pselect(maxfd + 1, r, w, e, &ts, &wait_mask);
	if (n == -1) {
		if (errno != EINTR)
			return -1;
		FD_ZERO(r);
		FD_ZERO(w);
		FD_ZERO(e);
	}
	busy = n > 0 ? busy + 1 : 0;
	if (busy >= BUSY_SIGNAL_CHECK) {
		busy = 0;
		take_pending_signal();
	}
	return 0;
}

/*
 * A target name inside a JSON string: names are sanitised already (no
 * control characters), so only quotes and backslashes need care; they
 * become '_' (a static buffer: one use at a time).
 */
static const char *
json_safe(const char *name)
{
	static char buf[256];
	size_t i;

	for (i = 0; name[i] != '\0' && i < sizeof(buf) - 1; i++)
		buf[i] = name[i] == '"' || name[i] == '\\' ? '_' : name[i];
	buf[i] = '\0';
	return buf;
}

/*
 * Writes the timeline events that are new since the last call to the
 * --log file, oldest first, one JSON line each (the stream is line
 * buffered); with several targets each line names its target first. A
 * reset (fewer events than written) starts again at 0.
 */
static void
log_path_events(struct loop *lp, struct fleet_target *t, bool named)
{
	const struct path *p = t->p;
	const struct path_event *ev;
	char buf[VERDICT_TEXT_LEN];

	if (p->nevents < t->logged_events)
		t->logged_events = 0;
	for (unsigned i = p->nevents - t->logged_events; i-- > 0;) {
		ev = path_event(p, i);
		if (ev == NULL || !path_event_is_timeline(ev->kind))
			continue;
		verdict_event_json(p, ev, buf, sizeof(buf));
		if (named) /* several targets: which one, first */
			fprintf(lp->c.event_log, "{\"target\": \"%s\", %s\n",
			    json_safe(t->name), buf + 1);
		else
			fprintf(lp->c.event_log, "%s\n", buf);
	}
	t->logged_events = p->nevents;
}

static void
log_events(struct loop *lp)
{
	size_t n = fleet_count(lp->c.fleet);

	for (size_t i = 0; i < n; i++)
		log_path_events(lp, fleet_target(lp->c.fleet, i), n > 1);
}

static void
draw(struct loop *lp, int64_t now)
{
	struct ui_header h;
	struct namer n;

	fill_header(lp, &h);
	ui_draw(lp->c.ui, lp->path, &h, current_namer(lp, &n));
	ui_mark_drawn(lp->c.ui, now);
	lp->drawn_ns = now;
	lp->drawn_hops = lp->path->answered_hops;
	fleet_clean(lp->c.fleet); /* the selected path's flag, and the rest */
}

/*
 * --once with several targets: one after another. Returns true when the
 * last one is printed (or output failed); else moves to the next target,
 * printing its header.
 */
static bool
print_once(struct loop *lp, int *next_ttl, int64_t now)
{
	const struct report_view *given = lp->c.once_view;
	struct fleet_target *t;
	struct report_view v;
	bool settled;

	for (;;) {
		t = fleet_target(lp->c.fleet, lp->once_target);
		lp->path = t->p;
		v = *given;
		if (t->namer != NULL) /* a simulated path's own names */
			v.namer = t->namer;
		lp->c.once_view = &v;
		settled = print_settled(lp, next_ttl, now);
		lp->c.once_view = given;
		if (!settled)
			return false;
		if (lp->once_errno != 0 ||
		    lp->once_target + 1 >= fleet_count(lp->c.fleet))
			return true;
		t = fleet_target(lp->c.fleet, ++lp->once_target);
		*next_ttl = t->p->first_ttl;
		if (fputc('\n', lp->c.once_out) == EOF ||
		    report_once_header(lp->c.once_out, &t->meta) != 0) {
			lp->once_errno = errno != 0 ? errno : EIO;
			return true;
		}
	}
}

/* Ends a pass without a screen: true when every engine is done. */
static bool
headless_done(struct loop *lp, int64_t now)
{
	fleet_clean(lp->c.fleet);
	return fleet_done(lp->c.fleet) && !names_pending(lp, now);
}

static int run_passes(struct loop *lp);

int
loop_run(struct loop_parts *parts)
{
	struct loop l = {.c = *parts, .dns_enabled = parts->dns_enabled};
	struct loop *lp = &l;
	size_t n = fleet_count(lp->c.fleet);
	int rc;

	lp->engine = fleet_target(lp->c.fleet, 0)->e; /* the first selected */
	lp->path = fleet_target(lp->c.fleet, 0)->p;
	if (lp->c.ui != NULL && n > 1) { /* the target list's lines */
		lp->ui_targets = xcalloc(n, sizeof(*lp->ui_targets));
		for (size_t i = 0; i < n; i++) {
			lp->ui_targets[i].name =
			    fleet_target(lp->c.fleet, i)->name;
			lp->ui_targets[i].path =
			    fleet_target(lp->c.fleet, i)->p;
		}
	}
	rc = run_passes(lp);
	free(lp->ui_targets);
	parts->once_errno = lp->once_errno;
	return rc;
}

static int
run_passes(struct loop *lp)
{
	fd_set r, w, e;
	int64_t now;
	int once_ttl = lp->path->first_ttl;

	if (lp->c.dns != NULL)
		dns_enable_names(lp->c.dns, lp->dns_enabled);
	for (;;) {
		if (stop_signal)
			return 0;
		if (wait_events(lp, &r, &w, &e) == -1)
			return 1;
		if (fleet_replies_due(lp->c.fleet, &r, clock_now(lp->c.clk)))
			fleet_read_replies(lp->c.fleet, clock_now(lp->c.clk));
		if (lp->c.dns != NULL)
			dns_process(lp->c.dns, &r, &w);
		if (lp->c.hook != NULL)
			lp->c.hook->process(lp->c.hook->ctx, &r, &w, &e);
		if (lp->c.ui != NULL && !lp->keys_off &&
		    FD_ISSET(ui_fd(lp->c.ui), &r) && !read_keys(lp))
			return 0;
		if (winch && lp->c.ui != NULL) {
			winch = 0;
			ui_resize(lp->c.ui);
			lp->path->dirty = true;
		}
		now = clock_now(lp->c.clk);
		fleet_run_due(lp->c.fleet, now);
		if (lp->c.dns != NULL) /* asks what is enabled */
			want_due_names(lp);
		if (lp->c.dns != NULL && dns_changed(lp->c.dns))
			lp->path->dirty = true;
		if (lp->c.event_log != NULL)
			log_events(lp);
		if (lp->c.once_out != NULL && print_once(lp, &once_ttl, now))
			return 0;
		if (lp->c.ui != NULL) {
			if (redraw_due(lp, ui_now(lp)) <= ui_now(lp))
				draw(lp, ui_now(lp));
		} else if (headless_done(lp, now)) {
			return 0;
		}
	}
}
