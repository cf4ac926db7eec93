#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGHUP reloads resolved.conf: a changed ProbeTimeout takes effect; an
# invalid file is refused and the old configuration stays.  A bad file at
# start-up stops the daemon with a message naming the key and line.
source "$(dirname "$0")/common.sh"

lab_up

echo "# a bad configuration at start-up"
printf '[Resolve]\nProbeTimeout=1s\nProbeTimout=2s\n' >"$LABDIR/bad.conf"
rc=0
lab_client timeout 10 "$LAB_DAEMON" --config "$LABDIR/bad.conf" >"$LABDIR/bad.log" 2>&1 || rc=$?
echo "  exit $rc: $(head -c 300 "$LABDIR/bad.log")"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "daemon with an unknown key exited $rc"
grep -q 'ProbeTimout' "$LABDIR/bad.log" || fail "the message does not name the key ProbeTimout"
grep -q '3' "$LABDIR/bad.log" || fail "the message does not name line 3"
printf '[Resolve]\nProbeRetries=eleven\n' >"$LABDIR/bad.conf"
rc=0
lab_client timeout 10 "$LAB_DAEMON" --config "$LABDIR/bad.conf" >"$LABDIR/bad.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "daemon with ProbeRetries=eleven exited $rc"
grep -q 'ProbeRetries' "$LABDIR/bad.log" || fail "the message does not name ProbeRetries: $(cat "$LABDIR/bad.log")"
pass "bad configuration refused at start-up, naming key and line"

# silent_probe: a fresh probe of the silent address (NO_CACHE), timed
# from outside; sets MS (wall clock: a floor only, since client start-up
# on a loaded machine adds to it) and TIMEOUT_MS, the per-attempt timeout
# the daemon says this probe armed (its "no reply" debug line, written
# before the answer leaves, so it is in the log when the client returns).
silent_probe() {
        local t0 lines
        lines=$(wc -l <"$LABDIR/daemon.log")
        t0=$(now_ms)
        expect_resolve "$LAB_SILENT" "$LAB_SILENT" NO_REPLY ANYCAST 1
        MS=$(($(now_ms) - t0))
        TIMEOUT_MS=$(tail -n +"$((lines + 1))" "$LABDIR/daemon.log" |
                sed -n "s/.*probe $LAB_SILENT%[0-9-]*: no reply to [0-9]* attempts* of \([0-9]*\) ms.*/\1/p" | tail -n 1)
        [ -n "$TIMEOUT_MS" ] || fail "no 'no reply' line for $LAB_SILENT in the daemon log: $(tail -n 5 "$LABDIR/daemon.log")"
        echo "  NO_REPLY after $MS ms; the daemon waited one attempt of $TIMEOUT_MS ms"
}

# log_count PATTERN: how many daemon log lines match (for polled waits).
log_count() { grep -c -- "$1" "$LABDIR/daemon.log" || true; }
log_count_above() { [ "$(log_count "$1")" -gt "$2" ]; }

echo "# ProbeTimeout=2s, ProbeRetries=0"
lab_start_daemon "ProbeTimeout=2s" "ProbeRetries=0"
silent_probe
[ "$TIMEOUT_MS" -eq 2000 ] || fail "with ProbeTimeout=2s the probe armed $TIMEOUT_MS ms"
# A timer cannot fire early: the wall clock around the client is a floor.
[ "$MS" -ge 1950 ] || fail "with ProbeTimeout=2s NO_REPLY came after $MS ms"

echo "# ProbeTimeout=200ms, SIGHUP"
lab_write_daemon_config "ProbeTimeout=200ms" "ProbeRetries=0"
n=$(log_count 'configuration reloaded')
kill -HUP "$(lab_daemon_pid)"
# A generous deadline: the reload itself takes milliseconds.
lab_wait_for 30 log_count_above 'configuration reloaded' "$n" || fail "30 s after SIGHUP no 'configuration reloaded' in the log"
grep 'configuration reloaded' "$LABDIR/daemon.log" | tail -n 1 | grep -q 'ProbeTimeout=200ms, ProbeRetries=0' ||
        fail "the reload reports another configuration: $(grep 'configuration reloaded' "$LABDIR/daemon.log" | tail -n 1)"
silent_probe
[ "$TIMEOUT_MS" -eq 200 ] || fail "after reload to 200ms the probe armed $TIMEOUT_MS ms"
[ "$MS" -ge 190 ] || fail "after reload to 200ms NO_REPLY came after $MS ms, before the timeout"
daemon_alive
pass "SIGHUP: ProbeTimeout 2s -> 200ms took effect (the probe armed $TIMEOUT_MS ms; $MS ms seen by the client)"

echo "# an invalid file on SIGHUP keeps the old configuration"
lab_write_daemon_config "ProbeTimeout=banana"
n=$(log_count 'reload failed')
kill -HUP "$(lab_daemon_pid)"
lab_wait_for 30 log_count_above 'reload failed' "$n" || fail "30 s after SIGHUP with a bad file no 'reload failed' in the log"
daemon_alive
silent_probe
# The default (1000 ms) or anything but 200 would mean the bad file changed it.
[ "$TIMEOUT_MS" -eq 200 ] || fail "after a rejected reload the probe armed $TIMEOUT_MS ms, not the kept 200 ms"
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
grep 'reload failed' "$LABDIR/daemon.log" | tail -n 1 | grep -q 'ProbeTimeout' || fail "the rejected reload is not logged with its key"
pass "an invalid reload is refused, old configuration kept (the probe armed $TIMEOUT_MS ms)"
