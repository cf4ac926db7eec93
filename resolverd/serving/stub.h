/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub.h: the local DNS stub listener (DNSStubListener=yes), for programs
 * that speak DNS themselves (dig, res_query users, Go's resolver, browsers'
 * own DNS clients) and so never reach libnss_aarp.
 *
 * It listens on UDP and TCP port 53 of one loopback address
 * (DNSStubListenerAddress=, 127.0.0.153 by default) and forwards each query
 * unchanged but for its ID (EDNS, DO and CD pass through) to the upstream
 * nameservers: DNS= if set, else those of resolv.conf; the stub's own
 * address is never an upstream.  Each IPv6 upstream is first resolved with
 * AARP (the Resolver), so an anycast nameserver is asked at its nearest
 * member's unicast address, whose replies come from where we sent and
 * whose TCP works.  A UDP client gets the upstream's UDP reply as is (a
 * truncated one with TC, and it retries over TCP, as every stub resolver
 * does); a TCP client is forwarded over TCP.  NOERROR and NXDOMAIN replies
 * without TC are cached for their smallest TTL (bounded, stub-cache.h).
 * With MapAnycastAnswers=yes, AAAA records of the answer that are anycast
 * are replaced by their nearest member's unicast address and AD is cleared
 * (such records no longer match their signatures).
 *
 * Bounds: STUB_PENDING_MAX forwarded queries (STUB_PENDING_PER_USER per
 * user), STUB_TCP_MAX client connections (STUB_TCP_PER_USER per user, idle
 * ones closed), a per-user query rate (stub-peer.h), a bounded cache.  Over
 * a bound, a UDP query is dropped and a TCP one answered SERVFAIL.
 */
#pragma once

#include <glib.h>

#include "config.h"
#include "resolver.h"

#define STUB_PENDING_MAX       256u
#define STUB_PENDING_PER_USER  64u
#define STUB_TCP_MAX           64u
#define STUB_TCP_PER_USER      16u
#define STUB_TCP_IDLE_MSEC     10000u
#define STUB_TRY_MSEC          1500u  /* per upstream try */
#define STUB_QUERY_MSEC        4500u  /* a query ends by then, SERVFAIL at worst */
#define STUB_RATE_PER_USER     500u   /* queries per second, root unlimited */
#define STUB_RATE_BURST        1000u
#define STUB_CACHE_ENTRIES     4096u
#define STUB_CACHE_BYTES       (4u * 1024u * 1024u)

typedef struct Stub Stub;

/* Open the listener (sockets passed by systemd's socket activation if
 * there are any, else bound here: port 53 needs CAP_NET_BIND_SERVICE) and
 * write @runtime_dir/stub-resolv.conf naming it.  @resolver is borrowed;
 * @config is copied from.  @resolv_conf_path gives the upstreams when
 * DNS= is empty (re-read when it changes).  NULL with @error if the
 * sockets cannot be had. */
Stub *stub_new(Resolver *resolver, const Config *config, const char *resolv_conf_path,
               const char *runtime_dir, GError **error);
/* Pending queries are dropped without answers. */
void stub_free(Stub *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Stub, stub_free)

/* A reloaded configuration: DNS= and MapAnycastAnswers= apply now (the
 * listener address only at restart). */
void stub_set_config(Stub *s, const Config *config);

/* Routes changed or caches were flushed: map the upstreams afresh and drop
 * cached answers. */
void stub_invalidate(Stub *s);

typedef struct {
        uint64_t queries;        /* accepted for processing */
        uint64_t cache_hits;
        uint64_t forwarded;      /* sent upstream (each try) */
        uint64_t malformed;      /* answered FORMERR or dropped */
        uint64_t rate_limited;
        uint64_t over_pending;
        uint64_t servfail;       /* answered SERVFAIL ourselves */
        uint64_t truncated;      /* cached answers too big for the client's UDP */
        uint64_t loops_dropped;  /* queries from our own upstream sockets */
        guint pending;
        guint tcp_connections;
        guint cache_entries;
} StubStats;

void stub_get_stats(const Stub *s, StubStats *ret);
