#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An unmodified program by name behind ECMP: `getent ahosts
# svc.lab` (svc.lab -> LAB_ANYCAST in the client's hosts file, "hosts:
# aarp", libnss_aarp.so.2 from the build tree) lists member1, member2 and
# member3, each once, and never the anycast address; ResolveHostname lists
# them nearest first.
#
# What glibc's RFC 6724 sorting does to that order: getaddrinfo() sorts the
# module's answer (rules 1-10, with the source address the kernel would
# pick for each destination).  Here every member has the same source
# (2001:db8:1::2), scope, label and precedence, and the same common prefix
# length with that source (43 bits: 2001:db8:0001:: against 2001:db8:0011::,
# 0012::, 0013::), so no rule separates them and glibc keeps the daemon's
# order (its sort is stable on ties): what reaches the application is the
# nearest-first order.  The test asserts exactly that, so that a glibc that
# reorders shows up here.  With members in prefixes sharing more bits with
# the client's address, rule 9 (longest matching prefix) would put those
# first whatever their RTT.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/members-common.sh"

command -v getent >/dev/null || lab_die "getent is missing"
NAME=svc.lab
lab_up
lab_ecmp_up
members_nss_up "$NAME"
# MemberProbes=32: see members-discovery.sh.
lab_start_daemon "ProbeSocket=raw" "MemberProbes=32"

echo "# ResolveHostname: every member, nearest first"
out=$(lab_resolve_hostname "$NAME" 10) || fail "ResolveHostname $NAME failed"
daemon_order=$(tail -n +2 <<<"$out" | tr '\n' ' ' | sed 's/ $//')
echo "  ResolveHostname $NAME -> $daemon_order [$(flag_names "$(head -n 1 <<<"$out")")]"
lab_has_flag "$(head -n 1 <<<"$out")" ANYCAST || fail "ResolveHostname $NAME lacks ANYCAST"
# shellcheck disable=SC2086
[ "$(sorted_words $daemon_order)" = "$(sorted_words $ALL_MEMBERS)" ] ||
        fail "ResolveHostname $NAME gave '$daemon_order', expected each of '$ALL_MEMBERS' once"
# Its order is the member set's (cached by the hostname lookup).
members "$LAB_ANYCAST"
lab_has_flag "$M_FLAGS" FROM_CACHE || fail "the member set was not cached by ResolveHostname"
[ "${M_ADDRS[*]}" = "$daemon_order" ] ||
        fail "ResolveHostname order '$daemon_order' is not the member order '${M_ADDRS[*]}'"
# shellcheck disable=SC2086
expect_member_set $ALL_MEMBERS
pass "ResolveHostname $NAME: $daemon_order (nearest first, as ResolveAddressMembers)"

echo "# getent ahosts $NAME: all members, no anycast address"
got=$(ahosts "$NAME") || fail "getent ahosts $NAME failed"
getent_order=$(tr '\n' ' ' <<<"$got" | sed 's/ $//')
echo "  getent ahosts $NAME -> $getent_order"
grep -qx "$LAB_ANYCAST" <<<"$got" && fail "getent ahosts $NAME returned the anycast address: $getent_order"
# shellcheck disable=SC2086
[ "$(sorted_words $getent_order)" = "$(sorted_words $ALL_MEMBERS)" ] ||
        fail "getent ahosts $NAME gave '$getent_order', expected each of '$ALL_MEMBERS' once"
pass "getent ahosts $NAME lists member1, member2, member3 and not $LAB_ANYCAST"
[ "$getent_order" = "$daemon_order" ] ||
        fail "glibc reordered the members: getent '$getent_order', daemon '$daemon_order' (see the note at the top)"
pass "after glibc's RFC 6724 sort the order is the daemon's nearest-first order: $getent_order"

echo "# aarp-resolve by name lists every member"
out=$(lab_client env AARP_RUNTIME_DIR="$LABDIR/run" "$AARP_RESOLVE" -6 "$NAME") || fail "aarp-resolve $NAME: $out"
sed 's/^/  /' <<<"$out"
[ "$(grep -Eo '2001:db8:1[123]::2' <<<"$out" | tr '\n' ' ' | sed 's/ $//')" = "$daemon_order" ] ||
        fail "aarp-resolve $NAME printed '$out'"
pass "aarp-resolve $NAME: the same members in the same order"
daemon_alive
