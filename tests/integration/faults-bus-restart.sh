#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-bus-restart.sh: the system bus
# goes away under aarp-resolved (the lab's dbus-daemon killed, a new one
# started on the same address).  The chosen behaviour (README: "1 if it
# cannot start or loses the bus"): the daemon does not try to reconnect,
# it logs "the system bus connection was closed; exiting" and exits with
# status 1 at once, so that its supervisor restarts it (the unit has
# Restart=on-failure; D-Bus clients re-find the name on the new bus).
# Checked: exit status 1 within a bounded wait, that log line, and a
# restarted daemon serving on the new bus and on io.socket.
# Before that, the bus hung (dbus-daemon SIGSTOPped): clients of
# io.socket (the NSS module, libaarp, aarp-resolve try it first) are
# served as usual - cached answers, fresh probes, 500 at once - and the
# daemon is fine once the bus comes back.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

lab_up
lab_start_daemon
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
pid=$LAB_DAEMON_PID

echo "# bus hung"
kill -STOP "$LAB_BUS_PID"
for a in "$LAB_ANYCAST" "$LAB_MEMBER2_ADDR" "${LAB_BURST_ADDRS[4]}"; do
        rc=0
        out=$(lab_client env AARP_RUNTIME_DIR="$LABDIR/run" timeout -k 1 20 "$LAB_BUILD_ROOT/client/cli/aarp-resolve" "$a" 2>&1) || rc=$?
        echo "  aarp-resolve $a: $out"
        if [ "$rc" -ne 0 ]; then
                kill -CONT "$LAB_BUS_PID"
                fail "bus hung: aarp-resolve $a exited $rc: $out"
        fi
done
rc=0
out=$(LAB_DBUS_PEER="unix:path=$LABDIR/run/io.socket" timeout -k 1 30 "$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" 500 \
        "$LAB_MEMBER1_ADDR" 0x10000 1 2>&1) || rc=$?
kill -CONT "$LAB_BUS_PID"
[ "$rc" -eq 0 ] || fail "bus hung: 500 lookups over io.socket: $out"
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" FROM_CACHE
daemon_alive
pass "bus hung: io.socket clients served as usual ($out); fine after SIGCONT"

echo "# bus lost"
kill -KILL "$LAB_BUS_PID"
t0=$(now_ms)
faults_bus_restart "$LABDIR/bus.conf"
echo "  the bus was killed and a new one started on $DBUS_SYSTEM_BUS_ADDRESS"
lab_wait_for 10 lab_pid_gone "$pid" || fail "the daemon still runs 10 s after its bus went away"
rc=0
wait "$pid" || rc=$?
LAB_DAEMON_PID=
dt=$(($(now_ms) - t0))
[ "$rc" -eq 1 ] || fail "after losing the bus the daemon exited $rc, expected 1 (failure, for its supervisor)"
grep -q 'error: the system bus connection was closed; exiting' "$LABDIR/daemon.log" ||
        fail "no 'the system bus connection was closed; exiting' in the daemon's log: $(tail -n 5 "$LABDIR/daemon.log")"
pass "bus lost: the daemon exited with status 1 within $dt ms and said why"

# What the supervisor does next.
lab_start_daemon
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
out=$(LAB_DBUS_PEER="unix:path=$LABDIR/run/io.socket" lab_client "$LAB_DBUS_BIN" call ResolveAddress \
        "(0, [byte $(lab_addr_bytes "$LAB_ANYCAST" | cut -d' ' -f2- | sed 's/ /, /g')], uint64 0)") ||
        fail "the restarted daemon does not answer on io.socket: $out"
pass "restarted on the new bus: serves on the bus and on io.socket"
daemon_alive
