/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nscd.c: INVALIDATE "hosts" on nscd's socket, or the trigger file for the
 * root helper (see nscd.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "nscd.h"

/* glibc nscd/nscd-client.h: the protocol version and request type. */
#define NSCD_VERSION 2
#define NSCD_INVALIDATE 10
#define NSCD_REPLY_TIMEOUT_MSEC 1000u
/* A burst of changes (a route flap) must not make the helper run for
 * each: systemd stops a path unit triggered too often. */
#define NSCD_TRIGGER_MIN_MSEC 100u

struct NscdFlush {
        char *socket_path;
        char *trigger_path;
        gboolean as_root;
        int fd;             /* request in flight, -1: none */
        guint watch_id;     /* its answer */
        guint timeout_id;   /* its bound; or the trigger's spacing */
        gboolean pending;   /* another request after this one */
        gboolean refused_logged;
        guint64 done;
        gint64 last_trigger_usec;
};

static void request_end(NscdFlush *f) {
        if (f->watch_id)
                g_source_remove(f->watch_id);
        if (f->timeout_id)
                g_source_remove(f->timeout_id);
        f->watch_id = f->timeout_id = 0;
        if (f->fd >= 0)
                close(f->fd);
        f->fd = -1;
}

static void send_request(NscdFlush *f);

static void request_done(NscdFlush *f) {
        request_end(f);
        if (f->pending) {
                f->pending = FALSE;
                send_request(f);
        }
}

static gboolean on_answer(int fd, GIOCondition cond, gpointer user_data) {
        NscdFlush *f = user_data;
        int32_t status = -1;
        ssize_t n = recv(fd, &status, sizeof(status), MSG_DONTWAIT);

        (void) cond;
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return G_SOURCE_CONTINUE;
        f->watch_id = 0;
        if (n == (ssize_t) sizeof(status) && status == 0) {
                f->done++;
                g_debug("nscd: hosts cache invalidated");
        } else if (n == (ssize_t) sizeof(status) && status == EPERM) {
                if (!f->refused_logged)
                        g_message("nscd refused to invalidate its hosts cache (only root may); "
                                  "its copies of dropped answers last until their TTL");
                f->refused_logged = TRUE;
        } else
                g_debug("nscd: no answer to INVALIDATE hosts (%s)", n < 0 ? g_strerror(errno) : "short read");
        request_done(f);
        return G_SOURCE_REMOVE;
}

static gboolean on_timeout(gpointer user_data) {
        NscdFlush *f = user_data;

        f->timeout_id = 0;
        g_debug("nscd: INVALIDATE hosts not answered within %u ms", NSCD_REPLY_TIMEOUT_MSEC);
        request_done(f);
        return G_SOURCE_REMOVE;
}

static void send_as_root(NscdFlush *f) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        /* request_header (three int32 in host order), then the key with
         * its NUL: 18 bytes, no padding. */
        const int32_t header[3] = { NSCD_VERSION, NSCD_INVALIDATE, (int32_t) sizeof("hosts") };
        uint8_t req[sizeof(header) + sizeof("hosts")];
        int fd;

        memcpy(req, header, sizeof(header));
        memcpy(req + sizeof(header), "hosts", sizeof("hosts"));

        if (strlen(f->socket_path) >= sizeof(sa.sun_path))
                return;
        strcpy(sa.sun_path, f->socket_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        /* Non-blocking: a hung nscd with a full backlog answers EAGAIN. */
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                if (errno != ENOENT && errno != ECONNREFUSED)
                        g_debug("nscd: %s: %s", f->socket_path, g_strerror(errno));
                close(fd);
                return;
        }
        /* 18 bytes into an empty socket buffer: all or nothing. */
        if (send(fd, req, sizeof(req), MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t) sizeof(req)) {
                g_debug("nscd: cannot send INVALIDATE hosts: %s", g_strerror(errno));
                close(fd);
                return;
        }
        f->fd = fd;
        f->watch_id = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_answer, f);
        f->timeout_id = g_timeout_add(NSCD_REPLY_TIMEOUT_MSEC, on_timeout, f);
}

static gboolean on_trigger_spacing(gpointer user_data) {
        NscdFlush *f = user_data;

        f->timeout_id = 0;
        request_done(f);
        return G_SOURCE_REMOVE;
}

/* Not root: rewrite the trigger file; the path unit does the rest. */
static void send_by_trigger(NscdFlush *f) {
        g_autofree char *stamp = NULL;
        gint64 now = g_get_monotonic_time();
        int fd;

        if (!f->trigger_path)
                return;
        if (f->last_trigger_usec && now - f->last_trigger_usec < NSCD_TRIGGER_MIN_MSEC * 1000) {
                /* Too soon after the last: once more when the spacing is
                 * over, for every change until then. */
                f->pending = TRUE;
                f->timeout_id = g_timeout_add(NSCD_TRIGGER_MIN_MSEC, on_trigger_spacing, f);
                return;
        }
        f->last_trigger_usec = now;
        fd = open(f->trigger_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
        if (fd < 0) {
                g_debug("nscd: cannot write %s: %s", f->trigger_path, g_strerror(errno));
                return;
        }
        stamp = g_strdup_printf("%" G_GINT64_FORMAT "\n", now);
        if (write(fd, stamp, strlen(stamp)) < 0)
                g_debug("nscd: cannot write %s: %s", f->trigger_path, g_strerror(errno));
        close(fd);
        f->done++;
}

static void send_request(NscdFlush *f) {
        if (f->as_root)
                send_as_root(f);
        else
                send_by_trigger(f);
}

NscdFlush *nscd_flush_new(const char *socket_path, const char *trigger_path) {
        NscdFlush *f = g_new0(NscdFlush, 1);

        f->socket_path = g_strdup(socket_path);
        f->trigger_path = g_strdup(trigger_path);
        f->as_root = geteuid() == 0;
        f->fd = -1;
        return f;
}

void nscd_flush_free(NscdFlush *f) {
        if (!f)
                return;
        request_end(f);
        g_free(f->socket_path);
        g_free(f->trigger_path);
        g_free(f);
}

void nscd_flush_hosts(NscdFlush *f) {
        if (!f || !f->socket_path || !*f->socket_path)
                return;
        if (f->fd >= 0 || f->timeout_id) {
                f->pending = TRUE;
                return;
        }
        send_request(f);
}

guint64 nscd_flush_count(const NscdFlush *f) {
        return f ? f->done : 0;
}

void nscd_flush_set_as_root_for_test(NscdFlush *f, gboolean as_root) {
        f->as_root = as_root;
}
