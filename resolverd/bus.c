/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus.c: D-Bus glue (see bus.h).
 *
 * Two transports carry the same API: the system bus, through a
 * gdbus-codegen skeleton, and the peer-to-peer socket (p2p.c), served in the
 * main loop for speed.  Both funnel into one set of method implementations
 * that take a Call: the validated arguments go in, and the reply goes out
 * through whichever transport the call came from.  Every argument is checked
 * here, before the Resolver or Names sees it, and bad input is answered with
 * a named org.aarp.Resolve1.Error.*, never an assertion.
 *
 * Statistics properties are read live: the skeleton is subclassed so that a
 * Properties.Get refreshes them first, which avoids both stale values and a
 * PropertiesChanged storm on every probe.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aarp-dbus-generated.h"
#include "aarp-def.h"
#include "bus.h"
#include "errors.h"
#include "clients.h"
#include "introspect.h"
#include "monitor.h"
#include "p2p.h"
#include "wire.h"

struct Bus {
        Resolver *resolver;
        Names *names;
        GDBusConnection *system;
        AarpManager *manager;
        GCancellable *name_request; /* the RequestName call, until bus_free() */
        guint name_lost_id;         /* NameLost signal subscription */
        gboolean name_owned;
        P2PServer *server;
        Clients *clients;
        const Config *config;
        GHashTable *sender_uids; /* bus unique name -> uid; names are never reused */
        GHashTable *batches;     /* Batch* still being asked about (ResolveAddresses) */
        BusFatalCallback fatal;
        gpointer fatal_data;
        gboolean dead; /* fatal() was called */
        /* GetStatus, ShowCache, Monitor (introspect.c, monitor.c) */
        Monitor *monitor;
        char *runtime_dir;
        IntrospectStubState stub_state;
        struct in_addr stub_address;
};

#define SENDER_UIDS_MAX 4096u

/* ---- one call, whichever transport ----------------------------------- */

typedef struct Call Call;
typedef void (*CallFunc)(Call *c);

/* A method call from either transport: where to reply, who asked, and the
 * arguments, kept until the caller's uid is known (on the bus that takes a
 * question to the bus daemon, once per connection). */
struct Call {
        Bus *bus;
        GDBusMethodInvocation *invocation; /* system bus */
        P2PPeer *peer;                     /* or peer-to-peer (a reference) */
        GDBusMessage *message;             /* its call message (a reference), or NULL if read by wire.c */
        guint32 wire_serial;               /* without a message: the call's serial */
        gboolean wire_no_reply;            /* and whether it wants no reply */
        uid_t uid;
        gboolean counted; /* holds one of the user's in-flight slots */
        unsigned extra_counted; /* ResolveAddresses: one more slot per further address */
        CallFunc run;
        gint32 ifindex, family;
        guint64 flags;
        guint8 address[16], member[16]; /* the first 16 bytes as sent */
        gsize address_len, member_len;  /* the length as sent */
        char *name;
        gboolean all_members;
        gboolean with_ttl;   /* ResolveHostnameEx: the answer's TTL too */
        GVariant *addresses; /* ResolveAddresses: aay */
};

static Call *call_new_bus(Bus *b, GDBusMethodInvocation *invocation) {
        Call *c = g_new0(Call, 1);

        c->bus = b;
        c->invocation = invocation;
        return c;
}

static Call *call_new_peer(Bus *b, P2PPeer *peer, GDBusMessage *message) {
        Call *c = g_new0(Call, 1);

        c->bus = b;
        c->peer = p2p_peer_ref(peer);
        c->message = g_object_ref(message);
        return c;
}

static Call *call_new_wire(Bus *b, P2PPeer *peer, guint32 serial, gboolean no_reply) {
        Call *c = g_new0(Call, 1);

        c->bus = b;
        c->peer = p2p_peer_ref(peer);
        c->wire_serial = serial;
        c->wire_no_reply = no_reply;
        return c;
}

/* Keeps the length as sent, for the error message, and at most 16 bytes. */
static void copy_address(guint8 dest[16], gsize *dest_len, const void *data, gsize len) {
        if (len > 0) /* an empty array's data may be NULL */
                memcpy(dest, data, MIN(len, 16));
        *dest_len = len;
}

static void copy_address_variant(guint8 dest[16], gsize *dest_len, GVariant *ay) {
        gsize len = 0;
        const guint8 *data = g_variant_get_fixed_array(ay, &len, 1);

        copy_address(dest, dest_len, data, len);
}

static void call_free(Call *c) {
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

static gboolean call_wants_reply(Call *c) {
        if (!c->message)
                return !c->wire_no_reply;
        return !(g_dbus_message_get_flags(c->message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
}

static GVariant *bytes_variant(const void *data, gsize len) {
        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1);
}

/* TRUE for a call read by wire.c, which wire.c answers too. */
static gboolean call_read_by_wire(const Call *c) {
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
static void call_return(Call *c, GVariant *result) {
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

static void call_return_error(Call *c, const GError *error) {
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
static void call_return_address(Call *c, const void *address, gsize len, guint64 flags, guint32 ttl_sec,
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
        call_return(c, g_variant_new("(@aytut)", bytes_variant(address, len), flags, ttl_sec, rtt_usec));
}

G_GNUC_PRINTF(4, 5)
static void call_return_new_error(Call *c, GQuark domain, int code, const char *format, ...) {
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
static void call_start(Call *c, CallFunc run) {
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
        s.requests_rejected = clients_rejected(b->clients);
#define SET_PROPERTY(property, field, type, group, label) aarp_manager_set_##field(b->manager, s.field);
        AARP_STATISTICS(SET_PROPERTY)
#undef SET_PROPERTY
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

/* ---- ResolveAddress, ResolveAddressMembers --------------------------- */

/* Members @c's user reported as failed are left out of its answers (see
 * InvalidateAddress); if every member was reported, all are kept: an
 * answer that may fail beats none. */
static unsigned filter_members(Call *c, const AddressAnswer *answer, const Member **ret) {
        uint64_t now = (uint64_t) g_get_monotonic_time();
        unsigned n = 0;

        for (unsigned i = 0; i < answer->n_members; i++)
                if (!clients_avoids(c->bus->clients, c->uid, &answer->members[i].address, now))
                        ret[n++] = &answer->members[i];
        if (n == 0)
                for (unsigned i = 0; i < answer->n_members; i++)
                        ret[n++] = &answer->members[i];
        return n;
}

/* ResolveAddress's one answer for @c's user: the first member it did not
 * report as failed. */
static void pick_answer(Call *c, const AddressAnswer *answer, const struct in6_addr **ret_address,
                        guint64 *ret_rtt) {
        const Member *kept[AARP_MEMBERS_MAX];

        if (clients_has_avoid_list(c->bus->clients, c->uid) && filter_members(c, answer, kept) > 0) {
                *ret_address = &kept[0]->address;
                *ret_rtt = kept[0]->rtt_usec;
        } else {
                *ret_address = &answer->unicast;
                *ret_rtt = answer->rtt_usec;
        }
}

/* ---- Monitor: each finished resolution, to whoever may see it -------- */

/* An event for @c's answer (NULL when nobody monitors its user): what was
 * asked is @address (16 bytes), or else the call's address or name. */
static MonitorEvent *note_begin(Call *c, const char *method, const void *address) {
        MonitorEvent *e = monitor_event_new(c->bus->monitor, c->uid, method);

        if (address)
                monitor_event_set_query_address(e, address, 16);
        else if (c->name)
                monitor_event_set_query_name(e, c->name);
        else
                monitor_event_set_query_address(e, c->address, c->address_len);
        return e;
}

static void note_end(Call *c, MonitorEvent *e, guint64 flags, guint32 ttl_sec, guint64 rtt_usec,
                     const GError *error) {
        monitor_event_finish(c->bus->monitor, e, flags, ttl_sec, rtt_usec, error);
}

static void on_address_resolved(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        Call *c = user_data;
        const struct in6_addr *address;
        guint64 rtt;
        MonitorEvent *e = note_begin(c, "ResolveAddress", NULL);

        if (error) {
                note_end(c, e, 0, 0, 0, error);
                call_return_error(c, error);
                return;
        }
        pick_answer(c, answer, &address, &rtt);
        monitor_event_add_address(e, AF_INET6, address);
        note_end(c, e, answer->flags, answer->ttl_sec, rtt, NULL);
        call_return_address(c, address, 16, answer->flags, answer->ttl_sec, rtt);
}

static void on_members_resolved(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        Call *c = user_data;
        GVariantBuilder builder;
        MonitorEvent *e = note_begin(c, "ResolveAddressMembers", NULL);

        if (error) {
                note_end(c, e, 0, 0, 0, error);
                call_return_error(c, error);
                return;
        }
        const Member *kept[AARP_MEMBERS_MAX];
        unsigned n = filter_members(c, answer, kept);

        for (unsigned i = 0; i < n; i++)
                monitor_event_add_address(e, AF_INET6, &kept[i]->address);
        note_end(c, e, answer->flags, answer->ttl_sec, n > 0 ? kept[0]->rtt_usec : 0, NULL);

        g_variant_builder_init(&builder, G_VARIANT_TYPE("a(ayt)"));
        for (unsigned i = 0; i < n; i++)
                g_variant_builder_add(&builder, "(@ayt)", bytes_variant(&kept[i]->address, 16),
                                      (guint64) kept[i]->rtt_usec);
        call_return(c, g_variant_new("(a(ayt)tu)", &builder, answer->flags, answer->ttl_sec));
}

/* Every member this user knows of failed for it: look afresh rather than
 * hand out one that failed (joins a re-probe already running). */
static guint64 effective_flags(Call *c, gint32 ifindex, const struct in6_addr *a, guint64 flags) {
        const CacheEntry *e;
        uint64_t now;
        gboolean all;

        if (!clients_has_avoid_list(c->bus->clients, c->uid))
                return flags;
        e = resolver_peek(c->bus->resolver, ifindex, a);
        now = (uint64_t) g_get_monotonic_time();
        all = e != NULL;
        for (unsigned i = 0; e && i < e->n_members && all; i++)
                all = clients_avoids(c->bus->clients, c->uid, &e->members[i].address, now);
        return all ? flags | AARP_FLAG_NO_CACHE : flags;
}

/* Both methods: same arguments, same checks. */
static void run_resolve_address(Call *c) {
        g_autoptr(GError) error = NULL;
        gsize len = c->address_len;
        const guint8 *bytes = c->address;
        gint32 ifindex = c->ifindex;
        guint64 flags = c->flags;
        gboolean all_members = c->all_members;
        struct in6_addr a;

        if (!validate_flags(flags, &error) || !validate_ifindex(ifindex, &error)) {
                call_return_error(c, error);
                return;
        }
        if (len == 4) {
                /* IPv4 has no anycast problem of this kind: unchanged. */
                if (all_members)
                        call_return(c, g_variant_new_parsed("([(%@ay, @t 0)], %t, %u)", bytes_variant(bytes, 4),
                                                            (guint64) AARP_FLAG_NOT_PROBED,
                                                            (guint32) AARP_NOT_PROBED_TTL_SEC));
                else
                        call_return_address(c, bytes, 4, AARP_FLAG_NOT_PROBED, AARP_NOT_PROBED_TTL_SEC, 0);
                return;
        }
        if (len != 16) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_ADDRESS,
                                      "address must be 4 or 16 bytes, got %zu", len);
                return;
        }
        memcpy(&a, bytes, 16);
        flags = effective_flags(c, ifindex, &a, flags);
        if (resolver_would_probe(c->bus->resolver, ifindex, &a, flags) &&
            !clients_take_probe(c->bus->clients, c->uid, (uint64_t) g_get_monotonic_time())) {
                call_return_new_error(c, AARP_ERROR, AARP_E_LIMIT_EXCEEDED,
                                      "uid %u sent more than ProbeRateLimit=%u fresh probes per second; "
                                      "try again later",
                                      (unsigned) c->uid, c->bus->config->probe_rate_limit);
                return;
        }
        if (all_members)
                resolver_resolve_address(c->bus->resolver, ifindex, &a, flags | RESOLVER_FLAG_ALL_MEMBERS,
                                         c->uid, on_members_resolved, c);
        else
                resolver_resolve_address(c->bus->resolver, ifindex, &a, flags, c->uid, on_address_resolved, c);
}

/* ---- ResolveAddresses ------------------------------------------------ */

typedef struct {
        guint8 address[16];
        guint8 len; /* 4 or 16 */
        guint64 flags, rtt_usec;
        guint32 ttl_sec;
} BatchAnswer;

/* One ResolveAddresses call: answered when the last address is.  Its
 * addresses are handed to the resolver BATCH_SLICE at a time, one slice per
 * main loop iteration, so that a call of 1024 does not hold up cached
 * answers to everyone else meanwhile. */
#define BATCH_SLICE 64u

typedef struct {
        Call *call;
        unsigned pending; /* answers outstanding, + 1 while slices remain */
        GError *error;    /* the first */
        gsize n, next;    /* addresses, and the next one to ask about */
        guint slice_id;   /* the source that asks about the next slice */
        struct in6_addr *addrs;
        guint64 *flags;
        BatchAnswer answers[];
} Batch;

typedef struct {
        Batch *batch;
        unsigned index;
} BatchItem;

static void batch_finish(Batch *b) {
        Call *c = b->call;

        if (--b->pending > 0)
                return;
        if (b->error)
                call_return_error(c, b->error);
        else {
                GVariantBuilder builder;
                gsize n = g_variant_n_children(c->addresses);

                g_variant_builder_init(&builder, G_VARIANT_TYPE("a(aytut)"));
                for (gsize i = 0; i < n; i++) {
                        const BatchAnswer *a = &b->answers[i];
                        g_variant_builder_add(&builder, "(@aytut)", bytes_variant(a->address, a->len), a->flags,
                                              a->ttl_sec, a->rtt_usec);
                }
                call_return(c, g_variant_new("(a(aytut))", &builder));
        }
        g_clear_error(&b->error);
        g_free(b->addrs);
        g_free(b->flags);
        g_free(b);
}

static void on_batch_item(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        BatchItem *item = user_data;
        Batch *b = item->batch;
        BatchAnswer *a = &b->answers[item->index];
        MonitorEvent *e = note_begin(b->call, "ResolveAddresses", &b->addrs[item->index]);

        g_free(item);
        if (error) {
                note_end(b->call, e, 0, 0, 0, error);
                if (!b->error)
                        b->error = g_error_copy(error);
        } else {
                const struct in6_addr *address;

                pick_answer(b->call, answer, &address, &a->rtt_usec);
                memcpy(a->address, address, 16);
                a->len = 16;
                a->flags = answer->flags;
                a->ttl_sec = answer->ttl_sec;
                monitor_event_add_address(e, AF_INET6, address);
                note_end(b->call, e, a->flags, a->ttl_sec, a->rtt_usec, NULL);
        }
        batch_finish(b);
}

/* Ask about the next slice of @b's addresses; the last slice drops the
 * guard on b->pending (which may answer the call and free @b). */
static gboolean batch_ask_slice(gpointer data) {
        Batch *b = data;
        Call *c = b->call;
        gsize end = MIN(b->n, b->next + BATCH_SLICE);

        for (; b->next < end; b->next++) {
                gsize i = b->next;
                BatchItem *item;

                if (b->answers[i].len == 4) { /* IPv4: answered already */
                        b->pending--;
                        continue;
                }
                item = g_new(BatchItem, 1);
                item->batch = b;
                item->index = (unsigned) i;
                resolver_resolve_address(c->bus->resolver, c->ifindex, &b->addrs[i], b->flags[i], c->uid,
                                         on_batch_item, item);
        }
        if (b->next < b->n)
                return G_SOURCE_CONTINUE;
        if (b->slice_id) {
                g_hash_table_remove(c->bus->batches, b);
                b->slice_id = 0;
        }
        batch_finish(b);
        return G_SOURCE_REMOVE;
}

static void run_resolve_addresses(Call *c) {
        g_autoptr(GError) error = NULL;
        gsize n = g_variant_n_children(c->addresses);
        g_autofree struct in6_addr *addrs = NULL;
        g_autofree guint8 *lens = NULL;
        g_autofree guint64 *flags = NULL;
        unsigned fresh = 0;
        Batch *b;

        if (!validate_flags(c->flags, &error) || !validate_ifindex(c->ifindex, &error)) {
                call_return_error(c, error);
                return;
        }
        if (n > AARP_BATCH_MAX) {
                call_return_new_error(c, AARP_ERROR, AARP_E_LIMIT_EXCEEDED,
                                      "%zu addresses in one call; at most %u", n, AARP_BATCH_MAX);
                return;
        }
        /* Every address is read and checked before anything is charged or
         * sent: a bad one refuses the call, not half of it. */
        addrs = g_new0(struct in6_addr, MAX(n, 1));
        lens = g_new0(guint8, MAX(n, 1));
        for (gsize i = 0; i < n; i++) {
                gsize len = 0;
                g_autoptr(GVariant) ay = g_variant_get_child_value(c->addresses, i);
                const guint8 *bytes = g_variant_get_fixed_array(ay, &len, 1);

                if (len != 4 && len != 16) {
                        call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_ADDRESS,
                                              "address %zu must be 4 or 16 bytes, got %zu", i, len);
                        return;
                }
                memcpy(&addrs[i], bytes, len);
                lens[i] = (guint8) len;
                if (len == 16 && IN6_IS_ADDR_LINKLOCAL(&addrs[i]) && c->ifindex <= 0) {
                        call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_INTERFACE,
                                              "address %zu is link-local and needs an interface index", i);
                        return;
                }
        }
        /* One in-flight slot per address, as if each were its own call. */
        for (gsize i = 1; i < n; i++) {
                if (!clients_begin_request(c->bus->clients, c->uid)) {
                        call_return_new_error(c, AARP_ERROR, AARP_E_LIMIT_EXCEEDED,
                                              "too many requests in flight for uid %u (RequestsPerClient=%u)",
                                              (unsigned) c->uid, c->bus->config->requests_per_client);
                        return;
                }
                c->extra_counted++;
        }
        flags = g_new0(guint64, MAX(n, 1));
        for (gsize i = 0; i < n; i++) {
                if (lens[i] != 16)
                        continue;
                flags[i] = effective_flags(c, c->ifindex, &addrs[i], c->flags);
                if (resolver_would_probe(c->bus->resolver, c->ifindex, &addrs[i], flags[i]))
                        fresh++;
        }
        /* All or nothing: a call that cannot be answered whole sends no
         * probe at all. */
        if (fresh > 0 && !clients_take_probes(c->bus->clients, c->uid, fresh, (uint64_t) g_get_monotonic_time())) {
                call_return_new_error(c, AARP_ERROR, AARP_E_LIMIT_EXCEEDED,
                                      "uid %u: %u fresh probes exceed its ProbeRateLimit=%u budget now; "
                                      "try again later or send fewer addresses per call",
                                      (unsigned) c->uid, fresh, c->bus->config->probe_rate_limit);
                return;
        }
        b = g_malloc0(sizeof(Batch) + MAX(n, 1) * sizeof(BatchAnswer));
        b->call = c;
        b->n = n;
        b->pending = (unsigned) n + 1; /* + 1 until every address is asked */
        for (gsize i = 0; i < n; i++)
                if (lens[i] == 4) {
                        /* IPv4 has no anycast problem of this kind: unchanged. */
                        memcpy(b->answers[i].address, &addrs[i], 4);
                        b->answers[i].len = 4;
                        b->answers[i].flags = AARP_FLAG_NOT_PROBED;
                        b->answers[i].ttl_sec = AARP_NOT_PROBED_TTL_SEC;
                }
        b->addrs = g_steal_pointer(&addrs);
        b->flags = g_steal_pointer(&flags);
        if (batch_ask_slice(b) == G_SOURCE_CONTINUE) {
                /* Same priority as the sockets: slices and other callers
                 * take turns. */
                b->slice_id = g_idle_add_full(G_PRIORITY_DEFAULT, batch_ask_slice, b, NULL);
                g_hash_table_add(c->bus->batches, b);
        }
}

/* At exit: batches still being asked about fail (whatever was asked is
 * failed by resolver_cancel(), which runs first). */
static void batches_cancel(Bus *b) {
        GHashTableIter it;
        gpointer key;
        g_autoptr(GPtrArray) all = g_ptr_array_new();

        g_hash_table_iter_init(&it, b->batches);
        while (g_hash_table_iter_next(&it, &key, NULL))
                g_ptr_array_add(all, key);
        g_hash_table_remove_all(b->batches);
        for (guint i = 0; i < all->len; i++) {
                Batch *batch = all->pdata[i];

                g_source_remove(batch->slice_id);
                batch->slice_id = 0;
                batch->pending -= (unsigned) (batch->n - batch->next); /* never asked */
                if (!batch->error)
                        batch->error = g_error_new_literal(AARP_ERROR, AARP_E_TEMPORARY_FAILURE, "shutting down");
                batch_finish(batch);
        }
}

/* ---- ResolveHostname ------------------------------------------------- */

static void on_name_resolved(GArray *addresses, const char *canonical, uint64_t flags, uint32_t ttl_sec,
                             const GError *error, gpointer user_data) {
        Call *c = user_data;
        GVariantBuilder builder;
        MonitorEvent *e = note_begin(c, c->with_ttl ? "ResolveHostnameEx" : "ResolveHostname", NULL);

        if (error) {
                note_end(c, e, 0, 0, 0, error);
                call_return_error(c, error);
                return;
        }
        gboolean filter = clients_has_avoid_list(c->bus->clients, c->uid);
        uint64_t now = (uint64_t) g_get_monotonic_time();
        g_autofree WireHostAddress *kept = g_new(WireHostAddress, MAX(addresses->len, 1));
        guint n = 0;

        for (int pass = 0; pass < 2 && n == 0; pass++)
                for (guint i = 0; i < addresses->len; i++) {
                        const NameAddress *a = &g_array_index(addresses, NameAddress, i);

                        /* First pass leaves out members this user reported
                         * as failed; if that leaves nothing, keep all. */
                        if (pass == 0 && filter && a->family == AF_INET6 &&
                            clients_avoids(c->bus->clients, c->uid, a->address, now))
                                continue;
                        kept[n++] = (WireHostAddress) { a->ifindex, a->family, a->address };
                }
        for (guint i = 0; i < n; i++)
                monitor_event_add_address(e, kept[i].family, kept[i].address);
        note_end(c, e, flags, ttl_sec, 0, NULL);

        /* A call read by wire.c is answered by wire.c (the canonical name
         * comes from DNS: only valid UTF-8 goes out that way, as GVariant
         * would insist too). */
        if (call_read_by_wire(c) && g_utf8_validate(canonical, -1, NULL)) {
                if (call_wants_reply(c)) {
                        g_autofree guint8 *blob = g_malloc(wire_hostname_reply_size(n, strlen(canonical)));
                        gsize size = c->with_ttl ? wire_write_hostname_ex_reply(blob, c->wire_serial, kept, n,
                                                                                canonical, flags, ttl_sec)
                                                 : wire_write_hostname_reply(blob, c->wire_serial, kept, n,
                                                                             canonical, flags);

                        p2p_peer_send_blob(c->peer, blob, size);
                }
                call_free(c);
                return;
        }
        g_variant_builder_init(&builder, G_VARIANT_TYPE("a(iiay)"));
        for (guint i = 0; i < n; i++)
                g_variant_builder_add(&builder, "(ii@ay)", kept[i].ifindex, kept[i].family,
                                      bytes_variant(kept[i].address, kept[i].family == AF_INET ? 4 : 16));
        if (c->with_ttl)
                call_return(c, g_variant_new("(a(iiay)stu)", &builder, canonical, flags, ttl_sec));
        else
                call_return(c, g_variant_new("(a(iiay)st)", &builder, canonical, flags));
}

/* NamesProbeGate: charge the caller one token per probe the answer would
 * send now (cached or never-probed addresses are free). */
static gboolean hostname_probe_gate(gpointer data, const GArray *addresses, int ifindex, uint64_t flags) {
        Call *c = data;
        unsigned fresh = 0;

        for (guint i = 0; i < addresses->len; i++) {
                const NameAddress *a = &g_array_index(addresses, NameAddress, i);
                struct in6_addr in6;

                if (a->family != AF_INET6)
                        continue;
                memcpy(&in6, a->address, 16);
                if (resolver_would_probe(c->bus->resolver, a->ifindex ? a->ifindex : ifindex, &in6,
                                         flags & AARP_FLAG_NO_CACHE))
                        fresh++;
        }
        return clients_take_probes(c->bus->clients, c->uid, fresh, (uint64_t) g_get_monotonic_time());
}

static void run_resolve_hostname(Call *c) {
        g_autoptr(GError) error = NULL;
        gint32 ifindex = c->ifindex, family = c->family;
        guint64 flags = c->flags;
        const char *name = c->name;

        if (!validate_flags(flags, &error) || !validate_ifindex(ifindex, &error) ||
            !names_validate(name, &error)) {
                call_return_error(c, error);
                return;
        }
        if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_FAMILY, "unknown address family %d", family);
                return;
        }
        names_resolve_gated(c->bus->names, ifindex, name, family, flags, c->uid,
                            c->uid == 0 ? NULL : hostname_probe_gate, c, on_name_resolved, c);
}

/* ---- ResolveAddressName ---------------------------------------------- */

static void on_address_named(const char *const *host_names, uint32_t ttl_sec, uint64_t flags, const GError *error,
                             gpointer user_data) {
        Call *c = user_data;
        MonitorEvent *e = note_begin(c, "ResolveAddressName", NULL);

        if (error) {
                note_end(c, e, 0, 0, 0, error);
                call_return_error(c, error);
                return;
        }
        for (guint i = 0; host_names[i]; i++)
                monitor_event_add_name(e, host_names[i]);
        note_end(c, e, flags, ttl_sec, 0, NULL);
        /* The names from DNS are valid host names (dns-reply.c), so valid
         * UTF-8 as 's' needs; the hosts file's too (hosts.c). */
        call_return(c, g_variant_new("(^asut)", host_names, ttl_sec, flags));
}

static void run_resolve_address_name(Call *c) {
        g_autoptr(GError) error = NULL;

        if (!validate_flags(c->flags, &error) || !validate_ifindex(c->ifindex, &error)) {
                call_return_error(c, error);
                return;
        }
        if (c->family != AF_INET && c->family != AF_INET6) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_FAMILY, "unknown address family %d", c->family);
                return;
        }
        if (c->address_len != (c->family == AF_INET ? 4u : 16u)) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_ADDRESS,
                                      "an address of family %d has %u bytes, got %zu", c->family,
                                      c->family == AF_INET ? 4u : 16u, c->address_len);
                return;
        }
        names_resolve_address(c->bus->names, c->family, c->address, on_address_named, c);
}

/* ---- root-only methods ----------------------------------------------- */

/* Root only.  The bus policy says so too; checking here also covers the
 * peer-to-peer socket, which no policy guards. */
static gboolean require_root(Call *c) {
        if (c->uid == 0)
                return TRUE;
        call_return_new_error(c, AARP_ERROR, AARP_E_ACCESS_DENIED, "only root may do this");
        return FALSE;
}

static void run_flush_caches(Call *c) {
        if (!require_root(c))
                return;
        resolver_flush(c->bus->resolver);
        if (c->bus->names)
                names_flush(c->bus->names);
        g_message("caches flushed on request");
        call_return(c, g_variant_new("()"));
}

static void run_reset_statistics(Call *c) {
        if (!require_root(c))
                return;
        resolver_reset_stats(c->bus->resolver);
        call_return(c, g_variant_new("()"));
}

/* ---- GetStatus, ShowCache, Monitor ----------------------------------- */

static void run_get_status(Call *c) {
        call_return(c, introspect_status(c->bus->config, c->bus->resolver, c->bus->names, c->bus->runtime_dir,
                                         c->bus->stub_state, &c->bus->stub_address));
}

/* Root only: the caches show what every user looked up. */
static void run_show_cache(Call *c) {
        if (!require_root(c))
                return;
        call_return(c, introspect_cache(c->bus->resolver, c->bus->names));
}

/* The system bus only: io.socket has no bus name to watch, and its
 * connections belong to the NSS module's lookups, not to a monitor. */
static void run_monitor(Call *c) {
        g_autoptr(GError) error = NULL;

        if (!c->invocation || !c->bus->monitor) {
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_NOT_SUPPORTED,
                                      "Monitor needs the system bus");
                return;
        }
        if (!monitor_subscribe(c->bus->monitor, g_dbus_method_invocation_get_sender(c->invocation), c->uid,
                               &error)) {
                call_return_error(c, error);
                return;
        }
        call_return(c, g_variant_new("()"));
}

/* InvalidateAddress: root's report drops the cached answer for everyone
 * and re-probes; anyone else's only changes the answers that user gets. */
static void run_invalidate_address(Call *c) {
        g_autoptr(GError) error = NULL;
        gsize alen = c->address_len, mlen = c->member_len;
        const guint8 *a = c->address, *m = c->member;
        struct in6_addr address, member;
        gboolean done;

        if (!validate_ifindex(c->ifindex, &error)) {
                call_return_error(c, error);
                return;
        }
        if (alen != 16 || mlen != 16) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_ADDRESS,
                                      "address and member must be 16 bytes, got %zu and %zu", alen, mlen);
                return;
        }
        memcpy(&address, a, 16);
        memcpy(&member, m, 16);
        if (c->uid == 0) {
                /* Root's report is trusted: everyone's answer is dropped
                 * and re-probed; root's own answers also skip the member
                 * (it may still answer echo with its service down). */
                done = resolver_invalidate_member(c->bus->resolver, c->ifindex, &address, &member);
                clients_avoid(c->bus->clients, c->uid, &member,
                              (uint64_t) g_get_monotonic_time() +
                                      (uint64_t) c->bus->config->anycast_ttl_sec * G_USEC_PER_SEC);
        } else {
                uint64_t now = (uint64_t) g_get_monotonic_time();
                const CacheEntry *e = resolver_peek(c->bus->resolver, c->ifindex, &address);

                /* The report itself only changes this user's answers; but
                 * if the cached answer lists the member, look again (a
                 * fresh probe reports the network as it is, so it cannot
                 * be used to poison anything), charged to the user. */
                done = FALSE;
                for (unsigned i = 0; e && i < e->n_members && !done; i++)
                        done = memcmp(&e->members[i].address, &member, 16) == 0;
                clients_avoid(c->bus->clients, c->uid, &member,
                              now + (uint64_t) c->bus->config->anycast_ttl_sec * G_USEC_PER_SEC);
                if (done)
                        resolver_refresh(c->bus->resolver, c->ifindex, &address, c->uid);
        }
        call_return(c, g_variant_new("(b)", done));
}

/* ---- system bus: the skeleton's handlers ----------------------------- */

static gboolean handle_resolve_address(AarpManager *m, GDBusMethodInvocation *invocation, gint32 ifindex,
                                       GVariant *address, guint64 flags, Bus *b) {
        Call *c = call_new_bus(b, invocation);

        c->ifindex = ifindex;
        copy_address_variant(c->address, &c->address_len, address);
        c->flags = flags;
        call_start(c, run_resolve_address);
        return TRUE;
}

static gboolean handle_resolve_address_members(AarpManager *m, GDBusMethodInvocation *invocation,
                                               gint32 ifindex, GVariant *address, guint64 flags, Bus *b) {
        Call *c = call_new_bus(b, invocation);

        c->ifindex = ifindex;
        copy_address_variant(c->address, &c->address_len, address);
        c->flags = flags;
        c->all_members = TRUE;
        call_start(c, run_resolve_address);
        return TRUE;
}

static gboolean handle_resolve_addresses(AarpManager *m, GDBusMethodInvocation *invocation, gint32 ifindex,
                                         GVariant *addresses, guint64 flags, Bus *b) {
        Call *c = call_new_bus(b, invocation);

        c->ifindex = ifindex;
        c->addresses = g_variant_ref(addresses);
        c->flags = flags;
        call_start(c, run_resolve_addresses);
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
        call_start(c, run_resolve_hostname);
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
        copy_address_variant(c->address, &c->address_len, address);
        c->flags = flags;
        call_start(c, run_resolve_address_name);
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
        copy_address_variant(c->address, &c->address_len, address);
        copy_address_variant(c->member, &c->member_len, member);
        call_start(c, run_invalidate_address);
        return TRUE;
}

static gboolean handle_flush_caches(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        call_start(call_new_bus(b, invocation), run_flush_caches);
        return TRUE;
}

static gboolean handle_reset_statistics(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        call_start(call_new_bus(b, invocation), run_reset_statistics);
        return TRUE;
}

static gboolean handle_get_status(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        call_start(call_new_bus(b, invocation), run_get_status);
        return TRUE;
}

static gboolean handle_show_cache(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        call_start(call_new_bus(b, invocation), run_show_cache);
        return TRUE;
}

static gboolean handle_monitor(AarpManager *m, GDBusMethodInvocation *invocation, Bus *b) {
        call_start(call_new_bus(b, invocation), run_monitor);
        return TRUE;
}

/* ---- peer-to-peer: dispatch by hand ---------------------------------- */

static GVariant *properties_get_all(Bus *b) {
        GDBusInterfaceSkeleton *sk = G_DBUS_INTERFACE_SKELETON(b->manager);

        sync_stats(b);
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

static void on_peer_call(P2PPeer *peer, GDBusMessage *message, gpointer user_data) {
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
                copy_address_variant(c->address, &c->address_len, address);
                c->all_members = strcmp(member, "ResolveAddressMembers") == 0;
                call_start(c, run_resolve_address);
        } else if (g_strcmp0(member, "ResolveAddresses") == 0 && strcmp(sig, "(iaayt)") == 0) {
                g_variant_get(body, "(i@aayt)", &c->ifindex, &c->addresses, &c->flags);
                call_start(c, run_resolve_addresses);
        } else if ((strcmp(member, "ResolveHostname") == 0 || strcmp(member, "ResolveHostnameEx") == 0) &&
                   strcmp(sig, "(isit)") == 0) {
                g_variant_get(body, "(isit)", &c->ifindex, &c->name, &c->family, &c->flags);
                c->with_ttl = strcmp(member, "ResolveHostnameEx") == 0;
                call_start(c, run_resolve_hostname);
        } else if (strcmp(member, "ResolveAddressName") == 0 && strcmp(sig, "(iiayt)") == 0) {
                g_autoptr(GVariant) address = NULL;

                g_variant_get(body, "(ii@ayt)", &c->ifindex, &c->family, &address, &c->flags);
                copy_address_variant(c->address, &c->address_len, address);
                call_start(c, run_resolve_address_name);
        } else if (g_strcmp0(member, "InvalidateAddress") == 0 && strcmp(sig, "(iayay)") == 0) {
                g_autoptr(GVariant) address = NULL;
                g_autoptr(GVariant) member_ay = NULL;

                g_variant_get(body, "(i@ay@ay)", &c->ifindex, &address, &member_ay);
                copy_address_variant(c->address, &c->address_len, address);
                copy_address_variant(c->member, &c->member_len, member_ay);
                call_start(c, run_invalidate_address);
        } else if (g_strcmp0(member, "FlushCaches") == 0 && strcmp(sig, "()") == 0)
                call_start(c, run_flush_caches);
        else if (g_strcmp0(member, "ResetStatistics") == 0 && strcmp(sig, "()") == 0)
                call_start(c, run_reset_statistics);
        else if (strcmp(member, "GetStatus") == 0 && strcmp(sig, "()") == 0)
                call_start(c, run_get_status);
        else if (strcmp(member, "ShowCache") == 0 && strcmp(sig, "()") == 0)
                call_start(c, run_show_cache);
        else if (strcmp(member, "Monitor") == 0 && strcmp(sig, "()") == 0)
                call_start(c, run_monitor);
        else if (g_dbus_interface_info_lookup_method(aarp_manager_interface_info(), member ? member : ""))
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                      "wrong signature %s for %s", sig, member);
        else
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD, "no method %s",
                                      member ? member : "(none)");
}

/* The hot call, read in place (wire.h); FALSE sends anything else the
 * general way, through on_peer_call(). */
static gboolean on_peer_fast(P2PPeer *peer, const guint8 *message, gsize len, gpointer user_data) {
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
                call_start(c, run_resolve_hostname);
        } else {
                copy_address(c->address, &c->address_len, w.address, w.address_len);
                c->all_members = w.method == WIRE_RESOLVE_ADDRESS_MEMBERS;
                call_start(c, run_resolve_address);
        }
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
        sync_stats(b);

        if (g_mkdir_with_parents(runtime_dir, 0755) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                            "cannot create runtime directory %s: %s", runtime_dir, g_strerror(errno));
                return NULL;
        }
        socket_path = g_build_filename(runtime_dir, AARP_IO_SOCKET_NAME, NULL);
        b->server = p2p_server_new(socket_path, on_peer_fast, on_peer_call, b, error);
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
                batches_cancel(b);
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

void bus_set_stub_state(Bus *b, IntrospectStubState state, const struct in_addr *address) {
        b->stub_state = state;
        if (address)
                b->stub_address = *address;
}

void bus_set_config(Bus *b, const Config *config) {
        b->config = config;
        clients_set_limits(b->clients, config->probe_rate_limit, config->probe_rate_burst,
                           config->requests_per_client);
}
