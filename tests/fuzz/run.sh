#!/usr/bin/env bash
# tests/fuzz/run.sh: run the fuzz targets (see README.md here).
#
#   run.sh replay EXE CORPUS          each seed once (the meson 'fuzz' tests)
#   run.sh run EXE CORPUS WORKDIR     libFuzzer for AARP_FUZZ_SECONDS (30)
#   run.sh setup [BUILDDIR]           configure a libFuzzer build dir
#                                     (default $AARP_FUZZ_BUILDDIR or ./build-fuzz)
#   run.sh all SECONDS [BUILDDIR]     setup, build, then every target in turn
#
# Sanitizer reports must fail: UBSan recovers by default under clang.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:halt_on_error=1:detect_leaks=1}
# In the libFuzzer build the shared ASan runtime (see setup below) comes
# after libstdc++, which libFuzzer pulls in first; harmless, since nothing
# allocates before ASan starts.
ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
# GLib's slice allocator hides use-after-free from ASan.
export G_SLICE=always-malloc G_DEBUG=gc-friendly

targets() {
        sed -n "s/^  '\(fuzz-[a-z0-9-]*\)' :.*/\1/p" "$here/meson.build"
}

setup() {
        local builddir=$1
        if [ ! -f "$builddir/build.ninja" ]; then
                # The static libraries under test need the coverage
                # instrumentation too, so it goes into the whole build's
                # c_args; -shared-libasan because libnss_aarp and the shim
                # link with -z defs, which clang's static ASan runtime
                # would fail.
                CC=clang meson setup "$builddir" "$top" -Dfuzzing=true -Dtests=enabled \
                        -Dbuildtype=debugoptimized -Db_lundef=false \
                        -Dc_args="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
                        -Dc_link_args="-fsanitize=address,undefined -shared-libasan -Wl,-rpath,$(clang -print-resource-dir)/lib/linux"
        fi
}

mode=${1:-}
case "$mode" in
replay)
        exe=$2 corpus=$3
        shopt -s nullglob
        seeds=("$corpus"/*)
        if [ ${#seeds[@]} -eq 0 ]; then
                echo "run.sh: no seeds in $corpus" >&2
                exit 1
        fi
        # Files, not the directory: libFuzzer then runs each once and
        # exits, and replay.c does the same.
        exec "$exe" "${seeds[@]}"
        ;;
run)
        exe=$2 corpus=$3 work=$4
        seconds=${AARP_FUZZ_SECONDS:-${AARP_FUZZ_SECONDS_DEFAULT:-30}}
        mkdir -p "$work/corpus"
        # New inputs go to the work dir (first corpus argument), never into
        # the source tree; crashes are written there too.
        exec nice -n 10 "$exe" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
                -artifact_prefix="$work/" "$work/corpus" "$corpus"
        ;;
setup)
        setup "${2:-${AARP_FUZZ_BUILDDIR:-$top/build-fuzz}}"
        ;;
all)
        seconds=$2
        builddir=${3:-${AARP_FUZZ_BUILDDIR:-$top/build-fuzz}}
        setup "$builddir"
        ninja -C "$builddir" $(targets | sed 's|^|tests/fuzz/|')
        for t in $(targets); do
                echo "=== $t: ${seconds}s"
                AARP_FUZZ_SECONDS=$seconds "$0" run "$builddir/tests/fuzz/$t" \
                        "$here/corpus/$t" "$builddir/tests/fuzz/work/$t"
        done
        ;;
*)
        sed -n '2,12p' "$0" >&2
        exit 2
        ;;
esac
