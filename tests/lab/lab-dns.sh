# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/lab/lab-dns.sh: an anycast nameserver (members serving DNS from
# their unicast addresses only) on top of the
# anycast lab, and a way to run unmodified programs in the client namespace
# with libnss_aarp.so.2 from the build tree.  Source it after lab.sh.
#
# Each member runs dnsmasq bound to its own unicast address only
# (--bind-interfaces --listen-address=U): a query sent to the anycast
# address LAB_ANYCAST arrives at the nearest member, but no socket there is
# bound to A, so the client gets no usable reply.  resolv.conf in the
# client namespace names A as its only nameserver, so plain "hosts: files
# dns" cannot resolve anything; aarp-resolved maps A to the member first.
#
# Records (the same on both members, except whoami.lab):
#   svc.lab       AAAA LAB_ANYCAST           the anycast service (HTTP 8080)
#   v4only.lab    A    192.0.2.10            IPv4 only: passes unchanged
#   uni.lab       AAAA LAB_MEMBER2_ADDR      a plain unicast host: unchanged
#   whoami.lab    A    192.0.2.11 | .12      which member's server answered
#   big.lab       AAAA LAB_ANYCAST + LAB_DNS_BIG_COUNT-1 unicast addresses
#                      on member2's lo (LAB_DNS_BIG_ADDRS, 2001:db8:13::/64,
#                      routed there; not on eth0, where they would become
#                      the source of member2's echo replies, i.e. its U,
#                      instead of LAB_MEMBER2_ADDR): larger than 512
#                      bytes, and the servers truncate UDP at 512 bytes
#                      (--edns-packet-max=512), so it comes over TCP
#   printer.lab.lab A  192.0.2.21            only reachable through "search lab"
#   box.lab       A    192.0.2.22            absolute and relative names that
#   box.lab.lab   A    192.0.2.23            differ under "search lab" ndots:5
#   anything else under .lab: NXDOMAIN (--local=/lab/)
# TTL 60 s (--local-ttl), so the daemon's name cache is exercised.
#
# The client namespace's /etc (ip netns exec bind-mounts /etc/netns/NS/*
# over /etc, for the daemon and the programs alike): hosts (localhost and
# hostsonly.lab = LAB_DNS_HOSTS_ONLY), resolv.conf and nsswitch.conf.  They
# are rewritten in place (same inode), so that running processes, the
# daemon included, see the new contents through their bind mounts.
#
# How programs find the module without touching the host: glibc dlopen()s
# "libnss_aarp.so.2" by name, from the system library directory.  lab_nss
# runs each command under "ip netns exec", which already gives it a mount
# namespace of its own whose mounts do not propagate back (it remounts /
# as a slave), and there mounts an overlay of $LABDIR/nss-lib (the built
# module alone) on top of the system library directory.  The program sees
# the module where an installed one would be, with no LD_LIBRARY_PATH; the
# host's directory is never written.  The daemon is reached through
# AARP_RUNTIME_DIR (the peer-to-peer socket) and DBUS_SYSTEM_BUS_ADDRESS
# (the lab's private bus), as an installed system would find /run.
#
#   lab_dns_up                     after lab_up, before lab_start_daemon
#   lab_dns_nsswitch 'HOSTS-LINE'  e.g. 'files dns'
#   lab_dns_resolv ADDR [OPTIONS]  the only nameserver, and an options line
#   lab_nss CMD...                 CMD in the client namespace with the module
#   lab_dns_addrs NAME [getent database]  the sorted unique addresses getent
#                                  prints (stdout), its status as ours
#   lab_dns_truncated ADDR NAME    true if ADDR's UDP answer for NAME AAAA
#                                  has the TC bit set
#   lab_dns_down                   remove /etc/netns/NS (lab_down does the rest;
#                                  installed as part of the EXIT/INT/TERM traps)

LAB_NSS_MODULE=$LAB_BUILD_ROOT/nss/libnss_aarp.so.2
LAB_DNS_HOSTS_ONLY=192.0.2.99
LAB_DNS_CLIENT_V4=192.0.2.2
# The line nss/README.md recommends (files first; the daemon's answer final).
LAB_DNS_RECOMMENDED='files aarp [!UNAVAIL=return] dns'
LAB_DNS_BIG_COUNT=50
# member2's extra unicast addresses: 2001:db8:13::1 and up.
LAB_DNS_BIG_PREFIX=2001:db8:13::
mapfile -t LAB_DNS_BIG_ADDRS < <(for ((i = 1; i < LAB_DNS_BIG_COUNT; i++)); do
        printf '%s%x\n' "$LAB_DNS_BIG_PREFIX" "$i"
done)
LAB_NETNS_ETC=
LAB_NETNS_ROOT_MADE=
LAB_NSS_SYSLIBDIR=

lab_dns_down() {
        local rc=$?
        if [ -n "$LAB_NETNS_ETC" ]; then
                rm -rf "$LAB_NETNS_ETC"
                LAB_NETNS_ETC=
                [ -z "$LAB_NETNS_ROOT_MADE" ] || rmdir /etc/netns 2>/dev/null || true
        fi
        return "$rc"
}

lab_dns_exit() {
        local rc=$?
        # Not under errexit: "(exit $rc)" below must not end the handler.
        set +e
        lab_dns_down
        (exit "$rc")
        lab_down
}
trap lab_dns_exit EXIT
trap 'lab_dns_exit; exit 130' INT
trap 'lab_dns_exit; exit 143' TERM

lab_dns_nsswitch() {
        [ -n "$LAB_NETNS_ETC" ] || lab_die "lab_dns_nsswitch before lab_dns_up"
        # In place: "cat >" truncates the file, keeping the inode.
        cat >"$LAB_NETNS_ETC/nsswitch.conf" <<EOF
# written by tests/lab/lab-dns.sh for the lab's client namespace
passwd:         files
group:          files
shadow:         files
hosts:          $1
networks:       files
protocols:      files
services:       files
EOF
}

lab_dns_resolv() {
        [ -n "$LAB_NETNS_ETC" ] || lab_die "lab_dns_resolv before lab_dns_up"
        printf 'nameserver %s\noptions %s\n' "$1" "${2:-timeout:1 attempts:2}" \
                >"$LAB_NETNS_ETC/resolv.conf"
        # A running daemon checks resolv.conf at most once a second (the
        # README's rule): after that long, its next lookup reads this one.
        [ -z "${LAB_DAEMON_PID:-}" ] || sleep 1.1
}

# The member's dnsmasq: bound to U only.  whoami.lab tells the members apart.
lab_dns_server() {
        local name=$1 unicast=$2 whoami=$3 hosts="$LABDIR/dns-$1.hosts" a
        {
                echo "$LAB_ANYCAST svc.lab"
                echo "192.0.2.10 v4only.lab"
                echo "$LAB_MEMBER2_ADDR uni.lab"
                echo "$whoami whoami.lab"
                echo "$LAB_ANYCAST big.lab"
                echo "192.0.2.21 printer.lab.lab"
                echo "192.0.2.22 box.lab"
                echo "192.0.2.23 box.lab.lab"
                for a in "${LAB_DNS_BIG_ADDRS[@]}"; do
                        echo "$a big.lab"
                done
        } >"$hosts"
        lab_spawn "$name" "$LABDIR/dns-$name.log" "$LABDIR/dns-$name.log" \
                dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
                --addn-hosts="$hosts" --local=/lab/ --local-ttl=60 --edns-packet-max=512 \
                --local=/8.b.d.0.1.0.0.2.ip6.arpa/ --local=/2.0.192.in-addr.arpa/ \
                --bind-interfaces --listen-address="$unicast" --port=53 \
                --user=root --pid-file= --log-facility=- --log-queries
        # Ready when it answers on U over TCP (bounded).
        lab_wait_for 5 lab_ns "$name" bash -c "exec 3<>/dev/tcp/$unicast/53" ||
                lab_die "dnsmasq on $name does not listen: $(cat "$LABDIR/dns-$name.log")"
}

lab_dns_up() {
        command -v dnsmasq >/dev/null || lab_die "dnsmasq is missing (dnsmasq-base; run tests/setup.sh)"
        [ -f "$LAB_NSS_MODULE" ] || lab_die "the NSS module is not built: $LAB_NSS_MODULE"
        [ -n "$LABDIR" ] || lab_die "lab_dns_up before lab_up"
        # Where glibc looks for libnss_*.so.2: the directory of its libc.
        local libc
        libc=$(ldd "$(command -v getent)" | awk '$1 == "libc.so.6" { print $3 }')
        [ -n "$libc" ] || lab_die "cannot find getent's libc.so.6"
        LAB_NSS_SYSLIBDIR=$(dirname "$(readlink -f "$libc")")
        mkdir -p "$LABDIR/nss-lib" "$LABDIR/nss-work"
        cp "$LAB_NSS_MODULE" "$LABDIR/nss-lib/libnss_aarp.so.2"

        [ -d /etc/netns ] || LAB_NETNS_ROOT_MADE=1
        LAB_NETNS_ETC=/etc/netns/${LAB_PREFIX}client
        mkdir -p "$LAB_NETNS_ETC"
        printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n%s hostsonly.lab\n' \
                "$LAB_DNS_HOSTS_ONLY" >"$LAB_NETNS_ETC/hosts"
        lab_dns_resolv "$LAB_ANYCAST"
        lab_dns_nsswitch "$LAB_DNS_RECOMMENDED"

        # A dual-stack client: with no IPv4 address besides loopback,
        # getaddrinfo(AF_UNSPEC, AI_ADDRCONFIG) (getent ahosts) narrows to
        # AF_INET6 + AI_V4MAPPED, prints IPv4 answers as ::ffff:a.b.c.d and
        # asks every module twice (AAAA, then A).
        ip -n "${LAB_PREFIX}client" addr add "$LAB_DNS_CLIENT_V4/24" dev "$LAB_CLIENT_IF"
        local a
        for a in "${LAB_DNS_BIG_ADDRS[@]}"; do
                ip -n "${LAB_PREFIX}member2" addr add "$a/128" dev lo nodad
        done
        ip -n "${LAB_PREFIX}router" -6 route add "${LAB_DNS_BIG_PREFIX}/64" via "$LAB_MEMBER2_ADDR" dev r2
        lab_dns_server member1 "$LAB_MEMBER1_ADDR" 192.0.2.11
        lab_dns_server member2 "$LAB_MEMBER2_ADDR" 192.0.2.12
        lab_log "dns: dnsmasq on both members (unicast only), client /etc in $LAB_NETNS_ETC"
}

# lab_nss CMD...: CMD in the client namespace, the module overlaid on the
# system library directory inside the command's own mount namespace.
lab_nss() {
        ip netns exec "${LAB_PREFIX}client" env \
                DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" AARP_RUNTIME_DIR="$LABDIR/run" \
                sh -c 'mount -t overlay lab-nss -o "lowerdir=$1:$2" "$2" && shift 2 && exec "$@"' \
                lab-nss "$LABDIR/nss-lib" "$LAB_NSS_SYSLIBDIR" "$@"
}

# lab_dns_addrs NAME [DATABASE]: getent DATABASE (ahosts) NAME, addresses only.
lab_dns_addrs() {
        local out rc=0
        out=$(lab_nss getent "${2:-ahosts}" "$1") || rc=$?
        [ "$rc" -eq 0 ] || return "$rc"
        awk '{ print $1 }' <<<"$out" | sort -u
}

# lab_dns_truncated ADDR NAME: one plain (no EDNS) UDP query for NAME AAAA
# sent from the client namespace to ADDR:53; true if the answer has TC.
lab_dns_truncated() {
        lab_ns client python3 - "$1" "$2" <<'EOF'
import socket, struct, sys
addr, name = sys.argv[1], sys.argv[2]
q = struct.pack(">HHHHHH", 0x4141, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
q += struct.pack(">HH", 28, 1)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(q, (addr, 53))
r, src = s.recvfrom(65535)
flags = struct.unpack(">H", r[2:4])[0]
print("reply from %s, %d bytes, TC=%d" % (src[0], len(r), (flags >> 9) & 1))
sys.exit(0 if flags & 0x0200 else 1)
EOF
}
