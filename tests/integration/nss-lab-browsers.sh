#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/nss-lab-browsers.sh: real desktop clients by name in the
# lab's client namespace, whose only nameserver is the anycast address (so
# a browser that asks DNS itself gets nothing): Chromium and Firefox
# headless, with their default settings and the recommended hosts line,
# load http://svc.lab:8081/ and get member1's page.
#
# Chromium's own DNS client is used only while every source on the hosts
# line is one it knows (files, dns, myhostname, mdns*, resolve...); "aarp"
# makes it hand names to getaddrinfo(), i.e. to NSS.  Firefox resolves with
# getaddrinfo() unless Trusted Recursive Resolver (DNS over HTTPS) is on,
# which is off in a new profile here.  Both bypass NSS with DoH on: see
# nss/README.md.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

CHROMIUM=$(command -v chromium || true)
FIREFOX=$(command -v firefox-esr || command -v firefox || true)
if [ -z "$CHROMIUM" ] || [ -z "$FIREFOX" ]; then
        echo "chromium or firefox-esr is missing (run tests/setup.sh); skipping" >&2
        exit 77
fi
U1=$LAB_MEMBER1_ADDR

lab_up
lab_dns_up
lab_start_daemon

# member1's page, with a log of who asked: an HTML page naming the member,
# served on member1's unicast address only, port 8081.
cat >"$LABDIR/page-server.py" <<'EOF'
import http.server, socket, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!DOCTYPE html><html><head><title>member1</title></head>" \
               b"<body><h1 id=member>served by member1</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with open(sys.argv[2], "a") as log:
            log.write("%s %s\n" % (self.path, self.headers.get("User-Agent", "-")))

    def log_message(self, *args):
        pass

class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

Server((sys.argv[1], 8081), Handler).serve_forever()
EOF
: >"$LABDIR/page.log"
ip netns exec "${LAB_PREFIX}member1" python3 "$LABDIR/page-server.py" "$U1" "$LABDIR/page.log" \
        >"$LABDIR/page-server.err" 2>&1 &
LAB_PIDS+=($!)
lab_wait_for 10 ip netns exec "${LAB_PREFIX}client" curl -s -o /dev/null "http://[$U1]:8081/" ||
        fail "the page server on member1 did not start: $(cat "$LABDIR/page-server.err")"
: >"$LABDIR/page.log"

# Browsers want a home; root needs --no-sandbox for Chromium.
mkdir -p "$LABDIR/home"
browser() {
        lab_nss env HOME="$LABDIR/home" XDG_CONFIG_HOME="$LABDIR/home/.config" \
                XDG_CACHE_HOME="$LABDIR/home/.cache" timeout 90 "$@"
}

# Chromium: the DOM it rendered names member1; and a screenshot.
dom=$(browser "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$LABDIR/home/chromium" --dump-dom http://svc.lab:8081/ 2>"$LABDIR/chromium.err") ||
        fail "chromium --dump-dom http://svc.lab:8081/ failed: $(tail -n 5 "$LABDIR/chromium.err")"
grep -q '<h1 id="member">served by member1</h1>' <<<"$dom" ||
        fail "chromium rendered '$dom' ($(tail -n 5 "$LABDIR/chromium.err"))"
browser "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$LABDIR/home/chromium" --window-size=800,600 \
        --screenshot="$LABDIR/chromium.png" http://svc.lab:8081/ 2>>"$LABDIR/chromium.err" ||
        fail "chromium --screenshot failed: $(tail -n 5 "$LABDIR/chromium.err")"
[ -s "$LABDIR/chromium.png" ] || fail "chromium wrote no screenshot"
grep -q 'Chrome/' "$LABDIR/page.log" || fail "member1 saw no request from Chromium: $(cat "$LABDIR/page.log")"
pass "chromium --headless http://svc.lab:8081/: DOM says 'served by member1', screenshot $(stat -c %s "$LABDIR/chromium.png") bytes"

# Firefox: a screenshot of the page; member1's log shows Firefox fetched it.
: >"$LABDIR/page.log"
browser "$FIREFOX" --headless --no-remote --profile "$(mkdir -p "$LABDIR/home/ff" && echo "$LABDIR/home/ff")" \
        --window-size=800,600 --screenshot "$LABDIR/firefox.png" http://svc.lab:8081/ \
        >"$LABDIR/firefox.out" 2>&1 ||
        fail "firefox --screenshot http://svc.lab:8081/ failed: $(tail -n 5 "$LABDIR/firefox.out")"
[ -s "$LABDIR/firefox.png" ] || fail "firefox wrote no screenshot: $(tail -n 5 "$LABDIR/firefox.out")"
grep -q 'Firefox/' "$LABDIR/page.log" ||
        fail "member1 saw no request from Firefox: $(cat "$LABDIR/page.log"); $(tail -n 5 "$LABDIR/firefox.out")"
pass "firefox --headless --screenshot http://svc.lab:8081/: member1 served it ($(grep -c Firefox/ "$LABDIR/page.log") request(s)), screenshot $(stat -c %s "$LABDIR/firefox.png") bytes"

# Keep the screenshots if asked (they live in the lab directory otherwise).
if [ -n "${AARP_BROWSER_SCREENSHOTS:-}" ]; then
        mkdir -p "$AARP_BROWSER_SCREENSHOTS"
        cp "$LABDIR/chromium.png" "$LABDIR/firefox.png" "$AARP_BROWSER_SCREENSHOTS/"
fi

# Control: without aarp on the hosts line Chromium gets no page -- the name
# reached member1 through NSS, not through Chromium's own DNS client.
lab_dns_nsswitch 'files dns'
dom=$(browser "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$LABDIR/home/chromium" --dump-dom http://svc.lab:8081/ 2>>"$LABDIR/chromium.err") || true
grep -q 'served by member1' <<<"$dom" && fail "chromium reached member1 without aarp on the hosts line"
pass "control, hosts: files dns: chromium gets no page (the nameserver is anycast)"
