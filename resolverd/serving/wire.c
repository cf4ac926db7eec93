/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wire.c: see wire.h.  Offsets follow the D-Bus specification's "Message
 * Format": a 16-byte fixed header, an array of (byte code, variant) header
 * fields each aligned to 8, padding to 8, then the body.  Every read is
 * bounds-checked against the message length; multi-byte values are read
 * with memcpy (the buffer need not be aligned).
 */
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "dbus-format.h"
#include "wire.h"

static size_t align(size_t pos, size_t to) {
        return (pos + to - 1) & ~(to - 1);
}

static uint32_t get_u32(const uint8_t *p) {
        uint32_t v;

        memcpy(&v, p, 4);
        return GUINT32_FROM_LE(v);
}

static uint64_t get_u64(const uint8_t *p) {
        uint64_t v;

        memcpy(&v, p, 8);
        return GUINT64_FROM_LE(v);
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

/* Both bodies start with an int32 and a length (of an array or a string)
 * at 4; the length is returned if the bytes it counts fit in the body. */
static gboolean parse_prefix(const uint8_t *m, uint32_t body_len, WireCall *ret, uint32_t *ret_len) {
        if (body_len < 8)
                return FALSE;
        ret->ifindex = (int32_t) get_u32(m);
        *ret_len = get_u32(m + 4);
        return *ret_len <= body_len - 8;
}

/* Body "iayt": int32 at 0, array length at 4, bytes from 8, padding to 8,
 * uint64. */
static gboolean parse_iayt(const uint8_t *m, uint32_t body_len, WireCall *ret) {
        uint32_t n;
        size_t pos;

        if (!parse_prefix(m, body_len, ret, &n))
                return FALSE;
        pos = align(8 + (size_t) n, 8);
        if (pos + 8 != body_len || !zero(m + 8 + n, pos - 8 - n))
                return FALSE;
        ret->address = m + 8;
        ret->address_len = n;
        ret->flags = get_u64(m + pos);
        return TRUE;
}

/* Body "isit": int32 at 0, string length at 4, the string and its NUL from
 * 8, padding to 4, int32, padding to 8, uint64.  The string must be what
 * GDBus accepts: valid UTF-8 with no NUL inside. */
static gboolean parse_isit(const uint8_t *m, uint32_t body_len, WireCall *ret) {
        uint32_t n;
        size_t pos;

        if (!parse_prefix(m, body_len, ret, &n) || (size_t) n + 9 > body_len)
                return FALSE;
        if (m[8 + n] != 0 || memchr(m + 8, 0, n) || !g_utf8_validate((const char *) m + 8, n, NULL))
                return FALSE;
        pos = align(8 + (size_t) n + 1, 4);
        if (pos + 4 > body_len || !zero(m + 8 + n + 1, pos - 8 - n - 1))
                return FALSE;
        ret->family = (int32_t) get_u32(m + pos);
        pos += 4;
        {
                size_t at = align(pos, 8);

                if (at + 8 != body_len || !zero(m + pos, at - pos))
                        return FALSE;
                ret->flags = get_u64(m + at);
        }
        ret->name = (const char *) m + 8;
        ret->name_len = n;
        return TRUE;
}

gboolean wire_parse_call(const uint8_t *m, size_t len, WireCall *ret) {
        gboolean have_path = FALSE, have_interface = FALSE, have_destination = FALSE;
        const uint8_t *signature = NULL; /* the field's value: length byte, characters, NUL */
        size_t fields_end, body, pos;
        uint32_t body_len;

        memset(ret, 0, sizeof(*ret));
        if (len < 16 || m[0] != 'l' || m[1] != MSG_TYPE_METHOD_CALL || (m[2] & ~MSG_FLAGS_KNOWN) || m[3] != 1)
                return FALSE;
        body_len = get_u32(m + 4);
        ret->serial = get_u32(m + 8);
        if (ret->serial == 0)
                return FALSE;
        fields_end = 16 + (size_t) get_u32(m + 12);
        body = align(fields_end, 8);
        if (fields_end > len || body > len || len - body != body_len || !zero(m + fields_end, body - fields_end))
                return FALSE;
        ret->no_reply = (m[2] & MSG_FLAG_NO_REPLY_EXPECTED) != 0;

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
                case MSG_FIELD_PATH:
                        if (have_path || type != 'o' || !string_is(m, fields_end, &pos, AARP_OBJECT_PATH))
                                return FALSE;
                        have_path = TRUE;
                        break;
                case MSG_FIELD_INTERFACE: /* optional in a call */
                        if (have_interface || type != 's' ||
                            !string_is(m, fields_end, &pos, AARP_MANAGER_INTERFACE))
                                return FALSE;
                        have_interface = TRUE;
                        break;
                case MSG_FIELD_DESTINATION: /* meaningless without a bus, but libdbus may send it */
                        if (have_destination || type != 's' || !string_is(m, fields_end, &pos, AARP_BUS_NAME))
                                return FALSE;
                        have_destination = TRUE;
                        break;
                case MSG_FIELD_MEMBER:
                        if (ret->method || type != 's')
                                return FALSE;
                        if (string_is(m, fields_end, &pos, "ResolveAddress"))
                                ret->method = WIRE_RESOLVE_ADDRESS;
                        else if (string_is(m, fields_end, &pos, "ResolveAddressMembers"))
                                ret->method = WIRE_RESOLVE_ADDRESS_MEMBERS;
                        else if (string_is(m, fields_end, &pos, "ResolveHostname"))
                                ret->method = WIRE_RESOLVE_HOSTNAME;
                        else if (string_is(m, fields_end, &pos, "ResolveHostnameEx"))
                                ret->method = WIRE_RESOLVE_HOSTNAME_EX;
                        else
                                return FALSE;
                        break;
                case MSG_FIELD_SIGNATURE: /* both our signatures have 4 characters */
                        if (signature || type != 'g' || pos + 6 > fields_end || m[pos] != 4 || m[pos + 5] != 0)
                                return FALSE;
                        signature = m + pos;
                        pos += 6;
                        break;
                default:
                        return FALSE;
                }
        }
        if (pos != fields_end || !have_path || !ret->method || !signature)
                return FALSE;

        if (ret->method == WIRE_RESOLVE_HOSTNAME || ret->method == WIRE_RESOLVE_HOSTNAME_EX)
                return memcmp(signature + 1, "isit", 4) == 0 && parse_isit(m + body, body_len, ret);
        return memcmp(signature + 1, "iayt", 4) == 0 && parse_iayt(m + body, body_len, ret);
}

/* The reply header with fields REPLY_SERIAL and SIGNATURE @sig; returns
 * where the body starts (8-aligned).  The body length is set by the caller
 * at offset 4. */
static size_t write_reply_header(uint8_t *buf, uint32_t reply_serial, const char *sig) {
        size_t n = strlen(sig), end;

        buf[0] = 'l';
        buf[1] = MSG_TYPE_METHOD_RETURN;
        buf[2] = MSG_FLAG_NO_REPLY_EXPECTED; /* nobody answers a reply */
        buf[3] = 1;
        put_u32(buf + 8, 0); /* serial: the transport's */
        buf[16] = MSG_FIELD_REPLY_SERIAL;
        buf[17] = 1;
        buf[18] = 'u';
        buf[19] = 0;
        put_u32(buf + 20, reply_serial);
        buf[24] = MSG_FIELD_SIGNATURE;
        buf[25] = 1;
        buf[26] = 'g';
        buf[27] = 0;
        buf[28] = (uint8_t) n;
        memcpy(buf + 29, sig, n + 1); /* with its NUL */
        end = 29 + n + 1;
        put_u32(buf + 12, (uint32_t) (end - 16));
        memset(buf + end, 0, align(end, 8) - end);
        return align(end, 8);
}

size_t wire_write_address_reply(uint8_t *buf, uint32_t reply_serial, const uint8_t *address,
                                uint32_t address_len, uint64_t flags, uint32_t ttl_sec, uint64_t rtt_usec) {
        uint8_t *b;
        size_t body, pos;

        g_assert(address_len == 4 || address_len == 16);
        memset(buf, 0, WIRE_ADDRESS_REPLY_MAX);
        body = write_reply_header(buf, reply_serial, "aytut"); /* 40 */
        b = buf + body;
        put_u32(b, address_len);
        memcpy(b + 4, address, address_len);
        pos = align(4 + address_len, 8);
        put_u64(b + pos, flags);
        put_u32(b + pos + 8, ttl_sec);
        put_u64(b + pos + 16, rtt_usec);
        pos += 24;
        put_u32(buf + 4, (uint32_t) pos);
        return body + pos;
}

#define HOSTNAME_SIGNATURE "a(iiay)st"
#define HOSTNAME_EX_SIGNATURE "a(iiay)stu"

/* Body "a(iiay)st" of @n addresses, @canonical_len: array length at 0, the
 * structs from 8 (each 8-aligned: int32, int32, byte-array length, bytes),
 * then the string 4-aligned, then the uint64 8-aligned. */
static size_t hostname_body_size(const WireHostAddress *addresses, size_t n, size_t canonical_len) {
        size_t pos = 8;

        for (size_t i = 0; i < n; i++)
                pos = align(pos, 8) + 12 + (addresses && addresses[i].family == AF_INET ? 4 : 16);
        pos = align(pos, 4) + 4 + canonical_len + 1;
        return align(pos, 8) + 8;
}

size_t wire_hostname_reply_size(size_t n, size_t canonical_len) {
        /* Every address counted at its largest, and the Ex reply's TTL. */
        return align(29 + strlen(HOSTNAME_EX_SIGNATURE) + 1, 8) + hostname_body_size(NULL, n, canonical_len) + 4;
}

static size_t write_hostname_reply(uint8_t *buf, uint32_t reply_serial, const WireHostAddress *addresses, size_t n,
                                   const char *canonical, uint64_t flags, gboolean with_ttl, uint32_t ttl_sec) {
        size_t body = write_reply_header(buf, reply_serial, with_ttl ? HOSTNAME_EX_SIGNATURE : HOSTNAME_SIGNATURE);
        size_t pos = 8, cl = strlen(canonical);
        uint8_t *b = buf + body;

        memset(b, 0, hostname_body_size(addresses, n, cl) + (with_ttl ? 4 : 0));
        for (size_t i = 0; i < n; i++) {
                uint32_t alen = addresses[i].family == AF_INET ? 4 : 16;

                pos = align(pos, 8);
                put_u32(b + pos, (uint32_t) addresses[i].ifindex);
                put_u32(b + pos + 4, (uint32_t) addresses[i].family);
                put_u32(b + pos + 8, alen);
                memcpy(b + pos + 12, addresses[i].address, alen);
                pos += 12 + alen;
        }
        put_u32(b, (uint32_t) (pos - 8)); /* the elements' bytes, without the padding before them */
        pos = align(pos, 4);
        put_u32(b + pos, (uint32_t) cl);
        memcpy(b + pos + 4, canonical, cl + 1);
        pos = align(pos + 4 + cl + 1, 8);
        put_u64(b + pos, flags);
        pos += 8;
        if (with_ttl) {
                put_u32(b + pos, ttl_sec);
                pos += 4;
        }
        put_u32(buf + 4, (uint32_t) pos);
        return body + pos;
}

size_t wire_write_hostname_reply(uint8_t *buf, uint32_t reply_serial, const WireHostAddress *addresses, size_t n,
                                 const char *canonical, uint64_t flags) {
        return write_hostname_reply(buf, reply_serial, addresses, n, canonical, flags, FALSE, 0);
}

size_t wire_write_hostname_ex_reply(uint8_t *buf, uint32_t reply_serial, const WireHostAddress *addresses,
                                    size_t n, const char *canonical, uint64_t flags, uint32_t ttl_sec) {
        return write_hostname_reply(buf, reply_serial, addresses, n, canonical, flags, TRUE, ttl_sec);
}
