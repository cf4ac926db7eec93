#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/names-snapshot-private.sh: names.snapshot is readable by
# every user (libnss_aarp runs in every process), so it must not list what
# others looked up.  Root resolves svc.lab, v4only.lab and uni.lab through
# libnss_aarp; uid 65534 reads the file: none of the names, the canonical
# names or the addresses appear in it; uid 65534 asking for one of the
# names itself gets the answer (from the snapshot or the daemon), as
# before.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
SNAP=$LABDIR/run/names.snapshot

lab_up
lab_dns_up
lab_start_daemon
SNAP=$LABDIR/run/names.snapshot

expect_addrs svc.lab "$LAB_MEMBER1_ADDR"
expect_addrs v4only.lab 192.0.2.10
expect_addrs uni.lab "$LAB_MEMBER2_ADDR"
# The snapshot is written shortly after the answers (coalesced): wait until
# it holds three entries (the header's n_entries, at byte 44).
entries() { python3 -c 'import struct,sys; print(struct.unpack_from("<I", open(sys.argv[1],"rb").read(), 44)[0])' "$SNAP"; }
has_three() { [ "$(entries)" -ge 3 ]; }
lab_wait_for 10 has_three || fail "names.snapshot never held the three answers ($(entries) entries)"
pass "names.snapshot: $(entries) entries, $(stat -c '%s bytes, mode %a' "$SNAP")"

"${NOBODY[@]}" cat "$SNAP" >"$LABDIR/snap.copy" || fail "uid 65534 cannot read names.snapshot"
for word in svc.lab v4only.lab uni.lab svc v4only uni; do
        ! grep -aqF "$word" "$LABDIR/snap.copy" || fail "names.snapshot shows '$word' to uid 65534"
done
pass "no name in clear"
python3 - "$LABDIR/snap.copy" "$LAB_MEMBER1_ADDR" "$LAB_MEMBER2_ADDR" 192.0.2.10 <<'PY' || fail "names.snapshot shows an address to uid 65534"
import ipaddress, sys
data = open(sys.argv[1], "rb").read()
for a in sys.argv[2:]:
    if ipaddress.ip_address(a).packed in data:
        print("address in clear:", a)
        sys.exit(1)
PY
pass "no address in clear"

got=$(lab_nss "${NOBODY[@]}" getent ahosts svc.lab | awk '{ print $1 }' | sort -u) ||
        fail "uid 65534's getent ahosts svc.lab failed"
[ "$got" = "$LAB_MEMBER1_ADDR" ] || fail "uid 65534's svc.lab gave '$got'"
pass "uid 65534 asking for svc.lab: $got"
daemon_alive
pass "names-snapshot-private"
