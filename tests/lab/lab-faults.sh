# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/lab/lab-faults.sh: fault injection and client load on top of the
# anycast lab.  Source it after lab.sh (and after
# lab-dns.sh when the NSS loop is used); it installs no traps of its own:
# every process it starts goes into LAB_PIDS, which lab_down kills.
#
#   faults_bus_restart [CONFIG]   kill the lab's dbus-daemon and start a new
#                                 one on the same address (CONFIG: another
#                                 bus configuration, default $LABDIR/bus.conf)
#   faults_bus_config_with POLICY-XML  write $LABDIR/bus-extra.conf: the lab's
#                                 bus.conf plus POLICY-XML; prints its path
#   faults_start_daemon_as RUNDIR WRAPPER... -- [CONFIG-LINE...]
#                                 like lab_start_daemon, with the daemon run
#                                 under WRAPPER (e.g. setpriv ...) and its
#                                 runtime directory RUNDIR; the daemon's pid
#                                 is LAB_DAEMON_PID (lab_stop_daemon works).
#                                 Returns 1 (and sets FAULTS_DAEMON_RC) if it
#                                 exits before owning the bus name.
#   faults_daemon_rss             the daemon's VmRSS in kB
#   faults_daemon_capeff          the daemon's CapEff (hex)
#   faults_loop_start NAME KIND ARG...   start a client loop in the client
#                                 namespace: every lookup timed, one line per
#                                 lookup in $LABDIR/loop-NAME.log:
#                                 "T_MS DURATION_MS RC ANSWER"
#       KIND gai NAME             python, socket.getaddrinfo(NAME) in one
#                                 process (the module's kept connection);
#                                 needs lab-dns.sh (lab_nss)
#       KIND resolve ARG          aarp-resolve ARG, a new process each time
#       KIND dbus ADDR            lab-dbus call ResolveAddress (GIO, the bus)
#   faults_loops_stop SECONDS     ask every loop to stop; fail (return 1,
#                                 naming it) if one is still running after
#                                 SECONDS: a hung client
#   faults_loop_max_ms NAME       longest lookup of a loop
#   faults_write_gai_once         write $LABDIR/gai-once.py NAME: one
#                                 getaddrinfo in a fresh process
#   faults_member_down NAME / faults_member_up NAME
#                                 make a member unreachable (no echo replies:
#                                 the kernel answers them, so the member must
#                                 become unreachable, not merely lose its
#                                 lab-member process) / bring it back

FAULTS_PY=/usr/bin/python3
FAULTS_LOOP_PIDS=()
FAULTS_LOOP_NAMES=()
# shellcheck disable=SC2034 # read by the tests after faults_start_daemon_as
FAULTS_DAEMON_RC=

faults_bus_config_with() {
        local policy=$1 out="$LABDIR/bus-extra.conf"
        {
                sed '\#</busconfig>#d' "$LABDIR/bus.conf"
                printf '  %s\n</busconfig>\n' "$policy"
        } >"$out"
        echo "$out"
}

faults_bus_restart() {
        local config=${1:-$LABDIR/bus.conf} old=$LAB_BUS_PID
        if [ -n "$old" ]; then
                kill -TERM "$old" 2>/dev/null || true
                lab_wait_for 3 lab_pid_gone "$old" || kill -KILL "$old" 2>/dev/null || true
                wait "$old" 2>/dev/null || true
        fi
        LAB_BUS_PID=
        rm -f "$LABDIR/system_bus_socket"
        dbus-daemon --config-file="$config" --nofork --nopidfile --nosyslog \
                --print-address=3 3>"$LABDIR/bus.address" >>"$LABDIR/bus.log" 2>&1 &
        LAB_BUS_PID=$!
        lab_wait_for 5 test -S "$LABDIR/system_bus_socket" ||
                lab_die "dbus-daemon did not start again: $(cat "$LABDIR/bus.log")"
        lab_wait_for 5 busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus GetId ||
                lab_die "the restarted bus does not answer: $(cat "$LABDIR/bus.log")"
}

faults_start_daemon_as() {
        local rundir=$1 wrapper=() deadline
        shift
        while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
                wrapper+=("$1")
                shift
        done
        [ "$#" -gt 0 ] && shift
        [ -z "$LAB_DAEMON_PID" ] || lab_die "daemon already running"
        lab_write_daemon_config "$@"
        echo "---- start as '${wrapper[*]}' $(date +%T.%N) ----" >>"$LABDIR/daemon.log"
        ip netns exec "${LAB_PREFIX}client" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
                AARP_RUNTIME_DIR="$rundir" \
                "${wrapper[@]}" "$LAB_DAEMON" --config "$LABDIR/resolved.conf" --log-level debug \
                >>"$LABDIR/daemon.log" 2>&1 &
        LAB_DAEMON_PID=$!
        LAB_PIDS+=("$LAB_DAEMON_PID")
        FAULTS_DAEMON_RC=
        deadline=$((SECONDS + 60))
        until lab_name_owned; do
                if lab_pid_gone "$LAB_DAEMON_PID"; then
                        local rc=0
                        wait "$LAB_DAEMON_PID" || rc=$?
                        # shellcheck disable=SC2034 # read by the caller
                        FAULTS_DAEMON_RC=$rc
                        LAB_DAEMON_PID=
                        return 1
                fi
                [ "$SECONDS" -lt "$deadline" ] ||
                        lab_die "daemon did not own $LAB_BUS_NAME within 60 s: $(tail -n 20 "$LABDIR/daemon.log")"
                sleep 0.05
        done
}

faults_daemon_rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$LAB_DAEMON_PID/status"; }
faults_daemon_capeff() { awk '$1 == "CapEff:" { print $2 }' "/proc/$LAB_DAEMON_PID/status"; }

# The python getaddrinfo loop: one process, lookups until the stop file
# appears.  Each line: ms since start, duration ms, rc (0 or EAI_xxx), the
# sorted addresses.
faults_write_gai_loop() {
        cat >"$LABDIR/gai-loop.py" <<'EOF'
import os, socket, sys, time
name, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
names = {v: k for k, v in vars(socket).items() if k.startswith("EAI_")}
t0 = time.monotonic()
with open(out, "a", buffering=1) as f:
    while not os.path.exists(stop):
        t = time.monotonic()
        try:
            res = socket.getaddrinfo(name, 80, socket.AF_INET6, socket.SOCK_STREAM)
            rc, ans = "0", ",".join(sorted({r[4][0] for r in res}))
        except socket.gaierror as e:
            rc, ans = names.get(e.errno, str(e.errno)), "-"
        d = time.monotonic() - t
        f.write("%d %d %s %s\n" % ((t - t0) * 1000, d * 1000, rc, ans))
        time.sleep(0.01)
EOF
}

# One getaddrinfo(NAME, AF_INET6) in a fresh python: prints "0 ADDR,..."
# or the EAI_ name.  Run it with lab_nss (under trace_waits to see waits).
faults_write_gai_once() {
        cat >"$LABDIR/gai-once.py" <<'EOF'
import socket, sys
names = {v: k for k, v in vars(socket).items() if k.startswith("EAI_")}
try:
    res = socket.getaddrinfo(sys.argv[1], 80, socket.AF_INET6, socket.SOCK_STREAM)
    print("0", ",".join(sorted({r[4][0] for r in res})))
except socket.gaierror as e:
    print(names.get(e.errno, str(e.errno)), "-")
EOF
        chmod 0644 "$LABDIR/gai-once.py"
}

faults_loop_start() {
        local name=$1 kind=$2 log="$LABDIR/loop-$1.log" stop="$LABDIR/loops.stop"
        shift 2
        rm -f "$stop"
        : >"$log"
        case $kind in
        gai)
                [ -f "$LABDIR/gai-loop.py" ] || faults_write_gai_loop
                lab_nss "$FAULTS_PY" "$LABDIR/gai-loop.py" "$1" "$log" "$stop" \
                        >>"$LABDIR/loop-$name.err" 2>&1 &
                ;;
        resolve | dbus)
                faults_client_loop "$kind" "$log" "$stop" "$@" >>"$LABDIR/loop-$name.err" 2>&1 &
                ;;
        *) lab_die "faults_loop_start: unknown kind $kind" ;;
        esac
        FAULTS_LOOP_PIDS+=($!)
        FAULTS_LOOP_NAMES+=("$name")
        LAB_PIDS+=($!)
}

# A loop of short-lived client processes, each under timeout(1) with a
# limit far above the client bound, so that a hung one is recorded (rc
# 124) instead of hanging the test.
faults_client_loop() {
        local kind=$1 log=$2 stop=$3 arg=$4 t0 t rc out a
        local -A known=()
        # lab-dbus prints bytes: name the lab's addresses.
        for a in "$LAB_MEMBER1_ADDR" "$LAB_MEMBER2_ADDR" "$LAB_ANYCAST" "$arg"; do
                known[$(lab_addr_bytes "$a" | cut -d' ' -f2- | xargs printf '0x%02x,' | sed 's/,$//')]=$a
        done
        t0=$(date +%s%N)
        while [ ! -e "$stop" ]; do
                t=$(date +%s%N)
                rc=0
                case $kind in
                resolve)
                        out=$(lab_client env AARP_RUNTIME_DIR="$LABDIR/run" timeout -k 1 20 \
                                "$LAB_BUILD_ROOT/client/cli/aarp-resolve" "$arg" 2>&1) || rc=$?
                        out=$(awk 'NR == 1 { print $2 }' <<<"$out")
                        ;;
                dbus)
                        # shellcheck disable=SC2046
                        out=$(lab_client timeout -k 1 20 "$LAB_DBUS_BIN" call ResolveAddress \
                                "(0, [byte $(lab_addr_bytes "$arg" | cut -d' ' -f2- | sed 's/ /, /g')], uint64 0)" 2>&1) || rc=$?
                        out=$(sed -E 's/^\(\[byte ([^]]*)\].*/\1/; s/^ERROR ([^:]*):.*/\1/' <<<"$out" | tr -d ' ')
                        out=${known[$out]:-$out}
                        ;;
                esac
                echo "$(((t - t0) / 1000000)) $((($(date +%s%N) - t) / 1000000)) $rc ${out:--}" >>"$log"
                sleep 0.02
        done
}

faults_loops_stop() {
        local seconds=$1 i pid hung=()
        touch "$LABDIR/loops.stop"
        for i in "${!FAULTS_LOOP_PIDS[@]}"; do
                pid=${FAULTS_LOOP_PIDS[$i]}
                if ! lab_wait_for "$seconds" lab_pid_gone "$pid"; then
                        hung+=("${FAULTS_LOOP_NAMES[$i]}")
                        kill -KILL "$pid" 2>/dev/null || true
                fi
                wait "$pid" 2>/dev/null || true
        done
        FAULTS_LOOP_PIDS=()
        FAULTS_LOOP_NAMES=()
        if [ "${#hung[@]}" -gt 0 ]; then
                echo "faults: client loops still running ${seconds}s after the stop: ${hung[*]}" >&2
                return 1
        fi
}

# faults_loop_count NAME [AWK-CONDITION]: lookups of a loop matching it.
faults_loop_count() {
        awk "${2:-1} { n++ } END { print n + 0 }" "$LABDIR/loop-$1.log"
}

faults_loop_max_ms() {
        awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$LABDIR/loop-$1.log"
}

# Make NAME unreachable: its default route (the only way back to the
# client) becomes a blackhole, so whatever its kernel would answer - echo
# replies, SYN-ACKs - is discarded on the spot, like a dead host's silence;
# faults_member_up restores the route.  (Taking its link down would do
# too, but the kernel then forgets the member's anycast membership, and it
# would not come back as a member.  The lab has no nftables.)
faults_member_down() { ip -n "$LAB_PREFIX$1" -6 route replace blackhole default; }
faults_member_up() {
        local gw=$LAB_ROUTER_MEMBER1_ADDR
        [ "$1" = member1 ] || gw=$LAB_ROUTER_MEMBER2_ADDR
        ip -n "$LAB_PREFIX$1" -6 route replace default via "$gw" dev eth0
}
