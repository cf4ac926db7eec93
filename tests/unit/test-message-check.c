/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.socket's message validation (resolverd/serving/message-check.c): every message
 * a D-Bus library writes is accepted and read as written; each way of
 * breaking one that GDBusMessage would let through is refused. */
#include <criterion/criterion.h>
#include <gio/gio.h>
#include <string.h>

#include "message-check.h"

static guchar *to_blob(GDBusMessage *m, GDBusMessageByteOrder order, gsize *len) {
        g_autoptr(GError) error = NULL;
        guchar *blob;

        g_dbus_message_set_serial(m, 7);
        g_dbus_message_set_byte_order(m, order);
        blob = g_dbus_message_to_blob(m, len, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
        cr_assert_not_null(blob, "%s", error ? error->message : "");
        return blob;
}

static guchar *call(const char *iface, const char *member, GVariant *body, GDBusMessageByteOrder order, gsize *len) {
        g_autoptr(GDBusMessage) m = g_dbus_message_new_method_call("org.aarp.Resolve1", "/org/aarp/Resolve1", iface,
                                                                   member);
        if (body)
                g_dbus_message_set_body(m, body);
        return to_blob(m, order, len);
}

Test(message_check, accepts_what_gdbus_writes) {
        const char *bodies[] = {
                "()",
                "('x',)",
                "('org.aarp.Resolve1.Manager', 'CacheHits')",
                "(0, [byte 1, 2, 3], uint64 5)",
                "(0, 'example.org', 10, uint64 0)",
                "(0, @aay [[byte 1], [], [2, 3, 4, 5, 6, 7, 8, 9, 10]], uint64 1)",
                "({'a': <1>, 'b': <'x'>, 'c': <<(1, true, 2.5)>>},)",
                "(@a{sv} {},)",
                "(@a(tt) [], @ax [], @ay [])",
                "(byte 1, true, int16 -2, uint16 3, -4, uint32 5, int64 -6, uint64 7, 8.5, 's', objectpath '/a/b', signature 'a{sv}')",
                "([(1, 'a'), (2, 'bb')], <@a{ss} {'k': 'v'}>)",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bodies); i++) {
                for (int order = 0; order < 2; order++) {
                        GVariant *body = bodies[i][1] == ')' ? NULL : g_variant_new_parsed(bodies[i]);
                        gsize len;
                        g_autofree guchar *blob =
                                call("org.aarp.Resolve1.Manager", "Method", body,
                                     order ? G_DBUS_MESSAGE_BYTE_ORDER_BIG_ENDIAN : G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN,
                                     &len);
                        MessageInfo info;
                        const char *why = NULL;

                        cr_assert(message_check(blob, len, &info, &why), "%s (%s): refused: %s", bodies[i],
                                  order ? "BE" : "LE", why);
                        cr_assert_eq(info.type, 1);
                        cr_assert_eq(info.serial, 7);
                        cr_assert_str_eq(info.path, "/org/aarp/Resolve1");
                        cr_assert_str_eq(info.interface, "org.aarp.Resolve1.Manager");
                        cr_assert_str_eq(info.member, "Method");
                }
        }
}

Test(message_check, accepts_replies_errors_and_signals) {
        g_autoptr(GDBusMessage) c = g_dbus_message_new_method_call(NULL, "/", NULL, "Ping");
        g_dbus_message_set_serial(c, 3);
        g_autoptr(GDBusMessage) r = g_dbus_message_new_method_reply(c);
        g_autoptr(GDBusMessage) e = g_dbus_message_new_method_error_literal(c, "org.example.Error.Failed", "no");
        g_autoptr(GDBusMessage) s = g_dbus_message_new_signal("/org/example", "org.example.Iface", "Changed");
        GDBusMessage *all[] = { r, e, s };

        for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
                gsize len;
                g_autofree guchar *blob = to_blob(all[i], G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN, &len);
                const char *why = NULL;
                cr_assert(message_check(blob, len, NULL, &why), "message %zu refused: %s", i, why);
        }
}

/* The GetAll call of the crash, with single bytes changed: byte offsets
 * found by searching the serialised message, so the test does not depend on
 * GDBus's field order. */
static guchar *getall(gsize *len) {
        return call("org.freedesktop.DBus.Properties", "GetAll", g_variant_new("(s)", "org.aarp.Resolve1.Manager"),
                    G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN, len);
}

/* The offset of the header field with @code: its code byte is followed by
 * the variant signature "\1X\0". */
static gsize field_at(const guchar *blob, gsize len, guint8 code) {
        for (gsize i = 16; i + 3 < len; i += 8)
                if (blob[i] == code && blob[i + 1] == 1 && blob[i + 3] == 0)
                        return i;
        cr_assert_fail("no header field %u", code);
        return 0;
}

static void refused(const guchar *blob, gsize len, const char *what) {
        const char *why = NULL;
        cr_assert_not(message_check(blob, len, NULL, &why), "%s: accepted", what);
        cr_assert_not_null(why);
}

Test(message_check, refuses_mistyped_and_missing_fields) {
        gsize len;
        g_autofree guchar *m = getall(&len);
        gsize member = field_at(m, len, 3), path = field_at(m, len, 1), sig = field_at(m, len, 8);

        cr_assert(message_check(m, len, NULL, NULL));
        /* MEMBER typed 'o' (its value, "GetAll", is then no object path
         * either) and 'u'. */
        m[member + 2] = 'o';
        refused(m, len, "MEMBER typed o");
        m[member + 2] = 'u';
        refused(m, len, "MEMBER typed u");
        m[member + 2] = 's';
        /* The field's code changed to one that does not exist, or to
         * ERROR_NAME, which leaves the call without MEMBER. */
        m[member] = 0x0c;
        refused(m, len, "unknown field 12");
        m[member] = 4;
        refused(m, len, "MEMBER missing (ERROR_NAME instead)");
        m[member] = 3;
        /* PATH typed 's'. */
        m[path + 2] = 's';
        refused(m, len, "PATH typed s");
        m[path + 2] = 'o';
        /* The body read as 'u' instead of 's'. */
        m[sig + 5] = 'u';
        refused(m, len, "body does not match its signature");
        m[sig + 5] = 's';
        cr_assert(message_check(m, len, NULL, NULL), "restored message refused");
}

Test(message_check, refuses_bad_names_and_framing) {
        gsize len;
        g_autofree guchar *m = getall(&len);
        gsize member = field_at(m, len, 3), iface = field_at(m, len, 2);

        m[member + 8] = '9';
        refused(m, len, "member starting with a digit");
        m[member + 8] = 'G';
        m[iface + 8 + 3] = '.';
        m[iface + 8 + 4] = '.';
        refused(m, len, "interface with an empty element");
        g_free(m);
        m = getall(&len);

        guchar *b = g_memdup2(m, len);
        b[1] = 9;
        refused(b, len, "message type 9");
        memcpy(b, m, len);
        b[3] = 2;
        refused(b, len, "protocol version 2");
        memcpy(b, m, len);
        memset(b + 8, 0, 4);
        refused(b, len, "serial 0");
        memcpy(b, m, len);
        b[len - 1] = 'x';
        refused(b, len, "string without its NUL");
        memcpy(b, m, len);
        refused(b, len - 1, "one byte short");
        refused(b, 15, "shorter than a header");
        g_free(b);
}

/* Built by hand: what no library writes. */
static void put_u32(guchar *p, guint32 v) {
        v = GUINT32_TO_LE(v);
        memcpy(p, &v, 4);
}

Test(message_check, refuses_deep_nesting_and_descriptors) {
        gsize len;
        g_autofree guchar *m = call("org.aarp.Resolve1.Manager", "M", g_variant_new_parsed("(<<<1>>>,)"),
                                    G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN, &len);
        cr_assert(message_check(m, len, NULL, NULL), "three nested variants refused");

        /* 70 variants inside each other around a byte: deeper than the
         * specification's 64. */
        GVariant *v = g_variant_new_byte(1);
        for (int i = 0; i < 70; i++)
                v = g_variant_new_variant(v);
        g_autoptr(GDBusMessage) deep = g_dbus_message_new_method_call(NULL, "/a", NULL, "M");
        g_dbus_message_set_body(deep, g_variant_new_tuple(&v, 1));
        g_dbus_message_set_serial(deep, 1);
        g_autofree guchar *blob = g_dbus_message_to_blob(deep, &len, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);
        cr_assert_not_null(blob, "GDBus did not serialise 70 nested variants");
        refused(blob, len, "70 nested variants");

        /* A signature with 'h' (a descriptor): io.socket passes none. */
        guchar h[64] = { 'l', 1, 0, 1 };
        gsize n = 16;
        /* PATH "/" */
        h[n++] = 1; h[n++] = 1; h[n++] = 'o'; h[n++] = 0;
        put_u32(h + n, 1); n += 4; h[n++] = '/'; h[n++] = 0;
        n = (n + 7) & ~(gsize) 7;
        /* MEMBER "M" */
        h[n++] = 3; h[n++] = 1; h[n++] = 's'; h[n++] = 0;
        put_u32(h + n, 1); n += 4; h[n++] = 'M'; h[n++] = 0;
        n = (n + 7) & ~(gsize) 7;
        /* SIGNATURE "h" */
        h[n++] = 8; h[n++] = 1; h[n++] = 'g'; h[n++] = 0;
        h[n++] = 1; h[n++] = 'h'; h[n++] = 0;
        put_u32(h + 12, (guint32) (n - 16));
        n = (n + 7) & ~(gsize) 7;
        put_u32(h + n, 0);
        n += 4;
        put_u32(h + 4, 4);
        put_u32(h + 8, 1);
        refused(h, n, "a descriptor in the body");
        /* The same with signature "u" is fine. */
        for (gsize i = 16; i < n; i++)
                if (h[i] == 'h') {
                        h[i] = 'u';
                        break;
                }
        const char *why = NULL;
        cr_assert(message_check(h, n, NULL, &why), "hand-made call with a uint32 refused: %s", why);
}
