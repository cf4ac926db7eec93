/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-query.c: one client's question on its way upstream and back.  It
 * tries the upstreams in order, each for STUB_TRY_MSEC, over a socket of
 * its own (a fresh source port per query, and a random ID); a reply counts
 * only if it comes on that socket with that ID and the same question; a
 * truncated UDP answer is asked again over TCP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aarp-def.h"
#include "errors.h"
#include "resolvconf.h"
#include "stub-private.h"
#include "stub-sockets.h"

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

void stub_query_free(Query *q) {
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
                stub_conn_send(conn, msg, len);
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
        stub_query_free(q);
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
        stub_query_try(q);
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

void stub_query_try(Query *q) {
        Stub *s = q->stub;

        if (q->generation != s->generation) {
                q->generation = s->generation;
                q->server = 0;
        }
        while (q->server < s->servers->len) {
                Server *sv = s->servers->pdata[q->server];

                if (!stub_server_ready(s, sv, q))
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
void stub_handle_query(Stub *s, uint64_t who, Conn *conn, const struct sockaddr_in *client,
                         const uint8_t *packet, size_t len) {
        StubQuestion question;
        uint8_t small[STUB_HEADER_SIZE + 259];
        int r = stub_packet_parse_query(packet, len, &question);

        if (r < 0) {
                g_debug("DNS stub: dropped a %zu-byte message that is no query", len);
                s->stats.malformed++;
                if (conn)
                        stub_conn_free(conn);
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
                stub_note_limit(s, "pending query limit reached", who);
                if (conn) {
                        s->stats.servfail++;
                        size_t n = stub_packet_make_empty_reply(packet, &question, STUB_RCODE_SERVFAIL, FALSE, small);
                        deliver(s, conn, client, &question, packet, small, n);
                }
                return;
        }

        stub_refresh_servers(s, FALSE);
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
        stub_query_try(q);
}

