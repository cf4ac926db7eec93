#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-member-dies.sh: an anycast
# member dies, and the route to a member disappears.
#
# "Dies" means unreachable: echo replies come from the member's kernel, so
# killing its lab-member process would change nothing for AARP; its
# way back becomes a blackhole instead (faults_member_down: silence, as
# from a dead host), and routing converges on the
# other member (the router's route for A moves to member2, as a routing
# protocol would).  That change happens on the router, out of the daemon's
# sight (no netlink event in the client namespace), so:
#   - the cached mapping (member1) is served until it expires; the next
#     lookup after expiry (AnycastTTL=3s here) yields member2;
#   - root's InvalidateAddress(A, member1) drops it at once: the next
#     lookup yields member2; a stale or bogus report (a member not in the
#     answer) changes nothing and returns FALSE;
#   - a non-root user's report: a false one (the member is alive) changes
#     no one's answer, root's included (the re-probe it may cause finds the
#     same member: a user can make the daemon look again, never make it
#     hand out another member); a true one gives the reporter another
#     member at once.
# Route gone: the router loses its route to A (it answers with ICMPv6
# "no route", which the echo-reply-only socket never sees) -> NO_REPLY,
# the address itself (fail-open); the client's own route gone (sendto
# fails) -> the same; the daemon keeps running.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
U2=$LAB_MEMBER2_ADDR
A_BYTES=$(lab_addr_bytes "$A" | cut -d' ' -f2- | sed 's/ /, /g')
bytes() { lab_addr_bytes "$1" | cut -d' ' -f2- | sed 's/ /, /g'; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# invalidate [as-nobody] MEMBER -> prints the reply ("(true,)" / "(false,)")
invalidate() {
        local wrap=()
        if [ "$1" = nobody ]; then
                wrap=(setpriv --reuid=65534 --regid=65534 --clear-groups)
                shift
        fi
        "${wrap[@]}" "$LAB_DBUS_BIN" call InvalidateAddress "(0, [byte $A_BYTES], [byte $(bytes "$1")])"
}

# resolve_as_nobody: ResolveAddress A as uid 65534; prints the unicast.
resolve_as_nobody() {
        local out
        out=$(nobody "$LAB_DBUS_BIN" call ResolveAddress "(0, [byte $A_BYTES], uint64 0)") ||
                fail "nobody's ResolveAddress failed: $out"
        python3 -c 'import ipaddress,re,sys; print(ipaddress.ip_address(bytes(int(b, 0) for b in re.search(r"\[(?:byte )?([^]]*)\]", sys.argv[1]).group(1).split(","))))' "$out"
}

member1_dies() {
        faults_member_down member1
        lab_route_to member2
}
member1_back() {
        faults_member_up member1
        lab_route_to member1
        lab_flush
}

lab_up

echo "# InvalidateAddress (AnycastTTL=60s: expiry is out of the picture)"
lab_start_daemon "AnycastTTL=60s" "ProbeTimeout=300ms" "ProbeRetries=1"
expect_resolve "$A" "$U1" ANYCAST
member1_dies
expect_resolve "$A" "$U1" FROM_CACHE
pass "member1 dead: the cached mapping still says member1 (the router's change is invisible to the daemon)"
out=$(invalidate "$LAB_ATTACKER") || fail "InvalidateAddress(A, attacker) failed: $out"
[ "$out" = "(false,)" ] || fail "a bogus report (a member not in the answer) returned $out, expected (false,)"
expect_resolve "$A" "$U1" FROM_CACHE
pass "a bogus report changes nothing: $out"
out=$(invalidate "$U1") || fail "root's InvalidateAddress(A, member1) failed: $out"
[ "$out" = "(true,)" ] || fail "root's InvalidateAddress(A, member1) returned $out, expected (true,)"
expect_resolve "$A" "$U2" ANYCAST
pass "root reported member1: the next lookup yields member2 at once"
out=$(invalidate "$U1") || fail "a stale InvalidateAddress failed: $out"
[ "$out" = "(false,)" ] || fail "a stale report (member1 no longer cached) returned $out, expected (false,)"
expect_resolve "$A" "$U2" FROM_CACHE
pass "a stale report changes nothing"

echo "# a non-root user's report"
member1_back
expect_resolve "$A" "$U1" ANYCAST
# A false report (member1 is alive): the re-probe it may cause finds
# member1 again; nobody can make the daemon hand out another member.
out=$(invalidate nobody "$U1") || fail "nobody's InvalidateAddress(A, member1) failed: $out"
echo "  nobody InvalidateAddress(A, member1), member1 alive: $out"
sleep 0.5
expect_resolve "$A" "$U1" ANYCAST
pass "a false report by nobody did not change root's answer"
member1_dies
out=$(invalidate nobody "$U1") || fail "nobody's InvalidateAddress(A, member1) failed: $out"
echo "  nobody InvalidateAddress(A, member1), member1 dead: $out"
got=$(resolve_as_nobody)
[ "$got" = "$U2" ] || fail "after reporting member1 as failed, nobody's next lookup of A gave $got, expected member2 $U2"
pass "nobody reported dead member1: nobody's next lookup yields member2"
lab_stop_daemon || fail "the daemon did not stop cleanly"

echo "# expiry (AnycastTTL=3s)"
faults_member_up member1
lab_route_to member1
lab_start_daemon "AnycastTTL=3s" "ProbeTimeout=300ms" "ProbeRetries=1"
expect_resolve "$A" "$U1" ANYCAST
t0=$(now_ms)
member1_dies
deadline=$((SECONDS + 60)) # a hang guard: expected within about 3 s
while :; do
        out=$(lab_resolve "$A") || fail "ResolveAddress failed after member1 died"
        read -r got _ <<<"$out"
        [ "$got" = "$U2" ] && break
        [ "$got" = "$U1" ] || fail "member1 dead: A resolved to $got, expected member1 (cached) or member2"
        [ "$SECONDS" -lt "$deadline" ] || fail "A still maps to dead member1 60 s after the 3 s mapping"
        sleep 0.2
done
pass "member1 dead: A -> member2 $(($(now_ms) - t0)) ms later (AnycastTTL=3s)"

echo "# route gone"
ip -n "${LAB_PREFIX}router" -6 route del "$A/128"
expect_resolve "$A" "$A" NO_REPLY ANYCAST 1
daemon_alive
ip -n "${LAB_PREFIX}client" -6 route del 2001:db8::/32
expect_resolve "$A" "$A" NO_REPLY ANYCAST 1
expect_resolve "$U2" "$U2" NO_REPLY UNICAST 1
daemon_alive
pass "route gone (router's, then the client's own): NO_REPLY, the daemon serves on"
