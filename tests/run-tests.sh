#!/usr/bin/env bash
# tests/run-tests.sh: the whole test suite (the README's test command).
# Installs what is missing, builds with warnings as errors, runs the unit,
# fuzz-seed-replay, integration and system (Debian packages installed into a
# booted Debian 12) suites, then the first three again under
# ASan+UBSan (tests/sanitize.sh) and three integration tests with the daemon
# under valgrind (tests/valgrind.sh), then 20 s of libFuzzer per fuzz target,
# and fails if any test was skipped: a skipped test is a test that did not run.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$top/tests/setup.sh"
builddir=${AARP_BUILDDIR:-$top/build}

if [ "$(id -u)" -ne 0 ]; then
        echo "run-tests: the integration suite builds network namespaces and needs root" >&2
        exit 1
fi

rc=0
meson test -C "$builddir" --no-rebuild --print-errorlogs --num-processes 1 \
        --suite unit --suite fuzz --suite integration --suite system "$@" || rc=$?
# meson prints "Skipped: N" in its summary; a skip is a failure here.
skipped=$(grep -c '"result": "SKIP"' "$builddir/meson-logs/testlog.json" || true)
if [ "$skipped" -gt 0 ]; then
        echo "run-tests: $skipped test(s) skipped; that counts as a failure" >&2
        rc=1
fi
# Sanitizers: the unit tests, every fuzz target's seeds and the integration
# suite under ASan+UBSan (a build of its own; any report fails; the tests in
# which uninstrumented programs load our libraries cannot run there and are
# listed in the script), then the daemon under valgrind memcheck.
bash "$top/tests/sanitize.sh" unit fuzz integration || rc=1
AARP_VALGRIND_BUILDDIR=$builddir bash "$top/tests/valgrind.sh" \
        anycast-resolves-to-nearest-member.sh bad-dbus-arguments.sh forged-replies-rejected.sh || rc=1
# A short libFuzzer run of every fuzz target (clang build of its own); the
# 10-minute runs are documented in tests/fuzz/README.md.
bash "$top/tests/fuzz/run.sh" all 20 "${AARP_FUZZ_BUILDDIR:-$top/build-fuzz}" || rc=1
exit $rc
