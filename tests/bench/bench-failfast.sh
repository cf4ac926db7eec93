#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/bench-failfast.sh: how fast the daemon and its clients give
# up or go away: the figures the integration tests used to bound with a
# wall clock and now check from syscalls, logs and counters instead (so
# that they pass on a busy machine).  Run it on an idle machine:
#   - SIGTERM to exit: an idle daemon, and one with a 30 s probe in flight;
#   - getaddrinfo() through libnss_aarp with the daemon not running
#     (hosts: aarp [!UNAVAIL=return] files): the fall-through to files,
#     timed inside one python process;
#   - the same with the daemon stopped (SIGSTOP): the client bound;
#   - a silent address's NO_REPLY (ProbeTimeout=300ms, ProbeRetries=2),
#     timed around busctl.
# Prints RESULT lines; nothing is asserted.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/common.sh"
source "$AARP_SOURCE_ROOT/tests/integration/nss-lab-common.sh"

ROUNDS=${1:-5}
# pct P LIST: the P-th percentile of the numbers in LIST (nearest rank).
pct() { tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort -n | awk -v p="$1" '{ a[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print a[i] }'; }

lab_up
lab_dns_up
printf '%s anycast-hosts.lab\n' "$LAB_ANYCAST" >>"$LAB_NETNS_ETC/hosts"
lab_dns_nsswitch 'aarp [!UNAVAIL=return] files'

cat >"$LABDIR/gai-timed.py" <<'PY'
import socket, sys, time
name, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    t = time.monotonic()
    try:
        socket.getaddrinfo(name % i if "%" in name else name, 80, socket.AF_INET6, socket.SOCK_STREAM)
    except socket.gaierror:
        pass
    print("%.3f" % ((time.monotonic() - t) * 1000))
PY
chmod 0644 "$LABDIR/gai-timed.py"

echo "# SIGTERM"
idle=() busy=()
for ((i = 0; i < ROUNDS; i++)); do
        lab_start_daemon
        t0=$(date +%s%N)
        lab_stop_daemon >/dev/null || lab_die "the daemon did not stop"
        idle+=($((($(date +%s%N) - t0) / 1000000)))
        lab_start_daemon "ProbeTimeout=10s" "ProbeRetries=2"
        p0=$(lab_prop ProbesSent)
        lab_resolve "$LAB_SILENT" >/dev/null 2>&1 &
        LAB_PIDS+=($!)
        until [ "$(lab_prop ProbesSent)" -gt "$p0" ]; do sleep 0.01; done
        t0=$(date +%s%N)
        lab_stop_daemon >/dev/null || lab_die "the daemon did not stop"
        busy+=($((($(date +%s%N) - t0) / 1000000)))
done
echo "RESULT SIGTERM to exit, idle daemon: ${idle[*]} ms (p50 $(pct 50 "${idle[*]}") ms)"
echo "RESULT SIGTERM to exit, 30 s probe in flight: ${busy[*]} ms (p50 $(pct 50 "${busy[*]}") ms)"

echo "# getaddrinfo with the daemon not running: falls through to files"
down=$(lab_nss python3 "$LABDIR/gai-timed.py" anycast-hosts.lab 200 | tr '\n' ' ')
echo "RESULT getaddrinfo, daemon not running (200 calls): p50 $(pct 50 "$down") ms, p99 $(pct 99 "$down") ms, max $(pct 100 "$down") ms"

echo "# getaddrinfo with the daemon stopped: the client bound (5000 ms)"
lab_start_daemon
kill -STOP "$LAB_DAEMON_PID"
hung=$(lab_nss python3 "$LABDIR/gai-timed.py" "nx-%d.lab" 3 | tr '\n' ' ')
kill -CONT "$LAB_DAEMON_PID"
echo "RESULT getaddrinfo, daemon stopped (3 calls): $hung ms"
lab_stop_daemon >/dev/null || true

echo "# NO_REPLY for a silent address, ProbeTimeout=300ms ProbeRetries=2 (900 ms of timeouts)"
lab_start_daemon "ProbeTimeout=300ms" "ProbeRetries=2"
silent=()
for ((i = 0; i < ROUNDS; i++)); do
        t0=$(date +%s%N)
        lab_resolve "$LAB_SILENT" 1 >/dev/null || true
        silent+=($((($(date +%s%N) - t0) / 1000000)))
done
echo "RESULT NO_REPLY seen by busctl (NO_CACHE): ${silent[*]} ms (p50 $(pct 50 "${silent[*]}") ms; 900 ms are the timeouts)"
