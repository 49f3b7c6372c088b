#!/usr/bin/env bash
# e2e: --record and --replay on the simulator, as a user without privilege.
# Every scenario in tests/data/scenarios is recorded in a report run
# (several option sets), replayed into a report, and the two JSON reports
# are compared field by field (only "ended" is skipped: the live report
# stamps the moment it was written, after waiting for names; the replay
# stamps the recorded time of its last record). Text, CSV and Markdown
# replays must equal the live ones byte for byte (the text header's
# "End" line skipped, for the same reason). Then: a recording cut at
# random points (gzip stream and text lines), files that are not
# recordings, a newer format, an unreadable path, and options that
# conflict with --replay; and the size of a 30-hop recording, per hour
# at one cycle a second. No tmux needed. About 40 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init notmux
# a directory the user (nobody, under root) may write the recordings to
mkdir "$E2E_TMP/w" && cd "$E2E_TMP/w" || exit 1
[ "$(id -u)" -eq 0 ] && chown 65534:65534 .
scen="$HOPTOP_SRC/tests/data/scenarios"

e2e_need_setpriv
for tool in python3 gzip zcat; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		e2e_log "SKIP: $tool is not installed"
		exit 77
	fi
done

# run NAME ARGS...: hoptop ARGS as the user; NAME.out / .err / .rc
run() {
	local name="$1"
	shift
	e2e_as_user timeout 60 "$HOPTOP" "$@" >"$name.out" 2>"$name.err"
	echo $? >"$name.rc"
}
rc() { cat "$1.rc"; }

# json_same A B: the two JSON reports agree on every field but "ended".
json_same() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("ended", None)
def diff(x, y, path="$"):
    if type(x) != type(y):
        return f"{path}: {x!r} != {y!r}"
    if isinstance(x, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                return f"{path}.{k}: only in one report"
            d = diff(x[k], y[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(x, list):
        if len(x) != len(y):
            return f"{path}: {len(x)} items != {len(y)}"
        for i, (p, q) in enumerate(zip(x, y)):
            d = diff(p, q, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if x == y else f"{path}: {x!r} != {y!r}"
d = diff(a, b)
if d:
    print(d, file=sys.stderr)
    sys.exit(1)
# the comparison must have had something to compare
assert a["hops"] and a["cycles_done"] > 0, "empty report"
EOF
}

# ---- every scenario, recorded and replayed into JSON ----
opts=("-q 2" "--flows 3 -u" "-T -e" "-c 6")
i=0
for f in "$scen"/*.json; do
	n=$(basename "$f" .json)
	o=${opts[$((i % ${#opts[@]}))]}
	i=$((i + 1))
	# shellcheck disable=SC2086
	run "live-$n" --demo "$f" -r --json -c 4 -i 0.1 $o --record "rec-$n.gz"
	if [ "$(rc "live-$n")" != 0 ]; then
		e2e_fail "$n ($o): the recorded run failed: $(head -c 300 "live-$n.err")"
		continue
	fi
	run "rep-$n" --replay "rec-$n.gz" --json
	if [ "$(rc "rep-$n")" != 0 ] || [ -s "rep-$n.err" ]; then
		e2e_fail "$n: the replay: status $(rc "rep-$n"), $(head -c 300 "rep-$n.err")"
		continue
	fi
	if json_same "live-$n.out" "rep-$n.out" 2>"cmp-$n.txt"; then
		e2e_pass "$n ($o): replayed JSON report equals the live one"
	else
		e2e_fail "$n ($o): replay differs: $(cat "cmp-$n.txt")"
	fi
done

# ---- the other formats, from one recording of each kind ----
for fmt in "-r" "--csv" "--markdown"; do
	run live-fmt --demo "$scen/ecmp.json" "$fmt" -c 3 -i 0.1 --record fmt.gz
	run rep-fmt --replay fmt.gz "$fmt"
	if [ "$(rc live-fmt)$(rc rep-fmt)" = 00 ] &&
		diff <(grep -v '^End' live-fmt.out) <(grep -v '^End' rep-fmt.out) >/dev/null; then
		e2e_pass "replay $fmt equals the live report"
	else
		e2e_fail "replay $fmt differs: $(diff live-fmt.out rep-fmt.out | head -5)"
	fi
done

# ---- names: the built-in demo's names are recorded and replayed ----
run live-names --demo -r --json -c 2 -i 0.1 --record names.gz
run rep-names --replay names.gz --json
if json_same live-names.out rep-names.out 2>cmp-names.txt &&
	grep -q '"hostname": "[a-z]' rep-names.out &&
	[ "$(zcat names.gz | grep -c '"n":')" -gt 0 ]; then
	e2e_pass "names recorded and shown again in the replay"
else
	e2e_fail "names: $(cat cmp-names.txt) $(grep -c hostname rep-names.out)"
fi

# ---- --once recordings replay into a report ----
run live-once --demo --once --record once.gz
run rep-once --replay once.gz --json
if [ "$(rc live-once)$(rc rep-once)" = 00 ] &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["cycles_done"] == 1 and all(h["sent"] == 3 for h in d["hops"])' rep-once.out; then
	e2e_pass "a --once recording replays: 1 cycle, 3 probes a hop"
else
	e2e_fail "--once replay: $(rc rep-once) $(head -c 200 rep-once.err)"
fi

# ---- cut-off recordings: no crash, fewer cycles, exit 0 or a clear line ----
run live-cut --demo "$scen/lossy.json" -r --json -c 8 -i 0.1 --record cut.gz
full=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cycles_done"])' live-cut.out) ||
	e2e_fail "the run to cut failed: $(cat live-cut.err)"
[ -s cut.gz ] || {
	e2e_fail "no recording to cut"
	e2e_finish
}
size=$(stat -c %s cut.gz)
zcat cut.gz >cut.txt
lines=$(wc -l <cut.txt)
RANDOM=14
bad=0
for k in $(seq 1 12); do
	# a cut gzip stream, and a cut text (half of a last line)
	head -c $((RANDOM % size + 1)) cut.gz >cut-z.gz
	head -n $((RANDOM % lines + 1)) cut.txt | head -c -$((RANDOM % 40 + 1)) | gzip >cut-t.gz
	for c in cut-z cut-t; do
		run "r-$c" --replay "$c.gz" --json
		r=$(rc "r-$c")
		if [ "$r" = 0 ]; then
			if ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["cycles_done"] <= int(sys.argv[2])' "r-$c.out" "$full"; then
				bad=$((bad + 1))
				e2e_log "cut $k $c: report broken or more cycles than $full"
			fi
		elif [ "$r" = 1 ] && [ ! -s "r-$c.out" ] && [ "$(wc -l <"r-$c.err")" = 1 ]; then
			: # the header itself was cut: one clear line
		else
			bad=$((bad + 1))
			e2e_log "cut $k $c: status $r, $(head -c 200 "r-$c.err")"
		fi
	done
done
if [ "$bad" = 0 ]; then
	e2e_pass "24 cut-off recordings: no crash, at most $full cycles, status 0 or one line"
else
	e2e_fail "$bad of 24 cut-off recordings misbehaved"
fi

# ---- files that are not recordings: one line, status 1, nothing on stdout ----
printf 'hello\n' >text.txt
gzip -c text.txt >text.gz
: >empty.gz
zcat cut.gz | sed '1s/"hoptop_recording":1/"hoptop_recording":99/' | gzip >newer.gz
zcat cut.gz | sed '1s/"max_ttl":30/"max_ttl":300/' | gzip >damaged.gz
for f in text.txt text.gz empty.gz "$scen/demo.json" newer.gz damaged.gz missing.gz /; do
	run bad --replay "$f" --json
	if [ "$(rc bad)" = 1 ] && [ ! -s bad.out ] && [ "$(wc -l <bad.err)" = 1 ]; then
		e2e_pass "--replay $(basename "$f"): $(cat bad.err)"
	else
		e2e_fail "--replay $f: status $(rc bad), stdout $(wc -c <bad.out) bytes, $(cat bad.err)"
	fi
done
if grep -q 'newer' <(e2e_as_user "$HOPTOP" --replay newer.gz -r 2>&1); then
	e2e_pass "a newer format is named as such"
else
	e2e_fail "a newer format is not named as such"
fi

# ---- options that conflict with --replay: usage errors ----
for args in "10.0.0.1" "-T" "--demo" "-c 3" "-q 2" "--record x.gz" "--once"; do
	# shellcheck disable=SC2086
	run conflict --replay cut.gz $args
	if [ "$(rc conflict)" = 2 ] && [ ! -s conflict.out ] && [ "$(wc -l <conflict.err)" = 1 ]; then
		e2e_pass "--replay with $args: $(cat conflict.err)"
	else
		e2e_fail "--replay with $args: status $(rc conflict), $(cat conflict.err)"
	fi
done
run rec-two --demo "$scen/ecmp.json" "$scen/lossy.json" -r -c 1 --record two.gz
if [ "$(rc rec-two)" = 1 ] && [ ! -s rec-two.out ] && [ "$(wc -l <rec-two.err)" = 1 ]; then
	e2e_pass "--record with two targets: $(cat rec-two.err)"
else
	e2e_fail "--record with two targets: status $(rc rec-two), $(cat rec-two.err)"
fi
run rec-bad --demo -r -c 1 --record /nonexistent/dir/x.gz
if [ "$(rc rec-bad)" = 1 ] && [ ! -s rec-bad.out ] && grep -q -- '--record' rec-bad.err; then
	e2e_pass "--record to an unwritable path: $(cat rec-bad.err)"
else
	e2e_fail "--record to an unwritable path: status $(rc rec-bad), $(cat rec-bad.err)"
fi

# ---- size: a 30-hop path (jitter, some loss), 300 cycles, per hour at 1/s ----
python3 - >chain30.json <<'EOF'
import json
hops = [{"addrs": [f"10.78.{k}.1"], "delay_ms": 2 + k % 3,
         "jitter_ms": 0.5, "loss": 0.01 if k % 7 == 0 else 0}
        for k in range(1, 31)]
del hops[-1]["addrs"]  # the last hop is the target
print(json.dumps({"name": "chain30", "seed": 30,
                  "source": {"v4": "10.78.0.2"},
                  "target": {"v4": "10.78.30.1"}, "hops": hops}))
EOF
run size --demo chain30.json -r --json -c 300 -i 0.1 --record size.gz
if [ "$(rc size)" = 0 ]; then
	bytes=$(stat -c %s size.gz)
	per_hour=$((bytes * 3600 / 300))
	e2e_log "30 hops, 300 cycles: $bytes bytes; at 1 cycle/s: $per_hour bytes/hour ($((per_hour / 1024)) KiB)"
	run rep-size --replay size.gz --json
	if json_same size.out rep-size.out 2>cmp-size.txt && [ "$per_hour" -lt $((4 * 1024 * 1024)) ]; then
		e2e_pass "30-hop recording: $((per_hour / 1024)) KiB an hour, replayed exactly"
	else
		e2e_fail "30-hop recording: $per_hour bytes/hour, $(cat cmp-size.txt)"
	fi
else
	e2e_fail "the 30-hop run failed: $(cat size.err)"
fi
e2e_finish
