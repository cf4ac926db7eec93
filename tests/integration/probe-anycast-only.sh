#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ProbeAddresses=anycast-only: only AnycastPrefixes=, RFC 2526 reserved
# subnet anycast and Subnet-Router anycast addresses are probed; ordinary
# addresses come back unchanged with NOT_PROBED and cost no probe.
source "$(dirname "$0")/common.sh"

lab_up
lab_start_daemon "ProbeAddresses=anycast-only" "AnycastPrefixes=2001:db8:a::/64" \
        "ProbeTimeout=300ms" "ProbeRetries=0"

expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
pass "an address inside AnycastPrefixes= is probed and mapped"

probes0=$(prop ProbesSent)
expect_resolve "$LAB_MEMBER1_ADDR" "$LAB_MEMBER1_ADDR" NOT_PROBED
expect_resolve "$LAB_SILENT" "$LAB_SILENT" NOT_PROBED
[ "$(prop ProbesSent)" -eq "$probes0" ] || fail "addresses outside the probe set were probed"
pass "ordinary addresses: NOT_PROBED, no probe"

# The router (forwarding=1) holds the Subnet-Router anycast address of each
# of its links (RFC 4291 2.6.1) and answers from a unicast address of its own.
resolve 2001:db8:11::
lab_has_flag "$R_FLAGS" NOT_PROBED && fail "Subnet-Router anycast 2001:db8:11:: was not probed"
lab_has_flag "$R_FLAGS" ANYCAST || fail "Subnet-Router anycast 2001:db8:11:: not mapped (flags $(lab_flag_names "$R_FLAGS"))"
case $R_UNICAST in
"$LAB_ROUTER_CLIENT_ADDR" | "$LAB_ROUTER_MEMBER1_ADDR") ;;
*) fail "Subnet-Router anycast 2001:db8:11:: mapped to $R_UNICAST, not to a router address" ;;
esac
pass "Subnet-Router anycast 2001:db8:11:: is probed: answered by the router ($R_UNICAST)"

# RFC 2526: the highest 128 interface IDs of a /64 are reserved anycast.
probes0=$(prop ProbesSent)
resolve 2001:db8:11:0:fdff:ffff:ffff:fffe
lab_has_flag "$R_FLAGS" NOT_PROBED && fail "RFC 2526 address was not probed"
[ "$(prop ProbesSent)" -gt "$probes0" ] || fail "RFC 2526 address sent no probe"
pass "RFC 2526 reserved subnet anycast address is probed ($(lab_flag_names "$R_FLAGS"))"
daemon_alive
