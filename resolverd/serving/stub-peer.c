/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-peer.c: sender identification by sock_diag (see stub-peer.h) and a
 * token bucket per sender.  Both tables are bounded: past their limits they
 * are emptied, which at worst forgets a few budgets.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stub-peer.h"

#define PEERS_MAX        4096u
#define PORT_MEMORY_USEC G_USEC_PER_SEC
#define UNKNOWN_BASE     (UINT64_C(1) << 32)

typedef struct {
        uint32_t port_addr_key;
        uint64_t who;
        gint64 expiry_usec;
} PortEntry;

typedef struct {
        double tokens;
        gint64 last_usec;
} Bucket;

struct StubPeers {
        int diag_fd;          /* -1 if sock_diag is unavailable */
        uint32_t rate, burst;
        GHashTable *ports;    /* source "port | low address byte" -> PortEntry */
        GHashTable *buckets;  /* uint64 who -> Bucket */
        uint64_t lookups;
        uint32_t seq;
};

StubPeers *stub_peers_new(uint32_t rate, uint32_t burst) {
        StubPeers *p = g_new0(StubPeers, 1);

        p->rate = rate;
        p->burst = MAX(burst, 1u);
        p->diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        p->ports = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        p->buckets = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
        return p;
}

void stub_peers_free(StubPeers *p) {
        if (!p)
                return;
        if (p->diag_fd >= 0)
                close(p->diag_fd);
        g_hash_table_unref(p->ports);
        g_hash_table_unref(p->buckets);
        g_free(p);
}

/* The owner of the client socket at @from talking to us at @to.  The
 * kernel looks UDP sockets up as the receiver of a datagram from the id's
 * source to its destination (so the client goes in the destination, and a
 * socket bound to the wildcard, connected or not, is found), TCP sockets
 * as the receiver of a segment from the destination to the source. */
static gboolean diag_uid(StubPeers *p, int protocol, const struct sockaddr_in *from,
                         const struct sockaddr_in *to, uint32_t *ret_uid) {
        const struct sockaddr_in *src = protocol == IPPROTO_UDP ? to : from;
        const struct sockaddr_in *dst = protocol == IPPROTO_UDP ? from : to;
        struct {
                struct nlmsghdr nlh;
                struct inet_diag_req_v2 req;
        } msg = { 0 };
        union {
                struct nlmsghdr nlh;
                uint8_t bytes[1024];
        } reply;
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        ssize_t n;

        if (p->diag_fd < 0)
                return FALSE;
        msg.nlh.nlmsg_len = sizeof(msg);
        msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        msg.nlh.nlmsg_flags = NLM_F_REQUEST;
        msg.nlh.nlmsg_seq = ++p->seq;
        msg.req.sdiag_family = AF_INET;
        msg.req.sdiag_protocol = (uint8_t) protocol;
        msg.req.idiag_states = UINT32_MAX;
        msg.req.id.idiag_sport = src->sin_port;
        msg.req.id.idiag_dport = dst->sin_port;
        msg.req.id.idiag_src[0] = src->sin_addr.s_addr;
        msg.req.id.idiag_dst[0] = dst->sin_addr.s_addr;
        msg.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
        msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

        p->lookups++;
        if (sendto(p->diag_fd, &msg, sizeof(msg), 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0)
                return FALSE;
        /* The answer is immediate; a stale one from an earlier lookup is
         * told apart by its sequence number. */
        for (int tries = 0; tries < 4; tries++) {
                n = recv(p->diag_fd, &reply, sizeof(reply), MSG_DONTWAIT);
                if (n < (ssize_t) sizeof(struct nlmsghdr))
                        return FALSE;
                if (reply.nlh.nlmsg_seq != p->seq)
                        continue;
                if (reply.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY ||
                    (size_t) n < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
                        return FALSE;
                const struct inet_diag_msg *m = NLMSG_DATA(&reply.nlh);
                *ret_uid = m->idiag_uid;
                return TRUE;
        }
        return FALSE;
}

uint64_t stub_peers_udp_sender(StubPeers *p, const struct sockaddr_in *from,
                               const struct sockaddr_in *to) {
        gint64 now = g_get_monotonic_time();
        uint32_t key = (uint32_t) ntohs(from->sin_port) | (ntohl(from->sin_addr.s_addr) & 0xffu) << 16;
        PortEntry *e = g_hash_table_lookup(p->ports, GUINT_TO_POINTER(key));
        uint32_t uid;

        if (e && now < e->expiry_usec)
                return e->who;
        if (!e) {
                if (g_hash_table_size(p->ports) >= PEERS_MAX)
                        g_hash_table_remove_all(p->ports);
                e = g_new0(PortEntry, 1);
                e->port_addr_key = key;
                g_hash_table_insert(p->ports, GUINT_TO_POINTER(key), e);
        }
        e->who = diag_uid(p, IPPROTO_UDP, from, to, &uid) ? uid : UNKNOWN_BASE | key;
        e->expiry_usec = now + PORT_MEMORY_USEC;
        return e->who;
}

uint64_t stub_peers_tcp_sender(StubPeers *p, const struct sockaddr_in *from,
                               const struct sockaddr_in *to) {
        uint32_t uid;

        if (diag_uid(p, IPPROTO_TCP, from, to, &uid))
                return uid;
        return UNKNOWN_BASE | (uint32_t) ntohs(from->sin_port) | (ntohl(from->sin_addr.s_addr) & 0xffu) << 16;
}

gboolean stub_peers_charge(StubPeers *p, uint64_t who, gint64 now_usec) {
        Bucket *b;

        if (who == 0 || p->rate == 0)
                return TRUE;
        b = g_hash_table_lookup(p->buckets, &who);
        if (!b) {
                if (g_hash_table_size(p->buckets) >= PEERS_MAX)
                        g_hash_table_remove_all(p->buckets);
                b = g_new0(Bucket, 1);
                b->tokens = p->burst;
                b->last_usec = now_usec;
                g_hash_table_insert(p->buckets, g_memdup2(&who, sizeof(who)), b);
        }
        b->tokens = MIN((double) p->burst,
                        b->tokens + (double) (now_usec - b->last_usec) * p->rate / G_USEC_PER_SEC);
        b->last_usec = now_usec;
        if (b->tokens < 1.0)
                return FALSE;
        b->tokens -= 1.0;
        return TRUE;
}

uint64_t stub_peers_lookups(const StubPeers *p) {
        return p->lookups;
}
