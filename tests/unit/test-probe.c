/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The prober on a real socket, without the lab: each test runs in a
 * network namespace of its own (Criterion runs every test in its own
 * process), where a documentation address on lo answers its own echo
 * requests and an address without a route fails at once (fail-open).
 * Needs root (CAP_NET_RAW, CAP_SYS_ADMIN); CI runs as root.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "probe.h"

typedef struct {
        unsigned done;
        unsigned replied;
        ProbeResult last;
} Tally;

static void on_done(const ProbeResult *r, gpointer user_data) {
        Tally *t = user_data;

        t->done++;
        t->replied += r->replied;
        t->last = *r;
}

static void run_until(Tally *t, unsigned n, unsigned timeout_ms) {
        gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;

        while (t->done < n && g_get_monotonic_time() < deadline)
                g_main_context_iteration(NULL, TRUE);
}

#define LOCAL "2001:db8:1::1"

static Prober *new_prober(void) {
        g_autoptr(GError) e = NULL;
        Prober *p;

        cr_assert_eq(geteuid(), 0, "the prober test needs root (CAP_NET_RAW)");
        cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %m");
        cr_assert_eq(system("ip link set lo up && ip -6 addr add " LOCAL "/128 dev lo nodad"), 0);
        p = prober_new(PROBE_SOCKET_RAW, &e);
        cr_assert_not_null(p, "%s", e ? e->message : "");
        return p;
}

Test(probe, local_address_answers_from_itself) {
        g_autoptr(Prober) p = new_prober();
        struct in6_addr lo;
        Tally t = { 0 };

        inet_pton(AF_INET6, LOCAL, &lo);

        prober_start(p, &lo, 0, 0, on_done, &t);
        cr_assert_eq(t.done, 0, "callback must not run inside prober_start()");
        run_until(&t, 1, 5000);
        cr_assert_eq(t.done, 1);
        cr_assert(t.last.replied);
        cr_assert_arr_eq(&t.last.source, &lo, 16);
        /* Usually one request; a fresh namespace occasionally drops the
         * very first packet, which is what retries are for. */
        cr_assert_geq(prober_get_stats(p)->sent, 1);
        cr_assert_eq(prober_get_stats(p)->replies, 1);
        cr_assert_gt(t.last.rtt_usec, 0);
}

Test(probe, loopback_source_is_rejected_and_counted) {
        g_autoptr(Prober) p = new_prober();
        struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;
        Tally t = { 0 };

        /* ::1 answers from ::1, a source never accepted (PAPER-NOTES
         * "Spoofing"); the daemon never probes loopback anyway. */
        prober_set_params(p, 200, 0, 10);
        prober_start(p, &lo, 0, 0, on_done, &t);
        run_until(&t, 1, 3000);
        cr_assert_eq(t.done, 1);
        cr_assert_not(t.last.replied);
        cr_assert_eq(prober_get_stats(p)->rejected_by[ECHO_BAD_SOURCE], 1);
}

Test(probe, many_probes_in_flight_all_answered) {
        g_autoptr(Prober) p = new_prober();
        struct in6_addr lo;
        Tally t = { 0 };

        inet_pton(AF_INET6, LOCAL, &lo);
        prober_set_params(p, 2000, 1, 100); /* more probes than slots: some queue */
        for (unsigned i = 0; i < 500; i++)
                prober_start(p, &lo, 0, 0, on_done, &t);
        run_until(&t, 500, 10000);
        cr_assert_eq(t.done, 500);
        cr_assert_eq(t.replied, 500);
        cr_assert_eq(prober_in_flight(p), 0);
}

Test(probe, unroutable_target_fails_open_quickly) {
        g_autoptr(Prober) p = new_prober();
        struct in6_addr a;
        Tally t = { 0 };
        gint64 start = g_get_monotonic_time();

        /* No route in the test's fresh namespace: sendmsg() fails. */
        inet_pton(AF_INET6, "2001:db8:ffff::1", &a);
        /* Two attempts of 5 s: waiting them out would take 10 s at least
         * (a timer never fires early); failing open at once takes
         * milliseconds, so half of that is a ceiling no load reaches. */
        prober_set_params(p, 5000, 1, 10);
        prober_start(p, &a, 0, 0, on_done, &t);
        run_until(&t, 1, 15000);
        cr_assert_eq(t.done, 1);
        cr_assert_not(t.last.replied);
        cr_assert_lt(g_get_monotonic_time() - start, 5000 * 1000, "did not fail open at once: waited for the timeouts");
        cr_assert_eq(prober_get_stats(p)->timeouts, 1);
}

Test(probe, raw_socket_leases_flow_labels_and_labelled_probes_are_answered) {
        g_autoptr(Prober) p = new_prober();
        struct in6_addr lo;
        Tally t = { 0 };
        unsigned n = prober_flow_labels(p);

        inet_pton(AF_INET6, LOCAL, &lo);
        cr_assert_eq(n, AARP_MEMBER_PROBES_MAX, "leased %u flow labels", n);
        /* Labelled probes make one attempt; a fresh namespace sometimes
         * loses its very first packet, so warm the path up first. */
        prober_start(p, &lo, 0, 0, on_done, &t);
        run_until(&t, 1, 5000);
        cr_assert_eq(t.replied, 1);
        for (unsigned label = 1; label <= n; label++)
                prober_start(p, &lo, 0, label, on_done, &t);
        run_until(&t, n + 1, 5000);
        cr_assert_eq(t.replied, n + 1);
        cr_assert_eq(prober_get_stats(p)->labelled_sent, n);
}
