#!/usr/bin/env bash
# e2e: terminal escapes in strings hoptop did not write (the target as
# typed, a scenario's name and host names, values echoed in errors) never
# reach any output raw: text, JSON, CSV, Markdown, --once, the snapshot
# file, stderr, and the live screen (the pane title stays, the screen is
# not cleared). C0 (ESC, BEL), C1 (U+009B, CSI) and DEL come out as \xHH.
# No privilege needed. About 10 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init

evil=$'\e]0;pwned\a\e[2J'
d="$E2E_TMP/esc"
mkdir -p "$d/snap"
cat >"$d/scen.json" <<'JSON'
{"name": "\u001b]0;pwned\u0007\u001b[2J", "seed": 1,
 "source": {"v4": "10.78.0.2"}, "target": {"v4": "10.78.3.1"},
 "hops": [{"addrs": ["10.78.1.1"], "delay_ms": 1},
          {"addrs": ["10.78.2.1"], "delay_ms": 1}, {"delay_ms": 1}],
 "names": {"10.78.1.1": "evil\u001b[2J\u009bhost\u007f", "10.78.3.1": "t\u001b]0;pwned\u0007"}}
JSON
cat >"$d/bad.json" <<'JSON'
{"name": "x", "source": {"v4": "10.78.0.2"},
 "target": {"v4": "\u001b]0;pwned\u0007\u009b2J"}, "hops": [{"delay_ms": 1}]}
JSON

# clean FILE: no ESC, BEL, DEL, C1 CSI (0xc2 0x9b) or any other C0 but
# tab, LF and CR (CSV ends lines with CR LF).
clean() {
	! LC_ALL=C grep -qP '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"
}

for fmt in "" --json --csv --markdown --once; do
	name="demo ${fmt:-text}"
	mode="-r -c 2 -i 0.1"
	[ "$fmt" = --once ] && mode=""
	# shellcheck disable=SC2086 # a list of options
	timeout 20 "$HOPTOP" --demo="$d/scen.json" $mode $fmt >"$d/out" 2>"$d/err"
	rc=$?
	e2e_check "$name: exit 0 ($rc)" [ "$rc" = 0 ]
	e2e_check "$name: stdout clean" clean "$d/out"
	e2e_check "$name: stderr clean" clean "$d/err"
	e2e_check "$name: the name shows, escaped" grep -qF '\x1b]0;pwned' "$d/out"
done
# the scenario's host names reach JSON (whatever the display mode)
timeout 20 "$HOPTOP" --demo="$d/scen.json" -r -c 1 --json >"$d/out" 2>&1
e2e_check "json: host name escaped (C1 too)" \
	grep -qF 'evil\\x1b[2J\\xc2\\x9bhost\\x7f' "$d/out"

# the target as typed, on every mode (each fails to resolve it)
for mode in "-r -c 1" "-r -c 1 --json" "-r -c 1 --markdown" "--once" ""; do
	# shellcheck disable=SC2086
	timeout 10 "$HOPTOP" $mode -n "$evil" >"$d/out" 2>"$d/err" </dev/null
	e2e_check "target '${mode:-monitor}': stderr clean" clean "$d/err"
	e2e_check "target '${mode:-monitor}': stdout clean" clean "$d/out"
	e2e_check "target '${mode:-monitor}': one line" [ "$(wc -l <"$d/err")" = 1 ]
done
# a scenario value echoed in the parser's error message
timeout 10 "$HOPTOP" --demo="$d/bad.json" -r -c 1 >"$d/out" 2>"$d/err"
e2e_check "bad scenario: exit non-zero" [ "$?" != 0 ]
e2e_check "bad scenario: stderr clean" clean "$d/err"
e2e_check "bad scenario: the value shows escaped" grep -qF '\x1b]0;pwned\x07\xc2\x9b2J' "$d/err"
e2e_log "   stderr: $(head -c 200 "$d/err")"

# the live monitor: names on, a snapshot, quit; the pane title must not
# become "pwned" and the header must show the escaped name
e2e_start 110 30 "$HOPTOP --demo=$d/scen.json -o $d/snap"
before="$(tmux -L "$E2E_SOCK" display-message -p -t "=$S:" '#{pane_title}')"
if e2e_wait_for 'pwned' 5; then
	e2e_keys n
	e2e_wait_for 'evil' 3
	e2e_check "monitor: host name shown escaped" grep -qF 'evil\x1b[2J\xc2\x9bhost\x7f' <<<"$E2E_SCREEN"
	e2e_check "monitor: target shown escaped" grep -qF '\x1b]0;pwned' <<<"$E2E_SCREEN"
	e2e_keys s
	e2e_wait_for 'snapshot saved' 3
	e2e_keys q
	e2e_wait_cmd 3 [ "$(e2e_pane_dead)" = 1 ]
	after="$(tmux -L "$E2E_SOCK" display-message -p -t "=$S:" '#{pane_title}')"
	e2e_check "monitor: pane title unchanged ('$before' -> '$after')" [ "$after" = "$before" ]
	snap="$(ls "$d/snap"/hoptop-* 2>/dev/null | head -n 1)"
	e2e_check "snapshot written" [ -n "$snap" ]
	[ -n "$snap" ] && e2e_check "snapshot clean" clean "$snap"
	[ -n "$snap" ] && e2e_check "snapshot header names the target escaped" \
		grep -qF 'snapshot of \x1b]0;pwned' "$snap"
else
	e2e_fail "monitor: no header within 5 s"
fi
e2e_kill

e2e_finish
