#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/nss-snapshot-syscalls.sh: a name answered from
# names.snapshot costs libnss_aarp no system call at all: getaddrinfo()
# through "hosts: aarp" makes no more system calls per lookup than glibc
# makes by itself around any module (its stat()s of nsswitch.conf and
# resolv.conf; counted by name).
# Counted with strace -c as the difference between two runs of the same
# program (start-up cancels out), never timed.  And a fork()ed child, which
# must not use its parent's mapping state, maps the file again (fork
# detection is a pthread_atfork generation, not a getpid() per lookup).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NAME=snap-syscalls.lab
PY=/usr/bin/python3
[ -f "$LAB_BUILD_ROOT/nss/libnss_aarp.so.2" ] || lab_die "libnss_aarp.so.2 is not built"
command -v strace >/dev/null || lab_die "strace is missing"

lab_up
NETNS_ETC=/etc/netns/${LAB_PREFIX}client
trap 'rm -rf "$NETNS_ETC"; lab_down' EXIT
trap 'rm -rf "$NETNS_ETC"; lab_down; exit 130' INT
trap 'rm -rf "$NETNS_ETC"; lab_down; exit 143' TERM
mkdir -p "$NETNS_ETC"
printf '127.0.0.1 localhost\n%s %s\n' "$LAB_ANYCAST" "$NAME" >"$NETNS_ETC/hosts"
printf 'hosts: aarp\n' >"$NETNS_ETC/nsswitch.conf"
lab_start_daemon

nss() { lab_client env AARP_RUNTIME_DIR="$LABDIR/run" LD_LIBRARY_PATH="$LAB_BUILD_ROOT/nss" "$@"; }

# The answer must be in the snapshot first (written shortly after it is
# given): a lookup that goes to the daemon would talk on io.socket.
nss getent ahosts "$NAME" | grep -q "$LAB_MEMBER1_ADDR" || fail "getent ahosts $NAME did not give member1"
in_snapshot() {
        nss strace -f -e trace=connect,sendto,sendmsg "$PY" -c "import socket; socket.getaddrinfo('$NAME', 80)" \
                2>&1 >/dev/null | grep -q 'io.socket\|sendmsg\|sendto' && return 1
        return 0
}
lab_wait_for 10 in_snapshot || fail "$NAME was never answered from names.snapshot"

# calls N: system calls of N lookups (after one that maps the file), by name.
LOOP='import socket, sys
socket.getaddrinfo(sys.argv[1], 80)
for _ in range(int(sys.argv[2])):
    socket.getaddrinfo(sys.argv[1], 80)'
calls() {
        nss strace -c -f -o "$LABDIR/strace-$1" "$PY" -c "$LOOP" "$NAME" "$1" >/dev/null ||
                fail "the lookup loop failed"
        awk '/^-+/ { n++; next } n == 1 && NF >= 5 { print $NF, $4 }' "$LABDIR/strace-$1" | sort
}
calls 200 >"$LABDIR/few"
calls 2200 >"$LABDIR/many"
# Per lookup, by name: glibc's own are the two stat()s (newfstatat) of
# nsswitch.conf and resolv.conf it makes around every module; anything
# else more than rarely (the 50 ms liveness check, glibc's nscd retry
# every 100 lookups) would be ours.
extra=$(join -a 2 -e 0 -o 0,1.2,2.2 "$LABDIR/few" "$LABDIR/many" |
        awk '{ d = ($3 - $2) / 2000 } $1 != "newfstatat" && d >= 0.05 { printf "%s=%.2f ", $1, d }')
[ -z "$extra" ] || fail "a snapshot hit makes system calls of its own: $extra(per lookup)"
stats=$(join -a 2 -e 0 -o 0,1.2,2.2 "$LABDIR/few" "$LABDIR/many" | awk '{ t += ($3 - $2) / 2000 } END { printf "%.2f", t }')
pass "a snapshot hit: $stats system calls per getaddrinfo(), all glibc's own (newfstatat)"

# A fork()ed child maps the file again, and is answered from it.
FORK='import os, socket, sys
socket.getaddrinfo(sys.argv[1], 80)
pid = os.fork()
if pid == 0:
    a = socket.getaddrinfo(sys.argv[1], 80)
    os._exit(0 if any(x[4][0] == sys.argv[2] for x in a) else 3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))'
nss strace -f -e trace=openat -o "$LABDIR/strace-fork" "$PY" -c "$FORK" "$NAME" "$LAB_MEMBER1_ADDR" ||
        fail "the forked child's lookup failed"
opens=$(grep -c 'names.snapshot"' "$LABDIR/strace-fork" || true)
pids=$(grep 'names.snapshot"' "$LABDIR/strace-fork" | awk '{ print $1 }' | sort -u | wc -l)
[ "$opens" -eq 2 ] && [ "$pids" -eq 2 ] ||
        fail "names.snapshot opened $opens times by $pids processes, expected once by the parent and once by the child"
pass "a forked child maps names.snapshot again and is answered from it"
