/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wire.c: see wire.h.  Offsets follow the D-Bus specification's "Message
 * Format": a 16-byte fixed header, an array of (byte code, variant) header
 * fields each aligned to 8, padding to 8, then the body.  Every read is
 * bounds-checked against the message length; multi-byte values are read
 * with memcpy (the buffer need not be aligned).
 */
#include <string.h>

#include "aarp-def.h"
#include "wire.h"

enum {
        FIELD_PATH = 1,
        FIELD_INTERFACE = 2,
        FIELD_MEMBER = 3,
        FIELD_DESTINATION = 6,
        FIELD_REPLY_SERIAL = 5,
        FIELD_SIGNATURE = 8,
};

#define TYPE_METHOD_CALL 1
#define TYPE_METHOD_RETURN 2
#define FLAG_NO_REPLY_EXPECTED 0x1
#define FLAGS_KNOWN 0x7 /* NO_REPLY_EXPECTED, NO_AUTO_START, ALLOW_INTERACTIVE_AUTHORIZATION */

static size_t align(size_t pos, size_t to) {
        return (pos + to - 1) & ~(to - 1);
}

static uint32_t get_u32(const uint8_t *p) {
        uint32_t v;

        memcpy(&v, p, 4);
        return GUINT32_FROM_LE(v);
}

static void put_u32(uint8_t *p, uint32_t v) {
        v = GUINT32_TO_LE(v);
        memcpy(p, &v, 4);
}

static void put_u64(uint8_t *p, uint64_t v) {
        v = GUINT64_TO_LE(v);
        memcpy(p, &v, 8);
}

/* Padding must be zero (the specification says so, and GDBusMessage
 * would otherwise be the judge). */
static gboolean zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return FALSE;
        return TRUE;
}

/* A string value ('s' or 'o') at @*pos, aligned to 4: TRUE if it is
 * exactly @want; advances @*pos. */
static gboolean string_is(const uint8_t *m, size_t end, size_t *pos, const char *want) {
        size_t p = align(*pos, 4), n = strlen(want);

        if (p + 4 > end || !zero(m + *pos, p - *pos) || get_u32(m + p) != n || p + 4 + n + 1 > end ||
            memcmp(m + p + 4, want, n) != 0 || m[p + 4 + n] != 0)
                return FALSE;
        *pos = p + 4 + n + 1;
        return TRUE;
}

gboolean wire_parse_resolve_address(const uint8_t *m, size_t len, WireResolveAddress *ret) {
        gboolean have_path = FALSE, have_interface = FALSE, have_destination = FALSE, have_member = FALSE,
                 have_signature = FALSE;
        size_t fields_end, body, pos;
        uint32_t body_len, n;

        if (len < 16 || m[0] != 'l' || m[1] != TYPE_METHOD_CALL || (m[2] & ~FLAGS_KNOWN) || m[3] != 1)
                return FALSE;
        body_len = get_u32(m + 4);
        ret->serial = get_u32(m + 8);
        if (ret->serial == 0)
                return FALSE;
        fields_end = 16 + (size_t) get_u32(m + 12);
        body = align(fields_end, 8);
        if (fields_end > len || body > len || len - body != body_len || !zero(m + fields_end, body - fields_end))
                return FALSE;
        ret->no_reply = (m[2] & FLAG_NO_REPLY_EXPECTED) != 0;

        /* Header fields: each at most once, each of its one type. */
        pos = 16;
        while (pos < fields_end) {
                size_t p = align(pos, 8);
                uint8_t code;
                char type;

                if (!zero(m + pos, p - pos) || p + 4 > fields_end || m[p + 1] != 1 || m[p + 3] != 0)
                        return FALSE;
                code = m[p];
                type = (char) m[p + 2];
                pos = p + 4;
                switch (code) {
                case FIELD_PATH:
                        if (have_path || type != 'o' || !string_is(m, fields_end, &pos, AARP_OBJECT_PATH))
                                return FALSE;
                        have_path = TRUE;
                        break;
                case FIELD_INTERFACE: /* optional in a call */
                        if (have_interface || type != 's' ||
                            !string_is(m, fields_end, &pos, AARP_MANAGER_INTERFACE))
                                return FALSE;
                        have_interface = TRUE;
                        break;
                case FIELD_DESTINATION: /* meaningless without a bus, but libdbus may send it */
                        if (have_destination || type != 's' || !string_is(m, fields_end, &pos, AARP_BUS_NAME))
                                return FALSE;
                        have_destination = TRUE;
                        break;
                case FIELD_MEMBER:
                        if (have_member || type != 's')
                                return FALSE;
                        if (string_is(m, fields_end, &pos, "ResolveAddress"))
                                ret->all_members = FALSE;
                        else if (string_is(m, fields_end, &pos, "ResolveAddressMembers"))
                                ret->all_members = TRUE;
                        else
                                return FALSE;
                        have_member = TRUE;
                        break;
                case FIELD_SIGNATURE:
                        if (have_signature || type != 'g' || pos + 6 > fields_end || m[pos] != 4 ||
                            memcmp(m + pos + 1, "iayt", 5) != 0)
                                return FALSE;
                        pos += 6;
                        have_signature = TRUE;
                        break;
                default:
                        return FALSE;
                }
        }
        if (pos != fields_end || !have_path || !have_member || !have_signature)
                return FALSE;

        /* Body "iayt": int32 at 0, array length at 4, bytes from 8, padding
         * to 8, uint64. */
        m += body;
        if (body_len < 8)
                return FALSE;
        ret->ifindex = (int32_t) get_u32(m);
        n = get_u32(m + 4);
        if (n > body_len - 8)
                return FALSE;
        pos = align(8 + (size_t) n, 8);
        if (pos + 8 != body_len || !zero(m + 8 + n, pos - 8 - n))
                return FALSE;
        ret->address = m + 8;
        ret->address_len = n;
        memcpy(&ret->flags, m + pos, 8);
        ret->flags = GUINT64_FROM_LE(ret->flags);
        return TRUE;
}

size_t wire_write_address_reply(uint8_t *buf, uint32_t reply_serial, const uint8_t *address,
                                uint32_t address_len, uint64_t flags, uint32_t ttl_sec, uint64_t rtt_usec) {
        static const char signature[] = "aytut";
        uint8_t *b;
        size_t pos;

        g_assert(address_len == 4 || address_len == 16);
        memset(buf, 0, WIRE_ADDRESS_REPLY_MAX);
        buf[0] = 'l';
        buf[1] = TYPE_METHOD_RETURN;
        buf[2] = FLAG_NO_REPLY_EXPECTED; /* nobody answers a reply */
        buf[3] = 1;
        /* 4: body length, 8: serial (the transport's), 12: fields length */
        buf[16] = FIELD_REPLY_SERIAL;
        buf[17] = 1;
        buf[18] = 'u';
        put_u32(buf + 20, reply_serial);
        buf[24] = FIELD_SIGNATURE;
        buf[25] = 1;
        buf[26] = 'g';
        buf[28] = sizeof(signature) - 1;
        memcpy(buf + 29, signature, sizeof(signature)); /* with its NUL: ends at 35 */
        put_u32(buf + 12, 35 - 16);

        b = buf + 40; /* align(35, 8) */
        put_u32(b, address_len);
        memcpy(b + 4, address, address_len);
        pos = align(4 + address_len, 8);
        put_u64(b + pos, flags);
        put_u32(b + pos + 8, ttl_sec);
        put_u64(b + pos + 16, rtt_usec);
        pos += 24;
        put_u32(buf + 4, (uint32_t) pos);
        return 40 + pos;
}
