/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p2p.c: peer-to-peer D-Bus transport in the main loop (see p2p.h).
 *
 * Per connection: a non-blocking socket, an input buffer that holds at most
 * one message (or the SASL lines), an output buffer, and a deadline for
 * authentication.  Limits keep a hostile local client from holding memory or
 * descriptors: connections, message size, output backlog, time to
 * authenticate.
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
#include "p2p.h"

#define PEERS_MAX 4096u            /* all users; lowered to fit RLIMIT_NOFILE */
#define PEERS_PER_USER_MAX 128u    /* per non-root uid: one user cannot take the socket away */
#define ACCEPT_PAUSE_MSEC 100u     /* out of descriptors: stop accepting for a moment */
#define AUTH_LINE_MAX 1024u
#define AUTH_TIMEOUT_SEC 5u
#define MESSAGE_SIZE_MAX (64u * 1024u)      /* our calls are < 1 KiB */
#define OUTPUT_BACKLOG_MAX (4u * 1024u * 1024u)

typedef enum {
        PEER_AUTH_NUL, /* waiting for the credentials byte */
        PEER_AUTH,     /* SASL lines */
        PEER_RUNNING,  /* D-Bus messages */
        PEER_CLOSED,
} PeerState;

struct P2PPeer {
        int ref;
        P2PServer *server; /* NULL once closed */
        int fd;
        uid_t uid;
        PeerState state;
        gboolean authenticated;
        GSource *source;
        gpointer tag;
        guint auth_timeout;
        GByteArray *in, *out;
        guint32 serial;
};

struct P2PServer {
        int fd;
        guint accept_id, resume_id;
        guint peers_max;
        GHashTable *per_uid; /* GUINT_TO_POINTER(uid) -> count */
        uint64_t accept_failures;
        char *path;
        char guid[33];
        GHashTable *peers; /* P2PPeer* set, owns one reference each */
        P2PFastDispatch fast;
        P2PDispatch dispatch;
        gpointer user_data;
};

static void peer_close(P2PPeer *p) {
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
                guint n = GPOINTER_TO_UINT(g_hash_table_lookup(s->per_uid, GUINT_TO_POINTER(p->uid)));
                if (n <= 1)
                        g_hash_table_remove(s->per_uid, GUINT_TO_POINTER(p->uid));
                else
                        g_hash_table_insert(s->per_uid, GUINT_TO_POINTER(p->uid), GUINT_TO_POINTER(n - 1));
                g_hash_table_remove(s->peers, p); /* drops the server's reference */
        }
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

static void update_events(P2PPeer *p) {
        if (p->source)
                g_source_modify_unix_fd(p->source, p->tag, G_IO_IN | (p->out->len > 0 ? G_IO_OUT : 0));
}

static void flush_output(P2PPeer *p) {
        while (p->out->len > 0 && p->state != PEER_CLOSED) {
                ssize_t n = send(p->fd, p->out->data, p->out->len, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        peer_close(p);
                        return;
                }
                g_byte_array_remove_range(p->out, 0, (guint) n);
        }
        update_events(p);
}

static void send_raw(P2PPeer *p, const void *data, size_t len) {
        if (p->state == PEER_CLOSED)
                return;
        if (p->out->len + len > OUTPUT_BACKLOG_MAX) {
                g_message("p2p: peer uid %u does not read its replies; disconnecting", (unsigned) p->uid);
                peer_close(p);
                return;
        }
        g_byte_array_append(p->out, data, (guint) len);
        flush_output(p);
}

void p2p_peer_send(P2PPeer *p, GDBusMessage *message) {
        g_autoptr(GError) error = NULL;
        g_autofree guchar *blob = NULL;
        gsize size = 0;

        if (p->state != PEER_RUNNING)
                return;
        g_dbus_message_set_serial(message, ++p->serial ? p->serial : ++p->serial);
        blob = g_dbus_message_to_blob(message, &size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
        if (!blob) {
                g_warning("p2p: cannot serialize a reply: %s", error->message);
                return;
        }
        send_raw(p, blob, size);
}

void p2p_peer_send_blob(P2PPeer *p, guint8 *blob, gsize len) {
        guint32 serial;

        if (p->state != PEER_RUNNING)
                return;
        serial = GUINT32_TO_LE(++p->serial ? p->serial : ++p->serial);
        memcpy(blob + 8, &serial, 4); /* after endianness, type, flags, version, body length */
        send_raw(p, blob, len);
}

static void reply_line(P2PPeer *p, const char *line) {
        send_raw(p, line, strlen(line));
}

/* One SASL command line (without CRLF).  We offer EXTERNAL only: the kernel
 * tells us the peer's uid, and the claimed identity must match it. */
static void handle_auth_line(P2PPeer *p, char *line) {
        if (g_str_has_prefix(line, "AUTH EXTERNAL")) {
                const char *hex = line + strlen("AUTH EXTERNAL");
                g_autofree char *claimed = NULL;
                g_autofree char *expected = g_strdup_printf("%u", (unsigned) p->uid);
                size_t n;

                while (*hex == ' ')
                        hex++;
                n = strlen(hex);
                if (n == 0) {
                        reply_line(p, "DATA\r\n");
                        return;
                }
                if (n % 2 != 0 || n > 64) {
                        reply_line(p, "REJECTED EXTERNAL\r\n");
                        return;
                }
                claimed = g_malloc0(n / 2 + 1);
                for (size_t i = 0; i < n / 2; i++) {
                        int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);
                        if (hi < 0 || lo < 0) {
                                reply_line(p, "REJECTED EXTERNAL\r\n");
                                return;
                        }
                        claimed[i] = (char) (hi << 4 | lo);
                }
                if (strcmp(claimed, expected) != 0) {
                        reply_line(p, "REJECTED EXTERNAL\r\n");
                        return;
                }
                p->authenticated = TRUE;
                g_autofree char *ok = g_strdup_printf("OK %s\r\n", p->server->guid);
                reply_line(p, ok);
        } else if (strcmp(line, "DATA") == 0 || g_str_has_prefix(line, "DATA ")) {
                /* EXTERNAL without an initial response: empty DATA means
                 * "whoever the kernel says I am". */
                const char *hex = line + 4;
                while (*hex == ' ')
                        hex++;
                if (*hex == '\0') {
                        p->authenticated = TRUE;
                        g_autofree char *ok = g_strdup_printf("OK %s\r\n", p->server->guid);
                        reply_line(p, ok);
                } else {
                        g_autofree char *again = g_strdup_printf("AUTH EXTERNAL %s", hex);
                        handle_auth_line(p, again);
                }
        } else if (strcmp(line, "NEGOTIATE_UNIX_FD") == 0) {
                reply_line(p, "ERROR no file descriptors here\r\n"); /* we pass none */
        } else if (strcmp(line, "BEGIN") == 0 && p->authenticated) {
                p->state = PEER_RUNNING;
                if (p->auth_timeout)
                        g_source_remove(p->auth_timeout);
                p->auth_timeout = 0;
        } else if (g_str_has_prefix(line, "AUTH") || strcmp(line, "CANCEL") == 0 ||
                   g_str_has_prefix(line, "ERROR")) {
                p->authenticated = FALSE;
                reply_line(p, "REJECTED EXTERNAL\r\n");
        } else
                reply_line(p, "ERROR unknown command\r\n");
}

static void handle_input(P2PPeer *p) {
        for (;;) {
                if (p->state == PEER_AUTH_NUL) {
                        if (p->in->len < 1)
                                return;
                        if (p->in->data[0] != 0) {
                                peer_close(p);
                                return;
                        }
                        g_byte_array_remove_range(p->in, 0, 1);
                        p->state = PEER_AUTH;
                } else if (p->state == PEER_AUTH) {
                        guint8 *nl = memchr(p->in->data, '\n', p->in->len);

                        if (!nl) {
                                if (p->in->len > AUTH_LINE_MAX)
                                        peer_close(p);
                                return;
                        }
                        guint len = (guint) (nl - p->in->data) + 1;
                        g_autofree char *line = g_strndup((const char *) p->in->data, len);
                        g_byte_array_remove_range(p->in, 0, len);
                        g_strchomp(line);
                        handle_auth_line(p, line);
                } else if (p->state == PEER_RUNNING) {
                        g_autoptr(GError) error = NULL;
                        gssize needed;

                        if (p->in->len < 16)
                                return;
                        needed = g_dbus_message_bytes_needed(p->in->data, 16, &error);
                        if (needed < 16 || (gsize) needed > MESSAGE_SIZE_MAX) {
                                peer_close(p);
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
                                peer_close(p);
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
                                peer_close(p); /* not D-Bus: nothing sane to answer */
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

static gboolean on_peer_io(int fd, GIOCondition cond, P2PPeer *p) {

        p2p_peer_ref(p);
        if (cond & G_IO_OUT)
                flush_output(p);
        if (p->state != PEER_CLOSED && (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
                /* Read what is there, bounded per iteration for fairness. */
                for (unsigned i = 0; i < 16 && p->state != PEER_CLOSED; i++) {
                        guint8 buf[4096];
                        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

                        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                                peer_close(p);
                                break;
                        }
                        if (n < 0)
                                break;
                        g_byte_array_append(p->in, buf, (guint) n);
                        handle_input(p);
                        if (p->state != PEER_CLOSED && p->in->len > MESSAGE_SIZE_MAX + AUTH_LINE_MAX) {
                                peer_close(p);
                                break;
                        }
                        if ((size_t) n < sizeof(buf))
                                break;
                }
        }
        p2p_peer_unref(p);
        return G_SOURCE_CONTINUE;
}

typedef struct {
        GSource source;
        P2PPeer *peer;
} PeerSource;

static gboolean peer_source_dispatch(GSource *source, GSourceFunc cb, gpointer user_data) {
        P2PPeer *p = ((PeerSource *) source)->peer;

        return on_peer_io(p->fd, g_source_query_unix_fd(source, p->tag), p);
}

static GSourceFuncs peer_source_funcs = {
        .dispatch = peer_source_dispatch,
};

static gboolean on_auth_timeout(gpointer user_data) {
        P2PPeer *p = user_data;

        p->auth_timeout = 0;
        peer_close(p);
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
                guint n_user;
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
                /* Over a limit the client is refused at once and falls back
                 * to the system bus: slower, never stuck. */
                n_user = GPOINTER_TO_UINT(g_hash_table_lookup(s->per_uid, GUINT_TO_POINTER(cred.uid)));
                if (g_hash_table_size(s->peers) >= s->peers_max ||
                    (cred.uid != 0 && n_user >= PEERS_PER_USER_MAX)) {
                        close(cfd);
                        continue;
                }
                g_hash_table_insert(s->per_uid, GUINT_TO_POINTER(cred.uid), GUINT_TO_POINTER(n_user + 1));
                p = g_new0(P2PPeer, 1);
                p->ref = 1; /* the server's */
                p->server = s;
                p->fd = cfd;
                p->uid = cred.uid;
                p->in = g_byte_array_new();
                p->out = g_byte_array_new();
                p->source = g_source_new(&peer_source_funcs, sizeof(PeerSource));
                ((PeerSource *) p->source)->peer = p;
                p->tag = g_source_add_unix_fd(p->source, cfd, G_IO_IN);
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
        s->per_uid = g_hash_table_new(g_direct_hash, g_direct_equal);
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
        /* peer_close() removes from the table: collect first. */
        g_autoptr(GPtrArray) peers = g_ptr_array_new();
        g_hash_table_iter_init(&it, s->peers);
        while (g_hash_table_iter_next(&it, &key, NULL))
                g_ptr_array_add(peers, key);
        for (guint i = 0; i < peers->len; i++)
                peer_close(peers->pdata[i]);
        g_hash_table_destroy(s->peers);
        g_hash_table_destroy(s->per_uid);
        g_free(s->path);
        g_free(s);
}
