/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json-out.c: JSON string escaping for aarp-resolve --json (see
 * json-out.h).  RFC 8259 §7: quotation mark, reverse solidus and control
 * characters must be escaped; everything else may pass as UTF-8.  Also the
 * members array of an address answer.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "json-out.h"

/* Length of the valid UTF-8 sequence starting at @s (1-4), or 0 if the
 * bytes there are not one (overlong forms and surrogates included). */
static size_t utf8_sequence_length(const unsigned char *s) {
        uint32_t cp;
        size_t n;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0; /* also stops at the terminating NUL */
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

void json_write_string(FILE *f, const char *s) {
        const unsigned char *p = (const unsigned char *)(s ? s : "");

        fputc('"', f);
        while (*p) {
                size_t n;

                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        p++;
                        continue;
                case '\\':
                        fputs("\\\\", f);
                        p++;
                        continue;
                case '\b':
                        fputs("\\b", f);
                        p++;
                        continue;
                case '\f':
                        fputs("\\f", f);
                        p++;
                        continue;
                case '\n':
                        fputs("\\n", f);
                        p++;
                        continue;
                case '\r':
                        fputs("\\r", f);
                        p++;
                        continue;
                case '\t':
                        fputs("\\t", f);
                        p++;
                        continue;
                default:
                        break;
                }
                if (*p < 0x20 || *p == 0x7f) {
                        fprintf(f, "\\u%04x", *p);
                        p++;
                        continue;
                }
                n = utf8_sequence_length(p);
                if (n == 0) {
                        fputs("\\ufffd", f);
                        p++;
                        continue;
                }
                fwrite(p, 1, n, f);
                p += n;
        }
        fputc('"', f);
}

void json_write_members(FILE *f, int family, const BusMember *members, size_t n) {
        fputc('[', f);
        for (size_t i = 0; i < n; i++) {
                char text[INET6_ADDRSTRLEN];

                /* An address inet_ntop() cannot print is still written as a
                 * string, so the output always parses. */
                if (!inet_ntop(family, members[i].address, text, sizeof text))
                        text[0] = '\0';
                fprintf(f, "%s{\"address\": ", i ? ", " : "");
                json_write_string(f, text);
                fprintf(f, ", \"rtt_usec\": %" PRIu64 "}", members[i].rtt_usec);
        }
        fputc(']', f);
}
