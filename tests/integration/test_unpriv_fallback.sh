#!/usr/bin/env bash
# A user with neither raw sockets nor ping sockets (net.ipv4.ping_group_range
# closed, as on some distributions): the default ICMP trace falls back to UDP
# with IP_RECVERR by itself, says so on stderr, names the method in the
# report, and finds every hop of a 5-router chain, IPv4 and IPv6; -I asks
# for ICMP and gets the one-line error instead. As user nobody, in the
# lab's source namespace. Needs root (exit 77 otherwise).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "test_unpriv_fallback: needs root: skipped"; exit 77; }
command -v setpriv >/dev/null || { echo "test_unpriv_fallback: no setpriv: skipped"; exit 77; }
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/lab.sh
pfx=tf$$
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'bash "$lab" down $pfx >/dev/null 2>&1; rm -rf "$tmp"' EXIT
fails=0
check() {
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
inns() { ip netns exec $pfx-src "$@"; }

bash "$lab" up $pfx 5 >/dev/null
inns sysctl -qw net.ipv4.ping_group_range="1 0"
check "ping sockets are closed for nobody" inns "${as_nobody[@]}" /usr/bin/python3 -c '
import socket, sys
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
except PermissionError:
    sys.exit(0)
sys.exit(1)' 

for fam in 4 6; do
	bash "$lab" addrs $pfx 5 $fam >"$tmp/want"
	t=$(bash "$lab" target $pfx 5 $fam)
	rc=0
	inns timeout 30 "${as_nobody[@]}" "$hoptop" -r -c 3 -i 0.2 -n --json "$t" \
		>"$tmp/out" 2>"$tmp/err" || rc=$?
	check "ipv$fam: default ICMP falls back, exit 0 (got $rc)" [ "$rc" = 0 ]
	check "ipv$fam: stderr says it probes with UDP" \
		grep -q "ping_group_range): probing with UDP" "$tmp/err"
	check "ipv$fam: stderr has that one line only" [ "$(wc -l <"$tmp/err")" = 1 ]
	check "ipv$fam: every hop answered, protocol UDP, method named" python3 - \
		"$tmp/out" "$tmp/want" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = open(sys.argv[2]).read().split()
got = [(h["ip"], h["received"]) for h in d["hops"]]
ok = got == [(w, 3) for w in want] and d["protocol"] == "UDP" \
    and "UDP" in d["method"] and d["destination_ttl"] == len(want)
if not ok:
    print("  got", got, d["protocol"], d["method"], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
	rc=0
	inns timeout 30 "${as_nobody[@]}" "$hoptop" -I -r -c 1 -n "$t" \
		>"$tmp/out" 2>"$tmp/err" || rc=$?
	check "ipv$fam: -I: exit 1, one line naming the sysctl, nothing on stdout" \
		bash -c "[ $rc = 1 ] && [ \$(wc -l <$tmp/err) = 1 ] && grep -q ping_group_range $tmp/err && [ ! -s $tmp/out ]"
done
echo "test_unpriv_fallback: $fails failed"
[ "$fails" = 0 ]
