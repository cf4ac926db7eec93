# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/integration/client-common.sh: sourced by the client-tool tests
# (test-client-*.sh) after common.sh: where the built tools are, and how
# to run them in the lab's client namespace with the daemon's peer socket
# and private bus in the environment.

AARP_RESOLVE=$LAB_BUILD_ROOT/client/cli/aarp-resolve
AARP_RUN=$LAB_BUILD_ROOT/client/shim/aarp-run
UDP_CLIENT=$LAB_BUILD_ROOT/tests/lab/udp-client
for bin in "$AARP_RESOLVE" "$AARP_RUN" "$LAB_BUILD_ROOT/client/shim/libaarp-run.so" "$UDP_CLIENT"; do
        [ -x "$bin" ] || [ -f "$bin" ] || lab_die "$bin is not built (AARP_BUILD_ROOT=$LAB_BUILD_ROOT)"
done

# in_client CMD...: CMD in the client namespace, talking to the lab daemon.
in_client() {
        lab_client env AARP_RUNTIME_DIR="$LABDIR/run" "$@"
}

# expect_rc WANT CMD...: run CMD, fail unless it exits WANT; its stdout is
# in $OUT, its stderr in $ERR.
expect_rc() {
        local want=$1 rc=0
        shift
        OUT=$("$@" 2>"$LABDIR/stderr") || rc=$?
        ERR=$(cat "$LABDIR/stderr")
        [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want; stdout: '$OUT' stderr: '$ERR'"
}
