#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# An unprivileged user sends io.socket messages that no bus daemon would
# let through: header fields of the wrong type (MEMBER typed 'u' or 'o',
# PATH typed 's'), a method call without MEMBER, names of invalid syntax,
# an unknown header field, a body that does not match its signature, a
# message type that does not exist.  Each used to reach the dispatch, and a
# mistyped MEMBER on org.freedesktop.DBus.Properties killed the daemon
# (strcmp on the NULL that GDBusMessage returns for it).
#
# Checked, as uid 65534: every such message closes that connection without
# an answer; the daemon is still the same process afterwards, still owns
# its bus name, answers root on the bus and nobody on io.socket (a valid
# Properties.GetAll and a valid ResolveAddress over the same socket).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
SEEDS=$AARP_SOURCE_ROOT/tests/fuzz/corpus/fuzz-io-socket

lab_up
lab_start_daemon
pid=$LAB_DAEMON_PID
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST

cat >"$LABDIR/send.py" <<'PY'
"""send.py SOCKET MODE FILE...: send each file's bytes as one message on a
new authenticated connection.  MODE 'bad': the daemon must close the
connection without any D-Bus answer.  MODE 'good': an answer must come."""
import os, socket, sys
path, mode, files = sys.argv[1], sys.argv[2], sys.argv[3:]
rc = 0
for name in files:
    data = open(name, "rb").read()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(path)
    s.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
    ok = s.recv(256)
    if not ok.startswith(b"OK"):
        print(f"{name}: authentication refused: {ok!r}"); rc = 1; continue
    s.sendall(b"BEGIN\r\n" + data)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break          # the daemon closed the connection
            got += chunk
            if mode == "good":
                break
    except socket.timeout:
        print(f"{name}: no answer and no close within 20 s"); rc = 1; continue
    finally:
        s.close()
    short = os.path.basename(name)
    if mode == "bad" and got:
        print(f"{short}: answered {len(got)} bytes instead of being disconnected"); rc = 1
    elif mode == "good" and not got:
        print(f"{short}: no answer"); rc = 1
    else:
        print(f"{short}: {'disconnected' if mode == 'bad' else f'answered {len(got)} bytes'}")
sys.exit(rc)
PY
chmod 0644 "$LABDIR/send.py"

# More malformed messages, made from the valid GetAll seed by changing
# single fields (offsets in tests/fuzz/tools/make-io-socket-seeds.py's
# layout: INTERFACE field at 0x30, MEMBER at 0x58, SIGNATURE at 0x68).
mkdir -p "$LABDIR/bad"
python3 - "$SEEDS/getall" "$LABDIR/bad" <<'PY'
import sys
src, out = sys.argv[1], sys.argv[2]
m = bytearray(open(src, "rb").read())
assert m[0x58] == 3 and m[0x68] == 8, "seed layout changed"
def save(name, b):
    open(f"{out}/{name}", "wb").write(bytes(b))
b = bytearray(m); b[0x58] = 0x0c; save("unknown-field-12", b)          # header field code 12
b = bytearray(m); b[0x5c + 4] = ord("9"); save("member-digit", b)      # MEMBER "9etAll"
b = bytearray(m); b[0x3c] = ord("."); save("interface-dots", b) # "org..reedesktop..."
b = bytearray(m); b[0x6d] = ord("u"); save("body-not-signature", b) # body 's' read as 'u'
b = bytearray(m); b[1] = 9; save("message-type-9", b)
b = bytearray(m); b[3] = 2; save("protocol-version-2", b)
b = bytearray(m); b[8:12] = b"\0\0\0\0"; save("serial-0", b)
b = bytearray(m); b[-1] = ord("x"); save("string-not-terminated", b)
PY

for round in 1 2 3 4 5; do
        lab_client "${NOBODY[@]}" /usr/bin/python3 "$LABDIR/send.py" "$LABDIR/run/io.socket" bad \
                "$SEEDS/props-member-u" "$SEEDS/props-member-o" "$SEEDS/props-member-missing" \
                "$SEEDS/path-typed-s" "$LABDIR"/bad/* >"$LABDIR/bad.out" 2>&1 ||
                fail "round $round: $(cat "$LABDIR/bad.out")"
        kill -0 "$pid" 2>/dev/null || fail "the daemon died after round $round of malformed messages"
done
cat "$LABDIR/bad.out"
[ "$(lab_daemon_pid)" = "$pid" ] || fail "the daemon was restarted"
daemon_alive
pass "12 kinds of malformed message x5 from nobody: each connection closed, the daemon kept running"

lab_client "${NOBODY[@]}" /usr/bin/python3 "$LABDIR/send.py" "$LABDIR/run/io.socket" good \
        "$SEEDS/getall" "$SEEDS/introspect" >"$LABDIR/good.out" 2>&1 ||
        fail "valid calls from nobody after the attack: $(cat "$LABDIR/good.out")"
cat "$LABDIR/good.out"
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
out=$(lab_client env AARP_RUNTIME_DIR="$LABDIR/run" "${NOBODY[@]}" "$LAB_BUILD_ROOT/client/cli/aarp-resolve" "$LAB_ANYCAST" 2>&1) ||
        fail "nobody's aarp-resolve after the attack: $out"
[[ $out == *"$LAB_MEMBER1_ADDR"* ]] || fail "nobody's aarp-resolve: $out"
pass "after the attack the daemon answers root on the bus and nobody on io.socket"
