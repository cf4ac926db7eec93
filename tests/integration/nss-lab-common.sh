# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/integration/nss-lab-common.sh: sourced by the nss-lab-*.sh tests
# after common.sh.  Brings in the DNS experiment (tests/lab/lab-dns.sh) and
# assertions on what unmodified programs in the client namespace get by
# name through libnss_aarp.so.2 (lab_nss: the module overlaid on the system
# library directory, see lab-dns.sh).

# shellcheck source=../lab/lab-dns.sh
source "$AARP_SOURCE_ROOT/tests/lab/lab-dns.sh"

# The system python (python3-gi lives there), not whatever PATH finds.
PY=/usr/bin/python3
[ -x "$PY" ] || lab_die "$PY is missing"

# expect_addrs NAME WANT... : getent ahosts NAME prints exactly the
# addresses WANT (any order; getaddrinfo sorts by RFC 6724).
expect_addrs() {
        local name=$1 got want rc=0
        shift
        got=$(lab_dns_addrs "$name") || rc=$?
        [ "$rc" -eq 0 ] || fail "getent ahosts $name exited $rc, expected $*"
        want=$(printf '%s\n' "$@" | sort -u)
        [ "$got" = "$want" ] ||
                fail "getent ahosts $name gave '$(tr '\n' ' ' <<<"$got")', expected '$*'"
        pass "getent ahosts $name: $(tr '\n' ' ' <<<"$got")"
}

# expect_getent_rc WANT DATABASE NAME: getent's exit status.
expect_getent_rc() {
        local want=$1 db=$2 name=$3 rc=0 out
        out=$(lab_nss getent "$db" "$name" 2>&1) || rc=$?
        [ "$rc" -eq "$want" ] || fail "getent $db $name exited $rc, expected $want: '$out'"
        pass "getent $db $name: exit $rc"
}

# http_get NAME: curl http://NAME:8080/ (connect bounded at 2 s); the body
# in HTTP_BODY, curl's status in HTTP_RC, its message in $LABDIR/curl.err.
http_get() {
        HTTP_RC=0
        lab_nss curl -g -sS --connect-timeout 2 --max-time 20 "http://$1:8080/" \
                >"$LABDIR/curl.out" 2>"$LABDIR/curl.err" || HTTP_RC=$?
        HTTP_BODY=$(cat "$LABDIR/curl.out")
}

expect_http() {
        local name=$1 want=$2 body
        http_get "$name"
        body=$HTTP_BODY
        [ "$HTTP_RC" -eq 0 ] && [ "$body" = "$want" ] ||
                fail "curl http://$name:8080/ gave '$body' (exit $HTTP_RC, $(cat "$LABDIR/curl.err")), expected '$want'"
        pass "curl http://$name:8080/ -> $body"
}

# gai NAME FAMILY: python's socket.getaddrinfo(NAME, 8080, FAMILY,
# SOCK_STREAM).  GAI_OUT: the sorted unique addresses, or "error EAI_xxx";
# GAI_MS: the milliseconds the call took.
gai() {
        local out
        out=$(lab_nss "$PY" - "$1" "$2" <<'EOF'
import socket, sys, time
name, fam = sys.argv[1], getattr(socket, sys.argv[2])
names = {v: k for k, v in vars(socket).items() if k.startswith("EAI_")}
t = time.monotonic()
try:
    res = socket.getaddrinfo(name, 8080, fam, socket.SOCK_STREAM)
    out = sorted({r[4][0] for r in res})
except socket.gaierror as e:
    out = ["error " + names.get(e.errno, str(e.errno))]
ms = int((time.monotonic() - t) * 1000)
print("ms", ms)
for o in out:
    print(o)
EOF
) || fail "python getaddrinfo($1, $2) crashed: $out"
        GAI_MS=$(sed -n 's/^ms //p' <<<"$out")
        GAI_OUT=$(grep -v '^ms ' <<<"$out")
}

# expect_gai NAME FAMILY WANT...
expect_gai() {
        local name=$1 fam=$2 got want
        shift 2
        gai "$name" "$fam"
        got=$GAI_OUT
        want=$(printf '%s\n' "$@" | sort -u)
        [ "$got" = "$want" ] ||
                fail "python getaddrinfo($name, $fam) gave '$(tr '\n' ' ' <<<"$got")', expected '$*'"
        pass "python getaddrinfo($name, $fam): $(tr '\n' ' ' <<<"$got") (${GAI_MS} ms)"
}

# h_errno NAME: gethostbyname(NAME) from libc through ctypes (Python's own
# gethostbyname_ex tries getaddrinfo first): "ok ADDR..." or "h_errno N"
# (1 HOST_NOT_FOUND, 2 TRY_AGAIN, 4 NO_DATA).
h_errno() {
        lab_nss "$PY" -c '
import ctypes, socket, sys
libc = ctypes.CDLL("libc.so.6")
class hostent(ctypes.Structure):
    _fields_ = [("h_name", ctypes.c_char_p), ("h_aliases", ctypes.c_void_p),
                ("h_addrtype", ctypes.c_int), ("h_length", ctypes.c_int),
                ("h_addr_list", ctypes.POINTER(ctypes.POINTER(ctypes.c_char)))]
libc.gethostbyname.restype = ctypes.POINTER(hostent)
libc.__h_errno_location.restype = ctypes.POINTER(ctypes.c_int)
h = libc.gethostbyname(sys.argv[1].encode())
if not h:
    print("h_errno", libc.__h_errno_location()[0])
    sys.exit(0)
addrs, i = [], 0
while h.contents.h_addr_list[i]:
    addrs.append(socket.inet_ntop(h.contents.h_addrtype,
                                  ctypes.string_at(h.contents.h_addr_list[i], h.contents.h_length)))
    i += 1
print("ok", *addrs)' "$1"
}

# udp6_noports NS: the namespace's Udp6NoPorts counter (datagrams that
# arrived for a port no socket of that address listens on).
udp6_noports() {
        lab_ns "$1" awk '$1 == "Udp6NoPorts" { print $2 }' /proc/net/snmp6
}
