#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/stub-activation.sh: the stub listener without
# CAP_NET_BIND_SERVICE, as under systemd (aarp-resolved keeps CAP_NET_RAW
# only).  Without sockets passed the daemon says why the stub is off and
# serves D-Bus as before; with UDP and TCP sockets passed by the
# sd_listen_fds() protocol (LISTEN_FDS/LISTEN_PID, fds 3 and 4, as
# aarp-resolved-stub.socket does) the stub answers.  Then
# MapAnycastAnswers=yes: an anycast AAAA comes back as its nearest member.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

command -v dig >/dev/null || lab_die "dig is missing (dnsutils; run tests/setup.sh)"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
S=127.0.0.153
NO_BIND=(setpriv --bounding-set=-net_bind_service)

# start_daemon PREFIX... -- CONFIG...: lab_start_daemon with a command
# in front of the daemon.
start_daemon() {
        local prefix=()
        while [ "$1" != -- ]; do
                prefix+=("$1")
                shift
        done
        shift
        lab_write_daemon_config "$@"
        echo "---- start $(date +%T.%N) ----" >>"$LABDIR/daemon.log"
        ip netns exec "${LAB_PREFIX}client" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
                AARP_RUNTIME_DIR="$LABDIR/run" "${prefix[@]}" \
                "$LAB_DAEMON" --config "$LABDIR/resolved.conf" --log-level debug \
                >>"$LABDIR/daemon.log" 2>&1 &
        LAB_DAEMON_PID=$!
        LAB_PIDS+=("$LAB_DAEMON_PID")
        lab_wait_for 10 lab_name_owned || lab_die "daemon did not start: $(tail -n 20 "$LABDIR/daemon.log")"
}


lab_up
lab_dns_up
cat >"$LABDIR/activate.py" <<'PY'
# Bind the stub's sockets as systemd would, pass them as fds 3 and 4, exec.
import os, socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.153", 53))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.153", 53))
t.listen(64)
hi_u, hi_t = os.dup(u.fileno()), os.dup(t.fileno())
u.close(); t.close()
os.dup2(hi_u, 3); os.dup2(hi_t, 4)
os.close(hi_u); os.close(hi_t)
os.set_inheritable(3, True); os.set_inheritable(4, True)
os.environ["LISTEN_FDS"] = "2"
os.environ["LISTEN_PID"] = str(os.getpid())  # exec keeps the pid
os.execvp(sys.argv[1], sys.argv[1:])
PY

echo "# no CAP_NET_BIND_SERVICE, no sockets passed: the stub is off, the daemon runs"
start_daemon "${NO_BIND[@]}" -- "DNSStubListener=yes" "DNS=$A"
grep -q "DNS stub listener disabled: Cannot listen on $S:53/udp: Permission denied (port 53 needs CAP_NET_BIND_SERVICE" \
        "$LABDIR/daemon.log" || fail "no reason given for the stub being off: $(grep -i stub "$LABDIR/daemon.log")"
pass "without the capability: $(grep -m1 -o 'DNS stub listener disabled: .*' "$LABDIR/daemon.log")"
expect_resolve "$A" "$U1" ANYCAST
daemon_alive
lab_stop_daemon || fail "daemon did not stop cleanly"

echo "# sockets passed by the sd_listen_fds() protocol"
start_daemon "$PY" "$LABDIR/activate.py" "${NO_BIND[@]}" -- "DNSStubListener=yes" "DNS=$A"
grep -q "DNS stub: using the UDP and TCP sockets passed by the service manager" "$LABDIR/daemon.log" ||
        fail "the passed sockets were not taken: $(grep -i stub "$LABDIR/daemon.log")"
got=$(lab_ns client dig @"$S" +time=3 +tries=2 +short whoami.lab A)
[ "$got" = 192.0.2.11 ] || fail "dig @$S whoami.lab over the passed UDP socket: '$got'"
pass "passed UDP socket: whoami.lab -> $got"
got=$(lab_ns client dig @"$S" +tcp +time=3 +tries=2 +short uni.lab AAAA)
[ "$got" = "$LAB_MEMBER2_ADDR" ] || fail "dig +tcp @$S uni.lab over the passed TCP socket: '$got'"
pass "passed TCP socket: uni.lab -> $got"
got=$(lab_ns client dig @"$S" +short svc.lab AAAA)
[ "$got" = "$A" ] || fail "MapAnycastAnswers=no changed svc.lab: '$got'"
pass "MapAnycastAnswers=no: svc.lab AAAA -> $got (as published)"

echo "# MapAnycastAnswers=yes (reload)"
lab_write_daemon_config "DNSStubListener=yes" "DNS=$A" "MapAnycastAnswers=yes"
kill -HUP "$(lab_daemon_pid)"
lab_wait_for 10 grep -q "configuration reloaded" "$LABDIR/daemon.log" || fail "reload not seen"
out=$(lab_ns client dig @"$S" +dnssec svc.lab AAAA)
got=$(awk '$1 == "svc.lab." && $4 == "AAAA" { print $5 }' <<<"$out")
[ "$got" = "$U1" ] || fail "MapAnycastAnswers=yes: svc.lab AAAA gave '$got', expected $U1: $out"
grep -q 'flags: qr[a-z ]* ad' <<<"$out" && fail "AD still set on a rewritten answer: $out"
pass "MapAnycastAnswers=yes: svc.lab AAAA -> $got (nearest member), AD clear"
got=$(lab_ns client dig @"$S" +short uni.lab AAAA)
[ "$got" = "$LAB_MEMBER2_ADDR" ] || fail "MapAnycastAnswers=yes changed unicast uni.lab: '$got'"
pass "MapAnycastAnswers=yes: unicast uni.lab unchanged ($got)"
n=$(lab_ns client dig @"$S" +tcp +short big.lab AAAA | grep -c . || true)
[ "$n" -eq "$LAB_DNS_BIG_COUNT" ] || fail "big.lab with mapping gave $n addresses"
lab_ns client dig @"$S" +tcp +short big.lab AAAA | grep -qx "$U1" || fail "big.lab's anycast record not mapped"
pass "big.lab over TCP: $n addresses, its anycast one mapped to $U1"

daemon_alive
lab_stop_daemon || fail "daemon did not stop cleanly"
pass "stub-activation"
