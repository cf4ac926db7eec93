#!/usr/bin/env bash
# tests/valgrind.sh: integration tests with the daemon under valgrind
# memcheck.  Zero errors and zero definite or indirect leaks, or it fails.
#
#   bash tests/valgrind.sh [TEST-SCRIPT...]   default: anycast-resolves-to-nearest-member.sh
#                                              (tests/integration/*.sh)
#
# Environment: AARP_VALGRIND_BUILDDIR (default ./build-valgrind, a plain
# build: valgrind and ASan do not mix).  Needs root, like the integration
# suite.
#
# The lab (tests/lab/lab.sh) starts $AARP_BUILD_ROOT/resolverd/aarp-resolved.
# Until lab.sh has a wrapper hook, the tests run against a shadow build root:
# symbolic links to the real build, except that aarp-resolved is a script
# running the real daemon under valgrind.  Each daemon process writes its
# own log; every log must end in "ERROR SUMMARY: 0 errors" (a daemon killed
# before it could write one fails too: nothing was checked).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
builddir=${AARP_VALGRIND_BUILDDIR:-$top/build-valgrind}
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(anycast-resolves-to-nearest-member.sh)

command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 1; }
if [ ! -f "$builddir/build.ninja" ]; then
        meson setup "$builddir" "$top" -Dwerror=true -Dtests=enabled
fi
ninja -C "$builddir"

work=$(mktemp -d /tmp/aarp-valgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
shadow=$work/build
reports=$work/reports
mkdir -p "$shadow/resolverd" "$reports"
for e in "$builddir"/* "$builddir"/meson-*; do
        [ "$(basename "$e")" = resolverd ] || ln -sfn "$e" "$shadow/$(basename "$e")"
done
for e in "$builddir"/resolverd/*; do
        ln -s "$e" "$shadow/resolverd/$(basename "$e")"
done
rm "$shadow/resolverd/aarp-resolved"
# --errors-for-leak-kinds=definite,indirect: GLib's type system and
# one-time caches stay reachable ("still reachable"/"possibly lost") by
# design; memory nothing points to any more is ours to free.
cat >"$shadow/resolverd/aarp-resolved" <<WRAP
#!/bin/sh
export G_SLICE=always-malloc G_DEBUG=gc-friendly
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \\
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
        --track-origins=yes --num-callers=30 --log-file="$reports/valgrind.%p" \\
        "$builddir/resolverd/aarp-resolved" "\$@"
WRAP
chmod +x "$shadow/resolverd/aarp-resolved"

rc=0
for t in "${tests[@]}"; do
        rm -f "$reports"/*
        trc=0
        echo "valgrind: $t"
        AARP_SOURCE_ROOT=$top AARP_BUILD_ROOT=$shadow timeout 600 \
                bash "$top/tests/integration/$t" || trc=$?
        [ "$trc" -eq 0 ] || echo "valgrind: $t: exit status $trc" >&2
        logs=("$reports"/valgrind.*)
        if [ ! -e "${logs[0]}" ]; then
                echo "valgrind: $t: the daemon never ran under valgrind" >&2
                trc=1
        fi
        for log in "${logs[@]}"; do
                [ -e "$log" ] || continue
                summary=$(grep -h "ERROR SUMMARY" "$log" || true)
                echo "valgrind: $t: $(basename "$log"): ${summary:-no summary (killed?)}"
                case "$summary" in
                *"ERROR SUMMARY: 0 errors"*) ;;
                *)
                        cat "$log" >&2
                        mkdir -p "$builddir/valgrind-failures"
                        cp "$log" "$builddir/valgrind-failures/${t%.sh}.$(basename "$log")"
                        trc=1
                        ;;
                esac
        done
        [ "$trc" -eq 0 ] || rc=1
done
exit $rc
