#!/usr/bin/env bash
# e2e: arguments that used to be ignored or checked too late: --demo with a
# TARGET, --once with -c, an empty TARGET, a bad -o DIR (checked at start),
# a scenario file over the size cap (refused after a bounded read, memory
# stays small). Each: one line on stderr, nothing on stdout, the right exit
# status. No privilege needed (the unwritable -o case runs as nobody when
# root). About 5 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init notmux

d="$E2E_TMP/args"
mkdir -p "$d"
: >"$d/afile"


e2e_one_line 2 '--demo takes no TARGET' --demo 192.0.2.1
e2e_one_line 2 '--demo takes no TARGET' --demo -r -c 1 host.example
e2e_one_line 2 '--once runs one cycle' --demo --once -c 5
e2e_one_line 2 '--once runs one cycle' -c 5 --once 192.0.2.1
e2e_one_line 2 'empty TARGET' ""
e2e_one_line 2 'empty TARGET' -r -c 1 -- ""
e2e_one_line 2 '-o: .*No such file' --demo -o "$d/missing"
e2e_one_line 2 '-o: .*not a directory' --demo -r -c 1 -o "$d/afile"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	mkdir -m 700 "$d/rootonly"
	timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$HOPTOP" --demo -o "$d/rootonly" >"$d/out" 2>"$d/err" </dev/null
	rc=$?
	e2e_check "-o unwritable (as nobody): exit 2 ($rc)" [ "$rc" = 2 ]
	e2e_check "-o unwritable (as nobody): says so" grep -q 'you can write' "$d/err"
fi

# A 60 MB scenario (valid JSON, so a whole read would also parse it):
# refused by its size, without reading it all.
{
	printf '{"name": "big", "pad": ['
	head -c $((30 * 1024 * 1024)) /dev/zero | tr '\0' '0' | sed 's/0/0,/g'
	printf '0]}'
} >"$d/big.json"
e2e_one_line 1 'too big' --demo="$d/big.json" -r -c 1
e2e_one_line 1 'too big' --demo=/dev/zero -r -c 1
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$d/rss" "$HOPTOP" --demo="$d/big.json" -r -c 1 \
		>/dev/null 2>&1
	rss=$(tail -n 1 "$d/rss")
	# (an ASan build's own overhead fits too; the whole file parsed is
	# well over 100 MiB)
	e2e_check "60 MB scenario: max RSS ${rss} KiB stays under 50 MiB" [ "$rss" -lt 51200 ]
fi
rm -f "$d/big.json"

e2e_finish
