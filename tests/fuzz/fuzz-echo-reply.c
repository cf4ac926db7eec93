/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-echo-reply.c: the path every received ICMPv6 packet takes before a
 * probe may accept it (resolverd/anycast/icmp6.c, resolverd/anycast/addr.c): parse, match
 * against the probe in flight, check the source address.  Anyone on the
 * path can send these packets, so beyond memory safety the target checks
 * that nothing but an exact answer is ever accepted.
 *
 * Input: source[16] target[16] scope[4] check_identifier[1]
 *        probe identifier[2] sequence[2] nonce[16], then the packet.
 */
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "fuzz.h"
#include "icmp6.h"

static int is_reserved_source(const struct in6_addr *a) {
        return IN6_IS_ADDR_MULTICAST(a) || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) ||
               IN6_IS_ADDR_V4MAPPED(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        FuzzInput in = { data, size };
        struct in6_addr source, target;
        EchoFields probe, reply;
        uint8_t request[ICMP6_ECHO_PACKET_SIZE];

        fuzz_bytes(&in, &source, sizeof(source));
        fuzz_bytes(&in, &target, sizeof(target));
        uint32_t scope = fuzz_u32(&in);
        int check_identifier = fuzz_u8(&in) & 1;
        probe.identifier = (uint16_t) (fuzz_u8(&in) << 8 | fuzz_u8(&in));
        probe.sequence = (uint16_t) (fuzz_u8(&in) << 8 | fuzz_u8(&in));
        fuzz_bytes(&in, probe.nonce, sizeof(probe.nonce));

        /* The packet as the socket hands it over: its own allocation, so a
         * read past its end is an ASan report. */
        uint8_t *packet = malloc(in.size ? in.size : 1);
        FUZZ_CHECK(packet);
        memcpy(packet, in.data, in.size);

        memset(&reply, 0xee, sizeof(reply));
        EchoResult r = icmp6_echo_reply_parse(packet, in.size, &reply);
        FUZZ_CHECK((unsigned) r < _ECHO_RESULT_MAX);
        FUZZ_CHECK(echo_result_to_string(r) != NULL);
        if (r == ECHO_OK) {
                FUZZ_CHECK(in.size == ICMP6_ECHO_PACKET_SIZE);
                FUZZ_CHECK(packet[0] == ICMP6_ECHO_REPLY && packet[1] == 0);
                FUZZ_CHECK(memcmp(reply.nonce, packet + ICMP6_ECHO_HEADER_SIZE, AARP_NONCE_SIZE) == 0);

                EchoResult m = icmp6_echo_reply_match(&reply, &probe, check_identifier);
                FUZZ_CHECK(m == ECHO_OK || m == ECHO_BAD_IDENTIFIER || m == ECHO_UNKNOWN_SEQUENCE ||
                           m == ECHO_BAD_NONCE);
                /* Accepted means: same sequence, same nonce and, where the
                 * kernel does not demultiplex, the same identifier. */
                int exact = reply.sequence == probe.sequence &&
                            memcmp(reply.nonce, probe.nonce, AARP_NONCE_SIZE) == 0 &&
                            (!check_identifier || reply.identifier == probe.identifier);
                FUZZ_CHECK((m == ECHO_OK) == exact);
        } else {
                FUZZ_CHECK(r == ECHO_BAD_LENGTH || r == ECHO_BAD_TYPE || r == ECHO_BAD_CODE);
        }

        /* Our own request is never taken for a reply, and the reply a
         * correct peer builds from it always matches. */
        size_t n = icmp6_echo_request_build(&probe, request);
        FUZZ_CHECK(n == ICMP6_ECHO_PACKET_SIZE);
        FUZZ_CHECK(icmp6_echo_reply_parse(request, n, &reply) == ECHO_BAD_TYPE);
        request[0] = ICMP6_ECHO_REPLY;
        FUZZ_CHECK(icmp6_echo_reply_parse(request, n, &reply) == ECHO_OK);
        FUZZ_CHECK(icmp6_echo_reply_match(&reply, &probe, 1) == ECHO_OK);

        bool ok = addr_valid_reply_source(&source, scope, &target, MEMBER_SCOPE_ANY);
        bool strict = addr_valid_reply_source(&source, scope, &target, MEMBER_SCOPE_STRICT);
        if (ok) {
                FUZZ_CHECK(!is_reserved_source(&source));
                if (IN6_IS_ADDR_LINKLOCAL(&source))
                        FUZZ_CHECK(scope != 0 && IN6_IS_ADDR_LINKLOCAL(&target));
        }
        /* MemberScope=any: the target's class must not change the verdict
         * on a global source. */
        if (addr_classify(&source) == ADDR_CLASS_GLOBAL)
                FUZZ_CHECK(ok);
        /* Strict only ever narrows it: the target itself, or a member of
         * its own scope (global, unique-local or link-local). */
        if (strict) {
                FUZZ_CHECK(ok);
                FUZZ_CHECK(memcmp(&source, &target, 16) == 0 ||
                           (addr_scope(&source) == addr_scope(&target) &&
                            (addr_scope(&source) == ADDR_SCOPE_GLOBAL || addr_scope(&source) == ADDR_SCOPE_ULA ||
                             addr_scope(&source) == ADDR_SCOPE_LINK_LOCAL)));
        } else if (ok) {
                FUZZ_CHECK(memcmp(&source, &target, 16) != 0);
        }

        free(packet);
        return 0;
}
