#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/nss-lab-outcomes.sh: everything that worked before
# still works through libnss_aarp.so.2, and failures keep their meaning
# (recommended hosts: line, the anycast nameserver of lab-dns.sh):
#   - an IPv4-only name and a plain unicast host come back unchanged;
#   - big.lab (50 AAAA, > 512 bytes: the member's server truncates UDP)
#     comes over TCP from the member, complete, its anycast address mapped;
#   - a nonexistent name: NOTFOUND (getent 2, EAI_NONAME, HOST_NOT_FOUND);
#   - a nameserver that never answers: TRYAGAIN (EAI_AGAIN, TRY_AGAIN)
#     within the client bound.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR

lab_up
lab_dns_up
lab_start_daemon

echo "# unchanged answers"
expect_addrs v4only.lab 192.0.2.10
expect_getent_rc 0 ahostsv4 v4only.lab
expect_gai v4only.lab AF_INET 192.0.2.10
expect_gai v4only.lab AF_UNSPEC 192.0.2.10
out=$(h_errno v4only.lab)
[ "$out" = "ok 192.0.2.10" ] || fail "gethostbyname(v4only.lab): '$out'"
pass "gethostbyname(v4only.lab): $out"
expect_addrs uni.lab "$LAB_MEMBER2_ADDR"
expect_gai uni.lab AF_INET6 "$LAB_MEMBER2_ADDR"
# The name exists, with no IPv4 address.
gai uni.lab AF_INET
[ "$GAI_OUT" = "error EAI_NONAME" ] || [ "$GAI_OUT" = "error EAI_NODATA" ] ||
        fail "getaddrinfo(uni.lab, AF_INET) gave '$GAI_OUT'"
pass "getaddrinfo(uni.lab, AF_INET): $GAI_OUT"

echo "# big.lab: truncated over UDP, complete over TCP"
lab_dns_truncated "$U1" big.lab || fail "member1's UDP answer for big.lab is not truncated: no TCP fallback tested"
expect_addrs big.lab "$U1" "${LAB_DNS_BIG_ADDRS[@]}"
expect_gai big.lab AF_INET6 "$U1" "${LAB_DNS_BIG_ADDRS[@]}"

echo "# no such name"
expect_getent_rc 2 ahosts nosuch.lab
expect_getent_rc 2 hosts nosuch.lab
expect_gai nosuch.lab AF_UNSPEC "error EAI_NONAME"
out=$(h_errno nosuch.lab)
[ "$out" = "h_errno 1" ] || fail "gethostbyname(nosuch.lab): '$out', expected h_errno 1 (HOST_NOT_FOUND)"
pass "gethostbyname(nosuch.lab): $out (HOST_NOT_FOUND)"

echo "# the nameserver never answers ($LAB_SILENT)"
lab_dns_resolv "$LAB_SILENT"
gai silent.lab AF_UNSPEC
[ "$GAI_OUT" = "error EAI_AGAIN" ] || fail "silent nameserver: getaddrinfo gave '$GAI_OUT', expected EAI_AGAIN"
[ "$GAI_MS" -le 5500 ] || fail "silent nameserver: getaddrinfo took $GAI_MS ms (client bound 5000 ms)"
pass "silent nameserver: getaddrinfo(silent.lab) -> $GAI_OUT in $GAI_MS ms"
out=$(h_errno silent2.lab)
[ "$out" = "h_errno 2" ] || fail "gethostbyname(silent2.lab): '$out', expected h_errno 2 (TRY_AGAIN)"
pass "gethostbyname(silent2.lab): $out (TRY_AGAIN)"
expect_getent_rc 2 ahosts silent3.lab
# Hosts-file names do not need DNS.
expect_addrs hostsonly.lab "$LAB_DNS_HOSTS_ONLY"

echo "# the nameserver back: svc.lab as before"
lab_dns_resolv "$A"
expect_addrs svc.lab "$U1"
daemon_alive
pass "nss-lab-outcomes"
