# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/bench/bench-lib.sh: sourced by the lab benchmarks (bench-*.sh).
# Brings in the lab (tests/lab/lab.sh through tests/integration/common.sh:
# everything it builds is removed on exit, also on failure) and adds:
#
#   bench_start_daemon [LINE...]   aarp-resolved at its default log level
#                                  (lab_start_daemon logs at debug, a file
#                                  write per request: not what is measured)
#   bench_stop_daemon
#   bench_delay_up DELAY_USEC      tun-delay in the router: every packet the
#                                  router forwards between the client link
#                                  (rc) and the member links (r1, r2) is
#                                  held DELAY_USEC in each direction
#   bench_ping_rtt ADDR            mean ICMPv6 echo RTT (ms) client -> ADDR
#   bench_prop NAME                a daemon property's value
#
# The relay's TUN devices die with the relay; the policy rules and routes
# that point at them live in the router namespace, which lab_down deletes.
source "${AARP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/integration/common.sh"

BENCH_BIN=$LAB_BUILD_ROOT/tests/bench
BENCH_CLIENT=$BENCH_BIN/bench-client
BENCH_DAEMON_PID=
for bin in "$BENCH_BIN/tun-delay" "$BENCH_CLIENT"; do
        [ -x "$bin" ] || lab_die "$bin is not built (AARP_BUILD_ROOT=$LAB_BUILD_ROOT)"
done

bench_start_daemon() {
        lab_start_daemon "$@"
        lab_stop_daemon || lab_die "daemon did not stop"
        ip netns exec "${LAB_PREFIX}client" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
                AARP_RUNTIME_DIR="$LABDIR/run" "$LAB_DAEMON" --config "$LABDIR/resolved.conf" \
                >>"$LABDIR/daemon.log" 2>&1 &
        BENCH_DAEMON_PID=$!
        LAB_PIDS+=("$BENCH_DAEMON_PID")
        lab_wait_for 10 lab_name_owned || lab_die "daemon did not come back: $(tail -n 20 "$LABDIR/daemon.log")"
        lab_wait_for 5 test -S "$LABDIR/run/io.socket" || lab_die "no io.socket"
}

bench_stop_daemon() {
        [ -n "$BENCH_DAEMON_PID" ] || return 0
        kill -TERM "$BENCH_DAEMON_PID" 2>/dev/null || true
        lab_wait_for 5 lab_pid_gone "$BENCH_DAEMON_PID" || kill -KILL "$BENCH_DAEMON_PID" 2>/dev/null || true
        wait "$BENCH_DAEMON_PID" 2>/dev/null || true
        BENCH_DAEMON_PID=
        lab_wait_for 5 bench_name_gone || true
}

bench_name_gone() { ! lab_name_owned; }

# bench_client ARGS...: bench-client in the client namespace, over the
# peer-to-peer socket (AARP_BENCH_TRANSPORT=bus: over the system bus).
bench_client() {
        local dir=$LABDIR/run
        [ "${AARP_BENCH_TRANSPORT:-p2p}" = p2p ] || dir=$LABDIR/no-such-dir
        lab_client env AARP_RUNTIME_DIR="$dir" nice -n 5 "$BENCH_CLIENT" "$@"
}

bench_delay_up() {
        local delay=$1 ready=$LABDIR/tun-delay.ready r=${LAB_PREFIX}router
        # Lifetime 600 s: the relay ends on its own even if nobody stops it.
        lab_spawn router "$LABDIR/tun-delay.log" "$LABDIR/tun-delay.log" \
                "$BENCH_BIN/tun-delay" tdc tdm "$delay" 600 "$ready"
        lab_wait_for 5 test -s "$ready" || lab_die "tun-delay did not start: $(cat "$LABDIR/tun-delay.log")"
        # A 10k-probe burst leaves the router at once: the TUN queue (500
        # packets by default) must hold it until the relay reads it.
        ip -n "$r" link set tdc txqueuelen 20000 up
        ip -n "$r" link set tdm txqueuelen 20000 up
        # Towards the members through tdc (re-enters on tdm, then the main
        # table), back towards the client through tdm (re-enters on tdc).
        # The local table (rule 0) still comes first: the router's own
        # traffic (neighbour discovery) is not delayed.
        ip -n "$r" -6 route add default dev tdc table 200
        ip -n "$r" -6 route add default dev tdm table 201
        ip -n "$r" -6 rule add iif rc lookup 200 priority 50
        ip -n "$r" -6 rule add iif r1 lookup 201 priority 50
        ip -n "$r" -6 rule add iif r2 lookup 201 priority 50
}

bench_delay_down() {
        local r=${LAB_PREFIX}router
        ip -n "$r" -6 rule del iif rc lookup 200 priority 50 2>/dev/null || true
        ip -n "$r" -6 rule del iif r1 lookup 201 priority 50 2>/dev/null || true
        ip -n "$r" -6 rule del iif r2 lookup 201 priority 50 2>/dev/null || true
        local pid
        pid=$(cat "$LABDIR/tun-delay.ready" 2>/dev/null) || return 0
        kill -TERM "$pid" 2>/dev/null || true
        lab_wait_for 3 lab_pid_gone "$pid" || true
        rm -f "$LABDIR/tun-delay.ready"
        cat "$LABDIR/tun-delay.log"
}

bench_ping_rtt() {
        lab_ns client busybox ping -6 -q -c "${2:-20}" -i 0.05 "$1" |
                sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p'
}

bench_prop() {
        lab_prop "$1"
}

# Host and load, at the top of every result file: figures from a shared,
# noisy machine only compare within one run.
bench_header() {
        echo "# $1"
        echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) CPUs: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
        echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$LAB_SOURCE_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') ($(git -C "$LAB_SOURCE_ROOT" status --short --untracked-files=no 2>/dev/null | wc -l) files modified in the tree)"
}
