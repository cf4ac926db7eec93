/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names-lookup.h: the state of the name engine and of one lookup, shared
 * by the files that make up the engine:
 *
 *   names.c      the API, configuration files, how a lookup starts and ends
 *   names-dns.c  the DNS phase: search list, AAAA and A in parallel
 *   names-map.c  the AARP mapping of the answer and its caching
 *
 * Nothing outside those files includes this.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

#include "dns.h"
#include "filestamp.h"
#include "hosts.h"
#include "namecache.h"
#include "names-seam.h"
#include "names.h"
#include "resolvconf.h"
#include "reverse.h"
#include "upstream.h"

typedef struct NameLookup NameLookup;

typedef enum {
        OUTCOME_ADDRESSES,
        OUTCOME_NODATA,
        OUTCOME_NXDOMAIN,
        OUTCOME_SERVFAIL, /* this server/name failed; the search goes on */
        OUTCOME_FATAL,    /* timeouts, unreachable servers: stop */
} Outcome;

typedef struct {
        NameLookup *l;
        int type;          /* ns_t_aaaa or ns_t_a */
        guint part;        /* index in NameLookup.parts */
        DnsQuery *q;
        Outcome outcome;
        int status;
        GArray *addresses; /* of NameAddress */
        uint32_t ttl_sec;
        uint32_t negative_ttl_sec;
        char *canonical;
} QuerySlot;

typedef struct {
        NameLookup *l;     /* NULL once the lookup ended */
        guint index;
} MapToken;

/* One query type's share of a DNS answer.  The name cache holds each on
 * its own, AAAA under (name, AF_INET6) and A under (name, AF_INET), as
 * resolved caches per resource record key: a server that answers one
 * type and fails the other (REFUSED for the A of an AAAA-only name is
 * common) must not make the type it did answer uncacheable.  An AF_UNSPEC
 * lookup is both parts; it asks DNS only for the parts not cached. */
typedef struct {
        int family;          /* AF_INET6 (AAAA) or AF_INET (A) */
        gboolean known;      /* answered, from the cache or by DNS */
        gboolean from_cache;
        int error_code;      /* -1: addresses; else AARP_E_NO_DATA, _NO_SUCH_NAME, _TEMPORARY_FAILURE */
        GArray *addresses;   /* of NameAddress, mapped (positive parts) */
        char *canonical;
        uint64_t flags;
        GArray *sources;     /* of struct in6_addr: what the addresses were mapped from */
        uint32_t ttl_sec;    /* how long the part may be kept; 0: not at all */

        /* DNS phase */
        guint first, count;  /* its addresses in NameLookup.addresses */
        uint32_t dns_ttl_sec;
        gboolean got_nodata, got_servfail;
        uint32_t negative_ttl_sec;
} TypePart;

struct Names {
        AddressResolveFunc resolve;
        gpointer resolve_data;
        char *hosts_path;
        char *resolv_conf_path;
        FileStamp hosts_stamp;
        FileStamp resolv_conf_stamp;
        Hosts *hosts;
        ResolvConf *resolv_conf;
        Upstream *upstream;
        Reverse *reverse;
        NameCache *cache;
        unsigned timeout_msec;
        GQueue lookups;    /* of NameLookup, in flight */
        gboolean closing;
        Snapshot *snapshot; /* borrowed; NULL: answers are not published */
        NscdFlush *nscd;    /* borrowed; NULL: nscd is not told */
        guint poll_id;
        gint64 files_checked_usec; /* when reload_files() last ran for a lookup */
        gint64 files_check_usec;   /* how often lookups check the files */
        uint64_t files_generation; /* grows when the hosts file or resolv.conf changes */
};

struct NameLookup {
        Names *n;
        GList link;
        char *name;
        int ifindex;
        int family;
        uint64_t flags;
        NamesCallback callback;
        gpointer user_data;
        guint deadline_id;
        uint64_t files_generation; /* Names.files_generation at the start */

        /* DNS phase */
        guint upstream_wait;
        DnsChannel *channel;
        GPtrArray *candidates;
        guint candidate;
        QuerySlot slots[2];
        guint n_slots;
        guint slots_pending;
        TypePart parts[2];  /* AAAA first, then A: the order answers are given in */
        guint n_parts;
        gboolean from_dns;
        gboolean from_hosts;
        gboolean cacheable;

        /* the answer, then its mapping */
        GArray *addresses; /* of NameAddress */
        char *canonical;   /* hosts file answers */
        gboolean mapping;
        guint map_pending;
        uint32_t map_ttl_sec;
        uint64_t answer_flags;
        GPtrArray *map_tokens;
        GPtrArray *more_members; /* per address index: GArray of NameAddress (members after the first) or NULL */
        GArray *sources;         /* struct in6_addr handed to the resolver: what the answer depends on */
        NamesProbeGate gate;
        gpointer gate_data;
        uid_t payer; /* pays for the refreshes and discovery mapping causes */
};

/* "AAAA" or "A", for messages. */
const char *names_family_name(int family);

/* All mappings are in: answer. */
void lookup_finish_mapping(NameLookup *l);

/* End @l exactly once (see names.c): detach it, then call the client. */
void lookup_complete(NameLookup *l, GArray *addresses, const char *canonical, uint64_t flags, uint32_t ttl_sec,
                     const GError *error);

/* Every part is known: assemble, cache and answer. */
void lookup_complete_parts(NameLookup *l);

/* lookup_complete() with an AARP_ERROR @code. */
void lookup_fail(NameLookup *l, int code, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* TRUE if some part of @l has addresses. */
gboolean lookup_has_addresses(const NameLookup *l);

/* Whether @l's answer may go into the name cache. */
gboolean lookup_may_store(const NameLookup *l);

/* NAMES_TIMEOUT_MSEC passed: what is known is answered, the rest fails. */
gboolean lookup_on_deadline(gpointer user_data);

/* The nameservers are resolved (or not): start the DNS phase. */
void lookup_on_upstream(DnsChannel *channel, const GError *error, gpointer user_data);

/* Record @p as failed with @code, cacheable for @ttl_sec. */
void lookup_part_set_negative(NameLookup *l, TypePart *p, int code, uint32_t ttl_sec);

/* The names to ask DNS for @name, in order (search list and ndots). */
GPtrArray *names_search_candidates(const char *name, const ResolvConf *rc);

/* Drop a DNS query slot's answer. */
void lookup_slot_clear(QuerySlot *s);

/* Map every IPv6 address of the answer with AARP (names-map.c). */
void lookup_start_mapping(NameLookup *l);
