#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/introspect-status.sh: aarp-resolve status against the
# lab daemon.  Every key of resolved.conf is shown with the value in force
# (the configured ones and the defaults), the probe socket is the raw one
# (the lab daemon holds CAP_NET_RAW), the runtime directory is the lab's,
# the anycast nameserver A of resolv.conf is listed, with no mapping before
# any name lookup and mapped to member1 after one, and the DNS stub is off;
# restarted with DNSStubListener=yes and DNS=A, the stub is listening on
# 127.0.0.153:53 and A is listed for it too.  --json parses with the same
# values; nobody may ask too.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/introspect-common.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR

lab_up
lab_dns_up
lab_dns_resolv "$A"
lab_start_daemon "AnycastTTL=45s" "ProbeRateLimit=77" "MemberScope=any" "AnycastPrefixes=2001:db8:a::/64"

echo "# before any name lookup"
expect_rc 0 in_client "$AARP_RESOLVE" status
echo "$OUT" | sed 's/^/  /'
mapfile -t keys < <(sed -n 's/^#\([A-Za-z]*\)=.*/\1/p' "$AARP_SOURCE_ROOT/data/resolved.conf")
[ "${#keys[@]}" -ge 20 ] || fail "found only ${#keys[@]} keys in data/resolved.conf"
for k in "${keys[@]}"; do
        grep -Eq "^ +$k:( |$)" <<<"$OUT" || fail "status does not show $k"
done
[ "$(grep -Ec '^ +[A-Za-z]+:( |$)' <<<"$OUT")" -eq "${#keys[@]}" ] ||
        fail "status shows another number of settings than resolved.conf has keys (${#keys[@]})"
for kv in "AnycastTTL: 45s" "ProbeRateLimit: 77" "MemberScope: any" "AnycastPrefixes: 2001:db8:a::/64" \
        "UnicastTTL: 300s" "ProbeTimeout: 1000ms" "DNSStubListener: no" "DNSStubListenerAddress: 127.0.0.153"; do
        grep -Eq "^ +$kv\$" <<<"$OUT" || fail "status does not show '$kv'"
done
pass "status shows all ${#keys[@]} keys of resolved.conf, configured values and defaults"
grep -qx "Probe socket: raw ICMPv6 socket (CAP_NET_RAW)" <<<"$OUT" || fail "status: probe socket not raw"
grep -qx "Runtime directory: $LABDIR/run" <<<"$OUT" || fail "status: runtime directory not $LABDIR/run"
grep -qx "  $A (no mapping cached: not probed, or not asked yet) \[names\]" <<<"$OUT" ||
        fail "status: nameserver $A not listed unmapped"
grep -qx "DNS stub listener: off" <<<"$OUT" || fail "status: stub not off"
pass "probe socket raw, runtime directory, nameserver $A not mapped yet, stub off"

echo "# after a name lookup through the anycast nameserver"
expect_rc 0 in_client "$AARP_RESOLVE" -6 svc.lab
expect_rc 0 in_client "$AARP_RESOLVE" status
line=$(grep -F "  $A " <<<"$OUT") || fail "status: nameserver $A missing: $OUT"
[[ $line =~ ^"  $A -> $U1 (anycast, ttl "([0-9]+)"s) [names]"$ ]] || fail "status: nameserver line '$line'"
ttl=${BASH_REMATCH[1]}
[ "$ttl" -ge 1 ] && [ "$ttl" -le 45 ] || fail "status: the mapping's time left is $ttl s, AnycastTTL=45s"
pass "status: $line"

expect_rc 0 in_client "$AARP_RESOLVE" --json status
python3 -c '
import json, sys
s = json.loads(sys.argv[1])
keys = sys.argv[4].split()
assert sorted(s["settings"]) == sorted(keys), s["settings"]
assert s["settings"]["AnycastTTL"] == "45s" and s["settings"]["ProbeRateLimit"] == "77", s
assert s["probe_socket"] == "raw" and s["runtime_dir"] == sys.argv[5], s
ns, = s["nameservers"]
assert ns["address"] == sys.argv[2] and ns["member"] == sys.argv[3] and ns["kind"] == "anycast", ns
assert ns["used_by"] == "names" and 1 <= ns["ttl_sec"] <= 45 and ns["flags"] & 0x10000, ns
assert s["stub"] == {"state": "off", "address": None}, s
' "$OUT" "$A" "$U1" "${keys[*]}" "$LABDIR/run" || fail "--json status: $OUT"
pass "--json status parses with the same values"

expect_rc 0 as_nobody "$AARP_RESOLVE" status
grep -q "^ *AnycastTTL: 45s$" <<<"$OUT" || fail "nobody's status differs: $OUT"
pass "nobody may ask for the status"

echo "# the DNS stub listener on, DNS=$A"
lab_stop_daemon || fail "the daemon did not exit cleanly"
lab_start_daemon "DNSStubListener=yes" "DNS=$A"
expect_rc 0 in_client "$AARP_RESOLVE" status
grep -qx "DNS stub listener: listening on 127.0.0.153:53 (UDP and TCP)" <<<"$OUT" ||
        fail "status: stub not listening: $OUT"
grep -q "^ *DNS: $A$" <<<"$OUT" || fail "status: DNS= not shown"
grep -qx "  $A (no mapping cached: not probed, or not asked yet) \[stub\]" <<<"$OUT" ||
        fail "status: DNS= nameserver not listed for the stub: $OUT"
expect_rc 0 in_client "$AARP_RESOLVE" --json status
python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["stub"] == {"state": "listening", "address": "127.0.0.153:53"}, s
assert [n["used_by"] for n in s["nameservers"]] == ["names", "stub"], s
' "$OUT" || fail "--json status with the stub: $OUT"
pass "status: stub listening on 127.0.0.153:53, DNS= listed for it"
daemon_alive
