#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The TTL libnss_aarp hands to glibc (and so to nscd) is the answer's, on
# both of the module's paths: over io.socket (ResolveHostnameEx) and from
# the published snapshot.  It used to be 0 over io.socket, so nscd and other
# TTL-honouring callers dropped those answers at once.
#
# The module's gethostbyname3_r is called directly (Python ctypes on the
# built module) in the lab's client namespace, for svc.lab (AAAA: the
# anycast address, mapped to member1; the zone's TTL is 60 s): the first
# lookup goes over io.socket, the second comes from the snapshot; then the
# same with PublishSnapshot=no, where both go over io.socket.  Each TTL must
# be between 1 and 60, and the snapshot's no larger than the first's.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

lab_up
lab_dns_up

cat >"$LABDIR/ttl.py" <<'PY'
import ctypes, socket, sys
lib = ctypes.CDLL(sys.argv[1])
f = lib._nss_aarp_gethostbyname3_r
for name in sys.argv[2:]:
    host = ctypes.create_string_buffer(64)
    buf = ctypes.create_string_buffer(8192)
    err, herr, ttl = ctypes.c_int(0), ctypes.c_int(0), ctypes.c_int32(-1)
    canon = ctypes.c_char_p()
    status = f(name.encode(), socket.AF_INET6, host, buf, len(buf), ctypes.byref(err), ctypes.byref(herr),
               ctypes.byref(ttl), ctypes.byref(canon))
    print(status, ttl.value)
PY

# ttl_pair: two lookups of svc.lab in one process; sets T1 and T2.
ttl_pair() {
        local out
        out=$(lab_nss /usr/bin/python3 "$LABDIR/ttl.py" "$LAB_NSS_MODULE" svc.lab svc.lab 2>&1) ||
                fail "calling _nss_aarp_gethostbyname3_r failed: $out"
        echo "  gethostbyname3_r(svc.lab) twice: status ttl = $(tr '\n' ' ' <<<"$out")"
        [ "$(awk '{ print $1 }' <<<"$out" | sort -u)" = 1 ] || fail "a lookup did not succeed (NSS_STATUS_SUCCESS is 1): $out"
        T1=$(awk 'NR == 1 { print $2 }' <<<"$out")
        T2=$(awk 'NR == 2 { print $2 }' <<<"$out")
}

check_ttls() {
        local what=$1 t1=$2 t2=$3
        [ "$t1" -ge 1 ] && [ "$t1" -le 60 ] || fail "$what: the first lookup's TTL is $t1 (expected 1..60)"
        [ "$t2" -ge 1 ] && [ "$t2" -le 60 ] || fail "$what: the second lookup's TTL is $t2 (expected 1..60)"
        [ "$t2" -le "$t1" ] || fail "$what: the second lookup's TTL $t2 is larger than the first's $t1"
}

lab_start_daemon
ttl_pair
t1=$T1 t2=$T2
check_ttls "io.socket, then the snapshot" "$t1" "$t2"
[ -f "$LABDIR/run/names.snapshot" ] || fail "no snapshot was published"
pass "TTL over io.socket $t1 s, from the snapshot $t2 s"
lab_stop_daemon || fail "the daemon did not stop cleanly"

lab_start_daemon "PublishSnapshot=no"
ttl_pair
t1=$T1 t2=$T2
check_ttls "io.socket only" "$t1" "$t2"
pass "PublishSnapshot=no: TTL $t1 s, then $t2 s from the daemon's cache"
