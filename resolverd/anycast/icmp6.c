/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* icmp6.c: Echo Request/Reply wire format (see icmp6.h). */
#include <netinet/icmp6.h>
#include <string.h>

#include "icmp6.h"

size_t icmp6_echo_request_build(const EchoFields *fields, uint8_t *buf) {
        buf[0] = ICMP6_ECHO_REQUEST;
        buf[1] = 0;
        buf[2] = buf[3] = 0; /* checksum: kernel */
        buf[4] = (uint8_t) (fields->identifier >> 8);
        buf[5] = (uint8_t) fields->identifier;
        buf[6] = (uint8_t) (fields->sequence >> 8);
        buf[7] = (uint8_t) fields->sequence;
        memcpy(buf + ICMP6_ECHO_HEADER_SIZE, fields->nonce, AARP_NONCE_SIZE);
        return ICMP6_ECHO_PACKET_SIZE;
}

EchoResult icmp6_echo_reply_parse(const uint8_t *buf, size_t len, EchoFields *ret) {
        /* RFC 4443 4.2: the reply carries the request's data unchanged, so
         * anything but our exact length is not an answer to our probe. */
        if (len != ICMP6_ECHO_PACKET_SIZE)
                return ECHO_BAD_LENGTH;
        if (buf[0] != ICMP6_ECHO_REPLY)
                return ECHO_BAD_TYPE;
        if (buf[1] != 0)
                return ECHO_BAD_CODE;
        ret->identifier = (uint16_t) (buf[4] << 8 | buf[5]);
        ret->sequence = (uint16_t) (buf[6] << 8 | buf[7]);
        memcpy(ret->nonce, buf + ICMP6_ECHO_HEADER_SIZE, AARP_NONCE_SIZE);
        return ECHO_OK;
}

EchoResult icmp6_echo_reply_match(const EchoFields *reply, const EchoFields *probe,
                                  int check_identifier) {
        uint8_t diff = 0;

        if (check_identifier && reply->identifier != probe->identifier)
                return ECHO_BAD_IDENTIFIER;
        if (reply->sequence != probe->sequence)
                return ECHO_UNKNOWN_SEQUENCE;
        /* Constant time, so response timing tells a guesser nothing. */
        for (size_t i = 0; i < AARP_NONCE_SIZE; i++)
                diff |= reply->nonce[i] ^ probe->nonce[i];
        return diff == 0 ? ECHO_OK : ECHO_BAD_NONCE;
}

const char *echo_result_to_string(EchoResult r) {
        static const char *const names[_ECHO_RESULT_MAX] = {
                [ECHO_OK] = "ok",
                [ECHO_BAD_LENGTH] = "bad length",
                [ECHO_BAD_TYPE] = "bad type",
                [ECHO_BAD_CODE] = "bad code",
                [ECHO_BAD_IDENTIFIER] = "bad identifier",
                [ECHO_UNKNOWN_SEQUENCE] = "unknown sequence",
                [ECHO_BAD_NONCE] = "bad nonce",
                [ECHO_BAD_SOURCE] = "bad source",
                [ECHO_BAD_MEMBER_SCOPE] = "member of another scope or class than the target (MemberScope=strict)",
        };
        return (unsigned) r < _ECHO_RESULT_MAX ? names[r] : "?";
}
