/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-user limits and failure reports (resolverd/anycast/clients.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "clients.h"

#define SEC UINT64_C(1000000)

Test(clients, burst_then_rate_limits_fresh_probes_per_user) {
        g_autoptr(Clients) c = clients_new(10, 5, 0);
        uint64_t t = 1000 * SEC;

        for (int i = 0; i < 5; i++)
                cr_assert(clients_take_probe(c, 1000, t), "burst token %d", i);
        cr_assert_not(clients_take_probe(c, 1000, t), "over the burst");
        /* Another user has a bucket of its own. */
        cr_assert(clients_take_probe(c, 1001, t));
        /* 10/s: after 100 ms one more token. */
        cr_assert(clients_take_probe(c, 1000, t + SEC / 10));
        cr_assert_not(clients_take_probe(c, 1000, t + SEC / 10));
        /* The bucket never holds more than the burst. */
        for (int i = 0; i < 5; i++)
                cr_assert(clients_take_probe(c, 1000, t + 100 * SEC));
        cr_assert_not(clients_take_probe(c, 1000, t + 100 * SEC));
        cr_assert_eq(clients_rejected(c), 3);
}

Test(clients, root_and_zero_rate_are_unlimited) {
        g_autoptr(Clients) c = clients_new(1, 1, 1);

        for (int i = 0; i < 100; i++) {
                cr_assert(clients_take_probe(c, 0, 0));
                cr_assert(clients_begin_request(c, 0));
        }
        clients_set_limits(c, 0, 1, 0);
        for (int i = 0; i < 100; i++)
                cr_assert(clients_take_probe(c, 1000, 0));
}

Test(clients, refreshes_and_discovery_get_only_what_is_left_in_the_bucket) {
        g_autoptr(Clients) c = clients_new(1, 10, 0);
        uint64_t t = 1000 * SEC;

        /* Discovery wants 8 of 10 tokens: all paid; the next 8 only 2. */
        cr_assert_eq(clients_take_probes_up_to(c, 1000, 8, t), 8);
        cr_assert_eq(clients_take_probes_up_to(c, 1000, 8, t), 2);
        cr_assert_eq(clients_take_probes_up_to(c, 1000, 1, t), 0, "an empty bucket pays for no refresh");
        cr_assert_eq(clients_rejected(c), 0, "a request served without its refresh is not a refused request");
        cr_assert_not(clients_take_probe(c, 1000, t), "nothing was lent beyond the bucket");
        /* 1/s: a second later, one refresh. */
        cr_assert_eq(clients_take_probes_up_to(c, 1000, 1, t + SEC), 1);
        cr_assert_eq(clients_take_probes_up_to(c, 1000, 8, t + SEC), 0);
        /* Root and an unlimited rate pay for everything. */
        cr_assert_eq(clients_take_probes_up_to(c, 0, 8, t), 8);
        clients_set_limits(c, 0, 10, 0);
        cr_assert_eq(clients_take_probes_up_to(c, 1000, 8, t + SEC), 8);
}

Test(clients, requests_in_flight_are_bounded_and_released) {
        g_autoptr(Clients) c = clients_new(0, 1, 2);

        cr_assert(clients_begin_request(c, 1000));
        cr_assert(clients_begin_request(c, 1000));
        cr_assert_not(clients_begin_request(c, 1000));
        cr_assert(clients_begin_request(c, 1001));
        clients_end_request(c, 1000);
        cr_assert(clients_begin_request(c, 1000));
        /* Unpaired ends never underflow. */
        clients_end_request(c, 1002);
        clients_end_request(c, 1001);
        clients_end_request(c, 1001);
        cr_assert(clients_begin_request(c, 1001));
}

Test(clients, failure_reports_affect_only_the_reporting_user_and_expire) {
        g_autoptr(Clients) c = clients_new(0, 1, 0);
        uint8_t m1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x11, [15] = 2 }, m2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x12, [15] = 2 };

        cr_assert_not(clients_has_avoid_list(c, 1000));
        clients_avoid(c, 1000, m1, 60 * SEC);
        cr_assert(clients_has_avoid_list(c, 1000));
        cr_assert(clients_avoids(c, 1000, m1, 59 * SEC));
        cr_assert_not(clients_avoids(c, 1000, m2, 59 * SEC));
        cr_assert_not(clients_avoids(c, 1001, m1, 59 * SEC), "another user's answers are untouched");
        cr_assert_not(clients_avoids(c, 1000, m1, 60 * SEC), "expired");
}

Test(clients, failure_reports_are_bounded_per_user) {
        g_autoptr(Clients) c = clients_new(0, 1, 0);
        uint8_t m[16] = { 0x20, 0x01, 0x0d, 0xb8 };

        for (unsigned i = 0; i < 1000; i++) {
                m[14] = (uint8_t) (i >> 8);
                m[15] = (uint8_t) i;
                clients_avoid(c, 1000, m, 60 * SEC);
        }
        m[14] = 0;
        m[15] = 0;
        cr_assert_not(clients_avoids(c, 1000, m, 1), "the oldest report was dropped");
        m[14] = (uint8_t) (999 >> 8);
        m[15] = (uint8_t) 999;
        cr_assert(clients_avoids(c, 1000, m, 1), "the newest is kept");
}
