/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* names_validate(), lookup keys and IP literals (resolverd/names/names-syntax.c). */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "errors.h"
#include "names-syntax.h"

static void assert_invalid(const char *name) {
        g_autoptr(GError) error = NULL;

        cr_assert_not(names_validate(name, &error), "'%s' accepted", name);
        cr_assert(g_error_matches(error, AARP_ERROR, AARP_E_INVALID_NAME));
}

static void assert_valid(const char *name) {
        g_autoptr(GError) error = NULL;

        cr_assert(names_validate(name, &error), "'%s' rejected: %s", name,
                  error ? error->message : "");
}

Test(names_syntax, ordinary_names_are_valid) {
        assert_valid("localhost");
        assert_valid("www.example.org");
        assert_valid("www.example.org.");
        assert_valid("_service._tcp.example");
        assert_valid("-lenient-.example");
        assert_valid("xn--bcher-kva.example");
        assert_valid("bücher.example");
        assert_valid("a");
}

Test(names_syntax, bad_names_are_invalid) {
        assert_invalid("");
        assert_invalid(".");
        assert_invalid("..");
        assert_invalid(".leading");
        assert_invalid("double..dot");
        assert_invalid("two.trailing..");
        assert_invalid("with space");
        assert_invalid("tab\there");
        assert_invalid("ctrl\x01");
        assert_invalid("del\x7f");
        assert_invalid("back\\slash");
        assert_invalid("per%cent");
        assert_invalid("bad\xff\xfeutf8");
}

Test(names_syntax, length_limits) {
        char label[70];
        memset(label, 'a', 63);
        label[63] = '\0';
        assert_valid(label);
        label[63] = 'a';
        label[64] = '\0';
        assert_invalid(label);

        /* 253 characters: 63.63.63.61 */
        g_autoptr(GString) s = g_string_new(NULL);
        for (int i = 0; i < 3; i++) {
                g_string_append_len(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 63);
                g_string_append_c(s, '.');
        }
        g_string_append_len(s, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 61);
        cr_assert_eq(s->len, AARP_NAME_MAX);
        assert_valid(s->str);
        g_string_append_c(s, '.');
        assert_valid(s->str); /* a trailing dot does not count */
        g_string_truncate(s, AARP_NAME_MAX);
        g_string_append_c(s, 'c');
        assert_invalid(s->str);
}

Test(names_syntax, ip_literals_are_valid_and_parsed) {
        NameAddress a;

        assert_valid("192.0.2.1");
        assert_valid("2001:db8::1");
        assert_valid("fe80::1%lo");
        cr_assert(names_parse_literal("2001:db8::1", &a));
        cr_assert_eq(a.family, AF_INET6);
        cr_assert(names_parse_literal("192.0.2.1", &a));
        cr_assert_eq(a.family, AF_INET);
        cr_assert(names_parse_literal("fe80::1%1", &a));
        cr_assert_eq(a.ifindex, 1);
        cr_assert(names_address_is_link_local(&a));
        cr_assert_not(names_parse_literal("fe80::1%nosuchif0", &a));
        cr_assert_not(names_parse_literal("example.org", &a));
        cr_assert_not(names_parse_literal("1.2.3", &a));
}

Test(names_syntax, cache_keys_fold_case_and_keep_absolute_and_relative_apart) {
        g_autofree char *k1 = names_key("WWW.Example.ORG.");
        g_autofree char *k2 = names_key("www.example.org");
        cr_assert_str_eq(k1, "www.example.org.");
        cr_assert_str_eq(k2, "www.example.org");
}

Test(names_syntax, hosts_keys_fold_case_and_drop_the_trailing_dot) {
        g_autofree char *k1 = names_hosts_key("WWW.Example.ORG.");
        g_autofree char *k2 = names_hosts_key("www.example.org");
        cr_assert_str_eq(k1, "www.example.org");
        cr_assert_str_eq(k2, "www.example.org");
}
