#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-daemon-stop-bound.sh: a stopped daemon costs one
# lookup one bound (AARP_CLIENT_TIMEOUT_MSEC, 5 s, README "When the daemon is
# down"), not one per call the program makes.  `getent hosts NAME` asks NSS
# twice (AF_INET6, then AF_INET after the first fails); with the daemon
# SIGSTOPped (its socket still accepts, nobody answers) each call used to
# connect to io.socket anew and wait the whole bound for the AUTH reply:
# ~10 s for one name.  The client now retries a connection only after it was
# reset (a restarted daemon), never after a timeout.
#   - Stopped daemon, a name not in the snapshot: getent exits 2 after
#     exactly one connect() to io.socket (counted with strace: evidence that
#     does not depend on how loaded the machine is); its time is reported.
#   - In one process: a lookup times out on the stopped daemon, the daemon
#     is continued, and the next lookup of that process (svc.lab, which only
#     the daemon maps to member1) gets its answer at once: a connection that
#     timed out does not make the process give up on a daemon that answers
#     again.
#   - A restarted daemon (killed, started again) is picked up by the next
#     lookup of a process that had a connection to the old one.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

command -v strace >/dev/null || lab_die "strace is missing (run tests/setup.sh)"
U1=$LAB_MEMBER1_ADDR

lab_up
lab_dns_up
lab_dns_nsswitch "$LAB_DNS_RECOMMENDED"
lab_start_daemon
# (svc.lab is kept out of the daemon's snapshot until the daemon continues
# below: that answer must come over a connection.)
expect_addrs uni.lab "$LAB_MEMBER2_ADDR"

echo "# daemon stopped: getent hosts of a name not in the snapshot"
kill -STOP "$LAB_DAEMON_PID"
rc=0
t0=$(now_ms)
lab_nss strace -f -qq -o "$LABDIR/getent.strace" -e trace=connect getent hosts nx-stopped.lab \
        >"$LABDIR/getent.out" 2>&1 || rc=$?
ms=$(($(now_ms) - t0))
kill -CONT "$LAB_DAEMON_PID"
connects=$(grep -c 'io\.socket' "$LABDIR/getent.strace" || true)
echo "  getent hosts nx-stopped.lab: exit $rc after $ms ms (under strace), $connects connect(s) to io.socket"
grep 'connect(' "$LABDIR/getent.strace" | sed 's/^/    /'
[ "$rc" -eq 2 ] || fail "getent hosts nx-stopped.lab with the daemon stopped exited $rc, expected 2: $(cat "$LABDIR/getent.out")"
[ "$connects" -eq 1 ] ||
        fail "getent hosts with the daemon stopped connected $connects times to io.socket, expected 1: each connection waits the whole bound"
pass "stopped daemon: one getent lookup, one connection, one bound ($ms ms)"

echo "# one process: timed out on the stopped daemon, then the daemon continues"
cat >"$LABDIR/cont.py" <<'PY'
import os, signal, socket, sys, time
pid = int(sys.argv[1])
def gai(name):
    t = time.monotonic()
    try:
        out = sorted({r[4][0] for r in socket.getaddrinfo(name, 80, socket.AF_INET6, socket.SOCK_STREAM)})
    except socket.gaierror as e:
        out = ["error %d" % e.errno]
    return " ".join(out), int((time.monotonic() - t) * 1000)
os.kill(pid, signal.SIGSTOP)
first = gai("nx-first.lab")
os.kill(pid, signal.SIGCONT)
time.sleep(0.2)
second = gai("svc.lab")
print("first %s %d" % first)
print("second %s %d" % second)
PY
out=$(lab_nss "$PY" "$LABDIR/cont.py" "$LAB_DAEMON_PID") || { kill -CONT "$LAB_DAEMON_PID"; fail "the python client crashed: $out"; }
echo "$out" | sed 's/^/  /'
grep -q "^first error $(python3 -c 'import socket; print(socket.EAI_AGAIN)') " <<<"$out" ||
        fail "the lookup on the stopped daemon did not end in EAI_AGAIN: $out"
grep -q "^second $U1 " <<<"$out" || fail "after SIGCONT the same process did not get svc.lab -> $U1: $out"
pass "the same process is served again once the daemon continues"

echo "# restarted daemon"
cat >"$LABDIR/restart.py" <<'PY'
import socket, sys
def gai(name):
    try:
        return " ".join(sorted({r[4][0] for r in socket.getaddrinfo(name, 80, socket.AF_INET6, socket.SOCK_STREAM)}))
    except socket.gaierror as e:
        return "error %d" % e.errno
print("before", gai("nx-before.lab"), flush=True)
sys.stdin.readline()
print("after", gai("svc.lab"), flush=True)
PY
coproc RESTART { lab_nss "$PY" "$LABDIR/restart.py" 2>&1; }
read -r -t 20 -u "${RESTART[0]}" line || fail "the python client did not answer"
echo "  $line"
[ "$line" = "before error $(python3 -c 'import socket; print(socket.EAI_NONAME)')" ] || fail "before the restart: $line"
lab_stop_daemon || fail "the daemon did not stop cleanly"
lab_start_daemon
echo >&"${RESTART[1]}"
read -r -t 20 -u "${RESTART[0]}" line || fail "the python client did not answer after the restart"
echo "  $line"
[ "$line" = "after $U1" ] || fail "after the restart the same process got '$line', expected $U1"
pass "a restarted daemon is picked up by the next lookup of the same process"
daemon_alive
