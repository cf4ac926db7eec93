#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's busctl lines (tests/integration/busctl-lines.txt, copied
# there verbatim) run exactly as written against the lab daemon, and each
# prints what the README says it does.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/client-common.sh"

LINES=$AARP_SOURCE_ROOT/tests/integration/busctl-lines.txt

lab_up
# The name used in the README's ResolveHostname line, in the client
# namespace's hosts file (ip netns exec bind-mounts /etc/netns/NS/hosts).
NETNS_ETC=/etc/netns/${LAB_PREFIX}client
# lab_down (the EXIT trap) removes it with the namespace.
mkdir -p "$NETNS_ETC"
printf '127.0.0.1 localhost\n::1 localhost\n%s anycast.example\n' "$LAB_ANYCAST" >"$NETNS_ETC/hosts"
lab_start_daemon

# member1's address as busctl prints "ay": 16 then the bytes in decimal.
U_AY=$(python3 -c 'import ipaddress,sys; print(" ".join(map(str, ipaddress.ip_address(sys.argv[1]).packed)))' \
        "$LAB_MEMBER1_ADDR")

mapfile -t cmds < <(grep -v '^#' "$LINES" | grep -v '^$')
[ "${#cmds[@]}" -eq 9 ] || fail "$LINES has ${#cmds[@]} commands, this test checks 9"
run() {
        # Exactly the line, word-split as a shell would, no quoting tricks.
        OUT=$(lab_client bash -c "$1" 2>&1) || fail "'$1' failed: $OUT"
        echo "  \$ $1"
        echo "    $OUT"
}

run "${cmds[0]}"
[[ $OUT =~ ^"aytut 16 $U_AY "[0-9]+" "[0-9]+" "[0-9]+$ ]] || fail "ResolveAddress printed '$OUT'"
flags=$(awk '{print $19}' <<<"$OUT")
lab_has_flag "$flags" ANYCAST || fail "ResolveAddress flags $flags lack ANYCAST"
pass "ResolveAddress line: member1, ANYCAST"

run "${cmds[1]}"
flags=$(awk '{print $19}' <<<"$OUT")
[[ $OUT == "aytut 16 $U_AY "* ]] && lab_has_flag "$flags" ANYCAST && ! lab_has_flag "$flags" FROM_CACHE ||
        fail "ResolveAddress NO_CACHE line printed '$OUT'"
pass "ResolveAddress NO_CACHE line: probed afresh"

run "${cmds[2]}"
[[ $OUT =~ ^"a(aytut) 2 16 $U_AY "[0-9]+" "[0-9]+" "[0-9]+" 4 192 0 2 1 1048576 "[0-9]+" 0"$ ]] ||
        fail "ResolveAddresses printed '$OUT'"
flags=$(awk '{print $20}' <<<"$OUT")
lab_has_flag "$flags" ANYCAST || fail "ResolveAddresses: the anycast address's flags $flags lack ANYCAST"
pass "ResolveAddresses line: member1 ANYCAST, and the IPv4 address unchanged (NOT_PROBED)"

run "${cmds[3]}"
[[ $OUT == "a(iiay)st 1 0 10 16 $U_AY \"anycast.example\" "* ]] || fail "ResolveHostname printed '$OUT'"
pass "ResolveHostname line: anycast.example -> member1"

run "${cmds[4]}"
[ "$OUT" = 'asut 1 "anycast.example" 0 0' ] || fail "ResolveAddressName printed '$OUT'"
pass "ResolveAddressName line: 2001:db8:a::1 -> anycast.example (the hosts file, TTL 0)"

run "${cmds[5]}"
[[ $OUT =~ ^"t "[1-9][0-9]*$ ]] || fail "get-property CacheHits printed '$OUT' (one cache hit expected by now)"
pass "get-property CacheHits: $OUT"

run "${cmds[6]}"
[ "$(wc -l <<<"$OUT")" -eq 5 ] && [[ $(head -n 1 <<<"$OUT") =~ ^"u "[0-9]+$ ]] ||
        fail "get-property (5 properties) printed '$OUT'"
pass "get-property of five statistics"

run "${cmds[7]}"
[ "$(prop CacheSize)" = 0 ] || fail "FlushCaches left CacheSize at $(prop CacheSize)"
run "${cmds[8]}"
[ "$(prop CacheHits)" = 0 ] && [ "$(prop ProbesSent)" = 0 ] || fail "ResetStatistics left counters"
pass "FlushCaches and ResetStatistics lines"
daemon_alive
