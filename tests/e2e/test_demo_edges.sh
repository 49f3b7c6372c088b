#!/usr/bin/env bash
# e2e: the rough edges of the screen a new user hits, on `hoptop --demo` in
# tmux: + at 10 and - at 1 say the limit; z on a simulated path says why
# there are no AS numbers; j keeps Loss% and Snt; sub-millisecond RTTs keep
# their digits; a table that does not fit says what is hidden; the history
# strip starts at the host field; a too-small terminal ignores every key
# but q and says so. No privilege needed. About 20 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_demo_facts
ROW_N="^ *$DEMO_N\\. "
last_line() { tail -n 1 <<<"$E2E_SCREEN"; }

e2e_start 100 30 "$HOPTOP --demo"
e2e_wait_for "$ROW_N" 5 || e2e_fail "no table within 5 s"

# ---- + to the top, then once more; - to the bottom, then once more ----
for _ in 1 2 3 4 5 6 7 8 9; do e2e_keys +; done
e2e_check "+ x9: 10 probes/hop" e2e_wait_for '10 probes/hop' 2
e2e_keys +
e2e_check "+ at 10 says it is the most" \
	e2e_wait_for '10 probes per hop is the most \(- for fewer\)' 2
for _ in 1 2 3 4 5 6 7 8 9; do e2e_keys -; done
e2e_check "- x9: 1 probe/hop" e2e_wait_for ' 1 probe/hop' 2
e2e_keys -
e2e_check "- at 1 says it is the fewest" \
	e2e_wait_for '1 probe per hop is the fewest \(\+ for more\)' 2

# ---- z on a simulated path ----
e2e_keys z
e2e_check "z says a simulated path has no AS lookups" \
	e2e_wait_for 'AS numbers need DNS lookups: a simulated path has none' 2
e2e_keys z

# ---- sub-millisecond RTTs: hop 1 answers in 0.5 ms ----
e2e_check "hop 1's Avg shows 0.500, not 0.5" \
	e2e_wait_for '^ +1\. .* 0\.500 ' 3

# ---- j keeps the loss in view (hop DEMO_LOSSY loses 20%) ----
lossy_loss() {
	e2e_rows "$E2E_SCREEN" | awk -v t="$DEMO_LOSSY" '$1 == t { print $3 }'
}
deadline=$(($(e2e_ms) + 15000))
while E2E_SCREEN="$(e2e_capture)"; l=$(lossy_loss); [[ ${l:-0.0%} == 0.0% || $l == - ]]; do
	[ "$(e2e_ms)" -lt "$deadline" ] || break
	sleep 0.2
done
e2e_keys p # paused: once the probes in flight settle (-w 2 s), no change
e2e_wait_for 'Paused' 2
sleep 2.5
E2E_SCREEN="$(e2e_capture)"
before=$(lossy_loss)
e2e_keys j
e2e_check "j: Loss% Snt Last Jttr Javg Jmax Jint" \
	e2e_wait_for 'Loss% +Snt +Last +Jttr +Javg +Jmax +Jint' 2
after=$(lossy_loss)
e2e_check "j: the lossy hop $DEMO_LOSSY shows the same loss ($before, $after)" \
	test -n "$after" -a "$after" = "$before" -a "$after" != "0.0%"
e2e_keys j p

# ---- the history strip starts right after the host field ----
e2e_keys d
e2e_wait_for 'History, newest right' 2
row1=$(grep -E '^ +1\. ' <<<"$E2E_SCREEN")
col=$(awk '{ match($0, /[0-9]\. [^ ]+ +/); print RLENGTH + RSTART - 1 }' <<<"$row1")
e2e_check "d: hop 1's samples start at column $col (< 40 of 100)" \
	test "${col:-999}" -lt 40
e2e_keys d

# ---- a table that does not fit: 12 rows for a $DEMO_N-hop path ----
e2e_resize 100 12
e2e_check "a short screen says how many hops are below" \
	e2e_wait_for 'more hops above, .* [0-9]+ below \(Up/Down scrolls\)' 2
e2e_resize 100 30
e2e_wait_for "$ROW_N" 2

# ---- too small: only q acts ----
e2e_resize 30 8
e2e_check "too small: says q quits" e2e_wait_for 'q quits' 2
e2e_keys d h Down Enter j
sleep 0.3
e2e_resize 100 30
e2e_check "after resizing back: the table, no panel, no history" \
	e2e_wait_for "$ROW_N" 2
e2e_check "no details panel was opened" \
	bash -c '! grep -q " Hop 1 " <<<"$1"' _ "$E2E_SCREEN"
e2e_check "the history view was not turned on" \
	bash -c '! grep -q "History, newest" <<<"$1"' _ "$E2E_SCREEN"
e2e_check "the jitter view was not turned on" \
	bash -c '! grep -q "Jttr" <<<"$1"' _ "$E2E_SCREEN"
e2e_resize 30 8
e2e_wait_for 'q quits' 2
e2e_keys q
deadline=$(($(e2e_ms) + 3000))
while [ "$(e2e_pane_dead)" != 1 ] && [ "$(e2e_ms)" -lt "$deadline" ]; do
	sleep 0.05
done
e2e_check "too small: q quits" test "$(e2e_pane_dead)" = 1
e2e_finish
