/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-clients.c: the stub's client side: queries over UDP, and TCP
 * connections (RFC 7766 framing, idle timeout, per-sender limits).
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

/* ---- UDP clients ---- */

gboolean stub_on_udp_query(int fd, GIOCondition cond, gpointer user_data) {
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
                        stub_note_limit(s, "query rate limit reached", who);
                        continue;
                }
                stub_handle_query(s, who, NULL, &from, s->buf, (size_t) n);
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

void stub_conn_free(Conn *c) {
        Stub *s = c->stub;

        if (c->query)
                stub_query_free(c->query);
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
        stub_conn_free(c);
        return G_SOURCE_REMOVE;
}

static void conn_touch(Conn *c) {
        g_clear_handle_id(&c->idle, g_source_remove);
        c->idle = g_timeout_add(STUB_TCP_IDLE_MSEC, on_conn_idle, c);
}

void stub_conn_send(Conn *c, const uint8_t *msg, size_t len) {
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
                stub_note_limit(s, "query rate limit reached", c->who);
                stub_conn_free(c);
                return G_SOURCE_REMOVE;
        }
        /* May free c (malformed), answer at once (a watch for OUT) or
         * leave a query pending (then no watch until the answer). */
        memcpy(s->buf, c->in + 2, len);
        stub_handle_query(s, c->who, c, NULL, s->buf, len);
        return G_SOURCE_REMOVE;

close:
        g_debug("DNS stub: TCP client of uid %u gone or failed (%s)", (unsigned) c->who,
                n < 0 ? g_strerror(errno) : "end of file");
        c->watch = 0;
        stub_conn_free(c);
        return G_SOURCE_REMOVE;
}

static guint conns_of(Stub *s, uint64_t who) {
        guint n = 0;

        for (GList *l = s->conns.head; l; l = l->next)
                n += ((Conn *) l->data)->who == who;
        return n;
}

gboolean stub_on_tcp_accept(int fd, GIOCondition cond, gpointer user_data) {
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
                        stub_note_limit(s, "connection limit reached", who);
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

