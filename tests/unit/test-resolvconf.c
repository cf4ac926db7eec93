/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The resolv.conf parser (resolverd/names/resolvconf.c). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "resolvconf.h"

static ResolvConf *parse(const char *text) {
        return resolv_conf_parse(text, strlen(text));
}

static void assert_server(const ResolvConf *rc, guint i, int family, const char *text, int ifindex) {
        uint8_t want[16] = { 0 };

        cr_assert_lt(i, rc->servers->len);
        const NameServer *s = &g_array_index(rc->servers, NameServer, i);
        cr_assert_eq(s->family, family);
        cr_assert_eq(inet_pton(family, text, want), 1);
        cr_assert_arr_eq(s->address, want, family == AF_INET ? 4 : 16, "server %u: want %s", i, text);
        cr_assert_eq(s->ifindex, ifindex);
}

Test(resolvconf, defaults_without_a_file) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ResolvConf) rc = resolv_conf_load("/nonexistent/resolv.conf", &error);

        cr_assert_not_null(rc);
        cr_assert_eq(rc->servers->len, 1);
        assert_server(rc, 0, AF_INET, "127.0.0.1", 0);
        cr_assert_eq(rc->search->len, 0);
        cr_assert_eq(rc->ndots, 1);
        cr_assert_eq(rc->timeout_sec, 5);
        cr_assert_eq(rc->attempts, 2);
        cr_assert_not(rc->rotate);
}

Test(resolvconf, nameservers_search_and_options) {
        g_autoptr(ResolvConf) rc = parse("# generated\n"
                                         "; also a comment\n"
                                         "nameserver 2001:db8::53\n"
                                         "nameserver\t192.0.2.53   # trailing comment\n"
                                         "domain ignored.example\n"
                                         "search a.example b.example. c.example\n"
                                         "options ndots:3 timeout:2 attempts:4 rotate edns0 trust-ad\n");

        cr_assert_eq(rc->servers->len, 2);
        assert_server(rc, 0, AF_INET6, "2001:db8::53", 0);
        assert_server(rc, 1, AF_INET, "192.0.2.53", 0);
        cr_assert_eq(rc->search->len, 3, "the last search/domain line wins");
        cr_assert_str_eq(rc->search->pdata[0], "a.example");
        cr_assert_str_eq(rc->search->pdata[1], "b.example", "trailing dot dropped");
        cr_assert_eq(rc->ndots, 3);
        cr_assert_eq(rc->timeout_sec, 2);
        cr_assert_eq(rc->attempts, 4);
        cr_assert(rc->rotate);
        cr_assert(rc->edns0);
}

Test(resolvconf, options_are_clamped_like_glibc) {
        g_autoptr(ResolvConf) rc = parse("options ndots:99 timeout:1000 attempts:0\n"
                                         "options timeout:x ndots:\n");
        cr_assert_eq(rc->ndots, RESOLV_CONF_NDOTS_MAX);
        cr_assert_eq(rc->timeout_sec, RESOLV_CONF_TIMEOUT_MAX);
        cr_assert_eq(rc->attempts, 1);
}

Test(resolvconf, scoped_link_local_nameserver) {
        g_autoptr(ResolvConf) rc = parse("nameserver fe80::53%lo\n"
                                         "nameserver fe80::54%1\n"
                                         "nameserver fe80::55%nosuchif0\n");
        cr_assert_eq(rc->servers->len, 2);
        assert_server(rc, 0, AF_INET6, "fe80::53", 1);
        assert_server(rc, 1, AF_INET6, "fe80::54", 1);
}

Test(resolvconf, at_most_three_nameservers_and_garbage_is_ignored) {
        g_autoptr(ResolvConf) rc = parse("nameserver not-an-address\n"
                                         "nameserver\n"
                                         "nameservers 192.0.2.99\n"
                                         "bogus line here\n"
                                         "\x01\x02\xff\n"
                                         "nameserver 192.0.2.1\n"
                                         "nameserver 192.0.2.2\n"
                                         "nameserver 192.0.2.3\n"
                                         "nameserver 192.0.2.4\n"
                                         "search bad..domain ok.example 2001:db8::1\n");
        cr_assert_eq(rc->servers->len, 3);
        assert_server(rc, 2, AF_INET, "192.0.2.3", 0);
        cr_assert_eq(rc->search->len, 1);
        cr_assert_str_eq(rc->search->pdata[0], "ok.example");
}

Test(resolvconf, no_trailing_newline) {
        g_autoptr(ResolvConf) rc = parse("nameserver ::1");
        assert_server(rc, 0, AF_INET6, "::1", 0);
}
