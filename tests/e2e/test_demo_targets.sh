#!/usr/bin/env bash
# e2e (tmux): the monitor with several targets (--demo with three
# scenarios): a target list line per target (name, hops, destination Loss%
# and Avg, the loss verdict) above the selected target's hop table; Tab,
# Shift-Tab, Left/Right and 1-9 switch, and the header and the table follow;
# p pauses the selected target only; s saves one snapshot per target; with
# 12 targets on a short screen the list scrolls to keep the selected one in
# view. With one target: no list. No privilege needed. About 15 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init
sc="$HOPTOP_SRC/tests/data/scenarios"
snaps="$E2E_TMP/snaps"
mkdir -p "$snaps"

e2e_start 100 40 "$HOPTOP" --demo "$sc/ecmp.json" "$sc/lossy.json" "$sc/mpls.json" -o "$snaps"
e2e_check "the target list shows (title and 3 lines)" \
	e2e_wait_for '^  # Target +Hops +Loss% +Avg +Loss verdict' 5
e2e_check "line 1: ecmp, selected, 6 hops" \
	e2e_wait_for '^>   1 ecmp +6 +0\.0% +23\.[0-9] ' 5
e2e_check "line 2: lossy, 8 hops" e2e_wait_for '^    2 lossy +8 ' 5
e2e_check "line 3: mpls, 5 hops" e2e_wait_for '^    3 mpls +5 ' 5
e2e_check "the header names the selected target" e2e_wait_for 'vm -> ecmp \(10\.78\.6\.1\)' 3
e2e_check "its hop table ends at hop 6 (ecmp's target)" \
	e2e_wait_for '^  6\. 10\.78\.6\.1 ' 3
e2e_keys Tab
e2e_check "Tab: lossy selected" e2e_wait_for '^>   2 lossy' 3
e2e_check "Tab: the header and table follow" e2e_wait_for 'vm -> lossy \(10\.78\.8\.1\)' 3
e2e_check "Tab: lossy's hop 8 is its target" e2e_wait_for '^  8\. 10\.78\.8\.1 ' 3
e2e_check "the status line says which" e2e_wait_for 'target 2 of 3: lossy' 3
e2e_keys BTab
e2e_check "Shift-Tab: back to ecmp" e2e_wait_for '^>   1 ecmp' 3
e2e_keys Left
e2e_check "Left from the first: the last (mpls)" e2e_wait_for '^>   3 mpls' 3
e2e_keys Right
e2e_check "Right: wraps to ecmp" e2e_wait_for '^>   1 ecmp' 3
e2e_keys 3
e2e_check "3: mpls" e2e_wait_for 'vm -> mpls \(10\.78\.5\.1\)' 3
e2e_keys 9
e2e_check "9 (no 9th target): stays on mpls" e2e_wait_for '^>   3 mpls' 3
# p pauses the selected target only: its cycle count stops, ecmp's goes on
e2e_keys p
e2e_check "p: the selected target pauses" e2e_wait_for 'Paused' 3
cyc() { e2e_capture | sed -n 's/.*· cycle \([0-9]*\) ·.*/\1/p'; }
c1=$(cyc)
sleep 2.2
e2e_check "paused mpls stays at cycle $c1" [ "$(cyc)" = "$c1" ]
e2e_keys 1
e2e_wait_for 'vm -> ecmp' 3
e2e_check "ecmp kept running" e2e_wait_for 'Running' 3
e2e_check "ecmp is ahead of mpls" [ "$(cyc)" -gt "$c1" ]
e2e_keys s
e2e_check "s: one snapshot per target" e2e_wait_for '3 snapshots saved in' 3
e2e_check "three files, one per target" \
	[ "$(find "$snaps" -name 'hoptop-*.txt' | wc -l)" = 3 ]
for t in ecmp lossy mpls; do
	e2e_check "a snapshot of $t" sh -c "grep -l ' to $t (' '$snaps'/hoptop-*.txt >/dev/null"
done
e2e_keys q
e2e_check "q quits" e2e_wait_cmd 5 sh -c '[ "$(tmux -L "'"$E2E_SOCK"'" display-message -p -t "='"$S"':" "#{pane_dead}")" = 1 ]'

# 12 targets on 30 rows: a window of the list, which follows the selection
args=()
for f in ecmp lossy mpls demo; do args+=("$sc/$f.json"); done
mkdir -p "$E2E_TMP/sc"
for i in $(seq 1 8); do
	sed "s/\"name\": *\"[^\"]*\"/\"name\": \"copy$i\"/" "$sc/ecmp.json" >"$E2E_TMP/sc/c$i.json"
	args+=("$E2E_TMP/sc/c$i.json")
done
e2e_start 100 30 "$HOPTOP" --demo "${args[@]}"
e2e_check "12 targets: a window and its place" e2e_wait_for '1-5 of 12 \(Tab, S-Tab\)' 5
for _ in $(seq 1 9); do e2e_keys Tab; done
e2e_check "the 10th selected and in view" e2e_wait_for '^>  10 copy6' 3
e2e_check "the window moved" e2e_wait_for '[0-9]+-[0-9]+ of 12' 3
e2e_check "the first no longer shown" e2e_wait_gone '^    1 ecmp' 3
e2e_kill

# one target: no list
e2e_start 100 30 "$HOPTOP" --demo "$sc/ecmp.json"
e2e_check "one target: the table head at row 5 as always" \
	e2e_wait_for '^  #  Host' 5
e2e_check "one target: no target list" sh -c "! tmux -L '$E2E_SOCK' capture-pane -p -t '=$S:' | grep -q 'Loss verdict'"
e2e_check "row 5 is the table head" sh -c "tmux -L '$E2E_SOCK' capture-pane -p -t '=$S:' | sed -n 5p | grep -q '^  #  Host'"
e2e_kill
e2e_finish
