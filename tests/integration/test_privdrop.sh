#!/usr/bin/env bash
# Privilege drop on every path, not only the network one: a setuid-root copy
# of hoptop run by nobody must not read root-only files through --demo (the
# scenario parser's error messages), must not write snapshots where nobody
# cannot, and a setcap cap_net_raw copy running --demo must hold no
# capability (CapEff 0). Needs root, setpriv and setcap (exit 77 otherwise).
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "test_privdrop: needs root: skipped"; exit 77; }
for t in setpriv setcap tmux; do
	command -v $t >/dev/null 2>&1 || { echo "test_privdrop: no $t: skipped"; exit 77; }
done
id nobody >/dev/null 2>&1 || { echo "test_privdrop: no user nobody: skipped"; exit 77; }
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
tmp=$(mktemp -d /tmp/htpriv.XXXXXX)
chmod 755 "$tmp"
sock=htpriv$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	tmux -L $sock kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
check() {
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
asnobody() { exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }

cp "$hoptop" "$tmp/suid"
chown root:root "$tmp/suid"
chmod 4755 "$tmp/suid"
cp "$hoptop" "$tmp/capped"
chmod 755 "$tmp/capped"
if ! setcap cap_net_raw+ep "$tmp/capped" 2>/dev/null; then
	echo "test_privdrop: setcap failed (filesystem without xattrs?): skipped"
	exit 77
fi

# Root-only files with a secret in them: a non-JSON one (shadow-like) and a
# JSON scenario whose string value would be echoed as "is not an IP address".
secret=s3cr3tTOKEN$$
printf '%s:$6$abc:19000:0:99999:7:::\n' "$secret" >"$tmp/shadow"
cat >"$tmp/scen.json" <<JSON
{"name": "x", "source": {"v4": "10.78.0.2"}, "target": {"v4": "$secret"},
 "hops": [{"addrs": ["10.78.1.1"]}]}
JSON
chmod 600 "$tmp/shadow" "$tmp/scen.json"
mkdir "$tmp/rootonly"
chmod 700 "$tmp/rootonly"

for f in shadow scen.json; do
	for mode in "-r -c 1" "--once" ""; do
		# shellcheck disable=SC2086 # mode is a list of words
		out=$(asnobody "$tmp/suid" --demo="$tmp/$f" $mode </dev/null 2>&1)
		rc=$?
		check "setuid --demo=$f $mode: fails" test $rc -ne 0
		check "setuid --demo=$f $mode: no content leaks" \
			eval '! grep -q "$secret" <<<"$out"'
		check "setuid --demo=$f $mode: says why" \
			grep -qi "permission denied" <<<"$out"
	done
done
# The real shadow file: jansson quotes its first token ("near 'root'").
if [ -f /etc/shadow ]; then
	out=$(asnobody "$tmp/suid" --demo=/etc/shadow -r -c 1 2>&1)
	check "setuid --demo=/etc/shadow: no token quoted" \
		eval '! grep -q "near" <<<"$out"'
fi
# The plain user still gets the same file when it is theirs.
chmod 644 "$tmp/scen.json"
out=$(asnobody "$tmp/suid" --demo="$tmp/scen.json" -r -c 1 2>&1)
check "readable scenario: parser reaches the value" grep -q "$secret" <<<"$out"

# -o into a root-only directory: refused at start, or `s` fails; no file.
tmux -L $sock -f /dev/null new-session -d -s s1 -x 100 -y 30 \
	"setpriv --reuid=nobody --regid=nogroup --clear-groups -- env TERM=xterm LANG=C.UTF-8 $tmp/suid --demo -o $tmp/rootonly; sleep 30"
for _ in $(seq 40); do
	scr=$(tmux -L $sock capture-pane -p -t s1)
	grep -q "cycle\|hoptop:" <<<"$scr" && break
	sleep 0.1
done
tmux -L $sock send-keys -t s1 s
sleep 0.5
tmux -L $sock send-keys -t s1 q
sleep 0.5
check "setuid --demo -o root-only: no snapshot written" \
	test -z "$(ls -A "$tmp/rootonly")"
check "setuid --demo -o root-only: refused at start" \
	grep -q "you can write" <<<"$scr"

# A setcap copy running --demo holds no capability.
asnobody "$tmp/capped" --demo -r -c 60 -i 0.5 >/dev/null 2>&1 &
p=$!
pids+=($p)
capeff=""
for _ in $(seq 50); do
	capeff=$(awk '/^CapEff:/ { print $2 }' /proc/$p/status 2>/dev/null)
	[ -n "$capeff" ] && [ "$(readlink /proc/$p/exe)" = "$tmp/capped" ] && break
	sleep 0.05
done
sleep 0.3
capeff=$(awk '/^CapEff:/ { print $2 }' /proc/$p/status 2>/dev/null)
capprm=$(awk '/^CapPrm:/ { print $2 }' /proc/$p/status 2>/dev/null)
nnp=$(awk '/^NoNewPrivs:/ { print $2 }' /proc/$p/status 2>/dev/null)
check "setcap --demo: CapEff 0 ($capeff)" test "$capeff" = 0000000000000000
check "setcap --demo: CapPrm 0 ($capprm)" test "$capprm" = 0000000000000000
check "setcap --demo: NoNewPrivs 1 ($nnp)" test "$nnp" = 1
kill $p 2>/dev/null

# The setuid copy, running --demo as nobody: no root id left.
asnobody "$tmp/suid" --demo -r -c 60 -i 0.5 >/dev/null 2>&1 &
p=$!
pids+=($p)
sleep 0.5
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/$p/status 2>/dev/null)
check "setuid --demo: all uids nobody ($uids)" test "$uids" = "65534 65534 65534 65534"
kill $p 2>/dev/null

[ $fails -eq 0 ] || { echo "test_privdrop: $fails failed"; exit 1; }
echo "test_privdrop: all passed"
