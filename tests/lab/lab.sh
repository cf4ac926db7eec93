# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/lab/lab.sh: the anycast lab, a sourceable bash library.
#
#   client eth0 (2001:db8:1::2) ──rc── router ─r1─ member1 (2001:db8:11::2)
#          eth1 (2001:db8:2::2) ──rc2─┘        └r2─ member2 (2001:db8:12::2)
#
# Both members join the anycast address LAB_ANYCAST (2001:db8:a::1) with
# IPV6_JOIN_ANYCAST (lab-member) and serve HTTP on 8080 and a UDP "echo"
# on 7 that answer their name.  The router routes LAB_ANYCAST/128 to member1
# (lab_route_to moves it), blackholes LAB_SILENT's /64 (no reply, no ICMP
# error) and routes LAB_BURST_PREFIX (/112) to member1, which answers for
# every address in it (1000 anycast addresses it joins).
#
# Two kinds of "the nearest member moves": lab_route_to changes the
# router's route (invisible to the client: the daemon's cache must be
# flushed), lab_client_uplink switches the client's own route for
# LAB_ANYCAST between its two links, and the router sends what arrives on
# the second link to member2 (policy rule "iif rc2"); that change happens
# in the client's namespace, where the daemon sees it on netlink.  A private system bus
# (dbus-daemon, policy = the tree's data/org.aarp.Resolve1.conf) and the
# daemon from the build tree, run inside the client namespace, complete it.
#
# Every namespace name starts with a per-run prefix (aarp-PID-), so several
# runs can coexist; nothing outside those namespaces and $LABDIR is touched.
# Sourcing installs lab_down as a trap on EXIT, INT and TERM.
#
#   lab_up                      build the namespaces, members and bus
#   lab_start_daemon [LINE...]  write $LABDIR/resolved.conf ([Resolve] + LINEs),
#                               start aarp-resolved, wait for its bus name
#   lab_stop_daemon             SIGTERM it, wait (bounded); returns its status
#   lab_route_to member1|member2   (router side)
#   lab_client_uplink 1|2          (client side: 1 -> member1, 2 -> member2
#                                   unless lab_route_to moved it)
#   lab_ns NAME CMD...          run CMD in namespace NAME (client, router, ...)
#   lab_spawn NAME OUT ERR CMD... the same in the background; pid in LAB_SPAWNED
#   lab_client CMD...           run CMD in the client namespace with the bus env
#   lab_resolve ADDR [FLAGS] [IFINDEX]  -> "UNICAST FLAGS TTL RTT" (flags hex)
#   lab_call METHOD 'GVARIANT'  -> reply text or "ERROR name: message"
#   lab_prop NAME               -> the property's value
#   lab_has_flag FLAGS NAME     true if FLAGS (hex) has ANYCAST, NO_REPLY, ...
#   lab_down                    remove everything (idempotent), including
#                               /etc/netns/<our namespaces> that tests wrote
#
# Environment: AARP_SOURCE_ROOT, AARP_BUILD_ROOT (default: the source tree
# and its build/), LAB_KEEP=1 keeps $LABDIR for debugging.

LAB_SOURCE_ROOT=${AARP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_BUILD_ROOT=${AARP_BUILD_ROOT:-$LAB_SOURCE_ROOT/build}
LAB_DAEMON=$LAB_BUILD_ROOT/resolverd/aarp-resolved
LAB_MEMBER_BIN=$LAB_BUILD_ROOT/tests/lab/lab-member
LAB_FORGE_BIN=$LAB_BUILD_ROOT/tests/lab/forge-replies
LAB_DBUS_BIN=$LAB_BUILD_ROOT/tests/lab/lab-dbus

LAB_PREFIX="aarp-$$-"
LAB_CLIENT_ADDR=2001:db8:1::2
LAB_ROUTER_CLIENT_ADDR=2001:db8:1::1
LAB_CLIENT_ADDR2=2001:db8:2::2
LAB_ROUTER_CLIENT_ADDR2=2001:db8:2::1
LAB_MEMBER1_ADDR=2001:db8:11::2
LAB_ROUTER_MEMBER1_ADDR=2001:db8:11::1
LAB_MEMBER2_ADDR=2001:db8:12::2
LAB_ROUTER_MEMBER2_ADDR=2001:db8:12::1
LAB_ANYCAST=2001:db8:a::1
LAB_SILENT=2001:db8:dead::1
LAB_BURST_PREFIX=2001:db8:b::
# shellcheck disable=SC2034 # used by the tests
LAB_ATTACKER=2001:db8:66::66
# member1 also holds LAB_BURST_PREFIX+1 .. +LAB_BURST_COUNT as anycast.
LAB_BURST_COUNT=1000
mapfile -t LAB_BURST_ADDRS < <(for ((i = 1; i <= LAB_BURST_COUNT; i++)); do
        printf '%s%x\n' "$LAB_BURST_PREFIX" "$i"
done)
# Interface names inside the namespaces.
LAB_CLIENT_IF=eth0
LAB_ROUTER_CLIENT_IF=rc

LAB_BUS_NAME=org.aarp.Resolve1
LAB_OBJECT=/org/aarp/Resolve1
LAB_IFACE=org.aarp.Resolve1.Manager

LABDIR=
LAB_PIDS=()
LAB_NAMESPACES=()
LAB_DAEMON_PID=
LAB_SPAWNED=
LAB_BUS_PID=
LAB_DOWN_DONE=

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() {
        printf 'lab: FAIL: %s\n' "$*" >&2
        exit 1
}

# Exit 77 (skip) unless we can build namespaces. CI runs as root, where a
# skip counts as a failure (tests/run-tests.sh).
lab_require() {
        if [ "$(id -u)" -ne 0 ]; then
                echo "lab: needs root (network namespaces); skipping" >&2
                exit 77
        fi
        if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
                echo "lab: 'ip netns' is not available; skipping" >&2
                exit 77
        fi
        local tool
        for tool in dbus-daemon busctl python3 timeout; do
                command -v "$tool" >/dev/null || lab_die "$tool is missing (run tests/setup.sh)"
        done
        for tool in "$LAB_MEMBER_BIN" "$LAB_FORGE_BIN" "$LAB_DBUS_BIN"; do
                [ -x "$tool" ] || lab_die "$tool is not built (AARP_BUILD_ROOT=$LAB_BUILD_ROOT)"
        done
}

lab_ns() {
        local ns=$1
        shift
        ip netns exec "$LAB_PREFIX$ns" "$@"
}

# lab_spawn NS OUT ERR CMD...: start CMD in the background in namespace NS
# (stdout to OUT, stderr to ERR); its pid (CMD's own: ip netns exec execs
# it) goes to LAB_SPAWNED and into the list lab_down kills.  Not "lab_ns
# ... &": that would background a subshell, and $! would be its pid.
lab_spawn() {
        local ns=$1 out=$2 err=$3
        shift 3
        ip netns exec "$LAB_PREFIX$ns" "$@" >>"$out" 2>>"$err" &
        LAB_SPAWNED=$!
        LAB_PIDS+=("$LAB_SPAWNED")
}

# Wait until CMD succeeds, at most SECONDS (fractions allowed) times
# LAB_WAIT_SCALE (default 4).  SECONDS is what an idle machine needs with
# room to spare; the scale keeps every such wait a hang guard on a busy
# one (tests must pass under load: tests/run-under-load.sh), where a
# process start-up alone can take a second or more.
lab_wait_for() {
        local seconds=$1
        shift
        local deadline=$((SECONDS + (${seconds%.*} + 1) * ${LAB_WAIT_SCALE:-4}))
        while ! "$@" >/dev/null 2>&1; do
                [ "$SECONDS" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

# Links are usable once the kernel's link watcher has activated their
# qdisc (until then "qdisc noop" drops every packet, for up to a second)
# and addrconf has given them a link-local address; no address may still
# be tentative.
lab_links_ready() {
        local ns
        for ns in "${LAB_NAMESPACES[@]}"; do
                ! ip -n "$LAB_PREFIX$ns" link show | grep -q 'qdisc noop' || return 1
                [ -z "$(ip -n "$LAB_PREFIX$ns" -6 addr show tentative)" ] || return 1
                [ "$(ip -n "$LAB_PREFIX$ns" -o link show | grep -vc LOOPBACK)" = \
                  "$(ip -n "$LAB_PREFIX$ns" -o -6 addr show scope link | wc -l)" ] || return 1
        done
}

lab_add_ns() {
        local ns=$1
        ip netns add "$LAB_PREFIX$ns"
        LAB_NAMESPACES+=("$ns")
        ip -n "$LAB_PREFIX$ns" link set lo up
        # No duplicate address detection: addresses are usable at once.
        lab_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
                net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
}

# lab_link NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair, /64 addresses on both ends.
lab_link() {
        ip -n "$LAB_PREFIX$1" link add "$2" type veth peer name "$5" netns "$LAB_PREFIX$4"
        ip -n "$LAB_PREFIX$1" addr add "$3/64" dev "$2" nodad
        ip -n "$LAB_PREFIX$4" addr add "$6/64" dev "$5" nodad
        ip -n "$LAB_PREFIX$1" link set "$2" up
        ip -n "$LAB_PREFIX$4" link set "$5" up
}

# lab_start_member NAME [ADDR...]: lab-member joining LAB_ANYCAST (and the
# ADDRs); waits until ready.
lab_start_member() {
        local name=$1 ready="$LABDIR/$1.ready"
        shift
        lab_spawn "$name" "$LABDIR/$name.log" "$LABDIR/$name.log" \
                "$LAB_MEMBER_BIN" "$name" "$ready" "$LAB_ANYCAST" "$@"
        lab_wait_for 5 test -s "$ready" ||
                lab_die "$name did not start: $(cat "$LABDIR/$name.log")"
}

lab_write_bus_config() {
        cat >"$LABDIR/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- The lab's private system bus: Debian's system.conf defaults, the
     tree's own policy, no activation. -->
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=$LABDIR/system_bus_socket</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
  </policy>
  <include>$LAB_SOURCE_ROOT/data/org.aarp.Resolve1.conf</include>
  <!-- The burst test keeps 1000 calls pending on few connections; the
       stock limit is 128 replies per connection. -->
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="reply_timeout">120000</limit>
</busconfig>
EOF
}

lab_bus_up() {
        lab_write_bus_config
        dbus-daemon --config-file="$LABDIR/bus.conf" --nofork --nopidfile --nosyslog \
                --print-address=3 3>"$LABDIR/bus.address" >>"$LABDIR/bus.log" 2>&1 &
        LAB_BUS_PID=$!
        lab_wait_for 5 test -S "$LABDIR/system_bus_socket" ||
                lab_die "dbus-daemon did not start: $(cat "$LABDIR/bus.log")"
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$LABDIR/system_bus_socket"
        lab_wait_for 5 busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus GetId ||
                lab_die "the private bus does not answer: $(cat "$LABDIR/bus.log")"
}

lab_up() {
        lab_require
        LABDIR=$(mktemp -d "${TMPDIR:-/tmp}/aarp-lab.XXXXXX")
        # Unprivileged test clients must reach the bus socket in here.
        chmod 0755 "$LABDIR"
        mkdir -p "$LABDIR/run"
        lab_log "up: namespaces ${LAB_PREFIX}{client,router,member1,member2}, dir $LABDIR"

        local ns
        for ns in client router member1 member2; do
                lab_add_ns "$ns"
        done
        # The router forwards.  Members forward too: with forwarding=1 any
        # address may be joined as anycast (PAPER-NOTES), not only on-link ones.
        for ns in router member1 member2; do
                lab_ns "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
        done

        lab_link client "$LAB_CLIENT_IF" "$LAB_CLIENT_ADDR" \
                router "$LAB_ROUTER_CLIENT_IF" "$LAB_ROUTER_CLIENT_ADDR"
        lab_link client eth1 "$LAB_CLIENT_ADDR2" router rc2 "$LAB_ROUTER_CLIENT_ADDR2"
        lab_link router r1 "$LAB_ROUTER_MEMBER1_ADDR" member1 eth0 "$LAB_MEMBER1_ADDR"
        lab_link router r2 "$LAB_ROUTER_MEMBER2_ADDR" member2 eth0 "$LAB_MEMBER2_ADDR"
        lab_wait_for 5 lab_links_ready || lab_die "links do not come up: $(ip -n "${LAB_PREFIX}router" addr)"

        ip -n "${LAB_PREFIX}client" -6 route add 2001:db8::/32 via "$LAB_ROUTER_CLIENT_ADDR"
        ip -n "${LAB_PREFIX}member1" -6 route add default via "$LAB_ROUTER_MEMBER1_ADDR"
        ip -n "${LAB_PREFIX}member2" -6 route add default via "$LAB_ROUTER_MEMBER2_ADDR"
        ip -n "${LAB_PREFIX}router" -6 route add "$LAB_ANYCAST/128" via "$LAB_MEMBER1_ADDR" dev r1
        # What arrives over the client's second link and goes to A goes to
        # member2 (table 100; other destinations fall through to main).
        ip -n "${LAB_PREFIX}router" -6 route add "$LAB_ANYCAST/128" via "$LAB_MEMBER2_ADDR" dev r2 table 100
        ip -n "${LAB_PREFIX}router" -6 rule add iif rc2 lookup 100 priority 100
        # Silent: dropped without an ICMP error (blackhole, not unreachable).
        ip -n "${LAB_PREFIX}router" -6 route add blackhole "${LAB_SILENT%::*}::/64"
        # Burst prefix: member1 joins LAB_BURST_COUNT anycast addresses in it.
        ip -n "${LAB_PREFIX}router" -6 route add "${LAB_BURST_PREFIX}/112" via "$LAB_MEMBER1_ADDR" dev r1

        lab_start_member member1 "${LAB_BURST_ADDRS[@]}"
        lab_start_member member2
        # Fill the neighbour caches on every link, so that no first probe
        # waits for neighbour discovery.
        lab_ns client busybox ping -6 -q -c 1 -W 2 "$LAB_MEMBER1_ADDR" >/dev/null ||
                lab_die "member1 is unreachable from the client"
        lab_ns client busybox ping -6 -q -c 1 -W 2 "$LAB_MEMBER2_ADDR" >/dev/null ||
                lab_die "member2 is unreachable from the client"
        lab_ns client busybox ping -6 -q -c 1 -W 2 "$LAB_ROUTER_CLIENT_ADDR2" >/dev/null ||
                lab_die "the router is unreachable over the client's second link"
        lab_bus_up
        lab_log "up"
}

lab_route_to() {
        local via
        case $1 in
        member1) via="$LAB_MEMBER1_ADDR dev r1" ;;
        member2) via="$LAB_MEMBER2_ADDR dev r2" ;;
        *) lab_die "lab_route_to: unknown member '$1'" ;;
        esac
        # shellcheck disable=SC2086
        ip -n "${LAB_PREFIX}router" -6 route replace "$LAB_ANYCAST/128" via $via
}

lab_client_uplink() {
        case $1 in
        1) ip -n "${LAB_PREFIX}client" -6 route replace "$LAB_ANYCAST/128" via "$LAB_ROUTER_CLIENT_ADDR" dev eth0 ;;
        2) ip -n "${LAB_PREFIX}client" -6 route replace "$LAB_ANYCAST/128" via "$LAB_ROUTER_CLIENT_ADDR2" dev eth1 ;;
        *) lab_die "lab_client_uplink: 1 or 2, not '$1'" ;;
        esac
}

lab_client() {
        ip netns exec "${LAB_PREFIX}client" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" "$@"
}

lab_name_owned() {
        [ "$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus NameHasOwner s "$LAB_BUS_NAME" 2>/dev/null)" = "b true" ]
}

# lab_start_daemon [CONFIG-LINE...]: a fresh resolved.conf and the daemon.
lab_start_daemon() {
        [ -x "$LAB_DAEMON" ] || lab_die "daemon not built: $LAB_DAEMON"
        [ -z "$LAB_DAEMON_PID" ] || lab_die "daemon already running"
        lab_write_daemon_config "$@"
        : >>"$LABDIR/daemon.log"
        echo "---- start $(date +%T.%N) ----" >>"$LABDIR/daemon.log"
        ip netns exec "${LAB_PREFIX}client" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
                AARP_RUNTIME_DIR="$LABDIR/run" \
                "$LAB_DAEMON" --config "$LABDIR/resolved.conf" --log-level debug \
                >>"$LABDIR/daemon.log" 2>&1 &
        LAB_DAEMON_PID=$!
        LAB_PIDS+=("$LAB_DAEMON_PID")
        local deadline=$((SECONDS + 60))
        until lab_name_owned; do
                if ! kill -0 "$LAB_DAEMON_PID" 2>/dev/null; then
                        local rc=0
                        wait "$LAB_DAEMON_PID" || rc=$?
                        LAB_DAEMON_PID=
                        lab_die "daemon exited ($rc) before owning $LAB_BUS_NAME: $(tail -n 20 "$LABDIR/daemon.log")"
                fi
                [ "$SECONDS" -lt "$deadline" ] ||
                        lab_die "daemon did not own $LAB_BUS_NAME within 60 s: $(tail -n 20 "$LABDIR/daemon.log")"
                sleep 0.05
        done
}

# Rewrite $LABDIR/resolved.conf (also used before a SIGHUP reload).
lab_write_daemon_config() {
        {
                echo "[Resolve]"
                local line
                for line in "$@"; do
                        echo "$line"
                done
        } >"$LABDIR/resolved.conf"
}

# lab_stop_daemon [SECONDS]: SIGTERM, wait at most SECONDS (default 5).
# Returns the daemon's exit status; 124 if it had to be killed.
lab_stop_daemon() {
        local pid=$LAB_DAEMON_PID seconds=${1:-30} rc=0
        [ -n "$pid" ] || return 0
        LAB_DAEMON_PID=
        kill -TERM "$pid" 2>/dev/null || true
        if ! lab_wait_for "$seconds" lab_pid_gone "$pid"; then
                kill -KILL "$pid" 2>/dev/null || true
                wait "$pid" 2>/dev/null || true
                return 124
        fi
        wait "$pid" || rc=$?
        return "$rc"
}

lab_pid_gone() {
        ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]
}

lab_daemon_pid() { echo "$LAB_DAEMON_PID"; }

# Address text -> busctl's "16 b0 b1 ... b15".
lab_addr_bytes() {
        python3 -c 'import ipaddress,sys; b=ipaddress.ip_address(sys.argv[1]).packed; print(len(b), *b)' "$1"
}

# lab_resolve ADDR [FLAGS] [IFINDEX]: prints "UNICAST FLAGS TTL RTT", flags
# in hex (0x10000 ANYCAST, 0x20000 FROM_CACHE, 0x40000 NO_REPLY,
# 0x80000 UNICAST, 0x100000 NOT_PROBED).  Non-zero status on a D-Bus error.
lab_resolve() {
        local addr=$1 flags=${2:-0} ifindex=${3:-0} out
        # shellcheck disable=SC2046
        out=$(busctl --system --json=short --timeout=60 call "$LAB_BUS_NAME" "$LAB_OBJECT" \
                "$LAB_IFACE" ResolveAddress iayt "$ifindex" $(lab_addr_bytes "$addr") "$flags") || return 1
        python3 -c '
import ipaddress, json, sys
d = json.loads(sys.argv[1])["data"]
print(ipaddress.ip_address(bytes(d[0])), hex(d[1]), d[2], d[3])' "$out"
}

# lab_call METHOD 'GVARIANT': any call, wrong types included; error names shown.
lab_call() { "$LAB_DBUS_BIN" call "$@"; }

lab_prop() {
        local out
        out=$(busctl --system get-property "$LAB_BUS_NAME" "$LAB_OBJECT" "$LAB_IFACE" "$1") || return 1
        echo "${out#* }"
}

lab_flush() {
        busctl --system call "$LAB_BUS_NAME" "$LAB_OBJECT" "$LAB_IFACE" FlushCaches >/dev/null
}

# lab_has_flag FLAGS NAME
lab_has_flag() {
        local bit
        case $2 in
        NO_CACHE) bit=0x1 ;;
        ANYCAST) bit=0x10000 ;;
        FROM_CACHE) bit=0x20000 ;;
        NO_REPLY) bit=0x40000 ;;
        UNICAST) bit=0x80000 ;;
        NOT_PROBED) bit=0x100000 ;;
        *) lab_die "lab_has_flag: unknown flag $2" ;;
        esac
        (($1 & bit))
}

# Human-readable flag names, for logs and the demo.
lab_flag_names() {
        local f=$1 names=() n
        for n in ANYCAST FROM_CACHE NO_REPLY UNICAST NOT_PROBED; do
                if lab_has_flag "$f" "$n"; then names+=("$n"); fi
        done
        local IFS=,
        echo "${names[*]:-none}"
}

lab_down() {
        local rc=$?
        [ -z "$LAB_DOWN_DONE" ] || return "$rc"
        LAB_DOWN_DONE=1
        set +e
        local pid ns
        for pid in "${LAB_PIDS[@]}"; do
                kill -TERM "$pid" 2>/dev/null
        done
        for pid in "${LAB_PIDS[@]}"; do
                lab_wait_for 3 lab_pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
                wait "$pid" 2>/dev/null
        done
        # Anything else still running inside our own namespaces.
        for ns in "${LAB_NAMESPACES[@]}"; do
                for pid in $(ip netns pids "$LAB_PREFIX$ns" 2>/dev/null); do
                        kill -KILL "$pid" 2>/dev/null
                done
        done
        for ns in "${LAB_NAMESPACES[@]}"; do
                ip netns del "$LAB_PREFIX$ns" 2>/dev/null
                # A test's files for 'ip netns exec' (hosts, resolv.conf,
                # nsswitch.conf): named after our namespace, so ours alone.
                rm -rf "/etc/netns/$LAB_PREFIX$ns"
        done
        LAB_NAMESPACES=()
        if [ -n "$LAB_BUS_PID" ]; then
                kill -TERM "$LAB_BUS_PID" 2>/dev/null
                lab_wait_for 3 lab_pid_gone "$LAB_BUS_PID" || kill -KILL "$LAB_BUS_PID" 2>/dev/null
                wait "$LAB_BUS_PID" 2>/dev/null
                LAB_BUS_PID=
        fi
        if [ -n "$LABDIR" ] && [ -d "$LABDIR" ]; then
                if [ "$rc" -ne 0 ] && [ -s "$LABDIR/daemon.log" ]; then
                        echo "lab: ---- last daemon log lines ($LABDIR/daemon.log) ----" >&2
                        tail -n 40 "$LABDIR/daemon.log" >&2
                fi
                if [ "${LAB_KEEP:-0}" = 1 ]; then
                        echo "lab: kept $LABDIR" >&2
                else
                        rm -rf "$LABDIR"
                fi
        fi
        return "$rc"
}

trap lab_down EXIT
trap 'lab_down; exit 130' INT
trap 'lab_down; exit 143' TERM
