#!/usr/bin/env bash
# e2e: several targets from the command line and from -F FILE, on the
# simulator (--demo with several scenarios): bad, empty and comment-only
# files are one clear line naming FILE (and LINE), exit 2; reports carry
# one section per target, JSON one object with "targets", CSV a target
# column, --once each target in turn; each target's numbers are its own
# scenario's (no crosstalk). No privilege needed. About 10 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init notmux

d="$E2E_TMP/targets"
mkdir -p "$d"
sc="$HOPTOP_SRC/tests/data/scenarios"


# -F: a missing file, an empty one, comments only, two words on a line, a
# control character.
e2e_one_line 2 "^hoptop: -F $d/none: No such file or directory \(give a readable file\)$" \
	-r -F "$d/none"
: >"$d/empty"
e2e_one_line 2 "^hoptop: -F $d/empty: no target in the file \(one a line; # starts a comment\)$" \
	-r -F "$d/empty"
printf '# only\n\n  # comments\n' >"$d/comments"
e2e_one_line 2 "no target in the file" -r -F "$d/comments"
printf '# list\n10.202.0.1\n10.202.0.2 10.202.0.3\n' >"$d/two"
e2e_one_line 2 "^hoptop: $d/two:3: more than one target on the line \(one a line; # starts a comment\)$" \
	-r -F "$d/two"
printf 'ok\nx\033[2Jy\n' >"$d/ctrl"
e2e_one_line 2 "^hoptop: $d/ctrl:2: a control character in the target" -r -F "$d/ctrl"
# a target of the wrong family names its line (no probe is sent)
printf '10.202.0.1\n\n# v6\nfd00:201::1\n' >"$d/mixed"
e2e_one_line 1 "cannot resolve 'fd00:201::1'.*\($d/mixed:4\)$" -n -r -c 1 -F "$d/mixed"
e2e_one_line 1 "'10.202.0.1' and '10.202.0.1' are both 10.202.0.1 \(give each target once\)" \
	-n -r -c 1 10.202.0.1 10.202.0.1
e2e_one_line 2 "--demo takes no TARGET: 'host'" --demo "$sc/ecmp.json" host

# --demo with three scenarios (the built-in one first) from the command
# line and from a file with comments.
printf '# scenarios\n%s   # ECMP\n\n%s\n' "$sc/ecmp.json" "$sc/lossy.json" >"$d/list"
run() { timeout 60 "$HOPTOP" "$@" 2>"$d/err" </dev/null; }

run --demo -n -r -c 3 -F "$d/list" >"$d/text"
e2e_check "text: exit 0, three sections" [ "$(grep -c '^Start: ' "$d/text")" = 3 ]
mapfile -t names < <(sed -n 's/^hoptop [^ ]*: ICMP (simulated) to \([^ ]*\) .*/\1/p' "$d/text")
e2e_check "text: in order: demo, ecmp, lossy (${names[*]})" \
	[ "${names[*]}" = "$(for f in demo.json ecmp.json lossy.json; do
		"$HOPTOP" --demo "$sc/$f" -n -r -c 1 2>/dev/null |
			sed -n 's/^hoptop [^ ]*: ICMP (simulated) to \([^ ]*\) .*/\1/p'
	done | tr '\n' ' ' | sed 's/ $//')" ]

# Each section equals that scenario's own report (the simulator is
# deterministic in its hops and loss; ECMP picks by the random identifier,
# so compare each host's /24, Loss% and Snt).
cols() { awk '/^ *[0-9]+\.\|--/ {sub(/\.[0-9]+$/, "", $2); print $1, $2, $3, $4}' "$1"; }
split_sections() {
	awk -v d="$d" '/^Start: /{n++} {print > (d "/sec" n)}' "$1"
}
split_sections "$d/text"
i=1
for f in demo.json ecmp.json lossy.json; do
	if [ "$f" = demo.json ]; then
		run --demo -n -r -c 3 >"$d/one"
	else
		run --demo "$sc/$f" -n -r -c 3 >"$d/one"
	fi
	cols "$d/sec$i" >"$d/a"
	cols "$d/one" >"$d/b"
	e2e_check "text: section $i is $f's own path ($(wc -l <"$d/a") rows)" \
		cmp -s "$d/a" "$d/b"
	i=$((i + 1))
done

run --demo "$sc/ecmp.json" "$sc/lossy.json" -n -j -c 2 >"$d/json"
e2e_check "json: one object, targets [2], each a one-target object" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = d["targets"]
assert d["schema"] == 1 and len(t) == 2, d.keys()
for x in t:
    assert x["schema"] == 1 and x["cycles_done"] == 2 and x["hops"], x.keys()
assert t[0]["target"]["name"] != t[1]["target"]["name"]
' "$d/json"

run --demo "$sc/ecmp.json" "$sc/lossy.json" -n -C -c 2 >"$d/csv"
e2e_check "csv: a target column first" grep -q '^target,ttl,responder,ip,' "$d/csv"
e2e_check "csv: rows of both targets" \
	[ "$(cut -d, -f1 "$d/csv" | tail -n +2 | sort -u | wc -l)" = 2 ]

run --demo "$sc/ecmp.json" "$sc/lossy.json" -n --once >"$d/once"
e2e_check "--once: two traceroutes in turn" \
	[ "$(grep -c '^traceroute to ' "$d/once")" = 2 ]
e2e_check "--once: the second starts after the first's last hop" \
	awk '/^traceroute to /{n++} n==1 && /^ *1 /{a=NR} n==2 && /^ *1 /{b=NR} END{exit !(a && b > a)}' "$d/once"

# Metrics: every target's series under its own target label.
if command -v curl >/dev/null 2>&1; then
	timeout 20 "$HOPTOP" --demo "$sc/ecmp.json" "$sc/lossy.json" -n \
		--metrics 0 </dev/null >/dev/null 2>"$d/merr" &
	mpid=$!
	e2e_wait_cmd 5 grep -q 'metrics at http' "$d/merr" || true
	port="$(sed -n 's|.*metrics at http://127\.0\.0\.1:\([0-9]*\)/metrics|\1|p' "$d/merr")"
	e2e_wait_cmd 5 sh -c "curl -s -m 2 http://127.0.0.1:$port/metrics | grep -q 'destination_ttl{target=\"lossy\"}'" || true
	curl -s -m 2 "http://127.0.0.1:$port/metrics" >"$d/metrics"
	e2e_check "metrics: ecmp's destination at TTL 6" \
		grep -qx 'hoptop_destination_ttl{target="ecmp"} 6' "$d/metrics"
	e2e_check "metrics: lossy's destination at TTL 8" \
		grep -qx 'hoptop_destination_ttl{target="lossy"} 8' "$d/metrics"
	kill -INT "$mpid" 2>/dev/null
	wait "$mpid"
	e2e_check "metrics: exit 0 after SIGINT" [ $? = 0 ]
fi

# One target: as before (no target column, no "targets").
run --demo "$sc/ecmp.json" -n -C -c 1 >"$d/csv1"
e2e_check "one target: CSV as before" grep -q '^ttl,responder,ip,' "$d/csv1"
e2e_finish
