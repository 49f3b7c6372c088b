#!/usr/bin/env bash
# Runs one fuzzer (built beforehand) for a while.
#
#   tests/fuzz/run.sh [BUILD_DIR [SECONDS [TARGET]]]
#
# TARGET is fuzz_packet (the reply parser, the default), fuzz_scenario
# (the scenario loader) or fuzz_replay (the recording reader); its corpus
# is tests/fuzz/corpus_NAME (NAME after "fuzz_") and its dictionary
# tests/fuzz/NAME.dict, if there is one.
# BUILD_DIR holds the target, configured with
#   CC=clang cmake -S . -B build-fuzz -DHOPTOP_FUZZ=ON -DHOPTOP_SANITIZE=ON \
#       -DHOPTOP_TESTS=OFF
# (default: build-fuzz); SECONDS defaults to 120. Builds nothing. The
# committed corpus is copied to a temporary directory, so new inputs never
# land in the tree. Exits 0 if the run found nothing, non-zero on a crash,
# leak or timeout; the reproducer is left in BUILD_DIR/fuzz-artifacts/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-fuzz}
secs=${2:-120}
target=${3:-fuzz_packet}
case $target in
fuzz_packet | fuzz_scenario | fuzz_replay) ;;
*)
	echo "run.sh: TARGET must be fuzz_packet, fuzz_scenario or fuzz_replay, not '$target'" >&2
	exit 2
	;;
esac
name=${target#fuzz_}

case $secs in
'' | *[!0-9]*)
	echo "run.sh: SECONDS must be a whole number, not '$secs'" >&2
	exit 2
	;;
esac
bin=$(cd "$build" 2>/dev/null && pwd)/$target || bin=
if [[ -z $bin || ! -x $bin ]]; then
	echo "run.sh: no $target in '$build'; configure with" \
		"CC=clang -DHOPTOP_FUZZ=ON and build target $target" >&2
	exit 2
fi
dict=()
[[ -f $here/$name.dict ]] && dict=(-dict="$here/$name.dict")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hoptop-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/corpus"
cp "$here/corpus_$name"/* "$tmp/corpus/"
artifacts="$(dirname "$bin")/fuzz-artifacts"
mkdir -p "$artifacts"

rc=0
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
	"$tmp/corpus" >"$tmp/log" 2>&1 || rc=$?
grep -E '^(stat::number_of_executed_units|#[0-9]+ *DONE)' "$tmp/log" || true
if [[ $rc -ne 0 ]]; then
	tail -n 60 "$tmp/log" >&2
	echo "run.sh: $target failed (exit $rc); reproducer in $artifacts" >&2
	exit 1
fi
echo "run.sh: $target ran ${secs}s with no crash"
