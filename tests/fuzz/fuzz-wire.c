/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-wire.c: resolverd/serving/wire.c's reader of the hot calls, differentially
 * against GDBusMessage.  wire.c answers io.socket's ResolveAddress and
 * ResolveHostname calls
 * without GDBus, so it must never accept a message GDBus would refuse, nor
 * read one differently.  The input is one message; its length field is not
 * trusted (as on the socket, the framing comes from
 * g_dbus_message_bytes_needed()).
 */
#include <gio/gio.h>
#include <string.h>

#include "fuzz.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        WireCall w;
        gssize needed;

        if (size < 16 || size > 65536)
                return 0;
        needed = g_dbus_message_bytes_needed((guchar *) data, 16, NULL);
        if (needed < 16 || (size_t) needed > size)
                return 0;
        if (!wire_parse_call(data, (size_t) needed, &w))
                return 0;

        GDBusMessage *m = g_dbus_message_new_from_blob((guchar *) data, (gsize) needed,
                                                       G_DBUS_CAPABILITY_FLAGS_NONE, NULL);
        FUZZ_CHECK(m != NULL);
        FUZZ_CHECK(g_dbus_message_get_message_type(m) == G_DBUS_MESSAGE_TYPE_METHOD_CALL);
        FUZZ_CHECK(g_dbus_message_get_serial(m) == w.serial);
        FUZZ_CHECK(strcmp(g_dbus_message_get_path(m), "/org/aarp/Resolve1") == 0);
        FUZZ_CHECK(!!(g_dbus_message_get_flags(m) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED) == !!w.no_reply);
        if (w.method == WIRE_RESOLVE_HOSTNAME || w.method == WIRE_RESOLVE_HOSTNAME_EX) {
                gint32 ifindex, family;
                guint64 flags;
                const char *name;

                FUZZ_CHECK(strcmp(g_dbus_message_get_member(m), w.method == WIRE_RESOLVE_HOSTNAME_EX
                                                                         ? "ResolveHostnameEx"
                                                                         : "ResolveHostname") == 0);
                FUZZ_CHECK(g_strcmp0(g_dbus_message_get_signature(m), "isit") == 0);
                g_variant_get(g_dbus_message_get_body(m), "(i&sit)", &ifindex, &name, &family, &flags);
                FUZZ_CHECK(ifindex == w.ifindex && family == w.family && flags == w.flags);
                FUZZ_CHECK(strlen(name) == w.name_len && strcmp(name, w.name) == 0);
        } else {
                gint32 ifindex;
                guint64 flags;
                GVariant *ay;
                gsize alen;

                FUZZ_CHECK(strcmp(g_dbus_message_get_member(m), w.method == WIRE_RESOLVE_ADDRESS_MEMBERS
                                                                         ? "ResolveAddressMembers"
                                                                         : "ResolveAddress") == 0);
                FUZZ_CHECK(g_strcmp0(g_dbus_message_get_signature(m), "iayt") == 0);
                g_variant_get(g_dbus_message_get_body(m), "(i@ayt)", &ifindex, &ay, &flags);
                const guint8 *a = g_variant_get_fixed_array(ay, &alen, 1);
                FUZZ_CHECK(ifindex == w.ifindex && flags == w.flags && alen == w.address_len);
                FUZZ_CHECK(alen == 0 || memcmp(a, w.address, alen) == 0);
                g_variant_unref(ay);
        }
        g_object_unref(m);
        return 0;
}
