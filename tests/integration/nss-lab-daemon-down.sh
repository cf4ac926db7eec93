#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/nss-lab-daemon-down.sh: what a program sees by name
# when aarp-resolved is not there.
#   - Recommended line (files aarp [!UNAVAIL=return] dns), daemon stopped:
#     the module says UNAVAIL at once and glibc's dns answers (the old
#     behaviour, no AARP): no poll() of the lookup times out.
#   - "aarp [!UNAVAIL=return] files dns", daemon stopped: a hosts-file
#     name falls through to files at once; with the daemon up the daemon
#     answers it from the same hosts file, mapping an anycast entry.
#   - Daemon hung (SIGSTOP, socket still accepting): a name it already
#     answered is still served from its published snapshot (names.snapshot:
#     the daemon is alive, its answers valid); a name it never answered is
#     bounded by the client timeout (AARP_CLIENT_TIMEOUT_MSEC, 5 s) and is
#     TRYAGAIN (EAI_AGAIN), final under [!UNAVAIL=return].
#   - Started again: the next program gets member1.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
AARP_FIRST='aarp [!UNAVAIL=return] files dns'

lab_up
lab_dns_up
# An anycast address in the client's hosts file, and glibc's dns pointed at
# member1's server directly (it works at U, not at A).
printf '%s anycast-hosts.lab\n' "$A" >>"$LAB_NETNS_ETC/hosts"
lab_dns_resolv "$U1"
lab_start_daemon

echo "# daemon up"
expect_addrs svc.lab "$U1"
expect_addrs hostsonly.lab "$LAB_DNS_HOSTS_ONLY"
lab_dns_nsswitch "$AARP_FIRST"
expect_addrs anycast-hosts.lab "$U1"
expect_addrs hostsonly.lab "$LAB_DNS_HOSTS_ONLY"
lab_dns_nsswitch "$LAB_DNS_RECOMMENDED"

echo "# daemon hung (SIGSTOP)"
kill -STOP "$(lab_daemon_pid)"
gai svc.lab AF_UNSPEC
cached_out=$GAI_OUT
gai whoami.lab AF_UNSPEC
kill -CONT "$(lab_daemon_pid)"
[ "$cached_out" = "$U1" ] || fail "hung daemon: cached getaddrinfo(svc.lab) gave '$cached_out', expected $U1 from the snapshot"
pass "hung daemon: a name it answered before is still served from its snapshot ($U1)"
[ "$GAI_OUT" = "error EAI_AGAIN" ] || fail "hung daemon: getaddrinfo(whoami.lab) gave '$GAI_OUT', expected EAI_AGAIN"
# Timed inside the python process: at least the bound (a timer never
# fires early), and less than two (one wait, not a second one after it).
[ "$GAI_MS" -ge 4900 ] && [ "$GAI_MS" -lt 10000 ] ||
        fail "hung daemon: getaddrinfo took $GAI_MS ms, expected one 5000 ms client bound"
pass "hung daemon: getaddrinfo(whoami.lab), never answered before -> $GAI_OUT after $GAI_MS ms (bound 5000 ms)"
expect_addrs svc.lab "$U1"

# no_wait NAME: getent ahosts NAME under strace: no poll() expired, so
# the module did not wait for the client bound (syscall evidence; a wall
# clock around getent would measure its start-up on a loaded machine).
no_wait() {
        trace_waits "$LABDIR/trace" lab_nss -- getent ahosts "$1"
        [ "$TRACE_RC" -eq 0 ] && [ "$TRACE_TIMEOUTS" -eq 0 ] ||
                fail "daemon stopped: getent ahosts $1: exit $TRACE_RC, $TRACE_TIMEOUTS poll() timed out ($TRACE_WAITED_MS ms)"
}

echo "# daemon stopped"
lab_stop_daemon || fail "the daemon did not exit cleanly"
expect_addrs v4only.lab 192.0.2.10
no_wait v4only.lab
pass "daemon stopped, '$LAB_DNS_RECOMMENDED': dns answered at once (no poll() timed out)"
gai svc.lab AF_UNSPEC
[ "$GAI_OUT" = "$A" ] || fail "daemon stopped: getaddrinfo(svc.lab) gave '$GAI_OUT', expected plain DNS's $A"
[ "$GAI_MS" -lt 5000 ] || fail "daemon stopped: getaddrinfo took $GAI_MS ms: it waited for the 5000 ms client bound"
pass "daemon stopped: svc.lab is plain DNS's anycast $GAI_OUT again ($GAI_MS ms; no AARP)"

lab_dns_nsswitch "$AARP_FIRST"
expect_addrs hostsonly.lab "$LAB_DNS_HOSTS_ONLY"
no_wait hostsonly.lab
pass "daemon stopped, '$AARP_FIRST': files answered at once (no poll() timed out)"
gai hostsonly.lab AF_INET
[ "$GAI_OUT" = "$LAB_DNS_HOSTS_ONLY" ] && [ "$GAI_MS" -lt 5000 ] ||
        fail "daemon stopped: python getaddrinfo(hostsonly.lab) gave '$GAI_OUT' in $GAI_MS ms"
pass "daemon stopped: python getaddrinfo(hostsonly.lab) -> $GAI_OUT in $GAI_MS ms"
lab_dns_nsswitch 'aarp [UNAVAIL=return] files dns'
expect_getent_rc 2 ahosts hostsonly.lab

echo "# daemon started again"
lab_dns_nsswitch "$LAB_DNS_RECOMMENDED"
lab_dns_resolv "$A"
lab_start_daemon
expect_addrs svc.lab "$U1"
expect_http svc.lab member1
pass "nss-lab-daemon-down"
