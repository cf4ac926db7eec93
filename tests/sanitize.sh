#!/usr/bin/env bash
# tests/sanitize.sh: the unit, fuzz-replay and integration suites under
# ASan+UBSan (gcc), in a build dir of their own.  The integration tests
# start the daemon from the build tree, so they run the sanitized daemon.
#
#   bash tests/sanitize.sh [SUITE...]     default: unit fuzz integration
#
# Environment: AARP_ASAN_BUILDDIR (default ./build-asan); AARP_SANITIZE_ONLY,
# a regular expression: run only the tests whose names match.  Needs root for
# the integration suite, like tests/run-tests.sh.
#
# Every sanitizer report fails: halt_on_error/abort_on_error stop the
# process at the first one, and since a report from the daemon or a helper
# (a background process whose death a test may not notice, or a leak
# report at exit after SIGTERM) could otherwise go unseen, all reports are
# written to files (log_path) and each test is run on its own: a test after
# which a report file appeared fails, and the report is printed.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
builddir=${AARP_ASAN_BUILDDIR:-$top/build-asan}
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit fuzz integration)

if [ ! -f "$builddir/build.ninja" ]; then
        # b_lundef=false: the NSS module and the shim are linked without
        # the ASan runtime, which the executable that loads them provides.
        # -fno-sanitize-recover: UBSan stops at the first report too.
        meson setup "$builddir" "$top" -Dwerror=true -Dtests=enabled \
                -Db_sanitize=address,undefined -Db_lundef=false \
                -Dc_args="-fno-omit-frame-pointer -fno-sanitize-recover=all"
fi
ninja -C "$builddir"

reports=$builddir/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:fast_unwind_on_malloc=0:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
# fast_unwind_on_malloc=0: GLib is built without frame pointers, and the fast
# unwinder stops at g_malloc, which leaves leak reports without our frames.
# GLib's slice allocator and its reuse of freed memory would hide
# use-after-free and leaks from ASan.
export G_SLICE=always-malloc G_DEBUG=gc-friendly

# Tests in which programs we did not build (getent, curl, telnet, a program
# linked against libaarp) load our libraries: libnss_aarp.so.2,
# libaarp-run.so, libaarp.so.1.  Sanitized, these libraries need the ASan
# runtime first in the process, which an uninstrumented program does not
# have ("ASan runtime does not come first"); preloading the runtimes into
# every process of those tests made two of them hang (see
# tests/fuzz/README.md).  They run in the plain suite (tests/run-tests.sh);
# here the same code is covered by nss-dlopen-entry-points (our own
# instrumented program dlopen()s the module), the unit tests and the
# fuzz-nss-pack and fuzz-shim-cache targets.
foreign_tests='^(nss-getent-anycast-dns|nss-lab-.*|client-aarp-resolve|client-aarp-run-literals|members-(discovery|getent|curl-failover|disabled)|faults-daemon-(kill|stop|stop-bound)|faults-nss-threads|faults-member-dies-nss|aarp-run-reports-failed-member|names-trailing-dot|names-invalidate-scope|names-snapshot-private|names-partial-answer-cached|nss-snapshot-syscalls)$'
# Tests that measure the daemon's memory (RSS growth over rounds): under ASan
# the quarantine of freed blocks and the shadow memory grow by design, so
# the figure says nothing here; the plain suite and valgrind check memory.
rss_tests='^(load-mixed)$'

rc=0
failed=()
for suite in "${suites[@]}"; do
        mapfile -t tests < <(meson test -C "$builddir" --no-rebuild --list --suite "$suite" 2>/dev/null |
                sed -n 's/^[^ ]* \/ //p')
        if [ ${#tests[@]} -eq 0 ]; then
                echo "sanitize: suite $suite has no tests" >&2
                rc=1
                continue
        fi
        for t in "${tests[@]}"; do
                [[ $t =~ ${AARP_SANITIZE_ONLY:-.} ]] || continue
                if [[ $t =~ $foreign_tests ]]; then
                        echo "sanitize: $t: not run here (uninstrumented programs load our libraries)"
                        continue
                fi
                if [[ $t =~ $rss_tests ]]; then
                        echo "sanitize: $t: not run here (measures RSS, which ASan inflates)"
                        continue
                fi
                rm -f "$reports"/*
                trc=0
                meson test -C "$builddir" --no-rebuild --print-errorlogs --num-processes 1 \
                        --timeout-multiplier 3 "$t" >"$reports.out" 2>&1 || trc=$?
                grep -E "^ *[0-9]+/[0-9]+ " "$reports.out" || cat "$reports.out"
                [ "$trc" -eq 0 ] || cat "$reports.out"
                if grep -q "ASan runtime does not come first" "$reports.out"; then
                        echo "sanitize: $t runs an uninstrumented program on our libraries;" \
                                "add it to foreign_tests in $0" >&2
                fi
                if grep -q '"result": "SKIP"' "$builddir/meson-logs/testlog.json"; then
                        echo "sanitize: $t skipped; that counts as a failure" >&2
                        trc=1
                fi
                if compgen -G "$reports/*" >/dev/null; then
                        echo "sanitize: $t: sanitizer report(s):" >&2
                        cat "$reports"/* >&2
                        mkdir -p "$builddir/sanitizer-failures/$t"
                        cp "$reports"/* "$builddir/sanitizer-failures/$t/"
                        trc=1
                fi
                if [ "$trc" -ne 0 ]; then
                        failed+=("$t")
                        rc=1
                fi
        done
done
rm -f "$reports.out"
if [ ${#failed[@]} -gt 0 ]; then
        echo "sanitize: FAILED: ${failed[*]} (reports kept in $builddir/sanitizer-failures)" >&2
else
        echo "sanitize: all tests passed with no sanitizer report"
fi
exit $rc
