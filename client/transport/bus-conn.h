/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-conn.h: one connection to aarp-resolved (internal to client/).
 *
 * A BusConn is a socket to the daemon's peer-to-peer socket or to the system
 * bus, authenticated with SASL EXTERNAL, plus its read buffer.  It carries
 * no lock: bus-client.c decides who may use which connection.
 */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct BusConn {
        int fd;          /* -1 when closed */
        bool is_bus;     /* system bus (needs a destination) or peer-to-peer */
        pid_t pid;       /* process that opened it */
        uid_t uid, euid; /* its credentials then: the daemon's limits and
                          * exemptions follow the peer credentials it
                          * saw at connect(), never later ones */
        uint32_t serial; /* last serial sent */
        bool stalled;    /* the last call timed out on it (kept open) */
        uint64_t stalled_usec; /* when (bus_now_usec()) */
        char *buf;       /* bytes received and not yet consumed */
        size_t len, cap;
} BusConn;

#define BUS_CONN_NULL                                                                                       \
        { .fd = -1 }

/* How long a connection on which a call timed out makes calls fail at
 * once (unless the daemon shows life on it earlier): a long-running process
 * tries a new connection this often while the daemon stays hung. */
#define BUS_CONN_STALLED_RETRY_USEC (30u * 1000000u)

/* CLOCK_MONOTONIC in microseconds: the clock of every deadline here. */
uint64_t bus_now_usec(void);

/* Close the socket (if open) and forget any unread bytes; the buffer is kept
 * for reuse.  Safe on a closed connection. */
void bus_conn_close(BusConn *c);

/* bus_conn_close() and free the buffer.  Safe on a closed connection. */
void bus_conn_free(BusConn *c);

/* Send method call @m (its destination and serial are set here) to the
 * daemon on @c and wait for the reply, all before @deadline (bus_now_usec()
 * clock).  @c is opened first if closed: the peer-to-peer socket, else the
 * system bus; an open bus connection is swapped for the peer socket when
 * that has appeared; an open connection found dead is reopened once.  An
 * open connection made by another process (raw clone()) or before the
 * process changed its real or effective uid (setuid()) is closed and a new
 * one opened: the daemon's rate limits and root's exemption from them
 * follow the credentials of the connecting process.
 *
 * A timeout never leads to a second connection within the call, nor in the
 * calls after it: the connection that timed out is kept, "stalled", and
 * while the daemon stays silent on it (hung or stopped: a new connection
 * would only wait again) every call on @c fails at once with -ETIMEDOUT.  It
 * is replaced by a new one as soon as the daemon shows life on it (the late
 * reply arrives, or it is closed or reset: a restarted daemon), or after
 * BUS_CONN_STALLED_RETRY_USEC.  So one lookup, whatever number of calls the
 * program makes for it (getent asks for IPv6, then IPv4), waits the bound
 * at most once.
 *
 * Returns 0 with *ret_reply set (a METHOD_RETURN or an ERROR message; the
 * caller unrefs it), or -ECONNREFUSED (daemon unreachable), -ETIMEDOUT,
 * -ENOMEM, -EPROTO (garbage on the socket).  After any other failure than
 * a timeout @c is closed. */
int bus_conn_call(BusConn *c, DBusMessage *m, uint64_t deadline, DBusMessage **ret_reply);
