#!/usr/bin/env bash
# Every way in, against a 5-hop chain of real routers: ICMP, UDP and TCP over
# IPv4 and IPv6 as root (raw sockets), and the unprivileged methods (ping
# sockets, UDP with IP_RECVERR) as user nobody, must all list the same hops
# and reach the destination. The report names the method used, and the send
# clock: on Linux 6.13+ (SCM_TS_OPT_ID) every method's probes carry the
# kernel's send stamps ("send_clock": "kernel"), elsewhere "user".
# Needs root (exit 77 otherwise).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "test_protocols: needs root: skipped"; exit 77; }
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/lab.sh
pfx=tp$$
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'bash "$lab" down $pfx >/dev/null 2>&1; rm -rf "$tmp"' EXIT
fails=0
check() {
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

# JSON report: the expected hops in order, all answered, the method named,
# the send clock the kernel can give.
clock=$(uname -r | awk -F'[.-]' '{ print ($1 > 6 || ($1 == 6 && $2 >= 13)) ? "kernel" : "user" }')
json_ok() { # FILE WANT_FILE CYCLES METHOD_REGEX
	python3 - "$@" "$clock" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
want = open(sys.argv[2]).read().split()
n = int(sys.argv[3])
got = [(h["ip"], h["sent"], h["received"]) for h in d["hops"]]
ok = got == [(w, n, n) for w in want] and d["destination_ttl"] == len(want)
ok = ok and re.search(sys.argv[4], d["method"]) is not None
ok = ok and d.get("send_clock") == sys.argv[5]
if not ok:
    print("  got", got, d["method"], d.get("send_clock"), "\n  want", want, n,
          sys.argv[4], sys.argv[5], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

bash "$lab" up $pfx 5 >/dev/null
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
for fam in 4 6; do
	bash "$lab" addrs $pfx 5 $fam >"$tmp/want"
	t=$(bash "$lab" target $pfx 5 $fam)
	for proto in -I -u -T; do
		ip netns exec $pfx-src timeout 30 "$hoptop" $proto -r -c 3 -i 0.2 \
			-n --json "$t" >"$tmp/out"
		check "root $proto ipv$fam" json_ok "$tmp/out" "$tmp/want" 3 "raw"
	done
	# No privilege at all: ping sockets (ICMP) and IP_RECVERR (UDP).
	ip netns exec $pfx-src timeout 30 "${as_nobody[@]}" "$hoptop" -I -r -c 3 \
		-i 0.2 -n --json "$t" >"$tmp/out"
	check "nobody ICMP ipv$fam (ping socket)" json_ok "$tmp/out" "$tmp/want" 3 "ping"
	ip netns exec $pfx-src timeout 30 "${as_nobody[@]}" "$hoptop" -u -r -c 3 \
		-i 0.2 -n --json "$t" >"$tmp/out"
	check "nobody UDP ipv$fam (IP_RECVERR)" json_ok "$tmp/out" "$tmp/want" 3 "UDP"
	# --unprivileged forces those methods even for root.
	ip netns exec $pfx-src timeout 30 "$hoptop" --unprivileged -u -r -c 2 \
		-i 0.2 -n --json "$t" >"$tmp/out"
	check "root --unprivileged UDP ipv$fam" json_ok "$tmp/out" "$tmp/want" 2 "UDP"
	# Several flows: every hop still the same single router on a chain.
	ip netns exec $pfx-src timeout 30 "$hoptop" -u --flows 4 -r -c 2 -i 0.2 \
		-n --json "$t" >"$tmp/out"
	check "root UDP --flows 4 ipv$fam" json_ok "$tmp/out" "$tmp/want" 8 "raw"
done

# TCP without privilege is a clear one-line error (exit 1).
rc=0
ip netns exec $pfx-src "${as_nobody[@]}" "$hoptop" -T -r -c 1 -n \
	"$(bash "$lab" target $pfx 5 4)" >"$tmp/out" 2>"$tmp/err" || rc=$?
check "nobody TCP: exit 1, one line naming setcap" bash -c \
	"[ $rc = 1 ] && [ \$(wc -l <'$tmp/err') = 1 ] && grep -q setcap '$tmp/err' && [ ! -s '$tmp/out' ]"

echo "test_protocols: $fails failed"
[ $fails = 0 ]
