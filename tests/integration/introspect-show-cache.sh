#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/introspect-show-cache.sh: aarp-resolve show-cache
# against the lab daemon.  After a lookup of the anycast address A and of
# svc.lab (AAAA A, through the anycast nameserver), root sees the mapping
# A -> member1 with its RTT, flags and a time left within AnycastTTL=, and
# the name svc.lab with its answer; an unknown name shows as a cached
# NoSuchName.  --json parses with the same.  uid 65534 is refused (exit 1,
# "access denied") over io.socket (the daemon's check) and over the bus
# (the policy's), and a lookup after show-cache still comes from the cache
# (looking does not change the cache).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/introspect-common.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR

lab_up
lab_dns_up
lab_dns_resolv "$A"
lab_start_daemon "AnycastTTL=50s"

expect_rc 0 in_client "$AARP_RESOLVE" "$A"
expect_rc 0 in_client "$AARP_RESOLVE" -6 svc.lab
expect_rc 1 in_client "$AARP_RESOLVE" -6 nosuch.lab

echo "# root"
expect_rc 0 in_client "$AARP_RESOLVE" show-cache
echo "$OUT" | sed 's/^/  /'
line=$(grep -F "  $A:" <<<"$OUT") || fail "show-cache does not list $A"
[[ $line =~ ^"  $A: $U1 (rtt "[0-9]+\.[0-9]{3}"ms)"(, [0-9a-f:]+ \(rtt [0-9.]+ms\))*" -- anycast, ttl "([0-9]+)"s"$ ]] ||
        fail "show-cache line for $A: '$line'"
ttl=${BASH_REMATCH[2]}
[ "$ttl" -ge 1 ] && [ "$ttl" -le 50 ] || fail "$A: time left $ttl s, AnycastTTL=50s"
pass "root: $line"
grep -Eq "^  svc\.lab AAAA: $U1 -- anycast, ttl [0-9]+s$" <<<"$OUT" || fail "show-cache does not list svc.lab"
grep -Eq "^  nosuch\.lab AAAA: NoSuchName, ttl [0-9]+s$" <<<"$OUT" || fail "show-cache does not list nosuch.lab"
pass "root: svc.lab with its member, nosuch.lab as NoSuchName"

expect_rc 0 in_client "$AARP_RESOLVE" --json show-cache
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
a = [e for e in d["addresses"] if e["address"] == sys.argv[2]]
assert len(a) == 1, d
a = a[0]
assert a["members"][0]["address"] == sys.argv[3] and a["members"][0]["rtt_usec"] > 0, a
assert a["kind"] == "anycast" and a["flags"] & 0x10000 and 1 <= a["ttl_sec"] <= 50, a
n = {(e["name"], e["type"]): e for e in d["names"]}
svc = n[("svc.lab", "AAAA")]
assert [x["address"] for x in svc["addresses"]] == [sys.argv[3]] and svc["error"] is None, svc
assert n[("nosuch.lab", "AAAA")]["error"] == "NoSuchName", n
assert d["omitted"] == 0, d
' "$OUT" "$A" "$U1" || fail "--json show-cache: $OUT"
pass "--json show-cache parses with the same"

echo "# uid 65534"
expect_rc 1 as_nobody "$AARP_RESOLVE" show-cache
[ "$ERR" = "aarp-resolve: access denied: only root may see the caches" ] || fail "nobody: stderr '$ERR'"
[ -z "$OUT" ] || fail "nobody got output: $OUT"
pass "io.socket: nobody refused, exit 1: $ERR"
# No io.socket in the runtime directory: the client falls back to the bus.
mkdir -p "$LABDIR/empty-run"
expect_rc 1 lab_client env AARP_RUNTIME_DIR="$LABDIR/empty-run" "${NOBODY[@]}" "$AARP_RESOLVE" --json show-cache
[ "$ERR" = "aarp-resolve: access denied: only root may see the caches" ] || fail "nobody (bus): stderr '$ERR'"
pass "bus: nobody refused, exit 1"
rc=0
out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" call ShowCache "()" 2>&1) || rc=$?
[ "$rc" -ne 0 ] && [[ $out == *AccessDenied* ]] || fail "nobody's ShowCache on the bus: $out"
pass "bus policy: $out"

echo "# looking changes nothing"
expect_rc 0 in_client "$AARP_RESOLVE" "$A"
[[ $OUT == "$A: $U1 -- anycast, cache, "* ]] || fail "after show-cache, $A: $OUT"
pass "$A still from the cache: $OUT"
daemon_alive
