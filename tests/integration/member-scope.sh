#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/member-scope.sh: whoever answers for a global address
# must not be able to point this host's clients at internal hosts.
#
# The host behind the lab's anycast address (member1) answers the echo
# requests itself - right identifier, sequence and nonce - but from a source
# of another kind than the global address asked about: its route back is
# given a preferred source (ip route ... src) that is, in turn, a unique
# local (fd00:66::66), a NAT64 (64:ff9b::a00:1), a 6to4 (2002:a00:1::1) and
# a Teredo (2001::a00:1) address.
#
#   MemberScope=strict (the default): nobody's lookups (NO_CACHE, every
#   member) never list that source; the reply is rejected, counted in
#   RepliesRejected and logged as a member of another scope, and the
#   address fails open to itself (NO_REPLY) as for any silent address.
#   With the global source back (the lab's 2001:db8::/32 documentation
#   space counts as global), member1 is the member again.
#   MemberScope=any: the unique local source is accepted, as documented.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

lab_up

# answer_from SOURCE|"": member1 replies from SOURCE (added to its link),
# or from its own global address again.
answer_from() {
        local ns=${LAB_PREFIX}member1
        if [ -n "$1" ]; then
                ip -n "$ns" -6 addr add "$1/128" dev eth0 nodad 2>/dev/null || true
                ip -n "$ns" -6 route replace default via "$LAB_ROUTER_MEMBER1_ADDR" dev eth0 src "$1"
        else
                ip -n "$ns" -6 route replace default via "$LAB_ROUTER_MEMBER1_ADDR" dev eth0
        fi
}

# lookup: nobody's ResolveAddressMembers(LAB_ANYCAST, NO_CACHE); prints
# "FLAGS MEMBER..." (flags in hex).
lookup() {
        lab_client "${NOBODY[@]}" /usr/bin/python3 - "$LAB_ANYCAST" <<'PY'
import ipaddress, sys
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
reply = bus.call_sync("org.aarp.Resolve1", "/org/aarp/Resolve1", "org.aarp.Resolve1.Manager",
                      "ResolveAddressMembers",
                      GLib.Variant("(iayt)", (0, ipaddress.ip_address(sys.argv[1]).packed, 1)),
                      GLib.VariantType("(a(ayt)tu)"), Gio.DBusCallFlags.NONE, 20000, None)
members, flags, ttl = reply.unpack()
print(hex(flags), " ".join(str(ipaddress.ip_address(bytes(m[0]))) for m in members))
PY
}

echo "# MemberScope=strict (default)"
lab_start_daemon "ProbeTimeout=500ms" "ProbeRetries=0"
out=$(lookup) || fail "nobody cannot resolve $LAB_ANYCAST: $out"
echo "  member1 answers from $LAB_MEMBER1_ADDR: $out"
[[ " $out " == *" $LAB_MEMBER1_ADDR "* ]] || fail "the lab's own global member is not accepted: $out"
for src in fd00:66::66 64:ff9b::a00:1 2002:a00:1::1 2001::a00:1; do
        answer_from "$src"
        rejected0=$(prop RepliesRejected)
        out=$(lookup) || fail "nobody cannot resolve $LAB_ANYCAST: $out"
        rejected=$(($(prop RepliesRejected) - rejected0))
        echo "  member1 answers from $src: $out (RepliesRejected +$rejected)"
        [[ " $out " != *" $src "* ]] || fail "$LAB_ANYCAST (global) was mapped to $src: $out"
        lab_has_flag "${out%% *}" NO_REPLY || fail "$LAB_ANYCAST did not fail open to itself: $out"
        [ "$rejected" -ge 1 ] || fail "the reply from $src was not counted in RepliesRejected"
        # The daemon logs the first ten rejections of each kind.
        [ "$src" != fd00:66::66 ] || grep -q "rejected echo reply from $src: member of another scope" "$LABDIR/daemon.log" ||
                fail "the daemon did not log the reply from $src as a member of another scope"
        pass "strict: $src rejected for $LAB_ANYCAST"
done
answer_from ""
out=$(lookup) || fail "nobody cannot resolve $LAB_ANYCAST: $out"
echo "  member1 answers from $LAB_MEMBER1_ADDR again: $out"
[[ " $out " == *" $LAB_MEMBER1_ADDR "* ]] && lab_has_flag "${out%% *}" ANYCAST ||
        fail "member1 is not the member again: $out"
pass "strict: the global member is accepted again"
daemon_alive
lab_stop_daemon || fail "the daemon did not stop cleanly"

echo "# MemberScope=any relaxes it"
lab_start_daemon "ProbeTimeout=500ms" "ProbeRetries=0" "MemberScope=any"
answer_from fd00:66::66
out=$(lookup) || fail "nobody cannot resolve $LAB_ANYCAST: $out"
echo "  member1 answers from fd00:66::66: $out"
[[ " $out " == *" fd00:66::66 "* ]] && lab_has_flag "${out%% *}" ANYCAST ||
        fail "with MemberScope=any the unique local member was not accepted: $out"
pass "any: $LAB_ANYCAST -> fd00:66::66, as documented"
daemon_alive
lab_stop_daemon || fail "the daemon did not stop cleanly"
