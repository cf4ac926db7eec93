#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/limits.sh: the daemon's limits.
#   - Name length: 253 characters (RFC 1035 presentation form, labels of
#     at most 63) is a name, also with a trailing dot; 254 is InvalidName,
#     on the bus and in aarp-resolve (exit 2, bad input).
#   - Answers per name: a hosts-file name with 70 addresses (IPv4, and
#     IPv6 not probed under ProbeAddresses=anycast-only) gives exactly
#     AARP_ADDRESSES_MAX (64).
#   - Requests in flight per user (RequestsPerClient=5): nobody's 50
#     concurrent lookups of silent addresses: at most 5 served, the rest
#     LimitExceeded at once, counted in RequestsRejected; root is exempt.
#   - Fresh probes per user (ProbeRateLimit=1, ProbeRateBurst=20):
#     nobody's 100 cache misses at once: the burst and what the rate
#     allows in the elapsed time are served, the rest LimitExceeded naming
#     ProbeRateLimit=; cached answers are still served to nobody with an
#     empty bucket; root is exempt; the bucket refills.
#   - The same limit holds for probes caused by host names: a name's
#     answer (up to 64 addresses, chosen by whoever runs its DNS zone) is
#     probed address by address, and NO_CACHE re-probes them all, so
#     without it any user could make the daemon scan: nobody's three
#     ResolveHostname(big.lab, NO_CACHE) calls (50 addresses) may cause no
#     more echo requests than the bucket allows (ProbeRateBurst=5, 1/s);
#     the same name cached by root is still served to nobody.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
AARP_RESOLVE=$LAB_BUILD_ROOT/client/cli/aarp-resolve
ADDRESSES_MAX=$(awk '$2 == "AARP_ADDRESSES_MAX" { print $3 + 0 }' "$AARP_SOURCE_ROOT/include/aarp-def.h")
NAME_MAX=$(awk '$2 == "AARP_NAME_MAX" { print $3 + 0 }' "$AARP_SOURCE_ROOT/include/aarp-def.h")
[ "$ADDRESSES_MAX" -gt 0 ] && [ "$NAME_MAX" -gt 0 ] || lab_die "cannot read the limits from aarp-def.h"

lab_up
lab_dns_up
for ((i = 1; i <= ADDRESSES_MAX + 6; i++)); do
        printf '192.0.2.%d many4.lab\n2001:db8:77::%x many6.lab\n' "$i" "$i"
done >>"$LAB_NETNS_ETC/hosts"

# name N: a syntactically valid name of exactly N characters under .lab.
name_of() {
        python3 -c '
import sys
n = int(sys.argv[1]); labels = []; left = n - len(".lab")
while left > 0:
    l = min(63, left if left <= 63 else 62)
    labels.append("a" * l); left -= l + 1
s = ".".join(labels) + ".lab"
s = s[len(s) - n:] if len(s) > n else s
assert len(s) == n and all(0 < len(x) <= 63 for x in s.split(".")), (len(s), s)
print(s)' "$1"
}

echo "# name length and answers per name"
lab_start_daemon "ProbeAddresses=anycast-only" "AnycastPrefixes=2001:db8:a::/64"
for n in "$NAME_MAX" "$NAME_MAX." $((NAME_MAX + 1)); do
        len=${n%.}
        name=$(name_of "$len")
        [ "$n" = "$len" ] || name="$name."
        out=$(lab_call ResolveHostname "(0, '$name', 0, uint64 0)" 2>&1) || true
        echo "  ${#name}-character name: ${out:0:80}"
        if [ "$len" -le "$NAME_MAX" ]; then
                [[ $out == "ERROR org.aarp.Resolve1.Error.NoSuchName:"* ]] ||
                        fail "a ${#name}-character name was not looked up (expected NoSuchName): $out"
        else
                [[ $out == "ERROR org.aarp.Resolve1.Error.InvalidName:"* ]] ||
                        fail "a ${#name}-character name was not refused with InvalidName: $out"
                rc=0
                err=$(lab_client env AARP_RUNTIME_DIR="$LABDIR/run" "$AARP_RESOLVE" "$name" 2>&1 >/dev/null) || rc=$?
                echo "  aarp-resolve: exit $rc: $err"
                [ "$rc" -eq 2 ] || [ "$rc" -eq 1 ] || fail "aarp-resolve with a ${#name}-character name exited $rc: $err"
        fi
done
pass "names: $NAME_MAX characters looked up (with a trailing dot too), $((NAME_MAX + 1)) refused with InvalidName"

for fam in 2 10; do
        out=$(lab_call ResolveHostname "(0, 'many$([ $fam = 2 ] && echo 4 || echo 6).lab', $fam, uint64 0)") ||
                fail "many.lab family $fam: $out"
        # The reply prints each address as "(IFINDEX, FAMILY, [byte ...])".
        n=$(grep -oE "\([0-9]+, $fam, (@ay )?\[" <<<"$out" | wc -l) || true
        [ "$n" -eq "$ADDRESSES_MAX" ] || fail "a name with $((ADDRESSES_MAX + 6)) addresses (family $fam) gave $n, expected $ADDRESSES_MAX"
        pass "family $fam: $((ADDRESSES_MAX + 6)) addresses in the hosts file, $n answered (AARP_ADDRESSES_MAX)"
done
lab_stop_daemon || fail "the daemon did not stop cleanly"

# burst_errors FILE: the D-Bus error names lab-dbus reported, counted.
burst_errors() { sed -n 's/^lab-dbus: [^ ]*: error \([^:]*\):.*/\1/p' "$1" | sort | uniq -c; }
# burst_field OUT NAME: a number from lab-dbus burst's summary line.
burst_field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$1"; }

echo "# requests in flight per user (RequestsPerClient=5)"
# The 5 served lookups hold their slots for the whole probe timeout: 5 s
# is far longer than the burst takes to arrive even on a loaded machine,
# so no slot frees up before the last of the 50 is refused.
lab_start_daemon "RequestsPerClient=5" "ProbeRateLimit=0" "ProbeTimeout=5s" "ProbeRetries=0"
rej0=$(prop RequestsRejected)
out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" burst "$LAB_SILENT" 50 self 0x40000 4 2>"$LABDIR/burst.err") || true
echo "  nobody, 50 silent addresses at once: $out"
ok=$(burst_field "$out" ok)
errors=$(burst_field "$out" errors)
[ "$ok" -ge 1 ] && [ "$ok" -le 5 ] || fail "nobody got $ok of 50 concurrent lookups served with RequestsPerClient=5"
[ "$errors" -eq $((50 - ok)) ] || fail "nobody: $ok served, $errors errors, $(burst_field "$out" wrong) wrong of 50"
[ "$(burst_errors "$LABDIR/burst.err" | awk '{ print $2 }')" = org.aarp.Resolve1.Error.LimitExceeded ] ||
        fail "errors other than LimitExceeded: $(burst_errors "$LABDIR/burst.err")"
rej=$(($(prop RequestsRejected) - rej0))
[ "$rej" -ge $((errors < 10 ? errors : 10)) ] || fail "RequestsRejected grew by $rej for $errors refusals"
pass "nobody: $ok in flight served, $errors refused with LimitExceeded (RequestsRejected +$rej)"
out=$("$LAB_DBUS_BIN" burst 2001:db8:dead::100 50 self 0x40000 4) || fail "root's 50 concurrent lookups: $out"
pass "root is exempt: $out"
lab_stop_daemon || fail "the daemon did not stop cleanly"

echo "# fresh probes per user (ProbeRateLimit=1, ProbeRateBurst=20)"
# One token a second: a check right after the bucket is emptied usually
# finds it empty, but a loaded machine can delay it past the next token,
# so checks that need an empty bucket empty it again and retry.
lab_start_daemon "ProbeRateLimit=1" "ProbeRateBurst=20" "RequestsPerClient=0" "MemberProbes=0"
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" 100 "$LAB_MEMBER1_ADDR" 0x10000 4 2>"$LABDIR/burst.err") || true
echo "  nobody, 100 fresh addresses at once: $out"
ok=$(burst_field "$out" ok)
errors=$(burst_field "$out" errors)
elapsed=$(burst_field "$out" elapsed_ms)
allowed=$((20 + elapsed / 1000 + 1))
[ "$ok" -ge 20 ] && [ "$ok" -le "$allowed" ] ||
        fail "nobody got $ok of 100 fresh probes in $elapsed ms (burst 20, rate 1/s: expected 20..$allowed)"
[ "$errors" -eq $((100 - ok)) ] || fail "nobody: $ok served, $errors errors of 100"
[ "$(burst_errors "$LABDIR/burst.err" | awk '{ print $2 }')" = org.aarp.Resolve1.Error.LimitExceeded ] ||
        fail "errors other than LimitExceeded: $(burst_errors "$LABDIR/burst.err")"
grep -q 'ProbeRateLimit' "$LABDIR/burst.err" || fail "the LimitExceeded message does not name ProbeRateLimit=: $(head -n 1 "$LABDIR/burst.err")"
pass "nobody: $ok fresh probes served, $errors refused: $(sed -n 's/^lab-dbus: [^ ]*: error //p' "$LABDIR/burst.err" | head -n 1)"
out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" call ResolveAddress "(0, [byte $(lab_addr_bytes "$LAB_ANYCAST" | cut -d' ' -f2- | sed 's/ /, /g')], uint64 0)") ||
        fail "nobody with an empty bucket cannot get a cached answer: $out"
pass "nobody with an empty bucket still gets cached answers"
# aarp-resolve with nobody's bucket empty: "limit exceeded", exit 1.  If a
# token came back before it ran (its start-up took over a second), it is
# rightly served: empty the bucket again and retry with a fresh address.
over=
for i in $(seq 1 10); do
        addr=2001:db8:b::$(printf %x $((0x3e6 + i)))
        rc=0
        err=$(lab_client env AARP_RUNTIME_DIR="$LABDIR/run" "${NOBODY[@]}" "$AARP_RESOLVE" "$addr" 2>&1) || rc=$?
        echo "  nobody: aarp-resolve $addr: exit $rc: $err"
        if [ "$rc" -eq 1 ] && [[ $err == *"limit exceeded"* ]]; then
                over=1
                break
        fi
        [ "$rc" -eq 0 ] || fail "aarp-resolve over the limit: exit $rc, '$err'"
        "${NOBODY[@]}" "$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" 100 "$LAB_MEMBER1_ADDR" 0x10000 4 >/dev/null 2>&1 || true
done
[ -n "$over" ] || fail "aarp-resolve over the limit: served in 10 tries, each right after nobody's bucket was emptied"
out=$("$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" 300 "$LAB_MEMBER1_ADDR" 0x10000 4) || fail "root's 300 fresh probes: $out"
pass "root is exempt: $out"
lab_flush
sleep 2.5
out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" 2 "$LAB_MEMBER1_ADDR" 0x10000 1) ||
        fail "nobody's bucket did not refill after 2.5 s at 1/s: $out"
pass "the bucket refills: 2 fresh probes served 2.5 s later"
lab_stop_daemon || fail "the daemon did not stop cleanly"

echo "# fresh probes caused by host names (ProbeRateLimit=1, ProbeRateBurst=5)"
lab_start_daemon "ProbeRateLimit=1" "ProbeRateBurst=5" "RequestsPerClient=0" "MemberProbes=0"
# The nameserver (the anycast address) resolved once, by root.
lab_call ResolveHostname "(0, 'svc.lab', 10, uint64 0)" >/dev/null || fail "root cannot resolve svc.lab"
p0=$(prop ProbesSent)
t0=$(now_ms)
for i in 1 2 3; do
        out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" call ResolveHostname "(0, 'big.lab', 10, uint64 1)" 2>&1) || true
        echo "  nobody ResolveHostname(big.lab, NO_CACHE) #$i: $(grep -o '(0, 10, ' <<<"$out" | wc -l) addresses ${out:0:70}; ProbesSent +$(($(prop ProbesSent) - p0))"
done
sent=$(($(prop ProbesSent) - p0))
allowed=$((5 + ($(now_ms) - t0) / 1000 + 1 + 2))
[ "$sent" -le "$allowed" ] ||
        fail "nobody's host name lookups caused $sent echo requests with ProbeRateLimit=1/ProbeRateBurst=5 (at most $allowed): ResolveHostname bypasses the fresh-probe limit"
pass "host names: nobody caused $sent echo requests (at most $allowed)"
# A name root has resolved is served to nobody from the cache, whatever
# nobody's bucket holds: the limit is on probes, not on lookups.
lab_call ResolveHostname "(0, 'big.lab', 10, uint64 0)" >/dev/null || fail "root cannot resolve big.lab"
out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" call ResolveHostname "(0, 'big.lab', 10, uint64 0)" 2>&1) ||
        fail "nobody cannot get the cached answer for big.lab: ${out:0:200}"
pass "a cached name is served to nobody with an empty bucket ($(grep -o '(0, 10, ' <<<"$out" | wc -l) addresses)"
daemon_alive
