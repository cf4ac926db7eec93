#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/run-all.sh: build, then run every benchmark one
# after the other (never two at once: the machines are small and shared)
# and write each one's output to tests/bench/results/NAME.txt (override
# with AARP_BENCH_RESULTS).  BENCHMARKS.md explains the figures.
#
#   bash tests/bench/run-all.sh            (as root: the lab needs namespaces)
#
# Environment: AARP_BUILD_ROOT (default: build-bench beside the tree's
# build/, set up with -Dtests=enabled if missing), AARP_BENCH_SKIP_BUILD=1
# to use the build as it is, AARP_BENCH_ONLY="cache replay ..." to run a
# subset.  A benchmark that fails is reported and the others still run;
# the exit status is 1 if any failed.  Nothing here is a pass/fail timed
# test: the figures are read, not asserted.
set -uo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${AARP_BUILD_ROOT:-$SRC/build-bench}
RESULTS=${AARP_BENCH_RESULTS:-$SRC/tests/bench/results}
export AARP_SOURCE_ROOT=$SRC AARP_BUILD_ROOT=$BUILD AARP_BENCH_RESULTS=$RESULTS

if [ "${AARP_BENCH_SKIP_BUILD:-0}" != 1 ]; then
        if [ ! -f "$BUILD/build.ninja" ]; then
                meson setup "$BUILD" "$SRC" -Dwerror=true -Dtests=enabled || exit 1
        fi
        nice -n 5 ninja -C "$BUILD" || exit 1
fi
mkdir -p "$RESULTS"

# name: command.  In the order BENCHMARKS.md reports them.
declare -A CMD=(
        [nss]="bash $SRC/tests/bench/bench-nss.sh 20000"
        [peers]="bash $SRC/tests/bench/bench-peers.sh 20000"
        [miss]="bash $SRC/tests/bench/bench-miss.sh"
        [throughput]="bash $SRC/tests/bench/bench-throughput.sh"
        [fanout]="bash $SRC/tests/bench/bench-fanout.sh"
        [cache]="$BUILD/tests/bench/bench-cache"
        [shim]="bash $SRC/tests/bench/bench-shim.sh"
        [replay]="bash $SRC/tests/bench/bench-replay.sh"
        [stub]="bash $SRC/tests/bench/bench-stub.sh"
        [failfast]="bash $SRC/tests/bench/bench-failfast.sh"
)
ORDER=(nss peers miss throughput fanout cache shim replay stub failfast)
failed=()
for name in ${AARP_BENCH_ONLY:-${ORDER[@]}}; do
        [ -n "${CMD[$name]:-}" ] || { echo "run-all: unknown benchmark '$name'" >&2; exit 2; }
        out=$RESULTS/$name.txt
        echo "==== $name -> $out"
        {
                echo "# run-all: $name: ${CMD[$name]}"
                echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
                echo "# commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?'), $(git -C "$SRC" status --short --untracked-files=no 2>/dev/null | wc -l) files modified in the tree"
        } >"$out"
        # shellcheck disable=SC2086 # CMD holds a command line
        if ! nice -n 5 ${CMD[$name]} 2>&1 | tee -a "$out"; then
                failed+=("$name")
        fi
        grep '^RESULT' "$out" || true
done
if [ "${#failed[@]}" -gt 0 ]; then
        echo "run-all: failed: ${failed[*]}" >&2
        exit 1
fi
echo "run-all: results in $RESULTS"
