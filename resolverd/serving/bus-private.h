/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-private.h: the seams inside the D-Bus serving layer, shared by
 *
 *   call.c            one call, whichever transport: arguments in, reply out
 *   methods-*.c       the method bodies, transport-neutral
 *   bus-system.c      the object on the system bus (skeleton, bus name)
 *   bus-peer.c        io.socket's calls, dispatched by hand
 *
 * Nothing outside resolverd/serving/bus*.c, call.c and methods-*.c
 * includes this.
 */
#pragma once

#include <gio/gio.h>
#include <netinet/in.h>

#include "aarp-dbus-generated.h"
#include "bus.h"
#include "clients.h"
#include "introspect.h"
#include "monitor.h"
#include "p2p.h"

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
        /* GetStatus, ShowCache, Monitor (methods-introspect.c) */
        Monitor *monitor; /* NULL without the system bus */
        char *runtime_dir;
        IntrospectStubState stub_state;
        struct in_addr stub_address;
};

#define SENDER_UIDS_MAX 4096u

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

/* ---- call.c ---- */

Call *call_new_bus(Bus *b, GDBusMethodInvocation *invocation);
Call *call_new_peer(Bus *b, P2PPeer *peer, GDBusMessage *message);
/* A call read by wire.c (no GDBusMessage), answered by wire.c too. */
Call *call_new_wire(Bus *b, P2PPeer *peer, guint32 serial, gboolean no_reply);
void call_free(Call *c);

/* Find out who is calling (c->uid), take one of the user's in-flight
 * slots, then run @run; on the bus the uid is asked once per connection. */
void call_start(Call *c, CallFunc run);

/* Keep an address argument as sent: its length (for the error message)
 * and at most 16 bytes. */
void call_copy_address(guint8 dest[16], gsize *dest_len, const void *data, gsize len);
void call_copy_address_variant(guint8 dest[16], gsize *dest_len, GVariant *ay);
GVariant *call_bytes_variant(const void *data, gsize len);

gboolean call_wants_reply(Call *c);
/* TRUE for a call read by wire.c, which wire.c answers too. */
gboolean call_read_by_wire(const Call *c);

/* Each answers @c and frees it. */
void call_return(Call *c, GVariant *result); /* a tuple; a floating reference is sunk */
void call_return_error(Call *c, const GError *error);
G_GNUC_PRINTF(4, 5)
void call_return_new_error(Call *c, GQuark domain, int code, const char *format, ...);
/* ResolveAddress's "(aytut)", by wire.c for a call wire.c read. */
void call_return_address(Call *c, const void *address, gsize len, guint64 flags, guint32 ttl_sec,
                         guint64 rtt_usec);

/* The arguments every method shares, checked with a named error. */
gboolean call_validate_flags(guint64 flags, GError **error);
gboolean call_validate_ifindex(gint32 ifindex, GError **error);
/* FALSE (and @c answered AccessDenied) unless root is calling. */
gboolean call_require_root(Call *c);

/* ---- methods-*.c: one per D-Bus method (or pair sharing arguments) ---- */

void method_resolve_address(Call *c);    /* ResolveAddress, ResolveAddressMembers */
void method_resolve_addresses(Call *c);  /* ResolveAddresses */
void method_resolve_hostname(Call *c);   /* ResolveHostname, ResolveHostnameEx */
void method_resolve_address_name(Call *c);
void method_invalidate_address(Call *c);
void method_flush_caches(Call *c);
void method_reset_statistics(Call *c);
void method_get_status(Call *c);
void method_show_cache(Call *c);  /* root only */
void method_monitor(Call *c);     /* system bus only */

/* A Monitor event for @c's answer, or NULL when nobody may see it: what
 * was asked is @address (16 bytes), or else the call's address or name.
 * Add the answers with monitor_event_add_*(), then call_note_end() with
 * the outcome (it queues the event for the subscribers). */
MonitorEvent *call_note_begin(Call *c, const char *method, const void *address);
void call_note_end(Call *c, MonitorEvent *e, guint64 flags, guint32 ttl_sec, guint64 rtt_usec, const GError *error);
/* At exit: ResolveAddresses calls still being asked about fail. */
void methods_cancel_batches(Bus *b);

/* One address a method is about to resolve. */
typedef struct {
        int ifindex;
        struct in6_addr address;
        guint64 flags;
} ProbeTarget;

/* Charge @c's user for the probes resolving @n targets would send now
 * (cached and never-probed addresses are free): all of them, or none and
 * FALSE.  The one rule every method's probes are paid by. */
gboolean method_charge_probes(Call *c, const ProbeTarget *targets, gsize n);

/* ---- bus-system.c ---- */

/* Bring the statistics properties up to date (they are read live). */
void bus_sync_stats(Bus *b);

/* ---- bus-peer.c: io.socket's P2PDispatch and P2PFastDispatch ---- */

void bus_peer_call(P2PPeer *peer, GDBusMessage *message, gpointer user_data);
gboolean bus_peer_fast(P2PPeer *peer, const guint8 *message, gsize len, gpointer user_data);
