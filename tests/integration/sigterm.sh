#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGTERM ends the daemon quickly with status 0, also with probes in flight,
# and it gives up its bus name.
source "$(dirname "$0")/common.sh"

lab_up
lab_start_daemon
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
t0=$(now_ms)
rc=0
lab_stop_daemon 3 || rc=$?
elapsed=$(($(now_ms) - t0))
[ "$rc" -eq 0 ] || fail "SIGTERM: exit status $rc (124: still running after 3 s)"
[ "$elapsed" -lt 1000 ] || fail "SIGTERM took ${elapsed} ms"
lab_name_owned && fail "$LAB_BUS_NAME still owned after the daemon exited"
pass "idle daemon: SIGTERM -> exit 0 in ${elapsed} ms"

lab_start_daemon "ProbeTimeout=10s" "ProbeRetries=2"
lab_resolve "$LAB_SILENT" >/dev/null 2>&1 &
LAB_PIDS+=($!)
sleep 0.5
t0=$(now_ms)
rc=0
lab_stop_daemon 3 || rc=$?
elapsed=$(($(now_ms) - t0))
[ "$rc" -eq 0 ] || fail "SIGTERM with a probe in flight: exit status $rc"
[ "$elapsed" -lt 1000 ] || fail "SIGTERM with a probe in flight took ${elapsed} ms"
pass "daemon with a 30 s probe in flight: SIGTERM -> exit 0 in ${elapsed} ms"
