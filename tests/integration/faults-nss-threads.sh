#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-nss-threads.sh (issue 6, item 4): one
# multi-threaded program (python, 16 threads calling getaddrinfo() through
# libnss_aarp.so.2 without pause: half a name the daemon publishes in
# names.snapshot, half a new NXDOMAIN name each time, which always needs a
# round trip; hosts line "aarp [!UNAVAIL=return] files") while the daemon
# is SIGKILLed, restarted, SIGSTOPped for 6 s and continued.  The module
# keeps one connection per process and gives a thread that finds it busy
# a one-shot connection: no thread may wait longer than the client bound
# (AARP_CLIENT_TIMEOUT_MSEC, 5 s) plus slack, none may hang, and every
# answer is one of: member1, the hosts file's anycast address (daemon
# down: UNAVAIL, fall-through to files), EAI_NONAME, EAI_AGAIN (stopped).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

BOUND_MS=5000
SLACK_MS=2000
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
ts = [threading.Thread(target=worker, args=(i,)) for i in range(nthreads)]
for t in ts: t.start()
for t in ts: t.join()
with open(out, "w") as f:
    f.write("max_ms %d\n" % worst[0])
    for o, c in sorted(counts.items()):
        f.write("%d %s\n" % (c, o))
PY
lab_nss "$FAULTS_PY" "$LABDIR/threads.py" "$LABDIR/threads.stop" "$LABDIR/threads.out" "$THREADS" \
        >"$LABDIR/threads.err" 2>&1 &
threads_pid=$!
LAB_PIDS+=("$threads_pid")
sleep 2
lab_pid_gone "$threads_pid" && fail "the threaded program died: $(cat "$LABDIR/threads.err")"

echo "  SIGKILL"
kill -KILL "$LAB_DAEMON_PID"
wait "$LAB_DAEMON_PID" 2>/dev/null || true
LAB_DAEMON_PID=
sleep 2
lab_start_daemon
echo "  restarted"
sleep 2
kill -STOP "$LAB_DAEMON_PID"
echo "  SIGSTOP for 6 s"
sleep 6
kill -CONT "$LAB_DAEMON_PID"
sleep 2
touch "$LABDIR/threads.stop"
lab_wait_for $(((BOUND_MS + SLACK_MS) / 1000 + 3)) lab_pid_gone "$threads_pid" ||
        fail "a thread of the program still waits $(((BOUND_MS + SLACK_MS) / 1000 + 3)) s after it was asked to stop (hung)"
rc=0
wait "$threads_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "the threaded program exited $rc: $(cat "$LABDIR/threads.err")"
sed 's/nx-[0-9-]*\.lab//' "$LABDIR/threads.out" | sed 's/^/  /'
pass "no thread hung"

maxms=$(awk '$1 == "max_ms" { print $2 }' "$LABDIR/threads.out")
[ "$maxms" -lt $((BOUND_MS + SLACK_MS)) ] || fail "a getaddrinfo() took $maxms ms (bound $BOUND_MS ms + $SLACK_MS ms)"
bad=$(awk -v u="$LAB_MEMBER1_ADDR" -v a="$LAB_ANYCAST" '$1 != "max_ms" && !(($2 == "0" && ($3 == u || $3 == a)) || $2 == "EAI_NONAME" || $2 == "EAI_AGAIN")' \
        "$LABDIR/threads.out")
[ -z "$bad" ] || fail "unexpected answers: $bad"
for want in "0 $LAB_MEMBER1_ADDR" "0 $LAB_ANYCAST" "EAI_NONAME -" "EAI_AGAIN -"; do
        grep -q " $want\$" "$LABDIR/threads.out" || fail "no '$want' answer: the faults did not reach the program"
done
pass "$THREADS threads through kill, restart, stop: longest getaddrinfo $maxms ms, only the documented answers"
daemon_alive
