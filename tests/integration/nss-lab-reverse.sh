#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Reverse lookups through libnss_aarp.so.2 when the only nameserver is an
# anycast address.  "dns" in nsswitch.conf sends the PTR query to A and the
# answer comes back from a member's unicast address, which the stub
# resolver drops ("Host name lookup failure"); aarp answers from the hosts
# file, then asks DNS through its AARP-resolved nameservers
# (ResolveAddressName).  Checked with unmodified programs: getent hosts
# ADDRESS (IPv6 and IPv4), Python's gethostbyaddr() and getnameinfo() with
# NI_NAMEREQD; an address without a name is NOTFOUND (getent exit 2), not
# a failure; the D-Bus call answers the hosts file (TTL 0) and DNS (the
# record's TTL, 60) and refuses bad arguments by name.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

U1=$LAB_MEMBER1_ADDR
U2=$LAB_MEMBER2_ADDR

lab_up
lab_dns_up
lab_start_daemon

[ "$(nm -D --defined-only "$LAB_NSS_MODULE" | grep -c '_nss_aarp_gethostbyaddr2\?_r$')" -eq 2 ] ||
        fail "the module does not export _nss_aarp_gethostbyaddr_r and _nss_aarp_gethostbyaddr2_r"

echo "# hosts: $LAB_DNS_RECOMMENDED; nameserver $LAB_ANYCAST (anycast)"
# expect_reverse ADDRESS NAME: getent hosts ADDRESS prints "ADDRESS NAME".
expect_reverse() {
        local out rc=0
        out=$(lab_nss getent hosts "$1" 2>&1) || rc=$?
        [ "$rc" -eq 0 ] || fail "getent hosts $1 exited $rc ('$out'), expected $2"
        [ "$(awk '{ print $2 }' <<<"$out")" = "$2" ] || fail "getent hosts $1 gave '$out', expected $2"
        pass "getent hosts $1 -> $2"
}
expect_reverse "$U2" uni.lab
expect_reverse 192.0.2.10 v4only.lab
expect_getent_rc 2 hosts 2001:db8:ffff::1

out=$(lab_nss "$PY" -c '
import socket, sys
print(socket.gethostbyaddr(sys.argv[1])[0])
print(socket.getnameinfo((sys.argv[1], 8080), socket.NI_NAMEREQD)[0])
try:
    socket.getnameinfo(("2001:db8:ffff::1", 8080), socket.NI_NAMEREQD)
    print("unexpected: a name")
except socket.gaierror as e:
    print("EAI_NONAME" if e.errno == socket.EAI_NONAME else "errno %d" % e.errno)
' "$U2" 2>&1) || fail "python reverse lookups failed: $out"
[ "$out" = $'uni.lab\nuni.lab\nEAI_NONAME' ] || fail "python gethostbyaddr/getnameinfo: '$out'"
pass "python gethostbyaddr and getnameinfo(NI_NAMEREQD): uni.lab; no name: EAI_NONAME"

echo "# the D-Bus call"
a16() { python3 -c 'import ipaddress,sys; print(", ".join(str(b) for b in ipaddress.ip_address(sys.argv[1]).packed))' "$1"; }
out=$(lab_call ResolveAddressName "(0, 10, [byte $(a16 "$U2")], uint64 0)") || fail "ResolveAddressName($U2): $out"
echo "  $U2: $out"
[[ $out == "(['uni.lab'], uint32 60, uint64 0)" ]] || fail "ResolveAddressName($U2) gave $out, expected uni.lab with the record's TTL 60"
out=$(lab_call ResolveAddressName "(0, 2, [byte $(a16 "$LAB_DNS_HOSTS_ONLY")], uint64 0)") ||
        fail "ResolveAddressName($LAB_DNS_HOSTS_ONLY): $out"
echo "  $LAB_DNS_HOSTS_ONLY: $out"
[[ $out == "(['hostsonly.lab'], uint32 0, uint64 0)" ]] || fail "the hosts file's name: $out"
out=$(lab_call ResolveAddressName "(0, 10, [byte 1, 2, 3, 4], uint64 0)" 2>&1) || true
[[ $out == "ERROR org.aarp.Resolve1.Error.InvalidAddress:"* ]] || fail "4 bytes for AF_INET6: $out"
out=$(lab_call ResolveAddressName "(0, 7, [byte 1, 2, 3, 4], uint64 0)" 2>&1) || true
[[ $out == "ERROR org.aarp.Resolve1.Error.InvalidFamily:"* ]] || fail "family 7: $out"
out=$(lab_call ResolveAddressName "(0, 10, [byte $(a16 2001:db8:ffff::1)], uint64 0)" 2>&1) || true
[[ $out == "ERROR org.aarp.Resolve1.Error.NoSuchName:"* ]] || fail "an address without a name: $out"
out=$(lab_nss setpriv --reuid=65534 --regid=65534 --clear-groups getent hosts "$U2") ||
        fail "nobody's getent hosts $U2 failed"
pass "ResolveAddressName: DNS (TTL 60), the hosts file (TTL 0), named errors; nobody gets the answer too"
daemon_alive
