/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus.c: D-Bus glue (see bus.h).
 *
 * The manager object is one gdbus-codegen skeleton exported on the system
 * bus connection and on every peer-to-peer connection of the runtime socket.
 * Every argument is validated here, before the Resolver sees it, and bad
 * input is answered with a named org.aarp.Resolve1.Error.* — never an
 * assertion.  Statistics properties are read live: the skeleton is
 * subclassed so that a Properties.Get refreshes them first, which avoids both
 * stale values and a PropertiesChanged storm on every probe.
 */
#include <errno.h>
#include <net/if.h>
#include <sys/socket.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aarp-dbus-generated.h"
#include "aarp-def.h"
#include "bus.h"
#include "errors.h"

struct Bus {
        Resolver *resolver;
        Names *names;
        GDBusConnection *system;
        AarpManager *manager;
        guint name_id;
        GDBusServer *server;
        GDBusAuthObserver *observer;
        char *socket_path;
        BusFatalCallback fatal;
        gpointer fatal_data;
};

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

static void sync_stats(Bus *b) {
        ResolverStats s;

        resolver_get_stats(b->resolver, &s);
        aarp_manager_set_cache_size(b->manager, s.cache_size);
        aarp_manager_set_cache_hits(b->manager, s.cache_hits);
        aarp_manager_set_cache_misses(b->manager, s.cache_misses);
        aarp_manager_set_probes_sent(b->manager, s.probes_sent);
        aarp_manager_set_probe_replies(b->manager, s.probe_replies);
        aarp_manager_set_probe_timeouts(b->manager, s.probe_timeouts);
        aarp_manager_set_anycast_found(b->manager, s.anycast_found);
        aarp_manager_set_replies_rejected(b->manager, s.replies_rejected);
        aarp_manager_set_cache_invalidations(b->manager, s.cache_invalidations);
        aarp_manager_set_cache_refreshes(b->manager, s.cache_refreshes);
        aarp_manager_set_member_probes_sent(b->manager, s.member_probes_sent);
}

static GVariant *stats_get_property(GDBusConnection *connection, const char *sender,
                                    const char *object_path, const char *interface_name,
                                    const char *property_name, GError **error, gpointer user_data) {
        StatsSkeleton *self = user_data;

        sync_stats(self->bus);
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

/* ---- validation ------------------------------------------------------ */

static gboolean validate_flags(guint64 flags, GError **error) {
        if (flags & ~AARP_FLAGS_INPUT_MASK) {
                g_set_error(error, AARP_ERROR, AARP_E_INVALID_FLAGS, "unknown flags 0x%" G_GINT64_MODIFIER "x",
                            (guint64) (flags & ~AARP_FLAGS_INPUT_MASK));
                return FALSE;
        }
        return TRUE;
}

static gboolean validate_ifindex(gint32 ifindex, GError **error) {
        char name[IF_NAMESIZE];

        if (ifindex < 0 || (ifindex > 0 && !if_indextoname((unsigned) ifindex, name))) {
                g_set_error(error, AARP_ERROR, AARP_E_INVALID_INTERFACE, "no interface with index %d",
                            ifindex);
                return FALSE;
        }
        return TRUE;
}

/* ---- ResolveAddress -------------------------------------------------- */

typedef struct {
        GDBusMethodInvocation *invocation;
        Bus *bus;
} Call;

static void on_address_resolved(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        Call *call = user_data;

        if (error)
                g_dbus_method_invocation_return_gerror(call->invocation, error);
        else
                aarp_manager_complete_resolve_address(
                        call->bus->manager, call->invocation,
                        g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, &answer->unicast, 16, 1),
                        answer->flags, answer->ttl_sec, answer->rtt_usec);
        g_free(call);
}

static void on_members_resolved(const AddressAnswer *answer, const GError *error, gpointer user_data);

/* ResolveAddress and ResolveAddressMembers: same arguments, same checks. */
static void resolve_address(GDBusMethodInvocation *invocation, gint32 ifindex, GVariant *address,
                            guint64 flags, gboolean all_members, Bus *b) {
        g_autoptr(GError) error = NULL;
        gsize len = 0;
        const guint8 *bytes = g_variant_get_fixed_array(address, &len, 1);
        struct in6_addr a;
        Call *call;

        if (!validate_flags(flags, &error) || !validate_ifindex(ifindex, &error)) {
                g_dbus_method_invocation_return_gerror(invocation, error);
                return;
        }
        if (len == 4) {
                /* IPv4 has no anycast problem of this kind: unchanged. */
                if (all_members) {
                        GVariantBuilder builder;
                        g_variant_builder_init(&builder, G_VARIANT_TYPE("a(ayt)"));
                        g_variant_builder_add(&builder, "(@ayt)", address, (guint64) 0);
                        aarp_manager_complete_resolve_address_members(b->manager, invocation,
                                                                      g_variant_builder_end(&builder),
                                                                      AARP_FLAG_NOT_PROBED,
                                                                      AARP_NOT_PROBED_TTL_SEC);
                } else
                        aarp_manager_complete_resolve_address(b->manager, invocation, address,
                                                              AARP_FLAG_NOT_PROBED,
                                                              AARP_NOT_PROBED_TTL_SEC, 0);
                return;
        }
        if (len != 16) {
                g_dbus_method_invocation_return_error(invocation, AARP_ERROR, AARP_E_INVALID_ADDRESS,
                                                      "address must be 4 or 16 bytes, got %zu", len);
                return;
        }
        memcpy(&a, bytes, 16);

        call = g_new0(Call, 1);
        call->invocation = invocation;
        call->bus = b;
        if (all_members)
                resolver_resolve_address(b->resolver, ifindex, &a, flags | RESOLVER_FLAG_ALL_MEMBERS,
                                         on_members_resolved, call);
        else
                resolver_resolve_address(b->resolver, ifindex, &a, flags, on_address_resolved, call);
}

static gboolean handle_resolve_address(AarpManager *manager, GDBusMethodInvocation *invocation,
                                       gint32 ifindex, GVariant *address, guint64 flags, Bus *b) {
        resolve_address(invocation, ifindex, address, flags, FALSE, b);
        return TRUE;
}

static gboolean handle_resolve_address_members(AarpManager *manager, GDBusMethodInvocation *invocation,
                                               gint32 ifindex, GVariant *address, guint64 flags, Bus *b) {
        resolve_address(invocation, ifindex, address, flags, TRUE, b);
        return TRUE;
}

/* ---- ResolveAddressMembers ------------------------------------------- */

static void on_members_resolved(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        Call *call = user_data;
        GVariantBuilder builder;

        if (error) {
                g_dbus_method_invocation_return_gerror(call->invocation, error);
                g_free(call);
                return;
        }
        g_variant_builder_init(&builder, G_VARIANT_TYPE("a(ayt)"));
        for (unsigned i = 0; i < answer->n_members; i++)
                g_variant_builder_add(&builder, "(@ayt)",
                                      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE,
                                                                &answer->members[i].address, 16, 1),
                                      (guint64) answer->members[i].rtt_usec);
        aarp_manager_complete_resolve_address_members(call->bus->manager, call->invocation,
                                                      g_variant_builder_end(&builder), answer->flags,
                                                      answer->ttl_sec);
        g_free(call);
}

/* ---- ResolveHostname ------------------------------------------------- */

static void on_name_resolved(GArray *addresses, const char *canonical, uint64_t flags,
                             const GError *error, gpointer user_data) {
        Call *call = user_data;
        GVariantBuilder builder;

        if (error) {
                g_dbus_method_invocation_return_gerror(call->invocation, error);
                g_free(call);
                return;
        }
        g_variant_builder_init(&builder, G_VARIANT_TYPE("a(iiay)"));
        for (guint i = 0; i < addresses->len; i++) {
                const NameAddress *a = &g_array_index(addresses, NameAddress, i);
                gsize len = a->family == AF_INET ? 4 : 16;

                g_variant_builder_add(&builder, "(ii@ay)", a->ifindex, a->family,
                                      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, a->address, len, 1));
        }
        aarp_manager_complete_resolve_hostname(call->bus->manager, call->invocation,
                                               g_variant_builder_end(&builder), canonical, flags);
        g_free(call);
}

static gboolean handle_resolve_hostname(AarpManager *manager, GDBusMethodInvocation *invocation,
                                        gint32 ifindex, const char *name, gint32 family, guint64 flags,
                                        Bus *b) {
        g_autoptr(GError) error = NULL;
        Call *call;

        if (!validate_flags(flags, &error) || !validate_ifindex(ifindex, &error) ||
            !names_validate(name, &error)) {
                g_dbus_method_invocation_return_gerror(invocation, error);
                return TRUE;
        }
        if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) {
                g_dbus_method_invocation_return_error(invocation, AARP_ERROR, AARP_E_INVALID_FAMILY,
                                                      "unknown address family %d", family);
                return TRUE;
        }
        call = g_new0(Call, 1);
        call->invocation = invocation;
        call->bus = b;
        names_resolve(b->names, ifindex, name, family, flags, on_name_resolved, call);
        return TRUE;
}

/* ---- root-only methods ----------------------------------------------- */

typedef void (*PrivilegedAction)(Bus *b);

typedef struct {
        Bus *bus;
        GDBusMethodInvocation *invocation;
        PrivilegedAction action;
} PrivilegedCall;

static void privileged_finish(PrivilegedCall *pc, gboolean allowed) {
        if (allowed) {
                pc->action(pc->bus);
                g_dbus_method_invocation_return_value(pc->invocation, NULL);
        } else
                g_dbus_method_invocation_return_error_literal(pc->invocation, AARP_ERROR,
                                                              AARP_E_ACCESS_DENIED,
                                                              "only root may do this");
        g_free(pc);
}

static void on_caller_uid(GObject *source, GAsyncResult *res, gpointer user_data) {
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, NULL);
        guint32 uid = 1;

        if (reply)
                g_variant_get(reply, "(u)", &uid);
        privileged_finish(user_data, reply && uid == 0);
}

/* Root only.  The bus policy says so too; checking here also covers the
 * peer-to-peer socket, which no policy guards. */
static void run_privileged(Bus *b, GDBusMethodInvocation *invocation, PrivilegedAction action) {
        GDBusConnection *c = g_dbus_method_invocation_get_connection(invocation);
        const char *sender = g_dbus_method_invocation_get_sender(invocation);
        PrivilegedCall *pc = g_new0(PrivilegedCall, 1);

        pc->bus = b;
        pc->invocation = invocation;
        pc->action = action;
        if (!sender) {
                GCredentials *cred = g_dbus_connection_get_peer_credentials(c);
                privileged_finish(pc, cred && g_credentials_get_unix_user(cred, NULL) == 0);
                return;
        }
        g_dbus_connection_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetConnectionUnixUser",
                               g_variant_new("(s)", sender), G_VARIANT_TYPE("(u)"),
                               G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_caller_uid, pc);
}

static void do_flush(Bus *b) {
        resolver_flush(b->resolver);
        if (b->names)
                names_flush(b->names);
        g_message("caches flushed on request");
}

static void do_reset(Bus *b) {
        resolver_reset_stats(b->resolver);
}

static gboolean handle_flush_caches(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        run_privileged(b, invocation, do_flush);
        return TRUE;
}

static gboolean handle_reset_statistics(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        run_privileged(b, invocation, do_reset);
        return TRUE;
}

/* ---- peer-to-peer socket --------------------------------------------- */

static gboolean allow_mechanism(GDBusAuthObserver *o, const char *mechanism, gpointer user_data) {
        /* EXTERNAL only: the kernel vouches for the peer's uid. */
        return g_strcmp0(mechanism, "EXTERNAL") == 0;
}

static void on_peer_closed(GDBusConnection *c, gboolean remote, GError *error, Bus *b) {
        g_dbus_interface_skeleton_unexport_from_connection(G_DBUS_INTERFACE_SKELETON(b->manager), c);
        g_signal_handlers_disconnect_by_data(c, b);
        g_object_unref(c);
}

static gboolean on_new_connection(GDBusServer *server, GDBusConnection *c, Bus *b) {
        g_autoptr(GError) error = NULL;

        if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(b->manager), c,
                                              AARP_OBJECT_PATH, &error)) {
                g_warning("cannot serve peer connection: %s", error->message);
                return FALSE;
        }
        g_object_ref(c);
        g_signal_connect(c, "closed", G_CALLBACK(on_peer_closed), b);
        return TRUE;
}

static gboolean start_server(Bus *b, const char *runtime_dir, GError **error) {
        g_autofree char *guid = g_dbus_generate_guid();
        g_autofree char *address = NULL, *escaped = NULL;

        if (g_mkdir_with_parents(runtime_dir, 0755) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                            "cannot create runtime directory %s: %s", runtime_dir, g_strerror(errno));
                return FALSE;
        }
        b->socket_path = g_build_filename(runtime_dir, AARP_IO_SOCKET_NAME, NULL);
        (void) unlink(b->socket_path); /* stale from a previous run */
        escaped = g_dbus_address_escape_value(b->socket_path);
        address = g_strdup_printf("unix:path=%s", escaped);

        b->observer = g_dbus_auth_observer_new();
        g_signal_connect(b->observer, "allow-mechanism", G_CALLBACK(allow_mechanism), b);
        b->server = g_dbus_server_new_sync(address, G_DBUS_SERVER_FLAGS_NONE, guid, b->observer, NULL, error);
        if (!b->server)
                return FALSE;
        /* Anyone may resolve, as on the bus; root-only methods check the
         * peer's credentials. */
        if (chmod(b->socket_path, 0666) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "chmod %s: %s",
                            b->socket_path, g_strerror(errno));
                return FALSE;
        }
        g_signal_connect(b->server, "new-connection", G_CALLBACK(on_new_connection), b);
        g_dbus_server_start(b->server);
        return TRUE;
}

/* ---- system bus ------------------------------------------------------ */

static void on_name_lost(GDBusConnection *c, const char *name, gpointer user_data) {
        Bus *b = user_data;

        b->fatal(c ? "lost the bus name " AARP_BUS_NAME " (another instance running?)"
                   : "cannot connect to the system bus",
                 b->fatal_data);
}

static void on_name_acquired(GDBusConnection *c, const char *name, gpointer user_data) {
        g_info("acquired bus name %s", name);
}

static void on_system_closed(GDBusConnection *c, gboolean remote, GError *error, Bus *b) {
        b->fatal("the system bus connection was closed", b->fatal_data);
}

Bus *bus_new(Resolver *resolver, Names *names, const char *runtime_dir, BusFatalCallback fatal,
             gpointer user_data, GError **error) {
        g_autoptr(Bus) b = g_new0(Bus, 1);

        b->resolver = resolver;
        b->names = names;
        b->fatal = fatal;
        b->fatal_data = user_data;
        b->manager = g_object_new(stats_skeleton_get_type(), NULL);
        ((StatsSkeleton *) b->manager)->bus = b;
        g_signal_connect(b->manager, "handle-resolve-address", G_CALLBACK(handle_resolve_address), b);
        g_signal_connect(b->manager, "handle-resolve-address-members",
                         G_CALLBACK(handle_resolve_address_members), b);
        g_signal_connect(b->manager, "handle-resolve-hostname", G_CALLBACK(handle_resolve_hostname), b);
        g_signal_connect(b->manager, "handle-flush-caches", G_CALLBACK(handle_flush_caches), b);
        g_signal_connect(b->manager, "handle-reset-statistics", G_CALLBACK(handle_reset_statistics), b);
        sync_stats(b);

        if (!start_server(b, runtime_dir, error))
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

        if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(b->manager), b->system,
                                              AARP_OBJECT_PATH, error))
                return NULL;
        b->name_id = g_bus_own_name_on_connection(b->system, AARP_BUS_NAME,
                                                  G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                  on_name_acquired, on_name_lost, b, NULL);
        return g_steal_pointer(&b);
}

void bus_free(Bus *b) {
        if (!b)
                return;
        if (b->name_id)
                g_bus_unown_name(b->name_id);
        if (b->server) {
                g_dbus_server_stop(b->server);
                g_object_unref(b->server);
        }
        if (b->socket_path)
                (void) unlink(b->socket_path);
        if (b->manager) {
                g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(b->manager));
                g_object_unref(b->manager);
        }
        if (b->system) {
                g_signal_handlers_disconnect_by_data(b->system, b);
                g_dbus_connection_flush_sync(b->system, NULL, NULL);
                g_object_unref(b->system);
        }
        g_clear_object(&b->observer);
        g_free(b->socket_path);
        g_free(b);
}
