/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON string escaping for aarp-resolve --json (client/json-out.c): the
 * output is always one valid JSON string, whatever bytes came in. */
#include <criterion/criterion.h>
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
