#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/nss-lab-nscd.sh: with nscd in front of libnss_aarp,
# an answer the daemon drops is dropped from nscd's hosts cache too.
# glibc asks nscd before any module, and nscd keeps libnss_aarp's answer
# for the TTL the module gives (AnycastTTL=300s here), so without the
# daemon's INVALIDATE request (NscdSocket=) getent would keep printing
# member1 for five minutes after the move.
#   1. getent ahosts NAME: member1, then again without loading libnss_aarp
#      (nscd answers).
#   2. lab_client_uplink 2: the daemon sees the route move on netlink,
#      flushes, and tells nscd; getent ahosts NAME gives member2 well within
#      the TTL (polled: a generous deadline, not a speed limit).
#   3. FlushCaches reaches nscd too (the daemon logs each invalidation
#      nscd confirmed); with nscd gone, nothing fails.
# nscd is Debian's binary unpacked by tests/setup.sh (never installed); it
# and every client here run with the lab's own directory bound over /run,
# so glibc finds this nscd's socket and the host's /run is left alone.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NAME=nscd-svc.lab
NSCD=${AARP_PEERS_DIR:-/var/cache/aarp-peers}/root-nscd/usr/sbin/nscd
[ -x "$NSCD" ] || lab_die "no nscd at $NSCD (tests/setup.sh unpacks Debian's nscd there)"
[ -f "$LAB_BUILD_ROOT/nss/libnss_aarp.so.2" ] || lab_die "libnss_aarp.so.2 is not built"

lab_up
NETNS_ETC=/etc/netns/${LAB_PREFIX}client
trap 'rm -rf "$NETNS_ETC"; lab_down' EXIT
trap 'rm -rf "$NETNS_ETC"; lab_down; exit 130' INT
trap 'rm -rf "$NETNS_ETC"; lab_down; exit 143' TERM
mkdir -p "$NETNS_ETC"
printf '127.0.0.1 localhost\n%s %s\n' "$LAB_ANYCAST" "$NAME" >"$NETNS_ETC/hosts"
printf 'nameserver ::1\noptions timeout:1 attempts:1\n' >"$NETNS_ETC/resolv.conf"
printf 'hosts: aarp\n' >"$NETNS_ETC/nsswitch.conf"
mkdir -p -m 0755 "$LABDIR/varrun/nscd"
cat >"$LABDIR/nscd.conf" <<CONF
enable-cache passwd no
enable-cache group no
enable-cache services no
enable-cache netgroup no
enable-cache hosts yes
positive-time-to-live hosts 3600
negative-time-to-live hosts 20
shared hosts yes
persistent hosts no
CONF

# in_nscd_ns CMD...: CMD in the client namespace, seeing the lab's nscd.
in_nscd_ns() {
        lab_client env AARP_RUNTIME_DIR="$LABDIR/run" LD_LIBRARY_PATH="$LAB_BUILD_ROOT/nss" \
                sh -c 'mount --bind "$1" /run && shift && exec "$@"' in_nscd_ns "$LABDIR/varrun" "$@"
}

lab_start_daemon "AnycastTTL=300s" "NscdSocket=$LABDIR/varrun/nscd/socket"
in_nscd_ns "$NSCD" -F -f "$LABDIR/nscd.conf" >>"$LABDIR/nscd.log" 2>&1 &
LAB_PIDS+=("$!")
lab_wait_for 5 test -S "$LABDIR/varrun/nscd/socket" || lab_die "nscd did not start: $(cat "$LABDIR/nscd.log")"

first() { in_nscd_ns getent ahosts "$NAME" | awk 'NR == 1 { print $1 }'; }
# from_nscd: getent answered without loading libnss_aarp itself (glibc
# asked nscd, which holds the answer in its shared cache).
from_nscd() {
        in_nscd_ns strace -f -e trace=openat -o "$LABDIR/getent.strace" getent ahosts "$NAME" >/dev/null &&
                ! grep -q 'libnss_aarp' "$LABDIR/getent.strace"
}

got=$(first)
[ "$got" = "$LAB_MEMBER1_ADDR" ] || fail "getent ahosts $NAME gave '$got', expected member1 ($LAB_MEMBER1_ADDR)"
from_nscd || fail "getent ahosts $NAME was not answered by nscd (it loaded libnss_aarp)"
pass "getent ahosts $NAME: member1, then from nscd (getent loads no libnss_aarp)"

# The move, seen by the daemon on netlink.
lab_client_uplink 2
moved() { [ "$(first)" = "$LAB_MEMBER2_ADDR" ]; }
lab_wait_for 10 moved || fail "nscd still answers '$(first)' for $NAME after the route moved to member2"
grep -q "nscd: hosts cache invalidated" "$LABDIR/daemon.log" || fail "the daemon did not log the invalidation"
pass "after the route move nscd answers member2 (its TTL was 300 s): the daemon invalidated nscd's hosts cache"

# FlushCaches (root) reaches nscd too.
n_before=$(grep -c "nscd: hosts cache invalidated" "$LABDIR/daemon.log")
out=$(lab_call FlushCaches '()')
case $out in ERROR*) fail "FlushCaches: $out" ;; esac
flushed() { [ "$(grep -c "nscd: hosts cache invalidated" "$LABDIR/daemon.log")" -gt "$n_before" ]; }
lab_wait_for 5 flushed || fail "FlushCaches did not invalidate nscd's hosts cache"
pass "FlushCaches invalidates nscd's hosts cache"

# No nscd: nothing fails, nothing waits.
kill "${LAB_PIDS[-1]}" 2>/dev/null || true
rm -f "$LABDIR/varrun/nscd/socket"
out=$(lab_call FlushCaches '()')
case $out in ERROR*) fail "FlushCaches without nscd: $out" ;; esac
got=$(lab_client env LD_LIBRARY_PATH="$LAB_BUILD_ROOT/nss" AARP_RUNTIME_DIR="$LABDIR/run" getent ahosts "$NAME" | awk 'NR == 1 { print $1 }')
[ "$got" = "$LAB_MEMBER2_ADDR" ] || fail "without nscd getent ahosts $NAME gave '$got'"
pass "without nscd FlushCaches and lookups work as before"
