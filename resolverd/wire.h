/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wire.h: the D-Bus wire format of the one hot call, read and written by
 * hand.
 *
 * A cached ResolveAddress over io.socket is the daemon's busiest path, and
 * GDBusMessage spends most of the daemon's CPU on it: it converts the whole
 * message to GVariants and back, with allocations and type checks at every
 * step.  Here the call is recognised in place and the reply written into a
 * small buffer.
 *
 * The reader is deliberately narrow: little-endian, a method call to
 * AARP_OBJECT_PATH with only the header fields a client sends (PATH,
 * INTERFACE, MEMBER, SIGNATURE, optional DESTINATION, each of its exact
 * type), an exact member and signature.  Anything else - including every
 * malformed message - is "not mine", and the caller hands the bytes to
 * GDBusMessage, which validates everything.  So this file can only make
 * well-formed calls faster, never make a bad message acceptable.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

/* A method call recognised by wire_parse_resolve_address(). */
typedef struct {
        uint32_t serial;
        gboolean no_reply;      /* NO_REPLY_EXPECTED */
        gboolean all_members;   /* ResolveAddressMembers rather than ResolveAddress */
        int32_t ifindex;
        const uint8_t *address; /* points into the message */
        uint32_t address_len;   /* as sent: the caller checks it is 4 or 16 */
        uint64_t flags;
} WireResolveAddress;

/* @msg is one whole message of @len bytes (as framed by
 * g_dbus_message_bytes_needed()).  TRUE if it is exactly a
 * ResolveAddress or ResolveAddressMembers call with signature "iayt"; FALSE
 * for anything else, without judging it. */
gboolean wire_parse_resolve_address(const uint8_t *msg, size_t len, WireResolveAddress *ret);

/* The largest reply wire_write_address_reply() writes. */
#define WIRE_ADDRESS_REPLY_MAX 88u

/* ResolveAddress's reply "(aytut)" to call @reply_serial, with serial 0 (the
 * transport sets it at offset WIRE_SERIAL_OFFSET).  @address_len is 4 or
 * 16.  Writes at most WIRE_ADDRESS_REPLY_MAX bytes to @buf; returns how
 * many. */
size_t wire_write_address_reply(uint8_t *buf, uint32_t reply_serial, const uint8_t *address,
                                uint32_t address_len, uint64_t flags, uint32_t ttl_sec, uint64_t rtt_usec);

#define WIRE_SERIAL_OFFSET 8u
