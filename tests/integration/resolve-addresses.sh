#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/resolve-addresses.sh: ResolveAddresses, many addresses
# in one call, on the bus and on io.socket.
#   - One call with the anycast address, a member's unicast address, a
#     silent address and an IPv4 address: four answers in order, each what
#     ResolveAddress gives (member1 ANYCAST, itself UNICAST, itself
#     NO_REPLY, itself NOT_PROBED); an empty call gives no answers.
#   - 1000 distinct anycast addresses in 4 calls of 250, over the bus and
#     over io.socket: every answer member1 with ANYCAST, one echo request
#     each (ProbesSent grows by the count, MemberProbes=0), and again all
#     FROM_CACHE.
#   - Arguments: more than AARP_BATCH_MAX addresses is LimitExceeded, an
#     address of 5 bytes InvalidAddress naming its index, unknown flags
#     InvalidFlags, a link-local address without an interface
#     InvalidInterface before any echo request; the daemon keeps serving.
#   - Limits hold per address: for nobody with ProbeRateBurst=20, a call
#     needing 50 fresh probes is LimitExceeded and sends none, one needing
#     10 is served; with RequestsPerClient=5 a call of 6 addresses is
#     LimitExceeded; root is exempt from both.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
BATCH_MAX=$(awk '$2 == "AARP_BATCH_MAX" { print $3 + 0 }' "$AARP_SOURCE_ROOT/include/aarp-def.h")
[ "$BATCH_MAX" -gt 0 ] || lab_die "cannot read AARP_BATCH_MAX from aarp-def.h"

# gv_bytes ADDR: the address as GVariant text "[byte 0x20, ...]".
gv_bytes() {
        python3 -c 'import ipaddress,sys; print("[" + ", ".join("byte %d" % b for b in ipaddress.ip_address(sys.argv[1]).packed) + "]")' "$1"
}
# gv_many BASE N: N addresses BASE+1 .. BASE+N as GVariant text "[[byte ...], ...]".
gv_many() {
        python3 -c '
import ipaddress, sys
base = int(ipaddress.ip_address(sys.argv[1])); n = int(sys.argv[2])
print("[" + ", ".join("[" + ", ".join("byte %d" % b for b in ipaddress.ip_address(base + i).packed) + "]" for i in range(1, n + 1)) + "]")' "$1" "$2"
}
burst_field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$1"; }

lab_up
lab_start_daemon "ProbeTimeout=1s" "ProbeRetries=0"

echo "# one call, four kinds of address"
out=$(lab_call ResolveAddresses "(0, [$(gv_bytes "$LAB_ANYCAST"), $(gv_bytes "$LAB_MEMBER2_ADDR"), $(gv_bytes "$LAB_SILENT"), $(gv_bytes 192.0.2.7)], uint64 0)") ||
        fail "ResolveAddresses: $out"
echo "  $out"
python3 - "$out" "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" "$LAB_MEMBER2_ADDR" "$LAB_SILENT" <<'PY' || fail "wrong answers: $out"
import ipaddress, re, sys
out, anycast, m1, m2, silent = sys.argv[1:]
answers = re.findall(r"\(\[([^][(]*)\], (?:uint64 )?(\d+), (?:uint32 )?(\d+), (?:uint64 )?(\d+)\)", out)
assert len(answers) == 4, answers
def addr(text):
    b = bytes(int(x.replace("byte", "").strip(), 0) for x in text.split(","))
    return str(ipaddress.ip_address(b))
want = [(m1, 0x10000), (m2, 0x80000), (silent, 0x40000), ("192.0.2.7", 0x100000)]
for (a, flags, ttl, rtt), (wa, wf) in zip(answers, want):
    assert addr(a) == wa, (addr(a), wa)
    assert int(flags) & wf == wf, (hex(int(flags)), hex(wf))
PY
pass "answers in order: anycast -> member1 ANYCAST, member2 UNICAST, silent NO_REPLY, IPv4 NOT_PROBED"
out=$(lab_call ResolveAddresses "(0, @aay [], uint64 0)") || fail "empty ResolveAddresses: $out"
[ "$out" = "(@a(aytut) [],)" ] || fail "an empty call answered $out"
pass "no addresses: no answers"

echo "# 1000 addresses in 4 calls of 250"
for transport in bus p2p; do
        lab_stop_daemon
        lab_start_daemon "ProbeTimeout=1s" "ProbeRetries=1" "MemberProbes=0"
        peer=
        [ "$transport" = bus ] || peer="unix:path=$LABDIR/run/io.socket"
        probes0=$(prop ProbesSent)
        out=$(LAB_DBUS_PEER=$peer LAB_DBUS_BATCH=250 "$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" "$LAB_BURST_COUNT" \
                "$LAB_MEMBER1_ADDR" 0x10000 2) || fail "$transport: batch burst: $out"
        echo "  $transport: $out"
        sent=$(($(prop ProbesSent) - probes0))
        [ "$sent" -ge "$LAB_BURST_COUNT" ] && [ "$sent" -le $((LAB_BURST_COUNT + LAB_BURST_COUNT / 10)) ] ||
                fail "$transport: $sent echo requests for $LAB_BURST_COUNT addresses"
        out=$(LAB_DBUS_PEER=$peer LAB_DBUS_BATCH=250 "$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" "$LAB_BURST_COUNT" \
                "$LAB_MEMBER1_ADDR" 0x30000 2) || fail "$transport: cached batch burst: $out"
        pass "$transport: $LAB_BURST_COUNT addresses in 4 calls, all member1 ($sent echo requests), again all FROM_CACHE"
done

echo "# bad arguments"
# (Too long for a command line as GVariant text: lab-dbus builds it.)
out=$(LAB_DBUS_BATCH=$((BATCH_MAX + 1)) "$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" $((BATCH_MAX + 1)) self 0 1 2>&1) || true
echo "  $((BATCH_MAX + 1)) addresses in one call: ${out:0:200}"
[[ $out == *"error org.aarp.Resolve1.Error.LimitExceeded: "*"at most $BATCH_MAX"* ]] ||
        fail "$((BATCH_MAX + 1)) addresses: ${out:0:300}"
out=$(lab_call ResolveAddresses "(0, [$(gv_bytes "$LAB_ANYCAST"), [byte 1, 2, 3, 4, 5]], uint64 0)" 2>&1) || true
[[ $out == "ERROR org.aarp.Resolve1.Error.InvalidAddress: address 1 "* ]] || fail "5-byte address: $out"
echo "  $out"
out=$(lab_call ResolveAddresses "(0, [$(gv_bytes "$LAB_ANYCAST")], uint64 0x8000)" 2>&1) || true
[[ $out == "ERROR org.aarp.Resolve1.Error.InvalidFlags:"* ]] || fail "unknown flags: $out"
# A link-local address without an interface fails the call before any
# other address of it is probed.
probes0=$(prop ProbesSent)
out=$(lab_call ResolveAddresses "(0, $(gv_many 2001:db8:b::200 20 | sed 's/]$//'), $(gv_bytes fe80::1)], uint64 0)" 2>&1) || true
[[ $out == "ERROR org.aarp.Resolve1.Error.InvalidInterface: address 20 "* ]] || fail "link-local without ifindex: $out"
[ "$(prop ProbesSent)" -eq "$probes0" ] || fail "a refused call sent $(($(prop ProbesSent) - probes0)) echo requests"
echo "  $out"
daemon_alive
pass "more than $BATCH_MAX addresses LimitExceeded, a 5-byte address InvalidAddress, unknown flags InvalidFlags, link-local without an interface InvalidInterface with nothing sent"

echo "# per-address limits"
lab_stop_daemon
lab_start_daemon "ProbeRateLimit=1" "ProbeRateBurst=20" "ProbeTimeout=1s" "ProbeRetries=0"
probes0=$(prop ProbesSent)
out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" call ResolveAddresses "(0, $(gv_many 2001:db8:b::1000 50), uint64 0)" 2>&1) || true
[[ $out == "ERROR org.aarp.Resolve1.Error.LimitExceeded:"*ProbeRateLimit* ]] || fail "nobody, 50 fresh probes: ${out:0:200}"
[ "$(prop ProbesSent)" -eq "$probes0" ] || fail "a refused call sent $(($(prop ProbesSent) - probes0)) echo requests"
echo "  nobody, 50 fresh probes: $out"
out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" call ResolveAddresses "(0, $(gv_many 2001:db8:b::100 5), uint64 0)" 2>&1) ||
        fail "nobody, 5 fresh addresses: $out"
[ "$(grep -o '0x20, 0x01, 0x0d, 0xb8, 0x00, 0x11' <<<"$out" | wc -l)" -eq 5 ] ||
        fail "nobody's 5 addresses did not all resolve to member1: $out"
out=$(lab_call ResolveAddresses "(0, $(gv_many 2001:db8:b::3000 50), uint64 0)") || fail "root, 50 addresses: ${out:0:200}"
lab_stop_daemon
lab_start_daemon "RequestsPerClient=5"
out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" call ResolveAddresses "(0, $(gv_many 2001:db8:b::1000 6), uint64 0)" 2>&1) || true
[[ $out == "ERROR org.aarp.Resolve1.Error.LimitExceeded:"*RequestsPerClient* ]] || fail "nobody, 6 addresses: ${out:0:200}"
echo "  nobody, 6 addresses with RequestsPerClient=5: $out"
out=$(lab_call ResolveAddresses "(0, $(gv_many 2001:db8:b::100 6), uint64 0)") || fail "root, 6 addresses: ${out:0:200}"
pass "nobody: 50 fresh probes refused (none sent), 6 addresses over RequestsPerClient=5 refused, 5 served; root exempt"
daemon_alive
