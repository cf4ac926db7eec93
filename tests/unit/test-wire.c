/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hand-written D-Bus reader and writer of the hot call (resolverd/serving/wire.c),
 * checked against GDBusMessage: what GDBus writes, wire.c must read the same;
 * what wire.c writes, GDBus must read back; anything unusual is left to GDBus. */
#include <criterion/criterion.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "wire.h"

static const guint8 ADDR[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };

/* A call as a client would send it, serialised by GDBus (little-endian). */
static guchar *make_call(const char *destination, const char *path, const char *iface, const char *member,
                         GVariant *body, GDBusMessageFlags flags, GDBusMessageByteOrder order, gsize *len) {
        g_autoptr(GDBusMessage) m = g_dbus_message_new_method_call(destination, path, iface, member);
        g_autoptr(GError) error = NULL;
        guchar *blob;

        g_dbus_message_set_body(m, body);
        g_dbus_message_set_flags(m, flags);
        g_dbus_message_set_serial(m, 4242);
        g_dbus_message_set_byte_order(m, order);
        blob = g_dbus_message_to_blob(m, len, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
        cr_assert_not_null(blob, "%s", error ? error->message : "");
        return blob;
}

static GVariant *iayt(gint32 ifindex, const void *address, gsize len, guint64 flags) {
        return g_variant_new("(i@ayt)", ifindex, g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, address, len, 1),
                             flags);
}

Test(wire, reads_what_gdbus_writes) {
        for (gsize alen = 0; alen <= 20; alen++) {
                for (int variant = 0; variant < 4; variant++) {
                        const char *dest = variant & 1 ? AARP_BUS_NAME : NULL;
                        const char *iface = variant & 2 ? AARP_MANAGER_INTERFACE : NULL;
                        const char *member = alen % 2 ? "ResolveAddressMembers" : "ResolveAddress";
                        guint8 bytes[20];
                        gsize len;
                        WireCall w;

                        for (gsize i = 0; i < sizeof(bytes); i++)
                                bytes[i] = (guint8) (i + 1);
                        g_autofree guchar *blob =
                                make_call(dest, AARP_OBJECT_PATH, iface, member,
                                          iayt(-7, bytes, alen, UINT64_C(0x8000000000000003)),
                                          variant == 3 ? G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED : 0,
                                          G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN, &len);
                        cr_assert(wire_parse_call(blob, len, &w), "alen %zu variant %d", alen, variant);
                        cr_assert_eq(w.serial, 4242);
                        cr_assert_eq(w.ifindex, -7);
                        cr_assert_eq(w.address_len, alen);
                        cr_assert_arr_eq(w.address, bytes, alen);
                        cr_assert_eq(w.flags, UINT64_C(0x8000000000000003));
                        cr_assert_eq(w.method, alen % 2 == 1 ? WIRE_RESOLVE_ADDRESS_MEMBERS : WIRE_RESOLVE_ADDRESS);
                        cr_assert_eq(w.no_reply, variant == 3);
                }
        }
}

Test(wire, leaves_everything_else_to_gdbus) {
        struct {
                const char *dest, *path, *iface, *member;
                GVariant *body;
                GDBusMessageByteOrder order;
        } cases[] = {
                { NULL, AARP_OBJECT_PATH, NULL, "ResolveAddress", NULL, G_DBUS_MESSAGE_BYTE_ORDER_BIG_ENDIAN },
                { NULL, "/org/aarp/Resolve2", NULL, "ResolveAddress", NULL, 0 },
                { NULL, AARP_OBJECT_PATH, "org.freedesktop.DBus.Peer", "ResolveAddress", NULL, 0 },
                { NULL, AARP_OBJECT_PATH, NULL, "ResolveHostname", NULL, 0 }, /* with "iayt" */
                { NULL, AARP_OBJECT_PATH, NULL, "ResolveAddres", NULL, 0 },
                { "org.aarp.Other", AARP_OBJECT_PATH, NULL, "ResolveAddress", NULL, 0 },
                { NULL, AARP_OBJECT_PATH, NULL, "ResolveAddress", g_variant_new("(iayu)", 0, NULL, 1), 0 },
                { NULL, AARP_OBJECT_PATH, NULL, "ResolveAddress", g_variant_new("(isit)", 0, "x", 0, (guint64) 0), 0 },
                { NULL, AARP_OBJECT_PATH, NULL, "ResolveHostname", g_variant_new("(isiu)", 0, "x", 0, 0), 0 },
                { NULL, AARP_OBJECT_PATH, NULL, "InvalidateAddress", NULL, 0 },
                { NULL, AARP_OBJECT_PATH, NULL, "ResolveAddress", g_variant_new("()"), 0 },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                WireCall w;
                gsize len;
                GVariant *body = cases[i].body ? cases[i].body : iayt(0, ADDR, 16, 0);
                g_autofree guchar *blob =
                        make_call(cases[i].dest, cases[i].path, cases[i].iface, cases[i].member, body, 0,
                                  cases[i].order ? cases[i].order : G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN,
                                  &len);

                cr_assert_not(wire_parse_call(blob, len, &w), "case %zu", i);
        }

        /* A header field a client never sends (here: UNIX_FDS). */
        {
                g_autoptr(GDBusMessage) m =
                        g_dbus_message_new_method_call(NULL, AARP_OBJECT_PATH, NULL, "ResolveAddress");
                gsize len;
                WireCall w;

                g_dbus_message_set_body(m, iayt(0, ADDR, 16, 0));
                g_dbus_message_set_serial(m, 1);
                g_dbus_message_set_byte_order(m, G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN);
                g_dbus_message_set_header(m, G_DBUS_MESSAGE_HEADER_FIELD_SENDER, g_variant_new_string(":1.5"));
                g_autofree guchar *blob = g_dbus_message_to_blob(m, &len, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);
                cr_assert_not_null(blob);
                cr_assert_not(wire_parse_call(blob, len, &w));
        }
}

/* Every truncation and every single-byte change of a good call either is
 * refused or reads exactly as GDBus reads it. */
Test(wire, damaged_calls_are_refused_or_read_as_gdbus_reads_them) {
        gsize len;
        g_autofree guchar *good = make_call(AARP_BUS_NAME, AARP_OBJECT_PATH, AARP_MANAGER_INTERFACE,
                                            "ResolveAddress", iayt(3, ADDR, 16, 1), 0,
                                            G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN, &len);
        g_autofree guchar *copy = g_memdup2(good, len);
        WireCall w;
        unsigned accepted_changes = 0;

        for (gsize n = 0; n < len; n++)
                cr_assert_not(wire_parse_call(good, n, &w), "truncated to %zu", n);
        for (gsize i = 0; i < len; i++) {
                for (unsigned v = 0; v < 256; v++) {
                        if (v == good[i])
                                continue;
                        copy[i] = (guchar) v;
                        if (wire_parse_call(copy, len, &w)) {
                                g_autoptr(GDBusMessage) m =
                                        g_dbus_message_new_from_blob(copy, len, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);
                                gint32 ifindex;
                                guint64 flags;
                                g_autoptr(GVariant) ay = NULL;
                                gsize alen;

                                accepted_changes++;
                                cr_assert_not_null(m, "byte %zu = %u: wire.c accepts what GDBus refuses", i, v);
                                cr_assert_str_eq(g_dbus_message_get_signature(m), "iayt");
                                g_variant_get(g_dbus_message_get_body(m), "(i@ayt)", &ifindex, &ay, &flags);
                                const guint8 *a = g_variant_get_fixed_array(ay, &alen, 1);
                                cr_assert_eq(ifindex, w.ifindex);
                                cr_assert_eq(flags, w.flags);
                                cr_assert_eq(alen, w.address_len);
                                cr_assert_arr_eq(a, w.address, alen);
                                cr_assert_eq(g_dbus_message_get_serial(m), w.serial);
                        }
                }
                copy[i] = good[i];
        }
        /* The arguments, the serial and the flags may change freely. */
        cr_assert_gt(accepted_changes, 16u * 255u);
}

Test(wire, gdbus_reads_what_wire_writes) {
        static const guint8 v4[4] = { 192, 0, 2, 1 };

        for (int k = 0; k < 2; k++) {
                const guint8 *addr = k ? v4 : ADDR;
                guint32 alen = k ? 4 : 16;
                guint8 buf[WIRE_ADDRESS_REPLY_MAX + 8];
                g_autoptr(GError) error = NULL;
                gsize n, got_len;
                guint64 flags, rtt;
                guint32 ttl;
                g_autoptr(GVariant) ay = NULL;

                memset(buf, 0xee, sizeof(buf));
                n = wire_write_address_reply(buf, 77, addr, alen, AARP_FLAG_ANYCAST, 60, 12345);
                cr_assert_leq(n, WIRE_ADDRESS_REPLY_MAX);
                cr_assert_eq(buf[WIRE_ADDRESS_REPLY_MAX], 0xee, "wrote past the documented maximum");
                buf[WIRE_SERIAL_OFFSET] = 9; /* as the transport does */
                cr_assert_eq(g_dbus_message_bytes_needed(buf, 16, NULL), (gssize) n);
                g_autoptr(GDBusMessage) m = g_dbus_message_new_from_blob(buf, n, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
                cr_assert_not_null(m, "%s", error ? error->message : "");
                cr_assert_eq(g_dbus_message_get_message_type(m), G_DBUS_MESSAGE_TYPE_METHOD_RETURN);
                cr_assert_eq(g_dbus_message_get_reply_serial(m), 77);
                cr_assert_eq(g_dbus_message_get_serial(m), 9);
                cr_assert_str_eq(g_dbus_message_get_signature(m), "aytut");
                g_variant_get(g_dbus_message_get_body(m), "(@aytut)", &ay, &flags, &ttl, &rtt);
                const guint8 *got = g_variant_get_fixed_array(ay, &got_len, 1);
                cr_assert_eq(got_len, alen);
                cr_assert_arr_eq(got, addr, alen);
                cr_assert_eq(flags, AARP_FLAG_ANYCAST);
                cr_assert_eq(ttl, 60);
                cr_assert_eq(rtt, 12345);
        }
}

Test(wire, reads_resolve_hostname_as_gdbus_writes_it) {
        static const char *names[] = { "", "a", "ab", "abc", "abcd", "www.example.com", "ünïcödé.test",
                                       "a-name-of-sixty-three-characters-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test" };

        for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
                WireCall w;
                gsize len;
                g_autofree guchar *blob =
                        make_call(k % 2 ? AARP_BUS_NAME : NULL, AARP_OBJECT_PATH, k % 3 ? AARP_MANAGER_INTERFACE : NULL,
                                  "ResolveHostname", g_variant_new("(isit)", 7, names[k], 10, (guint64) 1), 0,
                                  G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN, &len);

                cr_assert(wire_parse_call(blob, len, &w), "%s", names[k]);
                cr_assert_eq(w.method, WIRE_RESOLVE_HOSTNAME);
                cr_assert_eq(w.ifindex, 7);
                cr_assert_eq(w.family, 10);
                cr_assert_eq(w.flags, 1);
                cr_assert_eq(w.name_len, strlen(names[k]));
                cr_assert_str_eq(w.name, names[k]);
        }
}

/* A name that is not UTF-8, or has a NUL inside, is left to GDBus. */
Test(wire, leaves_bad_strings_to_gdbus) {
        gsize len;
        g_autofree guchar *good = make_call(NULL, AARP_OBJECT_PATH, NULL, "ResolveHostname",
                                            g_variant_new("(isit)", 0, "abcd.test", 0, (guint64) 0), 0,
                                            G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN, &len);
        guchar *name = memmem(good, len, "abcd.test", 9);
        WireCall w;

        cr_assert_not_null(name);
        cr_assert(wire_parse_call(good, len, &w));
        name[2] = 0xff; /* not UTF-8 */
        cr_assert_not(wire_parse_call(good, len, &w));
        cr_assert_null(g_dbus_message_new_from_blob(good, len, G_DBUS_CAPABILITY_FLAGS_NONE, NULL));
        /* A NUL inside: GDBus 2.74 lets it through (the name then reads
         * as "ab"); wire.c refuses, and GDBus's path decides. */
        name[2] = 0;
        cr_assert_not(wire_parse_call(good, len, &w));
}

/* Every single-byte change of a ResolveHostname call: refused, or read as
 * GDBus reads it. */
Test(wire, damaged_hostname_calls_are_refused_or_read_as_gdbus_reads_them) {
        gsize len;
        g_autofree guchar *good = make_call(AARP_BUS_NAME, AARP_OBJECT_PATH, AARP_MANAGER_INTERFACE, "ResolveHostname",
                                            g_variant_new("(isit)", 3, "host.example", 0, (guint64) 1), 0,
                                            G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN, &len);
        g_autofree guchar *copy = g_memdup2(good, len);
        WireCall w;

        for (gsize n = 0; n < len; n++)
                cr_assert_not(wire_parse_call(good, n, &w), "truncated to %zu", n);
        for (gsize i = 0; i < len; i++) {
                for (unsigned v = 0; v < 256; v++) {
                        if (v == good[i])
                                continue;
                        copy[i] = (guchar) v;
                        if (wire_parse_call(copy, len, &w)) {
                                g_autoptr(GDBusMessage) m =
                                        g_dbus_message_new_from_blob(copy, len, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);
                                gint32 ifindex, family;
                                guint64 flags;
                                const char *name;

                                cr_assert_not_null(m, "byte %zu = %u: wire.c accepts what GDBus refuses", i, v);
                                cr_assert_eq(w.method, WIRE_RESOLVE_HOSTNAME);
                                cr_assert_str_eq(g_dbus_message_get_signature(m), "isit");
                                g_variant_get(g_dbus_message_get_body(m), "(i&sit)", &ifindex, &name, &family, &flags);
                                cr_assert_eq(ifindex, w.ifindex);
                                cr_assert_eq(family, w.family);
                                cr_assert_eq(flags, w.flags);
                                cr_assert_str_eq(name, w.name);
                        }
                }
                copy[i] = good[i];
        }
}

Test(wire, gdbus_reads_the_hostname_reply) {
        static const guint8 v4[4] = { 192, 0, 2, 1 };
        static const char *canonicals[] = { "", "x", "host.example", "ünïcödé.test" };

        for (size_t n = 0; n <= 5; n++) {
                for (size_t k = 0; k < G_N_ELEMENTS(canonicals); k++) {
                        WireHostAddress a[5];
                        g_autoptr(GError) error = NULL;

                        for (size_t i = 0; i < n; i++)
                                a[i] = (WireHostAddress) { (int32_t) i, i % 2 ? AF_INET : AF_INET6, i % 2 ? v4 : ADDR };
                        size_t cap = wire_hostname_reply_size(n, strlen(canonicals[k]));
                        g_autofree guint8 *buf = g_malloc(cap + 8);
                        memset(buf, 0xee, cap + 8);
                        size_t size = wire_write_hostname_reply(buf, 99, a, n, canonicals[k], UINT64_C(0x10000));

                        cr_assert_leq(size, cap);
                        cr_assert_eq(buf[cap], 0xee, "wrote past the size it asked for");
                        cr_assert_eq(g_dbus_message_bytes_needed(buf, 16, NULL), (gssize) size);
                        g_autoptr(GDBusMessage) m = g_dbus_message_new_from_blob(buf, size, G_DBUS_CAPABILITY_FLAGS_NONE,
                                                                                 &error);
                        cr_assert_not_null(m, "n %zu '%s': %s", n, canonicals[k], error ? error->message : "");
                        cr_assert_eq(g_dbus_message_get_reply_serial(m), 99);
                        cr_assert_str_eq(g_dbus_message_get_signature(m), "a(iiay)st");
                        g_autoptr(GVariant) list = NULL;
                        const char *canonical;
                        guint64 flags;
                        g_variant_get(g_dbus_message_get_body(m), "(@a(iiay)&st)", &list, &canonical, &flags);
                        cr_assert_str_eq(canonical, canonicals[k]);
                        cr_assert_eq(flags, 0x10000);
                        cr_assert_eq(g_variant_n_children(list), n);
                        for (size_t i = 0; i < n; i++) {
                                gint32 ifindex, family;
                                g_autoptr(GVariant) ay = NULL;
                                gsize alen;

                                g_variant_get_child(list, i, "(ii@ay)", &ifindex, &family, &ay);
                                const guint8 *bytes = g_variant_get_fixed_array(ay, &alen, 1);
                                cr_assert_eq(ifindex, (gint32) i);
                                cr_assert_eq(family, a[i].family);
                                cr_assert_eq(alen, family == AF_INET ? 4u : 16u);
                                cr_assert_arr_eq(bytes, a[i].address, alen);
                        }
                }
        }
}

/* ResolveHostnameEx: read like ResolveHostname; its reply carries the TTL
 * after the flags, and GDBus reads it back. */
Test(wire, hostname_ex_call_and_reply) {
        WireCall w;
        gsize len;
        g_autofree guchar *blob = make_call(NULL, AARP_OBJECT_PATH, AARP_MANAGER_INTERFACE, "ResolveHostnameEx",
                                            g_variant_new("(isit)", 0, "svc.lab", 0, (guint64) 0), 0,
                                            G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN, &len);

        cr_assert(wire_parse_call(blob, len, &w));
        cr_assert_eq(w.method, WIRE_RESOLVE_HOSTNAME_EX);
        cr_assert_str_eq(w.name, "svc.lab");

        for (size_t n = 0; n <= 3; n++) {
                WireHostAddress a[3];
                g_autoptr(GError) error = NULL;

                for (size_t i = 0; i < n; i++)
                        a[i] = (WireHostAddress) { 0, AF_INET6, ADDR };
                size_t cap = wire_hostname_reply_size(n, strlen("svc.lab"));
                g_autofree guint8 *buf = g_malloc(cap + 8);
                memset(buf, 0xee, cap + 8);
                size_t size = wire_write_hostname_ex_reply(buf, 5, a, n, "svc.lab", 0x10000, 42);

                cr_assert_leq(size, cap);
                cr_assert_eq(buf[cap], 0xee, "wrote past the size it asked for");
                g_autoptr(GDBusMessage) m = g_dbus_message_new_from_blob(buf, size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
                cr_assert_not_null(m, "%s", error ? error->message : "");
                cr_assert_str_eq(g_dbus_message_get_signature(m), "a(iiay)stu");
                g_autoptr(GVariant) list = NULL;
                const char *canonical;
                guint64 flags;
                guint32 ttl;
                g_variant_get(g_dbus_message_get_body(m), "(@a(iiay)&stu)", &list, &canonical, &flags, &ttl);
                cr_assert_eq(g_variant_n_children(list), n);
                cr_assert_str_eq(canonical, "svc.lab");
                cr_assert_eq(flags, 0x10000);
                cr_assert_eq(ttl, 42);
        }
}
