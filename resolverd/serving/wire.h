/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wire.h: the D-Bus wire format of the hot calls, read and written by hand.
 *
 * A cached ResolveAddress (or ResolveHostnameEx, the NSS module's call when a
 * name is not in the snapshot, and ResolveHostname) over io.socket is the daemon's busiest path, and
 * GDBusMessage spends most of the daemon's CPU on it: it converts the whole
 * message to GVariants and back, with allocations and type checks at every
 * step.  Here the call is recognised in place and the reply written into a
 * small buffer.
 *
 * The reader is deliberately narrow: little-endian, a method call to
 * AARP_OBJECT_PATH with only the header fields a client sends (PATH,
 * INTERFACE, MEMBER, SIGNATURE, optional DESTINATION, each of its exact
 * type), an exact member and that member's exact signature.  Anything else - including every
 * malformed message - is "not mine", and the caller hands the bytes to
 * GDBusMessage, which validates everything.  So this file can only make
 * well-formed calls faster, never make a bad message acceptable.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef enum {
        WIRE_RESOLVE_ADDRESS = 1,
        WIRE_RESOLVE_ADDRESS_MEMBERS,
        WIRE_RESOLVE_HOSTNAME,
        WIRE_RESOLVE_HOSTNAME_EX, /* ResolveHostname with the answer's TTL */
} WireMethod;

/* A method call recognised by wire_parse_call(). */
typedef struct {
        WireMethod method;
        uint32_t serial;
        gboolean no_reply;      /* NO_REPLY_EXPECTED */
        int32_t ifindex;
        uint64_t flags;
        /* ResolveAddress, ResolveAddressMembers ("iayt"): */
        const uint8_t *address; /* points into the message */
        uint32_t address_len;   /* as sent: the caller checks it is 4 or 16 */
        /* ResolveHostname ("isit"): */
        const char *name;       /* points into the message: NUL-terminated valid UTF-8, no NUL inside */
        uint32_t name_len;
        int32_t family;
} WireCall;

/* @msg is one whole message of @len bytes (as framed by
 * g_dbus_message_bytes_needed()).  TRUE if it is exactly one of the
 * WireMethod calls with its signature; FALSE for anything else, without
 * judging it. */
gboolean wire_parse_call(const uint8_t *msg, size_t len, WireCall *ret);

/* The largest reply wire_write_address_reply() writes. */
#define WIRE_ADDRESS_REPLY_MAX 88u

/* ResolveAddress's reply "(aytut)" to call @reply_serial, with serial 0 (the
 * transport sets it at offset WIRE_SERIAL_OFFSET).  @address_len is 4 or
 * 16.  Writes at most WIRE_ADDRESS_REPLY_MAX bytes to @buf; returns how
 * many. */
size_t wire_write_address_reply(uint8_t *buf, uint32_t reply_serial, const uint8_t *address,
                                uint32_t address_len, uint64_t flags, uint32_t ttl_sec, uint64_t rtt_usec);

/* One address of ResolveHostname's answer. */
typedef struct {
        int32_t ifindex;
        int32_t family;         /* AF_INET (4 bytes of @address) or AF_INET6 (16) */
        const uint8_t *address;
} WireHostAddress;

/* The size of ResolveHostname's reply "(a(iiay)st)" with @n addresses and a
 * canonical name of @canonical_len bytes: allocate this much for
 * wire_write_hostname_reply(). */
size_t wire_hostname_reply_size(size_t n, size_t canonical_len);

/* ResolveHostname's reply to call @reply_serial (serial 0, as above).
 * @canonical must be valid UTF-8 without NUL (the caller checks).  Returns
 * the bytes written, at most wire_hostname_reply_size(). */
size_t wire_write_hostname_reply(uint8_t *buf, uint32_t reply_serial, const WireHostAddress *addresses, size_t n,
                                 const char *canonical, uint64_t flags);
/* ResolveHostnameEx's reply "(a(iiay)stu)": the same with @ttl_sec after the
 * flags; at most wire_hostname_reply_size() bytes too. */
size_t wire_write_hostname_ex_reply(uint8_t *buf, uint32_t reply_serial, const WireHostAddress *addresses,
                                    size_t n, const char *canonical, uint64_t flags, uint32_t ttl_sec);

#define WIRE_SERIAL_OFFSET 8u
