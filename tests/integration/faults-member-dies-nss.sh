#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-member-dies-nss.sh: an
# anycast member dies while programs look it up by name through
# libnss_aarp.so.2 - answers the module serves from the daemon's
# names.snapshot without asking it.  A name from DNS (svc.lab) and one from
# the hosts file (anycast-hosts.lab) map to member1; member1 becomes
# unreachable and routing moves A to member2 (invisible to the daemon, so
# the cached member1 is still served, from the snapshot too); then an
# InvalidateAddress(A, member1) - by root, and in a second round by an
# unprivileged user, as aarp-run would report a failed connection - and
# the very next getaddrinfo() of either name yields member2: the snapshot
# must not keep handing out the dead member.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
U2=$LAB_MEMBER2_ADDR
A_BYTES=$(lab_addr_bytes "$A" | cut -d' ' -f2- | sed 's/ /, /g')
U1_BYTES=$(lab_addr_bytes "$U1" | cut -d' ' -f2- | sed 's/ /, /g')
NAMES=(svc.lab anycast-hosts.lab)

lab_up
lab_dns_up
printf '%s anycast-hosts.lab\n' "$A" >>"$LAB_NETNS_ETC/hosts"
lab_dns_nsswitch 'aarp [!UNAVAIL=return] files'
lab_start_daemon "AnycastTTL=60s" "ProbeTimeout=300ms" "ProbeRetries=1"

for who in root nobody; do
        echo "# reported by $who"
        for n in "${NAMES[@]}"; do expect_gai "$n" AF_INET6 "$U1"; done
        [ -s "$LABDIR/run/names.snapshot" ] && echo "  names.snapshot: $(stat -c %s "$LABDIR/run/names.snapshot") bytes"
        faults_member_down member1
        lab_route_to member2
        for n in "${NAMES[@]}"; do expect_gai "$n" AF_INET6 "$U1"; done
        pass "member1 dead: still member1 by name until someone reports it (AnycastTTL=60s)"
        if [ "$who" = root ]; then
                out=$(lab_call InvalidateAddress "(0, [byte $A_BYTES], [byte $U1_BYTES])") || fail "InvalidateAddress: $out"
        else
                out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$LAB_DBUS_BIN" call InvalidateAddress \
                        "(0, [byte $A_BYTES], [byte $U1_BYTES])") || fail "nobody's InvalidateAddress: $out"
        fi
        echo "  $who InvalidateAddress(A, member1): $out"
        for n in "${NAMES[@]}"; do expect_gai "$n" AF_INET6 "$U2"; done
        pass "$who reported member1: the next getaddrinfo of each name yields member2"
        # Back to the start for the next round.
        faults_member_up member1
        lab_route_to member1
        lab_flush
done
daemon_alive
