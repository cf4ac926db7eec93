/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * monitor.c: Monitor subscribers and their Resolutions signals (see
 * monitor.h for why they are unicast, filtered by uid and bounded).
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "errors.h"
#include "monitor.h"

/* Answers kept per event: a host name answer has at most this many. */
#define EVENT_ANSWERS_MAX AARP_ADDRESSES_MAX

typedef struct Subscriber Subscriber;

struct Subscriber {
        Monitor *monitor;
        char *name; /* unique bus name */
        uid_t uid;
        guint watch_id;
        MonitorQueue queue;
};

struct Monitor {
        GDBusConnection *connection; /* borrowed */
        GHashTable *subscribers;     /* name -> Subscriber* (owned) */
        guint flush_id;
};

struct MonitorEvent {
        uid_t uid;
        const char *method;
        char *query;
        GPtrArray *answers; /* of char* */
};

/* ---- the rules ------------------------------------------------------- */

gboolean monitor_may_see(uid_t viewer, uid_t asker) {
        return viewer == 0 || viewer == asker;
}

/* The last AARP_MONITOR_PER_USER_MAX places are root's: however many users
 * monitor, the administrator still can. */
gboolean monitor_may_subscribe(uid_t uid, guint of_user, guint total) {
        if (uid == 0)
                return total < AARP_MONITOR_SUBSCRIBERS_MAX;
        return of_user < AARP_MONITOR_PER_USER_MAX &&
               total < AARP_MONITOR_SUBSCRIBERS_MAX - AARP_MONITOR_PER_USER_MAX;
}

void monitor_queue_init(MonitorQueue *q) {
        q->events = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        q->dropped = 0;
}

void monitor_queue_clear(MonitorQueue *q) {
        g_clear_pointer(&q->events, g_ptr_array_unref);
        q->dropped = 0;
}

gboolean monitor_queue_push(MonitorQueue *q, GVariant *event, guint max) {
        if (q->events->len >= max) {
                if (q->dropped < G_MAXUINT32)
                        q->dropped++;
                return FALSE;
        }
        g_ptr_array_add(q->events, g_variant_ref(event));
        return TRUE;
}

GVariant *monitor_queue_take(MonitorQueue *q) {
        GVariantBuilder events;
        GVariant *result;

        if (q->events->len == 0 && q->dropped == 0)
                return NULL;
        g_variant_builder_init(&events, G_VARIANT_TYPE("a(tusssastut)"));
        for (guint i = 0; i < q->events->len; i++)
                g_variant_builder_add_value(&events, q->events->pdata[i]);
        result = g_variant_new("(a(tusssastut)u)", &events, q->dropped);
        g_ptr_array_set_size(q->events, 0);
        q->dropped = 0;
        return result;
}

/* ---- subscribers ----------------------------------------------------- */

static void subscriber_free(gpointer data) {
        Subscriber *s = data;

        if (s->watch_id)
                g_bus_unwatch_name(s->watch_id);
        monitor_queue_clear(&s->queue);
        g_free(s->name);
        g_free(s);
}

Monitor *monitor_new(GDBusConnection *connection) {
        Monitor *m = g_new0(Monitor, 1);

        m->connection = connection;
        m->subscribers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, subscriber_free);
        return m;
}

void monitor_free(Monitor *m) {
        if (!m)
                return;
        if (m->flush_id)
                g_source_remove(m->flush_id);
        g_hash_table_destroy(m->subscribers);
        g_free(m);
}

guint monitor_subscribers(const Monitor *m) {
        return m ? g_hash_table_size(m->subscribers) : 0;
}

/* The subscriber's connection is gone (or was gone before the watch
 * began): nobody is left to read its signals. */
static void on_name_vanished(GDBusConnection *connection, const char *name, gpointer user_data) {
        Subscriber *s = user_data;

        g_debug("monitor %s (uid %u) went away", s->name, (unsigned) s->uid);
        g_hash_table_remove(s->monitor->subscribers, s->name);
}

gboolean monitor_subscribe(Monitor *m, const char *sender, uid_t uid, GError **error) {
        GHashTableIter it;
        gpointer value;
        guint of_user = 0;
        Subscriber *s;

        if (g_hash_table_contains(m->subscribers, sender))
                return TRUE;
        g_hash_table_iter_init(&it, m->subscribers);
        while (g_hash_table_iter_next(&it, NULL, &value))
                of_user += ((Subscriber *) value)->uid == uid;
        if (!monitor_may_subscribe(uid, of_user, g_hash_table_size(m->subscribers))) {
                g_set_error(error, AARP_ERROR, AARP_E_LIMIT_EXCEEDED,
                            "too many monitors (at most %u per user, %u in all)", AARP_MONITOR_PER_USER_MAX,
                            AARP_MONITOR_SUBSCRIBERS_MAX);
                return FALSE;
        }
        s = g_new0(Subscriber, 1);
        s->monitor = m;
        s->name = g_strdup(sender);
        s->uid = uid;
        monitor_queue_init(&s->queue);
        g_hash_table_insert(m->subscribers, s->name, s);
        if (m->connection)
                s->watch_id = g_bus_watch_name_on_connection(m->connection, sender, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                             NULL, on_name_vanished, s, NULL);
        g_debug("monitor %s (uid %u) subscribed", sender, (unsigned) uid);
        return TRUE;
}

/* ---- events ---------------------------------------------------------- */

static gboolean anyone_sees(Monitor *m, uid_t uid) {
        GHashTableIter it;
        gpointer value;

        g_hash_table_iter_init(&it, m->subscribers);
        while (g_hash_table_iter_next(&it, NULL, &value))
                if (monitor_may_see(((Subscriber *) value)->uid, uid))
                        return TRUE;
        return FALSE;
}

MonitorEvent *monitor_event_new(Monitor *m, uid_t uid, const char *method) {
        MonitorEvent *e;

        if (!m || g_hash_table_size(m->subscribers) == 0 || !anyone_sees(m, uid))
                return NULL;
        e = g_new0(MonitorEvent, 1);
        e->uid = uid;
        e->method = method;
        e->answers = g_ptr_array_new_with_free_func(g_free);
        return e;
}

static char *address_text(int family, const void *address) {
        char text[INET6_ADDRSTRLEN];

        return g_strdup(inet_ntop(family, address, text, sizeof text) ? text : "?");
}

void monitor_event_set_query_address(MonitorEvent *e, const void *address, gsize len) {
        if (!e || (len != 4 && len != 16))
                return;
        g_free(e->query);
        e->query = address_text(len == 4 ? AF_INET : AF_INET6, address);
}

void monitor_event_set_query_name(MonitorEvent *e, const char *name) {
        if (!e)
                return;
        g_free(e->query);
        /* Validated by the caller; 's' insists on UTF-8 all the same. */
        e->query = g_utf8_make_valid(name, -1);
}

void monitor_event_add_address(MonitorEvent *e, int family, const void *address) {
        if (e && e->answers->len < EVENT_ANSWERS_MAX)
                g_ptr_array_add(e->answers, address_text(family, address));
}

void monitor_event_add_name(MonitorEvent *e, const char *name) {
        if (e && e->answers->len < EVENT_ANSWERS_MAX)
                g_ptr_array_add(e->answers, g_utf8_make_valid(name, -1));
}

static gboolean on_flush(gpointer user_data) {
        Monitor *m = user_data;
        GHashTableIter it;
        gpointer value;

        m->flush_id = 0;
        g_hash_table_iter_init(&it, m->subscribers);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                Subscriber *s = value;
                GVariant *args = monitor_queue_take(&s->queue);
                g_autoptr(GError) error = NULL;

                if (!args)
                        continue;
                /* The destination makes it unicast: the bus delivers it to
                 * this connection only (and to no match rule of anyone
                 * else's but a privileged eavesdropper's). */
                if (!g_dbus_connection_emit_signal(m->connection, s->name, AARP_OBJECT_PATH, AARP_MANAGER_INTERFACE,
                                                   AARP_MONITOR_SIGNAL, args, &error))
                        g_debug("monitor %s: %s", s->name, error->message);
        }
        return G_SOURCE_REMOVE;
}

static void event_free(MonitorEvent *e) {
        g_ptr_array_unref(e->answers);
        g_free(e->query);
        g_free(e);
}

void monitor_event_finish(Monitor *m, MonitorEvent *e, guint64 flags, guint32 ttl_sec, guint64 rtt_usec,
                          const GError *error) {
        g_autofree char *error_name = NULL;
        g_autoptr(GVariant) event = NULL;
        GHashTableIter it;
        gpointer value;
        uid_t asker;

        if (!e)
                return;
        asker = e->uid;
        if (error) {
                error_name = g_dbus_error_encode_gerror(error);
                flags = 0;
                ttl_sec = 0;
                rtt_usec = 0;
        }
        g_ptr_array_add(e->answers, NULL);
        event = g_variant_ref_sink(g_variant_new("(tusss^astut)", (guint64) g_get_real_time(), (guint32) e->uid,
                                                 e->method, e->query ? e->query : "",
                                                 error_name ? error_name : "", (char **) e->answers->pdata, flags,
                                                 ttl_sec, rtt_usec));
        event_free(e);

        g_hash_table_iter_init(&it, m->subscribers);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                Subscriber *s = value;

                if (monitor_may_see(s->uid, asker))
                        monitor_queue_push(&s->queue, event, AARP_MONITOR_QUEUE_MAX);
        }
        if (!m->flush_id && m->connection)
                m->flush_id = g_timeout_add(AARP_MONITOR_FLUSH_MSEC, on_flush, m);
}
