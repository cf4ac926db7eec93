/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Echo Request building and Echo Reply parsing/validation (resolverd/anycast/icmp6.c). */
#include <criterion/criterion.h>
#include <netinet/icmp6.h>
#include <string.h>

#include "icmp6.h"

static EchoFields sample(void) {
        EchoFields f = { .identifier = 0xbeef, .sequence = 0x1234 };
        for (unsigned i = 0; i < AARP_NONCE_SIZE; i++)
                f.nonce[i] = (uint8_t) (i * 7 + 1);
        return f;
}

/* A reply as a member's kernel builds it: the request with type 129. */
static size_t reply_of(const EchoFields *f, uint8_t *buf) {
        size_t n = icmp6_echo_request_build(f, buf);
        buf[0] = ICMP6_ECHO_REPLY;
        return n;
}

Test(icmp6, request_has_type_128_code_0_and_the_fields_in_network_order) {
        EchoFields f = sample();
        uint8_t buf[64];
        size_t n = icmp6_echo_request_build(&f, buf);

        cr_assert_eq(n, 8 + AARP_NONCE_SIZE);
        cr_assert_eq(buf[0], 128);
        cr_assert_eq(buf[1], 0);
        cr_assert_eq(buf[4], 0xbe);
        cr_assert_eq(buf[5], 0xef);
        cr_assert_eq(buf[6], 0x12);
        cr_assert_eq(buf[7], 0x34);
        cr_assert_arr_eq(buf + 8, f.nonce, AARP_NONCE_SIZE);
}

Test(icmp6, matching_reply_is_accepted) {
        EchoFields f = sample(), r;
        uint8_t buf[64];
        size_t n = reply_of(&f, buf);

        cr_assert_eq(icmp6_echo_reply_parse(buf, n, &r), ECHO_OK);
        cr_assert_eq(icmp6_echo_reply_match(&r, &f, 1), ECHO_OK);
}

Test(icmp6, request_echoed_back_as_type_128_is_rejected) {
        EchoFields f = sample(), r;
        uint8_t buf[64];
        size_t n = icmp6_echo_request_build(&f, buf);

        cr_assert_eq(icmp6_echo_reply_parse(buf, n, &r), ECHO_BAD_TYPE);
}

Test(icmp6, nonzero_code_is_rejected) {
        EchoFields f = sample(), r;
        uint8_t buf[64];
        size_t n = reply_of(&f, buf);

        buf[1] = 1;
        cr_assert_eq(icmp6_echo_reply_parse(buf, n, &r), ECHO_BAD_CODE);
}

Test(icmp6, truncated_and_oversized_replies_are_rejected) {
        EchoFields f = sample(), r;
        uint8_t buf[64] = { 0 };
        size_t n = reply_of(&f, buf);

        for (size_t len = 0; len < n; len++)
                cr_assert_eq(icmp6_echo_reply_parse(buf, len, &r), ECHO_BAD_LENGTH, "len %zu", len);
        cr_assert_eq(icmp6_echo_reply_parse(buf, n + 1, &r), ECHO_BAD_LENGTH);
        cr_assert_eq(icmp6_echo_reply_parse(buf, sizeof(buf), &r), ECHO_BAD_LENGTH);
}

Test(icmp6, every_single_bit_flip_of_the_nonce_is_rejected) {
        EchoFields f = sample(), r;
        uint8_t buf[64];

        for (unsigned bit = 0; bit < AARP_NONCE_SIZE * 8; bit++) {
                size_t n = reply_of(&f, buf);
                buf[8 + bit / 8] ^= (uint8_t) (1u << (bit % 8));
                cr_assert_eq(icmp6_echo_reply_parse(buf, n, &r), ECHO_OK);
                cr_assert_eq(icmp6_echo_reply_match(&r, &f, 1), ECHO_BAD_NONCE, "bit %u", bit);
        }
}

Test(icmp6, wrong_identifier_is_rejected_only_when_checked) {
        EchoFields f = sample(), r;
        uint8_t buf[64];
        size_t n = reply_of(&f, buf);

        buf[5] ^= 1;
        cr_assert_eq(icmp6_echo_reply_parse(buf, n, &r), ECHO_OK);
        cr_assert_eq(icmp6_echo_reply_match(&r, &f, 1), ECHO_BAD_IDENTIFIER);
        /* Ping sockets: the kernel owns the identifier. */
        cr_assert_eq(icmp6_echo_reply_match(&r, &f, 0), ECHO_OK);
}

Test(icmp6, wrong_sequence_is_rejected) {
        EchoFields f = sample(), r;
        uint8_t buf[64];
        size_t n = reply_of(&f, buf);

        buf[7] ^= 1;
        cr_assert_eq(icmp6_echo_reply_parse(buf, n, &r), ECHO_OK);
        cr_assert_eq(icmp6_echo_reply_match(&r, &f, 1), ECHO_UNKNOWN_SEQUENCE);
}
