#!/usr/bin/env bash
# The interval rule ping follows: below 0.1 s needs root or CAP_NET_RAW, not
# root itself. As user nobody on a 3-router chain: a setcap cap_net_raw
# copy runs -i 0.01 (and probes with raw sockets); a plain copy refuses it
# with one line naming the fix, exit 2, and still runs -i 0.1 with ping
# sockets. Needs root and setcap (exit 77 otherwise).
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "test_fast_interval: needs root: skipped"; exit 77; }
for t in setpriv setcap; do
	command -v $t >/dev/null 2>&1 || { echo "test_fast_interval: no $t: skipped"; exit 77; }
done
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/lab.sh
pfx=ti$$
tmp=$(mktemp -d /tmp/htint.XXXXXX)
chmod 755 "$tmp"
trap 'bash "$lab" down $pfx >/dev/null 2>&1; rm -rf "$tmp"' EXIT
fails=0
check() {
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
cp "$hoptop" "$tmp/capped"
cp "$hoptop" "$tmp/plain"
chmod 755 "$tmp/capped" "$tmp/plain"
if ! setcap cap_net_raw+ep "$tmp/capped" 2>/dev/null; then
	echo "test_fast_interval: setcap failed (filesystem without xattrs?): skipped"
	exit 77
fi
bash "$lab" up $pfx 3 >/dev/null
t=$(bash "$lab" target $pfx 3 4)
nob() { ip netns exec $pfx-src setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }

rc=0
nob timeout 30 "$tmp/capped" -r -c 20 -i 0.01 -n --json "$t" >"$tmp/cap.json" 2>"$tmp/cap.err" || rc=$?
check "cap_net_raw, -i 0.01: exit 0 (got $rc: $(head -c 200 "$tmp/cap.err"))" [ "$rc" = 0 ]
check "cap_net_raw, -i 0.01: raw sockets, 20 replies at every hop" /usr/bin/python3 - "$tmp/cap.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ok = d["method"] == "raw socket" and d["destination_ttl"] == 3 and \
    [h["received"] for h in d["hops"]] == [20, 20, 20]
if not ok:
    print("  got", d["method"], [h["received"] for h in d["hops"]], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
rc=0
nob timeout 30 "$tmp/plain" -r -c 20 -i 0.01 -n "$t" >"$tmp/plain.out" 2>"$tmp/plain.err" || rc=$?
check "no capability, -i 0.01: exit 2 (got $rc)" [ "$rc" = 2 ]
check "no capability, -i 0.01: one line naming cap_net_raw and -i 0.1" \
	bash -c "[ \$(wc -l <$tmp/plain.err) = 1 ] && grep -q 'need root or cap_net_raw (use -i 0.1' $tmp/plain.err"
check "no capability, -i 0.01: nothing on stdout" test ! -s "$tmp/plain.out"
rc=0
nob timeout 30 "$tmp/plain" -r -c 3 -i 0.1 -n "$t" >"$tmp/plain.out" 2>"$tmp/plain.err" || rc=$?
check "no capability, -i 0.1: runs (exit $rc)" [ "$rc" = 0 ]
echo "test_fast_interval: $fails failed"
[ "$fails" = 0 ]
