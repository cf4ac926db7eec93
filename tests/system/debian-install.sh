#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/system/debian-install.sh: aarp installed the way users install it.
# Builds the Debian packages from this tree (dpkg-buildpackage, lintian),
# boots a Debian 12 root file system with systemd as PID 1 (systemd-nspawn
# -b) inside the client namespace of the anycast lab, whose only nameserver
# is the anycast address, installs the packages there with the README's
# "apt-get install" line, and checks what a user would: the service enabled and running
# with CAP_NET_RAW only, names reaching member1 through getent, curl, GIO,
# aarp-resolve and busctl (as root and as nobody), D-Bus activation after a
# stop, the service back after a reboot, nscd kept in step by the path unit
# (below), and "apt purge" giving back nsswitch.conf byte for byte and
# removing every installed file.
#
# nscd: the packaged daemon runs as aarp-resolve and cannot invalidate
# nscd's hosts cache itself, so aarp-resolved-nscd.path does it as root.
# nscd is in the image but disabled, and runs only for that check (after
# the reboot, stopped before the purge): it would otherwise answer the
# other checks' lookups from its cache.  With nscd started, getent hosts as
# nobody answers member1; a route move to member2 makes the helper service
# run (its start time changes, it exits 0) and getent through nscd answer
# member2 within 15 s (well inside the 60 s nscd would keep the old answer);
# with the path unit stopped, a move back leaves nscd's answer stale while
# aarp-resolve already says member1 (so nscd is what answers, and only the
# path unit keeps it in step); and a burst of 8 FlushCaches neither stops
# the path unit nor keeps the next move from reaching nscd.
#
# The root file system (mmdebstrap, from Debian's archive; the one step
# that needs the network) is cached in $AARP_SYSTEM_CACHE (default
# /var/cache/aarp-system-test) under a hash of its package list, and booted
# through an overlay so the cache stays pristine.  The container cannot
# reach any archive: every run-time dependency of the packages is in that
# list, so apt installs the .deb files alone, with the README's own line.  Set
# AARP_SYSTEM_DEBS=DIR to test packages built elsewhere instead.
#
# On a host whose PID 1 is not systemd nspawn runs with --register=no
# --keep-unit --console=passive and the container is driven with nsenter.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-dns.sh"

for tool in mmdebstrap systemd-nspawn nsenter dpkg-buildpackage lintian; do
        if ! command -v "$tool" >/dev/null; then
                echo "system: $tool is missing (run tests/setup.sh); skipping" >&2
                exit 77
        fi
done

SYS_CACHE=${AARP_SYSTEM_CACHE:-/var/cache/aarp-system-test}
SYS_MIRROR=${AARP_SYSTEM_MIRROR:-http://deb.debian.org/debian}
SYS_SUITE=bookworm
# The booted system: systemd and the bus, the tools the checks use, and the
# packages' run-time dependencies (the container has no archive to ask).
# nscd is there for its own check and disabled in the image (see
# sys_rootfs): started for that check alone, it caches nothing the others see.
SYS_PACKAGES=systemd,systemd-sysv,dbus,iproute2,curl,procps,libcap2-bin,libc-ares2,libglib2.0-0,libdbus-1-3,python3-gi,gir1.2-glib-2.0,nscd
SYS_MACHINE=aarp-systest-$$
SYS_WORK=
SYS_ROOT=
SYS_NSPAWN_PID=
SYS_LEADER=

sys_log() { printf 'system: %s\n' "$*" >&2; }

# Stop the container (politely, then not), unmount, remove; then the lab.
sys_down() {
        local i
        if [ -n "$SYS_NSPAWN_PID" ] && kill -0 "$SYS_NSPAWN_PID" 2>/dev/null; then
                [ -z "$SYS_LEADER" ] || kill -RTMIN+4 "$SYS_LEADER" 2>/dev/null || true
                for i in $(seq 1 30); do
                        kill -0 "$SYS_NSPAWN_PID" 2>/dev/null || break
                        sleep 1
                done
                kill -KILL "$SYS_NSPAWN_PID" 2>/dev/null || true
                [ -z "$SYS_LEADER" ] || kill -KILL "$SYS_LEADER" 2>/dev/null || true
                wait "$SYS_NSPAWN_PID" 2>/dev/null || true
        fi
        SYS_NSPAWN_PID=
        if [ -n "$SYS_ROOT" ] && mountpoint -q "$SYS_ROOT"; then
                umount "$SYS_ROOT" 2>/dev/null || umount -l "$SYS_ROOT" || true
        fi
        if [ -n "$SYS_WORK" ] && [ -d "$SYS_WORK" ]; then
                rm -rf "$SYS_WORK"
        fi
        SYS_WORK=
}
sys_exit() {
        local rc=$?
        set +e
        if [ "$rc" -ne 0 ] && [ -n "$SYS_WORK" ]; then
                sys_log "nspawn log:"; tail -n 40 "$SYS_WORK/nspawn.log" >&2 2>/dev/null
                if [ -n "$SYS_LEADER" ] && kill -0 "$SYS_LEADER" 2>/dev/null; then
                        sys_log "journal of aarp-resolved and dbus:"
                        c journalctl -b --no-pager -n 60 -u aarp-resolved -u dbus -u nscd \
                                -u aarp-resolved-nscd.path -u aarp-resolved-nscd.service >&2 2>/dev/null
                fi
        fi
        sys_down
        (exit "$rc")
        lab_dns_exit
}
trap sys_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# c CMD...: CMD inside the booted container, as root, with a clean
# environment (the lab exports a private bus address that must not leak).
c() {
        nsenter -t "$SYS_LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
                DEBIAN_FRONTEND=noninteractive "$@"
}
# u CMD...: the same as the unprivileged user nobody.
u() {
        c setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/ "$@"
}

# ---- the root file system, cached --------------------------------------
sys_rootfs() {
        local key
        key=$(printf '%s\n' v1 "$SYS_SUITE" "$SYS_MIRROR" "$SYS_PACKAGES" | sha256sum | cut -c1-16)
        SYS_LOWER=$SYS_CACHE/rootfs-$key
        if [ -e "$SYS_LOWER/.aarp-complete" ]; then
                sys_log "root file system: cached $SYS_LOWER"
                return
        fi
        mkdir -p "$SYS_CACHE"
        rm -rf "$SYS_LOWER.tmp"
        sys_log "root file system: mmdebstrap $SYS_SUITE into $SYS_LOWER (once)"
        # No archive inside: the packages under test are installed from files.
        mmdebstrap --variant=minbase --include="$SYS_PACKAGES" \
                --customize-hook='rm -f "$1/etc/apt/sources.list"' \
                --customize-hook='echo aarp-systest >"$1/etc/hostname"' \
                --customize-hook='chroot "$1" systemctl disable --quiet nscd.service' \
                "$SYS_SUITE" "$SYS_LOWER.tmp" "$SYS_MIRROR" >"$SYS_CACHE/mmdebstrap.log" 2>&1 ||
                lab_die "mmdebstrap failed: $(tail -n 20 "$SYS_CACHE/mmdebstrap.log")"
        touch "$SYS_LOWER.tmp/.aarp-complete"
        mv "$SYS_LOWER.tmp" "$SYS_LOWER"
        # Older keys are older package lists: drop them.
        find "$SYS_CACHE" -maxdepth 1 -name 'rootfs-*' ! -path "$SYS_LOWER" -exec rm -rf {} +
}

# ---- the packages -------------------------------------------------------
sys_debs() {
        mkdir -p "$SYS_WORK/repo"
        if [ -n "${AARP_SYSTEM_DEBS:-}" ]; then
                cp "$AARP_SYSTEM_DEBS"/*.deb "$SYS_WORK/repo/"
        else
                mkdir -p "$SYS_WORK/build/src"
                # The tree as it is (committed or not), without build output.
                if git -C "$AARP_SOURCE_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
                        (cd "$AARP_SOURCE_ROOT" && git ls-files -z --cached --others --exclude-standard |
                                tar --null -T - -cf -) | tar -xf - -C "$SYS_WORK/build/src"
                else
                        tar -C "$AARP_SOURCE_ROOT" --exclude=./build --exclude='./build-*' \
                                --exclude='./obj-*' -cf - . | tar -xf - -C "$SYS_WORK/build/src"
                fi
                sys_log "dpkg-buildpackage -us -uc -b"
                (cd "$SYS_WORK/build/src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b) >"$SYS_WORK/build.log" 2>&1 ||
                        lab_die "dpkg-buildpackage failed: $(tail -n 30 "$SYS_WORK/build.log")"
                pass "dpkg-buildpackage -us -uc -b"
                local lint
                lint=$(lintian --fail-on error,warning "$SYS_WORK"/build/*.changes 2>&1) ||
                        fail "lintian: $lint"
                lint=$(grep -v 'running with root privileges' <<<"$lint" || true)
                pass "lintian: no errors or warnings${lint:+ ($(tr '\n' ' ' <<<"$lint"))}"
                # All of them, -dbgsym too: the README's globs must pick the right ones.
                cp "$SYS_WORK"/build/*.deb "$SYS_WORK/repo/"
        fi
        ls "$SYS_WORK"/repo/aarp-resolved_*.deb >/dev/null 2>&1 || lab_die "no aarp-resolved package in $SYS_WORK/repo"
        # The README's commands run in the source tree, the packages in "..".
        mkdir -p "$SYS_WORK/repo/src"
}

# ---- the container --------------------------------------------------------
sys_boot() {
        local deadline state
        systemd-nspawn -q -D "$SYS_ROOT" -M "$SYS_MACHINE" -b --register=no --keep-unit --console=passive \
                --network-namespace-path="/run/netns/${LAB_PREFIX}client" --resolv-conf=off --timezone=off \
                --link-journal=no --bind-ro="$SYS_WORK/repo:/srv/aarp-debs" >>"$SYS_WORK/nspawn.log" 2>&1 &
        SYS_NSPAWN_PID=$!
        SYS_LEADER=
        deadline=$((SECONDS + 60))
        while [ -z "$SYS_LEADER" ]; do
                local child
                for child in $(pgrep -P "$SYS_NSPAWN_PID" 2>/dev/null); do
                        [ "$(cat "/proc/$child/comm" 2>/dev/null)" = systemd ] && SYS_LEADER=$child
                done
                kill -0 "$SYS_NSPAWN_PID" 2>/dev/null || lab_die "systemd-nspawn exited: $(tail -n 20 "$SYS_WORK/nspawn.log")"
                [ "$SECONDS" -lt "$deadline" ] || lab_die "no systemd in the container after 60 s"
                sleep 0.2
        done
        # systemctl needs the manager's private socket before it can wait.
        lab_wait_for 120 test -S "/proc/$SYS_LEADER/root/run/systemd/private" ||
                lab_die "systemd in the container did not open its private socket"
        state=$(c timeout 180 systemctl is-system-running --wait 2>&1) || true
        case "$state" in
        running) ;;
        degraded) sys_log "system degraded: $(c systemctl --failed --no-legend --plain | tr '\n' ' ')" ;;
        *) lab_die "the container did not boot: '$state'" ;;
        esac
}

# The container's reboot: nspawn exits 133, and we boot the same tree again.
sys_reboot() {
        local rc=0
        c systemctl reboot || true
        wait "$SYS_NSPAWN_PID" || rc=$?
        SYS_NSPAWN_PID=
        [ "$rc" -eq 133 ] || lab_die "systemd-nspawn exited $rc on reboot, expected 133"
        sys_boot
}

sys_poweroff() {
        local rc=0
        c systemctl poweroff || true
        wait "$SYS_NSPAWN_PID" || rc=$?
        SYS_NSPAWN_PID=
        SYS_LEADER=
        [ "$rc" -eq 0 ] || fail "systemd-nspawn exited $rc on poweroff"
}

# ---- checks -----------------------------------------------------------------
U1=$LAB_MEMBER1_ADDR

expect_service_running() {
        local pid caps restarts
        c systemctl is-enabled --quiet aarp-resolved.service || fail "aarp-resolved.service is not enabled"
        c systemctl is-active --quiet aarp-resolved.service ||
                fail "aarp-resolved.service is not active: $(c systemctl status --no-pager aarp-resolved 2>&1 | tail -n 15)"
        pid=$(c systemctl show -p MainPID --value aarp-resolved.service)
        [ "$pid" -gt 0 ] || fail "aarp-resolved has no main process"
        [ "$(c ps -o user= -p "$pid")" = aarp-resolve ] || fail "aarp-resolved does not run as aarp-resolve"
        # Permitted, effective, bounding and ambient: CAP_NET_RAW (bit 13) only.
        caps=$(c grep -E '^Cap(Prm|Eff|Bnd|Amb):' "/proc/$pid/status" | awk '{print $2}' | sort -u)
        [ "$caps" = 0000000000002000 ] ||
                fail "aarp-resolved's capabilities are not CAP_NET_RAW alone: $(c grep ^Cap "/proc/$pid/status" | tr '\n' ' ')"
        restarts=$(c systemctl show -p NRestarts --value aarp-resolved.service)
        [ "$restarts" = 0 ] || fail "aarp-resolved was restarted $restarts times: $(c journalctl -b --no-pager -u aarp-resolved | tail -n 10)"
        pass "aarp-resolved.service enabled and active (pid $pid, user aarp-resolve, CAP_NET_RAW only, no restarts)"
}

# expect_names WHO: getent, curl, GIO, aarp-resolve and busctl by name as
# WHO (c = root, u = nobody) reach member1.
expect_names() {
        local who=$1 label out
        [ "$who" = c ] && label=root || label=nobody
        out=$($who getent ahosts svc.lab | awk '{print $1}' | sort -u) || fail "$label: getent ahosts svc.lab failed"
        [ "$out" = "$U1" ] || fail "$label: getent ahosts svc.lab gave '$out', expected $U1"
        pass "$label: getent ahosts svc.lab -> $out"
        out=$($who curl -sS --max-time 10 http://svc.lab:8080/) || fail "$label: curl http://svc.lab:8080/ failed"
        [ "$out" = member1 ] || fail "$label: curl http://svc.lab:8080/ gave '$out'"
        pass "$label: curl http://svc.lab:8080/ -> $out"
        # GLib: GResolver (GThreadedResolver, getaddrinfo) and GSocketClient.
        out=$($who python3 -c '
from gi.repository import Gio
r = Gio.Resolver.get_default()
print(" ".join(sorted(a.to_string() for a in r.lookup_by_name("svc.lab", None))))
c = Gio.SocketClient.new()
c.set_timeout(10)
conn = c.connect_to_host("svc.lab", 8080, None)
print(conn.get_remote_address().get_address().to_string())
conn.get_output_stream().write_all(b"GET / HTTP/1.0\r\n\r\n", None)
data = b""
while True:
    chunk = conn.get_input_stream().read_bytes(4096, None).get_data()
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n\r\n", 1)[1].decode().strip())' 2>&1) || fail "$label: GIO lookup failed: $out"
        [ "$out" = "$U1"$'\n'"$U1"$'\n'member1 ] || fail "$label: GIO gave '$out'"
        pass "$label: GResolver svc.lab -> $U1; GSocketClient svc.lab:8080 -> $U1, member1"
        out=$($who aarp-resolve svc.lab 2>&1) || fail "$label: aarp-resolve svc.lab failed: $out"
        grep -qF "$U1" <<<"$out" || fail "$label: aarp-resolve svc.lab: $out"
        out=$($who aarp-resolve "$LAB_ANYCAST" 2>&1) || fail "$label: aarp-resolve $LAB_ANYCAST failed: $out"
        grep -qF "$LAB_ANYCAST: $U1 -- anycast" <<<"$out" || fail "$label: aarp-resolve $LAB_ANYCAST: $out"
        pass "$label: aarp-resolve: $out"
        # The README's busctl line; 2001:db8:11::2 comes back as bytes.
        out=$($who busctl call org.aarp.Resolve1 /org/aarp/Resolve1 org.aarp.Resolve1.Manager ResolveAddress \
                iayt 0 16 0x20 0x01 0x0d 0xb8 0x00 0x0a 0 0 0 0 0 0 0 0 0 1 0 2>&1) ||
                fail "$label: busctl ResolveAddress failed: $out"
        grep -q '16 32 1 13 184 0 17 0 0 0 0 0 0 0 0 0 2 ' <<<"$out" || fail "$label: busctl ResolveAddress: $out"
        pass "$label: busctl ResolveAddress $LAB_ANYCAST: $out"
}

# ---- nscd in front of the module ----------------------------------------------
U2=$LAB_MEMBER2_ADDR
NSCD_HELPER=aarp-resolved-nscd.service

# What a program gets (gethostbyname2 AF_INET6 as nobody: through nscd while
# it runs), and what the daemon answers itself (aarp-resolve asks it over
# its socket, never nscd).
via_nscd() { u getent hosts svc.lab | awk 'NR == 1 { print $1 }' || true; }
daemon_says() { u aarp-resolve svc.lab | awk 'NR == 1 { print $2 }' || true; }
nscd_gives() { [ "$(via_nscd)" = "$1" ]; }
daemon_gives() { [ "$(daemon_says)" = "$1" ]; }
# within SECONDS CMD...: a bounded poll in real seconds (not stretched by
# LAB_WAIT_SCALE): these bounds must stay well under nscd's entry lifetime.
within() { LAB_WAIT_SCALE=1 lab_wait_for "$@"; }
helper_started() { c systemctl show -p ExecMainStartTimestampMonotonic --value "$NSCD_HELPER"; }
helper_started_since() { [ "$(helper_started)" != "$1" ]; }
# expect_helper_ran SINCE WHY: the helper started after SINCE (its previous
# start) and `nscd -i hosts` exited 0 (the unit ignores its failure).
expect_helper_ran() {
        local now status
        now=$(helper_started)
        [ "$now" != "$1" ] || fail "$2: $NSCD_HELPER did not run: $(c systemctl status --no-pager aarp-resolved-nscd.path "$NSCD_HELPER" 2>&1 | tail -n 20)"
        status=$(c systemctl show -p ExecMainStatus --value "$NSCD_HELPER")
        [ "$status" = 0 ] || fail "$2: nscd -i hosts in $NSCD_HELPER exited $status"
}

# The packaged daemon runs as aarp-resolve, and nscd takes INVALIDATE from
# root only: the daemon rewrites /run/aarp-resolved/nscd-invalidate and
# aarp-resolved-nscd.path runs `nscd -i hosts` as root.  Runs after the
# reboot (the path unit came up with the enabled service at boot) and
# stops nscd again, so the purge check below sees the system as before.
#
# Timing: nscd keeps an entry for the TTL the module gave and then asks
# the module again by itself, so a stale answer heals at the TTL whatever
# the path unit does.  svc.lab's AAAA answer has 60 s (AnycastTTL= and the
# lab's DNS TTL; getaddrinfo's AF_UNSPEC answer has only 30 s, which is why
# this uses getent hosts), each entry checked here was cached a few seconds
# before, and every "nscd follows" poll gives up after 15 s: a helper that
# does not invalidate fails them.
expect_nscd_invalidated() {
        local t i got cached start=$SECONDS

        c systemctl is-active --quiet aarp-resolved-nscd.path ||
                fail "aarp-resolved-nscd.path is not active after boot: $(c systemctl status --no-pager aarp-resolved-nscd.path 2>&1 | tail -n 10)"
        c systemctl start nscd.service || fail "systemctl start nscd: $(c journalctl -b --no-pager -u nscd | tail -n 10)"
        c test -S /run/nscd/socket || fail "nscd is active but /run/nscd/socket is missing"
        pass "nscd started; aarp-resolved-nscd.path active since boot"

        # FlushCaches (root): the helper runs; and every TTL starts afresh.
        t=$(helper_started)
        c busctl call org.aarp.Resolve1 /org/aarp/Resolve1 org.aarp.Resolve1.Manager FlushCaches ||
                fail "busctl call ... FlushCaches failed"
        within 15 helper_started_since "$t" || true
        expect_helper_ran "$t" "FlushCaches"
        pass "busctl call ... FlushCaches: $NSCD_HELPER ran (exit 0)"

        got=$(via_nscd)
        [ "$got" = "$U1" ] || fail "with nscd: getent hosts svc.lab gave '$got', expected member1 $U1"
        pass "with nscd: getent hosts svc.lab -> $got"

        # The move the daemon sees on netlink: nscd must follow.
        t=$(helper_started)
        lab_client_uplink 2
        within 15 nscd_gives "$U2" ||
                fail "route moved to member2: getent hosts svc.lab through nscd still gives '$(via_nscd)' after 15 s (the daemon: '$(daemon_says)')"
        cached=$SECONDS
        expect_helper_ran "$t" "route move"
        pass "route moved to member2: $NSCD_HELPER ran, getent through nscd -> $U2"

        # Without the path unit nscd keeps the old answer: it is nscd that
        # answers, and only the path unit tells it.
        c systemctl stop aarp-resolved-nscd.path
        t=$(helper_started)
        lab_client_uplink 1
        within 15 daemon_gives "$U1" ||
                fail "route moved back to member1: aarp-resolve svc.lab still gives '$(daemon_says)' after 15 s"
        got=$(via_nscd)
        [ "$got" = "$U2" ] ||
                fail "path unit stopped, route back to member1: getent through nscd gave '$got' $((SECONDS - cached)) s after nscd cached $U2, expected that stale $U2 (is nscd answering at all?)"
        [ "$(helper_started)" = "$t" ] || fail "$NSCD_HELPER ran with its path unit stopped"
        pass "path unit stopped, route back to member1: the daemon says $U1, nscd still $got"

        # A burst of drops (a flapping route does the same): the daemon
        # spaces its rewrites 100 ms apart, each starts the helper, and the
        # path unit must survive it and still work after.
        c systemctl start aarp-resolved-nscd.path
        for i in 1 2 3 4 5 6 7 8; do
                c busctl call org.aarp.Resolve1 /org/aarp/Resolve1 org.aarp.Resolve1.Manager FlushCaches ||
                        fail "busctl call ... FlushCaches failed"
                sleep 0.3 # pacing the burst, not waiting for a result
        done
        within 15 nscd_gives "$U1" ||
                fail "path unit started, 8 x FlushCaches: getent through nscd still gives '$(via_nscd)' after 15 s"
        c systemctl is-active --quiet aarp-resolved-nscd.path ||
                fail "aarp-resolved-nscd.path stopped after a burst of 8 drops: $(c systemctl show -p Result aarp-resolved-nscd.path)"
        t=$(helper_started)
        lab_client_uplink 2
        within 15 nscd_gives "$U2" ||
                fail "after the burst, route moved to member2: getent through nscd still gives '$(via_nscd)' after 15 s"
        expect_helper_ran "$t" "route move after the burst"
        pass "8 x FlushCaches in 3 s: nscd -> $U1, the path unit still active; a route move after it: nscd -> $U2"

        lab_client_uplink 1
        c systemctl stop nscd.service
        c systemctl is-active --quiet nscd.service && fail "nscd still active after systemctl stop"
        pass "nscd stopped again (the nscd checks took $((SECONDS - start)) s)"
}

# ---- the run ------------------------------------------------------------------
lab_up
lab_dns_up
sys_rootfs
SYS_WORK=$(mktemp -d /var/tmp/aarp-system.XXXXXX)
sys_debs
mkdir -p "$SYS_WORK/upper" "$SYS_WORK/ovl-work" "$SYS_WORK/root"
SYS_ROOT=$SYS_WORK/root
mount -t overlay overlay -o "lowerdir=$SYS_LOWER,upperdir=$SYS_WORK/upper,workdir=$SYS_WORK/ovl-work" "$SYS_ROOT"
# The lab's resolver: the anycast address is the only nameserver.
rm -f "$SYS_ROOT/etc/resolv.conf"
printf 'nameserver %s\n' "$LAB_ANYCAST" >"$SYS_ROOT/etc/resolv.conf"
cp "$SYS_ROOT/etc/nsswitch.conf" "$SYS_WORK/nsswitch.before"

sys_boot
pass "Debian 12 booted with systemd as PID 1 in the lab's client namespace (leader $SYS_LEADER)"
# Installed but disabled: the checks before expect_nscd_invalidated see no nscd.
c systemctl is-active --quiet nscd.service && fail "nscd runs at boot: its answers would mask the other checks"
c test -e /run/nscd/socket && fail "/run/nscd/socket exists although nscd is not running"
pass "nscd installed, not running"

# Without aarp the name does not resolve: the nameserver is anycast.
c getent ahosts svc.lab >/dev/null && fail "svc.lab resolves before aarp is installed: the lab proves nothing"
pass "before install: getent ahosts svc.lab fails (anycast nameserver)"

# The README's install line, verbatim, beside the packages as
# dpkg-buildpackage leaves them (in ..).
readme_install=$(sed -n 's/^    \(apt-get install -y \.\.\/aarp-resolved_.*\)$/\1/p' "$AARP_SOURCE_ROOT/README.md")
[ -n "$readme_install" ] || fail "README.md has no 'apt-get install -y ../aarp-resolved_*.deb ...' line"
c sh -c "cd /srv/aarp-debs/src && $readme_install" >"$SYS_WORK/apt.log" 2>&1 ||
        fail "$readme_install: $(tail -n 30 "$SYS_WORK/apt.log")"
pass "README: $readme_install"
c dpkg-query -W -f '${Package} ${Version}\n' aarp-resolved libnss-aarp aarp-utils >/dev/null ||
        fail "the README's line did not install aarp-resolved, libnss-aarp and aarp-utils"
c dpkg-query -L aarp-resolved libnss-aarp aarp-utils | sort -u >"$SYS_WORK/installed.list"

grep -E '^hosts:' "$SYS_ROOT/etc/nsswitch.conf" | grep -qF 'files aarp [!UNAVAIL=return] dns' ||
        fail "nsswitch.conf hosts line after install: $(grep '^hosts:' "$SYS_ROOT/etc/nsswitch.conf")"
pass "nsswitch.conf: $(grep '^hosts:' "$SYS_ROOT/etc/nsswitch.conf")"
# The first start raced nothing: the bus knew the user when it read the policy.
if c journalctl -b --no-pager -u dbus | grep -F 'Unknown username "aarp-resolve"'; then
        fail "dbus-daemon read the policy before the aarp-resolve user existed"
fi
expect_service_running
expect_names c
expect_names u

# D-Bus activation: stopped, the first bus call starts it again.
c systemctl stop aarp-resolved.service
c systemctl is-active --quiet aarp-resolved.service && fail "aarp-resolved still active after stop"
c busctl call org.aarp.Resolve1 /org/aarp/Resolve1 org.aarp.Resolve1.Manager ResolveAddress \
        iayt 0 16 0x20 0x01 0x0d 0xb8 0x00 0x0a 0 0 0 0 0 0 0 0 0 1 0 >/dev/null ||
        fail "the bus call after a stop did not activate aarp-resolved"
c systemctl is-active --quiet aarp-resolved.service || fail "aarp-resolved not active after D-Bus activation"
pass "systemctl stop, then a busctl call: D-Bus activation started aarp-resolved"

sys_reboot
pass "rebooted (nspawn exit 133, booted again)"
expect_service_running
expect_names u
expect_nscd_invalidated

# Purge: nsswitch.conf back byte for byte, every installed file gone.
c apt-get purge -y -q aarp-resolved libnss-aarp aarp-utils >>"$SYS_WORK/apt.log" 2>&1 ||
        fail "apt-get purge: $(tail -n 30 "$SYS_WORK/apt.log")"
cmp "$SYS_WORK/nsswitch.before" "$SYS_ROOT/etc/nsswitch.conf" ||
        fail "nsswitch.conf after purge differs: $(diff "$SYS_WORK/nsswitch.before" "$SYS_ROOT/etc/nsswitch.conf")"
pass "apt-get purge: nsswitch.conf identical to the one before install"
left=$(c sh -c 'for f in "$@"; do if [ -e "$f" ] && [ ! -d "$f" ]; then echo "$f"; fi; done' sh \
        $(cat "$SYS_WORK/installed.list"))
for d in /etc/aarp /usr/lib/libnss-aarp /var/lib/libnss-aarp /usr/share/doc/aarp-resolved \
        /etc/systemd/system/multi-user.target.wants/aarp-resolved.service; do
        c test -e "$d" && left+=" $d"
done
[ -z "$left" ] || fail "left after purge: $left"
c systemctl is-active --quiet aarp-resolved.service && fail "aarp-resolved still running after purge"
c systemctl is-active --quiet aarp-resolved-nscd.path && fail "aarp-resolved-nscd.path still active after purge"
pass "apt-get purge: no installed file, conffile or unit link left; the service is gone"
sys_poweroff
pass "container powered off"
