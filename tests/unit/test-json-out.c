/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON output of aarp-resolve --json (client/cli/json-out.c): string escaping
 * (the output is always one valid JSON string, whatever bytes came in) and
 * the members array of an address answer. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "json-out.h"

static char *escaped(const char *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        cr_assert_not_null(f);
        json_write_string(f, s);
        fclose(f);
        return buf;
}

#define EXPECT(in, out)                                                                                     \
        do {                                                                                                \
                char *got_ = escaped(in);                                                                   \
                cr_assert_str_eq(got_, out);                                                                \
                free(got_);                                                                                 \
        } while (0)

Test(json, plain_ascii_is_quoted_unchanged) {
        EXPECT("host.example", "\"host.example\"");
        EXPECT("", "\"\"");
        EXPECT(NULL, "\"\"");
}

Test(json, quote_and_backslash_are_escaped) {
        EXPECT("a\"b\\c", "\"a\\\"b\\\\c\"");
}

Test(json, control_characters_are_escaped) {
        EXPECT("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
        EXPECT("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
}

Test(json, valid_utf8_passes_through) {
        EXPECT("b\xc3\xbc"
               "cher",
               "\"b\xc3\xbc"
               "cher\"");
        EXPECT("\xe2\x82\xac", "\"\xe2\x82\xac\"");
        EXPECT("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
}

Test(json, invalid_utf8_becomes_replacement_characters) {
        EXPECT("\xff", "\"\\ufffd\"");
        EXPECT("a\xc3", "\"a\\ufffd\"");                                /* truncated at the end */
        EXPECT("\xc0\xaf", "\"\\ufffd\\ufffd\"");                       /* overlong '/' */
        EXPECT("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");            /* surrogate */
        EXPECT("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
}

static char *members_json(int family, const BusMember *members, size_t n) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        cr_assert_not_null(f);
        json_write_members(f, family, members, n);
        fclose(f);
        return buf;
}

#define EXPECT_MEMBERS(out, ...)                                                                            \
        do {                                                                                                \
                char *got_ = members_json(__VA_ARGS__);                                                     \
                cr_assert_str_eq(got_, out);                                                                \
                free(got_);                                                                                 \
        } while (0)

Test(json, members_are_an_array_of_address_and_rtt_in_order) {
        BusMember m[3] = {{.rtt_usec = 50}, {.rtt_usec = 70}, {.rtt_usec = UINT64_MAX}};

        cr_assert_eq(inet_pton(AF_INET6, "2001:db8:11::2", m[0].address), 1);
        cr_assert_eq(inet_pton(AF_INET6, "2001:db8:12::2", m[1].address), 1);
        cr_assert_eq(inet_pton(AF_INET6, "2001:db8:13::2", m[2].address), 1);
        EXPECT_MEMBERS("[{\"address\": \"2001:db8:11::2\", \"rtt_usec\": 50}]", AF_INET6, m, 1);
        EXPECT_MEMBERS("[{\"address\": \"2001:db8:11::2\", \"rtt_usec\": 50}, "
                       "{\"address\": \"2001:db8:12::2\", \"rtt_usec\": 70}, "
                       "{\"address\": \"2001:db8:13::2\", \"rtt_usec\": 18446744073709551615}]",
                       AF_INET6, m, 3);
}

Test(json, no_members_is_an_empty_array_and_ipv4_is_printed_as_ipv4) {
        BusMember m = {0};

        EXPECT_MEMBERS("[]", AF_INET6, NULL, 0);
        cr_assert_eq(inet_pton(AF_INET, "192.0.2.1", m.address), 1);
        EXPECT_MEMBERS("[{\"address\": \"192.0.2.1\", \"rtt_usec\": 0}]", AF_INET, &m, 1);
}
