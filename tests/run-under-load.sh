#!/usr/bin/env bash
# tests/run-under-load.sh: the plain suite (unit, fuzz-seed replay,
# integration; as tests/run-tests.sh runs it, a skip counting as a failure)
# while stress-ng keeps the machine busy (--cpu 2 --io 1: two CPU hogs and
# one sync() loop, Debian's stress-ng).  The suite is meant to pass on a
# busy machine: no test may decide its verdict from how fast things ran.
# stress-ng is stopped on every exit.  Extra arguments go to meson test.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$top/tests/setup.sh"
builddir=${AARP_BUILDDIR:-$top/build}

if [ "$(id -u)" -ne 0 ]; then
        echo "run-under-load: the integration suite builds network namespaces and needs root" >&2
        exit 1
fi

stress_pid=
stop_stress() {
        if [ -n "$stress_pid" ]; then
                kill -TERM "$stress_pid" 2>/dev/null || true
                wait "$stress_pid" 2>/dev/null || true
                stress_pid=
        fi
}
trap stop_stress EXIT
trap 'stop_stress; exit 130' INT
trap 'stop_stress; exit 143' TERM

stress-ng --cpu 2 --io 1 --timeout 0 --quiet &
stress_pid=$!
sleep 1
kill -0 "$stress_pid" 2>/dev/null || { echo "run-under-load: stress-ng did not start" >&2; exit 1; }
echo "run-under-load: stress-ng --cpu 2 --io 1 running (pid $stress_pid); load $(cut -d' ' -f1-3 /proc/loadavg)"

start=$SECONDS
rc=0
meson test -C "$builddir" --no-rebuild --print-errorlogs --num-processes 1 \
        --suite unit --suite fuzz --suite integration "$@" || rc=$?
# meson prints "Skipped: N" in its summary; a skip is a failure here.
skipped=$(grep -c '"result": "SKIP"' "$builddir/meson-logs/testlog.json" || true)
if [ "$skipped" -gt 0 ]; then
        echo "run-under-load: $skipped test(s) skipped; that counts as a failure" >&2
        rc=1
fi
echo "run-under-load: $([ "$rc" -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s under stress-ng; load $(cut -d' ' -f1-3 /proc/loadavg)"
stop_stress
exit $rc
