#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Unmodified programs given an anycast literal:
# telnet to a TCP service, FTP in passive and active mode, a UDP
# request/response client that checks who answered - all through aarp-run
# reach the nearest member, and all fail without it.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/client-common.sh"

command -v telnet >/dev/null || lab_die "telnet is missing (inetutils-telnet; run tests/setup.sh)"
command -v tnftp >/dev/null || lab_die "tnftp is missing (run tests/setup.sh)"
/usr/bin/python3 -c 'import pyftpdlib' 2>/dev/null || lab_die "python3-pyftpdlib is missing (run tests/setup.sh)"

lab_up
lab_start_daemon

A=$LAB_ANYCAST

# ---- telnet (TCP): the HTTP responder on 8080 names the member.
telnet_get() {
        # stdin stays open long enough for the answer, also on a loaded
        # machine; telnet exits when the member closes the connection.
        { printf 'GET / HTTP/1.0\r\n\r\n'; sleep 8; } | in_client timeout "$1" "${@:2}" telnet "$A" 8080
}
out=$(telnet_get 30 "$AARP_RUN" 2>&1) || true
grep -qx 'member1' <<<"$out" || fail "aarp-run telnet $A 8080 did not reach member1: $out"
pass "aarp-run telnet $A 8080 reached member1"

rc=0
t0=$(now_ms)
out=$(telnet_get 4 2>&1) || rc=$?
[ "$rc" -eq 124 ] && ! grep -qx member1 <<<"$out" ||
        fail "telnet $A 8080 without aarp-run exited $rc (expected a hang, killed by timeout: 124): $out"
pass "telnet $A 8080 without aarp-run hangs ($(($(now_ms) - t0)) ms, killed)"

# ---- UDP request/response, unconnected (sendto/recvfrom) and connected.
# --vfork: a vfork()ed child closing every descriptor must not make the
# shim forget the parent's socket (the child shares its memory).
for mode in "" --connect --mmsg --vfork; do
        expect_rc 0 in_client "$AARP_RUN" "$UDP_CLIENT" $mode "$A" 7 hello
        [ "$OUT" = "[$A]:7 member1" ] ||
                fail "aarp-run udp-client $mode: '$OUT', expected the reply from [$A]:7 (member1)"
        pass "aarp-run udp-client $mode $A 7: '$OUT' (peer reported as the anycast address)"
        expect_rc 1 in_client "$UDP_CLIENT" $mode "$A" 7 hello
        [ "$OUT" = timeout ] || fail "udp-client $mode without aarp-run printed '$OUT'"
        pass "udp-client $mode $A 7 without aarp-run gets no acceptable reply"
done

# ---- FTP: pyftpdlib (anonymous, read-only) on both members.
for m in member1 member2; do
        mkdir -p "$LABDIR/ftp-$m"
        echo "$m" >"$LABDIR/ftp-$m/whoami"
        lab_ns "$m" /usr/bin/python3 -m pyftpdlib -i :: -p 21 -d "$LABDIR/ftp-$m" \
                >>"$LABDIR/ftp-$m.log" 2>&1 &
        LAB_PIDS+=($!)
done
ftp_up() { lab_ns "$1" bash -c ': </dev/tcp/::1/21'; }
lab_wait_for 10 ftp_up member1 || fail "the FTP server on member1 did not start: $(cat "$LABDIR/ftp-member1.log")"
lab_wait_for 10 ftp_up member2 || fail "the FTP server on member2 did not start: $(cat "$LABDIR/ftp-member2.log")"

ftp_get() { # ftp_get TIMEOUT MODE-OPTION [aarp-run]
        in_client timeout "$1" ${3:+"$3"} tnftp -n "$2" -o - "ftp://[$A]/whoami"
}
for mode in -p -A; do
        name=passive
        [ "$mode" = -A ] && name=active
        expect_rc 0 ftp_get 20 "$mode" "$AARP_RUN"
        [ "$(tail -n 1 <<<"$OUT")" = member1 ] || fail "aarp-run tnftp ($name) fetched '$OUT', expected member1; stderr: $ERR"
        pass "aarp-run tnftp $name mode: ftp://[$A]/whoami = member1"
        rc=0
        ftp_get 4 "$mode" >/dev/null 2>&1 || rc=$?
        [ "$rc" -ne 0 ] || fail "tnftp ($name) without aarp-run succeeded"
        pass "tnftp $name mode without aarp-run fails (exit $rc)"
done
# ---- the other interposed paths, from an unmodified Python: non-blocking
# connect (EINPROGRESS, then getpeername() says A), TCP Fast Open
# (sendto with MSG_FASTOPEN), sendmsg/recvmsg, and errno from the real
# call (ECONNREFUSED from the member for a closed port).
cat >"$LABDIR/paths.py" <<'PY'
import errno, select, socket, sys
A = sys.argv[1]
REQ = b"GET / HTTP/1.0\r\n\r\n"

def read_all(s):
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk

s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setblocking(False)
rc = s.connect_ex((A, 8080))
assert rc == errno.EINPROGRESS, ("non-blocking connect", errno.errorcode.get(rc, rc))
_, w, _ = select.select([], [s], [], 5)
assert w and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0, "connect did not complete"
assert s.getpeername()[0] == A, ("getpeername", s.getpeername())
s.setblocking(True)
s.sendall(REQ)
assert read_all(s).endswith(b"member1\n"), "non-blocking connect: wrong member"
print("non-blocking connect: EINPROGRESS, peer", A)

# Blocking: a non-blocking TFO sendto without a cookie is EINPROGRESS by
# design (the data goes after the handshake); the outer timeout bounds it.
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.sendto(REQ, socket.MSG_FASTOPEN, (A, 8080))
assert s.getpeername()[0] == A, ("fastopen getpeername", s.getpeername())
assert read_all(s).endswith(b"member1\n"), "MSG_FASTOPEN: wrong member"
print("sendto(MSG_FASTOPEN): member1, peer", A)

u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.settimeout(3)
u.sendmsg([b"hello"], [], 0, (A, 7))
data, _, _, addr = u.recvmsg(512)
assert data == b"member1\n" and addr[0] == A, ("recvmsg", data, addr)
print("sendmsg/recvmsg: member1 from", addr[0])

c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
c.settimeout(5)
rc = c.connect_ex((A, 8081))
assert rc == errno.ECONNREFUSED, ("closed port", errno.errorcode.get(rc, rc))
print("closed port: ECONNREFUSED")
PY
expect_rc 0 in_client timeout 20 "$AARP_RUN" /usr/bin/python3 "$LABDIR/paths.py" "$A"
pass "aarp-run python3: $(tr '\n' ';' <<<"$OUT")"

# ---- no IPC per datagram: 20 request/response rounds in one process cost
# the daemon at most one lookup (the shim's cache answers the rest).
before=$(($(prop CacheHits) + $(prop CacheMisses)))
expect_rc 0 in_client timeout 20 "$AARP_RUN" /usr/bin/python3 -c '
import socket, sys
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.settimeout(3)
for i in range(20):
    u.sendto(b"hello", (sys.argv[1], 7))
    data, addr = u.recvfrom(512)
    assert data == b"member1\n" and addr[0] == sys.argv[1], (data, addr)
print("20 rounds")' "$A"
lookups=$(($(prop CacheHits) + $(prop CacheMisses) - before))
[ "$lookups" -le 1 ] || fail "20 datagrams through aarp-run made $lookups daemon lookups, expected at most 1"
pass "20 UDP rounds through aarp-run: $lookups daemon lookup(s)"

daemon_alive
