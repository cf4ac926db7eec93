#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad D-Bus arguments get named errors and the daemon keeps serving.
source "$(dirname "$0")/common.sh"

lab_up
lab_start_daemon

a16=$(python3 -c 'import ipaddress,sys; print(", ".join(str(b) for b in ipaddress.ip_address(sys.argv[1]).packed))' "$LAB_ANYCAST")

# expect_error WHAT PATTERN GVARIANT [METHOD]
expect_error() {
        local what=$1 pattern=$2 args=$3 method=${4:-ResolveAddress} out rc=0
        out=$(lab_call "$method" "$args") || rc=$?
        echo "  $what: $out"
        [ "$rc" -eq 1 ] || fail "$what: expected an error, got (rc $rc) $out"
        # shellcheck disable=SC2053
        [[ $out == $pattern ]] || fail "$what: expected error $pattern, got $out"
        daemon_alive
}

expect_error "3-byte address" "ERROR org.aarp.Resolve1.Error.InvalidAddress:*" "(0, [byte 1, 2, 3], uint64 0)"
expect_error "empty address" "ERROR org.aarp.Resolve1.Error.InvalidAddress:*" "(0, @ay [], uint64 0)"
expect_error "17-byte address" "ERROR org.aarp.Resolve1.Error.InvalidAddress:*" "(0, [byte $a16, 0], uint64 0)"
expect_error "unknown flag bit 0x2" "ERROR org.aarp.Resolve1.Error.InvalidFlags:*" "(0, [byte $a16], uint64 2)"
expect_error "output flag ANYCAST as input" "ERROR org.aarp.Resolve1.Error.InvalidFlags:*" "(0, [byte $a16], uint64 65536)"
expect_error "flag bit 63" "ERROR org.aarp.Resolve1.Error.InvalidFlags:*" "(0, [byte $a16], uint64 9223372036854775808)"
expect_error "ifindex -1" "ERROR org.aarp.Resolve1.Error.InvalidInterface:*" "(-1, [byte $a16], uint64 0)"
expect_error "unknown ifindex 999999" "ERROR org.aarp.Resolve1.Error.InvalidInterface:*" "(999999, [byte $a16], uint64 0)"
expect_error "link-local without ifindex" "ERROR org.aarp.Resolve1.Error.*" \
        "(0, [byte 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], uint64 0)"
expect_error "wrong signature (s)" "ERROR org.freedesktop.DBus.Error.InvalidArgs:*" "('$LAB_ANYCAST',)"
expect_error "wrong signature (iay)" "ERROR org.freedesktop.DBus.Error.InvalidArgs:*" "(0, [byte $a16])"
expect_error "wrong signature (uayt)" "ERROR org.freedesktop.DBus.Error.InvalidArgs:*" "(uint32 0, [byte $a16], uint64 0)"
pass "every bad ResolveAddress argument got its named error"

long_label=$(printf 'a%.0s' {1..64})
long_name=$(printf 'abcdefghi.%.0s' {1..26})
expect_error "ResolveHostname: family 99" "ERROR org.aarp.Resolve1.Error.InvalidFamily:*" "(0, 'example.org', 99, uint64 0)" ResolveHostname
expect_error "ResolveHostname: empty name" "ERROR org.aarp.Resolve1.Error.InvalidName:*" "(0, '', 0, uint64 0)" ResolveHostname
expect_error "ResolveHostname: 64-byte label" "ERROR org.aarp.Resolve1.Error.InvalidName:*" "(0, '$long_label.org', 0, uint64 0)" ResolveHostname
expect_error "ResolveHostname: 260-byte name" "ERROR org.aarp.Resolve1.Error.InvalidName:*" "(0, '$long_name', 0, uint64 0)" ResolveHostname
expect_error "ResolveHostname: empty label" "ERROR org.aarp.Resolve1.Error.InvalidName:*" "(0, 'a..b', 0, uint64 0)" ResolveHostname
expect_error "ResolveHostname: ifindex -1" "ERROR org.aarp.Resolve1.Error.InvalidInterface:*" "(-1, 'localhost', 0, uint64 0)" ResolveHostname
expect_error "ResolveHostname: flag 0x2" "ERROR org.aarp.Resolve1.Error.InvalidFlags:*" "(0, 'localhost', 0, uint64 2)" ResolveHostname
expect_error "ResolveHostname: wrong signature" "ERROR org.freedesktop.DBus.Error.InvalidArgs:*" "(0, 'localhost')" ResolveHostname
pass "every bad ResolveHostname argument got its named error"

# A link-local address with the client's real ifindex is accepted.
ifindex=$(lab_ns client cat "/sys/class/net/$LAB_CLIENT_IF/ifindex")
out=$(lab_call ResolveAddress "($ifindex, [byte 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], uint64 0)") ||
        fail "link-local with ifindex $ifindex refused: $out"
echo "  fe80::1%$LAB_CLIENT_IF: $out"
pass "link-local with an ifindex is accepted"

# Privileged methods: root may flush; an unprivileged user may resolve but
# not flush (bus policy) or reset statistics.
lab_call FlushCaches "()" >/dev/null || fail "root cannot FlushCaches"
lab_call ResetStatistics "()" >/dev/null || fail "root cannot ResetStatistics"
if command -v setpriv >/dev/null; then
        nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$LAB_DBUS_BIN" call "$@"; }
        out=$(nobody ResolveAddress "(0, [byte $a16], uint64 0)") || fail "an unprivileged user cannot resolve: $out"
        echo "  nobody ResolveAddress: $out"
        rc=0
        out=$(nobody FlushCaches "()") || rc=$?
        echo "  nobody FlushCaches: $out"
        [ "$rc" -eq 1 ] && [[ $out == *AccessDenied* ]] || fail "an unprivileged FlushCaches was not denied: $out"
        rc=0
        out=$(nobody ResetStatistics "()") || rc=$?
        [ "$rc" -eq 1 ] && [[ $out == *AccessDenied* ]] || fail "an unprivileged ResetStatistics was not denied: $out"
        pass "unprivileged: resolve allowed, FlushCaches/ResetStatistics denied"
        # The peer-to-peer socket has no bus policy in front: the daemon
        # itself must refuse.
        rc=0
        out=$(LAB_DBUS_PEER="unix:path=$LABDIR/run/io.socket" nobody FlushCaches "()") || rc=$?
        echo "  nobody FlushCaches over io.socket: $out"
        [ "$rc" -eq 1 ] && [[ $out == "ERROR org.aarp.Resolve1.Error.AccessDenied:"* ]] ||
                fail "an unprivileged FlushCaches over io.socket was not refused with AccessDenied: $out"
        rc=0
        out=$(LAB_DBUS_PEER="unix:path=$LABDIR/run/io.socket" nobody ResetStatistics "()") || rc=$?
        [ "$rc" -eq 1 ] && [[ $out == "ERROR org.aarp.Resolve1.Error.AccessDenied:"* ]] ||
                fail "an unprivileged ResetStatistics over io.socket was not refused with AccessDenied: $out"
        pass "io.socket: the daemon itself refuses FlushCaches/ResetStatistics to non-root"
fi

expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
daemon_alive
pass "the daemon still serves after all of it"
