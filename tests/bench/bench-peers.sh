#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/bench-peers.sh: getaddrinfo() of a one-address name through
# aarp and through its peers, alternated in one run in the lab's client
# namespace (tests/bench/gai-loop.c does the lookups, one process per
# measurement, following the nsswitch.conf bound over /etc for it):
#
#   files          hosts: files (the name is in the hosts file)
#   floor          hosts: floor, tests/bench/nss-floor.c: one constant
#                  address, no work at all - the floor for any module
#   aarp-snapshot  hosts: aarp, answered from names.snapshot
#   aarp-io        hosts: aarp over io.socket (a runtime directory that has
#                  the daemon's io.socket but no snapshot)
#   nscd-files     nscd in front of hosts: files
#   nscd-aarp      nscd in front of hosts: aarp
#   resolved       hosts: resolve (nss-resolve) and systemd-resolved, whose
#                  cache answers (the authoritative server, auth-dns.py on
#                  member1, gives the SOA that lets it cache the missing A
#                  record too)
#
# nscd, systemd-resolved and nss-resolve are Debian's binaries unpacked with
# dpkg -x (tests/setup.sh puts them in $AARP_PEERS_DIR, default
# /var/cache/aarp-peers), never installed: each of them and each client
# runs with the lab's own directory bound over /run, so glibc finds that
# nscd's socket, nss-resolve that resolved's Varlink socket, and the host's
# /run is never touched.  resolved runs as root with its own user in a
# private copy of /etc/passwd, and without a bus (nss-resolve speaks Varlink).
#
# Per configuration and round: p50/p99 of COUNT lookups, then 2 threads
# back to back for BENCH_PEERS_SECONDS (default 2); ROUNDS (default 3)
# alternating rounds.  Then, untimed, the system calls per lookup under
# strace -c: the client's (the difference between COUNT+1000 and 1000
# lookups, so start-up cancels out) and the daemon's (aarp-resolved
# attached with strace -f -p during COUNT lookups).  Not part of CI:
#   AARP_BUILD_ROOT=build bash tests/bench/bench-peers.sh [COUNT]
# BENCH_PEERS_ONLY="floor aarp-snapshot" limits the configurations;
# BENCH_PEERS_OLD_NSS=DIR adds aarp-snapshot-old: the snapshot path through
# the libnss_aarp.so.2 in DIR (an older build), against the same daemon.
source "${AARP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/integration/common.sh"

COUNT=${1:-5000}
ROUNDS=${BENCH_PEERS_ROUNDS:-3}
THREAD_SECONDS=${BENCH_PEERS_SECONDS:-2}
CONFIGS=${BENCH_PEERS_ONLY:-files floor aarp-snapshot aarp-io nscd-files nscd-aarp resolved}
[ -z "${BENCH_PEERS_OLD_NSS:-}" ] || CONFIGS="$CONFIGS aarp-snapshot-old"
NAME=bench6.test
GAI=$LAB_BUILD_ROOT/tests/bench/gai-loop
PEERS_DIR=${AARP_PEERS_DIR:-/var/cache/aarp-peers}
NSCD=$PEERS_DIR/root-nscd/usr/sbin/nscd
RESOLVED=$PEERS_DIR/root-systemd-resolved/lib/systemd/systemd-resolved
NSS_RESOLVE_DIR=$PEERS_DIR/root-libnss-resolve/usr/lib/x86_64-linux-gnu
[ -x "$GAI" ] && [ -f "$LAB_BUILD_ROOT/tests/bench/libnss_floor.so.2" ] || lab_die "gai-loop or libnss_floor is not built"
case " $CONFIGS " in *" nscd-"*) [ -x "$NSCD" ] || lab_die "no nscd at $NSCD (tests/setup.sh unpacks it)" ;; esac
case " $CONFIGS " in *" resolved "*) [ -x "$RESOLVED" ] && [ -f "$NSS_RESOLVE_DIR/libnss_resolve.so.2" ] ||
        lab_die "no systemd-resolved / nss-resolve in $PEERS_DIR (tests/setup.sh unpacks them)" ;; esac
command -v strace >/dev/null || lab_die "strace is missing"

lab_up
NETNS_ETC=/etc/netns/${LAB_PREFIX}client
cleanup() { rm -rf "$NETNS_ETC"; lab_down; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
mkdir -p "$NETNS_ETC"
printf '127.0.0.1 localhost\n%s %s\n' "$LAB_ANYCAST" "$NAME" >"$NETNS_ETC/hosts"
for s in files floor aarp resolve; do
        printf 'hosts: %s\n' "$s" >"$LABDIR/nsswitch-$s.conf"
done
# A directory with io.socket and no names.snapshot: every lookup is a
# round trip (the same daemon serves both aarp lines).
mkdir -m 0755 "$LABDIR/run-io" "$LABDIR/varrun-none"
ln -s "$LABDIR/run/io.socket" "$LABDIR/run-io/io.socket"

# lab_start_daemon logs at debug level (a file write per request): start it
# for its config, then again at the default level.
lab_start_daemon
lab_stop_daemon || lab_die "daemon did not stop"
DAEMON_PID=
start_quiet_daemon() {
        if [ -n "$DAEMON_PID" ]; then
                kill "$DAEMON_PID"
                wait "$DAEMON_PID" 2>/dev/null || true
                lab_wait_for 5 bench_name_gone || lab_die "daemon did not stop"
        fi
        lab_write_daemon_config "$@"
        ip netns exec "${LAB_PREFIX}client" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
                AARP_RUNTIME_DIR="$LABDIR/run" "$LAB_DAEMON" --config "$LABDIR/resolved.conf" \
                >>"$LABDIR/daemon.log" 2>&1 &
        DAEMON_PID=$!
        LAB_PIDS+=("$DAEMON_PID")
        lab_wait_for 10 lab_name_owned || lab_die "daemon did not come back: $(tail -n 20 "$LABDIR/daemon.log")"
        lab_wait_for 5 test -S "$LABDIR/run/io.socket" || lab_die "no io.socket"
}
bench_name_gone() { ! lab_name_owned; }
start_quiet_daemon

# in_config CONFIG CMD...: CMD in the client namespace as CONFIG sees it:
# its nsswitch.conf over /etc/nsswitch.conf and its /run (with or without
# an nscd socket).  ip netns exec gives every command a mount namespace of
# its own, so neither mount is seen anywhere else.
in_config() {
        local c=$1 sw varrun=$LABDIR/varrun-none run=$LABDIR/run libs=$LAB_BUILD_ROOT/nss
        shift
        case $c in
        nscd-*) sw=${c#nscd-} varrun=$LABDIR/varrun-$c ;;
        aarp-*) sw=aarp ;;
        resolved) sw=resolve varrun=$LABDIR/varrun-resolved ;;
        *) sw=$c ;;
        esac
        [ "$c" = aarp-io ] && run=$LABDIR/run-io
        [ "$c" = aarp-snapshot-old ] && libs=$BENCH_PEERS_OLD_NSS
        lab_client env AARP_RUNTIME_DIR="$run" \
                LD_LIBRARY_PATH="$libs:$LAB_BUILD_ROOT/tests/bench:$NSS_RESOLVE_DIR" \
                sh -c 'mount --bind "$1" /etc/nsswitch.conf && mount --bind "$2" /run && shift 2 && exec "$@"' \
                in_config "$LABDIR/nsswitch-$sw.conf" "$varrun" "$@"
}

# nscd for the nscd-* lines: hosts only, shared memory (what makes it fast),
# not persistent (its files stay in the bound /run).
for c in $CONFIGS; do
        case $c in nscd-*) ;; *) continue ;; esac
        mkdir -p -m 0755 "$LABDIR/varrun-$c/nscd"
        cat >"$LABDIR/nscd-$c.conf" <<EOF
enable-cache passwd no
enable-cache group no
enable-cache services no
enable-cache netgroup no
enable-cache hosts yes
positive-time-to-live hosts 3600
negative-time-to-live hosts 20
shared hosts yes
persistent hosts no
EOF
        in_config "$c" "$NSCD" -F -f "$LABDIR/nscd-$c.conf" >>"$LABDIR/nscd-$c.log" 2>&1 &
        LAB_PIDS+=("$!")
        lab_wait_for 5 test -S "$LABDIR/varrun-$c/nscd/socket" || lab_die "nscd ($c) did not start: $(cat "$LABDIR/nscd-$c.log")"
done

# systemd-resolved, its cache filled from auth-dns.py on member1.
if [[ " $CONFIGS " == *" resolved "* ]]; then
        lab_spawn member1 "$LABDIR/auth-dns.log" "$LABDIR/auth-dns.log" \
                python3 "$LAB_SOURCE_ROOT/tests/bench/auth-dns.py" "$LAB_MEMBER1_ADDR" "$NAME" "$LAB_MEMBER1_ADDR"
        lab_wait_for 5 grep -q ready "$LABDIR/auth-dns.log" || lab_die "auth-dns.py did not start: $(cat "$LABDIR/auth-dns.log")"
        mkdir -p -m 0755 "$LABDIR/varrun-resolved/systemd/resolved.conf.d"
        printf '%s\n' "[Resolve]" "DNS=$LAB_MEMBER1_ADDR" "Domains=~." LLMNR=no MulticastDNS=no DNSSEC=no \
                DNSOverTLS=no Cache=yes DNSStubListener=no ReadEtcHosts=no \
                >"$LABDIR/varrun-resolved/systemd/resolved.conf.d/bench.conf"
        cp /etc/passwd "$LABDIR/passwd"
        cp /etc/group "$LABDIR/group"
        echo 'systemd-resolve:x:991:991:bench:/:/usr/sbin/nologin' >>"$LABDIR/passwd"
        echo 'systemd-resolve:x:991:' >>"$LABDIR/group"
        lab_client env SYSTEMD_LOG_LEVEL=notice sh -c 'mount --bind "$1" /run && mount --bind "$2" /etc/passwd &&
                mount --bind "$3" /etc/group && exec "$4"' resolved "$LABDIR/varrun-resolved" "$LABDIR/passwd" \
                "$LABDIR/group" "$RESOLVED" >>"$LABDIR/resolved.log" 2>&1 &
        LAB_PIDS+=("$!")
        lab_wait_for 5 test -S "$LABDIR/varrun-resolved/systemd/resolve/io.systemd.Resolve" ||
                lab_die "systemd-resolved did not start: $(cat "$LABDIR/resolved.log")"
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
result() { echo "RESULT $*" | tee -a "$LABDIR/results"; }
echo "# getaddrinfo($NAME, AF_UNSPEC, SOCK_STREAM); $COUNT lookups per round, $ROUNDS rounds; load $(load)"
for round in $(seq 1 "$ROUNDS"); do
        for c in $CONFIGS; do
                out=$(in_config "$c" nice -n 5 "$GAI" "$NAME" "$COUNT" time) || fail "$c: lookups failed"
                result latency "$c" round "$round" "$out"
        done
        for c in $CONFIGS; do
                out=$(in_config "$c" nice -n 5 "$GAI" "$NAME" "$THREAD_SECONDS" threads 2) || fail "$c: lookups failed"
                result throughput "$c" round "$round" threads 2 "$out"
        done
        echo "# load after round $round: $(load)"
done

# The snapshot path against the floor paired more tightly: one process,
# rounds of 100 lookups alternating between the two modules
# (bench-nss.c with __nss_configure_lookup(); no nscd involved here), then
# PAIRED_ROUNDS rounds of 2 threads for 1 s each, alternating.  The same
# with aarp on both lines is the control: what two identical lines differ
# by on this machine at this moment.  Then nss-direct: each module's own
# ns per call and its 2-thread scaling, without glibc around it.
PAIRED_ROUNDS=${BENCH_PEERS_PAIRED_ROUNDS:-9}
if [[ " $CONFIGS " == *" floor "* && " $CONFIGS " == *" aarp-snapshot "* ]]; then
        for baseline in floor aarp; do
                echo "# paired in one process: hosts: $baseline vs hosts: aarp (snapshot)"
                in_config aarp-snapshot env BENCH_NSS_BASELINE=$baseline BENCH_NSS_ROUNDS="$PAIRED_ROUNDS" \
                        nice -n 5 "$LAB_BUILD_ROOT/tests/bench/bench-nss" "$NAME" "$COUNT" 2 1 |
                        sed -e 's/^/  /' -e "s/^  RESULT throughput /RESULT paired-$baseline /" ||
                        fail "bench-nss failed"
        done
        echo "# the modules called directly (nss-direct), alternating"
        in_config aarp-snapshot nice -n 5 "$LAB_BUILD_ROOT/tests/bench/nss-direct" "$NAME" 1 5 ||
                fail "nss-direct failed"
fi

# BENCH_PEERS_PERF="CONFIG...": where the time goes (perf, 2 threads).
for c in ${BENCH_PEERS_PERF:-}; do
        in_config "$c" perf record -q -o "$LABDIR/perf-$c.data" "$GAI" "$NAME" 3 threads 2 >/dev/null 2>&1 ||
                fail "$c: perf failed"
        echo "# perf, $c (2 threads): the top of perf report"
        perf report -i "$LABDIR/perf-$c.data" --stdio --sort dso,symbol >"$LABDIR/perf-$c.txt" 2>/dev/null || true
        grep -v -e '^#' -e '^$' "$LABDIR/perf-$c.txt" | sed -n 1,25p
done

# strace_calls FILE: "name calls" per system call of a strace -c summary.
strace_calls() {
        awk '/^-+/ { n++; next } n == 1 && NF >= 5 { print $NF, ($4 ~ /^[0-9]+$/ ? $4 : $(NF-1)) }' "$1"
}
# per_lookup A B N: the per-call difference of two summaries over N lookups.
per_lookup() {
        awk -v n="$3" 'FILENAME == ARGV[1] { a[$1] = $2; next } { b[$1] = $2 }
                END { t = 0; s = ""; for (k in b) { d = (b[k] - a[k]) / n; t += d;
                        if (d >= 0.005) s = s sprintf(" %s=%.2f", k, d) } printf "%.2f%s\n", t, s }' \
                <(strace_calls "$1") <(strace_calls "$2")
}
echo "# system calls per lookup (strace -c, untimed)"
# aarp-io last, against a daemon that publishes no snapshot (otherwise its
# figure includes rewriting names.snapshot after each answer, 20 ms apart).
io_last=$(for c in $CONFIGS; do [ "$c" = aarp-io ] || echo "$c"; done; case " $CONFIGS " in *" aarp-io "*) echo aarp-io ;; esac)
for c in $io_last; do
        if [ "$c" = aarp-io ]; then
                start_quiet_daemon "PublishSnapshot=no"
                in_config "$c" "$GAI" "$NAME" 10 || fail "$c: lookups failed"
        fi
        in_config "$c" strace -c -f -o "$LABDIR/strace-$c-base" "$GAI" "$NAME" 1000 || fail "$c: strace run failed"
        in_config "$c" strace -c -f -o "$LABDIR/strace-$c-more" "$GAI" "$NAME" $((COUNT + 1000)) ||
                fail "$c: strace run failed"
        client=$(per_lookup "$LABDIR/strace-$c-base" "$LABDIR/strace-$c-more" "$COUNT")
        # The daemon (and nscd) during COUNT lookups.
        server=-
        case $c in
        aarp-*) spid=$DAEMON_PID ;;
        resolved) spid=$(pgrep -f "$RESOLVED" | head -n 1) ;;
        *) spid= ;;
        esac
        if [ "$c" = nscd-aarp ] || [ "$c" = nscd-files ]; then
                spid=$(pgrep -f "nscd-$c.conf" | head -n 1)
        fi
        if [ -n "$spid" ]; then
                strace -c -f -p "$spid" -o "$LABDIR/strace-$c-server" 2>/dev/null &
                spid_strace=$!
                sleep 1
                in_config "$c" "$GAI" "$NAME" "$COUNT" || fail "$c: lookups failed"
                kill -INT "$spid_strace"
                wait "$spid_strace" 2>/dev/null || true
                : >"$LABDIR/strace-empty"
                server=$(per_lookup "$LABDIR/strace-empty" "$LABDIR/strace-$c-server" "$COUNT")
        fi
        result syscalls "$c" client "$client"
        result syscalls "$c" server "$server"
done

echo "# medians over the rounds"
awk '$1 == "RESULT" && $2 == "latency" { split($7, a, "="); p50[$3] = p50[$3] " " a[2] }
     $1 == "RESULT" && $2 == "throughput" { split($8, a, "="); tp[$3] = tp[$3] " " a[2] }
     function med(s,   v, n, i, j, t) { n = split(s, v, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }; return v[int((n + 1) / 2)] }
     END { for (c in p50) printf "RESULT median %s p50_us=%s lookups_per_s=%s\n", c, med(p50[c]), med(tp[c]) }' \
        "$LABDIR/results"
echo "# load at the end: $(load)"
