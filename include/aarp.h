/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarp.h: the public C API of libaarp (link with `pkg-config --libs aarp`).
 *
 * AARP (Anycast Address Resolving Protocol) resolves an IPv6 anycast address
 * A to the unicast address U of the member that routing delivers to, so
 * that a session protocol (TCP) can talk to U instead of A.  The work -
 * probing with ICMPv6 echo and caching - is done by the daemon
 * aarp-resolved; these calls ask it over D-Bus (its peer-to-peer socket
 * $AARP_RUNTIME_DIR/io.socket, else the system bus) and wait at most
 * AARP_CLIENT_TIMEOUT_MSEC.  They never start the daemon.
 *
 * Every call returns 0 on success or a negative errno value:
 *
 *   -ECONNREFUSED   aarp-resolved cannot be reached (not running)
 *   -ETIMEDOUT      it did not answer in time
 *   -ENXIO          host name does not exist
 *   -ENODATA        host name has no address of the requested family
 *   -EAGAIN         temporary failure (DNS servers unreachable)
 *   -EILSEQ         invalid host name
 *   -EINVAL         invalid argument
 *   -EADDRNOTAVAIL  the daemon refused the address
 *   -ENODEV         no such interface
 *   -EAFNOSUPPORT   unsupported address family
 *   -EACCES         permission denied
 *   -ENOBUFS        a daemon limit was exceeded
 *   -EIO, -EBADMSG, -EPROTO  daemon or protocol errors
 *   -ENOMEM         out of memory
 *
 * aarp_strerror() turns one into a short English sentence.  All calls are
 * thread-safe and fork-safe; errno is preserved.  Flag values (AARP_FLAG_*)
 * are those of <aarp-def.h>, included here.
 */
#pragma once

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include <aarp-def.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The answer to one address resolution. */
struct aarp_answer {
        struct in6_addr unicast; /* the address to talk to (U, or A itself) */
        uint64_t flags;   /* AARP_FLAG_ANYCAST, _FROM_CACHE, _NO_REPLY, _UNICAST, _NOT_PROBED, _REFRESHING */
        uint32_t ttl_sec; /* seconds this answer stays valid */
        uint64_t rtt_usec;    /* RTT of the probe that produced it; 0 if none */
        uint64_t reserved[4]; /* zero; room for later fields without a new soname */
};

/* One member of an anycast address (aarp_resolv_members(), since AARP_1.1). */
struct aarp_member {
        struct in6_addr unicast; /* the member's unicast address */
        uint64_t rtt_usec;       /* round trip of its best probe; 0 if none */
        uint64_t reserved[2];    /* zero; room for later fields without a new soname */
};

/* One address of a host name answer. */
struct aarp_host_address {
        int ifindex; /* interface it belongs to; 0 if none */
        int family;  /* AF_INET or AF_INET6 */
        union {
                struct in_addr in;
                struct in6_addr in6;
        } address; /* network byte order */
};

/* AARP's one call: resolve @anycast through interface @ifindex (0: any;
 * required for link-local addresses) and store the address to talk to in
 * *@ret_unicast - the nearest member's unicast address if @anycast is an
 * anycast address, else @anycast itself (also when no probe reply came:
 * AARP fails open).  Served from the daemon's cache when it can.
 * Returns 0 or a negative errno (see above). */
int aarp_resolv(const struct in6_addr *anycast, unsigned int ifindex, struct in6_addr *ret_unicast);

/* Like aarp_resolv(), with input @flags (0 or AARP_FLAG_NO_CACHE: ignore
 * the cache and probe afresh) and the whole answer in *@ret: flags, TTL and
 * probe RTT.  Returns 0 or a negative errno; *@ret is untouched on error. */
int aarp_resolv_full(const struct in6_addr *anycast, unsigned int ifindex, uint64_t flags,
                     struct aarp_answer *ret);

/* Every member of @anycast that the daemon knows, nearest (lowest RTT)
 * first; the member ordinary traffic reaches breaks ties.  The daemon finds
 * them by probing with distinct IPv6 flow labels, which routers spreading
 * traffic over equal-cost paths hash to different members, so the call
 * waits for that discovery the first time (aarp_resolv() never does).  A
 * program that tries the members in turn fails over when one member's
 * service is down; each connection should stay on the one member it
 * started with.  For an address that is not anycast the one answer
 * aarp_resolv_full() gives.
 *
 * On success returns 0; *@ret_members is a malloc()ed array of
 * *@ret_n_members (at least one) members, which the caller free()s, and
 * *@ret_answer (if not NULL) is the answer for the nearest member, as
 * aarp_resolv_full() would give it (flags, TTL of the whole set, that
 * member's RTT).  @flags as for aarp_resolv_full().  On failure returns a
 * negative errno and leaves the ret_ values untouched.  Symbol version
 * AARP_1.1. */
int aarp_resolv_members(const struct in6_addr *anycast, unsigned int ifindex, uint64_t flags,
                        struct aarp_member **ret_members, size_t *ret_n_members,
                        struct aarp_answer *ret_answer);

/* Resolve host name @name (hosts file, then DNS, in aarp-resolved) for
 * @family (AF_UNSPEC, AF_INET or AF_INET6) on @ifindex (0: any) with input
 * @flags; every IPv6 address in the answer has been resolved with AARP.
 *
 * On success returns 0, *@ret_addresses is a malloc()ed array of
 * *@ret_n_addresses (at least one) entries in answer order, *@ret_canonical
 * a malloc()ed canonical name; the caller free()s both.  *@ret_flags gets
 * AARP_FLAG_ANYCAST if some address was replaced and AARP_FLAG_FROM_CACHE
 * if all came from the cache.  Any ret_ pointer may be NULL.  On failure
 * returns a negative errno and leaves the ret_ values untouched. */
int aarp_resolve_hostname(const char *name, int family, unsigned int ifindex, uint64_t flags,
                          struct aarp_host_address **ret_addresses, size_t *ret_n_addresses,
                          char **ret_canonical, uint64_t *ret_flags);

/* A constant one-line English message for @error (a negative errno as
 * returned above; the sign is ignored).  Never NULL. */
const char *aarp_strerror(int error);

#ifdef __cplusplus
}
#endif
