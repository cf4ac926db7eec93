#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/bench-nss.sh: getaddrinfo() through "hosts: files" and through
# "hosts: aarp" side by side (tests/bench/bench-nss.c), in the lab's client
# namespace with the daemon from the build tree.  The name is in the hosts
# file both read (/etc/netns/NS/hosts, which 'ip netns exec' mounts over
# /etc/hosts), so "files" answers from the file and "aarp" from the daemon's
# cache after the first lookup; then the same with 2 threads for
# throughput (the aim: at least that of "hosts: files").  Not part
# of CI:
#   meson test -C build --suite bench --verbose
# or: AARP_BUILD_ROOT=build bash tests/bench/bench-nss.sh [ITERATIONS]
source "${AARP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/integration/common.sh"

ITERATIONS=${1:-20000}
BENCH=$LAB_BUILD_ROOT/tests/bench/bench-nss
[ -x "$BENCH" ] && [ -f "$LAB_BUILD_ROOT/nss/libnss_aarp.so.2" ] || lab_die "bench-nss or the module is not built"

lab_up
NETNS_ETC=/etc/netns/${LAB_PREFIX}client
trap 'rm -rf "$NETNS_ETC"; lab_down' EXIT
trap 'rm -rf "$NETNS_ETC"; lab_down; exit 130' INT
trap 'rm -rf "$NETNS_ETC"; lab_down; exit 143' TERM
mkdir -p "$NETNS_ETC"
# bench.test has two addresses, bench6.test one: with more than one,
# getaddrinfo() sorts them (RFC 6724) and first asks the kernel for the
# local addresses (glibc's __check_pf: a netlink dump under a process-wide
# lock, on every call when nscd does not cache it), which dominates the
# 2-thread figures.
printf '127.0.0.1 localhost\n192.0.2.1 bench.test\n%s bench.test\n%s bench6.test\n' "$LAB_ANYCAST" "$LAB_ANYCAST" \
        >"$NETNS_ETC/hosts"
# lab_start_daemon logs at debug level (a file write per request), which
# is not what is being measured: write the config with it, then run the
# daemon again at its default level.
start_quiet_daemon() {
        ip netns exec "${LAB_PREFIX}client" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
                AARP_RUNTIME_DIR="$LABDIR/run" "$LAB_DAEMON" --config "$LABDIR/resolved.conf" \
                >>"$LABDIR/daemon.log" 2>&1 &
        QUIET_PID=$!
        LAB_PIDS+=("$QUIET_PID")
        lab_wait_for 10 lab_name_owned || lab_die "daemon did not come back: $(tail -n 20 "$LABDIR/daemon.log")"
}

# run TITLE RUNTIME_DIR LABEL: latency, then 2-thread throughput (RESULT
# lines, tagged with LABEL).
run() {
        echo "# $1"
        lab_client env AARP_RUNTIME_DIR="$2" LD_LIBRARY_PATH="$LAB_BUILD_ROOT/nss" \
                "$BENCH" bench.test "$ITERATIONS" 2 2 | sed "s/^RESULT /RESULT [$3] /" ||
                fail "benchmark failed ($1)"
}

lab_start_daemon
lab_stop_daemon || lab_die "daemon did not stop"
start_quiet_daemon
run "libnss_aarp from the daemon's answer snapshot (PublishSnapshot=yes, the default)" "$LABDIR/run" snapshot
echo "# the same, a name with one address (bench6.test)"
lab_client env AARP_RUNTIME_DIR="$LABDIR/run" LD_LIBRARY_PATH="$LAB_BUILD_ROOT/nss" \
        "$BENCH" bench6.test "$ITERATIONS" 2 2 | sed "s/^RESULT /RESULT [snapshot, one address] /" ||
        fail "benchmark failed (bench6.test)"

# The same daemon without the snapshot: every lookup is a round trip.
kill "$QUIET_PID" && wait "$QUIET_PID" || true
lab_write_daemon_config "PublishSnapshot=no"
start_quiet_daemon
run "libnss_aarp over the peer-to-peer socket (PublishSnapshot=no)" "$LABDIR/run" p2p
run "libnss_aarp over the system bus (no runtime directory)" "$LABDIR/no-such-dir" bus
