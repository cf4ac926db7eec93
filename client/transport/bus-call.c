/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-call.c: every call to aarp-resolved goes through call_method() (see
 * bus-call.h): which connection it uses (a kept one, or a one-shot one
 * when every kept one is busy in another thread), the fork rule, the
 * mapping of error names to errno values, and the error strings.  The
 * socket work is in bus-conn.c; the calls themselves in bus-client.c.
 */
#include <dbus/dbus.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aarp-def.h"
#include "bus-call.h"
#include "bus-client.h"
#include "bus-conn.h"
#include "fork-gen.h"

/* The kept connections, each guarded by its lock.  More than one so that
 * a few threads resolving at once each find one free (measured: with one,
 * 2 threads lose a third of their throughput to one-shot connections);
 * few, because every process that resolves a name holds them, and the
 * daemon allows 128 io.socket connections per user.  A slot's connection
 * is only opened when a call finds every lower slot busy, and all but the
 * first are closed again after KEPT_IDLE_USEC unused. */
#define KEPT_MAX 4
#define KEPT_IDLE_USEC (10u * 1000000u)
static struct {
        pthread_mutex_t lock;
        BusConn conn;
        uint64_t last_used_usec;
} kept[KEPT_MAX] = {
#define KEPT_NULL {PTHREAD_MUTEX_INITIALIZER, BUS_CONN_NULL, 0}
        KEPT_NULL, KEPT_NULL, KEPT_NULL, KEPT_NULL,
#undef KEPT_NULL
};
_Static_assert(KEPT_MAX == 4, "one initializer per kept connection");
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_child(void) {
        /* Only this thread exists in the child.  The parent's connections
         * must never carry the child's messages (replies would go to
         * whoever reads first), so drop them; the buffers are left alone
         * (one may be mid-realloc in a thread that no longer exists) - at
         * most a small leak per child. */
        for (int i = 0; i < KEPT_MAX; i++) {
                if (kept[i].conn.fd >= 0)
                        (void)close(kept[i].conn.fd);
                kept[i].conn = (BusConn)BUS_CONN_NULL;
                kept[i].lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
        }
}

static void atfork_register(void) {
        (void)fork_gen_add_child_hook(atfork_child);
}

/* See bus-call.h. */
int error_to_errno(DBusMessage *reply) {
        static const struct {
                const char *name;
                int error;
        } table[] = {
                {AARP_ERROR_NO_SUCH_NAME, ENXIO},
                {AARP_ERROR_NO_DATA, ENODATA},
                {AARP_ERROR_TEMPORARY_FAILURE, EAGAIN},
                {AARP_ERROR_INVALID_NAME, EILSEQ},
                {AARP_ERROR_INVALID_ARGUMENT, EINVAL},
                {AARP_ERROR_INVALID_ADDRESS, EADDRNOTAVAIL},
                {AARP_ERROR_INVALID_FLAGS, EOPNOTSUPP},
                {AARP_ERROR_INVALID_INTERFACE, ENODEV},
                {AARP_ERROR_INVALID_FAMILY, EAFNOSUPPORT},
                {AARP_ERROR_ACCESS_DENIED, EACCES},
                {AARP_ERROR_LIMIT_EXCEEDED, ENOBUFS},
                {AARP_ERROR_INTERNAL, EIO},
                /* With NO_AUTO_START the bus answers NameHasNoOwner when
                 * the daemon is not on it; other buses say ServiceUnknown. */
                {DBUS_ERROR_NAME_HAS_NO_OWNER, ECONNREFUSED},
                {DBUS_ERROR_SERVICE_UNKNOWN, ECONNREFUSED},
                {DBUS_ERROR_NO_SERVER, ECONNREFUSED},
                {DBUS_ERROR_DISCONNECTED, ECONNREFUSED},
                {DBUS_ERROR_NO_REPLY, ETIMEDOUT},
                {DBUS_ERROR_TIMEOUT, ETIMEDOUT},
                {DBUS_ERROR_TIMED_OUT, ETIMEDOUT},
                {DBUS_ERROR_ACCESS_DENIED, EACCES},
                {DBUS_ERROR_NO_MEMORY, ENOMEM},
                {DBUS_ERROR_UNKNOWN_METHOD, ENOSYS},
        };
        const char *name = dbus_message_get_error_name(reply);

        if (!name)
                return -EPROTO;
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
                if (strcmp(name, table[i].name) == 0)
                        return -table[i].error;
        return -EPROTO;
}

/* Send @m (built without destination or serial) to the daemon within the
 * client bound and return its method reply, or a negative errno (D-Bus
 * errors mapped by error_to_errno()). */
static int call(DBusMessage *m, DBusMessage **ret_reply) {
        uint64_t deadline = bus_now_usec() + (uint64_t)AARP_CLIENT_TIMEOUT_MSEC * 1000u;
        DBusMessage *reply = NULL;
        int r;

        (void)pthread_once(&atfork_once, atfork_register);
        /* Never start the daemon through bus activation from inside some
         * unrelated process's lookup. */
        dbus_message_set_auto_start(m, FALSE);

        r = 1;
        for (int i = 0; i < KEPT_MAX && r > 0; i++)
                if (pthread_mutex_trylock(&kept[i].lock) == 0) {
                        /* A bus connection that answered NameHasNoOwner is
                         * kept: the next call tries the peer socket first,
                         * then asks the bus again without a new handshake. */
                        r = bus_conn_call(&kept[i].conn, m, deadline, &reply);
                        kept[i].last_used_usec = bus_now_usec();
                        pthread_mutex_unlock(&kept[i].lock);
                }
        /* Give back the extra connections of a burst that is over (never
         * waiting for a slot another thread holds). */
        uint64_t now = bus_now_usec();
        for (int i = 1; i < KEPT_MAX; i++)
                if (pthread_mutex_trylock(&kept[i].lock) == 0) {
                        if (kept[i].conn.fd >= 0 && now - kept[i].last_used_usec > KEPT_IDLE_USEC)
                                bus_conn_free(&kept[i].conn);
                        pthread_mutex_unlock(&kept[i].lock);
                }
        if (r > 0) {
                /* Other threads are using every kept connection, possibly
                 * waiting on slow (probing) lookups: do not queue behind
                 * them, pay for a connection of our own instead. */
                BusConn own = BUS_CONN_NULL;

                r = bus_conn_call(&own, m, deadline, &reply);
                bus_conn_free(&own);
        }
        if (r < 0)
                return r;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                r = error_to_errno(reply);
                dbus_message_unref(reply);
                return r;
        }
        *ret_reply = reply;
        return 0;
}

/* See bus-call.h. */
int call_method(const char *interface, const char *method, const char *reply_signature,
                       DBusMessage **ret_reply, int first_arg_type, ...) {
        DBusMessage *m, *reply = NULL;
        va_list ap;
        dbus_bool_t appended;
        int r;

        m = dbus_message_new_method_call(NULL, AARP_OBJECT_PATH, interface, method);
        if (!m)
                return -ENOMEM;
        va_start(ap, first_arg_type);
        appended = dbus_message_append_args_valist(m, first_arg_type, ap);
        va_end(ap);
        r = appended ? call(m, &reply) : -ENOMEM;
        dbus_message_unref(m);
        if (r < 0)
                return r;
        if (!dbus_message_has_signature(reply, reply_signature)) {
                dbus_message_unref(reply);
                return -EBADMSG;
        }
        *ret_reply = reply;
        return 0;
}


const char *bus_client_strerror(int r) {
        switch (r < 0 ? -r : r) {
        case ECONNREFUSED:
                return "aarp-resolved is not reachable";
        case ETIMEDOUT:
                return "aarp-resolved did not answer in time";
        case ENXIO:
                return "no such host name";
        case ENODATA:
                return "the name has no address of the requested family";
        case EAGAIN:
                return "temporary failure in name resolution";
        case EILSEQ:
                return "invalid host name";
        case EINVAL:
                return "invalid argument";
        case EADDRNOTAVAIL:
                return "invalid address";
        case EOPNOTSUPP:
                return "invalid flags";
        case ENODEV:
                return "no such interface";
        case EAFNOSUPPORT:
                return "address family not supported";
        case EACCES:
                return "access denied";
        case ENOBUFS:
                return "limit exceeded in aarp-resolved";
        case EIO:
                return "internal error in aarp-resolved";
        case EBADMSG:
                return "malformed reply from aarp-resolved";
        case EPROTO:
                return "protocol error talking to aarp-resolved";
        case ENOMEM:
                return "out of memory";
        case ENOSYS:
                return "aarp-resolved does not know this call (an older version?)";
        default:
                return "unexpected error";
        }
}

void bus_client_disconnect(void) {
        for (int i = 0; i < KEPT_MAX; i++) {
                pthread_mutex_lock(&kept[i].lock);
                bus_conn_free(&kept[i].conn);
                pthread_mutex_unlock(&kept[i].lock);
        }
}

