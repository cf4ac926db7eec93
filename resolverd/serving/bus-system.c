/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-system.c: the org.aarp.Resolve1 object (see bus.h): Bus itself, its
 * export on the system bus and the bus name; io.socket is bus-peer.c's.
 *
 * Two transports carry the same API: the system bus, through a
 * gdbus-codegen skeleton whose handlers are here, and the peer-to-peer
 * socket (p2p.c, bus-peer.c), served in the main loop for speed.  Both
 * funnel into one set of method bodies (methods-*.c) that take a Call
 * (call.c).
 *
 * Statistics properties are read live: the skeleton is subclassed so that a
 * Properties.Get refreshes them first, which avoids both stale values and a
 * PropertiesChanged storm on every probe.
 */
#include <errno.h>

#include "aarp-def.h"
#include "bus-private.h"
#include "errors.h"

/* ---- live statistics ------------------------------------------------- */

typedef struct {
        AarpManagerSkeleton parent;
        Bus *bus;
} StatsSkeleton;
typedef AarpManagerSkeletonClass StatsSkeletonClass;

GType stats_skeleton_get_type(void);
G_DEFINE_TYPE(StatsSkeleton, stats_skeleton, AARP_TYPE_MANAGER_SKELETON)

static GDBusInterfaceVTable stats_vtable;
static GDBusInterfaceGetPropertyFunc parent_get_property;

void bus_sync_stats(Bus *b) {
        ResolverStats s;

        resolver_get_stats(b->resolver, &s);
        s.requests_rejected = clients_rejected(b->clients);
#define SET_PROPERTY(property, field, type, group, label) aarp_manager_set_##field(b->manager, s.field);
        AARP_STATISTICS(SET_PROPERTY)
#undef SET_PROPERTY
}

static GVariant *stats_get_property(GDBusConnection *connection, const char *sender,
                                    const char *object_path, const char *interface_name,
                                    const char *property_name, GError **error, gpointer user_data) {
        StatsSkeleton *self = user_data;

        bus_sync_stats(self->bus);
        return parent_get_property(connection, sender, object_path, interface_name, property_name,
                                   error, user_data);
}

static GDBusInterfaceVTable *stats_get_vtable(GDBusInterfaceSkeleton *skeleton) {
        return &stats_vtable;
}

static void stats_skeleton_class_init(StatsSkeletonClass *klass) {
        GDBusInterfaceSkeletonClass *sk = G_DBUS_INTERFACE_SKELETON_CLASS(klass);
        GDBusInterfaceSkeletonClass *parent = G_DBUS_INTERFACE_SKELETON_CLASS(stats_skeleton_parent_class);

        stats_vtable = *parent->get_vtable(NULL);
        parent_get_property = stats_vtable.get_property;
        stats_vtable.get_property = stats_get_property;
        sk->get_vtable = stats_get_vtable;
}

static void stats_skeleton_init(StatsSkeleton *self) {
}

/* ---- system bus: the skeleton's handlers ----------------------------- */

/* ResolveAddress and, @all_members, ResolveAddressMembers. */
static gboolean start_resolve_address(GDBusMethodInvocation *invocation, gint32 ifindex, GVariant *address,
                                      guint64 flags, gboolean all_members, Bus *b) {
        Call *c = call_new_bus(b, invocation);

        c->ifindex = ifindex;
        call_copy_address_variant(c->address, &c->address_len, address);
        c->flags = flags;
        c->all_members = all_members;
        call_start(c, method_resolve_address);
        return TRUE;
}

static gboolean handle_resolve_address(AarpManager *m, GDBusMethodInvocation *invocation, gint32 ifindex,
                                       GVariant *address, guint64 flags, Bus *b) {
        return start_resolve_address(invocation, ifindex, address, flags, FALSE, b);
}

static gboolean handle_resolve_address_members(AarpManager *m, GDBusMethodInvocation *invocation,
                                               gint32 ifindex, GVariant *address, guint64 flags, Bus *b) {
        return start_resolve_address(invocation, ifindex, address, flags, TRUE, b);
}

static gboolean handle_resolve_addresses(AarpManager *m, GDBusMethodInvocation *invocation, gint32 ifindex,
                                         GVariant *addresses, guint64 flags, Bus *b) {
        Call *c = call_new_bus(b, invocation);

        c->ifindex = ifindex;
        c->addresses = g_variant_ref(addresses);
        c->flags = flags;
        call_start(c, method_resolve_addresses);
        return TRUE;
}

/* ResolveHostname and, @with_ttl, ResolveHostnameEx. */
static gboolean start_resolve_hostname(GDBusMethodInvocation *invocation, gint32 ifindex, const char *name,
                                       gint32 family, guint64 flags, gboolean with_ttl, Bus *b) {
        Call *c = call_new_bus(b, invocation);

        c->ifindex = ifindex;
        c->name = g_strdup(name);
        c->family = family;
        c->flags = flags;
        c->with_ttl = with_ttl;
        call_start(c, method_resolve_hostname);
        return TRUE;
}

static gboolean handle_resolve_hostname(AarpManager *m, GDBusMethodInvocation *invocation, gint32 ifindex,
                                        const char *name, gint32 family, guint64 flags, Bus *b) {
        return start_resolve_hostname(invocation, ifindex, name, family, flags, FALSE, b);
}

static gboolean handle_resolve_address_name(AarpManager *m, GDBusMethodInvocation *invocation, gint32 ifindex,
                                            gint32 family, GVariant *address, guint64 flags, Bus *b) {
        Call *c = call_new_bus(b, invocation);

        c->ifindex = ifindex;
        c->family = family;
        call_copy_address_variant(c->address, &c->address_len, address);
        c->flags = flags;
        call_start(c, method_resolve_address_name);
        return TRUE;
}

static gboolean handle_resolve_hostname_ex(AarpManager *m, GDBusMethodInvocation *invocation, gint32 ifindex,
                                           const char *name, gint32 family, guint64 flags, Bus *b) {
        return start_resolve_hostname(invocation, ifindex, name, family, flags, TRUE, b);
}

static gboolean handle_invalidate_address(AarpManager *m, GDBusMethodInvocation *invocation, gint32 ifindex,
                                          GVariant *address, GVariant *member, Bus *b) {
        Call *c = call_new_bus(b, invocation);

        c->ifindex = ifindex;
        call_copy_address_variant(c->address, &c->address_len, address);
        call_copy_address_variant(c->member, &c->member_len, member);
        call_start(c, method_invalidate_address);
        return TRUE;
}

static gboolean handle_flush_caches(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        call_start(call_new_bus(b, invocation), method_flush_caches);
        return TRUE;
}

static gboolean handle_reset_statistics(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        call_start(call_new_bus(b, invocation), method_reset_statistics);
        return TRUE;
}

static gboolean handle_get_status(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        call_start(call_new_bus(b, invocation), method_get_status);
        return TRUE;
}

static gboolean handle_show_cache(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        call_start(call_new_bus(b, invocation), method_show_cache);
        return TRUE;
}

static gboolean handle_monitor(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        call_start(call_new_bus(b, invocation), method_monitor);
        return TRUE;
}

/* ---- system bus ------------------------------------------------------ */

static void bus_fatal(Bus *b, const char *why) {
        /* Once is enough: after the connection closes GIO also reports the
         * name as lost, which says nothing new. */
        if (b->dead)
                return;
        b->dead = TRUE;
        b->fatal(why, b->fatal_data);
}

static void on_name_lost(GDBusConnection *c, const char *sender, const char *path, const char *interface,
                         const char *signal, GVariant *parameters, gpointer user_data) {
        Bus *b = user_data;

        b->name_owned = FALSE;
        bus_fatal(b, "lost the bus name " AARP_BUS_NAME);
}

/* RequestName's answer, asked directly rather than through
 * g_bus_own_name(): that reports any refusal as "name lost", where an
 * administrator needs to know whether another process holds the name or
 * the bus policy refused it -- typically because dbus-daemon read the
 * policy before our user existed and dropped its rules until reloaded. */
static void on_name_requested(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
        g_autofree char *remote = NULL;
        g_autofree char *why = NULL;
        Bus *b;
        guint32 code;

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return; /* bus_free() ran; user_data is gone */
        b = user_data;
        if (reply) {
                g_variant_get(reply, "(u)", &code);
                if (code == 1 /* PRIMARY_OWNER */ || code == 4 /* ALREADY_OWNER */) {
                        b->name_owned = TRUE;
                        g_info("acquired bus name %s", AARP_BUS_NAME);
                        return;
                }
                bus_fatal(b, "the bus name " AARP_BUS_NAME " is owned by another process"
                             " (another instance running?)");
                return;
        }
        remote = g_dbus_error_get_remote_error(error);
        g_dbus_error_strip_remote_error(error);
        if (g_strcmp0(remote, "org.freedesktop.DBus.Error.AccessDenied") == 0)
                why = g_strdup_printf("the D-Bus policy does not allow user %s to own " AARP_BUS_NAME
                                      "; reload the bus (systemctl reload dbus) if the policy was installed"
                                      " before the user existed (%s)",
                                      g_get_user_name(), error->message);
        else
                why = g_strdup_printf("cannot request the bus name " AARP_BUS_NAME ": %s", error->message);
        bus_fatal(b, why);
}

static void on_system_closed(GDBusConnection *c, gboolean remote, GError *error, Bus *b) {
        bus_fatal(b, "the system bus connection was closed");
}

Bus *bus_new_peer_only(Resolver *resolver, Names *names, const Config *config, const char *runtime_dir,
                       BusFatalCallback fatal, gpointer user_data, GError **error) {
        g_autoptr(Bus) b = g_new0(Bus, 1);
        g_autofree char *socket_path = NULL;

        b->resolver = resolver;
        b->names = names;
        b->config = config;
        b->clients = clients_new(config->probe_rate_limit, config->probe_rate_burst, config->requests_per_client);
        resolver_set_clients(resolver, b->clients);
        b->sender_uids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        b->batches = g_hash_table_new(g_direct_hash, g_direct_equal);
        b->fatal = fatal;
        b->fatal_data = user_data;
        b->manager = g_object_new(stats_skeleton_get_type(), NULL);
        ((StatsSkeleton *) b->manager)->bus = b;
        g_signal_connect(b->manager, "handle-resolve-address", G_CALLBACK(handle_resolve_address), b);
        g_signal_connect(b->manager, "handle-resolve-address-members",
                         G_CALLBACK(handle_resolve_address_members), b);
        g_signal_connect(b->manager, "handle-resolve-addresses", G_CALLBACK(handle_resolve_addresses), b);
        g_signal_connect(b->manager, "handle-resolve-hostname", G_CALLBACK(handle_resolve_hostname), b);
        g_signal_connect(b->manager, "handle-resolve-hostname-ex", G_CALLBACK(handle_resolve_hostname_ex), b);
        g_signal_connect(b->manager, "handle-resolve-address-name", G_CALLBACK(handle_resolve_address_name), b);
        g_signal_connect(b->manager, "handle-invalidate-address", G_CALLBACK(handle_invalidate_address), b);
        g_signal_connect(b->manager, "handle-flush-caches", G_CALLBACK(handle_flush_caches), b);
        g_signal_connect(b->manager, "handle-reset-statistics", G_CALLBACK(handle_reset_statistics), b);
        g_signal_connect(b->manager, "handle-get-status", G_CALLBACK(handle_get_status), b);
        g_signal_connect(b->manager, "handle-show-cache", G_CALLBACK(handle_show_cache), b);
        g_signal_connect(b->manager, "handle-monitor", G_CALLBACK(handle_monitor), b);
        b->runtime_dir = g_strdup(runtime_dir);
        bus_sync_stats(b);

        if (g_mkdir_with_parents(runtime_dir, 0755) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                            "cannot create runtime directory %s: %s", runtime_dir, g_strerror(errno));
                return NULL;
        }
        socket_path = g_build_filename(runtime_dir, AARP_IO_SOCKET_NAME, NULL);
        b->server = p2p_server_new(socket_path, bus_peer_fast, bus_peer_call, b, error);
        if (!b->server)
                return NULL;
        return g_steal_pointer(&b);
}

Bus *bus_new(Resolver *resolver, Names *names, const Config *config, const char *runtime_dir,
             BusFatalCallback fatal, gpointer user_data, GError **error) {
        g_autoptr(Bus) b = bus_new_peer_only(resolver, names, config, runtime_dir, fatal, user_data, error);

        if (!b)
                return NULL;
        b->system = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
        if (!b->system) {
                g_prefix_error(error, "cannot connect to the system bus: ");
                return NULL;
        }
        /* A lost bus is fatal: exit and let systemd restart us, rather than
         * serve on a dead connection (GDBus would _exit() otherwise). */
        g_dbus_connection_set_exit_on_close(b->system, FALSE);
        g_signal_connect(b->system, "closed", G_CALLBACK(on_system_closed), b);
        b->monitor = monitor_new(b->system);

        if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(b->manager), b->system,
                                              AARP_OBJECT_PATH, error))
                return NULL;
        b->name_lost_id = g_dbus_connection_signal_subscribe(
                b->system, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameLost", "/org/freedesktop/DBus",
                AARP_BUS_NAME, G_DBUS_SIGNAL_FLAGS_NONE, on_name_lost, b, NULL);
        b->name_request = g_cancellable_new();
        g_dbus_connection_call(b->system, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "RequestName",
                               g_variant_new("(su)", AARP_BUS_NAME, 4u /* DBUS_NAME_FLAG_DO_NOT_QUEUE */),
                               G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, b->name_request,
                               on_name_requested, b);
        return g_steal_pointer(&b);
}

void bus_free(Bus *b) {
        if (!b)
                return;
        if (b->batches) {
                methods_cancel_batches(b);
                g_hash_table_destroy(b->batches);
        }
        if (b->name_request) {
                g_cancellable_cancel(b->name_request);
                g_clear_object(&b->name_request);
        }
        if (b->name_lost_id)
                g_dbus_connection_signal_unsubscribe(b->system, b->name_lost_id);
        if (b->name_owned)
                g_dbus_connection_call(b->system, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ReleaseName", g_variant_new("(s)", AARP_BUS_NAME),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
        g_clear_pointer(&b->server, p2p_server_free);
        g_clear_pointer(&b->monitor, monitor_free);
        g_free(b->runtime_dir);
        if (b->manager) {
                /* Exported only once the system bus was reached. */
                if (g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(b->manager)))
                        g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(b->manager));
                g_object_unref(b->manager);
        }
        if (b->system) {
                g_signal_handlers_disconnect_by_data(b->system, b);
                g_dbus_connection_flush_sync(b->system, NULL, NULL);
                g_object_unref(b->system);
        }
        if (b->resolver)
                resolver_set_clients(b->resolver, NULL);
        clients_free(b->clients);
        if (b->sender_uids)
                g_hash_table_destroy(b->sender_uids);
        g_free(b);
}

void bus_set_config(Bus *b, const Config *config) {
        b->config = config;
        clients_set_limits(b->clients, config->probe_rate_limit, config->probe_rate_burst,
                           config->requests_per_client);
}

