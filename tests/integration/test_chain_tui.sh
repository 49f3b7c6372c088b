#!/usr/bin/env bash
# The live monitor on a real 5-router namespace chain, in tmux: the full path
# appears, and n, +, p, space, r, s, a resize and q all do what they say.
# Needs root (exit 77 otherwise). About 20 s.
set -u
[ "$(id -u)" = 0 ] || { echo "test_chain_tui: needs root: skipped"; exit 77; }
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init
lab=$HOPTOP_SRC/tests/integration/lab.sh
pfx=tt$$
trap 'e2e_cleanup; bash "$lab" down $pfx >/dev/null 2>&1' EXIT
bash "$lab" up $pfx 5 >/dev/null || { e2e_log "lab.sh up failed"; exit 1; }
mapfile -t want < <(bash "$lab" addrs $pfx 5 4)
target=$(bash "$lab" target $pfx 5 4)
export_dir=$E2E_TMP/snap
mkdir -p "$export_dir"

# Every hop row shows its router's address and a Last value.
full_path() {
	local rows k
	rows=$(e2e_rows "$1")
	for k in 1 2 3 4 5; do
		awk -v k=$k -v a="${want[$((k - 1))]}" \
			'$1 == k && $2 == a && $5 != "-" { f = 1 } END { exit !f }' \
			<<<"$rows" || return 1
	done
}

t0=$(e2e_ms)
e2e_start 100 30 "ip netns exec $pfx-src $HOPTOP -n -o $export_dir $target; echo EXIT=\$? >$E2E_TMP/exit; sleep 60"
if e2e_poll_fn 5 full_path; then
	e2e_pass "the full path shows every router in order ($(($(e2e_ms) - t0)) ms incl. tmux start)"
else
	e2e_fail "the full path did not show within 5 s"
	e2e_log "$E2E_SCREEN"
fi

e2e_keys n
e2e_check "n: the status line names the host display" e2e_wait_for 'showing (host names|addresses|names and addresses)' 2
e2e_keys +
e2e_check "+: the header shows 2 probes/hop" e2e_wait_for '2 probes/hop' 2
e2e_keys p
e2e_check "p: the header shows Paused" e2e_wait_for 'Paused' 2
s1=$(e2e_snt "$E2E_SCREEN" 1)
sleep 2.5
s2=$(e2e_snt "$(e2e_capture)" 1)
e2e_check "p: Snt stays at $s1 while paused (now $s2)" [ "$s1" = "$s2" ]
e2e_keys Space
e2e_check "space: the header shows Running" e2e_wait_for 'Running' 2
# wait for the screen to show it (bounded), not for a fixed time
snt_above() { [ "$(e2e_snt "$1" 1)" -gt "${s2:-0}" ] 2>/dev/null; }
e2e_poll_fn 3 snt_above
s3=$(e2e_snt "$E2E_SCREEN" 1)
e2e_check "space: Snt grows again ($s2 -> $s3)" [ "${s3:-0}" -gt "${s2:-0}" ]
e2e_keys r
snt_low() { [ "$(e2e_snt "$1" 1)" -le 2 ] 2>/dev/null; }
e2e_poll_fn 2 snt_low
s4=$(e2e_snt "$E2E_SCREEN" 1)
e2e_check "r: Snt starts over ($s3 -> $s4)" [ "${s4:-99}" -le 2 ]
e2e_keys s
e2e_check "s: the status line shows the snapshot path" e2e_wait_for 'snapshot saved to' 2
snap=$(ls "$export_dir"/hoptop-*.txt 2>/dev/null | head -n 1)
e2e_check "s: the snapshot lists the 5 routers in order" bash -c \
	"[ -n '$snap' ] && [ \"\$(grep -F '|--' '$snap' | grep -Eo '10\\.201\\.[0-9]+\\.2' | tr '\n' ' ')\" = '${want[*]} ' ]"
e2e_resize 60 20
e2e_check "resize: the table reflows to 60 columns" e2e_wait_for '^ *5\. 10\.201\.5\.2' 2
e2e_keys q
e2e_check "q: exits with status 0" e2e_wait_cmd 3 grep -q EXIT=0 "$E2E_TMP/exit"
e2e_finish
