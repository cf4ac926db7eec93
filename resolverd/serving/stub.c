/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub.c: the DNS stub listener (see stub.h): client sockets, the upstream
 * list and its AARP mapping, forwarding over UDP or TCP, and delivery.
 *
 * A Query is one client's question on its way upstream.  It tries the
 * upstreams in order, each for STUB_TRY_MSEC, over a socket of its own
 * (a fresh source port per query, and a random ID); a reply counts only if
 * it comes on that socket with that ID and the same question.  An upstream
 * waiting for its AARP mapping holds the queries that need it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aarp-def.h"
#include "errors.h"
#include "filestamp.h"
#include "resolvconf.h"
#include "stub-cache.h"
#include "stub-map.h"
#include "stub-packet.h"
#include "stub-peer.h"
#include "stub-sockets.h"
#include "stub.h"

#define MAP_ERROR_TTL_SEC 5u
#define MAP_TTL_MIN_SEC   1u

typedef struct Server Server;
typedef struct Conn Conn;
typedef struct Query Query;

typedef struct {
        Server *server; /* NULL once the server is gone */
} MapToken;

struct Server {
        NameServer ns;
        struct sockaddr_storage mapped;
        socklen_t mapped_len;
        gint64 expiry_usec;   /* of the mapping; 0: never mapped */
        MapToken *token;      /* mapping in progress */
        GQueue waiters;       /* of Query* */
};

struct Conn {
        Stub *stub;
        int fd;
        guint watch;
        GIOCondition watching;
        guint idle;
        uint64_t who;
        uint8_t *in;          /* 2 + STUB_MESSAGE_MAX */
        size_t have;
        GByteArray *out;
        size_t out_off;
        Query *query;
        GList link;
};


struct Query {
        Stub *stub;
        GList link;
        uint64_t who;
        /* the client */
        Conn *conn;           /* TCP, or NULL for UDP */
        struct sockaddr_in client;
        StubQuestion q;
        GBytes *key;
        /* upstream */
        uint8_t *packet;      /* the query with our ID, a 2-byte length in front */
        size_t len;
        uint16_t upstream_id;
        guint server;
        guint generation;
        Server *waiting_on;
        int fd;
        guint watch;
        guint timer;
        guint deadline;
        uint16_t local_port;  /* registered in own_ports while open */
        size_t out_off;
        uint8_t *in;
        size_t have;
        StubMap *map;         /* MapAnycastAnswers= in progress */
};

struct Stub {
        Resolver *resolver;
        char *resolv_conf_path;
        FileStamp resolv_stamp;
        GArray *configured;   /* DNS= (NameServer) */
        gboolean map_anycast;
        struct in_addr address;
        int udp_fd, tcp_fd;
        guint udp_watch, tcp_watch;
        GPtrArray *servers;   /* of Server* */
        guint generation;
        GQueue pending;       /* of Query* */
        GQueue conns;         /* of Conn* */
        GHashTable *own_ports;/* local ports of our upstream sockets on loopback */
        StubCache *cache;
        StubPeers *peers;
        StubPeers *probe_budget; /* ProbeRateLimit= per user, for MapAnycastAnswers= */
        StubStats stats;
        gint64 last_limit_log_usec;
        uint8_t buf[STUB_MESSAGE_MAX + 1];
};

static void query_try(Query *q);
static void conn_free(Conn *c);

/* Log a limit being hit, at most every 10 s: a flood must not flood the
 * journal too. */
static void note_limit(Stub *s, const char *what, uint64_t who) {
        gint64 now = g_get_monotonic_time();

        if (s->last_limit_log_usec && now - s->last_limit_log_usec < 10 * G_USEC_PER_SEC)
                return;
        s->last_limit_log_usec = now;
        if (who <= G_MAXUINT32)
                g_message("DNS stub: %s for uid %u: dropping its queries for now", what, (unsigned) who);
        else
                g_message("DNS stub: %s for an unidentified sender: dropping its queries for now", what);
}
static void conn_send(Conn *c, const uint8_t *msg, size_t len);

/* ---- upstream list ---- */

static gboolean is_own_address(const Stub *s, const NameServer *ns) {
        static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

        if (ns->family == AF_INET)
                return memcmp(ns->address, &s->address, 4) == 0;
        return memcmp(ns->address, v4mapped, 12) == 0 && memcmp(ns->address + 12, &s->address, 4) == 0;
}

static void server_free(Server *sv) {
        if (sv->token)
                sv->token->server = NULL;
        /* Queries waiting here start over on the new list. */
        while (!g_queue_is_empty(&sv->waiters)) {
                Query *q = g_queue_pop_head(&sv->waiters);

                q->waiting_on = NULL;
        }
        g_free(sv);
}

static void set_servers(Stub *s, const GArray *list) {
        g_autoptr(GPtrArray) fresh = g_ptr_array_new();
        g_autoptr(GPtrArray) waiting = g_ptr_array_new();
        gboolean same;

        for (guint i = 0; i < list->len; i++) {
                const NameServer *ns = &g_array_index(list, NameServer, i);
                char text[INET6_ADDRSTRLEN];

                if (is_own_address(s, ns)) {
                        inet_ntop(ns->family, ns->address, text, sizeof(text));
                        g_warning("DNS stub: nameserver %s is the stub itself, skipped (it would loop)", text);
                        continue;
                }
                if (fresh->len < AARP_DNS_SERVERS_MAX)
                        g_ptr_array_add(fresh, (gpointer) ns);
        }
        same = fresh->len == s->servers->len;
        for (guint i = 0; same && i < fresh->len; i++)
                same = memcmp(fresh->pdata[i], &((Server *) s->servers->pdata[i])->ns, sizeof(NameServer)) == 0;
        if (same)
                return;

        for (guint i = 0; i < s->servers->len; i++) {
                Server *sv = s->servers->pdata[i];

                for (GList *l = sv->waiters.head; l; l = l->next)
                        g_ptr_array_add(waiting, l->data);
                server_free(sv);
        }
        g_ptr_array_set_size(s->servers, 0);
        for (guint i = 0; i < fresh->len; i++) {
                Server *sv = g_new0(Server, 1);

                sv->ns = *(const NameServer *) fresh->pdata[i];
                g_queue_init(&sv->waiters);
                g_ptr_array_add(s->servers, sv);
        }
        s->generation++;
        g_info("DNS stub: %u upstream nameserver(s)", s->servers->len);
        for (guint i = 0; i < waiting->len; i++)
                query_try(waiting->pdata[i]);
}

/* DNS= if set (@force: it was just set), else resolv.conf as it is now. */
static void refresh_servers(Stub *s, gboolean force) {
        if (s->configured->len > 0) {
                if (force)
                        set_servers(s, s->configured);
                return;
        }
        if (!file_stamp_update(&s->resolv_stamp, s->resolv_conf_path) && !force)
                return;

        g_autoptr(GError) error = NULL;
        g_autoptr(ResolvConf) rc = resolv_conf_load(s->resolv_conf_path, &error);
        if (!rc) {
                g_warning("DNS stub: %s", error->message);
                return;
        }
        set_servers(s, rc->servers);
}

static void set_mapped(Server *sv, const uint8_t *address) {
        memset(&sv->mapped, 0, sizeof(sv->mapped));
        if (sv->ns.family == AF_INET) {
                struct sockaddr_in *sin = (struct sockaddr_in *) &sv->mapped;

                sin->sin_family = AF_INET;
                sin->sin_port = htons(53);
                memcpy(&sin->sin_addr, address, 4);
                sv->mapped_len = sizeof(*sin);
        } else {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &sv->mapped;

                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(53);
                memcpy(&sin6->sin6_addr, address, 16);
                sin6->sin6_scope_id = (uint32_t) sv->ns.ifindex;
                sv->mapped_len = sizeof(*sin6);
        }
}

static void on_server_mapped(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        MapToken *t = user_data;
        Server *sv = t->server;

        g_free(t);
        if (!sv)
                return;
        sv->token = NULL;
        if (answer) {
                set_mapped(sv, (const uint8_t *) &answer->unicast);
                sv->expiry_usec = g_get_monotonic_time() +
                                  (gint64) MAX(answer->ttl_sec, MAP_TTL_MIN_SEC) * G_USEC_PER_SEC;
        } else {
                /* Fail open: the address itself, and soon again. */
                g_debug("DNS stub: nameserver not resolved with AARP: %s", error ? error->message : "?");
                set_mapped(sv, sv->ns.address);
                sv->expiry_usec = g_get_monotonic_time() + (gint64) MAP_ERROR_TTL_SEC * G_USEC_PER_SEC;
        }

        GQueue ready = sv->waiters;
        g_queue_init(&sv->waiters);
        while (!g_queue_is_empty(&ready)) {
                Query *q = g_queue_pop_head(&ready);

                q->waiting_on = NULL;
                query_try(q);
        }
}

/* TRUE if @sv's mapping is usable now; else it is started (@q waits). */
static gboolean server_ready(Stub *s, Server *sv, Query *q) {
        if (sv->expiry_usec > g_get_monotonic_time())
                return TRUE;
        if (sv->ns.family != AF_INET6) {
                set_mapped(sv, sv->ns.address);
                sv->expiry_usec = G_MAXINT64;
                return TRUE;
        }
        g_queue_push_tail(&sv->waiters, q);
        q->waiting_on = sv;
        if (!sv->token) {
                struct in6_addr a;

                sv->token = g_new0(MapToken, 1);
                sv->token->server = sv;
                memcpy(&a, sv->ns.address, 16);
                /* May answer at once: then @q is tried (and may be gone)
                 * before this returns. */
                /* The configured nameservers: the daemon's own lookups,
                 * bounded by the configuration, like upstream.c's. */
                resolver_resolve_address(s->resolver, sv->ns.ifindex, &a, 0, 0, on_server_mapped, sv->token);
        }
        return FALSE;
}

/* ---- queries ---- */

static void query_close_upstream(Query *q) {
        g_clear_handle_id(&q->watch, g_source_remove);
        g_clear_handle_id(&q->timer, g_source_remove);
        if (q->local_port)
                g_hash_table_remove(q->stub->own_ports, GUINT_TO_POINTER(q->local_port));
        q->local_port = 0;
        if (q->fd >= 0)
                close(q->fd);
        q->fd = -1;
        g_clear_pointer(&q->in, g_free);
        q->have = 0;
        q->out_off = 0;
}

static void query_free(Query *q) {
        Stub *s = q->stub;

        query_close_upstream(q);
        g_clear_handle_id(&q->deadline, g_source_remove);
        if (q->waiting_on)
                g_queue_remove(&q->waiting_on->waiters, q);
        if (q->map)
                stub_map_cancel(q->map);
        if (q->conn)
                q->conn->query = NULL;
        g_queue_unlink(&s->pending, &q->link);
        g_bytes_unref(q->key);
        g_free(q->packet);
        g_free(q);
}

/* Send @msg (a reply with any ID) to the client of @q, or of the given
 * UDP address / connection when @q is NULL. */
static void deliver(Stub *s, Conn *conn, const struct sockaddr_in *client, const StubQuestion *question,
                    const uint8_t *query_packet, uint8_t *msg, size_t len) {
        uint8_t small[STUB_HEADER_SIZE + 259];

        stub_put16(msg, question->id);
        if (conn) {
                conn_send(conn, msg, len);
                return;
        }
        if (len > question->udp_size) {
                /* RFC 1035 §4.2.1, RFC 6891 §7: what does not fit is
                 * replaced by TC, and the client asks again over TCP. */
                len = stub_packet_make_empty_reply(query_packet, question, msg[3] & 0xf, TRUE, small);
                msg = small;
                s->stats.truncated++;
        }
        if (sendto(s->udp_fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *) client, sizeof(*client)) < 0)
                g_debug("DNS stub: reply not sent: %s", g_strerror(errno));
}

static void query_deliver(Query *q, uint8_t *msg, size_t len) {
        /* The original query (with the client's ID) starts at +2. */
        deliver(q->stub, q->conn, &q->client, &q->q, q->packet + 2, msg, len);
        query_free(q);
}

static void query_fail(Query *q, int rcode) {
        uint8_t buf[STUB_HEADER_SIZE + 259];
        size_t len = stub_packet_make_empty_reply(q->packet + 2, &q->q, rcode, FALSE, buf);

        if (rcode == STUB_RCODE_SERVFAIL)
                q->stub->stats.servfail++;
        query_deliver(q, buf, len);
}

static void on_mapped(uint8_t *reply, size_t len, gpointer user_data) {
        Query *q = user_data;

        q->map = NULL;
        query_deliver(q, reply, len);
}

/* MapAnycastAnswers=yes. */
static void query_map_and_deliver(Query *q, const uint8_t *reply, size_t len) {
        stub_map_start(q->stub->resolver, q->stub->probe_budget, q->who, reply, len, on_mapped, q, &q->map);
}

static gboolean wants_mapping(const Stub *s, const StubQuestion *q, const uint8_t *reply) {
        return s->map_anycast && q->type == 28 && (reply[3] & 0xf) == STUB_RCODE_NOERROR;
}

static void query_next_server(Query *q) {
        query_close_upstream(q);
        q->server++;
        query_try(q);
}

static void query_handle_reply(Query *q, uint8_t *reply, size_t len) {
        Stub *s = q->stub;
        int rcode = reply[3] & 0xf;
        gboolean tc = (reply[2] & 0x02) != 0;
        uint32_t ttl;

        if ((rcode == STUB_RCODE_SERVFAIL || rcode == STUB_RCODE_REFUSED) && q->server + 1 < s->servers->len) {
                query_next_server(q);
                return;
        }
        if (!tc && (rcode == STUB_RCODE_NOERROR || rcode == STUB_RCODE_NXDOMAIN) &&
            stub_packet_min_ttl(reply, len, &ttl) && ttl != G_MAXUINT32)
                stub_cache_put(s->cache, q->key, reply, len, MIN(ttl, 86400u), g_get_monotonic_time());
        query_close_upstream(q);
        if (wants_mapping(s, &q->q, reply))
                query_map_and_deliver(q, reply, len);
        else
                query_deliver(q, reply, len);
}

static gboolean on_try_timeout(gpointer user_data) {
        Query *q = user_data;

        q->timer = 0;
        query_next_server(q);
        return G_SOURCE_REMOVE;
}

static gboolean on_deadline(gpointer user_data) {
        Query *q = user_data;

        q->deadline = 0;
        query_fail(q, STUB_RCODE_SERVFAIL);
        return G_SOURCE_REMOVE;
}

static gboolean on_udp_reply(int fd, GIOCondition cond, gpointer user_data) {
        Query *q = user_data;
        Stub *s = q->stub;

        for (int i = 0; i < 16; i++) {
                ssize_t n = recv(fd, s->buf, sizeof(s->buf), MSG_DONTWAIT);

                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return G_SOURCE_CONTINUE;
                if (n < 0) { /* ICMP unreachable (ECONNREFUSED): no server there */
                        q->watch = 0;
                        query_next_server(q);
                        return G_SOURCE_REMOVE;
                }
                if ((size_t) n < STUB_HEADER_SIZE || stub_get16(s->buf) != q->upstream_id ||
                    !stub_packet_reply_matches(s->buf, (size_t) n, &q->q))
                        continue; /* not ours: keep waiting */
                q->watch = 0;
                query_handle_reply(q, s->buf, (size_t) n);
                return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
}

static gboolean on_tcp_upstream(int fd, GIOCondition cond, gpointer user_data) {
        Query *q = user_data;
        ssize_t n;

        if (q->out_off < q->len + 2) {
                int err = 0;
                socklen_t elen = sizeof(err);

                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0)
                        goto next;
                n = send(fd, q->packet + q->out_off, q->len + 2 - q->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return G_SOURCE_CONTINUE;
                if (n <= 0)
                        goto next;
                q->out_off += (size_t) n;
                if (q->out_off == q->len + 2) {
                        q->watch = g_unix_fd_add(fd, G_IO_IN, on_tcp_upstream, q);
                        return G_SOURCE_REMOVE;
                }
                return G_SOURCE_CONTINUE;
        }

        if (!q->in)
                q->in = g_malloc(2 + STUB_MESSAGE_MAX);
        size_t want = q->have < 2 ? 2 : 2 + (size_t) stub_get16(q->in);
        n = recv(fd, q->in + q->have, want - q->have, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return G_SOURCE_CONTINUE;
        if (n <= 0)
                goto next;
        q->have += (size_t) n;
        if (q->have < 2 || q->have < 2 + (size_t) stub_get16(q->in))
                return G_SOURCE_CONTINUE;

        size_t len = stub_get16(q->in);
        if (len < STUB_HEADER_SIZE || stub_get16(q->in + 2) != q->upstream_id ||
            !stub_packet_reply_matches(q->in + 2, len, &q->q))
                goto next;
        q->watch = 0;
        /* The reply is copied out: closing the upstream frees q->in. */
        memcpy(q->stub->buf, q->in + 2, len);
        query_handle_reply(q, q->stub->buf, len);
        return G_SOURCE_REMOVE;

next:
        q->watch = 0;
        query_next_server(q);
        return G_SOURCE_REMOVE;
}

static gboolean is_loopback(const struct sockaddr_storage *ss) {
        if (ss->ss_family == AF_INET)
                return (ntohl(((const struct sockaddr_in *) ss)->sin_addr.s_addr) >> 24) == 127;
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *) ss)->sin6_addr);
}

/* Send to @sv over the client's transport; FALSE if that failed at once. */
static gboolean query_send(Query *q, Server *sv) {
        Stub *s = q->stub;
        gboolean tcp = q->conn != NULL;
        int fd = socket(sv->mapped.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return FALSE;
        q->fd = fd;
        if (connect(fd, (struct sockaddr *) &sv->mapped, sv->mapped_len) < 0 && errno != EINPROGRESS)
                return FALSE;
        if (is_loopback(&sv->mapped)) {
                struct sockaddr_storage local;
                socklen_t llen = sizeof(local);

                if (getsockname(fd, (struct sockaddr *) &local, &llen) == 0) {
                        q->local_port = ntohs(((struct sockaddr_in *) &local)->sin_port);
                        g_hash_table_add(s->own_ports, GUINT_TO_POINTER(q->local_port));
                }
        }
        if (tcp) {
                q->out_off = 0;
                q->watch = g_unix_fd_add(fd, G_IO_OUT, on_tcp_upstream, q);
        } else {
                if (send(fd, q->packet + 2, q->len, MSG_DONTWAIT) < 0)
                        return FALSE;
                q->watch = g_unix_fd_add(fd, G_IO_IN, on_udp_reply, q);
        }
        q->timer = g_timeout_add(STUB_TRY_MSEC, on_try_timeout, q);
        s->stats.forwarded++;
        return TRUE;
}

static void query_try(Query *q) {
        Stub *s = q->stub;

        if (q->generation != s->generation) {
                q->generation = s->generation;
                q->server = 0;
        }
        while (q->server < s->servers->len) {
                Server *sv = s->servers->pdata[q->server];

                if (!server_ready(s, sv, q))
                        return; /* tried again once mapped */
                if (query_send(q, sv))
                        return;
                query_close_upstream(q);
                q->server++;
        }
        query_fail(q, STUB_RCODE_SERVFAIL);
}

static guint pending_of(Stub *s, uint64_t who) {
        guint n = 0;

        for (GList *l = s->pending.head; l; l = l->next)
                n += ((Query *) l->data)->who == who;
        return n;
}

/* One query from a client (@conn for TCP, else @client over UDP). */
static void handle_query(Stub *s, uint64_t who, Conn *conn, const struct sockaddr_in *client,
                         const uint8_t *packet, size_t len) {
        StubQuestion question;
        uint8_t small[STUB_HEADER_SIZE + 259];
        int r = stub_packet_parse_query(packet, len, &question);

        if (r < 0) {
                g_debug("DNS stub: dropped a %zu-byte message that is no query", len);
                s->stats.malformed++;
                if (conn)
                        conn_free(conn);
                return;
        }
        if (conn)
                question.udp_size = STUB_MESSAGE_MAX;
        if (r > 0) {
                s->stats.malformed += r == STUB_RCODE_FORMERR;
                size_t n = stub_packet_make_empty_reply(packet, &question, r, FALSE, small);
                deliver(s, conn, client, &question, packet, small, n);
                return;
        }
        s->stats.queries++;

        g_autoptr(GBytes) key = stub_packet_cache_key(&question);
        size_t clen = 0;
        g_autofree uint8_t *cached = stub_cache_lookup(s->cache, key, g_get_monotonic_time(), &clen);
        /* A cached answer is stored as the upstream gave it: mapping
         * anycast addresses happens on every delivery, from the Resolver's
         * current answers. */
        gboolean map = cached && wants_mapping(s, &question, cached);
        if (cached && !map) {
                s->stats.cache_hits++;
                deliver(s, conn, client, &question, packet, cached, clen);
                return;
        }

        if (s->pending.length >= STUB_PENDING_MAX || pending_of(s, who) >= STUB_PENDING_PER_USER) {
                s->stats.over_pending++;
                note_limit(s, "pending query limit reached", who);
                if (conn) {
                        s->stats.servfail++;
                        size_t n = stub_packet_make_empty_reply(packet, &question, STUB_RCODE_SERVFAIL, FALSE, small);
                        deliver(s, conn, client, &question, packet, small, n);
                }
                return;
        }

        refresh_servers(s, FALSE);
        Query *q = g_new0(Query, 1);
        q->stub = s;
        q->who = who;
        q->conn = conn;
        if (conn)
                conn->query = q;
        else
                q->client = *client;
        q->q = question;
        q->key = g_steal_pointer(&key);
        q->fd = -1;
        q->len = len;
        q->packet = g_malloc(len + 2);
        stub_put16(q->packet, (uint16_t) len);
        memcpy(q->packet + 2, packet, len);
        q->upstream_id = (uint16_t) g_random_int_range(0, 0x10000);
        stub_put16(q->packet + 2, q->upstream_id);
        q->generation = s->generation;
        q->link.data = q;
        g_queue_push_tail_link(&s->pending, &q->link);
        q->deadline = g_timeout_add(STUB_QUERY_MSEC, on_deadline, q);
        if (map) {
                s->stats.cache_hits++;
                query_map_and_deliver(q, cached, clen);
                return;
        }
        query_try(q);
}

/* ---- UDP clients ---- */

static gboolean on_udp_query(int fd, GIOCondition cond, gpointer user_data) {
        Stub *s = user_data;
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(53), .sin_addr = s->address };

        /* A bounded batch per wakeup, so TCP clients and replies get their turn. */
        for (int i = 0; i < 256; i++) {
                struct sockaddr_in from;
                socklen_t flen = sizeof(from);
                ssize_t n = recvfrom(fd, s->buf, sizeof(s->buf), MSG_DONTWAIT, (struct sockaddr *) &from, &flen);

                if (n < 0)
                        break;
                if (flen != sizeof(from) || from.sin_family != AF_INET || from.sin_port == 0)
                        continue;
                if ((ntohl(from.sin_addr.s_addr) >> 24) == 127 &&
                    g_hash_table_contains(s->own_ports, GUINT_TO_POINTER(ntohs(from.sin_port)))) {
                        s->stats.loops_dropped++;
                        continue;
                }
                uint64_t who = stub_peers_udp_sender(s->peers, &from, &to);
                if (!stub_peers_charge(s->peers, who, g_get_monotonic_time())) {
                        s->stats.rate_limited++;
                        note_limit(s, "query rate limit reached", who);
                        continue;
                }
                handle_query(s, who, NULL, &from, s->buf, (size_t) n);
        }
        return G_SOURCE_CONTINUE;
}

/* ---- TCP clients (RFC 7766: two-byte length, then the message) ---- */

static gboolean on_conn_io(int fd, GIOCondition cond, gpointer user_data);

static void conn_watch(Conn *c, GIOCondition cond) {
        if (c->watch && c->watching == cond)
                return;
        g_clear_handle_id(&c->watch, g_source_remove);
        c->watching = cond;
        if (cond)
                c->watch = g_unix_fd_add(c->fd, cond, on_conn_io, c);
}

static void conn_free(Conn *c) {
        Stub *s = c->stub;

        if (c->query)
                query_free(c->query);
        g_clear_handle_id(&c->watch, g_source_remove);
        g_clear_handle_id(&c->idle, g_source_remove);
        close(c->fd);
        g_queue_unlink(&s->conns, &c->link);
        g_byte_array_unref(c->out);
        g_free(c->in);
        g_free(c);
}

static gboolean on_conn_idle(gpointer user_data) {
        Conn *c = user_data;

        c->idle = 0;
        conn_free(c);
        return G_SOURCE_REMOVE;
}

static void conn_touch(Conn *c) {
        g_clear_handle_id(&c->idle, g_source_remove);
        c->idle = g_timeout_add(STUB_TCP_IDLE_MSEC, on_conn_idle, c);
}

static void conn_send(Conn *c, const uint8_t *msg, size_t len) {
        uint8_t prefix[2];

        stub_put16(prefix, (uint16_t) len);
        g_byte_array_append(c->out, prefix, 2);
        g_byte_array_append(c->out, msg, (guint) len);
        conn_watch(c, G_IO_OUT);
}

static gboolean on_conn_io(int fd, GIOCondition cond, gpointer user_data) {
        Conn *c = user_data;
        ssize_t n;

        if (c->out->len > c->out_off) {
                n = send(fd, c->out->data + c->out_off, c->out->len - c->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return G_SOURCE_CONTINUE;
                if (n <= 0)
                        goto close;
                c->out_off += (size_t) n;
                if (c->out_off < c->out->len)
                        return G_SOURCE_CONTINUE;
                g_byte_array_set_size(c->out, 0);
                c->out_off = 0;
                conn_touch(c);
                c->watch = 0;
                c->watching = 0;
                conn_watch(c, G_IO_IN);
                return G_SOURCE_REMOVE;
        }
        if (c->query) { /* one query at a time: no reading meanwhile */
                c->watch = 0;
                c->watching = 0;
                return G_SOURCE_REMOVE;
        }

        size_t want = c->have < 2 ? 2 : 2 + (size_t) stub_get16(c->in);
        n = recv(fd, c->in + c->have, want - c->have, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return G_SOURCE_CONTINUE;
        if (n <= 0)
                goto close;
        c->have += (size_t) n;
        conn_touch(c);
        if (c->have < 2 || c->have < 2 + (size_t) stub_get16(c->in))
                return G_SOURCE_CONTINUE;

        size_t len = stub_get16(c->in);
        Stub *s = c->stub;
        c->have = 0;
        c->watch = 0;
        c->watching = 0;
        if (!stub_peers_charge(s->peers, c->who, g_get_monotonic_time())) {
                s->stats.rate_limited++;
                note_limit(s, "query rate limit reached", c->who);
                conn_free(c);
                return G_SOURCE_REMOVE;
        }
        /* May free c (malformed), answer at once (a watch for OUT) or
         * leave a query pending (then no watch until the answer). */
        memcpy(s->buf, c->in + 2, len);
        handle_query(s, c->who, c, NULL, s->buf, len);
        return G_SOURCE_REMOVE;

close:
        g_debug("DNS stub: TCP client of uid %u gone or failed (%s)", (unsigned) c->who,
                n < 0 ? g_strerror(errno) : "end of file");
        c->watch = 0;
        conn_free(c);
        return G_SOURCE_REMOVE;
}

static guint conns_of(Stub *s, uint64_t who) {
        guint n = 0;

        for (GList *l = s->conns.head; l; l = l->next)
                n += ((Conn *) l->data)->who == who;
        return n;
}

static gboolean on_tcp_accept(int fd, GIOCondition cond, gpointer user_data) {
        Stub *s = user_data;
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(53), .sin_addr = s->address };

        for (int i = 0; i < 16; i++) {
                struct sockaddr_in from;
                socklen_t flen = sizeof(from);
                int cfd = accept4(fd, (struct sockaddr *) &from, &flen, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (cfd < 0)
                        break;
                if (flen != sizeof(from) || from.sin_family != AF_INET) {
                        close(cfd);
                        continue;
                }
                uint64_t who = stub_peers_tcp_sender(s->peers, &from, &to);
                if (g_hash_table_contains(s->own_ports, GUINT_TO_POINTER(ntohs(from.sin_port)))) {
                        s->stats.loops_dropped++;
                        close(cfd);
                        continue;
                }
                if (s->conns.length >= STUB_TCP_MAX || (who != 0 && conns_of(s, who) >= STUB_TCP_PER_USER)) {
                        s->stats.over_pending++;
                        note_limit(s, "connection limit reached", who);
                        close(cfd);
                        continue;
                }
                Conn *c = g_new0(Conn, 1);
                c->stub = s;
                c->fd = cfd;
                c->who = who;
                c->in = g_malloc(2 + STUB_MESSAGE_MAX);
                c->out = g_byte_array_new();
                c->link.data = c;
                g_queue_push_tail_link(&s->conns, &c->link);
                conn_touch(c);
                conn_watch(c, G_IO_IN);
        }
        return G_SOURCE_CONTINUE;
}

/* ---- lifetime ---- */

static void apply_config(Stub *s, const Config *c) {
        stub_peers_free(s->probe_budget);
        s->probe_budget = stub_peers_new(c->probe_rate_limit, c->probe_rate_burst);
        g_array_set_size(s->configured, 0);
        g_array_append_vals(s->configured, c->dns_servers->data, c->dns_servers->len);
        s->map_anycast = c->map_anycast_answers;
        file_stamp_update(&s->resolv_stamp, s->resolv_conf_path);
        refresh_servers(s, TRUE);
}

Stub *stub_new(Resolver *resolver, const Config *config, const char *resolv_conf_path,
               const char *runtime_dir, GError **error) {
        g_autoptr(GError) local = NULL;
        Stub *s = g_new0(Stub, 1);
        char text[INET_ADDRSTRLEN];

        s->resolver = resolver;
        s->address = config->dns_stub_listener_address;
        s->udp_fd = s->tcp_fd = -1;
        s->resolv_conf_path = g_strdup(resolv_conf_path);
        s->configured = g_array_new(FALSE, FALSE, sizeof(NameServer));
        s->servers = g_ptr_array_new();
        g_queue_init(&s->pending);
        g_queue_init(&s->conns);
        s->own_ports = g_hash_table_new(g_direct_hash, g_direct_equal);
        s->cache = stub_cache_new(STUB_CACHE_ENTRIES, STUB_CACHE_BYTES);
        s->peers = stub_peers_new(STUB_RATE_PER_USER, STUB_RATE_BURST);
        if (!stub_sockets_open(s->address, &s->udp_fd, &s->tcp_fd, error)) {
                stub_free(s);
                return NULL;
        }
        s->udp_watch = g_unix_fd_add(s->udp_fd, G_IO_IN, on_udp_query, s);
        s->tcp_watch = g_unix_fd_add(s->tcp_fd, G_IO_IN, on_tcp_accept, s);
        apply_config(s, config);
        if (!stub_write_resolv_conf(runtime_dir, s->address, &local))
                g_warning("DNS stub: %s", local->message);
        inet_ntop(AF_INET, &s->address, text, sizeof(text));
        g_message("DNS stub listener on %s:53 (UDP and TCP)", text);
        return s;
}

void stub_set_config(Stub *s, const Config *config) {
        if (config->dns_stub_listener_address.s_addr != s->address.s_addr)
                g_warning("DNS stub: a new DNSStubListenerAddress= takes effect at restart");
        apply_config(s, config);
        stub_cache_flush(s->cache);
}

void stub_invalidate(Stub *s) {
        for (guint i = 0; i < s->servers->len; i++)
                ((Server *) s->servers->pdata[i])->expiry_usec = 0;
        stub_cache_flush(s->cache);
}

void stub_free(Stub *s) {
        if (!s)
                return;
        while (!g_queue_is_empty(&s->conns))
                conn_free(s->conns.head->data);
        while (!g_queue_is_empty(&s->pending))
                query_free(s->pending.head->data);
        for (guint i = 0; i < s->servers->len; i++)
                server_free(s->servers->pdata[i]);
        g_ptr_array_unref(s->servers);
        g_clear_handle_id(&s->udp_watch, g_source_remove);
        g_clear_handle_id(&s->tcp_watch, g_source_remove);
        if (s->udp_fd >= 0)
                close(s->udp_fd);
        if (s->tcp_fd >= 0)
                close(s->tcp_fd);
        g_hash_table_unref(s->own_ports);
        stub_cache_free(s->cache);
        stub_peers_free(s->peers);
        stub_peers_free(s->probe_budget);
        g_array_unref(s->configured);
        g_free(s->resolv_conf_path);
        g_free(s);
}

void stub_get_stats(const Stub *s, StubStats *ret) {
        *ret = s->stats;
        ret->pending = s->pending.length;
        ret->tcp_connections = s->conns.length;
        ret->cache_entries = stub_cache_size(s->cache);
}
