/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Address classification and the probe set (resolverd/anycast/addr.c). */
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
                cr_assert_not(addr_valid_reply_source(&s, 0, &target, MEMBER_SCOPE_STRICT), "%s accepted", bad[i]);
        }
        struct in6_addr good = A("2001:db8:11::2");
        cr_assert(addr_valid_reply_source(&good, 0, &target, MEMBER_SCOPE_STRICT));
}

Test(addr, link_local_source_needs_scope_and_link_local_target) {
        struct in6_addr ll = A("fe80::2"), global_target = A("2001:db8:a::1"), ll_target = A("fe80::1");

        for (MemberScope m = MEMBER_SCOPE_STRICT; m <= MEMBER_SCOPE_ANY; m++) {
                cr_assert_not(addr_valid_reply_source(&ll, 3, &global_target, m));
                cr_assert_not(addr_valid_reply_source(&ll, 0, &ll_target, m));
                cr_assert(addr_valid_reply_source(&ll, 3, &ll_target, m));
        }
}

Test(addr, scopes_follow_the_special_purpose_registry) {
        static const struct {
                const char *address;
                AddrScope scope;
        } cases[] = {
                { "2606:4700::1111", ADDR_SCOPE_GLOBAL },
                { "2a00:1450:4001::1", ADDR_SCOPE_GLOBAL },
                { "3ffe::1", ADDR_SCOPE_GLOBAL },
                /* Documentation space stands for global addresses (the lab). */
                { "2001:db8:a::1", ADDR_SCOPE_GLOBAL },
                { "2001:db8:11::2", ADDR_SCOPE_GLOBAL },
                { "3fff::1", ADDR_SCOPE_GLOBAL },
                /* Globally reachable IETF assignments in 2001::/23. */
                { "2001:1::1", ADDR_SCOPE_GLOBAL },
                { "2001:4:112::1", ADDR_SCOPE_GLOBAL },
                { "fd00::1", ADDR_SCOPE_ULA },
                { "fc00::1", ADDR_SCOPE_ULA },
                { "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_SCOPE_ULA },
                { "fe80::1", ADDR_SCOPE_LINK_LOCAL },
                { "febf::1", ADDR_SCOPE_LINK_LOCAL },
                { "64:ff9b::10.0.0.1", ADDR_SCOPE_NAT64 },
                { "64:ff9b::c000:201", ADDR_SCOPE_NAT64 },
                { "64:ff9b:1::a00:1", ADDR_SCOPE_NAT64 },
                { "64:ff9b:1:ffff::1", ADDR_SCOPE_NAT64 },
                { "64:ff9b::1:0:0:1", ADDR_SCOPE_OTHER }, /* past the /96, not NAT64 */
                { "2002:a00:1::1", ADDR_SCOPE_6TO4 },
                { "2002:ffff::1", ADDR_SCOPE_6TO4 },
                { "2001::1", ADDR_SCOPE_TEREDO },
                { "2001:0:ffff:ffff::1", ADDR_SCOPE_TEREDO },
                { "2001:2::1", ADDR_SCOPE_OTHER },  /* benchmarking */
                { "2001:10::1", ADDR_SCOPE_OTHER }, /* ORCHID */
                { "2001:2f::1", ADDR_SCOPE_OTHER }, /* ORCHIDv2 */
                { "2001:30::1", ADDR_SCOPE_GLOBAL },
                { "100::1", ADDR_SCOPE_OTHER },     /* discard-only */
                { "fec0::1", ADDR_SCOPE_OTHER },    /* site-local, deprecated */
                { "4000::1", ADDR_SCOPE_OTHER },    /* unassigned */
                { "1fff::1", ADDR_SCOPE_OTHER },
                { "::", ADDR_SCOPE_OTHER },
                { "::1", ADDR_SCOPE_OTHER },
                { "::ffff:192.0.2.1", ADDR_SCOPE_OTHER },
                { "ff0e::1", ADDR_SCOPE_OTHER },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                struct in6_addr a = A(cases[i].address);
                cr_assert_eq(addr_scope(&a), cases[i].scope, "%s: scope %d, expected %d", cases[i].address,
                             addr_scope(&a), cases[i].scope);
        }
}

Test(addr, a_member_must_be_of_the_targets_scope_unless_relaxed) {
        static const struct {
                const char *target, *source;
                bool strict, any;
        } cases[] = {
                /* global -> global: the lab's anycast address and members */
                { "2001:db8:a::1", "2001:db8:11::2", true, true },
                { "2001:db8:a::1", "2606:4700::1", true, true },
                /* a global address steered to internal or translated hosts */
                { "2001:db8:a::1", "fd00::66", false, true },
                { "2001:db8:a::1", "64:ff9b::10.0.0.1", false, true },
                { "2001:db8:a::1", "64:ff9b:1::a00:1", false, true },
                { "2001:db8:a::1", "2002:a00:1::1", false, true },
                { "2001:db8:a::1", "2001::a00:1", false, true },
                { "2001:db8:a::1", "2001:2::1", false, true },
                { "2001:db8:a::1", "4000::1", false, true },
                /* ULA -> ULA, not global */
                { "fd00:a::1", "fd00:11::2", true, true },
                { "fd00:a::1", "fc00::2", true, true },
                { "fd00:a::1", "2001:db8:11::2", false, true },
                /* NAT64 / 6to4 / Teredo targets have no members */
                { "64:ff9b::c000:201", "64:ff9b::c000:202", false, true },
                { "2002:a00:1::1", "2002:a00:2::1", false, true },
                /* the target answering from itself is no member: always fine */
                { "2001:db8:a::1", "2001:db8:a::1", true, true },
                { "fd00:a::1", "fd00:a::1", true, true },
                { "2002:a00:1::1", "2002:a00:1::1", true, true },
                { "4000::1", "4000::1", true, true },
                /* a link-local target: members only on its link */
                { "fe80::1", "2001:db8:11::2", false, true },
                { "fe80::1", "fd00::2", false, true },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                struct in6_addr t = A(cases[i].target), s = A(cases[i].source);
                cr_assert_eq(addr_valid_reply_source(&s, 0, &t, MEMBER_SCOPE_STRICT), cases[i].strict,
                             "%s for %s, strict", cases[i].source, cases[i].target);
                cr_assert_eq(addr_valid_reply_source(&s, 0, &t, MEMBER_SCOPE_ANY), cases[i].any,
                             "%s for %s, MemberScope=any", cases[i].source, cases[i].target);
        }
        struct in6_addr ll_target = A("fe80::1"), ll = A("fe80::2");
        cr_assert(addr_valid_reply_source(&ll, 3, &ll_target, MEMBER_SCOPE_STRICT));
}
