#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/nss-getent-anycast-dns.sh: unmodified programs (getent, curl,
# python's getaddrinfo) through nsswitch.conf with libnss_aarp.so.2, in the
# lab, where the only nameserver is the
# anycast address A, and the DNS servers on the members (dnsmasq
# --bind-interfaces on their unicast addresses) never answer at A.
#
#   hosts: aarp  -> svc.test (AAAA = A) gives member1's unicast address and
#                   curl reaches member1; IPv4 and plain unicast names come
#                   back unchanged; a missing name is EAI_NONAME
#   hosts: dns   -> the same lookup fails (proves the test needs aarp)
#   route moved + flush -> the next lookup and curl reach member2
#   daemon stopped, "hosts: aarp files" -> falls through to files at once
#   nameserver silent -> EAI_AGAIN (TRYAGAIN), within the client bound
#
# 'ip netns exec' mounts /etc/netns/NS/{nsswitch.conf,resolv.conf,hosts}
# over /etc for the client namespace; glibc finds the module through
# LD_LIBRARY_PATH (the build tree).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MODULE_DIR=$LAB_BUILD_ROOT/nss
[ -f "$MODULE_DIR/libnss_aarp.so.2" ] || lab_die "libnss_aarp.so.2 is not built"
for tool in dnsmasq getent curl python3; do
        command -v "$tool" >/dev/null || lab_die "$tool is missing (run tests/setup.sh)"
done

lab_up
NETNS_ETC=/etc/netns/${LAB_PREFIX}client
trap 'rm -rf "$NETNS_ETC"; lab_down' EXIT
trap 'rm -rf "$NETNS_ETC"; lab_down; exit 130' INT
trap 'rm -rf "$NETNS_ETC"; lab_down; exit 143' TERM
mkdir -p "$NETNS_ETC"
printf '127.0.0.1 localhost\n::1 localhost\n2001:db8:ffff::9 fallback.test\n' >"$NETNS_ETC/hosts"
# Short resolver timeouts: glibc's own DNS (hosts: dns) must give up fast.
printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$LAB_ANYCAST" >"$NETNS_ETC/resolv.conf"
set_hosts_line() { printf 'hosts: %s\n' "$*" >"$NETNS_ETC/nsswitch.conf"; }
set_hosts_line aarp

# Each member: a DNS server bound to its own unicast address only, so a
# query sent to A reaches the member but no socket takes it.
for m in member1 member2; do
        if [ $m = member1 ]; then u=$LAB_MEMBER1_ADDR; else u=$LAB_MEMBER2_ADDR; fi
        lab_ns $m dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
                --listen-address="$u" --port 53 --local=/test/ --user=root --pid-file= \
                --host-record=svc.test,"$LAB_ANYCAST" \
                --host-record=v4only.test,198.51.100.7 \
                --host-record=plain.test,"$LAB_MEMBER2_ADDR" \
                --log-facility=- >>"$LABDIR/dnsmasq-$m.log" 2>&1 &
        LAB_PIDS+=("$!")
done
dns_listening() {
        lab_ns member1 ss -Hlun "sport = :53" | grep -q . && lab_ns member2 ss -Hlun "sport = :53" | grep -q .
}
lab_wait_for 60 dns_listening || fail "dnsmasq does not listen on the members: $(cat "$LABDIR"/dnsmasq-*.log)"

lab_start_daemon

nss() {
        lab_client env AARP_RUNTIME_DIR="$LABDIR/run" LD_LIBRARY_PATH="$MODULE_DIR" "$@"
}
# ahosts NAME -> the distinct addresses getent prints, in order.
ahosts() { nss getent ahosts "$1" | awk '!seen[$1]++ { print $1 }'; }
# gai NAME -> "OK addr..." or the EAI_* name python reports.
GAI_PY='
import socket, sys
try:
    r = socket.getaddrinfo(sys.argv[1], None, socket.AF_UNSPEC, socket.SOCK_STREAM)
    print("OK", " ".join(a[4][0] for a in r))
except socket.gaierror as e:
    names = {socket.EAI_NONAME: "EAI_NONAME", socket.EAI_AGAIN: "EAI_AGAIN",
             socket.EAI_FAIL: "EAI_FAIL"}
    names.update({-5: "EAI_NODATA"})
    print(names.get(e.errno, "EAI_%d" % e.errno))
'
gai() { nss python3 -c "$GAI_PY" "$1"; }

echo "# hosts: aarp"
got=$(ahosts svc.test) || fail "getent ahosts svc.test failed with hosts: aarp"
[ "$got" = "$LAB_MEMBER1_ADDR" ] || fail "svc.test gave '$got', want member1's $LAB_MEMBER1_ADDR"
pass "getent ahosts svc.test -> $got (member1; DNS at anycast $LAB_ANYCAST)"
body=$(nss curl -s --max-time 20 "http://svc.test:8080/") || fail "curl http://svc.test:8080/ failed"
[ "$body" = member1 ] || fail "curl reached '$body', want member1"
pass "curl http://svc.test:8080/ -> $body"
# Not getent: its AI_ADDRCONFIG sees no IPv4 address in the client namespace
# and glibc then returns the IPv4 answer v4-mapped, whatever the source.
got=$(gai v4only.test)
[ "$got" = "OK 198.51.100.7" ] || fail "v4only.test gave '$got'"
pass "IPv4-only name unchanged: $got"
got=$(ahosts plain.test)
[ "$got" = "$LAB_MEMBER2_ADDR" ] || fail "plain.test gave '$got'"
pass "plain unicast name unchanged: $got"
got=$(gai no-such-name.test)
[ "$got" = EAI_NONAME ] || fail "missing name gave $got, want EAI_NONAME"
pass "missing name -> $got"
if nss getent ahosts no-such-name.test >/dev/null; then fail "getent found no-such-name.test"; fi

echo "# hosts: dns (no aarp): the same lookup must fail"
set_hosts_line dns
if got=$(nss timeout 10 getent ahosts svc.test); then
        fail "hosts: dns resolved svc.test ($got): the test does not exercise the anycast-DNS problem"
fi
pass "without aarp, svc.test does not resolve (nameserver $LAB_ANYCAST never answers)"
set_hosts_line aarp

echo "# the route moves to member2"
lab_route_to member2
lab_flush
got=$(ahosts svc.test)
[ "$got" = "$LAB_MEMBER2_ADDR" ] || fail "after the move svc.test gave '$got', want member2's $LAB_MEMBER2_ADDR"
body=$(nss curl -s --max-time 20 "http://svc.test:8080/") || fail "curl after the move failed"
[ "$body" = member2 ] || fail "curl after the move reached '$body', want member2"
pass "after the route moved: $got, curl -> $body"
lab_route_to member1
lab_flush

echo "# nameserver silent: TRYAGAIN"
printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$LAB_SILENT" >"$NETNS_ETC/resolv.conf"
# The daemon checks resolv.conf at most once a second (the README's rule):
# after that long its next lookup reads this one, before it may still ask
# the old nameserver (which says NXDOMAIN: EAI_NONAME).
sleep 1.1
# The daemon's answer (a temporary failure), not the module giving up:
# under strace no poll() of the lookup expired (the daemon answered before
# the 5000 ms client bound).  Syscall evidence, not a wall clock around a
# new process, which a loaded machine stretches.
trace_waits "$LABDIR/trace" nss -- python3 -c "$GAI_PY" silent.test
got=$TRACE_OUT
[ "$got" = EAI_AGAIN ] || fail "silent nameserver gave $got, want EAI_AGAIN"
[ "$TRACE_TIMEOUTS" -eq 0 ] ||
        fail "silent nameserver: the lookup waited out $TRACE_TIMEOUTS poll() timeouts ($TRACE_WAITED_MS ms): the module gave up, the daemon did not answer within the client bound"
pass "silent nameserver -> $got, answered by the daemon within the client bound"
printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$LAB_ANYCAST" >"$NETNS_ETC/resolv.conf"

echo "# daemon stopped: fall through to files at once"
lab_stop_daemon || fail "daemon did not stop cleanly"
set_hosts_line aarp files
# At once: under strace, no poll() of the lookup expired.
trace_waits "$LABDIR/trace" nss -- getent ahosts fallback.test
[ "$TRACE_RC" -eq 0 ] || fail "fallback.test did not fall through to files: $TRACE_OUT"
got=$(awk '!seen[$1]++ { print $1 }' <<<"$TRACE_OUT")
[ "$got" = 2001:db8:ffff::9 ] || fail "fallback.test gave '$got'"
[ "$TRACE_TIMEOUTS" -eq 0 ] || fail "falling through waited out $TRACE_TIMEOUTS poll() timeouts ($TRACE_WAITED_MS ms)"
pass "daemon stopped: 'hosts: aarp files' answered from files at once (no poll() timed out)"
set_hosts_line 'aarp [UNAVAIL=return] files'
if nss getent ahosts fallback.test >/dev/null; then
        fail "[UNAVAIL=return] did not stop the lookup: the module did not say UNAVAIL"
fi
pass "daemon stopped: the module says UNAVAIL ([UNAVAIL=return] stops there)"

pass "libnss_aarp.so.2 through nsswitch.conf"
