/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns.c: c-ares <-> GLib main loop glue (see dns.h).
 *
 * Lifetimes are the delicate part.  c-ares calls us back from inside
 * ares_process_fd(), and our callbacks may end lookups, replace the
 * channel or free the whole Names object; destroying a channel from inside
 * ares_process_fd() would pull the rug from under c-ares.  So every entry
 * into c-ares holds a reference on the channel, and a query handle that its
 * owner abandons stays allocated (marked) until c-ares lets go of it.
 */
#include <ares.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <glib-unix.h>

#include "dns.h"
#include "errors.h"

struct DnsChannel {
        gint ref;
        ares_channel channel;
        gboolean have_channel;
        GHashTable *watches;  /* fd -> GSource */
        GSource *timer;
        gboolean destroying;
};

struct DnsQuery {
        DnsChannel *ch;       /* NULL once c-ares is done with us */
        DnsQueryCallback callback;
        gpointer user_data;
        gboolean abandoned;
        gboolean submitting;  /* inside ares_query(): defer a synchronous result */
        gboolean done;        /* c-ares has called back */
        int status;
        guint8 *abuf;
        int alen;
        guint idle_id;
};

static void schedule_timer(DnsChannel *ch);

static gboolean library_init(GError **error) {
        static gsize once = 0;
        static int status = ARES_SUCCESS;

        if (g_once_init_enter(&once)) {
                status = ares_library_init(ARES_LIB_INIT_ALL);
                g_once_init_leave(&once, 1);
        }
        if (status != ARES_SUCCESS) {
                g_set_error(error, AARP_ERROR, AARP_E_INTERNAL, "c-ares: %s",
                            ares_strerror(status));
                return FALSE;
        }
        return TRUE;
}

const char *dns_strerror(int status) {
        return ares_strerror(status);
}

static gboolean on_fd(int fd, GIOCondition cond, gpointer user_data) {
        DnsChannel *ch = dns_channel_ref(user_data);
        ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;

        if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR))
                r = fd;
        if (cond & (G_IO_OUT | G_IO_ERR))
                w = fd;
        ares_process_fd(ch->channel, r, w);
        schedule_timer(ch);
        dns_channel_unref(ch);
        /* Removal happens through the sock-state callback. */
        return G_SOURCE_CONTINUE;
}

static gboolean on_timer(gpointer user_data) {
        DnsChannel *ch = dns_channel_ref(user_data);

        g_source_destroy(ch->timer);
        g_source_unref(ch->timer);
        ch->timer = NULL;
        ares_process_fd(ch->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        schedule_timer(ch);
        dns_channel_unref(ch);
        return G_SOURCE_REMOVE;
}

static void schedule_timer(DnsChannel *ch) {
        struct timeval tv, *t;

        if (ch->timer) {
                g_source_destroy(ch->timer);
                g_source_unref(ch->timer);
                ch->timer = NULL;
        }
        if (ch->destroying)
                return;
        t = ares_timeout(ch->channel, NULL, &tv);
        if (!t)
                return;

        /* Round up: firing a millisecond early would just re-arm. */
        guint64 ms = (guint64) t->tv_sec * 1000u + ((guint64) t->tv_usec + 999u) / 1000u;
        ch->timer = g_timeout_source_new((guint) MIN(ms, (guint64) G_MAXUINT));
        g_source_set_callback(ch->timer, on_timer, ch, NULL);
        g_source_attach(ch->timer, NULL);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable) {
        DnsChannel *ch = data;

        g_hash_table_remove(ch->watches, GINT_TO_POINTER(fd));
        if (ch->destroying || (!readable && !writable))
                return;

        GIOCondition cond = (readable ? G_IO_IN : 0) | (writable ? G_IO_OUT : 0);
        GSource *s = g_unix_fd_source_new(fd, cond);
        g_source_set_callback(s, G_SOURCE_FUNC(on_fd), ch, NULL);
        g_source_attach(s, NULL);
        g_hash_table_insert(ch->watches, GINT_TO_POINTER(fd), s);
}

static void watch_free(gpointer p) {
        g_source_destroy(p);
        g_source_unref(p);
}

DnsChannel *dns_channel_new(const DnsServer *servers, size_t n_servers,
                            const DnsChannelOptions *o, GError **error) {
        g_return_val_if_fail(n_servers > 0, NULL);

        if (!library_init(error))
                return NULL;

        DnsChannel *ch = g_new0(DnsChannel, 1);
        ch->ref = 1;
        ch->watches = g_hash_table_new_full(NULL, NULL, NULL, watch_free);

        /* Everything c-ares would otherwise read from resolv.conf,
         * nsswitch.conf or host.conf is given here, so it reads no file. */
        char lookups[] = "b";
        struct ares_options opts = {
                .flags = ARES_FLAG_NOSEARCH | (o->edns0 ? ARES_FLAG_EDNS : 0),
                .timeout = (int) MAX(o->timeout_msec, 1u),
                .tries = (int) MAX(o->tries, 1u),
                .ndots = 1,
                .nservers = 0,
                .ndomains = 0,
                .lookups = lookups,
                .nsort = 0,
                .sock_state_cb = on_sock_state,
                .sock_state_cb_data = ch,
        };
        int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS |
                   ARES_OPT_SERVERS | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_SORTLIST |
                   ARES_OPT_SOCK_STATE_CB | (o->rotate ? ARES_OPT_ROTATE : ARES_OPT_NOROTATE);

        int r = ares_init_options(&ch->channel, &opts, mask);
        if (r != ARES_SUCCESS) {
                g_set_error(error, AARP_ERROR, AARP_E_INTERNAL, "c-ares init: %s",
                            ares_strerror(r));
                g_hash_table_unref(ch->watches);
                g_free(ch);
                return NULL;
        }
        ch->have_channel = TRUE;

        g_autofree struct ares_addr_port_node *nodes = g_new0(struct ares_addr_port_node, n_servers);
        for (size_t i = 0; i < n_servers; i++) {
                nodes[i].next = i + 1 < n_servers ? &nodes[i + 1] : NULL;
                nodes[i].family = servers[i].family;
                if (servers[i].family == AF_INET)
                        memcpy(&nodes[i].addr.addr4, servers[i].address, 4);
                else
                        memcpy(&nodes[i].addr.addr6, servers[i].address, 16);
                nodes[i].udp_port = nodes[i].tcp_port = servers[i].port ? servers[i].port : 53;
        }
        r = ares_set_servers_ports(ch->channel, nodes);
        if (r != ARES_SUCCESS) {
                g_set_error(error, AARP_ERROR, AARP_E_INTERNAL, "c-ares servers: %s",
                            ares_strerror(r));
                dns_channel_unref(ch);
                return NULL;
        }
        if (o->device[0] != '\0')
                ares_set_local_dev(ch->channel, o->device);
        return ch;
}

DnsChannel *dns_channel_ref(DnsChannel *ch) {
        g_atomic_int_inc(&ch->ref);
        return ch;
}

void dns_channel_unref(DnsChannel *ch) {
        if (!ch || !g_atomic_int_dec_and_test(&ch->ref))
                return;

        /* Every entry into c-ares holds a reference, so we are not inside
         * ares_process_fd() here.  ares_destroy() ends pending queries
         * with ARES_EDESTRUCTION; their callbacks only free abandoned
         * handles and never touch ch. */
        ch->destroying = TRUE;
        if (ch->have_channel)
                ares_destroy(ch->channel);
        g_hash_table_unref(ch->watches);
        if (ch->timer) {
                g_source_destroy(ch->timer);
                g_source_unref(ch->timer);
        }
        g_free(ch);
}

static void query_free(DnsQuery *q) {
        if (q->idle_id)
                g_source_remove(q->idle_id);
        g_free(q->abuf);
        g_free(q);
}

static gboolean deliver_deferred(gpointer user_data) {
        DnsQuery *q = user_data;

        q->idle_id = 0;
        q->callback(q->status, q->abuf, q->alen, q->user_data);
        query_free(q);
        return G_SOURCE_REMOVE;
}

static void on_ares_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen) {
        DnsQuery *q = arg;

        q->done = TRUE;
        q->ch = NULL;
        if (q->abandoned || status == ARES_EDESTRUCTION) {
                /* EDESTRUCTION only happens once the owner dropped its
                 * reference, i.e. abandoned (or never cared about) q. */
                if (q->abandoned)
                        query_free(q);
                else
                        q->abandoned = TRUE; /* owner still holds q; abandon frees */
                return;
        }
        if (q->submitting) {
                q->status = status;
                if (abuf && alen > 0) {
                        q->abuf = g_memdup2(abuf, (gsize) alen);
                        q->alen = alen;
                }
                q->idle_id = g_idle_add(deliver_deferred, q);
                return;
        }
        q->callback(status, abuf, alen, q->user_data);
        query_free(q);
}

DnsQuery *dns_channel_query(DnsChannel *ch, const char *name, int type, DnsQueryCallback callback,
                            gpointer user_data) {
        DnsQuery *q = g_new0(DnsQuery, 1);

        q->ch = ch;
        q->callback = callback;
        q->user_data = user_data;
        q->submitting = TRUE;
        dns_channel_ref(ch);
        ares_query(ch->channel, name, 1 /* C_IN */, type, on_ares_reply, q);
        q->submitting = FALSE;
        schedule_timer(ch);
        dns_channel_unref(ch);
        return q;
}

void dns_query_abandon(DnsQuery *q) {
        if (!q)
                return;
        if (q->done) {
                /* Either waiting in an idle (free it now), or ended by
                 * channel destruction while the owner still held it. */
                query_free(q);
                return;
        }
        q->abandoned = TRUE; /* on_ares_reply() frees it */
}
