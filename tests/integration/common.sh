# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/integration/common.sh: sourced by every integration test.  Brings in
# the lab (tests/lab/lab.sh, which removes everything on exit) and a few
# assertions that fail loudly, naming what a user would have seen.

set -euo pipefail
: "${AARP_SOURCE_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=../lab/lab.sh
source "$AARP_SOURCE_ROOT/tests/lab/lab.sh"

TEST_NAME=$(basename "$0" .sh)

fail() {
        echo "FAIL [$TEST_NAME]: $*" >&2
        exit 1
}

pass() { echo "ok - $*"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# resolve ADDR [FLAGS] [IFINDEX]: sets R_UNICAST R_FLAGS R_TTL R_RTT.
resolve() {
        local out
        out=$(lab_resolve "$@") || fail "ResolveAddress($*) failed (see the busctl message above)"
        read -r R_UNICAST R_FLAGS R_TTL R_RTT <<<"$out"
        echo "  ResolveAddress $1 flags=${2:-0} -> $R_UNICAST [$(lab_flag_names "$R_FLAGS")] ttl=$R_TTL rtt=${R_RTT}us"
}

# expect_resolve ADDR WANT_UNICAST WANT_FLAG [NOT_FLAG] [IN_FLAGS]
expect_resolve() {
        local addr=$1 want=$2 flag=$3 notflag=${4:-} inflags=${5:-0}
        resolve "$addr" "$inflags"
        [ "$R_UNICAST" = "$want" ] ||
                fail "$addr resolved to $R_UNICAST, expected $want (flags $(lab_flag_names "$R_FLAGS"))"
        lab_has_flag "$R_FLAGS" "$flag" ||
                fail "$addr -> $R_UNICAST lacks $flag (flags $(lab_flag_names "$R_FLAGS"))"
        if [ -n "$notflag" ] && lab_has_flag "$R_FLAGS" "$notflag"; then
                fail "$addr -> $R_UNICAST has $notflag (flags $(lab_flag_names "$R_FLAGS"))"
        fi
}

prop() {
        lab_prop "$1" || fail "cannot read property $1"
}

daemon_alive() {
        local pid
        pid=$(lab_daemon_pid)
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || fail "the daemon is not running any more"
        lab_name_owned || fail "the daemon no longer owns $LAB_BUS_NAME"
}

# Syscall evidence of how long a client waited, which load cannot change
# (a wall clock around a client process measures its start-up on a busy
# machine as much as its waits).  trace_waits PREFIX CMD...: runs CMD (a
# command line as given to lab_client, lab_nss, ...) with its program under
# strace; sets TRACE_RC (CMD's exit status), TRACE_OUT (its stdout and
# stderr) and from the trace: TRACE_CONNECTS (connect() calls),
# TRACE_POLLS (poll/ppoll calls), TRACE_TIMEOUTS (of those, how many ended
# without an event) and TRACE_WAITED_MS (the sum of the timeout arguments
# of those: the time the program chose to wait for nothing), and
# TRACE_MAX_TIMEOUT_MS (the largest timeout argument).  Example:
#   trace_waits "$LABDIR/t" lab_client -- "$AARP_RESOLVE" "$A"
# The "--" marks where the program starts; strace goes in front of it.
trace_waits() {
        local prefix=$1 i
        shift
        local -a cmd=()
        for ((i = 1; i <= $#; i++)); do
                if [ "${!i}" = "--" ]; then
                        # shellcheck disable=SC2054 # strace's -e takes a comma list
                        cmd+=(strace -f -qq -ff -o "$prefix" -e trace=connect,poll,ppoll --)
                        cmd+=("${@:i+1}")
                        break
                fi
                cmd+=("${!i}")
        done
        [ "$i" -le $# ] || lab_die "trace_waits: no -- in: $*"
        rm -f "$prefix".*
        TRACE_RC=0
        # shellcheck disable=SC2034 # TRACE_OUT is for the caller
        TRACE_OUT=$("${cmd[@]}" 2>&1) || TRACE_RC=$?
        read -r TRACE_CONNECTS TRACE_POLLS TRACE_TIMEOUTS TRACE_WAITED_MS TRACE_MAX_TIMEOUT_MS < <(
                cat "$prefix".* 2>/dev/null | awk '
                function ms(s,    a) {
                        # poll: milliseconds; ppoll: {tv_sec=S, tv_nsec=N} (NULL: none)
                        if (s ~ /tv_sec=/) {
                                split(s, a, /[^0-9]+/)
                                return a[2] * 1000 + int((a[3] + 999999) / 1000000)
                        }
                        return s + 0
                }
                /^connect\(/ { c++ }
                /^p?poll\(/ {
                        p++
                        if ($0 ~ /^poll\(/) { t = $0; sub(/^.*\], [0-9]+, /, "", t); sub(/\).*$/, "", t) }
                        else { t = $0; sub(/^.*\], [0-9]+, /, "", t); sub(/, (NULL|\[).*$/, "", t) }
                        v = ms(t)
                        if (v > mx) mx = v
                        if ($0 ~ /= 0 \(Timeout\)$/) { n++; w += v }
                }
                END { printf "%d %d %d %d %d\n", c, p, n, w, mx }')
        echo "  traced: exit $TRACE_RC; $TRACE_CONNECTS connect(), $TRACE_POLLS poll(), $TRACE_TIMEOUTS timed out, waited $TRACE_WAITED_MS ms by their timeouts (largest $TRACE_MAX_TIMEOUT_MS ms)"
}
