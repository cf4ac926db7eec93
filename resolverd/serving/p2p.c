/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p2p.c: peer-to-peer D-Bus transport in the main loop (see p2p.h); the
 * parts are listed in p2p-private.h.
 *
 * Per connection: a non-blocking socket, an input buffer that holds at most
 * one message (or the SASL lines), an output buffer, and a deadline for
 * authentication.  Limits keep a hostile local client from holding memory or
 * descriptors: connections, message size, output backlog, time to
 * authenticate.
 *
 * Back-pressure: a connection whose unread replies pass a small bound is
 * not read (nor its buffered calls parsed) until they drain, so a client
 * that pipelines calls and never reads the answers stops itself instead of
 * growing the daemon.  The same holds once a user's connections together,
 * or everyone's, hold too much output; a connection with nothing queued may
 * always make one call, so clients that read their answers keep being
 * served.  Output that does not drain for STALL_TIMEOUT_SEC, and
 * connections that do nothing for IDLE_TIMEOUT_SEC, are closed.
 */
#include <errno.h>
#include <stdint.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "message-check.h"
#include "p2p-private.h"

void p2p_peer_close(P2PPeer *p) {
        P2PServer *s = p->server;

        if (p->state == PEER_CLOSED)
                return;
        p->state = PEER_CLOSED;
        if (p->auth_timeout)
                g_source_remove(p->auth_timeout);
        p->auth_timeout = 0;
        if (p->source) {
                g_source_destroy(p->source);
                g_source_unref(p->source);
                p->source = NULL;
        }
        close(p->fd);
        p->fd = -1;
        p->server = NULL;
        if (s) {
                UidUse *use = p->use;

                use->queued -= p->out->len;
                if (p->uid != 0)
                        s->queued -= p->out->len;
                p->use = NULL;
                if (--use->peers == 0)
                        g_hash_table_remove(s->per_uid, GUINT_TO_POINTER(p->uid));
        }
        /* Nothing will be sent or parsed any more. */
        g_byte_array_set_size(p->out, 0);
        g_byte_array_set_size(p->in, 0);
        if (s)
                g_hash_table_remove(s->peers, p); /* drops the server's reference: @p may be gone */
}

P2PPeer *p2p_peer_ref(P2PPeer *p) {
        p->ref++;
        return p;
}

void p2p_peer_unref(P2PPeer *p) {
        if (!p || --p->ref > 0)
                return;
        g_byte_array_unref(p->in);
        g_byte_array_unref(p->out);
        g_free(p);
}

uid_t p2p_peer_uid(const P2PPeer *p) {
        return p->uid;
}

gint64 p2p_peer_now(const P2PPeer *p) {
        /* The main loop's time of this iteration: no clock read per call. */
        return p->source ? g_source_get_time(p->source) : g_get_monotonic_time();
}

/* Whether the peer's input may be read and parsed now (see the top of the
 * file).  With nothing queued it always may: one call at a time stays
 * within the bounds plus one answer per connection. */
static gboolean peer_may_read(const P2PPeer *p) {
        const P2PServer *s = p->server;

        if (p->state == PEER_CLOSED)
                return FALSE;
        if (p->out->len == 0)
                return TRUE;
        if (p->out->len >= PEER_OUTPUT_PAUSE)
                return FALSE;
        return p->uid == 0 || (p->use->queued < UID_OUTPUT_PAUSE && s->queued < TOTAL_OUTPUT_PAUSE);
}

void p2p_update_events(P2PPeer *p) {
        GIOCondition events;

        if (!p->source)
                return;
        events = (peer_may_read(p) ? G_IO_IN : 0) | (p->out->len > 0 ? G_IO_OUT : 0);
        if (events != p->events) {
                p->events = events;
                g_source_modify_unix_fd(p->source, p->tag, events);
        }
}

/* A buffer that held a burst is given back once empty. */

static gboolean peer_has_call(const P2PPeer *p) {
        gssize needed;

        if (p->state != PEER_RUNNING || p->in->len < 16)
                return FALSE;
        needed = g_dbus_message_bytes_needed(p->in->data, 16, NULL);
        return needed < 16 || (gsize) needed <= p->in->len;
}

static void handle_input(P2PPeer *p) {
        for (;;) {
                if (!peer_may_read(p))
                        return; /* the rest waits until the output drains */
                if (peer_has_call(p)) {
                        if (p->turns == 0)
                                return; /* next iteration */
                        p->turns--;
                }
                if (p->state == PEER_AUTH_NUL) {
                        if (p->in->len < 1)
                                return;
                        if (p->in->data[0] != 0) {
                                p2p_peer_close(p);
                                return;
                        }
                        g_byte_array_remove_range(p->in, 0, 1);
                        p->state = PEER_AUTH;
                } else if (p->state == PEER_AUTH) {
                        guint8 *nl = memchr(p->in->data, '\n', p->in->len);

                        if (!nl) {
                                if (p->in->len > AUTH_LINE_MAX)
                                        p2p_peer_close(p);
                                return;
                        }
                        guint len = (guint) (nl - p->in->data) + 1;
                        g_autofree char *line = g_strndup((const char *) p->in->data, len);
                        g_byte_array_remove_range(p->in, 0, len);
                        g_strchomp(line);
                        p2p_handle_auth_line(p, line);
                } else if (p->state == PEER_RUNNING) {
                        g_autoptr(GError) error = NULL;
                        gssize needed;

                        if (p->in->len < 16)
                                return;
                        needed = g_dbus_message_bytes_needed(p->in->data, 16, &error);
                        if (needed < 16 || (gsize) needed > P2P_MESSAGE_SIZE_MAX) {
                                g_debug("p2p: uid %u sent %s; disconnecting", (unsigned) p->uid,
                                        needed < 16 ? "no D-Bus message header" : "a message over 64 KiB");
                                p2p_peer_close(p);
                                return;
                        }
                        if (p->in->len < (guint) needed)
                                return;
                        /* Nothing reads a message before it is proven valid:
                         * no bus daemon checked it for us. */
                        const char *why;
                        if (!message_check(p->in->data, (gsize) needed, NULL, &why)) {
                                g_debug("p2p: uid %u sent an invalid message (%s); disconnecting", (unsigned) p->uid,
                                        why);
                                p2p_peer_close(p);
                                return;
                        }
                        if (p->server->fast) {
                                P2PServer *s = p->server;
                                gboolean handled, closed;

                                p2p_peer_ref(p);
                                handled = s->fast(p, p->in->data, (gsize) needed, s->user_data);
                                closed = p->state == PEER_CLOSED;
                                p2p_peer_unref(p);
                                if (closed)
                                        return;
                                if (handled) {
                                        g_byte_array_remove_range(p->in, 0, (guint) needed);
                                        continue;
                                }
                        }
                        g_autoptr(GDBusMessage) m = g_dbus_message_new_from_blob(
                                p->in->data, (gsize) needed, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
                        g_byte_array_remove_range(p->in, 0, (guint) needed);
                        if (!m) {
                                p2p_peer_close(p); /* not D-Bus: nothing sane to answer */
                                return;
                        }
                        if (g_dbus_message_get_message_type(m) == G_DBUS_MESSAGE_TYPE_METHOD_CALL) {
                                P2PServer *s = p->server;
                                p2p_peer_ref(p);
                                s->dispatch(p, m, s->user_data);
                                gboolean closed = p->state == PEER_CLOSED;
                                p2p_peer_unref(p);
                                if (closed)
                                        return;
                        }
                } else
                        return;
        }
}

static void on_peer_io(int fd, GIOCondition cond, P2PPeer *p) {
        if (cond & G_IO_OUT)
                p2p_flush_output(p);
        /* Calls read before a pause wait in the buffer: no new input may
         * come to announce them. */
        if (p->in->len > 0 && peer_may_read(p))
                handle_input(p);
        if (p->state != PEER_CLOSED && (cond & (G_IO_HUP | G_IO_ERR)) && !peer_may_read(p)) {
                /* Gone while paused: nobody will read the backlog. */
                p2p_peer_close(p);
                return;
        }
        if (p->state != PEER_CLOSED && (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
                /* Read what is there, bounded per iteration for fairness,
                 * until the output asks for a pause. */
                for (unsigned i = 0; i < 16 && p->turns > 0 && peer_may_read(p); i++) {
                        guint8 buf[4096];
                        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

                        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                                p2p_peer_close(p);
                                break;
                        }
                        if (n < 0)
                                break;
                        p->active_usec = p2p_peer_now(p);
                        g_byte_array_append(p->in, buf, (guint) n);
                        p->in_peak = MAX(p->in_peak, p->in->len);
                        handle_input(p);
                        if (p->state != PEER_CLOSED && p->in->len > P2P_MESSAGE_SIZE_MAX + AUTH_LINE_MAX) {
                                p2p_peer_close(p);
                                break;
                        }
                        if ((size_t) n < sizeof(buf))
                                break;
                }
        }
        if (p->state != PEER_CLOSED) {
                gboolean bulk = p->bulk;

                if (p->out->len > 0 || (p->turns == 0 && peer_has_call(p)))
                        bulk = TRUE;
                else if (p->in->len == 0)
                        bulk = FALSE;
                if (bulk != p->bulk) {
                        p->bulk = bulk;
                        g_source_set_priority(p->source, bulk ? PRIORITY_BULK : G_PRIORITY_DEFAULT);
                }
                p2p_trim_buffer(&p->in, &p->in_peak);
                p2p_update_events(p);
                /* Out of turns with a call left: the socket may have
                 * nothing more to announce it, so come back next iteration. */
                if (p->turns == 0 && peer_has_call(p) && peer_may_read(p))
                        g_source_set_ready_time(p->source, 0);
        }
}

/* The source's ready time is the next deadline; activity only moves the
 * timestamps it is checked against, so the hot path sets no timer. */
static void check_timeouts(P2PPeer *p, gboolean answering) {
        gint64 now = g_source_get_time(p->source), due;

        if (p->out->len > 0) {
                due = p->out_since_usec + STALL_TIMEOUT_SEC * G_USEC_PER_SEC;
                if (now >= due) {
                        g_message("p2p: peer uid %u has not read its replies for %u s; disconnecting",
                                  (unsigned) p->uid, STALL_TIMEOUT_SEC);
                        p2p_peer_close(p);
                        return;
                }
        } else {
                due = p->active_usec + IDLE_TIMEOUT_SEC * G_USEC_PER_SEC;
                if (now >= due && !answering) {
                        g_debug("p2p: closing the idle connection of uid %u", (unsigned) p->uid);
                        p2p_peer_close(p);
                        return;
                }
                if (now >= due)
                        due = now + IDLE_TIMEOUT_SEC * G_USEC_PER_SEC;
        }
        g_source_set_ready_time(p->source, due);
}

typedef struct {
        GSource source;
        P2PPeer *peer;
} PeerSource;

static gboolean peer_source_dispatch(GSource *source, GSourceFunc cb, gpointer user_data) {
        P2PPeer *p = ((PeerSource *) source)->peer;
        gint64 ready = g_source_get_ready_time(source);
        /* Handlers hold a reference while a call is being answered. */
        gboolean answering = p->ref > 1;

        p2p_peer_ref(p);
        p->turns = p->bulk ? TURNS_PER_ITERATION_BULK : TURNS_PER_ITERATION;
        if (ready >= 0 && g_source_get_time(source) >= ready)
                check_timeouts(p, answering);
        if (p->state != PEER_CLOSED)
                on_peer_io(p->fd, g_source_query_unix_fd(source, p->tag), p);
        p2p_peer_unref(p);
        return G_SOURCE_CONTINUE;
}

static GSourceFuncs peer_source_funcs = {
        .dispatch = peer_source_dispatch,
};

static gboolean on_auth_timeout(gpointer user_data) {
        P2PPeer *p = user_data;

        p->auth_timeout = 0;
        p2p_peer_close(p);
        return G_SOURCE_REMOVE;
}

static gboolean on_accept(int fd, GIOCondition cond, gpointer user_data);

static gboolean on_resume_accept(gpointer user_data) {
        P2PServer *s = user_data;

        s->resume_id = 0;
        s->accept_id = g_unix_fd_add(s->fd, G_IO_IN, on_accept, s);
        return G_SOURCE_REMOVE;
}

static gboolean on_accept(int fd, GIOCondition cond, gpointer user_data) {
        P2PServer *s = user_data;

        for (unsigned i = 0; i < 64; i++) {
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                struct ucred cred;
                socklen_t len = sizeof(cred);
                UidUse *use;
                P2PPeer *p;

                if (cfd < 0) {
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                                /* The connection stays queued, so the socket
                                 * stays readable: polling it now would spin.
                                 * Pause, and say so now and then. */
                                if (s->accept_failures++ % 1000 == 0)
                                        g_warning("p2p: accept: %s (%" G_GUINT64_FORMAT " times); pausing",
                                                  g_strerror(errno), s->accept_failures);
                                s->accept_id = 0;
                                s->resume_id = g_timeout_add(ACCEPT_PAUSE_MSEC, on_resume_accept, s);
                                return G_SOURCE_REMOVE;
                        }
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                g_warning("p2p: accept: %s", g_strerror(errno));
                        break;
                }
                if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
                        close(cfd);
                        continue;
                }
                (void) setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &(int) { PEER_SNDBUF }, sizeof(int));
                /* Over a limit the client is refused at once and falls back
                 * to the system bus: slower, never stuck. */
                use = g_hash_table_lookup(s->per_uid, GUINT_TO_POINTER(cred.uid));
                if (g_hash_table_size(s->peers) >= s->peers_max ||
                    (cred.uid != 0 && use && use->peers >= PEERS_PER_USER_MAX)) {
                        close(cfd);
                        continue;
                }
                if (!use) {
                        use = g_new0(UidUse, 1);
                        g_hash_table_insert(s->per_uid, GUINT_TO_POINTER(cred.uid), use);
                }
                use->peers++;
                p = g_new0(P2PPeer, 1);
                p->ref = 1; /* the server's */
                p->server = s;
                p->fd = cfd;
                p->uid = cred.uid;
                p->use = use;
                p->in = g_byte_array_new();
                p->out = g_byte_array_new();
                p->source = g_source_new(&peer_source_funcs, sizeof(PeerSource));
                ((PeerSource *) p->source)->peer = p;
                /* GLib blocks a source that may not recurse for the time
                 * of its dispatch by taking its descriptor out of the poll
                 * set and putting it back, and each of the two wakes the
                 * loop through its eventfd: three system calls per call
                 * answered, more than the call's own.  Nothing here runs a
                 * nested main loop, so the dispatch never recurses. */
                g_source_set_can_recurse(p->source, TRUE);
                p->events = G_IO_IN;
                p->tag = g_source_add_unix_fd(p->source, cfd, p->events);
                p->active_usec = g_get_monotonic_time();
                g_source_set_ready_time(p->source, p->active_usec + IDLE_TIMEOUT_SEC * G_USEC_PER_SEC);
                g_source_attach(p->source, NULL);
                p->auth_timeout = g_timeout_add_seconds(AUTH_TIMEOUT_SEC, on_auth_timeout, p);
                g_hash_table_add(s->peers, p);
        }
        return G_SOURCE_CONTINUE;
}

P2PServer *p2p_server_new(const char *path, P2PFastDispatch fast, P2PDispatch dispatch, gpointer user_data,
                          GError **error) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        g_autofree char *guid = g_dbus_generate_guid();
        P2PServer *s;
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "socket path too long: %s", path);
                return NULL;
        }
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socket: %s", g_strerror(errno));
                return NULL;
        }
        (void) unlink(path); /* stale from a previous run */
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            /* Anyone may resolve, as on the bus; root-only methods check
             * the peer's credentials. */
            chmod(path, 0666) < 0 || listen(fd, SOMAXCONN) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot listen on %s: %s", path,
                            g_strerror(errno));
                close(fd);
                return NULL;
        }
        s = g_new0(P2PServer, 1);
        s->fd = fd;
        s->path = g_strdup(path);
        g_strlcpy(s->guid, guid, sizeof(s->guid));
        s->peers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) p2p_peer_unref);
        s->per_uid = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        /* Leave descriptors for everything else the daemon opens. */
        struct rlimit rl;
        s->peers_max = PEERS_MAX;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
                s->peers_max = (guint) MIN((rlim_t) PEERS_MAX, rl.rlim_cur > 128 ? rl.rlim_cur - 128 : 1);
        s->fast = fast;
        s->dispatch = dispatch;
        s->user_data = user_data;
        s->accept_id = g_unix_fd_add(fd, G_IO_IN, on_accept, s);
        return s;
}

void p2p_server_free(P2PServer *s) {
        GHashTableIter it;
        gpointer key;

        if (!s)
                return;
        if (s->accept_id)
                g_source_remove(s->accept_id);
        if (s->resume_id)
                g_source_remove(s->resume_id);
        close(s->fd);
        (void) unlink(s->path);
        /* p2p_peer_close() removes from the table: collect first. */
        g_autoptr(GPtrArray) peers = g_ptr_array_new();
        g_hash_table_iter_init(&it, s->peers);
        while (g_hash_table_iter_next(&it, &key, NULL))
                g_ptr_array_add(peers, key);
        for (guint i = 0; i < peers->len; i++)
                p2p_peer_close(peers->pdata[i]);
        g_hash_table_destroy(s->peers);
        g_hash_table_destroy(s->per_uid);
        g_free(s->path);
        g_free(s);
}

