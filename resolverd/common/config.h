/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.h: aarp-resolved's configuration ([Resolve] in resolved.conf).
 *
 * Parsing is strict: an unknown key or a bad value is an error naming the
 * key and its line, so a typo never silently leaves a default in force.
 */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <stdint.h>

#include "nameserver.h"

/* The stub listener's default address.  Not 127.0.0.53 or 127.0.0.54:
 * systemd-resolved listens there (its stub and its proxy stub), and both
 * daemons run side by side on most distributions. */
#define AARP_DNS_STUB_ADDRESS_DEFAULT 0x7f000099u /* 127.0.0.153 */
#define AARP_DNS_STUB_ADDRESS_DEFAULT_STRING "127.0.0.153"
#define AARP_DNS_SERVERS_MAX 8u

typedef enum {
        PROBE_ADDRESSES_ALL,          /* every global IPv6 address */
        PROBE_ADDRESSES_ANYCAST_ONLY, /* AnycastPrefixes= + RFC 2526 + Subnet-Router */
} ProbeAddresses;

typedef enum {
        PROBE_SOCKET_AUTO,
        PROBE_SOCKET_RAW,
        PROBE_SOCKET_PING,
} ProbeSocketKind;

/* Which echo reply sources may stand for an anycast address (a member). */
typedef enum {
        MEMBER_SCOPE_STRICT, /* same scope and class as the address (addr_scope()) */
        MEMBER_SCOPE_ANY,    /* any unicast source (link-local only for link-local) */
} MemberScope;

/* glibc's nscd and unscd listen here (nscd/nscd-client.h _PATH_NSCDSOCKET). */
#define AARP_NSCD_SOCKET_DEFAULT "/var/run/nscd/socket"

typedef struct {
        struct in6_addr prefix;
        unsigned prefixlen; /* 0..128 */
} Prefix;

typedef struct {
        uint32_t probe_timeout_msec;
        uint32_t probe_retries;
        uint32_t anycast_ttl_sec;
        uint32_t unicast_ttl_sec;
        uint32_t no_reply_ttl_sec;
        uint32_t cache_size;
        uint32_t probes_in_flight;
        uint32_t member_probes;   /* flow-label probes per anycast discovery, 0 = off */
        uint32_t probe_rate_limit; /* fresh probes per second per user, 0 = off */
        uint32_t probe_rate_burst;
        uint32_t requests_per_client; /* in flight per user, 0 = off */
        gboolean publish_snapshot;    /* names.snapshot for libnss_aarp */
        ProbeAddresses probe_addresses;
        MemberScope member_scope;
        ProbeSocketKind probe_socket;
        GArray *anycast_prefixes; /* of Prefix */
        GLogLevelFlags log_level; /* most verbose level logged */
        /* The DNS stub listener (stub.h); off by default. */
        gboolean dns_stub_listener;
        struct in_addr dns_stub_listener_address; /* in 127.0.0.0/8 */
        GArray *dns_servers;        /* of NameServer (nameserver.h); empty: resolv.conf's */
        gboolean map_anycast_answers;
        char *nscd_socket; /* NscdSocket=: nscd's socket to invalidate hosts through; NULL: off */
} Config;

/* A Config holding the documented defaults. Free with config_free(). */
Config *config_new_default(void);
void config_free(Config *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Config, config_free)

/* Parse the INI text @data (from @path, used in messages). Returns a new
 * Config, or NULL with @error set (G_KEY_FILE_ERROR) naming the key and line. */
Config *config_parse(const char *data, gsize length, const char *path, GError **error);

/* Load @path.  A missing file gives the defaults (as systemd does); an
 * unreadable or invalid one is an error. */
Config *config_load(const char *path, GError **error);

/* Call @func with every key of [Resolve], in the order of resolved.conf(5),
 * and its value in @c written as the file takes it (so parsing the pairs
 * back gives the same Config).  @value is valid only during the call. */
typedef void (*ConfigKeyFunc)(const char *key, const char *value, gpointer user_data);
void config_foreach_key(const Config *c, ConfigKeyFunc func, gpointer user_data);

/* Parse a time span ("500ms", "2s", "1min", bare seconds, fractions
 * allowed) into milliseconds.  FALSE if malformed or above @max_msec. */
gboolean config_parse_timespan(const char *s, uint64_t max_msec, uint64_t *ret_msec);

/* Parse "2001:db8::/64" into @ret. FALSE if malformed. */
gboolean config_parse_prefix(const char *s, Prefix *ret);
