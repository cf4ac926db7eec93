/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-conn.c: the transport under bus-client.c - one connection to
 * aarp-resolved, opened, authenticated and used within a deadline.
 *
 * The socket, the SASL EXTERNAL handshake and the framing are done here with
 * non-blocking sockets and poll(), against one deadline per call; libdbus is
 * used only to marshal, demarshal (validate) and read messages and to parse
 * bus addresses.  That keeps every wait bounded (a DBusConnection's connect()
 * blocks without limit on a stopped daemon's full backlog), needs no main
 * loop and no libdbus global state, and makes fork handling trivial: a
 * connection is one file descriptor.  Writes use MSG_NOSIGNAL, so a daemon
 * that went away never raises SIGPIPE in the host process.
 */
#include <dbus/dbus.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "aarp-def.h"
#include "bus-conn.h"

#define SYSTEM_BUS_ADDRESS_DEFAULT "unix:path=/var/run/dbus/system_bus_socket"

/* Our replies are a few hundred bytes; anything near this is not the daemon
 * talking, and we refuse to buffer it. */
#define MESSAGE_SIZE_MAX (1024u * 1024u)

/* The SASL line we wait for is "OK <32 hex digits>\r\n". */
#define AUTH_LINE_MAX 512u

uint64_t bus_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * UINT64_C(1000000) + (uint64_t)ts.tv_nsec / 1000u;
}

void bus_conn_close(BusConn *c) {
        /* Forget the number before closing it, so that a fork in between
         * never leaves the child closing a descriptor reused by someone. */
        int fd = c->fd;

        c->fd = -1;
        c->len = 0;
        c->serial = 0;
        c->is_bus = false;
        c->stalled = false;
        if (fd >= 0)
                (void)close(fd);
}

void bus_conn_free(BusConn *c) {
        bus_conn_close(c);
        free(c->buf);
        c->buf = NULL;
        c->cap = 0;
}

/* Wait until @fd is ready for @events or the deadline passes.  EINTR is
 * retried: we never own the process's signal handlers. */
static int wait_fd(int fd, short events, uint64_t deadline) {
        for (;;) {
                uint64_t n = bus_now_usec();
                struct pollfd p = {.fd = fd, .events = events};
                int r;

                if (n >= deadline)
                        return -ETIMEDOUT;
                r = poll(&p, 1, (int)((deadline - n + 999u) / 1000u));
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        continue; /* re-checks the deadline */
                if (p.revents & POLLNVAL)
                        return -EBADF;
                /* POLLHUP/POLLERR: let the following I/O report why. */
                return 0;
        }
}

static int write_all(BusConn *c, const void *data, size_t size, uint64_t deadline) {
        const char *p = data;

        while (size > 0) {
                ssize_t n = send(c->fd, p, size, MSG_NOSIGNAL | MSG_DONTWAIT);
                int r;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return errno == EPIPE ? -ECONNRESET : -errno;
                        r = wait_fd(c->fd, POLLOUT, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                p += n;
                size -= (size_t)n;
        }
        return 0;
}

/* Receive whatever is available (at least one byte) into c->buf. */
static int read_some(BusConn *c, uint64_t deadline) {
        for (;;) {
                ssize_t n;
                int r;

                if (c->cap - c->len < 4096) {
                        size_t cap = c->cap ? c->cap * 2 : 8192;
                        char *b;

                        if (cap > 2 * MESSAGE_SIZE_MAX)
                                return -EPROTO;
                        b = realloc(c->buf, cap);
                        if (!b)
                                return -ENOMEM;
                        c->buf = b;
                        c->cap = cap;
                }
                n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
                if (n > 0) {
                        c->len += (size_t)n;
                        return 0;
                }
                if (n == 0)
                        return -ECONNRESET;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return errno == EPIPE ? -ECONNRESET : -errno;
                r = wait_fd(c->fd, POLLIN, deadline);
                if (r < 0)
                        return r;
        }
}

static void consume(BusConn *c, size_t n) {
        memmove(c->buf, c->buf + n, c->len - n);
        c->len -= n;
}

/* Read one complete message off the connection. */
static int read_message(BusConn *c, uint64_t deadline, DBusMessage **ret) {
        DBusError error = DBUS_ERROR_INIT;
        DBusMessage *m;
        int need, r;

        for (;;) {
                need = c->len >= 16 ? dbus_message_demarshal_bytes_needed(c->buf, (int)c->len) : 0;
                if (need < 0 || (need > 0 && (size_t)need > MESSAGE_SIZE_MAX))
                        return -EPROTO;
                if (need > 0 && c->len >= (size_t)need)
                        break;
                r = read_some(c, deadline);
                if (r < 0)
                        return r;
        }

        m = dbus_message_demarshal(c->buf, need, &error);
        if (!m) {
                bool oom = dbus_error_has_name(&error, DBUS_ERROR_NO_MEMORY);

                dbus_error_free(&error);
                return oom ? -ENOMEM : -EPROTO;
        }
        consume(c, (size_t)need);
        *ret = m;
        return 0;
}

/* Send @m with the next serial and wait for its reply, skipping anything
 * else (the bus sends NameAcquired after Hello).  The reply may be an error
 * message; that is for the caller to map. */
static int conn_exchange(BusConn *c, DBusMessage *m, uint64_t deadline, DBusMessage **ret_reply) {
        char *data = NULL;
        int size = 0, r;
        uint32_t serial;

        if (++c->serial == 0)
                c->serial = 1;
        serial = c->serial;
        dbus_message_set_serial(m, serial);
        if (!dbus_message_marshal(m, &data, &size))
                return -ENOMEM;
        r = write_all(c, data, (size_t)size, deadline);
        dbus_free(data);
        if (r < 0)
                return r;

        /* The reply cannot be there yet: wait before the first recv()
         * rather than pay for one that says EAGAIN. */
        if (c->len == 0) {
                r = wait_fd(c->fd, POLLIN, deadline);
                if (r < 0)
                        return r;
        }

        for (;;) {
                DBusMessage *reply = NULL;
                int type;

                r = read_message(c, deadline, &reply);
                if (r < 0)
                        return r;
                type = dbus_message_get_type(reply);
                if ((type == DBUS_MESSAGE_TYPE_METHOD_RETURN || type == DBUS_MESSAGE_TYPE_ERROR) &&
                    dbus_message_get_reply_serial(reply) == serial) {
                        *ret_reply = reply;
                        return 0;
                }
                dbus_message_unref(reply);
        }
}

/* SASL EXTERNAL as the effective uid (what SO_PEERCRED reports to the
 * server).  Waits for the server's OK; the caller sends BEGIN. */
static int conn_auth(BusConn *c, uint64_t deadline) {
        char uid[32], line[128];
        char *p = line;
        int n, r;

        n = snprintf(uid, sizeof uid, "%lu", (unsigned long)geteuid());
        /* The SASL protocol opens with one NUL byte (credentials passing). */
        *p++ = '\0';
        p += sprintf(p, "AUTH EXTERNAL ");
        for (int i = 0; i < n; i++)
                p += sprintf(p, "%02x", (unsigned)(unsigned char)uid[i]);
        p += sprintf(p, "\r\n");

        r = write_all(c, line, (size_t)(p - line), deadline);
        if (r < 0)
                return r;

        for (;;) {
                char *eol = c->len > 0 ? memmem(c->buf, c->len, "\r\n", 2) : NULL;

                if (eol) {
                        bool ok = eol - c->buf >= 3 && memcmp(c->buf, "OK ", 3) == 0;

                        consume(c, (size_t)(eol - c->buf) + 2);
                        /* REJECTED, ERROR, anything else: this server will
                         * not talk to us. */
                        return ok ? 0 : -EACCES;
                }
                if (c->len > AUTH_LINE_MAX)
                        return -EPROTO;
                r = read_some(c, deadline);
                if (r < 0)
                        return r;
        }
}

static int connect_unix(BusConn *c, const struct sockaddr_un *sa, socklen_t salen, bool is_bus) {
        int fd;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* Non-blocking: a listener whose backlog is full (a stopped daemon)
         * gives EAGAIN at once instead of blocking us. */
        if (connect(fd, (const struct sockaddr *)sa, salen) < 0) {
                int r = -errno;

                (void)close(fd);
                return r;
        }
        c->fd = fd;
        c->is_bus = is_bus;
        c->stalled = false;
        c->pid = getpid();
        c->uid = getuid();
        c->euid = geteuid();
        c->serial = 0;
        c->len = 0;
        return 0;
}

static int sockaddr_from_path(const char *path, bool abstract, struct sockaddr_un *ret, socklen_t *ret_len) {
        size_t l = strlen(path);
        size_t off = abstract ? 1 : 0;

        if (l == 0 || l + off >= sizeof ret->sun_path)
                return -EINVAL;
        memset(ret, 0, sizeof *ret);
        ret->sun_family = AF_UNIX;
        memcpy(ret->sun_path + off, path, l);
        *ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + off + l + (abstract ? 0 : 1));
        return 0;
}

static int conn_open_p2p(BusConn *c, uint64_t deadline) {
        const char *dir = secure_getenv(AARP_RUNTIME_DIR_ENV);
        char path[sizeof((struct sockaddr_un *)NULL)->sun_path];
        struct sockaddr_un sa;
        socklen_t salen;
        int r;

        if (!dir || !*dir)
                dir = AARP_RUNTIME_DIR_DEFAULT;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, AARP_IO_SOCKET_NAME) >= sizeof path)
                return -ENAMETOOLONG;
        r = sockaddr_from_path(path, false, &sa, &salen);
        if (r < 0)
                return r;
        r = connect_unix(c, &sa, salen, false);
        if (r < 0)
                return r;
        r = conn_auth(c, deadline);
        if (r >= 0)
                r = write_all(c, "BEGIN\r\n", 7, deadline);
        /* Open after a timeout: the caller keeps it as the sign of a
         * hung daemon (bus_conn_call()). */
        if (r < 0 && r != -ETIMEDOUT)
                bus_conn_close(c);
        return r;
}

/* Authenticate on a bus socket, then BEGIN and Hello in one write. */
static int conn_bus_handshake(BusConn *c, uint64_t deadline) {
        DBusMessage *hello, *reply = NULL;
        int r;

        r = conn_auth(c, deadline);
        if (r < 0)
                return r;
        r = write_all(c, "BEGIN\r\n", 7, deadline);
        if (r < 0)
                return r;
        hello = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
                                             "Hello");
        if (!hello)
                return -ENOMEM;
        r = conn_exchange(c, hello, deadline, &reply);
        dbus_message_unref(hello);
        if (r < 0)
                return r;
        r = dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_METHOD_RETURN ? 0 : -ECONNREFUSED;
        dbus_message_unref(reply);
        return r;
}

static int conn_open_bus(BusConn *c, uint64_t deadline) {
        const char *address = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");
        DBusError error = DBUS_ERROR_INIT;
        DBusAddressEntry **entries = NULL;
        int n = 0, r = -ECONNREFUSED;

        if (!address || !*address)
                address = SYSTEM_BUS_ADDRESS_DEFAULT;
        if (!dbus_parse_address(address, &entries, &n, &error)) {
                dbus_error_free(&error);
                return -ECONNREFUSED;
        }
        /* Try each entry in order, as libdbus does; we speak unix sockets
         * only (the system bus is never reached over TCP). */
        for (int i = 0; i < n; i++) {
                const char *path = dbus_address_entry_get_value(entries[i], "path");
                const char *abstract = dbus_address_entry_get_value(entries[i], "abstract");
                struct sockaddr_un sa;
                socklen_t salen;

                if (strcmp(dbus_address_entry_get_method(entries[i]), "unix") != 0)
                        continue;
                if (path)
                        r = sockaddr_from_path(path, false, &sa, &salen);
                else if (abstract)
                        r = sockaddr_from_path(abstract, true, &sa, &salen);
                else
                        continue;
                if (r < 0)
                        continue;
                r = connect_unix(c, &sa, salen, true);
                if (r < 0)
                        continue;
                r = conn_bus_handshake(c, deadline);
                if (r >= 0 || r == -ETIMEDOUT)
                        break; /* open after a timeout, as in conn_open_p2p() */
                bus_conn_close(c);
        }
        dbus_address_entries_free(entries);
        return r;
}

/* Peer-to-peer socket first, then the bus.  Every failure but a timeout
 * and a lack of memory is "unreachable". */
static int conn_open(BusConn *c, uint64_t deadline) {
        int r;

        r = conn_open_p2p(c, deadline);
        if (r >= 0 || r == -ETIMEDOUT)
                return r;
        r = conn_open_bus(c, deadline);
        if (r >= 0 || r == -ETIMEDOUT || r == -ENOMEM)
                return r;
        return -ECONNREFUSED;
}

/* Whether the daemon is still silent on stalled connection @c: nothing to
 * read and no hangup, now, without waiting.  Anything else - the late
 * reply, an EOF or reset from a daemon that went away - means a new
 * connection may get an answer. */
static bool stalled_still_silent(const BusConn *c) {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int r;

        do
                r = poll(&p, 1, 0);
        while (r < 0 && errno == EINTR);
        return r == 0;
}

static void mark_stalled(BusConn *c) {
        if (c->fd < 0)
                return;
        c->stalled = true;
        c->stalled_usec = bus_now_usec();
}

/* Whether this process still has the real and effective uid @c was
 * opened with.  One getresuid() instead of getuid() and geteuid(): a
 * system call costs over a microsecond on the VMs we measure on, and this
 * runs on every call. */
static bool same_credentials(const BusConn *c) {
        uid_t ruid, euid, suid;

        if (getresuid(&ruid, &euid, &suid) < 0)
                return false;
        return ruid == c->uid && euid == c->euid;
}

/* One attempt on @c, opening it if needed; a connection that was already
 * open and turns out dead (daemon restarted) is reopened once. */
int bus_conn_call(BusConn *c, DBusMessage *m, uint64_t deadline, DBusMessage **ret_reply) {
        int r;

        if (c->fd >= 0 && c->pid != getpid())
                /* Inherited without our atfork handler (raw clone()). */
                bus_conn_close(c);
        if (c->fd >= 0 && !same_credentials(c))
                /* The daemon knows us by the credentials of connect()
                 * (SO_PEERCRED): after a setuid() the old connection would
                 * still be root's, exempt from the limits meant for the
                 * process's new user. */
                bus_conn_close(c);
        if (c->fd >= 0 && c->stalled) {
                /* A call timed out on this connection and the daemon has
                 * said nothing since: it is hung or stopped, and a new
                 * connection would wait the whole bound again.  Retry only
                 * once it shows life (or after a while). */
                if (stalled_still_silent(c) && bus_now_usec() - c->stalled_usec < BUS_CONN_STALLED_RETRY_USEC)
                        return -ETIMEDOUT;
                bus_conn_close(c);
        }

        if (c->fd >= 0 && c->is_bus) {
                /* The daemon may have come up since we fell back to the
                 * bus: prefer its own socket (a failed connect costs a few
                 * microseconds). */
                BusConn p = BUS_CONN_NULL;

                if (conn_open_p2p(&p, deadline) >= 0) {
                        bus_conn_close(c);
                        c->fd = p.fd;
                        c->is_bus = false;
                        c->pid = p.pid;
                        c->uid = p.uid;
                        c->euid = p.euid;
                        c->serial = p.serial;
                        /* The handshake left nothing unread. */
                        p.fd = -1;
                }
                bus_conn_free(&p);
        }

        for (int attempt = 0;; attempt++) {
                bool reused = c->fd >= 0;

                if (!reused) {
                        r = conn_open(c, deadline);
                        if (r == -ETIMEDOUT)
                                mark_stalled(c);
                        if (r < 0)
                                return r;
                }
                if (!dbus_message_set_destination(m, c->is_bus ? AARP_BUS_NAME : NULL))
                        return -ENOMEM;
                r = conn_exchange(c, m, deadline, ret_reply);
                if (r >= 0)
                        return 0;
                if (r == -ETIMEDOUT) {
                        /* Kept, not retried: see bus-conn.h. */
                        mark_stalled(c);
                        return r;
                }
                /* The stream is in an unknown state after any failure. */
                bus_conn_close(c);
                /* Only a reset is worth a second connection: the daemon
                 * was restarted and a new one will answer. */
                if ((r == -ECONNRESET || r == -EPIPE) && reused && attempt == 0)
                        continue;
                if (r == -ECONNRESET || r == -EPIPE || r == -ECONNREFUSED)
                        return -ECONNREFUSED;
                return r;
        }
}
