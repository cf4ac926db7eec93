/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns.h: a c-ares channel driven by the GLib main loop.
 *
 * One DnsChannel is one fixed set of servers and options (c-ares 1.18
 * cannot change servers while queries are pending, so a new configuration
 * means a new channel; the old one lives on, refcounted, until its last
 * query ends).  Sockets are watched through ARES_OPT_SOCK_STATE_CB with
 * g_unix_fd sources and c-ares's timeouts through a timer set from
 * ares_timeout().  Only ares_query() is used: c-ares never reads the hosts
 * file, nsswitch.conf or resolv.conf here (every option it would otherwise
 * take from files is set explicitly).
 */
#pragma once

#include <glib.h>
#include <net/if.h>
#include <stdint.h>

typedef struct DnsChannel DnsChannel;
typedef struct DnsQuery DnsQuery;

typedef struct {
        int family;          /* AF_INET or AF_INET6 */
        uint8_t address[16];
        uint16_t port;       /* 0: 53 */
} DnsServer;

typedef struct {
        unsigned timeout_msec; /* first try per server; c-ares doubles it per round */
        unsigned tries;
        gboolean rotate;
        gboolean edns0;
        /* Bind every socket to this interface (SO_BINDTODEVICE), or "" for
         * none: c-ares 1.18 has no scope id for link-local servers, this
         * is how they become reachable. */
        char device[IF_NAMESIZE];
} DnsChannelOptions;

/* Create a channel for @servers (@n_servers >= 1).  NULL with @error set if
 * c-ares refuses (out of memory, bad server). */
DnsChannel *dns_channel_new(const DnsServer *servers, size_t n_servers,
                            const DnsChannelOptions *options, GError **error);
DnsChannel *dns_channel_ref(DnsChannel *ch);
/* Dropping the last reference destroys the channel (deferred if c-ares is
 * on the stack); queries still pending are ended silently. */
void dns_channel_unref(DnsChannel *ch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DnsChannel, dns_channel_unref)

/* @status is an ARES_* code as ares_query() reports it (ARES_SUCCESS,
 * ARES_ENODATA for NOERROR without answers, ARES_ENOTFOUND for NXDOMAIN,
 * ARES_ESERVFAIL, ARES_ETIMEOUT, ...); @abuf is the reply if there was one
 * (may be NULL), valid only during the call. */
typedef void (*DnsQueryCallback)(int status, const unsigned char *abuf, int alen,
                                 gpointer user_data);

/* Send a class IN query of @type (ns_t_a, ns_t_aaaa) for @name, exactly as
 * given (no search list: names.c walks it).  The callback is never called
 * before this returns, and exactly once unless dns_query_abandon() is
 * called first.  The returned handle is valid until then. */
DnsQuery *dns_channel_query(DnsChannel *ch, const char *name, int type, DnsQueryCallback callback,
                            gpointer user_data);

/* Forget @q: its callback will not be called.  @q is invalid afterwards. */
void dns_query_abandon(DnsQuery *q);

/* Text for an ARES_* status, for error messages. */
const char *dns_strerror(int status);
