/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-peer.c: io.socket's calls, dispatched by hand.  No GDBus object
 * serves the peer-to-peer socket (p2p.c keeps it in the main loop for
 * speed), so the standard interfaces (Peer, Properties, Introspectable)
 * are answered here, and every call of ours goes to the same method
 * bodies as on the system bus.  The hot calls never reach GDBusMessage:
 * wire.c reads them in place.
 */
#include <string.h>

#include "aarp-def.h"
#include "bus-private.h"
#include "errors.h"
#include "wire.h"

static GVariant *properties_get_all(Bus *b) {
        GDBusInterfaceSkeleton *sk = G_DBUS_INTERFACE_SKELETON(b->manager);

        bus_sync_stats(b);
        /* a{sv}, a full reference (GIO takes the skeleton's floating one). */
        return g_dbus_interface_skeleton_get_properties(sk);
}

static void dispatch_properties(Call *c, const char *member, GVariant *params) {
        const char *sig = g_variant_get_type_string(params);

        if (strcmp(member, "GetAll") == 0 && strcmp(sig, "(s)") == 0) {
                const char *iface;
                g_variant_get(params, "(&s)", &iface);
                if (strcmp(iface, AARP_MANAGER_INTERFACE) != 0) {
                        call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE,
                                              "no interface %s", iface);
                        return;
                }
                g_autoptr(GVariant) all = properties_get_all(c->bus);
                call_return(c, g_variant_new("(@a{sv})", all));
        } else if (strcmp(member, "Get") == 0 && strcmp(sig, "(ss)") == 0) {
                const char *iface, *prop;
                g_autoptr(GVariant) all = NULL;
                g_autoptr(GVariant) value = NULL;

                g_variant_get(params, "(&s&s)", &iface, &prop);
                if (strcmp(iface, AARP_MANAGER_INTERFACE) == 0) {
                        all = properties_get_all(c->bus);
                        value = g_variant_lookup_value(all, prop, NULL);
                }
                if (!value) {
                        call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "no property %s.%s",
                                              iface, prop);
                        return;
                }
                call_return(c, g_variant_new("(v)", value));
        } else if (strcmp(member, "Set") == 0)
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY, "properties are read-only");
        else
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                      "bad method or signature for org.freedesktop.DBus.Properties");
}

void bus_peer_call(P2PPeer *peer, GDBusMessage *message, gpointer user_data) {
        Bus *b = user_data;
        const char *path = g_dbus_message_get_path(message);
        const char *iface = g_dbus_message_get_interface(message);
        const char *member = g_dbus_message_get_member(message);
        GVariant *body = g_dbus_message_get_body(message);
        g_autoptr(GVariant) empty = NULL;
        Call *c = call_new_peer(b, peer, message);
        const char *sig;

        if (!body)
                body = empty = g_variant_ref_sink(g_variant_new("()"));
        sig = g_variant_get_type_string(body);
        /* p2p.c let only valid method calls through (message-check.h), and
         * those have a path and a member; GDBusMessage's getters return NULL
         * for a mistyped field, so never rely on that alone. */
        if (!path || !member) {
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "method call without path or member");
                return;
        }

        if (g_strcmp0(iface, "org.freedesktop.DBus.Peer") == 0) {
                if (strcmp(member, "Ping") == 0 && strcmp(sig, "()") == 0)
                        call_return(c, g_variant_new("()"));
                else
                        call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD, "unknown method");
                return;
        }
        if (strcmp(path, AARP_OBJECT_PATH) != 0) {
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT, "no object %s", path);
                return;
        }
        if (g_strcmp0(iface, "org.freedesktop.DBus.Properties") == 0) {
                dispatch_properties(c, member, body);
                return;
        }
        if (g_strcmp0(iface, "org.freedesktop.DBus.Introspectable") == 0) {
                if (strcmp(member, "Introspect") != 0 || strcmp(sig, "()") != 0) {
                        call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD, "unknown method");
                        return;
                }
                GString *xml = g_string_new("<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
                                             "\"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n<node>\n");

                g_dbus_interface_info_generate_xml(aarp_manager_interface_info(), 2, xml);
                g_string_append(xml, "</node>\n");
                call_return(c, g_variant_new("(s)", xml->str));
                g_string_free(xml, TRUE);
                return;
        }
        if (iface && strcmp(iface, AARP_MANAGER_INTERFACE) != 0) {
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE, "no interface %s", iface);
                return;
        }

        if ((g_strcmp0(member, "ResolveAddress") == 0 || g_strcmp0(member, "ResolveAddressMembers") == 0) &&
            strcmp(sig, "(iayt)") == 0) {
                g_autoptr(GVariant) address = NULL;

                g_variant_get(body, "(i@ayt)", &c->ifindex, &address, &c->flags);
                call_copy_address_variant(c->address, &c->address_len, address);
                c->all_members = strcmp(member, "ResolveAddressMembers") == 0;
                call_start(c, method_resolve_address);
        } else if (g_strcmp0(member, "ResolveAddresses") == 0 && strcmp(sig, "(iaayt)") == 0) {
                g_variant_get(body, "(i@aayt)", &c->ifindex, &c->addresses, &c->flags);
                call_start(c, method_resolve_addresses);
        } else if ((strcmp(member, "ResolveHostname") == 0 || strcmp(member, "ResolveHostnameEx") == 0) &&
                   strcmp(sig, "(isit)") == 0) {
                g_variant_get(body, "(isit)", &c->ifindex, &c->name, &c->family, &c->flags);
                c->with_ttl = strcmp(member, "ResolveHostnameEx") == 0;
                call_start(c, method_resolve_hostname);
        } else if (strcmp(member, "ResolveAddressName") == 0 && strcmp(sig, "(iiayt)") == 0) {
                g_autoptr(GVariant) address = NULL;

                g_variant_get(body, "(ii@ayt)", &c->ifindex, &c->family, &address, &c->flags);
                call_copy_address_variant(c->address, &c->address_len, address);
                call_start(c, method_resolve_address_name);
        } else if (g_strcmp0(member, "InvalidateAddress") == 0 && strcmp(sig, "(iayay)") == 0) {
                g_autoptr(GVariant) address = NULL;
                g_autoptr(GVariant) member_ay = NULL;

                g_variant_get(body, "(i@ay@ay)", &c->ifindex, &address, &member_ay);
                call_copy_address_variant(c->address, &c->address_len, address);
                call_copy_address_variant(c->member, &c->member_len, member_ay);
                call_start(c, method_invalidate_address);
        } else if (g_strcmp0(member, "FlushCaches") == 0 && strcmp(sig, "()") == 0)
                call_start(c, method_flush_caches);
        else if (g_strcmp0(member, "ResetStatistics") == 0 && strcmp(sig, "()") == 0)
                call_start(c, method_reset_statistics);
        else if (strcmp(member, "GetStatus") == 0 && strcmp(sig, "()") == 0)
                call_start(c, method_get_status);
        else if (strcmp(member, "ShowCache") == 0 && strcmp(sig, "()") == 0)
                call_start(c, method_show_cache);
        else if (strcmp(member, "Monitor") == 0 && strcmp(sig, "()") == 0)
                call_start(c, method_monitor);
        else if (g_dbus_interface_info_lookup_method(aarp_manager_interface_info(), member ? member : ""))
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                      "wrong signature %s for %s", sig, member);
        else
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD, "no method %s",
                                      member ? member : "(none)");
}

/* The hot call, read in place (wire.h); FALSE sends anything else the
 * general way, through bus_peer_call(). */
gboolean bus_peer_fast(P2PPeer *peer, const guint8 *message, gsize len, gpointer user_data) {
        WireCall w;
        Call *c;

        if (!wire_parse_call(message, len, &w))
                return FALSE;
        c = call_new_wire(user_data, peer, w.serial, w.no_reply);
        c->ifindex = w.ifindex;
        c->flags = w.flags;
        if (w.method == WIRE_RESOLVE_HOSTNAME || w.method == WIRE_RESOLVE_HOSTNAME_EX) {
                c->name = g_strndup(w.name, w.name_len);
                c->family = w.family;
                c->with_ttl = w.method == WIRE_RESOLVE_HOSTNAME_EX;
                call_start(c, method_resolve_hostname);
        } else {
                call_copy_address(c->address, &c->address_len, w.address, w.address_len);
                c->all_members = w.method == WIRE_RESOLVE_ADDRESS_MEMBERS;
                call_start(c, method_resolve_address);
        }
        return TRUE;
}
