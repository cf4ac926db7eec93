/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Address classification and the probe set (resolverd/addr.c). */
#include <arpa/inet.h>
#include <criterion/criterion.h>

#include "addr.h"

static struct in6_addr A(const char *s) {
        struct in6_addr a;
        cr_assert_eq(inet_pton(AF_INET6, s, &a), 1, "bad test address %s", s);
        return a;
}

Test(addr, classes) {
        struct in6_addr a;

        a = A("::");
        cr_assert_eq(addr_classify(&a), ADDR_CLASS_UNSPECIFIED);
        a = A("::1");
        cr_assert_eq(addr_classify(&a), ADDR_CLASS_LOOPBACK);
        a = A("ff02::1");
        cr_assert_eq(addr_classify(&a), ADDR_CLASS_MULTICAST);
        a = A("::ffff:192.0.2.1");
        cr_assert_eq(addr_classify(&a), ADDR_CLASS_V4_MAPPED);
        a = A("fe80::1");
        cr_assert_eq(addr_classify(&a), ADDR_CLASS_LINK_LOCAL);
        a = A("2001:db8::1");
        cr_assert_eq(addr_classify(&a), ADDR_CLASS_GLOBAL);
        a = A("fd00::1");
        cr_assert_eq(addr_classify(&a), ADDR_CLASS_GLOBAL);
}

Test(addr, probe_all_probes_global_and_link_local_only) {
        g_autoptr(Config) c = config_new_default();
        const char *yes[] = { "2001:db8::1", "fd12::5", "fe80::1" };
        const char *no[] = { "::", "::1", "ff05::2", "::ffff:10.0.0.1" };

        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
                struct in6_addr a = A(yes[i]);
                cr_assert(addr_should_probe(&a, c), "%s should be probed", yes[i]);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(no); i++) {
                struct in6_addr a = A(no[i]);
                cr_assert_not(addr_should_probe(&a, c), "%s must not be probed", no[i]);
        }
}

Test(addr, anycast_only_probes_prefixes_rfc2526_and_subnet_router) {
        g_autoptr(Config) c = config_new_default();
        Prefix p;

        c->probe_addresses = PROBE_ADDRESSES_ANYCAST_ONLY;
        cr_assert(config_parse_prefix("2001:db8:a::/48", &p));
        g_array_append_val(c->anycast_prefixes, p);

        struct in6_addr in_prefix = A("2001:db8:a:5::77"), outside = A("2001:db8:b::77"),
                        rfc2526_lo = A("2001:db8:b::fdff:ffff:ffff:ff80"),
                        rfc2526_hi = A("2001:db8:b::fdff:ffff:ffff:ffff"),
                        below = A("2001:db8:b::fdff:ffff:ffff:ff7f"), router = A("2001:db8:b::");
        cr_assert(addr_should_probe(&in_prefix, c));
        cr_assert_not(addr_should_probe(&outside, c));
        cr_assert(addr_should_probe(&rfc2526_lo, c));
        cr_assert(addr_should_probe(&rfc2526_hi, c));
        cr_assert_not(addr_should_probe(&below, c));
        cr_assert(addr_should_probe(&router, c));
}

Test(addr, prefix_match_respects_odd_lengths) {
        Prefix p;
        cr_assert(config_parse_prefix("2001:db8:a0::/45", &p));
        struct in6_addr in = A("2001:db8:a7:ffff::1"), out = A("2001:db8:a8::1");
        cr_assert(addr_in_prefix(&in, &p));
        cr_assert_not(addr_in_prefix(&out, &p));
}

Test(addr, reply_sources_that_are_never_accepted) {
        struct in6_addr target = A("2001:db8:a::1");
        const char *bad[] = { "::", "::1", "ff02::1", "ff0e::1", "::ffff:192.0.2.1" };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                struct in6_addr s = A(bad[i]);
                cr_assert_not(addr_valid_reply_source(&s, 0, &target), "%s accepted", bad[i]);
        }
        struct in6_addr good = A("2001:db8:11::2");
        cr_assert(addr_valid_reply_source(&good, 0, &target));
}

Test(addr, link_local_source_needs_scope_and_link_local_target) {
        struct in6_addr ll = A("fe80::2"), global_target = A("2001:db8:a::1"), ll_target = A("fe80::1");

        cr_assert_not(addr_valid_reply_source(&ll, 3, &global_target));
        cr_assert_not(addr_valid_reply_source(&ll, 0, &ll_target));
        cr_assert(addr_valid_reply_source(&ll, 3, &ll_target));
}
