#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGTERM ends the daemon with status 0, also with probes or a
# ResolveAddresses batch in flight (its caller gets an error: the daemon
# did not wait for the probe), and it gives up its bus name.  The waits
# are hang guards far above the expected milliseconds and far below the
# 30 s a probe in flight would keep it; speed is not asserted here.
source "$(dirname "$0")/common.sh"

lab_up
lab_start_daemon
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
t0=$(now_ms)
rc=0
lab_stop_daemon 15 || rc=$?
elapsed=$(($(now_ms) - t0))
[ "$rc" -eq 0 ] || fail "SIGTERM: exit status $rc (124: still running after 15 s)"
lab_name_owned && fail "$LAB_BUS_NAME still owned after the daemon exited"
pass "idle daemon: SIGTERM -> exit 0 in ${elapsed} ms"

lab_start_daemon "ProbeTimeout=10s" "ProbeRetries=2"
p0=$(prop ProbesSent)
lab_resolve "$LAB_SILENT" >"$LABDIR/silent-term.out" 2>&1 &
silent_pid=$!
LAB_PIDS+=("$silent_pid")
# The probe is in flight once the daemon has sent its first echo request.
probe_sent() { [ "$(prop ProbesSent)" -gt "$p0" ]; }
lab_wait_for 15 probe_sent || fail "the silent address was not probed"
t0=$(now_ms)
rc=0
lab_stop_daemon 15 || rc=$?
elapsed=$(($(now_ms) - t0))
[ "$rc" -eq 0 ] || fail "SIGTERM with a probe in flight: exit status $rc (124: still running after 15 s)"
rc=0
wait "$silent_pid" || rc=$?
# Ordering: the caller got an error, not the NO_REPLY answer the probe
# would have given after its 30 s.
[ "$rc" -ne 0 ] || fail "the caller of the probe in flight got an answer: $(cat "$LABDIR/silent-term.out")"
pass "daemon with a 30 s probe in flight: SIGTERM -> exit 0 in ${elapsed} ms, its caller got an error"

# A ResolveAddresses call still being handed to the resolver, or waiting
# for its probes: the caller gets an error, the daemon exits 0 (and, under
# tests/sanitize.sh, frees everything).
lab_start_daemon "ProbeTimeout=10s" "ProbeRetries=0"
p0=$(prop ProbesSent)
LAB_DBUS_BATCH=1024 "$LAB_DBUS_BIN" burst "$LAB_SILENT" 1024 self 0 1 >"$LABDIR/batch-term.out" 2>&1 &
batch_pid=$!
LAB_PIDS+=("$batch_pid")
# In flight once the daemon has started probing the batch.
lab_wait_for 15 probe_sent || fail "the batch was not probed: $(cat "$LABDIR/batch-term.out")"
rc=0
lab_stop_daemon 15 || rc=$?
[ "$rc" -eq 0 ] || fail "SIGTERM with a batch of 1024 in flight: exit status $rc"
rc=0
wait "$batch_pid" || rc=$?
out=$(cat "$LABDIR/batch-term.out")
echo "  caller: ${out:0:200}"
[ "$rc" -ne 0 ] && grep -Eq "error (org.aarp.Resolve1.Error.TemporaryFailure|org.freedesktop.DBus.Error.NoReply|\(local\))" \
        "$LABDIR/batch-term.out" || fail "the batch's caller did not get an error (rc $rc): $out"
pass "daemon with a batch of 1024 in flight: SIGTERM -> exit 0, the caller gets an error"
