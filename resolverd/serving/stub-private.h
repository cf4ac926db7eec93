/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-private.h: the DNS stub listener's state, shared by
 *
 *   stub.c           lifetime and configuration
 *   stub-upstream.c  the upstream list and its AARP mapping
 *   stub-query.c     one query on its way upstream and back
 *   stub-clients.c   the client sockets: UDP, and TCP connections
 *
 * Nothing outside resolverd/serving/stub*.c includes this.
 */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "filestamp.h"
#include "nameserver.h"
#include "stub-cache.h"
#include "stub-map.h"
#include "stub-packet.h"
#include "stub-peer.h"
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


/* Close a TCP client connection and drop its query. */
void stub_conn_free(Conn *c);

/* Queue @len bytes of @msg (with its 2-byte length) to a TCP client. */
void stub_conn_send(Conn *c, const uint8_t *msg, size_t len);

/* One query from a client (@conn for TCP, else @client over UDP). */
void stub_handle_query(Stub *s, uint64_t who, Conn *conn, const struct sockaddr_in *client,
                const uint8_t *packet, size_t len);

/* Log a limit being hit, at most every 10 s. */
void stub_note_limit(Stub *s, const char *what, uint64_t who);

/* The listening sockets' watches (stub-clients.c). */
gboolean stub_on_tcp_accept(int fd, GIOCondition cond, gpointer user_data);

gboolean stub_on_udp_query(int fd, GIOCondition cond, gpointer user_data);

/* Forget a query: its upstream socket, timers and client link. */
void stub_query_free(Query *q);

/* Send @q to the next upstream that is ready, or fail it. */
void stub_query_try(Query *q);

/* Re-read the upstream list (DNS= or resolv.conf minus ourselves); @force even if unchanged. */
void stub_refresh_servers(Stub *s, gboolean force);

void stub_server_free(Server *sv);

/* TRUE if @sv's AARP mapping is fresh; else @q waits for it (and FALSE). */
gboolean stub_server_ready(Stub *s, Server *sv, Query *q);
