/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * icmp6.h: ICMPv6 Echo Request building and Echo Reply parsing (RFC 4443
 * section 4).  Pure functions over byte buffers so that the wire format and
 * its validation are unit-tested and fuzzable without sockets.
 *
 * Our echo payload is exactly AARP_NONCE_SIZE random bytes.  A reply is
 * accepted only if it is type 129, code 0, of exactly the request's length,
 * and carries the identifier, sequence and nonce of a probe in flight.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "aarp-def.h"

#define ICMP6_ECHO_HEADER_SIZE 8u
#define ICMP6_ECHO_PACKET_SIZE (ICMP6_ECHO_HEADER_SIZE + AARP_NONCE_SIZE)

typedef enum {
        ECHO_OK = 0,
        ECHO_BAD_LENGTH,
        ECHO_BAD_TYPE,
        ECHO_BAD_CODE,
        ECHO_BAD_IDENTIFIER,
        ECHO_UNKNOWN_SEQUENCE,
        ECHO_BAD_NONCE,
        ECHO_BAD_SOURCE,
        ECHO_BAD_MEMBER_SCOPE, /* a member of another scope than the target (addr_scope()) */
        _ECHO_RESULT_MAX,
} EchoResult;

typedef struct {
        uint16_t identifier;
        uint16_t sequence;
        uint8_t nonce[AARP_NONCE_SIZE];
} EchoFields;

/* Write an Echo Request for @fields into @buf (at least
 * ICMP6_ECHO_PACKET_SIZE bytes).  The checksum is left zero: the kernel
 * computes it for ICMPv6 sockets (RFC 3542 section 3.1).  Returns the
 * packet length. */
size_t icmp6_echo_request_build(const EchoFields *fields, uint8_t *buf);

/* Parse @len bytes at @buf as one of our Echo Replies into @ret (header and
 * nonce; no identity check).  Returns ECHO_OK, ECHO_BAD_LENGTH,
 * ECHO_BAD_TYPE or ECHO_BAD_CODE. */
EchoResult icmp6_echo_reply_parse(const uint8_t *buf, size_t len, EchoFields *ret);

/* Compare a parsed reply with the probe it claims to answer: nonce
 * (compared in constant time) and, if @check_identifier, the identifier.
 * Ping sockets demultiplex by identifier in the kernel and rewrite it, so
 * they pass false. */
EchoResult icmp6_echo_reply_match(const EchoFields *reply, const EchoFields *probe,
                                  int check_identifier);

const char *echo_result_to_string(EchoResult r);
