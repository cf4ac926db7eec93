#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/nss-lab-anycast-dns.sh: an anycast nameserver end to
# end through libnss_aarp.so.2.  The client's only nameserver
# is the anycast address A, served by dnsmasq on each member bound to the
# member's unicast address only.  With the recommended hosts: line,
# unmodified programs (getent, curl, wget, Python, a GLib program) reach
# svc.lab (AAAA A) at the nearest member, member1.  Then the same commands
# with aarp removed from nsswitch.conf fail, and the counters show why: the
# queries reached member1 at A and found no socket there.  A control run
# with the member's unicast address as nameserver resolves svc.lab to A
# and then hangs in TCP connect: both halves of the problem AARP removes.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR

lab_up
lab_dns_up
lab_start_daemon

echo "# hosts: $LAB_DNS_RECOMMENDED; nameserver $A (anycast)"
expect_addrs svc.lab "$U1"
expect_http svc.lab member1
body=$(lab_nss wget -q -T 20 -t 1 -O - http://svc.lab:8080/) || fail "wget http://svc.lab:8080/ failed"
[ "$body" = member1 ] || fail "wget http://svc.lab:8080/ gave '$body'"
pass "wget http://svc.lab:8080/ -> $body"
expect_gai svc.lab AF_INET6 "$U1"
expect_gai svc.lab AF_UNSPEC "$U1"
# The nameserver A itself went through AARP: member1's server answered.
expect_addrs whoami.lab 192.0.2.11

# Python, by name, over TCP (socket.create_connection: getaddrinfo, connect).
body=$(lab_nss "$PY" -c '
import socket
s = socket.create_connection(("svc.lab", 8080), timeout=5)
print(s.getpeername()[0])
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n\r\n", 1)[1].decode().strip())') || fail "python create_connection(svc.lab) failed"
[ "$body" = "$U1"$'\n'member1 ] || fail "python create_connection(svc.lab): '$body'"
pass "python socket.create_connection(svc.lab): $(tr '\n' ' ' <<<"$body")"

# A GLib program: GSocketClient resolves through GThreadedResolver
# (getaddrinfo in a worker thread) and connects.
body=$(lab_nss "$PY" -c '
from gi.repository import Gio
c = Gio.SocketClient.new()
c.set_timeout(5)
conn = c.connect_to_host("svc.lab", 8080, None)
print(conn.get_remote_address().get_address().to_string())
conn.get_output_stream().write_all(b"GET / HTTP/1.0\r\n\r\n", None)
data = b""
while True:
    chunk = conn.get_input_stream().read_bytes(4096, None).get_data()
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n\r\n", 1)[1].decode().strip())') || fail "GLib GSocketClient to svc.lab failed"
[ "$body" = "$U1"$'\n'member1 ] || fail "GLib GSocketClient to svc.lab: '$body'"
pass "GLib g_socket_client_connect_to_host(svc.lab, 8080): $(tr '\n' ' ' <<<"$body")"

echo "# the same without aarp: hosts: files dns"
lab_dns_nsswitch 'files dns'
before=$(udp6_noports member1)
expect_getent_rc 2 ahosts svc.lab
http_get svc.lab
[ "$HTTP_RC" -ne 0 ] || fail "curl http://svc.lab:8080/ worked without aarp in nsswitch.conf"
grep -q 'Could not resolve host' "$LABDIR/curl.err" ||
        fail "curl without aarp failed, but not in name resolution: $(cat "$LABDIR/curl.err")"
pass "curl http://svc.lab:8080/ without aarp: exit $HTTP_RC, $(cat "$LABDIR/curl.err")"
gai svc.lab AF_UNSPEC
got=$GAI_OUT
[[ $got == "error EAI_"* ]] || fail "python getaddrinfo(svc.lab) without aarp gave '$got'"
pass "python getaddrinfo(svc.lab) without aarp: $got"
after=$(udp6_noports member1)
[ "$after" -gt "$before" ] ||
        fail "member1's Udp6NoPorts did not grow ($before -> $after): the queries to $A never reached it"
pass "the queries to $A reached member1 and found no socket bound there (Udp6NoPorts $before -> $after)"
grep -q "from $LAB_CLIENT_ADDR" "$LABDIR/dns-member1.log" ||
        fail "member1's dnsmasq logged no query from the daemon"

echo "# control: nameserver $U1 (the member's unicast address), hosts: files dns"
lab_dns_resolv "$U1"
expect_addrs svc.lab "$A"
http_get svc.lab
[ "$HTTP_RC" -eq 28 ] ||
        fail "curl to svc.lab ($A, anycast) did not time out connecting: exit $HTTP_RC $(cat "$LABDIR/curl.err")"
pass "plain DNS gives the anycast address and TCP to it hangs: curl exit 28, $(cat "$LABDIR/curl.err")"
lab_dns_nsswitch "$LAB_DNS_RECOMMENDED"
expect_http svc.lab member1

echo "# back to nameserver $A with aarp: still member1"
lab_dns_resolv "$A"
expect_addrs svc.lab "$U1"
expect_http svc.lab member1
daemon_alive
pass "nss-lab-anycast-dns"
