/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * monitor.h: the live stream of resolutions (Monitor, Resolutions).
 *
 * Who asked for what is private: a signal broadcast on the system bus would
 * let every user watch every other user's lookups.  So each subscriber
 * gets its own unicast signals (destination: its unique bus name), with
 * only the events it may see -- root all, anyone else those made under its
 * own uid -- and a subscription lives exactly as long as the subscriber's
 * bus name (a name watch drops it when the connection goes).
 *
 * Nothing a subscriber does can make the daemon hold more: subscriptions
 * are bounded per user and in all (aarp-def.h), events wait in a bounded
 * queue per subscriber and go out together at most every
 * AARP_MONITOR_FLUSH_MSEC; events past the queue's bound are dropped and
 * counted, and the count goes out with the next signal.  Once a signal is
 * written, the bus daemon holds it until the subscriber reads it, within
 * its own per-connection limits; so a stalled monitor costs the bus, not
 * us, at most a bounded rate of output.
 */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

typedef struct Monitor Monitor;

/* Send Resolutions signals on @connection (borrowed; NULL: nobody can
 * subscribe, e.g. io.socket only). */
Monitor *monitor_new(GDBusConnection *connection);
void monitor_free(Monitor *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Monitor, monitor_free)

/* Subscribe the bus connection @sender (a unique name) of user @uid.
 * TRUE if it is subscribed now (also when it already was); FALSE with
 * AARP_E_LIMIT_EXCEEDED in @error when the user or everyone holds the
 * most subscriptions allowed. */
gboolean monitor_subscribe(Monitor *m, const char *sender, uid_t uid, GError **error);

/* Subscribers now. */
guint monitor_subscribers(const Monitor *m);

/* One finished resolution, built only if somebody would see it. */
typedef struct MonitorEvent MonitorEvent;

/* A new event of user @uid's call of @method (static string), or NULL when
 * no subscriber may see it (also with @m NULL): then every call below does
 * nothing, so a daemon nobody monitors pays one check per resolution. */
MonitorEvent *monitor_event_new(Monitor *m, uid_t uid, const char *method);
/* What was asked: an address (4 or 16 bytes) or a name. */
void monitor_event_set_query_address(MonitorEvent *e, const void *address, gsize len);
void monitor_event_set_query_name(MonitorEvent *e, const char *name);
/* One answer: an address (AF_INET or AF_INET6) or a name. */
void monitor_event_add_address(MonitorEvent *e, int family, const void *address);
void monitor_event_add_name(MonitorEvent *e, const char *name);
/* Queue @e (consumed) for every subscriber that may see it, with the
 * outcome: @error NULL and the answer's flags, TTL and RTT, or @error. */
void monitor_event_finish(Monitor *m, MonitorEvent *e, guint64 flags, guint32 ttl_sec, guint64 rtt_usec,
                          const GError *error);

/* ---- the rules, pure (unit-tested) ---- */

/* TRUE if a subscriber running as @viewer may see an event of @asker. */
gboolean monitor_may_see(uid_t viewer, uid_t asker);

/* TRUE if user @uid, holding @of_user subscriptions, may take one more
 * while @total are held in all: a non-root user up to
 * AARP_MONITOR_PER_USER_MAX, and only while more than that many places are
 * left, which are kept for root. */
gboolean monitor_may_subscribe(uid_t uid, guint of_user, guint total);

/* A subscriber's queue: at most @max events, the rest counted in @dropped. */
typedef struct {
        GPtrArray *events; /* of GVariant "(tusssastut)" */
        guint32 dropped;
} MonitorQueue;

void monitor_queue_init(MonitorQueue *q);
void monitor_queue_clear(MonitorQueue *q);
/* Append @event (a reference is taken) unless @max are queued: then count
 * it as dropped and return FALSE. */
gboolean monitor_queue_push(MonitorQueue *q, GVariant *event, guint max);
/* The Resolutions arguments "(a(tusssastut)u)" (floating) for what is
 * queued, or NULL if nothing is; empties the queue and the drop count. */
GVariant *monitor_queue_take(MonitorQueue *q);
