#!/usr/bin/env bash
# e2e: the report modes on the built-in demo path, as a user without any
# privilege (root runs them as nobody through setpriv): text, JSON, CSV,
# Markdown, --once; and bad command lines (exit 2, one stderr line, empty
# stdout). No tmux needed. About 15 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init notmux
e2e_demo_facts
cd "$E2E_TMP" || exit 1

e2e_need_setpriv
if [ "$(id -u)" -eq 0 ] && ! e2e_as_user "$HOPTOP" --version >/dev/null 2>&1; then
	e2e_fail "user nobody cannot run $HOPTOP (check directory permissions)"
	e2e_finish
fi
e2e_log "running hoptop as uid $(e2e_as_user id -u)"

# run NAME ARGS...: hoptop ARGS as the user; out/err/rc in $E2E_TMP/NAME.*
run() {
	local name="$1" t0
	shift
	t0=$(e2e_ms)
	e2e_as_user timeout 30 "$HOPTOP" "$@" >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err"
	echo $? >"$E2E_TMP/$name.rc"
	e2e_log "   hoptop $* -> status $(cat "$E2E_TMP/$name.rc") in $(($(e2e_ms) - t0)) ms"
}
rc() { cat "$E2E_TMP/$1.rc"; }
out() { cat "$E2E_TMP/$1.out"; }

# ---- text report ----
run text --demo -r -c 20 -i 0.1
e2e_check "text: exit 0" [ "$(rc text)" = 0 ]
e2e_check "text: nothing on stderr" [ ! -s "$E2E_TMP/text.err" ]
# "  N.|-- HOST  LOSS%  SNT ..." -> "TTL HOST LOSS SNT"
awk '/^ *[0-9]+\.\|--/ {
	ttl = $1; sub(/\..*/, "", ttl); host = $2; i = 3
	loss = "-"; if ($i ~ /%$/) { loss = $i; i++ }
	print ttl, host, loss, $i }' "$E2E_TMP/text.out" >"$E2E_TMP/text.rows"
e2e_check "text: $DEMO_N hop rows, TTL 1..$DEMO_N in order" \
	[ "$(awk '{ printf "%s ", $1 }' "$E2E_TMP/text.rows")" = "$(seq -s ' ' 1 "$DEMO_N") " ]
e2e_check "text: Snt 20 on every row" \
	awk '$4 != 20 { bad = 1 } END { exit bad || NR == 0 }' "$E2E_TMP/text.rows"
e2e_check "text: the lossy hop $DEMO_LOSSY shows loss above 0 and below 100" \
	awk -v t="$DEMO_LOSSY" '$1 == t { l = $3; sub(/%/, "", l); ok = (l + 0 > 0 && l + 0 < 100) } END { exit !ok }' "$E2E_TMP/text.rows"
e2e_check "text: the silent hop $DEMO_SILENT shows ???" \
	awk -v t="$DEMO_SILENT" '$1 == t && $2 == "???" { ok = 1 } END { exit !ok }' "$E2E_TMP/text.rows"
e2e_check "text: the last row is the target $DEMO_TARGET_NAME (the scenario's name)" \
	awk -v t="$DEMO_TARGET_NAME" 'END { exit $2 != t }' "$E2E_TMP/text.rows"
e2e_check "text: every other hop has no loss" \
	awk -v a="$DEMO_LOSSY" -v b="$DEMO_SILENT" '$1 != a && $1 != b && $3 != "0.0%" { bad = 1 } END { exit bad }' "$E2E_TMP/text.rows"
e2e_check "text: says the path is simulated" grep -qi 'simulated' "$E2E_TMP/text.out"
[ "$E2E_FAILS" -eq 0 ] || cat "$E2E_TMP/text.out" >&2

# ---- JSON ----
run json --demo --json -c 5 -i 0.1 -w 0.5
e2e_check "json: exit 0" [ "$(rc json)" = 0 ]
e2e_check "json: parses (python3 -m json.tool)" python3 -m json.tool "$E2E_TMP/json.out" /dev/null
e2e_check "json: \"simulated\": true, $DEMO_N hops, sent 5 each, silent hop without ip" python3 - "$E2E_TMP/json.out" "$DEMO_N" "$DEMO_SILENT" "$DEMO_TARGET" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n, silent, target = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
hops = r["hops"]
ok = (r["simulated"] is True and len(hops) == n
      and [h["ttl"] for h in hops] == list(range(1, n + 1))
      and all(h["sent"] == 5 for h in hops)
      and hops[silent - 1]["ip"] is None and hops[silent - 1]["received"] == 0
      and hops[-1]["ip"] == target)
if not ok:
    print("json: unexpected content:", json.dumps(hops)[:600], file=sys.stderr)
sys.exit(0 if ok else 1)
PY

# ---- CSV ----
run csv --demo --csv -c 3 -i 0.1 -w 0.5
e2e_check "csv: exit 0" [ "$(rc csv)" = 0 ]
e2e_check "csv: a header line first (ttl,...)" grep -q '^ttl,' <<<"$(head -n 1 "$E2E_TMP/csv.out")"
e2e_check "csv: every line has as many fields as the header" \
	awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad || NR < 2 }' "$E2E_TMP/csv.out"
e2e_check "csv: rows for TTL 1..$DEMO_N" \
	[ "$(awk -F, 'NR > 1 { print $1 }' "$E2E_TMP/csv.out" | sort -un | tr '\n' ' ')" = "$(seq -s ' ' 1 "$DEMO_N") " ]
e2e_check "csv: the target's row has its address" grep -q "^$DEMO_N,.*,$DEMO_TARGET," "$E2E_TMP/csv.out"
e2e_check "csv: every row says the path is simulated (method column)" \
	awk -F, 'NR == 1 { ok = ($NF ~ /^method/) } NR > 1 && $NF !~ /^simulated/ { ok = 0 } END { exit !ok }' "$E2E_TMP/csv.out"

# ---- Markdown ----
run md --demo --markdown -c 3 -i 0.1 -w 0.5
e2e_check "markdown: exit 0" [ "$(rc md)" = 0 ]
e2e_check "markdown: a table head and its separator line" \
	awk '/^\| *# *\| *Host/ { h = NR } /^\|[-: |]+\|$/ && h && NR == h + 1 { ok = 1 } END { exit !ok }' "$E2E_TMP/md.out"
e2e_check "markdown: $DEMO_N hop rows" [ "$(grep -Ec '^\| *[0-9]+ *\|' "$E2E_TMP/md.out")" -eq "$DEMO_N" ]
e2e_check "markdown: the silent hop shows ???" grep -Eq "^\\| *$DEMO_SILENT *\\| *\\?\\?\\? *\\|" "$E2E_TMP/md.out"
e2e_check "markdown: the target row has the scenario's name, as JSON and CSV do" \
	grep -Eq "^\\| *$DEMO_N *\\| *$DEMO_TARGET_NAME *\\|" "$E2E_TMP/md.out"
run v6 --demo "$HOPTOP_SRC/tests/data/scenarios/v6.json" -r -c 1 -i 0.1 -n
e2e_check "an IPv6-only scenario runs without -6 (exit $(rc v6))" [ "$(rc v6)" = 0 ]
e2e_check "... and traces its IPv6 target" grep -q "to v6 (fd00:78:" "$E2E_TMP/v6.out"
run textn --demo -r -c 2 -i 0.1 -n
e2e_check "text -n: the last row is the address $DEMO_TARGET" \
	bash -c "grep -E \"^ *$DEMO_N\\.\\|-- +$DEMO_TARGET \" \"\$1\"" _ "$E2E_TMP/textn.out"

# ---- --once ----
run once --demo --once
e2e_check "once: exit 0" [ "$(rc once)" = 0 ]
e2e_check "once: a 'traceroute to' first line" grep -q '^traceroute to ' <<<"$(head -n 1 "$E2E_TMP/once.out")"
e2e_check "once: $DEMO_N hop lines after it" [ "$(grep -Ec '^ *[0-9]+ ' "$E2E_TMP/once.out")" -eq "$DEMO_N" ]
e2e_check "once: the last line is hop $DEMO_N at the target" \
	grep -Eq "^ *$DEMO_N +$DEMO_TARGET_NAME \\($DEMO_TARGET\\) " <<<"$(tail -n 1 "$E2E_TMP/once.out")"
e2e_check "once: the silent hop is '* * *'" grep -Eq "^ *$DEMO_SILENT +\\* \\* \\*\$" "$E2E_TMP/once.out"
e2e_check "once: 3 times per answering hop" \
	awk '/^ *[0-9]+ +[0-9]/ { if (gsub(/ ms/, "") + gsub(/\*/, "") != 3) bad = 1 } END { exit bad }' "$E2E_TMP/once.out"
[ "$(rc once)" = 0 ] || cat "$E2E_TMP/once.err" >&2

# ---- bad command lines: exit 2, one line on stderr naming it, no stdout ----
# bad NAME PATTERN ARGS...: PATTERN must appear in the stderr line.
bad() {
	local name="$1" pat="$2"
	shift 2
	run "$name" "$@"
	if [ "$(rc "$name")" = 2 ] && [ ! -s "$E2E_TMP/$name.out" ] &&
		[ "$(wc -l <"$E2E_TMP/$name.err")" -eq 1 ] &&
		grep -q -- "$pat" "$E2E_TMP/$name.err"; then
		e2e_pass "bad input '$*': exit 2, one line: $(cat "$E2E_TMP/$name.err")"
	else
		e2e_fail "bad input '$*': status $(rc "$name"), stdout $(wc -c <"$E2E_TMP/$name.out") bytes, stderr: $(cat "$E2E_TMP/$name.err")"
	fi
}
bad c1x '-c' --demo -r -c 1x
bad m0 '-m' --demo -r -m 0
bad m300 '-m' --demo -r -m 300
bad nope '--nope' --demo --nope
bad notarget 'TARGET' -r
bad notarget2 'TARGET'
bad q11 '-q' --demo -r -q 11
bad ifast '-i' --demo -r -i 0.05
bad twofmt 'json\|csv\|format' --demo --json --csv

# ---- Ctrl-C during a report prints the report so far, and exits 0 ----
"$HOPTOP" --demo -r -c 100 -i 0.2 >"$E2E_TMP/int.out" 2>"$E2E_TMP/int.err" &
ipid=$!
sleep 1.5
kill -INT "$ipid"
irc=0
wait "$ipid" || irc=$?
icycles=$(sed -n 's/.*, \([0-9][0-9]*\) cycles*$/\1/p' "$E2E_TMP/int.out" | head -n 1)
irows=$(grep -c '|--' "$E2E_TMP/int.out")
e2e_check "SIGINT mid-report: exit 0, the report so far ($irows rows, ${icycles:-?} of 100 cycles)" \
	bash -c "[ $irc = 0 ] && [ $irows -ge 10 ] && [ '${icycles:-0}' -ge 2 ] && [ '${icycles:-100}' -lt 100 ]"

e2e_finish
