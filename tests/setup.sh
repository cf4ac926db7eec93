#!/usr/bin/env bash
# tests/setup.sh: install what aarp needs on Debian 12 (as root) and build it
# into ./build with warnings as errors.  Sourced by tests/run-tests.sh and
# tests/lab/demo.sh; safe to run again (it installs only what is missing).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

packages=(
        build-essential meson ninja-build pkg-config
        libglib2.0-dev libglib2.0-dev-bin libglib2.0-bin libdbus-1-dev libc-ares-dev libcriterion-dev
        dbus dbus-bin systemd iproute2 procps psmisc kmod
        python3 python3-pyftpdlib strace curl inetutils-telnet tnftp busybox dnsmasq-base socat libcap2-bin util-linux valgrind stress-ng
        dnsutils bind9-host
        clang libclang-rt-14-dev llvm
        # tests/system: build the Debian packages, boot Debian 12 with systemd.
        debhelper dpkg-dev fakeroot lintian mmdebstrap systemd-container
        # nss-lab-browsers: real desktop clients by name.
        chromium firefox-esr
)
missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" -ne 0 ]; then
                echo "setup: missing packages (${missing[*]}); run as root to install them" >&2
                exit 1
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Peers that tests and benchmarks run beside aarp, from Debian's own
# binaries unpacked with dpkg -x and never installed: an installed nscd
# would start answering every process on this host (and the lab's
# namespaces, whose /etc/hosts it would hide), and systemd-resolved would
# take over the host's resolver.  The versions are those of the installed
# libc6 and systemd, whose private libraries they load.
#   nscd: nss-lab-nscd, bench-peers; systemd-resolved, libnss-resolve: bench-peers.
peers_dir=${AARP_PEERS_DIR:-/var/cache/aarp-peers}
peer_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }
for peer in nscd:libc6 systemd-resolved:systemd libnss-resolve:systemd; do
        p=${peer%%:*} v=$(peer_version "${peer#*:}")
        [ -n "$v" ] && [ ! -d "$peers_dir/root-$p" ] || continue
        if [ "$(id -u)" -ne 0 ]; then
                echo "setup: $p is not unpacked in $peers_dir; run as root" >&2
                exit 1
        fi
        mkdir -p "$peers_dir/debs"
        (cd "$peers_dir/debs" && apt-get download -q "$p=$v")
        dpkg -x "$peers_dir/debs/${p}_${v//:/%3a}_"*.deb "$peers_dir/root-$p"
done

builddir=${AARP_BUILDDIR:-$top/build}
if [ ! -f "$builddir/build.ninja" ]; then
        meson setup "$builddir" "$top" -Dwerror=true -Dtests=enabled
fi
ninja -C "$builddir"
