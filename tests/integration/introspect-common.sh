# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/integration/introspect-common.sh: sourced by introspect-*.sh after
# common.sh: the client tools, the DNS experiment (lab-dns.sh: the client's
# only nameserver is the anycast address A, served by dnsmasq on each
# member), and how to run aarp-resolve as root or as nobody in the client
# namespace.

# shellcheck source=client-common.sh
source "$AARP_SOURCE_ROOT/tests/integration/client-common.sh"
# shellcheck source=../lab/lab-dns.sh
source "$AARP_SOURCE_ROOT/tests/lab/lab-dns.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# as_nobody CMD...: in_client, as uid/gid 65534 without groups.
as_nobody() {
        in_client "${NOBODY[@]}" "$@"
}

# json_lines FILE: every line of FILE parses as one JSON object.
json_lines() {
        python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    assert isinstance(json.loads(line), dict), (n, line)
' "$1"
}
