#!/bin/bash
# test_tun_scenarios.sh: the real hoptop binary, with its raw sockets, in a
# network namespace whose only way out is a TUN device served by tunsim (the
# netsim simulator). For each case: start the lab (tunlab.sh), run
# `hoptop -r -c 5 -n --json TARGET` inside it, stop the lab (tunsim writes
# its log), and hold hoptop's report against what the simulator saw:
#
#   - the destination TTL is the scenario's hop count;
#   - per TTL up to it: Snt = probes sent with that TTL (netsim: probes +
#     fwd_lost), Rcv = replies netsim generated (answered), so the loss is
#     exactly the simulated one; every answered probe's reply was written;
#   - Avg RTT against the wire RTT of the same packets: tunsim's kernel
#     stamps of each answered probe leaving for the device and of its reply
#     entering the stack (what tcpdump on tun0 shows, on the clock hoptop's
#     kernel stamps use). With kernel send stamps ("send_clock": "kernel",
#     required on Linux >= 6.13, which takes SCM_TS_OPT_ID): hoptop's send
#     stamp is taken as the device gets the probe, after the tap's stamp
#     and before tunsim reads it, so per hop Avg must lie between
#     mean(reply stamp - read) and the mean wire RTT (1 us slack), which no
#     load can move; and per case the median over the hops of
#     |Avg - wire| must be <= 0.003 ms (that gap is the kernel's path from
#     the tap to the device: under a microsecond, a few for the first probe
#     of a burst, more only where an interrupt or the hypervisor hit it).
#     From user-space send stamps: within 0.1 ms. A late tunsim write
#     moves the truth and hoptop alike, so tunsim's lateness is reported,
#     not failed on; the mean wire RTT is never below the mean configured
#     hold of the same replies (none is written early);
#   - responders are the scenario's addresses for that hop (the target at
#     the end); MPLS labels as configured; silent hops receive nothing.
#
# Env (from ctest): HOPTOP, HOPTOP_SRC, HOPTOP_BUILD. tunsim is taken from
# $HOPTOP_BUILD/tests/integration/tunsim, else built here with gcc.
# Exit 77 when not root (or no /dev/net/tun); 0 pass; 1 fail.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=${HOPTOP_SRC:-$(cd "$here/../.." && pwd)}
build=${HOPTOP_BUILD:-$src/build}
hoptop=${HOPTOP:-$build/hoptop}
scen_dir=$src/tests/data/scenarios
tunlab=$here/tunlab.sh

if (($(id -u) != 0)); then
	echo "SKIP: needs root (network namespaces, TUN, raw sockets)"
	exit 77
fi
if [[ ! -c /dev/net/tun ]]; then
	echo "SKIP: no /dev/net/tun"
	exit 77
fi
if [[ ! -x $hoptop ]]; then
	echo "FAIL: no hoptop binary at $hoptop (set HOPTOP)"
	exit 1
fi

work=$(mktemp -d /tmp/tuntest.XXXXXX) || exit 1
active_ns=""

cleanup() {
	[[ -n $active_ns ]] && "$tunlab" down "$active_ns" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The tunsim binary: the one CMake built, else one built here.
find_tunsim() {
	local t=$build/tests/integration/tunsim lib
	if [[ -x $t ]]; then
		echo "$t"
		return 0
	fi
	for lib in netsim packet addr xmalloc; do
		[[ -r $build/libhoptop_$lib.a ]] || {
			echo "FAIL: no tunsim and no $build/libhoptop_$lib.a" >&2
			return 1
		}
	done
	gcc -std=c11 -D_GNU_SOURCE -O2 -I"$src/include" \
	    "$here/tunsim.c" "$build/libhoptop_netsim.a" \
	    "$build/libhoptop_packet.a" "$build/libhoptop_addr.a" \
	    "$build/libhoptop_xmalloc.a" -ljansson -lm -o "$work/tunsim" >&2 ||
		return 1
	echo "$work/tunsim"
}

TUNSIM=$(find_tunsim) || exit 1
export TUNSIM

# check.py SCENARIO REPORT LOG FAMILY CLOCK: exit 0 if hoptop agrees with
# tunsim; CLOCK "kernel" requires kernel send stamps.
cat >"$work/check.py" <<'EOF'
import ipaddress, json, sys

scen = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
log = json.load(open(sys.argv[3]))
fam = sys.argv[4]
bad = []
diffs = []


def want(cond, msg):
    if not cond:
        bad.append(msg)


def family_addrs(addrs):
    v = 6 if fam == "6" else 4
    return {str(ipaddress.ip_address(a)) for a in addrs
            if ipaddress.ip_address(a).version == v}


def labels(stack):
    return [e["label"] for e in stack]


kernel_clock = sys.argv[5] == "kernel"
clock = rep.get("send_clock")
want(not kernel_clock or clock == "kernel",
     f"send_clock {clock}: this kernel gives send stamps, want \"kernel\"")
kernel = clock == "kernel"
hops = scen["hops"]
dest = len(hops)
target = str(ipaddress.ip_address(scen["target"]["v6" if fam == "6" else "v4"]))
want(rep.get("destination_ttl") == dest,
     f"destination_ttl {rep.get('destination_ttl')}, scenario has {dest} hops")
want(log["write_errors"] == 0 and log["read_errors"] == 0,
     f"tunsim I/O errors: {log['write_errors']} writes, {log['read_errors']} reads")
if not any(h.get("hostile") for h in hops):
    want(log["unmatched_replies"] == 0,
         f"{log['unmatched_replies']} replies tunsim could not match to a probe")
sim = {t["ttl"]: t for t in log["ttls"]}
got = {h["ttl"]: h for h in rep["hops"]}
for ttl in range(1, dest + 1):
    cfg, h = hops[ttl - 1], got.get(ttl)
    t = sim.get(ttl, {"probes": 0, "fwd_lost": 0, "answered": 0,
                      "measured_n": 0, "measured_mean_ms": None,
                      "hold_mean_ms": 0})
    if h is None:
        bad.append(f"ttl {ttl}: no hop in hoptop's report")
        continue
    sent = t["probes"] + t["fwd_lost"]
    line = (f"  ttl {ttl:2} {str(h['ip']):15} Snt {h['sent']} Rcv {h['received']}"
            f" | sim sent {sent} answered {t['answered']}")
    want(h["sent"] == sent, f"ttl {ttl}: Snt {h['sent']}, simulator saw {sent}")
    want(h["received"] == t["answered"],
         f"ttl {ttl}: Rcv {h['received']}, simulator answered {t['answered']}")
    want(t["measured_n"] == t["answered"],
         f"ttl {ttl}: {t['answered']} answered, {t['measured_n']} written")
    want(t["wire_n"] == t["answered"],
         f"ttl {ttl}: {t['answered']} answered, {t['wire_n']} seen on the wire")
    if cfg.get("silent"):
        want(h["received"] == 0, f"ttl {ttl}: silent hop answered")
    if h["received"] > 0 and t["wire_mean_ms"] is not None:
        wire = t["wire_mean_ms"]
        d = h["avg_ms"] - wire
        diffs.append(abs(d))
        line += (f" | Avg {h['avg_ms']:.4f} wire {wire:.4f}"
                 f" (cfg {t['hold_mean_ms']:.4f}) diff {d * 1000:+.1f} us"
                 f" (read bound {(t['wire_read_mean_ms'] - wire) * 1000:+.0f})")
        lo = t["wire_read_mean_ms"] - 0.001
        want(not kernel or lo <= h["avg_ms"] <= wire + 0.001,
             f"ttl {ttl}: Avg {h['avg_ms']:.4f} ms outside [{lo:.4f},"
             f" {wire + 0.001:.4f}] ms (reply - probe read .. wire RTT)")
        want(kernel or abs(d) <= 0.1,
             f"ttl {ttl}: Avg {h['avg_ms']:.4f} ms vs wire RTT {wire:.4f} ms"
             f" (> 0.1 ms apart, send clock {clock})")
        # the same replies: each written at or after its due time
        want(wire >= t["hold_mean_ms"] - 0.002,
             f"ttl {ttl}: wire RTT {wire:.4f} ms below the configured"
             f" hold {t['hold_mean_ms']:.4f} ms (written early?)")
    allowed = {target} if ttl == dest else family_addrs(cfg.get("addrs", []))
    for r in h["responders"]:
        want(r["ip"] in allowed,
             f"ttl {ttl}: responder {r['ip']} not in {sorted(allowed)}")
        if "mpls" in cfg:
            want(labels(r["mpls"]) == labels(cfg["mpls"]),
                 f"ttl {ttl}: MPLS {labels(r['mpls'])}, want {labels(cfg['mpls'])}")
    print(line)
late = log["lateness"]
print(f"  send clock {clock}; tunsim saw {log['tap_replies_in']} replies"
      f" come in ({log['tap_replies_unmatched']} unmatched)")
print(f"  reply writes: lateness median {late['median_us']} us, p99"
      f" {late['p99_us']} us, max {late['max_us']:.1f} us;"
      f" probe read delay median {log['read_delay']['median_us']} us")
if diffs:
    med = sorted(diffs)[len(diffs) // 2]
    want(not kernel or med <= 0.003,
         f"median |Avg - wire RTT| over the hops {med * 1000:.2f} us > 3 us")
    print(f"  median |Avg - wire RTT| = {med * 1000:.2f} us,"
          f" mean {sum(diffs) / len(diffs) * 1000:.2f} us,"
          f" worst {max(diffs) * 1000:.2f} us over {len(diffs)} hops")
for b in bad:
    print("  FAIL " + b)
sys.exit(1 if bad else 0)
EOF

# run_case N SCENARIO FAMILY [hoptop options...]
run_case() {
	local n=$1 scen=$2 fam=$3 ns=tun$$c$1 tgt out rc
	shift 3
	out=$work/$n
	tgt=$("$TUNSIM" --scenario "$scen_dir/$scen.json" --info |
	    awk -v k="target$fam" '$1 == k { print $2 }')
	echo "== $scen (IPv$fam${*:+ $*}) -> $tgt"
	if [[ -z $tgt ]]; then
		echo "  FAIL no IPv$fam target in $scen.json"
		return 1
	fi
	active_ns=$ns
	"$tunlab" up "$ns" "$scen_dir/$scen.json" "$out.log" || return 1
	timeout 120 ip netns exec "$ns" "$hoptop" -r -c 5 -n --json "$@" \
	    "$tgt" >"$out.json" 2>"$out.err"
	rc=$?
	"$tunlab" down "$ns"
	active_ns=""
	if ((rc != 0)); then
		echo "  FAIL hoptop exited $rc: $(head -c 300 "$out.err")"
		return 1
	fi
	if [[ ! -s $out.log ]]; then
		echo "  FAIL tunsim wrote no log"
		return 1
	fi
	python3 "$work/check.py" "$scen_dir/$scen.json" "$out.json" "$out.log" \
	    "$fam" "$want_clock"
}

# Linux 6.13 takes a send stamp's ID with each send (SCM_TS_OPT_ID).
want_clock=any
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
if ((kmaj > 6 || (kmaj == 6 && ${kmin%%[!0-9]*} >= 13))); then
	want_clock=kernel
fi

fails=0
i=0
while read -r scen fam opts; do
	i=$((i + 1))
	# shellcheck disable=SC2086 # opts: words on purpose
	run_case "$i" "$scen" "$fam" ${opts:+$opts} </dev/null ||
	    fails=$((fails + 1))
done <<'CASES'
chain16 4
chain16 6 -6
lossy 4
silent 4
silent 4 -u
silent 6 -6 -T
ecmp 4
mpls 4
ratelimit 4
hostile 4
CASES

if ((fails > 0)); then
	echo "FAIL: $fails of $i cases"
	exit 1
fi
echo "PASS: $i cases"
