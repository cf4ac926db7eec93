/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hosts-file parser and lookup (resolverd/names/hosts.c). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "hosts.h"

static Hosts *parse(const char *text) {
        return hosts_parse(text, strlen(text));
}

static GArray *lookup(const Hosts *h, const char *name, int family, char **ret_canonical,
                      gboolean *ret_found) {
        GArray *a = g_array_new(FALSE, FALSE, sizeof(NameAddress));

        *ret_found = hosts_lookup(h, name, family, a, ret_canonical);
        return a;
}

static void assert_address(const NameAddress *a, int family, const char *text) {
        uint8_t want[16] = { 0 };

        cr_assert_eq(a->family, family);
        cr_assert_eq(inet_pton(family, text, want), 1);
        cr_assert_arr_eq(a->address, want, family == AF_INET ? 4 : 16, "want %s", text);
}

Test(hosts, canonical_is_the_first_name_and_aliases_resolve) {
        g_autoptr(Hosts) h = parse("192.0.2.1 www.example.org www web # comment\n");
        g_autofree char *canonical = NULL;
        gboolean found;
        g_autoptr(GArray) a = lookup(h, "WEB", AF_UNSPEC, &canonical, &found);

        cr_assert(found);
        cr_assert_eq(a->len, 1);
        assert_address(&g_array_index(a, NameAddress, 0), AF_INET, "192.0.2.1");
        cr_assert_str_eq(canonical, "www.example.org");
}

Test(hosts, comments_and_garbage_lines_are_skipped) {
        g_autoptr(Hosts) h = parse("# a comment line\n"
                                   "   \n"
                                   "not-an-address foo\n"
                                   "300.1.1.1 foo\n"
                                   "192.0.2.2\n"
                                   "192.0.2.3 # foo\n"
                                   "192.0.2.4 bad..name good\n"
                                   "\t2001:db8::1\tfoo\t# trailing\n"
                                   "\x01\x02garbage\n");
        g_autofree char *canonical = NULL;
        gboolean found;
        g_autoptr(GArray) a = lookup(h, "foo", AF_UNSPEC, &canonical, &found);

        cr_assert(found);
        cr_assert_eq(a->len, 1);
        assert_address(&g_array_index(a, NameAddress, 0), AF_INET6, "2001:db8::1");

        g_autofree char *c2 = NULL;
        g_autoptr(GArray) b = lookup(h, "good", AF_UNSPEC, &c2, &found);
        cr_assert(found);
        cr_assert_str_eq(c2, "good", "an invalid first name must not become canonical");
        cr_assert_eq(hosts_size(h), 2);
}

Test(hosts, family_filters_and_file_order_is_kept) {
        g_autoptr(Hosts) h = parse("192.0.2.1 dual\n"
                                   "2001:db8::1 dual.example dual\n"
                                   "192.0.2.2 dual\n"
                                   "192.0.2.1 dual\n");
        g_autofree char *c1 = NULL, *c2 = NULL, *c3 = NULL;
        gboolean found;

        g_autoptr(GArray) all = lookup(h, "dual", AF_UNSPEC, &c1, &found);
        cr_assert_eq(all->len, 3, "duplicates must be dropped");
        assert_address(&g_array_index(all, NameAddress, 0), AF_INET, "192.0.2.1");
        assert_address(&g_array_index(all, NameAddress, 1), AF_INET6, "2001:db8::1");
        assert_address(&g_array_index(all, NameAddress, 2), AF_INET, "192.0.2.2");
        cr_assert_str_eq(c1, "dual");

        g_autoptr(GArray) v6 = lookup(h, "dual", AF_INET6, &c2, &found);
        cr_assert_eq(v6->len, 1);
        cr_assert_str_eq(c2, "dual.example", "canonical comes from the line that matched");

        g_autoptr(Hosts) h4 = parse("192.0.2.9 only4\n");
        g_autoptr(GArray) none = lookup(h4, "only4", AF_INET6, &c3, &found);
        cr_assert(found, "a listed name is found even without an address of the family");
        cr_assert_eq(none->len, 0);
        cr_assert_null(c3);
}

Test(hosts, names_match_case_insensitively_with_or_without_trailing_dot) {
        g_autoptr(Hosts) h = parse("192.0.2.1 Host.Example.\n");
        g_autofree char *c1 = NULL, *c2 = NULL, *c3 = NULL;
        gboolean found;

        g_autoptr(GArray) a = lookup(h, "host.example", AF_INET, &c1, &found);
        cr_assert(found);
        g_autoptr(GArray) b = lookup(h, "HOST.EXAMPLE.", AF_INET, &c2, &found);
        cr_assert(found);
        g_autoptr(GArray) c = lookup(h, "other", AF_INET, &c3, &found);
        cr_assert_not(found);
}

Test(hosts, v4_mapped_address_is_stored_as_ipv4) {
        g_autoptr(Hosts) h = parse("::ffff:192.0.2.7 mapped\n");
        g_autofree char *c1 = NULL, *c2 = NULL;
        gboolean found;

        g_autoptr(GArray) a = lookup(h, "mapped", AF_INET, &c1, &found);
        cr_assert_eq(a->len, 1);
        assert_address(&g_array_index(a, NameAddress, 0), AF_INET, "192.0.2.7");
        g_autoptr(GArray) b = lookup(h, "mapped", AF_INET6, &c2, &found);
        cr_assert_eq(b->len, 0);
}

Test(hosts, scoped_link_local_address_keeps_its_interface) {
        g_autoptr(Hosts) h = parse("fe80::1%lo ll\nfe80::2%1 ll2\nfe80::3%nosuchif0 ll3\n");
        g_autofree char *c1 = NULL, *c2 = NULL, *c3 = NULL;
        gboolean found;

        g_autoptr(GArray) a = lookup(h, "ll", AF_INET6, &c1, &found);
        cr_assert_eq(a->len, 1);
        cr_assert_eq(g_array_index(a, NameAddress, 0).ifindex, 1);
        g_autoptr(GArray) b = lookup(h, "ll2", AF_INET6, &c2, &found);
        cr_assert_eq(g_array_index(b, NameAddress, 0).ifindex, 1);
        g_autoptr(GArray) c = lookup(h, "ll3", AF_INET6, &c3, &found);
        cr_assert_not(found, "an unknown scope makes the line invalid");
}

Test(hosts, very_long_lines_and_names_are_handled) {
        g_autoptr(GString) s = g_string_new("192.0.2.1");
        for (int i = 0; i < 5000; i++)
                g_string_append_printf(s, " alias%d", i);
        g_string_append(s, " ");
        for (int i = 0; i < 300; i++)
                g_string_append_c(s, 'x'); /* too long a name: skipped */
        g_string_append(s, "\n192.0.2.2 after\n");
        g_autoptr(Hosts) h = hosts_parse(s->str, s->len);
        g_autofree char *c1 = NULL, *c2 = NULL;
        gboolean found;

        g_autoptr(GArray) a = lookup(h, "alias4999", AF_INET, &c1, &found);
        cr_assert(found);
        cr_assert_str_eq(c1, "alias0");
        g_autoptr(GArray) b = lookup(h, "after", AF_INET, &c2, &found);
        cr_assert(found);
        cr_assert_eq(hosts_size(h), 5001);
}

Test(hosts, missing_file_is_empty_and_text_without_newline_parses) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Hosts) h = hosts_load("/nonexistent/hosts", &error);
        cr_assert_not_null(h);
        cr_assert_eq(hosts_size(h), 0);

        g_autoptr(Hosts) h2 = hosts_parse("192.0.2.1 last", 14);
        g_autofree char *c = NULL;
        gboolean found;
        g_autoptr(GArray) a = lookup(h2, "last", AF_INET, &c, &found);
        cr_assert(found);
}

/* Reverse lookups: every name of every line with the address, in file
 * order, each once; other families and addresses do not match. */
Test(hosts, reverse_lookup_gives_all_names_in_file_order) {
        static const char text[] = "2001:db8::1 one.example one alias\n"
                                   "192.0.2.1 v4.example\n"
                                   "2001:db8::1 second.example ONE\n"
                                   "2001:db8::2 other.example\n";
        g_autoptr(Hosts) h = hosts_parse(text, sizeof(text) - 1);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, a4[4] = { 192, 0, 2, 1 };

        cr_assert(hosts_lookup_address(h, AF_INET6, a6, names));
        cr_assert_eq(names->len, 4);
        cr_assert_str_eq(names->pdata[0], "one.example");
        cr_assert_str_eq(names->pdata[1], "one");
        cr_assert_str_eq(names->pdata[2], "alias");
        cr_assert_str_eq(names->pdata[3], "second.example");
        g_ptr_array_set_size(names, 0);
        cr_assert(hosts_lookup_address(h, AF_INET, a4, names));
        cr_assert_eq(names->len, 1);
        cr_assert_str_eq(names->pdata[0], "v4.example");
        g_ptr_array_set_size(names, 0);
        a6[15] = 9;
        cr_assert_not(hosts_lookup_address(h, AF_INET6, a6, names));
        cr_assert_eq(names->len, 0);
}
