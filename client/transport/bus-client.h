/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-client.h: the one D-Bus client of aarp-resolved, shared by the NSS
 * module (libnss_aarp.so.2), libaarp, aarp-resolve and aarp-run.
 *
 * It is a guest in every process that resolves a host name, so it uses libc
 * and libdbus's message (de)marshalling only: no GLib, no DBusConnection, no
 * signal handlers, no threads, no D-Bus activation.  The socket work is done
 * here, so that every wait - connect, authentication, call - is bounded by
 * one deadline of AARP_CLIENT_TIMEOUT_MSEC per call (libdbus's own connect
 * is a blocking connect() that can hang on a stopped daemon's full backlog).
 *
 * Transport: the daemon's peer-to-peer socket $AARP_RUNTIME_DIR/io.socket
 * first (secure_getenv, so a setuid program ignores the override), then the
 * system bus ($DBUS_SYSTEM_BUS_ADDRESS, also via secure_getenv, else the
 * standard path).  One connection per process is kept between calls (a new
 * one costs a few hundred microseconds); it is protected by a mutex, dropped
 * in a forked child (pthread_atfork + getpid check: a child never talks on its
 * parent's socket) or after a change of uid (setuid(): the daemon knows a
 * connection by the credentials it was made with), and reopened once if the
 * daemon went away (reset, EOF).  A timeout is not retried, then or in the
 * next calls while the daemon stays silent (see bus_conn_call()).  A caller that
 * finds the kept connection busy in another thread uses a one-shot connection
 * instead of queueing behind a slow lookup, so the bound holds per call.
 *
 * Errors are negative errno values, one per outcome:
 *
 *   -ECONNREFUSED   the daemon cannot be reached: no socket, nobody listening,
 *                   no system bus, org.aarp.Resolve1 not on the bus,
 *                   authentication refused, connection lost twice.  Returned
 *                   fast, without waiting.  (NSS: UNAVAIL.)
 *   -ETIMEDOUT      no answer within AARP_CLIENT_TIMEOUT_MSEC (hung or
 *                   stopped daemon), or D-Bus NoReply/Timeout.
 *   -ENXIO          Error.NoSuchName: the name does not exist.
 *   -ENODATA        Error.NoData: the name has no address of that family.
 *   -EAGAIN         Error.TemporaryFailure: upstream servers failed.
 *   -EILSEQ         Error.InvalidName (also checked locally: not UTF-8, or
 *                   longer than AARP_NAME_MAX + 1).
 *   -EINVAL         Error.InvalidArgument (and bad arguments to this API).
 *   -EADDRNOTAVAIL  Error.InvalidAddress.
 *   -EOPNOTSUPP     Error.InvalidFlags.
 *   -ENODEV         Error.InvalidInterface.
 *   -EAFNOSUPPORT   Error.InvalidFamily.
 *   -EACCES         Error.AccessDenied, or the bus policy refused the call.
 *   -ENOBUFS        Error.LimitExceeded.
 *   -EIO            Error.Internal.
 *   -EBADMSG        the reply does not have the documented signature.
 *   -EPROTO         any other error name, or a D-Bus protocol violation.
 *   -ENOMEM         out of memory.
 *
 * bus_client_strerror() gives a one-line message for each.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aarp-stats.h"

typedef struct BusAddress {
        int ifindex;         /* interface the address belongs to; 0 if none */
        int family;          /* AF_INET or AF_INET6 */
        uint8_t address[16]; /* network byte order; 4 bytes used for AF_INET */
} BusAddress;

/* One member of an anycast address (ResolveAddressMembers). */
typedef struct BusMember {
        uint8_t address[16]; /* unicast, network byte order; 4 bytes used for IPv4 */
        uint64_t rtt_usec;   /* round trip of its best probe; 0 if none */
} BusMember;

/* Every statistic of the daemon (include/aarp-stats.h). */
typedef AarpStatistics BusStatistics;

/* ResolveHostname: resolve @name (UTF-8, at most AARP_NAME_MAX characters
 * plus an optional trailing dot) for @family (AF_UNSPEC, AF_INET, AF_INET6)
 * on @ifindex (0: any) with input @flags (AARP_FLAG_NO_CACHE or 0).
 *
 * On success returns 0; *ret_addresses is a malloc()ed array of
 * *ret_n_addresses (>= 1) entries in answer order, *ret_canonical a
 * malloc()ed string (the canonical name, never NULL), *ret_flags the output
 * flags.  The caller frees both.  Any ret_ pointer may be NULL if the caller
 * does not want that value.  On failure returns a negative errno from the
 * table above and leaves the ret_ values untouched.  Thread-safe and
 * fork-safe; errno is clobbered (callers that must preserve it save it). */
int bus_client_resolve_hostname(int ifindex, const char *name, int family, uint64_t flags,
                                BusAddress **ret_addresses, size_t *ret_n_addresses, char **ret_canonical,
                                uint64_t *ret_flags);

/* bus_client_resolve_hostname() with the answer's TTL in *@ret_ttl_sec
 * (seconds it may be kept; 0 from a daemon without ResolveHostnameEx). */
int bus_client_resolve_hostname_ttl(int ifindex, const char *name, int family, uint64_t flags,
                                    BusAddress **ret_addresses, size_t *ret_n_addresses, char **ret_canonical,
                                    uint64_t *ret_flags, uint32_t *ret_ttl_sec);

/* ResolveAddressName: the host names of @address (4 bytes for AF_INET, 16
 * for AF_INET6, network byte order), from the hosts file or a PTR lookup.
 *
 * On success returns 0; *ret_names is one malloc()ed block holding the
 * *ret_n_names (>= 1) names one after the other, each NUL-terminated, the
 * canonical name first, with one more NUL at the end; *ret_ttl_sec is how
 * long the answer may be kept (0: the hosts file).  Any ret_ pointer may be
 * NULL.  On failure returns a negative errno (table above; -ENXIO: no name)
 * and leaves the ret_ values untouched. */
int bus_client_resolve_address_name(int ifindex, int family, const void *address, uint64_t flags, char **ret_names,
                                    size_t *ret_n_names, uint32_t *ret_ttl_sec);

/* ResolveAddress: resolve the candidate @address (@address_size 16 for IPv6
 * or 4 for IPv4, network byte order) with AARP through @ifindex (0: any;
 * required for link-local) with input @flags.
 *
 * On success returns 0 and stores the address to talk to in *ret_unicast
 * (16 bytes written for IPv6, 4 for IPv4; the buffer must hold
 * @address_size bytes), the output flags (AARP_FLAG_ANYCAST, ...), the TTL
 * in seconds and the probe RTT in microseconds (0 if none).  Any ret_
 * pointer may be NULL.  On failure returns a negative errno (table above)
 * and leaves the ret_ values untouched. */
int bus_client_resolve_address(int ifindex, const void *address, size_t address_size, uint64_t flags,
                               void *ret_unicast, uint64_t *ret_flags, uint32_t *ret_ttl_sec,
                               uint64_t *ret_rtt_usec);

/* ResolveAddressMembers: like bus_client_resolve_address(), but the daemon
 * waits for member discovery and returns every known member of an anycast
 * address, nearest (lowest RTT) first; for any other address the one answer
 * ResolveAddress would give.
 *
 * On success returns 0; *ret_members is a malloc()ed array of
 * *ret_n_members (>= 1) entries, each address @address_size bytes long
 * (the rest of BusMember.address zeroed), which the caller frees;
 * *ret_flags gets the output flags (AARP_FLAG_ANYCAST, _FROM_CACHE,
 * _REFRESHING, ...) and *ret_ttl_sec the TTL.  Any ret_ pointer may be
 * NULL.  On failure returns a negative errno (table above) and leaves the
 * ret_ values untouched. */
int bus_client_resolve_address_members(int ifindex, const void *address, size_t address_size, uint64_t flags,
                                       BusMember **ret_members, size_t *ret_n_members, uint64_t *ret_flags,
                                       uint32_t *ret_ttl_sec);

/* InvalidateAddress: report that @member (16 bytes) of the anycast
 * @address (16 bytes) failed, e.g. a connection to it was refused.  On
 * success returns 0 and *ret_invalidated (may be NULL) tells whether the
 * cached answer listed the member.  For root the daemon drops that answer
 * and re-probes; for anyone else it re-probes (rate limited) and leaves the
 * member out of that user's own answers.  Negative errno otherwise. */
int bus_client_invalidate_address(int ifindex, const void *address, const void *member, bool *ret_invalidated);

/* FlushCaches and ResetStatistics: 0 on success, else a negative errno
 * (-EACCES for a caller that is not root). */
int bus_client_flush_caches(void);
int bus_client_reset_statistics(void);

/* Read every statistics property in one GetAll call into *ret.  0 on
 * success (ret filled), else a negative errno and *ret untouched. */
int bus_client_get_statistics(BusStatistics *ret);

/* A constant one-line English description of the error @r (negative errno
 * as returned above), for messages such as "aarp-resolve: NAME: %s".  Never
 * NULL; values not in the table give "unexpected error". */
const char *bus_client_strerror(int r);

/* Close the kept connection, if any (for tests and for programs that want
 * to release the socket; the next call opens a new one).  Thread-safe. */
void bus_client_disconnect(void);
