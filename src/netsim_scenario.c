/*
 * netsim_scenario: loading a scenario (JSON, tests/data/scenarios/README.md)
 * into a netsim: every key checked, every error one line naming the file,
 * the key path and the problem; and the built-in --demo scenario.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hoptop/xmalloc.h"
#include "netsim_private.h"

/* ---- scenario parsing ---- */

struct pctx {
	const char *src; /* file name for messages */
	char *err;
	size_t errlen;
	struct netsim *ns;
};

static const char *const root_keys[] = {"name", "description", "seed", "source",
    "target", "hops", "changes", "names", NULL};
static const char *const hop_keys[] = {"addrs", "delay_ms", "jitter_ms", "loss",
    "forward_loss", "silent", "hostile", "rate_limit", "mpls", "reply_ttl",
    "tcp_open", NULL};
static const char *const rate_keys[] = {"pps", "burst", NULL};
static const char *const label_keys[] = {"label", "tc", "s", "ttl", NULL};
static const char *const change_keys[] = {"at_ms", "hops", NULL};
static const char *const pair_keys[] = {"v4", "v6", NULL};

/*
 * Keeps a message one line: it may quote the file (a key, a value, the
 * text jansson stopped at), so line breaks there become blanks. Other
 * controls stay for the caller's sanitiser to show escaped.
 */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
			*s = ' ';
}

/* "FILE: PATH: problem" into the caller's buffer; returns -1. */
static int __attribute__((format(printf, 3, 4)))
fail(struct pctx *pc, const char *path, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(pc->err, pc->errlen, "%s: %s: %s", pc->src, path, msg);
	one_line(pc->err);
	return -1;
}

/* path.key (or key at the top) into buf; returns buf. */
static const char *
sub(char *buf, const char *path, const char *key)
{
	if (path[0] == '\0')
		snprintf(buf, PATH_LEN, "%.200s", key);
	else
		snprintf(buf, PATH_LEN, "%.120s.%.120s", path, key);
	return buf;
}

static void
index_path(char *buf, const char *path, size_t i)
{
	snprintf(buf, PATH_LEN, "%.200s[%zu]", path, i);
}

static int
check_keys(
    struct pctx *pc, json_t *obj, const char *path, const char *const *keys)
{
	const char *key;
	json_t *v;
	char p[PATH_LEN];

	json_object_foreach(obj, key, v)
	{
		size_t i = 0;

		while (keys[i] != NULL && strcmp(keys[i], key) != 0)
			i++;
		if (keys[i] == NULL)
			return fail(pc, sub(p, path, key), "unknown key");
	}
	return 0;
}

static int
need(struct pctx *pc, json_t *obj, const char *path, const char *key)
{
	char p[PATH_LEN];

	if (json_object_get(obj, key) != NULL)
		return 0;
	return fail(pc, sub(p, path, key), "missing");
}

/* An optional number in [lo, hi]; *out is left alone when it is absent. */
static int
get_num(struct pctx *pc, json_t *obj, const char *path, const char *key,
    double lo, double hi, double *out)
{
	json_t *v = json_object_get(obj, key);
	char p[PATH_LEN];
	double d;

	if (v == NULL)
		return 0;
	sub(p, path, key);
	if (!json_is_number(v))
		return fail(pc, p, "expected a number");
	d = json_number_value(v);
	if (!(d >= lo && d <= hi))
		return fail(pc, p, "%g is out of range (%g to %g)", d, lo, hi);
	*out = d;
	return 0;
}

static int
get_int(struct pctx *pc, json_t *obj, const char *path, const char *key,
    long long lo, long long hi, long long *out)
{
	json_t *v = json_object_get(obj, key);
	char p[PATH_LEN];
	long long n;

	if (v == NULL)
		return 0;
	sub(p, path, key);
	if (!json_is_integer(v))
		return fail(pc, p, "expected an integer");
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return fail(
		    pc, p, "%lld is out of range (%lld to %lld)", n, lo, hi);
	*out = n;
	return 0;
}

static int
get_bool(
    struct pctx *pc, json_t *obj, const char *path, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);
	char p[PATH_LEN];

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return fail(pc, sub(p, path, key), "expected true or false");
	*out = json_is_true(v);
	return 0;
}

/* An address string; family AF_UNSPEC accepts either. */
static int
get_addr(
    struct pctx *pc, json_t *v, const char *path, int family, struct haddr *out)
{
	const char *s = json_string_value(v);

	if (s == NULL)
		return fail(pc, path, "expected an address string");
	if (addr_parse(s, out) < 0)
		return fail(pc, path, "\"%s\" is not an IP address", s);
	if (family != AF_UNSPEC && out->family != family)
		return fail(pc, path, "\"%s\" is not an %s address", s,
		    family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

/* "source" / "target": {"v4": "...", "v6": "..."}, at least one. */
static int
get_pair(struct pctx *pc, json_t *root, const char *key, struct haddr out[2])
{
	json_t *o = json_object_get(root, key), *v;
	char p[PATH_LEN];

	if (o == NULL)
		return fail(pc, key, "missing");
	if (!json_is_object(o))
		return fail(pc, key, "expected an object {\"v4\", \"v6\"}");
	if (check_keys(pc, o, key, pair_keys) < 0)
		return -1;
	for (int fi = 0; fi < 2; fi++) {
		v = json_object_get(o, pair_keys[fi]);
		if (v != NULL && get_addr(pc, v, sub(p, key, pair_keys[fi]),
		                     fi ? AF_INET6 : AF_INET, &out[fi]) < 0)
			return -1;
	}
	if (!addr_is_set(&out[0]) && !addr_is_set(&out[1]))
		return fail(pc, key, "needs \"v4\" or \"v6\"");
	return 0;
}

static int
check_families(struct pctx *pc)
{
	const struct netsim *ns = pc->ns;

	for (int fi = 0; fi < 2; fi++) {
		const char *f = fi ? "v6" : "v4";

		if (addr_is_set(&ns->dst[fi]) && !addr_is_set(&ns->src[fi]))
			return fail(pc, "source",
			    "no \"%s\" address (the target has one)", f);
		if (addr_is_set(&ns->src[fi]) && !addr_is_set(&ns->dst[fi]))
			return fail(pc, "target",
			    "no \"%s\" address (the source has one)", f);
	}
	return 0;
}

static int
parse_rate(struct pctx *pc, json_t *o, const char *path, struct bucket *b)
{
	json_t *v = json_object_get(o, "rate_limit");
	char p[PATH_LEN];
	long long burst = 0;

	if (v == NULL)
		return 0;
	sub(p, path, "rate_limit");
	if (!json_is_object(v))
		return fail(pc, p, "expected an object {\"pps\", \"burst\"}");
	if (check_keys(pc, v, p, rate_keys) < 0 || need(pc, v, p, "pps") < 0 ||
	    need(pc, v, p, "burst") < 0 ||
	    get_num(pc, v, p, "pps", 0.001, 1e6, &b->pps) < 0 ||
	    get_int(pc, v, p, "burst", 1, 1000000, &burst) < 0)
		return -1;
	b->burst = (double)burst;
	return 0;
}

static int
parse_label(struct pctx *pc, json_t *o, const char *path, bool bottom,
    struct mpls_label *l)
{
	long long label = 0, tc = 0, s = bottom, ttl = 1;

	if (!json_is_object(o))
		return fail(pc, path, "expected an object {\"label\", ...}");
	if (check_keys(pc, o, path, label_keys) < 0 ||
	    need(pc, o, path, "label") < 0 ||
	    get_int(pc, o, path, "label", 0, 1048575, &label) < 0 ||
	    get_int(pc, o, path, "tc", 0, 7, &tc) < 0 ||
	    get_int(pc, o, path, "s", 0, 1, &s) < 0 ||
	    get_int(pc, o, path, "ttl", 0, 255, &ttl) < 0)
		return -1;
	l->label = (uint32_t)label;
	l->tc = (uint8_t)tc;
	l->s = (uint8_t)s;
	l->ttl = (uint8_t)ttl;
	return 0;
}

static int
parse_mpls(struct pctx *pc, json_t *o, const char *path, struct mpls_stack *m)
{
	json_t *a = json_object_get(o, "mpls");
	char p[PATH_LEN], q[PATH_LEN];
	size_t n;

	if (a == NULL)
		return 0;
	sub(p, path, "mpls");
	n = json_array_size(a);
	if (!json_is_array(a) || n == 0 || n > MPLS_MAX_LABELS)
		return fail(pc, p, "expected an array of 1 to %d labels",
		    MPLS_MAX_LABELS);
	for (size_t i = 0; i < n; i++) {
		index_path(q, p, i);
		if (parse_label(
		        pc, json_array_get(a, i), q, i + 1 == n, &m->l[i]) < 0)
			return -1;
	}
	m->n = (uint8_t)n;
	return 0;
}

static int
parse_addrs(struct pctx *pc, json_t *o, const char *path, struct hop *h)
{
	json_t *a = json_object_get(o, "addrs");
	char p[PATH_LEN], q[PATH_LEN];
	size_t n;

	if (a == NULL)
		return 0;
	sub(p, path, "addrs");
	n = json_array_size(a);
	if (!json_is_array(a) || n == 0 || n > MAX_ECMP)
		return fail(
		    pc, p, "expected an array of 1 to %d addresses", MAX_ECMP);
	for (size_t i = 0; i < n; i++) {
		index_path(q, p, i);
		if (get_addr(pc, json_array_get(a, i), q, AF_UNSPEC,
		        &h->addrs[i]) < 0)
			return -1;
	}
	h->n_addrs = (int)n;
	return 0;
}

static bool
has_family(const struct hop *h, int family)
{
	for (int i = 0; i < h->n_addrs; i++)
		if (h->addrs[i].family == family)
			return true;
	return false;
}

/* Rules that tie a hop's fields to each other and to its place. */
static int
check_hop(struct pctx *pc, json_t *o, const char *path, bool last,
    const struct hop *h)
{
	char p[PATH_LEN];

	if (last && json_object_get(o, "addrs") != NULL)
		return fail(pc, sub(p, path, "addrs"),
		    "the last hop is the target: leave addrs out");
	if (last && h->mpls.n > 0)
		return fail(
		    pc, sub(p, path, "mpls"), "only on hops before the target");
	if (!last && json_object_get(o, "tcp_open") != NULL)
		return fail(pc, sub(p, path, "tcp_open"),
		    "only on the last hop (the target)");
	if (last || (h->silent && !h->hostile))
		return 0;
	if (json_object_get(o, "addrs") == NULL)
		return fail(pc, sub(p, path, "addrs"), "missing");
	for (int fi = 0; fi < 2; fi++)
		if (addr_is_set(&pc->ns->dst[fi]) &&
		    !has_family(h, fi ? AF_INET6 : AF_INET))
			return fail(pc, sub(p, path, "addrs"),
			    "no %s address (the target has one)",
			    fi ? "IPv6" : "IPv4");
	return 0;
}

static int
parse_hop(
    struct pctx *pc, json_t *o, const char *path, bool last, struct hop *h)
{
	double delay_ms = 0, jitter_ms = 0;
	long long rttl = -1;

	if (!json_is_object(o))
		return fail(pc, path, "expected an object");
	if (check_keys(pc, o, path, hop_keys) < 0 ||
	    parse_addrs(pc, o, path, h) < 0 ||
	    get_num(pc, o, path, "delay_ms", 0, 60000, &delay_ms) < 0 ||
	    get_num(pc, o, path, "jitter_ms", 0, 60000, &jitter_ms) < 0 ||
	    get_num(pc, o, path, "loss", 0, 1, &h->loss) < 0 ||
	    get_num(pc, o, path, "forward_loss", 0, 1, &h->fwd_loss) < 0 ||
	    get_bool(pc, o, path, "silent", &h->silent) < 0 ||
	    get_bool(pc, o, path, "hostile", &h->hostile) < 0 ||
	    get_bool(pc, o, path, "tcp_open", &h->tcp_open) < 0 ||
	    get_int(pc, o, path, "reply_ttl", 1, 255, &rttl) < 0 ||
	    parse_rate(pc, o, path, &h->rl) < 0 ||
	    parse_mpls(pc, o, path, &h->mpls) < 0)
		return -1;
	h->delay_ns = llround(delay_ms * (double)NS_MS);
	h->jitter_ns = llround(jitter_ms * (double)NS_MS);
	h->reply_ttl = (int)rttl;
	return check_hop(pc, o, path, last, h);
}

/* A hop list into the next route; NULL on error. */
static struct route *
parse_route(struct pctx *pc, json_t *a, const char *path)
{
	struct netsim *ns = pc->ns;
	struct route *rt = &ns->routes[ns->n_routes];
	char p[PATH_LEN];
	size_t n = json_array_size(a);

	if (a == NULL) {
		fail(pc, path, "missing");
		return NULL;
	}
	if (!json_is_array(a) || n == 0 || n > MAX_HOPS) {
		fail(pc, path, "expected an array of 1 to %d hops", MAX_HOPS);
		return NULL;
	}
	rt->hops = xcalloc(n, sizeof(*rt->hops));
	rt->n_hops = (int)n;
	ns->n_routes++;
	for (size_t i = 0; i < n; i++) {
		index_path(p, path, i);
		if (parse_hop(pc, json_array_get(a, i), p, i + 1 == n,
		        &rt->hops[i]) < 0)
			return NULL;
	}
	return rt;
}

static int
parse_change(struct pctx *pc, json_t *c, const char *path)
{
	const struct route *prev = &pc->ns->routes[pc->ns->n_routes - 1];
	struct route *rt;
	double at_ms = 0;
	char p[PATH_LEN];
	int64_t at_ns;

	if (!json_is_object(c))
		return fail(
		    pc, path, "expected an object {\"at_ms\", \"hops\"}");
	if (check_keys(pc, c, path, change_keys) < 0 ||
	    need(pc, c, path, "at_ms") < 0 ||
	    get_num(pc, c, path, "at_ms", 0, 1e9, &at_ms) < 0)
		return -1;
	at_ns = llround(at_ms * (double)NS_MS);
	if (pc->ns->n_routes > 1 && at_ns <= prev->at_ns)
		return fail(pc, sub(p, path, "at_ms"),
		    "must be later than the change before it");
	rt = parse_route(pc, json_object_get(c, "hops"), sub(p, path, "hops"));
	if (rt == NULL)
		return -1;
	rt->at_ns = at_ns;
	return 0;
}

static int
parse_changes(struct pctx *pc, json_t *root)
{
	json_t *a = json_object_get(root, "changes");
	char p[PATH_LEN];
	size_t n = json_array_size(a);

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || n > MAX_CHANGES)
		return fail(pc, "changes", "expected an array of at most %d",
		    MAX_CHANGES);
	for (size_t i = 0; i < n; i++) {
		index_path(p, "changes", i);
		if (parse_change(pc, json_array_get(a, i), p) < 0)
			return -1;
	}
	return 0;
}

static int
parse_name(struct pctx *pc, json_t *root)
{
	const char *name = json_string_value(json_object_get(root, "name"));
	json_t *d = json_object_get(root, "description");

	if (json_object_get(root, "name") == NULL)
		return fail(pc, "name", "missing");
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) >= sizeof(pc->ns->name))
		return fail(pc, "name", "expected a string of 1 to %zu bytes",
		    sizeof(pc->ns->name) - 1);
	if (d != NULL && !json_is_string(d))
		return fail(pc, "description", "expected a string");
	snprintf(pc->ns->name, sizeof(pc->ns->name), "%s", name);
	return 0;
}

/* "names": {"10.78.0.1": "gw.home.sim", ...}, optional. */
static int
parse_names(struct pctx *pc, json_t *root)
{
	json_t *o = json_object_get(root, "names"), *v;
	const char *key;
	char path[96];

	if (o == NULL)
		return 0;
	if (!json_is_object(o))
		return fail(pc, "names", "expected an object");
	pc->ns->names =
	    xcalloc(json_object_size(o) + 1, sizeof(*pc->ns->names));
	json_object_foreach(o, key, v)
	{
		struct host_name *h = &pc->ns->names[pc->ns->n_names];
		const char *name = json_string_value(v);

		snprintf(path, sizeof(path), "names.%s", key);
		if (addr_parse(key, &h->addr) != 0)
			return fail(
			    pc, path, "expected an IP address as the key");
		if (name == NULL || name[0] == '\0' ||
		    strlen(name) >= sizeof(h->name))
			return fail(pc, path,
			    "expected a host name of 1 to %zu bytes",
			    sizeof(h->name) - 1);
		snprintf(h->name, sizeof(h->name), "%s", name);
		pc->ns->n_names++;
	}
	return 0;
}

static int
parse_root(struct pctx *pc, json_t *root)
{
	struct netsim *ns = pc->ns;
	long long seed = 1;

	if (!json_is_object(root))
		return fail(pc, "(top level)", "expected an object");
	if (check_keys(pc, root, "", root_keys) < 0 ||
	    parse_name(pc, root) < 0 ||
	    get_int(pc, root, "", "seed", 0, LLONG_MAX, &seed) < 0 ||
	    get_pair(pc, root, "source", ns->src) < 0 ||
	    get_pair(pc, root, "target", ns->dst) < 0 ||
	    check_families(pc) < 0 ||
	    parse_route(pc, json_object_get(root, "hops"), "hops") == NULL ||
	    parse_changes(pc, root) < 0 || parse_names(pc, root) < 0)
		return -1;
	ns->seed = (uint64_t)seed;
	ns->rng = ns->seed;
	return 0;
}

/* Takes root (and its reference); NULL with err set on a bad scenario. */
static struct netsim *
from_json(json_t *root, const char *src, char *err, size_t errlen)
{
	struct netsim *ns = xcalloc(1, sizeof(*ns));
	struct pctx pc = {src, err, errlen, ns};
	int rc = parse_root(&pc, root);

	json_decref(root);
	if (rc < 0) {
		netsim_free(ns);
		errno = EINVAL;
		return NULL;
	}
	return ns;
}

static void
json_fail(char *err, size_t errlen, const char *src, const json_error_t *je)
{
	if (je->line > 0)
		snprintf(err, errlen, "%s:%d:%d: %s", src, je->line, je->column,
		    je->text);
	else
		snprintf(err, errlen, "%s: %s", src, je->text);
	one_line(err);
}

/* ---- public: life cycle ---- */

struct netsim *
netsim_parse(const char *json, char *err, size_t errlen)
{
	static const char src[] = "scenario";
	char dummy[256];
	json_error_t je;
	json_t *root;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		json_fail(err, errlen, src, &je);
		errno = EINVAL;
		return NULL;
	}
	return from_json(root, src, err, errlen);
}

/*
 * Reads at most NETSIM_MAX_FILE bytes of file into a new buffer (*len
 * bytes, freed by the caller). NULL with a message in err when it cannot
 * be read or is bigger: a bounded read, never the whole of a huge file.
 */
static char *
read_bounded(const char *file, size_t *len, char *err, size_t errlen)
{
	char *buf;
	FILE *f = fopen(file, "r");
	int e;

	if (f == NULL) {
		e = errno;
		snprintf(err, errlen, "%s: %s", file, strerror(e));
		errno = e;
		return NULL;
	}
	buf = xmalloc(NETSIM_MAX_FILE + 1);
	*len = fread(buf, 1, NETSIM_MAX_FILE + 1, f);
	e = ferror(f) ? errno : 0;
	fclose(f);
	if (e != 0 || *len > NETSIM_MAX_FILE) {
		if (e != 0)
			snprintf(err, errlen, "%s: %s", file, strerror(e));
		else
			snprintf(err, errlen,
			    "%s: too big (over %d KiB; a scenario is a small "
			    "JSON file)",
			    file, NETSIM_MAX_FILE / 1024);
		free(buf);
		errno = e != 0 ? e : EFBIG;
		return NULL;
	}
	return buf;
}

struct netsim *
netsim_load(const char *file, char *err, size_t errlen)
{
	char dummy[256], *buf;
	json_error_t je;
	json_t *root;
	size_t len;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if ((buf = read_bounded(file, &len, err, errlen)) == NULL)
		return NULL;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (root == NULL) {
		json_fail(err, errlen, file, &je);
		errno = EINVAL;
		return NULL;
	}
	return from_json(root, file, err, errlen);
}

const char *
netsim_demo_json(void)
{
	return netsim_demo_scenario;
}

struct netsim *
netsim_demo(void)
{
	return netsim_parse(netsim_demo_scenario, NULL, 0);
}
