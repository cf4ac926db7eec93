#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# aarp-resolve against the lab daemon: an anycast address resolves to the
# nearest member (probe, then cache), --json parses with the documented
# fields, a host name from the client's hosts file resolves, an unknown
# name is "not found" (1), bad input is usage (2), the verbs work, a
# program built against aarp.pc gets the member from aarp_resolv(), and
# with the daemon stopped everything says so (3) and aarp-run passes
# through.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/client-common.sh"

command -v dnsmasq >/dev/null || lab_die "dnsmasq is missing (dnsmasq-base; run tests/setup.sh)"

A=$LAB_ANYCAST
U=$LAB_MEMBER1_ADDR

lab_up
# The client namespace's own hosts and resolv.conf (ip netns exec
# bind-mounts /etc/netns/NS/* over /etc): a name for A, and a local
# dnsmasq that answers NXDOMAIN for everything else under .lab.
NETNS_ETC=/etc/netns/${LAB_PREFIX}client
# lab_down (the EXIT trap) removes it with the namespace.
mkdir -p "$NETNS_ETC"
printf '127.0.0.1 localhost\n::1 localhost\n%s anycast.lab\n' "$A" >"$NETNS_ETC/hosts"
printf 'nameserver ::1\noptions timeout:1 attempts:1\n' >"$NETNS_ETC/resolv.conf"
lab_ns client dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
        --listen-address=::1 --local=/lab/ --pid-file= --user=root --log-facility=- \
        >>"$LABDIR/dnsmasq.log" 2>&1 &
LAB_PIDS+=($!)
lab_start_daemon

# ---- an address: probe, then cache.
expect_rc 0 in_client "$AARP_RESOLVE" "$A"
[[ $OUT =~ ^"$A: $U -- anycast, probe, ttl "[0-9]+"s, rtt "[0-9]+\.[0-9]{3}ms$ ]] ||
        fail "aarp-resolve $A printed '$OUT'"
pass "aarp-resolve $A: $OUT"
expect_rc 0 in_client "$AARP_RESOLVE" "$A"
[[ $OUT =~ ^"$A: $U -- anycast, cache, ttl " ]] || fail "second aarp-resolve $A printed '$OUT', expected cache"
pass "again, from the cache: $OUT"
expect_rc 0 in_client "$AARP_RESOLVE" --no-cache -i "$LAB_CLIENT_IF" "$A"
[[ $OUT =~ ^"$A: $U -- anycast, probe, ".*", link $LAB_CLIENT_IF"$ ]] ||
        fail "aarp-resolve --no-cache -i $LAB_CLIENT_IF printed '$OUT'"
pass "--no-cache -i $LAB_CLIENT_IF: $OUT"

# ---- --json: parses, and the documented fields hold the answer.
expect_rc 0 in_client "$AARP_RESOLVE" --json "$A" "$LAB_MEMBER2_ADDR" 192.0.2.1
python3 -m json.tool <<<"$OUT" >/dev/null || fail "--json output does not parse: $OUT"
python3 -c '
import json, sys
r = json.loads(sys.argv[1])
a, m2, v4 = r
assert a["query"] == sys.argv[2] and a["type"] == "address", a
assert a["addresses"] == [{"family": "inet6", "address": sys.argv[3], "ifindex": 0}], a
assert a["kind"] == "anycast" and a["anycast"] is True and a["source"] == "cache", a
assert isinstance(a["ttl_sec"], int) and isinstance(a["rtt_usec"], int) and a["flags"] & 0x10000, a
assert m2["kind"] == "unicast" and m2["anycast"] is False and m2["source"] == "probe", m2
assert v4["addresses"][0] == {"family": "inet", "address": "192.0.2.1", "ifindex": 0}, v4
assert v4["kind"] == "not-probed" and v4["source"] == "none", v4
' "$OUT" "$A" "$U" || fail "--json fields are not as documented: $OUT"
pass "--json parses with the documented fields"

# ---- a host name (hosts file in the client namespace) and a missing one.
expect_rc 0 in_client "$AARP_RESOLVE" anycast.lab
[ "$(head -n 1 <<<"$OUT")" = "anycast.lab: $U" ] || fail "aarp-resolve anycast.lab printed '$OUT'"
grep -q -- '-- anycast' <<<"$OUT" || fail "aarp-resolve anycast.lab does not say anycast: '$OUT'"
pass "aarp-resolve anycast.lab: $(tr '\n' ' ' <<<"$OUT")"
expect_rc 0 in_client "$AARP_RESOLVE" --json -6 anycast.lab
python3 -c '
import json, sys
n, = json.loads(sys.argv[1])
assert n["type"] == "name" and n["canonical"] == "anycast.lab" and n["anycast"] is True, n
assert n["addresses"][0]["address"] == sys.argv[2], n
' "$OUT" "$U" || fail "--json for a name: $OUT"
pass "--json -6 anycast.lab parses"
expect_rc 1 in_client "$AARP_RESOLVE" nosuch.lab
[ "$ERR" = "aarp-resolve: nosuch.lab: no such host name" ] || fail "nosuch.lab: stderr '$ERR'"
pass "nosuch.lab: exit 1, '$ERR'"

# ---- bad input: exit 2, one line on stderr, the daemon is not asked.
bad() {
        local want=$1
        shift
        expect_rc 2 in_client "$AARP_RESOLVE" "$@"
        [ "$ERR" = "$want" ] || fail "aarp-resolve $*: stderr '$ERR', expected '$want'"
        pass "aarp-resolve $*: exit 2, '$ERR'"
}
bad "aarp-resolve: a..b: neither an IP address nor a valid host name" a..b
bad "aarp-resolve: unknown option '--bogus'" --bogus "$A"
bad "aarp-resolve: no such interface: 'nosuch0'" -i nosuch0 "$A"
bad "aarp-resolve: no address or host name given (see --help)"
bad "aarp-resolve: $A: an IPv6 address, but -4 was given" -4 "$A"
bad "aarp-resolve: 'statistics' takes no arguments" statistics extra

# ---- verbs.
expect_rc 0 in_client "$AARP_RESOLVE" statistics
grep -Eq 'Cache Hits: [1-9]' <<<"$OUT" || fail "statistics: '$OUT'"
expect_rc 0 in_client "$AARP_RESOLVE" --json statistics
python3 -c 'import json,sys; s=json.loads(sys.argv[1]); assert s["cache_hits"] >= 1 and "probes_sent" in s, s' "$OUT" ||
        fail "statistics --json: $OUT"
pass "statistics (text and --json)"
expect_rc 0 in_client "$AARP_RESOLVE" flush-caches
expect_rc 0 in_client "$AARP_RESOLVE" "$A"
[[ $OUT == *"anycast, probe"* ]] || fail "after flush-caches the answer is not probed afresh: '$OUT'"
expect_rc 0 in_client "$AARP_RESOLVE" reset-statistics
[ "$(prop CacheHits)" = 0 ] || fail "reset-statistics left CacheHits at $(prop CacheHits)"
pass "flush-caches and reset-statistics"
expect_rc 1 in_client setpriv --reuid=65534 --regid=65534 --clear-groups "$AARP_RESOLVE" flush-caches
[ "$ERR" = "aarp-resolve: access denied" ] || fail "flush-caches as nobody: stderr '$ERR'"
pass "flush-caches as nobody: exit 1, '$ERR'"

# ---- a program built with nothing but pkg-config aarp (uninstalled .pc).
pc_dir=$LAB_BUILD_ROOT/meson-uninstalled
[ -f "$pc_dir/aarp-uninstalled.pc" ] || fail "no $pc_dir/aarp-uninstalled.pc"
# shellcheck disable=SC2046
cc -o "$LABDIR/example" "$AARP_SOURCE_ROOT/tests/integration/aarp-resolv-example.c" \
        $(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs aarp-uninstalled) ||
        fail "cannot build a program against aarp-uninstalled.pc"
expect_rc 0 in_client env LD_LIBRARY_PATH="$LAB_BUILD_ROOT/client/libaarp" "$LABDIR/example" "$A"
[ "$(head -n 1 <<<"$OUT")" = "$U" ] || fail "aarp_resolv($A) gave '$OUT', expected $U"
pass "aarp_resolv() from a program built with pkg-config: $(tr '\n' ' ' <<<"$OUT")"

# ---- the daemon stopped: documented message and exit 3; aarp-run passes
# through unchanged (and quickly).
lab_stop_daemon || fail "the daemon did not exit cleanly"
expect_rc 3 in_client "$AARP_RESOLVE" "$A" anycast.lab
[ "$ERR" = "aarp-resolve: $A: aarp-resolved is not reachable" ] || fail "stopped daemon: stderr '$ERR'"
pass "daemon stopped: exit 3, '$ERR'"
expect_rc 3 in_client "$AARP_RESOLVE" statistics
[ "$ERR" = "aarp-resolve: aarp-resolved is not reachable" ] || fail "stopped daemon, statistics: '$ERR'"
expect_rc 1 in_client env LD_LIBRARY_PATH="$LAB_BUILD_ROOT/client/libaarp" "$LABDIR/example" "$A"
[ "$ERR" = "aarp_resolv: aarp-resolved is not reachable" ] || fail "aarp_resolv with no daemon: '$ERR'"
pass "aarp_resolv() with no daemon: '$ERR'"
t0=$(now_ms)
expect_rc 0 in_client "$AARP_RUN" "$UDP_CLIENT" "$U" 7 hello
[ "$OUT" = "[$U]:7 member1" ] || fail "aarp-run udp-client to a unicast address with no daemon: '$OUT'"
expect_rc 1 in_client "$AARP_RUN" "$UDP_CLIENT" "$A" 7 hello
pass "aarp-run with no daemon passes through ($(($(now_ms) - t0)) ms for both)"
