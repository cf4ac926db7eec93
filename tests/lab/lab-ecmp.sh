# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/lab/lab-ecmp.sh: equal-cost multipath for the anycast lab,
# sourced after lab.sh (which it does not change).  Adds a third member and
# splits the router's route to LAB_ANYCAST over all three:
#
#                                 ┌r1─ member1 (2001:db8:11::2)
#   client ──rc── router (ECMP) ──┼r2─ member2 (2001:db8:12::2)
#                                 └r3─ member3 (2001:db8:13::2)
#
# With net.ipv6.fib_multipath_hash_policy=0 the router hashes source,
# destination, next header and the IPv6 flow label, so echo requests that
# differ only in their flow label reach different members: what the
# daemon's member discovery (MemberProbes=) relies on.
#
#   lab_ecmp_up             member3 + the ECMP route (after lab_up)
#   lab_member_addr NAME    member1|member2|member3 -> its unicast address
#   lab_member_name ADDR    the reverse ("" if none)
#   lab_resolve_members ADDR [FLAGS] [IFINDEX]
#                           ResolveAddressMembers: prints "FLAGS TTL" (flags
#                           in hex), then one "UNICAST RTT_USEC" line per
#                           member in answer order
#   lab_resolve_hostname NAME [FAMILY] [FLAGS]
#                           ResolveHostname: prints "FLAGS", then one address
#                           per line in answer order
#
# member3 is a namespace of the lab (LAB_NAMESPACES) and its lab-member a
# process of the lab (LAB_PIDS), so lab_down removes both, on failure too.

LAB_MEMBER3_ADDR=2001:db8:13::2
LAB_ROUTER_MEMBER3_ADDR=2001:db8:13::1

lab_ecmp_up() {
        lab_add_ns member3
        lab_ns member3 sysctl -qw net.ipv6.conf.all.forwarding=1
        lab_link router r3 "$LAB_ROUTER_MEMBER3_ADDR" member3 eth0 "$LAB_MEMBER3_ADDR"
        lab_wait_for 5 lab_links_ready || lab_die "member3's link does not come up"
        ip -n "${LAB_PREFIX}member3" -6 route add default via "$LAB_ROUTER_MEMBER3_ADDR"
        lab_start_member member3

        # Policy 0 (layer 3) is the kernel default; set it anyway, since
        # it is what makes the flow label part of the hash.
        lab_ns router sysctl -qw net.ipv6.fib_multipath_hash_policy=0
        # shellcheck disable=SC2153 # LAB_MEMBER[12]_ADDR come from lab.sh
        ip -n "${LAB_PREFIX}router" -6 route replace "$LAB_ANYCAST/128" \
                nexthop via "$LAB_MEMBER1_ADDR" dev r1 \
                nexthop via "$LAB_MEMBER2_ADDR" dev r2 \
                nexthop via "$LAB_MEMBER3_ADDR" dev r3
        # Neighbour entries for member3 on the router and the route back,
        # so that no first probe waits for neighbour discovery (lab_up did
        # the same for member1 and member2).
        lab_ns client busybox ping -6 -q -c 1 -W 2 "$LAB_MEMBER3_ADDR" >/dev/null ||
                lab_die "member3 is unreachable from the client"
        lab_log "ecmp: $LAB_ANYCAST over member1, member2, member3"
}

lab_member_addr() {
        case $1 in
        member1) echo "$LAB_MEMBER1_ADDR" ;;
        member2) echo "$LAB_MEMBER2_ADDR" ;;
        member3) echo "$LAB_MEMBER3_ADDR" ;;
        *) lab_die "lab_member_addr: unknown member '$1'" ;;
        esac
}

lab_member_name() {
        case $1 in
        "$LAB_MEMBER1_ADDR") echo member1 ;;
        "$LAB_MEMBER2_ADDR") echo member2 ;;
        "$LAB_MEMBER3_ADDR") echo member3 ;;
        *) echo "" ;;
        esac
}

lab_resolve_members() {
        local addr=$1 flags=${2:-0} ifindex=${3:-0} out
        # shellcheck disable=SC2046
        out=$(busctl --system --json=short --timeout=60 call "$LAB_BUS_NAME" "$LAB_OBJECT" \
                "$LAB_IFACE" ResolveAddressMembers iayt "$ifindex" $(lab_addr_bytes "$addr") "$flags") ||
                return 1
        python3 -c '
import ipaddress, json, sys
members, flags, ttl = json.loads(sys.argv[1])["data"]
print(hex(flags), ttl)
for address, rtt in members:
    print(ipaddress.ip_address(bytes(address)), rtt)' "$out"
}

lab_resolve_hostname() {
        local name=$1 family=${2:-0} flags=${3:-0} out
        out=$(busctl --system --json=short --timeout=60 call "$LAB_BUS_NAME" "$LAB_OBJECT" \
                "$LAB_IFACE" ResolveHostname isit 0 "$name" "$family" "$flags") || return 1
        python3 -c '
import ipaddress, json, sys
addresses, canonical, flags = json.loads(sys.argv[1])["data"]
print(hex(flags))
for ifindex, family, address in addresses:
    print(ipaddress.ip_address(bytes(address)))' "$out"
}
