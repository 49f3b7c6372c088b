#!/usr/bin/env bash
# e2e: every output path checks its writes and its final flush: with
# stdout on /dev/full each mode says "No space left on device" in one line
# on stderr and exits 1 (before: --once exited 0 silently). No privilege
# needed. About 5 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init notmux
[ -w /dev/full ] || { e2e_log "SKIP: no /dev/full"; exit 77; }

d="$E2E_TMP/full"
mkdir -p "$d"
while IFS= read -r args; do
	# shellcheck disable=SC2086 # a list of options
	timeout 20 "$HOPTOP" $args >/dev/full 2>"$d/err"
	rc=$?
	e2e_check "'$args': exit 1 ($rc)" [ "$rc" = 1 ]
	e2e_check "'$args': says No space left on device" \
		grep -q 'No space left on device' "$d/err"
	e2e_check "'$args': one line on stderr" [ "$(wc -l <"$d/err")" = 1 ]
	e2e_log "   stderr: $(head -c 200 "$d/err")"
done <<'LIST'
--demo --once
--demo --once -q 1 -m 3
--demo -r -c 1 -i 0.1
--demo -r -c 1 -i 0.1 --json
--demo -r -c 1 -i 0.1 --csv
--demo -r -c 1 -i 0.1 --markdown
--help
--version
LIST

e2e_finish
