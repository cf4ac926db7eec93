/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * call.c: one method call, whichever transport brought it (the system bus
 * or io.socket, read by GDBusMessage or by wire.c).  The validated
 * arguments go in; the reply goes out the way the call came; who is
 * calling (the uid every limit and policy needs) is found out once per
 * connection.  Method bodies (methods-*.c) see only this.
 */
#include <net/if.h>
#include <stdio.h>

#include "aarp-def.h"
#include "bus-private.h"
#include "errors.h"
#include "wire.h"


Call *call_new_bus(Bus *b, GDBusMethodInvocation *invocation) {
        Call *c = g_new0(Call, 1);

        c->bus = b;
        c->invocation = invocation;
        return c;
}

Call *call_new_peer(Bus *b, P2PPeer *peer, GDBusMessage *message) {
        Call *c = g_new0(Call, 1);

        c->bus = b;
        c->peer = p2p_peer_ref(peer);
        c->message = g_object_ref(message);
        return c;
}

Call *call_new_wire(Bus *b, P2PPeer *peer, guint32 serial, gboolean no_reply) {
        Call *c = g_new0(Call, 1);

        c->bus = b;
        c->peer = p2p_peer_ref(peer);
        c->wire_serial = serial;
        c->wire_no_reply = no_reply;
        return c;
}

/* Keeps the length as sent, for the error message, and at most 16 bytes. */
void call_copy_address(guint8 dest[16], gsize *dest_len, const void *data, gsize len) {
        if (len > 0) /* an empty array's data may be NULL */
                memcpy(dest, data, MIN(len, 16));
        *dest_len = len;
}

void call_copy_address_variant(guint8 dest[16], gsize *dest_len, GVariant *ay) {
        gsize len = 0;
        const guint8 *data = g_variant_get_fixed_array(ay, &len, 1);

        call_copy_address(dest, dest_len, data, len);
}

void call_free(Call *c) {
        if (c->counted)
                clients_end_request(c->bus->clients, c->uid);
        for (unsigned i = 0; i < c->extra_counted; i++)
                clients_end_request(c->bus->clients, c->uid);
        if (c->peer)
                p2p_peer_unref(c->peer);
        g_clear_object(&c->message);
        g_clear_pointer(&c->addresses, g_variant_unref);
        g_free(c->name);
        g_free(c);
}

gboolean call_wants_reply(Call *c) {
        if (!c->message)
                return !c->wire_no_reply;
        return !(g_dbus_message_get_flags(c->message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
}

GVariant *call_bytes_variant(const void *data, gsize len) {
        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1);
}

/* TRUE for a call read by wire.c, which wire.c answers too. */
gboolean call_read_by_wire(const Call *c) {
        return c->peer && !c->message;
}

/* A reply of @type to a peer-to-peer call, whichever way it was read. */
static GDBusMessage *call_new_reply(Call *c, GDBusMessageType type) {
        GDBusMessage *reply;

        if (c->message)
                return type == G_DBUS_MESSAGE_TYPE_METHOD_RETURN ? g_dbus_message_new_method_reply(c->message)
                                                                 : NULL;
        reply = g_dbus_message_new();
        g_dbus_message_set_message_type(reply, type);
        g_dbus_message_set_flags(reply, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
        g_dbus_message_set_reply_serial(reply, c->wire_serial);
        return reply;
}

/* Answer with @result (a tuple; a floating reference is sunk) and free. */
void call_return(Call *c, GVariant *result) {
        if (c->invocation)
                g_dbus_method_invocation_return_value(c->invocation, result);
        else {
                g_autoptr(GVariant) r = g_variant_ref_sink(result);

                if (call_wants_reply(c)) {
                        g_autoptr(GDBusMessage) reply = call_new_reply(c, G_DBUS_MESSAGE_TYPE_METHOD_RETURN);
                        g_dbus_message_set_body(reply, r);
                        p2p_peer_send(c->peer, reply);
                }
        }
        call_free(c);
}

void call_return_error(Call *c, const GError *error) {
        if (c->invocation)
                g_dbus_method_invocation_return_gerror(c->invocation, error);
        else if (call_wants_reply(c)) {
                g_autofree char *name = g_dbus_error_encode_gerror(error);
                g_autoptr(GDBusMessage) reply = NULL;

                if (c->message)
                        reply = g_dbus_message_new_method_error_literal(c->message, name, error->message);
                else {
                        reply = call_new_reply(c, G_DBUS_MESSAGE_TYPE_ERROR);
                        g_dbus_message_set_error_name(reply, name);
                        g_dbus_message_set_body(reply, g_variant_new("(s)", error->message));
                }
                p2p_peer_send(c->peer, reply);
        }
        call_free(c);
}

/* ResolveAddress's answer "(aytut)".  The hot path: a call read by wire.c
 * is answered by wire.c too, with no GVariant in between. */
void call_return_address(Call *c, const void *address, gsize len, guint64 flags, guint32 ttl_sec,
                                guint64 rtt_usec) {
        if (call_read_by_wire(c)) {
                guint8 blob[WIRE_ADDRESS_REPLY_MAX];

                if (call_wants_reply(c))
                        p2p_peer_send_blob(c->peer, blob,
                                           wire_write_address_reply(blob, c->wire_serial, address, (uint32_t) len,
                                                                    flags, ttl_sec, rtt_usec));
                call_free(c);
                return;
        }
        call_return(c, g_variant_new("(@aytut)", call_bytes_variant(address, len), flags, ttl_sec, rtt_usec));
}

void call_return_new_error(Call *c, GQuark domain, int code, const char *format, ...) {
        g_autoptr(GError) error = NULL;
        va_list ap;

        va_start(ap, format);
        error = g_error_new_valist(domain, code, format, ap);
        va_end(ap);
        call_return_error(c, error);
}

static void call_run(Call *c) {
        if (!clients_begin_request(c->bus->clients, c->uid)) {
                call_return_new_error(c, AARP_ERROR, AARP_E_LIMIT_EXCEEDED,
                                      "too many requests in flight for uid %u (RequestsPerClient=%u)",
                                      (unsigned) c->uid, c->bus->config->requests_per_client);
                return;
        }
        c->counted = TRUE;
        c->run(c);
}

static void on_sender_uid(GObject *source, GAsyncResult *res, gpointer user_data) {
        Call *c = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        guint32 uid;

        if (!reply) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INTERNAL, "cannot tell who is calling: %s",
                                      error->message);
                return;
        }
        g_variant_get(reply, "(u)", &uid);
        if (g_hash_table_size(c->bus->sender_uids) >= SENDER_UIDS_MAX)
                g_hash_table_remove_all(c->bus->sender_uids);
        g_hash_table_insert(c->bus->sender_uids, g_strdup(g_dbus_method_invocation_get_sender(c->invocation)),
                            GUINT_TO_POINTER(uid));
        c->uid = uid;
        call_run(c);
}

/* Find out who is calling, then run @run.  Limits and root-only checks
 * need the uid; on the bus it is asked once per connection. */
void call_start(Call *c, CallFunc run) {
        const char *sender;
        gpointer uid;

        c->run = run;
        if (c->peer) {
                c->uid = p2p_peer_uid(c->peer);
                call_run(c);
                return;
        }
        sender = g_dbus_method_invocation_get_sender(c->invocation);
        if (g_hash_table_lookup_extended(c->bus->sender_uids, sender, NULL, &uid)) {
                c->uid = GPOINTER_TO_UINT(uid);
                call_run(c);
                return;
        }
        g_dbus_connection_call(g_dbus_method_invocation_get_connection(c->invocation), "org.freedesktop.DBus",
                               "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser",
                               g_variant_new("(s)", sender), G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                               NULL, on_sender_uid, c);
}

gboolean call_validate_flags(guint64 flags, GError **error) {
        if (flags & ~AARP_FLAGS_INPUT_MASK) {
                g_set_error(error, AARP_ERROR, AARP_E_INVALID_FLAGS, "unknown flags 0x%" G_GINT64_MODIFIER "x",
                            (guint64) (flags & ~AARP_FLAGS_INPUT_MASK));
                return FALSE;
        }
        return TRUE;
}

gboolean call_validate_ifindex(gint32 ifindex, GError **error) {
        char name[IF_NAMESIZE];

        if (ifindex < 0 || (ifindex > 0 && !if_indextoname((unsigned) ifindex, name))) {
                g_set_error(error, AARP_ERROR, AARP_E_INVALID_INTERFACE, "no interface with index %d",
                            ifindex);
                return FALSE;
        }
        return TRUE;
}

/* Root only.  The bus policy says so too; checking here also covers the
 * peer-to-peer socket, which no policy guards. */
gboolean call_require_root(Call *c) {
        if (c->uid == 0)
                return TRUE;
        call_return_new_error(c, AARP_ERROR, AARP_E_ACCESS_DENIED, "only root may do this");
        return FALSE;
}

