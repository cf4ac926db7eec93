/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarp-def.h: the wire contract between aarp-resolved and every client
 * (libnss_aarp, libaarp, aarp-resolve, aarp-run).
 *
 * Everything two sides of the D-Bus API must agree on lives here and only
 * here: names, flag bits, error names, limits and default timeouts.  It is
 * plain C with no dependencies so that the NSS module (libc + libdbus only)
 * can include it as well as the GLib daemon.
 */
#pragma once

#include <stdint.h>

/* ---- D-Bus names ------------------------------------------------------ */
#define AARP_BUS_NAME           "org.aarp.Resolve1"
#define AARP_OBJECT_PATH        "/org/aarp/Resolve1"
#define AARP_MANAGER_INTERFACE  "org.aarp.Resolve1.Manager"

/* Peer-to-peer D-Bus socket in the runtime directory: same object path and
 * interface as on the system bus, without the bus daemon in between.  Used
 * by the NSS module for speed; the system bus is the fallback. */
#define AARP_RUNTIME_DIR_DEFAULT "/run/aarp-resolved"
#define AARP_RUNTIME_DIR_ENV     "AARP_RUNTIME_DIR"
#define AARP_IO_SOCKET_NAME      "io.socket"

#define AARP_CONFIG_FILE_DEFAULT "/etc/aarp/resolved.conf"

/* ---- Error names (org.aarp.Resolve1.Error.*) -------------------------- */
#define AARP_ERROR_PREFIX              "org.aarp.Resolve1.Error."
#define AARP_ERROR_INVALID_ARGUMENT    AARP_ERROR_PREFIX "InvalidArgument"
#define AARP_ERROR_INVALID_ADDRESS     AARP_ERROR_PREFIX "InvalidAddress"
#define AARP_ERROR_INVALID_FLAGS       AARP_ERROR_PREFIX "InvalidFlags"
#define AARP_ERROR_INVALID_INTERFACE   AARP_ERROR_PREFIX "InvalidInterface"
#define AARP_ERROR_INVALID_NAME        AARP_ERROR_PREFIX "InvalidName"
#define AARP_ERROR_INVALID_FAMILY      AARP_ERROR_PREFIX "InvalidFamily"
#define AARP_ERROR_NO_SUCH_NAME        AARP_ERROR_PREFIX "NoSuchName"      /* NXDOMAIN */
#define AARP_ERROR_NO_DATA             AARP_ERROR_PREFIX "NoData"          /* name exists, no address of that family */
#define AARP_ERROR_TEMPORARY_FAILURE   AARP_ERROR_PREFIX "TemporaryFailure"/* servers unreachable / timed out */
#define AARP_ERROR_ACCESS_DENIED       AARP_ERROR_PREFIX "AccessDenied"
#define AARP_ERROR_LIMIT_EXCEEDED      AARP_ERROR_PREFIX "LimitExceeded"
#define AARP_ERROR_INTERNAL            AARP_ERROR_PREFIX "Internal"

/* ---- Flags ------------------------------------------------------------
 * Input flags (what the caller asks for) use the low 16 bits; output flags
 * (what the answer is) use bits 16 and up, so a value can never be misread
 * as the other kind.  Unknown input bits are rejected with InvalidFlags. */
#define AARP_FLAG_NO_CACHE       (UINT64_C(1) << 0)  /* in: ignore the cache, probe afresh */

#define AARP_FLAGS_INPUT_MASK    (AARP_FLAG_NO_CACHE)

#define AARP_FLAG_ANYCAST        (UINT64_C(1) << 16) /* out: reply came from another address: A was anycast, mapped to its member */
#define AARP_FLAG_FROM_CACHE     (UINT64_C(1) << 17) /* out: answered from the cache, no probe */
#define AARP_FLAG_NO_REPLY       (UINT64_C(1) << 18) /* out: no valid echo reply in time; the address itself is returned (fail-open) */
#define AARP_FLAG_UNICAST        (UINT64_C(1) << 19) /* out: the address answered from itself: ordinary unicast */
#define AARP_FLAG_NOT_PROBED     (UINT64_C(1) << 20) /* out: address class never probed (IPv4, loopback, multicast, ...); returned unchanged */
#define AARP_FLAG_REFRESHING     (UINT64_C(1) << 21) /* out: served from the cache near its expiry while a background re-probe runs */

/* ---- Limits ----------------------------------------------------------- */
#define AARP_NAME_MAX            253u   /* RFC 1035 presentation length without the trailing dot */
#define AARP_LABEL_MAX           63u
#define AARP_ADDRESSES_MAX       64u    /* addresses returned per name */
#define AARP_BATCH_MAX           1024u  /* addresses per ResolveAddresses call */
#define AARP_CACHE_SIZE_MAX      (4u * 1024u * 1024u)
#define AARP_PROBES_IN_FLIGHT_MAX 65536u
#define AARP_MEMBERS_MAX         16u    /* members kept per anycast address */
#define AARP_MEMBER_PROBES_MAX   32u    /* flow-label probes per discovery */

/* ---- Introspection: GetStatus, ShowCache, Monitor ---------------------- */
/* ShowCache's reply stays below this (the client reads messages of at most
 * 1 MiB, io.socket queues at most 1 MiB per connection); entries past it
 * are only counted. */
#define AARP_SHOW_CACHE_BYTES_MAX         (512u * 1024u)
/* Monitor subscriptions: per non-root user, and in all (of which the last
 * AARP_MONITOR_PER_USER_MAX are root's). */
#define AARP_MONITOR_PER_USER_MAX         4u
#define AARP_MONITOR_SUBSCRIBERS_MAX      64u
/* Events queued per subscriber between two Resolutions signals, which go
 * out at most every AARP_MONITOR_FLUSH_MSEC; more are dropped and counted. */
#define AARP_MONITOR_QUEUE_MAX            256u
#define AARP_MONITOR_FLUSH_MSEC           100u
#define AARP_MONITOR_SIGNAL               "Resolutions"

/* ---- Defaults (overridable in resolved.conf) -------------------------- */
#define AARP_PROBE_TIMEOUT_MSEC_DEFAULT   1000u  /* per attempt */
#define AARP_PROBE_RETRIES_DEFAULT        2u     /* attempts after the first */
#define AARP_ANYCAST_TTL_SEC_DEFAULT      60u
#define AARP_UNICAST_TTL_SEC_DEFAULT      300u
#define AARP_NO_REPLY_TTL_SEC_DEFAULT     30u
#define AARP_NOT_PROBED_TTL_SEC           3600u  /* TTL reported for NOT_PROBED answers */
#define AARP_CACHE_SIZE_DEFAULT           65536u
#define AARP_PROBES_IN_FLIGHT_DEFAULT     16384u
#define AARP_MEMBER_PROBES_DEFAULT        8u     /* flow-label probes when an address turns out anycast; 0 disables */
#define AARP_PROBE_RATE_LIMIT_DEFAULT     200u   /* fresh probes per second per non-root user */
#define AARP_PROBE_RATE_BURST_DEFAULT     2000u
#define AARP_REQUESTS_PER_CLIENT_DEFAULT  1024u  /* requests in flight per non-root user */

/* Echo payload: 16 bytes of per-probe random nonce, checked on receipt. */
#define AARP_NONCE_SIZE                   16u

/* Upper bound on how long a client (NSS module, libaarp) waits for the
 * daemon before giving up.  A hung daemon delays a lookup by at most this. */
#define AARP_CLIENT_TIMEOUT_MSEC          5000u
