/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rules of the resolution monitor (resolverd/monitor.c): who sees
 * whose events, how many subscriptions a user may hold, the bounded queue
 * that drops and counts instead of growing, and that an event nobody may
 * see is never even built. */
#include <criterion/criterion.h>
#include <arpa/inet.h>

#include "aarp-def.h"
#include "errors.h"
#include "introspect.h"
#include "monitor.h"

Test(monitor, root_sees_everyone_a_user_only_itself) {
        cr_assert(monitor_may_see(0, 0));
        cr_assert(monitor_may_see(0, 65534));
        cr_assert(monitor_may_see(1000, 1000));
        cr_assert_not(monitor_may_see(1000, 0));
        cr_assert_not(monitor_may_see(1000, 1001));
        cr_assert_not(monitor_may_see(65534, 0));
}

Test(monitor, subscriptions_are_bounded_per_user_and_in_all) {
        cr_assert(monitor_may_subscribe(1000, AARP_MONITOR_PER_USER_MAX - 1, 0));
        cr_assert_not(monitor_may_subscribe(1000, AARP_MONITOR_PER_USER_MAX, AARP_MONITOR_PER_USER_MAX));
        /* root is not held to the per-user bound, only to the total */
        cr_assert(monitor_may_subscribe(0, AARP_MONITOR_PER_USER_MAX, AARP_MONITOR_PER_USER_MAX));
        cr_assert_not(monitor_may_subscribe(0, 0, AARP_MONITOR_SUBSCRIBERS_MAX));
        cr_assert_not(monitor_may_subscribe(1000, 0, AARP_MONITOR_SUBSCRIBERS_MAX));
        /* the last places are kept for root */
        guint reserved = AARP_MONITOR_SUBSCRIBERS_MAX - AARP_MONITOR_PER_USER_MAX;
        cr_assert(monitor_may_subscribe(1000, 0, reserved - 1));
        cr_assert_not(monitor_may_subscribe(1000, 0, reserved));
        cr_assert(monitor_may_subscribe(0, 0, AARP_MONITOR_SUBSCRIBERS_MAX - 1));
}

static GVariant *event(guint32 uid) {
        const char *none[] = { NULL };

        return g_variant_ref_sink(g_variant_new("(tusss^astut)", (guint64) 1, uid, "ResolveAddress", "2001:db8::1",
                                                "", none, (guint64) 0, 0u, (guint64) 0));
}

Test(monitor, full_queue_drops_and_counts_then_starts_afresh) {
        MonitorQueue q;
        GVariant *e = event(1000);

        monitor_queue_init(&q);
        cr_assert_null(monitor_queue_take(&q), "an empty queue sends nothing");
        for (guint i = 0; i < 3; i++)
                cr_assert(monitor_queue_push(&q, e, 3));
        cr_assert_not(monitor_queue_push(&q, e, 3));
        cr_assert_not(monitor_queue_push(&q, e, 3));
        cr_assert_eq(q.events->len, 3);

        g_autoptr(GVariant) args = g_variant_ref_sink(monitor_queue_take(&q));
        g_autoptr(GVariant) events = NULL;
        guint32 dropped;

        cr_assert_str_eq(g_variant_get_type_string(args), "(a(tusssastut)u)");
        g_variant_get(args, "(@a(tusssastut)u)", &events, &dropped);
        cr_assert_eq(g_variant_n_children(events), 3);
        cr_assert_eq(dropped, 2);
        cr_assert_eq(q.events->len, 0);
        cr_assert_eq(q.dropped, 0);
        cr_assert(monitor_queue_push(&q, e, 3), "room again once sent");
        monitor_queue_clear(&q);
        g_variant_unref(e);
}

Test(monitor, only_drops_still_make_a_signal) {
        MonitorQueue q;
        GVariant *e = event(0);

        monitor_queue_init(&q);
        cr_assert_not(monitor_queue_push(&q, e, 0));
        g_autoptr(GVariant) args = g_variant_ref_sink(monitor_queue_take(&q));
        cr_assert_not_null(args);
        g_autoptr(GVariant) dropped = g_variant_get_child_value(args, 1);
        cr_assert_eq(g_variant_get_uint32(dropped), 1);
        monitor_queue_clear(&q);
        g_variant_unref(e);
}

Test(monitor, nobody_subscribed_builds_no_event) {
        g_autoptr(Monitor) m = monitor_new(NULL);

        cr_assert_null(monitor_event_new(NULL, 0, "ResolveAddress"));
        cr_assert_null(monitor_event_new(m, 0, "ResolveAddress"));
        /* every step accepts the NULL event */
        monitor_event_set_query_name(NULL, "x");
        monitor_event_add_name(NULL, "x");
        monitor_event_finish(m, NULL, 0, 0, 0, NULL);
}

Test(monitor, a_user_s_subscription_does_not_see_another_user) {
        g_autoptr(Monitor) m = monitor_new(NULL);
        g_autoptr(GError) error = NULL;

        cr_assert(monitor_subscribe(m, ":1.7", 1000, &error));
        cr_assert(monitor_subscribe(m, ":1.7", 1000, &error), "subscribing twice is fine");
        cr_assert_eq(monitor_subscribers(m), 1);
        cr_assert_null(monitor_event_new(m, 0, "ResolveAddress"), "root's lookup: nobody may see it");
        cr_assert_null(monitor_event_new(m, 1001, "ResolveAddress"));

        MonitorEvent *e = monitor_event_new(m, 1000, "ResolveAddress");
        struct in6_addr a;

        cr_assert_not_null(e);
        inet_pton(AF_INET6, "2001:db8::1", &a);
        monitor_event_set_query_address(e, &a, 16);
        monitor_event_add_address(e, AF_INET6, &a);
        monitor_event_finish(m, e, AARP_FLAG_ANYCAST, 60, 100, NULL);
}

Test(monitor, a_user_holds_at_most_its_share) {
        g_autoptr(Monitor) m = monitor_new(NULL);
        g_autoptr(GError) error = NULL;
        char name[16];

        for (guint i = 0; i < AARP_MONITOR_PER_USER_MAX; i++) {
                g_snprintf(name, sizeof name, ":1.%u", i);
                cr_assert(monitor_subscribe(m, name, 1000, NULL));
        }
        cr_assert_not(monitor_subscribe(m, ":1.99", 1000, &error));
        cr_assert(g_error_matches(error, AARP_ERROR, AARP_E_LIMIT_EXCEEDED));
        cr_assert(monitor_subscribe(m, ":1.100", 1001, NULL), "another user is not held back");
}

Test(introspect, seconds_left_round_up_and_stop_at_zero) {
        cr_assert_eq(introspect_seconds_left(10 * G_USEC_PER_SEC, 0), 10);
        cr_assert_eq(introspect_seconds_left(10 * G_USEC_PER_SEC + 1, 0), 11);
        cr_assert_eq(introspect_seconds_left(5, 4), 1);
        cr_assert_eq(introspect_seconds_left(5, 5), 0);
        cr_assert_eq(introspect_seconds_left(5, 6), 0);
}
