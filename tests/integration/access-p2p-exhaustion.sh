#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/access-p2p-exhaustion.sh: one unprivileged user opens as many authenticated connections
# to io.socket as the daemon accepts and holds them.  The daemon runs with
# the file limit systemd gives a service that sets no LimitNOFILE= (soft
# 1024, data/aarp-resolved.service.in), under prlimit.
# Checked, while the connections are held:
#   - root's aarp-resolve and another user's still get their answer, with
#     exit 0 (not 3, "did not answer in time"): a user must not be able to
#     take resolution away from everyone else;
#   - the daemon does not spin: fewer than 100 "accept" warnings in its
#     log (a full descriptor table must not turn into a busy loop that
#     floods the journal);
#   - it still serves on the bus and on io.socket once they are released.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

NOFILE=${AARP_P2P_NOFILE:-1024}
CONNECTIONS=${AARP_P2P_CONNECTIONS:-1100}
AARP_RESOLVE=$LAB_BUILD_ROOT/client/cli/aarp-resolve
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

lab_up
faults_start_daemon_as "$LABDIR/run" prlimit "--nofile=$NOFILE" -- ||
        fail "the daemon did not start under prlimit --nofile=$NOFILE: $(tail -n 5 "$LABDIR/daemon.log")"
grep 'Max open files' "/proc/$LAB_DAEMON_PID/limits"
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST

cat >"$LABDIR/hold.py" <<'PY'
import os, socket, sys, time
path, n, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
uid = os.getuid()
held, refused, streak = [], 0, 0
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect(path)
        s.sendall(b"\0AUTH EXTERNAL " + str(uid).encode().hex().encode() + b"\r\n")
        if not s.recv(256).startswith(b"OK"):
            raise OSError("refused")
        s.sendall(b"BEGIN\r\n")
        held.append(s)
        streak = 0
    except OSError:
        s.close()
        refused += 1
        streak += 1
        if streak >= 10:
            break
print("held", len(held), "refused", refused, flush=True)
while not os.path.exists(stop):
    time.sleep(0.05)
PY
chmod 0644 "$LABDIR/hold.py"
(
        ulimit -n $((CONNECTIONS + 64))
        exec "${NOBODY[@]}" /usr/bin/python3 "$LABDIR/hold.py" "$LABDIR/run/io.socket" "$CONNECTIONS" "$LABDIR/hold.stop"
) >"$LABDIR/hold.out" 2>&1 &
hold_pid=$!
LAB_PIDS+=("$hold_pid")
lab_wait_for 120 test -s "$LABDIR/hold.out" || fail "the holder did not finish connecting: $(cat "$LABDIR/hold.out")"
echo "  nobody: $(cat "$LABDIR/hold.out") io.socket connections; the daemon has $(ls "/proc/$LAB_DAEMON_PID/fd" | wc -l) descriptors open"

# resolve_as WHO...: aarp-resolve A (cached).  aarp-resolve keeps the
# client bound itself (one deadline per call, exit 3 when it passes), so
# exit 0 with the answer is an answer within the bound; a wall clock around
# the process would add its start-up on a loaded machine.
resolve_as() {
        local t0 rc=0 out
        t0=$(now_ms)
        out=$(lab_client env AARP_RUNTIME_DIR="$LABDIR/run" timeout -k 1 20 "$@" "$AARP_RESOLVE" "$LAB_ANYCAST" 2>&1) || rc=$?
        echo "  ${*:-root}: exit $rc in $(($(now_ms) - t0)) ms (process included): $out"
        [ "$rc" -eq 0 ] && [[ $out == *"$LAB_MEMBER1_ADDR"* ]] ||
                fail "with io.socket exhausted by nobody, '${*:-root}' could not resolve A within the client bound (exit $rc: $out)"
}
resolve_as
resolve_as setpriv --reuid=1 --regid=1 --clear-groups
pass "io.socket held by nobody: root and another user still resolve"

warnings=$(grep -c 'p2p: accept' "$LABDIR/daemon.log" || true)
[ "$warnings" -lt 100 ] || fail "the daemon logged $warnings 'p2p: accept' warnings (a busy loop on a full descriptor table)"
pass "no accept busy loop ($warnings warnings)"

touch "$LABDIR/hold.stop"
lab_wait_for 60 lab_pid_gone "$hold_pid" || fail "the holder did not exit"
lab_wait_for 60 env LAB_DBUS_PEER="unix:path=$LABDIR/run/io.socket" "$LAB_DBUS_BIN" call ResolveAddress \
        "(0, [byte $(lab_addr_bytes "$LAB_ANYCAST" | cut -d' ' -f2- | sed 's/ /, /g')], uint64 0)" ||
        fail "io.socket does not serve again after the connections were released"
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" FROM_CACHE
pass "released: the daemon serves on io.socket and the bus again"
daemon_alive
