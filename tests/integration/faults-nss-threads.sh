#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-nss-threads.sh: one
# multi-threaded program (python, 16 threads calling getaddrinfo() through
# libnss_aarp.so.2 without pause: half a name the daemon publishes in
# names.snapshot, half a new NXDOMAIN name each time, which always needs a
# round trip; hosts line "aarp [!UNAVAIL=return] files") while the daemon
# is SIGKILLed, restarted, SIGSTOPped for 6 s and continued.  The module
# keeps one connection per process and gives a thread that finds it busy
# a one-shot connection: no thread may wait two client bounds
# (AARP_CLIENT_TIMEOUT_MSEC, 5 s; timed inside the program, and a timer
# never fires early, so a second wait would show as 10 s or more), none
# may hang, and every answer is one of: member1, the hosts file's anycast
# address (daemon down: UNAVAIL, fall-through to files), EAI_NONAME,
# EAI_AGAIN (stopped).  Each phase lasts until the program has seen its
# outcome (the program publishes its counts as it runs), not a fixed
# time, so a loaded machine only makes the test longer.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

BOUND_MS=5000
# Deadlines for "eventually": far above the few seconds each phase takes.
WAIT_S=60
THREADS=16

lab_up
lab_dns_up
printf '%s anycast-hosts.lab\n' "$LAB_ANYCAST" >>"$LAB_NETNS_ETC/hosts"
lab_dns_nsswitch 'aarp [!UNAVAIL=return] files'
lab_start_daemon

cat >"$LABDIR/threads.py" <<'PY'
import os, socket, sys, threading, time
stop, out, nthreads = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = {v: k for k, v in vars(socket).items() if k.startswith("EAI_")}
counts, worst, lock = {}, [0.0], threading.Lock()
def worker(i):
    n = 0
    while not os.path.exists(stop):
        name = "anycast-hosts.lab" if i % 2 else "nx-%d-%d.lab" % (i, n)
        t = time.monotonic()
        try:
            r = socket.getaddrinfo(name, 80, socket.AF_INET6, socket.SOCK_STREAM)
            o = "0 " + ",".join(sorted({x[4][0] for x in r}))
        except socket.gaierror as e:
            o = names.get(e.errno, str(e.errno)) + " -"
        d = (time.monotonic() - t) * 1000
        with lock:
            counts[o] = counts.get(o, 0) + 1
            worst[0] = max(worst[0], d)
        n += 1
        time.sleep(0.002)
def publish(path):
    with lock:
        lines = ["max_ms %d\n" % worst[0]] + ["%d %s\n" % (c, o) for o, c in sorted(counts.items())]
    with open(path + ".tmp", "w") as f:
        f.writelines(lines)
    os.rename(path + ".tmp", path)
ts = [threading.Thread(target=worker, args=(i,)) for i in range(nthreads)]
for t in ts: t.start()
while any(t.is_alive() for t in ts):
    publish(out + ".live")
    time.sleep(0.1)
publish(out)
PY
lab_nss "$FAULTS_PY" "$LABDIR/threads.py" "$LABDIR/threads.stop" "$LABDIR/threads.out" "$THREADS" \
        >"$LABDIR/threads.err" 2>&1 &
threads_pid=$!
LAB_PIDS+=("$threads_pid")
# seen OUTCOME: how many lookups so far had OUTCOME ("0 ADDR", "EAI_AGAIN -").
seen() { awk -v o="$1" '{ c = $1; $1 = "" } substr($0, 2) == o { print c; f = 1 } END { if (!f) print 0 }' \
        "$LABDIR/threads.out.live" 2>/dev/null || echo 0; }
more_than() { [ "$(seen "$1")" -gt "$2" ]; }
# phase WHAT OUTCOME: wait until the program has seen OUTCOME once more.
phase() {
        local n
        n=$(seen "$2")
        lab_wait_for "$WAIT_S" more_than "$2" "$n" ||
                fail "$1: no '$2' answer within $WAIT_S s: $(cat "$LABDIR/threads.out.live" "$LABDIR/threads.err" 2>/dev/null)"
        lab_pid_gone "$threads_pid" && fail "the threaded program died: $(cat "$LABDIR/threads.err")"
        return 0
}
phase "daemon up" "0 $LAB_MEMBER1_ADDR"

echo "  SIGKILL"
kill -KILL "$LAB_DAEMON_PID"
wait "$LAB_DAEMON_PID" 2>/dev/null || true
LAB_DAEMON_PID=
phase "daemon killed" "0 $LAB_ANYCAST"
lab_start_daemon
echo "  restarted"
phase "daemon restarted" "0 $LAB_MEMBER1_ADDR"
kill -STOP "$LAB_DAEMON_PID"
echo "  SIGSTOP until a lookup times out"
if ! lab_wait_for "$WAIT_S" more_than "EAI_AGAIN -" 0; then
        kill -CONT "$LAB_DAEMON_PID"
        fail "daemon stopped: no EAI_AGAIN within $WAIT_S s"
fi
kill -CONT "$LAB_DAEMON_PID"
phase "daemon continued" "0 $LAB_MEMBER1_ADDR"
touch "$LABDIR/threads.stop"
lab_wait_for "$WAIT_S" lab_pid_gone "$threads_pid" ||
        fail "a thread of the program still waits $WAIT_S s after it was asked to stop (hung)"
rc=0
wait "$threads_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "the threaded program exited $rc: $(cat "$LABDIR/threads.err")"
sed 's/nx-[0-9-]*\.lab//' "$LABDIR/threads.out" | sed 's/^/  /'
pass "no thread hung"

maxms=$(awk '$1 == "max_ms" { print $2 }' "$LABDIR/threads.out")
[ "$maxms" -lt $((2 * BOUND_MS)) ] || fail "a getaddrinfo() took $maxms ms: two client bounds ($BOUND_MS ms each)"
bad=$(awk -v u="$LAB_MEMBER1_ADDR" -v a="$LAB_ANYCAST" '$1 != "max_ms" && !(($2 == "0" && ($3 == u || $3 == a)) || $2 == "EAI_NONAME" || $2 == "EAI_AGAIN")' \
        "$LABDIR/threads.out")
[ -z "$bad" ] || fail "unexpected answers: $bad"
for want in "0 $LAB_MEMBER1_ADDR" "0 $LAB_ANYCAST" "EAI_NONAME -" "EAI_AGAIN -"; do
        grep -q " $want\$" "$LABDIR/threads.out" || fail "no '$want' answer: the faults did not reach the program"
done
pass "$THREADS threads through kill, restart, stop: longest getaddrinfo $maxms ms, only the documented answers"
daemon_alive
