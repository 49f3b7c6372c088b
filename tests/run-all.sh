#!/usr/bin/env bash
# The whole test suite, as the README's second Quick start command and CI run it:
# installs what the tests need (as root, with apt-get), checks formatting, builds
# with warnings as errors, runs the ASan+UBSan build's tests and the fuzzers (packet
# parser, scenario loader and recording reader),
# and last the full suite (unit, tmux end-to-end, and the root integration tests,
# which report "skipped" when not run as root).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${HOPTOP_FUZZ_SECONDS:-120}

if [ "$(id -u)" = 0 ] && [ -z "${HOPTOP_NO_APT:-}" ]; then
	echo "== installing build and test dependencies (apt-get)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		build-essential cmake pkg-config clang clang-format libclang-rt-14-dev \
		libncurses-dev ncurses-term libc-ares-dev libjansson-dev libmicrohttpd-dev libcmocka-dev zlib1g-dev \
		tmux tcpdump iproute2 iputils-ping dnsmasq-base mtr-tiny nftables procps util-linux \
		python3 man-db zsh prometheus curl >/dev/null
fi

echo "== clang-format"
mapfile -t cfiles < <(git ls-files '*.c' '*.h' 2>/dev/null || find src include tests -name '*.[ch]')
clang-format --dry-run --Werror "${cfiles[@]}"

echo "== ASan+UBSan build: unit and end-to-end tests"
cmake -S . -B build-asan -DHOPTOP_SANITIZE=ON -DHOPTOP_WERROR=ON \
	-DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest -L 'unit|e2e' \
	--output-on-failure -j"$jobs")

if command -v clang >/dev/null && [ "$fuzz_seconds" -gt 0 ]; then
	# the time is split between the reply parser, the scenario loader and
	# the recording reader
	third=$(((fuzz_seconds + 2) / 3))
	echo "== fuzzing the reply parser, the scenario loader and the recording reader, ${third}s each"
	CC=clang cmake -S . -B build-fuzz -DHOPTOP_FUZZ=ON -DHOPTOP_SANITIZE=ON \
		-DHOPTOP_TESTS=OFF >/dev/null
	cmake --build build-fuzz --target fuzz_packet fuzz_scenario fuzz_replay -j"$jobs" >/dev/null
	bash tests/fuzz/run.sh build-fuzz "$third" fuzz_packet
	bash tests/fuzz/run.sh build-fuzz "$third" fuzz_scenario
	bash tests/fuzz/run.sh build-fuzz "$third" fuzz_replay
fi

echo "== release build (-Werror) and the whole suite"
cmake -S . -B build -DHOPTOP_WERROR=ON >/dev/null
cmake --build build -j"$jobs" >/dev/null
cd build
ctest --output-on-failure
