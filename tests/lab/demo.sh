#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/demo.sh: the README demo.  Installs what is missing and builds
# (tests/setup.sh), builds the anycast lab (tests/lab/lab.sh), and shows:
# an anycast address resolved to its nearest member, the ICMPv6 probe that
# does it, a TCP connection that hangs against the anycast address and
# succeeds against the resolved one, and the answer following the route
# when the nearest member changes.  Then removes everything.  Needs root;
# non-interactive.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
        echo "demo: run as root (it installs packages and builds network namespaces)" >&2
        exit 1
fi

bash "$top/tests/setup.sh"
export AARP_SOURCE_ROOT=$top
export AARP_BUILD_ROOT=${AARP_BUILDDIR:-$top/build}
# shellcheck source=lab.sh
source "$top/tests/lab/lab.sh"

step=0
bold='' dim='' plain=''
if [ -t 1 ]; then
        bold=$'\033[1m' dim=$'\033[2m' plain=$'\033[0m'
fi
heading() {
        step=$((step + 1))
        printf '\n%s== %d. %s%s\n' "$bold" "$step" "$*" "$plain"
}
show() {
        printf '%s$ %s%s\n' "$dim" "$*" "$plain"
}
# Print the daemon log lines written since line $1.
log_since() {
        tail -n +"$(($1 + 1))" "$LABDIR/daemon.log" | sed 's/^/    daemon: /'
}

heading "The lab: a client, a router and two anycast members"
lab_up 2>/dev/null
cat <<EOF
   client $LAB_CLIENT_ADDR ── router ─┬─ member1 $LAB_MEMBER1_ADDR
                                     └─ member2 $LAB_MEMBER2_ADDR
   Both members joined the anycast address $LAB_ANYCAST (IPV6_JOIN_ANYCAST)
   and serve HTTP on port 8080 answering their name.  The router prefers member1:
EOF
show "ip -6 route show $LAB_ANYCAST   (in the router)"
lab_ns router ip -6 route show "$LAB_ANYCAST/128" | sed 's/^/   /'
hex=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).packed.hex())' "$LAB_ANYCAST")
show "grep $hex /proc/net/anycast6   (in member1 and in member2)"
for m in member1 member2; do
        lab_ns "$m" grep "$hex" /proc/net/anycast6 | sed "s/^/   $m: /"
done

heading "TCP to the anycast address hangs"
echo "   The SYN reaches member1, which never answers a SYN sent to an anycast address."
show "curl --connect-timeout 3 http://[$LAB_ANYCAST]:8080/"
t0=$(date +%s%N)
lab_client curl -sS -g --connect-timeout 3 "http://[$LAB_ANYCAST]:8080/" 2>&1 | sed 's/^/   /' || true
echo "   -> gave up after $((($(date +%s%N) - t0) / 1000000)) ms"

heading "The probe: an ICMPv6 echo to the anycast address is answered by a member's unicast address"
show "ping -6 -c 2 $LAB_ANYCAST"
lab_ns client busybox ping -6 -c 2 "$LAB_ANYCAST" 2>&1 | sed 's/^/   /' || true
echo "   The replies come FROM $LAB_MEMBER1_ADDR, not from $LAB_ANYCAST: that source is the answer."

heading "aarp-resolved resolves the anycast address (over D-Bus)"
lab_start_daemon "ProbeTimeout=1s" 2>/dev/null
lines=$(wc -l <"$LABDIR/daemon.log")
show "busctl call org.aarp.Resolve1 /org/aarp/Resolve1 org.aarp.Resolve1.Manager ResolveAddress iayt 0 $(lab_addr_bytes "$LAB_ANYCAST") 0"
# shellcheck disable=SC2046 # the address bytes are separate arguments
busctl --system call "$LAB_BUS_NAME" "$LAB_OBJECT" "$LAB_IFACE" ResolveAddress iayt 0 \
        $(lab_addr_bytes "$LAB_ANYCAST") 0 | sed 's/^/   /'
read -r u flags ttl rtt < <(lab_resolve "$LAB_ANYCAST")
echo "   Decoded: $LAB_ANYCAST -> $u  flags $(lab_flag_names "$flags")  ttl ${ttl}s  rtt ${rtt}us"
echo "   (the second answer came from the cache; the first was a probe)"
echo "   What the daemon logged for it (--log-level debug):"
log_since "$lines"

heading "TCP to the resolved address works"
show "curl http://[$u]:8080/"
lab_client curl -sS -g --connect-timeout 3 "http://[$u]:8080/" | sed 's/^/   /'

heading "The route moves to member2: the answer follows"
show "ip -6 route replace $LAB_ANYCAST/128 via $LAB_MEMBER2_ADDR   (in the router)"
lab_route_to member2
show "busctl call ... FlushCaches"
lab_flush
lines=$(wc -l <"$LABDIR/daemon.log")
read -r u flags ttl rtt < <(lab_resolve "$LAB_ANYCAST")
echo "   $LAB_ANYCAST -> $u  flags $(lab_flag_names "$flags")  rtt ${rtt}us"
log_since "$lines"
show "curl http://[$u]:8080/"
lab_client curl -sS -g --connect-timeout 3 "http://[$u]:8080/" | sed 's/^/   /'

heading "Statistics"
for p in ProbesSent ProbeReplies AnycastFound CacheHits CacheMisses RepliesRejected; do
        printf '   %-16s %s\n' "$p" "$(lab_prop "$p")"
done

heading "Tearing the lab down"
lab_stop_daemon || true
lab_down
echo "   done: namespaces, bus and daemon removed."
