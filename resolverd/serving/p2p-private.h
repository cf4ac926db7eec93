/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p2p-private.h: io.socket's connection state and bounds, shared by
 *
 *   p2p.c         accepting, reading, framing and validating calls, timeouts
 *   p2p-output.c  queued replies and their bounds (back-pressure)
 *   p2p-auth.c    the SASL EXTERNAL handshake
 *
 * Nothing else includes this.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

#include "p2p.h"

#define PEERS_MAX 4096u            /* all users; lowered to fit RLIMIT_NOFILE */
#define PEERS_PER_USER_MAX 128u    /* per non-root uid: one user cannot take the socket away */
#define ACCEPT_PAUSE_MSEC 100u     /* out of descriptors: stop accepting for a moment */
#define AUTH_LINE_MAX 1024u
#define AUTH_TIMEOUT_SEC 5u
/* Queued output: past a PAUSE bound the connection is not read; past a MAX
 * bound (answers to calls read before the pause, completing later) it is
 * closed.  Per connection, per non-root uid, and all non-root uids
 * together; root's connections are bound only one by one. */
#define PEER_OUTPUT_PAUSE (64u * 1024u)
#define PEER_OUTPUT_MAX (1024u * 1024u)
#define UID_OUTPUT_PAUSE (1024u * 1024u)
#define UID_OUTPUT_MAX (4u * 1024u * 1024u)
#define TOTAL_OUTPUT_PAUSE (8u * 1024u * 1024u)
#define TOTAL_OUTPUT_MAX (16u * 1024u * 1024u)
#define STALL_TIMEOUT_SEC 10u /* queued output not drained at all */
#define IDLE_TIMEOUT_SEC 60u  /* nothing read or written, no call being answered */
/* Calls taken from one connection per main-loop iteration: a client that
 * pipelines must not make everyone else wait behind its batch. */
#define TURNS_PER_ITERATION 2u
/* A connection that pipelines (calls left after its turns) or leaves answers unread
 * is served only in iterations where no one-call-at-a-time client, accept
 * or handshake is ready, one call per iteration: those wait for at most one
 * call per bulk connection. */
#define PRIORITY_BULK (G_PRIORITY_DEFAULT + 10)
#define TURNS_PER_ITERATION_BULK 1u
/* The kernel's share of a connection's unread answers (the daemon's send
 * buffer, which the kernel doubles): small, so that a client that does not
 * read costs few answers before back-pressure; ours are < 1 KiB. */
#define PEER_SNDBUF (32 * 1024)
/* A buffer that grew past this is freed once empty: a burst must not leave
 * each connection holding its peak. */
#define BUFFER_KEEP (16u * 1024u)


typedef enum {
        PEER_AUTH_NUL, /* waiting for the credentials byte */
        PEER_AUTH,     /* SASL lines */
        PEER_RUNNING,  /* D-Bus messages */
        PEER_CLOSED,
} PeerState;

/* What one uid's connections hold. */
typedef struct {
        guint peers;
        gsize queued; /* output bytes */
} UidUse;

struct P2PPeer {
        int ref;
        P2PServer *server; /* NULL once closed */
        int fd;
        uid_t uid;
        UidUse *use; /* in server->per_uid; NULL once closed */
        PeerState state;
        gboolean authenticated;
        GSource *source;
        gpointer tag;
        GIOCondition events; /* asked of the source */
        guint auth_timeout;
        GByteArray *in, *out;
        gsize in_peak, out_peak; /* largest length since the buffer was (re)made */
        gint64 active_usec;      /* last byte read or written */
        gint64 out_since_usec;   /* output pending and not drained since */
        guint32 serial;
        guint turns; /* left in this main-loop iteration */
        gboolean bulk; /* at PRIORITY_BULK */
};

struct P2PServer {
        int fd;
        guint accept_id, resume_id;
        guint peers_max;
        GHashTable *per_uid; /* GUINT_TO_POINTER(uid) -> UidUse (owned) */
        gsize queued;        /* output bytes of non-root connections */
        uint64_t accept_failures;
        char *path;
        char guid[33];
        GHashTable *peers; /* P2PPeer* set, owns one reference each */
        P2PFastDispatch fast;
        P2PDispatch dispatch;
        gpointer user_data;
};


/* Close @p now: its socket, timers and buffers (the object lives on while
 * referenced). */
void p2p_peer_close(P2PPeer *p);

/* The loop's cached time for @p's deadlines. */
gint64 p2p_peer_now(const P2PPeer *p);

/* Ask the loop for what @p can use now: input unless paused, output while
 * some is queued. */
void p2p_update_events(P2PPeer *p);

/* A buffer that held a burst is given back once empty. */
void p2p_trim_buffer(GByteArray **buf, gsize *peak);

/* Write what the socket takes now. */
void p2p_flush_output(P2PPeer *p);

/* Queue @len bytes for @p, within its, its user's and everyone's output
 * bounds (a peer past them is closed). */
void p2p_send_raw(P2PPeer *p, const void *data, size_t len);

/* One SASL line from the client (p2p-auth.c). */
void p2p_handle_auth_line(P2PPeer *p, char *line);
