#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/names-partial-answer-cached.sh: a nameserver that
# answers AAAA but refuses A - dnsmasq without --local does that for the A
# of an AAAA-only name, as partial and split setups do - must not leave the
# answer uncacheable.  The client namespace's only nameserver is such a
# dnsmasq (--log-queries); getent ahosts v6only.lab twice, then
# ResolveHostname over D-Bus (the daemon's name cache, not the snapshot):
# the server sees the first lookup's queries and nothing after.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

NS=127.0.0.53
V6=$LAB_MEMBER2_ADDR # a plain unicast host: probed, unchanged

lab_up
lab_dns_up
lab_spawn client "$LABDIR/refusing.log" "$LABDIR/refusing.log" \
        dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
        --host-record="v6only.lab,$V6" --local-ttl=60 \
        --bind-interfaces --listen-address="$NS" --port=53 \
        --user=root --pid-file= --log-facility=- --log-queries
lab_wait_for 5 lab_ns client bash -c "exec 3<>/dev/tcp/$NS/53" ||
        fail "the refusing dnsmasq does not listen: $(cat "$LABDIR/refusing.log")"
lab_dns_resolv "$NS"
lab_start_daemon

queries() { grep -c "query\[[A-Z]*\] v6only.lab from" "$LABDIR/refusing.log" || true; }

expect_addrs v6only.lab "$V6"
first=$(queries)
[ "$first" -ge 2 ] || fail "the first lookup reached the server with $first queries, expected AAAA and A"
pass "first getent: $first queries (AAAA answered, A refused)"

expect_addrs v6only.lab "$V6"
out=$(lab_call ResolveHostname "(0, 'v6only.lab', 0, uint64 0)") || fail "ResolveHostname v6only.lab: $out"
flags=$(sed -n 's/.*uint64 \([0-9]*\).*/\1/p' <<<"$out" | tail -1)
[ -n "$flags" ] && lab_has_flag "$(printf '0x%x' "$flags")" FROM_CACHE ||
        fail "ResolveHostname v6only.lab was not answered from the name cache: $out"
pass "ResolveHostname v6only.lab: from the name cache ($out)"
now=$(queries)
[ "$now" -eq "$first" ] ||
        fail "later lookups reached the server: $now queries after the first lookup's $first"
pass "later lookups sent no query ($now in all)"
daemon_alive
pass "names-partial-answer-cached"
