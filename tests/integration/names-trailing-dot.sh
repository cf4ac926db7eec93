#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/names-trailing-dot.sh: an absolute name ("N.", asked as
# is) and the relative one ("N", through the search list and ndots) are
# different questions and must never share an answer, in the daemon's name
# cache or in names.snapshot.  With "search lab" and ndots:5 (lab-dns.sh):
#   - uid 65534 looks up printer.lab. (NXDOMAIN); root's printer.lab is
#     still printer.lab.lab (192.0.2.21), getent exit 0 - not the cached
#     NoSuchName of the absolute name;
#   - uid 65534 looks up box.lab. (192.0.2.22); root's box.lab is still
#     box.lab.lab (192.0.2.23), from the daemon and then from the snapshot;
#   - the hosts file matches both spellings, as before;
#   - dropping the search list changes what the relative names mean: the
#     cached answers go with it.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

lab_up
lab_dns_up
printf 'nameserver %s\nsearch lab\noptions ndots:5 timeout:1 attempts:2\n' "$LAB_ANYCAST" >"$LAB_NETNS_ETC/resolv.conf"
lab_start_daemon

echo "# a negative answer to the absolute name"
rc=0
out=$(lab_nss "${NOBODY[@]}" getent ahosts printer.lab. 2>&1) || rc=$?
[ "$rc" -eq 2 ] || fail "nobody's getent ahosts printer.lab. exited $rc ('$out'), expected 2 (no such name)"
pass "nobody: getent ahosts printer.lab. -> exit 2"
expect_addrs printer.lab 192.0.2.21
expect_getent_rc 0 hosts printer.lab

echo "# a positive answer to the absolute name"
got=$(lab_nss "${NOBODY[@]}" getent ahostsv4 box.lab. | awk '{ print $1 }' | sort -u) ||
        fail "nobody's getent ahostsv4 box.lab. failed"
[ "$got" = 192.0.2.22 ] || fail "nobody's box.lab. gave '$got', expected 192.0.2.22"
pass "nobody: box.lab. -> $got"
# Twice: the second is answered from names.snapshot without the daemon.
expect_addrs box.lab 192.0.2.23
expect_addrs box.lab 192.0.2.23
expect_addrs box.lab. 192.0.2.22

echo "# the hosts file matches both spellings"
expect_addrs hostsonly.lab "$LAB_DNS_HOSTS_ONLY"
expect_addrs hostsonly.lab. "$LAB_DNS_HOSTS_ONLY"

echo "# no search list any more: the relative names mean themselves"
printf 'nameserver %s\noptions ndots:5 timeout:1 attempts:2\n' "$LAB_ANYCAST" >"$LAB_NETNS_ETC/resolv.conf"
# The daemon notices within a second (it polls while it publishes the
# snapshot); poll for the new meaning rather than sleep a guess.
box_is_itself() { [ "$(lab_dns_addrs box.lab 2>/dev/null)" = 192.0.2.22 ]; }
lab_wait_for 10 box_is_itself ||
        fail "10 s after the search list was dropped, box.lab still gives '$(lab_dns_addrs box.lab 2>&1 | tr '\n' ' ')'"
expect_addrs box.lab 192.0.2.22
expect_getent_rc 2 ahosts printer.lab
daemon_alive
pass "names-trailing-dot"
