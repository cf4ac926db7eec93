#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/access-policy.sh: who may do what, as
# a non-root user (nobody), on the system bus (the tree's policy,
# data/org.aarp.Resolve1.conf, in front) and on io.socket (no policy in
# front: the daemon checks the caller's uid itself).
#   allowed: ResolveAddress, ResolveAddressMembers, ResolveHostname,
#            reading properties (Get, GetAll), Introspect;
#   refused: FlushCaches, ResetStatistics (bus: the policy's AccessDenied;
#            io.socket: org.aarp.Resolve1.Error.AccessDenied), owning the
#            name org.aarp.Resolve1 (no one can impersonate the daemon);
#   InvalidateAddress: allowed, but a non-root report changes only the
#            reporter's own answers: root's cached answer is untouched and
#            the cache is not flushed for anyone else.
# Root may do all of it.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

A_BYTES=$(lab_addr_bytes "$LAB_ANYCAST" | cut -d' ' -f2- | sed 's/ /, /g')
U1_BYTES=$(lab_addr_bytes "$LAB_MEMBER1_ADDR" | cut -d' ' -f2- | sed 's/ /, /g')
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

lab_up
lab_start_daemon
PEER="unix:path=$LABDIR/run/io.socket"

# as_nobody TRANSPORT METHOD ARGS -> OUT, RC
as_nobody() {
        local transport=$1
        shift
        RC=0
        if [ "$transport" = bus ]; then
                OUT=$("${NOBODY[@]}" "$LAB_DBUS_BIN" call "$@" 2>&1) || RC=$?
        else
                OUT=$(LAB_DBUS_PEER=$PEER "${NOBODY[@]}" "$LAB_DBUS_BIN" call "$@" 2>&1) || RC=$?
        fi
}

for t in bus io.socket; do
        echo "# nobody on the $t"
        as_nobody "$t" ResolveAddress "(0, [byte $A_BYTES], uint64 0)"
        [ "$RC" -eq 0 ] && [[ $OUT == "([byte 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x11,"* ]] ||
                fail "$t: nobody cannot resolve A: $OUT"
        as_nobody "$t" ResolveAddressMembers "(0, [byte $A_BYTES], uint64 0)"
        [ "$RC" -eq 0 ] || fail "$t: nobody cannot ResolveAddressMembers: $OUT"
        as_nobody "$t" ResolveHostname "(0, 'localhost', 0, uint64 0)"
        [ "$RC" -eq 0 ] || fail "$t: nobody cannot ResolveHostname: $OUT"
        pass "$t: nobody may resolve (addresses, members, names)"

        for m in FlushCaches ResetStatistics; do
                as_nobody "$t" "$m" "()"
                echo "  nobody $m: $OUT"
                if [ "$t" = bus ]; then
                        [ "$RC" -eq 1 ] && [[ $OUT == "ERROR org.freedesktop.DBus.Error.AccessDenied:"* || $OUT == "ERROR org.aarp.Resolve1.Error.AccessDenied:"* ]] ||
                                fail "bus: nobody's $m was not refused: $OUT"
                else
                        [ "$RC" -eq 1 ] && [[ $OUT == "ERROR org.aarp.Resolve1.Error.AccessDenied:"* ]] ||
                                fail "io.socket: nobody's $m was not refused by the daemon: $OUT"
                fi
        done
        pass "$t: FlushCaches and ResetStatistics refused to nobody"

        # A non-root InvalidateAddress must not touch root's answers.
        expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
        size0=$(prop CacheSize)
        as_nobody "$t" InvalidateAddress "(0, [byte $A_BYTES], [byte $U1_BYTES])"
        echo "  nobody InvalidateAddress(A, member1): $OUT"
        [ "$RC" -eq 0 ] || [[ $OUT == "ERROR org.aarp.Resolve1.Error.AccessDenied:"* || $OUT == "ERROR org.freedesktop.DBus.Error.AccessDenied:"* ]] ||
                fail "$t: nobody's InvalidateAddress failed oddly: $OUT"
        expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" FROM_CACHE
        [ "$(prop CacheSize)" -eq "$size0" ] || fail "$t: nobody's InvalidateAddress changed CacheSize"
        pass "$t: nobody's InvalidateAddress left root's cached answer alone"
done

echo "# properties and introspection as nobody (bus)"
out=$("${NOBODY[@]}" busctl --system get-property "$LAB_BUS_NAME" "$LAB_OBJECT" "$LAB_IFACE" CacheHits) ||
        fail "nobody cannot read CacheHits: $out"
"${NOBODY[@]}" busctl --system introspect "$LAB_BUS_NAME" "$LAB_OBJECT" >/dev/null ||
        fail "nobody cannot introspect"
pass "nobody may read properties and introspect ($out)"

echo "# impersonation"
rc=0
out=$("${NOBODY[@]}" busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        RequestName su "$LAB_BUS_NAME" 4 2>&1) || rc=$?
echo "  nobody RequestName $LAB_BUS_NAME: $out"
[ "$rc" -ne 0 ] && [[ $out == *"not allowed to own"* || $out == *"ccess denied"* ]] ||
        fail "nobody could ask for $LAB_BUS_NAME: $out"
pass "nobody cannot own $LAB_BUS_NAME"

echo "# io.socket: claiming another uid"
out=$("${NOBODY[@]}" /usr/bin/python3 - "$LABDIR/run/io.socket" <<'PY'
import socket, sys
for claim in (b"0", b"0\x00"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sys.argv[1])
    s.sendall(b"\0AUTH EXTERNAL " + claim.hex().encode() + b"\r\n")
    print(claim, s.recv(256).split(b" ")[0].strip().decode())
    s.close()
PY
) || fail "the io.socket auth probe failed: $out"
echo "$out" | sed 's/^/  nobody AUTH EXTERNAL /'
[ "$(grep -c ' REJECTED$' <<<"$out")" -eq 2 ] || fail "io.socket accepted a claimed identity that is not the caller's: $out"
pass "io.socket: nobody claiming uid 0 (or a NUL-padded uid) is rejected"

echo "# root"
lab_call InvalidateAddress "(0, [byte $A_BYTES], [byte $U1_BYTES])" >/dev/null || fail "root cannot InvalidateAddress"
lab_call FlushCaches "()" >/dev/null || fail "root cannot FlushCaches"
LAB_DBUS_PEER=$PEER lab_call ResetStatistics "()" >/dev/null || fail "root cannot ResetStatistics over io.socket"
pass "root may invalidate, flush and reset (bus and io.socket)"
daemon_alive
