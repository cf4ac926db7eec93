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
